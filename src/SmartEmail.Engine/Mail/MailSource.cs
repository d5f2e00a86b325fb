using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace SmartEmail.Mail
{
    /// <summary>What to read from a mailbox.</summary>
    public sealed class ReadOptions
    {
        /// <summary>Only messages received on or after this time.</summary>
        public DateTimeOffset? Since { get; set; }

        /// <summary>At most this many messages (the oldest first).</summary>
        public int? First { get; set; }

        /// <summary>
        /// A source that <see cref="MailSource.SupportsWatermark"/>: only messages after this position, when the mailbox is
        /// still in the same epoch (IMAP: a UID above <see cref="MessageKey.Position"/> while the UIDVALIDITY is
        /// <see cref="MessageKey.Epoch"/>); other sources read everything.
        /// </summary>
        public MessageKey? After { get; set; }

        /// <summary>IMAP: only messages with a UID above this one, when the folder's UIDVALIDITY is <see cref="UidValidity"/>.</summary>
        public uint? AfterUid => After?.Position;

        /// <summary>IMAP: the UIDVALIDITY <see cref="AfterUid"/> belongs to.</summary>
        public uint? UidValidity => After?.Epoch;
    }

    /// <summary>
    /// How the run state knows a message of a mailbox: its <see cref="Key"/>, unique within the mailbox; and, for a
    /// mailbox whose positions only grow (IMAP UIDs within one UIDVALIDITY), its <see cref="Position"/> in the
    /// <see cref="Epoch"/> it belongs to. A new epoch means the positions name other messages now.
    /// </summary>
    public readonly struct MessageKey
    {
        /// <summary>A key with no position (POP3 UIDL, a file path).</summary>
        public MessageKey(string key)
        {
            Key = key;
            Epoch = 0;
            Position = 0;
        }

        /// <summary>A key with a position; the key is the position's decimal text.</summary>
        public MessageKey(uint epoch, uint position)
        {
            Key = position.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Epoch = epoch;
            Position = position;
        }

        /// <summary>The message's key in the run state.</summary>
        public string Key { get; }

        /// <summary>The epoch <see cref="Position"/> belongs to (IMAP UIDVALIDITY); 0 without a position.</summary>
        public uint Epoch { get; }

        /// <summary>The position (IMAP UID); 0 when the mailbox has none.</summary>
        public uint Position { get; }

        /// <inheritdoc/>
        public override string ToString() => Position == 0 ? Key : Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + Key;
    }

    /// <summary>
    /// A mailbox (IMAP folder, POP3 maildrop or folder of .eml files) that messages are read from, saved from and deleted
    /// from. The connection is made when first needed and made again when it dropped, so messages read earlier in a
    /// session can still be saved or removed; <see cref="Disconnect"/> ends it.
    /// </summary>
    public abstract class MailSource : IDisposable
    {
        /// <summary>Creates the source.</summary>
        protected MailSource(MailboxSettings settings, IEngineLog log)
        {
            Settings = settings;
            Log = log;
        }

        /// <summary>How the mailbox is reached.</summary>
        public MailboxSettings Settings { get; }

        /// <summary>Where progress, warnings and details go.</summary>
        public IEngineLog Log { get; set; }

        /// <summary>The mailbox as a URI (no password), used as each message's Source.</summary>
        public abstract string Uri { get; }

        /// <summary>Opens the right kind of source for the settings; nothing is connected yet.</summary>
        /// <exception cref="MailboxException">The protocol is not supported.</exception>
        public static MailSource Create(MailboxSettings settings, IEngineLog? log = null)
        {
            log ??= NullEngineLog.Instance;
            switch (settings.Protocol)
            {
                case MailProtocol.IMAP: return new ImapMailSource(settings, log);
                case MailProtocol.POP: return new Pop3MailSource(settings, log);
                case MailProtocol.Folder: return new FolderMailSource(settings, log);
                default: throw new MailboxException(MailboxErrorKind.Configuration, $"EmailProtocol={settings.Protocol} is not supported by this version of SmartEmail.");
            }
        }

        /// <summary>How the run state keys a message read from this mailbox (by default its <see cref="Message.Id"/>).</summary>
        public virtual MessageKey KeyOf(Message message) => new MessageKey(message.Id);

        /// <summary>
        /// Whether <see cref="KeyOf"/> gives growing positions and <see cref="Read"/> honours <see cref="ReadOptions.After"/>,
        /// so that a run remembers one watermark instead of every message it handled.
        /// </summary>
        public virtual bool SupportsWatermark => false;

        /// <summary>Reads the messages, oldest first, one by one: only envelopes, sizes and attachment names are fetched.</summary>
        /// <exception cref="MailboxException">Connecting, logging in or reading failed.</exception>
        public abstract IEnumerable<Message> Read(ReadOptions options, CancellationToken cancellationToken);

        /// <summary>Deletes messages of this mailbox (all of them read from it).</summary>
        /// <exception cref="MailboxException">The delete failed; nothing, or not all, was deleted.</exception>
        public abstract void Delete(IReadOnlyList<Message> messages, CancellationToken cancellationToken);

        /// <summary>Ends the connection, if there is one.</summary>
        public abstract void Disconnect();

        /// <inheritdoc/>
        public void Dispose() => Disconnect();

        /// <summary>Credentials in a URI user part, never the password.</summary>
        protected string UserPart => Settings.Credential == null ? string.Empty : System.Uri.EscapeDataString(Settings.Credential.UserName) + "@";
    }

    /// <summary>EmailProtocol=Folder: every .eml file in the Server folder is a message; deleting removes the file.</summary>
    internal sealed class FolderMailSource : MailSource
    {
        public FolderMailSource(MailboxSettings settings, IEngineLog log) : base(settings, log) { }

        public override string Uri => Settings.Server;

        public override IEnumerable<Message> Read(ReadOptions options, CancellationToken cancellationToken)
        {
            if (!Directory.Exists(Settings.Server))
                throw new MailboxException(MailboxErrorKind.FolderNotFound, $"The mailbox folder '{Settings.Server}' does not exist.");
            var files = MessageFileReader.ListFolder(Settings.Server, recurse: false);
            var emitted = 0;
            for (var i = 0; i < files.Count; i++)
            {
                Log.Progress("Reading " + Uri, $"{i + 1} of {files.Count} files", i, files.Count);
                IEnumerable<Message> messages;
                try
                {
                    messages = MessageFileReader.ReadFile(files[i], this, null, cancellationToken);
                }
                catch (MessageReadException e)
                {
                    Log.Error(e);
                    continue;
                }
                foreach (var message in messages)
                {
                    if (options.Since.HasValue && message.Received < options.Since.Value)
                        continue;
                    yield return message;
                    if (options.First.HasValue && ++emitted >= options.First.Value)
                        yield break;
                }
            }
        }

        public override void Delete(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
        {
            foreach (var message in messages)
                MessageStore.DeleteFile(message);
        }

        public override void Disconnect() { }
    }
}
