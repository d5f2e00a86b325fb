using System;
using System.Collections.Generic;

namespace SmartEmail.Ini
{
    /// <summary>One setting SmartEmail understands: where it lives, what it holds, its default, and what it means.</summary>
    public sealed class IniKey
    {
        private static readonly string[] NoChoices = new string[0];

        internal IniKey(string section, string name, IniValueType type, string? defaultValue, string description)
        {
            Section = section;
            Name = name;
            Type = type;
            Default = defaultValue;
            Description = description;
        }

        /// <summary>The section (<c>Configuration</c> stands for every <c>[Configuration#]</c>).</summary>
        public string Section { get; }

        /// <summary>The key as the reference spells it.</summary>
        public string Name { get; }

        /// <summary>What kind of value the key holds.</summary>
        public IniValueType Type { get; }

        /// <summary>The value used when the key is absent, as it would be written in the INI, or null for "not set".</summary>
        public string? Default { get; }

        /// <summary>What the key means.</summary>
        public string Description { get; }

        /// <summary>For an alternative spelling, the key it stands for.</summary>
        public string? AliasOf { get; internal set; }

        /// <summary>For <see cref="IniValueType.Choice"/>: the values allowed, spelt as the INI spells them.</summary>
        public IReadOnlyList<string> Choices { get; internal set; } = NoChoices;

        /// <summary>For <see cref="IniValueType.Integer"/>: the smallest value allowed.</summary>
        public long? Minimum { get; internal set; }

        /// <summary>For <see cref="IniValueType.Integer"/> and <see cref="IniValueType.Seconds"/>: the largest value allowed.</summary>
        public long? Maximum { get; internal set; }

        /// <summary>For a rule setting: the New-SmartEmailRule parameter that sets it (a switch for a Boolean), or null.</summary>
        public string? Parameter { get; internal set; }

        /// <summary>For a Choice: the enum its values are read into, or null when they stay text.</summary>
        internal Type? EnumType { get; set; }

        /// <summary>The default of a Boolean key.</summary>
        internal bool DefaultBool => IniValues.ParseBool(Default ?? "False") ?? throw Misdeclared();

        /// <summary>The default of an Integer key.</summary>
        internal int DefaultInt => IniValues.TryParseInt(this, Default ?? string.Empty, out var value) ? value : throw Misdeclared();

        /// <summary>The default of a Seconds key.</summary>
        internal TimeSpan DefaultSeconds => IniValues.TryParseSeconds(this, Default ?? string.Empty, out var value) ? value : throw Misdeclared();

        /// <summary>The default of a Choice key read into its enum.</summary>
        internal T DefaultChoice<T>() where T : struct =>
            IniValues.TryParseChoice<T>(this, Default ?? string.Empty, out var value) ? value : throw Misdeclared();

        /// <summary>The default as text; empty when there is none.</summary>
        internal string DefaultText => Default ?? string.Empty;

        /// <summary>Declares the New-SmartEmailRule parameter of a rule setting.</summary>
        internal IniKey MapsTo(string parameter)
        {
            Parameter = parameter;
            return this;
        }

        /// <summary>The key as a finding or an error names it: <c>[Section] Name</c>.</summary>
        public override string ToString() => $"[{Section}] {Name}";

        private InvalidOperationException Misdeclared() =>
            new InvalidOperationException($"IniSchema declares {this} with the default '{Default}', which is not a valid {Type}.");
    }
}
