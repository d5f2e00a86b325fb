namespace SmartEmail
{
    /// <summary>One problem in an INI file, with where it is.</summary>
    public sealed class ConfigurationFinding
    {
        internal ConfigurationFinding(FindingSeverity severity, string path, int line, string section, string key, string message)
        {
            Severity = severity;
            Path = path;
            Line = line;
            Section = section;
            Key = key;
            Message = message;
        }

        /// <summary>Error or Warning.</summary>
        public FindingSeverity Severity { get; }

        /// <summary>The INI file.</summary>
        public string Path { get; }

        /// <summary>The 1-based line, or 0 when the problem is something missing from the file.</summary>
        public int Line { get; }

        /// <summary>The section, or empty.</summary>
        public string Section { get; }

        /// <summary>The key, or empty.</summary>
        public string Key { get; }

        /// <summary>What is wrong and what to do about it.</summary>
        public string Message { get; }

        /// <inheritdoc/>
        public override string ToString()
        {
            var where = Line > 0 ? $"{Path}:{Line}" : Path;
            var what = Section.Length == 0 ? string.Empty : Key.Length == 0 ? $" [{Section}]" : $" [{Section}] {Key}";
            return $"{where}{what}: {Message}";
        }
    }
}
