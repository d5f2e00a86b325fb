using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Threading;

// SmartEmail.LoaderHost <module folder> <demo folder> <work folder> <message file or folder>...
//
// Loads the built module as PowerShell 7 does, on whatever .NET this host was published for, and uses the engine on
// every path that pulls in a dependency: the message files, and the demo's SMArtEmail.ini and mailbox (docs/examples),
// copied into the work folder (created; it must not exist yet) and run there as Invoke-SmartEmailRun runs them. Each step prints "step=<name>|ok|<detail>" or "step=<name>|failed|<error>";
// a failed step does not stop the others, so one run names every assembly that cannot be loaded ("unloadable=<name>").
// Then "message=<file>|<subject>|<sender name>" per message read, "tpa=<name>|<version>" for each name the module ships
// in Dependencies/ that the runtime also provides, and "assembly=<name>|<version>|<context>|<location>" for every
// assembly in the process (context: default, or private for the engine's). Exit code 0 when every step passed.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: SmartEmail.LoaderHost <module folder> <demo folder> <work folder> <message file or folder>...");
    return 64;
}
var module = Path.GetFullPath(args[0]);
var demo = Path.GetFullPath(args[1]);
var work = Path.GetFullPath(args[2]);
var messagePaths = args.Skip(3).Select(Path.GetFullPath).ToArray();
if (Directory.Exists(work))
{
    Console.Error.WriteLine($"The work folder '{work}' exists already.");
    return 64;
}
Directory.CreateDirectory(Path.Combine(work, "out", "MSGIN"));   // MSGIN must exist: SmartEmail never creates it
Directory.CreateDirectory(Path.Combine(work, "mailbox"));
File.Copy(Path.Combine(demo, "SMArtEmail.ini"), Path.Combine(work, "SMArtEmail.ini"));
foreach (var file in Directory.GetFiles(Path.Combine(demo, "mailbox")))
    File.Copy(file, Path.Combine(work, "mailbox", Path.GetFileName(file)));
var dependencies = Path.Combine(module, "Dependencies");
var failed = 0;
var unloadable = new SortedSet<string>(StringComparer.Ordinal);
Assembly? engine = null;

Console.WriteLine($"runtime={RuntimeInformation.FrameworkDescription}");
// Load failures that a library catches itself (and then works around, or reports as something else) count too.
AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
{
    var name = (e.Exception as FileLoadException)?.FileName ?? (e.Exception as FileNotFoundException)?.FileName;
    if (name != null && name.Contains("Version=", StringComparison.Ordinal))
    {
        lock (unloadable)
            unloadable.Add(name);
    }
};

void Step(string name, Func<string> action)
{
    try
    {
        Console.WriteLine($"step={name}|ok|{action()}");
    }
    catch (Exception e)
    {
        failed++;
        var chain = new List<string>();
        for (var x = e; x != null; x = x.InnerException)
        {
            if (x is TargetInvocationException)
                continue;
            chain.Add($"{x.GetType().FullName}: {x.Message}".Replace('\n', ' ').Replace('\r', ' '));
        }
        Console.WriteLine($"step={name}|failed|{string.Join(" ---> ", chain)}");
    }
}

Type EngineType(string name) => engine?.GetType(name, throwOnError: true) ?? throw new InvalidOperationException("The engine was not loaded.");
object? Call(Type type, string method, params object?[] arguments) =>
    type.GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m => m.Name == method && m.GetParameters().Length == arguments.Length)
        .Invoke(null, arguments);
object? Get(object target, string property) => target.GetType().GetProperty(property)!.GetValue(target);

// PowerShell loads a binary module's DLL into the default context (Assembly.LoadFrom) and runs its
// IModuleAssemblyInitializer, which on .NET calls CoreClrLoader.Register(<module>/Dependencies). CoreClrLoader touches
// no System.Management.Automation type, so it runs here without PowerShell.
Step("register", () =>
{
    var smartEmail = Assembly.LoadFrom(Path.Combine(module, "SmartEmail.dll"));
    var loader = smartEmail.GetType("SmartEmail.CoreClrLoader", throwOnError: true)!;
    loader.GetMethod("Register", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, new object[] { dependencies });
    var automation = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "System.Management.Automation");
    return "System.Management.Automation " + (automation ? "loaded" : "not loaded");
});

// What SmartEmail.dll's cmdlets do when they first touch an engine type: the default context asks for the engine and
// CoreClrLoader's Resolving handler answers with the private context's copy.
Step("engine", () =>
{
    engine = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("SmartEmail.Engine"));
    return engine.GetName().Version + " in " + (AssemblyLoadContext.GetLoadContext(engine) == AssemblyLoadContext.Default ? "default" : "private") + " context";
});

// Get-SmartEmailMessage -MessagePath: MimeKit's parser, encoded headers in code-page charsets (Windows-1252 needs the
// code-page encodings the engine registers when it starts).
Step("messages", () =>
{
    var reader = EngineType("SmartEmail.Mail.MessageFileReader");
    var count = 0;
    foreach (var path in messagePaths)
    {
        var files = Directory.Exists(path) ? (IEnumerable<string>)Call(reader, "ListFolder", path, false)! : new[] { path };
        foreach (var file in files)
        {
            foreach (var message in (System.Collections.IEnumerable)Call(reader, "ReadFile", file, CancellationToken.None)!)
            {
                Console.WriteLine($"message={Path.GetFileName(file)}|{Get(message, "Subject")}|{Get(message, "FromName")}");
                count++;
            }
        }
    }
    return count + " messages";
});

// Test-SmartEmailConfiguration / every cmdlet with -Path: the INI reader.
var ini = Path.Combine(work, "SMArtEmail.ini");
Step("configuration", () =>
{
    var configuration = Call(EngineType("SmartEmail.Ini.ConfigurationReader"), "Load", ini)!;
    var findings = (Array)Get(configuration, "Findings")!;
    return $"{((Array)Get(configuration, "Rules")!).Length} rules, {findings.Length} findings";
});

// Set-SmartEmailCredential and every INI secret: AES-256-GCM (BouncyCastle) with a key file outside Windows.
Step("secrets", () =>
{
    var secrets = EngineType("SmartEmail.Secrets");
    secrets.GetProperty("KeyFileOverride")!.SetValue(null, Path.Combine(work, "secret.key"));
    var scope = Enum.Parse(EngineType("SmartEmail.SecretScope"), "CurrentUser");
    var stored = (string)Call(secrets, "Protect", "demo-token €", scope)!;
    var plain = (string)Call(secrets, "Unprotect", stored)!;
    if (plain != "demo-token €")
        throw new InvalidOperationException($"Unprotect returned '{plain}'.");
    return stored.Substring(0, stored.IndexOf(':', 4) + 1) + "... round-trips";
});

// Invoke-SmartEmailRun: the INI's folder mailbox, the rules, event files in MSGIN, the audit logs and the run state
// (JSON), as the cmdlet composes it.
Step("run", () =>
{
    var configuration = Call(EngineType("SmartEmail.Ini.ConfigurationReader"), "Load", ini)!;
    var options = Activator.CreateInstance(EngineType("SmartEmail.Run.RunOptions"))!;
    options.GetType().GetProperty("OpConCredential")!.SetValue(options, new NetworkCredential("demo", "demo-token"));
    var log = EngineType("SmartEmail.NullEngineLog").GetField("Instance")!.GetValue(null);
    var run = Activator.CreateInstance(EngineType("SmartEmail.Run.SmartEmailRun"), configuration, options, log)!;
    var result = run.GetType().GetMethod("Execute")!.Invoke(run, new object[] { CancellationToken.None })!;
    var errors = (string[])Get(result, "Errors")!;
    if (errors.Length != 0)
        throw new InvalidOperationException("The run failed: " + string.Join("; ", errors));
    var state = (string)Get(run, "StatePath")!;
    return $"{Get(result, "Scanned")} scanned, {Get(result, "Accepted")} accepted, {Get(result, "EventsSubmitted")} events, exit code {Get(result, "ExitCode")}, state {new FileInfo(state).Length} bytes";
});

// Get-SmartEmailMessage -Server against a server whose certificate was issued for another name: MailKit lists the
// certificate's DNS names in its SslHandshakeException, read with System.Formats.Asn1 (10.0), and the engine turns that
// into its Certificate error. The server is this process, on the loopback interface, with a fresh self-signed
// certificate for "localhost" while the client asks for 127.0.0.1; it only does the TLS handshake (the client gives
// up during it).
Step("tls", () =>
{
    using var key = System.Security.Cryptography.RSA.Create(2048);
    var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key,
        System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
    var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
    names.AddDnsName("localhost");
    request.CertificateExtensions.Add(names.Build());
    using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var server = System.Threading.Tasks.Task.Run(async () =>
    {
        try
        {
            using var client = await listener.AcceptTcpClientAsync();
            using var tls = new System.Net.Security.SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(certificate).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            // The client refuses the certificate and closes the connection: expected.
        }
    });
    try
    {
        var settings = Activator.CreateInstance(EngineType("SmartEmail.Mail.MailboxSettings"))!;
        void Set(string property, object? value) => settings.GetType().GetProperty(property)!.SetValue(settings, value);
        Set("Server", "127.0.0.1");
        Set("Port", ((IPEndPoint)listener.LocalEndpoint).Port);
        Set("TlsMode", Enum.Parse(EngineType("SmartEmail.Mail.TlsMode"), "Implicit"));
        Set("Credential", new NetworkCredential("user", "password"));
        Set("Timeout", TimeSpan.FromSeconds(20));
        Set("Retries", 0);
        using var source = (IDisposable)Call(EngineType("SmartEmail.Mail.MailSource"), "Create", settings, null)!;
        var options = Activator.CreateInstance(EngineType("SmartEmail.Mail.ReadOptions"))!;
        try
        {
            var read = (System.Collections.IEnumerable)source.GetType().GetMethod("Read")!.Invoke(source, new object[] { options, CancellationToken.None })!;
            foreach (var _ in read)
                break;
        }
        catch (Exception e) when ((e is TargetInvocationException ? e.InnerException : e)?.GetType().FullName == "SmartEmail.Mail.MailboxException")
        {
            var error = e is TargetInvocationException ? e.InnerException! : e;
            var kind = Get(error, "Kind")!.ToString();
            if (kind != "Certificate" || !error.Message.Contains("issued for another name", StringComparison.Ordinal))
                throw;
            return $"refused as expected ({kind}: {error.Message.Split('(')[0].Trim()})";
        }
        throw new InvalidOperationException("The engine accepted an untrusted certificate.");
    }
    finally
    {
        listener.Stop();
        server.Wait(TimeSpan.FromSeconds(30));
    }
});

// Request-SmartEmailToken and OAuth mailboxes: MSAL (System.Text.Json, DiagnosticSource, ...), without the network.
Step("probe", () =>
{
    var probed = (System.Collections.IEnumerable)Call(EngineType("SmartEmail.Diagnostics.DependencyReport"), "Probe")!;
    return string.Join(", ", probed.Cast<object>().Select(d => $"{Get(d, "Name")} {Get(d, "Version")}"));
});

foreach (var name in unloadable)
    Console.WriteLine($"unloadable={name}");

foreach (var file in ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty).Split(Path.PathSeparator))
{
    if (file.Length != 0 && File.Exists(Path.Combine(dependencies, Path.GetFileName(file))))
        Console.WriteLine($"tpa={Path.GetFileNameWithoutExtension(file)}|{AssemblyName.GetAssemblyName(file).Version}");
}

var privateContext = engine == null ? null : AssemblyLoadContext.GetLoadContext(engine);
foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().OrderBy(a => a.GetName().Name, StringComparer.Ordinal))
{
    var context = AssemblyLoadContext.GetLoadContext(assembly);
    var where = context == AssemblyLoadContext.Default ? "default" : context == privateContext ? "private" : context?.Name ?? "other";
    var name = assembly.GetName();
    Console.WriteLine($"assembly={name.Name}|{name.Version}|{where}|{assembly.Location}");
}
return failed == 0 ? 0 : 1;
