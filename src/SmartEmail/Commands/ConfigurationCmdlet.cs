using System.Management.Automation;

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
    }
}
