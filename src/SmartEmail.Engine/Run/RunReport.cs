using System.Collections.Generic;

namespace SmartEmail.Run
{
    /// <summary>What a run counts and collects as it goes; becomes its <see cref="RunResult"/>.</summary>
    internal sealed class RunReport
    {
        private readonly List<string> _warnings = new List<string>();

        public int Scanned { get; set; }
        public int Accepted { get; set; }
        public int Rejected { get; set; }
        public int EventsSubmitted { get; set; }
        public int Downloaded { get; set; }
        public int Deleted { get; set; }
        public int Notified { get; set; }
        public List<string> Errors { get; } = new List<string>();
        public List<RuleResult> Results { get; } = new List<RuleResult>();
        public List<string> Events { get; } = new List<string>();
        public List<string> SetAside { get; } = new List<string>();

        /// <summary>A warning the result keeps once, however many messages give it.</summary>
        public void WarnOnce(string text)
        {
            if (!_warnings.Contains(text))
                _warnings.Add(text);
        }

        public void Fill(RunResult result)
        {
            result.Scanned = Scanned;
            result.Accepted = Accepted;
            result.Rejected = Rejected;
            result.EventsSubmitted = EventsSubmitted;
            result.Downloaded = Downloaded;
            result.Deleted = Deleted;
            result.Notified = Notified;
            result.Errors = Errors.ToArray();
            result.Warnings = _warnings.ToArray();
            result.Results = Results.ToArray();
            result.Events = Events.ToArray();
            result.SetAside = SetAside.Count;
            result.SetAsideMessages = SetAside.ToArray();
        }
    }
}
