using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace SmartEmail
{
    /// <summary>
    /// Loads the engine and every third-party assembly from the module's <c>Dependencies</c> folder, privately, so that
    /// other modules in the same session (PSResourceGet ships MSAL 4.73.1, for one) cannot break SmartEmail, nor it them.
    /// PowerShell runs <see cref="OnImport"/> when the module is imported and <see cref="OnRemove"/> when it is removed.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>The folder beside SmartEmail.dll that holds the engine and its dependencies.</summary>
        internal static string DependencyFolder { get; } =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "Dependencies");

        /// <summary>Whether this process runs on .NET (PowerShell 7) rather than .NET Framework (Windows PowerShell 5.1).</summary>
        internal static bool IsCoreClr { get; } = typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";

        /// <inheritdoc/>
        public void OnImport()
        {
            if (IsCoreClr)
                CoreClrLoader.Register(DependencyFolder);
            else
                FrameworkLoader.Register(DependencyFolder);
        }

        /// <inheritdoc/>
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (IsCoreClr)
                CoreClrLoader.Unregister();
            else
                FrameworkLoader.Unregister();
        }
    }

    /// <summary>
    /// PowerShell 7: the engine is loaded into a private <see cref="AssemblyLoadContext"/> that resolves its dependencies
    /// from the module's folder; assemblies of the .NET runtime itself still come from the runtime. Only the engine is
    /// handed to the default context (when SmartEmail.dll asks for it), so nothing else of ours is visible there.
    /// This class is only touched on .NET: Windows PowerShell 5.1 has no System.Runtime.Loader.
    /// </summary>
    internal static class CoreClrLoader
    {
        private const string EngineName = "SmartEmail.Engine";
        private static readonly object Gate = new object();
        private static SmartEmailLoadContext? _context;
        private static bool _registered;

        public static void Register(string folder)
        {
            lock (Gate)
            {
                if (_registered)
                    return;
                _context ??= new SmartEmailLoadContext(folder);
                AssemblyLoadContext.Default.Resolving += ResolveEngine;
                _registered = true;
            }
        }

        public static void Unregister()
        {
            lock (Gate)
            {
                // The context stays: assemblies cannot be unloaded from a non-collectible context, and a re-import
                // must get the same engine back rather than a second copy.
                AssemblyLoadContext.Default.Resolving -= ResolveEngine;
                _registered = false;
            }
        }

        private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name)
        {
            if (!string.Equals(name.Name, EngineName, StringComparison.Ordinal))
                return null;
            return _context?.LoadFromAssemblyName(name);
        }

        private sealed class SmartEmailLoadContext : AssemblyLoadContext
        {
            private readonly string _folder;
            private readonly HashSet<string> _runtimeAssemblies;

            public SmartEmailLoadContext(string folder)
            {
                _folder = folder;
                _runtimeAssemblies = RuntimeAssemblyNames();
            }

            protected override Assembly? Load(AssemblyName assemblyName)
            {
                var name = assemblyName.Name;
                if (string.IsNullOrEmpty(name) || _runtimeAssemblies.Contains(name!))
                    return null; // the runtime's own copy (System.Memory 10.0, not our netstandard2.0 shim)
                var path = Path.Combine(_folder, name + ".dll");
                return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
            }

            /// <summary>The simple names of the assemblies the host's runtime provides (the trusted platform assemblies).</summary>
            private static HashSet<string> RuntimeAssemblyNames()
            {
                var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
                {
                    foreach (var file in list.Split(Path.PathSeparator))
                    {
                        if (file.Length != 0)
                            names.Add(Path.GetFileNameWithoutExtension(file));
                    }
                }
                return names;
            }
        }
    }

    /// <summary>
    /// Windows PowerShell 5.1 (.NET Framework) has one load context and no binding redirects for modules. The
    /// netstandard2.0 dependencies ask for versions that differ from the files shipped (System.Memory 4.0.1.x against
    /// 4.0.2.0, System.Threading.Tasks.Extensions 4.2.0.1 against 4.2.1.0, System.Formats.Asn1 8.0 against 10.0), so this
    /// handler answers any request for an assembly that the Dependencies folder holds with that file, whatever version
    /// was asked for. It cannot run on the Linux machines this project is built on; keep it this small.
    /// </summary>
    internal static class FrameworkLoader
    {
        private static readonly object Gate = new object();
        private static string _folder = string.Empty;
        private static bool _registered;

        public static void Register(string folder)
        {
            lock (Gate)
            {
                if (_registered)
                    return;
                _folder = folder;
                AppDomain.CurrentDomain.AssemblyResolve += Resolve;
                _registered = true;
            }
        }

        public static void Unregister()
        {
            lock (Gate)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
                _registered = false;
            }
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            var path = Path.Combine(_folder, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }
    }
}
