using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace SmartEmail.Events
{
    /// <summary>
    /// Writes OpCon events into an MSGIN folder, one event per file (what every agent, Windows or UNIX, accepts), so
    /// that an agent never reads a partial file: the bytes go to a work folder beside MSGIN on the same volume, are
    /// flushed to disk, and the finished file is renamed into MSGIN in one step. File names sort by creation time and
    /// are unique across processes.
    /// </summary>
    public sealed class MsgInWriter
    {
        private static int _counter;
        private readonly Encoding _encoding;

        /// <summary>Creates a writer for an MSGIN folder.</summary>
        /// <param name="directory">The MSGIN folder; it must exist (SmartEmail never creates it).</param>
        /// <param name="encodingName">ASCII (default), Windows-1252 or UTF-8 (written without a byte order mark).</param>
        /// <exception cref="EventSubmitException">The encoding name is unknown.</exception>
        public MsgInWriter(string directory, string encodingName = "ASCII")
        {
            Directory = directory;
            _encoding = EncodingFor(encodingName);
        }

        /// <summary>The MSGIN folder.</summary>
        public string Directory { get; }

        /// <summary>The work folder beside MSGIN where files are written before they are renamed into it.</summary>
        public string WorkDirectory => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Directory).TrimEnd('/', '\\')) ?? ".",
            System.IO.Path.GetFileName(System.IO.Path.GetFullPath(Directory).TrimEnd('/', '\\')) + ".smartemail-work");

        /// <summary>Checks that MSGIN exists.</summary>
        /// <exception cref="EventSubmitException">It does not.</exception>
        public void CheckDirectory()
        {
            if (!System.IO.Directory.Exists(Directory))
                throw new EventSubmitException(EventErrorKind.MsgInDirectoryMissing,
                    $"The MSGIN folder '{Directory}' does not exist. SmartEmail never creates it: set MSGINDirectory to the folder the OpCon agent (or SAM) watches.");
        }

        /// <summary>Checks that MSGIN exists, and creates the work folder beside it.</summary>
        /// <exception cref="EventSubmitException">MSGIN is missing, or the work folder cannot be created.</exception>
        public void EnsureReady()
        {
            CheckDirectory();
            try
            {
                System.IO.Directory.CreateDirectory(WorkDirectory);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new EventSubmitException(EventErrorKind.MsgInWorkDirectoryFailed, $"Cannot create the work folder '{WorkDirectory}' beside MSGIN: {e.Message}", e);
            }
        }

        /// <summary>Writes one complete event line (credentials included) as a new MSGIN file; returns its path.</summary>
        /// <exception cref="EventSubmitException">MSGIN is missing, the line cannot be encoded, or the file cannot be written.</exception>
        public string Write(string line)
        {
            var prepared = Prepare(line);
            try
            {
                return Commit(prepared);
            }
            finally
            {
                if (File.Exists(prepared))
                    File.Delete(prepared); // not delivered, and nobody records it: nothing to recover later
            }
        }

        /// <summary>
        /// The first half of a write: the finished file, flushed to disk, in the work folder; nothing is in MSGIN yet.
        /// The run records the prepared file before <see cref="Commit"/>, so after a crash it can tell an event that was
        /// delivered (the prepared file is gone) from one that was not (it is still there) and never submits one twice.
        /// </summary>
        /// <returns>The prepared file's path in the work folder.</returns>
        /// <exception cref="EventSubmitException">MSGIN is missing, the line cannot be encoded, or the file cannot be written.</exception>
        public string Prepare(string line)
        {
            byte[] bytes;
            try
            {
                bytes = _encoding.GetBytes(line + "\r\n");
            }
            catch (EncoderFallbackException e)
            {
                throw new EventSubmitException(EventErrorKind.EventNotEncodable,
                    $"The event holds a character ('{e.CharUnknown}') that {_encoding.WebName} cannot carry; OpCon agents expect ASCII. Set [General] MsgInEncoding=Windows-1252 or UTF-8 if your agent reads them.", e);
            }
            EnsureReady();
            var temp = System.IO.Path.Combine(WorkDirectory, FileName() + PreparedExtension);
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }
                return temp;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                if (File.Exists(temp))
                    File.Delete(temp);
                throw new EventSubmitException(EventErrorKind.MsgInWriteFailed, $"Cannot write the event file '{temp}': {e.Message}", e);
            }
        }

        /// <summary>
        /// The second half: renames a prepared file into MSGIN in one step and returns its MSGIN path. A prepared file
        /// that is gone was committed before (the agent may already have taken it): nothing is written again.
        /// </summary>
        /// <exception cref="EventSubmitException">MSGIN is missing, or the rename failed.</exception>
        public string Commit(string prepared)
        {
            var name = System.IO.Path.GetFileName(prepared);
            var target = System.IO.Path.Combine(Directory, name.Substring(0, name.Length - PreparedExtension.Length));
            if (!File.Exists(prepared))
                return target;
            if (!System.IO.Directory.Exists(Directory))
                throw new EventSubmitException(EventErrorKind.MsgInDirectoryMissing, $"The MSGIN folder '{Directory}' does not exist. SmartEmail never creates it: set MSGINDirectory to the folder the OpCon agent (or SAM) watches.");
            try
            {
                File.Move(prepared, target);
                return target;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new EventSubmitException(EventErrorKind.MsgInWriteFailed, $"Cannot move the event file into '{target}': {e.Message}", e);
            }
        }

        /// <summary>The extension of prepared files in the work folder.</summary>
        public const string PreparedExtension = ".partial";

        /// <summary>SmartEmail_yyyyMMddHHmmssfff_pid_counter_random.txt: sortable by time, unique across processes.</summary>
        private static string FileName()
        {
            var random = new byte[4];
            using (var rng = RandomNumberGenerator.Create())
                rng.GetBytes(random);
            var counter = Interlocked.Increment(ref _counter);
            return string.Format(CultureInfo.InvariantCulture, "SmartEmail_{0:yyyyMMddHHmmssfff}_{1}_{2:D6}_{3}.txt",
                DateTime.UtcNow, Process.GetCurrentProcess().Id, counter % 1000000, BitConverter.ToString(random).Replace("-", string.Empty));
        }

        /// <summary>The encoding of a MsgInEncoding value, throwing on characters it cannot carry.</summary>
        internal static Encoding EncodingFor(MsgInEncoding encoding) =>
            EncodingFor(Ini.IniValues.Spelling(Ini.IniSchema.Get("General", "MsgInEncoding"), encoding));

        /// <summary>The encoding of a MsgInEncoding name, throwing on characters it cannot carry.</summary>
        /// <exception cref="EventSubmitException">The name is not ASCII, Windows-1252 or UTF-8.</exception>
        internal static Encoding EncodingFor(string name)
        {
            switch (name.ToUpperInvariant())
            {
                case "ASCII": case "US-ASCII": return Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
                case "WINDOWS-1252": return Encoding.GetEncoding(1252, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
                case "UTF-8": case "UTF8": return new UTF8Encoding(false, true);
                default: throw new EventSubmitException(EventErrorKind.MsgInEncodingUnknown, $"MsgInEncoding '{name}' is not ASCII, Windows-1252 or UTF-8.");
            }
        }
    }
}
