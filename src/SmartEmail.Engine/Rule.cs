using SmartEmail.Ini;

namespace SmartEmail
{
    /// <summary>One matching rule: the settings of a [Configuration#] block, or of New-SmartEmailRule.</summary>
    public sealed class Rule
    {
        private static readonly string[] None = new string[0];

        /// <summary>The rule's name (the section name, e.g. Configuration1).</summary>
        public string Name { get; internal set; } = string.Empty;
        /// <summary>The section number, used for ordering; 0 for rules built in memory.</summary>
        public int Number { get; internal set; }
        /// <summary>The subject mask.</summary>
        public string SubjectLineMask { get; internal set; } = string.Empty;
        /// <summary>Event, Event2, ... in numeric order, [Tokens] expanded.</summary>
        public string[] Events { get; internal set; } = None;
        /// <summary>The allowed senders, tokens expanded and lists split; ALL for everyone.</summary>
        public string[] AllowedSenders { get; internal set; } = new[] { IniSchema.Get(IniSchema.RuleSection, "AllowedSenders").DefaultText };
        /// <summary>HHMM-HHMM.</summary>
        public string AllowedTimeFrame { get; internal set; } = IniSchema.Get(IniSchema.RuleSection, "AllowedTimeFrame").DefaultText;
        /// <summary>Whether body lines are matched.</summary>
        public bool ProcessBody { get; internal set; }
        /// <summary>The subject qualifier for body processing.</summary>
        public string QualifyingSubjectLine { get; internal set; } = string.Empty;
        /// <summary>The attachment mask.</summary>
        public string AttachmentMask { get; internal set; } = string.Empty;
        /// <summary>Whether an attachment must match.</summary>
        public bool ProcessAttachments { get; internal set; }
        /// <summary>Whether the subject mask is a wildcard pattern.</summary>
        public bool UseWildCards { get; internal set; }
        /// <summary>This rule's time zone id, or null for the [General] one.</summary>
        public string? TimeZone { get; internal set; }
        /// <summary>This rule's RequireAuthenticatedSender, or null for the [General] one.</summary>
        public bool? RequireAuthenticatedSender { get; internal set; }
        /// <summary>This rule's TrustedAuthServId, or null for the [General] one.</summary>
        public string? TrustedAuthServId { get; internal set; }
        /// <summary>This rule's UnsafeValueAction, or null for the [General] one.</summary>
        public UnsafeValueAction? UnsafeValueAction { get; internal set; }
        /// <summary>The INI file the rule comes from, or empty.</summary>
        public string Path { get; internal set; } = string.Empty;
        /// <summary>The line of the section header, or 0.</summary>
        public int Line { get; internal set; }

        /// <inheritdoc/>
        public override string ToString() => Name;
    }
}
