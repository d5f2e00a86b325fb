namespace SmartEmail
{
    /// <summary>
    /// Every error id a SmartEmail cmdlet reports (the first part of <c>FullyQualifiedErrorId</c>). Scripts and tests match
    /// on them, so they never change once released. The ids of typed engine errors are their kind's name (events) or
    /// the kind's name after a prefix (Mailbox, Credential); <see cref="ErrorMap"/> maps each kind to one of these, and
    /// tests/Pester/ErrorIds.Tests.ps1 checks that every id the tests provoke is listed here.
    /// </summary>
    internal static class ErrorIds
    {
        // Messages and message files.
        public const string MessagePathNotFound = "MessagePathNotFound";
        public const string MessageReadFailed = "MessageReadFailed";
        public const string MessageSourceMissing = "MessageSourceMissing";
        public const string MessageSaveFailed = "MessageSaveFailed";
        public const string MessageRemoveFailed = "MessageRemoveFailed";

        // The INI (ConfigurationErrorKind) and its rules.
        public const string ConfigurationNotFound = "ConfigurationNotFound";
        public const string ConfigurationReadFailed = "ConfigurationReadFailed";
        public const string ConfigurationInvalid = "ConfigurationInvalid";
        public const string RuleNotFound = "RuleNotFound";
        public const string RuleInvalid = "RuleInvalid";

        // Parameters that do not go together, or do not fit the INI.
        public const string ParameterConflict = "ParameterConflict";
        public const string NotMsal = "NotMsal";

        // An engine error of no typed kind (the cmdlet names no operation of its own for it).
        public const string SmartEmailFailed = "SmartEmailFailed";

        // Stored credentials (CredentialErrorKind, and Set-SmartEmailCredential's own).
        public const string CredentialMissing = "CredentialMissing";
        public const string CredentialWriteFailed = "CredentialWriteFailed";
        public const string CredentialUndecryptable = "CredentialUndecryptable";
        public const string CredentialDamaged = "CredentialDamaged";
        public const string CredentialKeyFileFailed = "CredentialKeyFileFailed";

        // Mailboxes: "Mailbox" and the MailboxErrorKind.
        public const string MailboxConfiguration = "MailboxConfiguration";
        public const string MailboxHostNotFound = "MailboxHostNotFound";
        public const string MailboxConnectionRefused = "MailboxConnectionRefused";
        public const string MailboxTimeout = "MailboxTimeout";
        public const string MailboxTls = "MailboxTls";
        public const string MailboxCertificate = "MailboxCertificate";
        public const string MailboxAuthentication = "MailboxAuthentication";
        public const string MailboxFolderNotFound = "MailboxFolderNotFound";
        public const string MailboxConnection = "MailboxConnection";
        public const string MailboxMessageNotFound = "MailboxMessageNotFound";
        public const string MailboxNotSupported = "MailboxNotSupported";

        // Events: the EventErrorKind (CredentialMissing above is one of them too).
        public const string MsgInDirectoryMissing = "MsgInDirectoryMissing";
        public const string MsgInWorkDirectoryFailed = "MsgInWorkDirectoryFailed";
        public const string MsgInWriteFailed = "MsgInWriteFailed";
        public const string MsgInEncodingUnknown = "MsgInEncodingUnknown";
        public const string EventInvalid = "EventInvalid";
        public const string EventTooLong = "EventTooLong";
        public const string EventNotEncodable = "EventNotEncodable";
        public const string EventLogFailed = "EventLogFailed";
        public const string CredentialEncrypted = "CredentialEncrypted";
        public const string ApiUrlMissing = "ApiUrlMissing";
        public const string ApiFailed = "ApiFailed";
        public const string ApiAuthenticationFailed = "ApiAuthenticationFailed";
        public const string ApiUnreachable = "ApiUnreachable";
    }
}
