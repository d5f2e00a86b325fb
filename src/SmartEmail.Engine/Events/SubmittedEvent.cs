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

    /// <summary>One event handed to OpCon.</summary>
    public sealed class SubmittedEvent
    {
        internal SubmittedEvent(string @event, EventTransport transport, string? file, string rule, string messageId)
        {
            Event = @event;
            Transport = transport;
            File = file;
            Rule = rule;
            MessageId = messageId;
        }

        /// <summary>The event as submitted, the password masked.</summary>
        public string Event { get; }

        /// <summary>MsgIn or Api.</summary>
        public EventTransport Transport { get; }

        /// <summary>The MSGIN file, for MsgIn.</summary>
        public string? File { get; }

        /// <summary>The rule that produced the event, or empty.</summary>
        public string Rule { get; }

        /// <summary>The Message-Id of the message that produced the event, or empty.</summary>
        public string MessageId { get; }

        /// <inheritdoc/>
        public override string ToString() => Event;
    }
}
