using SmartEmail.Mail;
using Xunit;

namespace SmartEmail.Engine.Tests;

public class MessageFileReaderTests
{
    private static Message ReadOne(string name) => Assert.Single(MessageFileReader.ReadFile(TestPaths.Fixture("messages", name)));

    [Fact]
    public void PlainMessageHasEveryEnvelopeFact()
    {
        var m = ReadOne("plain.eml");
        Assert.Equal("robot@example.com", m.From);
        Assert.Equal("Ops Robot", m.FromName);
        Assert.Equal(new[] { "jobs@smartemail.test", "night@smartemail.test" }, m.To);
        Assert.Equal(new[] { "audit@smartemail.test" }, m.Cc);
        Assert.Equal("Test: nightly batch finished", m.Subject);
        Assert.Equal("plain-1@example.com", m.MessageId);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 22, 15, 0, TimeSpan.FromHours(1)), m.Date);
        Assert.Empty(m.Attachments);
        var path = TestPaths.Fixture("messages", "plain.eml");
        Assert.Equal(path, m.Id);
        Assert.Equal(path, m.Source);
        Assert.Equal(new FileInfo(path).Length, m.Size);
        Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero), m.Received);
    }

    [Fact]
    public void AttachmentNamesAreDecodedAndBodyPartsAreNotAttachments()
    {
        var m = ReadOne("multipart-attachments.eml");
        Assert.Equal(new[] { "SMArtEmail Test.pdf", "bilan décembre.csv" }, m.Attachments);
        Assert.Equal("OpCon/xps: ACHBalanceTotal total = 149926.22", m.Subject);
    }

    [Fact]
    public void NamedInlinePartsCountAsAttachmentsAndNamelessOnesDoNot()
    {
        Assert.Equal(new[] { "logo.png" }, ReadOne("inline-image.eml").Attachments);
    }

    [Fact]
    public void HtmlOnlyMessageHasNoAttachments()
    {
        var m = ReadOne("html-only.eml");
        Assert.Equal("HTML report", m.Subject);
        Assert.Empty(m.Attachments);
    }

    [Fact]
    public void MissingHeadersBecomeEmptyValuesNotErrors()
    {
        var noSubject = ReadOne("no-subject.eml");
        Assert.Equal(string.Empty, noSubject.Subject);
        var orphan = ReadOne("no-from-no-date.eml");
        Assert.Equal(string.Empty, orphan.From);
        Assert.Equal(string.Empty, orphan.FromName);
        Assert.Null(orphan.Date);
        Assert.Equal(string.Empty, orphan.MessageId);
        Assert.Equal(orphan.Received, orphan.ArrivalTime);
    }

    [Theory]
    [InlineData("encoded-subject.eml", "Rückmeldung: Job Überweisung ✓", "Jürgen Müller")]
    [InlineData("latin1-charset.eml", "Reçu – coût € 100", "François")]
    [InlineData("raw-8bit-subject.eml", "Café crème € 2", "")]
    public void EncodedAndNonUtf8HeadersAreDecoded(string file, string subject, string fromName)
    {
        var m = ReadOne(file);
        Assert.Equal(subject, m.Subject);
        Assert.Equal(fromName, m.FromName);
    }

    [Fact]
    public void MboxFileYieldsEachMessageWithItsOwnId()
    {
        var path = Path.Combine(TestPaths.Corpus, "mbox", "simple.mbox.txt");
        var messages = MessageFileReader.ReadFile(path).ToList();
        Assert.True(messages.Count > 1, "simple.mbox.txt holds several messages");
        Assert.Equal(messages.Count, messages.Select(m => m.Id).Distinct().Count());
        Assert.All(messages, m => Assert.StartsWith(path + "#", m.Id));
        // The content loader finds the same message again.
        var last = messages[^1];
        Assert.Equal(last.Subject, last.Content.Load(CancellationToken.None).Subject ?? string.Empty);
    }

    [Fact]
    public void EveryCorpusFileReadsWithoutAnUnhandledError()
    {
        var read = 0;
        foreach (var file in TestPaths.CorpusFiles())
        {
            try
            {
                foreach (var m in MessageFileReader.ReadFile(file))
                {
                    Assert.NotNull(m.Subject);
                    Assert.NotNull(m.Attachments);
                    // The full content can be loaded again for the rule engine and downloads.
                    Assert.NotNull(m.Content.Load(CancellationToken.None));
                    read++;
                }
            }
            catch (MessageReadException e)
            {
                Assert.Equal(file, e.Target);
                Assert.Contains(file, e.Message);
            }
        }
        Assert.True(read >= 40, $"expected the corpus to yield at least 40 messages, got {read}");
    }

    [Fact]
    public void ByteOrderMarkIsSkipped()
    {
        var m = Assert.Single(MessageFileReader.ReadFile(Path.Combine(TestPaths.Corpus, "messages", "feedback-report.txt")));
        Assert.Equal("abusedesk@example.com", m.From);
    }

    [Fact]
    public void EmptyAndMissingFilesAreReadErrorsNamingTheFile()
    {
        var empty = Path.GetTempFileName();
        try
        {
            var e = Assert.Throws<MessageReadException>(() => MessageFileReader.ReadFile(empty).ToList());
            Assert.Equal(empty, e.Target);
            Assert.Contains("empty", e.Message);
        }
        finally
        {
            File.Delete(empty);
        }
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".eml");
        Assert.Contains(missing, Assert.Throws<MessageReadException>(() => MessageFileReader.ReadFile(missing).ToList()).Message);
    }

    [Fact]
    public void FolderListingIsSortedAndTakesOnlyEmlFiles()
    {
        var dir = Directory.CreateTempSubdirectory("smartemail-test-");
        try
        {
            foreach (var name in new[] { "b.eml", "a.EML", "c.txt", "d.emlx" })
                File.WriteAllText(Path.Combine(dir.FullName, name), "Subject: x\r\n\r\nx\r\n");
            Directory.CreateDirectory(Path.Combine(dir.FullName, "sub"));
            File.WriteAllText(Path.Combine(dir.FullName, "sub", "e.eml"), "Subject: y\r\n\r\ny\r\n");
            Assert.Equal(new[] { "a.EML", "b.eml" }, MessageFileReader.ListFolder(dir.FullName, recurse: false).Select(Path.GetFileName));
            Assert.Equal(3, MessageFileReader.ListFolder(dir.FullName, recurse: true).Count);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
