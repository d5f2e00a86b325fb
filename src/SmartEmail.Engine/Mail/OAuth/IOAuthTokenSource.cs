using System.Threading;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>Where a mail connection gets its OAuth2 tokens.</summary>
    public interface IOAuthTokenSource
    {
        /// <summary>A token for the mailbox, from the cache when it is still good unless <paramref name="forceRefresh"/>.</summary>
        /// <exception cref="MailboxException">No token can be had; the message says what to do.</exception>
        OAuthToken GetToken(bool forceRefresh, CancellationToken cancellationToken);

        /// <summary>The message for a mail server that refused a token.</summary>
        string Refused(string where, string userName);

        /// <summary>The mailbox the tokens are for as configured (the INI's [Mail] User), or empty when only the token tells.</summary>
        string UserName { get; }

        /// <summary>Where notices get their SMTP tokens: the same sign-in asking for SMTP, or null when this source has none.</summary>
        IOAuthTokenSource? ForSmtp();
    }
}
