using SmartEmail.Mail;
using Xunit;

namespace SmartEmail.Engine.Tests;

/// <summary>
/// The engine bugs the fuzz tests (Fuzz/) found, one test each, named after the case that found it, so they stay fixed
/// even when the generators change.
/// </summary>
public class FuzzRegressionTests
{
    /// <summary>safe-name seed 20261126 case 22 and 33: "LPT³" and "CONIN$" were left as they are.</summary>
    [Theory]
    [InlineData("CONIN$")]
    [InlineData("conout$.txt")]
    [InlineData("COM0")]
    [InlineData("lpt0.log")]
    [InlineData("COM\u00b9")]
    [InlineData("LPT\u00b3.tar.gz")]
    public void SafeName_Case22_EveryWindowsDeviceNameGetsAPrefix(string text)
    {
        Assert.Equal("_" + text, MessageStore.SafeName(text, 80, "x"));
    }

    /// <summary>safe-name seed 20261126 case 96 and 251: the device prefix made the name one character too long.</summary>
    [Theory]
    [InlineData("COM8.tar.gz", 11, "_COM8.tar.g")]
    [InlineData("CON", 3, "_CO")]
    [InlineData("NUL.", 4, "_NUL")]
    [InlineData("CON.txt", 5, "_CON")]
    public void SafeName_Case251_ThePrefixForADeviceStaysWithinTheLength(string text, int maxLength, string expected)
    {
        Assert.Equal(expected, MessageStore.SafeName(text, maxLength, "x"));
    }
}

/// <summary>mime seed 20261126, DeepNesting cases: a message nested 1,000 deep overflowed a 1 MB stack in MimeKit's parser.</summary>
public class DeepNestingRegressionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("smartemail-deep-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Nested(int depth)
    {
        var s = new System.Text.StringBuilder("From: a@example.com\r\nSubject: deep\r\n");
        for (var i = 0; i < depth; i++)
            s.Append($"Content-Type: multipart/mixed; boundary=\"n{i}\"\r\n\r\n--n{i}\r\n");
        s.Append("Content-Type: text/plain\r\n\r\nthe bottom\r\n");
        for (var i = depth - 1; i >= 0; i--)
            s.Append($"--n{i}--\r\n");
        return s.ToString();
    }

    /// <summary>
    /// Runs on a 256 KB stack, a quarter of Windows' default: before the fix this overflowed (and so ended the test
    /// process, failing the run); now the parse stops structuring at <see cref="MimeOptions.MaxMimeDepth"/>.
    /// </summary>
    [Theory]
    [InlineData(1000)]
    [InlineData(5000)]
    public void MimeDeepNesting_Case8_ReadsOnASmallStack(int depth)
    {
        var path = Path.Combine(_folder, "deep.eml");
        File.WriteAllText(path, Nested(depth));
        Exception? failure = null;
        Message? read = null;
        IReadOnlyList<string>? lines = null;
        var thread = new Thread(() =>
        {
            try
            {
                read = Assert.Single(MessageFileReader.ReadFile(path));
                lines = SmartEmail.Rules.MessageText.BodyLines(read.Content.Load(CancellationToken.None));
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.Equal("deep", read!.Subject);
        Assert.NotNull(lines);
    }
}
