namespace SmartEmail
{
    /// <summary>What a rule decided about a message.</summary>
    public enum RuleOutcome
    {
        /// <summary>The rule matched and its events are to be submitted.</summary>
        Accepted,
        /// <summary>The subject (or a body line) matched, but the sender, time, attachment or an event value failed.</summary>
        Rejected,
        /// <summary>The rule does not apply to the message.</summary>
        NotMatched,
    }
}
