using System;
using System.IO;
using System.Net;

namespace SmartEmail.Mail
{
    /// <summary>Where a mailbox is and how to reach it.</summary>
    public sealed class MailboxSettings
    {
        /// <summary>IMAP, POP or Folder.</summary>
        public MailProtocol Protocol { get; set; } = MailProtocol.IMAP;
        /// <summary>The host name (it must match the certificate), or the folder for Folder.</summary>
        public string Server { get; set; } = string.Empty;
        /// <summary>The port; required for IMAP and POP3 (the reference has no default).</summary>
        public int? Port { get; set; }
        /// <summary>The lowest TLS version accepted, or null for the platform's default.</summary>
        public SecurityProtocol? SecurityProtocol { get; set; }
        /// <summary>How TLS is used.</summary>
        public TlsMode TlsMode { get; set; } = TlsMode.Auto;
        /// <summary>Accept a self-signed or otherwise untrusted certificate (never one issued for another host).</summary>
        public bool AcceptUntrustedCertificate { get; set; }
        /// <summary>Accept exactly the certificate with this SHA-1 or SHA-256 thumbprint (hex), trusted or not.</summary>
        public string? CertificateThumbprint { get; set; }
        /// <summary>The mailbox user and password.</summary>
        public NetworkCredential? Credential { get; set; }
        /// <summary>Where OAuth2 (XOAUTH2) tokens come from instead of a password, or null.</summary>
        public OAuth.IOAuthTokenSource? TokenSource { get; set; }
        /// <summary>The IMAP folder.</summary>
        public string Folder { get; set; } = Ini.IniSchema.Get("Mail", "Folder").DefaultText;
        /// <summary>How long one network operation may take.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>How often a dropped connection is re-established while reading, before the read fails.</summary>
        public int Retries { get; set; } = 3;
        /// <summary>How many messages one IMAP FETCH command asks for.</summary>
        public int BatchSize { get; set; } = 1000;
        /// <summary>The most of one message's header block that is read ([General] MaxHeaderBytes).</summary>
        public int MaxHeaderBytes { get; set; } = MimeOptions.DefaultMaxHeaderBytes;
        /// <summary>Where to write the protocol conversation (passwords redacted), or null.</summary>
        public Stream? ProtocolLog { get; set; }

        /// <summary>The mailbox an INI's [Mail] section describes.</summary>
        /// <param name="configuration">The configuration.</param>
        /// <param name="credential">The credential to use instead of the INI's, or null.</param>
        /// <param name="overrides">Settings that win over the INI's, or null.</param>
        /// <exception cref="MailboxException">The INI does not say enough to connect.</exception>
        public static MailboxSettings From(Configuration configuration, NetworkCredential? credential = null, MailboxOverrides? overrides = null)
        {
            var mail = configuration.Mail;
            var protocol = overrides?.Protocol ?? mail.Protocol ?? throw new MailboxException(MailboxErrorKind.Configuration,
                $"{configuration.Path} does not set [Mail] EmailProtocol: set EmailProtocol=IMAP, POP, MSAL or Folder.") { Setting = "[Mail] EmailProtocol" };
            if (protocol == MailProtocol.MSAL)
                return FromMsal(configuration, overrides);
            var server = overrides?.Server ?? mail.Server;
            if (string.IsNullOrEmpty(server))
                throw new MailboxException(MailboxErrorKind.Configuration, $"{configuration.Path} does not set [Mail] Server: set it to the mail server's name.") { Setting = "[Mail] Server" };
            return new MailboxSettings
            {
                Protocol = protocol,
                Server = server!,
                Port = overrides?.Port ?? mail.Port,
                SecurityProtocol = overrides?.SecurityProtocol ?? mail.SecurityProtocol,
                TlsMode = mail.TlsMode,
                AcceptUntrustedCertificate = mail.SelfSignedCertificate,
                CertificateThumbprint = mail.CertificateThumbprint,
                Credential = credential ?? (protocol == MailProtocol.Folder ? null : CredentialFrom(configuration)),
                Folder = mail.Folder,
                MaxHeaderBytes = configuration.General.MaxHeaderBytes,
            };
        }

        private static MailboxSettings FromMsal(Configuration configuration, MailboxOverrides? overrides)
        {
            var msal = OAuth.MsalSettings.From(configuration);
            var mail = configuration.Mail;
            var settings = new MailboxSettings
            {
                Protocol = msal.MailProtocol,
                Server = overrides?.Server ?? msal.Server,
                Port = overrides?.Port ?? mail.Port ?? (msal.MailProtocol == MailProtocol.POP ? 995 : 993),
                SecurityProtocol = overrides?.SecurityProtocol ?? mail.SecurityProtocol ?? SmartEmail.SecurityProtocol.TLS1_2,
                TlsMode = mail.TlsMode,
                // Exchange Online has a publicly trusted certificate: an untrusted one is refused unless pinned.
                AcceptUntrustedCertificate = false,
                CertificateThumbprint = mail.CertificateThumbprint,
                Folder = mail.Folder,
                MaxHeaderBytes = configuration.General.MaxHeaderBytes,
            };
            settings.TokenSource = new OAuth.MsalTokenProvider(msal, settings.Timeout);
            return settings;
        }

        private static NetworkCredential? CredentialFrom(Configuration configuration)
        {
            var mail = configuration.Mail;
            if (mail.Protocol == MailProtocol.Folder)
                return null;
            if (!mail.UserState.IsSet || !mail.Password.IsSet)
                throw new MailboxException(MailboxErrorKind.Configuration, $"{configuration.Path} has no [Mail] User and Password: set them.") { Setting = "[Mail] User" };
            try
            {
                return new NetworkCredential(Secrets.Unprotect(mail.UserState.Raw!), Secrets.Unprotect(mail.Password.Raw!));
            }
            catch (SmartEmailException e)
            {
                throw new MailboxException(MailboxErrorKind.Configuration, $"The [Mail] credentials in {configuration.Path} cannot be used: {e.Message}", e);
            }
        }
    }
}
