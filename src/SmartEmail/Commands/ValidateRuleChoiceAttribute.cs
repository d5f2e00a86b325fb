using System;
using System.Linq;
using System.Management.Automation;

namespace SmartEmail.Commands
{
    /// <summary>
    /// Checks a New-SmartEmailRule value against the values IniSchema allows for the rule setting its parameter sets
    /// (any letter case, as in the INI), so the parameter and the INI key accept the same set, declared once.
    /// </summary>
    /// <remarks>
    /// The parameter stays a string: an engine enum (a value type) as a cmdlet property would make PowerShell load the
    /// engine while it lists the module's types, before the module initializer can resolve it from Dependencies/.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateRuleChoiceAttribute : ValidateArgumentsAttribute
    {
        /// <inheritdoc/>
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (!(arguments is string text))
                return;
            var choices = RuleChoiceCompleter.ChoicesOf(ParameterName);
            if (!choices.Any(c => string.Equals(c, text.Trim(), StringComparison.OrdinalIgnoreCase)))
                throw new ValidationMetadataException($"'{text}' is not one of: {string.Join(", ", choices)}.");
        }

        /// <summary>The parameter (the rule setting is the one IniSchema maps it to).</summary>
        public string ParameterName { get; set; } = string.Empty;
    }
}
