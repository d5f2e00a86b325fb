using System;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>What SmartEmail remembers about a signed-in account beside MSAL's own cache.</summary>
    public sealed class AccountRecord
    {
        /// <summary>The account's user name.</summary>
        public string Username { get; set; } = string.Empty;
        /// <summary>When the account signed in interactively.</summary>
        public DateTimeOffset SignedIn { get; set; }
        /// <summary>When a token was last obtained from the identity provider with the refresh token.</summary>
        public DateTimeOffset Refreshed { get; set; }
        /// <summary>When the identity provider said the refresh token ends, or null when it did not say.</summary>
        public DateTimeOffset? RefreshTokenExpires { get; set; }
    }
}
