using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace SmartEmail.Mail
{
    /// <summary>
    /// Reads a batch's header blocks over IMAP so that they are decoded exactly as from a file: the header fields' raw
    /// bytes go through the same MimeKit calls as a file's (<see cref="FieldSummary"/>, or <see cref="MimeSummary.Parse"/>
    /// and <see cref="MimeSummary.FromHeaders"/> where only the parser may read them), not the server's ENVELOPE (which
    /// decodes 8-bit text and parses addresses its own way). Attachment names need the parts' own headers, which BODYSTRUCTURE
    /// only reflects as the server parsed them (an unquoted <c>name=This is a test.txt</c> becomes <c>This</c>), and
    /// MailKit can fetch part headers of many messages in one command only as whole messages. So, after the batch's
    /// one FETCH of UID, size, arrival time and BODYSTRUCTURE:
    /// <list type="number">
    /// <item>the header fields the summary needs, for every message whose header block the body structure proves at most
    /// <see cref="SafeHeaderBytes"/>, in one <c>UID FETCH (BODY.PEEK[HEADER.FIELDS (...)])</c>;</item>
    /// <item>a header block that may be larger, one message at a time, at most MaxHeaderBytes of it
    /// (<c>BODY.PEEK[HEADER]&lt;0.n&gt;</c>): MailKit parses a header literal itself with MimeKit, whose cost grows with
    /// the square of a folded field, so an unbounded one must never reach it. Real mail has small header blocks, so this
    /// is rare;</item>
    /// <item>messages of at most <see cref="WholeMessageBytes"/> whose part names BODYSTRUCTURE may give otherwise
    /// (<see cref="MayDifferFromFile"/>, <see cref="StructureDiffers"/>) whole, in one <c>UID FETCH (BODY.PEEK[])</c>,
    /// read exactly as a file is.</item>
    /// </list>
    /// </summary>
    internal static class ImapHeaderReader
    {
        /// <summary>The largest message whose part names may differ that is fetched whole to read them as a file would.</summary>
        public const long WholeMessageBytes = 1024 * 1024;

        /// <summary>The largest header block fetched in the batch command (MailKit parses it; at 64 KiB that takes milliseconds).</summary>
        public const long SafeHeaderBytes = 64 * 1024;

        /// <summary>
        /// The header fields the summary is made of (MimeSummary.Summarize), every occurrence in the message's order, so
        /// MimeKit picks among two Subject or From headers as it does in the file. Only these: dovecot keeps named fields
        /// in its index cache (the whole header block means opening every message file), and they are what a run reads.
        /// </summary>
        internal static readonly HeaderId[] SummaryFields =
        {
            HeaderId.From, HeaderId.Sender, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId,
            HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentDisposition,
        };

        /// <summary>One message's headers as read: its summary, its top entity's type, and whether the whole message was read (so its attachment names are exact).</summary>
        internal sealed class HeaderRead
        {
            public HeaderRead(MessageHeaderSummary summary, ContentType? top, bool whole)
            {
                Summary = summary;
                Top = top;
                Whole = whole;
            }

            /// <summary>A message as the parser read it.</summary>
            public static HeaderRead Of(MimeMessage message, bool whole) => new HeaderRead(MimeSummary.Summarize(message), message.Body?.ContentType, whole);

            /// <summary>Header fields read by MailKit: straight from the fields, or through the parser where only it may read them.</summary>
            public static HeaderRead Of(HeaderList fields, CancellationToken cancellationToken) =>
                FieldSummary.TryRead(fields, out var summary, out var top)
                    ? new HeaderRead(summary, top, false)
                    : Of(MimeSummary.FromHeaders(fields, cancellationToken), false);

            public MessageHeaderSummary Summary { get; }

            public ContentType? Top { get; }

            public bool Whole { get; }
        }

        /// <summary>Reads the header blocks of <paramref name="summaries"/> (which have UID, size and body structure), by UID.</summary>
        public static Dictionary<uint, HeaderRead> Read(ImapMailSource source, IList<IMessageSummary> summaries, uint validity, CancellationToken cancellationToken)
        {
            var result = new Dictionary<uint, HeaderRead>();
            if (summaries.Count == 0)
                return result;
            var max = source.Settings.MaxHeaderBytes;
            var small = summaries.Where(s => HeaderBound(s) <= SafeHeaderBytes).Select(s => s.UniqueId).ToList();
            if (small.Count != 0)
            {
                var request = new FetchRequest(MessageSummaryItems.UniqueId) { Headers = new HeaderSet(SummaryFields) };
                var heads = source.RetryRead(token => source.FolderForRead(token).Fetch(small, request, token), "fetch", cancellationToken);
                foreach (var head in heads)
                {
                    if (head.Headers != null)
                        result[head.UniqueId.Id] = HeaderRead.Of(head.Headers, cancellationToken);
                }
            }
            foreach (var summary in summaries.Where(s => !result.ContainsKey(s.UniqueId.Id) && !(HeaderBound(s) <= SafeHeaderBytes)))
            {
                try
                {
                    using (var stream = source.RetryRead(token => source.FolderForRead(token).GetStream(summary.UniqueId, "HEADER", 0, max + 1, token), "fetch", cancellationToken))
                        result[summary.UniqueId.Id] = HeaderRead.Of(MimeSummary.Parse(stream, max, Name(source, validity, summary.UniqueId), source.Log, persistent: false, cancellationToken), false);
                }
                catch (MessageNotFoundException)
                {
                    // Expunged since the batch was fetched: it is simply not listed.
                }
            }
            // Messages whose part names (or whole structure) the server may read otherwise: fetched whole, read as a file.
            var whole = summaries.Where(s => s.Size.HasValue && s.Size.Value <= WholeMessageBytes
                && (MayDifferFromFile(s.Body) || (result.TryGetValue(s.UniqueId.Id, out var head) && StructureDiffers(head.Top, s.Body)))).Select(s => s.UniqueId).ToList();
            if (whole.Count != 0)
            {
                source.RetryRead(token =>
                {
                    var folder = (ImapFolder)source.FolderForRead(token);
                    folder.GetStreams(whole, (f, index, uid, stream) =>
                        result[uid.Id] = HeaderRead.Of(MimeSummary.Parse(stream, max, Name(source, validity, uid), NullEngineLog.Instance, persistent: false, token), true), token);
                    return true;
                }, "fetch", cancellationToken);
            }
            return result;
        }

        /// <summary>
        /// At least how many bytes of the message are not part bodies: its size less the sizes of its leaf parts (an
        /// attached message counts as a leaf). The top header block is at most that; long.MaxValue when unknown.
        /// </summary>
        internal static long HeaderBound(IMessageSummary summary)
        {
            if (summary.Body == null || !summary.Size.HasValue)
                return long.MaxValue;
            long leaves = 0;
            var stack = new Stack<BodyPart>();
            stack.Push(summary.Body);
            while (stack.Count != 0)
            {
                switch (stack.Pop())
                {
                    case BodyPartMultipart multipart:
                        foreach (var part in multipart.BodyParts)
                            stack.Push(part);
                        break;
                    case BodyPartBasic basic:
                        leaves += basic.Octets;
                        break;
                }
            }
            return Math.Max(0, (long)summary.Size.Value - leaves);
        }

        /// <summary>
        /// Whether the names BODYSTRUCTURE gives for a multipart message may differ from MimeKit's reading of the part
        /// headers. The server's parameter parser stops at the first space of an unquoted value (<c>name=This is a
        /// test.txt</c> arrives as <c>This</c>) and drops a parameter it cannot parse, and it decodes encoded and 8-bit
        /// names and an attached message's subject its own way. So the message is fetched whole when a named part's name
        /// has no extension, holds anything but printable ASCII or an encoded word, when a part other than text has no
        /// name or a disposition without one, or when a message is attached. Well-formed names (<c>report.pdf</c>) are
        /// taken from BODYSTRUCTURE, which gives them as MimeKit does. A single-part message's name is in its top header
        /// block, which is read anyway.
        /// </summary>
        internal static bool MayDifferFromFile(BodyPart? body)
        {
            if (!(body is BodyPartMultipart root))
                return false;
            var stack = new Stack<BodyPart>(root.BodyParts);
            while (stack.Count != 0)
            {
                var part = stack.Pop();
                if (part is BodyPartMultipart multipart)
                {
                    foreach (var child in multipart.BodyParts)
                        stack.Push(child);
                    continue;
                }
                if (part is BodyPartMessage || !(part is BodyPartBasic basic))
                    return true;
                var name = Name(basic);
                if (name.Length == 0)
                {
                    if (basic.ContentDisposition != null || !basic.ContentType.IsMimeType("text", "*"))
                        return true;
                    continue;
                }
                var dot = name.LastIndexOf('.');
                if (dot <= 0 || dot == name.Length - 1 || name.IndexOf("=?", StringComparison.Ordinal) >= 0 || name.Any(c => c < ' ' || c > '~'))
                    return true;
            }
            return false;
        }

        /// <summary>
        /// Whether the server parsed the top of the message otherwise than MimeKit did from the same header block: another
        /// type, or another multipart boundary (a <c>Content-Type: multipart/mixed;; boundary=...</c> that MimeKit reads
        /// and the server does not). Then nothing in BODYSTRUCTURE can be trusted for the parts.
        /// </summary>
        internal static bool StructureDiffers(ContentType? top, BodyPart? body)
        {
            if (body == null || top == null)
                return body != null || top != null;
            if (!string.Equals(top.MimeType, body.ContentType.MimeType, StringComparison.OrdinalIgnoreCase))
                return true;
            return top.IsMimeType("multipart", "*") && !string.Equals(top.Boundary, body.ContentType.Boundary, StringComparison.Ordinal);
        }

        /// <summary>
        /// The names MimeSummary gives, taken from BODYSTRUCTURE: for multipart messages not fetched whole.
        /// An attached message without a file name is named after its subject, as from a file.
        /// </summary>
        internal static string[] AttachmentNames(BodyPart? body)
        {
            var names = new List<string>();
            if (body == null)
                return names.ToArray();
            var stack = new Stack<BodyPart>();
            stack.Push(body);
            while (stack.Count != 0)
            {
                var part = stack.Pop();
                switch (part)
                {
                    case BodyPartMultipart multipart:
                        for (var i = multipart.BodyParts.Count - 1; i >= 0; i--)
                            stack.Push(multipart.BodyParts[i]);
                        break;
                    case BodyPartMessage attached when !ReferenceEquals(part, body):
                        var name = Name(attached);
                        if (name.Length == 0)
                        {
                            var subject = attached.Envelope?.Subject;
                            name = (string.IsNullOrWhiteSpace(subject) ? "message" : subject!.Trim()) + ".eml";
                        }
                        names.Add(name);
                        break;
                    case BodyPartBasic basic when !(part is BodyPartMessage):
                        var partName = Name(basic);
                        if (partName.Length != 0)
                            names.Add(partName);
                        break;
                }
            }
            return names.ToArray();
        }

        private static string Name(BodyPartBasic part) => MimeSummary.PartName(part.ContentDisposition, part.ContentType);

        private static string Name(ImapMailSource source, uint validity, UniqueId uid) =>
            validity.ToString(CultureInfo.InvariantCulture) + "/" + uid.Id.ToString(CultureInfo.InvariantCulture) + " of " + source.Uri;
    }
}
