using MimeKit;
using SmartEmail.Mail;
using SmartEmail.Rules;
using Xunit;
using Xunit.Abstractions;

namespace SmartEmail.Engine.Tests.Fuzz;

/// <summary>
/// Broken and hostile MIME through every reading path: the file reader (single messages and mbox), the in-memory
/// parse IMAP uses, the summary (subject, sender, date, attachments), the body as lines, a rule that reads body and
/// attachments, and the download file name. The only exception any of them may throw is MessageReadException.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class MimeFuzzTests : IDisposable
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(5);
    private readonly ITestOutputHelper _output;
    private readonly string _folder = Directory.CreateTempSubdirectory("smartemail-fuzz-mime-").FullName;

    public MimeFuzzTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void MalformedMessagesAreReadOrRefusedWithMessageReadException()
    {
        var engine = new RuleEngine(new[] { EveryMessageRule() }, new RuleSettings { TimeZone = "UTC", RegexTimeout = TimeSpan.FromMilliseconds(200) });
        var read = 0;
        var refused = 0;
        var stats = FuzzRunner.Run(_output, "mime", 800, MalformedMime.Generate, c => c.ToString(), c =>
        {
            if (CheckFile(c.Bytes, engine))
                read++;
            else
                refused++;
            CheckInMemory(c.Bytes);
        }, PerCase, c => AllocationLimit(c.Bytes.Length));
        _output.WriteLine($"read {read}, refused with MessageReadException {refused}");
        Assert.True(stats.Cases < 50 || read > stats.Cases / 2, $"only {read} of {stats.Cases} cases were read at all: the generator makes nothing but garbage");
    }

    [Fact]
    public void MutatedCorpusMessagesAreReadOrRefusedWithMessageReadException()
    {
        var corpus = TestPaths.CorpusFiles().Select(File.ReadAllBytes).ToArray();
        var engine = new RuleEngine(new[] { EveryMessageRule() }, new RuleSettings { TimeZone = "UTC", RegexTimeout = TimeSpan.FromMilliseconds(200) });
        FuzzRunner.Run(_output, "mime-corpus", 400, (r, i) => Mutate(corpus[i % corpus.Length], r), c => $"{c.Length} bytes", c =>
        {
            CheckFile(c, engine);
            CheckInMemory(c);
        }, PerCase, c => AllocationLimit(c.Length));
    }

    /// <summary>
    /// What one case may allocate, all reading paths together (each parses the message once or twice). Linear in the
    /// size, plus a quadratic term: MimeKit 4.18.2 allocates O(n²) for one header of n bytes, worst when it is folded
    /// (a 1 MB folded header allocates ~8 GB and takes ~4 s per parse; see docs/reliability.md). The quadratic term is
    /// sized to that, so the check still catches anything worse, and anything super-linear on ordinary messages.
    /// </summary>
    private static long AllocationLimit(long size) => 64L * 1024 * 1024 + 64 * size + size * size / 16;

    /// <summary>Reads the bytes as a message file; returns whether they were read (false: refused as documented).</summary>
    private bool CheckFile(byte[] bytes, RuleEngine engine)
    {
        var path = Path.Combine(_folder, "case.eml");
        File.WriteAllBytes(path, bytes);
        IEnumerable<Message> messages;
        try
        {
            messages = MessageFileReader.ReadFile(path);
        }
        catch (MessageReadException e)
        {
            Assert.Equal(path, e.Target);
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return false;
        }
        var list = messages.ToList();
        Assert.NotEmpty(list);
        foreach (var m in list)
        {
            CheckSummary(m);
            // A message that was read once must load again for the body (the rule engine does that): no exception at all.
            CheckLines(MessageText.BodyLines(m.Content.Load(CancellationToken.None)));
            var results = engine.Evaluate(m);
            var result = Assert.Single(results);
            Assert.NotNull(result.Reason);
            Assert.All(result.Events, e => Assert.False(e.Any(char.IsControl), "an accepted event holds a control character"));
            CheckDownloadName(m);
        }
        return true;
    }

    /// <summary>The IMAP and POP3 path: the same parser options over a buffer, then the summary.</summary>
    private static void CheckInMemory(byte[] bytes)
    {
        MimeMessage message;
        try
        {
            message = new MimeParser(MimeOptions.Parser, new MemoryStream(bytes), MimeFormat.Entity).ParseMessage();
        }
        catch (FormatException)
        {
            return; // what ImapMailSource turns into MessageReadException
        }
        var m = MimeSummary.InMemory(message, "fuzz", "fuzz", null, bytes.Length);
        CheckSummary(m);
        CheckLines(MessageText.BodyLines(message));
    }

    private static void CheckSummary(Message m)
    {
        Assert.NotNull(m.Subject);
        Assert.NotNull(m.From);
        Assert.NotNull(m.FromName);
        Assert.NotNull(m.MessageId);
        Assert.All(m.To, a => Assert.False(string.IsNullOrEmpty(a)));
        Assert.All(m.Cc, a => Assert.False(string.IsNullOrEmpty(a)));
        Assert.All(m.Attachments, a => Assert.False(string.IsNullOrWhiteSpace(a), "an attachment name is blank"));
        Assert.NotNull(m.ToString());
        _ = m.ArrivalTime;
    }

    private static void CheckLines(IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            Assert.NotEqual(0, line.Length);
            Assert.Equal(line.Trim(), line);
            Assert.DoesNotContain('\n', line);
            Assert.DoesNotContain('\r', line);
        }
    }

    private void CheckDownloadName(Message m)
    {
        var stem = MessageStore.FileNameFor(m);
        SafeNameFuzzTests.AssertSafe(stem, 15 + 1 + 80 + 1 + 8, _folder);
    }

    /// <summary>Accepts every message that has a subject line, reads the body and needs an attachment: every path runs.</summary>
    private static Rule EveryMessageRule() => new RuleBuilder
    {
        Name = "Fuzz",
        SubjectLineMask = "(.*)",
        Events = new[] { "$JOB:ADD,[[1]],[[SENDER]],[[SUBJECT]],[[DATE]],[[ATTACHMENT]],[[A1]]" },
        AttachmentMask = "(.+)",
        ProcessBody = true,
        ProcessAttachments = true,
        TimeZone = "UTC",
        UnsafeValueAction = UnsafeValueAction.Strip,
    }.Build();

    private static byte[] Mutate(byte[] original, Random r)
    {
        var bytes = original.ToList();
        for (var i = r.Next(1, 12); i > 0 && bytes.Count > 0; i--)
        {
            var at = r.Next(bytes.Count);
            switch (r.Next(6))
            {
                case 0: bytes[at] = (byte)r.Next(256); break;
                case 1: bytes.RemoveRange(at, Math.Min(bytes.Count - at, r.Next(1, 64))); break;
                case 2: bytes.InsertRange(at, bytes.Skip(r.Next(bytes.Count)).Take(r.Next(1, 256)).ToList()); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                case 4: bytes.Insert(at, 0); break;
                default: bytes.InsertRange(at, "\r\n--"u8.ToArray()); break;
            }
        }
        return bytes.ToArray();
    }
}
