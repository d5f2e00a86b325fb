using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SmartEmail.Ini
{
    public static partial class IniSchema
    {
        private const int TextWidth = 78;

        /// <summary>
        /// The SETTINGS list of about_SmartEmail_Ini: every section and key with its description, the values it takes,
        /// its default and, for a rule setting, its New-SmartEmailRule parameter. build/about-ini.ps1 writes it into the
        /// built help topic, and a test checks the topic against it, so the help cannot drift from the schema.
        /// </summary>
        public static string SettingsText()
        {
            var text = new StringBuilder();
            foreach (var section in new[] { "General", "Mail", "Audit", "Tokens", "OpCon", RuleSection })
            {
                text.Append(section == RuleSection ? "    [Configuration#] (one per rule: Configuration1, Configuration2, ...)" : $"    [{section}]").Append('\n');
                if (section == "Tokens")
                {
                    text.Append("        NAME=value\n");
                    Wrap(text, "A token usable as [[NAME]] in every [Configuration#] value; one token may hold a ;-separated list of senders.");
                }
                foreach (var key in Keys.Where(k => k.Section == section))
                {
                    text.Append("        ").Append(key.Name).Append('\n');
                    Wrap(text, string.Join(" ", new[] { key.Description, Values(key), DefaultText(key), ParameterText(key) }.Where(p => p.Length != 0).ToArray()));
                }
                text.Append('\n');
            }
            return text.ToString();
        }

        private static string Values(IniKey key)
        {
            switch (key.Type)
            {
                case IniValueType.Boolean: return "True or False.";
                case IniValueType.Integer:
                    return key.Maximum >= int.MaxValue ? $"A whole number, at least {key.Minimum}." : $"A whole number from {key.Minimum} to {key.Maximum}.";
                case IniValueType.Seconds: return $"Seconds, above 0 and at most {key.Maximum}.";
                case IniValueType.Choice: return $"One of: {string.Join(", ", key.Choices.ToArray())}.";
                default: return string.Empty;
            }
        }

        private static string DefaultText(IniKey key) => key.Default == null ? string.Empty : $"Default: {key.Default}.";

        private static string ParameterText(IniKey key) =>
            key.Parameter == null ? string.Empty
            : key.Type == IniValueType.Boolean ? $"New-SmartEmailRule: the switch -{key.Parameter}."
            : $"New-SmartEmailRule: -{key.Parameter}.";

        private static void Wrap(StringBuilder text, string paragraph)
        {
            const string indent = "            ";
            var line = new List<string>();
            var length = 0;
            foreach (var word in paragraph.Split(' '))
            {
                if (line.Count != 0 && length + 1 + word.Length > TextWidth - indent.Length)
                {
                    text.Append(indent).Append(string.Join(" ", line.ToArray())).Append('\n');
                    line.Clear();
                    length = 0;
                }
                length += (line.Count == 0 ? 0 : 1) + word.Length;
                line.Add(word);
            }
            if (line.Count != 0)
                text.Append(indent).Append(string.Join(" ", line.ToArray())).Append('\n');
        }
    }
}
