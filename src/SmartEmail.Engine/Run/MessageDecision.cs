using System.Collections.Generic;

namespace SmartEmail.Run
{
    /// <summary>What the rules decided for a message: accepted or not, why not, and the events to submit.</summary>
    internal sealed class MessageDecision
    {
        public MessageDecision(bool accepted, string reason, IReadOnlyList<PlannedEvent> events, IReadOnlyList<RuleResult> results)
        {
            Accepted = accepted;
            Reason = reason;
            Events = events;
            Results = results;
        }

        public bool Accepted { get; }

        /// <summary>Why it was rejected ([[REASON]]); empty when accepted.</summary>
        public string Reason { get; }

        public IReadOnlyList<PlannedEvent> Events { get; }

        /// <summary>Every rule's result.</summary>
        public IReadOnlyList<RuleResult> Results { get; }
    }
}
