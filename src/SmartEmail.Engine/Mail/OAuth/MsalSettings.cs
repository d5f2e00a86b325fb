using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartEmail.Ini;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>The [Mail] settings of EmailProtocol=MSAL, checked and resolved.</summary>
    public sealed class MsalSettings
    {
        /// <summary>The default sign-in service (the Microsoft global cloud): [Mail] Authority's default in IniSchema.</summary>
        public static string DefaultAuthority => IniSchema.Get("Mail", "Authority").DefaultText;

        /// <summary>The default mail host of Exchange Online.</summary>
        public const string DefaultServer = "outlook.office365.com";

        private MsalSettings()
        {
        }

        /// <summary>The INI the settings come from.</summary>
        public string IniPath { get; private set; } = string.Empty;
        /// <summary>App-only or delegated.</summary>
        public OAuthMode Mode { get; private set; }
        /// <summary>The application (client) id.</summary>
        public string ClientId { get; private set; } = string.Empty;
        /// <summary>The tenant as configured (id, domain, or organizations).</summary>
        public string Tenant { get; private set; } = string.Empty;
        /// <summary>The full authority URL, tenant included.</summary>
        public string Authority { get; private set; } = string.Empty;
        /// <summary>The mailbox, or empty for delegated mode with no User (the only signed-in account is used).</summary>
        public string User { get; private set; } = string.Empty;
        /// <summary>The mail host.</summary>
        public string Server { get; private set; } = DefaultServer;
        /// <summary>IMAP or POP.</summary>
        public MailProtocol MailProtocol { get; private set; } = MailProtocol.IMAP;
        /// <summary>The scopes asked for.</summary>
        public string[] Scopes { get; private set; } = Array.Empty<string>();

        /// <summary>
        /// The scopes of the token that signs notices in to SMTP (XOAUTH2): the app's .default (which carries
        /// SMTP.SendAsApp) for app-only, SMTP.Send of the same resource for a signed-in user.
        /// </summary>
        public string[] SmtpScopes { get; private set; } = Array.Empty<string>();

        /// <summary>Whether notices sign in to [Mail] SmtpServer with this configuration's tokens.</summary>
        public bool NoticesUseToken { get; private set; }

        /// <summary>What a sign-in asks consent for: the mailbox's scopes, and SMTP.Send when notices use the sign-in too.</summary>
        public string[] SignInScopes => NoticesUseToken && Mode == OAuthMode.Delegated ? Scopes.Concat(SmtpScopes).Distinct(StringComparer.OrdinalIgnoreCase).ToArray() : Scopes;
        /// <summary>The encrypted token cache file.</summary>
        public string CachePath { get; private set; } = string.Empty;
        /// <summary>The plain client secret (app-only), or null.</summary>
        internal string? ClientSecret { get; private set; }
        /// <summary>Where the client certificate comes from, for messages, or null.</summary>
        public string? CertificateSource { get; private set; }
        private string? CertificatePath { get; set; }
        private string? CertificatePassword { get; set; }
        private string? CertificateThumbprint { get; set; }

        /// <summary>How a token for this configuration is obtained, for messages.</summary>
        public string Method => Mode == OAuthMode.Delegated ? "a signed-in user" : ClientSecret != null ? "a client secret" : "a certificate";

        /// <summary>The command that signs in again, for messages.</summary>
        public string SignInCommand => $"Request-SmartEmailToken -Path '{IniPath}' (or: smartemail.ps1 --msal --renewMsalToken -inifile:\"{IniPath}\")";

        /// <summary>The per-user default token cache file.</summary>
        public static string DefaultCachePath
        {
            get
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "SmartEmail", "msal-token-cache.dat");
                return Path.Combine(Path.GetDirectoryName(Secrets.KeyFile)!, "msal-token-cache.dat");
            }
        }

        /// <summary>Reads and checks the MSAL settings of a configuration.</summary>
        /// <exception cref="MailboxException">A setting is missing or wrong; the message names it.</exception>
        public static MsalSettings From(Configuration configuration)
        {
            var mail = configuration.Mail;
            var path = configuration.Path;
            MailboxException Bad(string text) => new MailboxException(MailboxErrorKind.Configuration, $"{path}: {text}");
            var settings = new MsalSettings { IniPath = path };
            settings.ClientId = mail.ClientId ?? throw Bad("EmailProtocol=MSAL needs [Mail] ClientId: the Application (client) ID of your Entra app registration (see about_SmartEmail_Office365).");
            settings.ClientSecret = mail.ClientSecret.IsSet ? Unprotect(mail.ClientSecret, path, "ClientSecret") : null;
            settings.CertificatePath = mail.CertificatePath;
            settings.CertificatePassword = mail.CertificatePassword.IsSet ? Unprotect(mail.CertificatePassword, path, "CertificatePassword") : null;
            settings.CertificateThumbprint = mail.ClientCertificateThumbprint == null ? null : new string(mail.ClientCertificateThumbprint.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();
            var ways = new[] { settings.ClientSecret != null, settings.CertificatePath != null, settings.CertificateThumbprint != null }.Count(x => x);
            if (ways > 1)
                throw Bad("set only one of [Mail] ClientSecret, CertificatePath and ClientCertificateThumbprint.");
            settings.Mode = ways == 1 ? OAuthMode.AppOnly : OAuthMode.Delegated;
            settings.CertificateSource = settings.CertificatePath ?? (settings.CertificateThumbprint == null ? null : $"the certificate store (thumbprint {settings.CertificateThumbprint})");
            settings.User = mail.User;
            if (settings.Mode == OAuthMode.AppOnly && settings.User.Length == 0)
                throw Bad("app-only MSAL needs [Mail] User: the address of the mailbox to read.");
            var tenant = mail.Tenant;
            if (tenant == null && settings.Mode == OAuthMode.AppOnly)
                throw Bad("app-only MSAL needs [Mail] Tenant: your tenant ID (a GUID) or primary domain (contoso.onmicrosoft.com).");
            settings.Tenant = tenant ?? "organizations";
            var authorityText = mail.Authority ?? DefaultAuthority;
            if (!Uri.TryCreate(authorityText, UriKind.Absolute, out var authority) || authority.Scheme != Uri.UriSchemeHttps)
                throw Bad($"[Mail] Authority '{authorityText}' is not an https URL.");
            var tenantInAuthority = authority.AbsolutePath.Trim('/');
            settings.Authority = tenantInAuthority.Length != 0
                ? authority.GetLeftPart(UriPartial.Path).TrimEnd('/')
                : authority.GetLeftPart(UriPartial.Authority) + "/" + Uri.EscapeDataString(settings.Tenant);
            if (tenantInAuthority.Length != 0 && tenant == null)
                settings.Tenant = tenantInAuthority;
            settings.Server = string.IsNullOrEmpty(mail.Server) ? DefaultServer : mail.Server!;
            settings.MailProtocol = mail.MsalMailProtocol == MailProtocol.POP ? MailProtocol.POP : MailProtocol.IMAP;
            if (mail.Scopes != null)
                settings.Scopes = mail.Scopes.Split(new[] { ' ', ';', ',' }, StringSplitOptions.RemoveEmptyEntries);
            else if (settings.Mode == OAuthMode.AppOnly)
                settings.Scopes = new[] { $"https://{settings.Server}/.default" };
            else
                settings.Scopes = new[] { $"https://{settings.Server}/{(settings.MailProtocol == MailProtocol.POP ? "POP" : "IMAP")}.AccessAsUser.All" };
            settings.SmtpScopes = settings.Mode == OAuthMode.AppOnly ? new[] { $"https://{settings.Server}/.default" } : new[] { $"https://{settings.Server}/SMTP.Send" };
            settings.NoticesUseToken = !string.IsNullOrEmpty(mail.SmtpServer) && mail.SmtpAuthentication == SmtpAuthentication.Mailbox;
            settings.CachePath = mail.TokenCachePath ?? DefaultCachePath;
            return settings;
        }

        /// <summary>Whether the authority is one of Microsoft's clouds (MSAL knows their metadata without asking).</summary>
        internal bool IsMicrosoftCloud
        {
            get
            {
                var host = new Uri(Authority).Host.ToLowerInvariant();
                return host == "login.microsoftonline.com" || host == "login.microsoftonline.us" || host == "login.microsoft.com"
                    || host == "login.windows.net" || host == "login.partner.microsoftonline.cn" || host == "login.chinacloudapi.cn"
                    || host == "login.microsoftonline.de" || host == "login.usgovcloudapi.net" || host == "sts.windows.net";
            }
        }

        /// <summary>The client certificate with its private key.</summary>
        /// <exception cref="MailboxException">It cannot be loaded or has no private key.</exception>
        internal X509Certificate2 LoadCertificate()
        {
            X509Certificate2 certificate;
            if (CertificatePath != null)
            {
                if (!File.Exists(CertificatePath))
                    throw new MailboxException(MailboxErrorKind.Configuration, $"{IniPath}: the [Mail] CertificatePath file '{CertificatePath}' does not exist.");
                try
                {
                    var extension = Path.GetExtension(CertificatePath).ToLowerInvariant();
                    certificate = extension == ".pfx" || extension == ".p12" ? new X509Certificate2(CertificatePath, CertificatePassword) : FromPem(CertificatePath);
                }
                catch (CryptographicException e)
                {
                    throw new MailboxException(MailboxErrorKind.Configuration,
                        $"{IniPath}: the certificate '{CertificatePath}' cannot be read ({e.Message.Trim()}): give a .pfx/.p12 file (with CertificatePassword if it has one) or a .pem file holding the certificate and its private key.", e);
                }
            }
            else
            {
                certificate = FromStore(CertificateThumbprint!)
                    ?? throw new MailboxException(MailboxErrorKind.Configuration,
                        $"{IniPath}: no certificate with thumbprint {CertificateThumbprint} is in the CurrentUser or LocalMachine 'My' store of this account.");
            }
            if (!certificate.HasPrivateKey)
                throw new MailboxException(MailboxErrorKind.Configuration, $"{IniPath}: the certificate from {CertificateSource} has no private key; SmartEmail signs with it, so it needs one.");
            return certificate;
        }

        private static X509Certificate2 FromPem(string path)
        {
            // X509Certificate2.CreateFromPemFile exists from .NET 5 (PowerShell 7); this assembly targets netstandard2.0.
            var method = typeof(X509Certificate2).GetMethod("CreateFromPemFile", new[] { typeof(string), typeof(string) });
            if (method == null)
                throw new CryptographicException("PEM certificate files need PowerShell 7; on Windows PowerShell 5.1 use a .pfx file");
            try
            {
                var certificate = (X509Certificate2)method.Invoke(null, new object?[] { path, null })!;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    // Windows cannot sign with an ephemeral PEM key through every API; a PKCS#12 round trip gives it a usable one.
                    using (certificate)
                        return new X509Certificate2(certificate.Export(X509ContentType.Pkcs12));
                }
                return certificate;
            }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is CryptographicException || e.InnerException is ArgumentException)
            {
                throw new CryptographicException(e.InnerException.Message, e.InnerException);
            }
        }

        private static X509Certificate2? FromStore(string thumbprint)
        {
            foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                try
                {
                    using (var store = new X509Store(StoreName.My, location))
                    {
                        store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                        var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false);
                        if (found.Count != 0)
                            return found[0];
                    }
                }
                catch (CryptographicException)
                {
                    // The store does not exist for this account.
                }
            }
            return null;
        }

        private static string Unprotect(SecretState state, string path, string key)
        {
            try
            {
                return Secrets.Unprotect(state.Raw!);
            }
            catch (SmartEmailException e)
            {
                throw new MailboxException(MailboxErrorKind.Configuration, $"{path}: [Mail] {key} cannot be used: {e.Message}", e);
            }
        }
    }
}
