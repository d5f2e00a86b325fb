using System;

namespace SmartEmail
{
    /// <summary>The base of every error the SmartEmail engine reports on purpose; its message is written for an admin.</summary>
    public class SmartEmailException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public SmartEmailException(string message, Exception? innerException = null) : base(message, innerException) { }
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
}
