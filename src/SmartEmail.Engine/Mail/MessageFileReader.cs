using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MimeKit;

namespace SmartEmail.Mail
{
    /// <summary>
    /// Reads messages from files: one MIME message per file (<c>.eml</c>, <c>.msg</c> saved as MIME, any name), or many
    /// per file in mbox format (detected by the <c>From </c> line it starts with). Folders yield their <c>.eml</c> files.
    /// </summary>
    public static class MessageFileReader
    {
        /// <summary>The extension of message files in a folder (any case).</summary>
        public const string Extension = ".eml";

        /// <summary>
        /// Lists the message files of a folder in name order (ordinal, so the order is the same on every platform).
        /// </summary>
        /// <param name="folder">An existing directory.</param>
        /// <param name="recurse">Whether to include subfolders.</param>
        /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
        public static IReadOnlyList<string> ListFolder(string folder, bool recurse)
        {
            // Filtered here rather than by the search pattern: patterns are case-sensitive on Linux and match "x.emlx" on
            // Windows, and a folder of messages should read the same everywhere.
            var files = Directory.GetFiles(folder, "*", recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                .Where(f => string.Equals(Path.GetExtension(f), Extension, StringComparison.OrdinalIgnoreCase))
                .ToList();
            files.Sort(StringComparer.Ordinal);
            return files;
        }

        /// <summary>
        /// Reads the messages in one file: one message, or each message of an mbox file. Bodies are not kept in memory:
        /// the file is parsed with a persistent stream and only the header facts and attachment names are retained.
        /// </summary>
        /// <param name="path">The full path of the file.</param>
        /// <param name="cancellationToken">Cancels the read.</param>
        /// <exception cref="MessageReadException">The file cannot be opened or holds no message.</exception>
        /// <exception cref="OperationCanceledException">The read was cancelled.</exception>
        public static IEnumerable<Message> ReadFile(string path, CancellationToken cancellationToken = default) => ReadFile(path, null, null, cancellationToken);

        /// <summary>Reads the messages in one file, reporting a header block cut at the bound to <paramref name="log"/>.</summary>
        /// <param name="path">The full path of the file.</param>
        /// <param name="log">Where the warning about a header block over the default MaxHeaderBytes (1 MiB) goes, or null.</param>
        /// <param name="cancellationToken">Cancels the read.</param>
        /// <exception cref="MessageReadException">The file cannot be opened or holds no message.</exception>
        /// <exception cref="OperationCanceledException">The read was cancelled.</exception>
        public static IEnumerable<Message> ReadFile(string path, IEngineLog? log, CancellationToken cancellationToken = default) => ReadFile(path, null, log, cancellationToken);

        internal static IEnumerable<Message> ReadFile(string path, MailSource? source, IEngineLog? log, CancellationToken cancellationToken)
        {
            log ??= source?.Log ?? NullEngineLog.Instance;
            var maxHeaderBytes = source?.Settings.MaxHeaderBytes ?? MimeOptions.DefaultMaxHeaderBytes;
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new MessageReadException(path, $"The message file '{path}' does not exist.");
            var received = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
            var results = new List<Message>();
            using (var stream = Open(path))
            {
                if (!SkipByteOrderMark(stream))
                    throw new MessageReadException(path, $"The message file '{path}' is empty.");
                var format = StartsWithMboxMarker(stream) ? MimeFormat.Mbox : MimeFormat.Entity;
                if (format == MimeFormat.Entity)
                {
                    // Persistent when the header block needs no change: the bodies stay in the file, not in memory.
                    var message = Parse(() => MimeSummary.Parse(stream, maxHeaderBytes, path, log, persistent: true, cancellationToken), path);
                    results.Add(new Message(path, path, MimeSummary.Summarize(message), received, info.Length,
                        new FileContent(path, 0, source, maxHeaderBytes)));
                    return results;
                }
                // An mbox with a header block over the bound (or a long folded field) is read through MboxHeaderBound; an
                // ordinary one straight from the file, its bodies left there.
                var bound = MboxHeaderBound.NeedsBound(stream, maxHeaderBytes) ? MboxHeaderBound.Open(stream, maxHeaderBytes) : null;
                var parser = new MimeParser(MimeOptions.Parser, (Stream?)bound ?? stream, format, persistent: bound == null);
                var index = 0;
                while (!parser.IsEndOfStream)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var start = parser.Position;
                    var message = Parse(() => parser.ParseMessage(cancellationToken), path);
                    index++;
                    var id = path + "#" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    results.Add(new Message(id, path, MimeSummary.Summarize(message), received, parser.Position - start,
                        new FileContent(path, index, source, maxHeaderBytes)));
                }
                foreach (var cut in bound?.Truncated ?? new List<int>())
                    log.Warning($"The header block of message {path}#{cut} is larger than [General] MaxHeaderBytes ({maxHeaderBytes} bytes): only its first {maxHeaderBytes} bytes were read, and the message is processed on them.");
            }
            if (results.Count == 0)
                throw new MessageReadException(path, $"The mbox file '{path}' holds no message.");
            return results;
        }

        private static FileStream Open(string path)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new MessageReadException(path, $"Cannot open the message file '{path}': {e.Message}", e);
            }
        }

        private static MimeMessage Parse(Func<MimeMessage> parse, string path)
        {
            try
            {
                return parse();
            }
            catch (FormatException e)
            {
                throw new MessageReadException(path, $"The file '{path}' is not a MIME message: {e.Message}", e);
            }
            catch (IOException e)
            {
                throw new MessageReadException(path, $"Cannot read the message file '{path}': {e.Message}", e);
            }
        }

        /// <summary>Leaves the stream after a UTF-8 byte order mark, if there is one; returns false for an empty file.</summary>
        private static bool SkipByteOrderMark(Stream stream)
        {
            var bom = new byte[3];
            var read = stream.Read(bom, 0, 3);
            if (read == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF)
                return true;
            stream.Position = 0;
            return read != 0;
        }

        private static bool StartsWithMboxMarker(Stream stream)
        {
            var start = stream.Position;
            var head = new byte[5];
            var read = stream.Read(head, 0, 5);
            stream.Position = start;
            return read == 5 && head[0] == (byte)'F' && head[1] == (byte)'r' && head[2] == (byte)'o' && head[3] == (byte)'m' && head[4] == (byte)' ';
        }

        /// <summary>The content of a message file: the whole file, or the n-th message of an mbox file.</summary>
        internal sealed class FileContent : IMessageContent
        {
            private readonly string _path;
            private readonly int _mboxIndex;
            private readonly int _maxHeaderBytes;

            public FileContent(string path, int mboxIndex, MailSource? source, int maxHeaderBytes)
            {
                _path = path;
                _mboxIndex = mboxIndex;
                _maxHeaderBytes = maxHeaderBytes;
                Source = source;
            }

            public MailSource? Source { get; }

            /// <summary>Whether the message is a whole file (and so can be deleted as one).</summary>
            public bool IsWholeFile => _mboxIndex == 0;

            public string Path => _path;

            public void WriteTo(Stream destination, CancellationToken cancellationToken)
            {
                if (_mboxIndex != 0)
                {
                    Load(cancellationToken).WriteTo(destination, cancellationToken);
                    return;
                }
                using (var stream = Open(_path))
                    stream.CopyTo(destination, 81920);
            }

            public MimeMessage Load(CancellationToken cancellationToken)
            {
                using (var stream = Open(_path))
                {
                    var hasContent = SkipByteOrderMark(stream);
                    if (!hasContent)
                        throw new MessageReadException(_path, $"The message file '{_path}' is empty.");
                    // Not persistent: the stream is closed when this returns, so the message must own its content. The
                    // listing already warned about a header block cut at the bound.
                    if (_mboxIndex == 0)
                        return Parse(() => MimeSummary.Parse(stream, _maxHeaderBytes, _path, NullEngineLog.Instance, persistent: false, cancellationToken), _path);
                    Stream input = MboxHeaderBound.NeedsBound(stream, _maxHeaderBytes) ? MboxHeaderBound.Open(stream, _maxHeaderBytes) : stream;
                    var parser = new MimeParser(MimeOptions.Parser, input, MimeFormat.Mbox);
                    for (var i = 1; i < _mboxIndex; i++)
                        Parse(() => parser.ParseMessage(cancellationToken), _path);
                    return Parse(() => parser.ParseMessage(cancellationToken), _path);
                }
            }
        }
    }
}
