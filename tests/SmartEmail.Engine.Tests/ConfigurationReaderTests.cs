using SmartEmail.Ini;
using Xunit;

namespace SmartEmail.Engine.Tests;

public class ConfigurationReaderTests
{
    private static Configuration LoadFixture(string name) => ConfigurationReader.Load(TestPaths.Fixture("ini", name));

    /// <summary>Writes INI text to a temp file (CRLF unless the text says otherwise) and reads it.</summary>
    private static Configuration Read(string text)
    {
        var dir = Directory.CreateTempSubdirectory("smartemail-ini-");
        try
        {
            var path = Path.Combine(dir.FullName, "SMArtEmail.ini");
            File.WriteAllText(path, text);
            return ConfigurationReader.Load(path);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static IEnumerable<ConfigurationFinding> Besides(Configuration c, string key) => c.Findings.Where(f => f.Key != key);

    private const string MinimalRule = "[General]\nMSGINDirectory=/var/msgin\n[Configuration1]\nSubjectLineMask=Test\nEvent=$CONSOLE:DISPLAY,ok\nAllowedSenders=ALL\n";

    private static ConfigurationFinding[] Errors(Configuration c) => c.Findings.Where(f => f.Severity == FindingSeverity.Error).ToArray();

    private static ConfigurationFinding Single(Configuration c, string key, FindingSeverity severity) =>
        Assert.Single(c.Findings, f => f.Key == key && f.Severity == severity);

    // ---- the reference's examples ------------------------------------------------------------------------------

    [Fact]
    public void QuickStartLoadsWithTheValuesThePageDescribes()
    {
        var c = LoadFixture("quickstart.ini");
        Assert.Empty(Errors(c));
        Assert.Equal("imap.example.com", c.Mail.Server);
        Assert.Equal(MailProtocol.IMAP, c.Mail.Protocol);
        Assert.Equal(SecurityProtocol.TLS1_2, c.Mail.SecurityProtocol);
        Assert.Equal(993, c.Mail.Port);
        Assert.True(c.Mail.SelfSignedCertificate);
        Assert.Equal(DeleteMode.Match, c.General.DeleteEmails);
        Assert.True(c.General.DownloadEmails);
        Assert.True(c.General.UseLastRunDate);
        Assert.Equal(0, c.General.ExitCodeForNoMatchingEmails);
        var rule = Assert.Single(c.Rules);
        Assert.Equal("Configuration1", rule.Name);
        Assert.Equal("Test", rule.SubjectLineMask);
        Assert.Equal(new[] { "$CONSOLE:DISPLAY,the test passed" }, rule.Events);
        Assert.Equal(new[] { "ALL" }, rule.AllowedSenders);
        Assert.Equal("0000-2400", rule.AllowedTimeFrame);
        Assert.False(rule.ProcessBody);
        Assert.False(rule.ProcessAttachments);
    }

    [Fact]
    public void ExampleOneMatchesBySubjectWithTheAdminToken()
    {
        var c = LoadFixture("example1.ini");
        Assert.Empty(Errors(c));
        Assert.Equal(DeleteMode.Match, c.General.DeleteEmails);
        Assert.True(c.General.DownloadEmails);
        Assert.Equal("admin@anycompany.com", c.Tokens["ADMINEMAIL"]);
        var rule = Assert.Single(c.Rules);
        Assert.Equal(new[] { "admin@anycompany.com" }, rule.AllowedSenders);
        Assert.Equal("Test", rule.SubjectLineMask);
        // Empty [Mail] values are "not set", and the protocol is left to the command line (a warning, not an error).
        Assert.Null(c.Mail.Protocol);
        Assert.Null(c.Mail.Port);
        Assert.False(c.Mail.Password.IsSet);
        Assert.Contains(c.Findings, f => f.Key == "EmailProtocol" && f.Severity == FindingSeverity.Warning);
        // [Audit] as written, N\A meaning "not set".
        var a = c.Audit;
        Assert.Equal(Path.Combine(TestPaths.Fixture("ini"), "Audit.log"), a.AuditAcceptLogFile);
        Assert.False(a.LogAccepts);
        Assert.Equal("SMArt Email - Message Accepted - From: [[SENDER]] Subject: [[SUBJECT]]", a.LogAcceptFormat);
        Assert.Equal("Email message was accepted and generated event: [[EVENT]]", a.NotifyOnAcceptBody);
        Assert.Equal("[[SENDER]]", a.NotifyOnRejectTo);
        Assert.Equal("Email message sent on [[DATE]] was rejected for reason: [[REASON]]", a.NotifyOnRejectBody);
        Assert.Equal("Invalid Sender", a.RejectSenderMessage);
        Assert.Equal("No matching subjects found", a.RejectNoMatchingSubjectMessage);
        Assert.Null(a.RejectEvent);
        Assert.False(a.LogOpConEvents);
        Assert.Equal("Generated Event: [[Event]]", a.LogOpConEventFormat);
    }

    [Fact]
    public void ExampleTwoAddsAttachmentMatchingAndKeepsMail()
    {
        var c = LoadFixture("example2.ini");
        Assert.Empty(Errors(c));
        Assert.Equal(DeleteMode.None, c.General.DeleteEmails);
        Assert.False(c.General.SendRejectionNotice);
        Assert.False(c.General.SendAcceptedNotice);
        var rule = Assert.Single(c.Rules);
        Assert.Equal("SMArtEmail Test", rule.AttachmentMask);
        Assert.True(rule.ProcessAttachments);
        Assert.Null(c.Audit.RejectEvent);
    }

    [Fact]
    public void ExampleThreeAddsBodyMatching()
    {
        var c = LoadFixture("example3.ini");
        Assert.Empty(Errors(c));
        Assert.Equal(DeleteMode.Match, c.General.DeleteEmails);
        var rule = Assert.Single(c.Rules);
        Assert.True(rule.ProcessBody);
        Assert.Equal(string.Empty, rule.QualifyingSubjectLine);
    }

    [Fact]
    public void PathsWithAnUnknownVariableAreKeptAndReported()
    {
        var variable = "SMARTEMAIL_TEST_" + Guid.NewGuid().ToString("N");
        var c = Read($"[General]\nMSGINDirectory=%{variable}%\\SAM\\MSGIN\n" + MinimalRule.Substring("[General]\nMSGINDirectory=/var/msgin\n".Length));
        Assert.Equal($"%{variable}%\\SAM\\MSGIN", c.General.MsgInDirectory);
        var finding = Single(c, "MSGINDirectory", FindingSeverity.Warning);
        Assert.Equal(2, finding.Line);
        Assert.Contains(variable, finding.Message);
    }

    [Fact]
    public void KnownVariablesAreExpanded()
    {
        var variable = "SMARTEMAIL_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "/srv/opcon");
        try
        {
            var c = Read($"[General]\nMSGINDirectory=%{variable}%/MSGIN\n[Configuration1]\nSubjectLineMask=x\nEvent=$CONSOLE:DISPLAY,%{variable}%\nAllowedSenders=ALL\n");
            Assert.Equal("/srv/opcon/MSGIN", c.General.MsgInDirectory);
            Assert.Equal("$CONSOLE:DISPLAY,/srv/opcon", c.Rules[0].Events[0]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    // ---- syntax ------------------------------------------------------------------------------------------------

    [Fact]
    public void NamesAreCaseInsensitiveAndWhitespaceIsTrimmed()
    {
        var c = Read("[general]\n  msgindirectory   =   /var/msgin  \n  DELETEEMAILS = all\n[CONFIGURATION1]\n subjectlinemask =  a=b;c,d [[x]]  \nevent= $CONSOLE:DISPLAY,x=1;y \nallowedsenders=ALL\n[Tokens]\nx=X\n");
        Assert.Equal("/var/msgin", c.General.MsgInDirectory);
        Assert.Equal(DeleteMode.All, c.General.DeleteEmails);
        Assert.Equal("a=b;c,d X", c.Rules[0].SubjectLineMask);
        Assert.Equal("$CONSOLE:DISPLAY,x=1;y", c.Rules[0].Events[0]);
    }

    [Fact]
    public void CommentsStartWithSemicolonOrHash()
    {
        var c = Read("; comment\n# another\n[General]\nMSGINDirectory=/m\n;DeleteEmails=All\n#DownloadEmails=False\n[Configuration1]\nSubjectLineMask=x\nEvent=e\nAllowedSenders=ALL\n");
        Assert.Equal(DeleteMode.Match, c.General.DeleteEmails);
        Assert.True(c.General.DownloadEmails);
        Assert.Empty(Besides(c, "EmailProtocol"));
    }

    [Theory]
    [InlineData("True", true)] [InlineData("false", false)] [InlineData("YES", true)] [InlineData("no", false)]
    [InlineData("1", true)] [InlineData("0", false)]
    public void BooleansAcceptTrueFalseYesNoOneZero(string text, bool expected)
    {
        var c = Read(MinimalRule + $"ProcessBody={text}\n");
        Assert.Equal(expected, c.Rules[0].ProcessBody);
        Assert.Empty(Errors(c));
    }

    [Fact]
    public void AnInvalidBooleanIsAnErrorOnItsLine()
    {
        var c = Read(MinimalRule + "ProcessBody=maybe\n");
        var f = Single(c, "ProcessBody", FindingSeverity.Error);
        Assert.Equal(7, f.Line);
        Assert.Equal("Configuration1", f.Section);
        Assert.Contains("maybe", f.Message);
    }

    [Fact]
    public void RulesAreOrderedByNumberAndEventsByTheirNumber()
    {
        var c = Read("[General]\nMSGINDirectory=/m\n" +
            "[Configuration10]\nSubjectLineMask=ten\nEvent=e1\nAllowedSenders=ALL\n" +
            "[Configuration2]\nSubjectLineMask=two\nEvent10=e10\nEvent3=e3\nEvent=e1\nEvent2=e2\nAllowedSenders=ALL\n");
        Assert.Equal(new[] { "Configuration2", "Configuration10" }, c.Rules.Select(r => r.Name));
        Assert.Equal(new[] { "e1", "e2", "e3", "e10" }, c.Rules[0].Events);
    }

    [Fact]
    public void TokensExpandInEveryRuleValueAndMayHoldSenderLists()
    {
        var c = Read("[General]\nMSGINDirectory=/m\n[Tokens]\nOPS=ops@a.com; any@b.com\nSCHED=Nightly\n" +
            "[Configuration1]\nSubjectLineMask=[[SCHED]] done\nEvent=$JOB:ADD,,[[SCHED]],J1,OnRequest,[[SENDER]]\nAllowedSenders=[[OPS]];boss@c.com\n");
        var rule = c.Rules[0];
        Assert.Equal("Nightly done", rule.SubjectLineMask);
        Assert.Equal("$JOB:ADD,,Nightly,J1,OnRequest,[[SENDER]]", rule.Events[0]);
        Assert.Equal(new[] { "ops@a.com", "any@b.com", "boss@c.com" }, rule.AllowedSenders);
        Assert.Equal(new[] { "OPS", "SCHED" }, c.Tokens.Keys);
        Assert.Empty(Errors(c));
    }

    [Fact]
    public void UnknownTokensAreErrorsButBuiltInsCapturesAndNamedGroupsAreNot()
    {
        var c = Read("[General]\nMSGINDirectory=/m\n[Configuration1]\nSubjectLineMask=(?<job>\\w+) (\\d+)\nAttachmentMask=(\\w+)\\.csv\n" +
            "Event=$PROPERTY:SET,[[job]],[[1]],[[A1]],[[SENDER]],[[subject]],[[DATE]],[[ATTACHMENT]]\nEvent2=$CONSOLE:DISPLAY,[[NOPE]]\nAllowedSenders=ALL\n");
        var f = Assert.Single(Errors(c));
        Assert.Equal("Event2", f.Key);
        Assert.Equal(7, f.Line);
        Assert.Contains("[[NOPE]]", f.Message);
    }

    [Fact]
    public void NotApplicableMeansNotSet()
    {
        var c = Read(MinimalRule + "[Audit]\nRejectEvent=N/A\nLogOpConEvents=n\\a\nOpConEventLogFile=N/A\n");
        Assert.Null(c.Audit.RejectEvent);
        Assert.False(c.Audit.LogOpConEvents);
        Assert.EndsWith("OpConEvents.log", c.Audit.OpConEventLogFile);
        Assert.Empty(Errors(c));
    }

    [Fact]
    public void NewerVendorKeysAreUnderstood()
    {
        var c = Read(MinimalRule + "UseWildCards=True\n[Audit]\nRejectNoMatchingSubjectsMessage=Nothing matched\nRejectSubjectMessage=Bad subject\nRejectBody=No body line\n[General]\n");
        Assert.True(c.Rules[0].UseWildCards);
        Assert.Equal("Nothing matched", c.Audit.RejectNoMatchingSubjectMessage);
        Assert.Equal("Bad subject", c.Audit.RejectSubjectMessage);
        Assert.Equal("No body line", c.Audit.RejectBody);
        Assert.DoesNotContain(c.Findings, f => f.Message.Contains("not a setting"));
    }

    [Fact]
    public void RelativePathsAreRelativeToTheIniFolder()
    {
        var c = Read("[General]\nMSGINDirectory=msgin\nDownloadFolder=mail\\received\n[Audit]\nAuditAcceptLogFile=logs/accept.log\n" + MinimalRule.Substring(MinimalRule.IndexOf("[Configuration1]", StringComparison.Ordinal)));
        var folder = Path.GetDirectoryName(c.Path)!;
        Assert.Equal(Path.Combine(folder, "msgin"), c.General.MsgInDirectory);
        Assert.Equal(Path.Combine(folder, "mail", "received"), c.General.DownloadFolder);
        Assert.Equal(Path.Combine(folder, "logs", "accept.log"), c.Audit.AuditAcceptLogFile);
        Assert.Equal(Path.Combine(folder, "SMArtEmailRejections.log"), c.Audit.RejectionsLogFile);
    }

    [Fact]
    public void LastRunDateReadsTheVendorFormatAndIso()
    {
        var vendor = Read(MinimalRule + "[General]\n").General; // LastRunDate absent
        Assert.Null(vendor.LastRunDate);
        var c = Read(MinimalRule.Replace("MSGINDirectory=/var/msgin\n", "MSGINDirectory=/var/msgin\nLastRunDate=1/1/2017 12:30:00 AM\n"));
        Assert.Equal(new DateTime(2017, 1, 1, 0, 30, 0), c.General.LastRunDate!.Value.DateTime);
        var iso = Read(MinimalRule.Replace("MSGINDirectory=/var/msgin\n", "MSGINDirectory=/var/msgin\nLastRunDate=2026-11-25T06:00:00+01:00\n"));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.FromHours(1)), iso.General.LastRunDate);
    }

    // ---- encodings -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    [InlineData("utf-8-bom")]
    [InlineData("windows-1252")]
    public void EncodingsReadCorrectly(string kind)
    {
        var text = "[General]\r\nMSGINDirectory=/m\r\n[Configuration1]\r\nSubjectLineMask=Café – Rückmeldung €\r\nEvent=e\r\nAllowedSenders=ALL\r\n";
        var bytes = kind switch
        {
            "utf-16le" => new System.Text.UnicodeEncoding(false, true).GetPreamble().Concat(System.Text.Encoding.Unicode.GetBytes(text)).ToArray(),
            "utf-16be" => new System.Text.UnicodeEncoding(true, true).GetPreamble().Concat(System.Text.Encoding.BigEndianUnicode.GetBytes(text)).ToArray(),
            "utf-8-bom" => new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes(text)).ToArray(),
            _ => System.Text.Encoding.GetEncoding(1252).GetBytes(text),
        };
        var dir = Directory.CreateTempSubdirectory("smartemail-enc-");
        var path = Path.Combine(dir.FullName, "SMArtEmail.ini");
        File.WriteAllBytes(path, bytes);
        var c = ConfigurationReader.Load(path);
        dir.Delete(recursive: true);
        Assert.Equal("Café – Rückmeldung €", c.Rules[0].SubjectLineMask);
        Assert.Empty(Besides(c, "EmailProtocol"));
    }

    // ---- validation ------------------------------------------------------------------------------------------------

    [Fact]
    public void ABadRegexIsReportedWithDotNetsMessage()
    {
        var c = Read(MinimalRule.Replace("SubjectLineMask=Test", "SubjectLineMask=Job (\\d+") + "AttachmentMask=[z-a]\n");
        var subject = Single(c, "SubjectLineMask", FindingSeverity.Error);
        Assert.Equal(4, subject.Line);
        Assert.Contains("not a valid regular expression", subject.Message);
        Assert.Contains(")", subject.Message); // .NET's own explanation (missing parenthesis)
        Single(c, "AttachmentMask", FindingSeverity.Error);
    }

    [Fact]
    public void WildcardMasksAreNotCompiledAsRegex()
    {
        var c = Read(MinimalRule.Replace("SubjectLineMask=Test", "SubjectLineMask=Report (*") + "UseWildCards=Yes\n");
        Assert.Empty(Errors(c));
    }

    [Theory]
    [InlineData("0000-2400", true)] [InlineData("2200-0600", true)] [InlineData("0000-2359", true)] [InlineData("0800 - 1730", true)]
    [InlineData("2401-0000", false)] [InlineData("0860-1000", false)] [InlineData("800-1700", false)] [InlineData("08:00-17:00", false)] [InlineData("always", false)]
    public void TimeFramesMustBeHhmmPairs(string frame, bool valid)
    {
        var c = Read(MinimalRule + $"AllowedTimeFrame={frame}\n");
        Assert.Equal(valid, !c.Findings.Any(f => f.Key == "AllowedTimeFrame" && f.Severity == FindingSeverity.Error));
    }

    [Theory]
    [InlineData("Mail", "EmailProtocol", "SMTP")]
    [InlineData("Mail", "SecurityProtocol", "TLS13")]
    [InlineData("General", "DeleteEmails", "Some")]
    [InlineData("Mail", "Port", "nine-nine-three")]
    [InlineData("Mail", "Port", "70000")]
    [InlineData("General", "ExitCodeForNoMatchingEmails", "40000")]
    public void UnknownValuesAreErrors(string section, string key, string value)
    {
        var c = Read(MinimalRule + $"[{section}]\n{key}={value}\n");
        // The key in a second section of the same name is ignored, so put it in a fresh file instead.
        c = Read($"[{section}]\n{key}={value}\n" + (section == "General" ? MinimalRule.Replace("[General]\n", "") : MinimalRule));
        var f = Single(c, key, FindingSeverity.Error);
        Assert.Contains(value, f.Message);
        Assert.Equal(2, f.Line);
    }

    [Fact]
    public void MissingSubjectMaskOrEventAreErrors()
    {
        var c = Read("[General]\nMSGINDirectory=/m\n[Configuration1]\nAllowedSenders=ALL\n");
        Assert.Contains(c.Findings, f => f.Key == "SubjectLineMask" && f.Severity == FindingSeverity.Error && f.Line == 3);
        Assert.Contains(c.Findings, f => f.Key == "Event" && f.Severity == FindingSeverity.Error && f.Line == 3);
    }

    [Fact]
    public void ProcessAttachmentsNeedsAnAttachmentMask()
    {
        var c = Read(MinimalRule + "ProcessAttachments=True\n");
        Assert.Equal(7, Single(c, "AttachmentMask", FindingSeverity.Error).Line);
    }

    [Fact]
    public void DuplicateSectionsAndKeysAreWarningsAndTheFirstWins()
    {
        var c = Read(MinimalRule + "SubjectLineMask=Second\n[Configuration1]\nSubjectLineMask=Third\n");
        Assert.Equal("Test", c.Rules[0].SubjectLineMask);
        Assert.Equal(7, Single(c, "SubjectLineMask", FindingSeverity.Warning).Line);
        Assert.Contains(c.Findings, f => f.Line == 8 && f.Severity == FindingSeverity.Warning && f.Message.Contains("appears again"));
    }

    [Fact]
    public void UnknownKeysAreWarningsWithASuggestion()
    {
        var c = Read(MinimalRule + "AllowedTimeFrme=0000-2400\nColour=blue\n");
        Assert.Contains("Did you mean AllowedTimeFrame?", Single(c, "AllowedTimeFrme", FindingSeverity.Warning).Message);
        Assert.DoesNotContain("Did you mean", Single(c, "Colour", FindingSeverity.Warning).Message);
        Assert.Empty(Errors(c));
    }

    [Fact]
    public void PortAndProtocolMismatchesAreWarnings()
    {
        var c = Read(MinimalRule + "[Mail]\nServer=mail.example.com\nEmailProtocol=IMAP\nPort=995\n");
        Assert.Contains("POP3 port", Single(c, "Port", FindingSeverity.Warning).Message);
        var plain = Read(MinimalRule + "[Mail]\nServer=mail.example.com\nEmailProtocol=POP\nPort=110\n");
        Assert.Contains("STARTTLS", Single(plain, "SecurityProtocol", FindingSeverity.Warning).Message);
    }

    [Fact]
    public void UnencryptedCredentialsAreWarningsThatNeverQuoteTheSecret()
    {
        var c = Read(MinimalRule.Replace("[General]\n", "[General]\nOpConUser=ocadm\nOpConUserPassword=s3cr3t-Pa55\n") + "[Mail]\nUser=bob\nPassword=hunter2-xyz\n");
        var opcon = Single(c, "OpConUserPassword", FindingSeverity.Warning);
        var mail = Single(c, "Password", FindingSeverity.Warning);
        Assert.Contains("Set-SmartEmailCredential", mail.Message);
        Assert.DoesNotContain(c.Findings, f => f.Message.Contains("s3cr3t") || f.Message.Contains("hunter2"));
        Assert.True(c.General.OpConUserPassword.IsSet);
        Assert.False(c.General.OpConUserPassword.IsEncrypted);
        Assert.Equal("bob", c.Mail.User);
        var encrypted = Read(MinimalRule + "[Mail]\nPassword=SE1:AAAA\n");
        Assert.True(encrypted.Mail.Password.IsEncrypted);
        Assert.DoesNotContain(encrypted.Findings, f => f.Key == "Password");
        Assert.Equal(opcon.Path, c.Path);
    }

    [Fact]
    public void MsgInDirectoryIsRequiredOutsideWindows()
    {
        if (OperatingSystem.IsWindows())
            return; // Windows has the reference's default
        var c = Read("[Configuration1]\nSubjectLineMask=x\nEvent=e\nAllowedSenders=ALL\n");
        Assert.Equal(0, Single(c, "MSGINDirectory", FindingSeverity.Error).Line);
    }

    [Fact]
    public void FolderProtocolResolvesTheFolderAndNeedsIt()
    {
        var c = Read(MinimalRule + "[Mail]\nEmailProtocol=Folder\nServer=mailbox\n");
        Assert.Equal(Path.Combine(Path.GetDirectoryName(c.Path)!, "mailbox"), c.Mail.Server);
        Assert.Equal(MailProtocol.Folder, c.Mail.Protocol);
        var none = Read(MinimalRule + "[Mail]\nEmailProtocol=folder\n");
        Single(none, "Server", FindingSeverity.Error);
    }

    [Fact]
    public void TheDemoIniIsClean()
    {
        var c = ConfigurationReader.Load(Path.Combine(TestPaths.RepoRoot, "docs", "examples", "SMArtEmail.ini"));
        Assert.Empty(c.Findings);
        Assert.Equal(3, c.Rules.Length);
    }

    [Theory]
    [InlineData("Audit", "OpConEventLogFile")]
    [InlineData("Audit", "AuditRejectLogFile")]
    [InlineData("Mail", "TokenCachePath")]
    public void APathWithANulIsAnErrorFindingOnItsLineNotAnException(string section, string key)
    {
        // Found by the INI fuzz test (seed 20261126, case 1032): Path.GetFullPath throws on a NUL.
        var c = Read(MinimalRule + $"[{section}]\n{key}=logs/a\0b.log\n");
        var error = Assert.Single(Errors(c), f => f.Key == key);
        Assert.Equal(8, error.Line);
        Assert.Contains("is not a usable path", error.Message);
    }
}
