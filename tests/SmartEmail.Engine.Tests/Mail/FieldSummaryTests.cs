using System.Text;
using MimeKit;
using SmartEmail.Mail;
using Xunit;

namespace SmartEmail.Engine.Tests.Mail;

/// <summary>
/// The IMAP listing's reading of header fields (FieldSummary, and MimeSummary.FromHeaders where it declines) against the
/// reading of the same message as a file (MimeSummary.Parse + Summarize): they must agree on every message.
/// </summary>
public class FieldSummaryTests
{
    /// <summary>What an IMAP FETCH of the summary fields gives: those fields of the header block, in order, parsed as MailKit does (MimeKit's default options).</summary>
    private static HeaderList FetchedFields(byte[] message)
    {
        using var stream = new MemoryStream(message);
        var all = HeaderList.Load(ParserOptions.Default, stream);
        var fields = new HeaderList();
        foreach (var header in all.Where(h => ImapHeaderReader.SummaryFields.Contains(h.Id)))
            fields.Add(header);
        return fields;
    }

    private static (MessageHeaderSummary Summary, ContentType? Top) AsFile(byte[] message)
    {
        using var stream = new MemoryStream(message);
        var parsed = MimeSummary.Parse(stream, MimeOptions.DefaultMaxHeaderBytes, "test", NullEngineLog.Instance, persistent: false, CancellationToken.None);
        return (MimeSummary.Summarize(parsed), parsed.Body?.ContentType);
    }

    /// <summary>Every fact the listing takes from the header fields; attachment names only for a single-part message (a multipart's come from BODYSTRUCTURE or a whole fetch).</summary>
    private static string Facts(MessageHeaderSummary s, ContentType? top)
    {
        var single = top != null && !top.IsMimeType("multipart", "*");
        return string.Join("\n", new[]
        {
            "id=" + s.MessageId, "from=" + s.From, "name=" + s.FromName, "to=" + string.Join(",", s.To ?? Array.Empty<string>()),
            "cc=" + string.Join(",", s.Cc ?? Array.Empty<string>()), "subject=" + s.Subject, "date=" + s.Date?.ToString("o"),
            "type=" + top?.MimeType, "boundary=" + top?.Boundary, "names=" + (single ? string.Join("|", s.Attachments ?? Array.Empty<string>()) : "-"),
        });
    }

    private static IEnumerable<(string Name, byte[] Bytes)> CorpusMessages()
    {
        foreach (var file in TestPaths.CorpusFiles())
        {
            var bytes = File.ReadAllBytes(file);
            if (bytes.Length >= 5 && Encoding.ASCII.GetString(bytes, 0, 5) == "From ")
                continue; // an mbox: its messages are read one by one elsewhere
            yield return (Path.GetRelativePath(TestPaths.Corpus, file), bytes);
        }
    }

    [Fact]
    public void TheListingReadsEveryCorpusMessageAsTheFileDoes()
    {
        var fast = 0;
        var unreadable = new List<string>();
        var mismatches = new List<string>();
        var messages = CorpusMessages().ToList();
        foreach (var (name, bytes) in messages)
        {
            (MessageHeaderSummary Summary, ContentType? Top) file;
            try
            {
                file = AsFile(bytes);
            }
            catch (FormatException)
            {
                continue; // not a message; the file reader reports it
            }
            var expected = Facts(file.Summary, file.Top);
            HeaderList fields;
            try
            {
                fields = FetchedFields(bytes);
            }
            catch (FormatException)
            {
                unreadable.Add(name); // MailKit would fail on this header block too; the listing reads such a message whole
                continue;
            }
            var slow = MimeSummary.FromHeaders(fields, CancellationToken.None);
            var viaParser = Facts(MimeSummary.Summarize(slow), slow.Body?.ContentType);
            if (viaParser != expected)
                mismatches.Add($"{name} (parser):\n{viaParser}\n--- file:\n{expected}");
            if (FieldSummary.TryRead(fields, out var summary, out var top))
            {
                fast++;
                var direct = Facts(summary, top);
                if (direct != expected)
                    mismatches.Add($"{name} (fields):\n{direct}\n--- file:\n{expected}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches));
        Assert.True(unreadable.Count * 10 <= messages.Count, "Header blocks that do not parse: " + string.Join(", ", unreadable));
        // The corpus is mostly ordinary mail: the direct reading must serve most of it, or the listing pays the parser.
        Assert.True(fast * 10 >= messages.Count * 7, $"Only {fast} of {messages.Count} corpus messages were read straight from their fields.");
    }

    [Theory]
    [InlineData("Subject: first subject\r\nSubject: second subject\r\nFrom: First <first@example.com>\r\nFrom: Second <second@example.com>\r\n\r\nx\r\n", true)]
    [InlineData("From: =?UTF-8?B?5bGx55Sw?= <yamada@example.jp>\r\nSubject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\nDate: Tue, 1 Dec 2026 10:00:00 +0900\r\n\r\nx\r\n", true)]
    [InlineData("From: O\u0092Brien <ob@example.com>\r\nSubject: caf\u00e9 \u0093quoted\u0094\r\n\r\nx\r\n", true)]
    [InlineData("From: a@example.com\r\nTo: good@example.com, @@@, other@example.com\r\n\r\nx\r\n", false)]
    [InlineData("From: a@example.com\r\nContent-Type: ;;; nonsense\r\n\r\nx\r\n", false)]
    [InlineData("From: a@example.com\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"  Q4 report.pdf \"\r\n\r\nx\r\n", true)]
    [InlineData("From: a@example.com\r\nContent-Type: application/pdf; name=This is a test.pdf\r\n\r\nx\r\n", true)]
    [InlineData("From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nx\r\n", false)]
    [InlineData("From: undisclosed-recipients:;\r\nSender: Real <real@example.com>\r\nTo: list:;\r\n\r\nx\r\n", false)]
    [InlineData("From: a@example.com\r\nDate: not a date\r\nMessage-ID: <id@example.com>\r\nContent-Type: multipart/mixed;; boundary=\"b1\"\r\n\r\n--b1\r\n\r\nx\r\n--b1--\r\n", true)]
    [InlineData("Subject: no sender at all\r\n\r\nx\r\n", true)]
    public void TheListingReadsAwkwardHeadersAsTheFileDoes(string text, bool direct)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var file = AsFile(bytes);
        var expected = Facts(file.Summary, file.Top);
        var fields = FetchedFields(bytes);
        var slow = MimeSummary.FromHeaders(fields, CancellationToken.None);
        Assert.Equal(expected, Facts(MimeSummary.Summarize(slow), slow.Body?.ContentType));
        Assert.Equal(direct, FieldSummary.TryRead(fields, out var summary, out var top));
        if (direct)
            Assert.Equal(expected, Facts(summary, top));
    }
}
