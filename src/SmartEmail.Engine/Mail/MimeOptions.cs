using System.Text;
using MimeKit;

namespace SmartEmail.Mail
{
    /// <summary>The one set of MIME parser options every reading path uses, so files, IMAP and POP3 decode alike.</summary>
    internal static class MimeOptions
    {
        /// <summary>
        /// Raw 8-bit header text that is not valid UTF-8 is decoded as Windows-1252 rather than MimeKit's default
        /// ISO-8859-1: it is what such mail is written in, and it is a superset for every printable Latin-1 character
        /// (ISO-8859-1 would turn "€" and "–" into control characters).
        /// </summary>
        public static ParserOptions Parser { get; } = CreateParserOptions();

        /// <summary>
        /// How deep multiparts and attached messages are parsed as such; deeper ones are kept as opaque parts. MimeKit's
        /// own limit (1,024) lets its recursive parser overflow a 1 MB thread stack (Windows' default) on a message nested
        /// about a thousand deep, which ends the whole process and would stop every later run on the same message. Real
        /// mail nests a handful of levels; 100 leaves room for forwards of forwards and uses a small part of any stack.
        /// </summary>
        public const int MaxMimeDepth = 100;

        /// <summary>
        /// The default of <c>[General] MaxHeaderBytes</c>: the most of one message's header block that is read (see
        /// <see cref="HeaderBlock"/>). Real header blocks are a few KiB, with long ARC and DKIM chains some tens of KiB.
        /// </summary>
        public const int DefaultMaxHeaderBytes = 1024 * 1024;

        /// <summary>The least MaxHeaderBytes accepts: below it ordinary mail (Received, DKIM and ARC chains) would be cut.</summary>
        public const int MinMaxHeaderBytes = 16 * 1024;

        /// <summary>The most MaxHeaderBytes accepts: it is held in memory while the message is read.</summary>
        public const int MaxMaxHeaderBytes = 64 * 1024 * 1024;

        private static ParserOptions CreateParserOptions()
        {
            var options = ParserOptions.Default.Clone();
            options.CharsetEncoding = Encoding.GetEncoding(1252);
            options.MaxMimeDepth = MaxMimeDepth;
            return options;
        }
    }
}
