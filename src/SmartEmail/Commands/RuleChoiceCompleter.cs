using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SmartEmail.Ini;

namespace SmartEmail.Commands
{
    /// <summary>Completes a New-SmartEmailRule value from the values IniSchema allows for its rule setting.</summary>
    public sealed class RuleChoiceCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = wordToComplete.Trim('\'', '"');
            return ChoicesOf(parameterName).Where(c => c.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(c => new CompletionResult(c, c, CompletionResultType.ParameterValue, c));
        }

        internal static IReadOnlyList<string> ChoicesOf(string parameter) =>
            IniSchema.RuleSettingOf(parameter)?.Choices ?? throw new InvalidOperationException($"IniSchema maps no rule setting to -{parameter}.");
    }
}
