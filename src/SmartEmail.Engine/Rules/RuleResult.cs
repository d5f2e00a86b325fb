using System;

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

    /// <summary>One check of a rule against a message, with what was compared to what.</summary>
    public sealed class RuleCheck
    {
        private readonly Func<string>? _describe;
        private string? _detail;

        internal RuleCheck(string name, CheckStatus status, string detail)
        {
            Name = name;
            Status = status;
            _detail = detail;
        }

        /// <summary>
        /// A check whose detail is written only when someone reads it: a run evaluates every rule against every message and
        /// reads almost none of them, and writing them all was most of what evaluation allocated.
        /// </summary>
        internal RuleCheck(string name, CheckStatus status, Func<string> describe)
        {
            Name = name;
            Status = status;
            _describe = describe;
        }

        /// <summary>Sender, TimeFrame, Subject, Qualifier, Body, Attachment or Safety.</summary>
        public string Name { get; }

        /// <summary>Passed, Failed or Skipped.</summary>
        public CheckStatus Status { get; }

        /// <summary>What was compared, and why it passed or failed.</summary>
        public string Detail => _detail ??= _describe!();

        /// <summary>Whether the check passed (a skipped check counts as passed).</summary>
        public bool Passed => Status != CheckStatus.Failed;

        /// <inheritdoc/>
        public override string ToString() => $"{Name}: {Status} ({Detail})";
    }

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
