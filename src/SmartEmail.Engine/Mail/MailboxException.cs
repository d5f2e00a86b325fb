using System;

namespace SmartEmail.Mail
{
    /// <summary>A mailbox operation failed; the message says what to do.</summary>
    public sealed class MailboxException : SmartEmailException
    {
        /// <summary>Creates the exception.</summary>
        public MailboxException(MailboxErrorKind kind, string message, Exception? innerException = null) : base(message, innerException)
        {
            Kind = kind;
        }

        /// <summary>What went wrong.</summary>
        public MailboxErrorKind Kind { get; }
    }
}
