using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace SmartEmail.Rules
{
    /// <summary>
    /// What <see cref="RuleValidator"/> found about one rule: its problems, and the masks it compiled on the way (with
    /// the run's regex timeout), so the engine compiles nothing twice.
    /// </summary>
    internal sealed class RuleValidation
    {
        /// <summary>The problems, in the order of the rule's settings.</summary>
        public List<RuleProblem> Problems { get; } = new List<RuleProblem>();

        /// <summary>SubjectLineMask when it is a regular expression that compiles, else null.</summary>
        public Regex? Subject { get; set; }

        /// <summary>QualifyingSubjectLine when it is set and compiles, else null.</summary>
        public Regex? Qualifier { get; set; }

        /// <summary>AttachmentMask when it is set and compiles, else null.</summary>
        public Regex? Attachment { get; set; }

        /// <summary>The named groups of the subject and attachment masks, which events may use as [[name]].</summary>
        public IEnumerable<string> NamedGroups =>
            new[] { Subject, Attachment }.Where(r => r != null).SelectMany(r => r!.GetGroupNames()).Where(n => !n.All(char.IsDigit));
    }
}
