using System;
using System.Collections.Generic;
using System.Threading;

namespace SmartEmail.Run
{
    /// <summary>
    /// Where a run's events go. A two-phase sink (MSGIN) prepares each event where OpCon does not look yet and commits it
    /// in one step, so a run killed between the two can finish the delivery later without sending anything twice; a
    /// one-phase sink (the REST API) submits at once.
    /// </summary>
    internal interface IEventSink : IDisposable
    {
        /// <summary>Whether <see cref="Prepare"/> and <see cref="Commit"/> are used instead of <see cref="Submit"/>.</summary>
        bool TwoPhase { get; }

        /// <summary>Two-phase: writes the event where OpCon does not see it yet; returns the handle to commit (a file path).</summary>
        /// <exception cref="EventSubmitException">The event is invalid or cannot be written.</exception>
        string Prepare(string @event);

        /// <summary>Two-phase: delivers a prepared event; a handle delivered before is not delivered again.</summary>
        /// <exception cref="EventSubmitException">The delivery failed.</exception>
        SubmittedEvent Commit(string handle, string @event, string rule, string messageId);

        /// <summary>Two-phase: drops a prepared event that no state records.</summary>
        void Discard(string handle);

        /// <summary>Two-phase: removes prepared events older than <paramref name="before"/> that no state records.</summary>
        void RemoveOrphans(ISet<string> recorded, DateTime before);

        /// <summary>One-phase: submits the event.</summary>
        /// <exception cref="EventSubmitException">The event is invalid, or it was not accepted.</exception>
        SubmittedEvent Submit(string @event, string rule, string messageId, CancellationToken cancellationToken);
    }
}
