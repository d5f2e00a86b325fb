namespace SmartEmail.Ini
{
    /// <summary>What one line of an INI file is.</summary>
    public enum IniLineKind
    {
        /// <summary>Empty or white space only.</summary>
        Blank,
        /// <summary>Starts with <c>;</c> or <c>#</c>.</summary>
        Comment,
        /// <summary>A <c>[Section]</c> header.</summary>
        Section,
        /// <summary>A <c>Key=Value</c> line.</summary>
        KeyValue,
        /// <summary>Anything else: an unterminated section header, a line without <c>=</c>, a key before any section.</summary>
        Invalid,
    }
}
