using System;
using System.IO;

namespace SmartEmail.Mail
{
    /// <summary>A read-only, forward-only stream: some bytes already read (or rewritten), then the rest of another stream.</summary>
    internal sealed class PrefixedStream : Stream
    {
        private readonly byte[] _prefix;
        private readonly int _end;
        private readonly Stream _rest;
        private int _index;
        private long _position;

        public PrefixedStream(byte[] prefix, Stream rest) : this(prefix, 0, prefix.Length, rest) { }

        public PrefixedStream(byte[] prefix, int offset, int count, Stream rest)
        {
            _prefix = prefix;
            _index = offset;
            _end = offset + count;
            _rest = rest;
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

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n;
            if (_index < _end)
            {
                n = Math.Min(count, _end - _index);
                Buffer.BlockCopy(_prefix, _index, buffer, offset, n);
                _index += n;
            }
            else
            {
                n = _rest.Read(buffer, offset, count);
            }
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
