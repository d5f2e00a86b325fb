namespace SmartEmail.Run
{
    /// <summary>An event of a Pending message: its prepared file, and the event and rule it was made for.</summary>
    internal sealed class PreparedEventState
    {
        public string Prepared { get; set; } = string.Empty;
        public string Event { get; set; } = string.Empty;
        public string Rule { get; set; } = string.Empty;
    }
}
