namespace SmartEmail.Rules
{
    /// <summary>One problem of a rule, as <see cref="RuleValidator"/> finds it.</summary>
    internal sealed class RuleProblem
    {
        public RuleProblem(FindingSeverity severity, string setting, string at, string message, bool inherited = false)
        {
            Severity = severity;
            Setting = setting;
            At = at;
            Message = message;
            Inherited = inherited;
        }

        /// <summary>Error (the rule cannot be used) or Warning (it works, probably not as meant).</summary>
        public FindingSeverity Severity { get; }

        /// <summary>The setting at fault, as the INI spells it (the finding's key).</summary>
        public string Setting { get; }

        /// <summary>The setting whose line shows the problem, or empty for the section header (a setting is missing).</summary>
        public string At { get; }

        /// <summary>What is wrong and what to do about it.</summary>
        public string Message { get; }

        /// <summary>Whether the value at fault is not the rule's own but the one it takes from [General].</summary>
        public bool Inherited { get; }
    }
}
