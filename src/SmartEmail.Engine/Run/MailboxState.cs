using System;
using System.Collections.Generic;

namespace SmartEmail.Run
{
    /// <summary>The state of one mailbox (keyed by its URI in <see cref="RunStateData.Mailboxes"/>).</summary>
    internal sealed class MailboxState
    {
        /// <summary>A source with a watermark: the epoch (IMAP UIDVALIDITY) the positions below belong to.</summary>
        public uint? UidValidity { get; set; }

        /// <summary>A source with a watermark: every position up to this one is finished; only later ones are read.</summary>
        public uint Watermark { get; set; }

        /// <summary>Messages by key (IMAP UID, POP3 UIDL, file path) that the watermark does not cover.</summary>
        public Dictionary<string, MessageState> Messages { get; set; } = new Dictionary<string, MessageState>(StringComparer.Ordinal);
    }
}
