using System;
using System.Threading;
using SmartEmail.Formatting;

namespace SmartEmail.Run
{
    /// <summary>Sends a run's accept and reject notices (<see cref="Notifier"/> over SMTP).</summary>
    internal interface INoticeSender : IDisposable
    {
        /// <summary>Sends the notice for one message, unless a loop guard or a setting says no; returns whether it was (or would be) sent.</summary>
        /// <param name="message">The message the notice is about.</param>
        /// <param name="accepted">Whether it was accepted (the accept notice) or rejected (the reject notice).</param>
        /// <param name="format">Resolves the tokens of a notice setting for its destination (a header or the body).</param>
        /// <param name="whatIf">Count it as sent, but send nothing.</param>
        /// <param name="cancellationToken">Cancels connecting and sending.</param>
        /// <exception cref="SmartEmailException">The server refused it or cannot be reached.</exception>
        bool Notify(Message message, bool accepted, Func<string, ValueDestination, string> format, bool whatIf, CancellationToken cancellationToken);
    }
}
