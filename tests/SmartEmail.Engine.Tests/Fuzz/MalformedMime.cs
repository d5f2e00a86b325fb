using System.Text;

namespace SmartEmail.Engine.Tests.Fuzz;

/// <summary>The kinds of damage <see cref="MalformedMime"/> does to a message.</summary>
internal enum MimeFault
{
    None,
    Truncated,
    BadBoundary,
    MissingBoundary,
    DuplicateBoundary,
    WrongCharset,
    UnknownCharset,
    HugeHeaderLine,
    DeepNesting,
    BinaryGarbage,
    NulBytes,
    MissingHeaders,
    DuplicateHeaders,
    Raw8BitHeaders,
    BrokenBase64,
    BrokenQuotedPrintable,
    HugeAttachmentName,
    HostileAttachmentName,
    HostileHtml,
    Mbox,
}

/// <summary>One generated message file: its bytes and what was done to them.</summary>
internal sealed class MimeCase
{
    public MimeCase(MimeFault[] faults, byte[] bytes)
    {
        Faults = faults;
        Bytes = bytes;
    }

    public MimeFault[] Faults { get; }
    public byte[] Bytes { get; }

    public override string ToString() => $"{string.Join("+", Faults)}, {Bytes.Length} bytes";
}

/// <summary>
/// Makes broken and hostile MIME messages. Every case has one main fault, chosen round-robin from
/// <see cref="MimeFault"/> so each kind is tried equally often, plus up to two more chosen at random; the expensive kinds
/// (a 1 MB header line, 1,000-deep nesting) are main faults only, so a run's time stays predictable. Bytes are
/// built directly (Latin-1 for raw 8-bit), never through MimeKit, so the generator cannot tidy up what it breaks.
/// </summary>
internal static class MalformedMime
{
    public static readonly MimeFault[] Kinds = Enum.GetValues<MimeFault>();

    private static readonly MimeFault[] Cheap = Kinds.Where(k => k != MimeFault.HugeHeaderLine && k != MimeFault.DeepNesting && k != MimeFault.None).ToArray();

    /// <summary>Attachment names a download must never turn into a path outside its folder or a device.</summary>
    public static readonly string[] HostileNames =
    {
        "..", ".", "...", "../../../etc/passwd", "..\\..\\Windows\\System32\\drivers\\etc\\hosts", "/etc/passwd",
        "C:\\Windows\\win.ini", "\\\\server\\share\\x.exe", "C:", "c:foo.txt", "CON", "con.txt", "NUL", "nul.tar.gz", "COM1",
        "com1.log", "LPT9", "PRN.pdf", "AUX", "COM0", "LPT0", "COM\u00b9", "LPT\u00b3.txt", "CONIN$", "CONOUT$", "CON .txt",
        "report<1>:\"|?*.pdf", "trailing dot.", "trailing space ", " leading", "a\u202Etxt.exe", "tab\there", "new\nline",
        "nul\0byte.txt", "\u2028sep\u2029", "emoji \ud83d\udce7.pdf", "lone \ud800 surrogate", "....pdf", "-rf", "~", "$HOME",
        "%TEMP%\\x", "a:stream", "ｃｏｎ", "CON\u00a0", new string('.', 600), new string('a', 500), new string('\u00e9', 500),
    };

    private static readonly string[] Charsets =
    {
        "utf-8", "us-ascii", "iso-8859-1", "windows-1252", "utf-16", "utf-16be", "utf-32", "utf-7", "iso-2022-jp", "shift_jis",
        "koi8-r", "gb2312", "big5", "x-unknown-42", "bogus", "", "\"\"", "utf-8\0", "unicode-1-1-utf-7", "cp1252", "latin1",
        "x-mac-roman", "ibm037", "euc-kr", "'; DROP", new string('x', 300),
    };

    public static MimeCase Generate(Random r, int index)
    {
        var main = Kinds[index % Kinds.Length];
        var faults = new List<MimeFault> { main };
        for (var i = r.Next(3); i > 0; i--)
        {
            var extra = Cheap[r.Next(Cheap.Length)];
            if (!faults.Contains(extra))
                faults.Add(extra);
        }
        var f = new HashSet<MimeFault>(faults);
        var w = new Writer(r);
        if (f.Contains(MimeFault.Mbox))
        {
            for (var n = r.Next(1, 5); n > 0; n--)
            {
                w.Line(r.Next(4) == 0 ? "From " : "From MAILER-DAEMON Thu Nov 26 10:00:00 2026");
                Message(w, r, f, depth: 0);
                if (r.Next(3) == 0)
                    w.Garbage(r.Next(1, 200));
                w.Line(string.Empty);
            }
        }
        else
        {
            Message(w, r, f, depth: 0);
        }
        var bytes = w.ToArray();
        if (f.Contains(MimeFault.Truncated) && bytes.Length > 1)
            bytes = bytes.AsSpan(0, r.Next(1, bytes.Length)).ToArray();
        if (f.Contains(MimeFault.BinaryGarbage) && r.Next(4) == 0)
        {
            // Not a message at all, or a message with garbage spliced in somewhere.
            var garbage = new byte[r.Next(1, 4096)];
            r.NextBytes(garbage);
            bytes = r.Next(2) == 0 ? garbage : Splice(bytes, garbage, r);
        }
        return new MimeCase(faults.ToArray(), bytes);
    }

    private static byte[] Splice(byte[] bytes, byte[] insert, Random r)
    {
        var at = r.Next(bytes.Length + 1);
        return bytes.AsSpan(0, at).ToArray().Concat(insert).Concat(bytes.AsSpan(at).ToArray()).ToArray();
    }

    private static void Message(Writer w, Random r, HashSet<MimeFault> f, int depth)
    {
        var headers = new List<(string Name, string Value)>
        {
            ("From", Sender(r, f)),
            ("To", "jobs@smartemail.test"),
            ("Subject", Subject(r, f)),
            ("Date", Date(r)),
            ("Message-ID", $"<fuzz-{r.Next()}@smartemail.test>"),
            ("MIME-Version", "1.0"),
        };
        if (f.Contains(MimeFault.MissingHeaders))
        {
            headers.RemoveAll(h => (h.Name == "From" || h.Name == "Date" || h.Name == "Subject" || h.Name == "MIME-Version") && r.Next(3) != 0);
            if (r.Next(5) == 0)
                headers.Clear();
        }
        if (f.Contains(MimeFault.DuplicateHeaders))
        {
            foreach (var h in headers.ToList())
            {
                if (r.Next(2) == 0)
                    headers.Insert(r.Next(headers.Count + 1), (h.Name, r.Next(2) == 0 ? h.Value : Subject(r, f)));
            }
            headers.Add(("From", "second@elsewhere.example, third@elsewhere.example"));
            headers.Add(("Date", Date(r)));
        }
        if (f.Contains(MimeFault.HugeHeaderLine) && depth == 0)
        {
            var huge = new string((char)('a' + r.Next(26)), 1024 * 1024 + r.Next(1000));
            switch (r.Next(5))
            {
                case 0: headers.Add(("Subject", huge)); break;
                case 1: headers.Add(("X-Junk", huge)); break;
                case 2: headers.Insert(0, ("From", "\"" + huge + "\" <big@example.com>")); break;
                case 3: headers.Add(("Received", "from x by y; " + huge)); break;
                default: headers.Add(("Content-Type", "text/plain; name=\"" + huge + "\"")); break;
            }
        }
        foreach (var (name, value) in headers)
            w.Header(name, value);
        Body(w, r, f, depth);
    }

    private static string Sender(Random r, HashSet<MimeFault> f)
    {
        switch (r.Next(f.Contains(MimeFault.Raw8BitHeaders) ? 8 : 6))
        {
            case 0: return "robot@example.com";
            case 1: return "\"Ops, Robot\" <robot@example.com>";
            case 2: return "<>";
            case 3: return "undisclosed-recipients:;";
            case 4: return "=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Rob,ot\r\nX: y")) + "?= <robot@example.com>";
            case 5: return "robot@@example..com (comment (nested (deeper)))";
            case 6: return "R\u00f6b\u00f6t \u00ff\u00fe <r\u00f6bot@ex\u00e4mple.com>";
            default: return "\u00c3\u00a9 <\u0080@\u00ff>";
        }
    }

    private static string Subject(Random r, HashSet<MimeFault> f)
    {
        var plain = new[] { "Test: nightly batch finished", "PAYROLL, done", "a\tb", "", "   ", "=?", "=?utf-8?Q?broken" }[r.Next(7)];
        if (f.Contains(MimeFault.WrongCharset) || f.Contains(MimeFault.UnknownCharset))
        {
            var charset = f.Contains(MimeFault.UnknownCharset) ? "x-unknown-" + r.Next(100) : Charsets[r.Next(Charsets.Length)];
            var bytes = new byte[r.Next(1, 40)];
            r.NextBytes(bytes);
            return r.Next(2) == 0
                ? $"=?{charset}?B?{Convert.ToBase64String(bytes)}?= tail"
                : $"=?{charset}?Q?{string.Concat(bytes.Select(b => "=" + b.ToString("X2")))}?= =?{charset}?X?unknown-encoding?=";
        }
        if (f.Contains(MimeFault.Raw8BitHeaders))
            return "R\u00e9sultat \u0080\u0081\u00ff " + new string((char)r.Next(0x80, 0x100), r.Next(1, 20));
        if (f.Contains(MimeFault.NulBytes))
            return "nul\0in\0subject";
        return plain;
    }

    private static string Date(Random r) => new[]
    {
        "Thu, 26 Nov 2026 10:00:00 +0100", "Fri, 31 Dec 9999 23:59:59 -1200", "Mon, 01 Jan 0001 00:00:00 +1400",
        "Mon, 1 Jan 0001 00:00:00 -1400", "31 Dec 9999 23:59:59 +9959", "yesterday", "", "Thu, 30 Feb 2026 25:61:61 +2500",
        "Thu, 26 Nov 2026 10:00:00 GMT", "Thu, 26 Nov 99999 10:00:00 +0000", "1 Jan 1970 00:00:00 -0000",
    }[r.Next(11)];

    private static void Body(Writer w, Random r, HashSet<MimeFault> f, int depth)
    {
        if (f.Contains(MimeFault.DeepNesting) && depth == 0)
        {
            Nested(w, r, 1000 + r.Next(2) * 4000 * (r.Next(4) == 0 ? 1 : 0));
            return;
        }
        var multipart = depth < 3 && (r.Next(3) != 0 || f.Contains(MimeFault.BadBoundary) || f.Contains(MimeFault.MissingBoundary) || f.Contains(MimeFault.DuplicateBoundary));
        if (!multipart)
        {
            Leaf(w, r, f, depth);
            return;
        }
        var boundary = "b" + depth + "_" + r.Next();
        var declared = boundary;
        if (f.Contains(MimeFault.BadBoundary))
            declared = new[] { boundary + "x", "", " ", "--", new string('=', 75), new string('b', 2000), "\"unterminated", boundary.Substring(0, 3) }[r.Next(8)];
        if (f.Contains(MimeFault.DuplicateBoundary) && r.Next(2) == 0)
            boundary = declared = "same";
        var subtype = new[] { "mixed", "alternative", "related", "signed", "encrypted", "report", "digest", "x-unknown" }[r.Next(8)];
        var type = $"multipart/{subtype}";
        if (!f.Contains(MimeFault.MissingBoundary) || r.Next(3) == 0)
            type += $"; boundary=\"{declared}\"";
        if (f.Contains(MimeFault.DuplicateBoundary))
            type += $"; boundary=\"other{r.Next()}\"";
        w.Header("Content-Type", type);
        w.Line(string.Empty);
        w.Line("This is the preamble.");
        var parts = r.Next(0, 4);
        for (var i = 0; i < parts; i++)
        {
            w.Line("--" + boundary);
            if (r.Next(4) == 0 && depth < 2)
            {
                w.Header("Content-Type", "message/rfc822");
                w.Line(string.Empty);
                Message(w, r, f, depth + 1);
            }
            else
            {
                Body(w, r, f, depth + 1);
            }
        }
        if (!f.Contains(MimeFault.Truncated) || r.Next(2) == 0)
            w.Line("--" + boundary + "--");
        if (r.Next(3) == 0)
            w.Line("epilogue");
    }

    private static void Nested(Writer w, Random r, int depth)
    {
        var rfc822 = r.Next(3) == 0;
        for (var i = 0; i < depth; i++)
        {
            if (rfc822 && i % 2 == 1)
            {
                w.Header("Content-Type", "message/rfc822");
                w.Line(string.Empty);
                w.Header("Subject", "level " + i);
            }
            else
            {
                w.Header("Content-Type", $"multipart/mixed; boundary=\"n{i}\"");
                w.Line(string.Empty);
                w.Line($"--n{i}");
            }
        }
        w.Header("Content-Type", "text/plain; name=\"deepest.txt\"");
        w.Line(string.Empty);
        w.Line("the bottom");
        for (var i = depth - 1; i >= 0; i--)
        {
            if (!(rfc822 && i % 2 == 1))
                w.Line($"--n{i}--");
        }
    }

    private static void Leaf(Writer w, Random r, HashSet<MimeFault> f, int depth)
    {
        var kind = r.Next(f.Contains(MimeFault.HostileHtml) ? 2 : 4);
        var charset = f.Contains(MimeFault.UnknownCharset) ? "x-unknown-" + r.Next(100)
            : f.Contains(MimeFault.WrongCharset) ? Charsets[r.Next(Charsets.Length)] : "utf-8";
        var encoding = f.Contains(MimeFault.BrokenBase64) ? "base64"
            : f.Contains(MimeFault.BrokenQuotedPrintable) ? "quoted-printable"
            : new[] { "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus" }[r.Next(7)];
        string? name = null;
        if (kind >= 2 || f.Contains(MimeFault.HugeAttachmentName) || f.Contains(MimeFault.HostileAttachmentName))
            name = AttachmentName(r, f);
        switch (kind)
        {
            case 0:
                w.Header("Content-Type", $"text/plain; charset={charset}" + (name == null ? string.Empty : "; name=\"" + name + "\""));
                break;
            case 1:
                w.Header("Content-Type", $"text/html; charset={charset}");
                break;
            default:
                w.Header("Content-Type", "application/octet-stream" + (r.Next(2) == 0 && name != null ? "; name=\"" + name + "\"" : string.Empty));
                break;
        }
        if (name != null)
            Disposition(w, r, name);
        w.Header("Content-Transfer-Encoding", encoding);
        w.Line(string.Empty);
        var text = kind == 1 ? Html(r, f) : Text(r, f);
        var raw = Encoding.UTF8.GetBytes(text);
        if (f.Contains(MimeFault.WrongCharset) && r.Next(2) == 0)
            raw = Encoding.Latin1.GetBytes(text.Select(c => c > 0xFF ? '?' : c).ToArray());
        switch (encoding)
        {
            case "base64":
                var b64 = Convert.ToBase64String(raw, Base64FormattingOptions.InsertLineBreaks);
                w.Text(f.Contains(MimeFault.BrokenBase64) ? BreakBase64(b64, r) : b64);
                break;
            case "quoted-printable":
                var qp = string.Concat(raw.Select(b => b == '\n' ? "\r\n" : b == '\r' ? string.Empty : b < 33 && b != ' ' || b > 126 || b == '=' ? "=" + b.ToString("X2") : ((char)b).ToString()));
                w.Text(f.Contains(MimeFault.BrokenQuotedPrintable) ? BreakQuotedPrintable(qp, r) : qp);
                break;
            default:
                w.Bytes(raw);
                break;
        }
        w.Line(string.Empty);
        if (f.Contains(MimeFault.BinaryGarbage))
            w.Garbage(r.Next(1, 2048));
    }

    private static void Disposition(Writer w, Random r, string name)
    {
        switch (r.Next(4))
        {
            case 0:
                w.Header("Content-Disposition", $"attachment; filename=\"{name.Replace("\"", "\\\"")}\"");
                break;
            case 1:
                // RFC 2231 continuations, many of them.
                var bytes = Encoding.UTF8.GetBytes(name);
                var segments = bytes.Chunk(Math.Max(1, r.Next(1, 20))).Select((c, i) => $"filename*{i}*={(i == 0 ? "utf-8''" : string.Empty)}{string.Concat(c.Select(b => "%" + b.ToString("X2")))}");
                w.Header("Content-Disposition", "attachment; " + string.Join(";\r\n ", segments));
                break;
            case 2:
                w.Header("Content-Disposition", $"inline; filename=\"=?utf-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(name))}?=\"");
                break;
            default:
                w.Header("Content-Disposition", $"attachment; filename={name}; filename=\"second.txt\"; filename*=bogus''%ZZ");
                break;
        }
    }

    private static string AttachmentName(Random r, HashSet<MimeFault> f)
    {
        if (f.Contains(MimeFault.HugeAttachmentName))
            return r.Next(3) == 0 ? new string('n', 500) : string.Concat(Enumerable.Range(0, r.Next(500, 20000)).Select(_ => (char)r.Next(0x20, 0x7F)));
        if (f.Contains(MimeFault.HostileAttachmentName) || r.Next(2) == 0)
            return HostileNames[r.Next(HostileNames.Length)];
        return "report " + r.Next(100) + ".pdf";
    }

    private static string Text(Random r, HashSet<MimeFault> f)
    {
        var s = new StringBuilder();
        for (var i = r.Next(0, 30); i > 0; i--)
        {
            s.Append(new[] { "Rows = 42", "ACHBalanceTotal total = 149926.22", "   ", "caf\u00e9, cr\u00e8me", "line\u2028sep", "tab\tx", "\u00a0", "a,b,c", "\ufeffBOM" }[r.Next(9)]);
            s.Append(new[] { "\r\n", "\n", "\r", "\r\r\n" }[r.Next(4)]);
        }
        if (f.Contains(MimeFault.NulBytes))
            s.Insert(r.Next(s.Length + 1), "\0\0nul\0");
        return s.ToString();
    }

    private static string Html(Random r, HashSet<MimeFault> f)
    {
        var pieces = new[]
        {
            "<p>Rows&nbsp;=&nbsp;42</p>", "<script>alert(1)", "</script>", "<style>p{}</style>", "<br/>", "<div><div><div>", "&#0;",
            "&#x110000;", "&#xD800;", "&amp", "&bogus;", "<!--", "-->", "<![CDATA[", "<td>a<td>b", "<", ">", "<p", "\"'",
            "<table><tr><th>x</th></tr></table>", "<title>t</title>", "<script/>", "</style></style></style>", "<?xml?>", "\0",
        };
        var s = new StringBuilder("<html><body>");
        for (var i = r.Next(1, f.Contains(MimeFault.HostileHtml) ? 400 : 20); i > 0; i--)
            s.Append(pieces[r.Next(pieces.Length)]);
        return s.ToString();
    }

    private static string BreakBase64(string b64, Random r)
    {
        var chars = b64.ToCharArray().ToList();
        for (var i = r.Next(1, 10); i > 0 && chars.Count > 0; i--)
        {
            var at = r.Next(chars.Count);
            switch (r.Next(4))
            {
                case 0: chars.Insert(at, "!*$-_~\0\u00ff"[r.Next(8)]); break;
                case 1: chars.RemoveAt(at); break;
                case 2: chars.Insert(at, '='); break;
                default: chars.InsertRange(at, "===="); break;
            }
        }
        return new string(chars.ToArray());
    }

    private static string BreakQuotedPrintable(string qp, Random r)
    {
        var s = new StringBuilder(qp);
        for (var i = r.Next(1, 10); i > 0; i--)
            s.Insert(r.Next(s.Length + 1), new[] { "=", "=Z", "=ZZ", "=\r", "=\n", "= \r\n", "=3", new string('x', 2000) }[r.Next(8)]);
        if (r.Next(2) == 0)
            s.Append('=');
        return s.ToString();
    }

    /// <summary>Writes header and body text as bytes: Latin-1 for characters up to U+00FF (raw 8-bit), UTF-8 above.</summary>
    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();
        private readonly Random _r;
        private readonly string _newLine;

        public Writer(Random r)
        {
            _r = r;
            _newLine = r.Next(4) == 0 ? "\n" : "\r\n";
        }

        public void Header(string name, string value) => Line(name + ": " + value);

        public void Line(string text)
        {
            Text(text);
            Text(_newLine);
        }

        public void Text(string text)
        {
            foreach (var c in text)
            {
                if (c <= 0xFF)
                {
                    _stream.WriteByte((byte)c);
                }
                else
                {
                    var buffer = Encoding.UTF8.GetBytes(char.IsSurrogate(c) ? "\ufffd" : c.ToString());
                    _stream.Write(buffer, 0, buffer.Length);
                }
            }
        }

        public void Bytes(byte[] bytes) => _stream.Write(bytes, 0, bytes.Length);

        public void Garbage(int length)
        {
            var bytes = new byte[length];
            _r.NextBytes(bytes);
            Bytes(bytes);
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
