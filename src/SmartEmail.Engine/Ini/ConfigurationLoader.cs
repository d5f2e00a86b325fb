using System;
using System.IO;
using System.Linq;

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

    /// <summary>
    /// The one rule for using an INI: it is read, and refused when it has error findings (warnings do not stop it). The
    /// cmdlets, smartemail.ps1 (through them) and the soak worker all load their INI here.
    /// </summary>
    public static class ConfigurationLoader
    {
        /// <summary>Reads the INI at <paramref name="path"/> and refuses it when it has errors.</summary>
        /// <param name="path">The INI file.</param>
        /// <returns>The configuration; its <see cref="Configuration.Findings"/> hold only warnings.</returns>
        /// <exception cref="ConfigurationException">The file does not exist, cannot be read, or has errors (each listed with its line).</exception>
        public static Configuration LoadValid(string path)
        {
            var full = System.IO.Path.GetFullPath(path);
            Configuration configuration;
            try
            {
                configuration = ConfigurationReader.Load(full);
            }
            catch (FileNotFoundException e)
            {
                throw new ConfigurationException(ConfigurationErrorKind.NotFound, full, $"The configuration file '{full}' does not exist.", null, e);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new ConfigurationException(ConfigurationErrorKind.Unreadable, full, $"Cannot read the configuration file '{full}': {e.Message}", null, e);
            }
            ThrowIfInvalid(configuration);
            return configuration;
        }

        /// <summary>Refuses a configuration that has error findings.</summary>
        /// <exception cref="ConfigurationException">It has errors; the message lists each with its file and line.</exception>
        public static void ThrowIfInvalid(Configuration configuration)
        {
            var errors = configuration.Findings.Where(f => f.Severity == FindingSeverity.Error).ToArray();
            if (errors.Length == 0)
                return;
            var lines = string.Join(Environment.NewLine, errors.Select(f => "  " + f));
            throw new ConfigurationException(ConfigurationErrorKind.Invalid, configuration.Path,
                $"The configuration file '{configuration.Path}' has {errors.Length} error(s):{Environment.NewLine}{lines}", errors);
        }
    }
}
