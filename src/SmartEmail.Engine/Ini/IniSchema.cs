using System;
using System.Collections.Generic;
using System.Linq;

namespace SmartEmail.Ini
{
    /// <summary>One setting SmartEmail understands: where it lives, its default, and what it means.</summary>
    public sealed class IniKey
    {
        internal IniKey(string section, string name, string? defaultValue, string description, string? aliasOf = null)
        {
            Section = section;
            Name = name;
            Default = defaultValue;
            Description = description;
            AliasOf = aliasOf;
        }

        /// <summary>The section (<c>Configuration</c> stands for every <c>[Configuration#]</c>).</summary>
        public string Section { get; }

        /// <summary>The key as the reference spells it.</summary>
        public string Name { get; }

        /// <summary>The value used when the key is absent, or null for "not set".</summary>
        public string? Default { get; }

        /// <summary>What the key means.</summary>
        public string Description { get; }

        /// <summary>For an alternative spelling, the key it stands for.</summary>
        public string? AliasOf { get; }
    }

    /// <summary>
    /// Every section and key of SMArtEmail.ini that SmartEmail reads, with the defaults of the vendor's configuration
    /// reference and the keys newer vendor versions and SmartEmail added. The loader, the validator (unknown-key
    /// suggestions) and the documentation all use this one list.
    /// </summary>
    public static class IniSchema
    {
        /// <summary>The section name that stands for every numbered rule section.</summary>
        public const string RuleSection = "Configuration";

        /// <summary>The sections SmartEmail knows, besides the numbered rule sections.</summary>
        public static IReadOnlyList<string> Sections { get; } = new[] { "General", "Mail", "Audit", "Tokens", "OpCon" };

        /// <summary>Every known key.</summary>
        public static IReadOnlyList<IniKey> Keys { get; } = new[]
        {
            // [General]
            new IniKey("General", "MSGINDirectory", @"%PROGRAMDATA%\OpConxps\SAM\MSGIN", "The OpCon MSGIN folder events are written to. It must exist. The default applies on Windows only."),
            new IniKey("General", "OpConUser", null, "The OpCon user whose external event password or token is appended to each event."),
            new IniKey("General", "OpConUserPassword", null, "The external event password or token of OpConUser (encrypted by Set-SmartEmailCredential)."),
            new IniKey("General", "DeleteEmails", "Match", "Which emails are deleted after processing: Match, All or None."),
            new IniKey("General", "DownloadEmails", "True", "Whether accepted emails are saved as .eml files into DownloadFolder."),
            new IniKey("General", "DownloadFolder", @"%PROGRAMDATA%\OpConxps\SMArt Email\Received", "Where accepted emails are saved. The default applies on Windows; elsewhere it is 'Received' beside the INI."),
            new IniKey("General", "ExitCodeForNoMatchingEmails", "0", "The exit code when no email matched (-32768 to 32767)."),
            new IniKey("General", "UseLastRunDate", "True", "Whether only mail received on or after LastRunDate is processed, and LastRunDate advanced after each run."),
            new IniKey("General", "LastRunDate", null, "The time stamp of the newest email processed; set it by hand (for example 1/1/2017 12:30:00 AM) to reprocess a range."),
            new IniKey("General", "SendRejectionNotice", null, "Newer vendor key: when set, overrides NotifyOnRejects."),
            new IniKey("General", "SendAcceptedNotice", null, "Newer vendor key: when set, overrides NotifyOnAccepts."),
            new IniKey("General", "TimeZone", null, "The time zone (IANA or Windows id) AllowedTimeFrame windows are read in; the machine's own by default."),
            new IniKey("General", "StateFile", null, "Where the run remembers which messages it handled; beside the INI by default."),
            new IniKey("General", "MsgInEncoding", "ASCII", "The encoding of MSGIN files: ASCII, Windows-1252 or UTF-8."),
            new IniKey("General", "UnsafeValueAction", "Reject", "What to do when a value put into an event holds a comma or control character: Reject or Strip."),
            new IniKey("General", "RegexTimeout", "2", "Seconds one regular expression may run before the message is rejected for that rule."),
            new IniKey("General", "RequireAuthenticatedSender", "False", "Trust a sender only when the trusted Authentication-Results header says DMARC (or aligned DKIM) passed."),
            new IniKey("General", "TrustedAuthServId", null, "The authserv-id of your own mail server's Authentication-Results headers."),
            new IniKey("General", "MaxHeaderBytes", "1048576", "The most of one message's header block that is read, in bytes (16384 to 67108864): a longer block is cut there, with a warning naming the message, and the message is processed on what was read."),

            // [Mail]
            new IniKey("Mail", "User", null, "The mailbox user name (encrypted by Set-SmartEmailCredential)."),
            new IniKey("Mail", "Password", null, "The mailbox password (encrypted by Set-SmartEmailCredential)."),
            new IniKey("Mail", "Server", null, "The mail server host name (it must match the certificate), or the folder for EmailProtocol=Folder."),
            new IniKey("Mail", "EmailProtocol", null, "IMAP, POP, MSAL (Office 365) or Folder (a folder of .eml files)."),
            new IniKey("Mail", "SecurityProtocol", null, "The minimum TLS version: SSL, SSL2, TLS1, TLS1_1, TLS1_2 or TLS1_3."),
            new IniKey("Mail", "Port", null, "The port; there is no default."),
            new IniKey("Mail", "SelfSignedCertificate", "True", "Whether a self-signed or otherwise untrusted server certificate is accepted."),
            new IniKey("Mail", "CertificateThumbprint", null, "Accept only the server certificate with this SHA-1 or SHA-256 thumbprint."),
            new IniKey("Mail", "Folder", "INBOX", "The IMAP folder to read."),
            new IniKey("Mail", "TlsMode", "Auto", "Auto (implicit TLS on 993 and 995, required STARTTLS elsewhere), Implicit, StartTls, or None (no TLS; test networks only)."),
            new IniKey("Mail", "SmtpServer", null, "The SMTP server for accept and reject notices."),
            new IniKey("Mail", "SmtpPort", "587", "The SMTP port: implicit TLS on 465, required STARTTLS on any other."),
            new IniKey("Mail", "SmtpSecurityProtocol", null, "The minimum TLS version for SMTP."),
            new IniKey("Mail", "SmtpAuthentication", "Mailbox", "How notices sign in to SmtpServer: Mailbox (as the mailbox does: its user and password, or for EmailProtocol=MSAL an OAuth2 token with XOAUTH2; a server that offers no sign-in is used as a relay) or None (a relay, never sign in)."),
            new IniKey("Mail", "NotifyFrom", null, "The From address of notices; the mailbox user by default."),
            new IniKey("Mail", "Tenant", null, "MSAL: the Entra tenant id (a GUID) or primary domain (contoso.onmicrosoft.com); organizations by default for a signed-in user, required for app-only."),
            new IniKey("Mail", "ClientId", null, "MSAL: the Application (client) ID of your Entra app registration."),
            new IniKey("Mail", "Authority", "https://login.microsoftonline.com", "MSAL: the Entra sign-in service (https); another one for a national cloud such as https://login.microsoftonline.us."),
            new IniKey("Mail", "ClientSecret", null, "MSAL app-only: the client secret (encrypted by Set-SmartEmailCredential -ClientSecret)."),
            new IniKey("Mail", "CertificatePath", null, "MSAL app-only: a .pfx/.p12 file, or a .pem file with the certificate and its private key, used instead of a secret."),
            new IniKey("Mail", "CertificatePassword", null, "MSAL app-only: the password of the CertificatePath .pfx file (encrypted by Set-SmartEmailCredential -CertificatePassword)."),
            new IniKey("Mail", "ClientCertificateThumbprint", null, "MSAL app-only: the thumbprint of a certificate with its private key in the CurrentUser or LocalMachine My store, used instead of a secret."),
            new IniKey("Mail", "Scopes", null, "MSAL: the OAuth2 scopes to ask for (space-separated); derived from Server and the mail protocol by default."),
            new IniKey("Mail", "TokenCachePath", null, "MSAL: the encrypted token cache of this user; in the user's SmartEmail configuration folder by default."),
            new IniKey("Mail", "MsalMailProtocol", "IMAP", "MSAL: read the mailbox over IMAP or POP."),

            // [Audit]
            new IniKey("Audit", "AuditAcceptLogFile", "Audit.log", "The log file for accepted emails."),
            new IniKey("Audit", "LogAccepts", "False", "Whether accepted emails are logged."),
            new IniKey("Audit", "LogAcceptFormat", "SMArt Email - Message Accepted - From: [[SENDER]] Subject: [[SUBJECT]]", "The log line of an accepted email."),
            new IniKey("Audit", "NotifyOnAccepts", "False", "Whether a notice is sent when an email is accepted."),
            new IniKey("Audit", "NotifyOnAcceptSubject", "SMArt Email - Message Accepted - From: [[SENDER]] Subject: [[SUBJECT]]", "The subject of the accept notice."),
            new IniKey("Audit", "NotifyOnAcceptBody", "Email message was accepted and generated event: [[EVENT]]", "The body of the accept notice."),
            new IniKey("Audit", "NotifyOnAcceptTo", "[[SENDER]]", "The recipients of the accept notice (';'-separated)."),
            new IniKey("Audit", "AuditRejectLogFile", "Audit.log", "The log file for rejected emails."),
            new IniKey("Audit", "LogRejects", "False", "Whether rejected emails are logged."),
            new IniKey("Audit", "LogRejectFormat", "SMArt Email - Message Rejected - From: [[SENDER]] Subject: [[SUBJECT]]", "The log line of a rejected email."),
            new IniKey("Audit", "NotifyOnRejects", "False", "Whether a notice is sent when an email is rejected."),
            new IniKey("Audit", "NotifyOnRejectSubject", "SMArt Email - Message Rejected - From: [[SENDER]] Subject: [[SUBJECT]]", "The subject of the reject notice."),
            new IniKey("Audit", "NotifyOnRejectBody", "Email message sent on [[DATE]] was rejected for reason: [[REASON]]", "The body of the reject notice."),
            new IniKey("Audit", "NotifyOnRejectTo", "[[SENDER]]", "The recipients of the reject notice (';'-separated)."),
            new IniKey("Audit", "RejectTimeframeMessage", "Message received outside timeframe", "[[REASON]] when the email arrived outside AllowedTimeFrame."),
            new IniKey("Audit", "RejectSenderMessage", "Invalid Sender", "[[REASON]] when the sender is not in AllowedSenders."),
            new IniKey("Audit", "RejectNoMatchingSubjectMessage", "No matching subjects found", "[[REASON]] when the email matched no rule."),
            new IniKey("Audit", "RejectNoMatchingSubjectsMessage", null, "Newer vendor spelling of RejectNoMatchingSubjectMessage.", aliasOf: "RejectNoMatchingSubjectMessage"),
            new IniKey("Audit", "RejectNoAttachmentMessage", "No matching attachments found", "[[REASON]] when ProcessAttachments is on and no attachment matched."),
            new IniKey("Audit", "RejectSubjectMessage", "Subject rejected", "[[REASON]] when the subject failed QualifyingSubjectLine."),
            new IniKey("Audit", "RejectBody", "No matching lines in body", "[[REASON]] when ProcessBody is on and no body line matched."),
            new IniKey("Audit", "RejectEvent", null, "An event submitted for each rejected email (tokens allowed); none when not set."),
            new IniKey("Audit", "LogOpConEvents", "False", "Whether each submitted event is logged (password masked)."),
            new IniKey("Audit", "OpConEventLogFile", "OpConEvents.log", "The log file of submitted events."),
            new IniKey("Audit", "LogOpConEventFormat", "Generated Event: [[Event]]", "The log line of a submitted event."),
            new IniKey("Audit", "MaxNotificationsPerRun", "50", "The most notices one run sends."),

            // [OpCon]: the REST API transport
            new IniKey("OpCon", "Transport", "MsgIn", "How events are submitted: MsgIn (files) or Api (the OpCon REST API)."),
            new IniKey("OpCon", "ApiUrl", null, "The OpCon REST API base URL, for example https://opcon.example.com:443."),
            new IniKey("OpCon", "ApiToken", null, "An OpCon API token (encrypted by Set-SmartEmailCredential)."),
            new IniKey("OpCon", "ApiUser", null, "The OpCon user that requests an API token when ApiToken is not set."),
            new IniKey("OpCon", "ApiPassword", null, "The password of ApiUser (encrypted by Set-SmartEmailCredential)."),
            new IniKey("OpCon", "SelfSignedCertificate", "False", "Whether a self-signed API certificate is accepted."),

            // [Configuration#]
            new IniKey(RuleSection, "SubjectLineMask", null, "The regular expression (or wildcard pattern with UseWildCards) the subject must match; its groups are [[1]], [[2]], ..."),
            new IniKey(RuleSection, "Event", null, "The OpCon event to submit; Event2, Event3, ... add more."),
            new IniKey(RuleSection, "AllowedSenders", "ALL", "';'-separated addresses, any@domain, [[TOKEN]]s, or ALL."),
            new IniKey(RuleSection, "AllowedTimeFrame", "0000-2400", "HHMM-HHMM window of the email's arrival time; the end minute is included."),
            new IniKey(RuleSection, "ProcessBody", "False", "Whether body lines are matched against SubjectLineMask too."),
            new IniKey(RuleSection, "QualifyingSubjectLine", null, "With ProcessBody: the regular expression the subject must match before body lines are read."),
            new IniKey(RuleSection, "AttachmentMask", null, "The regular expression an attachment name must match."),
            new IniKey(RuleSection, "ProcessAttachments", "False", "Whether an attachment must match AttachmentMask."),
            new IniKey(RuleSection, "UseWildCards", "False", "Whether SubjectLineMask is a */? wildcard pattern instead of a regular expression."),
            new IniKey(RuleSection, "TimeZone", null, "This rule's time zone for AllowedTimeFrame (overrides [General] TimeZone)."),
            new IniKey(RuleSection, "RequireAuthenticatedSender", null, "This rule's RequireAuthenticatedSender (overrides [General])."),
            new IniKey(RuleSection, "TrustedAuthServId", null, "This rule's TrustedAuthServId (overrides [General])."),
            new IniKey(RuleSection, "UnsafeValueAction", null, "This rule's UnsafeValueAction (overrides [General])."),
        };

        /// <summary>The known key of a section (a numbered rule section counts as Configuration), or null.</summary>
        public static IniKey? Find(string section, string key)
        {
            var family = RuleNumber(section) != null ? RuleSection : section;
            var found = Keys.FirstOrDefault(k => IniDocument.Same(k.Section, family) && IniDocument.Same(k.Name, key));
            if (found == null && IniDocument.Same(family, RuleSection) && EventNumber(key) != null)
                found = Keys.First(k => k.Section == RuleSection && k.Name == "Event");
            return found;
        }

        /// <summary>The known keys of a section family.</summary>
        public static IEnumerable<IniKey> KeysOf(string section) =>
            Keys.Where(k => IniDocument.Same(k.Section, RuleNumber(section) != null ? RuleSection : section));

        /// <summary>The default of a key, or null.</summary>
        public static string? DefaultOf(string section, string key) => Find(section, key)?.Default;

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
    }
}
