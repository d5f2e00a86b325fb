using System;
using System.IO;

namespace SmartEmail.Mail
{
    /// <summary>
    /// Bounds what a message's header block may cost before MimeKit parses it, on every reading path (files, POP3, IMAP,
    /// and the full message loaded later). Two limits:
    /// <list type="bullet">
    /// <item>At most <c>[General] MaxHeaderBytes</c> of the header block is read; the rest of it is skipped (scanned,
    /// not kept) and the message is parsed on what was read.</item>
    /// <item>A single field longer than <see cref="LongFieldBytes"/> is unfolded (the line breaks before its continuation
    /// lines removed) before MimeKit sees it. MimeKit's parser grows its header buffer by at most 64 bytes per line, so
    /// a field folded over many short lines costs O(n²): a 1 MiB folded header takes 2.2 s and allocates 8.6 GB, the
    /// same field on one line 0.17 s. Unfolding is what RFC 5322 says a folded field means, so the decoded value is the
    /// same.</item>
    /// </list>
    /// Ordinary mail (a header block within the bound and no field over 16 KiB) is passed on byte for byte.
    /// </summary>
    internal static class HeaderBlock
    {
        /// <summary>The length above which a field is unfolded before parsing.</summary>
        public const int LongFieldBytes = 16 * 1024;

        private const int Chunk = 16 * 1024;

        /// <summary>What <see cref="Bound"/> did.</summary>
        internal sealed class Result
        {
            public Result(Stream stream, bool truncated, bool rewritten)
            {
                Stream = stream;
                Truncated = truncated;
                Rewritten = rewritten;
            }

            /// <summary>The message to parse: the input itself (rewound) when nothing had to change, else a new stream.</summary>
            public Stream Stream { get; }

            /// <summary>Whether the header block was longer than the bound and was cut.</summary>
            public bool Truncated { get; }

            /// <summary>Whether the header bytes were changed (cut or unfolded).</summary>
            public bool Rewritten { get; }
        }

        /// <summary>
        /// Reads the header block at the current position of <paramref name="input"/> and returns the message to parse.
        /// When nothing changes and the input can seek, the input itself is returned at its original position (so a
        /// persistent parse still works); otherwise a forward-only stream of the (bounded) header block and the rest.
        /// </summary>
        public static Result Bound(Stream input, int maxHeaderBytes)
        {
            if (maxHeaderBytes < 1)
                throw new ArgumentOutOfRangeException(nameof(maxHeaderBytes));
            var start = input.CanSeek ? input.Position : -1;
            if (start >= 0 && IsOrdinary(input, start, maxHeaderBytes))
                return new Result(input, false, false);
            var head = new MemoryStream();
            var scanner = new Scanner();
            var buffer = new byte[Chunk];
            // Phase 1: keep up to maxHeaderBytes + 1 bytes, looking for the end of the header block.
            while (scanner.End < 0 && head.Length <= maxHeaderBytes)
            {
                var want = (int)Math.Min(buffer.Length, maxHeaderBytes + 1 - head.Length);
                var n = input.Read(buffer, 0, want);
                if (n <= 0)
                    break;
                var offset = head.Length;
                head.Write(buffer, 0, n);
                scanner.Scan(head.GetBuffer(), (int)offset, n, (int)offset);
            }
            var bytes = head.GetBuffer();
            var length = (int)head.Length;
            var found = scanner.End >= 0 && scanner.End <= maxHeaderBytes;
            if (found && !scanner.LongField)
            {
                if (start >= 0)
                {
                    input.Position = start;
                    return new Result(input, false, false);
                }
                return new Result(new PrefixedStream(bytes, 0, length, input), false, false);
            }
            if (found)
            {
                var rewritten = Unfold(bytes, scanner.End);
                return new Result(new PrefixedStream(Concat(rewritten, bytes, scanner.End, length - scanner.End), input), false, true);
            }
            if (scanner.End < 0 && length <= maxHeaderBytes)
            {
                // The input ended inside the header block (a message of headers only): nothing was cut.
                var whole = scanner.LongField ? Unfold(bytes, length) : Slice(bytes, length);
                return new Result(new PrefixedStream(whole, 0, whole.Length, input), false, scanner.LongField);
            }
            // Over the bound: keep the complete lines within it (or the bound itself when one line is longer), skip the
            // rest of the header block without keeping it, and go on with the body.
            var cut = LastLineEnd(bytes, Math.Min(length, maxHeaderBytes));
            var kept = Unfold(bytes, cut);
            var rest = new MemoryStream();
            if (scanner.End >= 0)
            {
                rest.Write(bytes, scanner.End, length - scanner.End);
            }
            else
            {
                int n;
                while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    var end = scanner.Scan(buffer, 0, n, -1);
                    if (end >= 0)
                    {
                        rest.Write(buffer, end, n - end);
                        break;
                    }
                }
            }
            return new Result(new PrefixedStream(Concat(kept, rest.GetBuffer(), 0, (int)rest.Length), input), true, true);
        }

        /// <summary>
        /// Whether a seekable input's header block ends within the bound and has no long field: the common case, checked
        /// without copying; the input is left where it was.
        /// </summary>
        private static bool IsOrdinary(Stream input, long start, int maxHeaderBytes)
        {
            var scanner = new Scanner();
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                long read = 0;
                int n;
                while (read <= maxHeaderBytes && (n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, maxHeaderBytes + 1 - read))) > 0)
                {
                    read += n;
                    if (scanner.Scan(buffer, 0, n, -1) >= 0 || scanner.LongField)
                        break;
                }
                return scanner.End >= 0 && scanner.End <= maxHeaderBytes && !scanner.LongField;
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                input.Position = start;
            }
        }

        /// <summary>The header block's fields, each longer than <see cref="LongFieldBytes"/> unfolded, ending with a blank line.</summary>
        private static byte[] Unfold(byte[] bytes, int length)
        {
            var output = new MemoryStream(length + 4);
            var i = 0;
            while (i < length)
            {
                // One field: its first line and the continuation lines that follow.
                var fieldStart = i;
                var fieldEnd = NextLineStart(bytes, i, length);
                while (fieldEnd < length && IsBlank(bytes[fieldEnd]))
                    fieldEnd = NextLineStart(bytes, fieldEnd, length);
                if (IsBlankLine(bytes, fieldStart, fieldEnd))
                    break; // the blank line that ends the block: written below
                if (fieldEnd - fieldStart <= LongFieldBytes)
                {
                    output.Write(bytes, fieldStart, fieldEnd - fieldStart);
                }
                else
                {
                    for (var j = fieldStart; j < fieldEnd; j++)
                    {
                        var c = bytes[j];
                        if ((c == (byte)'\r' || c == (byte)'\n') && j + 1 < fieldEnd && (IsBlank(bytes[j + 1]) || (c == (byte)'\r' && bytes[j + 1] == (byte)'\n' && j + 2 < fieldEnd && IsBlank(bytes[j + 2]))))
                            continue;
                        output.WriteByte(c);
                    }
                }
                if (fieldEnd == length && length > 0 && bytes[length - 1] != (byte)'\n')
                    output.Write(CrLf, 0, 2);
                i = fieldEnd;
            }
            output.Write(CrLf, 0, 2);
            return output.ToArray();
        }

        private static readonly byte[] CrLf = { (byte)'\r', (byte)'\n' };

        private static bool IsBlank(byte c) => c == (byte)' ' || c == (byte)'\t';

        private static bool IsBlankLine(byte[] bytes, int start, int end) =>
            end - start == 0 || (end - start == 1 && bytes[start] == (byte)'\n') || (end - start == 2 && bytes[start] == (byte)'\r' && bytes[start + 1] == (byte)'\n');

        private static int NextLineStart(byte[] bytes, int i, int length)
        {
            var lf = Array.IndexOf(bytes, (byte)'\n', i, length - i);
            return lf < 0 ? length : lf + 1;
        }

        /// <summary>The end of the last complete line within <paramref name="limit"/> bytes, or the limit when the first line is longer.</summary>
        private static int LastLineEnd(byte[] bytes, int limit)
        {
            var lf = limit == 0 ? -1 : Array.LastIndexOf(bytes, (byte)'\n', limit - 1, limit);
            return lf < 0 ? limit : lf + 1;
        }

        private static byte[] Slice(byte[] bytes, int length)
        {
            var copy = new byte[length];
            Buffer.BlockCopy(bytes, 0, copy, 0, length);
            return copy;
        }

        private static byte[] Concat(byte[] first, byte[] second, int offset, int count)
        {
            var all = new byte[first.Length + count];
            Buffer.BlockCopy(first, 0, all, 0, first.Length);
            Buffer.BlockCopy(second, offset, all, first.Length, count);
            return all;
        }

        /// <summary>Finds the blank line that ends a header block, across reads, and notices an over-long field.</summary>
        private sealed class Scanner
        {
            private long _position;
            private long _lineLength;
            private long _fieldLength;
            private bool _lineStart = true;

            /// <summary>The offset just after the blank line that ends the block, or -1 while it is not found.</summary>
            public int End { get; private set; } = -1;

            public bool LongField { get; private set; }

            /// <summary>
            /// Scans <paramref name="count"/> bytes; returns the index in <paramref name="bytes"/> just after the end of the
            /// block when it is in them, else -1. <paramref name="blockOffset"/> is where bytes[offset] lies in the kept
            /// head, or -1 when the bytes are not kept.
            /// </summary>
            public int Scan(byte[] bytes, int offset, int count, int blockOffset)
            {
                for (var i = offset; i < offset + count; i++)
                {
                    var c = bytes[i];
                    _position++;
                    if (_lineStart)
                    {
                        _lineStart = false;
                        if (!IsBlank(c) && c != (byte)'\r' && c != (byte)'\n')
                            _fieldLength = 0;
                    }
                    if (c == (byte)'\n')
                    {
                        if (_lineLength == 0)
                        {
                            End = (int)Math.Min(int.MaxValue, _position);
                            return i + 1;
                        }
                        _lineLength = 0;
                        _lineStart = true;
                    }
                    else if (c != (byte)'\r')
                    {
                        _lineLength++;
                    }
                    if (++_fieldLength > LongFieldBytes)
                        LongField = true;
                }
                return -1;
            }
        }
    }
}
