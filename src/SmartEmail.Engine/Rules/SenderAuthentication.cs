using System;
using System.Linq;
using MimeKit;
using MimeKit.Cryptography;

namespace SmartEmail.Rules
{
    /// <summary>
    /// RequireAuthenticatedSender: the From address counts only when the topmost Authentication-Results header written by
    /// the trusted server (its authserv-id) says DMARC passed, or DKIM passed for a domain aligned with the From domain.
    /// Headers with other authserv-ids, or the trusted id's headers below the topmost one, are ignored: anyone can
    /// write them into a message before it reaches the trusted server (RFC 8601, section 5).
    /// </summary>
    internal static class SenderAuthentication
    {
        /// <summary>Whether the sender is authenticated, with the detail of why or why not.</summary>
        public static (bool Passed, string Detail) Check(MimeMessage message, string from, string trustedServId)
        {
            var header = message.Headers.Where(h => h.Id == HeaderId.AuthenticationResults)
                .Select(h => AuthenticationResults.TryParse(h.RawValue, out var parsed) ? parsed : null)
                .FirstOrDefault(r => r != null && string.Equals(r.AuthenticationServiceIdentifier, trustedServId, StringComparison.OrdinalIgnoreCase));
            if (header == null)
                return (false, $"no Authentication-Results header from the trusted server '{trustedServId}'");
            var fromDomain = from.Contains("@") ? from.Substring(from.LastIndexOf('@') + 1) : string.Empty;
            var dmarc = header.Results.FirstOrDefault(r => string.Equals(r.Method, "dmarc", StringComparison.OrdinalIgnoreCase));
            if (dmarc != null && string.Equals(dmarc.Result, "pass", StringComparison.OrdinalIgnoreCase))
            {
                var dmarcFrom = dmarc.Properties.FirstOrDefault(p => string.Equals(p.PropertyType, "header", StringComparison.OrdinalIgnoreCase) && string.Equals(p.Property, "from", StringComparison.OrdinalIgnoreCase))?.Value;
                if (dmarcFrom == null || string.Equals(dmarcFrom, fromDomain, StringComparison.OrdinalIgnoreCase))
                    return (true, $"'{trustedServId}' reports dmarc=pass for {fromDomain}");
            }
            foreach (var dkim in header.Results.Where(r => string.Equals(r.Method, "dkim", StringComparison.OrdinalIgnoreCase) && string.Equals(r.Result, "pass", StringComparison.OrdinalIgnoreCase)))
            {
                var d = dkim.Properties.FirstOrDefault(p => string.Equals(p.PropertyType, "header", StringComparison.OrdinalIgnoreCase) && string.Equals(p.Property, "d", StringComparison.OrdinalIgnoreCase))?.Value;
                if (d != null && Aligned(fromDomain, d))
                    return (true, $"'{trustedServId}' reports dkim=pass for {d}, aligned with {fromDomain}");
            }
            var reported = string.Join(", ", header.Results.Select(r => $"{r.Method}={r.Result}"));
            return (false, $"'{trustedServId}' reports {(reported.Length == 0 ? "nothing" : reported)}: neither dmarc=pass nor a dkim=pass aligned with {fromDomain}");
        }

        /// <summary>Relaxed alignment: the From domain is the signing domain or one of its subdomains.</summary>
        private static bool Aligned(string fromDomain, string signingDomain) =>
            fromDomain.Length != 0 && (string.Equals(fromDomain, signingDomain, StringComparison.OrdinalIgnoreCase)
                || fromDomain.EndsWith("." + signingDomain, StringComparison.OrdinalIgnoreCase));
    }
}
