using System;

namespace SmartEmail
{
    /// <summary>A stored credential cannot be encrypted or decrypted; the message says what to do.</summary>
    public sealed class CredentialException : SmartEmailException
    {
        /// <summary>Creates the exception.</summary>
        public CredentialException(CredentialErrorKind kind, string message, Exception? innerException = null) : base(message, innerException)
        {
            Kind = kind;
        }

        /// <summary>What went wrong.</summary>
        public CredentialErrorKind Kind { get; }
    }
}
