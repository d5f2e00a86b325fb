namespace SmartEmail.Mail.OAuth
{
    /// <summary>Where an access token came from.</summary>
    public enum TokenOrigin
    {
        /// <summary>The Entra sign-in service issued it just now.</summary>
        IdentityProvider,
        /// <summary>The encrypted token cache held it.</summary>
        Cache,
        /// <summary>An authentication broker of the platform issued it.</summary>
        Broker,
    }
}
