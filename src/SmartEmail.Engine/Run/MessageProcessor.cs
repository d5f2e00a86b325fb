using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SmartEmail.Formatting;
using SmartEmail.Mail;

namespace SmartEmail.Run
{
    /// <summary>
    /// The exactly-once core of a run, over two seams: a <see cref="MailSource"/> (read, delete, and how a message is
    /// keyed) and an <see cref="IEventSink"/>. Per message the steps are ordered so that a run killed at any point and
    /// run again submits no event twice and never deletes a message whose events were not written: events are prepared
    /// where OpCon does not see them and recorded as Pending; they are committed and the message is recorded as
    /// EventsWritten; only then is it downloaded, audited and notified and, at the end, deleted and recorded as Done (or
    /// forgotten behind the watermark). A Pending message found at the next start has its still-prepared events
    /// committed (the others were delivered) and is not evaluated again. A message that fails for a reason of its own
    /// (it cannot be read, its event is invalid) is tried again by the next runs, at most MaxAttempts times, then set
    /// aside: remembered, audited once, reported, never deleted and never again a failure of a run.
    /// </summary>
    internal sealed partial class MessageProcessor
    {
        private readonly MailSource _source;
        private readonly IEventSink? _sink;
        private readonly RunState _state;
        private readonly ProcessorOptions _options;
        private readonly IMessageSteps _steps;
        private readonly RunReport _report;
        private readonly IClock _clock;
        private readonly IEngineLog _log;

        /// <summary>Creates the processor of one run.</summary>
        /// <param name="source">The mailbox.</param>
        /// <param name="sink">Where events go; null in a dry run (<see cref="ProcessorOptions.WhatIf"/>), which only reports them.</param>
        /// <param name="state">The run state, loaded; the processor saves it.</param>
        /// <param name="options">How it works.</param>
        /// <param name="steps">What the run does with each message besides its events.</param>
        /// <param name="report">Where counts, errors and events go.</param>
        /// <param name="clock">The time, for the age of left-over prepared events.</param>
        /// <param name="log">Warnings and details.</param>
        public MessageProcessor(MailSource source, IEventSink? sink, RunState state, ProcessorOptions options, IMessageSteps steps,
            RunReport report, IClock clock, IEngineLog log)
        {
            _source = source;
            _sink = sink;
            _state = state;
            _options = options;
            _steps = steps;
            _report = report;
            _clock = clock;
            _log = log;
        }

        /// <summary>The newest arrival time among the messages handled (for LastRunDate), or null.</summary>
        public DateTimeOffset? Newest { get; private set; }

        /// <summary>Finishes what a killed run left, processes the mailbox, deletes, and saves the state.</summary>
        /// <exception cref="MailboxException">Reading the mailbox failed.</exception>
        /// <exception cref="System.IO.IOException">The state cannot be saved.</exception>
        public void Run(CancellationToken cancellationToken)
        {
            var mailbox = _state.Mailbox(_source.Uri);
            if (!_options.WhatIf && _sink != null)
                Recover(mailbox, _sink);
            var pass = new Pass(this, mailbox);
            foreach (var message in _source.Read(pass.ReadOptions, cancellationToken))
                pass.Handle(message, cancellationToken);
            pass.Finish(cancellationToken);
            if (!_options.WhatIf)
                _state.Save();
        }

        /// <summary>Evaluates, submits and completes one message; returns whether it was accepted, and whether it failed.</summary>
        private (bool Accepted, bool Failed) Handle(Message message, MessageState? known, MailboxState mailbox, string key, CancellationToken cancellationToken)
        {
            _report.Scanned++;
            MessageDecision decision;
            try
            {
                decision = _steps.Decide(message, cancellationToken);
            }
            catch (MessageReadException e)
            {
                return (false, Fail(message, known, mailbox, key, e.Message, ownFault: true));
            }
            catch (Exception e) when (!(e is OperationCanceledException) && !(e is OutOfMemoryException) && !(e is MailboxException))
            {
                // Anything else the rules meet on this message (odd MIME in a body, an encoding nobody expected) is the
                // message's own: it must never stop the others, nor every later run.
                return (false, Fail(message, known, mailbox, key, $"Message {Describe(message)} could not be evaluated: {e.Message}", ownFault: true));
            }
            _report.Results.AddRange(decision.Results.Where(r => r.Outcome != RuleOutcome.NotMatched));
            if (decision.Accepted)
                _report.Accepted++;
            else
                _report.Rejected++;
            if (known?.Status != MessageStatus.EventsWritten)
            {
                try
                {
                    Submit(message, decision.Events, mailbox, key);
                }
                catch (EventSubmitException e)
                {
                    return (decision.Accepted, Fail(message, known, mailbox, key, $"The events of message {Describe(message)} were not written: {e.Message}", IsMessagesOwn(e)));
                }
            }
            _steps.Completed(message, decision, cancellationToken);
            return (decision.Accepted, false);
        }

        /// <summary>Prepares, records, then delivers the events of one message (see the class remarks).</summary>
        private void Submit(Message message, IReadOnlyList<PlannedEvent> events, MailboxState mailbox, string key)
        {
            if (events.Count == 0)
                return;
            var messageId = message.MessageId;
            if (_sink == null)
            {
                foreach (var e in events)
                    _report.Events.Add(e.Event);
                _report.EventsSubmitted += events.Count;
                return;
            }
            if (!_sink.TwoPhase)
            {
                // The API has no two-phase delivery: an event the API accepted just before a crash is submitted again.
                foreach (var e in events)
                    Delivered(_sink.Submit(e.Event, e.Rule, messageId, CancellationToken.None));
                mailbox.Messages[key] = new MessageState { Status = MessageStatus.EventsWritten, MessageId = messageId };
                _state.Save();
                return;
            }
            var entry = new MessageState { Status = MessageStatus.Pending, MessageId = messageId };
            try
            {
                foreach (var e in events)
                    entry.Events.Add(new PreparedEventState { Prepared = _sink.Prepare(e.Event), Event = e.Event, Rule = e.Rule });
            }
            catch (EventSubmitException)
            {
                foreach (var prepared in entry.Events)
                    _sink.Discard(prepared.Prepared);
                throw;
            }
            mailbox.Messages[key] = entry;
            _state.Save();
            Deliver(entry, _sink);
        }

        /// <summary>Commits every prepared event of a Pending message and records it as EventsWritten.</summary>
        private void Deliver(MessageState entry, IEventSink sink)
        {
            foreach (var prepared in entry.Events)
                Delivered(sink.Commit(prepared.Prepared, prepared.Event, prepared.Rule, entry.MessageId ?? string.Empty));
            entry.Status = MessageStatus.EventsWritten;
            entry.Events.Clear();
            _state.Save();
        }

        private void Delivered(SubmittedEvent submitted)
        {
            _report.Events.Add(submitted.Event);
            _report.EventsSubmitted++;
        }

        /// <summary>
        /// After a crash: a Pending message's prepared events are committed (those delivered before are not again);
        /// prepared events that no Pending message records are leftovers of a run that died before recording them, and go.
        /// </summary>
        private void Recover(MailboxState mailbox, IEventSink sink)
        {
            var recorded = new HashSet<string>(_state.Data.Mailboxes.Values.SelectMany(m => m.Messages.Values).SelectMany(m => m.Events).Select(e => e.Prepared), StringComparer.Ordinal);
            foreach (var pending in mailbox.Messages.Values.Where(m => m.Status == MessageStatus.Pending).ToList())
            {
                _log.Warning($"Completing the events of message {pending.MessageId} that a previous run prepared but did not finish.");
                Deliver(pending, sink);
            }
            if (sink.TwoPhase)
                // Only old ones: a Submit-SmartEmailEvent in another process may be between its prepare and its commit.
                sink.RemoveOrphans(recorded, (_clock.Now - _options.OrphanAge).UtcDateTime);
        }

        /// <summary>Records a failure; returns true (the message failed). One of its own counts towards MaxAttempts.</summary>
        private bool Fail(Message message, MessageState? known, MailboxState mailbox, string key, string error, bool ownFault)
        {
            if (_options.WhatIf)
            {
                _report.Errors.Add(error);
                return true;
            }
            if (known?.Status == MessageStatus.EventsWritten)
            {
                // Its events are out: it is no failure of the message's, only of this run's; the next run completes it.
                _report.Errors.Add(error);
                return true;
            }
            var attempts = (known?.Status == MessageStatus.Failed ? known.Attempts : 0) + (ownFault ? 1 : 0);
            if (ownFault && attempts >= _options.MaxAttempts)
            {
                var reason = $"failed {attempts} time(s), last: {error}";
                mailbox.Messages[key] = new MessageState { Status = MessageStatus.SetAside, MessageId = message.MessageId, Attempts = attempts, Reason = error };
                _report.SetAside.Add($"{Describe(message)}: {ValueFormatter.Quote(error)}");
                _report.Errors.Add($"{error} It has now failed {attempts} run(s) ([General] MaxAttempts={_options.MaxAttempts}) and is set aside: it stays in the mailbox, and no later run tries it or fails because of it.");
                _steps.SetAside(message, reason);
                return true;
            }
            _report.Errors.Add(error);
            mailbox.Messages[key] = new MessageState { Status = MessageStatus.Failed, MessageId = message.MessageId, Attempts = attempts, Reason = error };
            _steps.Failed(message, error);
            return true;
        }

        /// <summary>An event that no attempt can write (the message made it so), unlike a missing MSGIN folder or an API that is down.</summary>
        private static bool IsMessagesOwn(EventSubmitException e) =>
            e.Kind == EventErrorKind.EventInvalid || e.Kind == EventErrorKind.EventTooLong || e.Kind == EventErrorKind.EventNotEncodable;

        /// <summary>A message as diagnostics name it: its subject (one line) and id.</summary>
        internal static string Describe(Message message) => $"'{ValueFormatter.Quote(message.Subject)}' ({message.Id})";
    }
}
