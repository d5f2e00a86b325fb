namespace SmartEmail
{
    /// <summary>How the mailbox is reached.</summary>
    public enum MailProtocol
    {
        /// <summary>IMAP.</summary>
        IMAP,
        /// <summary>POP3.</summary>
        POP,
        /// <summary>Office 365 through MSAL (OAuth2).</summary>
        MSAL,
        /// <summary>A folder of .eml files.</summary>
        Folder,
    }
}
