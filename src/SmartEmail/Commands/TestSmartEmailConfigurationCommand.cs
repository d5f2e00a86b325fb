using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using SmartEmail.Ini;

namespace SmartEmail.Commands
{
    /// <summary>Test-SmartEmailConfiguration: $true when an INI has no errors; with -Detailed, every finding.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "SmartEmailConfiguration")]
    [OutputType(typeof(bool), typeof(ConfigurationFinding))]
    public sealed class TestSmartEmailConfigurationCommand : ConfigurationCmdlet
    {
        /// <summary>Emit one finding per problem instead of $true/$false.</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        protected override void ProcessRecord()
        {
            var path = ResolveConfigurationPath(Path);
            ConfigurationFinding[] findings;
            try
            {
                findings = ConfigurationReader.Load(path).Findings;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Never throws for a bad file: an unreadable one is a finding like any other.
                findings = new[] { ConfigurationReader.UnreadableFinding(path, e) };
            }
            if (Detailed)
                WriteObject(findings, enumerateCollection: true);
            else
                WriteObject(findings.All(f => f.Severity != FindingSeverity.Error));
        }
    }
}
