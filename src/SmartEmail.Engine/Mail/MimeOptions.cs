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

        private static ParserOptions CreateParserOptions()
        {
            var options = ParserOptions.Default.Clone();
            options.CharsetEncoding = Encoding.GetEncoding(1252);
            return options;
        }
    }
}
