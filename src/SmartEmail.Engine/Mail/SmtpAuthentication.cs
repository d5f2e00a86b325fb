namespace SmartEmail.Mail
{
    /// <summary>How accept and reject notices sign in to [Mail] SmtpServer.</summary>
    public enum SmtpAuthentication
    {
        /// <summary>
        /// As the mailbox does: its user name and password, or for EmailProtocol=MSAL an OAuth2 token (XOAUTH2, the
        /// SMTP.Send scope or the SMTP.SendAsApp permission). A server that offers no sign-in at all is used as a relay.
        /// </summary>
        Mailbox,
        /// <summary>Never sign in: the server is a relay that takes mail from this host.</summary>
        None,
    }
}
