#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, documents, tests, packages, demonstrates and benchmarks SmartEmail.
.DESCRIPTION
    One entry point for developers and CI. Everything it produces goes under out/:
      Clean    removes out/.
      Build    publishes the C# projects and lays the module out in out/SmartEmail/<version>/ (the version comes
               from SmartEmail.psd1 alone): SmartEmail.psd1, SmartEmail.dll and the format file at the top, the engine
               and every third-party DLL in Dependencies/ (IL, for every host), ReadyToRun copies of the engine,
               MimeKit, MailKit and MSAL in Dependencies/<rid>/ for linux-x64, linux-arm64, osx-x64, osx-arm64 and
               win-x64 (crossgen2 via build/ReadyToRun; PowerShell 7 on .NET 10 loads them first and skips most of
               their JIT; about 30 s of the build), help in en-US/.
      Docs     turns docs/en-US/<Cmdlet>.md into the module's MAML help (build/help.ps1).
      Test     Build and Docs, then the xUnit engine tests and the Pester tests against the built module in a fresh
               pwsh (with tests/SmartEmail.SoakWorker, the soak's killed process, built into out/soak-worker, and
               tests/SmartEmail.LoaderHost, the module's loader on .NET 8, 9 and 10, published into out/loader-host), with
               the real mail servers of tests/services started and always stopped. Its last line is
               "N passed, N failed, N skipped"; it exits non-zero when anything failed.
      Package  a .nupkg of the built module in out/package (Compress-PSResource), for Install-PSResource.
      Demo     the main job on the bundled demo mailbox in docs/examples.
      Bench    the benchmarks; figures go to out/bench/: the rule engine (1,000 messages x 50 rules, in process), a
               5,000-message IMAP mailbox listed by SmartEmail, imapfilter, a bare IMAP client and a naive MailKit
               script, cold start (time, peak memory, split against a floor module, also IL only), the same three
               clients against a server 10 ms away (a latency proxy, 1,000 messages), and the scale benchmark
               (incremental runs on 1,000 and 100,000 messages in Maildir and in mdbox, the 100,000-message scan's
               memory, a 50 MiB attachment); docs/performance.md is
               rendered from them. It prints its total duration (about 10-13 minutes on 2 cores).
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    # One or more of Clean, Build, Docs, Test, Package, Demo, Bench ("Build,Docs" works under pwsh -File too).
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tests to run (files or folders: tests/Pester, the cmdlet tests; tests/services, the harness's own tests);
    # default all of them and the docs' examples.
    [string[]] $TestPath,

    # Skip the xUnit engine tests (quicker Pester iterations).
    [switch] $SkipEngineTests
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'SmartEmail.psd1')
$Version = $Manifest.ModuleVersion
$ModuleDir = Join-Path $Out "SmartEmail/$Version"
$ModuleManifest = Join-Path $ModuleDir 'SmartEmail.psd1'
$PesterVersion = '5.7.1'

function Invoke-Native {
    # Runs the native command in the script block and fails the build on a non-zero exit code.
    param([Parameter(Mandatory)] [scriptblock] $Command)
    Write-Verbose "> $Command"
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "'$Command' failed with exit code $LASTEXITCODE." }
}

function Invoke-Clean {
    if (Test-Path $Out) { Remove-Item $Out -Recurse -Force }
}

function Invoke-Build {
    $publish = Join-Path $Out "publish/$Configuration"
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    Invoke-Native { dotnet publish (Join-Path $Root 'src/SmartEmail/SmartEmail.csproj') -c $Configuration -o $publish --nologo -v quiet }
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    $deps = New-Item -ItemType Directory -Force (Join-Path $ModuleDir 'Dependencies')
    # The cmdlet assembly is the only one PowerShell loads directly; everything else is resolved privately.
    Copy-Item (Join-Path $publish 'SmartEmail.dll'), (Join-Path $publish 'SmartEmail.pdb') $ModuleDir
    Copy-Item (Join-Path $publish 'SmartEmail.Format.ps1xml') $ModuleDir
    Copy-Item (Join-Path $Root 'SmartEmail.psd1') $ModuleDir
    Get-ChildItem $publish -File | Where-Object { $_.Name -notlike 'SmartEmail.*' -or $_.Name -like 'SmartEmail.Engine.*' } |
        Where-Object Extension -in '.dll', '.pdb' | Copy-Item -Destination $deps
    $legacy = Join-Path $Root 'src/smartemail.ps1'
    if (Test-Path $legacy) { Copy-Item $legacy $ModuleDir }
    Invoke-ReadyToRun -Dependencies $deps.FullName
    Write-Host "Built SmartEmail $Version -> $ModuleDir"
}

function Test-ReadyToRunImage {
    # Whether a DLL carries ReadyToRun code (a managed native header), not only IL.
    param([Parameter(Mandatory)] [string] $Path)
    $stream = [IO.File]::OpenRead($Path)
    try {
        $reader = [Reflection.PortableExecutable.PEReader]::new($stream)
        $cor = $reader.PEHeaders.CorHeader
        $null -ne $cor -and $cor.ManagedNativeHeaderDirectory.Size -gt 0
    }
    finally { $stream.Dispose() }
}

function Invoke-ReadyToRun {
    # ReadyToRun copies of the IL in Dependencies/, one folder per RID (Dependencies/<rid>/). CoreClrLoader loads a DLL
    # from the folder of the running OS and architecture first, then from Dependencies/; a runtime that cannot use the
    # native code (older than .NET 10) runs their IL. build/ReadyToRun/SmartEmail.ReadyToRun.csproj names the DLLs;
    # its publish output holds them as ReadyToRun images and the rest unchanged (IL), so only the former are copied.
    param([Parameter(Mandatory)] [string] $Dependencies)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $project = Join-Path $Root 'build/ReadyToRun/SmartEmail.ReadyToRun.csproj'
    # The RIDs are the project's RuntimeIdentifiers (restored together); every other platform runs the IL.
    $rids = @((Select-Xml -Path $project -XPath '//RuntimeIdentifiers').Node.InnerText -split ';' | Where-Object { $_ })
    Invoke-Native { dotnet restore $project --nologo -v quiet }
    foreach ($rid in $rids) {
        $output = Join-Path $Out "r2r/$Configuration/$rid"
        if (Test-Path $output) { Remove-Item $output -Recurse -Force }
        Invoke-Native { dotnet publish $project -c $Configuration -r $rid --no-restore -o $output --nologo -v quiet "-p:ModuleDependencies=$Dependencies" }
        $images = @(Get-ChildItem $output -Filter *.dll | Where-Object { $_.BaseName -ne 'SmartEmail.ReadyToRun' -and (Test-ReadyToRunImage $_.FullName) })
        foreach ($name in 'SmartEmail.Engine', 'MimeKit', 'MailKit') {
            if ($name -notin $images.BaseName) { throw "crossgen2 made no ReadyToRun image of $name.dll for $rid." }
        }
        $target = New-Item -ItemType Directory -Force (Join-Path $Dependencies $rid)
        $images | Copy-Item -Destination $target
    }
    Write-Host ('ReadyToRun: {0} in {1:0.0} s' -f ($rids -join ', '), $clock.Elapsed.TotalSeconds)
}

function Invoke-Docs {
    if (-not (Test-Path $ModuleManifest)) { Invoke-Build }
    $converter = Join-Path $Root 'build/help.ps1'
    Invoke-Native { dotnet pwsh -NoProfile -NonInteractive -File $converter -ModulePath $ModuleDir -DocsPath (Join-Path $Root 'docs/en-US') -AboutPath (Join-Path $Root 'en-US') }
    Invoke-Native { dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build/about-ini.ps1') -ModulePath $ModuleDir }
}

function Invoke-Package {
    # A .nupkg that Install-PSResource and Install-Module accept, made by PSResourceGet (bundled with pwsh 7.4+).
    if (-not (Test-Path (Join-Path $ModuleDir 'en-US/SmartEmail.dll-Help.xml'))) { Invoke-Build; Invoke-Docs }
    $package = Join-Path $Out 'package'
    if (Test-Path $package) { Remove-Item $package -Recurse -Force }
    New-Item -ItemType Directory $package | Out-Null
    Compress-PSResource -Path $ModuleDir -DestinationPath $package -ErrorAction Stop
    $nupkg = Get-ChildItem $package -Filter *.nupkg | Select-Object -First 1
    if (-not $nupkg) { throw "Compress-PSResource wrote no package into $package." }
    Write-Host "Packaged $($nupkg.FullName)"
}

function Get-PesterModule {
    $tools = Join-Path $Root 'build/tools'
    $psd1 = Join-Path $tools "packages/pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        Invoke-Native { dotnet restore (Join-Path $tools 'tools.csproj') --nologo -v quiet }
    }
    if (-not (Test-Path $psd1)) { throw "Pester $PesterVersion was restored but $psd1 is missing." }
    $psd1
}

function Invoke-EngineTests {
    # Returns @{ Passed; Failed; Skipped } read from the TRX file, because dotnet test's summary line is not the
    # "N passed, N failed" form CI reads.
    $results = Join-Path $Out 'test-results'
    $trx = Join-Path $results 'engine.trx'
    if (Test-Path $trx) { Remove-Item $trx }
    & dotnet test (Join-Path $Root 'tests/SmartEmail.Engine.Tests/SmartEmail.Engine.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=engine.trx" --logger 'console;verbosity=minimal' --results-directory $results | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $trx)) { throw "dotnet test exited with $exit and wrote no results (build failure?)." }
    $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
    $counts = @{
        Passed  = [int]$counters.passed
        Failed  = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        Skipped = [int]$counters.notExecuted
    }
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }   # the run itself failed
    Write-Host "xUnit: $($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    $counts
}

function Invoke-SoakWorkerBuild {
    # tests/SmartEmail.SoakWorker, the process Invoke-SmartEmailRun.Soak.Tests.ps1 kills (the engine's run without pwsh's start-up).
    # Returns the path of its DLL.
    $project = Join-Path $Root 'tests/SmartEmail.SoakWorker/SmartEmail.SoakWorker.csproj'
    $output = Join-Path $Out "soak-worker/$Configuration"
    Invoke-Native { dotnet build $project -c $Configuration -o $output --nologo -v quiet | Out-Host }
    Join-Path $output 'SmartEmail.SoakWorker.dll'
}

function Invoke-LoaderHostBuild {
    # tests/SmartEmail.LoaderHost, published self-contained for this platform once per .NET that a PowerShell 7 runs on
    # (8: PowerShell 7.4, 9: 7.5, 10: 7.6) into out/loader-host/<tfm>; LoaderRuntimes.Tests.ps1 runs it against the built
    # module. Restore brings the .NET 8 and 9 runtime, reference and app host packs from the NuGet feed (about 100 MB,
    # once per machine; .NET 10's runtime pack is there for ReadyToRun anyway). A publish is reused while its stamp (the
    # host's sources, the repository's build settings, the SDK and the RID) matches: publishing all three takes about
    # 9 s, checking the stamp 0.1 s. Returns out/loader-host.
    $project = Join-Path $Root 'tests/SmartEmail.LoaderHost/SmartEmail.LoaderHost.csproj'
    $output = Join-Path $Out 'loader-host'
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $rid = "$os-$(([Runtime.InteropServices.RuntimeInformation]::OSArchitecture).ToString().ToLowerInvariant())"
    $inputs = @(Get-ChildItem (Split-Path $project) -File) + @('Directory.Build.props', 'Directory.Packages.props', 'global.json' | ForEach-Object { Get-Item (Join-Path $Root $_) })
    Push-Location $Root
    try { $sdk = dotnet --version } finally { Pop-Location }
    $text = (@($inputs | Sort-Object Name | ForEach-Object { "$($_.Name) $((Get-FileHash $_.FullName -Algorithm SHA256).Hash)" }) + "sdk $sdk" + "rid $rid") -join "`n"
    $stamp = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($text)))
    $frameworks = @((Select-Xml -Path $project -XPath '//TargetFrameworks').Node.InnerText -split ';' | Where-Object { $_ })
    $stale = @($frameworks | Where-Object {
            $file = Join-Path $output "$_/.stamp"
            -not (Test-Path $file) -or (Get-Content -Raw $file).Trim() -ne $stamp
        })
    if ($stale) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Invoke-Native { dotnet restore $project -r $rid --nologo -v quiet | Out-Host }
        foreach ($framework in $stale) {
            $target = Join-Path $output $framework
            if (Test-Path $target) { Remove-Item $target -Recurse -Force }
            Invoke-Native { dotnet publish $project -c $Configuration -f $framework -r $rid --self-contained --no-restore -o $target --nologo -v quiet | Out-Host }
            Set-Content -Path (Join-Path $target '.stamp') -Value $stamp
        }
        Write-Host ('Loader host: published {0} for {1} in {2:0.0} s' -f ($stale -join ', '), $rid, $clock.Elapsed.TotalSeconds)
    }
    $output
}

function Invoke-PesterTests {
    $pester = Get-PesterModule
    # Under /tmp, not out/: dovecot's unprivileged users must be able to reach it wherever the checkout lives.
    # SMARTEMAIL_TEST_ROOT and the SMARTEMAIL_TEST_*_PORT variables (see tests/services/services.sh) let two
    # test runs share one machine.
    $services = if ($env:SMARTEMAIL_TEST_ROOT) { $env:SMARTEMAIL_TEST_ROOT }
    else { Join-Path ([IO.Path]::GetTempPath()) 'smartemail-test-services' }
    $summary = Join-Path $Out 'test-results/pester-summary.json'
    New-Item -ItemType Directory -Force (Split-Path $summary) | Out-Null
    if (Test-Path $summary) { Remove-Item $summary }
    $servicesScript = Join-Path $Root 'tests/services/services.sh'
    $env:SMARTEMAIL_SOAK_WORKER = Invoke-SoakWorkerBuild
    $env:SMARTEMAIL_LOADER_HOST = Invoke-LoaderHostBuild
    try {
        Invoke-Native { bash $servicesScript start $services | Out-Host }
        $env:SMARTEMAIL_TEST_SERVICES = Join-Path $services 'services.json'
        $env:SMARTEMAIL_MODULE_PATH = $ModuleManifest
        $env:NO_COLOR = '1'
        $runner = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tests/Pester/Invoke-Tests.ps1'),
            '-PesterPath', $pester, '-SummaryPath', $summary, '-ResultPath', (Join-Path $Out 'test-results/pester.xml'))
        # The cmdlet tests, the harness's own tests beside the harness (tests/services), and the docs' example tests,
        # which must keep working for the admins who copy them.
        $paths = if ($TestPath) { $TestPath } else { @((Join-Path $Root 'tests/Pester'), (Join-Path $Root 'tests/services'), (Join-Path $Root 'docs/examples')) }
        $runner += @('-Path', ($paths -join ','))
        & dotnet pwsh @runner | Out-Host
    }
    finally {
        & bash $servicesScript stop $services | Out-Host
    }
    if (-not (Test-Path $summary)) { throw 'The Pester run ended without writing its summary.' }
    $s = Get-Content -Raw $summary | ConvertFrom-Json
    @{ Passed = [int]$s.Passed; Failed = [int]$s.Failed; Skipped = [int]$s.Skipped }
}

function Invoke-Test {
    Invoke-Build
    Invoke-Docs
    Invoke-Package
    $env:SMARTEMAIL_PACKAGE_PATH = Join-Path $Out 'package'
    $total = @{ Passed = 0; Failed = 0; Skipped = 0 }
    $parts = @()
    if (-not $SkipEngineTests) { $parts += , (Invoke-EngineTests) }
    $parts += , (Invoke-PesterTests)
    foreach ($p in $parts) { foreach ($k in @($total.Keys)) { $total[$k] += $p[$k] } }
    # CI reads this closing line; keep it last.
    "$($total.Passed) passed, $($total.Failed) failed, $($total.Skipped) skipped"
    if ($total.Failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $demo = Join-Path $Root 'docs/examples'
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $demo 'demo.ps1') -ModulePath $ModuleManifest -WorkPath (Join-Path $Out 'demo')
    if ($LASTEXITCODE -ne 0) { throw "The demo failed with exit code $LASTEXITCODE." }
}

$Tasks = @($Task -split ',' | ForEach-Object Trim | Where-Object { $_ })
$unknown = @($Tasks | Where-Object { $_ -notin 'Clean', 'Build', 'Docs', 'Test', 'Package', 'Demo', 'Bench' })
if ($unknown) { throw "Unknown task '$($unknown -join "', '")': use Clean, Build, Docs, Test, Package, Demo or Bench." }
function Invoke-Bench {
    # Figures are recorded, never asserted. The mailbox and whole-process benchmarks against imapfilter join here.
    $benchClock = [System.Diagnostics.Stopwatch]::StartNew()
    $results = Join-Path $Out 'bench'
    New-Item -ItemType Directory -Force $results | Out-Null
    Invoke-Native { dotnet run --project (Join-Path $Root 'tests/bench/SmartEmail.Bench/SmartEmail.Bench.csproj') -c Release -- (Join-Path $results 'rules.json') | Out-Host }
    # The 5,000-message mailbox, whole process and in process, next to imapfilter on the same mailbox (own servers).
    Invoke-Build
    Invoke-Native { dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/bench/Mailbox.Bench.ps1') -ModulePath $ModuleManifest -OutputPath (Join-Path $results 'mailbox.json') | Out-Host }
    # Incremental runs on 1,000 and 100,000 messages, the full scan's memory at 100,000, a 50 MiB attachment.
    Invoke-Native { dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/bench/Scale.Bench.ps1') -ModulePath $ModuleManifest -OutputPath (Join-Path $results 'scale.json') | Out-Host }
    # The record: docs/performance.md, rendered from the figures just measured.
    $seconds = [Math]::Round($benchClock.Elapsed.TotalSeconds)
    Invoke-Native { dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/bench/Write-PerformanceReport.ps1') -BenchPath $results -OutputPath (Join-Path $Root 'docs/performance.md') -BenchSeconds $seconds | Out-Host }
    Write-Host ('Bench took {0:0} min {1:00} s in all (target: under 15 min).' -f [Math]::Floor($benchClock.Elapsed.TotalSeconds / 60), [Math]::Floor($benchClock.Elapsed.TotalSeconds % 60))
}

foreach ($t in $Tasks) {
    switch ($t) {
        'Clean' { Invoke-Clean }
        'Build' { Invoke-Build }
        'Docs' { Invoke-Docs }
        'Test' { Invoke-Test }
        'Package' { Invoke-Package }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
    }
}
