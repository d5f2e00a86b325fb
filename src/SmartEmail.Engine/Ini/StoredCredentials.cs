using System.Net;

namespace SmartEmail.Ini
{
    /// <summary>The secrets Set-SmartEmailCredential writes; whatever is null is left as it is in the INI.</summary>
    public sealed class StoredCredentials
    {
        /// <summary>[Mail] User and Password.</summary>
        public NetworkCredential? Mail { get; set; }
        /// <summary>[General] OpConUser and OpConUserPassword.</summary>
        public NetworkCredential? OpCon { get; set; }
        /// <summary>[OpCon] ApiUser (in clear) and ApiPassword.</summary>
        public NetworkCredential? Api { get; set; }
        /// <summary>[OpCon] ApiToken.</summary>
        public string? ApiToken { get; set; }
        /// <summary>[Mail] ClientSecret (EmailProtocol=MSAL, app-only).</summary>
        public string? ClientSecret { get; set; }
        /// <summary>[Mail] CertificatePassword (the CertificatePath .pfx).</summary>
        public string? CertificatePassword { get; set; }
    }
}
