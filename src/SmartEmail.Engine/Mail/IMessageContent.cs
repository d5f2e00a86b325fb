using System.IO;
using System.Threading;
using MimeKit;

namespace SmartEmail.Mail
{
    /// <summary>Where a message lives, and how to read it again from there, on demand.</summary>
    internal interface IMessageContent
    {
        /// <summary>The mailbox the message belongs to, or null for a message file given by path.</summary>
        MailSource? Source { get; }

        /// <summary>Parses and returns the whole message.</summary>
        /// <exception cref="MessageReadException">The message can no longer be read.</exception>
        MimeMessage Load(CancellationToken cancellationToken);

        /// <summary>Writes the raw message to <paramref name="destination"/> without holding it whole in memory.</summary>
        /// <exception cref="MessageReadException">The message can no longer be read.</exception>
        void WriteTo(Stream destination, CancellationToken cancellationToken);
    }
}
