namespace SmartEmail.Mail.OAuth
{
    /// <summary>How Request-SmartEmailToken obtained the token it reports.</summary>
    public enum SignInMethod
    {
        /// <summary>App-only, with the client secret.</summary>
        ClientSecret,
        /// <summary>App-only, with a certificate.</summary>
        Certificate,
        /// <summary>A signed-in user, in the system browser.</summary>
        Browser,
        /// <summary>A signed-in user, with a device code.</summary>
        DeviceCode,
        /// <summary>The stored sign-in, renewed silently.</summary>
        Refresh,
    }
}
