using System;
using System.IO;
using System.Linq;

namespace SmartEmail.Ini
{
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
