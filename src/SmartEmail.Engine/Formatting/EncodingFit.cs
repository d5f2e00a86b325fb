using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SmartEmail.Formatting
{
    /// <summary>
    /// Makes a text carriable by an encoding without failing: a character the encoding cannot carry is transliterated
    /// (compatibility decomposition with its combining marks dropped, so "Résumé" becomes "Resume" and a full-width "Ａ"
    /// an "A"; a few Latin letters that do not decompose by a table: "ß" to "ss", "Ø" to "O") or else replaced by '?'
    /// (one per character, so an emoji outside the BMP is one '?', not two).
    /// </summary>
    internal sealed class EncodingFit
    {
        private static readonly Dictionary<char, string> Letters = new Dictionary<char, string>
        {
            ['ß'] = "ss", ['ẞ'] = "SS", ['Æ'] = "AE", ['æ'] = "ae", ['Œ'] = "OE", ['œ'] = "oe", ['Ø'] = "O", ['ø'] = "o",
            ['Ł'] = "L", ['ł'] = "l", ['Đ'] = "D", ['đ'] = "d", ['Ð'] = "D", ['ð'] = "d", ['Þ'] = "TH", ['þ'] = "th",
            ['ı'] = "i", ['Ħ'] = "H", ['ħ'] = "h", ['ŋ'] = "ng", ['Ŋ'] = "NG",
            ['‘'] = "'", ['’'] = "'", ['‚'] = "'", ['‛'] = "'", ['“'] = "\"", ['”'] = "\"", ['„'] = "\"", ['‟'] = "\"",
            ['‹'] = "<", ['›'] = ">", ['«'] = "<<", ['»'] = ">>", ['‐'] = "-", ['‑'] = "-", ['‒'] = "-", ['–'] = "-",
            ['—'] = "-", ['―'] = "-", ['−'] = "-", ['•'] = "*", ['·'] = ".", ['€'] = "EUR", ['£'] = "GBP", ['¥'] = "JPY",
            ['©'] = "(c)", ['®'] = "(R)", ['™'] = "TM", ['°'] = "deg", ['×'] = "x", ['÷'] = "/",
        };

        private readonly Encoding _encoding;

        private EncodingFit(Encoding encoding)
        {
            // A private copy that answers "cannot" instead of substituting its own '?', so every character is decided here.
            _encoding = Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            Name = encoding.WebName;
        }

        /// <summary>The encoding's name, for messages.</summary>
        public string Name { get; }

        /// <summary>A fit for an encoding; null for UTF-8 and the other Unicode encodings, which carry every character.</summary>
        public static EncodingFit? For(Encoding? encoding) =>
            encoding == null || encoding is UTF8Encoding || encoding is UnicodeEncoding || encoding is UTF32Encoding ? null : new EncodingFit(encoding);

        /// <summary>The text with every character the encoding cannot carry transliterated or replaced; <paramref name="changed"/> says whether any was.</summary>
        public string Apply(string text, out bool changed)
        {
            changed = false;
            if (CanCarry(text))
                return text;
            changed = true;
            var builder = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    var pair = text.Substring(i++, 2);
                    builder.Append(CanCarry(pair) ? pair : "?");
                    continue;
                }
                var one = c.ToString();
                if (!char.IsSurrogate(c) && CanCarry(one))
                    builder.Append(c);
                else
                    builder.Append(Transliterate(c));
            }
            return builder.ToString();
        }

        private string Transliterate(char c)
        {
            if (char.IsSurrogate(c))
                return "?";
            if (Letters.TryGetValue(c, out var letters) && CanCarry(letters))
                return letters;
            if (char.IsWhiteSpace(c))
                return " "; // no-break, thin, ideographic spaces
            var decomposed = c.ToString().Normalize(NormalizationForm.FormKD);
            var kept = new StringBuilder();
            foreach (var d in decomposed)
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(d);
                if (category == UnicodeCategory.NonSpacingMark || category == UnicodeCategory.SpacingCombiningMark || category == UnicodeCategory.EnclosingMark)
                    continue;
                kept.Append(d);
            }
            var result = kept.ToString();
            // A lookalike stays data: a full-width comma (U+FF0C) decomposes to ',' and would add an event field.
            return result.Length != 0 && CanCarry(result) && result.IndexOf(',') < 0 && !UnsafeCharacters.AnyBreaksLine(result) ? result : "?";
        }

        private bool CanCarry(string text)
        {
            try
            {
                _encoding.GetByteCount(text);
                return true;
            }
            catch (EncoderFallbackException)
            {
                return false;
            }
        }
    }
}
