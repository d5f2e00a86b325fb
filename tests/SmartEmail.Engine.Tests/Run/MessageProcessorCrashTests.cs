using SmartEmail.Run;
using Xunit;
using Xunit.Abstractions;

namespace SmartEmail.Engine.Tests.Run;

/// <summary>
/// The exactly-once processor with in-memory fakes (mailbox, MSGIN sink, state store), killed at every step boundary it
/// passes: before and after each prepared event, each commit into MSGIN, each delete and each state save. The next run
/// must deliver every event exactly once and never delete a message whose events were not all delivered.
/// </summary>
public sealed class MessageProcessorCrashTests(ITestOutputHelper output)
{
    private static readonly string[] Subjects = { "ok1", "ok2", "no3", "ok4", "no5", "ok6" };

    private sealed class World
    {
        public CrashPlan Plan { get; } = new();
        public FakeMailbox Mailbox { get; }
        public FakeSink Sink { get; }
        public MemoryStateStore Store { get; }
        public FakeSteps Steps { get; } = new();
        public FixedClock Clock { get; } = new();

        public World(bool watermark, params string[] subjects)
        {
            Mailbox = new FakeMailbox(Plan, watermark);
            Sink = new FakeSink(Plan);
            Store = new MemoryStateStore(Plan);
            for (var i = 0; i < subjects.Length; i++)
                Mailbox.Add((uint)(i + 1), subjects[i]);
            // Deleting a message whose events are not all in MSGIN loses them: the one thing that must never happen.
            Mailbox.DeleteCheck = messages =>
            {
                var unsent = messages.SelectMany(FakeSteps.EventsOf).Where(e => !Sink.Delivered.Contains(e)).ToList();
                return unsent.Count == 0 ? null : $"deleted with undelivered events: {string.Join(" | ", unsent)}";
            };
        }

        public RunReport Run(DeleteMode mode, int maxAttempts = 3)
        {
            var report = new RunReport();
            var options = new ProcessorOptions { DeleteMode = mode, MaxAttempts = maxAttempts };
            new MessageProcessor(Mailbox, Sink, RunState.Load(Store), options, Steps, report, Clock, NullEngineLog.Instance).Run(CancellationToken.None);
            return report;
        }

        public RunState State => RunState.Load(Store);
    }

    public static TheoryData<bool, DeleteMode> Modes()
    {
        var data = new TheoryData<bool, DeleteMode>();
        foreach (var watermark in new[] { true, false })
            foreach (var mode in new[] { DeleteMode.Match, DeleteMode.All, DeleteMode.None })
                data.Add(watermark, mode);
        return data;
    }

    private static List<string> Expected() => Subjects.SelectMany(s => FakeSteps.EventsOf(new World(true, s).Mailbox.Messages.Single())).OrderBy(e => e).ToList();

    private static IEnumerable<string> Kept(DeleteMode mode) => mode switch
    {
        DeleteMode.None => Subjects,
        DeleteMode.All => Array.Empty<string>(),
        _ => Subjects.Where(s => !s.StartsWith("ok", StringComparison.Ordinal)),
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public void ACrashAtAnyStepThenARunDeliversEveryEventExactlyOnceAndDeletesNothingUnsent(bool watermark, DeleteMode mode)
    {
        var clean = new World(watermark, Subjects);
        clean.Run(mode);
        var boundaries = clean.Plan.Passed;
        var names = clean.Plan.Steps.Distinct().ToList();
        Assert.Contains("before prepare", names);
        Assert.Contains("after commit", names);
        Assert.Contains("after state save", names);
        if (mode != DeleteMode.None)
            Assert.Contains("after delete", names);
        Assert.Equal(Expected(), clean.Sink.Delivered.OrderBy(e => e));

        for (var k = 1; k <= boundaries; k++)
        {
            var world = new World(watermark, Subjects);
            world.Plan.CrashAt = k;
            var crash = Assert.Throws<SimulatedCrash>(() => world.Run(mode));
            world.Plan.CrashAt = -1;
            var second = world.Run(mode);
            var where = $"crash {k} of {boundaries} ({crash.Step}), watermark {watermark}, DeleteEmails={mode}";

            Assert.True(Expected().SequenceEqual(world.Sink.Delivered.OrderBy(e => e)), $"{where}: delivered {string.Join(" | ", world.Sink.Delivered)}");
            Assert.True(world.Mailbox.Violations.Count == 0, $"{where}: {string.Join("; ", world.Mailbox.Violations)}");
            Assert.True(second.Errors.Count == 0, $"{where}: {string.Join("; ", second.Errors)}");
            Assert.Equal(Kept(mode).OrderBy(s => s), world.Mailbox.Messages.Select(m => m.Subject).OrderBy(s => s));

            // And nothing is left over: a third run handles nothing and sends nothing.
            var delivered = world.Sink.Delivered.Count;
            var third = world.Run(mode);
            Assert.True(third.Scanned == 0, $"{where}: the third run handled {third.Scanned} message(s) again");
            Assert.Equal(delivered, world.Sink.Delivered.Count);
            Assert.All(world.State.Mailbox(world.Mailbox.Uri).Messages.Values, m => Assert.Equal(MessageStatus.Done, m.Status));
        }
        output.WriteLine($"watermark {watermark}, DeleteEmails={mode}: killed at each of {boundaries} step boundaries");
    }

    [Fact]
    public void AMessageThatCannotBeReadIsSetAsideAfterMaxAttemptsAndNoLaterRunFails()
    {
        var world = new World(watermark: true, "ok1", "bad2", "ok3");
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var failed = world.Run(DeleteMode.Match);
            Assert.Single(failed.Errors);
            Assert.Empty(failed.SetAside);
            var entry = world.State.Mailbox(world.Mailbox.Uri).Messages["2"];
            Assert.Equal((MessageStatus.Failed, attempt), (entry.Status, entry.Attempts));
        }
        var third = world.Run(DeleteMode.Match);
        Assert.Contains("set aside", Assert.Single(third.Errors), StringComparison.Ordinal);
        Assert.Contains("'bad2'", Assert.Single(third.SetAside), StringComparison.Ordinal);
        Assert.Equal(new[] { "bad2" }, world.Steps.SetAsideMessages);

        var fourth = world.Run(DeleteMode.Match);
        Assert.Empty(fourth.Errors);
        Assert.Empty(fourth.SetAside);
        Assert.Equal(0, fourth.Scanned);
        Assert.Single(world.Steps.SetAsideMessages); // audited once
        var mailbox = world.State.Mailbox(world.Mailbox.Uri);
        Assert.Equal(MessageStatus.SetAside, mailbox.Messages["2"].Status);
        Assert.Contains("cannot be read", mailbox.Messages["2"].Reason, StringComparison.Ordinal);
        Assert.Equal(2u, mailbox.Watermark); // the watermark covers it (UID 3 was deleted): it is finished, though never deleted
        Assert.Equal(new[] { "bad2" }, world.Mailbox.Messages.Select(m => m.Subject)); // kept, never deleted
        Assert.Equal(4, world.Sink.Delivered.Count);
    }

    [Fact]
    public void ASetAsideMessageOfAMailboxWithoutWatermarkIsSkippedEveryRunAfter()
    {
        var world = new World(watermark: false, "bad1", "no2");
        var errors = Enumerable.Range(0, 5).Select(_ => world.Run(DeleteMode.None).Errors.Count).ToList();
        Assert.Equal(new[] { 1, 1, 1, 0, 0 }, errors);
        Assert.Equal(MessageStatus.SetAside, world.State.Mailbox(world.Mailbox.Uri).Messages["pop-1"].Status);
    }

    [Fact]
    public void AnEventTheMessageMadeInvalidCountsAsItsOwnFailure()
    {
        var world = new World(watermark: true, "ok1", "ok2");
        world.Sink.Refuse = e => e.Contains("ok1", StringComparison.Ordinal) ? new EventSubmitException(EventErrorKind.EventInvalid, "The event holds a line break.") : null;
        Assert.Equal(new[] { 1, 1, 1, 0 }, Enumerable.Range(0, 4).Select(_ => world.Run(DeleteMode.Match).Errors.Count));
        Assert.Equal(new[] { "ok1" }, world.Steps.SetAsideMessages);
        Assert.DoesNotContain(world.Sink.Delivered, e => e.Contains("ok1", StringComparison.Ordinal));
    }

    [Fact]
    public void AMissingMsgInFolderIsNoFaultOfTheMessageAndNeverSetsItAside()
    {
        var world = new World(watermark: true, "ok1");
        world.Sink.Refuse = _ => new EventSubmitException(EventErrorKind.MsgInDirectoryMissing, "The MSGIN folder does not exist.");
        for (var run = 0; run < 5; run++)
            Assert.Single(world.Run(DeleteMode.Match, maxAttempts: 2).Errors);
        var entry = world.State.Mailbox(world.Mailbox.Uri).Messages["1"];
        Assert.Equal((MessageStatus.Failed, 0), (entry.Status, entry.Attempts));
        Assert.Empty(world.Steps.SetAsideMessages);

        world.Sink.Refuse = null; // the folder is back
        var fixedRun = world.Run(DeleteMode.Match);
        Assert.Empty(fixedRun.Errors);
        Assert.Equal(2, world.Sink.Delivered.Count);
        Assert.Empty(world.Mailbox.Messages);
    }

    [Fact]
    public void ARecreatedFolderStartsItsWatermarkAgain()
    {
        var world = new World(watermark: true, "ok1", "ok2");
        world.Run(DeleteMode.None);
        Assert.Equal(2u, world.State.Mailbox(world.Mailbox.Uri).Watermark);
        world.Mailbox.Epoch = 8; // UIDVALIDITY changed: UID 1 and 2 are other messages now
        world.Mailbox.Add(1, "ok1b");
        world.Run(DeleteMode.None);
        Assert.Contains("$JOB:ADD,S,ok1b,A", world.Sink.Delivered);
        Assert.Equal(8u, world.State.Mailbox(world.Mailbox.Uri).UidValidity);
    }
}
