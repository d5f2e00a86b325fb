using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace SmartEmail.Mail
{
    /// <summary>Saves messages as .eml files and deletes message files: the steps shared by the cmdlets and the run.</summary>
    public static class MessageStore
    {
        /// <summary>
        /// Every name Windows reserves for a device, whatever extension follows: the console's CONIN$ and CONOUT$, and
        /// COM0, LPT0 and the superscript-digit ports (COM¹) that Windows also maps to devices, besides the usual ones.
        /// </summary>
        private static readonly string[] ReservedNames =
        {
            "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00b9", "COM\u00b2", "COM\u00b3",
            "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00b9", "LPT\u00b2", "LPT\u00b3",
        };

        /// <summary>
        /// Saves a message into <paramref name="folder"/> as one .eml file and returns its path. The name comes from the
        /// arrival time, the subject and a short hash of the message id, made safe on Windows and Unix alike (no path
        /// separators, no "..", no device names, no reserved characters, bounded length); an existing file is never
        /// overwritten: a counter is added instead. The bytes go to a temporary file first and are renamed into place,
        /// so a reader never sees a partial .eml, and they are streamed, never held whole in memory.
        /// </summary>
        /// <exception cref="MessageReadException">The message can no longer be read from its mailbox.</exception>
        /// <exception cref="IOException">The folder cannot be written.</exception>
        public static string Save(Message message, string folder, CancellationToken cancellationToken = default)
        {
            Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder, "." + Guid.NewGuid().ToString("N") + ".partial");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920))
                {
                    message.Content.WriteTo(stream, cancellationToken);
                    stream.Flush(flushToDisk: true);
                }
                var stem = FileNameFor(message);
                for (var attempt = 0; attempt < 10000; attempt++)
                {
                    var name = attempt == 0 ? stem + ".eml" : $"{stem}-{attempt}.eml";
                    var target = Path.Combine(folder, name);
                    if (File.Exists(target))
                        continue;
                    try
                    {
                        File.Move(temp, target); // fails rather than overwrite when another writer took the name first
                        return target;
                    }
                    catch (IOException) when (File.Exists(target))
                    {
                    }
                }
                throw new IOException($"Cannot find a free file name for '{stem}.eml' in '{folder}'.");
            }
            finally
            {
                if (File.Exists(temp))
                    File.Delete(temp);
            }
        }

        /// <summary>A file name stem (no extension) that is safe everywhere and tells the message apart.</summary>
        public static string FileNameFor(Message message)
        {
            var when = (message.Received ?? message.Date)?.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) ?? "undated";
            return when + "_" + SafeName(message.Subject, 80, "no subject") + "_" + ShortHash(message.Id);
        }

        /// <summary>
        /// Makes text usable as (part of) a file name on Windows and Unix: reserved and control characters become '_',
        /// runs of them collapse, leading and trailing dots and spaces go, device names get a '_' prefix, and the result is
        /// at most <paramref name="maxLength"/> characters (never an empty name, never "." or "..").
        /// </summary>
        public static string SafeName(string text, int maxLength, string fallback)
        {
            var invalid = new[] { '<', '>', ':', '"', '/', '\\', '|', '?', '*' };
            var builder = new StringBuilder();
            foreach (var c in text)
            {
                var bad = Formatting.UnsafeCharacters.BreaksLine(c) || invalid.Contains(c) || char.IsSurrogate(c);
                if (bad || char.IsWhiteSpace(c))
                {
                    var replacement = bad ? '_' : ' ';
                    if (builder.Length == 0 || builder[builder.Length - 1] != replacement)
                        builder.Append(replacement);
                }
                else
                {
                    builder.Append(c);
                }
            }
            var name = Shorten(builder.ToString().Trim(' ', '.', '_'), maxLength);
            if (name.Length == 0)
                name = fallback;
            var stem = name.Split('.')[0].Trim();
            if (ReservedNames.Contains(stem, StringComparer.OrdinalIgnoreCase))
                name = "_" + Shorten(name, maxLength - 1); // the prefix counts towards the length too
            return name;
        }

        private static string Shorten(string name, int maxLength) =>
            name.Length > maxLength ? name.Substring(0, Math.Max(0, maxLength)).TrimEnd(' ', '.', '_') : name;

        /// <summary>The mailbox a message was read from, or null for a message file given by path.</summary>
        public static MailSource? MailboxOf(Message message) => message.Content.Source;

        /// <summary>Deletes the file of a message read from a file or a Folder mailbox.</summary>
        /// <exception cref="MailboxException">The message is one of several in an mbox file, or the file cannot be deleted.</exception>
        public static void DeleteFile(Message message)
        {
            if (!(message.Content is MessageFileReader.FileContent file))
                throw new ArgumentException($"Message {message.Id} is not a message file.");
            if (!file.IsWholeFile)
                throw new MailboxException(MailboxErrorKind.NotSupported, $"Message {message.Id} is one of several in an mbox file; SmartEmail does not rewrite mbox files, so it was not deleted.");
            try
            {
                File.Delete(file.Path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new MailboxException(MailboxErrorKind.Connection, $"Cannot delete the message file '{file.Path}': {e.Message}", e);
            }
        }

        private static string ShortHash(string id)
        {
            using (var sha = SHA256.Create())
                return BitConverter.ToString(sha.ComputeHash(Encoding.UTF8.GetBytes(id)), 0, 4).Replace("-", string.Empty).ToLowerInvariant();
        }
    }
}
