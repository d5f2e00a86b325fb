namespace SmartEmail
{
    /// <summary>How severe a configuration finding is.</summary>
    public enum FindingSeverity
    {
        /// <summary>The file cannot be used as it is.</summary>
        Error,
        /// <summary>The file works, but probably not as intended.</summary>
        Warning,
    }
}
