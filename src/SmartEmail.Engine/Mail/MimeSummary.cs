using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MimeKit;

namespace SmartEmail.Mail
{
    /// <summary>Extracts the facts of <see cref="Message"/> from a parsed MIME message.</summary>
    internal static class MimeSummary
    {
        /// <summary>Reads sender, recipients, subject, date and attachment names; never throws for missing headers.</summary>
        public static MessageHeaderSummary Summarize(MimeMessage message)
        {
            var sender = message.From.Mailboxes.FirstOrDefault() ?? message.Sender;
            return new MessageHeaderSummary
            {
                MessageId = message.MessageId ?? string.Empty,
                From = sender?.Address ?? string.Empty,
                FromName = sender?.Name ?? string.Empty,
                To = Addresses(message.To),
                Cc = Addresses(message.Cc),
                Subject = message.Subject ?? string.Empty,
                Date = HeaderDate(message),
                Attachments = AttachmentNames(message),
            };
        }

        /// <summary>
        /// Parses one message with SmartEmail's options, its header block bounded by <paramref name="maxHeaderBytes"/>
        /// (<see cref="HeaderBlock"/>): every reading path goes through here, so a file, POP3 and IMAP read alike. A header
        /// block cut at the bound is reported to <paramref name="log"/>, naming <paramref name="name"/>.
        /// </summary>
        /// <param name="input">The message, at its first header byte.</param>
        /// <param name="maxHeaderBytes">The most of the header block that is read.</param>
        /// <param name="name">The message, as the warning names it.</param>
        /// <param name="log">Where the warning goes.</param>
        /// <param name="persistent">Keep the bodies in the (seekable) input rather than in memory, when the header block did not change.</param>
        /// <param name="cancellationToken">Cancels the parse.</param>
        /// <exception cref="FormatException">The input is not a MIME message.</exception>
        public static MimeMessage Parse(Stream input, int maxHeaderBytes, string name, IEngineLog log, bool persistent, CancellationToken cancellationToken)
        {
            var bounded = HeaderBlock.Bound(input, maxHeaderBytes);
            if (bounded.Truncated)
                log.Warning($"The header block of message {name} is larger than [General] MaxHeaderBytes ({maxHeaderBytes} bytes): only its first {maxHeaderBytes} bytes were read, and the message is processed on them.");
            return ParseMessage(bounded.Stream, persistent && ReferenceEquals(bounded.Stream, input), cancellationToken);
        }

        /// <summary>
        /// Parses a message with this thread's one parser, given each stream in turn: a listing parses thousands of small
        /// header blocks, and a new parser's buffers cost more than parsing one of them.
        /// </summary>
        private static MimeMessage ParseMessage(Stream stream, bool persistent, CancellationToken cancellationToken)
        {
            var parser = _parser ??= new MimeParser(MimeOptions.Parser, Stream.Null, MimeFormat.Entity);
            parser.SetStream(stream, MimeFormat.Entity, persistent);
            try
            {
                return parser.ParseMessage(cancellationToken);
            }
            finally
            {
                parser.SetStream(Stream.Null, MimeFormat.Entity); // drops the reference to the message's stream
            }
        }

        [ThreadStatic]
        private static MimeParser? _parser;

        /// <summary>
        /// The message made of header fields that another parser has already read (MailKit's, from an IMAP FETCH of
        /// named fields), as <see cref="Parse"/> would read the same bytes: the Content- fields alone go through the
        /// parser, which makes the top entity of them as from a file, and the other fields join the message's headers
        /// in their order, bound again to SmartEmail's options (MailKit reads with MimeKit's defaults, which decode raw
        /// 8-bit text as ISO-8859-1). The rest is not written out and read again, so a listing parses each header block once.
        /// </summary>
        /// <param name="fields">The header fields, in the message's order.</param>
        /// <param name="cancellationToken">Cancels the parse.</param>
        public static MimeMessage FromHeaders(IEnumerable<Header> fields, CancellationToken cancellationToken)
        {
            var others = new List<Header>();
            using (var content = new MemoryStream())
            {
                foreach (var field in fields)
                {
                    // The parser's own split: Content- fields belong to the top entity, not to the message's headers.
                    if (field.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                    {
                        content.Write(field.RawField, 0, field.RawField.Length);
                        content.WriteByte((byte)':');
                        content.Write(field.RawValue, 0, field.RawValue.Length);
                    }
                    else
                    {
                        others.Add(new BoundHeader(field));
                    }
                }
                content.WriteByte((byte)'\r');
                content.WriteByte((byte)'\n');
                content.Position = 0;
                var message = ParseMessage(content, persistent: false, cancellationToken);
                foreach (var header in others)
                    message.Headers.Add(header);
                return message;
            }
        }

        /// <summary>A header field as read, decoded with <see cref="MimeOptions.Parser"/>.</summary>
        private sealed class BoundHeader : Header
        {
            public BoundHeader(Header read)
                : base(MimeOptions.Parser, read.Id, read.Field, read.RawField, read.RawValue)
            {
            }
        }

        /// <summary>A message whose content is already in memory (POP3 and tests).</summary>
        public static Message InMemory(MimeMessage message, string id, string source, DateTimeOffset? received, long size) =>
            new Message(id, source, Summarize(message), received, size, new LoadedContent(message));

        private sealed class LoadedContent : IMessageContent
        {
            private readonly MimeMessage _message;

            public LoadedContent(MimeMessage message) => _message = message;

            public MailSource? Source => null;

            public MimeMessage Load(System.Threading.CancellationToken cancellationToken) => _message;

            public void WriteTo(System.IO.Stream destination, System.Threading.CancellationToken cancellationToken) =>
                _message.WriteTo(destination, cancellationToken);
        }

        /// <summary>
        /// The time the last mail server received the message: the date of the topmost Received header (POP3 has no
        /// arrival time of its own), or null.
        /// </summary>
        public static DateTimeOffset? TopReceivedDate(HeaderList headers)
        {
            var received = headers.FirstOrDefault(h => h.Id == HeaderId.Received)?.Value;
            var semicolon = received?.LastIndexOf(';') ?? -1;
            if (semicolon < 0)
                return null;
            return MimeKit.Utils.DateUtils.TryParse(received!.Substring(semicolon + 1).Trim(), out DateTimeOffset date) ? date : (DateTimeOffset?)null;
        }

        /// <summary>The Date header, or null when it is missing or unparsable (MimeKit reports those as MinValue).</summary>
        public static DateTimeOffset? HeaderDate(MimeMessage message)
        {
            if (!message.Headers.Contains(HeaderId.Date))
                return null;
            return ValidDate(message.Date);
        }

        /// <summary>A parsed date, or null for the MinValue MimeKit gives an unparsable one.</summary>
        internal static DateTimeOffset? ValidDate(DateTimeOffset date) => date == DateTimeOffset.MinValue ? (DateTimeOffset?)null : date;

        internal static string[] Addresses(InternetAddressList list) =>
            list.Mailboxes.Select(m => m.Address ?? string.Empty).Where(a => a.Length != 0).ToArray();

        /// <summary>
        /// The names of every attached or inline part that has one, in document order. An attached message without a
        /// file name is named after its subject. Embedded messages are not searched: their attachments belong to them.
        /// Walks with an explicit stack, so a deeply nested message cannot overflow the call stack.
        /// </summary>
        public static string[] AttachmentNames(MimeMessage message)
        {
            var names = new List<string>();
            if (message.Body == null)
                return names.ToArray();
            var stack = new Stack<MimeEntity>();
            stack.Push(message.Body);
            while (stack.Count != 0)
            {
                var entity = stack.Pop();
                switch (entity)
                {
                    case Multipart multipart:
                        for (var i = multipart.Count - 1; i >= 0; i--)
                            stack.Push(multipart[i]);
                        break;
                    case MessagePart attached when entity != message.Body:
                        var name = PartName(entity);
                        if (name.Length == 0)
                        {
                            var subject = attached.Message?.Subject;
                            name = (string.IsNullOrWhiteSpace(subject) ? "message" : subject!.Trim()) + ".eml";
                        }
                        names.Add(name);
                        break;
                    case MimePart part:
                        var partName = PartName(part);
                        if (partName.Length != 0)
                            names.Add(partName);
                        break;
                }
            }
            return names.ToArray();
        }

        private static string PartName(MimeEntity entity) => PartName(entity.ContentDisposition, entity.ContentType);

        /// <summary>A part's name: its disposition's file name, else its type's name parameter, trimmed; empty when neither.</summary>
        internal static string PartName(ContentDisposition? disposition, ContentType? type)
        {
            var name = disposition?.FileName;
            if (string.IsNullOrWhiteSpace(name))
                name = type?.Name;
            return string.IsNullOrWhiteSpace(name) ? string.Empty : name!.Trim();
        }
    }
}
