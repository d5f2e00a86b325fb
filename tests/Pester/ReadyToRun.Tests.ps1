# The ReadyToRun copies of the dependencies (build.ps1 Invoke-ReadyToRun, CoreClrLoader): what the build lays out, that
# PowerShell 7 loads them and runs their precompiled code, and that the IL in Dependencies/ still serves when they are
# missing.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-ModuleUnderTest
    $ModuleRoot = Split-Path $ModulePath
    $Dependencies = Join-Path $ModuleRoot 'Dependencies'
    $Precompiled = 'SmartEmail.Engine', 'MimeKit', 'MailKit', 'Microsoft.Identity.Client'
    $Demo = Join-Path (Get-RepoRoot) 'docs/examples'

    function Get-PeFacts([string] $Path) {
        $stream = [IO.File]::OpenRead($Path)
        try {
            $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
            $metadata = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            [pscustomobject]@{
                ReadyToRun = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0
                Machine    = [int] $pe.PEHeaders.CoffHeader.Machine
                Mvid       = $metadata.GetGuid($metadata.GetModuleDefinition().Mvid)
                FullName   = [Reflection.AssemblyName]::GetAssemblyName($Path).FullName
            }
        }
        finally { $stream.Dispose() }
    }

    # The child's run worked, and each precompiled library was loaded once, privately, from $Folder.
    function Assert-RanFrom($Run, [string] $Folder) {
        $Run.Output | Should -Contain 'messages=5'
        $Run.Output | Should -Contain 'configuration=True'
        $Run.Output | Should -Contain 'probe=3'
        foreach ($name in $Precompiled) {
            $Run.Loaded[$name] | Should -HaveCount 1 -Because "$name must be loaded exactly once"
            $Run.Loaded[$name].Private | Should -BeTrue
            $Run.Loaded[$name].Location | Should -Be (Join-Path $Folder "$name.dll")
        }
    }

    # The folder CoreClrLoader picks for this process (OS and process architecture).
    $os = if ($IsWindows) { 'win' } elseif ($IsLinux) { 'linux' } elseif ($IsMacOS) { 'osx' } else { 'none' }
    $arch = ([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture).ToString().ToLowerInvariant()
    $Rid = "$os-$arch"

    # Runs in a fresh pwsh: imports the module, counts the methods the runtime took from ReadyToRun code (by top-level
    # namespace), uses every precompiled library (the demo mailbox, the demo INI, and DependencyReport.Probe for MailKit
    # and MSAL) and reports where each of our assemblies was loaded from.
    $script:Child = @'
param($Module, $Demo)
$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @"
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
public sealed class ReadyToRunMethodCounter : EventListener
{
    public readonly ConcurrentDictionary<string, int> ByNamespace = new ConcurrentDictionary<string, int>();
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x2000000000); // CompilationDiagnostic: R2RGetEntryPoint
    }
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName != "R2RGetEntryPoint" || e.Payload == null || e.PayloadNames == null) return;
        int i = e.PayloadNames.IndexOf("MethodNamespace");
        string ns = i >= 0 ? e.Payload[i] as string : null;
        if (string.IsNullOrEmpty(ns)) return;
        // A generic method instantiated over framework types (Optional<bool>) may take its code from an image of the
        // framework's that holds that instantiation, whatever images of ours there are: counted apart.
        int s = e.PayloadNames.IndexOf("MethodSignature");
        var generic = s >= 0 && e.Payload[s] is string sig && sig.Contains("generic");
        ByNamespace.AddOrUpdate(ns.Split('.')[0] + (generic ? "/generic" : ""), 1, (k, v) => v + 1);
    }
}
"@
$counter = [ReadyToRunMethodCounter]::new()
Import-Module $Module
"messages=$(@(Get-SmartEmailMessage -MessagePath (Join-Path $Demo 'mailbox')).Count)"
"configuration=$(Test-SmartEmailConfiguration -Path (Join-Path $Demo 'SMArtEmail.ini'))"
$engine = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' })
"probe=$(@($engine[0].GetType('SmartEmail.Diagnostics.DependencyReport').GetMethod('Probe').Invoke($null, @())).Count)"
foreach ($name in 'SmartEmail.Engine', 'MimeKit', 'MailKit', 'Microsoft.Identity.Client') {
    foreach ($a in @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $name })) {
        $context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a)
        "loaded=$name|$($a.Location)|$($context -ne [Runtime.Loader.AssemblyLoadContext]::Default)"
    }
}
# The runtime hands the events over asynchronously (the framework's own ReadyToRun code sends them too): wait, at most
# 10 s, until they have stopped coming.
$deadline = [DateTime]::UtcNow.AddSeconds(10)
$seen = -1; $still = 0
while ($still -lt 2 -and [DateTime]::UtcNow -lt $deadline) {
    Start-Sleep -Milliseconds 250
    $total = ($counter.ByNamespace.Values | Measure-Object -Sum).Sum
    if ($total -gt 0 -and $total -eq $seen) { $still++ } else { $still = 0 }
    $seen = $total
}
foreach ($ns in 'SmartEmail', 'MimeKit', 'MailKit', 'Microsoft') { "r2r=$ns=$($counter.ByNamespace[$ns] + 0)"; "r2r=$ns/generic=$($counter.ByNamespace["$ns/generic"] + 0)" }
'@

    function Invoke-Child([string] $Module) {
        $result = Invoke-FreshPwsh -Script $script:Child -ArgumentList $Module, $Demo
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $loaded = @{}
        foreach ($line in $result.Output | Where-Object { $_ -like 'loaded=*' }) {
            $name, $location, $private = $line.Substring(7) -split '\|'
            if (-not $loaded.ContainsKey($name)) { $loaded[$name] = [Collections.Generic.List[object]]::new() }
            $loaded[$name].Add([pscustomobject]@{ Location = $location; Private = $private -eq 'True' })
        }
        $r2r = @{}
        foreach ($line in $result.Output | Where-Object { $_ -like 'r2r=*' }) {
            $ns, $count = $line.Substring(4) -split '='
            $r2r[$ns] = [int] $count
        }
        [pscustomobject]@{ Output = $result.Output; Loaded = $loaded; ReadyToRunMethods = $r2r }
    }

    # A copy of the built module (the build output stays untouched) with a part of its ReadyToRun layout removed.
    function New-ModuleCopy([string] $Name, [scriptblock] $Change) {
        $copy = Join-Path $TestDrive "$Name/SmartEmail/$(Split-Path $ModuleRoot -Leaf)"
        New-Item -ItemType Directory -Force $copy | Out-Null
        Copy-Item (Join-Path $ModuleRoot '*') $copy -Recurse
        & $Change (Join-Path $copy 'Dependencies')
        Join-Path $copy 'SmartEmail.psd1'
    }
}

Describe 'ReadyToRun copies of the dependencies' {
    It 'are laid out for <_>: the IL of Dependencies/ plus native code for that platform' -ForEach @(
        'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64', 'win-x64'
    ) {
        $rid = $_
        # A ReadyToRun image's COFF machine is the architecture's, XOR-ed with a mark for the OS (none for Windows).
        $cpu = @{ x64 = 0x8664; arm64 = 0xAA64 }[($rid -split '-')[1]]
        $mark = @{ win = 0; linux = 0x7B79; osx = 0x4644 }[($rid -split '-')[0]]
        $folder = Join-Path $Dependencies $rid
        @(Get-ChildItem $folder -File | ForEach-Object BaseName | Sort-Object) | Should -Be @($Precompiled | Sort-Object)
        foreach ($name in $Precompiled) {
            $image = Get-PeFacts (Join-Path $folder "$name.dll")
            $il = Get-PeFacts (Join-Path $Dependencies "$name.dll")
            $image.ReadyToRun | Should -BeTrue -Because "$rid/$name.dll must carry precompiled code"
            $image.Machine | Should -Be ($cpu -bxor $mark) -Because "$rid/$name.dll must be compiled for $rid"
            $il.ReadyToRun | Should -BeFalse -Because "Dependencies/$name.dll stays IL for every other host"
            $image.FullName | Should -Be $il.FullName
            $image.Mvid | Should -Be $il.Mvid -Because 'the ReadyToRun image is compiled from the very IL that ships beside it'
        }
    }

    It 'are what PowerShell 7 loads on this platform, once each, privately, and their precompiled code runs' {
        if (-not (Test-Path (Join-Path $Dependencies $Rid))) { Set-ItResult -Skipped -Because "the build makes no ReadyToRun folder for $Rid"; return }
        $run = Invoke-Child $ModulePath
        Assert-RanFrom $run (Join-Path $Dependencies $Rid)
        foreach ($name in $Precompiled) { (Get-PeFacts $run.Loaded[$name].Location).ReadyToRun | Should -BeTrue }
        # The runtime took these methods from the images instead of compiling them: their code is used, not only loaded.
        foreach ($ns in 'SmartEmail', 'MimeKit', 'MailKit') {
            $run.ReadyToRunMethods[$ns] | Should -BeGreaterThan 0 -Because "$ns methods must run from ReadyToRun code ($($run.Output -join '; '))"
        }
    }

    It 'are not needed: without any platform folder the module runs the IL of Dependencies/' {
        $module = New-ModuleCopy 'no-r2r' { param($deps) Get-ChildItem $deps -Directory | Remove-Item -Recurse -Force }
        $deps = Join-Path (Split-Path $module) 'Dependencies'
        $run = Invoke-Child $module
        Assert-RanFrom $run $deps
        foreach ($ns in 'SmartEmail', 'MimeKit', 'MailKit') { $run.ReadyToRunMethods[$ns] | Should -Be 0 }
    }

    It 'fall back one DLL at a time: a DLL missing from the platform folder comes from Dependencies/' {
        if (-not (Test-Path (Join-Path $Dependencies $Rid))) { Set-ItResult -Skipped -Because "the build makes no ReadyToRun folder for $Rid"; return }
        $module = New-ModuleCopy 'partial' { param($deps) Remove-Item (Join-Path $deps "$Rid/MimeKit.dll") }
        $deps = Join-Path (Split-Path $module) 'Dependencies'
        $run = Invoke-Child $module
        $run.Output | Should -Contain 'messages=5'
        $run.Output | Should -Contain 'probe=3'
        $run.Loaded['MimeKit'] | Should -HaveCount 1
        $run.Loaded['MimeKit'].Location | Should -Be (Join-Path $deps 'MimeKit.dll')
        foreach ($name in 'SmartEmail.Engine', 'MailKit', 'Microsoft.Identity.Client') {
            $run.Loaded[$name] | Should -HaveCount 1
            $run.Loaded[$name].Location | Should -Be (Join-Path $deps "$Rid/$name.dll")
        }
        $run.ReadyToRunMethods['MimeKit'] | Should -Be 0
        $run.ReadyToRunMethods['MailKit'] | Should -BeGreaterThan 0
    }
}
