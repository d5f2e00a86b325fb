using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using SmartEmail.Rules;

namespace SmartEmail.Ini
{
    public static partial class ConfigurationReader
    {
        /// <summary>
        /// The [Configuration#] sections: each is read into a <see cref="Rule"/> and checked by the same
        /// <see cref="RuleValidator"/> the rule engine and New-SmartEmailRule use; the reader adds the file and line.
        /// </summary>
        private sealed partial class Reader
        {
            private void ReadRules()
            {
                var rules = new List<Rule>();
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                var settings = RuleSettings.From(_config);
                foreach (var header in _doc.Sections)
                {
                    if (!(IniSchema.RuleNumber(header.Section) is int number) || !seen.Add(header.Section))
                        continue;
                    rules.Add(ReadRule(header, number, settings));
                }
                if (rules.Count == 0 && _doc.Sections.Any())
                    Add(FindingSeverity.Error, 0, "", "", "The file defines no rules: add a [Configuration1] section with a SubjectLineMask and an Event.");
                _config.Rules = rules.OrderBy(r => r.Number).ToArray();
            }

            private Rule ReadRule(IniLine header, int number, RuleSettings settings)
            {
                var s = header.Section;
                var rule = new Rule { Name = s, Number = number, Path = _path, Line = header.Number };
                var values = new Dictionary<IniLine, string>();
                foreach (var line in _doc.Entries(s))
                    values[line] = ExpandTokens(Expand(line, line.Value));

                string? RuleText(string key)
                {
                    var line = _doc.Find(s, key);
                    if (line == null)
                        return null;
                    var v = values[line];
                    return IsNotSet(v) ? null : v;
                }

                rule.UseWildCards = Bool(s, "UseWildCards");
                rule.SubjectLineMask = RuleText("SubjectLineMask") ?? string.Empty;
                rule.Events = _doc.Entries(s).Where(l => IniSchema.EventNumber(l.Key) != null && !IsNotSet(values[l]))
                    .GroupBy(l => IniSchema.EventNumber(l.Key)!.Value).OrderBy(g => g.Key).Select(g => values[g.First()]).ToArray();
                var senders = RuleText("AllowedSenders");
                if (senders == null)
                    Add(FindingSeverity.Warning, header.Number, s, "AllowedSenders", $"[{s}] has no AllowedSenders, so every sender is allowed; write AllowedSenders=ALL to say so, or list the senders.");
                rule.AllowedSenders = RuleValidator.SplitSenders(new[] { senders ?? IniSchema.Get(s, "AllowedSenders").DefaultText });
                rule.AllowedTimeFrame = RuleText("AllowedTimeFrame") ?? IniSchema.Get(s, "AllowedTimeFrame").DefaultText;
                rule.ProcessBody = Bool(s, "ProcessBody");
                rule.QualifyingSubjectLine = RuleText("QualifyingSubjectLine") ?? string.Empty;
                rule.AttachmentMask = RuleText("AttachmentMask") ?? string.Empty;
                rule.ProcessAttachments = Bool(s, "ProcessAttachments");
                rule.TimeZone = Text(s, "TimeZone");
                rule.RequireAuthenticatedSender = OptionalBool(s, "RequireAuthenticatedSender");
                rule.TrustedAuthServId = RuleText("TrustedAuthServId");
                rule.UnsafeValueAction = OptionalChoice<UnsafeValueAction>(s, "UnsafeValueAction");

                // A problem that comes from [General] (its TimeZone, its RequireAuthenticatedSender) was reported there.
                var validation = RuleValidator.Validate(rule, settings);
                foreach (var problem in validation.Problems.Where(p => !p.Inherited))
                    Add(problem.Severity, problem.At.Length == 0 ? header.Number : LineOf(s, problem.At), s, problem.Setting, problem.Message);
                var groups = validation.NamedGroups.ToList();
                foreach (var line in _doc.Entries(s))
                    CheckTokens(line, values[line], FindingSeverity.Error, groups);
                return rule;
            }

            private void CheckTokens(IniLine line, string value, FindingSeverity severity, IEnumerable<string> namedGroups)
            {
                foreach (Match match in RuleSyntax.TokenPattern.Matches(value))
                {
                    var name = match.Groups[1].Value;
                    if (RuleSyntax.IsBuiltIn(name) || RuleSyntax.IsCaptureToken(name) || _config.Tokens.ContainsKey(name)
                        || namedGroups.Any(g => string.Equals(g, name, StringComparison.Ordinal)))
                        continue;
                    Add(severity, line.Number, line.Section, line.Key,
                        $"[[{name}]] is neither a built-in token ({string.Join(", ", RuleSyntax.BuiltInTokens)}, [[1]], [[A1]], ...), a named group of the masks, nor defined in [Tokens].");
                }
            }
        }
    }
}
