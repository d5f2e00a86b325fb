using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;

namespace SmartEmail.Mail
{
    /// <summary>
    /// An IMAP folder. Reading narrows on the server (UID SEARCH by UID or SINCE), then fetches size, arrival time and body
    /// structure of a whole batch of messages in one FETCH command, and their header blocks in one more
    /// (<see cref="ImapHeaderReader"/>): the number of round trips grows with the number of batches, not of messages.
    /// Bodies are fetched only when a rule or a download needs them.
    /// </summary>
    internal sealed class ImapMailSource : MailSource
    {
        private const int ImplicitTlsPort = 993;
        private const int DownloadChunk = 4 * 1024 * 1024;
        private ImapClient? _client;
        private IMailFolder? _folder;
        private uint _uidValidity;
        private readonly IdleWatchdog _watchdog;

        public ImapMailSource(MailboxSettings settings, IEngineLog log) : base(settings, log)
        {
            _watchdog = new IdleWatchdog(settings.Timeout);
        }

        public override string Uri => $"imap://{UserPart}{Settings.Server}:{Settings.Port}/{string.Join("/", Settings.Folder.Split('/').Select(System.Uri.EscapeDataString))}";

        /// <summary>The UID within its UIDVALIDITY, from the message's own content (never parsed back from its Id).</summary>
        public override MessageKey KeyOf(Message message) =>
            message.Content is ImapContent imap ? new MessageKey(imap.UidValidity, imap.Uid.Id) : base.KeyOf(message);

        public override bool SupportsWatermark => true;

        public override IEnumerable<Message> Read(ReadOptions options, CancellationToken cancellationToken)
        {
            var folder = Retry(token => Connect(FolderAccess.ReadOnly, token), "connect", cancellationToken);
            var validity = _uidValidity;
            var first = 1u;
            if (options.AfterUid.HasValue && options.UidValidity == validity && options.AfterUid.Value < uint.MaxValue - 1)
                first = options.AfterUid.Value + 1;
            // The batches to fetch, each one FETCH: none when EXAMINE shows nothing can be there, "first:*" alone when at
            // most one batch can (the FETCH itself lists the UIDs), else the UIDs a UID SEARCH gives, in batches.
            var batches = new List<IList<UniqueId>>();
            int total;
            string plan;
            var possible = Possible(folder, first);
            if (possible == 0)
            {
                total = 0;
                plan = "nothing to read (no UID SEARCH, no FETCH).";
            }
            else if (!options.Since.HasValue && possible <= Settings.BatchSize)
            {
                batches.Add(new UniqueIdRange(validity, first, uint.MaxValue));
                total = (int)possible;
                plan = $"up to {total} to read in one FETCH of UID {first}:* (no UID SEARCH).";
            }
            else
            {
                var query = first > 1 ? SearchQuery.Uids(new UniqueIdRange(validity, first, uint.MaxValue - 1)) : SearchQuery.All;
                if (options.Since.HasValue)
                    query = query.And(SearchQuery.DeliveredAfter(options.Since.Value.Date.AddDays(-1))); // SINCE has day granularity; refined below
                var uids = Retry(token => Folder(token).Search(query, token), "search", cancellationToken);
                for (var start = 0; start < uids.Count; start += Settings.BatchSize)
                    batches.Add(uids.Skip(start).Take(Settings.BatchSize).ToList());
                total = uids.Count;
                plan = $"{total} to read.";
            }
            Log.Verbose($"{Uri}: {folder.Count} message(s), UIDVALIDITY {validity}, UIDNEXT {folder.UidNext?.Id.ToString(CultureInfo.InvariantCulture) ?? "unknown"}, {plan}");
            var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.InternalDate | MessageSummaryItems.BodyStructure);
            var emitted = 0;
            var done = 0;
            foreach (var batch in batches)
            {
                Log.Progress("Reading " + Uri, $"{done} of {total} messages", done, total);
                var summaries = Retry(token => Folder(token).Fetch(batch, request, token), "fetch", cancellationToken);
                if (_uidValidity != validity)
                    throw new MailboxException(MailboxErrorKind.MessageNotFound, $"{Uri} was recreated while it was read (UIDVALIDITY {validity} became {_uidValidity}).");
                // "first:*" also names the highest UID when every UID is below first (RFC 9051 6.4.8): that one is not new.
                var ordered = summaries.Where(s => s.UniqueId.Id >= first && (!options.Since.HasValue || s.InternalDate >= options.Since.Value)).OrderBy(s => s.UniqueId.Id).ToList();
                done += summaries.Count;
                if (options.First.HasValue)
                    ordered = ordered.Take(options.First.Value - emitted).ToList();
                var headers = ImapHeaderReader.Read(this, ordered, validity, cancellationToken);
                foreach (var summary in ordered)
                {
                    if (!headers.TryGetValue(summary.UniqueId.Id, out var read))
                        continue; // expunged between the two fetches
                    yield return ToMessage(summary, read, validity);
                    if (options.First.HasValue && ++emitted >= options.First.Value)
                        yield break;
                }
            }
            Log.Progress("Reading " + Uri, "done", total, total);
        }

        /// <summary>
        /// How many messages can be at or above UID <paramref name="first"/>, from what the folder's EXAMINE answer
        /// already says (EXISTS, and UIDNEXT when the server gave it), so that a run spends no round trip on a question
        /// it has the answer to.
        /// </summary>
        private static long Possible(IMailFolder folder, uint first)
        {
            long possible = folder.Count;
            if (folder.UidNext.HasValue && folder.UidNext.Value.Id > 0)
                possible = Math.Min(possible, Math.Max(0L, (long)folder.UidNext.Value.Id - first));
            return Math.Max(0L, possible);
        }

        public override void Delete(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
        {
            if (messages.Count == 0)
                return;
            IMailFolder folder;
            try
            {
                folder = _watchdog.Run(token => Connect(FolderAccess.ReadWrite, token), cancellationToken);
            }
            catch (Exception e) when (MailConnector.IsTransient(e) || e is ImapCommandException)
            {
                Disconnect();
                throw new MailboxException(MailboxErrorKind.Connection, $"Deleting {messages.Count} message(s) from {Uri} failed while opening the folder for writing: {e.Message}", e);
            }
            var uids = messages.Select(m => UidOf(m)).ToList();
            if (!_client!.Capabilities.HasFlag(ImapCapabilities.UidPlus))
                throw new MailboxException(MailboxErrorKind.NotSupported,
                    $"{Settings.Server} has no UIDPLUS, so SmartEmail cannot expunge just these messages without also expunging others marked deleted; nothing was deleted.");
            try
            {
                _watchdog.Run(token => folder.Store(uids, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Deleted) { Silent = true }, token), cancellationToken);
                _watchdog.Run(token => folder.Expunge(uids, token), cancellationToken);
            }
            catch (Exception e) when (MailConnector.IsTransient(e) || e is ImapCommandException)
            {
                throw new MailboxException(MailboxErrorKind.Connection, $"Deleting {uids.Count} message(s) from {Uri} failed: {e.Message}", e);
            }
        }

        public override void Disconnect()
        {
            var client = _client;
            _client = null;
            _folder = null;
            MailConnector.Close(client);
        }

        private Message ToMessage(IMessageSummary summary, ImapHeaderReader.HeaderRead read, uint validity)
        {
            var header = read.Summary;
            if (!read.Whole && summary.Body is BodyPartMultipart)
                header.Attachments = ImapHeaderReader.AttachmentNames(summary.Body);
            var id = validity.ToString(CultureInfo.InvariantCulture) + "/" + summary.UniqueId.Id.ToString(CultureInfo.InvariantCulture);
            return new Message(id, Uri, header, summary.InternalDate, summary.Size ?? 0, new ImapContent(this, validity, summary.UniqueId));
        }

        /// <summary>The folder, (re)connected and open for reading, for the header reader.</summary>
        internal IMailFolder FolderForRead(CancellationToken cancellationToken) => Folder(cancellationToken);

        /// <summary>Runs a read with the source's reconnect policy, for the header reader.</summary>
        internal T RetryRead<T>(Func<CancellationToken, T> operation, string what, CancellationToken cancellationToken) => Retry(operation, what, cancellationToken);

        private UniqueId UidOf(Message message)
        {
            if (!(message.Content is ImapContent content) || !ReferenceEquals(content.Source, this))
                throw new ArgumentException($"Message {message.Id} does not come from {Uri}.");
            if (content.UidValidity != _uidValidity)
                throw new MailboxException(MailboxErrorKind.MessageNotFound, $"{Uri} was recreated since message {message.Id} was read (UIDVALIDITY is now {_uidValidity}); nothing was deleted.");
            return content.Uid;
        }

        /// <summary>Connects (again) when needed, opens the folder with at least the asked access, and returns it.</summary>
        internal IMailFolder Connect(FolderAccess access, CancellationToken cancellationToken)
        {
            if (_client == null || !_client.IsConnected)
            {
                Disconnect();
                var client = new ImapClient(MailConnector.Logger(Settings, _watchdog));
                try
                {
                    MailConnector.Open(client, Settings, ImplicitTlsPort, Log, cancellationToken);
                }
                catch
                {
                    client.Dispose();
                    throw;
                }
                _client = client;
            }
            if (_folder == null)
            {
                try
                {
                    _folder = string.Equals(Settings.Folder, "INBOX", StringComparison.OrdinalIgnoreCase) ? _client.Inbox : _client.GetFolder(Settings.Folder, cancellationToken);
                }
                catch (FolderNotFoundException e)
                {
                    throw new MailboxException(MailboxErrorKind.FolderNotFound, $"The folder '{Settings.Folder}' does not exist on {Settings.Server}.", e);
                }
            }
            if (!_folder.IsOpen || (access == FolderAccess.ReadWrite && _folder.Access != FolderAccess.ReadWrite))
            {
                try
                {
                    _folder.Open(access, cancellationToken);
                }
                catch (ImapCommandException e) when (Settings.TokenSource != null && e.ResponseText.IndexOf("authenticated but not connected", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    // Exchange Online's answer when an app's token is valid but the app has no right on this mailbox.
                    throw new MailboxException(MailboxErrorKind.Authentication,
                        $"{Settings.Server} accepted the token but did not connect it to the mailbox ({e.ResponseText}): the app has no right on this mailbox. "
                        + "In Exchange Online PowerShell: Add-MailboxPermission -Identity <mailbox> -User <enterprise application object id> -AccessRights FullAccess.", e);
                }
                _uidValidity = _folder.UidValidity;
            }
            return _folder;
        }

        private IMailFolder Folder(CancellationToken cancellationToken) => Connect(FolderAccess.ReadOnly, cancellationToken);

        /// <summary>Runs a read, reconnecting after a dropped connection a bounded number of times, with backoff.</summary>
        private T Retry<T>(Func<CancellationToken, T> operation, string what, CancellationToken cancellationToken)
        {
            for (var attempt = 0; ; attempt++)
            {
                Exception failure;
                try
                {
                    return _watchdog.Run(operation, cancellationToken);
                }
                catch (Exception e) when (MailConnector.IsTransient(e) && !cancellationToken.IsCancellationRequested)
                {
                    failure = e;
                }
                catch (MailboxException e) when (attempt > 0 && IsReconnectFailure(e) && !cancellationToken.IsCancellationRequested)
                {
                    // The reconnect itself failed (the server is still down): that is one more attempt, not the end.
                    failure = e;
                }
                Disconnect();
                if (attempt >= Settings.Retries)
                    throw new MailboxException(MailboxErrorKind.Connection, $"The connection to {Uri} broke during {what} and could not be re-established after {Settings.Retries} attempt(s): {failure.Message}", failure);
                var delay = TimeSpan.FromMilliseconds(500 * (1 << attempt));
                Log.Warning($"The connection to {Uri} broke during {what} ({failure.Message}); reconnecting in {delay.TotalSeconds:0.#} s.");
                cancellationToken.WaitHandle.WaitOne(delay);
            }
        }

        private static bool IsReconnectFailure(MailboxException e) =>
            e.Kind == MailboxErrorKind.ConnectionRefused || e.Kind == MailboxErrorKind.Connection || e.Kind == MailboxErrorKind.Timeout;

        /// <summary>A message in an IMAP folder, by UIDVALIDITY and UID.</summary>
        internal sealed class ImapContent : IMessageContent
        {
            private readonly ImapMailSource _source;

            public ImapContent(ImapMailSource source, uint uidValidity, UniqueId uid)
            {
                _source = source;
                UidValidity = uidValidity;
                Uid = uid;
            }

            public uint UidValidity { get; }

            public UniqueId Uid { get; }

            public MailSource? Source => _source;

            public MimeMessage Load(CancellationToken cancellationToken)
            {
                using (var buffer = new MemoryStream())
                {
                    WriteTo(buffer, cancellationToken);
                    buffer.Position = 0;
                    try
                    {
                        // The listing already warned about a header block cut at the bound.
                        return MimeSummary.Parse(buffer, _source.Settings.MaxHeaderBytes, Id, NullEngineLog.Instance, persistent: false, cancellationToken);
                    }
                    catch (FormatException e)
                    {
                        throw new MessageReadException(Id, $"Message {Id} of {_source.Uri} is not a MIME message: {e.Message}", e);
                    }
                }
            }

            public void WriteTo(Stream destination, CancellationToken cancellationToken)
            {
                // Fetched in chunks (BODY.PEEK[]<offset.count>), so a large attachment never sits whole in memory.
                var offset = 0;
                while (true)
                {
                    int read;
                    try
                    {
                        var folder = _source.Retry(token => _source.Folder(token), "fetch", cancellationToken);
                        if (_source._uidValidity != UidValidity)
                            throw new MessageReadException(Id, $"{_source.Uri} was recreated since message {Id} was read.");
                        using (var chunk = _source.Retry(token => folder.GetStream(Uid, offset, DownloadChunk, token), "fetch", cancellationToken))
                        {
                            read = CopyCounting(chunk, destination);
                        }
                    }
                    catch (MessageNotFoundException e)
                    {
                        throw new MessageReadException(Id, $"Message {Id} is no longer in {_source.Uri}.", e);
                    }
                    catch (MailboxException e)
                    {
                        throw new MessageReadException(Id, $"Message {Id} of {_source.Uri} cannot be read: {e.Message}", e);
                    }
                    offset += read;
                    if (read < DownloadChunk)
                        return;
                }
            }

            private string Id => UidValidity.ToString(CultureInfo.InvariantCulture) + "/" + Uid.Id.ToString(CultureInfo.InvariantCulture);

            private static int CopyCounting(Stream source, Stream destination)
            {
                var buffer = new byte[81920];
                var total = 0;
                int n;
                while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
                {
                    destination.Write(buffer, 0, n);
                    total += n;
                }
                return total;
            }
        }
    }
}
