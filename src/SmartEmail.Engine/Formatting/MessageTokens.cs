using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SmartEmail.Formatting
{
    /// <summary>
    /// The values of the tokens for one message: [[SENDER]], [[SUBJECT]], [[DATE]] (in the vendor's format, in a given
    /// time zone), [[ATTACHMENT]], [[REASON]] and [[EVENT]] when known, and a rule's captures: [[1]], [[2]], … and named
    /// groups of the subject or body match, [[A1]], … of the attachment match. A token it does not know is null.
    /// </summary>
    internal sealed class MessageTokens
    {
        private readonly Message _message;
        private readonly TimeZoneInfo _zone;

        public MessageTokens(Message message, TimeZoneInfo zone)
        {
            _message = message;
            _zone = zone;
        }

        /// <summary>[[REASON]]: why the message was rejected (or set aside), empty when accepted; null outside runs.</summary>
        public string? Reason { get; set; }

        /// <summary>[[EVENT]]: the message's events, "; "-separated, without credentials; null in event templates.</summary>
        public string? Events { get; set; }

        /// <summary>[[ATTACHMENT]]: the attachment name a rule matched.</summary>
        public string Attachment { get; set; } = string.Empty;

        /// <summary>The subject or body line match whose groups are [[1]], [[2]], … and named tokens.</summary>
        public Match? Match { get; set; }

        /// <summary>The attachment-name match whose groups are [[A1]], [[A2]], ….</summary>
        public Match? AttachmentMatch { get; set; }

        /// <summary>The value of a token, or null when it is none of these.</summary>
        public string? Lookup(string name)
        {
            switch (name.ToUpperInvariant())
            {
                case "SENDER": return _message.From;
                case "SUBJECT": return _message.Subject;
                case "DATE": return FormatDate(_message.Date ?? _message.ArrivalTime);
                case "ATTACHMENT": return Attachment;
                case "REASON": return Reason;
                case "EVENT": return Events;
            }
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                return Match != null && n < Match.Groups.Count ? Match.Groups[n].Value : Match == null ? null : string.Empty;
            if (name.Length > 1 && (name[0] == 'A' || name[0] == 'a') && int.TryParse(name.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out var a))
                return AttachmentMatch != null && a < AttachmentMatch.Groups.Count ? AttachmentMatch.Groups[a].Value : Match == null ? null : string.Empty;
            if (Match != null && Match.Groups[name] is Group named && named.Success)
                return named.Value;
            return null;
        }

        private string FormatDate(DateTimeOffset? date) =>
            date == null ? string.Empty : TimeZoneInfo.ConvertTime(date.Value, _zone).ToString(LogFile.VendorDateFormat, CultureInfo.InvariantCulture);
    }
}
