namespace SmartEmail.Mail
{
    /// <summary>What went wrong with a mailbox, in terms an admin can act on.</summary>
    public enum MailboxErrorKind
    {
        /// <summary>The settings are incomplete or contradictory.</summary>
        Configuration,
        /// <summary>The server name does not resolve.</summary>
        HostNotFound,
        /// <summary>Nothing listens on the port.</summary>
        ConnectionRefused,
        /// <summary>The server did not answer in time.</summary>
        Timeout,
        /// <summary>The TLS handshake failed (version, or the server offers no TLS).</summary>
        Tls,
        /// <summary>The server's certificate was refused.</summary>
        Certificate,
        /// <summary>The user name or password was refused.</summary>
        Authentication,
        /// <summary>The folder does not exist.</summary>
        FolderNotFound,
        /// <summary>The connection broke, or the server answered something unexpected.</summary>
        Connection,
        /// <summary>The message is no longer in the mailbox, or the mailbox was recreated.</summary>
        MessageNotFound,
        /// <summary>The server cannot do what was asked (for example delete single messages without UIDPLUS).</summary>
        NotSupported,
    }
}
