using System.Globalization;

namespace SmartEmail.Formatting
{
    /// <summary>The one definition of a character that breaks a line-oriented destination.</summary>
    internal static class UnsafeCharacters
    {
        /// <summary>
        /// Unicode categories Cc (controls: CR, LF, NUL, TAB, VT, FF, NEL U+0085), Zl (U+2028 LINE SEPARATOR) and Zp
        /// (U+2029 PARAGRAPH SEPARATOR): every character that a reader, viewer or OpCon agent may take as the end of a
        /// line or that corrupts a text file.
        /// </summary>
        public static bool BreaksLine(char c)
        {
            switch (CharUnicodeInfo.GetUnicodeCategory(c))
            {
                case UnicodeCategory.Control:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Whether the text holds a character that <see cref="BreaksLine"/>.</summary>
        public static bool AnyBreaksLine(string text)
        {
            foreach (var c in text)
            {
                if (BreaksLine(c))
                    return true;
            }
            return false;
        }

        /// <summary>A value that would add or shift the fields of an OpCon event: a line break, control or comma.</summary>
        public static bool InjectsEventField(char c) => c == ',' || BreaksLine(c);
    }
}
