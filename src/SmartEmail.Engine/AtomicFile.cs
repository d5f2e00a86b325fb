using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace SmartEmail
{
    /// <summary>
    /// Replacing a file so that a reader (or a crash) sees the old content or the new one, never half of it: the bytes go
    /// to ".name.&lt;guid&gt;.tmp" beside the file, are flushed to disk, and the temporary file is renamed over the target.
    /// The INI, the run's state file and the token cache are all written this way.
    /// </summary>
    internal static class AtomicFile
    {
        /// <summary>How old a temporary file must be before it counts as left by a killed process: no save takes that long.</summary>
        public static readonly TimeSpan StaleAge = TimeSpan.FromMinutes(10);

        /// <summary>Writes <paramref name="bytes"/> as the new content of <paramref name="target"/>.</summary>
        /// <param name="target">The file to replace or create.</param>
        /// <param name="bytes">Its new content.</param>
        /// <param name="keepMode">Start from a copy of the existing file, so the new one keeps its mode and owner.</param>
        /// <param name="mode">Unix permission bits set on the temporary file before anything is written into it, or null.</param>
        /// <exception cref="IOException">The file cannot be written.</exception>
        /// <exception cref="UnauthorizedAccessException">The file or its folder may not be written.</exception>
        public static void Write(string target, byte[] bytes, bool keepMode = false, int? mode = null)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(target)) ?? ".";
            var temp = Path.Combine(folder, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                if (keepMode && File.Exists(target))
                    File.Copy(target, temp, overwrite: true);
                using (var stream = new FileStream(temp, File.Exists(temp) ? FileMode.Truncate : FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    if (mode.HasValue)
                        Secrets.SetMode(temp, mode.Value);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }
                if (File.Exists(target))
                    File.Replace(temp, target, destinationBackupFileName: null, ignoreMetadataErrors: true);
                else
                    File.Move(temp, target);
            }
            finally
            {
                if (File.Exists(temp))
                    File.Delete(temp);
            }
        }

        /// <summary>
        /// Removes the temporary files that processes killed while writing <paramref name="target"/> left, once they are
        /// <see cref="StaleAge"/> old (a younger one may be another process's save in progress); returns them.
        /// </summary>
        /// <exception cref="IOException">A file cannot be removed.</exception>
        /// <exception cref="UnauthorizedAccessException">A file may not be removed.</exception>
        public static IReadOnlyList<string> RemoveStaleTemporaryFiles(string target)
        {
            var removed = new List<string>();
            var folder = Path.GetDirectoryName(Path.GetFullPath(target));
            if (folder == null || !Directory.Exists(folder))
                return removed;
            var name = Path.GetFileName(target);
            var pattern = new Regex("^" + Regex.Escape("." + name + ".") + "[0-9a-f]{32}\\.tmp$", RegexOptions.CultureInvariant);
            foreach (var file in Directory.EnumerateFiles(folder, "." + name + ".*.tmp"))
            {
                if (pattern.IsMatch(Path.GetFileName(file)) && File.GetLastWriteTimeUtc(file) < DateTime.UtcNow - StaleAge)
                {
                    File.Delete(file);
                    removed.Add(file);
                }
            }
            return removed;
        }
    }
}
