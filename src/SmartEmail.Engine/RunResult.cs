using System;

namespace SmartEmail
{
    /// <summary>What one INI-compatible run did (or, with -WhatIf, would have done).</summary>
    public sealed class RunResult
    {
        /// <summary>Messages read and evaluated.</summary>
        public int Scanned { get; internal set; }
        /// <summary>Messages accepted by at least one rule.</summary>
        public int Accepted { get; internal set; }
        /// <summary>Messages rejected (matched no rule, or failed a check).</summary>
        public int Rejected { get; internal set; }
        /// <summary>Events submitted (with -WhatIf: that would have been).</summary>
        public int EventsSubmitted { get; internal set; }
        /// <summary>Messages saved into DownloadFolder.</summary>
        public int Downloaded { get; internal set; }
        /// <summary>Messages deleted from the mailbox.</summary>
        public int Deleted { get; internal set; }
        /// <summary>Accept and reject notices sent.</summary>
        public int Notified { get; internal set; }
        /// <summary>What went wrong, one line each (message or step named).</summary>
        public string[] Errors { get; internal set; } = new string[0];
        /// <summary>What the admin should know though nothing failed (events transliterated for MsgInEncoding, a RejectEvent
        /// not submitted because of an unsafe value), each said once.</summary>
        public string[] Warnings { get; internal set; } = new string[0];
        /// <summary>Messages this run set aside: they failed [General] MaxAttempts runs for a reason of their own.</summary>
        public int SetAside { get; internal set; }
        /// <summary>The messages this run set aside, each as "'subject' (id): reason".</summary>
        public string[] SetAsideMessages { get; internal set; } = new string[0];
        /// <summary>The exit code: 0 some matched, ExitCodeForNoMatchingEmails none did, 2 any failure.</summary>
        public int ExitCode { get; internal set; }
        /// <summary>The rule results of every message evaluated, except NotMatched ones (rules that did not apply).</summary>
        public RuleResult[] Results { get; internal set; } = new RuleResult[0];
        /// <summary>The events, password masked.</summary>
        public string[] Events { get; internal set; } = new string[0];
        /// <summary>When the run started.</summary>
        public DateTimeOffset Started { get; internal set; }
        /// <summary>How long it took.</summary>
        public TimeSpan Duration { get; internal set; }
        /// <summary>Whether this was a dry run with no side effects.</summary>
        public bool WhatIf { get; internal set; }

        /// <summary>The short summary written to the job output.</summary>
        public string Summary =>
            $"SmartEmail run{(WhatIf ? " (dry run: nothing was changed)" : string.Empty)}: {Scanned} scanned, {Accepted} accepted, {Rejected} rejected, "
            + $"{EventsSubmitted} event(s) submitted, {Downloaded} downloaded, {Deleted} deleted, {Notified} notified, "
            + (SetAside != 0 ? $"{SetAside} set aside, " : string.Empty) + $"{Errors.Length} error(s); exit code {ExitCode}; {Duration.TotalSeconds:0.0} s.";

        /// <inheritdoc/>
        public override string ToString() => Summary;
    }
}
