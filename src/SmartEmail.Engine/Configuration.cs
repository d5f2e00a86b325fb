using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace SmartEmail
{
    /// <summary>Which emails a run deletes.</summary>
    public enum DeleteMode
    {
        /// <summary>Accepted emails only.</summary>
        Match,
        /// <summary>Every email read.</summary>
        All,
        /// <summary>None.</summary>
        None,
    }

    /// <summary>How the mailbox is reached.</summary>
    public enum MailProtocol
    {
        /// <summary>IMAP.</summary>
        IMAP,
        /// <summary>POP3.</summary>
        POP,
        /// <summary>Office 365 through MSAL (OAuth2).</summary>
        MSAL,
        /// <summary>A folder of .eml files.</summary>
        Folder,
    }

    /// <summary>The minimum TLS version a connection accepts (the reference's SecurityProtocol values).</summary>
    public enum SecurityProtocol
    {
        /// <summary>SSL 2 or later: modern platforms start at TLS 1.0 or higher, so this means "the lowest the platform allows".</summary>
        SSL2,
        /// <summary>SSL 3 or later: as SSL2.</summary>
        SSL,
        /// <summary>TLS 1.0 or later.</summary>
        TLS1,
        /// <summary>TLS 1.1 or later.</summary>
        TLS1_1,
        /// <summary>TLS 1.2 or later.</summary>
        TLS1_2,
        /// <summary>TLS 1.3 only (a SmartEmail addition; smartemail.exe stops at TLS1_2).</summary>
        TLS1_3,
    }

    /// <summary>How severe a configuration finding is.</summary>
    public enum FindingSeverity
    {
        /// <summary>The file cannot be used as it is.</summary>
        Error,
        /// <summary>The file works, but probably not as intended.</summary>
        Warning,
    }

    /// <summary>One problem in an INI file, with where it is.</summary>
    public sealed class ConfigurationFinding
    {
        internal ConfigurationFinding(FindingSeverity severity, string path, int line, string section, string key, string message)
        {
            Severity = severity;
            Path = path;
            Line = line;
            Section = section;
            Key = key;
            Message = message;
        }

        /// <summary>Error or Warning.</summary>
        public FindingSeverity Severity { get; }

        /// <summary>The INI file.</summary>
        public string Path { get; }

        /// <summary>The 1-based line, or 0 when the problem is something missing from the file.</summary>
        public int Line { get; }

        /// <summary>The section, or empty.</summary>
        public string Section { get; }

        /// <summary>The key, or empty.</summary>
        public string Key { get; }

        /// <summary>What is wrong and what to do about it.</summary>
        public string Message { get; }

        /// <inheritdoc/>
        public override string ToString()
        {
            var where = Line > 0 ? $"{Path}:{Line}" : Path;
            var what = Section.Length == 0 ? string.Empty : Key.Length == 0 ? $" [{Section}]" : $" [{Section}] {Key}";
            return $"{where}{what}: {Message}";
        }
    }

    /// <summary>A secret stored in the INI (a password, token or client secret): whether it is set and how, never its value.</summary>
    public sealed class SecretState
    {
        internal SecretState(string? raw)
        {
            Raw = string.IsNullOrEmpty(raw) ? null : raw;
        }

        internal string? Raw { get; }

        /// <summary>Whether a value is stored.</summary>
        public bool IsSet => Raw != null;

        /// <summary>Whether the stored value is encrypted by Set-SmartEmailCredential.</summary>
        public bool IsEncrypted => Raw != null && Secrets.IsProtected(Raw);

        /// <inheritdoc/>
        public override string ToString() => !IsSet ? "(not set)" : IsEncrypted ? "(encrypted)" : "(set, not encrypted)";
    }

    /// <summary>The [General] section.</summary>
    public sealed class GeneralSettings
    {
        /// <summary>The MSGIN folder, resolved (relative paths against the INI's folder), or null when not set.</summary>
        public string? MsgInDirectory { get; internal set; }
        /// <summary>The OpCon user events are submitted as.</summary>
        public string OpConUser { get; internal set; } = string.Empty;
        /// <summary>Whether and how the OpCon user name is stored.</summary>
        public SecretState OpConUserState { get; internal set; } = new SecretState(null);
        /// <summary>Whether and how the OpCon password is stored; never the password.</summary>
        public SecretState OpConUserPassword { get; internal set; } = new SecretState(null);
        /// <summary>Which emails are deleted.</summary>
        public DeleteMode DeleteEmails { get; internal set; } = DeleteMode.Match;
        /// <summary>Whether processed emails are saved.</summary>
        public bool DownloadEmails { get; internal set; } = true;
        /// <summary>Where processed emails are saved, resolved.</summary>
        public string? DownloadFolder { get; internal set; }
        /// <summary>The exit code when no email matched.</summary>
        public int ExitCodeForNoMatchingEmails { get; internal set; }
        /// <summary>Whether LastRunDate limits and records the run.</summary>
        public bool UseLastRunDate { get; internal set; } = true;
        /// <summary>Only mail received on or after this time is processed (local time as written), or null.</summary>
        public DateTimeOffset? LastRunDate { get; internal set; }
        /// <summary>Newer vendor key overriding NotifyOnRejects, or null.</summary>
        public bool? SendRejectionNotice { get; internal set; }
        /// <summary>Newer vendor key overriding NotifyOnAccepts, or null.</summary>
        public bool? SendAcceptedNotice { get; internal set; }
        /// <summary>The time zone id for time windows, or null for the machine's.</summary>
        public string? TimeZone { get; internal set; }
        /// <summary>The state file, resolved, or null for the default beside the INI.</summary>
        public string? StateFile { get; internal set; }
        /// <summary>The MSGIN file encoding name.</summary>
        public string MsgInEncoding { get; internal set; } = "ASCII";
        /// <summary>Reject or Strip values that would inject event fields.</summary>
        public string UnsafeValueAction { get; internal set; } = "Reject";
        /// <summary>How long one regular expression may run.</summary>
        public TimeSpan RegexTimeout { get; internal set; } = TimeSpan.FromSeconds(2);
        /// <summary>Whether senders must be authenticated by the trusted server.</summary>
        public bool RequireAuthenticatedSender { get; internal set; }
        /// <summary>The trusted authserv-id, or null.</summary>
        public string? TrustedAuthServId { get; internal set; }
    }

    /// <summary>The [Mail] section.</summary>
    public sealed class MailSettings
    {
        /// <summary>The mail server, or for Folder the folder (resolved), or null.</summary>
        public string? Server { get; internal set; }
        /// <summary>The port, or null.</summary>
        public int? Port { get; internal set; }
        /// <summary>The protocol, or null when the INI leaves it to the command line.</summary>
        public MailProtocol? Protocol { get; internal set; }
        /// <summary>The minimum TLS version, or null for the platform default.</summary>
        public SecurityProtocol? SecurityProtocol { get; internal set; }
        /// <summary>The mailbox user name (decrypted when this account can), or empty.</summary>
        public string User { get; internal set; } = string.Empty;
        /// <summary>Whether and how the user name is stored.</summary>
        public SecretState UserState { get; internal set; } = new SecretState(null);
        /// <summary>Whether and how the mailbox password is stored; never the password.</summary>
        public SecretState Password { get; internal set; } = new SecretState(null);
        /// <summary>Whether an untrusted certificate is accepted.</summary>
        public bool SelfSignedCertificate { get; internal set; } = true;
        /// <summary>The pinned certificate thumbprint, or null.</summary>
        public string? CertificateThumbprint { get; internal set; }
        /// <summary>The IMAP folder.</summary>
        public string Folder { get; internal set; } = "INBOX";
        /// <summary>How TLS is used: Auto, Implicit, StartTls or None.</summary>
        public Mail.TlsMode TlsMode { get; internal set; } = Mail.TlsMode.Auto;
        /// <summary>The SMTP server for notices, or null.</summary>
        public string? SmtpServer { get; internal set; }
        /// <summary>The SMTP port, or null.</summary>
        public int? SmtpPort { get; internal set; }
        /// <summary>The minimum TLS version for SMTP, or null.</summary>
        public SecurityProtocol? SmtpSecurityProtocol { get; internal set; }
        /// <summary>How notices sign in to the SMTP server.</summary>
        public Mail.SmtpAuthentication SmtpAuthentication { get; internal set; } = Mail.SmtpAuthentication.Mailbox;
        /// <summary>The From address of notices, or null.</summary>
        public string? NotifyFrom { get; internal set; }
        /// <summary>MSAL tenant, or null.</summary>
        public string? Tenant { get; internal set; }
        /// <summary>MSAL client id, or null.</summary>
        public string? ClientId { get; internal set; }
        /// <summary>MSAL authority, or null.</summary>
        public string? Authority { get; internal set; }
        /// <summary>Whether and how the MSAL client secret is stored.</summary>
        public SecretState ClientSecret { get; internal set; } = new SecretState(null);
        /// <summary>MSAL certificate file, resolved, or null.</summary>
        public string? CertificatePath { get; internal set; }
        /// <summary>Whether and how the password of the MSAL certificate file is stored.</summary>
        public SecretState CertificatePassword { get; internal set; } = new SecretState(null);
        /// <summary>The thumbprint of the MSAL certificate in a certificate store, or null.</summary>
        public string? ClientCertificateThumbprint { get; internal set; }
        /// <summary>MSAL scopes (space-separated), or null for the derived ones.</summary>
        public string? Scopes { get; internal set; }
        /// <summary>MSAL token cache file, resolved, or null for the default.</summary>
        public string? TokenCachePath { get; internal set; }
        /// <summary>MSAL mail protocol (IMAP or POP).</summary>
        public MailProtocol MsalMailProtocol { get; internal set; } = MailProtocol.IMAP;
    }

    /// <summary>The [OpCon] section: the REST API transport.</summary>
    public sealed class OpConSettings
    {
        /// <summary>MsgIn or Api.</summary>
        public string Transport { get; internal set; } = "MsgIn";
        /// <summary>The API base URL, or null.</summary>
        public string? ApiUrl { get; internal set; }
        /// <summary>Whether and how the API token is stored.</summary>
        public SecretState ApiToken { get; internal set; } = new SecretState(null);
        /// <summary>The API user, or null.</summary>
        public string? ApiUser { get; internal set; }
        /// <summary>Whether and how the API password is stored.</summary>
        public SecretState ApiPassword { get; internal set; } = new SecretState(null);
        /// <summary>Whether a self-signed API certificate is accepted.</summary>
        public bool SelfSignedCertificate { get; internal set; }
    }

    /// <summary>The [Audit] section, every setting with the reference's default.</summary>
    public sealed class AuditSettings
    {
        /// <summary>Accept log file, resolved.</summary>
        public string AuditAcceptLogFile { get; internal set; } = string.Empty;
        /// <summary>Whether accepts are logged.</summary>
        public bool LogAccepts { get; internal set; }
        /// <summary>Accept log line.</summary>
        public string LogAcceptFormat { get; internal set; } = string.Empty;
        /// <summary>Whether accept notices are sent.</summary>
        public bool NotifyOnAccepts { get; internal set; }
        /// <summary>Accept notice subject.</summary>
        public string NotifyOnAcceptSubject { get; internal set; } = string.Empty;
        /// <summary>Accept notice body.</summary>
        public string NotifyOnAcceptBody { get; internal set; } = string.Empty;
        /// <summary>Accept notice recipients.</summary>
        public string NotifyOnAcceptTo { get; internal set; } = string.Empty;
        /// <summary>Reject log file, resolved.</summary>
        public string AuditRejectLogFile { get; internal set; } = string.Empty;
        /// <summary>Whether rejects are logged.</summary>
        public bool LogRejects { get; internal set; }
        /// <summary>Reject log line.</summary>
        public string LogRejectFormat { get; internal set; } = string.Empty;
        /// <summary>Whether reject notices are sent.</summary>
        public bool NotifyOnRejects { get; internal set; }
        /// <summary>Reject notice subject.</summary>
        public string NotifyOnRejectSubject { get; internal set; } = string.Empty;
        /// <summary>Reject notice body.</summary>
        public string NotifyOnRejectBody { get; internal set; } = string.Empty;
        /// <summary>Reject notice recipients.</summary>
        public string NotifyOnRejectTo { get; internal set; } = string.Empty;
        /// <summary>Reason: outside the time frame.</summary>
        public string RejectTimeframeMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: sender not allowed.</summary>
        public string RejectSenderMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: no rule matched.</summary>
        public string RejectNoMatchingSubjectMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: no matching attachment.</summary>
        public string RejectNoAttachmentMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: QualifyingSubjectLine not matched.</summary>
        public string RejectSubjectMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: no body line matched.</summary>
        public string RejectBody { get; internal set; } = string.Empty;
        /// <summary>Event submitted per rejected email, or null.</summary>
        public string? RejectEvent { get; internal set; }
        /// <summary>Whether submitted events are logged.</summary>
        public bool LogOpConEvents { get; internal set; }
        /// <summary>Event log file, resolved.</summary>
        public string OpConEventLogFile { get; internal set; } = string.Empty;
        /// <summary>Event log line.</summary>
        public string LogOpConEventFormat { get; internal set; } = string.Empty;
        /// <summary>The most notices per run.</summary>
        public int MaxNotificationsPerRun { get; internal set; } = 50;
        /// <summary>The rejections log of sender and time-window rejections, resolved (SMArtEmailRejections.log beside the INI).</summary>
        public string RejectionsLogFile { get; internal set; } = string.Empty;
    }

    /// <summary>One matching rule: the settings of a [Configuration#] block, or of New-SmartEmailRule.</summary>
    public sealed class Rule
    {
        private static readonly string[] None = new string[0];

        /// <summary>The rule's name (the section name, e.g. Configuration1).</summary>
        public string Name { get; internal set; } = string.Empty;
        /// <summary>The section number, used for ordering; 0 for rules built in memory.</summary>
        public int Number { get; internal set; }
        /// <summary>The subject mask.</summary>
        public string SubjectLineMask { get; internal set; } = string.Empty;
        /// <summary>Event, Event2, ... in numeric order, [Tokens] expanded.</summary>
        public string[] Events { get; internal set; } = None;
        /// <summary>The allowed senders, tokens expanded and lists split; ALL for everyone.</summary>
        public string[] AllowedSenders { get; internal set; } = new[] { "ALL" };
        /// <summary>HHMM-HHMM.</summary>
        public string AllowedTimeFrame { get; internal set; } = "0000-2400";
        /// <summary>Whether body lines are matched.</summary>
        public bool ProcessBody { get; internal set; }
        /// <summary>The subject qualifier for body processing.</summary>
        public string QualifyingSubjectLine { get; internal set; } = string.Empty;
        /// <summary>The attachment mask.</summary>
        public string AttachmentMask { get; internal set; } = string.Empty;
        /// <summary>Whether an attachment must match.</summary>
        public bool ProcessAttachments { get; internal set; }
        /// <summary>Whether the subject mask is a wildcard pattern.</summary>
        public bool UseWildCards { get; internal set; }
        /// <summary>This rule's time zone id, or null for the [General] one.</summary>
        public string? TimeZone { get; internal set; }
        /// <summary>This rule's RequireAuthenticatedSender, or null for the [General] one.</summary>
        public bool? RequireAuthenticatedSender { get; internal set; }
        /// <summary>This rule's TrustedAuthServId, or null for the [General] one.</summary>
        public string? TrustedAuthServId { get; internal set; }
        /// <summary>This rule's UnsafeValueAction, or null for the [General] one.</summary>
        public string? UnsafeValueAction { get; internal set; }
        /// <summary>The INI file the rule comes from, or empty.</summary>
        public string Path { get; internal set; } = string.Empty;
        /// <summary>The line of the section header, or 0.</summary>
        public int Line { get; internal set; }

        /// <inheritdoc/>
        public override string ToString() => Name;
    }

    /// <summary>A read-only, ordered, case-insensitive name → value map ([Tokens]).</summary>
    public sealed class OrderedValues : IReadOnlyDictionary<string, string>, IDictionary
    {
        private readonly List<KeyValuePair<string, string>> _items = new List<KeyValuePair<string, string>>();
        private readonly Dictionary<string, string> _index = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        internal bool TryAdd(string key, string value)
        {
            if (_index.ContainsKey(key))
                return false;
            _index.Add(key, value);
            _items.Add(new KeyValuePair<string, string>(key, value));
            return true;
        }

        /// <inheritdoc/>
        public string this[string key] => _index[key];
        /// <inheritdoc/>
        public IEnumerable<string> Keys => _items.Select(i => i.Key);
        /// <inheritdoc/>
        public IEnumerable<string> Values => _items.Select(i => i.Value);
        /// <inheritdoc/>
        public int Count => _items.Count;
        /// <inheritdoc/>
        public bool ContainsKey(string key) => _index.ContainsKey(key);
        /// <inheritdoc/>
        public bool TryGetValue(string key, out string value) => _index.TryGetValue(key, out value!);
        /// <inheritdoc/>
        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _items.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => ((IDictionary)this).GetEnumerator();

        // IDictionary, so PowerShell shows and indexes [Tokens] like a hashtable ($c.Tokens.ADMINEMAIL).
        object? IDictionary.this[object key]
        {
            get => key is string s && _index.TryGetValue(s, out var v) ? v : null;
            set => throw new NotSupportedException("[Tokens] is read-only here; edit the INI file.");
        }
        ICollection IDictionary.Keys => _items.Select(i => i.Key).ToList();
        ICollection IDictionary.Values => _items.Select(i => i.Value).ToList();
        bool IDictionary.IsReadOnly => true;
        bool IDictionary.IsFixedSize => true;
        bool ICollection.IsSynchronized => false;
        object ICollection.SyncRoot => _items;
        void IDictionary.Add(object key, object? value) => throw new NotSupportedException();
        void IDictionary.Clear() => throw new NotSupportedException();
        bool IDictionary.Contains(object key) => key is string s && _index.ContainsKey(s);
        void IDictionary.Remove(object key) => throw new NotSupportedException();
        void ICollection.CopyTo(Array array, int index) => ((ICollection)_items.Select(i => new DictionaryEntry(i.Key, i.Value)).ToArray()).CopyTo(array, index);
        IDictionaryEnumerator IDictionary.GetEnumerator() => new EntryEnumerator(_items);

        /// <summary>
        /// The non-generic enumerator: its Current is a DictionaryEntry, as IDictionary promises. ConvertTo-Json, Export-Clixml
        /// and Format-* cast each item to DictionaryEntry; a KeyValuePair (what Dictionary's public enumerator yields) fails.
        /// </summary>
        private sealed class EntryEnumerator : IDictionaryEnumerator
        {
            private readonly List<KeyValuePair<string, string>> _items;
            private int _index = -1;

            public EntryEnumerator(List<KeyValuePair<string, string>> items) => _items = items;

            public DictionaryEntry Entry => _index >= 0 && _index < _items.Count
                ? new DictionaryEntry(_items[_index].Key, _items[_index].Value)
                : throw new InvalidOperationException("The enumerator is not on an item.");
            public object Key => Entry.Key;
            public object? Value => Entry.Value;
            public object Current => Entry;
            public bool MoveNext() => ++_index < _items.Count;
            public void Reset() => _index = -1;
        }
    }

    /// <summary>An SMArtEmail.ini as SmartEmail understands it.</summary>
    public sealed class Configuration
    {
        /// <summary>The INI file.</summary>
        public string Path { get; internal set; } = string.Empty;
        /// <summary>[General].</summary>
        public GeneralSettings General { get; internal set; } = new GeneralSettings();
        /// <summary>[Mail].</summary>
        public MailSettings Mail { get; internal set; } = new MailSettings();
        /// <summary>[Audit].</summary>
        public AuditSettings Audit { get; internal set; } = new AuditSettings();
        /// <summary>[OpCon].</summary>
        public OpConSettings OpCon { get; internal set; } = new OpConSettings();
        /// <summary>[Tokens], in file order.</summary>
        public OrderedValues Tokens { get; internal set; } = new OrderedValues();
        /// <summary>The rules, ordered by their number.</summary>
        public Rule[] Rules { get; internal set; } = new Rule[0];
        /// <summary>Every problem found while reading, errors and warnings.</summary>
        public ConfigurationFinding[] Findings { get; internal set; } = new ConfigurationFinding[0];
    }
}
