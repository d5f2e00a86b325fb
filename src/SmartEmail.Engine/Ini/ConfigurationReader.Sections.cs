using System;
using System.Linq;
using System.Runtime.InteropServices;
using SmartEmail.Rules;

namespace SmartEmail.Ini
{
    public static partial class ConfigurationReader
    {
        /// <summary>[Tokens], [General], [Mail], [Audit] and [OpCon], and the checks that span several of their keys.</summary>
        private sealed partial class Reader
        {
            private void ReadTokens()
            {
                foreach (var line in _doc.Entries("Tokens"))
                {
                    var value = Expand(line, line.Value);
                    if (!_config.Tokens.TryAdd(line.Key, value))
                        continue; // duplicate: reported by CheckStructure
                    if (RuleSyntax.IsBuiltIn(line.Key) || RuleSyntax.IsCaptureToken(line.Key))
                        Add(FindingSeverity.Warning, line.Number, "Tokens", line.Key, $"[[{Show(line.Key)}]] is a built-in token; this definition hides it in rule values.");
                }
            }

            private void ReadGeneral()
            {
                const string s = "General";
                var g = _config.General;
                var isWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
                var msgIn = Text(s, "MSGINDirectory");
                if (msgIn == null && isWindows)
                    msgIn = Environment.ExpandEnvironmentVariables(IniSchema.Get(s, "MSGINDirectory").DefaultText);
                if (msgIn == null)
                    Add(FindingSeverity.Error, 0, s, "MSGINDirectory", "MSGINDirectory is not set, and there is no default outside Windows: name the OpCon agent's MSGIN folder.");
                g.MsgInDirectory = msgIn == null ? null : ResolvePath(msgIn, s, "MSGINDirectory");
                // User names are encrypted too (as smartemail.exe did); shown decrypted when this account can.
                var opConUser = Raw(s, "OpConUser");
                g.OpConUser = opConUser == null ? string.Empty : Secrets.IsProtected(opConUser) ? Secrets.TryUnprotect(opConUser) ?? string.Empty : Text(s, "OpConUser") ?? string.Empty;
                g.OpConUserState = new SecretState(opConUser);
                g.OpConUserPassword = new SecretState(Raw(s, "OpConUserPassword"));
                g.DeleteEmails = Choice<DeleteMode>(s, "DeleteEmails");
                g.DownloadEmails = Bool(s, "DownloadEmails");
                var download = Text(s, "DownloadFolder");
                if (download == null)
                    download = isWindows ? Environment.ExpandEnvironmentVariables(IniSchema.Get(s, "DownloadFolder").DefaultText) : "Received";
                g.DownloadFolder = ResolvePath(download, s, "DownloadFolder");
                g.ExitCodeForNoMatchingEmails = Int(s, "ExitCodeForNoMatchingEmails");
                g.UseLastRunDate = Bool(s, "UseLastRunDate");
                g.LastRunDate = Date(s, "LastRunDate");
                g.SendRejectionNotice = OptionalBool(s, "SendRejectionNotice");
                g.SendAcceptedNotice = OptionalBool(s, "SendAcceptedNotice");
                g.TimeZone = TimeZoneId(s, "TimeZone");
                var state = Text(s, "StateFile");
                g.StateFile = state == null ? null : ResolvePath(state, s, "StateFile");
                g.MsgInEncoding = Choice<MsgInEncoding>(s, "MsgInEncoding");
                g.UnsafeValueAction = Choice<UnsafeValueAction>(s, "UnsafeValueAction");
                g.RegexTimeout = Seconds(s, "RegexTimeout");
                g.RequireAuthenticatedSender = Bool(s, "RequireAuthenticatedSender");
                g.TrustedAuthServId = Text(s, "TrustedAuthServId");
                if (g.RequireAuthenticatedSender && g.TrustedAuthServId == null)
                    Add(FindingSeverity.Error, LineOf(s, "RequireAuthenticatedSender"), s, "TrustedAuthServId",
                        "RequireAuthenticatedSender is on but TrustedAuthServId is not set: name your mail server's authserv-id.");
                g.MaxAttempts = Int(s, "MaxAttempts");
                g.MaxHeaderBytes = Int(s, "MaxHeaderBytes");
            }

            private void ReadMail()
            {
                const string s = "Mail";
                var m = _config.Mail;
                m.Protocol = OptionalChoice<MailProtocol>(s, "EmailProtocol");
                var server = Text(s, "Server");
                m.Server = server != null && m.Protocol == MailProtocol.Folder ? ResolvePath(server, s, "Server") : server;
                m.Port = OptionalInt(s, "Port");
                m.SecurityProtocol = OptionalChoice<SecurityProtocol>(s, "SecurityProtocol");
                var userRaw = Raw(s, "User");
                m.UserState = new SecretState(userRaw);
                m.User = userRaw == null ? string.Empty : Secrets.IsProtected(userRaw) ? Secrets.TryUnprotect(userRaw) ?? string.Empty : userRaw;
                m.Password = new SecretState(Raw(s, "Password"));
                m.SelfSignedCertificate = Bool(s, "SelfSignedCertificate");
                m.CertificateThumbprint = Text(s, "CertificateThumbprint");
                m.Folder = TextOrDefault(s, "Folder");
                m.TlsMode = Choice<Mail.TlsMode>(s, "TlsMode");
                if (m.TlsMode == Mail.TlsMode.None)
                    Add(FindingSeverity.Warning, LineOf(s, "TlsMode"), s, "TlsMode", "TlsMode=None sends the mailbox password unencrypted: use it only with a test server on a trusted network.");
                m.SmtpServer = Text(s, "SmtpServer");
                m.SmtpPort = OptionalInt(s, "SmtpPort");
                m.SmtpSecurityProtocol = OptionalChoice<SecurityProtocol>(s, "SmtpSecurityProtocol");
                m.SmtpAuthentication = Choice<Mail.SmtpAuthentication>(s, "SmtpAuthentication");
                m.NotifyFrom = Text(s, "NotifyFrom");
                m.Tenant = Text(s, "Tenant");
                m.ClientId = Text(s, "ClientId");
                m.Authority = TextOrDefault(s, "Authority");
                m.ClientSecret = new SecretState(Raw(s, "ClientSecret"));
                var certificate = Text(s, "CertificatePath");
                m.CertificatePath = certificate == null ? null : ResolvePath(certificate, s, "CertificatePath");
                m.CertificatePassword = new SecretState(Raw(s, "CertificatePassword"));
                m.ClientCertificateThumbprint = Text(s, "ClientCertificateThumbprint");
                m.Scopes = Text(s, "Scopes");
                var cache = Text(s, "TokenCachePath");
                m.TokenCachePath = cache == null ? null : ResolvePath(cache, s, "TokenCachePath");
                m.MsalMailProtocol = Choice<MailProtocol>(s, "MsalMailProtocol");
                CheckMailCombination(m);
            }

            private void CheckMailCombination(MailSettings m)
            {
                if (Text("Mail", "EmailProtocol") == null)
                    Add(FindingSeverity.Warning, 0, "Mail", "EmailProtocol", "EmailProtocol is not set, so each run must be told the protocol (IMAP, POP, MSAL or Folder).");
                if (m.Protocol == MailProtocol.Folder && m.Server == null)
                    Add(FindingSeverity.Error, LineOf("Mail", "EmailProtocol"), "Mail", "Server", "EmailProtocol=Folder needs Server set to the folder of .eml files.");
                if ((m.Protocol == MailProtocol.IMAP || m.Protocol == MailProtocol.POP) && m.Server == null)
                    Add(FindingSeverity.Warning, LineOf("Mail", "EmailProtocol"), "Mail", "Server", "Server is not set, so each run must be told the mail server.");
                if ((m.Protocol == MailProtocol.IMAP || m.Protocol == MailProtocol.POP) && m.Port == null && LineOf("Mail", "Port") == 0)
                    Add(FindingSeverity.Warning, LineOf("Mail", "EmailProtocol"), "Mail", "Port", "Port is not set and has no default, so each run must be told the port.");
                if (m.Protocol == MailProtocol.IMAP && (m.Port == 110 || m.Port == 995))
                    Add(FindingSeverity.Warning, LineOf("Mail", "Port"), "Mail", "Port", $"Port {m.Port} is a POP3 port, but EmailProtocol is IMAP (143 or 993 are usual).");
                if (m.Protocol == MailProtocol.POP && (m.Port == 143 || m.Port == 993))
                    Add(FindingSeverity.Warning, LineOf("Mail", "Port"), "Mail", "Port", $"Port {m.Port} is an IMAP port, but EmailProtocol is POP (110 or 995 are usual).");
                if (m.SecurityProtocol == null && (m.Port == 143 || m.Port == 110) && LineOf("Mail", "SecurityProtocol") == 0 && m.Protocol != MailProtocol.MSAL)
                    Add(FindingSeverity.Warning, LineOf("Mail", "Port"), "Mail", "SecurityProtocol",
                        $"Port {m.Port} with no SecurityProtocol: SmartEmail requires STARTTLS there (TlsMode=Auto) and accepts any TLS version the platform allows; set SecurityProtocol=TLS1_2 to require TLS 1.2 or later.");
                if (m.Protocol == MailProtocol.MSAL)
                {
                    if (m.ClientId == null)
                        Add(FindingSeverity.Error, LineOf("Mail", "EmailProtocol"), "Mail", "ClientId",
                            "EmailProtocol=MSAL needs ClientId: the Application (client) ID of your Entra app registration (see about_SmartEmail_Office365).");
                    if (!Uri.TryCreate(m.Authority, UriKind.Absolute, out var authority) || authority.Scheme != Uri.UriSchemeHttps)
                        Add(FindingSeverity.Error, LineOf("Mail", "Authority"), "Mail", "Authority", $"Authority '{m.Authority}' is not an https URL.");
                    var appOnly = m.ClientSecret.IsSet || m.CertificatePath != null || m.ClientCertificateThumbprint != null;
                    if (appOnly && m.Tenant == null)
                        Add(FindingSeverity.Error, LineOf("Mail", "EmailProtocol"), "Mail", "Tenant",
                            "App-only MSAL (ClientSecret or a certificate) needs Tenant: your tenant ID or primary domain (contoso.onmicrosoft.com).");
                    if (appOnly && m.User.Length == 0)
                        Add(FindingSeverity.Error, LineOf("Mail", "EmailProtocol"), "Mail", "User", "App-only MSAL needs User: the address of the mailbox to read.");
                }
                if (m.SecurityProtocol == SecurityProtocol.SSL || m.SecurityProtocol == SecurityProtocol.SSL2)
                    Add(FindingSeverity.Warning, LineOf("Mail", "SecurityProtocol"), "Mail", "SecurityProtocol",
                        $"{m.SecurityProtocol} is accepted, but SSL no longer exists on modern platforms: it means the lowest TLS version the platform allows. Prefer TLS1_2.");
            }

            private void ReadAudit()
            {
                const string s = "Audit";
                var a = _config.Audit;
                a.AuditAcceptLogFile = ResolvePath(TextOrDefault(s, "AuditAcceptLogFile"), s, "AuditAcceptLogFile");
                a.LogAccepts = Bool(s, "LogAccepts");
                a.LogAcceptFormat = TextOrDefault(s, "LogAcceptFormat");
                a.NotifyOnAccepts = Bool(s, "NotifyOnAccepts");
                a.NotifyOnAcceptSubject = TextOrDefault(s, "NotifyOnAcceptSubject");
                a.NotifyOnAcceptBody = TextOrDefault(s, "NotifyOnAcceptBody");
                a.NotifyOnAcceptTo = TextOrDefault(s, "NotifyOnAcceptTo");
                a.AuditRejectLogFile = ResolvePath(TextOrDefault(s, "AuditRejectLogFile"), s, "AuditRejectLogFile");
                a.LogRejects = Bool(s, "LogRejects");
                a.LogRejectFormat = TextOrDefault(s, "LogRejectFormat");
                a.NotifyOnRejects = Bool(s, "NotifyOnRejects");
                a.NotifyOnRejectSubject = TextOrDefault(s, "NotifyOnRejectSubject");
                a.NotifyOnRejectBody = TextOrDefault(s, "NotifyOnRejectBody");
                a.NotifyOnRejectTo = TextOrDefault(s, "NotifyOnRejectTo");
                a.RejectTimeframeMessage = TextOrDefault(s, "RejectTimeframeMessage");
                a.RejectSenderMessage = TextOrDefault(s, "RejectSenderMessage");
                a.RejectNoMatchingSubjectMessage = Text(s, "RejectNoMatchingSubjectMessage")
                    ?? Text(s, "RejectNoMatchingSubjectsMessage") ?? IniSchema.Get(s, "RejectNoMatchingSubjectMessage").DefaultText;
                a.RejectNoAttachmentMessage = TextOrDefault(s, "RejectNoAttachmentMessage");
                a.RejectSubjectMessage = TextOrDefault(s, "RejectSubjectMessage");
                a.RejectBody = TextOrDefault(s, "RejectBody");
                a.RejectEvent = Text(s, "RejectEvent");
                a.LogOpConEvents = Bool(s, "LogOpConEvents");
                a.OpConEventLogFile = ResolvePath(TextOrDefault(s, "OpConEventLogFile"), s, "OpConEventLogFile");
                a.LogOpConEventFormat = TextOrDefault(s, "LogOpConEventFormat");
                a.MaxNotificationsPerRun = Int(s, "MaxNotificationsPerRun");
                a.RejectionsLogFile = ResolvePath("SMArtEmailRejections.log");
                foreach (var line in _doc.Entries(s))
                    CheckTokens(line, Expand(line, line.Value), FindingSeverity.Warning, Enumerable.Empty<string>());
            }

            private void ReadOpCon()
            {
                const string s = "OpCon";
                var o = _config.OpCon;
                o.Transport = Choice<EventTransport>(s, "Transport");
                o.ApiUrl = Text(s, "ApiUrl");
                if (o.ApiUrl != null && (!Uri.TryCreate(o.ApiUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http")))
                    Add(FindingSeverity.Error, LineOf(s, "ApiUrl"), s, "ApiUrl", IniValues.Invalid(IniSchema.Get(s, "ApiUrl"), o.ApiUrl));
                o.ApiToken = new SecretState(Raw(s, "ApiToken"));
                o.ApiUser = Text(s, "ApiUser");
                o.ApiPassword = new SecretState(Raw(s, "ApiPassword"));
                o.SelfSignedCertificate = Bool(s, "SelfSignedCertificate");
                if (o.Transport == EventTransport.Api && o.ApiUrl == null)
                    Add(FindingSeverity.Error, LineOf(s, "Transport"), s, "ApiUrl", "Transport=Api needs ApiUrl.");
            }
        }
    }
}
