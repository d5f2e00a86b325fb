namespace SmartEmail
{
    /// <summary>Why an event could not be submitted; the cmdlets report the kind's name as the error id.</summary>
    public enum EventErrorKind
    {
        /// <summary>No MSGIN folder is set, or it does not exist.</summary>
        MsgInDirectoryMissing,
        /// <summary>The work folder beside MSGIN cannot be created.</summary>
        MsgInWorkDirectoryFailed,
        /// <summary>An event file cannot be written or moved into MSGIN.</summary>
        MsgInWriteFailed,
        /// <summary>MsgInEncoding names no encoding SmartEmail knows.</summary>
        MsgInEncodingUnknown,
        /// <summary>The event is empty, not an OpCon event, or holds a line break or control character.</summary>
        EventInvalid,
        /// <summary>The event is longer than OpCon accepts.</summary>
        EventTooLong,
        /// <summary>The event holds a character the MSGIN encoding cannot carry.</summary>
        EventNotEncodable,
        /// <summary>The event was submitted, but the event log cannot be written.</summary>
        EventLogFailed,
        /// <summary>No OpCon user (MSGIN) or no API token or user (API) is set.</summary>
        CredentialMissing,
        /// <summary>A stored credential cannot be decrypted here.</summary>
        CredentialEncrypted,
        /// <summary>Transport is Api, but no API URL is set.</summary>
        ApiUrlMissing,
        /// <summary>The OpCon API refused the event or answered something unexpected.</summary>
        ApiFailed,
        /// <summary>The OpCon API refused to issue a token.</summary>
        ApiAuthenticationFailed,
        /// <summary>The OpCon API cannot be reached or did not answer in time.</summary>
        ApiUnreachable,
    }
}
