using System.Runtime.Versioning;
using System.Text;
using SmartEmail.Ini;
using Xunit;

namespace SmartEmail.Engine.Tests;

/// <summary>
/// Round-trip properties of <see cref="IniDocument"/>: a generated corpus of INI files (every line ending, encoding,
/// spacing, comment and duplicate the vendor's files have) is loaded, edited with one <see cref="IniDocument.Set"/>
/// and saved, and the bytes on disk must differ from the original only where the edit is. The expected bytes come from
/// the generator's own model of each file, never from the parser.
/// </summary>
/// <remarks>
/// Every test runs the fixed seed <see cref="DefaultSeed"/> and <see cref="ExtraSeeds"/> random ones. A failure names
/// its seed and case; set <c>SMARTEMAIL_INI_SEED</c> (one seed or a comma-separated list) to re-run exactly those.
/// </remarks>
public sealed class IniRoundTripTests : IDisposable
{
    private const int DefaultSeed = 20261125;
    private const int ExtraSeeds = 3;
    private const int CasesPerSeed = 50;
    private const string SeedVariable = "SMARTEMAIL_INI_SEED";

    private static readonly int[] RunSeeds = ChooseSeeds();

    private readonly string _folder = Directory.CreateTempSubdirectory("smartemail-ini-roundtrip-").FullName;
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);

    static IniRoundTripTests()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    public void Dispose()
    {
        try
        {
            foreach (var file in Directory.GetFiles(_folder))
                File.SetAttributes(file, FileAttributes.Normal);
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static int[] ChooseSeeds()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(SeedVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        return new[] { DefaultSeed }.Concat(Enumerable.Range(0, ExtraSeeds).Select(_ => Random.Shared.Next())).ToArray();
    }

    private static IEnumerable<IniCase> Corpus() =>
        RunSeeds.SelectMany(seed => Enumerable.Range(0, CasesPerSeed).Select(i => IniCase.Generate(seed, i)));

    // ---- tests ---------------------------------------------------------------------------------------------------

    [Fact]
    public void LoadReadsEveryLineAsGenerated()
    {
        var count = 0;
        foreach (var c in Corpus())
        {
            var path = Write(c, "parse");
            var doc = IniDocument.Load(path);
            Check(c, doc.Encoding.CodePage == c.CodePage, $"read as code page {doc.Encoding.CodePage}, written as {c.CodePage}");
            Check(c, doc.HasByteOrderMark == (c.Preamble.Length != 0), $"HasByteOrderMark is {doc.HasByteOrderMark}");
            Check(c, doc.Lines.Count == c.Lines.Count, $"{doc.Lines.Count} lines read, {c.Lines.Count} written");
            for (var i = 0; i < c.Lines.Count; i++)
            {
                var want = c.Lines[i];
                var got = doc.Lines[i];
                var where = $"line {i + 1} {Show(want.Text)}";
                Check(c, got.Number == i + 1, $"{where}: Number is {got.Number}");
                Check(c, got.Text == want.Text, $"{where}: Text read as {Show(got.Text)}");
                Check(c, got.Terminator == want.Terminator, $"{where}: terminator {Show(got.Terminator)}, written {Show(want.Terminator)}");
                Check(c, got.Kind == want.ExpectedKind, $"{where}: read as {got.Kind}, written as {want.Kind}");
                if (want.Kind == ModelKind.KeyValue)
                {
                    Check(c, got.Key == want.Key, $"{where}: key read as {Show(got.Key)}");
                    Check(c, got.Value == want.Value, $"{where}: value read as {Show(got.Value)}, written {Show(want.Value)}");
                }
                if (want.Kind == ModelKind.Section)
                    Check(c, got.Section == want.Name, $"{where}: section read as {Show(got.Section)}");
            }
            foreach (var (section, key, value) in c.EffectiveValues())
            {
                var got = doc.Get(RandomCase(new Random(count), section), RandomCase(new Random(count + 1), key));
                Check(c, got == value, $"Get({section}, {key}) is {Show(got)}, expected the first one in effect: {Show(value)}");
            }
            count++;
        }
        Assert.Equal(RunSeeds.Length * CasesPerSeed, count);
    }

    [Fact]
    public void SaveWithoutAnEditWritesTheSameBytes()
    {
        foreach (var c in Corpus())
        {
            var path = Write(c, "noop");
            IniDocument.Load(path).Save();
            AssertNoLeftovers(c);
            AssertBytes(c, c.Bytes, File.ReadAllBytes(path), "Load then Save without Set");

            // Setting a key to the value it already has is no edit either.
            var existing = c.Lines.FirstOrDefault(l => l.Kind == ModelKind.KeyValue && c.IsInEffect(l) && l.Value.Length != 0);
            if (existing == null)
                continue;
            var doc = IniDocument.Load(path);
            doc.Set(c.SectionOf(existing)!, existing.Key, existing.Value);
            doc.Save();
            AssertNoLeftovers(c);
            AssertBytes(c, c.Bytes, File.ReadAllBytes(path), $"Set({c.SectionOf(existing)}, {existing.Key}) to its own value then Save");
        }
    }

    [Fact]
    public void SettingAnExistingKeyChangesOnlyItsValue()
    {
        var exercised = 0;
        foreach (var c in Corpus())
        {
            var r = c.OperationRandom(1);
            var candidates = c.Lines.Where(l => l.Kind == ModelKind.KeyValue && c.SectionOf(l) is string s && c.FirstHeader(s) == c.HeaderOf(l)).ToList();
            if (candidates.Count == 0)
                continue;
            var picked = candidates[r.Next(candidates.Count)];
            var section = c.Lines[c.HeaderOf(picked)].Name;
            var target = c.Lines.IndexOf(c.Find(section, picked.Key)!);
            var original = c.Lines[target];
            var value = c.NewValue(r, original.Value);
            var sectionArg = RandomCase(r, section);
            var keyArg = RandomCase(r, picked.Key);
            var op = $"Set({Show(sectionArg)}, {Show(keyArg)}, {Show(value)}) on line {target + 1} {Show(original.Text)}";

            var path = Write(c, "existing");
            var doc = IniDocument.Load(path);
            doc.Set(sectionArg, keyArg, value);
            doc.Save();
            AssertNoLeftovers(c);
            var saved = File.ReadAllBytes(path);
            var lines = DecodeLines(c, saved, op);

            // Same lines, exactly one of them different, and that one only in its value.
            Check(c, lines.Count == c.Lines.Count, $"{op}: {lines.Count} lines after, {c.Lines.Count} before");
            var differing = Enumerable.Range(0, lines.Count).Where(i => lines[i] != (c.Lines[i].Text, c.Lines[i].Terminator)).ToArray();
            Check(c, differing.SequenceEqual(new[] { target }), $"{op}: lines that changed: {string.Join(", ", differing.Select(i => i + 1))}; expected only {target + 1}");
            var expectedText = original.Prefix + value + original.Suffix;
            Check(c, lines[target].Text == expectedText, $"{op}: the line became {Show(lines[target].Text)}, expected {Show(expectedText)}");

            // Byte level: everything before the line's text and everything after it (its terminator on) is untouched.
            var start = c.Preamble.Length + c.Encoding.GetByteCount(Join(c.Lines.Take(target)));
            var tail = c.Bytes.Length - start - c.Encoding.GetByteCount(original.Text);
            AssertSameBytes(c, c.Bytes.AsSpan(0, start), saved.AsSpan(0, Math.Min(start, saved.Length)), $"{op}: bytes before the line");
            AssertSameBytes(c, c.Bytes.AsSpan(c.Bytes.Length - tail), saved.AsSpan(Math.Max(0, saved.Length - tail)), $"{op}: bytes after the value");

            var expected = c.Lines.Select(l => l.Clone()).ToList();
            expected[target].Text = expectedText;
            AssertBytes(c, c.Encode(expected), saved, op);
            AssertReloads(c, path, sectionArg, keyArg, value, target + 1, op);
            exercised++;
        }
        Assert.True(exercised >= RunSeeds.Length * CasesPerSeed / 2, $"only {exercised} cases had a key to change: the generator is broken");
    }

    [Fact]
    public void SettingAMissingKeyInsertsOneLineAfterTheSectionsLastEntry()
    {
        var exercised = 0;
        var intoDuplicate = 0;
        foreach (var c in Corpus())
        {
            var r = c.OperationRandom(2);
            var headers = c.Lines.Where(l => l.Kind == ModelKind.Section && c.FirstHeader(l.Name) == c.Lines.IndexOf(l)).ToList();
            if (headers.Count == 0)
                continue;
            var header = headers[r.Next(headers.Count)];
            var h = c.Lines.IndexOf(header);
            var body = c.Body(h).ToList();
            // A key that only a later duplicate of the section has is still missing from the section in effect.
            var fromDuplicate = c.Lines.Where(l => l.Kind == ModelKind.KeyValue && c.HeaderOf(l) > h && c.SectionOf(l) is string s && Same(s, header.Name)
                && !body.Any(b => c.Lines[b].Kind == ModelKind.KeyValue && Same(c.Lines[b].Key, l.Key))).Select(l => l.Key).ToList();
            string key;
            if (fromDuplicate.Count != 0 && r.Next(2) == 0)
            {
                key = RandomCase(r, fromDuplicate[r.Next(fromDuplicate.Count)]);
                intoDuplicate++;
            }
            else
            {
                do
                    key = RandomCase(r, Pick(r, NewKeys) + r.Next(100));
                while (body.Any(b => c.Lines[b].Kind == ModelKind.KeyValue && Same(c.Lines[b].Key, key)));
            }
            var value = c.NewValue(r, string.Empty);
            var sectionArg = RandomCase(r, header.Name);
            // After the last key (or unreadable) line of the section; right after the header when it has none.
            var anchor = body.Where(i => c.Lines[i].Kind == ModelKind.KeyValue || c.Lines[i].Kind == ModelKind.Junk).DefaultIfEmpty(h).Last();
            var op = $"Set({Show(sectionArg)}, {Show(key)}, {Show(value)}), expected after line {anchor + 1} {Show(c.Lines[anchor].Text)}";

            var path = Write(c, "addkey");
            var doc = IniDocument.Load(path);
            doc.Set(sectionArg, key, value);
            doc.Save();
            AssertNoLeftovers(c);
            var saved = File.ReadAllBytes(path);
            var lines = DecodeLines(c, saved, op);

            // Exactly one line inserted, right after the anchor; the anchor gains a terminator only if it had none.
            Check(c, lines.Count == c.Lines.Count + 1, $"{op}: {lines.Count} lines after, {c.Lines.Count} before");
            for (var i = 0; i < anchor; i++)
                Check(c, lines[i] == (c.Lines[i].Text, c.Lines[i].Terminator), $"{op}: line {i + 1} changed to {Show(lines[i].Text + lines[i].Terminator)}");
            var a = c.Lines[anchor];
            Check(c, lines[anchor].Text == a.Text, $"{op}: the line before the new one became {Show(lines[anchor].Text)}");
            Check(c, a.Terminator.Length == 0 ? c.NewLines.Contains(lines[anchor].Terminator) : lines[anchor].Terminator == a.Terminator,
                $"{op}: the line before the new one ends in {Show(lines[anchor].Terminator)}, was {Show(a.Terminator)}");
            Check(c, lines[anchor + 1].Text == key + "=" + value, $"{op}: inserted {Show(lines[anchor + 1].Text)}");
            var newLine = lines[anchor + 1].Terminator;
            // The terminator most lines use, unless that is a lone CR and the next line is an empty one starting with
            // LF: the two would fuse into one CRLF, so any other terminator is right there.
            var fuses = anchor + 1 < c.Lines.Count && c.Lines[anchor + 1].Text.Length == 0 && c.Lines[anchor + 1].Terminator.StartsWith('\n');
            Check(c, fuses ? newLine.Length != 0 && newLine != "\r" : c.NewLines.Contains(newLine),
                $"{op}: the new line ends in {Show(newLine)}; the file mostly uses {string.Join(" or ", c.NewLines.Select(Show))}" + (fuses ? " (but not a lone CR before an LF)" : string.Empty));
            for (var i = anchor + 1; i < c.Lines.Count; i++)
                Check(c, lines[i + 1] == (c.Lines[i].Text, c.Lines[i].Terminator), $"{op}: line {i + 1} (now {i + 2}) changed to {Show(lines[i + 1].Text + lines[i + 1].Terminator)}");

            // Byte level: up to the end of the anchor's text and from the end of the anchor's line on, untouched.
            var head = c.Preamble.Length + c.Encoding.GetByteCount(Join(c.Lines.Take(anchor)) + a.Text);
            AssertSameBytes(c, c.Bytes.AsSpan(0, head), saved.AsSpan(0, Math.Min(head, saved.Length)), $"{op}: bytes up to the insertion");
            var tail = c.Bytes.Length - head - c.Encoding.GetByteCount(a.Terminator);
            AssertSameBytes(c, c.Bytes.AsSpan(c.Bytes.Length - tail), saved.AsSpan(Math.Max(0, saved.Length - tail)), $"{op}: bytes after the insertion");

            var expected = c.Lines.Select(l => l.Clone()).ToList();
            if (expected[anchor].Terminator.Length == 0)
                expected[anchor].Terminator = newLine;
            expected.Insert(anchor + 1, ModelLine.Raw(key + "=" + value, newLine));
            AssertBytes(c, c.Encode(expected), saved, op);
            AssertReloads(c, path, sectionArg, key, value, anchor + 2, op);
            exercised++;
        }
        Assert.True(exercised >= RunSeeds.Length * CasesPerSeed / 2, $"only {exercised} cases had a section: the generator is broken");
        Assert.True(intoDuplicate > 0 || RunSeeds.Length < 2, "no case set a key that only a duplicate section had");
    }

    [Fact]
    public void SettingAMissingSectionAppendsItAtTheEnd()
    {
        foreach (var c in Corpus())
        {
            var r = c.OperationRandom(3);
            string section;
            do
                section = RandomCase(r, Pick(r, NewSections) + r.Next(100));
            while (c.FirstHeader(section) >= 0);
            var key = RandomCase(r, Pick(r, NewKeys));
            var value = c.NewValue(r, string.Empty);
            var op = $"Set({Show(section)}, {Show(key)}, {Show(value)}) on a file without that section";

            var path = Write(c, "addsection");
            var doc = IniDocument.Load(path);
            doc.Set(section, key, value);
            doc.Save();
            AssertNoLeftovers(c);
            var saved = File.ReadAllBytes(path);
            var lines = DecodeLines(c, saved, op);

            // The original bytes are untouched and come first: the additions are only at the end.
            AssertSameBytes(c, c.Bytes, saved.AsSpan(0, Math.Min(c.Bytes.Length, saved.Length)), $"{op}: the original bytes");
            Check(c, lines.Count >= c.Lines.Count + 2, $"{op}: {lines.Count} lines after, {c.Lines.Count} before");
            for (var i = 0; i < c.Lines.Count - 1; i++)
                Check(c, lines[i] == (c.Lines[i].Text, c.Lines[i].Terminator), $"{op}: line {i + 1} changed to {Show(lines[i].Text + lines[i].Terminator)}");
            var last = c.Lines[^1];
            Check(c, lines[c.Lines.Count - 1].Text == last.Text && (last.Terminator.Length == 0 ? c.NewLines.Contains(lines[c.Lines.Count - 1].Terminator) : lines[c.Lines.Count - 1].Terminator == last.Terminator),
                $"{op}: the last line {Show(last.Text + last.Terminator)} became {Show(lines[c.Lines.Count - 1].Text + lines[c.Lines.Count - 1].Terminator)}");
            var newLine = lines[lines.Count - 1].Terminator;
            Check(c, c.NewLines.Contains(newLine), $"{op}: the new lines end in {Show(newLine)}; the file mostly uses {string.Join(" or ", c.NewLines.Select(Show))}");

            var expected = c.Lines.Select(l => l.Clone()).ToList();
            if (expected.Count != 0 && expected[^1].Terminator.Length == 0)
                expected[^1].Terminator = newLine;
            // A blank line separates the new section from the last one, unless the file already ends in one. (Its
            // terminator is free, as long as it stays a line of its own: a lone CR followed by LF would be one CRLF.)
            if (expected.Count != 0 && expected[^1].Kind != ModelKind.Blank)
            {
                var blank = expected.Count < lines.Count ? lines[expected.Count] : (Text: "(nothing)", Terminator: string.Empty);
                var separator = lines.Skip(c.Lines.Count).Select(l => Show(l.Text + l.Terminator)).FirstOrDefault() ?? "nothing";
                Check(c, blank.Text.Length == 0 && blank.Terminator.Length != 0,
                    $"{op}: no blank line between the file and the new section; after line {c.Lines.Count} comes {separator} (line {c.Lines.Count} now ends in {Show(lines[c.Lines.Count - 1].Terminator)})");
                expected.Add(ModelLine.Raw(string.Empty, blank.Terminator));
            }
            expected.Add(ModelLine.Raw("[" + section + "]", newLine));
            expected.Add(ModelLine.Raw(key + "=" + value, newLine));
            var added = lines.Skip(c.Lines.Count).Select(l => Show(l.Text + l.Terminator));
            Check(c, lines.Count == expected.Count, $"{op}: added {string.Join(", ", added)}");
            AssertBytes(c, c.Encode(expected), saved, op);
            AssertReloads(c, path, section, key, value, expected.Count, op);
        }
    }

    [Theory]
    // A new section after a last line that ends in a lone CR, in a file that mostly uses LF: the blank separator line
    // ("\n") must not fuse with that CR into one CRLF.
    [InlineData("[A]\nk=1\n;c\r", "B", 1)]
    // A new key in a file that mostly uses lone CRs, before a blank line that ends in LF: the new line's "\r" must not
    // fuse with that LF.
    [InlineData("[A]\r;c\r;d\rk=1\n\n", "A", 1)]
    public void AddedLinesNeverFuseWithALoneCarriageReturn(string text, string section, int blankLinesAfter)
    {
        var path = Path.Combine(_folder, "cr.ini");
        File.WriteAllText(path, text, new UTF8Encoding(false));
        var doc = IniDocument.Load(path);
        doc.Set(section, "x", "1");
        var written = doc.Lines.Count;
        doc.Save();
        var saved = File.ReadAllText(path, new UTF8Encoding(false));
        var reread = SplitLines(saved);
        Assert.True(reread.Count == written && reread.Count(l => l.Text.Length == 0) == blankLinesAfter,
            $"{Show(text)} + Set({section}, x, 1) was saved as {Show(saved)}: {written} lines written, {reread.Count} read back " +
            $"({string.Join(", ", reread.Select(l => Show(l.Text + l.Terminator)))}), {blankLinesAfter} blank one(s) expected");
        Assert.Equal("1", IniDocument.Load(path).Get(section, "x"));
    }

    [Fact]
    public void ArbitraryBytesWithoutByteOrderMarkSurviveLoadAndSave()
    {
        // Whatever is not valid UTF-8 is read as Windows-1252, which maps every byte to a character and back.
        foreach (var seed in RunSeeds)
        {
            var r = new Random(seed);
            for (var i = 0; i < 20; i++)
            {
                var bytes = new byte[r.Next(1, 4096)];
                r.NextBytes(bytes);
                if (bytes[0] == 0xEF || bytes[0] == 0xFF || bytes[0] == 0xFE)
                    bytes[0] = (byte)'x';
                var path = Path.Combine(_folder, $"garbage-{seed}-{i}.bin");
                File.WriteAllBytes(path, bytes);
                _files.Add(path);
                IniDocument.Load(path).Save();
                var saved = File.ReadAllBytes(path);
                Assert.True(bytes.AsSpan().SequenceEqual(saved), $"seed {seed} garbage {i}: {bytes.Length} random bytes changed on Load+Save (first difference at byte {FirstDifference(bytes, saved)}). Re-run with {SeedVariable}={seed}.");
                Assert.Equal(_files.OrderBy(f => f, StringComparer.Ordinal), Directory.GetFileSystemEntries(_folder).OrderBy(f => f, StringComparer.Ordinal));
            }
        }
    }

    [Fact]
    public void SetNeverSilentlyDropsCharactersTheFileEncodingCannotHold()
    {
        // Windows-1252 has no 日本 or 😀: writing them as '?' would lose the value without a word.
        var ansi = Encoding.GetEncoding(1252);
        var original = ansi.GetBytes("[General]\r\nOpConUser=café €\r\n");
        var path = Path.Combine(_folder, "ansi.ini");
        File.WriteAllBytes(path, original);
        var doc = IniDocument.Load(path);
        Assert.Equal(1252, doc.Encoding.CodePage);
        const string value = "日本 😀";
        try
        {
            doc.Set("General", "OpConUser", value);
            doc.Save();
        }
        catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is NotSupportedException || e is EncoderFallbackException)
        {
            Assert.Equal(original, File.ReadAllBytes(path));
            return;
        }
        Assert.Equal(value, IniDocument.Load(path).Get("General", "OpConUser"));
    }

    [Fact]
    public void AnEditNeverRewritesBytesTheEncodingCouldNotRead()
    {
        // A UTF-8 file with a BOM where one line was later typed in an ANSI editor (a lone 0xE9 for 'é'). Editing
        // another line must keep that line's bytes, or refuse to write: never turn them into U+FFFD.
        var bom = new byte[] { 0xEF, 0xBB, 0xBF };
        var original = bom.Concat(Encoding.ASCII.GetBytes("[General]\r\nOpConUser=caf")).Concat(new byte[] { 0xE9 })
            .Concat(Encoding.ASCII.GetBytes("\r\nDeleteEmails=Match\r\n")).ToArray();
        var path = Path.Combine(_folder, "stray.ini");
        File.WriteAllBytes(path, original);
        try
        {
            var doc = IniDocument.Load(path);
            doc.Set("General", "DeleteEmails", "None");
            doc.Save();
        }
        catch (Exception e) when (e is IOException || e is InvalidDataException || e is InvalidOperationException || e is NotSupportedException || e is ArgumentException || e is DecoderFallbackException)
        {
            Assert.Equal(original, File.ReadAllBytes(path));
            return;
        }
        var expected = bom.Concat(Encoding.ASCII.GetBytes("[General]\r\nOpConUser=caf")).Concat(new byte[] { 0xE9 })
            .Concat(Encoding.ASCII.GetBytes("\r\nDeleteEmails=None\r\n")).ToArray();
        var saved = File.ReadAllBytes(path);
        Assert.True(expected.AsSpan().SequenceEqual(saved),
            $"expected {BitConverter.ToString(expected)}{Environment.NewLine}got      {BitConverter.ToString(saved)}");
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void SaveKeepsTheFileModeAndLeavesNoTemporaryFile()
    {
        var modes = new[]
        {
            UnixFileMode.UserRead | UnixFileMode.UserWrite,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
        };
        var n = 0;
        foreach (var c in Corpus().Take(2 * CasesPerSeed))
        {
            var mode = modes[n++ % modes.Length];
            var path = Write(c, "mode");
            File.SetUnixFileMode(path, mode);
            var doc = IniDocument.Load(path);
            var r = c.OperationRandom(4);
            doc.Set(RandomCase(r, Pick(r, NewSections)) + "Mode", "Key", c.NewValue(r, string.Empty));
            doc.Save();
            AssertNoLeftovers(c);
            var after = File.GetUnixFileMode(path);
            Check(c, after == mode, $"the file was {mode} before Save and is {after} after");

            IniDocument.Load(path).Save();
            AssertNoLeftovers(c);
            Check(c, File.GetUnixFileMode(path) == mode, $"a Save without an edit changed the mode to {File.GetUnixFileMode(path)}");
        }
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void SaveReplacesTheFileInsteadOfRewritingIt()
    {
        // A reader that opened the file before the Save sees the whole old file, never a truncated or mixed one:
        // the new content is written elsewhere and renamed over the original.
        foreach (var c in Corpus().Take(CasesPerSeed))
        {
            var path = Write(c, "atomic");
            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var doc = IniDocument.Load(path);
            var r = c.OperationRandom(5);
            doc.Set(Pick(r, NewSections) + "Atomic", "Key", c.NewValue(r, string.Empty));
            doc.Save();
            AssertNoLeftovers(c);
            var seen = new MemoryStream();
            reader.CopyTo(seen);
            AssertBytes(c, c.Bytes, seen.ToArray(), "reading through a handle opened before Save");
            Check(c, !File.ReadAllBytes(path).AsSpan().SequenceEqual(c.Bytes), "the file did not change");
        }
    }

    // ---- checks --------------------------------------------------------------------------------------------------

    private string Write(IniCase c, string operation)
    {
        var path = Path.Combine(_folder, $"{operation}-{c.Seed}-{c.Index}.ini");
        File.WriteAllBytes(path, c.Bytes);
        _files.Add(path);
        return path;
    }

    private void AssertNoLeftovers(IniCase c)
    {
        var entries = Directory.GetFileSystemEntries(_folder).Where(e => !_files.Contains(e)).Select(Path.GetFileName).ToArray();
        Check(c, entries.Length == 0, $"Save left {string.Join(", ", entries)} in the folder");
    }

    private static void AssertReloads(IniCase c, string path, string section, string key, string value, int line, string op)
    {
        var reloaded = IniDocument.Load(path);
        Check(c, reloaded.Get(section, key) == value, $"{op}: reloaded, the value is {Show(reloaded.Get(section, key))}");
        Check(c, reloaded.Find(section, key)?.Number == line, $"{op}: reloaded, the key is on line {reloaded.Find(section, key)?.Number}, expected {line}");
        Check(c, reloaded.Encoding.CodePage == c.CodePage && reloaded.HasByteOrderMark == (c.Preamble.Length != 0),
            $"{op}: reloaded as code page {reloaded.Encoding.CodePage} (BOM {reloaded.HasByteOrderMark}), written as {c.CodePage} (BOM {c.Preamble.Length != 0})");
    }

    /// <summary>Checks the byte order mark is as before and decodes the rest strictly with the file's encoding.</summary>
    private static List<(string Text, string Terminator)> DecodeLines(IniCase c, byte[] saved, string op)
    {
        AssertSameBytes(c, c.Preamble, saved.AsSpan(0, Math.Min(c.Preamble.Length, saved.Length)), $"{op}: byte order mark");
        if (c.Preamble.Length == 0)
            Check(c, !saved.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }) && !saved.AsSpan().StartsWith(new byte[] { 0xFF, 0xFE }) && !saved.AsSpan().StartsWith(new byte[] { 0xFE, 0xFF }),
                $"{op}: a byte order mark was added");
        string text;
        try
        {
            text = c.Encoding.GetString(saved, c.Preamble.Length, saved.Length - c.Preamble.Length);
        }
        catch (DecoderFallbackException e)
        {
            Check(c, false, $"{op}: the saved file is not {c.EncodingName} any more: {e.Message}");
            throw;
        }
        return SplitLines(text);
    }

    /// <summary>The test's own line splitter: CRLF, LF and CR each end a line; a last line may have no terminator.</summary>
    private static List<(string Text, string Terminator)> SplitLines(string text)
    {
        var lines = new List<(string, string)>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || text[i] == '\r')
            {
                var terminator = text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? "\r\n" : text[i].ToString();
                lines.Add((text.Substring(start, i - start), terminator));
                i += terminator.Length - 1;
                start = i + 1;
            }
        }
        if (start < text.Length)
            lines.Add((text.Substring(start), string.Empty));
        return lines;
    }

    private static void AssertBytes(IniCase c, byte[] expected, byte[] actual, string op)
    {
        if (expected.AsSpan().SequenceEqual(actual))
            return;
        var at = FirstDifference(expected, actual);
        string Around(byte[] b) => BitConverter.ToString(b, Math.Max(0, at - 8), Math.Max(0, Math.Min(b.Length, at + 16) - Math.Max(0, at - 8)));
        Check(c, false, $"{op}: {actual.Length} bytes written, {expected.Length} expected; first difference at byte {at}:{Environment.NewLine}" +
            $"  expected ...{Around(expected)}...{Environment.NewLine}  actual   ...{Around(actual)}...");
    }

    private static void AssertSameBytes(IniCase c, ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (expected.SequenceEqual(actual))
            return;
        Check(c, false, $"{what}: {actual.Length} bytes, expected {expected.Length} unchanged ones; first difference at byte {FirstDifference(expected.ToArray(), actual.ToArray())}");
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
            i++;
        return i;
    }

    private static void Check(IniCase c, bool condition, string message)
    {
        if (!condition)
            Assert.Fail($"{c.Describe()}: {message}{Environment.NewLine}Re-run with {SeedVariable}={c.Seed}.{Environment.NewLine}File:{Environment.NewLine}{c.Dump()}");
    }

    private static string Join(IEnumerable<ModelLine> lines) => string.Concat(lines.Select(l => l.Text + l.Terminator));

    internal static string Show(string? s) => s == null ? "null"
        : "\"" + string.Concat(s.Select(ch => ch switch
        {
            '\\' => "\\\\",
            '\r' => "\\r",
            '\n' => "\\n",
            '\t' => "\\t",
            _ when char.IsControl(ch) || ch == '\u200B' => $"\\u{(int)ch:X4}",
            _ => ch.ToString(),
        })) + "\"";

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];

    internal static string RandomCase(Random r, string s) =>
        new string(s.Select(ch => r.Next(2) == 0 ? char.ToUpperInvariant(ch) : char.ToLowerInvariant(ch)).ToArray());

    // ---- the generator -------------------------------------------------------------------------------------------

    private static readonly string[] SectionNames =
        { "General", "Mail", "Audit", "Tokens", "OpCon", "Configuration1", "Configuration2", "Configuration12", "Vendor Extra", "Spécial" };

    private static readonly string[] Keys =
    {
        "MSGINDirectory", "OpConUser", "OpConUserPassword", "DeleteEmails", "EmailProtocol", "Server", "Port", "SubjectLineMask",
        "Event1", "Event2", "AllowedSenders", "AttachmentMask", "LogAcceptFormat", "UnknownKey", "X-Vendor-Setting", "Some Key",
        "key.with.dots", "Clé", "A1", "TOKEN",
    };

    private static readonly string[] NewKeys = { "NewKey", "Added Key", "Ajouté", "x-new" };

    private static readonly string[] NewSections = { "NewSection", "Added Section", "Configuration", "Zusätzlich" };

    private static readonly string[] Words =
    {
        "alpha", "Bravo", "C:\\Program Files\\OpConxps", "/var/lib/opcon", "%PROGRAMDATA%", "$JOB:ADD", "ops@example.com", "0800-1730",
        "True", "N/A", "42", "^Run (?<job>\\w+)$", "a=b", "=", "==", ",", ";", "#", "x,y;z", "[[TOKEN]]", "[[SUBJECT]]", "[", "]", "'q'", "\"dq\"",
    };

    private static readonly string[] AnsiCharacters = { "é", "€", "–", "ü", "ß", "£", "©", "—", "…", "Ä", "ÿ" };

    private static readonly string[] UnicodeCharacters = { "é", "€", "–", "ü", "ß", "日本語", "😀", "Ω", "ж", "\u200B" };

    private static readonly string[] Separators = { "", " ", "  ", "\t", ", ", " \t " };

    private static readonly string[] Spacing = { "", "", "", " ", "  ", "\t", " \t" };

    internal enum ModelKind
    {
        Blank,
        Comment,
        Section,
        KeyValue,
        Junk,
    }

    /// <summary>One generated line, with what it is by construction.</summary>
    internal sealed class ModelLine
    {
        public string Text = string.Empty;
        public string Terminator = string.Empty;
        public ModelKind Kind;
        public string Name = string.Empty;
        public string Key = string.Empty;
        public string Prefix = string.Empty;
        public string Value = string.Empty;
        public string Suffix = string.Empty;

        public IniLineKind ExpectedKind => Kind switch
        {
            ModelKind.Blank => IniLineKind.Blank,
            ModelKind.Comment => IniLineKind.Comment,
            ModelKind.Section => IniLineKind.Section,
            ModelKind.KeyValue => IniLineKind.KeyValue,
            _ => IniLineKind.Invalid,
        };

        public ModelLine Clone() => (ModelLine)MemberwiseClone();

        public static ModelLine Raw(string text, string terminator) =>
            new() { Text = text, Terminator = terminator, Kind = text.Length == 0 ? ModelKind.Blank : ModelKind.KeyValue };
    }

    /// <summary>One generated INI file: its lines, encoding and byte order mark.</summary>
    internal sealed class IniCase
    {
        public int Seed;
        public int Index;
        public string EncodingName = string.Empty;
        public string LineEndings = string.Empty;
        public Encoding Encoding = Encoding.UTF8;
        public int CodePage;
        public byte[] Preamble = Array.Empty<byte>();
        public bool Ansi;
        public List<ModelLine> Lines = new();
        public byte[] Bytes = Array.Empty<byte>();

        public string Describe() => $"seed {Seed} case {Index} ({EncodingName}, {LineEndings} line endings, {Lines.Count} lines, " +
            (Lines.Count != 0 && Lines[^1].Terminator.Length == 0 ? "last line unterminated" : "last line terminated") + ")";

        public string Dump() => string.Join(Environment.NewLine, Lines.Select((l, i) => $"  {i + 1,3} {l.Kind,-8} {Show(l.Text + l.Terminator)}"));

        public byte[] Encode(List<ModelLine> lines) => Preamble.Concat(Encoding.GetBytes(Join(lines))).ToArray();

        public Random OperationRandom(int operation) => new Random(unchecked(Seed * 31 + Index * 7919 + operation));

        /// <summary>The terminators used most (the ones new lines may get); CRLF when no line has one.</summary>
        public string[] NewLines
        {
            get
            {
                var counts = Lines.Where(l => l.Terminator.Length != 0).GroupBy(l => l.Terminator).Select(g => (g.Key, Count: g.Count())).ToList();
                if (counts.Count == 0)
                    return new[] { "\r\n" };
                var max = counts.Max(g => g.Count);
                return counts.Where(g => g.Count == max).Select(g => g.Key).ToArray();
            }
        }

        /// <summary>Index of the header the line is under, or -1 before any section.</summary>
        public int HeaderOf(ModelLine line)
        {
            for (var i = Lines.IndexOf(line); i >= 0; i--)
            {
                if (Lines[i].Kind == ModelKind.Section)
                    return i;
            }
            return -1;
        }

        public string? SectionOf(ModelLine line) => HeaderOf(line) is var h && h >= 0 ? Lines[h].Name : null;

        public int FirstHeader(string name) => Lines.FindIndex(l => l.Kind == ModelKind.Section && Same(l.Name, name));

        public IEnumerable<int> Body(int header)
        {
            for (var i = header + 1; i < Lines.Count && Lines[i].Kind != ModelKind.Section; i++)
                yield return i;
        }

        /// <summary>The line in effect: the first key of that name in the first section of that name.</summary>
        public ModelLine? Find(string section, string key)
        {
            var h = FirstHeader(section);
            return h < 0 ? null : Body(h).Select(i => Lines[i]).FirstOrDefault(l => l.Kind == ModelKind.KeyValue && Same(l.Key, key));
        }

        public bool IsInEffect(ModelLine line) => SectionOf(line) is string s && ReferenceEquals(Find(s, line.Key), line);

        public IEnumerable<(string Section, string Key, string Value)> EffectiveValues() =>
            Lines.Where(IsInEffect).Select(l => (SectionOf(l)!, l.Key, l.Value));

        public string NewValue(Random r, string old)
        {
            string value;
            do
                value = GenerateValue(r, Ansi);
            while (value.Length == 0 || value == old);
            return value;
        }

        public static IniCase Generate(int seed, int index)
        {
            var r = new Random(unchecked(seed * 7919 + index));
            var c = new IniCase { Seed = seed, Index = index };
            switch (r.Next(5))
            {
                case 0:
                    c.EncodingName = "UTF-8";
                    c.Encoding = new UTF8Encoding(false, throwOnInvalidBytes: true);
                    c.CodePage = 65001;
                    break;
                case 1:
                    c.EncodingName = "UTF-8 with BOM";
                    c.Encoding = new UTF8Encoding(false, throwOnInvalidBytes: true);
                    c.CodePage = 65001;
                    c.Preamble = new byte[] { 0xEF, 0xBB, 0xBF };
                    break;
                case 2:
                    c.EncodingName = "UTF-16 LE with BOM";
                    c.Encoding = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
                    c.CodePage = 1200;
                    c.Preamble = new byte[] { 0xFF, 0xFE };
                    break;
                case 3:
                    c.EncodingName = "UTF-16 BE with BOM";
                    c.Encoding = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);
                    c.CodePage = 1201;
                    c.Preamble = new byte[] { 0xFE, 0xFF };
                    break;
                default:
                    c.EncodingName = "Windows-1252";
                    c.Encoding = Encoding.GetEncoding(1252, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
                    c.CodePage = 1252;
                    c.Ansi = true;
                    break;
            }

            var lines = c.Lines;
            if (r.Next(3) == 0)
                lines.Add(Comment(r, c.Ansi));
            if (r.Next(8) == 0)
                lines.Add(KeyValue(r, RandomCase(r, Pick(r, Keys)), c.Ansi)); // before any section
            if (r.Next(4) == 0)
                lines.Add(Blank(r));
            var sections = r.Next(10) == 0 ? 0 : r.Next(1, 6);
            for (var s = 0; s < sections; s++)
            {
                lines.Add(Header(r, RandomCase(r, Pick(r, SectionNames))));
                var keys = new List<string>();
                var count = r.Next(0, 9);
                for (var j = 0; j < count; j++)
                {
                    var roll = r.Next(100);
                    if (roll < 60)
                    {
                        string key;
                        if (keys.Count != 0 && r.Next(6) == 0)
                            key = RandomCase(r, Pick(r, keys)); // a duplicate, in other casing
                        else
                            key = RandomCase(r, Pick(r, Keys));
                        keys.Add(key);
                        lines.Add(KeyValue(r, key, c.Ansi));
                    }
                    else if (roll < 75)
                        lines.Add(Comment(r, c.Ansi));
                    else if (roll < 92)
                        lines.Add(Blank(r));
                    else
                        lines.Add(Junk(r));
                }
            }
            if (c.Ansi)
            {
                // '€' alone is 0x80, which no UTF-8 sequence starts with: the file cannot pass for UTF-8.
                lines.Insert(r.Next(lines.Count + 1), new ModelLine { Text = "; Preis: 5 € – café", Kind = ModelKind.Comment });
            }
            if (lines.Count == 0)
                lines.Add(Comment(r, c.Ansi));

            c.LineEndings = Pick(r, new[] { "CRLF", "LF", "CR", "mixed" });
            string Terminator() => c.LineEndings switch
            {
                "CRLF" => "\r\n",
                "LF" => "\n",
                "CR" => "\r",
                _ => Pick(r, new[] { "\r\n", "\n", "\r" }),
            };
            for (var i = 0; i < lines.Count; i++)
            {
                lines[i].Terminator = Terminator();
                // "\r" then an empty line ending in "\n" would be read as one "\r\n".
                if (i > 0 && lines[i - 1].Terminator == "\r" && lines[i].Text.Length == 0 && lines[i].Terminator == "\n")
                    lines[i].Terminator = "\r\n";
            }
            if (lines[^1].Text.Length != 0 && r.Next(3) == 0)
                lines[^1].Terminator = string.Empty;

            c.Bytes = c.Encode(lines);
            if (c.Ansi)
                Assert.ThrowsAny<DecoderFallbackException>(() => new UTF8Encoding(false, true).GetString(c.Bytes));
            return c;
        }

        private static ModelLine Header(Random r, string name)
        {
            var text = r.Next(7) switch
            {
                0 => $"[ {name} ]",
                1 => $"  [{name}]",
                2 => $"[{name}]   ",
                3 => $"[{name}] ; the {name} section",
                4 => $"[{name}]\t# note",
                _ => $"[{name}]",
            };
            return new ModelLine { Text = text, Kind = ModelKind.Section, Name = name };
        }

        private static ModelLine KeyValue(Random r, string key, bool ansi)
        {
            var lead = r.Next(8) == 0 ? Pick(r, new[] { " ", "\t", "  " }) : string.Empty;
            var prefix = lead + key + Pick(r, Spacing) + "=" + Pick(r, Spacing);
            var value = r.Next(8) == 0 ? string.Empty : GenerateValue(r, ansi);
            var suffix = r.Next(3) == 0 ? Pick(r, new[] { " ", "\t", "   ", " \t" }) : string.Empty;
            if (value.Length == 0)
            {
                // An empty value sits after all the white space: there is nothing to tell "around" from "after".
                prefix += suffix;
                suffix = string.Empty;
            }
            return new ModelLine { Text = prefix + value + suffix, Kind = ModelKind.KeyValue, Key = key, Prefix = prefix, Value = value, Suffix = suffix };
        }

        private static string GenerateValue(Random r, bool ansi)
        {
            var parts = new List<string>();
            var count = r.Next(1, 6);
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                    parts.Add(Pick(r, Separators));
                parts.Add(r.Next(3) == 0 ? Pick(r, ansi ? AnsiCharacters : UnicodeCharacters) : Pick(r, Words));
            }
            return string.Concat(parts);
        }

        private static ModelLine Comment(Random r, bool ansi)
        {
            var lead = r.Next(5) == 0 ? Pick(r, new[] { " ", "\t", "   " }) : string.Empty;
            var mark = r.Next(2) == 0 ? ";" : "#";
            var body = Pick(r, new[] { "", " comment", " Key=Value is commented out", "[NotASection]", " " + GenerateValue(r, ansi), ";;;", " trailing   " });
            return new ModelLine { Text = lead + mark + body, Kind = ModelKind.Comment };
        }

        private static ModelLine Blank(Random r) =>
            new() { Text = Pick(r, new[] { "", "", "", " ", "\t", "  \t " }), Kind = ModelKind.Blank };

        private static ModelLine Junk(Random r) =>
            new() { Text = Pick(r, new[] { "this line has no equals sign", "  just text, with commas; and semicolons", "DeleteEmails None" }), Kind = ModelKind.Junk };
    }
}

/// <summary>A fact that only runs on Linux and macOS (file mode bits, rename semantics).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "Unix only.";
    }
}
