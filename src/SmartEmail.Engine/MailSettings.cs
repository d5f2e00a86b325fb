using SmartEmail.Ini;

namespace SmartEmail
{
    /// <summary>The [Mail] section.</summary>
    public sealed class MailSettings
    {
        /// <summary>The mail server, or for Folder the folder (resolved), or null.</summary>
        public string? Server { get; internal set; }
        /// <summary>The port, or null.</summary>
        public int? Port { get; internal set; }
        /// <summary>The protocol, or null when the INI leaves it to the command line.</summary>
        public MailProtocol? Protocol { get; internal set; }
        /// <summary>The minimum TLS version, or null for the platform default.</summary>
        public SecurityProtocol? SecurityProtocol { get; internal set; }
        /// <summary>The mailbox user name (decrypted when this account can), or empty.</summary>
        public string User { get; internal set; } = string.Empty;
        /// <summary>Whether and how the user name is stored.</summary>
        public SecretState UserState { get; internal set; } = new SecretState(null);
        /// <summary>Whether and how the mailbox password is stored; never the password.</summary>
        public SecretState Password { get; internal set; } = new SecretState(null);
        /// <summary>Whether an untrusted certificate is accepted.</summary>
        public bool SelfSignedCertificate { get; internal set; } = IniSchema.Get("Mail", "SelfSignedCertificate").DefaultBool;
        /// <summary>The pinned certificate thumbprint, or null.</summary>
        public string? CertificateThumbprint { get; internal set; }
        /// <summary>The IMAP folder.</summary>
        public string Folder { get; internal set; } = IniSchema.Get("Mail", "Folder").DefaultText;
        /// <summary>How TLS is used: Auto, Implicit, StartTls or None.</summary>
        public Mail.TlsMode TlsMode { get; internal set; } = IniSchema.Get("Mail", "TlsMode").DefaultChoice<Mail.TlsMode>();
        /// <summary>The SMTP server for notices, or null.</summary>
        public string? SmtpServer { get; internal set; }
        /// <summary>The SMTP port (587 by default), or null when the INI holds an invalid one.</summary>
        public int? SmtpPort { get; internal set; } = IniSchema.Get("Mail", "SmtpPort").DefaultInt;
        /// <summary>The minimum TLS version for SMTP, or null.</summary>
        public SecurityProtocol? SmtpSecurityProtocol { get; internal set; }
        /// <summary>How notices sign in to the SMTP server.</summary>
        public Mail.SmtpAuthentication SmtpAuthentication { get; internal set; } = IniSchema.Get("Mail", "SmtpAuthentication").DefaultChoice<Mail.SmtpAuthentication>();
        /// <summary>The From address of notices, or null.</summary>
        public string? NotifyFrom { get; internal set; }
        /// <summary>MSAL tenant, or null.</summary>
        public string? Tenant { get; internal set; }
        /// <summary>MSAL client id, or null.</summary>
        public string? ClientId { get; internal set; }
        /// <summary>MSAL authority, or null.</summary>
        public string? Authority { get; internal set; }
        /// <summary>Whether and how the MSAL client secret is stored.</summary>
        public SecretState ClientSecret { get; internal set; } = new SecretState(null);
        /// <summary>MSAL certificate file, resolved, or null.</summary>
        public string? CertificatePath { get; internal set; }
        /// <summary>Whether and how the password of the MSAL certificate file is stored.</summary>
        public SecretState CertificatePassword { get; internal set; } = new SecretState(null);
        /// <summary>The thumbprint of the MSAL certificate in a certificate store, or null.</summary>
        public string? ClientCertificateThumbprint { get; internal set; }
        /// <summary>MSAL scopes (space-separated), or null for the derived ones.</summary>
        public string? Scopes { get; internal set; }
        /// <summary>MSAL token cache file, resolved, or null for the default.</summary>
        public string? TokenCachePath { get; internal set; }
        /// <summary>MSAL mail protocol (IMAP or POP).</summary>
        public MailProtocol MsalMailProtocol { get; internal set; } = IniSchema.Get("Mail", "MsalMailProtocol").DefaultChoice<MailProtocol>();
    }
}
