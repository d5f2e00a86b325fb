using SmartEmail.Ini;
using SmartEmail.Run;
using Xunit;

namespace SmartEmail.Engine.Tests.Run;

/// <summary>
/// The whole run (its rules, RejectEvent, logs, the exactly-once processor) over the services it is handed: an
/// in-memory mailbox and MSGIN sink instead of a server and a folder, so hostile mail is tried in milliseconds.
/// </summary>
public sealed class SmartEmailRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("smartemail-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (SmartEmailRun Run, FakeMailbox Mailbox, FakeSink Sink) Run(string general, string audit, string rules, params string[] subjects)
    {
        var ini = Path.Combine(_dir, "SMArtEmail.ini");
        File.WriteAllText(ini, $"[General]\nMSGINDirectory=msgin\nOpConUser=ocadm\n{general}\n[Mail]\nEmailProtocol=Folder\nServer=mailbox\n[Audit]\n{audit}\n{rules}");
        var configuration = ConfigurationReader.Load(ini);
        var plan = new CrashPlan();
        var mailbox = new FakeMailbox(plan, watermark: true);
        for (var i = 0; i < subjects.Length; i++)
            mailbox.Add((uint)(i + 1), subjects[i]);
        var sink = new FakeSink(plan);
        var run = new SmartEmailRun(configuration, new RunOptions(), NullEngineLog.Instance,
            () => new RunServices(mailbox, sink, null, new FixedClock()), new MemoryStateStore(plan));
        return (run, mailbox, sink);
    }

    [Theory]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\u0085")]
    [InlineData("\u000b")]
    public void ALineSeparatorInASubjectFailsNoRunAndNoLogLine(string separator)
    {
        var log = Path.Combine(_dir, "reject.log");
        var (run, mailbox, sink) = Run("UnsafeValueAction=Strip", $"RejectEvent=$CONSOLE:DISPLAY,rejected [[SUBJECT]]\nLogRejects=True\nAuditRejectLogFile={log}\nLogRejectFormat=Rejected [[SUBJECT]]: [[REASON]]",
            "[Configuration1]\nSubjectLineMask=^never$\nEvent=$CONSOLE:DISPLAY,x\nAllowedSenders=ALL\n", $"Weekly{separator}report");
        var first = run.Execute(CancellationToken.None);
        Assert.Empty(first.Errors);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(new[] { "$CONSOLE:DISPLAY,rejected Weeklyreport" }, sink.Delivered);
        var line = Assert.Single(File.ReadAllLines(log));
        Assert.EndsWith(" Rejected Weekly report: " + IniSchema.DefaultOf("Audit", "RejectNoMatchingSubjectMessage"), line, StringComparison.Ordinal);
        Assert.DoesNotContain(separator, File.ReadAllText(log));
        var second = run.Execute(CancellationToken.None);
        Assert.Equal((0, 0), (second.Scanned, second.Errors.Length));
        Assert.Single(mailbox.Messages); // DeleteEmails=Match: a rejected message stays
    }

    [Fact]
    public void UnderRejectAnUnsafeRejectEventIsNotSubmittedAndTheRunWarnsWithoutFailing()
    {
        var (run, _, sink) = Run("", "RejectEvent=$CONSOLE:DISPLAY,rejected [[SUBJECT]]", "[Configuration1]\nSubjectLineMask=^never$\nEvent=$CONSOLE:DISPLAY,x\nAllowedSenders=ALL\n", "a, b");
        var result = run.Execute(CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(sink.Delivered);
        Assert.Contains("RejectEvent was not submitted for message 'a, b'", Assert.Single(result.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void AnInternationalSubjectIsTransliteratedForAsciiMsgInAndTheRunSaysSoOnce()
    {
        var (run, _, sink) = Run("", "", "[Configuration1]\nSubjectLineMask=.\nEvent=$PROPERTY:SET,S,[[SUBJECT]]\nAllowedSenders=ALL\n", "Résumé ready", "テスト", "Straße 📧");
        var result = run.Execute(CancellationToken.None);
        Assert.Equal((0, 3), (result.ExitCode, result.EventsSubmitted));
        Assert.Equal(new[] { "$PROPERTY:SET,S,Resume ready", "$PROPERTY:SET,S,???", "$PROPERTY:SET,S,Strasse ?" }, sink.Delivered);
        Assert.Contains("transliterated", Assert.Single(result.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void WithUtf8MsgInNothingIsTransliterated()
    {
        var (run, _, sink) = Run("MsgInEncoding=UTF-8", "", "[Configuration1]\nSubjectLineMask=.\nEvent=$PROPERTY:SET,S,[[SUBJECT]]\nAllowedSenders=ALL\n", "Résumé テスト");
        var result = run.Execute(CancellationToken.None);
        Assert.Equal(new[] { "$PROPERTY:SET,S,Résumé テスト" }, sink.Delivered);
        Assert.Empty(result.Warnings);
    }
}
