namespace SmartEmail.Run
{
    /// <summary>An event a message is to submit, and the rule (or "RejectEvent") it comes from.</summary>
    internal readonly struct PlannedEvent
    {
        public PlannedEvent(string @event, string rule)
        {
            Event = @event;
            Rule = rule;
        }

        public string Event { get; }

        public string Rule { get; }
    }
}
