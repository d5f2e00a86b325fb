using System;

namespace SmartEmail.Rules
{
    /// <summary>A rule built in memory has an invalid setting; the message names the rule and the setting.</summary>
    public sealed class RuleSettingException : ArgumentException
    {
        internal RuleSettingException(string rule, string setting, string message)
            : base($"{rule}: {message}")
        {
            Rule = rule;
            Setting = setting;
            Reason = message;
        }

        /// <summary>The rule's name.</summary>
        public string Rule { get; }

        /// <summary>The setting at fault, as the INI spells it (New-SmartEmailRule maps it to its parameter).</summary>
        public string Setting { get; }

        /// <summary>What is wrong with the setting, without the rule's name.</summary>
        public string Reason { get; }
    }
}
