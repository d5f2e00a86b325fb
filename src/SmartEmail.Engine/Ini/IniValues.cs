using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using SmartEmail.Rules;

namespace SmartEmail.Ini
{
    /// <summary>
    /// How a value of each <see cref="IniValueType"/> is read and, when it cannot be, what the message says. The INI
    /// reader, the rule validator and the schema's own defaults all read values here, so they cannot disagree.
    /// </summary>
    internal static class IniValues
    {
        /// <summary>True/Yes/1 or False/No/0 in any letter case, else null.</summary>
        public static bool? ParseBool(string text)
        {
            switch (text.Trim().ToUpperInvariant())
            {
                case "TRUE": case "YES": case "1": return true;
                case "FALSE": case "NO": case "0": return false;
                default: return null;
            }
        }

        public static bool TryParseBool(IniKey key, string text, out bool value)
        {
            var parsed = ParseBool(text);
            value = parsed ?? false;
            return parsed != null;
        }

        public static bool TryParseInt(IniKey key, string text, out int value) =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)
            && (key.Minimum == null || value >= key.Minimum) && (key.Maximum == null || value <= key.Maximum);

        public static bool TryParseSeconds(IniKey key, string text, out TimeSpan value)
        {
            value = TimeSpan.Zero;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || seconds > (key.Maximum ?? 60))
                return false;
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        /// <summary>The choice as the schema spells it, matched in any letter case, or null.</summary>
        public static string? MatchChoice(IniKey key, string text) => key.Choices.FirstOrDefault(c => IniDocument.Same(c, text.Trim()));

        public static bool TryParseChoice<T>(IniKey key, string text, out T value) where T : struct
        {
            value = default;
            var spelling = MatchChoice(key, text);
            if (spelling == null)
                return false;
            var name = Enum.GetNames(typeof(T)).FirstOrDefault(n => IniDocument.Same(n, EnumName(spelling)));
            if (name == null)
                return false;
            value = (T)Enum.Parse(typeof(T), name);
            return true;
        }

        /// <summary>The INI spelling of an enum value (Windows-1252 for MsgInEncoding.Windows1252).</summary>
        public static string Spelling<T>(IniKey key, T value) where T : struct =>
            key.Choices.FirstOrDefault(c => IniDocument.Same(EnumName(c), value.ToString())) ?? value.ToString();

        /// <summary>An enum name cannot hold a hyphen: Windows-1252 is read into Windows1252, UTF-8 into UTF8.</summary>
        public static string EnumName(string spelling) => spelling.Replace("-", string.Empty);

        public static DateTimeOffset? ParseDate(string text)
        {
            // The vendor writes US-style local times ("1/1/2017 12:30:00 AM"); ISO 8601 works too.
            foreach (var culture in new[] { CultureInfo.GetCultureInfo("en-US"), CultureInfo.InvariantCulture })
            {
                if (DateTimeOffset.TryParse(text, culture, DateTimeStyles.AssumeLocal | DateTimeStyles.AllowWhiteSpaces, out var value))
                    return value;
            }
            return null;
        }

        public static bool TryParseDate(IniKey key, string text, out DateTimeOffset value)
        {
            var parsed = ParseDate(text);
            value = parsed ?? default;
            return parsed != null;
        }

        /// <summary>What is wrong with <paramref name="text"/> as a value of <paramref name="key"/>, for a finding or an error.</summary>
        public static string Invalid(IniKey key, string text)
        {
            var name = key.Name;
            var shown = Show(text);
            switch (key.Type)
            {
                case IniValueType.Boolean:
                    return $"{name} must be True or False (Yes/No and 1/0 work too), not '{shown}'.";
                case IniValueType.Integer:
                    return key.Maximum == null || key.Maximum >= int.MaxValue
                        ? $"{name} must be a whole number of at least {key.Minimum ?? int.MinValue}, not '{shown}'."
                        : $"{name} must be a whole number from {key.Minimum ?? int.MinValue} to {key.Maximum}, not '{shown}'.";
                case IniValueType.Seconds:
                    return $"{name} must be a number of seconds above 0 and at most {key.Maximum ?? 60}, not '{shown}'.";
                case IniValueType.Choice:
                    return $"{name} '{shown}' is not one of: {string.Join(", ", key.Choices.ToArray())}.{Suggest(text, key.Choices)}";
                case IniValueType.DateTime:
                    return $"{name} '{shown}' is not a date and time such as 1/1/2017 12:30:00 AM or 2017-01-01T00:30:00.";
                case IniValueType.TimeZone:
                    return $"{name} '{shown}' is not a time zone this machine knows (use an IANA id such as Europe/Berlin or a Windows id such as W. Europe Standard Time).";
                case IniValueType.TimeFrame:
                    return $"{name} '{shown}' is not HHMM-HHMM with times from 0000 to 2400 (for example 0800-1730, or 2200-0600 across midnight).";
                case IniValueType.Url:
                    return $"{name} '{shown}' is not an http(s) URL such as https://opcon.example.com:443.";
                default:
                    return $"{name} '{shown}' is not a valid {key.Type}.";
            }
        }

        /// <summary>Whether <paramref name="text"/> is a valid value of a key whose type needs no context to check.</summary>
        public static bool IsValid(IniKey key, string text)
        {
            switch (key.Type)
            {
                case IniValueType.Boolean: return ParseBool(text) != null;
                case IniValueType.Integer: return TryParseInt(key, text, out _);
                case IniValueType.Seconds: return TryParseSeconds(key, text, out _);
                case IniValueType.Choice: return MatchChoice(key, text) != null;
                case IniValueType.DateTime: return ParseDate(text) != null;
                case IniValueType.TimeZone: return RuleSyntax.FindTimeZone(text) != null;
                case IniValueType.TimeFrame: return RuleSyntax.TryParseTimeFrame(text, out _, out _);
                default: return true;
            }
        }

        /// <summary>
        /// User text as it may appear in a finding: at most <paramref name="max"/> characters, control characters shown
        /// as \uXXXX, so a 10 MB line or a line of NULs gives a readable message.
        /// </summary>
        public static string Show(string text, int max = 60)
        {
            var builder = new StringBuilder();
            foreach (var c in text.Length > max ? text.Substring(0, max) : text)
            {
                if (char.IsControl(c))
                    builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                else
                    builder.Append(c);
            }
            return text.Length > max ? builder.Append('…').ToString() : builder.ToString();
        }

        /// <summary>" Did you mean X?" for the closest candidate within a few edits, else empty.</summary>
        public static string Suggest(string name, IEnumerable<string> candidates)
        {
            var best = candidates.Select(c => (Name: c, Distance: Distance(name.ToUpperInvariant(), c.ToUpperInvariant())))
                .OrderBy(c => c.Distance).FirstOrDefault();
            return best.Name != null && best.Distance <= Math.Max(2, name.Length / 3) ? $" Did you mean {best.Name}?" : string.Empty;
        }

        private static int Distance(string a, string b)
        {
            if (a.Length > 200 || b.Length > 200)
                return int.MaxValue;
            var row = Enumerable.Range(0, b.Length + 1).ToArray();
            for (var i = 1; i <= a.Length; i++)
            {
                var previous = row[0];
                row[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    var current = row[j];
                    row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                    previous = current;
                }
            }
            return row[b.Length];
        }
    }
}
