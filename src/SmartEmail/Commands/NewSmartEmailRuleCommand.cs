using System;
using System.Management.Automation;
using SmartEmail.Ini;
using SmartEmail.Rules;

namespace SmartEmail.Commands
{
    /// <summary>
    /// New-SmartEmailRule: a SmartEmail.Rule in memory, with the settings of a [Configuration#] block. Each parameter
    /// but -Name sets the rule setting IniSchema maps it to (its IniKey.Parameter; a test checks both lists agree);
    /// a parameter left out takes the schema's default, and an invalid value is an error naming its parameter.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SmartEmailRule")]
    [OutputType(typeof(Rule))]
    public sealed class NewSmartEmailRuleCommand : SmartEmailCmdlet
    {
        /// <summary>The rule's name.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = string.Empty;

        /// <summary>The subject mask (a regular expression, or a wildcard pattern with -UseWildCards).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string SubjectLineMask { get; set; } = string.Empty;

        /// <summary>The OpCon events, in order.</summary>
        [Parameter(Mandatory = true, Position = 2)]
        [ValidateNotNullOrEmpty]
        public string[] Event { get; set; } = Array.Empty<string>();

        /// <summary>Allowed senders (addresses, any@domain, ALL); the schema's default (ALL) when not given.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? AllowedSenders { get; set; }

        /// <summary>HHMM-HHMM; the schema's default (0000-2400) when not given.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AllowedTimeFrame { get; set; }

        /// <summary>With -ProcessBody, the subject must match this first.</summary>
        [Parameter]
        public string QualifyingSubjectLine { get; set; } = string.Empty;

        /// <summary>The attachment mask.</summary>
        [Parameter]
        public string AttachmentMask { get; set; } = string.Empty;

        /// <summary>Match body lines too.</summary>
        [Parameter]
        public SwitchParameter ProcessBody { get; set; }

        /// <summary>Require an attachment that matches -AttachmentMask.</summary>
        [Parameter]
        public SwitchParameter ProcessAttachments { get; set; }

        /// <summary>Read -SubjectLineMask as a */? wildcard pattern.</summary>
        [Parameter]
        public SwitchParameter UseWildCards { get; set; }

        /// <summary>The time zone of -AllowedTimeFrame (IANA or Windows id).</summary>
        [Parameter]
        public string? TimeZone { get; set; }

        /// <summary>Reject (default) or Strip values that would add or shift event fields.</summary>
        [Parameter]
        [ValidateRuleChoice(ParameterName = nameof(UnsafeValueAction))]
        [ArgumentCompleter(typeof(RuleChoiceCompleter))]
        public string? UnsafeValueAction { get; set; }

        /// <summary>Trust the sender only when the trusted server's Authentication-Results says DMARC (or aligned DKIM) passed.</summary>
        [Parameter]
        public SwitchParameter RequireAuthenticatedSender { get; set; }

        /// <summary>The authserv-id of your own mail server's Authentication-Results headers.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TrustedAuthServId { get; set; }

        protected override void ProcessRecord()
        {
            var builder = new RuleBuilder
            {
                Name = Name,
                SubjectLineMask = SubjectLineMask,
                Events = Event,
                QualifyingSubjectLine = QualifyingSubjectLine,
                AttachmentMask = AttachmentMask,
                ProcessBody = ProcessBody,
                ProcessAttachments = ProcessAttachments,
                UseWildCards = UseWildCards,
                TimeZone = TimeZone,
                UnsafeValueAction = UnsafeValueAction == null ? null
                    : (global::SmartEmail.UnsafeValueAction?)Enum.Parse(typeof(global::SmartEmail.UnsafeValueAction), UnsafeValueAction.Trim(), ignoreCase: true),
                RequireAuthenticatedSender = RequireAuthenticatedSender,
                TrustedAuthServId = TrustedAuthServId,
            };
            if (AllowedSenders != null)
                builder.AllowedSenders = AllowedSenders;
            if (AllowedTimeFrame != null)
                builder.AllowedTimeFrame = AllowedTimeFrame;
            try
            {
                WriteObject(builder.Build());
            }
            catch (RuleSettingException e)
            {
                // The engine names the setting; the user typed its parameter.
                var parameter = IniSchema.Find(IniSchema.RuleSection, e.Setting)?.Parameter ?? e.Setting;
                var error = new ArgumentException($"-{parameter} of rule '{e.Rule}': {e.Reason}", e);
                ThrowTerminatingError(ToErrorRecord(error, ErrorIds.RuleInvalid, Name));
            }
        }
    }
}
