using System.Diagnostics;
using System.Text;
using MimeKit;
using SmartEmail.Mail;
using SmartEmail.Rules;
using Xunit;
using Xunit.Abstractions;

namespace SmartEmail.Engine.Tests.Fuzz;

/// <summary>
/// Random rules, hostile regular expressions among them, against hostile messages. A rule that cannot be built is an
/// ArgumentException from <see cref="RuleBuilder.Build"/>; a mask that runs away is stopped by the regex timeout and
/// reported as a Rejected result with a failed Safety check, never thrown, and never later than the timeout allows.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class RuleFuzzTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    /// <summary>Patterns that backtrack catastrophically on <see cref="EvilInput"/>, and ones that are merely odd.</summary>
    private static readonly string[] HostilePatterns =
    {
        "^(a+)+$", "^(a|a)+$", "^(a|aa)+$", "^(a*)*$", "(a+)+b", "^(\\w+\\s?)*$", "^(([a-z])+.)+[A-Z]([a-z])+$", "(.*a){25}",
        "^(a?){30}a{30}$", "(x+x+)+y", "^(?:a|a?)+$", "(?=(a+))+b", "^(.*?,){30}P",
    };

    private static readonly string[] OddPatterns =
    {
        "(", ")", "[", "\\", "(?<", "a{2,1}", "(?<n>a)\\k<m>", "*", "+?", "(?i", "[z-a]", "\\p{Nope}", "(?<=a+)b", "(?!)", "",
        ".*", "(.*)", "(?<1>x)", "(?<SENDER>.*)", "^$", "\\G", "(?#comment)", "[\\s\\S]*", "\\u2028", "\\0", "(?x) a # b",
        new string('(', 3000) + new string(')', 3000), "(a)" + string.Concat(Enumerable.Repeat("|(a)", 2000)),
        "a{2147483647}", "a{0,99999}", "(?(a)b|c)", "\\1(a)", "[[:alpha:]]", "\\d+(?<x>\\d)", "\ud800", "\0",
    };

    private readonly ITestOutputHelper _output;

    public RuleFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>The input the hostile patterns take exponential time on (short enough to stay quick when they do not).</summary>
    private static string EvilInput(Random r) => new string('a', r.Next(28, 40)) + "!";

    [Fact]
    public void RandomRulesAreRefusedOrEvaluatedWithinTheRegexTimeout()
    {
        var timeouts = 0;
        var refused = 0;
        var evaluated = 0;
        FuzzRunner.Run(_output, "rules", 600, Generate, c => c.ToString(), c =>
        {
            // Rules are built one by one, as the INI reader checks them: a refused rule is an ArgumentException that
            // names it; the others are evaluated.
            var built = new List<Rule>();
            foreach (var builder in c.Rules)
            {
                try
                {
                    built.Add(builder.Build());
                }
                catch (ArgumentException e)
                {
                    Assert.StartsWith(builder.Name + ":", e.Message);
                    refused++;
                }
            }
            if (built.Count == 0)
                return;
            var engine = new RuleEngine(built, new RuleSettings { TimeZone = "UTC", RegexTimeout = Timeout });
            var watch = Stopwatch.StartNew();
            var results = engine.Evaluate(c.Message);
            var elapsed = watch.Elapsed;
            evaluated++;
            Assert.Equal(built.Count, results.Count);
            // Every mask runs on the subject, each body line and each attachment name at most once before a timeout
            // stops its rule; twice the timeout each, plus slack for a busy machine.
            var matches = c.Rules.Length * (2 + c.BodyLines + c.Message.Attachments.Length);
            var allowed = TimeSpan.FromTicks(Timeout.Ticks * 2 * matches) + TimeSpan.FromSeconds(1);
            Assert.True(elapsed < allowed, $"evaluation took {elapsed.TotalMilliseconds:0} ms, more than the {allowed.TotalMilliseconds:0} ms its {matches} matches may");
            foreach (var result in results)
            {
                var safety = result.Checks.Where(k => k.Name == "Safety").ToList();
                if (safety.Any(k => k.Status == CheckStatus.Failed && k.Detail.Contains("ran longer than", StringComparison.Ordinal)))
                {
                    timeouts++;
                    Assert.Equal(RuleOutcome.Rejected, result.Outcome);
                    Assert.Contains("took longer than", result.Reason);
                    Assert.Empty(result.Events);
                }
                if (result.Outcome == RuleOutcome.Accepted)
                    Assert.NotEmpty(result.Events);
                else
                    Assert.Empty(result.Events);
            }
        }, TimeSpan.FromSeconds(10), c => 256L * 1024 * 1024);
        _output.WriteLine($"refused {refused}, evaluated {evaluated}, regex timeouts reported {timeouts}");
        if (FuzzRunner.CaseIndexes(600).Count >= 100)
        {
            Assert.True(timeouts > 0, "no hostile pattern ever timed out: the generator no longer exercises the timeout");
            Assert.True(refused > 0 && evaluated > 0, $"refused {refused}, evaluated {evaluated}: the generator is one-sided");
        }
    }

    internal sealed class RuleCase
    {
        public RuleBuilder[] Rules = Array.Empty<RuleBuilder>();
        public Message Message = null!;
        public int BodyLines;

        public override string ToString() =>
            $"{Rules.Length} rule(s) [{string.Join(" | ", Rules.Select(r => Show(r.SubjectLineMask)))}], subject {Message.Subject.Length} chars, {BodyLines} body lines";

        private static string Show(string s) => s.Length > 40 ? s.Substring(0, 40) + "…" : s;
    }

    private static RuleCase Generate(Random r, int index)
    {
        var evil = EvilInput(r);
        string Pattern()
        {
            switch (r.Next(5))
            {
                case 0: case 1: return HostilePatterns[r.Next(HostilePatterns.Length)];
                case 2: return OddPatterns[r.Next(OddPatterns.Length)];
                default: return RandomPattern(r);
            }
        }
        var rules = Enumerable.Range(0, r.Next(1, 4)).Select(i => new RuleBuilder
        {
            Name = "Fuzz" + i,
            SubjectLineMask = Pattern(),
            Events = new[] { "$JOB:ADD,[[1]],[[SENDER]]", "$PROPERTY:SET,p,[[SUBJECT]][[A1]]" }.Take(r.Next(1, 3)).ToArray(),
            QualifyingSubjectLine = r.Next(4) == 0 ? Pattern() : string.Empty,
            AttachmentMask = r.Next(3) == 0 ? Pattern() : string.Empty,
            ProcessBody = r.Next(2) == 0,
            ProcessAttachments = r.Next(3) == 0,
            UseWildCards = r.Next(5) == 0,
            TimeZone = "UTC",
            UnsafeValueAction = r.Next(2) == 0 ? UnsafeValueAction.Strip : UnsafeValueAction.Reject,
        }).ToArray();
        var bodyLines = r.Next(0, 12);
        var body = string.Join("\r\n", Enumerable.Range(0, bodyLines).Select(_ => r.Next(3) == 0 ? evil : RandomText(r, 80)));
        var mime = new MimeMessage { Subject = r.Next(2) == 0 ? evil : RandomText(r, 200), Date = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero) };
        mime.From.Add(new MailboxAddress("x", "robot@example.com"));
        var builder = new BodyBuilder { TextBody = body };
        for (var i = r.Next(0, 3); i > 0; i--)
            builder.Attachments.Add((r.Next(2) == 0 ? evil : "report" + i) + ".pdf", new byte[] { 1 });
        mime.Body = builder.ToMessageBody();
        return new RuleCase { Rules = rules, Message = MimeSummary.InMemory(mime, "fuzz-" + index, "fuzz", mime.Date, 100), BodyLines = bodyLines };
    }

    /// <summary>A random pattern from regex building blocks: valid or not, cheap or not.</summary>
    private static string RandomPattern(Random r)
    {
        var atoms = new[] { "a", ".", "\\w", "\\s", "[a-z]", "(a)", "(?<n>a)", "(", ")", "|", "*", "+", "?", "{2,}", "^", "$", "\\", "[", "]", "(?:", "(?=", ",", "\\d" };
        var s = new StringBuilder();
        for (var i = r.Next(1, 25); i > 0; i--)
            s.Append(atoms[r.Next(atoms.Length)]);
        return s.ToString();
    }

    private static string RandomText(Random r, int max)
    {
        var s = new StringBuilder();
        for (var i = r.Next(0, max); i > 0; i--)
            s.Append("aA1 ,.!\t\u00e9\u2028\0"[r.Next(11)]);
        return s.ToString();
    }
}
