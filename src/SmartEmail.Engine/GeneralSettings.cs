using System;
using SmartEmail.Ini;

namespace SmartEmail
{
    /// <summary>The [General] section.</summary>
    public sealed class GeneralSettings
    {
        // Defaults come from the one declaration of each setting, IniSchema.
        private const string Section = "General";

        /// <summary>The MSGIN folder, resolved (relative paths against the INI's folder), or null when not set.</summary>
        public string? MsgInDirectory { get; internal set; }
        /// <summary>The OpCon user events are submitted as.</summary>
        public string OpConUser { get; internal set; } = string.Empty;
        /// <summary>Whether and how the OpCon user name is stored.</summary>
        public SecretState OpConUserState { get; internal set; } = new SecretState(null);
        /// <summary>Whether and how the OpCon password is stored; never the password.</summary>
        public SecretState OpConUserPassword { get; internal set; } = new SecretState(null);
        /// <summary>Which emails are deleted.</summary>
        public DeleteMode DeleteEmails { get; internal set; } = IniSchema.Get(Section, "DeleteEmails").DefaultChoice<DeleteMode>();
        /// <summary>Whether processed emails are saved.</summary>
        public bool DownloadEmails { get; internal set; } = IniSchema.Get(Section, "DownloadEmails").DefaultBool;
        /// <summary>Where processed emails are saved, resolved.</summary>
        public string? DownloadFolder { get; internal set; }
        /// <summary>The exit code when no email matched.</summary>
        public int ExitCodeForNoMatchingEmails { get; internal set; } = IniSchema.Get(Section, "ExitCodeForNoMatchingEmails").DefaultInt;
        /// <summary>Whether LastRunDate limits and records the run.</summary>
        public bool UseLastRunDate { get; internal set; } = IniSchema.Get(Section, "UseLastRunDate").DefaultBool;
        /// <summary>Only mail received on or after this time is processed (local time as written), or null.</summary>
        public DateTimeOffset? LastRunDate { get; internal set; }
        /// <summary>Newer vendor key overriding NotifyOnRejects, or null.</summary>
        public bool? SendRejectionNotice { get; internal set; }
        /// <summary>Newer vendor key overriding NotifyOnAccepts, or null.</summary>
        public bool? SendAcceptedNotice { get; internal set; }
        /// <summary>The time zone id for time windows, or null for the machine's.</summary>
        public string? TimeZone { get; internal set; }
        /// <summary>The state file, resolved, or null for the default beside the INI.</summary>
        public string? StateFile { get; internal set; }
        /// <summary>The MSGIN file encoding (the INI's ASCII, Windows-1252 or UTF-8).</summary>
        public MsgInEncoding MsgInEncoding { get; internal set; } = IniSchema.Get(Section, "MsgInEncoding").DefaultChoice<MsgInEncoding>();
        /// <summary>Reject or Strip values that would inject event fields.</summary>
        public UnsafeValueAction UnsafeValueAction { get; internal set; } = IniSchema.Get(Section, "UnsafeValueAction").DefaultChoice<UnsafeValueAction>();
        /// <summary>How long one regular expression may run.</summary>
        public TimeSpan RegexTimeout { get; internal set; } = IniSchema.Get(Section, "RegexTimeout").DefaultSeconds;
        /// <summary>Whether senders must be authenticated by the trusted server.</summary>
        public bool RequireAuthenticatedSender { get; internal set; } = IniSchema.Get(Section, "RequireAuthenticatedSender").DefaultBool;
        /// <summary>The trusted authserv-id, or null.</summary>
        public string? TrustedAuthServId { get; internal set; }
        /// <summary>How many runs may fail on one message for a reason of its own before it is set aside.</summary>
        public int MaxAttempts { get; internal set; } = IniSchema.Get(Section, "MaxAttempts").DefaultInt;
        /// <summary>The most bytes of one message's header block that are read.</summary>
        public int MaxHeaderBytes { get; internal set; } = IniSchema.Get(Section, "MaxHeaderBytes").DefaultInt;
    }
}
