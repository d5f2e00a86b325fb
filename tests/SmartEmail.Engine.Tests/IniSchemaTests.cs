using SmartEmail.Ini;
using SmartEmail.Mail;
using SmartEmail.Rules;
using Xunit;

namespace SmartEmail.Engine.Tests;

/// <summary>
/// IniSchema is the one declaration of each setting: these tests hold the declarations to what the reader, the
/// settings objects, the rule validator and New-SmartEmailRule do with them.
/// </summary>
public class IniSchemaTests
{
    private const string Base = "[General]\nMSGINDirectory=/var/msgin\n[Mail]\nEmailProtocol=Folder\nServer=/var/mail\n";
    private const string Rule = "[Configuration1]\nSubjectLineMask=Test\nEvent=$CONSOLE:DISPLAY,ok\nAllowedSenders=ALL\n";

    private static Configuration Read(string text) => ConfigurationReader.Read(IniDocument.Parse(text));

    private static ConfigurationFinding[] Errors(Configuration c) => c.Findings.Where(f => f.Severity == FindingSeverity.Error).ToArray();

    [Fact]
    public void EveryDeclaredDefaultIsAValidValueOfItsType()
    {
        foreach (var key in IniSchema.Keys.Where(k => k.Default != null))
        {
            Assert.True(IniValues.IsValid(key, key.Default!), $"{key}: the default '{key.Default}' is not a valid {key.Type}");
            switch (key.Type)
            {
                case IniValueType.Boolean: _ = key.DefaultBool; break;
                case IniValueType.Integer: _ = key.DefaultInt; break;
                case IniValueType.Seconds: _ = key.DefaultSeconds; break;
            }
        }
    }

    [Fact]
    public void EveryChoiceIsReadIntoAMemberOfItsEnumAndBack()
    {
        var choices = IniSchema.Keys.Where(k => k.Type == IniValueType.Choice).ToList();
        Assert.Contains(choices, k => k.Name == "MsgInEncoding");
        foreach (var key in choices)
        {
            Assert.NotNull(key.EnumType);
            Assert.NotEmpty(key.Choices);
            foreach (var spelling in key.Choices)
            {
                var parse = typeof(IniValues).GetMethod(nameof(IniValues.TryParseChoice))!.MakeGenericMethod(key.EnumType!);
                var arguments = new object?[] { key, spelling.ToLowerInvariant(), null };
                Assert.True((bool)parse.Invoke(null, arguments)!, $"{key}: '{spelling}' is not a member of {key.EnumType!.Name}");
                var spell = typeof(IniValues).GetMethod(nameof(IniValues.Spelling))!.MakeGenericMethod(key.EnumType!);
                Assert.Equal(spelling, spell.Invoke(null, new[] { key, arguments[2] }));
            }
        }
    }

    [Fact]
    public void TheSettingsObjectsStartWithTheDeclaredDefaults()
    {
        var c = Read(Base + Rule);
        Assert.Empty(Errors(c));
        Assert.Equal(3, c.General.MaxAttempts);
        Assert.Equal(1048576, c.General.MaxHeaderBytes);
        Assert.Equal(MsgInEncoding.ASCII, c.General.MsgInEncoding);
        Assert.Equal(UnsafeValueAction.Reject, c.General.UnsafeValueAction);
        Assert.Equal(EventTransport.MsgIn, c.OpCon.Transport);
        Assert.Equal("INBOX", c.Mail.Folder);
        Assert.Equal(587, c.Mail.SmtpPort);
        Assert.Equal(50, c.Audit.MaxNotificationsPerRun);
        // An object made in memory has the same defaults as one read from a file that leaves the keys out.
        Assert.Equal(new GeneralSettings().MaxAttempts, c.General.MaxAttempts);
        Assert.Equal(new GeneralSettings().MaxHeaderBytes, c.General.MaxHeaderBytes);
        Assert.Equal(new MailSettings().Folder, c.Mail.Folder);
        Assert.Equal(new MailboxSettings().Folder, c.Mail.Folder);
        Assert.Equal(new RuleBuilder().AllowedTimeFrame, c.Rules[0].AllowedTimeFrame);
        Assert.Equal(new RuleSettings().RegexTimeout, c.General.RegexTimeout);
    }

    [Theory]
    [InlineData("MaxAttempts=5\nMaxHeaderBytes=65536\n", 5, 65536)]
    [InlineData("maxattempts = 1\nMAXHEADERBYTES=16384\n", 1, 16384)]
    public void MaxAttemptsAndMaxHeaderBytesAreRead(string general, int attempts, int headerBytes)
    {
        var c = Read(Base.Replace("[Mail]", general + "[Mail]") + Rule);
        Assert.Empty(Errors(c));
        Assert.Equal(attempts, c.General.MaxAttempts);
        Assert.Equal(headerBytes, c.General.MaxHeaderBytes);
    }

    [Theory]
    [InlineData("MaxAttempts", "0", "MaxAttempts must be a whole number of at least 1, not '0'.")]
    [InlineData("MaxAttempts", "three", "MaxAttempts must be a whole number of at least 1, not 'three'.")]
    [InlineData("MaxHeaderBytes", "-1", "MaxHeaderBytes must be a whole number from 16384 to 67108864, not '-1'.")]
    [InlineData("MaxHeaderBytes", "99999999999", "MaxHeaderBytes must be a whole number from 16384 to 67108864, not '99999999999'.")]
    public void AnInvalidMaxAttemptsOrMaxHeaderBytesIsAnErrorOnItsLineAndTheDefaultStays(string key, string value, string message)
    {
        var c = Read("[General]\nMSGINDirectory=/var/msgin\n" + key + "=" + value + "\n[Mail]\nEmailProtocol=Folder\nServer=/var/mail\n" + Rule);
        var error = Assert.Single(Errors(c));
        Assert.Equal((3, "General", key, message), (error.Line, error.Section, error.Key, error.Message));
        Assert.Equal(3, c.General.MaxAttempts);
        Assert.Equal(1048576, c.General.MaxHeaderBytes);
    }

    [Fact]
    public void ClosedSetsAreEnumsReadInAnyLetterCase()
    {
        var c = Read("[General]\nMSGINDirectory=/var/msgin\nMsgInEncoding=windows-1252\nUnsafeValueAction=STRIP\n[Mail]\nEmailProtocol=Folder\nServer=/var/mail\n"
            + "[OpCon]\nTransport=api\nApiUrl=https://opcon.example.com\n" + Rule + "UnsafeValueAction=reject\n");
        Assert.Empty(Errors(c));
        Assert.Equal(MsgInEncoding.Windows1252, c.General.MsgInEncoding);
        Assert.Equal(UnsafeValueAction.Strip, c.General.UnsafeValueAction);
        Assert.Equal(EventTransport.Api, c.OpCon.Transport);
        Assert.Equal(UnsafeValueAction.Reject, c.Rules[0].UnsafeValueAction);
        Assert.Equal("Api", c.OpCon.Transport.ToString());   // as the string property printed before
        Assert.Equal(MsgInEncoding.UTF8, Read(Base.Replace("[Mail]", "MsgInEncoding=UTF-8\n[Mail]") + Rule).General.MsgInEncoding);
    }

    [Theory]
    [InlineData("General", "MsgInEncoding", "Latin1", "MsgInEncoding 'Latin1' is not one of: ASCII, Windows-1252, UTF-8.")]
    [InlineData("General", "UnsafeValueAction", "Strp", "UnsafeValueAction 'Strp' is not one of: Reject, Strip. Did you mean Strip?")]
    [InlineData("OpCon", "Transport", "Rest", "Transport 'Rest' is not one of: MsgIn, Api.")]
    [InlineData("Configuration1", "UnsafeValueAction", "Allow", "UnsafeValueAction 'Allow' is not one of: Reject, Strip.")]
    public void AnUnknownValueOfAClosedSetIsAnErrorOnItsLine(string section, string key, string value, string message)
    {
        var text = "[General]\nMSGINDirectory=/var/msgin\n[Mail]\nEmailProtocol=Folder\nServer=/var/mail\n" + Rule + "[OpCon]\n";
        var lines = text.TrimEnd('\n').Split('\n').ToList();
        var at = lines.IndexOf("[" + section + "]") + 1;
        lines.Insert(at, key + "=" + value);
        var c = Read(string.Join("\n", lines) + "\n");
        var error = Assert.Single(Errors(c));
        Assert.Equal((at + 1, section, key, message), (error.Line, error.Section, error.Key, error.Message));
    }

    [Theory]
    [InlineData("AllowedTimeFrame=0800-2500\n", "AllowedTimeFrame", "AllowedTimeFrame")]
    [InlineData("ProcessAttachments=Yes\n", "AttachmentMask", "ProcessAttachments")]
    [InlineData("AttachmentMask=(\n", "AttachmentMask", "AttachmentMask")]
    [InlineData("QualifyingSubjectLine=[\nProcessBody=Yes\n", "QualifyingSubjectLine", "QualifyingSubjectLine")]
    [InlineData("TimeZone=Mars/Olympus\n", "TimeZone", "TimeZone")]
    [InlineData("RequireAuthenticatedSender=Yes\n", "TrustedAuthServId", "RequireAuthenticatedSender")]
    public void TheReaderTheEngineAndTheBuilderRefuseARuleWithTheSameMessage(string extra, string setting, string lineKey)
    {
        var text = Base + Rule + extra;
        var c = Read(text);
        var finding = Assert.Single(Errors(c));
        Assert.Equal(setting, finding.Key);
        Assert.Equal(IniDocument.Parse(text).Find("Configuration1", lineKey)!.Number, finding.Line);

        // The same rule, built in memory without the reader's checks, is refused by the engine with the same reason.
        var rule = c.Rules[0];
        var engine = Assert.Throws<RuleSettingException>(() => new RuleEngine(new[] { rule }, RuleSettings.From(c)));
        Assert.Equal((setting, finding.Message, $"Configuration1: {finding.Message}"), (engine.Setting, engine.Reason, engine.Message));

        var builder = new RuleBuilder
        {
            Name = rule.Name, SubjectLineMask = rule.SubjectLineMask, Events = rule.Events, AllowedTimeFrame = rule.AllowedTimeFrame,
            AttachmentMask = rule.AttachmentMask, ProcessAttachments = rule.ProcessAttachments, ProcessBody = rule.ProcessBody,
            QualifyingSubjectLine = rule.QualifyingSubjectLine, TimeZone = rule.TimeZone, RequireAuthenticatedSender = rule.RequireAuthenticatedSender == true,
        };
        var built = Assert.Throws<RuleSettingException>(() => builder.Build());
        Assert.Equal((setting, finding.Message), (built.Setting, built.Reason));
    }

    [Fact]
    public void ARuleThatInheritsAnInvalidGeneralSettingIsReportedOnceInGeneralAndRefusedByTheEngine()
    {
        var c = Read(Base.Replace("[Mail]", "RequireAuthenticatedSender=Yes\n[Mail]") + Rule);
        var error = Assert.Single(Errors(c));
        Assert.Equal(("General", "TrustedAuthServId", 3), (error.Section, error.Key, error.Line));
        var refused = Assert.Throws<RuleSettingException>(() => new RuleEngine(c.Rules, RuleSettings.From(c)));
        Assert.Equal("TrustedAuthServId", refused.Setting);
    }

    [Fact]
    public void EveryRuleSettingHasANewSmartEmailRuleParameterOfTheSameName()
    {
        var rules = IniSchema.Keys.Where(k => k.Section == IniSchema.RuleSection).ToList();
        Assert.All(rules, k => Assert.Equal(k.Name, k.Parameter));
        Assert.All(rules, k => Assert.Same(k, IniSchema.RuleSettingOf(k.Parameter!)));
        Assert.DoesNotContain(IniSchema.Keys, k => k.Section != IniSchema.RuleSection && k.Parameter != null);
    }

    [Fact]
    public void TheSettingsTextListsEveryKeyWithItsValuesAndDefault()
    {
        var text = IniSchema.SettingsText();
        var flat = string.Join(" ", text.Split(new[] { ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries));
        foreach (var key in IniSchema.Keys)
        {
            Assert.Contains("\n        " + key.Name + "\n", text);
            if (key.Default != null)
                Assert.Contains($"Default: {key.Default}.", flat);
        }
        Assert.Contains("MaxHeaderBytes The most bytes", flat);
        Assert.Contains("One of: Reject, Strip. Default: Reject.", flat);
        Assert.Contains("A whole number from 1 to 65535.", flat);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 78 || !line.Trim().Contains(' '), $"'{line}' is longer than 78 characters"));
    }
}
