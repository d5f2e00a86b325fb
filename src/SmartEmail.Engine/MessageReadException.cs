using System;

namespace SmartEmail
{
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
