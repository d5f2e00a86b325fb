using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
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
    /// <para>
    /// ReadyToRun: the build puts precompiled copies of the engine, MimeKit, MailKit and MSAL in
    /// <c>Dependencies/&lt;rid&gt;/</c> (linux-x64, linux-arm64, osx-x64, osx-arm64, win-x64), and a DLL found there is
    /// loaded instead of the IL one in <c>Dependencies/</c>, saving most of its JIT (about 0.4 s on a first IMAP
    /// listing). The folder is named from the OS and process architecture, not from RuntimeInformation.RuntimeIdentifier:
    /// a distribution's own build of .NET may report a RID such as "ubuntu.24.04-x64", Alpine's "linux-musl-x64", and both
    /// run linux-x64 ReadyToRun code (it calls into the runtime, never into libc). A DLL missing from that folder, and
    /// every DLL on a platform without one (win-x86, FreeBSD), comes from <c>Dependencies/</c>. Either way each name is
    /// loaded once, from one file, into this one context.
    /// </para>
    /// <para>
    /// The images were compiled by .NET 10's crossgen2 for .NET 10 (ReadyToRun format 16). They are the same IL and
    /// metadata as the copies in <c>Dependencies/</c> with native code added, so they are loaded on every PowerShell 7
    /// and the runtime decides whether to use the native code: .NET 8 (PowerShell 7.4, format 9) and .NET 9 (PowerShell 7.5,
    /// format 10) ignore the native code of an image whose format is newer than theirs and JIT its IL, exactly as for the
    /// IL copy (checked with the 8.0.31 and 9.0.20 runtimes: same result, same number of methods JIT-compiled, no
    /// ReadyToRun method used). Later runtimes accept older formats, as they do for any ReadyToRun library. Nothing
    /// here needs to compare versions, and no runtime gets a different IL than the one in <c>Dependencies/</c>.
    /// </para>
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
                _context ??= new SmartEmailLoadContext(folder, ReadyToRunFolder(folder));
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

        /// <summary>
        /// <c>Dependencies/&lt;os&gt;-&lt;arch&gt;</c> for this process when the build made one (see the class remarks), else null.
        /// </summary>
        internal static string? ReadyToRunFolder(string folder)
        {
            string os;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                os = "win";
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                os = "linux";
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                os = "osx";
            else
                return null;
            string arch;
            switch (RuntimeInformation.ProcessArchitecture)
            {
                case Architecture.X64: arch = "x64"; break;
                case Architecture.Arm64: arch = "arm64"; break;
                default: return null;
            }
            var path = Path.Combine(folder, os + "-" + arch);
            return Directory.Exists(path) ? path : null;
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
            private readonly string? _readyToRunFolder;
            private readonly HashSet<string> _runtimeAssemblies;

            public SmartEmailLoadContext(string folder, string? readyToRunFolder)
            {
                _folder = folder;
                _readyToRunFolder = readyToRunFolder;
                _runtimeAssemblies = RuntimeAssemblyNames();
            }

            protected override Assembly? Load(AssemblyName assemblyName)
            {
                var name = assemblyName.Name;
                if (string.IsNullOrEmpty(name) || _runtimeAssemblies.Contains(name!))
                    return null; // the runtime's own copy (System.Memory 10.0, not our netstandard2.0 shim)
                if (_readyToRunFolder != null)
                {
                    var precompiled = Path.Combine(_readyToRunFolder, name + ".dll");
                    if (File.Exists(precompiled))
                        return LoadFromAssemblyPath(precompiled);
                }
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
