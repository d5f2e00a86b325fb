using System;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>The outcome of Request-SmartEmailToken; never holds a token.</summary>
    public sealed class TokenStatus
    {
        /// <summary>The INI.</summary>
        public string Path { get; internal set; } = string.Empty;
        /// <summary>AppOnly or Delegated.</summary>
        public OAuthMode Mode { get; internal set; }
        /// <summary>ClientSecret, Certificate, DeviceCode, Browser or Refresh.</summary>
        public SignInMethod Method { get; internal set; }
        /// <summary>The signed-in account (delegated) or the mailbox (app-only).</summary>
        public string Account { get; internal set; } = string.Empty;
        /// <summary>The tenant id the token was issued in.</summary>
        public string TenantId { get; internal set; } = string.Empty;
        /// <summary>The application (client) id.</summary>
        public string ClientId { get; internal set; } = string.Empty;
        /// <summary>The authority, tenant included.</summary>
        public string Authority { get; internal set; } = string.Empty;
        /// <summary>The scopes granted.</summary>
        public string[] Scopes { get; internal set; } = Array.Empty<string>();
        /// <summary>When the access token expires.</summary>
        public DateTimeOffset ExpiresOn { get; internal set; }
        /// <summary>When the stored sign-in ends unless it is used again (delegated, saved), or null.</summary>
        public DateTimeOffset? RefreshTokenExpiresOn { get; internal set; }
        /// <summary>Cache, IdentityProvider or Broker: where the access token came from.</summary>
        public TokenOrigin Source { get; internal set; }
        /// <summary>Whether the account and its tokens were stored.</summary>
        public bool Saved { get; internal set; }
        /// <summary>The encrypted token cache, or null when nothing was stored.</summary>
        public string? CachePath { get; internal set; }
        /// <summary>Whether [Mail] User or Tenant was written into the INI.</summary>
        public bool IniUpdated { get; internal set; }
    }
}
