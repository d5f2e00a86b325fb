using System.Text;
using SmartEmail.Ini;
using Xunit;

namespace SmartEmail.Engine.Tests;

/// <summary>
/// Malformed INI files through <see cref="ConfigurationReader.Load"/>: it must always return (a bad file is findings,
/// never an exception), and report each problem with its severity, its line, and a message that names it.
/// </summary>
public sealed class IniMalformedTests : IDisposable
{
    /// <summary>A file with no findings at all, so each test sees only the findings its damage causes.</summary>
    private const string Valid =
        "[General]\r\n" +                                       // 1
        "MSGINDirectory=/tmp/msgin\r\n" +                       // 2
        "[Mail]\r\n" +                                          // 3
        "EmailProtocol=Folder\r\n" +                            // 4
        "Server=mail\r\n" +                                     // 5
        "[Configuration1]\r\n" +                                // 6
        "SubjectLineMask=^Run (?<job>\\w+)$\r\n" +              // 7
        "Event1=$JOB:ADD,Sched,[[job]],Freq\r\n" +              // 8
        "AllowedSenders=ALL\r\n";                               // 9

    private const int ValidLines = 9;
    private const int TenMegabytes = 10 * 1024 * 1024;
    private const string NoSections = "no sections";

    private readonly string _folder = Directory.CreateTempSubdirectory("smartemail-ini-malformed-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void TheBaseFileHasNoFindings()
    {
        var (config, _, _) = Load("valid.ini", Valid);
        Assert.Empty(config.Findings);
        Assert.Single(config.Rules);
    }

    // ---- garbage ---------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(20261125)]
    [InlineData(-1)] // a new random seed each run
    public void RandomBytesAreFindingsNotExceptions(int seed)
    {
        if (seed < 0)
            seed = Random.Shared.Next();
        var r = new Random(seed);
        for (var i = 0; i < 10; i++)
        {
            var bytes = new byte[r.Next(1, 64 * 1024)];
            r.NextBytes(bytes);
            var because = $"seed {seed}, garbage {i} ({bytes.Length} bytes)";
            var (config, _, doc) = Load($"garbage-{seed}-{i}.ini", bytes, because);
            Assert.True(config.Rules.Length == 0, $"{because}: read {config.Rules.Length} rules from random bytes");
            if (!doc.Sections.Any())
                AssertFinding(config, FindingSeverity.Error, 0, because, NoSections);
        }
    }

    [Fact]
    public void ZeroBytesAreNotAnIniFile()
    {
        var (config, _, _) = Load("zeros.ini", new byte[4096]);
        AssertFinding(config, FindingSeverity.Warning, 1, "4096 NUL bytes", "no '='");
        AssertFinding(config, FindingSeverity.Error, 0, "4096 NUL bytes", NoSections);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Utf16WithoutAByteOrderMarkIsNotReadAsSections(bool bigEndian)
    {
        // Without a BOM the file is read as UTF-8: every other character is a NUL, so no line is what it seems.
        var bytes = new UnicodeEncoding(bigEndian, byteOrderMark: false).GetBytes(Valid);
        var because = bigEndian ? "UTF-16 BE without BOM" : "UTF-16 LE without BOM";
        var (config, _, doc) = Load("utf16.ini", bytes, because);
        Assert.Empty(doc.Sections);
        Assert.Empty(config.Rules);
        AssertFinding(config, FindingSeverity.Error, 0, because, NoSections);
        if (!bigEndian)
            AssertFinding(config, FindingSeverity.Error, 1, because, "after the section header");
    }

    // ---- empty and nearly empty ------------------------------------------------------------------------------------

    [Fact]
    public void AnEmptyFileIsAnError()
    {
        var (config, _, _) = Load("empty.ini", Array.Empty<byte>());
        AssertFinding(config, FindingSeverity.Error, 0, "an empty file", NoSections, "empty");
        Assert.Empty(config.Rules);
    }

    [Fact]
    public void AFileOfOnlyCommentsIsAnError()
    {
        var (config, _, _) = Load("comments.ini", "; SMArtEmail.ini\r\n# nothing here yet\r\n   ; indented\r\n\r\n;[General]\r\n#Key=Value\r\n");
        AssertFinding(config, FindingSeverity.Error, 0, "only comments", NoSections);
        Assert.DoesNotContain(config.Findings, f => f.Line > 0);
    }

    [Fact]
    public void AFileOfOnlyKeysWithoutSectionsIsAnError()
    {
        var text = "MSGINDirectory=/tmp/msgin\r\nEmailProtocol=Folder\r\n";
        var (config, _, _) = Load("keys-only.ini", text);
        AssertFinding(config, FindingSeverity.Warning, 1, "keys without sections", "before any [section]");
        AssertFinding(config, FindingSeverity.Warning, 2, "keys without sections", "before any [section]");
        AssertFinding(config, FindingSeverity.Error, 0, "keys without sections", NoSections);
    }

    // ---- one damaged line ------------------------------------------------------------------------------------------

    [Fact]
    public void AKeyBeforeAnySectionIsIgnoredWithAWarning()
    {
        var (config, _, _) = Load("orphan.ini", "DeleteEmails=None\r\n" + Valid);
        var finding = AssertFinding(config, FindingSeverity.Warning, 1, "a key before [General]", "DeleteEmails", "before any [section]");
        Assert.Equal("DeleteEmails", finding.Key);
        Assert.Equal(string.Empty, finding.Section);
        AssertOnlyFindingsOn(config, 1);
        Assert.Equal(DeleteMode.Match, config.General.DeleteEmails);
    }

    [Fact]
    public void AnUnterminatedSectionHeaderIsAnError()
    {
        var (config, _, _) = Load("unterminated.ini", Valid + "[Audit\r\nLogAccepts=True\r\n");
        var finding = AssertFinding(config, FindingSeverity.Error, ValidLines + 1, "[Audit without ']'", "no closing ']'", "[Audit");
        Assert.Equal("Configuration1", finding.Section);
    }

    [Fact]
    public void AKeyWithoutEqualsIsAWarning()
    {
        var (config, _, _) = Load("no-equals.ini", Valid + "AllowedTimeFrame 0800-1700\r\n");
        var finding = AssertFinding(config, FindingSeverity.Warning, ValidLines + 1, "a line without '='", "no '='", "AllowedTimeFrame 0800-1700");
        Assert.Equal("Configuration1", finding.Section);
        AssertOnlyFindingsOn(config, ValidLines + 1);
        Assert.Equal("0000-2400", config.Rules[0].AllowedTimeFrame);
    }

    [Fact]
    public void AValueWithoutAKeyIsAWarning()
    {
        var (config, _, _) = Load("no-key.ini", Valid + "  = orphan value\r\n");
        AssertFinding(config, FindingSeverity.Warning, ValidLines + 1, "'= value'", "no key");
        AssertOnlyFindingsOn(config, ValidLines + 1);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[   ]")]
    [InlineData("  [\t] ; empty")]
    public void ASectionHeaderWithoutANameIsAnError(string header)
    {
        var (config, _, _) = Load("no-name.ini", Valid + header + "\r\nKey=1\r\n");
        AssertFinding(config, FindingSeverity.Error, ValidLines + 1, header, "no name");
    }

    [Fact]
    public void TextAfterTheClosingBracketIsAnErrorButACommentIsNot()
    {
        var (config, _, _) = Load("after-bracket.ini", Valid + "[Audit] LogAccepts=True\r\n[Tokens] ; my tokens\r\nSite=Berlin\r\n[OpCon]\t# transport\r\n");
        AssertFinding(config, FindingSeverity.Error, ValidLines + 1, "text after ']'", "Unexpected text", "LogAccepts=True", "after the section header");
        AssertOnlyFindingsOn(config, ValidLines + 1);
        Assert.Equal("Berlin", config.Tokens["Site"]);
    }

    [Fact]
    public void ADuplicateSectionIsAWarningAndTheFirstOneWins()
    {
        var (config, _, _) = Load("duplicate.ini", Valid + "\r\n[general]\r\nMSGINDirectory=/elsewhere\r\n");
        AssertFinding(config, FindingSeverity.Warning, ValidLines + 2, "a second [General]", "appears again", "(first at line 1)");
        AssertOnlyFindingsOn(config, ValidLines + 2);
        Assert.Equal("/tmp/msgin", config.General.MsgInDirectory);
    }

    [Fact]
    public void ADuplicateKeyIsAWarningAndTheFirstOneWins()
    {
        var (config, _, _) = Load("duplicate-key.ini", Valid.Replace("Server=mail\r\n", "Server=mail\r\nserver = other\r\n"));
        AssertFinding(config, FindingSeverity.Warning, 6, "a second Server", "set again", "(first at line 5)");
        AssertOnlyFindingsOn(config, 6);
        Assert.EndsWith("mail", config.Mail.Server, StringComparison.Ordinal);
    }

    // ---- huge lines ------------------------------------------------------------------------------------------------

    [Fact]
    public void ATenMegabyteValueIsRead()
    {
        var value = new string('v', TenMegabytes);
        var (config, _, doc) = Load("big-value.ini", Valid + "[Audit]\r\nLogAcceptFormat=" + value + "\r\nAuditNote=" + value + "\r\n");
        Assert.Equal(value, config.Audit.LogAcceptFormat);
        Assert.Equal(TenMegabytes, doc.Get("Audit", "AuditNote")!.Length);
        var finding = AssertFinding(config, FindingSeverity.Warning, ValidLines + 3, "a 10 MB value of an unknown key", "AuditNote", "not a setting of [Audit]");
        Assert.True(finding.Message.Length < 1000, $"the finding quotes {finding.Message.Length} characters");
        AssertOnlyFindingsOn(config, ValidLines + 3);
    }

    [Fact]
    public void ATenMegabyteLineWithoutEqualsIsAWarningThatQuotesOnlyItsStart()
    {
        var (config, _, _) = Load("big-line.ini", Valid + new string('x', TenMegabytes) + "\r\n");
        var finding = AssertFinding(config, FindingSeverity.Warning, ValidLines + 1, "a 10 MB line without '='", "no '='", "xxxxxxxxxx");
        Assert.True(finding.Message.Length < 1000, $"the finding quotes {finding.Message.Length} characters");
        AssertOnlyFindingsOn(config, ValidLines + 1);
    }

    [Fact]
    public void FindingsQuoteHugeValuesAndKeysOnlyInPart()
    {
        // A 10 MB bad value or unknown key name must not make a 10 MB message (Test-SmartEmailConfiguration -Detailed
        // prints every message).
        var huge = new string('z', TenMegabytes);
        var (config, _, _) = Load("huge-quoted.ini", Valid.Replace("EmailProtocol=Folder", "EmailProtocol=" + huge) + "[Audit]\r\n" + huge + "=1\r\n");
        var bad = AssertFinding(config, FindingSeverity.Error, 4, "a 10 MB EmailProtocol", "EmailProtocol", "is not one of");
        var unknown = AssertFinding(config, FindingSeverity.Warning, ValidLines + 2, "a 10 MB key name", "zzzzzzzzzz");
        Assert.True(bad.Message.Length < 1000, $"the EmailProtocol finding is {bad.Message.Length} characters long");
        Assert.True(unknown.ToString().Length < 2000, $"the unknown-key finding is {unknown.ToString().Length} characters long");
    }

    // ---- how findings read ---------------------------------------------------------------------------------------

    [Fact]
    public void FindingsNameTheFileAndTheLine()
    {
        var text = "Orphan=1\r\n" + Valid + "[Audit\r\nno equals here\r\n[]\r\n";
        var (config, path, _) = Load("where.ini", text);
        var full = Path.GetFullPath(path);
        var lines = new[] { 1, ValidLines + 2, ValidLines + 3, ValidLines + 4 };
        foreach (var line in lines)
        {
            var finding = Assert.Single(config.Findings, f => f.Line == line);
            var shown = finding.ToString();
            Assert.True(shown.StartsWith(full + ":" + line, StringComparison.Ordinal), $"line {line} shows as {shown}");
            Assert.EndsWith(finding.Message, shown, StringComparison.Ordinal);
        }
        Assert.Equal(lines, config.Findings.Select(f => f.Line).ToArray());

        var (empty, emptyPath, _) = Load("where-empty.ini", string.Empty);
        var none = AssertFinding(empty, FindingSeverity.Error, 0, "an empty file", NoSections);
        Assert.StartsWith(Path.GetFullPath(emptyPath), none.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(":0", none.ToString(), StringComparison.Ordinal);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private (Configuration Config, string Path, IniDocument Doc) Load(string name, string text) =>
        Load(name, new UTF8Encoding(false).GetBytes(text), name);

    private (Configuration Config, string Path, IniDocument Doc) Load(string name, byte[] bytes, string? because = null)
    {
        because ??= name;
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        Configuration config;
        try
        {
            config = ConfigurationReader.Load(path);
        }
        catch (Exception e)
        {
            Assert.Fail($"{because}: ConfigurationReader.Load threw {e.GetType().Name}: {e.Message}");
            throw;
        }
        var doc = IniDocument.Load(path);
        var full = Path.GetFullPath(path);
        Assert.Equal(full, config.Path);
        foreach (var f in config.Findings)
        {
            Assert.True(f.Path == full, $"{because}: a finding names {f.Path}");
            Assert.True(f.Line >= 0 && f.Line <= doc.Lines.Count, $"{because}: a finding is on line {f.Line} of {doc.Lines.Count}: {Short(f.Message)}");
            Assert.False(string.IsNullOrWhiteSpace(f.Message), $"{because}: a finding on line {f.Line} has no message");
            var shown = f.ToString();
            Assert.True(shown.StartsWith(f.Line > 0 ? $"{full}:{f.Line}" : full, StringComparison.Ordinal), $"{because}: a finding reads {Short(shown)}");
        }
        // Every line the reader could not make sense of is reported where it is.
        foreach (var line in doc.Lines.Where(l => l.Kind == IniLineKind.Invalid))
        {
            Assert.True(config.Findings.Any(f => f.Line == line.Number && f.Message.Contains(line.Problem, StringComparison.Ordinal)),
                $"{because}: line {line.Number} ({line.Problem}) has no finding");
        }
        return (config, path, doc);
    }

    private static ConfigurationFinding AssertFinding(Configuration config, FindingSeverity severity, int line, string because, params string[] fragments)
    {
        var found = config.Findings.FirstOrDefault(f => f.Severity == severity && f.Line == line
            && fragments.All(x => f.Message.Contains(x, StringComparison.OrdinalIgnoreCase)));
        if (found != null)
            return found;
        Assert.Fail($"{because}: no {severity} on line {line} that says {string.Join(" and ", fragments.Select(x => "'" + x + "'"))}. Findings:{Environment.NewLine}" +
            string.Join(Environment.NewLine, config.Findings.Select(f => $"  {f.Severity} line {f.Line}: {Short(f.Message)}")));
        throw new InvalidOperationException();
    }

    private static void AssertOnlyFindingsOn(Configuration config, params int[] lines)
    {
        var others = config.Findings.Where(f => !lines.Contains(f.Line)).ToArray();
        Assert.True(others.Length == 0, "unexpected findings: " + string.Join("; ", others.Select(f => $"{f.Severity} line {f.Line}: {Short(f.Message)}")));
    }

    /// <summary>At most 300 characters, control characters (NULs of binary garbage) shown as \uXXXX.</summary>
    private static string Short(string s)
    {
        var cut = s.Length > 300 ? s.Substring(0, 300) + $"… ({s.Length} characters)" : s;
        return string.Concat(cut.Select(ch => char.IsControl(ch) ? $"\\u{(int)ch:X4}" : ch.ToString()));
    }
}
