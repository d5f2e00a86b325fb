using System.Management.Automation;

namespace SmartEmail.Commands
{
    /// <summary>Get-SmartEmailConfiguration: reads an SMArtEmail.ini into a SmartEmail.Configuration.</summary>
    [Cmdlet(VerbsCommon.Get, "SmartEmailConfiguration")]
    [OutputType(typeof(Configuration))]
    public sealed class GetSmartEmailConfigurationCommand : ConfigurationCmdlet
    {
        protected override void ProcessRecord() => WriteObject(LoadConfiguration(Path));
    }
}
