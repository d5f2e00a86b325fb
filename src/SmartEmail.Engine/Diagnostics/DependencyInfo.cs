using System.Reflection;

namespace SmartEmail.Diagnostics
{
    /// <summary>One third-party library as the engine loaded it.</summary>
    public sealed class DependencyInfo
    {
        internal DependencyInfo(Assembly assembly)
        {
            var name = assembly.GetName();
            Name = name.Name ?? string.Empty;
            Version = name.Version?.ToString() ?? string.Empty;
            Location = assembly.Location;
        }

        /// <summary>The assembly name.</summary>
        public string Name { get; }

        /// <summary>The assembly version.</summary>
        public string Version { get; }

        /// <summary>The file it was loaded from.</summary>
        public string Location { get; }
    }
}
