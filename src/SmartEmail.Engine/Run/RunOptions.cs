using System;
using System.Net;
using SmartEmail.Mail;

namespace SmartEmail.Run
{
    /// <summary>What a run may override of its INI.</summary>
    public sealed class RunOptions
    {
        /// <summary>Do everything but change anything: nothing submitted, saved, deleted, logged or remembered.</summary>
        public bool WhatIf { get; set; }
        /// <summary>The mailbox credential instead of the INI's.</summary>
        public NetworkCredential? MailCredential { get; set; }
        /// <summary>The OpCon credential instead of the INI's.</summary>
        public NetworkCredential? OpConCredential { get; set; }
        /// <summary>Mailbox settings that win over the INI's (what the legacy command line or a cmdlet's parameters give).</summary>
        public MailboxOverrides Overrides { get; set; } = new MailboxOverrides();
        /// <summary>DeleteEmails instead of the INI's.</summary>
        public DeleteMode? DeleteEmails { get; set; }
        /// <summary>How long to wait for another run on the same INI to finish.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(60);
    }
}
