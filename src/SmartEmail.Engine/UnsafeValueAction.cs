namespace SmartEmail
{
    /// <summary>What happens to a value put into an event that would add or shift OpCon event fields.</summary>
    public enum UnsafeValueAction
    {
        /// <summary>The message is rejected for that rule, with the reason.</summary>
        Reject,
        /// <summary>The offending characters are removed and the event is submitted.</summary>
        Strip,
    }
}
