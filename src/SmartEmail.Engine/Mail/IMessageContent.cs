using System.Threading;
using MimeKit;

namespace SmartEmail.Mail
{
    /// <summary>Loads the full message from where it lives, on demand.</summary>
    internal interface IMessageContent
    {
        /// <summary>Parses and returns the whole message.</summary>
        /// <exception cref="MessageReadException">The message can no longer be read.</exception>
        MimeMessage Load(CancellationToken cancellationToken);
    }
}
