using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SmartEmail.Events;

namespace SmartEmail.Run
{
    /// <summary>The run's events through the same <see cref="EventSubmitter"/> that Submit-SmartEmailEvent uses.</summary>
    internal sealed class SubmitterSink : IEventSink
    {
        private readonly EventSubmitter _submitter;

        public SubmitterSink(EventSubmitter submitter) => _submitter = submitter;

        public bool TwoPhase => _submitter.IsMsgIn;

        public string Prepare(string @event) => _submitter.Prepare(@event);

        public SubmittedEvent Commit(string handle, string @event, string rule, string messageId) => _submitter.Commit(handle, @event, rule, messageId);

        public void Discard(string handle) => File.Delete(handle);

        public void RemoveOrphans(ISet<string> recorded, DateTime before)
        {
            var work = _submitter.WorkDirectory;
            if (work == null || !Directory.Exists(work))
                return;
            foreach (var orphan in Directory.GetFiles(work, "*" + MsgInWriter.PreparedExtension).Where(f => !recorded.Contains(f) && File.GetLastWriteTimeUtc(f) < before))
                File.Delete(orphan);
        }

        public SubmittedEvent Submit(string @event, string rule, string messageId, CancellationToken cancellationToken) =>
            _submitter.Submit(@event, rule, messageId, cancellationToken);

        public void Dispose() => _submitter.Dispose();
    }
}
