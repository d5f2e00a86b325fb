using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using SmartEmail.Events;
using SmartEmail.Formatting;
using SmartEmail.Ini;

namespace SmartEmail.Rules
{
    /// <summary>
    /// Decides what smartemail.exe would decide for a message, rule by rule, and explains it. Masks are compiled once,
    /// when the engine is made; a message's body is read at most once, and only when a rule needs it. Evaluation has no
    /// side effects.
    /// </summary>
    public sealed class RuleEngine
    {
        /// <summary>The longest event OpCon accepts from outside.</summary>
        public const int MaxEventLength = 2000;

        private readonly IReadOnlyList<CompiledRule> _rules;
        private readonly RuleSettings _settings;

        /// <summary>Compiles the rules.</summary>
        /// <exception cref="RuleSettingException">A setting of a rule is invalid (see <see cref="RuleValidator"/>); the message names the rule and the setting.</exception>
        public RuleEngine(IEnumerable<Rule> rules, RuleSettings settings)
        {
            _settings = settings;
            _rules = rules.Select(r => new CompiledRule(r, settings)).ToList();
        }

        /// <summary>The rules, in evaluation order.</summary>
        public IEnumerable<Rule> Rules => _rules.Select(r => r.Rule);

        /// <summary>Evaluates every rule against the message, in order.</summary>
        /// <param name="message">The message.</param>
        /// <param name="at">Evaluate the time window as if the message had arrived at this time.</param>
        /// <param name="cancellationToken">Cancels reading the body.</param>
        /// <param name="explainMisses">False for a caller that keeps nothing of a rule that did not match (a run): the result
        /// of a rule without ProcessBody whose subject mask does not match is then NotMatched without its checks, which
        /// spares a run most of what it would allocate for each message and rule. Outcomes and reasons are the same.</param>
        /// <exception cref="MessageReadException">A rule needs the body and the message can no longer be read.</exception>
        public IReadOnlyList<RuleResult> Evaluate(Message message, DateTimeOffset? at = null, CancellationToken cancellationToken = default, bool explainMisses = true)
        {
            IReadOnlyList<string>? body = null;
            IReadOnlyList<string> Body()
            {
                return body ??= MessageText.BodyLines(message.Content.Load(cancellationToken));
            }
            var results = new List<RuleResult>(_rules.Count);
            foreach (var rule in _rules)
                results.Add(rule.Evaluate(message, at, Body, _settings, explainMisses));
            return results;
        }

        /// <summary>
        /// The verdict on the message as a whole: Accepted when any rule accepted it; otherwise Rejected, with the reason
        /// of the first rule that rejected it, or RejectNoMatchingSubjectMessage when no rule matched at all.
        /// </summary>
        public (RuleOutcome Outcome, string Reason) Verdict(IReadOnlyList<RuleResult> results)
        {
            if (results.Any(r => r.Outcome == RuleOutcome.Accepted))
                return (RuleOutcome.Accepted, string.Empty);
            var rejected = results.FirstOrDefault(r => r.Outcome == RuleOutcome.Rejected);
            return (RuleOutcome.Rejected, rejected?.Reason ?? _settings.RejectNoMatchingSubjectMessage);
        }

        private sealed class CompiledRule
        {
            private static readonly string[] NoText = new string[0];
            private static readonly RuleCheck[] NoChecks = new RuleCheck[0];
            private readonly Regex _subject;
            private readonly Regex? _qualifier;
            private readonly Regex? _attachment;
            private readonly int _start;
            private readonly int _end;
            private readonly TimeZoneInfo _zone;
            private readonly ValueFormatter _formatter;
            private readonly string? _trustedServId;

            /// <exception cref="RuleSettingException">The rule fails <see cref="RuleValidator"/>.</exception>
            public CompiledRule(Rule rule, RuleSettings settings)
            {
                // The one set of rule checks; what passes it compiles below.
                var valid = RuleValidator.ThrowIfInvalid(rule, settings);
                Rule = rule;
                _subject = valid.Subject ?? new Regex(WildcardToRegex(rule.SubjectLineMask), RegexOptions.CultureInvariant, settings.RegexTimeout);
                _qualifier = rule.ProcessBody ? valid.Qualifier : null;
                _attachment = rule.ProcessAttachments ? valid.Attachment : null;
                RuleSyntax.TryParseTimeFrame(rule.AllowedTimeFrame, out _start, out _end);
                var zone = rule.TimeZone ?? settings.TimeZone;
                _zone = zone == null ? TimeZoneInfo.Local : RuleSyntax.FindTimeZone(zone)!;
                var strip = (rule.UnsafeValueAction ?? settings.UnsafeValueAction) == UnsafeValueAction.Strip;
                _formatter = new ValueFormatter(settings.EventEncoding == null ? null : MsgInWriter.EncodingFor(settings.EventEncoding.Value), strip);
                if (rule.RequireAuthenticatedSender ?? settings.RequireAuthenticatedSender)
                    _trustedServId = rule.TrustedAuthServId ?? settings.TrustedAuthServId;
            }

            public Rule Rule { get; }

            public RuleResult Evaluate(Message message, DateTimeOffset? at, Func<IReadOnlyList<string>> body, RuleSettings settings, bool explainMisses = true)
            {
                List<RuleCheck>? checks = null;
                try
                {
                    // The same outcome and reason as EvaluateChecked's for a subject that does not match, without the checks
                    // (nor the list for them: this is the run's path for almost every message and rule).
                    if (!explainMisses && !Rule.ProcessBody && !_subject.IsMatch(message.Subject))
                        return new RuleResult(message, Rule, RuleOutcome.NotMatched, settings.RejectNoMatchingSubjectMessage, NoText, NoText, NoText, NoChecks);
                    checks = new List<RuleCheck>();
                    return EvaluateChecked(message, at, body, settings, checks);
                }
                catch (RegexMatchTimeoutException e)
                {
                    checks ??= new List<RuleCheck>();
                    checks.Add(new RuleCheck("Safety", CheckStatus.Failed, $"The pattern '{e.Pattern}' ran longer than {e.MatchTimeout.TotalSeconds:0.##} s."));
                    var reason = $"A mask of {Rule.Name} took longer than {e.MatchTimeout.TotalSeconds:0.##} s on this message, so the rule could not be evaluated.";
                    return Result(message, RuleOutcome.Rejected, reason, new string[0], new string[0], new string[0], checks);
                }
            }

            private RuleResult EvaluateChecked(Message message, DateTimeOffset? at, Func<IReadOnlyList<string>> body, RuleSettings settings, List<RuleCheck> checks)
            {
                var senderOk = CheckSender(message, checks) && CheckAuthenticated(message, checks);
                var timeOk = CheckTime(message, at, checks);

                // Subject and body: every match generates the rule's events with its own captures.
                var matches = new List<(string On, Match Match)>();
                var qualified = true;
                if (Rule.ProcessBody && _qualifier != null)
                {
                    qualified = _qualifier.IsMatch(message.Subject);
                    checks.Add(new RuleCheck("Qualifier", qualified ? CheckStatus.Passed : CheckStatus.Failed,
                        () => $"subject '{DisplayText.Quote(message.Subject)}' {(qualified ? "matches" : "does not match")} QualifyingSubjectLine '{Rule.QualifyingSubjectLine}'"));
                    checks.Add(new RuleCheck("Subject", CheckStatus.Skipped, "with QualifyingSubjectLine only body lines generate events"));
                }
                else
                {
                    var m = _subject.Match(message.Subject);
                    if (m.Success)
                        matches.Add(("Subject", m));
                    checks.Add(new RuleCheck("Subject", m.Success ? CheckStatus.Passed : CheckStatus.Failed,
                        () => $"subject '{DisplayText.Quote(message.Subject)}' {(m.Success ? "matches" : "does not match")} '{Rule.SubjectLineMask}'"));
                }
                if (Rule.ProcessBody && qualified)
                {
                    var lines = body();
                    var before = matches.Count;
                    foreach (var line in lines)
                    {
                        var m = _subject.Match(line);
                        if (m.Success)
                            matches.Add(("Body:" + line, m));
                    }
                    var found = matches.Count - before;
                    checks.Add(new RuleCheck("Body", found != 0 ? CheckStatus.Passed : CheckStatus.Failed,
                        () => found != 0 ? $"{found} of {lines.Count} body line(s) match; first: '{matches[before].On.Substring(5)}'" : $"none of {lines.Count} body line(s) match '{Rule.SubjectLineMask}'"));
                }
                else
                {
                    checks.Add(new RuleCheck("Body", CheckStatus.Skipped, Rule.ProcessBody ? "the subject did not qualify" : "ProcessBody is off"));
                }

                var attachment = CheckAttachment(message, checks, out var attachmentMatch);
                var matchedOn = matches.Select(x => x.On).ToList();
                if (attachmentMatch != null)
                    matchedOn.Add("Attachment:" + attachment);
                var captures = matches.Count == 0 ? new string[0] : Groups(matches[0].Match);

                if (matches.Count == 0)
                {
                    var reason = !qualified ? settings.RejectSubjectMessage
                        : Rule.ProcessBody && _qualifier != null ? settings.RejectBody
                        : settings.RejectNoMatchingSubjectMessage;
                    return Result(message, RuleOutcome.NotMatched, reason, matchedOn.ToArray(), captures, new string[0], checks);
                }
                if (!senderOk)
                    return Result(message, RuleOutcome.Rejected, settings.RejectSenderMessage, matchedOn.ToArray(), captures, new string[0], checks);
                if (!timeOk)
                    return Result(message, RuleOutcome.Rejected, settings.RejectTimeframeMessage, matchedOn.ToArray(), captures, new string[0], checks);
                if (_attachment != null && attachmentMatch == null)
                    return Result(message, RuleOutcome.Rejected, settings.RejectNoAttachmentMessage, matchedOn.ToArray(), captures, new string[0], checks);

                var events = new List<string>();
                var problems = new List<string>();
                var transliterated = false;
                var tokens = new MessageTokens(message, _zone) { Attachment = attachment, AttachmentMatch = attachmentMatch };
                foreach (var (_, match) in matches)
                {
                    tokens.Match = match;
                    foreach (var template in Rule.Events)
                    {
                        var resolved = _formatter.Format(template, tokens.Lookup, ValueDestination.EventField);
                        foreach (var name in resolved.UnsafeTokens)
                            problems.Add($"[[{name}]] holds a comma, line break or control character, which would add or shift OpCon event fields");
                        transliterated |= resolved.Transliterated;
                        events.Add(resolved.Text);
                    }
                }
                var tooLong = events.FirstOrDefault(e => e.Length > MaxEventLength);
                if (tooLong != null)
                    problems.Add($"a resolved event is {tooLong.Length} characters long, more than the {MaxEventLength} OpCon accepts");
                if (problems.Count != 0)
                {
                    var detail = string.Join("; ", problems.Distinct());
                    checks.Add(new RuleCheck("Safety", CheckStatus.Failed, detail));
                    return Result(message, RuleOutcome.Rejected, "Unsafe event: " + detail + ".", matchedOn.ToArray(), captures, new string[0], checks);
                }
                checks.Add(new RuleCheck("Safety", CheckStatus.Passed, () => $"{events.Count} event(s) resolved, no value adds or shifts event fields"
                    + (transliterated ? $"; characters {_formatter.EventEncodingName} cannot carry were transliterated or replaced by '?'" : string.Empty)));
                return Result(message, RuleOutcome.Accepted, string.Empty, matchedOn.ToArray(), captures, events.ToArray(), checks, transliterated);
            }

            private RuleResult Result(Message message, RuleOutcome outcome, string reason, string[] matchedOn, string[] captures, string[] events, List<RuleCheck> checks,
                bool transliterated = false) =>
                new RuleResult(message, Rule, outcome, reason, matchedOn, captures, events, checks.ToArray()) { EventsTransliterated = transliterated };

            private bool CheckSender(Message message, List<RuleCheck> checks)
            {
                var from = message.From;
                foreach (var allowed in Rule.AllowedSenders)
                {
                    if (string.Equals(allowed, "ALL", StringComparison.OrdinalIgnoreCase))
                    {
                        checks.Add(new RuleCheck("Sender", CheckStatus.Passed, "AllowedSenders is ALL"));
                        return true;
                    }
                    if (from.Length != 0 && string.Equals(allowed, from, StringComparison.OrdinalIgnoreCase))
                    {
                        checks.Add(new RuleCheck("Sender", CheckStatus.Passed, () => $"'{from}' is listed"));
                        return true;
                    }
                    if (allowed.StartsWith("any@", StringComparison.OrdinalIgnoreCase) && from.Length != 0)
                    {
                        var at = from.LastIndexOf('@');
                        if (at >= 0 && string.Equals(from.Substring(at + 1), allowed.Substring(4), StringComparison.OrdinalIgnoreCase))
                        {
                            checks.Add(new RuleCheck("Sender", CheckStatus.Passed, () => $"'{from}' is in the allowed domain of '{allowed}'"));
                            return true;
                        }
                    }
                }
                checks.Add(new RuleCheck("Sender", CheckStatus.Failed, () => $"{(from.Length == 0 ? "the message has no sender address" : $"'{from}'")} is not in AllowedSenders ({string.Join("; ", Rule.AllowedSenders)})"));
                return false;
            }

            /// <summary>RequireAuthenticatedSender: the From header counts only when the trusted server authenticated it.</summary>
            private bool CheckAuthenticated(Message message, List<RuleCheck> checks)
            {
                if (_trustedServId == null)
                    return true;
                var (passed, detail) = SenderAuthentication.Check(message.Content.Load(CancellationToken.None), message.From, _trustedServId);
                checks.Add(new RuleCheck("Authenticated", passed ? CheckStatus.Passed : CheckStatus.Failed, detail));
                return passed;
            }

            private bool CheckTime(Message message, DateTimeOffset? at, List<RuleCheck> checks)
            {
                var when = at ?? message.ArrivalTime;
                if (when == null)
                {
                    checks.Add(new RuleCheck("TimeFrame", CheckStatus.Failed, "the message has no arrival time and no Date header"));
                    return false;
                }
                var local = TimeZoneInfo.ConvertTime(when.Value, _zone);
                var minute = local.Hour * 60 + local.Minute;
                // The end minute is included; a start after the end wraps past midnight (2200-0600).
                var inside = _start <= _end ? minute >= _start && minute <= _end : minute >= _start || minute <= _end;
                var source = at != null ? "-At time" : message.Received != null ? "arrival" : "Date header";
                checks.Add(new RuleCheck("TimeFrame", inside ? CheckStatus.Passed : CheckStatus.Failed,
                    () => $"{source} {local:HH:mm} ({_zone.Id}) is {(inside ? "inside" : "outside")} {Rule.AllowedTimeFrame}"));
                return inside;
            }

            private string CheckAttachment(Message message, List<RuleCheck> checks, out Match? match)
            {
                match = null;
                if (_attachment == null)
                {
                    checks.Add(new RuleCheck("Attachment", CheckStatus.Skipped, "ProcessAttachments is off"));
                    return string.Empty;
                }
                foreach (var name in message.Attachments)
                {
                    var m = _attachment.Match(name);
                    if (m.Success)
                    {
                        match = m;
                        checks.Add(new RuleCheck("Attachment", CheckStatus.Passed, () => $"'{name}' matches '{Rule.AttachmentMask}'"));
                        return name;
                    }
                }
                checks.Add(new RuleCheck("Attachment", CheckStatus.Failed, () =>
                    (message.Attachments.Length == 0 ? "the message has no attachments" : $"none of {string.Join(", ", message.Attachments.Select(n => "'" + n + "'"))}")
                    + $" matches '{Rule.AttachmentMask}'"));
                return string.Empty;
            }

            private static string[] Groups(Match match)
            {
                var groups = new string[match.Groups.Count - 1];
                for (var i = 1; i < match.Groups.Count; i++)
                    groups[i - 1] = match.Groups[i].Value;
                return groups;
            }

            internal static string WildcardToRegex(string pattern)
            {
                var builder = new StringBuilder();
                foreach (var c in pattern)
                    builder.Append(c == '*' ? ".*" : c == '?' ? "." : Regex.Escape(c.ToString()));
                return builder.ToString();
            }
        }
    }
}
