using System.Text;

namespace SmartEmail.Formatting
{
    /// <summary>
    /// A message's own text (a subject, a sender, a name) as SmartEmail quotes it in a message to the admin: an error, a
    /// warning, a -WhatIf target, a rule's explanation. Characters that end a line (Unicode Cc, Zl, Zp) become spaces,
    /// so one quote never splits a line of a log or a job's output; a long text is shortened.
    /// </summary>
    public static class DisplayText
    {
        /// <summary>The longest text a quote keeps.</summary>
        public const int MaxLength = 120;

        /// <summary>The text on one line, at most <see cref="MaxLength"/> characters (and an ellipsis).</summary>
        public static string Quote(string? value)
        {
            var line = OneLine(value ?? string.Empty);
            return line.Length > MaxLength ? line.Substring(0, MaxLength) + "…" : line;
        }

        /// <summary>Each character that breaks a line becomes a space (a CR LF pair one space).</summary>
        internal static string OneLine(string value)
        {
            if (!UnsafeCharacters.AnyBreaksLine(value))
                return value;
            var builder = new StringBuilder(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                if (!UnsafeCharacters.BreaksLine(value[i]))
                    builder.Append(value[i]);
                else if (!(value[i] == '\n' && i > 0 && value[i - 1] == '\r'))
                    builder.Append(' ');
            }
            return builder.ToString();
        }
    }
}
