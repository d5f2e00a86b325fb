using System;
using SmartEmail.Ini;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>An access token for a mail login.</summary>
    public sealed class OAuthToken
    {
        internal OAuthToken(string accessToken, string userName, bool fromCache, DateTimeOffset expiresOn, string? warning)
        {
            AccessToken = accessToken;
            UserName = userName;
            FromCache = fromCache;
            ExpiresOn = expiresOn;
            Warning = warning;
        }

        /// <summary>The bearer token; never logged.</summary>
        internal string AccessToken { get; }
        /// <summary>The mailbox to log in to.</summary>
        public string UserName { get; }
        /// <summary>Whether it came from the cache (so a refused one is worth one fresh try).</summary>
        public bool FromCache { get; }
        /// <summary>When it expires.</summary>
        public DateTimeOffset ExpiresOn { get; }
        /// <summary>Something the job output should say (a sign-in near its end), or null.</summary>
        public string? Warning { get; }
    }
}
