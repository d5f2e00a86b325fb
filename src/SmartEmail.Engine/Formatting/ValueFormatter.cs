using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace SmartEmail.Formatting
{
    /// <summary>
    /// The one place where <c>[[TOKEN]]</c>s become text: captures, [[SENDER]], [[SUBJECT]], [[DATE]], [[REASON]],
    /// [[EVENT]], [[ATTACHMENT]] and the INI's [Tokens], for each kind of destination (<see cref="ValueDestination"/>).
    /// It alone decides what is unsafe there: a substituted value's characters of Unicode categories Cc, Zl and Zp
    /// everywhere (they end lines), a value's comma in an event (it adds fields), and in an event every character the
    /// MSGIN encoding cannot carry (transliterated, never a failure). A token with no value is left as written.
    /// </summary>
    internal sealed class ValueFormatter
    {
        /// <summary>A <c>[[NAME]]</c> token.</summary>
        public static readonly Regex TokenPattern = new Regex(@"\[\[([^\[\]]+)\]\]", RegexOptions.CultureInvariant);

        private readonly EncodingFit? _fit;
        private readonly bool _strip;

        /// <summary>Creates a formatter.</summary>
        /// <param name="eventEncoding">The encoding events are written in (MSGIN); null when any character can go (the REST API).</param>
        /// <param name="stripUnsafe">UnsafeValueAction=Strip: an event value's unsafe characters are removed; else they are reported.</param>
        public ValueFormatter(Encoding? eventEncoding, bool stripUnsafe)
        {
            _fit = EncodingFit.For(eventEncoding);
            _strip = stripUnsafe;
        }

        /// <summary>A formatter for texts that are no events (logs, notices, diagnostics).</summary>
        public static ValueFormatter Text { get; } = new ValueFormatter(null, false);

        /// <summary>The name of the encoding events are fitted to, or null when they are not.</summary>
        public string? EventEncodingName => _fit?.Name;

        /// <summary>Replaces every token that <paramref name="lookup"/> knows, in one pass (a value's own "[[X]]" stays text).</summary>
        public FormattedText Format(string template, Func<string, string?> lookup, ValueDestination destination)
        {
            var unsafeTokens = new List<string>();
            var text = TokenPattern.Replace(template, token =>
            {
                var name = token.Groups[1].Value;
                var value = lookup(name);
                return value == null ? token.Value : Value(name, value, destination, unsafeTokens);
            });
            var transliterated = false;
            // An unsafe text is not used, so it is not fitted either (it would report a transliteration that never went out).
            if (destination == ValueDestination.EventField && _fit != null && unsafeTokens.Count == 0)
                text = _fit.Apply(text, out transliterated);
            return new FormattedText(text, unsafeTokens, transliterated);
        }

        /// <summary>
        /// Expands the INI's own [Tokens] in a setting's value as it is read: the values are the admin's, so nothing is
        /// made safe here; the value is formatted again, for its destination, when it is used.
        /// </summary>
        public static string Expand(string template, Func<string, string?> lookup) =>
            TokenPattern.Replace(template, token => lookup(token.Groups[1].Value) ?? token.Value);

        /// <summary>A message's text (a subject, a sender, a file name) as a diagnostic may quote it: one line, shortened.</summary>
        public static string Quote(string? value) => DisplayText.Quote(value);

        private string Value(string name, string value, ValueDestination destination, List<string> unsafeTokens)
        {
            switch (destination)
            {
                case ValueDestination.EventField:
                    if (!HasAny(value, UnsafeCharacters.InjectsEventField))
                        return value;
                    if (_strip)
                        return Remove(value, UnsafeCharacters.InjectsEventField);
                    if (!unsafeTokens.Contains(name))
                        unsafeTokens.Add(name);
                    return value;
                case ValueDestination.Diagnostic:
                    return Quote(value);
                default:
                    return DisplayText.OneLine(value);
            }
        }

        private static bool HasAny(string value, Func<char, bool> test)
        {
            foreach (var c in value)
            {
                if (test(c))
                    return true;
            }
            return false;
        }

        private static string Remove(string value, Func<char, bool> test)
        {
            var builder = new StringBuilder(value.Length);
            foreach (var c in value)
            {
                if (!test(c))
                    builder.Append(c);
            }
            return builder.ToString();
        }
    }
}
