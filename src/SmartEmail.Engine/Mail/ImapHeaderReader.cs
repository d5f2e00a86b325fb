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
    /// Reads a batch's header blocks over IMAP so that they are decoded exactly as from a file: the raw header bytes go
    /// through <see cref="MimeSummary.Parse"/>, not the server's ENVELOPE (which takes the first of two Subject or From
    /// headers and decodes 8-bit text its own way). Attachment names need the parts' own headers, which BODYSTRUCTURE
    /// only reflects as the server parsed them (an unquoted <c>name=This is a test.txt</c> becomes <c>This</c>), and
    /// MailKit can fetch part headers of many messages in one command only as whole messages. So, for one batch:
    /// <list type="number">
    /// <item>messages with a part that may carry a name and at most <see cref="WholeMessageBytes"/> are fetched whole, in
    /// one <c>UID FETCH (BODY.PEEK[])</c>, and read exactly as a file is;</item>
    /// <item>the others' header blocks, when the body structure proves them at most <see cref="SafeHeaderBytes"/>, in one
    /// <c>UID FETCH (BODY.PEEK[HEADER])</c>;</item>
    /// <item>a header block that may be larger, one message at a time with <c>BODY.PEEK[HEADER]&lt;0.MaxHeaderBytes&gt;</c>:
    /// MailKit parses a whole BODY[HEADER] itself with MimeKit, whose cost grows with the square of a folded field, so an
    /// unbounded one must never reach it. Real mail has small header blocks, so this is rare.</item>
    /// </list>
    /// </summary>
    internal static class ImapHeaderReader
    {
        /// <summary>The largest message with named parts that is fetched whole to read its part headers as a file would.</summary>
        public const long WholeMessageBytes = 256 * 1024;

        /// <summary>The largest header block fetched in the batch command (MailKit parses it; at 64 KiB that takes milliseconds).</summary>
        public const long SafeHeaderBytes = 64 * 1024;

        private static readonly string[] PlainTextParameters = { "charset", "format", "delsp", "reply-type" };

        /// <summary>One message's headers as read, and whether the whole message was (so its attachment names are exact).</summary>
        internal sealed class HeaderRead
        {
            public HeaderRead(MimeMessage message, bool whole)
            {
                Message = message;
                Whole = whole;
            }

            public MimeMessage Message { get; }

            public bool Whole { get; }
        }

        /// <summary>Reads the header blocks of <paramref name="summaries"/> (which have UID, size and body structure), by UID.</summary>
        public static Dictionary<uint, HeaderRead> Read(ImapMailSource source, IList<IMessageSummary> summaries, uint validity, CancellationToken cancellationToken)
        {
            var result = new Dictionary<uint, HeaderRead>();
            if (summaries.Count == 0)
                return result;
            var max = source.Settings.MaxHeaderBytes;
            var whole = summaries.Where(s => MayHaveNamedPart(s.Body) && s.Size.HasValue && s.Size.Value <= WholeMessageBytes).Select(s => s.UniqueId).ToList();
            if (whole.Count != 0)
            {
                source.RetryRead(token =>
                {
                    var folder = (ImapFolder)source.FolderForRead(token);
                    folder.GetStreams(whole, (f, index, uid, stream) =>
                        result[uid.Id] = new HeaderRead(MimeSummary.Parse(stream, max, Name(source, validity, uid), source.Log, persistent: false, token), true), token);
                    return true;
                }, "fetch", cancellationToken);
            }
            var small = summaries.Where(s => !result.ContainsKey(s.UniqueId.Id) && HeaderBound(s) <= SafeHeaderBytes).Select(s => s.UniqueId).ToList();
            if (small.Count != 0)
            {
                var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Headers);
                var heads = source.RetryRead(token => source.FolderForRead(token).Fetch(small, request, token), "fetch", cancellationToken);
                foreach (var head in heads)
                {
                    if (head.Headers == null)
                        continue;
                    using (var bytes = new MemoryStream())
                    {
                        head.Headers.WriteTo(bytes, cancellationToken);
                        bytes.WriteByte((byte)'\r');
                        bytes.WriteByte((byte)'\n');
                        bytes.Position = 0;
                        result[head.UniqueId.Id] = new HeaderRead(MimeSummary.Parse(bytes, max, Name(source, validity, head.UniqueId), source.Log, persistent: false, cancellationToken), false);
                    }
                }
            }
            foreach (var summary in summaries.Where(s => !result.ContainsKey(s.UniqueId.Id)))
            {
                try
                {
                    using (var stream = source.RetryRead(token => source.FolderForRead(token).GetStream(summary.UniqueId, "HEADER", 0, max, token), "fetch", cancellationToken))
                        result[summary.UniqueId.Id] = new HeaderRead(MimeSummary.Parse(stream, max, Name(source, validity, summary.UniqueId), source.Log, persistent: false, cancellationToken), false);
                }
                catch (MessageNotFoundException)
                {
                    // Expunged since the batch was fetched: it is simply not listed.
                }
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
        /// Whether a multipart message has a part whose name the server's parse may not give as MimeKit would: an
        /// attached message, a part with a disposition, a non-text part, or a text part with a parameter besides the
        /// usual ones. A single-part message's name is in its top header block, which is read anyway.
        /// </summary>
        internal static bool MayHaveNamedPart(BodyPart? body)
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
                if (basic.ContentDisposition != null || !basic.ContentType.IsMimeType("text", "*"))
                    return true;
                if (basic.ContentType.Parameters.Any(p => !PlainTextParameters.Contains(p.Name, StringComparer.OrdinalIgnoreCase)))
                    return true;
            }
            return false;
        }

        /// <summary>
        /// The names MimeSummary gives, taken from BODYSTRUCTURE: only for multipart messages too large to fetch whole.
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

        private static string Name(BodyPartBasic part)
        {
            var name = part.ContentDisposition?.FileName;
            if (string.IsNullOrWhiteSpace(name))
                name = part.ContentType?.Name;
            return string.IsNullOrWhiteSpace(name) ? string.Empty : name!.Trim();
        }

        private static string Name(ImapMailSource source, uint validity, UniqueId uid) =>
            validity.ToString(CultureInfo.InvariantCulture) + "/" + uid.Id.ToString(CultureInfo.InvariantCulture) + " of " + source.Uri;
    }
}
