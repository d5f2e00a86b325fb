using System;

namespace SmartEmail
{
    /// <summary>
    /// The base of every error the SmartEmail engine reports on purpose; its message is written for an admin and names
    /// INI settings and values, never a cmdlet parameter or a command-line flag (the cmdlets and smartemail.ps1 add
    /// their own hint from <see cref="Setting"/>).
    /// </summary>
    public class SmartEmailException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public SmartEmailException(string message, Exception? innerException = null) : base(message, innerException) { }

        /// <summary>
        /// The INI setting that is missing or at fault, as "[Section] Key" (for example "[Mail] Server"), when a value given
        /// another way (a cmdlet parameter, a command-line flag) would do instead; otherwise null.
        /// </summary>
        public string? Setting { get; internal set; }
    }

    /// <summary>A message, or a file that should hold one, could not be read or parsed.</summary>
    public sealed class MessageReadException : SmartEmailException
    {
        /// <summary>Creates the exception for the message or file named by <paramref name="target"/>.</summary>
        public MessageReadException(string target, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            Target = target;
        }

        /// <summary>The file path or message id at fault.</summary>
        public string Target { get; }
    }

    /// <summary>What is wrong with a stored credential.</summary>
    public enum CredentialErrorKind
    {
        /// <summary>The value cannot be decrypted here (another user or machine, another platform, a lost key).</summary>
        Undecryptable,
        /// <summary>The value is damaged or was not encrypted by SmartEmail.</summary>
        Damaged,
        /// <summary>The key file cannot be read, created or used.</summary>
        KeyFileFailed,
    }

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
