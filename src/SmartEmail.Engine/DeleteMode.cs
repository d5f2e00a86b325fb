namespace SmartEmail
{
    /// <summary>Which emails a run deletes.</summary>
    public enum DeleteMode
    {
        /// <summary>Accepted emails only.</summary>
        Match,
        /// <summary>Every email read.</summary>
        All,
        /// <summary>None.</summary>
        None,
    }
}
