using MimeKit;
using SmartEmail.Events;
using SmartEmail.Mail;
using SmartEmail.Run;

namespace SmartEmail.Engine.Tests.Run;

/// <summary>A process dying at a step boundary: nothing after it runs, only what was written survives.</summary>
public sealed class SimulatedCrash(string step) : Exception($"crashed at '{step}'")
{
    public string Step { get; } = step;
}

/// <summary>Counts the step boundaries a run passes and, when asked, dies at the n-th one.</summary>
public sealed class CrashPlan
{
    public int CrashAt { get; set; } = -1;
    public int Passed { get; private set; }
    public List<string> Steps { get; } = new();

    public void Step(string name)
    {
        Passed++;
        Steps.Add(name);
        if (Passed == CrashAt)
            throw new SimulatedCrash(name);
    }
}

/// <summary>An in-memory mailbox: IMAP-like (UIDs in one UIDVALIDITY, a watermark) or POP-like (keys only).</summary>
internal sealed class FakeMailbox : MailSource
{
    private readonly SortedDictionary<uint, Message> _messages = new();
    private readonly bool _watermark;
    private readonly CrashPlan _plan;

    public FakeMailbox(CrashPlan plan, bool watermark) : base(new MailboxSettings { Server = "fake" }, NullEngineLog.Instance)
    {
        _plan = plan;
        _watermark = watermark;
    }

    public uint Epoch { get; set; } = 7;
    public Func<IReadOnlyList<Message>, string?>? DeleteCheck { get; set; }
    public List<string> Violations { get; } = new();
    public int Reads { get; private set; }
    public IEnumerable<Message> Messages => _messages.Values;

    public override string Uri => "fake://mailbox";

    public Message Add(uint uid, string subject, string? body = null)
    {
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse("sender@example.com"));
        mime.Subject = subject;
        mime.MessageId = $"m{uid}@example.com";
        mime.Body = new TextPart("plain") { Text = body ?? "body" };
        var message = MimeSummary.InMemory(mime, $"{Epoch}/{uid}", Uri, DateTimeOffset.UtcNow.AddMinutes(uid), 100);
        _messages[uid] = message;
        return message;
    }

    public uint UidOf(Message message) => _messages.First(m => ReferenceEquals(m.Value, message)).Key;

    public override MessageKey KeyOf(Message message) =>
        _watermark ? new MessageKey(Epoch, UidOf(message)) : new MessageKey("pop-" + UidOf(message));

    public override bool SupportsWatermark => _watermark;

    public override IEnumerable<Message> Read(ReadOptions options, CancellationToken cancellationToken)
    {
        Reads++;
        foreach (var (uid, message) in _messages.ToList())
        {
            if (_watermark && options.After is MessageKey after && after.Epoch == Epoch && uid <= after.Position)
                continue;
            yield return message;
        }
    }

    public override void Delete(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        if (DeleteCheck?.Invoke(messages) is string violation)
            Violations.Add(violation);
        _plan.Step("before delete");
        foreach (var message in messages)
            _messages.Remove(UidOf(message));
        _plan.Step("after delete");
    }

    public override void Disconnect() { }
}

/// <summary>An MSGIN folder and its work folder, in memory: prepared events are invisible to OpCon until committed.</summary>
internal sealed class FakeSink(CrashPlan plan, bool twoPhase = true) : IEventSink
{
    private int _next;

    public Dictionary<string, string> Prepared { get; } = new();
    public List<string> Delivered { get; } = new();
    public Func<string, EventSubmitException?>? Refuse { get; set; }

    public bool TwoPhase => twoPhase;

    public string Prepare(string @event)
    {
        if (Refuse?.Invoke(@event) is EventSubmitException e)
            throw e;
        plan.Step("before prepare");
        var handle = "work/" + ++_next + ".prepared";
        Prepared[handle] = @event;
        plan.Step("after prepare");
        return handle;
    }

    public SubmittedEvent Commit(string handle, string @event, string rule, string messageId)
    {
        plan.Step("before commit");
        if (Prepared.Remove(handle))
            Delivered.Add(@event); // a handle gone from the work folder was delivered before: nothing again
        plan.Step("after commit");
        return new SubmittedEvent(@event, EventTransport.MsgIn, "MSGIN/" + handle, rule, messageId);
    }

    public void Discard(string handle) => Prepared.Remove(handle);

    public void RemoveOrphans(ISet<string> recorded, DateTime before)
    {
        foreach (var handle in Prepared.Keys.Where(h => !recorded.Contains(h)).ToList())
            Prepared.Remove(handle);
    }

    public SubmittedEvent Submit(string @event, string rule, string messageId, CancellationToken cancellationToken)
    {
        if (Refuse?.Invoke(@event) is EventSubmitException e)
            throw e;
        plan.Step("before submit");
        Delivered.Add(@event);
        plan.Step("after submit");
        return new SubmittedEvent(@event, EventTransport.Api, null, rule, messageId);
    }

    public void Dispose() { }
}

/// <summary>A state store in memory whose write is atomic, like the state file's.</summary>
internal sealed class MemoryStateStore(CrashPlan plan) : IStateStore
{
    public byte[]? Data { get; private set; }

    public string Name => "memory";

    public byte[]? Read() => Data;

    public void Write(byte[] data)
    {
        plan.Step("before state save");
        Data = data;
        plan.Step("after state save");
    }
}

/// <summary>Rules in miniature: a subject starting "ok" is accepted with two events; "bad" cannot be read; others are rejected.</summary>
internal sealed class FakeSteps : IMessageSteps
{
    public List<string> Completed { get; } = new();
    public List<string> FailedMessages { get; } = new();
    public List<string> SetAsideMessages { get; } = new();

    public static IReadOnlyList<string> EventsOf(Message m) =>
        m.Subject.StartsWith("ok", StringComparison.Ordinal) ? new[] { $"$JOB:ADD,S,{m.Subject},A", $"$PROPERTY:SET,P,{m.Subject}" } : Array.Empty<string>();

    public MessageDecision Decide(Message message, CancellationToken cancellationToken)
    {
        if (message.Subject.StartsWith("bad", StringComparison.Ordinal))
            throw new MessageReadException(message.Id, $"Message {message.Id} cannot be read.");
        var events = EventsOf(message).Select(e => new PlannedEvent(e, "R")).ToList();
        return new MessageDecision(events.Count != 0, events.Count != 0 ? string.Empty : "no rule", events, Array.Empty<RuleResult>());
    }

    void IMessageSteps.Completed(Message message, MessageDecision decision, CancellationToken cancellationToken) => Completed.Add(message.Subject);

    public void Failed(Message message, string error) => FailedMessages.Add(message.Subject);

    public void SetAside(Message message, string reason) => SetAsideMessages.Add(message.Subject);
}

internal sealed class FixedClock : IClock
{
    public DateTimeOffset Now { get; set; } = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
}
