namespace SmartEmail
{
    /// <summary>How an event reached OpCon.</summary>
    public enum EventTransport
    {
        /// <summary>A file in the MSGIN folder of an OpCon agent or the SAM.</summary>
        MsgIn,
        /// <summary>The OpCon REST API.</summary>
        Api,
    }
}
