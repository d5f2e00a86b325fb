using System;

namespace SmartEmail
{
    /// <summary>An event could not be submitted; the message says why and what to do.</summary>
    public sealed class EventSubmitException : SmartEmailException
    {
        /// <summary>Creates the exception.</summary>
        public EventSubmitException(EventErrorKind kind, string message, Exception? innerException = null) : base(message, innerException)
        {
            Kind = kind;
        }

        /// <summary>What went wrong; the cmdlets report it as the error id of the same name.</summary>
        public EventErrorKind Kind { get; }

        /// <summary>The kind's name, the error id (kept for scripts that read it; code compares <see cref="Kind"/>).</summary>
        public string ErrorId => Kind.ToString();
    }
}
