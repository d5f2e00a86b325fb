using System;
using System.Collections.Generic;
using SmartEmail.Mail;

namespace SmartEmail
{
    /// <summary>
    /// One email as SmartEmail sees it: the envelope facts the rules need, read without holding the body in memory.
    /// The body and attachments are loaded from the message's origin only when a rule or a download needs them.
    /// </summary>
    public sealed class Message
    {
        private static readonly string[] None = new string[0];

        internal Message(string id, string source, MessageHeaderSummary summary, DateTimeOffset? received, long size,
            IMessageContent content)
        {
            Id = id ?? throw new ArgumentNullException(nameof(id));
            Source = source ?? throw new ArgumentNullException(nameof(source));
            MessageId = summary.MessageId;
            From = summary.From;
            FromName = summary.FromName;
            To = summary.To ?? None;
            Cc = summary.Cc ?? None;
            Subject = summary.Subject;
            Date = summary.Date;
            Received = received;
            Size = size;
            Attachments = summary.Attachments ?? None;
            Content = content;
        }

        /// <summary>The message's identity, stable within its mailbox: IMAP <c>UIDVALIDITY/UID</c>, POP3 UIDL, or the file path
        /// (with <c>#n</c> for the n-th message of an mbox file).</summary>
        public string Id { get; }

        /// <summary>The <c>Message-Id</c> header without angle brackets, or an empty string when the message has none.</summary>
        public string MessageId { get; }

        /// <summary>The sender's address (the first mailbox of <c>From</c>, else <c>Sender</c>), or an empty string.</summary>
        public string From { get; }

        /// <summary>The sender's display name, or an empty string.</summary>
        public string FromName { get; }

        /// <summary>The addresses in <c>To</c>, groups flattened.</summary>
        public string[] To { get; }

        /// <summary>The addresses in <c>Cc</c>, groups flattened.</summary>
        public string[] Cc { get; }

        /// <summary>The decoded subject, or an empty string when the message has none.</summary>
        public string Subject { get; }

        /// <summary>The <c>Date</c> header, or <see langword="null"/> when it is missing or cannot be parsed.</summary>
        public DateTimeOffset? Date { get; }

        /// <summary>When the mail server received the message (IMAP INTERNALDATE), or the file's time for files.</summary>
        public DateTimeOffset? Received { get; }

        /// <summary>The size of the raw message in bytes.</summary>
        public long Size { get; }

        /// <summary>The names of attached and inline parts that carry a name, decoded (RFC 2231 and RFC 2047).</summary>
        public string[] Attachments { get; }

        /// <summary>Where the message comes from: the mailbox URI or the file path.</summary>
        public string Source { get; }

        internal IMessageContent Content { get; }

        /// <summary>The arrival time the rules use: <see cref="Received"/> when known, else <see cref="Date"/>.</summary>
        public DateTimeOffset? ArrivalTime => Received ?? Date;

        /// <inheritdoc/>
        public override string ToString() => From.Length == 0 ? Subject : From + ": " + Subject;
    }
}
