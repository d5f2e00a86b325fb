using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace SmartEmail.Mail
{
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
}
