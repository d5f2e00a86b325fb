using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace SmartEmail.Ini
{
    /// <summary>
    /// Reads an SMArtEmail.ini into a <see cref="Configuration"/> with every finding (errors and warnings) that names
    /// file, line, section and key. It never throws for the content of a file, only when the file cannot be read at all.
    /// Every key is read by its declaration in <see cref="IniSchema"/> (type, default, allowed values); the reader is
    /// split by concern, as MailKit splits ImapFolder: the file's structure, the sections, the rules and the values.
    /// </summary>
    public static partial class ConfigurationReader
    {
        /// <summary>The environment variable that names the INI when no path is given.</summary>
        public const string PathVariable = "SMARTEMAIL_INI";

        /// <summary>
        /// The INI used when none is named: <c>$SMARTEMAIL_INI</c>; else <c>%ProgramData%\OpConxps\SMArt Email\SMArtEmail.ini</c>
        /// on Windows and <c>~/.config/smartemail/SMArtEmail.ini</c> elsewhere.
        /// </summary>
        public static string DefaultPath()
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(PathVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
                return fromEnvironment!;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "OpConxps", "SMArt Email", "SMArtEmail.ini");
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "smartemail", "SMArtEmail.ini");
        }

        /// <summary>Reads and checks the INI file at <paramref name="path"/>.</summary>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
        public static Configuration Load(string path)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new FileNotFoundException($"The configuration file '{full}' does not exist.", full);
            return Read(IniDocument.Load(full));
        }

        /// <summary>The finding that stands for a file that cannot be read at all (missing, locked, no permission).</summary>
        public static ConfigurationFinding UnreadableFinding(string path, Exception exception) =>
            new ConfigurationFinding(FindingSeverity.Error, path, 0, string.Empty, string.Empty,
                exception is FileNotFoundException ? $"The configuration file '{path}' does not exist." : $"Cannot read the configuration file: {exception.Message}");

        /// <summary>Interprets a parsed INI document.</summary>
        public static Configuration Read(IniDocument document) => new Reader(document).Read();

        /// <summary>One reading of one document; its parts are in ConfigurationReader.*.cs.</summary>
        private sealed partial class Reader
        {
            private static readonly Regex VariablePattern = new Regex(@"%([A-Za-z_][A-Za-z0-9_()]*)%", RegexOptions.CultureInvariant);

            private readonly IniDocument _doc;
            private readonly string _path;
            private readonly string _folder;
            private readonly List<ConfigurationFinding> _findings = new List<ConfigurationFinding>();
            private readonly Configuration _config = new Configuration();

            public Reader(IniDocument document)
            {
                _doc = document;
                _path = document.Path ?? string.Empty;
                _folder = _path.Length == 0 ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(_path) ?? ".";
            }

            public Configuration Read()
            {
                _config.Path = _path;
                CheckStructure();
                ReadTokens();
                ReadGeneral();
                ReadMail();
                ReadAudit();
                ReadOpCon();
                ReadRules();
                CheckSecrets();
                _config.Findings = _findings.OrderBy(f => f.Line == 0 ? int.MaxValue : f.Line).ThenBy(f => f.Severity).ToArray();
                return _config;
            }

            private void Add(FindingSeverity severity, int line, string section, string key, string message) =>
                _findings.Add(new ConfigurationFinding(severity, _path, line, Show(section, 100), Show(key, 100), message));

            private static string Show(string text, int max = 60) => IniValues.Show(text, max);

            private static string Excerpt(string text) => "(" + Show(text.Trim()) + ")";
        }
    }
}
