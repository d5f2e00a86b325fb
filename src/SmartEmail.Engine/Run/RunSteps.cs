using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SmartEmail.Formatting;
using SmartEmail.Mail;
using SmartEmail.Rules;

namespace SmartEmail.Run
{
    /// <summary>
    /// The INI's business for each message of a run: its rules and RejectEvent decide, then the download, the audit logs
    /// and the notice follow. Every text with tokens goes through <see cref="ValueFormatter"/> for its destination.
    /// </summary>
    internal sealed class RunSteps : IMessageSteps
    {
        private const string RejectionsFormat = "Message Rejected - From: [[SENDER]] Subject: [[SUBJECT]] Reason: [[REASON]]";

        private readonly Configuration _config;
        private readonly RuleEngine _engine;
        private readonly ValueFormatter _events;
        private readonly INoticeSender? _notifier;
        private readonly RunReport _report;
        private readonly bool _whatIf;
        private readonly IEngineLog _log;

        public RunSteps(Configuration config, INoticeSender? notifier, RunReport report, bool whatIf, IEngineLog log)
        {
            _config = config;
            var settings = RuleSettings.From(config);
            _engine = new RuleEngine(config.Rules, settings);
            _events = new ValueFormatter(settings.EventEncoding == null ? null : Events.MsgInWriter.EncodingFor(settings.EventEncoding.Value),
                config.General.UnsafeValueAction == UnsafeValueAction.Strip);
            _notifier = notifier;
            _report = report;
            _whatIf = whatIf;
            _log = log;
        }

        public MessageDecision Decide(Message message, CancellationToken cancellationToken)
        {
            // The run keeps nothing of a rule that did not match (RunResult.Results leaves NotMatched out).
            var results = _engine.Evaluate(message, null, cancellationToken, explainMisses: false);
            var (outcome, reason) = _engine.Verdict(results);
            var accepted = outcome == RuleOutcome.Accepted;
            if (results.Any(r => r.EventsTransliterated))
                NoteTransliterated();
            var events = accepted
                ? results.Where(r => r.Outcome == RuleOutcome.Accepted).SelectMany(r => r.Events.Select(e => new PlannedEvent(e, r.Rule))).ToList()
                : RejectEvents(message, reason);
            return new MessageDecision(accepted, reason, events, results);
        }

        public void Completed(Message message, MessageDecision decision, CancellationToken cancellationToken)
        {
            if (decision.Accepted && _config.General.DownloadEmails)
                Download(message, cancellationToken);
            var tokens = Tokens(message, decision.Reason, string.Join("; ", decision.Events.Select(e => e.Event)));
            Audit(decision.Accepted, tokens, decision.Results);
            Notify(message, decision.Accepted, tokens, cancellationToken);
        }

        public void Failed(Message message, string error)
        {
            if (!_whatIf && _config.Audit.LogRejects)
                AppendLog(_config.Audit.AuditRejectLogFile, _config.Audit.LogRejectFormat, Tokens(message, error, string.Empty));
        }

        public void SetAside(Message message, string reason)
        {
            if (_whatIf || !_config.Audit.LogRejects)
                return;
            // Audited once, and always with its reason, whether LogRejectFormat names [[REASON]] or not.
            var format = _config.Audit.LogRejectFormat;
            if (format.IndexOf("[[REASON]]", StringComparison.OrdinalIgnoreCase) < 0)
                format += " Reason: [[REASON]]";
            AppendLog(_config.Audit.AuditRejectLogFile, format, Tokens(message, "Set aside, not tried again: " + reason, string.Empty));
        }

        private List<PlannedEvent> RejectEvents(Message message, string reason)
        {
            var template = _config.Audit.RejectEvent;
            if (template == null)
                return new List<PlannedEvent>();
            var resolved = _events.Format(template, Tokens(message, reason, null).Lookup, ValueDestination.EventField);
            if (resolved.Transliterated)
                NoteTransliterated();
            if (!resolved.IsSafe)
            {
                // UnsafeValueAction=Reject, as for a rule's events: the event is not submitted; the message is handled.
                _report.WarnOnce($"RejectEvent was not submitted for message {MessageProcessor.Describe(message)}: "
                    + string.Join(", ", resolved.UnsafeTokens.Select(t => "[[" + t + "]]")) + " holds a comma, line break or control character (UnsafeValueAction=Reject; Strip removes them).");
                return new List<PlannedEvent>();
            }
            if (resolved.Text.Length > RuleEngine.MaxEventLength)
            {
                // As for a rule's event: OpCon would refuse it, so it is not submitted; the message is handled.
                _report.WarnOnce($"RejectEvent was not submitted for message {MessageProcessor.Describe(message)}: it is {resolved.Text.Length} characters long, more than the {RuleEngine.MaxEventLength} OpCon accepts.");
                return new List<PlannedEvent>();
            }
            return new List<PlannedEvent> { new PlannedEvent(resolved.Text, "RejectEvent") };
        }

        private void NoteTransliterated() =>
            _report.WarnOnce($"Some events held characters that {_events.EventEncodingName} (MsgInEncoding) cannot carry: they were transliterated (accents dropped) or replaced by '?', and written. Set [General] MsgInEncoding=UTF-8 if your agent reads UTF-8.");

        private static MessageTokens Tokens(Message message, string reason, string? events) =>
            new MessageTokens(message, TimeZoneInfo.Local) { Reason = reason, Events = events };

        private void Notify(Message message, bool accepted, MessageTokens tokens, CancellationToken cancellationToken)
        {
            if (_notifier == null)
                return;
            // Notices never carry the OpCon password: [[EVENT]] is the event as configured, without credentials.
            try
            {
                if (_notifier.Notify(message, accepted, (f, destination) => ValueFormatter.Text.Format(f, tokens.Lookup, destination).Text, _whatIf, cancellationToken))
                    _report.Notified++;
            }
            catch (SmartEmailException e)
            {
                _report.Errors.Add(e.Message);
            }
        }

        private void Download(Message message, CancellationToken cancellationToken)
        {
            if (_whatIf)
            {
                _report.Downloaded++;
                return;
            }
            try
            {
                var path = MessageStore.Save(message, _config.General.DownloadFolder!, cancellationToken);
                _log.Verbose($"Saved {MessageProcessor.Describe(message)} as {path}.");
                _report.Downloaded++;
            }
            catch (Exception e) when (e is MessageReadException || e is IOException || e is UnauthorizedAccessException)
            {
                _report.Errors.Add($"Message {MessageProcessor.Describe(message)} could not be saved into '{_config.General.DownloadFolder}': {e.Message}");
            }
        }

        private void Audit(bool accepted, MessageTokens tokens, IReadOnlyList<RuleResult> results)
        {
            if (_whatIf)
                return;
            var a = _config.Audit;
            if (accepted && a.LogAccepts)
                AppendLog(a.AuditAcceptLogFile, a.LogAcceptFormat, tokens);
            if (!accepted && a.LogRejects)
                AppendLog(a.AuditRejectLogFile, a.LogRejectFormat, tokens);
            // The reference keeps sender and time-window rejections in their own log too.
            if (!accepted && results.Any(r => r.Outcome == RuleOutcome.Rejected && (r.Reason == a.RejectSenderMessage || r.Reason == a.RejectTimeframeMessage)))
                AppendLog(a.RejectionsLogFile, RejectionsFormat, tokens);
        }

        private void AppendLog(string file, string format, MessageTokens tokens)
        {
            try
            {
                LogFile.Append(file, ValueFormatter.Text.Format(format, tokens.Lookup, ValueDestination.LogLine).Text);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                _report.Errors.Add($"The audit log '{file}' cannot be written: {e.Message}");
            }
        }
    }
}
