namespace SmartEmail.Mail
{
    /// <summary>Mailbox settings given outside the INI (a cmdlet's parameters, the legacy command line), which win over the INI's.</summary>
    public sealed class MailboxOverrides
    {
        /// <summary>The protocol, or null.</summary>
        public MailProtocol? Protocol { get; set; }
        /// <summary>The server, or null.</summary>
        public string? Server { get; set; }
        /// <summary>The port, or null.</summary>
        public int? Port { get; set; }
        /// <summary>The minimum TLS version, or null.</summary>
        public SecurityProtocol? SecurityProtocol { get; set; }
    }
}
