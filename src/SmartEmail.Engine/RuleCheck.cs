using System;

namespace SmartEmail
{
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
}
