using System;
using System.Collections.Generic;
using System.IO;

namespace SmartEmail.Mail
{
    /// <summary>
    /// <see cref="HeaderBlock"/>'s bound for mbox files, where one MimeParser reads every message in turn: a read-only
    /// stream over the file that, after each <c>From </c> line, passes at most MaxHeaderBytes of the header block
    /// (skipping the rest of it) and unfolds a field longer than <see cref="HeaderBlock.LongFieldBytes"/>. Everything
    /// else passes unchanged. <see cref="NeedsBound"/> scans a file first, so an ordinary mbox is still parsed straight
    /// from the file (its bodies not held in memory).
    /// </summary>
    internal sealed class MboxHeaderBound : Stream
    {
        private const int Segment = 64 * 1024;
        private readonly Stream _input;
        private readonly int _maxHeaderBytes;
        private readonly bool _emit;
        private readonly byte[] _line = new byte[Segment];
        private readonly Queue<ArraySegment<byte>> _output = new Queue<ArraySegment<byte>>();
        private ArraySegment<byte> _current;
        private byte[] _chunk = new byte[Segment];
        private int _chunkIndex;
        private int _chunkEnd;
        private bool _inHeader;
        private bool _atLineStart = true;
        private bool _skipping;
        private long _headerBytes;
        private long _fieldLength;
        private byte[]? _pendingBreak;
        private int _message;
        private long _position;

        private MboxHeaderBound(Stream input, int maxHeaderBytes, bool emit)
        {
            _input = input;
            _maxHeaderBytes = maxHeaderBytes;
            _emit = emit;
        }

        /// <summary>The 1-based numbers of the messages whose header block was cut at the bound.</summary>
        public List<int> Truncated { get; } = new List<int>();

        /// <summary>Whether any header block would change (cut or unfolded).</summary>
        public bool Changed { get; private set; }

        /// <summary>The bounded view of an mbox stream (positioned at its first <c>From </c> line).</summary>
        public static MboxHeaderBound Open(Stream input, int maxHeaderBytes) => new MboxHeaderBound(input, maxHeaderBytes, emit: true);

        /// <summary>Whether the mbox at the stream's position has a header block the bound would change; rewinds the stream.</summary>
        public static bool NeedsBound(Stream input, int maxHeaderBytes)
        {
            var start = input.Position;
            var scan = new MboxHeaderBound(input, maxHeaderBytes, emit: false);
            while (!scan.Changed && scan.Step())
            {
            }
            input.Position = start;
            return scan.Changed;
        }

        /// <summary>
        /// Fills as much of <paramref name="buffer"/> as the input allows, across line segments: MimeKit's parser grows its
        /// header buffer by what each read gives, so a read per segment (one folded line) would make an unfolded long field
        /// cost the square of its length again.
        /// </summary>
        public override int Read(byte[] buffer, int offset, int count)
        {
            var total = 0;
            while (total < count)
            {
                if (_current.Count == 0)
                {
                    if (_output.Count == 0 && !Fill())
                        break;
                    _current = _output.Dequeue();
                }
                var n = Math.Min(count - total, _current.Count);
                Buffer.BlockCopy(_current.Array!, _current.Offset, buffer, offset + total, n);
                _current = new ArraySegment<byte>(_current.Array!, _current.Offset + n, _current.Count - n);
                total += n;
            }
            _position += total;
            return total;
        }

        /// <summary>Steps until there is output; false at the end of the input with nothing left.</summary>
        private bool Fill()
        {
            while (_output.Count == 0)
            {
                if (!Step())
                {
                    Flush(ref _pendingBreak);
                    return _output.Count != 0;
                }
            }
            return true;
        }

        /// <summary>Reads and handles one line segment; false at the end of the input.</summary>
        private bool Step()
        {
            var length = ReadSegment(out var complete);
            if (length == 0)
                return false;
            var lineStart = _atLineStart;
            _atLineStart = complete;
            if (!_inHeader)
            {
                Emit(_line, 0, length);
                if (lineStart && length >= 5 && _line[0] == (byte)'F' && _line[1] == (byte)'r' && _line[2] == (byte)'o' && _line[3] == (byte)'m' && _line[4] == (byte)' ')
                {
                    // The marker line of the next message (MimeKit's mbox parser starts one at every such line).
                    _inHeader = complete;
                    _skipping = false;
                    _headerBytes = 0;
                    _fieldLength = 0;
                    _message++;
                }
                return true;
            }
            var breakLength = complete ? (length >= 2 && _line[length - 2] == (byte)'\r' ? 2 : 1) : 0;
            var content = length - breakLength;
            if (lineStart && content == 0)
            {
                // The blank line that ends the header block.
                if (_skipping && _pendingBreak == null)
                    _pendingBreak = new[] { (byte)'\r', (byte)'\n' };
                Flush(ref _pendingBreak);
                Emit(_line, 0, length);
                _inHeader = false;
                return true;
            }
            if (lineStart)
            {
                if ((_line[0] == (byte)' ' || _line[0] == (byte)'\t') && _fieldLength > HeaderBlock.LongFieldBytes)
                {
                    if (_pendingBreak != null && !_skipping)
                        Changed = true;
                    _pendingBreak = null; // unfold: the continuation joins the line before
                }
                else if (_line[0] != (byte)' ' && _line[0] != (byte)'\t')
                {
                    _fieldLength = 0;
                }
                if (!_skipping)
                    Flush(ref _pendingBreak);
            }
            _fieldLength += content;
            var room = _maxHeaderBytes - _headerBytes;
            _headerBytes += length;
            if (!_skipping)
            {
                if (length > room)
                {
                    _skipping = true;
                    Changed = true;
                    Truncated.Add(_message);
                    var keep = (int)Math.Max(0, room);
                    Emit(_line, 0, Math.Min(keep, content));
                    _pendingBreak = new[] { (byte)'\r', (byte)'\n' };
                }
                else
                {
                    Emit(_line, 0, content);
                    _pendingBreak = breakLength == 0 ? null : Copy(_line, content, breakLength);
                }
            }
            return true;
        }

        /// <summary>Reads up to a line end or <see cref="Segment"/> bytes into the line buffer; complete when it ends a line.</summary>
        private int ReadSegment(out bool complete)
        {
            var length = 0;
            complete = false;
            while (length < _line.Length)
            {
                if (_chunkIndex == _chunkEnd)
                {
                    _chunkEnd = _input.Read(_chunk, 0, _chunk.Length);
                    _chunkIndex = 0;
                    if (_chunkEnd <= 0)
                    {
                        _chunkEnd = 0;
                        break;
                    }
                }
                var lf = Array.IndexOf(_chunk, (byte)'\n', _chunkIndex, _chunkEnd - _chunkIndex);
                var end = lf < 0 ? _chunkEnd : lf + 1;
                var n = Math.Min(end - _chunkIndex, _line.Length - length);
                Buffer.BlockCopy(_chunk, _chunkIndex, _line, length, n);
                _chunkIndex += n;
                length += n;
                if (lf >= 0 && _chunkIndex == lf + 1)
                {
                    complete = true;
                    break;
                }
            }
            return length;
        }

        private void Emit(byte[] bytes, int offset, int count)
        {
            if (_emit && count > 0)
                _output.Enqueue(new ArraySegment<byte>(Copy(bytes, offset, count)));
        }

        private void Flush(ref byte[]? pending)
        {
            if (pending != null)
                Emit(pending, 0, pending.Length);
            pending = null;
        }

        private static byte[] Copy(byte[] bytes, int offset, int count)
        {
            var copy = new byte[count];
            Buffer.BlockCopy(bytes, offset, copy, 0, count);
            return copy;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
