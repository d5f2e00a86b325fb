using System.Text;
using MimeKit;
using SmartEmail.Events;
using SmartEmail.Mail;
using SmartEmail.Rules;
using Xunit;
using Xunit.Abstractions;

namespace SmartEmail.Engine.Tests.Fuzz;

/// <summary>
/// Event text from hostile values. What the engine guarantees today (RuleEngine.Resolve, EventText.Check, MsgInWriter):
/// a substituted value with a comma, a control character, U+2028, U+2029 or U+0085 is stripped (Strip) or rejects the
/// rule (Reject); an event with a line break or control character, or over 2,000 characters, is refused with
/// EventSubmitException; a character the MSGIN encoding cannot carry is refused, never replaced. So the MSGIN file is
/// exactly one line, "event,user,password" CRLF, with as many fields as the template has literal commas, plus two.
/// Lookalikes (U+FF0C, U+201A, U+060C, U+3001, U+FE50) are data, not separators: they must never become a 0x2C byte.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class EventFuzzTests : IDisposable
{
    private const string User = "ocadm";
    private const string Password = "s3cret";
    private static readonly string[] Encodings = { "ASCII", "Windows-1252", "UTF-8" };

    private static readonly string[] Templates =
    {
        "$JOB:ADD,SCHED,[[1]],FREQ", "$PROPERTY:SET,LastSender,[[SENDER]]", "$PROPERTY:SET,Subject,[[SUBJECT]]",
        "$CONSOLE:DISPLAY,[[SUBJECT]] from [[SENDER]] at [[DATE]]", "$JOB:ADD,[[1]],[[2]],[[A1]],[[ATTACHMENT]]",
        "$PROPERTY:SET,p,[[name]][[9]][[A7]]", "$JOB:RUN,[[ATTACHMENT]]", "[[1]]", "$X,[[1]][[1]][[1]][[1]]",
    };

    private static readonly string[] Pieces =
    {
        "a", "B", "7", " ", ",", ";", "\r", "\n", "\r\n", "\0", "\t", "\u2028", "\u2029", "\u0085", "\u000b", "\u000c", "\u001b",
        "\u007f", "\u0080", "\u009f", "\uff0c", "\u201a", "\u060c", "\u3001", "\ufe50", "\u2026", "\u00e9", "\u20ac", "\ud83d\udce7",
        "\ud800", "[[SENDER]]", "[[1]]", "$", "\u200b", "\ufeff", "\u202e", "%", "\"", "=", "@",
    };

    private readonly ITestOutputHelper _output;
    private readonly string _root = Directory.CreateTempSubdirectory("smartemail-fuzz-events-").FullName;

    public EventFuzzTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void HostileValuesNeverAddOrShiftMsgInFields()
    {
        var written = 0;
        var refused = 0;
        var rejected = 0;
        var msgIn = Directory.CreateDirectory(Path.Combine(_root, "MSGIN")).FullName;
        FuzzRunner.Run(_output, "events", 1500, Generate, c => c.ToString(), c =>
        {
            var rule = new RuleBuilder
            {
                Name = "Fuzz",
                SubjectLineMask = "^(.*?)(?:#(?<name>.*))?$",
                Events = new[] { c.Template },
                AttachmentMask = "(.*)",
                ProcessAttachments = c.Attachment != null,
                TimeZone = "UTC",
                UnsafeValueAction = c.Strip ? UnsafeValueAction.Strip : UnsafeValueAction.Reject,
            }.Build();
            var result = Assert.Single(new RuleEngine(new[] { rule }, new RuleSettings { TimeZone = "UTC" }).Evaluate(c.Message));
            if (result.Outcome != RuleOutcome.Accepted)
            {
                // NotMatched: the mask's '.' stops at a line break in the subject. Rejected: an unsafe value (Reject),
                // or a resolved event over OpCon's 2,000 characters.
                Assert.False(c.Strip && result.Reason.Contains("comma or control", StringComparison.Ordinal), "Strip mode rejected a value instead of stripping it");
                rejected++;
                return;
            }
            var literalCommas = RuleSyntax.TokenPattern.Replace(c.Template, string.Empty).Count(ch => ch == ',');
            foreach (var @event in result.Events)
            {
                Assert.Equal(literalCommas, @event.Count(ch => ch == ','));
                var writer = new MsgInWriter(msgIn, c.Encoding);
                string file;
                try
                {
                    file = writer.Write(EventText.WithCredentials(@event, User, Password, out _));
                }
                catch (EventSubmitException e)
                {
                    Assert.Contains(e.Kind, new[] { EventErrorKind.EventInvalid, EventErrorKind.EventTooLong, EventErrorKind.EventNotEncodable });
                    refused++;
                    continue;
                }
                var bytes = File.ReadAllBytes(file);
                File.Delete(file);
                written++;
                Assert.True(bytes.Length >= 2 && bytes[^2] == '\r' && bytes[^1] == '\n', "the MSGIN file does not end with CRLF");
                var body = bytes.AsSpan(0, bytes.Length - 2).ToArray();
                Assert.DoesNotContain((byte)'\r', body);
                Assert.DoesNotContain((byte)'\n', body);
                Assert.DoesNotContain((byte)0, body);
                Assert.Equal(literalCommas + 2, body.Count(b => b == ','));
                var fields = DecodeWith(c.Encoding, body).Split(',');
                Assert.Equal(User, fields[^2]);
                Assert.Equal(Password, fields[^1]);
            }
        }, TimeSpan.FromSeconds(2), c => 32L * 1024 * 1024);
        _output.WriteLine($"written {written}, refused with EventSubmitException {refused}, rules rejected {rejected}");
        if (FuzzRunner.CaseIndexes(1500).Count >= 100)
            Assert.True(written > 0 && refused > 0 && rejected > 0, $"written {written}, refused {refused}, rejected {rejected}: the generator is one-sided");
        Assert.Empty(Directory.GetFiles(msgIn));
    }

    [Fact]
    public void EventTextCheckRefusesEveryLineBreakAndControlCharacter()
    {
        FuzzRunner.Run(_output, "event-check", 20000, (r, i) => "$" + Hostile(r, 60), c => $"{c.Length} characters", e =>
        {
            try
            {
                EventText.Check(e);
            }
            catch (EventSubmitException)
            {
                return;
            }
            Assert.False(e.Any(ch => char.IsControl(ch) || ch == '\u2028' || ch == '\u2029' || ch == '\u0085'), "a control character or line break passed the check");
            Assert.True(e.Length <= EventText.MaxLength);
        }, TimeSpan.FromSeconds(1), c => 1024 * 1024);
    }

    private static string DecodeWith(string name, byte[] bytes) => name switch
    {
        "ASCII" => Encoding.ASCII.GetString(bytes),
        "Windows-1252" => Encoding.GetEncoding(1252).GetString(bytes),
        _ => Encoding.UTF8.GetString(bytes),
    };

    private static string Hostile(Random r, int max)
    {
        var s = new StringBuilder();
        for (var i = r.Next(0, max); i > 0; i--)
            s.Append(Pieces[r.Next(Pieces.Length)]);
        return s.ToString();
    }

    internal sealed class EventCase
    {
        public string Template = string.Empty;
        public Message Message = null!;
        public string? Attachment;
        public bool Strip;
        public string Encoding = "ASCII";

        public override string ToString() => $"'{Template}', {(Strip ? "Strip" : "Reject")}, {Encoding}, subject of {Message.Subject.Length}";
    }

    private static EventCase Generate(Random r, int index)
    {
        var subject = Hostile(r, 30) + (r.Next(2) == 0 ? "#" + Hostile(r, 10) : string.Empty);
        var attachment = r.Next(2) == 0 ? Hostile(r, 20) + ".pdf" : null;
        var sender = r.Next(3) == 0 ? "robot@example.com" : Hostile(r, 10) + "@" + Hostile(r, 5);
        var mime = new MimeMessage { Subject = "set below" };
        mime.Body = new TextPart("plain") { Text = "body" };
        var summary = new MessageHeaderSummary
        {
            From = sender,
            Subject = subject,
            Date = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.FromHours(r.Next(-12, 15))),
            Attachments = attachment == null ? Array.Empty<string>() : new[] { attachment },
        };
        return new EventCase
        {
            Template = Templates[r.Next(Templates.Length)],
            Message = new Message("fuzz-" + index, "fuzz", summary, summary.Date, 100, new Content(mime)),
            Attachment = attachment,
            Strip = r.Next(2) == 0,
            Encoding = Encodings[r.Next(Encodings.Length)],
        };
    }

    /// <summary>Header facts set directly (MimeKit would refuse or re-encode many of them), the body from MIME.</summary>
    private sealed class Content : IMessageContent
    {
        private readonly MimeMessage _message;

        public Content(MimeMessage message) => _message = message;

        public MailSource? Source => null;

        public MimeMessage Load(CancellationToken cancellationToken) => _message;

        public void WriteTo(Stream destination, CancellationToken cancellationToken) => _message.WriteTo(destination, cancellationToken);
    }
}
