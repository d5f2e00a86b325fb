namespace SmartEmail.Mail
{
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
}
