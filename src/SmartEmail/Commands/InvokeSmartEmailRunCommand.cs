using System;
using System.Management.Automation;
using SmartEmail.Run;

namespace SmartEmail.Commands
{
    /// <summary>Invoke-SmartEmailRun: the INI-compatible run, composed of the read, match, submit, save and remove steps.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SmartEmailRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RunResult))]
    public sealed class InvokeSmartEmailRunCommand : SmartEmailCmdlet
    {
        /// <summary>The SMArtEmail.ini to run.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName", "IniFile")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The mailbox credential instead of the INI's [Mail] User and Password.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>The OpCon credential instead of the INI's [General] OpConUser and OpConUserPassword.</summary>
        [Parameter]
        [Credential]
        public PSCredential? OpConCredential { get; set; }

        /// <summary>IMAP, POP, MSAL or Folder instead of the INI's EmailProtocol (the legacy --imap, --pop, --msal).</summary>
        [Parameter]
        [ValidateSet("IMAP", "POP", "MSAL", "Folder")]
        public string? Protocol { get; set; }

        /// <summary>The mail server instead of the INI's (the legacy -server:).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Server { get; set; }

        /// <summary>The port instead of the INI's (the legacy -port:).</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        /// <summary>The minimum TLS version instead of the INI's (the legacy --tls1_2 and friends).</summary>
        [Parameter]
        [ValidateSet("SSL2", "SSL", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3")]
        public string? SecurityProtocol { get; set; }

        /// <summary>Match, All or None instead of the INI's DeleteEmails (the legacy --delete, --deleteall).</summary>
        [Parameter]
        [ValidateSet("Match", "All", "None")]
        public string? DeleteEmails { get; set; }

        /// <summary>Seconds to wait for another run on the same INI before giving up with exit code 2.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int LockTimeoutSeconds { get; set; } = 60;

        protected override void ProcessRecord()
        {
            var configuration = LoadConfiguration(Path);
            var whatIf = !ShouldProcess(configuration.Path, "Run SmartEmail: read mail, submit events, download, delete, audit, remember");
            if (whatIf && !MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                return; // declined at the -Confirm prompt: nothing to report
            var log = new CmdletLog(this, ErrorIds.MessageReadFailed);
            RunResult result;
            using (log)
            {
                var run = new SmartEmailRun(configuration, new RunOptions
                {
                    WhatIf = whatIf,
                    MailCredential = Credential?.GetNetworkCredential(),
                    OpConCredential = OpConCredential?.GetNetworkCredential(),
                    LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds),
                    DeleteEmails = DeleteEmails == null ? (DeleteMode?)null : (DeleteMode)Enum.Parse(typeof(DeleteMode), DeleteEmails, ignoreCase: true),
                    Overrides = new SmartEmail.Mail.MailboxOverrides
                    {
                        Protocol = Protocol == null ? (MailProtocol?)null : (MailProtocol)Enum.Parse(typeof(MailProtocol), Protocol, ignoreCase: true),
                        Server = Server,
                        Port = Port,
                        SecurityProtocol = SecurityProtocol == null ? (SecurityProtocol?)null : (SecurityProtocol)Enum.Parse(typeof(SecurityProtocol), SecurityProtocol, ignoreCase: true),
                    },
                }, log.Log);
                result = run.Execute(CancellationToken);
            }
            foreach (var error in result.Errors)
                WriteWarning(error);
            foreach (var warning in result.Warnings)
                WriteWarning(warning);
            // The summary goes to the host, so an OpCon job's output shows it; the object goes down the pipeline.
            WriteInformation(new InformationRecord(result.Summary, "SmartEmail") { Tags = { "PSHOST" } });
            WriteObject(result);
        }
    }
}
