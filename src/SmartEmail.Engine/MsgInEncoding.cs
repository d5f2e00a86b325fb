namespace SmartEmail
{
    /// <summary>
    /// The encoding of MSGIN event files. The INI spells them ASCII, Windows-1252 and UTF-8 (any letter case); an enum
    /// name cannot hold a hyphen, so the two latter print as Windows1252 and UTF8.
    /// </summary>
    public enum MsgInEncoding
    {
        /// <summary>US-ASCII, what OpCon agents expect.</summary>
        ASCII,
        /// <summary>Windows-1252, for agents that read it.</summary>
        Windows1252,
        /// <summary>UTF-8 without a byte order mark, for agents that read it.</summary>
        UTF8,
    }
}
