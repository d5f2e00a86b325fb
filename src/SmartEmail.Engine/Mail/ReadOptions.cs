using System;

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
}
