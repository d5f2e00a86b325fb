using System.Collections.Generic;

namespace SmartEmail.Formatting
{
    /// <summary>What <see cref="ValueFormatter.Format"/> made of a template.</summary>
    internal readonly struct FormattedText
    {
        public FormattedText(string text, IReadOnlyList<string> unsafeTokens, bool transliterated)
        {
            Text = text;
            UnsafeTokens = unsafeTokens;
            Transliterated = transliterated;
        }

        /// <summary>The text, ready for its destination.</summary>
        public string Text { get; }

        /// <summary>Event fields only, with UnsafeValueAction=Reject: the tokens whose value holds a comma, line break or
        /// control character (left in <see cref="Text"/>, so the caller must not use it).</summary>
        public IReadOnlyList<string> UnsafeTokens { get; }

        /// <summary>Whether characters the event encoding cannot carry were transliterated or replaced.</summary>
        public bool Transliterated { get; }

        /// <summary>Whether the text may go to its destination.</summary>
        public bool IsSafe => UnsafeTokens.Count == 0;
    }
}
