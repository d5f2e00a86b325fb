using System;

namespace SmartEmail
{
    /// <summary>The header facts of a message, as read from MIME headers or an IMAP envelope.</summary>
    internal sealed class MessageHeaderSummary
    {
        public string MessageId { get; set; } = string.Empty;
        public string From { get; set; } = string.Empty;
        public string FromName { get; set; } = string.Empty;
        public string[]? To { get; set; }
        public string[]? Cc { get; set; }
        public string Subject { get; set; } = string.Empty;
        public DateTimeOffset? Date { get; set; }
        public string[]? Attachments { get; set; }
    }
}
