using SmartEmail.Ini;

namespace SmartEmail
{
    /// <summary>The [Audit] section, every setting with the reference's default.</summary>
    public sealed class AuditSettings
    {
        /// <summary>Accept log file, resolved.</summary>
        public string AuditAcceptLogFile { get; internal set; } = string.Empty;
        /// <summary>Whether accepts are logged.</summary>
        public bool LogAccepts { get; internal set; }
        /// <summary>Accept log line.</summary>
        public string LogAcceptFormat { get; internal set; } = string.Empty;
        /// <summary>Whether accept notices are sent.</summary>
        public bool NotifyOnAccepts { get; internal set; }
        /// <summary>Accept notice subject.</summary>
        public string NotifyOnAcceptSubject { get; internal set; } = string.Empty;
        /// <summary>Accept notice body.</summary>
        public string NotifyOnAcceptBody { get; internal set; } = string.Empty;
        /// <summary>Accept notice recipients.</summary>
        public string NotifyOnAcceptTo { get; internal set; } = string.Empty;
        /// <summary>Reject log file, resolved.</summary>
        public string AuditRejectLogFile { get; internal set; } = string.Empty;
        /// <summary>Whether rejects are logged.</summary>
        public bool LogRejects { get; internal set; }
        /// <summary>Reject log line.</summary>
        public string LogRejectFormat { get; internal set; } = string.Empty;
        /// <summary>Whether reject notices are sent.</summary>
        public bool NotifyOnRejects { get; internal set; }
        /// <summary>Reject notice subject.</summary>
        public string NotifyOnRejectSubject { get; internal set; } = string.Empty;
        /// <summary>Reject notice body.</summary>
        public string NotifyOnRejectBody { get; internal set; } = string.Empty;
        /// <summary>Reject notice recipients.</summary>
        public string NotifyOnRejectTo { get; internal set; } = string.Empty;
        /// <summary>Reason: outside the time frame.</summary>
        public string RejectTimeframeMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: sender not allowed.</summary>
        public string RejectSenderMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: no rule matched.</summary>
        public string RejectNoMatchingSubjectMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: no matching attachment.</summary>
        public string RejectNoAttachmentMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: QualifyingSubjectLine not matched.</summary>
        public string RejectSubjectMessage { get; internal set; } = string.Empty;
        /// <summary>Reason: no body line matched.</summary>
        public string RejectBody { get; internal set; } = string.Empty;
        /// <summary>Event submitted per rejected email, or null.</summary>
        public string? RejectEvent { get; internal set; }
        /// <summary>Whether submitted events are logged.</summary>
        public bool LogOpConEvents { get; internal set; }
        /// <summary>Event log file, resolved.</summary>
        public string OpConEventLogFile { get; internal set; } = string.Empty;
        /// <summary>Event log line.</summary>
        public string LogOpConEventFormat { get; internal set; } = string.Empty;
        /// <summary>The most notices per run.</summary>
        public int MaxNotificationsPerRun { get; internal set; } = IniSchema.Get("Audit", "MaxNotificationsPerRun").DefaultInt;
        /// <summary>The rejections log of sender and time-window rejections, resolved (SMArtEmailRejections.log beside the INI).</summary>
        public string RejectionsLogFile { get; internal set; } = string.Empty;
    }
}
