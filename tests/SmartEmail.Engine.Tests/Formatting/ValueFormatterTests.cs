using System.Text;
using SmartEmail.Events;
using SmartEmail.Formatting;
using Xunit;

namespace SmartEmail.Engine.Tests.Formatting;

public class ValueFormatterTests
{
    private static readonly Encoding Ascii = MsgInWriter.EncodingFor("ASCII");

    private static string? Subject(string name, string value) => name == "SUBJECT" ? value : null;

    /// <summary>Every character of Unicode categories Cc, Zl and Zp: what ends a line somewhere.</summary>
    public static TheoryData<string> LineBreakers => new() { "\r", "\n", "\r\n", "\0", "\t", "\v", "\f", "\u0085", "\u2028", "\u2029", "\u001b", "\u007f", "\u009f" };

    [Theory]
    [MemberData(nameof(LineBreakers))]
    public void AValuesLineBreakBecomesASpaceInLogsNoticesAndDiagnostics(string breaker)
    {
        foreach (var destination in new[] { ValueDestination.LogLine, ValueDestination.NoticeHeader, ValueDestination.NoticeBody, ValueDestination.Diagnostic })
        {
            var text = ValueFormatter.Text.Format("Subject: [[SUBJECT]] end", n => Subject(n, "a" + breaker + "b"), destination).Text;
            Assert.Equal("Subject: a b end", text);
        }
    }

    [Theory]
    [MemberData(nameof(LineBreakers))]
    public void AnEventValuesLineBreakIsReportedUnderRejectAndRemovedUnderStrip(string breaker)
    {
        var reject = new ValueFormatter(Ascii, stripUnsafe: false).Format("$CONSOLE:DISPLAY,[[SUBJECT]]", n => Subject(n, "a" + breaker + "b"), ValueDestination.EventField);
        Assert.False(reject.IsSafe);
        Assert.Equal(new[] { "SUBJECT" }, reject.UnsafeTokens);
        var strip = new ValueFormatter(Ascii, stripUnsafe: true).Format("$CONSOLE:DISPLAY,[[SUBJECT]]", n => Subject(n, "a" + breaker + "b"), ValueDestination.EventField);
        Assert.True(strip.IsSafe);
        Assert.Equal("$CONSOLE:DISPLAY,ab", strip.Text);
    }

    [Fact]
    public void ACommaInAnEventValueIsUnsafeButInALogLineIsText()
    {
        Assert.False(new ValueFormatter(null, false).Format("$X,[[SUBJECT]]", n => Subject(n, "a,b"), ValueDestination.EventField).IsSafe);
        Assert.Equal("a,b", ValueFormatter.Text.Format("[[SUBJECT]]", n => Subject(n, "a,b"), ValueDestination.LogLine).Text);
    }

    [Theory]
    [InlineData("Résumé ready", "Resume ready")]
    [InlineData("Straße Ørsted Łódź", "Strasse Orsted Lodz")]
    [InlineData("Ａｂｃ ﬁle", "Abc file")]
    [InlineData("テスト 報告", "??? ??")]
    [InlineData("Mail 📧 done", "Mail ? done")]
    [InlineData("“quoted” – dash…", "\"quoted\" - dash...")]
    public void CharactersAsciiCannotCarryAreTransliteratedNeverAFailure(string subject, string expected)
    {
        var r = new ValueFormatter(Ascii, stripUnsafe: false).Format("$PROPERTY:SET,S,[[SUBJECT]]", n => Subject(n, subject), ValueDestination.EventField);
        Assert.True(r.IsSafe);
        Assert.True(r.Transliterated);
        Assert.Equal("$PROPERTY:SET,S," + expected, r.Text);
        Assert.Equal(r.Text.Length, Encoding.ASCII.GetByteCount(r.Text));
    }

    [Fact]
    public void Windows1252KeepsWhatItCarriesAndUtf8KeepsEverything()
    {
        var cp1252 = new ValueFormatter(MsgInWriter.EncodingFor("Windows-1252"), false).Format("[[SUBJECT]]", n => Subject(n, "Résumé € テ"), ValueDestination.EventField);
        Assert.Equal("Résumé € ?", cp1252.Text);
        var utf8 = new ValueFormatter(MsgInWriter.EncodingFor("UTF-8"), false).Format("[[SUBJECT]]", n => Subject(n, "Résumé € テ 📧"), ValueDestination.EventField);
        Assert.False(utf8.Transliterated);
        Assert.Equal("Résumé € テ 📧", utf8.Text);
    }

    [Theory]
    [InlineData("\uff0c")] // FULLWIDTH COMMA: NFKD makes it ','
    [InlineData("\ufe50")] // SMALL COMMA
    public void ALookalikeCommaNeverBecomesAFieldSeparator(string lookalike)
    {
        var r = new ValueFormatter(Ascii, false).Format("$X,[[SUBJECT]]", n => Subject(n, "a" + lookalike + "b"), ValueDestination.EventField);
        Assert.True(r.IsSafe);
        Assert.Equal("$X,a?b", r.Text);
    }

    [Fact]
    public void TokensAreReplacedInOnePassAndUnknownOnesStay()
    {
        var text = ValueFormatter.Text.Format("[[SUBJECT]] [[NOPE]]", n => Subject(n, "[[SUBJECT]]"), ValueDestination.LogLine).Text;
        Assert.Equal("[[SUBJECT]] [[NOPE]]", text);
    }

    [Fact]
    public void ADiagnosticQuoteIsOneShortLine()
    {
        var quoted = ValueFormatter.Quote(new string('x', 200) + "\u2028");
        Assert.Equal(DisplayText.MaxLength + 1, quoted.Length);
        Assert.EndsWith("…", quoted);
        Assert.Equal("a b", ValueFormatter.Quote("a\u2029b"));
    }
}
