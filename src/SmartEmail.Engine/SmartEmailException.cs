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
}
