using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace SmartEmail
{
    /// <summary>The text formats SmartEmail shares with smartemail.exe's files, and the one way log lines are appended.</summary>
    internal static class LogFile
    {
        /// <summary>The vendor's date format: LastRunDate in the INI, and [[DATE]] in events, logs and notices.</summary>
        public const string VendorDateFormat = "M/d/yyyy h:mm:ss tt";

        /// <summary>Appends "yyyy-MM-dd HH:mm:ss text" as one UTF-8 line, creating the folder when needed.</summary>
        /// <exception cref="IOException">The file cannot be written.</exception>
        /// <exception cref="UnauthorizedAccessException">The file may not be written.</exception>
        public static void Append(string file, string text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".");
            File.AppendAllText(file, DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " " + text + Environment.NewLine, new UTF8Encoding(false));
        }
    }
}
