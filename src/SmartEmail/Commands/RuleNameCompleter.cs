using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SmartEmail.Ini;

namespace SmartEmail.Commands
{
    /// <summary>Completes rule names from the INI in the command's -Path (or the default INI).</summary>
    public sealed class RuleNameCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var path = fakeBoundParameters["Path"] as string ?? ConfigurationReader.DefaultPath();
            Rule[] rules;
            try
            {
                rules = ConfigurationReader.Load(System.IO.Path.GetFullPath(path)).Rules;
            }
            catch (Exception)
            {
                return Enumerable.Empty<CompletionResult>(); // completion never throws
            }
            var prefix = wordToComplete.Trim('\'', '"');
            return rules.Where(r => r.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult(r.Name, r.Name, CompletionResultType.ParameterValue, $"{r.Name}: {r.SubjectLineMask}"));
        }
    }
}
