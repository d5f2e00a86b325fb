using System;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmartEmail.Mail
{
    /// <summary>
    /// Decides whether a server certificate is accepted: a trusted certificate for the right host always is; a pinned
    /// thumbprint accepts exactly that certificate; AcceptUntrustedCertificate accepts an untrusted or self-signed one,
    /// but never one issued for another host. It remembers why it refused, so the error can say so.
    /// </summary>
    public sealed class CertificatePolicy
    {
        private readonly string _server;
        private readonly bool _acceptUntrusted;
        private readonly string? _thumbprint;

        /// <summary>Creates the policy for one server.</summary>
        public CertificatePolicy(string server, bool acceptUntrusted, string? thumbprint)
        {
            _server = server;
            _acceptUntrusted = acceptUntrusted;
            _thumbprint = thumbprint == null ? null : new string(thumbprint.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();
        }

        /// <summary>Why the last certificate was refused, or null.</summary>
        public string? Rejection { get; private set; }

        /// <summary>A warning to show when an untrusted certificate was accepted, or null.</summary>
        public string? Warning { get; private set; }

        /// <summary>The validation callback for SslStream and MailKit.</summary>
        public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            Rejection = null;
            if (certificate == null)
            {
                Rejection = $"{_server} presented no certificate.";
                return false;
            }
            var cert = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
            var describe = $"subject '{cert.Subject}', issuer '{cert.Issuer}', SHA-1 thumbprint {cert.Thumbprint}, SHA-256 thumbprint {Sha256(cert)}";
            if (_thumbprint != null)
            {
                if (string.Equals(_thumbprint, cert.Thumbprint, StringComparison.OrdinalIgnoreCase) || string.Equals(_thumbprint, Sha256(cert), StringComparison.OrdinalIgnoreCase))
                    return true;
                Rejection = $"The certificate of {_server} is not the pinned one (CertificateThumbprint {_thumbprint}): it has {describe}.";
                return false;
            }
            if (errors == SslPolicyErrors.None)
                return true;
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                Rejection = $"The certificate of {_server} was issued for another name ({describe}); set Server to the host name on the certificate.";
                return false;
            }
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                Rejection = $"{_server} presented no certificate.";
                return false;
            }
            if (_acceptUntrusted)
            {
                Warning = $"Accepting the untrusted (self-signed?) certificate of {_server} because SelfSignedCertificate is on: {describe}.";
                return true;
            }
            Rejection = $"The certificate of {_server} is not trusted by this machine ({describe}). Install its issuer as trusted, pin it with CertificateThumbprint, or set SelfSignedCertificate=True.";
            return false;
        }

        private static string Sha256(X509Certificate2 cert)
        {
            using (var sha = SHA256.Create())
                return BitConverter.ToString(sha.ComputeHash(cert.RawData)).Replace("-", string.Empty);
        }
    }
}
