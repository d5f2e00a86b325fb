using System;
using System.IO;
using System.Management.Automation;
using SmartEmail.Mail;

namespace SmartEmail.Commands
{
    /// <summary>Get-SmartEmailMessage: reads messages and emits <see cref="Message"/> objects one by one.</summary>
    [Cmdlet(VerbsCommon.Get, "SmartEmailMessage", DefaultParameterSetName = IniSet)]
    [OutputType(typeof(Message))]
    public sealed class GetSmartEmailMessageCommand : SmartEmailCmdlet
    {
        private const string IniSet = "Ini";
        private const string ServerSet = "Server";
        private const string FileSet = "File";
        private int _emitted;
        private MailSource? _source;
        private FileStream? _protocolLog;

        /// <summary>The SMArtEmail.ini whose [Mail] section names the mailbox.</summary>
        [Parameter(Position = 0, ParameterSetName = IniSet)]
        [Alias("IniFile")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The mail server (or, with -Protocol Folder, the folder of .eml files).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string Server { get; set; } = string.Empty;

        /// <summary>The port: no default, as in the reference (993 IMAPS, 143 IMAP, 995 POP3S, 110 POP3).</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        /// <summary>IMAP (default), POP or Folder.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateSet("IMAP", "POP", "Folder")]
        public string Protocol { get; set; } = "IMAP";

        // Strings, not the engine's enums: a cmdlet's value-type fields are loaded with the cmdlet type, and engine types
        // must not be needed before the module's private loader is hooked up (PowerShell reflects over every exported type).

        /// <summary>The lowest TLS version accepted.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateSet("SSL2", "SSL", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3")]
        public string? SecurityProtocol { get; set; }

        /// <summary>Auto (standard ports by number, any other by whether the server greets), Implicit, StartTls or None.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateSet("Auto", "Implicit", "StartTls", "None")]
        public string TlsMode { get; set; } = "Auto";

        /// <summary>Accept a self-signed or otherwise untrusted certificate (not one issued for another host).</summary>
        [Parameter(ParameterSetName = ServerSet)]
        public SwitchParameter AcceptSelfSignedCertificate { get; set; }

        /// <summary>Accept exactly the certificate with this SHA-1 or SHA-256 thumbprint.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? CertificateThumbprint { get; set; }

        /// <summary>The mailbox user and password (instead of the INI's).</summary>
        [Parameter(ParameterSetName = IniSet)]
        [Parameter(ParameterSetName = ServerSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>The IMAP folder to read (instead of the INI's, or INBOX).</summary>
        [Parameter(ParameterSetName = IniSet)]
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? Folder { get; set; }

        /// <summary>Seconds one network operation may take before the read fails with MailboxTimeout (default 60).</summary>
        [Parameter(ParameterSetName = IniSet)]
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 3600)]
        public int TimeoutSeconds { get; set; } = 60;

        /// <summary>Writes the IMAP or POP3 conversation to this file, passwords redacted.</summary>
        [Parameter(ParameterSetName = IniSet)]
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? ProtocolLogPath { get; set; }

        /// <summary>Message files (.eml, or mbox) and folders of .eml files; wildcards allowed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FileSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] MessagePath { get; set; } = Array.Empty<string>();

        /// <summary>Also reads the .eml files of subfolders.</summary>
        [Parameter(ParameterSetName = FileSet)]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Only messages received on or after this time.</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>At most this many messages.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? First { get; set; }

        protected override void BeginProcessing()
        {
            if (ParameterSetName == FileSet)
                return;
            MailboxSettings settings;
            try
            {
                settings = ParameterSetName == IniSet
                    ? MailboxSettings.From(LoadConfiguration(Path), Credential?.GetNetworkCredential())
                    : new MailboxSettings
                    {
                        Protocol = (MailProtocol)Enum.Parse(typeof(MailProtocol), Protocol, ignoreCase: true),
                        Server = Protocol.Equals("Folder", StringComparison.OrdinalIgnoreCase) ? GetUnresolvedProviderPathFromPSPath(Server) : Server,
                        Port = Port,
                        SecurityProtocol = SecurityProtocol == null ? (SecurityProtocol?)null : (SecurityProtocol)Enum.Parse(typeof(SecurityProtocol), SecurityProtocol, ignoreCase: true),
                        TlsMode = (TlsMode)Enum.Parse(typeof(TlsMode), TlsMode, ignoreCase: true),
                        AcceptUntrustedCertificate = AcceptSelfSignedCertificate,
                        CertificateThumbprint = CertificateThumbprint,
                        Credential = Credential?.GetNetworkCredential(),
                    };
            }
            catch (MailboxException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, Path ?? Server));
                return;
            }
            if (Folder != null)
                settings.Folder = Folder;
            settings.Timeout = TimeSpan.FromSeconds(TimeoutSeconds);
            if (ProtocolLogPath != null)
            {
                _protocolLog = new FileStream(GetUnresolvedProviderPathFromPSPath(ProtocolLogPath), FileMode.Create, FileAccess.Write, FileShare.Read);
                settings.ProtocolLog = _protocolLog;
            }
            _source = MailSource.Create(settings);
        }

        protected override void ProcessRecord()
        {
            if (_source != null)
            {
                ReadMailbox(_source);
                return;
            }
            foreach (var path in MessagePath)
            {
                foreach (var file in ResolveMessageFiles(path, Recurse))
                {
                    if (Done)
                        return;
                    ReadFile(file);
                }
            }
        }

        protected override void EndProcessing() => Close();

        protected override void Release() => Close();

        private void ReadMailbox(MailSource source)
        {
            var options = new ReadOptions { Since = SinceOffset, First = First };
            using (var log = new CmdletLog(this, ErrorIds.MessageReadFailed))
            {
                source.Log = log.Log;
                try
                {
                    foreach (var message in source.Read(options, CancellationToken))
                        WriteObject(message);
                }
                catch (MailboxException e)
                {
                    Close();
                    ThrowTerminatingError(ToErrorRecord(e, source.Uri));
                }
                finally
                {
                    source.Log = NullEngineLog.Instance;
                }
            }
        }

        /// <summary>Ends the connection. Messages emitted earlier can still be saved or removed: their mailbox reconnects.</summary>
        private void Close()
        {
            _source?.Disconnect();
            if (_source != null)
                _source.Settings.ProtocolLog = null; // later reconnections (Save, Remove) log nowhere rather than into a closed file
            _protocolLog?.Dispose();
            _protocolLog = null;
        }

        private DateTimeOffset? SinceOffset => Since.HasValue ? new DateTimeOffset(Since.Value) : (DateTimeOffset?)null;

        private bool Done => First.HasValue && _emitted >= First.Value;

        private void ReadFile(string file)
        {
            var since = SinceOffset;
            foreach (var message in ReadMessageFile(file))
            {
                if (Done)
                    return;
                if (since.HasValue && message.Received < since.Value)
                    continue;
                WriteObject(message);
                _emitted++;
            }
        }
    }
}
