using System;
using System.Linq;

namespace SmartEmail.Rules
{
    /// <summary>
    /// Builds a <see cref="Rule"/> in memory, with the settings of a [Configuration#] block, for scripts that use no INI.
    /// <see cref="Build"/> checks it exactly as the rule engine will read it.
    /// </summary>
    public sealed class RuleBuilder
    {
        /// <summary>The rule's name.</summary>
        public string Name { get; set; } = "Rule";
        /// <summary>The subject mask.</summary>
        public string SubjectLineMask { get; set; } = string.Empty;
        /// <summary>The events, in order.</summary>
        public string[] Events { get; set; } = new string[0];
        /// <summary>Allowed senders; entries may hold ';'-separated lists.</summary>
        public string[] AllowedSenders { get; set; } = { "ALL" };
        /// <summary>HHMM-HHMM.</summary>
        public string AllowedTimeFrame { get; set; } = "0000-2400";
        /// <summary>The subject qualifier for body processing.</summary>
        public string QualifyingSubjectLine { get; set; } = string.Empty;
        /// <summary>The attachment mask.</summary>
        public string AttachmentMask { get; set; } = string.Empty;
        /// <summary>Whether body lines are matched.</summary>
        public bool ProcessBody { get; set; }
        /// <summary>Whether an attachment must match.</summary>
        public bool ProcessAttachments { get; set; }
        /// <summary>Whether the subject mask is a wildcard pattern.</summary>
        public bool UseWildCards { get; set; }
        /// <summary>The time zone id of the time frame, or null for the machine's.</summary>
        public string? TimeZone { get; set; }
        /// <summary>Reject or Strip, or null for the default (Reject).</summary>
        public string? UnsafeValueAction { get; set; }
        /// <summary>Trust the sender only when the trusted server authenticated it (DMARC, or aligned DKIM).</summary>
        public bool RequireAuthenticatedSender { get; set; }
        /// <summary>The authserv-id of the trusted server's Authentication-Results headers.</summary>
        public string? TrustedAuthServId { get; set; }

        /// <summary>Builds and checks the rule.</summary>
        /// <exception cref="ArgumentException">A setting is invalid; the message names the rule and the setting.</exception>
        public Rule Build()
        {
            if (Events.Length == 0 || Events.Any(string.IsNullOrWhiteSpace))
                throw new ArgumentException($"{Name}: a rule needs at least one event, and no event may be empty.");
            if (UnsafeValueAction != null && !new[] { "Reject", "Strip" }.Contains(UnsafeValueAction, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"{Name}: UnsafeValueAction must be Reject or Strip, not '{UnsafeValueAction}'.");
            var senders = AllowedSenders.SelectMany(s => s.Split(';')).Select(s => s.Trim()).Where(s => s.Length != 0).ToArray();
            if (senders.Length == 0)
                throw new ArgumentException($"{Name}: AllowedSenders lists no sender: use ALL or one or more addresses.");
            var rule = new Rule
            {
                Name = Name,
                SubjectLineMask = SubjectLineMask,
                Events = Events.ToArray(),
                AllowedSenders = senders,
                AllowedTimeFrame = AllowedTimeFrame,
                QualifyingSubjectLine = QualifyingSubjectLine,
                AttachmentMask = AttachmentMask,
                ProcessBody = ProcessBody,
                ProcessAttachments = ProcessAttachments,
                UseWildCards = UseWildCards,
                TimeZone = TimeZone,
                UnsafeValueAction = UnsafeValueAction,
                RequireAuthenticatedSender = RequireAuthenticatedSender ? true : (bool?)null,
                TrustedAuthServId = TrustedAuthServId,
            };
            // The engine compiles masks, the time frame and the time zone, and says which setting is wrong.
            _ = new RuleEngine(new[] { rule }, new RuleSettings());
            return rule;
        }
    }
}
