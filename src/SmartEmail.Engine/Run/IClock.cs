using System;

namespace SmartEmail.Run
{
    /// <summary>The time, as a run sees it (a test gives its own).</summary>
    internal interface IClock
    {
        /// <summary>Now.</summary>
        DateTimeOffset Now { get; }
    }
}
