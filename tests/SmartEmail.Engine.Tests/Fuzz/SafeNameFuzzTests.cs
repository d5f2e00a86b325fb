using System.Text;
using SmartEmail.Mail;
using Xunit;
using Xunit.Abstractions;

namespace SmartEmail.Engine.Tests.Fuzz;

/// <summary>
/// The file names downloads get (<see cref="MessageStore.SafeName"/>, <see cref="MessageStore.FileNameFor"/>): whatever
/// the subject, the name stays inside its folder, is not a Windows device, has no reserved or control character and is
/// bounded in length.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class SafeNameFuzzTests : IDisposable
{
    /// <summary>Every name Windows reserves for a device, whatever follows the first dot (Microsoft's "Naming Files").</summary>
    private static readonly string[] Devices =
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00b9", "COM\u00b2", "COM\u00b3",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00b9", "LPT\u00b2", "LPT\u00b3",
    };

    private static readonly char[] Reserved = { '<', '>', ':', '"', '/', '\\', '|', '?', '*' };

    private readonly ITestOutputHelper _output;
    private readonly string _folder = Directory.CreateTempSubdirectory("smartemail-fuzz-names-").FullName;

    public SafeNameFuzzTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The invariants of a safe name; <paramref name="maxLength"/> is the most characters it may have.</summary>
    internal static void AssertSafe(string name, int maxLength, string folder)
    {
        var shown = name.Length > 80 ? name.Substring(0, 80) + "…" : name;
        Assert.False(string.IsNullOrEmpty(name), "the name is empty");
        Assert.True(name.Length <= maxLength, $"'{shown}' is {name.Length} characters, more than {maxLength}");
        Assert.True(name != "." && name != "..", $"'{name}' is a relative folder");
        Assert.False(name.EndsWith('.') || name.EndsWith(' '), $"'{shown}' ends with a dot or space, which Windows drops");
        foreach (var c in name)
        {
            Assert.False(char.IsControl(c) || Array.IndexOf(Reserved, c) >= 0 || char.IsSurrogate(c) || c == '\u2028' || c == '\u2029',
                $"'{shown}' holds U+{(int)c:X4}, which is not allowed in a file name");
        }
        var stem = name.Split('.')[0].TrimEnd(' ');
        Assert.DoesNotContain(stem, Devices, StringComparer.OrdinalIgnoreCase);
        var full = Path.GetFullPath(Path.Combine(folder, name + ".eml"));
        Assert.Equal(Path.GetFullPath(folder), Path.GetDirectoryName(full));
    }

    [Fact]
    public void SafeNamesStayInTheirFolderAndAreNeverDevicesOrTooLong()
    {
        FuzzRunner.Run(_output, "safe-name", 20000, (r, i) => (Text: HostileText(r), Max: r.Next(4) == 0 ? r.Next(1, 8) : r.Next(1, 300)),
            c => $"{c.Text.Length} characters, at most {c.Max}", c =>
            {
                var name = MessageStore.SafeName(c.Text, c.Max, "fallback");
                AssertSafe(name, Math.Max(c.Max, "fallback".Length), _folder);
            }, TimeSpan.FromSeconds(1), c => 64L * c.Text.Length + 1024 * 1024);
    }

    [Fact]
    public void SavedMessagesLandInTheDownloadFolder()
    {
        FuzzRunner.Run(_output, "save", 300, (r, i) => HostileText(r), c => $"subject of {c.Length} characters", subject =>
        {
            var mime = new MimeKit.MimeMessage { Subject = subject };
            mime.From.Add(new MimeKit.MailboxAddress("x", "x@example.com"));
            mime.Body = new MimeKit.TextPart("plain") { Text = "body" };
            var message = MimeSummary.InMemory(mime, subject, "fuzz", null, 0);
            var path = MessageStore.Save(message, _folder);
            Assert.Equal(Path.GetFullPath(_folder), Path.GetDirectoryName(Path.GetFullPath(path)));
            AssertSafe(Path.GetFileNameWithoutExtension(path), 15 + 1 + 80 + 1 + 8 + 6, _folder);
            File.Delete(path);
        }, TimeSpan.FromSeconds(2), c => 64L * c.Length + 4 * 1024 * 1024);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    /// <summary>Text built from the pieces that break file names, joined and repeated at random.</summary>
    internal static string HostileText(Random r)
    {
        if (r.Next(10) == 0)
            return MalformedMime.HostileNames[r.Next(MalformedMime.HostileNames.Length)];
        if (r.Next(10) == 0)
            return Devices[r.Next(Devices.Length)] + new[] { "", ".txt", " .txt", "..", ". ", ".tar.gz", " ", "\t" }[r.Next(8)];
        var pieces = new[]
        {
            "..", ".", "/", "\\", ":", "*", "?", "\"", "<", ">", "|", " ", "\t", "\0", "\r\n", "\u2028", "\u2029", "\u0085", "\u00a0",
            "CON", "nul", "COM1", "LPT\u00b9", "CONIN$", "C:", "\\\\?\\", "~", "$", "%", "report", "\u00e9t\u00e9", "\ud83d\udce7",
            "\ud800", "\udc00", "\u202e", "\ufeff", "\u200b", "_", "-", "ｃｏｎ", new string('a', 200), new string('.', 50),
        };
        var s = new StringBuilder();
        for (var i = r.Next(0, 40); i > 0; i--)
            s.Append(pieces[r.Next(pieces.Length)]);
        return s.ToString();
    }
}
