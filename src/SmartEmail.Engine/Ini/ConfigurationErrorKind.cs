namespace SmartEmail.Ini
{
    /// <summary>What keeps an INI file from being used.</summary>
    public enum ConfigurationErrorKind
    {
        /// <summary>The file does not exist.</summary>
        NotFound,
        /// <summary>The file cannot be read (locked, no permission, an I/O error).</summary>
        Unreadable,
        /// <summary>The file has error findings.</summary>
        Invalid,
    }
}
