namespace SmartEmail
{
    /// <summary>How one check of a rule went.</summary>
    public enum CheckStatus
    {
        /// <summary>The check passed.</summary>
        Passed,
        /// <summary>The check failed.</summary>
        Failed,
        /// <summary>The rule does not ask for this check.</summary>
        Skipped,
    }
}
