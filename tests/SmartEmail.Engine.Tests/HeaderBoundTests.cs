using System.Diagnostics;
using System.Text;
using MimeKit;
using SmartEmail.Mail;
using Xunit;

namespace SmartEmail.Engine.Tests;

/// <summary>The header bound (HeaderBlock) and the one parse every reading path uses (MimeSummary.Parse).</summary>
public class HeaderBoundTests
{
    private sealed class RecordingLog : IEngineLog
    {
        public List<string> Warnings { get; } = new();
        public void Verbose(string text) { }
        public void Warning(string text) => Warnings.Add(text);
        public void Progress(string activity, string status, int done, int total) { }
        public void Error(SmartEmailException error) { }
    }

    /// <summary>A message whose <paramref name="name"/> header is folded over 78-byte lines to about <paramref name="bytes"/> bytes.</summary>
    internal static string FoldedHeaderMessage(string name, int bytes, string after = "To: rcpt@example.com\r\n")
    {
        var b = new StringBuilder("From: Sender <sender@example.com>\r\n");
        if (name != "Subject")
            b.Append("Subject: huge header\r\n");
        b.Append(name).Append(": start");
        while (b.Length < bytes)
            b.Append("\r\n folded words folded words folded words folded words folded words folded w");
        return b.Append("\r\n").Append(after).Append("Content-Type: text/plain\r\n\r\nbody line\r\n").ToString();
    }

    private static MimeMessage Parse(string text, int max, RecordingLog? log = null) =>
        MimeSummary.Parse(new MemoryStream(Encoding.UTF8.GetBytes(text)), max, "test message", log ?? new RecordingLog(), persistent: false, CancellationToken.None);

    [Fact]
    public void OrdinaryMailPassesUnchangedAndKeepsTheSeekableInput()
    {
        var bytes = Encoding.ASCII.GetBytes("From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n");
        var input = new MemoryStream(bytes);
        var result = HeaderBlock.Bound(input, 1024 * 1024);
        Assert.Same(input, result.Stream);
        Assert.Equal(0, input.Position);
        Assert.False(result.Truncated);
        Assert.False(result.Rewritten);
    }

    [Fact]
    public void ForwardOnlyInputIsReplayedByteForByte()
    {
        var text = "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\nmore\r\n";
        var result = HeaderBlock.Bound(new ForwardOnly(Encoding.ASCII.GetBytes(text)), 1024 * 1024);
        Assert.False(result.Rewritten);
        Assert.Equal(text, new StreamReader(result.Stream, Encoding.ASCII).ReadToEnd());
    }

    [Fact]
    public void AHeaderBlockOverTheBoundIsCutAtALineAndTheBodyStillFollows()
    {
        var log = new RecordingLog();
        var message = Parse(FoldedHeaderMessage("X-Huge", 300_000), 64 * 1024, log);
        Assert.Equal("huge header", message.Subject);
        Assert.Equal("sender@example.com", message.From.Mailboxes.Single().Address);
        // To and Content-Type came after the cut: the message is processed on what was read.
        Assert.Empty(message.To);
        Assert.Contains("body line", Assert.IsType<TextPart>(message.Body).Text);
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("test message", warning);
        Assert.Contains("MaxHeaderBytes (65536 bytes)", warning);
    }

    [Fact]
    public void ALongFoldedFieldWithinTheBoundIsUnfoldedAndDecodesTheSame()
    {
        var text = FoldedHeaderMessage("Subject", 100_000);
        var expected = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var log = new RecordingLog();
        var bounded = HeaderBlock.Bound(new MemoryStream(Encoding.UTF8.GetBytes(text)), 1024 * 1024);
        Assert.True(bounded.Rewritten);
        Assert.False(bounded.Truncated);
        var message = Parse(text, 1024 * 1024, log);
        Assert.Equal(expected.Headers[HeaderId.Subject], message.Headers[HeaderId.Subject]);
        Assert.Equal(expected.Subject, message.Subject);
        Assert.Equal("rcpt@example.com", message.To.Mailboxes.Single().Address);
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public void AThreeMegabyteFoldedHeaderIsReadWithinABound()
    {
        // MimeKit alone: 2 MB folded takes 11.6 s and allocates 31 GB (quadratic in the field). Bounded and unfolded it
        // is linear. Allocation, not time, is asserted: it is the same on a busy machine, and the quadratic case is
        // tens of gigabytes.
        var text = FoldedHeaderMessage("Subject", 3 * 1024 * 1024);
        var log = new RecordingLog();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var message = Parse(text, MimeOptions.DefaultMaxHeaderBytes, log);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.StartsWith("start folded words", message.Subject);
        Assert.InRange(allocated, 0, 2L * 1024 * 1024 * 1024);
        Assert.Single(log.Warnings);
    }

    [Fact]
    public void AFileWithAHugeHeaderIsListedAndLoadedWithinTheBound()
    {
        var path = Path.Combine(Path.GetTempPath(), "se-huge-" + Guid.NewGuid().ToString("N") + ".eml");
        File.WriteAllText(path, FoldedHeaderMessage("Subject", 3 * 1024 * 1024));
        try
        {
            var log = new RecordingLog();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var message = Assert.Single(MessageFileReader.ReadFile(path, log));
            var loaded = message.Content.Load(CancellationToken.None);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.StartsWith("start folded words", message.Subject);
            Assert.Equal(message.Subject, loaded.Subject);
            Assert.InRange(allocated, 0, 1L * 1024 * 1024 * 1024); // bounded: a few hundred MB; quadratic: tens of GB
            Assert.Contains(path, Assert.Single(log.Warnings));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AMessageOfHeadersOnlyIsNotCut()
    {
        var message = Parse("From: a@example.com\r\nSubject: only headers\r\n", 16 * 1024);
        Assert.Equal("only headers", message.Subject);
    }

    [Theory]
    [InlineData("Subject: first\r\nSubject: second\r\n", "Subject")]
    [InlineData("From: First <first@example.com>\r\nFrom: Second <second@example.com>\r\n", "From")]
    public void OfTwoHeadersTheSummaryTakesMimeKitsChoiceOnEveryPath(string headers, string which)
    {
        // The reference is MimeKit reading the file: whatever it takes, the IMAP and POP3 paths take the same, because
        // they parse the same bytes through MimeSummary.Parse.
        var text = headers + (which == "From" ? "Subject: s\r\n" : "From: a@example.com\r\n") + "\r\nbody\r\n";
        var reference = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var summary = MimeSummary.Summarize(Parse(text, 16 * 1024));
        if (which == "Subject")
            Assert.Equal(reference.Subject, summary.Subject);
        else
            Assert.Equal(reference.From.Mailboxes.First().Address, summary.From);
        // Documented in about_SmartEmail: MimeKit keeps the first Subject and the first From mailbox list.
        Assert.Equal(which == "Subject" ? "first" : "first@example.com", which == "Subject" ? summary.Subject : summary.From);
    }

    [Fact]
    public void TheMaxHeaderBytesSettingIsValidatedOnItsLine()
    {
        var dir = Directory.CreateTempSubdirectory("se-maxheader").FullName;
        try
        {
            var ini = Path.Combine(dir, "SMArtEmail.ini");
            File.WriteAllLines(ini, new[] { "[General]", "MSGINDirectory=" + dir, "MaxHeaderBytes=100", "", "[Mail]", "EmailProtocol=Folder", "Server=" + dir });
            var config = SmartEmail.Ini.ConfigurationReader.Load(ini);
            var finding = Assert.Single(config.Findings, f => f.Key == "MaxHeaderBytes");
            Assert.Equal(3, finding.Line);
            Assert.Contains("16384", finding.Message);
            File.WriteAllLines(ini, new[] { "[General]", "MSGINDirectory=" + dir, "MaxHeaderBytes=65536", "", "[Mail]", "EmailProtocol=Folder", "Server=" + dir });
            config = SmartEmail.Ini.ConfigurationReader.Load(ini);
            Assert.DoesNotContain(config.Findings, f => f.Key == "MaxHeaderBytes");
            Assert.Equal(65536, config.General.MaxHeaderBytes);
            Assert.Equal(65536, MailboxSettings.From(config).MaxHeaderBytes);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private sealed class ForwardOnly : Stream
    {
        private readonly MemoryStream _inner;
        public ForwardOnly(byte[] bytes) => _inner = new MemoryStream(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>The mbox side of the bound (MboxHeaderBound).</summary>
public class MboxHeaderBoundTests
{
    private sealed class RecordingLog : IEngineLog
    {
        public List<string> Warnings { get; } = new();
        public void Verbose(string text) { }
        public void Warning(string text) => Warnings.Add(text);
        public void Progress(string activity, string status, int done, int total) { }
        public void Error(SmartEmailException error) { }
    }

    [Theory]
    [InlineData("content-length.mbox.txt")]
    [InlineData("issue1189.mbox.txt")]
    [InlineData("simple.mbox.txt")]
    public void AnOrdinaryMboxNeedsNoBoundAndPassesThroughUnchanged(string name)
    {
        var path = Path.Combine(TestPaths.Corpus, "mbox", name);
        var bytes = File.ReadAllBytes(path);
        using (var file = new MemoryStream(bytes))
            Assert.False(MboxHeaderBound.NeedsBound(file, MimeOptions.DefaultMaxHeaderBytes));
        var copy = new MemoryStream();
        MboxHeaderBound.Open(new MemoryStream(bytes), MimeOptions.DefaultMaxHeaderBytes).CopyTo(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public void AnMboxMessageWithAHugeFoldedHeaderIsCutAndTheNextMessageStillReads()
    {
        var huge = HeaderBoundTests.FoldedHeaderMessage("Subject", 3 * 1024 * 1024);
        var text = "From sender@example.com Tue Dec  1 10:00:00 2026\r\n" + huge
            + "From other@example.com Tue Dec  1 10:01:00 2026\r\nFrom: other@example.com\r\nSubject: second\r\n\r\nsecond body\r\n";
        var path = Path.Combine(Path.GetTempPath(), "se-huge-" + Guid.NewGuid().ToString("N") + ".mbox");
        File.WriteAllText(path, text);
        try
        {
            var log = new RecordingLog();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var messages = MessageFileReader.ReadFile(path, log).ToList();
            var loaded = messages[1].Content.Load(CancellationToken.None);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.Equal(2, messages.Count);
            Assert.StartsWith("start folded words", messages[0].Subject);
            Assert.Equal("second", messages[1].Subject);
            Assert.Equal("second", loaded.Subject);
            Assert.InRange(allocated, 0, 1L * 1024 * 1024 * 1024); // bounded: a few hundred MB; quadratic: tens of GB
            Assert.Contains(path + "#1", Assert.Single(log.Warnings));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
