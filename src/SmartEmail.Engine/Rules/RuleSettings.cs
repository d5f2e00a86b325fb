using System;
using SmartEmail.Ini;

namespace SmartEmail.Rules
{
    /// <summary>The settings outside the rules that evaluation needs: reject reasons, time zone, safety, regex timeout.</summary>
    public sealed class RuleSettings
    {
        /// <summary>[[REASON]] when the sender is not allowed.</summary>
        public string RejectSenderMessage { get; set; } = Default("Audit", "RejectSenderMessage");
        /// <summary>[[REASON]] outside the time frame.</summary>
        public string RejectTimeframeMessage { get; set; } = Default("Audit", "RejectTimeframeMessage");
        /// <summary>[[REASON]] when nothing matched.</summary>
        public string RejectNoMatchingSubjectMessage { get; set; } = Default("Audit", "RejectNoMatchingSubjectMessage");
        /// <summary>[[REASON]] when no attachment matched.</summary>
        public string RejectNoAttachmentMessage { get; set; } = Default("Audit", "RejectNoAttachmentMessage");
        /// <summary>[[REASON]] when the subject failed QualifyingSubjectLine.</summary>
        public string RejectSubjectMessage { get; set; } = Default("Audit", "RejectSubjectMessage");
        /// <summary>[[REASON]] when no body line matched.</summary>
        public string RejectBody { get; set; } = Default("Audit", "RejectBody");
        /// <summary>The time zone id for windows of rules without their own, or null for the machine's.</summary>
        public string? TimeZone { get; set; }
        /// <summary>Reject or Strip, for rules without their own.</summary>
        public UnsafeValueAction UnsafeValueAction { get; set; } = IniSchema.Get("General", "UnsafeValueAction").DefaultChoice<UnsafeValueAction>();
        /// <summary>How long one regular expression may run on one input.</summary>
        public TimeSpan RegexTimeout { get; set; } = IniSchema.Get("General", "RegexTimeout").DefaultSeconds;
        /// <summary>Whether senders must be authenticated by the trusted server, for rules without their own setting.</summary>
        public bool RequireAuthenticatedSender { get; set; } = IniSchema.Get("General", "RequireAuthenticatedSender").DefaultBool;
        /// <summary>The trusted server's authserv-id, for rules without their own.</summary>
        public string? TrustedAuthServId { get; set; }
        /// <summary>
        /// The encoding events are written in (MsgInEncoding), whose missing characters resolved events have
        /// transliterated; null when events go to the REST API, which carries any character.
        /// </summary>
        public MsgInEncoding? EventEncoding { get; set; } = IniSchema.Get("General", "MsgInEncoding").DefaultChoice<MsgInEncoding>();

        /// <summary>The settings of an INI.</summary>
        public static RuleSettings From(Configuration configuration) => new RuleSettings
        {
            RejectSenderMessage = configuration.Audit.RejectSenderMessage,
            RejectTimeframeMessage = configuration.Audit.RejectTimeframeMessage,
            RejectNoMatchingSubjectMessage = configuration.Audit.RejectNoMatchingSubjectMessage,
            RejectNoAttachmentMessage = configuration.Audit.RejectNoAttachmentMessage,
            RejectSubjectMessage = configuration.Audit.RejectSubjectMessage,
            RejectBody = configuration.Audit.RejectBody,
            TimeZone = configuration.General.TimeZone,
            UnsafeValueAction = configuration.General.UnsafeValueAction,
            RegexTimeout = configuration.General.RegexTimeout,
            RequireAuthenticatedSender = configuration.General.RequireAuthenticatedSender,
            TrustedAuthServId = configuration.General.TrustedAuthServId,
            EventEncoding = configuration.OpCon.Transport == EventTransport.Api ? (MsgInEncoding?)null : configuration.General.MsgInEncoding,
        };

        private static string Default(string section, string key) => IniSchema.Get(section, key).DefaultText;
    }
}
