using System;
using System.Collections.Generic;

namespace SmartEmail.Run
{
    /// <summary>The state file's content.</summary>
    internal sealed class RunStateData
    {
        public int Version { get; set; } = 1;

        /// <summary>The LastRunDate this tool last wrote into the INI (round-trip format), to notice a hand-set earlier one.</summary>
        public string? LastRunDateWritten { get; set; }

        public Dictionary<string, MailboxState> Mailboxes { get; set; } = new Dictionary<string, MailboxState>(StringComparer.Ordinal);
    }
}
