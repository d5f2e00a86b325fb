using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using SmartEmail.Rules;

namespace SmartEmail.Ini
{
    /// <summary>
    /// Reads an SMArtEmail.ini into a <see cref="Configuration"/> with every finding (errors and warnings) that names
    /// file, line, section and key. It never throws for the content of a file, only when the file cannot be read at all.
    /// </summary>
    public static class ConfigurationReader
    {
        /// <summary>The environment variable that names the INI when no path is given.</summary>
        public const string PathVariable = "SMARTEMAIL_INI";

        /// <summary>
        /// The INI used when none is named: <c>$SMARTEMAIL_INI</c>; else <c>%ProgramData%\OpConxps\SMArt Email\SMArtEmail.ini</c>
        /// on Windows and <c>~/.config/smartemail/SMArtEmail.ini</c> elsewhere.
        /// </summary>
        public static string DefaultPath()
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(PathVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
                return fromEnvironment!;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "OpConxps", "SMArt Email", "SMArtEmail.ini");
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "smartemail", "SMArtEmail.ini");
        }

        /// <summary>Reads and checks the INI file at <paramref name="path"/>.</summary>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
        public static Configuration Load(string path)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new FileNotFoundException($"The configuration file '{full}' does not exist.", full);
            return Read(IniDocument.Load(full));
        }

        /// <summary>The finding that stands for a file that cannot be read at all (missing, locked, no permission).</summary>
        public static ConfigurationFinding UnreadableFinding(string path, Exception exception) =>
            new ConfigurationFinding(FindingSeverity.Error, path, 0, string.Empty, string.Empty,
                exception is FileNotFoundException ? $"The configuration file '{path}' does not exist." : $"Cannot read the configuration file: {exception.Message}");

        /// <summary>Interprets a parsed INI document.</summary>
        public static Configuration Read(IniDocument document) => new Reader(document).Read();

        private sealed class Reader
        {
            private static readonly Regex VariablePattern = new Regex(@"%([A-Za-z_][A-Za-z0-9_()]*)%", RegexOptions.CultureInvariant);
            private static readonly string[] SecretKeys = { "General/OpConUserPassword", "Mail/Password", "Mail/User", "Mail/ClientSecret", "Mail/CertificatePassword", "OpCon/ApiToken", "OpCon/ApiPassword" };

            private readonly IniDocument _doc;
            private readonly string _path;
            private readonly string _folder;
            private readonly List<ConfigurationFinding> _findings = new List<ConfigurationFinding>();
            private readonly Configuration _config = new Configuration();

            public Reader(IniDocument document)
            {
                _doc = document;
                _path = document.Path ?? string.Empty;
                _folder = _path.Length == 0 ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(_path) ?? ".";
            }

            public Configuration Read()
            {
                _config.Path = _path;
                CheckStructure();
                ReadTokens();
                ReadGeneral();
                ReadMail();
                ReadAudit();
                ReadOpCon();
                ReadRules();
                CheckSecrets();
                _config.Findings = _findings.OrderBy(f => f.Line == 0 ? int.MaxValue : f.Line).ThenBy(f => f.Severity).ToArray();
                return _config;
            }

            // ---- structure -------------------------------------------------------------------------------------

            private void CheckStructure()
            {
                if (!_doc.Sections.Any())
                    Add(FindingSeverity.Error, 0, "", "", "The file has no sections (no [section] header): it is empty or not an SMArtEmail.ini.");
                var seenSections = new Dictionary<string, IniLine>(StringComparer.OrdinalIgnoreCase);
                var seenKeys = new Dictionary<string, IniLine>(StringComparer.OrdinalIgnoreCase);
                var inDuplicate = false;
                foreach (var line in _doc.Lines)
                {
                    switch (line.Kind)
                    {
                        case IniLineKind.Invalid:
                            var isHeader = line.Text.TrimStart().StartsWith("[", StringComparison.Ordinal);
                            Add(isHeader ? FindingSeverity.Error : FindingSeverity.Warning, line.Number, line.Section, "", line.Problem + " " + Excerpt(line.Text));
                            break;
                        case IniLineKind.Section:
                            if (seenSections.TryGetValue(line.Section, out var first))
                            {
                                Add(FindingSeverity.Warning, line.Number, line.Section, "",
                                    $"[{line.Section}] appears again (first at line {first.Number}); only the first one is read, so this one is ignored.");
                                inDuplicate = true;
                            }
                            else
                            {
                                seenSections.Add(line.Section, line);
                                inDuplicate = false;
                                CheckSectionName(line);
                            }
                            break;
                        case IniLineKind.KeyValue:
                            if (line.Section.Length == 0)
                            {
                                Add(FindingSeverity.Warning, line.Number, "", line.Key, $"'{Show(line.Key)}' comes before any [section]; it is ignored.");
                                break;
                            }
                            if (inDuplicate)
                                break;
                            var id = line.Section + "\u0000" + CanonicalKey(line.Key);
                            if (seenKeys.TryGetValue(id, out var firstKey))
                                Add(FindingSeverity.Warning, line.Number, line.Section, line.Key,
                                    $"{Show(line.Key)} is set again (first at line {firstKey.Number}); the first value is used and this one is ignored.");
                            else
                                seenKeys.Add(id, line);
                            CheckKeyName(line);
                            break;
                    }
                }
            }

            private static string CanonicalKey(string key) => IniSchema.EventNumber(key) is int n ? "Event#" + n : key;

            private void CheckSectionName(IniLine line)
            {
                if (IniSchema.RuleNumber(line.Section) != null || IniSchema.Sections.Any(s => IniDocument.Same(s, line.Section)))
                    return;
                var candidates = IniSchema.Sections.Concat(new[] { "Configuration1" });
                Add(FindingSeverity.Warning, line.Number, line.Section, "", $"[{line.Section}] is not a section SmartEmail knows; it is ignored.{Suggest(line.Section, candidates)}");
            }

            private void CheckKeyName(IniLine line)
            {
                if (IniDocument.Same(line.Section, "Tokens") || IniSchema.Find(line.Section, line.Key) != null)
                    return;
                var known = IniSchema.RuleNumber(line.Section) != null || IniSchema.Sections.Any(s => IniDocument.Same(s, line.Section));
                if (!known)
                    return; // the unknown section was reported already
                Add(FindingSeverity.Warning, line.Number, line.Section, line.Key,
                    $"{Show(line.Key)} is not a setting of [{Show(line.Section)}]; it is ignored.{Suggest(line.Key, IniSchema.KeysOf(line.Section).Select(k => k.Name))}");
            }

            // ---- sections ----------------------------------------------------------------------------------------

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
                var g = _config.General;
                var isWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
                var msgIn = Text("General", "MSGINDirectory");
                if (msgIn == null && isWindows)
                    msgIn = Environment.ExpandEnvironmentVariables(IniSchema.DefaultOf("General", "MSGINDirectory")!);
                if (msgIn == null)
                    Add(FindingSeverity.Error, 0, "General", "MSGINDirectory", "MSGINDirectory is not set, and there is no default outside Windows: name the OpCon agent's MSGIN folder.");
                g.MsgInDirectory = msgIn == null ? null : ResolvePath(msgIn, "General", "MSGINDirectory");
                // User names are encrypted too (as smartemail.exe did); shown decrypted when this account can.
                var opConUser = Raw("General", "OpConUser");
                g.OpConUser = opConUser == null ? string.Empty : Secrets.IsProtected(opConUser) ? Secrets.TryUnprotect(opConUser) ?? string.Empty : Text("General", "OpConUser") ?? string.Empty;
                g.OpConUserState = new SecretState(opConUser);
                g.OpConUserPassword = new SecretState(Raw("General", "OpConUserPassword"));
                g.DeleteEmails = Enum("General", "DeleteEmails", DeleteMode.Match);
                g.DownloadEmails = Bool("General", "DownloadEmails");
                var download = Text("General", "DownloadFolder");
                if (download == null)
                    download = isWindows ? Environment.ExpandEnvironmentVariables(IniSchema.DefaultOf("General", "DownloadFolder")!) : "Received";
                g.DownloadFolder = ResolvePath(download, "General", "DownloadFolder");
                g.ExitCodeForNoMatchingEmails = Int("General", "ExitCodeForNoMatchingEmails", short.MinValue, short.MaxValue) ?? 0;
                g.UseLastRunDate = Bool("General", "UseLastRunDate");
                g.LastRunDate = Date("General", "LastRunDate");
                g.SendRejectionNotice = OptionalBool("General", "SendRejectionNotice");
                g.SendAcceptedNotice = OptionalBool("General", "SendAcceptedNotice");
                g.TimeZone = TimeZoneId("General", "TimeZone");
                var state = Text("General", "StateFile");
                g.StateFile = state == null ? null : ResolvePath(state, "General", "StateFile");
                g.MsgInEncoding = OneOf("General", "MsgInEncoding", "ASCII", "Windows-1252", "UTF-8");
                g.UnsafeValueAction = OneOf("General", "UnsafeValueAction", "Reject", "Strip");
                g.RegexTimeout = Seconds("General", "RegexTimeout");
                g.RequireAuthenticatedSender = Bool("General", "RequireAuthenticatedSender");
                g.TrustedAuthServId = Text("General", "TrustedAuthServId");
                if (g.RequireAuthenticatedSender && g.TrustedAuthServId == null)
                    Add(FindingSeverity.Error, LineOf("General", "RequireAuthenticatedSender"), "General", "TrustedAuthServId",
                        "RequireAuthenticatedSender is on but TrustedAuthServId is not set: name your mail server's authserv-id.");
            }

            private void ReadMail()
            {
                var m = _config.Mail;
                var protocol = Text("Mail", "EmailProtocol");
                if (protocol != null)
                    m.Protocol = Enum<MailProtocol>("Mail", "EmailProtocol", null);
                var server = Text("Mail", "Server");
                m.Server = server != null && m.Protocol == MailProtocol.Folder ? ResolvePath(server, "Mail", "Server") : server;
                m.Port = Int("Mail", "Port", 1, 65535);
                if (Text("Mail", "SecurityProtocol") != null)
                    m.SecurityProtocol = Enum<SecurityProtocol>("Mail", "SecurityProtocol", null);
                var userRaw = Raw("Mail", "User");
                m.UserState = new SecretState(userRaw);
                m.User = userRaw == null ? string.Empty : Secrets.IsProtected(userRaw) ? Secrets.TryUnprotect(userRaw) ?? string.Empty : userRaw;
                m.Password = new SecretState(Raw("Mail", "Password"));
                m.SelfSignedCertificate = Bool("Mail", "SelfSignedCertificate");
                m.CertificateThumbprint = Text("Mail", "CertificateThumbprint");
                m.Folder = Text("Mail", "Folder") ?? "INBOX";
                m.TlsMode = Enum("Mail", "TlsMode", Mail.TlsMode.Auto);
                if (m.TlsMode == Mail.TlsMode.None)
                    Add(FindingSeverity.Warning, LineOf("Mail", "TlsMode"), "Mail", "TlsMode", "TlsMode=None sends the mailbox password unencrypted: use it only with a test server on a trusted network.");
                m.SmtpServer = Text("Mail", "SmtpServer");
                m.SmtpPort = Int("Mail", "SmtpPort", 1, 65535);
                if (Text("Mail", "SmtpSecurityProtocol") != null)
                    m.SmtpSecurityProtocol = Enum<SecurityProtocol>("Mail", "SmtpSecurityProtocol", null);
                m.SmtpAuthentication = Enum("Mail", "SmtpAuthentication", Mail.SmtpAuthentication.Mailbox);
                m.NotifyFrom = Text("Mail", "NotifyFrom");
                m.Tenant = Text("Mail", "Tenant");
                m.ClientId = Text("Mail", "ClientId");
                m.Authority = TextOrDefault("Mail", "Authority");
                m.ClientSecret = new SecretState(Raw("Mail", "ClientSecret"));
                var certificate = Text("Mail", "CertificatePath");
                m.CertificatePath = certificate == null ? null : ResolvePath(certificate, "Mail", "CertificatePath");
                m.CertificatePassword = new SecretState(Raw("Mail", "CertificatePassword"));
                m.ClientCertificateThumbprint = Text("Mail", "ClientCertificateThumbprint");
                m.Scopes = Text("Mail", "Scopes");
                var cache = Text("Mail", "TokenCachePath");
                m.TokenCachePath = cache == null ? null : ResolvePath(cache, "Mail", "TokenCachePath");
                m.MsalMailProtocol = Enum("Mail", "MsalMailProtocol", MailProtocol.IMAP);
                if (m.MsalMailProtocol != MailProtocol.IMAP && m.MsalMailProtocol != MailProtocol.POP)
                    Add(FindingSeverity.Error, LineOf("Mail", "MsalMailProtocol"), "Mail", "MsalMailProtocol", "MsalMailProtocol must be IMAP or POP.");
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
                var a = _config.Audit;
                a.AuditAcceptLogFile = ResolvePath(TextOrDefault("Audit", "AuditAcceptLogFile"), "Audit", "AuditAcceptLogFile");
                a.LogAccepts = Bool("Audit", "LogAccepts");
                a.LogAcceptFormat = TextOrDefault("Audit", "LogAcceptFormat");
                a.NotifyOnAccepts = Bool("Audit", "NotifyOnAccepts");
                a.NotifyOnAcceptSubject = TextOrDefault("Audit", "NotifyOnAcceptSubject");
                a.NotifyOnAcceptBody = TextOrDefault("Audit", "NotifyOnAcceptBody");
                a.NotifyOnAcceptTo = TextOrDefault("Audit", "NotifyOnAcceptTo");
                a.AuditRejectLogFile = ResolvePath(TextOrDefault("Audit", "AuditRejectLogFile"), "Audit", "AuditRejectLogFile");
                a.LogRejects = Bool("Audit", "LogRejects");
                a.LogRejectFormat = TextOrDefault("Audit", "LogRejectFormat");
                a.NotifyOnRejects = Bool("Audit", "NotifyOnRejects");
                a.NotifyOnRejectSubject = TextOrDefault("Audit", "NotifyOnRejectSubject");
                a.NotifyOnRejectBody = TextOrDefault("Audit", "NotifyOnRejectBody");
                a.NotifyOnRejectTo = TextOrDefault("Audit", "NotifyOnRejectTo");
                a.RejectTimeframeMessage = TextOrDefault("Audit", "RejectTimeframeMessage");
                a.RejectSenderMessage = TextOrDefault("Audit", "RejectSenderMessage");
                a.RejectNoMatchingSubjectMessage = Text("Audit", "RejectNoMatchingSubjectMessage")
                    ?? Text("Audit", "RejectNoMatchingSubjectsMessage") ?? IniSchema.DefaultOf("Audit", "RejectNoMatchingSubjectMessage")!;
                a.RejectNoAttachmentMessage = TextOrDefault("Audit", "RejectNoAttachmentMessage");
                a.RejectSubjectMessage = TextOrDefault("Audit", "RejectSubjectMessage");
                a.RejectBody = TextOrDefault("Audit", "RejectBody");
                a.RejectEvent = Text("Audit", "RejectEvent");
                a.LogOpConEvents = Bool("Audit", "LogOpConEvents");
                a.OpConEventLogFile = ResolvePath(TextOrDefault("Audit", "OpConEventLogFile"), "Audit", "OpConEventLogFile");
                a.LogOpConEventFormat = TextOrDefault("Audit", "LogOpConEventFormat");
                a.MaxNotificationsPerRun = Int("Audit", "MaxNotificationsPerRun", 0, 100000) ?? 50;
                a.RejectionsLogFile = ResolvePath("SMArtEmailRejections.log");
                foreach (var line in _doc.Entries("Audit"))
                    CheckTokens(line, Expand(line, line.Value), FindingSeverity.Warning, Enumerable.Empty<string>());
            }

            private void ReadOpCon()
            {
                var o = _config.OpCon;
                o.Transport = OneOf("OpCon", "Transport", "MsgIn", "Api");
                o.ApiUrl = Text("OpCon", "ApiUrl");
                if (o.ApiUrl != null && (!Uri.TryCreate(o.ApiUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http")))
                    Add(FindingSeverity.Error, LineOf("OpCon", "ApiUrl"), "OpCon", "ApiUrl", $"ApiUrl '{Show(o.ApiUrl)}' is not an http(s) URL such as https://opcon.example.com:443.");
                o.ApiToken = new SecretState(Raw("OpCon", "ApiToken"));
                o.ApiUser = Text("OpCon", "ApiUser");
                o.ApiPassword = new SecretState(Raw("OpCon", "ApiPassword"));
                o.SelfSignedCertificate = Bool("OpCon", "SelfSignedCertificate");
                if (IniDocument.Same(o.Transport, "Api") && o.ApiUrl == null)
                    Add(FindingSeverity.Error, LineOf("OpCon", "Transport"), "OpCon", "ApiUrl", "Transport=Api needs ApiUrl.");
            }

            private void ReadRules()
            {
                var rules = new List<Rule>();
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var header in _doc.Sections)
                {
                    if (!(IniSchema.RuleNumber(header.Section) is int number) || !seen.Add(header.Section))
                        continue;
                    rules.Add(ReadRule(header, number));
                }
                if (rules.Count == 0 && _doc.Sections.Any())
                    Add(FindingSeverity.Error, 0, "", "", "The file defines no rules: add a [Configuration1] section with a SubjectLineMask and an Event.");
                _config.Rules = rules.OrderBy(r => r.Number).ToArray();
            }

            private Rule ReadRule(IniLine header, int number)
            {
                var s = header.Section;
                var rule = new Rule { Name = s, Number = number, Path = _path, Line = header.Number };
                var values = new Dictionary<IniLine, string>();
                foreach (var line in _doc.Entries(s))
                    values[line] = ExpandTokens(Expand(line, line.Value));

                string? RuleText(string key)
                {
                    var line = _doc.Find(s, key);
                    if (line == null)
                        return null;
                    var v = values[line];
                    return IsNotSet(v) ? null : v;
                }

                rule.UseWildCards = Bool(s, "UseWildCards");
                var mask = RuleText("SubjectLineMask");
                if (mask == null)
                    Add(FindingSeverity.Error, header.Number, s, "SubjectLineMask", $"[{s}] has no SubjectLineMask: the rule cannot match anything.");
                rule.SubjectLineMask = mask ?? string.Empty;
                var events = _doc.Entries(s).Where(l => IniSchema.EventNumber(l.Key) != null && !IsNotSet(values[l]))
                    .GroupBy(l => IniSchema.EventNumber(l.Key)!.Value).OrderBy(g => g.Key).Select(g => values[g.First()]).ToArray();
                if (events.Length == 0)
                    Add(FindingSeverity.Error, header.Number, s, "Event", $"[{s}] has no Event: a match would submit nothing.");
                rule.Events = events;

                var senders = RuleText("AllowedSenders");
                if (senders == null)
                    Add(FindingSeverity.Warning, header.Number, s, "AllowedSenders", $"[{s}] has no AllowedSenders, so every sender is allowed; write AllowedSenders=ALL to say so, or list the senders.");
                rule.AllowedSenders = (senders ?? "ALL").Split(';').Select(x => x.Trim()).Where(x => x.Length != 0).ToArray();
                if (rule.AllowedSenders.Length == 0)
                    Add(FindingSeverity.Error, LineOf(s, "AllowedSenders"), s, "AllowedSenders", "AllowedSenders lists no sender: use ALL or one or more addresses.");

                rule.AllowedTimeFrame = RuleText("AllowedTimeFrame") ?? "0000-2400";
                CheckTimeFrame(s, rule.AllowedTimeFrame);
                rule.ProcessBody = Bool(s, "ProcessBody");
                rule.QualifyingSubjectLine = RuleText("QualifyingSubjectLine") ?? string.Empty;
                rule.AttachmentMask = RuleText("AttachmentMask") ?? string.Empty;
                rule.ProcessAttachments = Bool(s, "ProcessAttachments");
                if (rule.ProcessAttachments && rule.AttachmentMask.Length == 0)
                    Add(FindingSeverity.Error, LineOf(s, "ProcessAttachments"), s, "AttachmentMask", "ProcessAttachments is on but AttachmentMask is not set.");
                if (rule.QualifyingSubjectLine.Length != 0 && !rule.ProcessBody)
                    Add(FindingSeverity.Warning, LineOf(s, "QualifyingSubjectLine"), s, "QualifyingSubjectLine", "QualifyingSubjectLine only has an effect with ProcessBody=Yes.");
                rule.TimeZone = TimeZoneId(s, "TimeZone");
                rule.RequireAuthenticatedSender = OptionalBool(s, "RequireAuthenticatedSender");
                rule.TrustedAuthServId = RuleText("TrustedAuthServId");
                if (Text(s, "UnsafeValueAction") != null)
                    rule.UnsafeValueAction = OneOf(s, "UnsafeValueAction", "Reject", "Strip");

                var groups = new List<string>();
                if (rule.UseWildCards && rule.ProcessBody)
                    Add(FindingSeverity.Warning, LineOf(s, "UseWildCards"), s, "UseWildCards", "UseWildCards is ignored with ProcessBody=Yes: SubjectLineMask is read as a regular expression.");
                if (!rule.UseWildCards || rule.ProcessBody)
                    groups.AddRange(CheckRegex(s, "SubjectLineMask", rule.SubjectLineMask));
                if (rule.RequireAuthenticatedSender == true && rule.TrustedAuthServId == null && _config.General.TrustedAuthServId == null)
                    Add(FindingSeverity.Error, LineOf(s, "RequireAuthenticatedSender"), s, "TrustedAuthServId",
                        "RequireAuthenticatedSender is on but TrustedAuthServId is not set: name your mail server's authserv-id.");
                CheckRegex(s, "QualifyingSubjectLine", rule.QualifyingSubjectLine);
                groups.AddRange(CheckRegex(s, "AttachmentMask", rule.AttachmentMask));
                foreach (var line in _doc.Entries(s))
                    CheckTokens(line, values[line], FindingSeverity.Error, groups);
                return rule;
            }

            private void CheckTimeFrame(string section, string frame)
            {
                if (!RuleSyntax.TryParseTimeFrame(frame, out _, out _))
                    Add(FindingSeverity.Error, LineOf(section, "AllowedTimeFrame"), section, "AllowedTimeFrame",
                        $"AllowedTimeFrame '{Show(frame)}' is not HHMM-HHMM with times from 0000 to 2400 (for example 0800-1730, or 2200-0600 across midnight).");
            }

            /// <summary>Compiles a mask; reports .NET's message when it does not compile. Returns its named groups.</summary>
            private IEnumerable<string> CheckRegex(string section, string key, string pattern)
            {
                if (pattern.Length == 0)
                    return Enumerable.Empty<string>();
                try
                {
                    var regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                    return regex.GetGroupNames().Where(n => !n.All(char.IsDigit)).ToArray();
                }
                catch (ArgumentException e)
                {
                    Add(FindingSeverity.Error, LineOf(section, key), section, key, $"{key} is not a valid regular expression: {Show(e.Message, 300)}");
                    return Enumerable.Empty<string>();
                }
            }

            private void CheckTokens(IniLine line, string value, FindingSeverity severity, IEnumerable<string> namedGroups)
            {
                foreach (Match match in RuleSyntax.TokenPattern.Matches(value))
                {
                    var name = match.Groups[1].Value;
                    if (RuleSyntax.IsBuiltIn(name) || RuleSyntax.IsCaptureToken(name) || _config.Tokens.ContainsKey(name)
                        || namedGroups.Any(g => string.Equals(g, name, StringComparison.Ordinal)))
                        continue;
                    Add(severity, line.Number, line.Section, line.Key,
                        $"[[{name}]] is neither a built-in token ({string.Join(", ", RuleSyntax.BuiltInTokens)}, [[1]], [[A1]], ...), a named group of the masks, nor defined in [Tokens].");
                }
            }

            private void CheckSecrets()
            {
                foreach (var id in SecretKeys)
                {
                    var parts = id.Split('/');
                    var line = _doc.Find(parts[0], parts[1]);
                    if (line == null || IsNotSet(line.Value) || Secrets.IsProtected(line.Value))
                        continue;
                    if (parts[1] == "User")
                        continue; // a plain user name is not a secret on its own; the vendor encrypts it, we accept both
                    Add(FindingSeverity.Warning, line.Number, parts[0], parts[1],
                        $"{parts[1]} is stored unencrypted, readable by anyone who can read the INI: run Set-SmartEmailCredential to encrypt it in place.");
                }
            }

            // ---- values ------------------------------------------------------------------------------------------

            /// <summary>The raw trimmed value as written, or null when absent or N/A (secrets are never expanded).</summary>
            private string? Raw(string section, string key)
            {
                var line = _doc.Find(section, key);
                return line == null || IsNotSet(line.Value) ? null : line.Value;
            }

            /// <summary>The value with %VAR% expanded, or null when absent, empty or N/A.</summary>
            private string? Text(string section, string key)
            {
                var line = _doc.Find(section, key);
                if (line == null)
                    return null;
                var value = Expand(line, line.Value);
                return IsNotSet(value) ? null : value;
            }

            private string TextOrDefault(string section, string key) => Text(section, key) ?? IniSchema.DefaultOf(section, key) ?? string.Empty;

            private static bool IsNotSet(string value) =>
                value.Length == 0 || IniDocument.Same(value, "N/A") || IniDocument.Same(value, "N\\A");

            private int LineOf(string section, string key) => _doc.Find(section, key)?.Number ?? 0;

            private string Expand(IniLine line, string value)
            {
                return VariablePattern.Replace(value, match =>
                {
                    var name = match.Groups[1].Value;
                    var found = Environment.GetEnvironmentVariable(name);
                    if (found != null)
                        return found;
                    Add(FindingSeverity.Warning, line.Number, line.Section, line.Key, $"%{Show(name)}% is not an environment variable here; the text is kept as written.");
                    return match.Value;
                });
            }

            private string ExpandTokens(string value) =>
                RuleSyntax.TokenPattern.Replace(value, m => _config.Tokens.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

            private bool Bool(string section, string key) =>
                OptionalBool(section, key) ?? ParseBool(IniSchema.DefaultOf(section, key) ?? "False") ?? false;

            private bool? OptionalBool(string section, string key)
            {
                var text = Text(section, key);
                if (text == null)
                    return null;
                var value = ParseBool(text);
                if (value == null)
                    Add(FindingSeverity.Error, LineOf(section, key), section, key, $"{key} must be True or False (Yes/No and 1/0 work too), not '{Show(text)}'.");
                return value;
            }

            private static bool? ParseBool(string text)
            {
                switch (text.Trim().ToUpperInvariant())
                {
                    case "TRUE": case "YES": case "1": return true;
                    case "FALSE": case "NO": case "0": return false;
                    default: return null;
                }
            }

            private int? Int(string section, string key, int min, int max)
            {
                var text = Text(section, key) ?? IniSchema.DefaultOf(section, key);
                if (text == null)
                    return null;
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
                    return value;
                Add(FindingSeverity.Error, LineOf(section, key), section, key, $"{key} must be a whole number from {min} to {max}, not '{Show(text)}'.");
                return null;
            }

            private TimeSpan Seconds(string section, string key)
            {
                var text = Text(section, key) ?? IniSchema.DefaultOf(section, key) ?? "2";
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 60)
                    return TimeSpan.FromSeconds(seconds);
                Add(FindingSeverity.Error, LineOf(section, key), section, key, $"{key} must be a number of seconds above 0 and at most 60, not '{Show(text)}'.");
                return TimeSpan.FromSeconds(2);
            }

            private T Enum<T>(string section, string key, T fallback) where T : struct => Enum<T>(section, key, (T?)fallback) ?? fallback;

            private T? Enum<T>(string section, string key, T? fallback) where T : struct
            {
                var text = Text(section, key);
                if (text == null)
                    return fallback;
                var names = System.Enum.GetNames(typeof(T));
                var name = names.FirstOrDefault(n => IniDocument.Same(n, text));
                if (name != null)
                    return (T)System.Enum.Parse(typeof(T), name);
                Add(FindingSeverity.Error, LineOf(section, key), section, key, $"{key} '{Show(text)}' is not one of: {string.Join(", ", names)}.{Suggest(text, names)}");
                return fallback;
            }

            private string OneOf(string section, string key, params string[] allowed)
            {
                var text = Text(section, key);
                if (text == null)
                    return IniSchema.DefaultOf(section, key) ?? allowed[0];
                var match = allowed.FirstOrDefault(a => IniDocument.Same(a, text));
                if (match != null)
                    return match;
                Add(FindingSeverity.Error, LineOf(section, key), section, key, $"{key} '{Show(text)}' is not one of: {string.Join(", ", allowed)}.");
                return IniSchema.DefaultOf(section, key) ?? allowed[0];
            }

            private DateTimeOffset? Date(string section, string key)
            {
                var text = Text(section, key);
                if (text == null)
                    return null;
                // The vendor writes US-style local times ("1/1/2017 12:30:00 AM"); ISO 8601 works too.
                foreach (var culture in new[] { CultureInfo.GetCultureInfo("en-US"), CultureInfo.InvariantCulture })
                {
                    if (DateTimeOffset.TryParse(text, culture, DateTimeStyles.AssumeLocal | DateTimeStyles.AllowWhiteSpaces, out var value))
                        return value;
                }
                Add(FindingSeverity.Error, LineOf(section, key), section, key, $"{key} '{Show(text)}' is not a date and time such as 1/1/2017 12:30:00 AM or 2017-01-01T00:30:00.");
                return null;
            }

            private string? TimeZoneId(string section, string key)
            {
                var text = Text(section, key);
                if (text == null)
                    return null;
                if (RuleSyntax.FindTimeZone(text) != null)
                    return text;
                Add(FindingSeverity.Error, LineOf(section, key), section, key, $"TimeZone '{Show(text)}' is not a time zone this machine knows (use an IANA id such as Europe/Berlin or a Windows id such as W. Europe Standard Time).");
                return null;
            }

            /// <summary>
            /// Relative paths are relative to the INI's folder. Windows paths (C:\..., \\server\...) stay as written on
            /// every platform; on other platforms backslashes in relative paths become '/'.
            /// </summary>
            /// <summary>A path setting made absolute against the INI's folder; a value that is no path is an Error finding and stays as it is.</summary>
            private string ResolvePath(string value, string section = "", string key = "")
            {
                if (VariablePattern.IsMatch(value))
                    return value;
                var windowsRooted = value.Length >= 3 && char.IsLetter(value[0]) && value[1] == ':' && (value[2] == '\\' || value[2] == '/') || value.StartsWith(@"\\", StringComparison.Ordinal);
                if (windowsRooted && Path.DirectorySeparatorChar == '/')
                    return value;
                var native = Path.DirectorySeparatorChar == '/' ? value.Replace('\\', '/') : value;
                try
                {
                    return Path.IsPathRooted(native) ? native : Path.GetFullPath(Path.Combine(_folder, native));
                }
                catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
                {
                    Add(FindingSeverity.Error, section.Length == 0 ? 0 : LineOf(section, key), section, key, $"{Excerpt(value)} is not a usable path: {e.Message}");
                    return value;
                }
            }

            private void Add(FindingSeverity severity, int line, string section, string key, string message) =>
                _findings.Add(new ConfigurationFinding(severity, _path, line, Show(section, 100), Show(key, 100), message));

            private static string Excerpt(string text) => "(" + Show(text.Trim()) + ")";

            /// <summary>
            /// User text as it may appear in a finding: at most <paramref name="max"/> characters, control characters shown
            /// as \uXXXX, so a 10 MB line or a line of NULs gives a readable message.
            /// </summary>
            internal static string Show(string text, int max = 60)
            {
                var builder = new StringBuilder();
                foreach (var c in text.Length > max ? text.Substring(0, max) : text)
                {
                    if (char.IsControl(c))
                        builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else
                        builder.Append(c);
                }
                return text.Length > max ? builder.Append('…').ToString() : builder.ToString();
            }

            private static string Suggest(string name, IEnumerable<string> candidates)
            {
                var best = candidates.Select(c => (Name: c, Distance: Distance(name.ToUpperInvariant(), c.ToUpperInvariant())))
                    .OrderBy(c => c.Distance).FirstOrDefault();
                return best.Name != null && best.Distance <= Math.Max(2, name.Length / 3) ? $" Did you mean {best.Name}?" : string.Empty;
            }

            private static int Distance(string a, string b)
            {
                if (a.Length > 200 || b.Length > 200)
                    return int.MaxValue;
                var row = Enumerable.Range(0, b.Length + 1).ToArray();
                for (var i = 1; i <= a.Length; i++)
                {
                    var previous = row[0];
                    row[0] = i;
                    for (var j = 1; j <= b.Length; j++)
                    {
                        var current = row[j];
                        row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                        previous = current;
                    }
                }
                return row[b.Length];
            }
        }
    }
}
