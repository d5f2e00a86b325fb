using System;
using System.Management.Automation;
using SmartEmail.Events;
using SmartEmail.Formatting;

namespace SmartEmail.Commands
{
    /// <summary>Submit-SmartEmailEvent: OpCon events into MSGIN (atomically) or through the OpCon REST API.</summary>
    [Cmdlet(VerbsLifecycle.Submit, "SmartEmailEvent", DefaultParameterSetName = ResultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SubmittedEvent))]
    public sealed class SubmitSmartEmailEventCommand : SmartEmailCmdlet
    {
        private const string ResultSet = "RuleResult";
        private const string EventSet = "Event";
        private EventSubmitter? _submitter;
        private string _target = string.Empty;

        /// <summary>Events to submit, without credentials.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = EventSet)]
        [ValidateNotNullOrEmpty]
        public string[] Event { get; set; } = Array.Empty<string>();

        /// <summary>Rule results from Test-SmartEmailRule; the events of accepted ones are submitted.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ResultSet)]
        public RuleResult[] RuleResult { get; set; } = Array.Empty<RuleResult>();

        /// <summary>The INI with MSGINDirectory, OpConUser/OpConUserPassword, [OpCon] and [Audit] event logging.</summary>
        [Parameter]
        [Alias("IniFile")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The MSGIN folder (instead of the INI's MSGINDirectory).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MsgInDirectory { get; set; }

        /// <summary>The OpCon user and its external event password or token (instead of the INI's).</summary>
        [Parameter]
        [Credential]
        public PSCredential? OpConCredential { get; set; }

        /// <summary>MsgIn (default) or Api.</summary>
        [Parameter]
        [ValidateSet("MsgIn", "Api")]
        public string? Transport { get; set; }

        /// <summary>The OpCon REST API base URL (instead of the INI's [OpCon] ApiUrl).</summary>
        [Parameter]
        public Uri? ApiUrl { get; set; }

        /// <summary>The OpCon user that requests API tokens (instead of the INI's [OpCon] ApiUser and ApiPassword).</summary>
        [Parameter]
        [Credential]
        public PSCredential? ApiCredential { get; set; }

        protected override void BeginProcessing()
        {
            var needsIni = Path != null || (MsgInDirectory == null || OpConCredential == null) && !IsApiWithoutIni;
            EventSubmitOptions options;
            try
            {
                options = needsIni ? EventSubmitOptions.From(LoadConfiguration(Path), OpConCredential?.GetNetworkCredential())
                    : new EventSubmitOptions { OpConCredential = OpConCredential?.GetNetworkCredential() };
                if (MsgInDirectory != null)
                    options.MsgInDirectory = GetUnresolvedProviderPathFromPSPath(MsgInDirectory);
                if (Transport != null)
                    options.Transport = (EventTransport)Enum.Parse(typeof(EventTransport), Transport, ignoreCase: true);
                if (ApiUrl != null)
                    options.ApiUrl = ApiUrl;
                if (ApiCredential != null)
                {
                    options.ApiCredential = ApiCredential.GetNetworkCredential();
                    options.ApiToken = null;
                }
                _submitter = new EventSubmitter(options);
            }
            catch (EventSubmitException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, MsgInDirectory ?? Path));
                return;
            }
            _target = options.Transport == EventTransport.MsgIn ? $"MSGIN {options.MsgInDirectory}" : $"OpCon API {options.ApiUrl}";
        }

        private bool IsApiWithoutIni => string.Equals(Transport, "Api", StringComparison.OrdinalIgnoreCase) && ApiUrl != null && ApiCredential != null;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == EventSet)
            {
                foreach (var e in Event)
                    Submit(e, string.Empty, string.Empty, _submitter!.Mask(e)); // the target is shown in errors: masked
                return;
            }
            foreach (var result in RuleResult)
            {
                if (result.Outcome != RuleOutcome.Accepted)
                {
                    WriteVerbose($"{result.Rule} did not accept '{DisplayText.Quote(result.Message.Subject)}' ({result.Outcome}): nothing to submit.");
                    continue;
                }
                foreach (var e in result.Events)
                    Submit(e, result.Rule, result.Message.MessageId, result);
            }
        }

        private void Submit(string @event, string rule, string messageId, object target)
        {
            string preview;
            try
            {
                preview = _submitter!.Preview(@event);
                if (_submitter.HasCredentials(@event))
                    WriteWarning($"The event already ends with the OpCon user and password; they are not appended again: {preview}");
            }
            catch (EventSubmitException e)
            {
                WriteError(ToErrorRecord(e, target));
                return;
            }
            if (!ShouldProcess(preview, "Submit to " + _target))
                return;
            try
            {
                WriteObject(_submitter.Submit(@event, rule, messageId, CancellationToken));
            }
            catch (EventSubmitException e)
            {
                WriteError(ToErrorRecord(e, target));
            }
        }

        protected override void Release()
        {
            _submitter?.Dispose();
            _submitter = null;
        }
    }
}
