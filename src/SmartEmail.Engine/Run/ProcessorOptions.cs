using System;

namespace SmartEmail.Run
{
    /// <summary>The settings the exactly-once processor works by.</summary>
    internal sealed class ProcessorOptions
    {
        /// <summary>A dry run: nothing is submitted, deleted or remembered.</summary>
        public bool WhatIf { get; set; }

        /// <summary>Which messages are deleted once their events are written.</summary>
        public DeleteMode DeleteMode { get; set; } = DeleteMode.Match;

        /// <summary>[General] MaxAttempts: a message that fails this many runs for a reason of its own is set aside.</summary>
        public int MaxAttempts { get; set; } = 3;

        /// <summary>UseLastRunDate: only messages received since then.</summary>
        public DateTimeOffset? Since { get; set; }

        /// <summary>LastRunDate was set back by hand: messages already done are processed again (their events included).</summary>
        public bool Reprocess { get; set; }

        /// <summary>How old a prepared event file must be before it counts as left over by a dead run.</summary>
        public TimeSpan OrphanAge { get; set; } = TimeSpan.FromMinutes(10);
    }
}
