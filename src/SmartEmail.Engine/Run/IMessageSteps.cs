using System.Threading;

namespace SmartEmail.Run
{
    /// <summary>
    /// What a run does with a message besides getting its events delivered exactly once: decide (the rules), and what
    /// follows once the events are written (download, audit, notice) or when the message fails. <see cref="MessageProcessor"/>
    /// calls these; they keep their own failures in the report (a log that cannot be written fails no message).
    /// </summary>
    internal interface IMessageSteps
    {
        /// <summary>Evaluates the rules.</summary>
        /// <exception cref="MessageReadException">A rule needs the body and the message cannot be read.</exception>
        MessageDecision Decide(Message message, CancellationToken cancellationToken);

        /// <summary>The message's events are written: download, audit, notify.</summary>
        void Completed(Message message, MessageDecision decision, CancellationToken cancellationToken);

        /// <summary>The message failed this run (it is tried again): audit it.</summary>
        void Failed(Message message, string error);

        /// <summary>The message failed MaxAttempts times and is set aside for good: audit it, once.</summary>
        void SetAside(Message message, string reason);
    }
}
