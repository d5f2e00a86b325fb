namespace SmartEmail
{
    /// <summary>An event could not be submitted; the message says why and what to do.</summary>
    public sealed class EventSubmitException : SmartEmailException
    {
        /// <summary>Creates the exception.</summary>
        public EventSubmitException(string errorId, string message, System.Exception? innerException = null) : base(message, innerException)
        {
            ErrorId = errorId;
        }

        /// <summary>A stable id: MsgInDirectoryMissing, EventNotEncodable, EventTooLong, EventInvalid, CredentialMissing, ApiFailed, ...</summary>
        public string ErrorId { get; }
    }
}
