using System;
using System.Collections.Generic;
using System.Linq;
using SmartEmail.Mail;

namespace SmartEmail.Ini
{
    /// <summary>
    /// Every section and key of SMArtEmail.ini that SmartEmail reads, with its type, the defaults of the vendor's
    /// configuration reference, and the keys newer vendor versions and SmartEmail added. This is the one declaration
    /// of each setting: the reader reads by it, the rule validator checks by it, the settings objects take their
    /// defaults from it, New-SmartEmailRule maps its parameters by it, and the build writes the settings list of
    /// about_SmartEmail_Ini from it (<see cref="SettingsText"/>).
    /// </summary>
    public static partial class IniSchema
    {
        /// <summary>The section name that stands for every numbered rule section.</summary>
        public const string RuleSection = "Configuration";

        /// <summary>The sections SmartEmail knows, besides the numbered rule sections.</summary>
        public static IReadOnlyList<string> Sections { get; } = new[] { "General", "Mail", "Audit", "Tokens", "OpCon" };

        private const string General = "General", Mail = "Mail", Audit = "Audit", OpCon = "OpCon", Rule = RuleSection;

        /// <summary>Every known key.</summary>
        public static IReadOnlyList<IniKey> Keys { get; } = new[]
        {
            // [General]
            PathKey(General, "MSGINDirectory", @"%PROGRAMDATA%\OpConxps\SAM\MSGIN", "The OpCon MSGIN folder events are written to. It must exist. The default applies on Windows only."),
            Secret(General, "OpConUser", "The OpCon user whose external event password or token is appended to each event."),
            Secret(General, "OpConUserPassword", "The external event password or token of OpConUser (encrypted by Set-SmartEmailCredential)."),
            Choice<DeleteMode>(General, "DeleteEmails", "Match", "Which emails are deleted after processing: those a rule accepted (Match), every one read (All), or none."),
            Bool(General, "DownloadEmails", "True", "Whether accepted emails are saved as .eml files into DownloadFolder."),
            PathKey(General, "DownloadFolder", @"%PROGRAMDATA%\OpConxps\SMArt Email\Received", "Where accepted emails are saved. The default applies on Windows; elsewhere it is 'Received' beside the INI."),
            Int(General, "ExitCodeForNoMatchingEmails", "0", short.MinValue, short.MaxValue, "The exit code when no email matched."),
            Bool(General, "UseLastRunDate", "True", "Whether only mail received on or after LastRunDate is processed, and LastRunDate advanced after each run."),
            Key(General, "LastRunDate", IniValueType.DateTime, null, "The time stamp of the newest email processed; set it by hand (for example 1/1/2017 12:30:00 AM) to reprocess a range."),
            Bool(General, "SendRejectionNotice", null, "Newer vendor key: when set, overrides NotifyOnRejects."),
            Bool(General, "SendAcceptedNotice", null, "Newer vendor key: when set, overrides NotifyOnAccepts."),
            Key(General, "TimeZone", IniValueType.TimeZone, null, "The time zone (IANA or Windows id) AllowedTimeFrame windows are read in; the machine's own by default."),
            PathKey(General, "StateFile", null, "Where the run remembers which messages it handled; beside the INI by default."),
            Choice<MsgInEncoding>(General, "MsgInEncoding", "ASCII", "The encoding of MSGIN files; OpCon agents expect ASCII.", "ASCII", "Windows-1252", "UTF-8"),
            Choice<UnsafeValueAction>(General, "UnsafeValueAction", "Reject", "What to do when a value put into an event holds a comma or control character: reject the message for that rule, or strip those characters."),
            Seconds(General, "RegexTimeout", "2", 60, "Seconds one regular expression may run before the message is rejected for that rule."),
            Bool(General, "RequireAuthenticatedSender", "False", "Trust a sender only when the trusted Authentication-Results header says DMARC (or aligned DKIM) passed."),
            Text(General, "TrustedAuthServId", null, "The authserv-id of your own mail server's Authentication-Results headers."),
            Int(General, "MaxAttempts", "3", 1, int.MaxValue, "How many runs may fail on one message for a reason of its own before it is set aside (counted, audited once, never retried)."),
            Int(General, "MaxHeaderBytes", "1048576", SmartEmail.Mail.MimeOptions.MinMaxHeaderBytes, SmartEmail.Mail.MimeOptions.MaxMaxHeaderBytes, "The most bytes of one message's header block that are read (1 MiB by default): a longer block is cut there, with a warning naming the message, and the message is processed on what was read."),

            // [Mail]
            Secret(Mail, "User", "The mailbox user name (encrypted by Set-SmartEmailCredential)."),
            Secret(Mail, "Password", "The mailbox password (encrypted by Set-SmartEmailCredential)."),
            Text(Mail, "Server", null, "The mail server host name (it must match the certificate), or the folder for EmailProtocol=Folder."),
            Choice<MailProtocol>(Mail, "EmailProtocol", null, "IMAP, POP, MSAL (Office 365) or Folder (a folder of .eml files)."),
            Choice<SecurityProtocol>(Mail, "SecurityProtocol", null, "The minimum TLS version (SSL and SSL2 mean the lowest the platform allows)."),
            Int(Mail, "Port", null, 1, 65535, "The port; there is no default."),
            Bool(Mail, "SelfSignedCertificate", "True", "Whether a self-signed or otherwise untrusted server certificate is accepted."),
            Text(Mail, "CertificateThumbprint", null, "Accept only the server certificate with this SHA-1 or SHA-256 thumbprint."),
            Text(Mail, "Folder", "INBOX", "The IMAP folder to read."),
            Choice<TlsMode>(Mail, "TlsMode", "Auto", "Auto (implicit TLS on 993 and 995, required STARTTLS elsewhere), Implicit, StartTls, or None (no TLS; test networks only)."),
            Text(Mail, "SmtpServer", null, "The SMTP server for accept and reject notices."),
            Int(Mail, "SmtpPort", "587", 1, 65535, "The SMTP port: implicit TLS on 465, required STARTTLS on any other."),
            Choice<SecurityProtocol>(Mail, "SmtpSecurityProtocol", null, "The minimum TLS version for SMTP."),
            Choice<SmtpAuthentication>(Mail, "SmtpAuthentication", "Mailbox", "How notices sign in to SmtpServer: Mailbox (as the mailbox does: its user and password, or for EmailProtocol=MSAL an OAuth2 token with XOAUTH2; a server that offers no sign-in is used as a relay) or None (a relay, never sign in)."),
            Text(Mail, "NotifyFrom", null, "The From address of notices; the mailbox user by default."),
            Text(Mail, "Tenant", null, "MSAL: the Entra tenant id (a GUID) or primary domain (contoso.onmicrosoft.com); organizations by default for a signed-in user, required for app-only."),
            Text(Mail, "ClientId", null, "MSAL: the Application (client) ID of your Entra app registration."),
            Key(Mail, "Authority", IniValueType.Url, "https://login.microsoftonline.com", "MSAL: the Entra sign-in service (https); another one for a national cloud such as https://login.microsoftonline.us."),
            Secret(Mail, "ClientSecret", "MSAL app-only: the client secret (encrypted by Set-SmartEmailCredential -ClientSecret)."),
            PathKey(Mail, "CertificatePath", null, "MSAL app-only: a .pfx/.p12 file, or a .pem file with the certificate and its private key, used instead of a secret."),
            Secret(Mail, "CertificatePassword", "MSAL app-only: the password of the CertificatePath .pfx file (encrypted by Set-SmartEmailCredential -CertificatePassword)."),
            Text(Mail, "ClientCertificateThumbprint", null, "MSAL app-only: the thumbprint of a certificate with its private key in the CurrentUser or LocalMachine My store, used instead of a secret."),
            Text(Mail, "Scopes", null, "MSAL: the OAuth2 scopes to ask for (space-separated); derived from Server and the mail protocol by default."),
            PathKey(Mail, "TokenCachePath", null, "MSAL: the encrypted token cache of this user; in the user's SmartEmail configuration folder by default."),
            Choice<MailProtocol>(Mail, "MsalMailProtocol", "IMAP", "MSAL: read the mailbox over IMAP or POP.", "IMAP", "POP"),

            // [Audit]
            PathKey(Audit, "AuditAcceptLogFile", "Audit.log", "The log file for accepted emails."),
            Bool(Audit, "LogAccepts", "False", "Whether accepted emails are logged."),
            Text(Audit, "LogAcceptFormat", "SMArt Email - Message Accepted - From: [[SENDER]] Subject: [[SUBJECT]]", "The log line of an accepted email."),
            Bool(Audit, "NotifyOnAccepts", "False", "Whether a notice is sent when an email is accepted."),
            Text(Audit, "NotifyOnAcceptSubject", "SMArt Email - Message Accepted - From: [[SENDER]] Subject: [[SUBJECT]]", "The subject of the accept notice."),
            Text(Audit, "NotifyOnAcceptBody", "Email message was accepted and generated event: [[EVENT]]", "The body of the accept notice."),
            Text(Audit, "NotifyOnAcceptTo", "[[SENDER]]", "The recipients of the accept notice (';'-separated)."),
            PathKey(Audit, "AuditRejectLogFile", "Audit.log", "The log file for rejected emails."),
            Bool(Audit, "LogRejects", "False", "Whether rejected emails are logged."),
            Text(Audit, "LogRejectFormat", "SMArt Email - Message Rejected - From: [[SENDER]] Subject: [[SUBJECT]]", "The log line of a rejected email."),
            Bool(Audit, "NotifyOnRejects", "False", "Whether a notice is sent when an email is rejected."),
            Text(Audit, "NotifyOnRejectSubject", "SMArt Email - Message Rejected - From: [[SENDER]] Subject: [[SUBJECT]]", "The subject of the reject notice."),
            Text(Audit, "NotifyOnRejectBody", "Email message sent on [[DATE]] was rejected for reason: [[REASON]]", "The body of the reject notice."),
            Text(Audit, "NotifyOnRejectTo", "[[SENDER]]", "The recipients of the reject notice (';'-separated)."),
            Text(Audit, "RejectTimeframeMessage", "Message received outside timeframe", "[[REASON]] when the email arrived outside AllowedTimeFrame."),
            Text(Audit, "RejectSenderMessage", "Invalid Sender", "[[REASON]] when the sender is not in AllowedSenders."),
            Text(Audit, "RejectNoMatchingSubjectMessage", "No matching subjects found", "[[REASON]] when the email matched no rule."),
            Alias(Text(Audit, "RejectNoMatchingSubjectsMessage", null, "Newer vendor spelling of RejectNoMatchingSubjectMessage."), "RejectNoMatchingSubjectMessage"),
            Text(Audit, "RejectNoAttachmentMessage", "No matching attachments found", "[[REASON]] when ProcessAttachments is on and no attachment matched."),
            Text(Audit, "RejectSubjectMessage", "Subject rejected", "[[REASON]] when the subject failed QualifyingSubjectLine."),
            Text(Audit, "RejectBody", "No matching lines in body", "[[REASON]] when ProcessBody is on and no body line matched."),
            Key(Audit, "RejectEvent", IniValueType.Event, null, "An event submitted for each rejected email (tokens allowed); none when not set."),
            Bool(Audit, "LogOpConEvents", "False", "Whether each submitted event is logged (password masked)."),
            PathKey(Audit, "OpConEventLogFile", "OpConEvents.log", "The log file of submitted events."),
            Text(Audit, "LogOpConEventFormat", "Generated Event: [[Event]]", "The log line of a submitted event."),
            Int(Audit, "MaxNotificationsPerRun", "50", 0, 100000, "The most notices one run sends."),

            // [OpCon]: the REST API transport
            Choice<EventTransport>(OpCon, "Transport", "MsgIn", "How events are submitted: MsgIn (files) or Api (the OpCon REST API)."),
            Key(OpCon, "ApiUrl", IniValueType.Url, null, "The OpCon REST API base URL, for example https://opcon.example.com:443."),
            Secret(OpCon, "ApiToken", "An OpCon API token (encrypted by Set-SmartEmailCredential)."),
            Text(OpCon, "ApiUser", null, "The OpCon user that requests an API token when ApiToken is not set."),
            Secret(OpCon, "ApiPassword", "The password of ApiUser (encrypted by Set-SmartEmailCredential)."),
            Bool(OpCon, "SelfSignedCertificate", "False", "Whether a self-signed API certificate is accepted."),

            // [Configuration#]: each also a New-SmartEmailRule parameter of the same name (yes/no settings are switches)
            Key(Rule, "SubjectLineMask", IniValueType.Pattern, null, "The regular expression (or wildcard pattern with UseWildCards) the subject must match; its groups are [[1]], [[2]], ...").MapsTo("SubjectLineMask"),
            Key(Rule, "Event", IniValueType.Event, null, "The OpCon event to submit; Event2, Event3, ... add more.").MapsTo("Event"),
            Key(Rule, "AllowedSenders", IniValueType.SenderList, "ALL", "';'-separated addresses, any@domain, [[TOKEN]]s, or ALL.").MapsTo("AllowedSenders"),
            Key(Rule, "AllowedTimeFrame", IniValueType.TimeFrame, "0000-2400", "HHMM-HHMM window of the email's arrival time; the end minute is included.").MapsTo("AllowedTimeFrame"),
            Bool(Rule, "ProcessBody", "False", "Whether body lines are matched against SubjectLineMask too.").MapsTo("ProcessBody"),
            Key(Rule, "QualifyingSubjectLine", IniValueType.Pattern, null, "With ProcessBody: the regular expression the subject must match before body lines are read.").MapsTo("QualifyingSubjectLine"),
            Key(Rule, "AttachmentMask", IniValueType.Pattern, null, "The regular expression an attachment name must match.").MapsTo("AttachmentMask"),
            Bool(Rule, "ProcessAttachments", "False", "Whether an attachment must match AttachmentMask.").MapsTo("ProcessAttachments"),
            Bool(Rule, "UseWildCards", "False", "Whether SubjectLineMask is a */? wildcard pattern instead of a regular expression.").MapsTo("UseWildCards"),
            Key(Rule, "TimeZone", IniValueType.TimeZone, null, "This rule's time zone for AllowedTimeFrame (overrides [General] TimeZone).").MapsTo("TimeZone"),
            Bool(Rule, "RequireAuthenticatedSender", null, "This rule's RequireAuthenticatedSender (overrides [General]).").MapsTo("RequireAuthenticatedSender"),
            Text(Rule, "TrustedAuthServId", null, "This rule's TrustedAuthServId (overrides [General]).").MapsTo("TrustedAuthServId"),
            Choice<UnsafeValueAction>(Rule, "UnsafeValueAction", null, "This rule's UnsafeValueAction (overrides [General]).").MapsTo("UnsafeValueAction"),
        };

        // Every read of every key looks its declaration up here, so an INI with thousands of rules must not scan the list.
        private static readonly Dictionary<string, IniKey> Index =
            Keys.ToDictionary(k => k.Section + "/" + k.Name, StringComparer.OrdinalIgnoreCase);

        /// <summary>The known key of a section (a numbered rule section counts as Configuration), or null.</summary>
        public static IniKey? Find(string section, string key)
        {
            var family = RuleNumber(section) != null ? RuleSection : section;
            if (Index.TryGetValue(family + "/" + key, out var found))
                return found;
            return IniDocument.Same(family, RuleSection) && EventNumber(key) != null ? Index[RuleSection + "/Event"] : null;
        }

        /// <summary>The known keys of a section family.</summary>
        public static IEnumerable<IniKey> KeysOf(string section) =>
            Keys.Where(k => IniDocument.Same(k.Section, RuleNumber(section) != null ? RuleSection : section));

        /// <summary>The default of a key, or null.</summary>
        public static string? DefaultOf(string section, string key) => Find(section, key)?.Default;

        /// <summary>The rule setting a New-SmartEmailRule parameter sets, or null.</summary>
        public static IniKey? RuleSettingOf(string parameter) =>
            Keys.FirstOrDefault(k => k.Section == RuleSection && k.Parameter != null && IniDocument.Same(k.Parameter, parameter));

        /// <summary>The declared key; a name the schema does not declare is a bug in the caller, not in the INI.</summary>
        internal static IniKey Get(string section, string key) =>
            Find(section, key) ?? throw new InvalidOperationException($"IniSchema declares no key [{section}] {key}.");

        /// <summary>The number of a <c>[Configuration#]</c> section, or null for any other section name.</summary>
        public static int? RuleNumber(string section)
        {
            if (section.Length <= RuleSection.Length || !section.StartsWith(RuleSection, StringComparison.OrdinalIgnoreCase))
                return null;
            return ParseNumber(section.Substring(RuleSection.Length));
        }

        /// <summary>1 for <c>Event</c>, n for <c>Eventn</c>, null for any other key.</summary>
        public static int? EventNumber(string key)
        {
            if (IniDocument.Same(key, "Event"))
                return 1;
            if (key.Length <= 5 || !key.StartsWith("Event", StringComparison.OrdinalIgnoreCase))
                return null;
            return ParseNumber(key.Substring(5));
        }

        private static int? ParseNumber(string digits)
        {
            if (digits.Length == 0 || digits.Length > 9 || !digits.All(c => c >= '0' && c <= '9'))
                return null;
            return int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        }

        private static IniKey Key(string section, string name, IniValueType type, string? defaultValue, string description) =>
            new IniKey(section, name, type, defaultValue, description);

        private static IniKey Text(string section, string name, string? defaultValue, string description) =>
            Key(section, name, IniValueType.Text, defaultValue, description);

        private static IniKey PathKey(string section, string name, string? defaultValue, string description) =>
            Key(section, name, IniValueType.Path, defaultValue, description);

        private static IniKey Secret(string section, string name, string description) =>
            Key(section, name, IniValueType.Secret, null, description);

        private static IniKey Bool(string section, string name, string? defaultValue, string description) =>
            Key(section, name, IniValueType.Boolean, defaultValue, description);

        private static IniKey Int(string section, string name, string? defaultValue, long minimum, long maximum, string description) =>
            new IniKey(section, name, IniValueType.Integer, defaultValue, description) { Minimum = minimum, Maximum = maximum };

        private static IniKey Seconds(string section, string name, string defaultValue, long maximum, string description) =>
            new IniKey(section, name, IniValueType.Seconds, defaultValue, description) { Maximum = maximum };

        /// <summary>A closed set of values read into <typeparamref name="T"/>; spelt as its names unless given.</summary>
        private static IniKey Choice<T>(string section, string name, string? defaultValue, string description, params string[] spellings) where T : struct =>
            new IniKey(section, name, IniValueType.Choice, defaultValue, description)
            {
                Choices = spellings.Length != 0 ? spellings : Enum.GetNames(typeof(T)),
                EnumType = typeof(T),
            };

        private static IniKey Alias(IniKey key, string of)
        {
            key.AliasOf = of;
            return key;
        }
    }
}
