using System;
using System.IO;
using SmartEmail.Rules;

namespace SmartEmail.Ini
{
    public static partial class ConfigurationReader
    {
        /// <summary>
        /// One value of one key, read by the key's declaration in <see cref="IniSchema"/>: its default when absent, a
        /// finding on its line when it is not a valid value of its type (and then the default).
        /// </summary>
        private sealed partial class Reader
        {
            /// <summary>The raw trimmed value as written, or null when absent or N/A (secrets are never expanded).</summary>
            private string? Raw(string section, string key)
            {
                var line = _doc.Find(section, key);
                return line == null || IsNotSet(line.Value) ? null : line.Value;
            }

            /// <summary>The value with %VAR% expanded, or null when absent, empty or N/A.</summary>
            private string? Text(string section, string key)
            {
                var line = _doc.Find(section, key);
                if (line == null)
                    return null;
                var value = Expand(line, line.Value);
                return IsNotSet(value) ? null : value;
            }

            private string TextOrDefault(string section, string key) => Text(section, key) ?? IniSchema.Get(section, key).DefaultText;

            private static bool IsNotSet(string value) =>
                value.Length == 0 || IniDocument.Same(value, "N/A") || IniDocument.Same(value, "N\\A");

            private int LineOf(string section, string key) => _doc.Find(section, key)?.Number ?? 0;

            private string Expand(IniLine line, string value)
            {
                return VariablePattern.Replace(value, match =>
                {
                    var name = match.Groups[1].Value;
                    var found = Environment.GetEnvironmentVariable(name);
                    if (found != null)
                        return found;
                    Add(FindingSeverity.Warning, line.Number, line.Section, line.Key, $"%{Show(name)}% is not an environment variable here; the text is kept as written.");
                    return match.Value;
                });
            }

            private string ExpandTokens(string value) =>
                Formatting.ValueFormatter.Expand(value, name => _config.Tokens.TryGetValue(name, out var v) ? v : null);

            /// <summary>Reports the value of <paramref name="key"/> as invalid, on its line.</summary>
            private void Invalid(string section, IniKey key, string text) =>
                Add(FindingSeverity.Error, LineOf(section, key.Name), section, key.Name, IniValues.Invalid(key, text));

            private delegate bool Parser<T>(IniKey key, string text, out T value);

            /// <summary>The value read by <paramref name="parse"/>; null when absent, and when invalid (then a finding).</summary>
            private T? Optional<T>(string section, string key, Parser<T> parse) where T : struct
            {
                var declared = IniSchema.Get(section, key);
                var text = Text(section, key);
                if (text == null)
                    return null;
                if (parse(declared, text, out var value))
                    return value;
                Invalid(section, declared, text);
                return null;
            }

            private bool Bool(string section, string key) => OptionalBool(section, key) ?? IniSchema.Get(section, key).DefaultBool;

            private bool? OptionalBool(string section, string key) => Optional<bool>(section, key, IniValues.TryParseBool);

            private int Int(string section, string key) => OptionalInt(section, key) ?? IniSchema.Get(section, key).DefaultInt;

            /// <summary>The value, else the declared default, else null; null too when the value is out of range.</summary>
            private int? OptionalInt(string section, string key)
            {
                var declared = IniSchema.Get(section, key);
                var text = Text(section, key) ?? declared.Default;
                if (text == null)
                    return null;
                if (IniValues.TryParseInt(declared, text, out var value))
                    return value;
                Invalid(section, declared, text);
                return null;
            }

            private TimeSpan Seconds(string section, string key) =>
                Optional<TimeSpan>(section, key, IniValues.TryParseSeconds) ?? IniSchema.Get(section, key).DefaultSeconds;

            private T Choice<T>(string section, string key) where T : struct =>
                OptionalChoice<T>(section, key) ?? IniSchema.Get(section, key).DefaultChoice<T>();

            private T? OptionalChoice<T>(string section, string key) where T : struct => Optional<T>(section, key, IniValues.TryParseChoice);

            private DateTimeOffset? Date(string section, string key) => Optional<DateTimeOffset>(section, key, IniValues.TryParseDate);

            private string? TimeZoneId(string section, string key)
            {
                var declared = IniSchema.Get(section, key);
                var text = Text(section, key);
                if (text == null || RuleSyntax.FindTimeZone(text) != null)
                    return text;
                Invalid(section, declared, text);
                return null;
            }

            /// <summary>
            /// A path setting made absolute against the INI's folder; a value that is no path is an Error finding and
            /// stays as it is. Windows paths (C:\..., \\server\...) stay as written on every platform; on other
            /// platforms backslashes in relative paths become '/'.
            /// </summary>
            private string ResolvePath(string value, string section = "", string key = "")
            {
                if (VariablePattern.IsMatch(value))
                    return value;
                var windowsRooted = value.Length >= 3 && char.IsLetter(value[0]) && value[1] == ':' && (value[2] == '\\' || value[2] == '/') || value.StartsWith(@"\\", StringComparison.Ordinal);
                if (windowsRooted && Path.DirectorySeparatorChar == '/')
                    return value;
                var native = Path.DirectorySeparatorChar == '/' ? value.Replace('\\', '/') : value;
                try
                {
                    return Path.IsPathRooted(native) ? native : Path.GetFullPath(Path.Combine(_folder, native));
                }
                catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
                {
                    Add(FindingSeverity.Error, section.Length == 0 ? 0 : LineOf(section, key), section, key, $"{Excerpt(value)} is not a usable path: {e.Message}");
                    return value;
                }
            }
        }
    }
}
