using System;
using System.IO;
using System.Management.Automation;
using SmartEmail.Ini;

namespace SmartEmail.Commands
{
    /// <summary>The base of cmdlets that take an INI through -Path (default: $env:SMARTEMAIL_INI or the platform's default).</summary>
    public abstract class ConfigurationCmdlet : SmartEmailCmdlet
    {
        /// <summary>The SMArtEmail.ini to read.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName", "IniFile")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The file system path of -Path, or of the default INI.</summary>
        protected string ResolveConfigurationPath() =>
            GetUnresolvedProviderPathFromPSPath(string.IsNullOrEmpty(Path) ? ConfigurationReader.DefaultPath() : Path);

        /// <summary>
        /// Reads the INI. A missing or unreadable file is a terminating error; so is a file with errors, which are all
        /// listed with their lines. Warnings go to the warning stream.
        /// </summary>
        protected Configuration LoadConfiguration()
        {
            var path = ResolveConfigurationPath();
            Configuration configuration;
            try
            {
                configuration = ConfigurationReader.Load(path);
            }
            catch (FileNotFoundException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, ErrorIds.ConfigurationNotFound, path));
                throw; // not reached
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                var error = new IOException($"Cannot read the configuration file '{path}': {e.Message}", e);
                ThrowTerminatingError(ToErrorRecord(error, ErrorIds.ConfigurationReadFailed, path));
                throw;
            }
            foreach (var finding in configuration.Findings)
            {
                if (finding.Severity == FindingSeverity.Warning)
                    WriteWarning(finding.ToString());
            }
            var errors = Array.FindAll(configuration.Findings, f => f.Severity == FindingSeverity.Error);
            if (errors.Length != 0)
            {
                var lines = string.Join(Environment.NewLine, Array.ConvertAll(errors, f => "  " + f));
                var exception = new InvalidDataException(
                    $"The configuration file '{path}' has {errors.Length} error(s):{Environment.NewLine}{lines}{Environment.NewLine}Run Test-SmartEmailConfiguration -Detailed for every finding.");
                ThrowTerminatingError(new ErrorRecord(exception, ErrorIds.ConfigurationInvalid, ErrorCategory.InvalidData, path));
            }
            return configuration;
        }
    }
}
