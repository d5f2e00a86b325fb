using SmartEmail.Ini;

namespace SmartEmail
{
    /// <summary>The [OpCon] section: the REST API transport.</summary>
    public sealed class OpConSettings
    {
        /// <summary>MsgIn or Api.</summary>
        public EventTransport Transport { get; internal set; } = IniSchema.Get("OpCon", "Transport").DefaultChoice<EventTransport>();
        /// <summary>The API base URL, or null.</summary>
        public string? ApiUrl { get; internal set; }
        /// <summary>Whether and how the API token is stored.</summary>
        public SecretState ApiToken { get; internal set; } = new SecretState(null);
        /// <summary>The API user, or null.</summary>
        public string? ApiUser { get; internal set; }
        /// <summary>Whether and how the API password is stored.</summary>
        public SecretState ApiPassword { get; internal set; } = new SecretState(null);
        /// <summary>Whether a self-signed API certificate is accepted.</summary>
        public bool SelfSignedCertificate { get; internal set; } = IniSchema.Get("OpCon", "SelfSignedCertificate").DefaultBool;
    }
}
