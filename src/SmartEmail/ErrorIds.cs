using SmartEmail.Mail;

namespace SmartEmail
{
    /// <summary>
    /// The error ids SmartEmail cmdlets report (the first part of <c>FullyQualifiedErrorId</c>). Scripts and tests match
    /// on them, so they never change once released.
    /// </summary>
    internal static class ErrorIds
    {
        public const string MessagePathNotFound = "MessagePathNotFound";
        public const string MessageReadFailed = "MessageReadFailed";
        public const string ConfigurationNotFound = "ConfigurationNotFound";
        public const string ConfigurationReadFailed = "ConfigurationReadFailed";
        public const string ConfigurationInvalid = "ConfigurationInvalid";
        public const string RuleNotFound = "RuleNotFound";
        public const string RuleInvalid = "RuleInvalid";
        public const string MessageSourceMissing = "MessageSourceMissing";
        public const string MessageSaveFailed = "MessageSaveFailed";
        public const string MessageRemoveFailed = "MessageRemoveFailed";

        /// <summary>Mailbox errors: "Mailbox" and the kind, such as MailboxAuthentication or MailboxCertificate.</summary>
        public static string Mailbox(MailboxErrorKind kind) => "Mailbox" + kind;
    }
}
