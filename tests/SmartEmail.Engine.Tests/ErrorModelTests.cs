using System.Net;
using SmartEmail.Events;
using SmartEmail.Ini;
using SmartEmail.Mail;
using Xunit;

namespace SmartEmail.Engine.Tests;

/// <summary>
/// The engine's error model: typed kinds, the setting at fault named in <see cref="SmartEmailException.Setting"/>, and
/// messages that name settings, never a cmdlet parameter or a legacy flag (the front ends add those).
/// </summary>
public class ErrorModelTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smartemail-errors-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Ini(string text)
    {
        var path = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".ini");
        File.WriteAllText(path, text);
        return path;
    }

    private const string Rule = "[Configuration1]\nSubjectLineMask=Test\nEvent=$CONSOLE:DISPLAY,ok\nAllowedSenders=ALL\n";

    // A parameter (-Server) or a legacy flag (-server:, --imap) in an engine message is the front end's job.
    private static void AssertNamesNoParameter(string message) =>
        Assert.DoesNotMatch(@"(^|[\s(])--?[A-Za-z]+[a-zA-Z_]*:?(?=[\s.,;)]|$)", message);

    [Fact]
    public void LoadValidRefusesAnIniWithErrorsListingEachWithItsLine()
    {
        var path = Ini($"[General]\nMSGINDirectory={_dir.FullName}\n[Configuration1]\nSubjectLineMask=(unclosed\nEvent=$CONSOLE:DISPLAY,x\nAllowedSenders=ALL\nAllowedTimeFrame=9999-0000\n");
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadValid(path));
        Assert.Equal(ConfigurationErrorKind.Invalid, e.Kind);
        Assert.Equal(Path.GetFullPath(path), e.Path);
        Assert.Equal(new[] { 4, 7 }, e.Errors.Select(f => f.Line).ToArray());
        Assert.All(e.Errors, f => Assert.Equal(FindingSeverity.Error, f.Severity));
        Assert.Contains($"'{path}' has 2 error(s):", e.Message);
        Assert.Contains($"{path}:4 [Configuration1] SubjectLineMask", e.Message);
        Assert.Contains($"{path}:7 [Configuration1] AllowedTimeFrame", e.Message);
        AssertNamesNoParameter(e.Message);
    }

    [Fact]
    public void LoadValidTakesAnIniWithWarningsOnly()
    {
        var path = Ini($"[General]\nMSGINDirectory={_dir.FullName}\nOpConUser=ocadm\nOpConUserPassword=plain\n[Mail]\nEmailProtocol=Folder\nServer={_dir.FullName}\n" + Rule);
        var c = ConfigurationLoader.LoadValid(path);
        Assert.NotEmpty(c.Findings);
        Assert.All(c.Findings, f => Assert.Equal(FindingSeverity.Warning, f.Severity));
    }

    [Fact]
    public void LoadValidSaysWhenTheFileIsMissing()
    {
        var path = Path.Combine(_dir.FullName, "none.ini");
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadValid(path));
        Assert.Equal(ConfigurationErrorKind.NotFound, e.Kind);
        Assert.Empty(e.Errors);
        Assert.Equal($"The configuration file '{path}' does not exist.", e.Message);
    }

    [Fact]
    public void LoadValidSaysWhenTheFileCannotBeRead()
    {
        // A folder where the file should be: exists as a path, yet cannot be read as a file.
        var path = Path.Combine(_dir.FullName, "folder.ini");
        Directory.CreateDirectory(path);
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadValid(path));
        Assert.True(e.Kind == ConfigurationErrorKind.Unreadable || e.Kind == ConfigurationErrorKind.NotFound, e.Kind.ToString());
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("", "[Mail] EmailProtocol", "does not set [Mail] EmailProtocol: set EmailProtocol=IMAP, POP, MSAL or Folder.")]
    [InlineData("[Mail]\nEmailProtocol=IMAP\nPort=993\n", "[Mail] Server", "does not set [Mail] Server: set it to the mail server's name.")]
    [InlineData("[Mail]\nEmailProtocol=IMAP\nServer=mail.example.com\nPort=993\n", "[Mail] User", "has no [Mail] User and Password: set them.")]
    public void MailboxSettingsNameTheMissingSetting(string mail, string setting, string message)
    {
        var c = ConfigurationReader.Load(Ini($"[General]\nMSGINDirectory={_dir.FullName}\n" + mail + Rule));
        var e = Assert.Throws<MailboxException>(() => MailboxSettings.From(c));
        Assert.Equal(MailboxErrorKind.Configuration, e.Kind);
        Assert.Equal(setting, e.Setting);
        Assert.EndsWith(message, e.Message);
        AssertNamesNoParameter(e.Message);
    }

    [Fact]
    public void EventSubmitterNamesTheMissingSetting()
    {
        var noFolder = Assert.Throws<EventSubmitException>(() => new EventSubmitter(new EventSubmitOptions { OpConCredential = new NetworkCredential("u", "p") }));
        Assert.Equal(EventErrorKind.MsgInDirectoryMissing, noFolder.Kind);
        Assert.Equal("[General] MSGINDirectory", noFolder.Setting);
        Assert.Equal("No MSGIN folder is set: set [General] MSGINDirectory.", noFolder.Message);

        var noUser = Assert.Throws<EventSubmitException>(() => new EventSubmitter(new EventSubmitOptions { MsgInDirectory = _dir.FullName }));
        Assert.Equal(EventErrorKind.CredentialMissing, noUser.Kind);
        Assert.Equal("[General] OpConUser", noUser.Setting);
        AssertNamesNoParameter(noUser.Message);

        var noUrl = Assert.Throws<EventSubmitException>(() => new EventSubmitter(new EventSubmitOptions { Transport = EventTransport.Api }));
        Assert.Equal(EventErrorKind.ApiUrlMissing, noUrl.Kind);
        Assert.Equal("[OpCon] ApiUrl", noUrl.Setting);
        AssertNamesNoParameter(noUrl.Message);

        var noApiUser = Assert.Throws<EventSubmitException>(() => new EventSubmitter(new EventSubmitOptions { Transport = EventTransport.Api, ApiUrl = new Uri("https://opcon.example.com") }));
        Assert.Equal(EventErrorKind.CredentialMissing, noApiUser.Kind);
        Assert.Equal("[OpCon] ApiUser", noApiUser.Setting);
        AssertNamesNoParameter(noApiUser.Message);
    }

    [Fact]
    public void AnEventErrorThatIsTheEventsOwnHasNoSetting()
    {
        var e = Assert.Throws<EventSubmitException>(() => EventText.Check("not an event"));
        Assert.Equal(EventErrorKind.EventInvalid, e.Kind);
        Assert.Null(e.Setting);
    }

    [Fact]
    public void ConfigurationFindingsForMissingMailSettingsNameNoFlag()
    {
        var c = ConfigurationReader.Load(Ini($"[General]\nMSGINDirectory={_dir.FullName}\n[Mail]\nUser=u\n" + Rule));
        var protocol = Assert.Single(c.Findings, f => f.Key == "EmailProtocol");
        Assert.Equal("EmailProtocol is not set, so each run must be told the protocol (IMAP, POP, MSAL or Folder).", protocol.Message);
        var c2 = ConfigurationReader.Load(Ini($"[General]\nMSGINDirectory={_dir.FullName}\n[Mail]\nEmailProtocol=IMAP\n" + Rule));
        Assert.Contains(c2.Findings, f => f.Key == "Server" && f.Message == "Server is not set, so each run must be told the mail server.");
        Assert.Contains(c2.Findings, f => f.Key == "Port" && f.Message == "Port is not set and has no default, so each run must be told the port.");
        Assert.All(c.Findings.Concat(c2.Findings), f => AssertNamesNoParameter(f.Message));
    }
}
