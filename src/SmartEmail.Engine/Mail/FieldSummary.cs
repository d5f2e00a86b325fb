using System;
using System.Collections.Generic;
using System.Linq;
using MimeKit;
using MimeKit.Utils;

namespace SmartEmail.Mail
{
    /// <summary>
    /// The summary of a message read straight from its header fields, with the same MimeKit calls, in the same order and
    /// with the same options as <see cref="MimeSummary.Summarize"/> makes on a parsed message (the first Subject, Date,
    /// Message-Id, Content-Type and Content-Disposition; every From, To and Cc), without building a MimeMessage: an IMAP
    /// listing reads thousands of header blocks, and a message object with its address lists costs more than reading
    /// the fields. Where MimeKit would have to be lenient (an address list it parses only in part, an unreadable
    /// Content-Type, a From without a mailbox, a top-level attached message), this says so and the caller reads the
    /// fields through MimeKit's parser instead (<see cref="MimeSummary.FromHeaders"/>). An xUnit test holds the two
    /// readings equal on every message of the MimeKit corpus.
    /// </summary>
    internal static class FieldSummary
    {
        /// <summary>The summary of <paramref name="fields"/> and the top entity's type, or false when only MimeKit's parser may read them.</summary>
        /// <param name="fields">A message's header fields, in its order.</param>
        /// <param name="summary">The summary; its attachment names are those of a single-part message (the top entity's own name).</param>
        /// <param name="top">The type of the top entity, as the parser would give it.</param>
        public static bool TryRead(IEnumerable<Header> fields, out MessageHeaderSummary summary, out ContentType top)
        {
            summary = new MessageHeaderSummary();
            top = null!;
            var options = MimeOptions.Parser;
            Header? subject = null, date = null, messageId = null, contentType = null, disposition = null;
            var sender = false;
            var from = new InternetAddressList();
            var to = new InternetAddressList();
            var cc = new InternetAddressList();
            foreach (var field in fields)
            {
                switch (field.Id)
                {
                    case HeaderId.Subject:
                        subject ??= field;
                        break;
                    case HeaderId.Date:
                        date ??= field;
                        break;
                    case HeaderId.MessageId:
                        messageId ??= field;
                        break;
                    case HeaderId.ContentType:
                        contentType ??= field;
                        break;
                    case HeaderId.ContentDisposition:
                        disposition ??= field;
                        break;
                    case HeaderId.Sender:
                        sender = true;
                        break;
                    case HeaderId.From:
                    case HeaderId.To:
                    case HeaderId.Cc:
                        // MimeMessage skips the addresses it cannot parse; the strict parse agrees whenever it succeeds.
                        if (!InternetAddressList.TryParse(options, field.RawValue, 0, field.RawValue.Length, out var parsed))
                            return false;
                        (field.Id == HeaderId.From ? from : field.Id == HeaderId.To ? to : cc).AddRange(parsed);
                        break;
                }
            }
            var author = from.Mailboxes.FirstOrDefault();
            if (author == null && sender)
                return false;
            ContentType? type = null;
            if (contentType == null)
                type = new ContentType("text", "plain");
            else if (!ContentType.TryParse(options, contentType.RawValue, out type))
                return false;
            top = type;
            if (top.IsMimeType("message", "*") || top.IsMimeType("text", "rfc822-headers"))
                return false;
            ContentDisposition? parsedDisposition = null;
            if (disposition != null && !ContentDisposition.TryParse(options, disposition.RawValue, out parsedDisposition))
                parsedDisposition = null; // MimeEntity.ContentDisposition is null for an unreadable one too
            summary.MessageId = messageId == null ? string.Empty : MimeUtils.ParseMessageId(messageId.RawValue, 0, messageId.RawValue.Length) ?? string.Empty;
            summary.From = author?.Address ?? string.Empty;
            summary.FromName = author?.Name ?? string.Empty;
            summary.To = MimeSummary.Addresses(to);
            summary.Cc = MimeSummary.Addresses(cc);
            summary.Subject = subject == null ? string.Empty : Header.Unfold(Rfc2047.DecodeText(options, subject.RawValue));
            summary.Date = date == null ? null : MimeSummary.ValidDate(DateUtils.TryParse(date.RawValue, 0, date.RawValue.Length, out DateTimeOffset value) ? value : DateTimeOffset.MinValue);
            var name = top.IsMimeType("multipart", "*") ? string.Empty : MimeSummary.PartName(parsedDisposition, top);
            summary.Attachments = name.Length == 0 ? Array.Empty<string>() : new[] { name };
            return true;
        }
    }
}
