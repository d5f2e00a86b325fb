using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace SmartEmail.Run
{
    /// <summary>What the state remembers of one message that the watermark does not cover.</summary>
    internal sealed class MessageState
    {
        public MessageStatus Status { get; set; }

        public List<PreparedEventState> Events { get; set; } = new List<PreparedEventState>();

        public string? MessageId { get; set; }

        /// <summary>Done, but deleting it failed: the next run deletes it (DeleteEmails permitting) without handling it again.</summary>
        public bool DeletePending { get; set; }

        /// <summary>How many runs failed on it for a reason of its own (Failed, SetAside).</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
        public int Attempts { get; set; }

        /// <summary>The last failure (Failed, SetAside).</summary>
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Reason { get; set; }

        /// <summary>Whether the watermark must stay below it: it is not finished (not done, or still to be deleted).</summary>
        [JsonIgnore]
        public bool IsOpen => (Status != MessageStatus.Done && Status != MessageStatus.SetAside) || DeletePending;
    }
}
