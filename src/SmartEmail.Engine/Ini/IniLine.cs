namespace SmartEmail.Ini
{
    /// <summary>One line of an INI file, exactly as it was written, with what it means.</summary>
    public sealed class IniLine
    {
        internal IniLine(int number, string text, string terminator)
        {
            Number = number;
            Text = text;
            Terminator = terminator;
            Parse();
        }

        /// <summary>The 1-based line number.</summary>
        public int Number { get; internal set; }

        /// <summary>The text of the line without its terminator.</summary>
        public string Text { get; private set; }

        /// <summary>The line terminator as written: <c>\r\n</c>, <c>\n</c>, <c>\r</c>, or empty for a last line without one.</summary>
        public string Terminator { get; internal set; }

        /// <summary>What the line is.</summary>
        public IniLineKind Kind { get; private set; }

        /// <summary>The section the line belongs to (its own name for a section header); empty before the first section.</summary>
        public string Section { get; internal set; } = string.Empty;

        /// <summary>The key of a key/value line, trimmed, as written.</summary>
        public string Key { get; private set; } = string.Empty;

        /// <summary>The value of a key/value line, trimmed.</summary>
        public string Value => Kind == IniLineKind.KeyValue ? Text.Substring(_valueStart, _valueLength) : string.Empty;

        /// <summary>Why an invalid line is invalid.</summary>
        public string Problem { get; private set; } = string.Empty;

        private int _valueStart;
        private int _valueLength;

        /// <summary>Replaces the value, keeping everything around it (key spelling, spaces around '=', trailing spaces).</summary>
        internal void SetValue(string value)
        {
            Text = Text.Substring(0, _valueStart) + value + Text.Substring(_valueStart + _valueLength);
            _valueLength = value.Length;
        }

        private void Parse()
        {
            var trimmed = Text.Trim();
            if (trimmed.Length == 0)
            {
                Kind = IniLineKind.Blank;
            }
            else if (trimmed[0] == ';' || trimmed[0] == '#')
            {
                Kind = IniLineKind.Comment;
            }
            else if (trimmed[0] == '[')
            {
                var close = trimmed.IndexOf(']');
                var rest = close < 0 ? string.Empty : trimmed.Substring(close + 1).TrimStart();
                if (close < 0)
                {
                    Kind = IniLineKind.Invalid;
                    Problem = "The section header has no closing ']'.";
                }
                else if (rest.Length != 0 && rest[0] != ';' && rest[0] != '#')
                {
                    Kind = IniLineKind.Invalid;
                    Problem = $"Unexpected text '{rest}' after the section header.";
                }
                else if (trimmed.Substring(1, close - 1).Trim().Length == 0)
                {
                    Kind = IniLineKind.Invalid;
                    Problem = "The section header has no name.";
                }
                else
                {
                    Kind = IniLineKind.Section;
                    Section = trimmed.Substring(1, close - 1).Trim();
                }
            }
            else
            {
                var equals = Text.IndexOf('=');
                if (equals < 0)
                {
                    Kind = IniLineKind.Invalid;
                    Problem = "The line has no '=' between a key and its value; it is ignored.";
                    return;
                }
                Key = Text.Substring(0, equals).Trim();
                if (Key.Length == 0)
                {
                    Kind = IniLineKind.Invalid;
                    Problem = "The line has a value but no key; it is ignored.";
                    return;
                }
                Kind = IniLineKind.KeyValue;
                var start = equals + 1;
                while (start < Text.Length && char.IsWhiteSpace(Text[start]))
                    start++;
                var end = Text.Length;
                while (end > start && char.IsWhiteSpace(Text[end - 1]))
                    end--;
                _valueStart = start;
                _valueLength = end - start;
            }
        }
    }
}
