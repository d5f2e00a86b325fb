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
    /// from the module's folder. Only the engine is handed to the default context (when SmartEmail.dll asks for it), so
    /// nothing else of ours is visible there. This class is only touched on .NET: Windows PowerShell 5.1 has no
    /// System.Runtime.Loader.
    /// <para>
    /// Names the runtime provides as well (its trusted platform assemblies: the .NET runtime's and PowerShell's own, such
    /// as System.Text.Json, System.Memory, System.Security.Cryptography.Pkcs) come from the runtime when its copy's
    /// assembly version is at least that of ours, and from Dependencies/ otherwise. On .NET 10 (PowerShell 7.6) the runtime
    /// always wins: its copies are 10.0, ours are 10.0 or older netstandard2.0 packages (System.Memory 4.0.2, System.Text.Json
    /// 6.0). On .NET 8 and 9 (PowerShell 7.4 and 7.5) the runtime's System.Text.Encoding.CodePages, System.Formats.Asn1 and
    /// System.Security.Cryptography.Pkcs are 8.0 or 9.0, while the engine, MailKit and MimeKit were built against 10.0, which
    /// the runtime's copy cannot satisfy (the engine's start-up failed with FileNotFoundException for
    /// System.Text.Encoding.CodePages 10.0.0.0, so nothing worked): those three come from Dependencies/, into this context
    /// only. The choice is made once per name from the two files' versions, not per request (MSAL asks for
    /// System.Formats.Asn1 8.0, MailKit for 10.0), so each name is still served by one copy. A name we do not ship is the
    /// runtime's, as before; one we ship that the runtime lacks is ours.
    /// </para>
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
    /// here compares ReadyToRun formats, and no runtime gets a different IL than the one in <c>Dependencies/</c>.
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
            private readonly Dictionary<string, string> _runtimeAssemblies;
            private readonly Dictionary<string, bool> _runtimeCopyWins = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);

            public SmartEmailLoadContext(string folder, string? readyToRunFolder)
            {
                _folder = folder;
                _readyToRunFolder = readyToRunFolder;
                _runtimeAssemblies = RuntimeAssemblies();
            }

            protected override Assembly? Load(AssemblyName assemblyName)
            {
                var name = assemblyName.Name;
                if (string.IsNullOrEmpty(name))
                    return null;
                var ours = OurFile(name!);
                if (ours == null)
                    return null; // not ours: the runtime's copy, if it has one
                if (_runtimeAssemblies.TryGetValue(name!, out var runtimeFile) && RuntimeCopyWins(name!, runtimeFile, ours))
                    return null; // the runtime's own copy (System.Memory 10.0, not our netstandard2.0 shim)
                return LoadFromAssemblyPath(ours);
            }

            /// <summary>The file this context loads for a name: the ReadyToRun copy, else the IL one; null when we ship none.</summary>
            private string? OurFile(string name)
            {
                if (_readyToRunFolder != null)
                {
                    var precompiled = Path.Combine(_readyToRunFolder, name + ".dll");
                    if (File.Exists(precompiled))
                        return precompiled;
                }
                var path = Path.Combine(_folder, name + ".dll");
                return File.Exists(path) ? path : null;
            }

            /// <summary>
            /// Whether a name that both the runtime and Dependencies/ provide is served by the runtime: when its assembly
            /// version is at least ours (see the class remarks). Decided once per name, from the two files, so that every
            /// request for the name gets the same copy whatever version it asks for and in whatever order the requests come.
            /// </summary>
            private bool RuntimeCopyWins(string name, string runtimeFile, string ours)
            {
                lock (_runtimeCopyWins)
                {
                    if (!_runtimeCopyWins.TryGetValue(name, out var wins))
                    {
                        try
                        {
                            var runtimeVersion = AssemblyName.GetAssemblyName(runtimeFile).Version;
                            var ourVersion = AssemblyName.GetAssemblyName(ours).Version;
                            wins = runtimeVersion == null || ourVersion == null || runtimeVersion >= ourVersion;
                        }
                        catch (Exception e) when (e is IOException || e is BadImageFormatException || e is UnauthorizedAccessException)
                        {
                            wins = true; // unreadable: leave it to the runtime, as for any name it provides
                        }
                        _runtimeCopyWins[name] = wins;
                    }
                    return wins;
                }
            }

            /// <summary>The assemblies the host's runtime provides (the trusted platform assemblies), by simple name.</summary>
            private static Dictionary<string, string> RuntimeAssemblies()
            {
                var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
                {
                    foreach (var file in list.Split(Path.PathSeparator))
                    {
                        if (file.Length != 0)
                            files[Path.GetFileNameWithoutExtension(file)] = file;
                    }
                }
                return files;
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
