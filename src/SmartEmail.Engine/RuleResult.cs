namespace SmartEmail
{
    /// <summary>The verdict of one rule on one message: outcome, reason, what matched, and the resolved events.</summary>
    public sealed class RuleResult
    {
        internal RuleResult(Message message, Rule rule, RuleOutcome outcome, string reason, string[] matchedOn, string[] captures,
            string[] events, RuleCheck[] checks)
        {
            Message = message;
            RuleDefinition = rule;
            Rule = rule.Name;
            Outcome = outcome;
            Reason = reason;
            MatchedOn = matchedOn;
            Captures = captures;
            Events = events;
            Checks = checks;
        }

        /// <summary>The message.</summary>
        public Message Message { get; }

        /// <summary>The rule's name.</summary>
        public string Rule { get; }

        /// <summary>The rule itself.</summary>
        public Rule RuleDefinition { get; }

        /// <summary>Accepted, Rejected or NotMatched.</summary>
        public RuleOutcome Outcome { get; }

        /// <summary>Why the message was not accepted (the Reject*Message text), empty when accepted.</summary>
        public string Reason { get; }

        /// <summary>What matched: <c>Subject</c>, <c>Body:&lt;line&gt;</c>, <c>Attachment:&lt;name&gt;</c>.</summary>
        public string[] MatchedOn { get; }

        /// <summary>The groups of the first subject or body match: [[1]], [[2]], ...</summary>
        public string[] Captures { get; }

        /// <summary>The events, tokens resolved, without credentials (empty unless accepted).</summary>
        public string[] Events { get; }

        /// <summary>Whether characters the MSGIN encoding cannot carry were transliterated in <see cref="Events"/>.</summary>
        internal bool EventsTransliterated { get; set; }

        /// <summary>Every check, in the order they were made.</summary>
        public RuleCheck[] Checks { get; }

        /// <inheritdoc/>
        public override string ToString() => $"{Rule}: {Outcome}" + (Reason.Length == 0 ? string.Empty : " (" + Reason + ")");
    }
}
