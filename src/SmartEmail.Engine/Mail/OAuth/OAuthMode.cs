namespace SmartEmail.Mail.OAuth
{
    /// <summary>How SmartEmail gets its Office 365 tokens.</summary>
    public enum OAuthMode
    {
        /// <summary>Client credentials (a secret or a certificate): no sign-in ever, nothing to renew.</summary>
        AppOnly,
        /// <summary>A user signed in once (Request-SmartEmailToken); runs refresh silently from the encrypted cache.</summary>
        Delegated,
    }
}
