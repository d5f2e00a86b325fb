using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using SmartEmail.Events;
using SmartEmail.Ini;
using SmartEmail.Mail;
using SmartEmail.Rules;

namespace SmartEmail.Run
{
    /// <summary>What a run may override of its INI.</summary>
    public sealed class RunOptions
    {
        /// <summary>Do everything but change anything: nothing submitted, saved, deleted, logged or remembered.</summary>
        public bool WhatIf { get; set; }
        /// <summary>The mailbox credential instead of the INI's.</summary>
        public NetworkCredential? MailCredential { get; set; }
        /// <summary>The OpCon credential instead of the INI's.</summary>
        public NetworkCredential? OpConCredential { get; set; }
        /// <summary>Mailbox settings that win over the INI's (the legacy command line's --imap, -server:, -port:, --tls1_2).</summary>
        public MailboxOverrides Overrides { get; set; } = new MailboxOverrides();
        /// <summary>DeleteEmails instead of the INI's.</summary>
        public DeleteMode? DeleteEmails { get; set; }
        /// <summary>How long to wait for another run on the same INI to finish.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(60);
    }

    /// <summary>Mailbox settings given on the command line, which win over the INI's.</summary>
    public sealed class MailboxOverrides
    {
        /// <summary>The protocol, or null.</summary>
        public MailProtocol? Protocol { get; set; }
        /// <summary>The server, or null.</summary>
        public string? Server { get; set; }
        /// <summary>The port, or null.</summary>
        public int? Port { get; set; }
        /// <summary>The minimum TLS version, or null.</summary>
        public SecurityProtocol? SecurityProtocol { get; set; }
    }

    /// <summary>
    /// The INI-compatible run, composed of the same engine operations the cmdlets expose: read (MailSource), match
    /// (RuleEngine), submit (EventSubmitter), save (MessageStore), remove (MailSource.Delete), plus the audit logs and
    /// the run state that make event submission exactly-once across crashes.
    /// </summary>
    /// <remarks>
    /// Per message the steps are ordered so that a run killed at any point and run again submits no event twice and
    /// never deletes a message whose events were not written: event files are prepared in MSGIN's work folder and
    /// recorded as Pending; they are moved into MSGIN and the message is recorded as EventsWritten; only then is it
    /// downloaded and, at the end, deleted and recorded as Done. A Pending message found at the next start has its
    /// still-prepared files moved into MSGIN (the others were delivered), and is not evaluated again.
    /// </remarks>
    public sealed class SmartEmailRun
    {
        private readonly Configuration _config;
        private readonly RunOptions _options;
        private readonly IEngineLog _log;
        private readonly List<string> _errors = new List<string>();
        private readonly List<RuleResult> _results = new List<RuleResult>();
        private readonly List<string> _events = new List<string>();
        private readonly RunResult _result = new RunResult();
        private Notifier? _notifier;

        /// <summary>Creates a run of a configuration that has no errors.</summary>
        public SmartEmailRun(Configuration configuration, RunOptions options, IEngineLog log)
        {
            _config = configuration;
            _options = options;
            _log = log;
        }

        /// <summary>The state file: [General] StateFile, else "&lt;INI&gt;.state.json" beside the INI.</summary>
        public string StatePath => _config.General.StateFile ?? _config.Path + ".state.json";

        /// <summary>Runs once and reports what happened; failures are in the result (exit code 2), never thrown.</summary>
        public RunResult Execute(CancellationToken cancellationToken)
        {
            _result.Started = DateTimeOffset.Now;
            _result.WhatIf = _options.WhatIf;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                using (var runLock = _options.WhatIf ? null : AcquireLock(cancellationToken))
                    RunLocked(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _errors.Add("The run was stopped.");
            }
            catch (SmartEmailException e)
            {
                _errors.Add(e.Message);
            }
            catch (IOException e)
            {
                _errors.Add(e.Message);
            }
            catch (UnauthorizedAccessException e)
            {
                _errors.Add(e.Message);
            }
            _result.Errors = _errors.ToArray();
            _result.Results = _results.ToArray();
            _result.Events = _events.ToArray();
            _result.ExitCode = _errors.Count != 0 ? 2 : _result.Accepted != 0 ? 0 : _config.General.ExitCodeForNoMatchingEmails;
            _result.Duration = clock.Elapsed;
            return _result;
        }

        private void RunLocked(CancellationToken cancellationToken)
        {
            if (!_options.WhatIf)
            {
                RemoveStaleTemporaryFiles(_config.Path);
                RemoveStaleTemporaryFiles(StatePath);
            }
            var engine = new RuleEngine(_config.Rules, RuleSettings.From(_config));
            var state = RunState.Load(StatePath);
            EventSubmitter? submitter = null;
            if (_options.WhatIf)
            {
                if (_config.OpCon.Transport != EventTransport.Api && !Directory.Exists(_config.General.MsgInDirectory ?? string.Empty))
                    _errors.Add($"The MSGIN folder '{_config.General.MsgInDirectory}' does not exist; a real run would stop here.");
            }
            else
            {
                submitter = new EventSubmitter(EventSubmitOptions.From(_config, _options.OpConCredential));
            }
            try
            {
                var settings = MailboxSettings.From(_config, _options.MailCredential, _options.Overrides);
                var notify = (_config.General.SendAcceptedNotice ?? _config.Audit.NotifyOnAccepts) || (_config.General.SendRejectionNotice ?? _config.Audit.NotifyOnRejects);
                _notifier = notify ? new Notifier(_config, settings, _log) : null;
                using (_notifier)
                using (var source = MailSource.Create(settings, _log))
                {
                    var mailbox = state.Mailbox(source.Uri);
                    if (submitter != null)
                        Recover(mailbox, submitter, state);
                    Process(source, mailbox, state, engine, submitter, cancellationToken);
                }
            }
            finally
            {
                submitter?.Dispose();
            }
        }

        private void Process(MailSource source, MailboxState mailbox, RunState state, RuleEngine engine, EventSubmitter? submitter, CancellationToken cancellationToken)
        {
            var general = _config.General;
            var isImap = source is ImapMailSource;
            var overrideRange = general.UseLastRunDate && general.LastRunDate.HasValue && state.Data.LastRunDateWritten != null
                && DateTimeOffset.TryParse(state.Data.LastRunDateWritten, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var written)
                && general.LastRunDate.Value < written;
            if (overrideRange)
                _log.Warning($"LastRunDate ({general.LastRunDate}) was set back by hand: mail received since then is processed again, events included.");
            var read = new ReadOptions { Since = general.UseLastRunDate ? general.LastRunDate : null };
            if (isImap && !overrideRange && mailbox.UidValidity.HasValue)
            {
                read.UidValidity = mailbox.UidValidity;
                read.AfterUid = mailbox.Watermark;
            }

            var deleteMode = _options.DeleteEmails ?? general.DeleteEmails;
            var toDelete = new List<Message>();
            var newest = (DateTimeOffset?)null;
            var highestUid = 0u;
            // IMAP, read in ascending UID order: while every message so far is done, the watermark follows the run and
            // the done entries behind it are dropped at once, so every state save in the run stays as small as the open
            // messages, not the mailbox (a first run over a large mailbox saved the whole growing list at every event).
            // It never passes a message the state still has open (failed, events written but not deleted, or a delete
            // that failed) that this run has not read again.
            var frontier = isImap && !overrideRange && !_options.WhatIf;
            var open = new SortedSet<uint>(frontier ? OpenUids(mailbox) : Enumerable.Empty<uint>());
            bool Advance(uint uid, string key)
            {
                open.Remove(uid);
                if (open.Count != 0 && open.Min < uid)
                    frontier = false;
                if (!frontier || uid <= mailbox.Watermark)
                    return false;
                mailbox.Watermark = uid;
                mailbox.Messages.Remove(key);
                return true;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var message in source.Read(read, cancellationToken))
            {
                var key = StateKey(message, isImap, out var validity, out var uid);
                seen.Add(key);
                if (isImap)
                {
                    if (mailbox.UidValidity != validity)
                    {
                        // A recreated folder: its UIDs mean other messages now.
                        mailbox.UidValidity = validity;
                        mailbox.Watermark = 0;
                        mailbox.Messages.Clear();
                    }
                    if (uid <= highestUid)
                        frontier = false; // out of order: only Compact, at the end, can tell what is done
                    highestUid = Math.Max(highestUid, uid);
                }
                mailbox.Messages.TryGetValue(key, out var known);
                if (known != null && known.Status == MessageStatus.Done && !overrideRange)
                {
                    if (known.DeletePending && deleteMode != DeleteMode.None)
                    {
                        // Its events were written by an earlier run whose delete failed: only the delete is left to do,
                        // and the watermark must not pass it until it is gone.
                        toDelete.Add(message);
                        frontier = false;
                        continue;
                    }
                    known.DeletePending = false; // deleting was switched off since: it is simply done
                    if (isImap)
                        Advance(uid, key);
                    continue;
                }
                if (known != null && overrideRange && known.Status == MessageStatus.Done)
                    known = null;
                var handled = Handle(message, known, engine, submitter, state, mailbox, key, cancellationToken);
                if (handled.Failed)
                {
                    frontier = false;
                    continue;
                }
                if (message.Received.HasValue && (newest == null || message.Received > newest))
                    newest = message.Received;
                if (deleteMode == DeleteMode.All || (deleteMode == DeleteMode.Match && handled.Accepted))
                {
                    toDelete.Add(message); // not done until deleted: the watermark must not pass it
                    frontier = false;
                }
                else if (!_options.WhatIf && !(isImap && Advance(uid, key)))
                {
                    mailbox.Messages[key] = new MessageState { Status = MessageStatus.Done, MessageId = message.MessageId };
                }
            }

            if (toDelete.Count != 0)
            {
                if (_options.WhatIf)
                {
                    _result.Deleted = toDelete.Count;
                }
                else
                {
                    try
                    {
                        source.Delete(toDelete, cancellationToken);
                        _result.Deleted = toDelete.Count;
                        foreach (var m in toDelete)
                            mailbox.Messages.Remove(StateKey(m, isImap, out _, out _));
                    }
                    catch (MailboxException e)
                    {
                        // The events are written: the messages are Done and are not handled again; the next run deletes them.
                        _errors.Add($"{e.Message} Their events are written; the next run deletes them.");
                        foreach (var m in toDelete)
                            mailbox.Messages[StateKey(m, isImap, out _, out _)] = new MessageState { Status = MessageStatus.Done, MessageId = m.MessageId, DeletePending = true };
                    }
                }
            }
            // A message still to be deleted that the whole read no longer found was deleted after all (the server did it
            // but its answer was lost). A read narrowed by date may just not have listed it: that one stays.
            if (!_options.WhatIf && read.Since == null)
            {
                foreach (var gone in mailbox.Messages.Where(m => m.Value.DeletePending && !seen.Contains(m.Key)).Select(m => m.Key).ToList())
                    mailbox.Messages.Remove(gone);
            }
            if (_options.WhatIf)
                return;
            if (isImap)
                RunState.Compact(mailbox, Math.Max(highestUid, mailbox.Watermark));
            if (general.UseLastRunDate && newest.HasValue && (general.LastRunDate == null || newest > general.LastRunDate || overrideRange))
                state.Data.LastRunDateWritten = WriteLastRunDate(newest.Value).ToString("o", CultureInfo.InvariantCulture);
            state.Save();
        }

        private (bool Accepted, bool Failed) Handle(Message message, MessageState? known, RuleEngine engine, EventSubmitter? submitter,
            RunState state, MailboxState mailbox, string key, CancellationToken cancellationToken)
        {
            _result.Scanned++;
            IReadOnlyList<RuleResult> results;
            try
            {
                results = engine.Evaluate(message, null, cancellationToken);
            }
            catch (MessageReadException e)
            {
                Fail(message, mailbox, key, e.Message);
                return (false, true);
            }
            // Rules that did not apply are left out: they are most of a large mailbox's results and kept the memory of a run
            // growing with the mailbox, not with the mail that matched.
            _results.AddRange(results.Where(r => r.Outcome != RuleOutcome.NotMatched));
            var (outcome, reason) = engine.Verdict(results);
            var accepted = outcome == RuleOutcome.Accepted;
            if (accepted)
                _result.Accepted++;
            else
                _result.Rejected++;

            var events = accepted
                ? results.Where(r => r.Outcome == RuleOutcome.Accepted).SelectMany(r => r.Events.Select(e => (Event: e, Rule: r.Rule))).ToList()
                : RejectEvents(message, reason);
            if (known?.Status != MessageStatus.EventsWritten)
            {
                try
                {
                    Submit(message, events, submitter, state, mailbox, key);
                }
                catch (EventSubmitException e)
                {
                    Fail(message, mailbox, key, $"The events of message '{message.Subject}' ({message.Id}) were not written: {e.Message}");
                    return (accepted, true);
                }
            }
            if (accepted && _config.General.DownloadEmails)
                Download(message, cancellationToken);
            Audit(message, accepted, reason, events.Select(e => e.Event).ToList(), results);
            Notify(message, accepted, reason, events.Select(e => e.Event).ToList(), cancellationToken);
            return (accepted, false);
        }

        private void Notify(Message message, bool accepted, string reason, IReadOnlyList<string> events, CancellationToken cancellationToken)
        {
            if (_notifier == null)
                return;
            // Notices never carry the OpCon password: [[EVENT]] is the event as configured, without credentials.
            var eventText = string.Join("; ", events);
            try
            {
                if (_notifier.Notify(message, accepted, f => Format(f, message, reason, eventText, forEvent: false), _options.WhatIf, cancellationToken))
                    _result.Notified++;
            }
            catch (SmartEmailException e)
            {
                _errors.Add(e.Message);
            }
        }

        private List<(string Event, string Rule)> RejectEvents(Message message, string reason)
        {
            var template = _config.Audit.RejectEvent;
            if (template == null)
                return new List<(string, string)>();
            return new List<(string, string)> { (Format(template, message, reason, string.Empty, forEvent: true), "RejectEvent") };
        }

        /// <summary>Prepares, records, then delivers the events of one message (see the class remarks).</summary>
        private void Submit(Message message, List<(string Event, string Rule)> events, EventSubmitter? submitter, RunState state, MailboxState mailbox, string key)
        {
            if (events.Count == 0)
                return;
            if (submitter == null)
            {
                foreach (var (e, _) in events)
                    _events.Add(e);
                _result.EventsSubmitted += events.Count;
                return;
            }
            if (!submitter.IsMsgIn)
            {
                // The API has no two-phase delivery: an event the API accepted just before a crash is submitted again.
                foreach (var (e, rule) in events)
                    _events.Add(submitter.Submit(e, rule, message.MessageId).Event);
                _result.EventsSubmitted += events.Count;
                mailbox.Messages[key] = new MessageState { Status = MessageStatus.EventsWritten, MessageId = message.MessageId };
                state.Save();
                return;
            }
            var entry = new MessageState { Status = MessageStatus.Pending, MessageId = message.MessageId };
            try
            {
                foreach (var (e, rule) in events)
                    entry.Events.Add(new PreparedEventState { Prepared = submitter.Prepare(e), Event = e, Rule = rule });
            }
            catch
            {
                foreach (var prepared in entry.Events)
                    File.Delete(prepared.Prepared);
                throw;
            }
            mailbox.Messages[key] = entry;
            state.Save();
            Deliver(entry, submitter, message.MessageId);
            entry.Status = MessageStatus.EventsWritten;
            entry.Events.Clear();
            state.Save();
        }

        private void Deliver(MessageState entry, EventSubmitter submitter, string? messageId)
        {
            foreach (var prepared in entry.Events)
            {
                _events.Add(submitter.Commit(prepared.Prepared, prepared.Event, prepared.Rule, messageId ?? string.Empty).Event);
                _result.EventsSubmitted++;
            }
        }

        /// <summary>
        /// After a crash: a Pending message's prepared files still in the work folder are moved into MSGIN (the missing ones
        /// were delivered); prepared files that no Pending message records are leftovers of a run that died before recording
        /// them, and go.
        /// </summary>
        private void Recover(MailboxState mailbox, EventSubmitter submitter, RunState state)
        {
            var recorded = new HashSet<string>(state.Data.Mailboxes.Values.SelectMany(m => m.Messages.Values).SelectMany(m => m.Events).Select(e => e.Prepared), StringComparer.Ordinal);
            foreach (var pending in mailbox.Messages.Values.Where(m => m.Status == MessageStatus.Pending).ToList())
            {
                _log.Warning($"Completing the events of message {pending.MessageId} that a previous run prepared but did not finish.");
                Deliver(pending, submitter, pending.MessageId);
                pending.Status = MessageStatus.EventsWritten;
                pending.Events.Clear();
                state.Save();
            }
            var work = submitter.WorkDirectory;
            if (work != null && Directory.Exists(work))
            {
                // Only old ones: a Submit-SmartEmailEvent in another process may be between its prepare and its commit.
                var cutoff = DateTime.UtcNow.AddMinutes(-10);
                foreach (var orphan in Directory.GetFiles(work, "*" + MsgInWriter.PreparedExtension).Where(f => !recorded.Contains(f) && File.GetLastWriteTimeUtc(f) < cutoff))
                    File.Delete(orphan);
            }
        }

        private void Fail(Message message, MailboxState mailbox, string key, string error)
        {
            _errors.Add(error);
            if (!_options.WhatIf && (!mailbox.Messages.TryGetValue(key, out var known) || known.Status != MessageStatus.EventsWritten))
                mailbox.Messages[key] = new MessageState { Status = MessageStatus.Failed, MessageId = message.MessageId };
            if (!_options.WhatIf && _config.Audit.LogRejects)
                AppendLog(_config.Audit.AuditRejectLogFile, Format(_config.Audit.LogRejectFormat, message, error, string.Empty, forEvent: false));
        }

        private void Download(Message message, CancellationToken cancellationToken)
        {
            if (_options.WhatIf)
            {
                _result.Downloaded++;
                return;
            }
            try
            {
                var path = MessageStore.Save(message, _config.General.DownloadFolder!, cancellationToken);
                _log.Verbose($"Saved '{message.Subject}' as {path}.");
                _result.Downloaded++;
            }
            catch (Exception e) when (e is MessageReadException || e is IOException || e is UnauthorizedAccessException)
            {
                _errors.Add($"Message '{message.Subject}' ({message.Id}) could not be saved into '{_config.General.DownloadFolder}': {e.Message}");
            }
        }

        private void Audit(Message message, bool accepted, string reason, IReadOnlyList<string> events, IReadOnlyList<RuleResult> results)
        {
            if (_options.WhatIf)
                return;
            var a = _config.Audit;
            var eventText = string.Join("; ", events);
            if (accepted && a.LogAccepts)
                AppendLog(a.AuditAcceptLogFile, Format(a.LogAcceptFormat, message, reason, eventText, forEvent: false));
            if (!accepted && a.LogRejects)
                AppendLog(a.AuditRejectLogFile, Format(a.LogRejectFormat, message, reason, eventText, forEvent: false));
            // The reference keeps sender and time-window rejections in their own log too.
            if (!accepted && results.Any(r => r.Outcome == RuleOutcome.Rejected && (r.Reason == a.RejectSenderMessage || r.Reason == a.RejectTimeframeMessage)))
                AppendLog(a.RejectionsLogFile, Format("Message Rejected - From: [[SENDER]] Subject: [[SUBJECT]] Reason: [[REASON]]", message, reason, eventText, forEvent: false));
        }

        /// <summary>Resolves [[SENDER]], [[SUBJECT]], [[DATE]], [[REASON]], [[EVENT]] in an audit, notice or RejectEvent text.</summary>
        private static string Format(string format, Message message, string reason, string events, bool forEvent)
        {
            string Safe(string value) => forEvent ? new string(value.Where(c => c != ',' && !char.IsControl(c)).ToArray()) : value.Replace("\r", " ").Replace("\n", " ");
            return RuleSyntax.TokenPattern.Replace(format, m =>
            {
                switch (m.Groups[1].Value.ToUpperInvariant())
                {
                    case "SENDER": return Safe(message.From);
                    case "SUBJECT": return Safe(message.Subject);
                    case "DATE": return Safe((message.Date ?? message.ArrivalTime)?.ToLocalTime().ToString(LogFile.VendorDateFormat, CultureInfo.InvariantCulture) ?? string.Empty);
                    case "REASON": return Safe(reason);
                    case "EVENT": return Safe(events);
                    default: return m.Value;
                }
            });
        }

        private void AppendLog(string file, string text)
        {
            try
            {
                LogFile.Append(file, text);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                _errors.Add($"The audit log '{file}' cannot be written: {e.Message}");
            }
        }

        /// <summary>Writes LastRunDate into the INI, in place, in the vendor's format, changing nothing else.</summary>
        private DateTimeOffset WriteLastRunDate(DateTimeOffset newest)
        {
            var local = newest.ToLocalTime();
            var document = IniDocument.Load(_config.Path);
            document.Set("General", "LastRunDate", local.ToString(LogFile.VendorDateFormat, CultureInfo.InvariantCulture));
            document.Save();
            // The INI keeps whole seconds; remember the same value, so a hand-set earlier date is told apart from ours.
            return new DateTimeOffset(local.Year, local.Month, local.Day, local.Hour, local.Minute, local.Second, local.Offset);
        }

        private IDisposable AcquireLock(CancellationToken cancellationToken)
        {
            var path = _config.Path + ".lock";
            var deadline = DateTime.UtcNow + _options.LockTimeout;
            while (true)
            {
                try
                {
                    return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    cancellationToken.WaitHandle.WaitOne(250);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                catch (IOException e)
                {
                    throw new SmartEmailException($"Another SmartEmail run on {_config.Path} has held its lock ({path}) for more than {_options.LockTimeout.TotalSeconds:0} s; this run did nothing.", e);
                }
            }
        }

        /// <summary>
        /// Removes the temporary files of atomic saves of <paramref name="path"/> (".name.&lt;guid&gt;.tmp") that a killed
        /// process left, once they are older than any save can take. Under the run's lock, so no run of this INI is saving.
        /// </summary>
        private void RemoveStaleTemporaryFiles(string path)
        {
            try
            {
                foreach (var file in AtomicFile.RemoveStaleTemporaryFiles(path))
                    _log.Verbose($"Removed {file}, left by an interrupted save.");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                _log.Warning($"Could not remove the temporary files an interrupted save left beside {path}: {e.Message}");
            }
        }


        private static IEnumerable<uint> OpenUids(MailboxState mailbox) =>
            mailbox.Messages.Where(m => m.Value.Status != MessageStatus.Done || m.Value.DeletePending)
                .Select(m => uint.TryParse(m.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : 0u).Where(u => u != 0);

        private static string StateKey(Message message, bool isImap, out uint validity, out uint uid)
        {
            validity = uid = 0;
            if (!isImap)
                return message.Id;
            var slash = message.Id.IndexOf('/');
            validity = uint.Parse(message.Id.Substring(0, slash), CultureInfo.InvariantCulture);
            uid = uint.Parse(message.Id.Substring(slash + 1), CultureInfo.InvariantCulture);
            return uid.ToString(CultureInfo.InvariantCulture);
        }
    }
}
