using System;
using System.Collections.Generic;
using System.Linq;

namespace SmartEmail.Ini
{
    public static partial class ConfigurationReader
    {
        /// <summary>The file's shape: headers, duplicates, unknown sections and keys, secrets stored in clear.</summary>
        private sealed partial class Reader
        {
            private void CheckStructure()
            {
                if (!_doc.Sections.Any())
                    Add(FindingSeverity.Error, 0, "", "", "The file has no sections (no [section] header): it is empty or not an SMArtEmail.ini.");
                var seenSections = new Dictionary<string, IniLine>(StringComparer.OrdinalIgnoreCase);
                var seenKeys = new Dictionary<string, IniLine>(StringComparer.OrdinalIgnoreCase);
                var inDuplicate = false;
                foreach (var line in _doc.Lines)
                {
                    switch (line.Kind)
                    {
                        case IniLineKind.Invalid:
                            var isHeader = line.Text.TrimStart().StartsWith("[", StringComparison.Ordinal);
                            Add(isHeader ? FindingSeverity.Error : FindingSeverity.Warning, line.Number, line.Section, "", line.Problem + " " + Excerpt(line.Text));
                            break;
                        case IniLineKind.Section:
                            if (seenSections.TryGetValue(line.Section, out var first))
                            {
                                Add(FindingSeverity.Warning, line.Number, line.Section, "",
                                    $"[{line.Section}] appears again (first at line {first.Number}); only the first one is read, so this one is ignored.");
                                inDuplicate = true;
                            }
                            else
                            {
                                seenSections.Add(line.Section, line);
                                inDuplicate = false;
                                CheckSectionName(line);
                            }
                            break;
                        case IniLineKind.KeyValue:
                            if (line.Section.Length == 0)
                            {
                                Add(FindingSeverity.Warning, line.Number, "", line.Key, $"'{Show(line.Key)}' comes before any [section]; it is ignored.");
                                break;
                            }
                            if (inDuplicate)
                                break;
                            var id = line.Section + "\u0000" + CanonicalKey(line.Key);
                            if (seenKeys.TryGetValue(id, out var firstKey))
                                Add(FindingSeverity.Warning, line.Number, line.Section, line.Key,
                                    $"{Show(line.Key)} is set again (first at line {firstKey.Number}); the first value is used and this one is ignored.");
                            else
                                seenKeys.Add(id, line);
                            CheckKeyName(line);
                            break;
                    }
                }
            }

            private static string CanonicalKey(string key) => IniSchema.EventNumber(key) is int n ? "Event#" + n : key;

            private void CheckSectionName(IniLine line)
            {
                if (IniSchema.RuleNumber(line.Section) != null || IniSchema.Sections.Any(s => IniDocument.Same(s, line.Section)))
                    return;
                var candidates = IniSchema.Sections.Concat(new[] { "Configuration1" });
                Add(FindingSeverity.Warning, line.Number, line.Section, "", $"[{line.Section}] is not a section SmartEmail knows; it is ignored.{IniValues.Suggest(line.Section, candidates)}");
            }

            private void CheckKeyName(IniLine line)
            {
                if (IniDocument.Same(line.Section, "Tokens") || IniSchema.Find(line.Section, line.Key) != null)
                    return;
                var known = IniSchema.RuleNumber(line.Section) != null || IniSchema.Sections.Any(s => IniDocument.Same(s, line.Section));
                if (!known)
                    return; // the unknown section was reported already
                Add(FindingSeverity.Warning, line.Number, line.Section, line.Key,
                    $"{Show(line.Key)} is not a setting of [{Show(line.Section)}]; it is ignored.{IniValues.Suggest(line.Key, IniSchema.KeysOf(line.Section).Select(k => k.Name))}");
            }

            private void CheckSecrets()
            {
                foreach (var key in IniSchema.Keys.Where(k => k.Type == IniValueType.Secret))
                {
                    if (key.Name == "User" || key.Name == "OpConUser")
                        continue; // a plain user name is not a secret on its own; the vendor encrypts it, we accept both
                    var line = _doc.Find(key.Section, key.Name);
                    if (line == null || IsNotSet(line.Value) || Secrets.IsProtected(line.Value))
                        continue;
                    Add(FindingSeverity.Warning, line.Number, key.Section, key.Name,
                        $"{key.Name} is stored unencrypted, readable by anyone who can read the INI: run Set-SmartEmailCredential to encrypt it in place.");
                }
            }
        }
    }
}
