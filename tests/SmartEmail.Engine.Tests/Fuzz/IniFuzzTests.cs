using System.Text;
using SmartEmail.Ini;
using SmartEmail.Rules;
using Xunit;
using Xunit.Abstractions;

namespace SmartEmail.Engine.Tests.Fuzz;

/// <summary>
/// The INI reader on random bytes and on random lines built from the schema's own keys with hostile values. The reader
/// documents that it never throws for the content of a file: every problem is a finding. And a file it reads without
/// an error finding must give rules the rule engine compiles (what Test-SmartEmailConfiguration promises).
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class IniFuzzTests : IDisposable
{
    private static readonly string[] Values =
    {
        "", " ", "True", "false", "0", "-1", "2147483648", "99999999999999999999", "0000-2400", "2400-0000", "2500-0000", "12-34",
        "UTC", "Europe/Paris", "Not/AZone", "ASCII", "UTF-8", "EBCDIC", "Strip", "Reject", "Maybe", "IMAP", "POP", "MSAL", "Folder",
        "(", "(a+)+$", "[[TOKEN]]", "[[SENDER]]", "[[1]],[[A1]]", "$JOB:ADD,[[1]]", "%PATH%", "%NOPE%", "%(%", "\\\\server\\share",
        "../../etc", "C:\\x", "/dev/null", "ALL", "any@", "any@example.com;;;", "a;b;c", "\u00e9\u00e8", "\u2028", "\0", "\t",
        "=", "[x]", ";comment", "#x", "ENC:AAAA", "ENC:", "DPAPI:Zm9v", "http://", "https://opcon.example.com:9010/api", "10.5",
        "1e9", "0x10", new string('v', 70000),
    };

    private readonly ITestOutputHelper _output;
    private readonly string _folder = Directory.CreateTempSubdirectory("smartemail-fuzz-ini-").FullName;

    public IniFuzzTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void RandomIniFilesAreFindingsNeverExceptions()
    {
        var clean = 0;
        FuzzRunner.Run(_output, "ini", 1500, Generate, b => $"{b.Length} bytes", bytes =>
        {
            var path = Path.Combine(_folder, "SMArtEmail.ini");
            File.WriteAllBytes(path, bytes);
            var document = IniDocument.Load(path);
            if (document.IsLossless)
                Assert.True(document.ToBytes().AsSpan().SequenceEqual(bytes), "a lossless document did not give back its bytes");
            var config = ConfigurationReader.Load(path);
            Assert.All(config.Findings, f =>
            {
                Assert.False(string.IsNullOrWhiteSpace(f.Message));
                Assert.InRange(f.Line, 0, document.Lines.Count);
                Assert.True(f.Message.Length < 4000, $"a finding quotes {f.Message.Length} characters");
            });
            if (config.Findings.Any(f => f.Severity == FindingSeverity.Error))
                return;
            clean++;
            // No error finding: every rule must compile as the engine will compile it.
            _ = new RuleEngine(config.Rules, RuleSettings.From(config));
        }, TimeSpan.FromSeconds(3), b => 64L * 1024 * 1024 + 256L * b.Length);
        _output.WriteLine($"{clean} generated files had no error finding and their rules compiled");
        if (FuzzRunner.CaseIndexes(1500).Count >= 100)
            Assert.True(clean > 0, "no generated file was free of errors: the generator never reaches the rule engine");
    }

    private static byte[] Generate(Random r, int index)
    {
        if (index % 5 == 0)
        {
            var garbage = new byte[r.Next(0, 4096)];
            r.NextBytes(garbage);
            return garbage;
        }
        var s = new StringBuilder();
        var newLine = new[] { "\r\n", "\n", "\r" }[r.Next(3)];
        void Line(string text) => s.Append(text).Append(r.Next(20) == 0 ? new[] { "\r\n", "\n", "\r" }[r.Next(3)] : newLine);
        string Value() => r.Next(4) == 0 ? Values[r.Next(Values.Length - 1)] + Values[r.Next(Values.Length - 1)] : Values[r.Next(Values.Length)];

        // A base that reads without errors, so the random edits decide the outcome.
        Line("[General]");
        Line("MSGINDirectory=/tmp/msgin");
        Line("[Mail]");
        Line("EmailProtocol=Folder");
        Line("Server=mail");
        Line("[Configuration1]");
        Line("SubjectLineMask=^Run (?<job>\\w+)$");
        Line("Event1=$JOB:ADD,Sched,[[job]],Freq");
        Line("AllowedSenders=ALL");
        for (var i = r.Next(0, 8) == 0 ? 0 : r.Next(1, 25); i > 0; i--)
        {
            switch (r.Next(10))
            {
                case 0:
                    Line("[" + new[] { "General", "Mail", "Audit", "Tokens", "OpCon", "Configuration" + r.Next(0, 4), "Configuration-1", "Configuration99999999999", "", " ", "[x]" }[r.Next(11)] + "]");
                    break;
                case 1:
                    Line(new[] { ";", "#", "=", "[", "]", "", "   ", "\u00ef\u00bb\u00bf", "key without equals" }[r.Next(9)]);
                    break;
                case 2:
                    Line("TOKEN" + r.Next(3) + "=" + Value());
                    break;
                default:
                    var key = IniSchema.Keys[r.Next(IniSchema.Keys.Count)];
                    var name = key.Name == "Event" && r.Next(2) == 0 ? "Event" + r.Next(0, 1000) : key.Name;
                    Line((r.Next(10) == 0 ? name.ToUpperInvariant() : name) + new[] { "=", " = ", "=\t" }[r.Next(3)] + Value());
                    break;
            }
        }
        var text = s.ToString();
        var encoding = r.Next(4) switch
        {
            0 => Encoding.GetEncoding(1252),
            1 => new UnicodeEncoding(false, true),
            _ => new UTF8Encoding(r.Next(2) == 0),
        };
        try
        {
            return encoding.GetPreamble().Concat(encoding.GetBytes(text)).ToArray();
        }
        catch (EncoderFallbackException)
        {
            return Encoding.UTF8.GetBytes(text);
        }
    }
}
