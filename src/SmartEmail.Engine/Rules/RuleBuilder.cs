using System.Linq;
using SmartEmail.Ini;

namespace SmartEmail.Rules
{
    /// <summary>
    /// Builds a <see cref="Rule"/> in memory, with the settings of a [Configuration#] block, for scripts that use no INI.
    /// <see cref="Build"/> checks it with the same <see cref="RuleValidator"/> as the INI reader and the rule engine.
    /// </summary>
    public sealed class RuleBuilder
    {
        /// <summary>The rule's name.</summary>
        public string Name { get; set; } = "Rule";
        /// <summary>The subject mask.</summary>
        public string SubjectLineMask { get; set; } = string.Empty;
        /// <summary>The events, in order.</summary>
        public string[] Events { get; set; } = new string[0];
        /// <summary>Allowed senders; entries may hold ';'-separated lists. Default: the schema's (ALL).</summary>
        public string[] AllowedSenders { get; set; } = { Default("AllowedSenders") };
        /// <summary>HHMM-HHMM. Default: the schema's (0000-2400).</summary>
        public string AllowedTimeFrame { get; set; } = Default("AllowedTimeFrame");
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
        /// <summary>Reject or Strip, or null for the [General] one (Reject by default).</summary>
        public UnsafeValueAction? UnsafeValueAction { get; set; }
        /// <summary>Trust the sender only when the trusted server authenticated it (DMARC, or aligned DKIM).</summary>
        public bool RequireAuthenticatedSender { get; set; }
        /// <summary>The authserv-id of the trusted server's Authentication-Results headers.</summary>
        public string? TrustedAuthServId { get; set; }

        /// <summary>Builds and checks the rule.</summary>
        /// <exception cref="RuleSettingException">A setting is invalid; the message names the rule, <see cref="RuleSettingException.Setting"/> the setting.</exception>
        public Rule Build()
        {
            var rule = new Rule
            {
                Name = Name,
                SubjectLineMask = SubjectLineMask,
                Events = Events.ToArray(),
                AllowedSenders = RuleValidator.SplitSenders(AllowedSenders),
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
            RuleValidator.ThrowIfInvalid(rule, new RuleSettings());
            return rule;
        }

        private static string Default(string setting) => IniSchema.Get(IniSchema.RuleSection, setting).DefaultText;
    }
}
