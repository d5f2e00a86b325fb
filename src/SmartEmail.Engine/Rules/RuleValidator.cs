using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using SmartEmail.Ini;

namespace SmartEmail.Rules
{
    /// <summary>
    /// The one set of checks a rule must pass, whoever made it: the INI reader turns each problem into a finding with
    /// file and line, the rule engine throws for the first error of a rule built in memory, and New-SmartEmailRule
    /// reports it as an error on the parameter that sets it. A rule with no error compiles in the engine.
    /// </summary>
    internal static class RuleValidator
    {
        /// <summary>Every problem of <paramref name="rule"/>, evaluated with <paramref name="settings"/>, in the order of its settings.</summary>
        public static IReadOnlyList<RuleProblem> Check(Rule rule, RuleSettings settings) => Validate(rule, settings).Problems;

        /// <summary>Checks <paramref name="rule"/> and compiles its masks with the regex timeout of <paramref name="settings"/>.</summary>
        public static RuleValidation Validate(Rule rule, RuleSettings settings)
        {
            var result = new RuleValidation();
            var problems = result.Problems;
            void Error(string setting, string at, string message, bool inherited = false) => problems.Add(new RuleProblem(FindingSeverity.Error, setting, at, message, inherited));
            void Warning(string setting, string message) => problems.Add(new RuleProblem(FindingSeverity.Warning, setting, setting, message));
            Regex? Pattern(string setting, string pattern)
            {
                if (pattern.Length == 0)
                    return null;
                var regex = TryCompile(pattern, settings.RegexTimeout, out var message);
                if (regex == null)
                    Error(setting, setting, $"{setting} is not a valid regular expression: {IniValues.Show(message, 300)}");
                return regex;
            }

            if (rule.SubjectLineMask.Length == 0)
                Error("SubjectLineMask", "", $"[{rule.Name}] has no SubjectLineMask: the rule cannot match anything.");
            if (rule.Events.Length == 0)
                Error("Event", "", $"[{rule.Name}] has no Event: a match would submit nothing.");
            else if (rule.Events.Any(string.IsNullOrWhiteSpace))
                Error("Event", "Event", "An Event is empty: every event needs text.");
            if (rule.AllowedSenders.Length == 0)
                Error("AllowedSenders", "AllowedSenders", "AllowedSenders lists no sender: use ALL or one or more addresses.");
            if (!RuleSyntax.TryParseTimeFrame(rule.AllowedTimeFrame, out _, out _))
                Error("AllowedTimeFrame", "AllowedTimeFrame", IniValues.Invalid(Key("AllowedTimeFrame"), rule.AllowedTimeFrame));
            if (rule.ProcessAttachments && rule.AttachmentMask.Length == 0)
                Error("AttachmentMask", "ProcessAttachments", "ProcessAttachments is on but AttachmentMask is not set.");
            if (rule.QualifyingSubjectLine.Length != 0 && !rule.ProcessBody)
                Warning("QualifyingSubjectLine", "QualifyingSubjectLine only has an effect with ProcessBody=Yes.");
            var zone = rule.TimeZone ?? settings.TimeZone;
            if (zone != null && RuleSyntax.FindTimeZone(zone) == null)
                Error("TimeZone", "TimeZone", IniValues.Invalid(Key("TimeZone"), zone), inherited: rule.TimeZone == null);
            if (rule.UseWildCards && rule.ProcessBody)
                Warning("UseWildCards", "UseWildCards is ignored with ProcessBody=Yes: SubjectLineMask is read as a regular expression.");
            if (IsRegex(rule))
                result.Subject = Pattern("SubjectLineMask", rule.SubjectLineMask);
            if ((rule.RequireAuthenticatedSender ?? settings.RequireAuthenticatedSender) && string.IsNullOrWhiteSpace(rule.TrustedAuthServId ?? settings.TrustedAuthServId))
                Error("TrustedAuthServId", "RequireAuthenticatedSender", "RequireAuthenticatedSender is on but TrustedAuthServId is not set: name your mail server's authserv-id.",
                    inherited: rule.RequireAuthenticatedSender == null);
            result.Qualifier = Pattern("QualifyingSubjectLine", rule.QualifyingSubjectLine);
            result.Attachment = Pattern("AttachmentMask", rule.AttachmentMask);
            return result;
        }

        /// <summary>The validation of <paramref name="rule"/>; throws for its first error.</summary>
        /// <exception cref="RuleSettingException">A setting is invalid; the message names the rule and the setting.</exception>
        public static RuleValidation ThrowIfInvalid(Rule rule, RuleSettings settings)
        {
            var result = Validate(rule, settings);
            var error = result.Problems.FirstOrDefault(p => p.Severity == FindingSeverity.Error);
            if (error != null)
                throw new RuleSettingException(rule.Name, error.Setting, error.Message);
            return result;
        }

        /// <summary>AllowedSenders entries, each of which may hold a ';'-separated list, as one list.</summary>
        public static string[] SplitSenders(IEnumerable<string> entries) =>
            entries.SelectMany(s => s.Split(';')).Select(s => s.Trim()).Where(s => s.Length != 0).ToArray();

        /// <summary>Whether SubjectLineMask is a regular expression (the vendor ignores UseWildCards with ProcessBody).</summary>
        public static bool IsRegex(Rule rule) => !rule.UseWildCards || rule.ProcessBody;

        private static Regex? TryCompile(string pattern, TimeSpan timeout, out string message)
        {
            message = string.Empty;
            try
            {
                return new Regex(pattern, RegexOptions.CultureInvariant, timeout);
            }
            catch (ArgumentException e) when (!(e is ArgumentOutOfRangeException)) // that one is the timeout, not the pattern
            {
                message = e.Message;
                return null;
            }
        }

        private static IniKey Key(string name) => IniSchema.Get(IniSchema.RuleSection, name);
    }
}
