using System.Text;
using MimeKit;
using SmartEmail.Ini;
using SmartEmail.Mail;
using SmartEmail.Rules;
using Xunit;

namespace SmartEmail.Engine.Tests;

public class RuleEngineTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static Message Mail(string subject, string from = "admin@anycompany.com", string body = "", DateTimeOffset? received = null,
        string? html = null, params (string Name, string Type)[] attachments)
    {
        var builder = new BodyBuilder { TextBody = html == null ? body : null, HtmlBody = html };
        foreach (var (name, type) in attachments)
            builder.Attachments.Add(name, Encoding.UTF8.GetBytes("data"), ContentType.Parse(type));
        var message = new MimeMessage { Subject = subject, Body = builder.ToMessageBody(), Date = received ?? Noon };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("jobs@smartemail.test"));
        return MimeSummary.InMemory(message, Guid.NewGuid().ToString(), "test", received ?? Noon, 100);
    }

    private static Rule RuleFrom(string iniRule, string tokens = "")
    {
        var doc = IniDocument.Parse("[General]\nMSGINDirectory=/m\n" + tokens + "[Configuration1]\n" + iniRule);
        var config = ConfigurationReader.Read(doc);
        Assert.DoesNotContain(config.Findings, f => f.Severity == FindingSeverity.Error);
        return config.Rules[0];
    }

    private static RuleResult One(string iniRule, Message message, string tokens = "", RuleSettings? settings = null, DateTimeOffset? at = null) =>
        Assert.Single(new RuleEngine(new[] { RuleFrom(iniRule, tokens) }, settings ?? Utc()).Evaluate(message, at));

    private static RuleSettings Utc() => new() { TimeZone = "UTC" };

    private const string TestRule = "SubjectLineMask=Test\nEvent=$CONSOLE:DISPLAY,the test passed\nAllowedSenders=[[ADMINEMAIL]]\nAllowedTimeFrame=0000-2400\n";
    private const string AdminToken = "[Tokens]\nADMINEMAIL=admin@anycompany.com\n";

    // ---- the reference's examples ----------------------------------------------------------------------------

    [Fact]
    public void ExampleOneAcceptsTheAdminsTestMail()
    {
        var r = One(TestRule, Mail("This is a Test"), AdminToken);
        Assert.Equal(RuleOutcome.Accepted, r.Outcome);
        Assert.Equal(new[] { "$CONSOLE:DISPLAY,the test passed" }, r.Events);
        Assert.Equal(new[] { "Subject" }, r.MatchedOn);
        Assert.Equal(string.Empty, r.Reason);
    }

    [Fact]
    public void ExampleOneRejectsAnotherSenderWithTheSenderReason()
    {
        var r = One(TestRule, Mail("Test", from: "someone@elsewhere.example"), AdminToken);
        Assert.Equal(RuleOutcome.Rejected, r.Outcome);
        Assert.Equal("Invalid Sender", r.Reason);
        Assert.Empty(r.Events);
        var sender = Assert.Single(r.Checks, c => c.Name == "Sender");
        Assert.Equal(CheckStatus.Failed, sender.Status);
        Assert.Contains("someone@elsewhere.example", sender.Detail);
        Assert.Contains("admin@anycompany.com", sender.Detail);
    }

    [Fact]
    public void ExampleOneIgnoresOtherSubjectsAndIsCaseSensitive()
    {
        var r = One(TestRule, Mail("a test"), AdminToken);
        Assert.Equal(RuleOutcome.NotMatched, r.Outcome);
        Assert.Equal("No matching subjects found", r.Reason);
        Assert.Equal(RuleOutcome.Accepted, One(TestRule.Replace("=Test", "=(?i)test"), Mail("a TEST"), AdminToken).Outcome);
    }

    [Fact]
    public void ExampleTwoNeedsAMatchingAttachment()
    {
        var rule = TestRule + "AttachmentMask=SMArtEmail Test\nProcessAttachments=True\n";
        var with = One(rule, Mail("Test", attachments: ("SMArtEmail Test.pdf", "application/pdf")), AdminToken);
        Assert.Equal(RuleOutcome.Accepted, with.Outcome);
        Assert.Equal(new[] { "Subject", "Attachment:SMArtEmail Test.pdf" }, with.MatchedOn);
        var without = One(rule, Mail("Test", attachments: ("other.pdf", "application/pdf")), AdminToken);
        Assert.Equal(RuleOutcome.Rejected, without.Outcome);
        Assert.Equal("No matching attachments found", without.Reason);
        Assert.Contains("'other.pdf'", Assert.Single(without.Checks, c => c.Name == "Attachment").Detail);
    }

    [Fact]
    public void ExampleThreeMatchesBodyLinesAndEachMatchGeneratesEvents()
    {
        var r = One(TestRule + "ProcessBody=Yes\n", Mail("Test run", body: "line one\nTest A passed\n\nno\nTest B passed\n"), AdminToken);
        Assert.Equal(RuleOutcome.Accepted, r.Outcome);
        Assert.Equal(new[] { "Subject", "Body:Test A passed", "Body:Test B passed" }, r.MatchedOn);
        Assert.Equal(3, r.Events.Length);
    }

    [Fact]
    public void TheCaptureExampleOfTheReferenceHolds()
    {
        var r = One("SubjectLineMask=OpCon/xps: (\\S+) total = ([0-9]+\\.[0-9]+)\nEvent=$TOKEN:SET,[[1]],[[2]]\nAllowedSenders=ALL\n",
            Mail("OpCon/xps: ACHBalanceTotal total = 149926.22"));
        Assert.Equal(new[] { "$TOKEN:SET,ACHBalanceTotal,149926.22" }, r.Events);
        Assert.Equal(new[] { "ACHBalanceTotal", "149926.22" }, r.Captures);
    }

    // ---- body --------------------------------------------------------------------------------------------------

    [Fact]
    public void QualifyingSubjectLineFiltersAndGeneratesNothingItself()
    {
        const string rule = "SubjectLineMask=^JOB (\\w+) FAILED$\nEvent=$JOB:RESTART,,SCHED,[[1]]\nAllowedSenders=ALL\nProcessBody=Yes\nQualifyingSubjectLine=^Nightly report\n";
        var r = One(rule, Mail("Nightly report", body: "JOB LOAD FAILED\nJOB COPY OK\nJOB SEND FAILED"));
        Assert.Equal(new[] { "$JOB:RESTART,,SCHED,LOAD", "$JOB:RESTART,,SCHED,SEND" }, r.Events);
        Assert.Equal(CheckStatus.Skipped, Assert.Single(r.Checks, c => c.Name == "Subject").Status);
        var unqualified = One(rule, Mail("Other report", body: "JOB LOAD FAILED"));
        Assert.Equal(RuleOutcome.NotMatched, unqualified.Outcome);
        Assert.Equal("Subject rejected", unqualified.Reason);
        var noLines = One(rule, Mail("Nightly report", body: "all good"));
        Assert.Equal("No matching lines in body", noLines.Reason);
    }

    [Fact]
    public void HtmlOnlyBodiesAreConvertedToLines()
    {
        var html = "<html><head><style>p{color:red}</style></head><body><p>Status: <b>OK</b></p><div>Rows&nbsp;=&nbsp;42</div>line<br>next &amp; last<script>var x='Rows = 1';</script></body></html>";
        var r = One("SubjectLineMask=^Rows = (\\d+)$\nEvent=$PROPERTY:SET,Rows,[[1]]\nAllowedSenders=ALL\nProcessBody=Yes\nQualifyingSubjectLine=.\n", Mail("Report", html: html));
        Assert.Equal(new[] { "$PROPERTY:SET,Rows,42" }, r.Events);
        Assert.Equal(new[] { "Status: OK", "Rows = 42", "line", "next & last" }, MessageText.SplitLines(MessageText.HtmlToText(html)));
    }

    // ---- senders ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("ALL", "x@y.z", true)]
    [InlineData("all", "x@y.z", true)]
    [InlineData("Admin@AnyCompany.com", "admin@anycompany.com", true)]
    [InlineData("any@anycompany.com", "payroll@AnyCompany.com", true)]
    [InlineData("any@anycompany.com", "payroll@sub.anycompany.com", false)]
    [InlineData("any@anycompany.com", "anycompany.com@evil.example", false)]
    [InlineData("a@b.com;c@d.com", "c@d.com", true)]
    [InlineData("a@b.com", "b.com@a.com", false)]
    public void SendersAreCheckedExactlyOrByDomain(string allowed, string from, bool ok)
    {
        var r = One($"SubjectLineMask=x\nEvent=e\nAllowedSenders={allowed}\n", Mail("x", from: from));
        Assert.Equal(ok ? RuleOutcome.Accepted : RuleOutcome.Rejected, r.Outcome);
    }

    [Fact]
    public void ATokenMayHoldASenderList()
    {
        const string tokens = "[Tokens]\nOPS=ops@a.com;any@b.com\n";
        Assert.Equal(RuleOutcome.Accepted, One("SubjectLineMask=x\nEvent=e\nAllowedSenders=[[OPS]]\n", Mail("x", from: "night@b.com"), tokens).Outcome);
        Assert.Equal(RuleOutcome.Rejected, One("SubjectLineMask=x\nEvent=e\nAllowedSenders=[[OPS]]\n", Mail("x", from: "night@c.com"), tokens).Outcome);
    }

    // ---- time windows ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("0000-2359", 23, 59, true)]
    [InlineData("0000-2359", 0, 0, true)]
    [InlineData("0800-1700", 17, 0, true)]
    [InlineData("0800-1700", 17, 1, false)]
    [InlineData("0800-1700", 7, 59, false)]
    [InlineData("2200-0600", 23, 30, true)]
    [InlineData("2200-0600", 3, 0, true)]
    [InlineData("2200-0600", 6, 0, true)]
    [InlineData("2200-0600", 6, 1, false)]
    [InlineData("2200-0600", 12, 0, false)]
    [InlineData("0000-2400", 23, 59, true)]
    public void TimeWindowsIncludeTheEndMinuteAndWrapPastMidnight(string frame, int hour, int minute, bool inside)
    {
        var at = new DateTimeOffset(2026, 11, 25, hour, minute, 30, TimeSpan.Zero);
        var r = One($"SubjectLineMask=x\nEvent=e\nAllowedSenders=ALL\nAllowedTimeFrame={frame}\n", Mail("x", received: at));
        Assert.Equal(inside ? RuleOutcome.Accepted : RuleOutcome.Rejected, r.Outcome);
        if (!inside)
            Assert.Equal("Message received outside timeframe", r.Reason);
    }

    [Fact]
    public void TheRulesTimeZoneAndAtAreHonoured()
    {
        var arrival = new DateTimeOffset(2026, 11, 25, 7, 30, 0, TimeSpan.Zero); // 08:30 in Berlin (CET)
        const string rule = "SubjectLineMask=x\nEvent=e\nAllowedSenders=ALL\nAllowedTimeFrame=0800-0900\n";
        Assert.Equal(RuleOutcome.Rejected, One(rule, Mail("x", received: arrival)).Outcome);
        Assert.Equal(RuleOutcome.Accepted, One(rule + "TimeZone=Europe/Berlin\n", Mail("x", received: arrival)).Outcome);
        Assert.Equal(RuleOutcome.Accepted, One(rule, Mail("x", received: arrival), at: new DateTimeOffset(2026, 11, 25, 8, 15, 0, TimeSpan.Zero)).Outcome);
    }

    // ---- attachments -------------------------------------------------------------------------------------------

    [Fact]
    public void EncodedAttachmentNamesMatchAndTheirCapturesResolve()
    {
        var message = MessageFileReader.ReadFile(TestPaths.Fixture("messages", "multipart-attachments.eml")).Single();
        const string rule = "SubjectLineMask=OpCon\nEvent=$JOB:ADD,,FIN,LOAD,OnRequest,File=[[ATTACHMENT]];Month=[[A1]]\nAllowedSenders=ALL\nAttachmentMask=^bilan (\\w+)\\.csv$\nProcessAttachments=True\n";
        var r = One(rule, message, settings: new RuleSettings { TimeZone = "UTC", EventEncoding = MsgInEncoding.UTF8 });
        Assert.Equal(RuleOutcome.Accepted, r.Outcome);
        Assert.Equal(new[] { "$JOB:ADD,,FIN,LOAD,OnRequest,File=bilan décembre.csv;Month=décembre" }, r.Events);
        // MSGIN's default encoding is ASCII: the same event is transliterated, and the rule says so.
        var ascii = One(rule, message);
        Assert.Equal(new[] { "$JOB:ADD,,FIN,LOAD,OnRequest,File=bilan decembre.csv;Month=decembre" }, ascii.Events);
        Assert.Contains(ascii.Checks, c => c.Name == "Safety" && c.Detail.Contains("us-ascii cannot carry were transliterated", StringComparison.Ordinal));
    }

    // ---- tokens and safety -------------------------------------------------------------------------------------

    [Fact]
    public void BuiltInTokensResolveAndNamedGroupsToo()
    {
        var r = One("SubjectLineMask=Job (?<job>\\w+) ended (\\d+)\nEvent=$CONSOLE:DISPLAY,[[job]] [[1]] [[2]] from [[SENDER]] on [[DATE]]\nAllowedSenders=ALL\n",
            Mail("Job LOAD ended 0", from: "ops@a.com"));
        Assert.Equal("$CONSOLE:DISPLAY,LOAD 0 LOAD from ops@a.com on 11/25/2026 12:00:00 PM", Assert.Single(r.Events));
    }

    [Fact]
    public void ACapturedTokenIsNotExpandedAgain()
    {
        var r = One("SubjectLineMask=say (.*)\nEvent=$CONSOLE:DISPLAY,[[1]]\nAllowedSenders=ALL\n", Mail("say [[SENDER]]"));
        Assert.Equal("$CONSOLE:DISPLAY,[[SENDER]]", Assert.Single(r.Events));
    }

    [Theory]
    [InlineData("Balance x,OPCON_ADMIN,secret total")]
    [InlineData("Balance x\u2028Evil total")]
    [InlineData("Balance x\u0085Evil total")]
    [InlineData("Balance x\u0000 total")]
    [InlineData("Balance x\u0007 total")]
    public void InjectionAttemptsAreRejectedNamingTheToken(string subject)
    {
        var r = One("SubjectLineMask=Balance (.*) total\nEvent=$PROPERTY:SET,Balance,[[1]]\nAllowedSenders=ALL\n", Mail(subject));
        Assert.Equal(RuleOutcome.Rejected, r.Outcome);
        Assert.Contains("[[1]]", r.Reason);
        Assert.Empty(r.Events);
        Assert.Equal(CheckStatus.Failed, Assert.Single(r.Checks, c => c.Name == "Safety").Status);
    }

    [Theory]
    [InlineData("Balance x\nEvil total")]
    [InlineData("Balance x\r\nEvil,1 total")]
    [InlineData("Balance x\rEvil total")]
    public void LineBreaksInHeadersNeverReachAnEvent(string subject)
    {
        // Header unfolding turns line breaks into spaces before any rule sees the subject; whatever the outcome, an
        // accepted event keeps exactly its three fields and no control character.
        var r = One("SubjectLineMask=Balance (.*) total\nEvent=$PROPERTY:SET,Balance,[[1]]\nAllowedSenders=ALL\n", Mail(subject));
        Assert.All(r.Events, e =>
        {
            Assert.Equal(3, e.Split(',').Length);
            Assert.DoesNotContain(e, char.IsControl);
        });
        Assert.True(r.Outcome == RuleOutcome.Accepted || r.Reason.Contains("[[1]]"));
    }

    [Fact]
    public void StripRemovesTheOffendingCharactersInstead()
    {
        var r = One("SubjectLineMask=Balance (.*) total\nEvent=$PROPERTY:SET,Balance,[[1]]\nAllowedSenders=ALL\nUnsafeValueAction=Strip\n", Mail("Balance 1,234.50 total"));
        Assert.Equal(new[] { "$PROPERTY:SET,Balance,1234.50" }, r.Events);
    }

    [Fact]
    public void EventsLongerThanOpConAcceptsAreRejected()
    {
        var r = One("SubjectLineMask=x (.*)\nEvent=$CONSOLE:DISPLAY,[[1]]\nAllowedSenders=ALL\n", Mail("x " + new string('a', 2100)));
        Assert.Equal(RuleOutcome.Rejected, r.Outcome);
        Assert.Contains("2000", r.Reason);
    }

    [Fact]
    public void ACatastrophicRegexTimesOutForThatRuleOnly()
    {
        var rules = new[]
        {
            RuleFrom("SubjectLineMask=(a+)+$\nEvent=e1\nAllowedSenders=ALL\n"),
            RuleFrom("SubjectLineMask=^a\nEvent=e2\nAllowedSenders=ALL\n").WithName("Configuration2"),
        };
        var engine = new RuleEngine(rules, new RuleSettings { TimeZone = "UTC", RegexTimeout = TimeSpan.FromMilliseconds(200) });
        var results = engine.Evaluate(Mail(new string('a', 40) + "!"));
        Assert.Equal(RuleOutcome.Rejected, results[0].Outcome);
        Assert.Contains("Configuration1", results[0].Reason);
        Assert.Contains("longer than", results[0].Reason);
        Assert.Equal(RuleOutcome.Accepted, results[1].Outcome);
    }

    // ---- the message as a whole ------------------------------------------------------------------------------

    [Fact]
    public void TheVerdictIsAcceptedWhenAnyRuleAcceptsElseTheFirstRejectionOrNoMatch()
    {
        var engine = new RuleEngine(new[]
        {
            RuleFrom("SubjectLineMask=Test\nEvent=e1\nAllowedSenders=boss@a.com\n"),
            RuleFrom("SubjectLineMask=Other\nEvent=e2\nAllowedSenders=ALL\n").WithName("Configuration2"),
        }, Utc());
        Assert.Equal((RuleOutcome.Rejected, "Invalid Sender"), engine.Verdict(engine.Evaluate(Mail("Test"))));
        Assert.Equal((RuleOutcome.Rejected, "No matching subjects found"), engine.Verdict(engine.Evaluate(Mail("Nothing"))));
        Assert.Equal((RuleOutcome.Accepted, ""), engine.Verdict(engine.Evaluate(Mail("Other"))));
    }

    [Fact]
    public void WildcardMasksAreUnanchoredSubjectPatterns()
    {
        const string rule = "SubjectLineMask=Report*done?\nEvent=e\nAllowedSenders=ALL\nUseWildCards=True\n";
        Assert.Equal(RuleOutcome.Accepted, One(rule, Mail("Daily Report 42 done!")).Outcome);
        Assert.Equal(RuleOutcome.NotMatched, One(rule, Mail("Report (x) done")).Outcome);
        Assert.Equal(RuleOutcome.Accepted, One("SubjectLineMask=(1+1)*\nEvent=e\nAllowedSenders=ALL\nUseWildCards=True\n", Mail("is (1+1) two")).Outcome);
    }

    [Fact]
    public void TheBodyIsReadOnceAndOnlyWhenARuleNeedsIt()
    {
        var counting = new CountingContent(MimeMessage.Load(TestPaths.Fixture("messages", "plain.eml")));
        var message = new Message("id", "src", MimeSummary.Summarize(counting.Message), Noon, 1, counting);
        new RuleEngine(new[] { RuleFrom("SubjectLineMask=Test\nEvent=e\nAllowedSenders=ALL\n") }, Utc()).Evaluate(message);
        Assert.Equal(0, counting.Loads);
        var bodyRules = new[]
        {
            RuleFrom("SubjectLineMask=Records: (\\d+)\nEvent=e\nAllowedSenders=ALL\nProcessBody=Yes\n"),
            RuleFrom("SubjectLineMask=batch\nEvent=e\nAllowedSenders=ALL\nProcessBody=Yes\n").WithName("Configuration2"),
        };
        var results = new RuleEngine(bodyRules, Utc()).Evaluate(message);
        Assert.Equal(1, counting.Loads);
        Assert.Equal(new[] { "Body:Records: 1200" }, results[0].MatchedOn);
    }

    [Fact]
    public void EveryCorpusMessageEvaluatesWithoutAnUnhandledError()
    {
        var engine = new RuleEngine(new[]
        {
            RuleFrom("SubjectLineMask=.\nEvent=$CONSOLE:DISPLAY,[[SUBJECT]]\nAllowedSenders=ALL\nProcessBody=Yes\nAttachmentMask=.\nProcessAttachments=True\n"),
        }, Utc());
        var evaluated = 0;
        foreach (var file in TestPaths.CorpusFiles())
        {
            IEnumerable<Message> messages;
            try { messages = MessageFileReader.ReadFile(file).ToList(); }
            catch (MessageReadException) { continue; }
            foreach (var m in messages)
            {
                var r = Assert.Single(engine.Evaluate(m));
                Assert.NotNull(r.Reason);
                evaluated++;
            }
        }
        Assert.True(evaluated >= 40);
    }

    private sealed class CountingContent(MimeMessage message) : IMessageContent
    {
        public MimeMessage Message { get; } = message;
        public int Loads { get; private set; }
        public MimeMessage Load(CancellationToken cancellationToken) { Loads++; return Message; }
        public MailSource? Source => null;
        public void WriteTo(Stream destination, CancellationToken cancellationToken) => Message.WriteTo(destination, cancellationToken);
    }

    // ---- a run's lean evaluation (explainMisses: false) ------------------------------------------------------

    [Fact]
    public void LeanEvaluationGivesTheSameOutcomesAndReasonsAndDropsOnlyTheChecksOfMisses()
    {
        var doc = IniDocument.Parse("[General]\nMSGINDirectory=/m\n" + AdminToken
            + "[Configuration1]\n" + TestRule
            + "[Configuration2]\nSubjectLineMask=^Backup (\\S+) done$\nEvent=$JOB:ADD,[[1]],B,C\nAllowedSenders=ALL\nAllowedTimeFrame=0000-2400\nProcessAttachments=True\nAttachmentMask=\\.pdf$\n"
            + "[Configuration3]\nSubjectLineMask=^JOB (\\w+) FAILED$\nEvent=$JOB:RESTART,,SCHED,[[1]]\nAllowedSenders=ALL\nProcessBody=Yes\nQualifyingSubjectLine=^Nightly report\n");
        var config = ConfigurationReader.Read(doc);
        Assert.DoesNotContain(config.Findings, f => f.Severity == FindingSeverity.Error);
        var engine = new RuleEngine(config.Rules, Utc());
        var mails = new[]
        {
            Mail("This is a Test"), Mail("Test", from: "someone@elsewhere.example"), Mail("Backup db1 done"),
            Mail("Backup db1 done", attachments: new[] { ("r.pdf", "application/pdf") }), Mail("Unrelated"),
            Mail("Nightly report", body: "JOB PAYROLL FAILED\nall else fine"), Mail("Nightly report", body: "nothing"),
        };
        var misses = 0;
        foreach (var mail in mails)
        {
            var full = engine.Evaluate(mail);
            var lean = engine.Evaluate(mail, explainMisses: false);
            Assert.Equal(full.Select(r => (r.Rule, r.Outcome, r.Reason)), lean.Select(r => (r.Rule, r.Outcome, r.Reason)));
            Assert.Equal(engine.Verdict(full), engine.Verdict(lean));
            for (var i = 0; i < full.Count; i++)
            {
                Assert.Equal(full[i].Events, lean[i].Events);
                if (lean[i].Outcome == RuleOutcome.NotMatched && !config.Rules.Single(x => x.Name == lean[i].Rule).ProcessBody)
                {
                    misses++;
                    Assert.NotEmpty(full[i].Checks);
                    Assert.Empty(lean[i].Checks);
                }
                else
                {
                    Assert.Equal(full[i].Checks.Select(c => (c.Name, c.Status, c.Detail)), lean[i].Checks.Select(c => (c.Name, c.Status, c.Detail)));
                }
            }
        }
        Assert.True(misses >= 7, $"only {misses} misses were compared");
    }
}

internal static class RuleTestExtensions
{
    public static Rule WithName(this Rule rule, string name) { rule.Name = name; return rule; }
}

public class SenderAuthenticationTests
{
    private static Message Signed(string from, params string[] authenticationResults)
    {
        var text = string.Concat(authenticationResults.Select(a => "Authentication-Results: " + a + "\r\n"))
            + $"From: {from}\r\nTo: jobs@smartemail.test\r\nSubject: Test\r\nDate: Wed, 25 Nov 2026 12:00:00 +0000\r\n\r\nbody\r\n";
        var mime = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text)));
        return SmartEmail.Mail.MimeSummary.InMemory(mime, Guid.NewGuid().ToString(), "test", DateTimeOffset.UtcNow, text.Length);
    }

    private static RuleResult Evaluate(Message message) =>
        Assert.Single(new RuleEngine(new[]
        {
            new RuleBuilder { Name = "Auth", SubjectLineMask = "Test", Events = new[] { "$CONSOLE:DISPLAY,x" }, AllowedSenders = new[] { "any@bank.example" },
                RequireAuthenticatedSender = true, TrustedAuthServId = "mx.mycorp.example" }.Build(),
        }, new RuleSettings { TimeZone = "UTC" }).Evaluate(message));

    [Theory]
    [InlineData("mx.mycorp.example; dmarc=pass header.from=bank.example; dkim=pass header.d=bank.example", true)]
    [InlineData("mx.mycorp.example; dkim=pass header.d=bank.example; spf=fail", true)]
    [InlineData("mx.mycorp.example; dkim=pass header.d=mail.bank.example", false)] // not aligned: From is the parent domain
    [InlineData("mx.mycorp.example; dkim=pass header.d=evil.example; dmarc=fail", false)]
    [InlineData("mx.mycorp.example; dmarc=fail header.from=bank.example", false)]
    [InlineData("mx.other.example; dmarc=pass header.from=bank.example", false)]
    public void OnlyTheTrustedServersVerdictCounts(string results, bool accepted)
    {
        var r = Evaluate(Signed("payments@bank.example", results));
        Assert.Equal(accepted ? RuleOutcome.Accepted : RuleOutcome.Rejected, r.Outcome);
        if (!accepted)
            Assert.Equal("Invalid Sender", r.Reason);
        Assert.Single(r.Checks, c => c.Name == "Authenticated");
    }

    [Fact]
    public void AForgedHeaderBelowTheTrustedOneIsIgnored()
    {
        // The sender wrote a passing header with our authserv-id; our server added its own, failing one, on top.
        var r = Evaluate(Signed("payments@bank.example", "mx.mycorp.example; dmarc=fail header.from=bank.example", "mx.mycorp.example; dmarc=pass header.from=bank.example"));
        Assert.Equal(RuleOutcome.Rejected, r.Outcome);
        Assert.Contains("dmarc=fail", Assert.Single(r.Checks, c => c.Name == "Authenticated").Detail);
    }

    [Fact]
    public void NoHeaderFromTheTrustedServerIsARejection()
    {
        var r = Evaluate(Signed("payments@bank.example"));
        Assert.Equal(RuleOutcome.Rejected, r.Outcome);
        Assert.Contains("no Authentication-Results header", Assert.Single(r.Checks, c => c.Name == "Authenticated").Detail);
    }

    [Fact]
    public void TheIniNeedsTheTrustedAuthServId()
    {
        var c = ConfigurationReader.Read(IniDocument.Parse("[General]\nMSGINDirectory=/m\n[Configuration1]\nSubjectLineMask=x\nEvent=e\nAllowedSenders=ALL\nRequireAuthenticatedSender=True\n"));
        Assert.Contains(c.Findings, f => f.Severity == FindingSeverity.Error && f.Key == "TrustedAuthServId");
        var ok = ConfigurationReader.Read(IniDocument.Parse("[General]\nMSGINDirectory=/m\nTrustedAuthServId=mx.mycorp.example\n[Configuration1]\nSubjectLineMask=x\nEvent=e\nAllowedSenders=ALL\nRequireAuthenticatedSender=True\n"));
        Assert.DoesNotContain(ok.Findings, f => f.Severity == FindingSeverity.Error);
    }
}
