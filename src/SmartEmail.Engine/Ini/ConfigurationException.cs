using System;

namespace SmartEmail.Ini
{
    /// <summary>An INI file cannot be used; the message names the file and, for an invalid one, every error with its line.</summary>
    public sealed class ConfigurationException : SmartEmailException
    {
        /// <summary>Creates the exception.</summary>
        public ConfigurationException(ConfigurationErrorKind kind, string path, string message, ConfigurationFinding[]? errors = null, Exception? innerException = null)
            : base(message, innerException)
        {
            Kind = kind;
            Path = path;
            Errors = errors ?? Array.Empty<ConfigurationFinding>();
        }

        /// <summary>What went wrong.</summary>
        public ConfigurationErrorKind Kind { get; }

        /// <summary>The INI file.</summary>
        public string Path { get; }

        /// <summary>The error findings (for <see cref="ConfigurationErrorKind.Invalid"/>), in file order; otherwise empty.</summary>
        public ConfigurationFinding[] Errors { get; }
    }
}
