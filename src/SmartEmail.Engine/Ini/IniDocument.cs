using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace SmartEmail.Ini
{
    /// <summary>
    /// An INI file held losslessly: every line with its own terminator, the encoding and byte order mark it was read
    /// with. <see cref="Set"/> changes one value and nothing else, and <see cref="Save"/> writes the file atomically,
    /// so comments, blank lines, key order and casing, unknown keys, line endings and encoding survive an edit.
    /// Section and key names are matched case-insensitively; where a key or section is duplicated, the first one is
    /// the one in effect (as Windows' GetPrivateProfileString does), and the one that <see cref="Set"/> changes.
    /// </summary>
    public sealed class IniDocument
    {
        private readonly List<IniLine> _lines;
        // Built by AssignSections: the first header of each name, and the lines under each header, so lookups do not
        // scan the file from the top (an INI with thousands of rules reads in linear time).
        private readonly Dictionary<string, IniLine> _firstSections = new Dictionary<string, IniLine>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<IniLine, List<IniLine>> _bodies = new Dictionary<IniLine, List<IniLine>>();

        private IniDocument(string? path, List<IniLine> lines, Encoding encoding, bool byteOrderMark, bool lossless)
        {
            Path = path;
            _lines = lines;
            Encoding = encoding;
            HasByteOrderMark = byteOrderMark;
            IsLossless = lossless;
            AssignSections();
        }

        /// <summary>
        /// Whether writing the document back reproduces the bytes it was read from. It does not when the file holds bytes
        /// that are invalid in its encoding (a stray ANSI byte in a UTF-8 file with a BOM, say); such a file is never saved,
        /// because saving would silently change lines nobody edited.
        /// </summary>
        public bool IsLossless { get; }

        /// <summary>The file the document was read from, or null for one parsed from text.</summary>
        public string? Path { get; }

        /// <summary>The encoding the file was read with, and is written back with.</summary>
        public Encoding Encoding { get; }

        /// <summary>Whether the file starts with a byte order mark (kept on save).</summary>
        public bool HasByteOrderMark { get; }

        /// <summary>The lines, in file order.</summary>
        public IReadOnlyList<IniLine> Lines => _lines;

        /// <summary>
        /// Reads an INI file: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (ANSI).
        /// </summary>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
        public static IniDocument Load(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var (encoding, bomLength) = DetectEncoding(bytes);
            var text = encoding.GetString(bytes, bomLength, bytes.Length - bomLength);
            var lossless = encoding.GetBytes(text).AsSpanEquals(bytes, bomLength);
            return new IniDocument(path, SplitLines(text), encoding, bomLength != 0, lossless);
        }

        /// <summary>Parses INI text (no file); saved, it is written as UTF-8 without BOM.</summary>
        public static IniDocument Parse(string text) =>
            new IniDocument(null, SplitLines(text), new UTF8Encoding(false), false, lossless: true);

        /// <summary>The line terminator most lines use (CRLF when there are none), used for lines this class adds.</summary>
        public string NewLine
        {
            get
            {
                var counts = _lines.Where(l => l.Terminator.Length != 0).GroupBy(l => l.Terminator)
                    .OrderByDescending(g => g.Count()).FirstOrDefault();
                return counts?.Key ?? "\r\n";
            }
        }

        /// <summary>The section header lines, in file order.</summary>
        public IEnumerable<IniLine> Sections => _bodies.Keys.OrderBy(h => h.Number);

        /// <summary>The key/value line in effect for a key: the first one in the first section of that name.</summary>
        public IniLine? Find(string section, string key)
        {
            var header = FirstSection(section);
            if (header == null)
                return null;
            return SectionBody(header).FirstOrDefault(l => l.Kind == IniLineKind.KeyValue && Same(l.Key, key));
        }

        /// <summary>The value in effect for a key, or null when the key is absent.</summary>
        public string? Get(string section, string key) => Find(section, key)?.Value;

        /// <summary>The key/value lines of the first section of that name, in file order (duplicates included).</summary>
        public IEnumerable<IniLine> Entries(string section)
        {
            var header = FirstSection(section);
            return header == null ? Enumerable.Empty<IniLine>() : SectionBody(header).Where(l => l.Kind == IniLineKind.KeyValue);
        }

        /// <summary>
        /// Sets one value. An existing key keeps its line, spelling and spacing and only the value changes; a missing key
        /// is added after the last entry of its section; a missing section is added at the end of the file.
        /// </summary>
        /// <exception cref="ArgumentException">The section, key or value would not survive a round trip (line breaks,
        /// a key with '=' or a section name with ']').</exception>
        public void Set(string section, string key, string value)
        {
            if (section.Length == 0 || section.IndexOfAny(new[] { ']', '\r', '\n' }) >= 0)
                throw new ArgumentException($"'{section}' cannot be an INI section name.", nameof(section));
            if (key.Trim().Length == 0 || key.IndexOfAny(new[] { '=', '\r', '\n' }) >= 0 || key.Trim()[0] == '[' || key.Trim()[0] == ';' || key.Trim()[0] == '#')
                throw new ArgumentException($"'{key}' cannot be an INI key.", nameof(key));
            if (value.IndexOfAny(new[] { '\r', '\n' }) >= 0)
                throw new ArgumentException($"The value for {key} cannot contain a line break.", nameof(value));
            if (value.Length != 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[value.Length - 1])))
                throw new ArgumentException($"The value for {key} cannot start or end with white space: INI values are trimmed.", nameof(value));

            EnsureEncodable(section, key, value);
            var existing = Find(section, key);
            if (existing != null)
            {
                existing.SetValue(value);
                return;
            }
            var newLine = NewLine;
            var header = FirstSection(section);
            if (header == null)
            {
                EnsureLastLineTerminated(newLine);
                if (_lines.Count != 0 && _lines[_lines.Count - 1].Kind != IniLineKind.Blank)
                    InsertLine(_lines.Count, string.Empty, newLine);
                InsertLine(_lines.Count, "[" + section + "]", newLine);
                InsertLine(_lines.Count, key + "=" + value, newLine);
            }
            else
            {
                // After the section's last non-blank, non-comment line, so a blank line or a comment block that
                // introduces the next section stays where it is.
                var anchor = SectionBody(header).LastOrDefault(l => l.Kind == IniLineKind.KeyValue || l.Kind == IniLineKind.Invalid) ?? header;
                var index = _lines.IndexOf(anchor);
                if (anchor.Terminator.Length == 0)
                    anchor.Terminator = newLine;
                InsertLine(index + 1, key + "=" + value, newLine);
            }
            Renumber();
            AssignSections();
        }

        /// <summary>The document as text, exactly as it would be written (without the byte order mark).</summary>
        public override string ToString()
        {
            var builder = new StringBuilder();
            foreach (var line in _lines)
                builder.Append(line.Text).Append(line.Terminator);
            return builder.ToString();
        }

        /// <summary>The bytes of the file as it would be written, byte order mark included.</summary>
        public byte[] ToBytes()
        {
            var body = Encoding.GetBytes(ToString());
            if (!HasByteOrderMark)
                return body;
            var bom = Encoding.GetPreamble();
            var all = new byte[bom.Length + body.Length];
            Buffer.BlockCopy(bom, 0, all, 0, bom.Length);
            Buffer.BlockCopy(body, 0, all, bom.Length, body.Length);
            return all;
        }

        /// <summary>
        /// Writes the document to its file (or <paramref name="path"/>) atomically: the bytes go to a temporary file in
        /// the same folder that starts as a copy of the original (so it keeps the original's permissions), are flushed to
        /// disk, and the temporary file then replaces the original in one rename. A crash leaves the old file or the new
        /// one, never a half-written file.
        /// </summary>
        /// <exception cref="InvalidOperationException">The document has no file and no path was given.</exception>
        /// <exception cref="IOException">The file cannot be written.</exception>
        /// <exception cref="UnauthorizedAccessException">The file or its folder may not be written.</exception>
        public void Save(string? path = null)
        {
            var target = path ?? Path ?? throw new InvalidOperationException("The INI document was not read from a file; name one to save to.");
            if (!IsLossless)
                throw new IOException($"'{target}' holds bytes that are not valid {Encoding.WebName}; SmartEmail does not rewrite it, because that would change lines nobody edited. Save the file in one encoding (UTF-8) and try again.");
            // From a copy of the file: the INI keeps its mode and owner.
            AtomicFile.Write(ResolveLinks(target), ToBytes(), keepMode: true);
        }

        /// <summary>
        /// The file a symbolic link finally points at, so an atomic save replaces the real file and keeps the link.
        /// FileSystemInfo.ResolveLinkTarget exists from .NET 6 on (PowerShell 7); it is looked up by reflection because
        /// this assembly targets netstandard2.0. Windows PowerShell 5.1 cannot resolve links: there a link is refused.
        /// </summary>
        private static string ResolveLinks(string path)
        {
            var info = new FileInfo(path);
            if (!info.Exists || (info.Attributes & FileAttributes.ReparsePoint) == 0)
                return path;
            var resolve = typeof(FileSystemInfo).GetMethod("ResolveLinkTarget", new[] { typeof(bool) });
            if (resolve?.Invoke(info, new object[] { true }) is FileSystemInfo target)
                return target.FullName;
            throw new IOException($"'{path}' is a symbolic link that this platform cannot resolve; save the file it points at instead.");
        }

        internal static (Encoding Encoding, int BomLength) DetectEncoding(byte[] bytes)
        {
            if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
                return (new UTF8Encoding(true), 3);
            if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE)
                return (new UnicodeEncoding(bigEndian: false, byteOrderMark: true), 2);
            if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF)
                return (new UnicodeEncoding(bigEndian: true, byteOrderMark: true), 2);
            try
            {
                new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(bytes);
                return (new UTF8Encoding(false), 0);
            }
            catch (DecoderFallbackException)
            {
                // Not UTF-8: an ANSI file written by Notepad or the vendor's installer on a Western Windows.
                return (Encoding.GetEncoding(1252), 0);
            }
        }

        private static List<IniLine> SplitLines(string text)
        {
            var lines = new List<IniLine>();
            var start = 0;
            var number = 1;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c != '\r' && c != '\n')
                    continue;
                var terminator = c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? "\r\n" : c.ToString();
                lines.Add(new IniLine(number++, text.Substring(start, i - start), terminator));
                i += terminator.Length - 1;
                start = i + 1;
            }
            if (start < text.Length)
                lines.Add(new IniLine(number, text.Substring(start), string.Empty));
            return lines;
        }

        /// <summary>
        /// Inserts a line with the file's usual terminator, except where that would fuse with a neighbour into a different
        /// line break: a lone CR before a blank line that starts with LF reads back as one CRLF, and a line would vanish.
        /// </summary>
        private void InsertLine(int index, string text, string newLine)
        {
            var terminator = newLine;
            var previous = index > 0 ? _lines[index - 1] : null;
            var next = index < _lines.Count ? _lines[index] : null;
            if (terminator == "\r" && next != null && next.Text.Length == 0 && next.Terminator.StartsWith("\n", StringComparison.Ordinal))
                terminator = "\r\n";
            if (text.Length == 0 && terminator.StartsWith("\n", StringComparison.Ordinal) && previous != null && previous.Terminator == "\r")
                terminator = "\r";
            _lines.Insert(index, new IniLine(0, text, terminator));
        }

        private void EnsureEncodable(string section, string key, string value)
        {
            var strict = Encoding.GetEncoding(Encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            try
            {
                strict.GetByteCount("[" + section + "]" + key + "=" + value);
            }
            catch (EncoderFallbackException)
            {
                throw new ArgumentException(
                    $"The value for {key} has characters that the file's encoding ({Encoding.WebName}) cannot hold; save the INI as UTF-8 first.", nameof(value));
            }
        }

        private void EnsureLastLineTerminated(string newLine)
        {
            if (_lines.Count != 0 && _lines[_lines.Count - 1].Terminator.Length == 0)
                _lines[_lines.Count - 1].Terminator = newLine;
        }

        private IniLine? FirstSection(string section) => _firstSections.TryGetValue(section, out var header) ? header : null;

        private IEnumerable<IniLine> SectionBody(IniLine header) => _bodies.TryGetValue(header, out var body) ? body : Enumerable.Empty<IniLine>();

        private void Renumber()
        {
            for (var i = 0; i < _lines.Count; i++)
                _lines[i].Number = i + 1;
        }

        private void AssignSections()
        {
            _firstSections.Clear();
            _bodies.Clear();
            var current = string.Empty;
            List<IniLine>? body = null;
            foreach (var line in _lines)
            {
                if (line.Kind == IniLineKind.Section)
                {
                    current = line.Section;
                    body = new List<IniLine>();
                    _bodies.Add(line, body);
                    if (!_firstSections.ContainsKey(current))
                        _firstSections.Add(current, line);
                }
                else
                {
                    line.Section = current;
                    body?.Add(line);
                }
            }
        }

        internal static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }

    internal static class ByteArrayExtensions
    {
        /// <summary>Whether <paramref name="bytes"/> equals <paramref name="source"/> from <paramref name="offset"/> to its end.</summary>
        public static bool AsSpanEquals(this byte[] bytes, byte[] source, int offset)
        {
            if (bytes.Length != source.Length - offset)
                return false;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != source[offset + i])
                    return false;
            }
            return true;
        }
    }
}
