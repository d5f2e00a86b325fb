using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MailKit;
using MailKit.Net.Pop3;
using MimeKit;

namespace SmartEmail.Mail
{
    /// <summary>
    /// A POP3 maildrop. Messages are identified by UIDL. Reading takes the headers with TOP (pipelined when the server
    /// offers PIPELINING); a message is retrieved whole (RETR) only when its headers say it is multipart, because POP3
    /// has no body structure and attachment names live in the parts. Deleting is DELE, committed by QUIT.
    /// </summary>
    internal sealed class Pop3MailSource : MailSource
    {
        private const int ImplicitTlsPort = 995;
        private Pop3Client? _client;
        private Dictionary<string, int> _indexByUid = new Dictionary<string, int>(StringComparer.Ordinal);
        private IList<string> _uids = new List<string>();

        private readonly IdleWatchdog _watchdog;

        public Pop3MailSource(MailboxSettings settings, IEngineLog log) : base(settings, log)
        {
            _watchdog = new IdleWatchdog(settings.Timeout);
        }

        public override string Uri => $"pop3://{UserPart}{Settings.Server}:{Settings.Port}";

        public override IEnumerable<Message> Read(ReadOptions options, CancellationToken cancellationToken)
        {
            var client = Connect(cancellationToken);
            var uids = _uids;
            var sizes = Guard(token => client.GetMessageSizes(token), "LIST", cancellationToken);
            // Without -Since every message counts, so -First bounds the work too, not just the output.
            var total = options.First.HasValue && !options.Since.HasValue ? Math.Min(uids.Count, options.First.Value) : uids.Count;
            Log.Verbose($"{Uri}: {total} message(s).");
            var emitted = 0;
            for (var start = 0; start < total; start += Settings.BatchSize)
            {
                var indexes = Enumerable.Range(start, Math.Min(Settings.BatchSize, total - start)).ToList();
                Log.Progress("Reading " + Uri, $"{start} of {total} messages", start, total);
                // The raw headers (TOP n 0), parsed here: MailKit's GetMessageHeaders drops the Content-* headers, and those
                // say whether a message is multipart.
                var heads = Guard(token => client.GetStreams(indexes, true, token), "TOP", cancellationToken).Select((s, i) => Parse(s, uids[indexes[i]], Log)).ToList();
                var multipart = indexes.Where((index, i) => heads[i].Body is Multipart).ToList();
                // Streams parsed here, not MailKit's GetMessages: its parser has MimeKit's default options (no depth limit
                // that a small stack survives, ISO-8859-1 for raw 8-bit headers).
                // The warning about a header block over the bound was given for the headers already.
                var full = multipart.Count == 0 ? new List<MimeMessage>() : Guard(token => client.GetStreams(multipart, false, token), "RETR", cancellationToken).Select((s, i) => Parse(s, uids[multipart[i]], NullEngineLog.Instance)).ToList();
                var fullByIndex = multipart.Select((index, i) => (index, message: full[i])).ToDictionary(x => x.index, x => x.message);
                for (var i = 0; i < indexes.Count; i++)
                {
                    var index = indexes[i];
                    var mime = fullByIndex.TryGetValue(index, out var whole) ? whole : heads[i];
                    var received = MimeSummary.TopReceivedDate(heads[i].Headers);
                    if (options.Since.HasValue && (received ?? MimeSummary.HeaderDate(mime)) < options.Since.Value)
                        continue;
                    yield return new Message(uids[index], Uri, MimeSummary.Summarize(mime), received, sizes[index], new Pop3Content(this, uids[index]));
                    if (options.First.HasValue && ++emitted >= options.First.Value)
                        yield break;
                }
            }
            Log.Progress("Reading " + Uri, "done", total, total);
        }

        public override void Delete(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
        {
            if (messages.Count == 0)
                return;
            var client = Connect(cancellationToken);
            var indexes = messages.Select(m => IndexOf(m.Id)).ToList();
            try
            {
                _watchdog.Run(token => client.DeleteMessages(indexes, token), cancellationToken);
                // POP3 only deletes at QUIT; a connection that drops before it deletes nothing.
                _watchdog.Run(token => client.Disconnect(true, token), cancellationToken);
            }
            catch (Exception e) when (MailConnector.IsTransient(e) || e is Pop3CommandException)
            {
                throw new MailboxException(MailboxErrorKind.Connection, $"Deleting {indexes.Count} message(s) from {Uri} failed, so none was deleted: {e.Message}", e);
            }
            finally
            {
                Disconnect();
            }
            // MailKit ignores a QUIT that fails (a dropped connection), and the server commits the deletes only when it
            // gets QUIT: so a new connection checks that they are gone.
            try
            {
                Connect(cancellationToken); // lists the UIDs anew
                var still = messages.Count(m => _indexByUid.ContainsKey(m.Id));
                if (still != 0)
                    throw new MailboxException(MailboxErrorKind.Connection, $"Deleting {indexes.Count} message(s) from {Uri} failed: the server did not commit the deletion of {still} of them (the connection broke at QUIT).");
            }
            finally
            {
                Disconnect();
            }
        }

        public override void Disconnect()
        {
            var client = _client;
            _client = null;
            MailConnector.Close(client);
        }

        /// <summary>Parses a downloaded message (or its headers) as a file is parsed, its header block bounded.</summary>
        private MimeMessage Parse(Stream stream, string uid, IEngineLog log)
        {
            using (stream)
                return MimeSummary.Parse(stream, Settings.MaxHeaderBytes, $"{uid} of {Uri}", log, persistent: false, CancellationToken.None);
        }

        internal Pop3Client Connect(CancellationToken cancellationToken)
        {
            if (_client != null && _client.IsConnected)
                return _client;
            Disconnect();
            var client = new Pop3Client(MailConnector.Logger(Settings, _watchdog));
            try
            {
                try
                {
                    _watchdog.Run(token => MailConnector.Open(client, Settings, ImplicitTlsPort, Log, token), cancellationToken);
                }
                catch (TimeoutException e)
                {
                    throw new MailboxException(MailboxErrorKind.Timeout, $"{Uri} went silent while logging in: {e.Message}", e);
                }
                IList<string> uids;
                try
                {
                    uids = _watchdog.Run(token => client.GetMessageUids(token), cancellationToken);
                }
                catch (Exception e) when (MailConnector.IsTransient(e) || e is Pop3CommandException)
                {
                    throw new MailboxException(MailboxErrorKind.Connection, $"UIDL on {Uri} failed: {e.Message}", e);
                }
                _uids = uids;
                _indexByUid = uids.Select((uid, index) => (uid, index)).GroupBy(x => x.uid).ToDictionary(g => g.Key, g => g.First().index, StringComparer.Ordinal);
            }
            catch
            {
                client.Dispose();
                throw;
            }
            _client = client;
            return client;
        }

        private int IndexOf(string uid)
        {
            if (!_indexByUid.TryGetValue(uid, out var index))
                throw new MailboxException(MailboxErrorKind.MessageNotFound, $"Message {uid} is no longer in {Uri}.");
            return index;
        }

        private T Guard<T>(Func<CancellationToken, T> operation, string command, CancellationToken cancellationToken)
        {
            try
            {
                return _watchdog.Run(operation, cancellationToken);
            }
            catch (Exception e) when (MailConnector.IsTransient(e) || e is Pop3CommandException)
            {
                Disconnect();
                throw new MailboxException(MailboxErrorKind.Connection, $"{command} on {Uri} failed: {e.Message}", e);
            }
        }

        private sealed class Pop3Content : IMessageContent
        {
            private readonly Pop3MailSource _source;
            private readonly string _uid;

            public Pop3Content(Pop3MailSource source, string uid)
            {
                _source = source;
                _uid = uid;
            }

            public MailSource? Source => _source;

            public MimeMessage Load(CancellationToken cancellationToken)
            {
                try
                {
                    var client = _source.Connect(cancellationToken);
                    var index = _source.IndexOf(_uid);
                    return _source.Parse(_source.Guard(token => client.GetStream(index, false, token), "RETR", cancellationToken), _uid, NullEngineLog.Instance);
                }
                catch (MailboxException e)
                {
                    throw new MessageReadException(_uid, $"Message {_uid} of {_source.Uri} cannot be read: {e.Message}", e);
                }
            }

            public void WriteTo(Stream destination, CancellationToken cancellationToken)
            {
                try
                {
                    var client = _source.Connect(cancellationToken);
                    var index = _source.IndexOf(_uid);
                    using (var stream = _source.Guard(token => client.GetStream(index, false, token), "RETR", cancellationToken))
                        stream.CopyTo(destination, 81920);
                }
                catch (MailboxException e)
                {
                    throw new MessageReadException(_uid, $"Message {_uid} of {_source.Uri} cannot be read: {e.Message}", e);
                }
            }
        }
    }
}
