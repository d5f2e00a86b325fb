#Requires -Version 7.2
<#
.SYNOPSIS
    Mailbox benchmark: SmartEmail against imapfilter, counting the messages of a 5,000-message IMAP INBOX whose
    Subject matches a regex, over implicit TLS on loopback.

.DESCRIPTION
    Starts a private instance of the test mail servers (tests/services/services.sh) under a fresh temporary root and
    on its own ports (so it never touches the shared instance), writes -MessageCount realistic job-notification messages (2–-MaxKiB KiB, 10% with attachments, 5% HTML only)
    straight into one user's Maildir (1% of them match -SubjectRegex, a few more are near misses), and measures,
    after one warm-up run each, -Runs runs of:

      pwshStartup          `dotnet pwsh -NoProfile -c 0`: PowerShell start-up alone, to attribute the whole-process figure
      smartEmailProcess    `dotnet pwsh -NoProfile -c "Import-Module …; (Get-SmartEmailMessage … | Where-Object Subject -match '…').Count"`
      smartEmailRunProcess `dotnet pwsh -NoProfile -c "Import-Module …; (Invoke-SmartEmailRun -Path <20-rule INI> -WhatIf).Accepted"`:
                           workload 1 as the issue sets it (what smartemail.ps1 runs, as a dry run)
      imapfilterProcess    `imapfilter -t cert.pem -c tests/bench/imapfilter-count.lua` (match_subject with the same regex)
      smartEmailInProcess  one pwsh process, module imported once: -Runs timed listings (+ one warm-up), each split
                           into the listing alone and the Where-Object filter alone
      pwshExit             `dotnet pwsh -NoProfile -c exit`: the baseline of the cold start
      bareListingProcess   tests/bench/imap-listing.py: Python's imaplib doing only the IMAP work of the listing (the same
                           SEARCH and two FETCH per batch): the server's share, for the floor of the loopback ratio
      coldStartFloor       `Import-Module <floor module>; Get-BenchFloor` (New-FloorModule): what PowerShell itself charges a
                           binary module with a manifest and a format file for one call that prints one object
      smartEmailRunProcessIL, coldStartWhatIfIL
                           the run and the cold start again with the module's ReadyToRun copies deleted (IL only)
      coldStartWhatIf      `dotnet pwsh -NoProfile -c "Import-Module …; Invoke-SmartEmailRun -Path <demo INI> -WhatIf"` on a
                           copy of docs/examples/SMArtEmail.ini and its .eml mailbox folder (no server involved); the
                           module's cold-start cost is its median minus pwshExit's (target: at most 150 ms)
      naiveMailKitProcess  a plain pwsh + MailKit script (Add-Type of BouncyCastle.Cryptography, MimeKit, MailKit from the
                           module's Dependencies folder) that downloads every full message with one GetMessage(uid)
                           per UID and matches the Subject in PowerShell; whole process, -NaiveRuns runs (default 5)
                           after one warm-up, after the round-robin group. Target: naive / smartEmailRunProcess at least 10.
      latency              the run of workload 1, imapfilter and the naive script again, on a -LatencyMessageCount
                           message mailbox (alice) behind tests/bench/latency_proxy.py, which delays every chunk by half
                           of -LatencyMs each way: a server that far away (0 skips it). The NOOP round trip through the
                           proxy is measured and recorded (tests/bench/imap-rtt.py).

    The module folder (the folder of -ModulePath) is copied to the temporary root first and the copy is benchmarked,
    so a rebuild during the run cannot change what is measured.

    Wall time is measured around each child process with a Stopwatch; peak RSS comes from /usr/bin/time (%M) when that
    exists and is reported as unavailable (null) otherwise. Every printed count is checked against the number seeded.
    Finally one SmartEmail listing runs with -ProtocolLogPath and one imapfilter run with -d, and the IMAP commands each
    sent are counted, to show where the time goes. There are no timing assertions: the script fails only when a
    count is wrong or something does not run. The servers are stopped (and the temporary root removed) in a finally.

    Needs root (services.sh does), Linux, dovecot, imapfilter and the .NET tool manifest of the repository (for
    `dotnet pwsh`). The whole run takes about 1.5–2.5 minutes on a 2-core machine.

.PARAMETER ModulePath
    The built SmartEmail.psd1 (build.ps1 -Task Build writes out/SmartEmail/<version>/SmartEmail.psd1).

.PARAMETER OutputPath
    The JSON file to write (its folder is created).

.PARAMETER NaiveRuns
    Measured runs of the naive MailKit baseline (after one warm-up); default 5. Each run downloads every message in
    full (about 3 s for 5,000 messages on loopback); lower it when that gets slow.

.PARAMETER PortBase
    The six server ports are PortBase + 143/993/110/995/25/465 (default 11000: 11143, 11993, ...).

.PARAMETER PwshCommand
    How to start PowerShell for the child processes (default: dotnet pwsh, run from the repository root so that the
    local tool manifest is found). E.g. -PwshCommand pwsh when a pwsh is on PATH.

.EXAMPLE
    cd /work/main
    dotnet pwsh -NoProfile -File build.ps1 -Task Build
    dotnet pwsh -NoProfile -File tests/bench/Mailbox.Bench.ps1 -ModulePath out/SmartEmail/0.1.0/SmartEmail.psd1 -OutputPath out/bench/mailbox.json
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [ValidateRange(100, 1000000)] [int] $MessageCount = 5000,
    # Message sizes: log-uniform from 2 KiB to -MaxKiB (BenchCommon.ps1's Write-Mailbox).
    [ValidateRange(3, 10240)] [int] $MaxKiB = 200,
    [ValidateRange(1, 50)] [int] $Runs = 5,
    # Runs of the naive MailKit baseline (one full-message download per UID; about 5 s a run on loopback).
    [ValidateRange(1, 50)] [int] $NaiveRuns = 5,
    # Round trip of the emulated remote server (tests/bench/latency_proxy.py); 0 skips that part.
    [ValidateRange(0, 500)] [double] $LatencyMs = 10,
    # Messages in the mailbox measured through the latency proxy (alice); the per-message clients take about
    # LatencyMessageCount x LatencyMs a run.
    [ValidateRange(100, 100000)] [int] $LatencyMessageCount = 1000,
    [string] $SubjectRegex = '^OpCon/xps: \S+ total = [0-9.]+$',
    [ValidateRange(1024, 64000)] [int] $PortBase = 11000,
    [string[]] $PwshCommand = @('dotnet', 'pwsh'),
    [ValidateRange(10, 3600)] [int] $TimeoutSeconds = 300,
    # Keep the temporary server root (mail, logs, protocol logs) for a look afterwards; the servers are stopped anyway.
    [switch] $KeepRoot
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$clock = [System.Diagnostics.Stopwatch]::StartNew()
$invariant = [System.Globalization.CultureInfo]::InvariantCulture

$repoRoot = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '..' '..')).ProviderPath
$servicesScript = Join-Path $repoRoot 'tests' 'services' 'services.sh'
$luaConfig = Join-Path $PSScriptRoot 'imapfilter-count.lua'
$demoIni = Join-Path $repoRoot 'docs' 'examples' 'SMArtEmail.ini'
$demoMailbox = Join-Path $repoRoot 'docs' 'examples' 'mailbox'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath, (Get-Location).ProviderPath)
$timeTool = if (Test-Path -LiteralPath '/usr/bin/time' -PathType Leaf) { '/usr/bin/time' } else { $null }
$imapfilter = (Get-Command imapfilter -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
$user = 'bob'
$password = 'bob-secret'

function Write-Step([string] $Text) {
    Write-Host ('[{0,6:0.0}s] {1}' -f $clock.Elapsed.TotalSeconds, $Text)
}

if (-not $IsLinux) { throw 'The benchmark runs on Linux only (the test servers do).' }
if (-not $imapfilter) { throw 'imapfilter is not on PATH (Debian package imapfilter).' }
if (-not (Test-Path -LiteralPath $luaConfig)) { throw "'$luaConfig' is missing." }
if (-not (Test-Path -LiteralPath $demoIni) -or -not (Test-Path -LiteralPath $demoMailbox)) { throw "'$demoIni' or '$demoMailbox' is missing." }
try { $null = [regex]::new($SubjectRegex) } catch { throw "-SubjectRegex is not a valid regex: $($_.Exception.Message)" }

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

# Writes the naive MailKit baseline for one mailbox: what a script author would write with MailKit alone.
function New-NaiveScript([string] $Path, [int] $Port, [string] $User, [string] $Password) {
    Set-Content -LiteralPath $Path -Encoding utf8NoBOM -Value @"
`$ErrorActionPreference = 'Stop'
foreach (`$name in 'BouncyCastle.Cryptography', 'MimeKit', 'MailKit') {
    Add-Type -LiteralPath (Join-Path $(Quote $dependencies) "`$name.dll")
}
`$client = [MailKit.Net.Imap.ImapClient]::new()
try {
    `$client.ServerCertificateValidationCallback = { `$true }
    `$client.Connect('127.0.0.1', $Port, [MailKit.Security.SecureSocketOptions]::SslOnConnect)
    `$client.Authenticate($(Quote $User), $(Quote $Password))
    `$folder = `$client.Inbox
    `$null = `$folder.Open([MailKit.FolderAccess]::ReadOnly)
    `$count = 0
    foreach (`$uid in `$folder.Search([MailKit.Search.SearchQuery]::All)) {
        `$message = `$folder.GetMessage(`$uid)
        if (`$message.Subject -match $(Quote $SubjectRegex)) { `$count++ }
    }
    `$client.Disconnect(`$true)
} finally {
    `$client.Dispose()
}
`$count
"@
    $Path
}

# Writes PowerShell's floor for the cold start: a binary module as small as one can be that still has what SmartEmail's
# has (a manifest, a format file with a list view and script-block items, one cmdlet that prints one object of 14
# properties). What its Import-Module and call cost over `pwsh -c exit` is PowerShell's own first-use work (the
# dotnet tool's pwsh is IL only, so its manifest, cmdlet and formatting code is JIT-compiled in every new process),
# which no module can avoid. Returns the manifest's path.
function New-FloorModule([string] $Folder) {
    $null = New-Item -ItemType Directory -Force -Path $Folder
    $dll = Join-Path $Folder 'BenchFloor.dll'
    Add-Type -OutputAssembly $dll -OutputType Library -TypeDefinition @'
using System;
using System.Management.Automation;
namespace BenchFloor
{
    public sealed class Result
    {
        public int ExitCode { get; set; } public int Scanned { get; set; } = 5; public int Accepted { get; set; } = 3;
        public int Rejected { get; set; } = 2; public int EventsSubmitted { get; set; } = 3; public int Downloaded { get; set; }
        public int Deleted { get; set; } public string[] Events { get; set; } = { "$JOB:ADD,a,b,c", "$JOB:ADD,d,e,f" };
        public string[] Errors { get; set; } = new string[0]; public string[] Warnings { get; set; } = new string[0];
        public string[] SetAsideMessages { get; set; } = new string[0]; public bool WhatIf { get; set; } = true;
        public DateTimeOffset Started { get; set; } = DateTimeOffset.Now; public TimeSpan Duration { get; set; } = TimeSpan.FromMilliseconds(40);
    }
    [Cmdlet(VerbsCommon.Get, "BenchFloor")]
    public sealed class GetBenchFloorCommand : PSCmdlet
    {
        protected override void ProcessRecord() => WriteObject(new Result());
    }
}
'@
    $items = @('ExitCode', 'Scanned', 'Accepted', 'Rejected', 'EventsSubmitted', 'Downloaded', 'Deleted') | ForEach-Object { "<ListItem><PropertyName>$_</PropertyName></ListItem>" }
    $items += @('Events', 'Errors', 'Warnings', 'SetAsideMessages') | ForEach-Object { "<ListItem><Label>$_</Label><ScriptBlock>`$_.$_ -join ""``n""</ScriptBlock></ListItem>" }
    $items += @('WhatIf', 'Started', 'Duration') | ForEach-Object { "<ListItem><PropertyName>$_</PropertyName></ListItem>" }
    Set-Content -LiteralPath (Join-Path $Folder 'BenchFloor.Format.ps1xml') -Encoding utf8NoBOM -Value (
        '<?xml version="1.0" encoding="utf-8"?><Configuration><ViewDefinitions><View><Name>BenchFloor.Result</Name>' +
        '<ViewSelectedBy><TypeName>BenchFloor.Result</TypeName></ViewSelectedBy><ListControl><ListEntries><ListEntry><ListItems>' +
        ($items -join '') + '</ListItems></ListEntry></ListEntries></ListControl></View></ViewDefinitions></Configuration>')
    $manifest = Join-Path $Folder 'BenchFloor.psd1'
    Set-Content -LiteralPath $manifest -Encoding utf8NoBOM -Value @"
@{
    RootModule = 'BenchFloor.dll'; ModuleVersion = '1.0.0'; GUID = '5b0b6c1e-2f4d-4e8a-9a51-0c0f1d7e9b21'
    PowerShellVersion = '5.1'; CompatiblePSEditions = @('Desktop', 'Core'); FormatsToProcess = @('BenchFloor.Format.ps1xml')
    CmdletsToExport = @('Get-BenchFloor'); FunctionsToExport = @(); AliasesToExport = @(); VariablesToExport = @()
}
"@
    $manifest
}

$script:countErrors = [System.Collections.Generic.List[string]]::new()
$script:latencyProxy = $null
$suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
$serviceRoot = Join-Path ([System.IO.Path]::GetTempPath()) "se-bench-$suffix"
$script:scratch = Join-Path $serviceRoot 'bench'
$ports = [ordered]@{
    SMARTEMAIL_TEST_IMAP_PORT  = $PortBase + 143
    SMARTEMAIL_TEST_IMAPS_PORT = $PortBase + 993
    SMARTEMAIL_TEST_POP3_PORT  = $PortBase + 110
    SMARTEMAIL_TEST_POP3S_PORT = $PortBase + 995
    SMARTEMAIL_TEST_SMTP_PORT  = $PortBase + 25
    SMARTEMAIL_TEST_SMTPS_PORT = $PortBase + 465
    SMARTEMAIL_TEST_OAUTH_PORT = $PortBase + 443
    SMARTEMAIL_TEST_INTROSPECT_PORT = $PortBase + 80
}
$imapsPort = $ports.SMARTEMAIL_TEST_IMAPS_PORT
$started = $false
$saved = @{}
foreach ($k in $ports.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k) }

try {
    $loadBefore = Get-LoadAverage
    if ($loadBefore -and $loadBefore[0] -gt [Environment]::ProcessorCount / 2) {
        Write-Warning "The load average is $($loadBefore -join ' ') on $([Environment]::ProcessorCount) cores: other work shares this machine and will make the timings noisy."
    }
    Write-Step "Starting private test servers under $serviceRoot (IMAPS port $imapsPort)"
    foreach ($k in $ports.Keys) { [Environment]::SetEnvironmentVariable($k, [string] $ports[$k]) }
    $startOutput = & bash $servicesScript start $serviceRoot 2>&1
    $startExit = $LASTEXITCODE
    foreach ($k in $ports.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    $started = $true   # stop even after a failed start: it may have left something running
    if ($startExit -ne 0) { throw "services.sh start failed ($startExit): $($startOutput -join "`n")" }
    Write-Step "  $($startOutput -join ' ')"
    $service = Get-Content -Raw -LiteralPath (Join-Path $serviceRoot 'services.json') | ConvertFrom-Json
    $certificate = $service.certificate
    $address = ($service.users | Where-Object name -EQ $user).address
    $null = New-Item -ItemType Directory -Force -Path $script:scratch
    $imapfilterHome = Join-Path $script:scratch 'imapfilter-home'
    $null = New-Item -ItemType Directory -Force -Path $imapfilterHome

    # Benchmark a copy of the module: the build output may be rebuilt by someone else while this runs.
    $sourceModulePath = $ModulePath
    $moduleSource = Split-Path -Parent $ModulePath
    $moduleCopy = Join-Path $script:scratch 'module' 'SmartEmail' (Split-Path -Leaf $moduleSource)
    $null = New-Item -ItemType Directory -Force -Path $moduleCopy
    Copy-Item -Path (Join-Path $moduleSource '*') -Destination $moduleCopy -Recurse -Force
    $ModulePath = Join-Path $moduleCopy (Split-Path -Leaf $ModulePath)
    $dependencies = Join-Path $moduleCopy 'Dependencies'
    Write-Step "Copied the module to $moduleCopy"
    # The same module without its ReadyToRun copies (Dependencies/<os>-<arch>): every method is JIT-compiled from IL,
    # as on a platform the build made no images for.
    $moduleCopyIL = Join-Path $script:scratch 'module-il' 'SmartEmail' (Split-Path -Leaf $moduleSource)
    $null = New-Item -ItemType Directory -Force -Path $moduleCopyIL
    Copy-Item -Path (Join-Path $moduleCopy '*') -Destination $moduleCopyIL -Recurse -Force
    Get-ChildItem -LiteralPath (Join-Path $moduleCopyIL 'Dependencies') -Directory | Remove-Item -Recurse -Force
    $ModulePathIL = Join-Path $moduleCopyIL (Split-Path -Leaf $ModulePath)
    $floorManifest = New-FloorModule -Folder (Join-Path $script:scratch 'floor')
    Write-Step "IL-only copy in $moduleCopyIL; PowerShell's floor module in $(Split-Path $floorManifest)"

    # The demo configuration, copied with its mailbox folder; its MSGIN folder (out/MSGIN, relative to the INI) is made.
    $demoRoot = Join-Path $script:scratch 'demo'
    $null = New-Item -ItemType Directory -Force -Path $demoRoot
    Copy-Item -LiteralPath $demoIni -Destination $demoRoot
    Copy-Item -LiteralPath $demoMailbox -Destination $demoRoot -Recurse
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $demoRoot 'out' 'MSGIN')
    $demoIniCopy = Join-Path $demoRoot (Split-Path -Leaf $demoIni)

    Write-Step "Writing $MessageCount messages into $user's Maildir"
    $seedWatch = [System.Diagnostics.Stopwatch]::StartNew()
    $seed = Write-Mailbox -Maildir (Join-Path $serviceRoot 'mail' $user 'Maildir') -Address $address -Count $MessageCount -MaxKiB $MaxKiB
    $seedWatch.Stop()
    $expected = $seed.Matching
    Write-Step ('  {0} messages, {1:0.0} MiB, {2} match {3}, in {4:0.0} s' -f $MessageCount, ($seed.Bytes / 1MB), $expected, $SubjectRegex, $seedWatch.Elapsed.TotalSeconds)

    # The commands, exactly as a user would type them.
    $credentialText = "[pscredential]::new($(Quote $user), (ConvertTo-SecureString $(Quote $password) -AsPlainText -Force))"
    $getText = "Get-SmartEmailMessage -Server 127.0.0.1 -Port $imapsPort -TlsMode Implicit -Credential `$c -AcceptSelfSignedCertificate"
    $smartEmailCommand = "Import-Module $(Quote $ModulePath); `$c = $credentialText; ($getText | Where-Object Subject -match $(Quote $SubjectRegex)).Count"
    $imapfilterEnv = @{
        HOME = $imapfilterHome; IMAPFILTER_HOME = (Join-Path $imapfilterHome '.imapfilter')
        BENCH_IMAP_SERVER = '127.0.0.1'; BENCH_IMAP_PORT = $imapsPort
        BENCH_IMAP_USER = $user; BENCH_IMAP_PASS = $password; BENCH_SUBJECT_REGEX = $SubjectRegex
    }
    $imapfilterArgs = @('-t', $certificate, '-c', $luaConfig)
    $coldStartCommand = "Import-Module $(Quote $ModulePath); Invoke-SmartEmailRun -Path $(Quote $demoIniCopy) -WhatIf"
    # Workload 1 as the issue sets it: the INI-compatible run (what smartemail.ps1 runs) with 20 subject rules, as a dry
    # run that submits nothing; it prints how many messages a rule accepted.
    $runIni = New-RunIni -Folder (Join-Path $script:scratch 'run') -User $user -Password $password
    $runCommand = "Import-Module $(Quote $ModulePath); (Invoke-SmartEmailRun -Path $(Quote $runIni) -WhatIf -InformationAction SilentlyContinue -WarningAction SilentlyContinue).Accepted"
    $runCommandIL = $runCommand.Replace((Quote $ModulePath), (Quote $ModulePathIL))
    $coldStartCommandIL = $coldStartCommand.Replace((Quote $ModulePath), (Quote $ModulePathIL))
    # What PowerShell itself charges any binary module with a manifest and a format file for one call that prints one
    # object in a list view (New-FloorModule): the part of the cold start that is not SmartEmail's.
    $floorCommand = "Import-Module $(Quote $floorManifest); Get-BenchFloor"

    # The naive baseline: what a script author would write with MailKit alone. Every message is downloaded in full,
    # one GetMessage per UID, and the Subject is matched in PowerShell.
    $naiveScript = New-NaiveScript -Path (Join-Path $script:scratch 'naive-mailkit.ps1') -Port $imapsPort -User $user -Password $password

    $startupFile, $startupArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', '0')
    $seFile, $seArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $smartEmailCommand)
    $runFile, $runArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $runCommand)
    $exitFile, $exitArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', 'exit')
    $coldFile, $coldArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $coldStartCommand)
    $coldILFile, $coldILArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $coldStartCommandIL)
    $runILFile, $runILArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $runCommandIL)
    $floorFile, $floorArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $floorCommand)
    $naiveFile, $naiveArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-File', $naiveScript)
    # `dotnet pwsh` starts three .NET processes (the dotnet CLI resolves the local tool, runs its shim, which starts
    # pwsh.dll). Starting pwsh.dll directly, as an installed pwsh would, shows what the tool launch itself costs.
    $probeFile, $probeArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', '[Environment]::ProcessPath; [Reflection.Assembly]::GetEntryAssembly().Location')
    $probe = Invoke-Child -FilePath $probeFile -ArgumentList $probeArgs
    $probeLines = @($probe.Stdout -split "`r?`n" | Where-Object { $_.Trim() })
    $directStartup = $null
    if ($probe.ExitCode -eq 0 -and $probeLines.Count -ge 2 -and $probeLines[-1].EndsWith('.dll') -and
        [System.IO.Path]::GetFileNameWithoutExtension($probeLines[-2]) -eq 'dotnet' -and $PwshCommand.Count -gt 1) {
        $directStartup = @{ Name = 'pwshDirectStartup'; FilePath = $probeLines[-2]; ArgumentList = @($probeLines[-1], '-NoProfile', '-NonInteractive', '-c', '0'); Environment = @{}; ExpectedCount = $null }
        Write-Step "  pwsh runs as: $($probeLines[-2]) $($probeLines[-1])"
    }
    Write-Step "Whole processes, round-robin: 1 warm-up round, then $Runs rounds"
    $results = Measure-Scenarios @(
        if ($directStartup) { $directStartup }
        @{ Name = 'pwshStartup'; FilePath = $startupFile; ArgumentList = $startupArgs; Environment = @{}; ExpectedCount = $null }
        @{ Name = 'smartEmailProcess'; FilePath = $seFile; ArgumentList = $seArgs; Environment = @{}; ExpectedCount = $expected }
        @{ Name = 'smartEmailRunProcess'; FilePath = $runFile; ArgumentList = $runArgs; Environment = @{}; ExpectedCount = $expected }
        @{ Name = 'imapfilterProcess'; FilePath = $imapfilter; ArgumentList = $imapfilterArgs; Environment = $imapfilterEnv; ExpectedCount = $expected }
        @{ Name = 'pwshExit'; FilePath = $exitFile; ArgumentList = $exitArgs; Environment = @{}; ExpectedCount = $null }
        @{ Name = 'coldStartWhatIf'; FilePath = $coldFile; ArgumentList = $coldArgs; Environment = @{}; ExpectedCount = $null; ExpectedPattern = '5 scanned, 3 accepted' }
        @{ Name = 'bareListingProcess'; FilePath = '/usr/bin/python3'; ArgumentList = @((Join-Path $PSScriptRoot 'imap-listing.py'), '127.0.0.1', $imapsPort, $user, $password); Environment = @{}; ExpectedCount = $MessageCount }
        @{ Name = 'coldStartFloor'; FilePath = $floorFile; ArgumentList = $floorArgs; Environment = @{}; ExpectedCount = $null; ExpectedPattern = 'Scanned\s*:[^\n]*5' }
        @{ Name = 'smartEmailRunProcessIL'; FilePath = $runILFile; ArgumentList = $runILArgs; Environment = @{}; ExpectedCount = $expected }
        @{ Name = 'coldStartWhatIfIL'; FilePath = $coldILFile; ArgumentList = $coldILArgs; Environment = @{}; ExpectedCount = $null; ExpectedPattern = '5 scanned, 3 accepted' }
    )

    # Where the cold start goes, timed inside fresh processes: Import-Module, the call, and printing its result (what
    # the whole-process figures cannot separate), for the demo run and for PowerShell's floor module, alternating.
    Write-Step "Cold start, split inside the process: $Runs fresh processes each for the demo run and the floor module"
    $splitScript = Join-Path $script:scratch 'cold-split.ps1'
    Set-Content -LiteralPath $splitScript -Encoding utf8NoBOM -Value @'
param($Manifest, $Command)
$watch = [System.Diagnostics.Stopwatch]::StartNew()
Import-Module $Manifest
$import = $watch.Elapsed.TotalSeconds
$result = & ([scriptblock]::Create($Command))
$call = $watch.Elapsed.TotalSeconds
$text = $result | Out-String
$print = $watch.Elapsed.TotalSeconds
'BENCH-SPLIT ' + (@{ import = $import; call = $call - $import; print = $print - $call; printed = $text.Length } | ConvertTo-Json -Compress)
'@
    $split = [ordered]@{ smartEmail = [ordered]@{ import = @(); call = @(); print = @() }; floor = [ordered]@{ import = @(); call = @(); print = @() } }
    for ($i = 0; $i -le $Runs; $i++) {
        foreach ($k in 'smartEmail', 'floor') {
            $splitArgs = if ($k -eq 'smartEmail') { @($ModulePath, "Invoke-SmartEmailRun -Path $(Quote $demoIniCopy) -WhatIf -InformationAction SilentlyContinue") } else { @($floorManifest, 'Get-BenchFloor') }
            $f, $a = Get-PwshInvocation (@('-NoProfile', '-NonInteractive', '-File', $splitScript) + $splitArgs)
            $r = Invoke-Child -FilePath $f -ArgumentList $a
            $line = @($r.Stdout -split "`r?`n" | Where-Object { $_.StartsWith('BENCH-SPLIT ') })
            if ($r.ExitCode -ne 0 -or $line.Count -eq 0) { throw "cold-split.ps1 ($k) failed ($($r.ExitCode)): $($r.Stdout) $($r.Stderr)" }
            if ($i -eq 0) { continue }   # warm-up
            $v = $line[-1].Substring('BENCH-SPLIT '.Length) | ConvertFrom-Json
            $split[$k].import += $v.import; $split[$k].call += $v.call; $split[$k].print += $v.print
        }
    }
    $coldSplit = [ordered]@{}
    foreach ($k in $split.Keys) { $coldSplit[$k] = [ordered]@{ importSeconds = Get-Stat ([double[]] $split[$k].import); callSeconds = Get-Stat ([double[]] $split[$k].call); printSeconds = Get-Stat ([double[]] $split[$k].print) } }
    $results.coldStartSplit = $coldSplit
    Write-Step ('  demo run: import {0:0.000} s, call {1:0.000} s, print {2:0.000} s; floor module: {3:0.000}, {4:0.000}, {5:0.000} s (medians)' -f
        $coldSplit.smartEmail.importSeconds.median, $coldSplit.smartEmail.callSeconds.median, $coldSplit.smartEmail.printSeconds.median,
        $coldSplit.floor.importSeconds.median, $coldSplit.floor.callSeconds.median, $coldSplit.floor.printSeconds.median)

    Write-Step "Naive MailKit baseline (one GetMessage per UID), whole process: 1 warm-up, then $NaiveRuns runs"
    $naive = Measure-Scenarios -RunCount $NaiveRuns @(
        @{ Name = 'naiveMailKitProcess'; FilePath = $naiveFile; ArgumentList = $naiveArgs; Environment = @{}; ExpectedCount = $expected }
    )
    $results.naiveMailKitProcess = $naive.naiveMailKitProcess

    # The same three clients against a server -LatencyMs away: tests/bench/latency_proxy.py between them and dovecot
    # delays every chunk by half the round trip each way. Loopback makes a round trip nearly free (0.1 ms), which hides
    # what per-message clients cost on a real network; on a smaller mailbox (-LatencyMessageCount, alice) so that the
    # per-message clients' runs fit the time budget.
    $latency = $null
    if ($LatencyMs -gt 0) {
        $latencyUser = 'alice'
        $latencyPassword = 'alice-secret'
        $latencyPort = $PortBase + 994
        Write-Step "A server $LatencyMs ms away: $LatencyMessageCount messages for $latencyUser behind tests/bench/latency_proxy.py on port $latencyPort"
        $latencySeed = Write-Mailbox -Maildir (Join-Path $serviceRoot 'mail' $latencyUser 'Maildir') -Address (($service.users | Where-Object name -EQ $latencyUser).address) `
            -Count $LatencyMessageCount -MaxKiB $MaxKiB -Seed 7
        $proxyOut = Join-Path $script:scratch 'latency-proxy.out'
        $script:latencyProxy = Start-Process -FilePath '/usr/bin/python3' -PassThru -RedirectStandardOutput $proxyOut -RedirectStandardError "$proxyOut.err" `
            -ArgumentList @((Join-Path $PSScriptRoot 'latency_proxy.py'), $latencyPort, '127.0.0.1', $imapsPort, ($LatencyMs / 2).ToString($invariant))
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while (-not ((Test-Path -LiteralPath $proxyOut) -and (Get-Content -Raw -LiteralPath $proxyOut) -match 'ready')) {
            if ($script:latencyProxy.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "latency_proxy.py did not start: $(Get-Content -Raw -LiteralPath "$proxyOut.err" -ErrorAction SilentlyContinue)" }
            Start-Sleep -Milliseconds 100
        }
        $rtt = [ordered]@{}
        foreach ($p in @(@{ Name = 'loopback'; Port = $imapsPort }, @{ Name = 'proxy'; Port = $latencyPort })) {
            $r = Invoke-Child -FilePath '/usr/bin/python3' -ArgumentList @((Join-Path $PSScriptRoot 'imap-rtt.py'), '127.0.0.1', $p.Port, $latencyUser, $latencyPassword, 25)
            if ($r.ExitCode -ne 0) { throw "imap-rtt.py on port $($p.Port) failed ($($r.ExitCode)): $($r.Stderr)" }
            $rtt[$p.Name] = (@($r.Stdout -split "`r?`n" | Where-Object { $_.StartsWith('{') })[-1] | ConvertFrom-Json).noopSeconds
        }
        Write-Step ('  IMAP NOOP round trip: {0:0.0} ms through the proxy, {1:0.00} ms on loopback' -f ($rtt.proxy * 1000), ($rtt.loopback * 1000))
        $latencyIni = New-RunIni -Folder (Join-Path $script:scratch 'run-latency') -User $latencyUser -Password $latencyPassword -Port $latencyPort
        $latencyRunCommand = "Import-Module $(Quote $ModulePath); (Invoke-SmartEmailRun -Path $(Quote $latencyIni) -WhatIf -InformationAction SilentlyContinue -WarningAction SilentlyContinue).Accepted"
        $latencyRunFile, $latencyRunArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $latencyRunCommand)
        $latencyNaive = New-NaiveScript -Path (Join-Path $script:scratch 'naive-mailkit-latency.ps1') -Port $latencyPort -User $latencyUser -Password $latencyPassword
        $latencyNaiveFile, $latencyNaiveArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-File', $latencyNaive)
        $latencyImapfilterEnv = $imapfilterEnv.Clone()
        $latencyImapfilterEnv.BENCH_IMAP_PORT = $latencyPort
        $latencyImapfilterEnv.BENCH_IMAP_USER = $latencyUser
        $latencyImapfilterEnv.BENCH_IMAP_PASS = $latencyPassword
        Write-Step "  Whole processes through the proxy, round-robin: 1 warm-up round, then $Runs rounds"
        $latencyResults = Measure-Scenarios @(
            @{ Name = 'smartEmailRunProcess'; FilePath = $latencyRunFile; ArgumentList = $latencyRunArgs; Environment = @{}; ExpectedCount = $latencySeed.Matching }
            @{ Name = 'imapfilterProcess'; FilePath = $imapfilter; ArgumentList = $imapfilterArgs; Environment = $latencyImapfilterEnv; ExpectedCount = $latencySeed.Matching }
            @{ Name = 'naiveMailKitProcess'; FilePath = $latencyNaiveFile; ArgumentList = $latencyNaiveArgs; Environment = @{}; ExpectedCount = $latencySeed.Matching }
        )
        $latency = [ordered]@{
            roundTripMs = $LatencyMs; oneWayMs = $LatencyMs / 2
            measuredNoopSeconds = $rtt
            messageCount = $LatencyMessageCount; mailboxMiB = [Math]::Round($latencySeed.Bytes / 1MB, 2); expectedCount = $latencySeed.Matching; user = $latencyUser
            proxy = "tests/bench/latency_proxy.py 127.0.0.1:$latencyPort -> 127.0.0.1:$imapsPort, $($LatencyMs / 2) ms each way"
            results = $latencyResults
        }
    }

    # In one process: import once, one warm-up listing, then -Runs listings, each timed as pipeline + filter (what the
    # whole-process command does), then split into the listing alone and the filter alone; finally one listing with a
    # protocol log. The result comes back as one JSON line.
    Write-Step 'SmartEmail, in one process'
    $protocolLog = Join-Path $script:scratch 'smartemail-protocol.log'
    $inProcessScript = Join-Path $script:scratch 'inprocess.ps1'
    Set-Content -LiteralPath $inProcessScript -Encoding utf8NoBOM -Value @"
`$ErrorActionPreference = 'Stop'
`$runs = $Runs
`$watch = [System.Diagnostics.Stopwatch]::StartNew()
Import-Module $(Quote $ModulePath)
`$import = `$watch.Elapsed.TotalSeconds
`$c = $credentialText
`$regex = $(Quote $SubjectRegex)
`$pipeline = [System.Collections.Generic.List[double]]::new(); `$listing = [System.Collections.Generic.List[double]]::new()
`$filter = [System.Collections.Generic.List[double]]::new(); `$counts = [System.Collections.Generic.List[int]]::new()
`$first = `$null; `$total = `$null
for (`$i = 0; `$i -le `$runs; `$i++) {
    `$watch.Restart()
    `$n = ($getText -WarningAction SilentlyContinue | Where-Object Subject -match `$regex).Count
    `$t = `$watch.Elapsed.TotalSeconds
    if (`$i -eq 0) { `$first = `$t; continue }
    `$pipeline.Add(`$t); `$counts.Add(`$n)
    `$watch.Restart()
    `$all = @($getText -WarningAction SilentlyContinue)
    `$listing.Add(`$watch.Elapsed.TotalSeconds)
    `$watch.Restart()
    `$n2 = @(`$all | Where-Object Subject -match `$regex).Count
    `$filter.Add(`$watch.Elapsed.TotalSeconds)
    `$counts.Add(`$n2); `$total = `$all.Count; `$all = `$null
}
`$null = @($getText -WarningAction SilentlyContinue -ProtocolLogPath $(Quote $protocolLog))
`$hwm = [long] (@(Get-Content /proc/self/status) -match '^VmHWM:' -replace '\D', '')[0]
'BENCH-RESULT ' + (@{ import = `$import; first = `$first; pipeline = `$pipeline; listing = `$listing; filter = `$filter; counts = `$counts;
    total = `$total; vmHwmKiB = `$hwm; pwsh = `$PSVersionTable.PSVersion.ToString(); dotnet = [System.Environment]::Version.ToString();
    module = (Get-Module SmartEmail).Version.ToString() } | ConvertTo-Json -Compress -Depth 3)
"@
    $pwshFile, $pwshArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-File', $inProcessScript)
    $r = Invoke-Child -FilePath $pwshFile -ArgumentList $pwshArgs
    $line = @($r.Stdout -split "`r?`n" | Where-Object { $_.StartsWith('BENCH-RESULT ') })
    if ($r.ExitCode -ne 0 -or $line.Count -eq 0) { throw "The in-process run failed ($($r.ExitCode)).`nstdout: $($r.Stdout)`nstderr: $($r.Stderr)" }
    $inProcess = $line[-1].Substring('BENCH-RESULT '.Length) | ConvertFrom-Json
    foreach ($n in $inProcess.counts) {
        if ($n -ne $expected) { $script:countErrors.Add("smartEmailInProcess printed count $n, expected $expected.") }
    }
    if ($inProcess.total -ne $MessageCount) { $script:countErrors.Add("smartEmailInProcess listed $($inProcess.total) messages, expected $MessageCount.") }
    $results.smartEmailInProcess = [ordered]@{
        importSeconds          = [Math]::Round($inProcess.import, 3)
        firstListingSeconds    = [Math]::Round($inProcess.first, 3)
        wallSeconds            = Get-Stat ([double[]] $inProcess.pipeline)
        listingOnlySeconds     = Get-Stat ([double[]] $inProcess.listing)
        whereObjectOnlySeconds = Get-Stat ([double[]] $inProcess.filter)
        processWallSeconds     = [Math]::Round($r.Seconds, 3)
        processPeakRssMiB      = if ($null -ne $r.PeakRssKiB) { [Math]::Round($r.PeakRssKiB / 1024, 1) } else { $null }
        vmHwmMiB               = if ($inProcess.vmHwmKiB) { [Math]::Round($inProcess.vmHwmKiB / 1024, 1) } else { $null }
        count                  = $inProcess.counts[-1]
        countOk                = @($inProcess.counts | Where-Object { $_ -ne $expected }).Count -eq 0
    }
    Write-Step ('  import {0:0.000} s, first listing {1:0.000} s, then median {2:0.000} s (listing {3:0.000} s + Where-Object {4:0.000} s)' -f
        $inProcess.import, $inProcess.first, $results.smartEmailInProcess.wallSeconds.median,
        $results.smartEmailInProcess.listingOnlySeconds.median, $results.smartEmailInProcess.whereObjectOnlySeconds.median)

    Write-Step 'Protocol logs: counting IMAP commands'
    $imapfilterLog = Join-Path $script:scratch 'imapfilter-debug.log'
    $r = Invoke-Child -FilePath $imapfilter -ArgumentList (@('-d', $imapfilterLog) + $imapfilterArgs) -Environment $imapfilterEnv
    if ($r.ExitCode -ne 0) { throw "imapfilter -d failed ($($r.ExitCode)): $($r.Stderr)" }
    $protocol = [ordered]@{
        smartEmail = Get-ImapCommandCount -Path $protocolLog -Format MailKit
        imapfilter = Get-ImapCommandCount -Path $imapfilterLog -Format imapfilter
    }
    if ($latency) {
        # A mailbox of one batch (alice's, on loopback): what EXAMINE answers needs no UID SEARCH.
        $smallLog = Join-Path $script:scratch 'smartemail-protocol-small.log'
        $smallCommand = "Import-Module $(Quote $ModulePath); `$c = [pscredential]::new('alice', (ConvertTo-SecureString 'alice-secret' -AsPlainText -Force)); " +
            "@(Get-SmartEmailMessage -Server 127.0.0.1 -Port $imapsPort -TlsMode Implicit -Credential `$c -AcceptSelfSignedCertificate -WarningAction SilentlyContinue -ProtocolLogPath $(Quote $smallLog)).Count"
        $smallFile, $smallArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $smallCommand)
        $r = Invoke-Child -FilePath $smallFile -ArgumentList $smallArgs
        if ($r.ExitCode -ne 0 -or (Get-PrintedCount $r.Stdout) -ne $LatencyMessageCount) { throw "The one-batch listing failed ($($r.ExitCode)): $($r.Stdout) $($r.Stderr)" }
        $protocol.smartEmailOneBatch = Get-ImapCommandCount -Path $smallLog -Format MailKit
        $protocol.smartEmailOneBatch.messages = $LatencyMessageCount
    }
    $protocol.smartEmail.messages = $MessageCount
    Write-Step ('  SmartEmail: {0} round trips to the first FETCH ({1})' -f $protocol.smartEmail.roundTripsToFirstFetch, ($protocol.smartEmail.sequenceToFirstFetch -join ', '))
    Write-Step ('  SmartEmail: {0} commands ({1}); imapfilter: {2} commands ({3})' -f $protocol.smartEmail.commands,
        (($protocol.smartEmail.byCommand.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', '),
        $protocol.imapfilter.commands, (($protocol.imapfilter.byCommand.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', '))

    # Machine and software facts.
    $osRelease = @{}
    foreach ($l in (Get-Content -LiteralPath /etc/os-release -ErrorAction SilentlyContinue)) {
        if ($l -match '^(\w+)="?(.*?)"?$') { $osRelease[$Matches[1]] = $Matches[2] }
    }
    $memKiB = [long] ((Get-Content /proc/meminfo | Where-Object { $_ -like 'MemTotal:*' }) -replace '\D', '')
    $cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^[^:]*:\s*', ''
    $commit = try { (& git -C $repoRoot rev-parse HEAD 2>$null) } catch { $null }
    $dovecotVersion = try { (& dovecot --version 2>$null) } catch { $null }
    $imapfilterVersion = try { ((& $imapfilter -V 2>&1) -join ' ') -replace '^IMAPFilter\s+(\S+).*$', '$1' } catch { $null }

    $ratio = {
        param($a, $b)
        if ($null -eq $a -or $null -eq $b -or $b -eq 0) { return $null }
        [Math]::Round($a / $b, 2)
    }
    $se = $results.smartEmailProcess
    $imf = $results.imapfilterProcess
    $ratios = [ordered]@{
        smartEmailProcessOverImapfilterWall   = & $ratio $se.wallSeconds.median $imf.wallSeconds.median
        smartEmailProcessOverImapfilterRss    = & $ratio $(if ($se.peakRssMiB) { $se.peakRssMiB.median }) $(if ($imf.peakRssMiB) { $imf.peakRssMiB.median })
        smartEmailInProcessOverImapfilterWall = & $ratio $results.smartEmailInProcess.wallSeconds.median $imf.wallSeconds.median
        smartEmailProcessMinusPwshStartupSeconds = [Math]::Round($se.wallSeconds.median - $results.pwshStartup.wallSeconds.median, 3)
        coldStartModuleSeconds = [Math]::Round($results.coldStartWhatIf.wallSeconds.median - $results.pwshExit.wallSeconds.median, 3)
        coldStartModuleSecondsMinOverMin = [Math]::Round($results.coldStartWhatIf.wallSeconds.min - $results.pwshExit.wallSeconds.min, 3)
        naiveOverSmartEmailProcessWall = & $ratio $results.naiveMailKitProcess.wallSeconds.median $se.wallSeconds.median
        smartEmailRunOverImapfilterWall = & $ratio $results.smartEmailRunProcess.wallSeconds.median $imf.wallSeconds.median
        naiveOverSmartEmailRunWall = & $ratio $results.naiveMailKitProcess.wallSeconds.median $results.smartEmailRunProcess.wallSeconds.median
        naiveOverSmartEmailInProcessWall = & $ratio $results.naiveMailKitProcess.wallSeconds.median $results.smartEmailInProcess.wallSeconds.median
        latencyNaiveOverSmartEmailRunWall = if ($latency) { & $ratio $latency.results.naiveMailKitProcess.wallSeconds.median $latency.results.smartEmailRunProcess.wallSeconds.median } else { $null }
        latencyImapfilterOverSmartEmailRunWall = if ($latency) { & $ratio $latency.results.imapfilterProcess.wallSeconds.median $latency.results.smartEmailRunProcess.wallSeconds.median } else { $null }
        # What no client can go below on this mailbox: PowerShell's start-up plus the server's time for the same IMAP work.
        loopbackFloorOverImapfilterWall = & $ratio ($results.pwshExit.wallSeconds.median + $results.bareListingProcess.wallSeconds.median) $imf.wallSeconds.median
        coldStartFloorSeconds = [Math]::Round($results.coldStartFloor.wallSeconds.median - $results.pwshExit.wallSeconds.median, 3)
        coldStartILSeconds = [Math]::Round($results.coldStartWhatIfIL.wallSeconds.median - $results.pwshExit.wallSeconds.median, 3)
        smartEmailRunILOverImapfilterWall = & $ratio $results.smartEmailRunProcessIL.wallSeconds.median $imf.wallSeconds.median
        latencySmartEmailRunOverImapfilterWall = if ($latency) { & $ratio $latency.results.smartEmailRunProcess.wallSeconds.median $latency.results.imapfilterProcess.wallSeconds.median } else { $null }
        dotnetToolLaunchSeconds = if ($results.Contains('pwshDirectStartup')) { [Math]::Round($results.pwshStartup.wallSeconds.median - $results.pwshDirectStartup.wallSeconds.median, 3) } else { $null }
    }

    $report = [ordered]@{
        schema    = 'smartemail-mailbox-bench/1'
        timestamp = [DateTimeOffset]::UtcNow.ToString('o')
        machine   = [ordered]@{
            nproc         = [Environment]::ProcessorCount
            memoryTotalMiB = [long] [Math]::Round($memKiB / 1024)
            cpu           = $cpu
            os            = $(if ($osRelease['PRETTY_NAME']) { $osRelease['PRETTY_NAME'] } else { [System.Runtime.InteropServices.RuntimeInformation]::OSDescription })
            kernel        = (& uname -r)
            loadAverageBefore = $loadBefore
            loadAverageAfter  = Get-LoadAverage
        }
        software  = [ordered]@{
            smartEmail = $inProcess.module
            # ReadyToRun copies of the dependencies for this platform (Dependencies/<os>-<arch>, build.ps1 Invoke-ReadyToRun).
            readyToRun = @(Get-ChildItem -LiteralPath (Join-Path $dependencies 'linux-x64') -Filter *.dll -ErrorAction SilentlyContinue | ForEach-Object BaseName)
            repositoryHead = $commit   # HEAD of the checkout when the benchmark ran, not necessarily what -ModulePath was built from
            modulePath = $sourceModulePath
            benchmarkedModuleCopy = $ModulePath
            pwsh       = $inProcess.pwsh
            dotnet     = $inProcess.dotnet
            pwshCommand = $PwshCommand -join ' '
            imapfilter = $imapfilterVersion
            dovecot    = $dovecotVersion
            timeTool   = $timeTool
        }
        setup     = [ordered]@{
            messageCount     = $MessageCount
            mailboxMiB       = [Math]::Round($seed.Bytes / 1MB, 2)
            seedSeconds      = [Math]::Round($seedWatch.Elapsed.TotalSeconds, 2)
            sizeKiB          = [ordered]@{ from = 2; to = $MaxKiB; smallest = [Math]::Round($seed.MinBytes / 1KB, 1); largest = [Math]::Round($seed.MaxBytes / 1KB, 1)
                mean = [Math]::Round($seed.Bytes / $MessageCount / 1KB, 1) }
            mix              = $seed.Mix
            subjectRegex     = $SubjectRegex
            expectedCount    = $expected
            user             = $user
            connection       = "IMAP over implicit TLS, dovecot on 127.0.0.1:$imapsPort"
            warmupRuns       = 1
            measuredRuns     = $Runs
            naiveMeasuredRuns = $NaiveRuns
            wallClock        = 'Stopwatch around each child process (includes process start and exit)'
            peakRss          = $(if ($timeTool) { '/usr/bin/time %M of the whole child process (max RSS of the process tree''s largest member)' } else { 'unavailable: /usr/bin/time not found' })
            smartEmailCommand = "dotnet pwsh -NoProfile -c `"$smartEmailCommand`""
            imapfilterCommand = "HOME=<scratch> BENCH_*=... imapfilter -t <cert.pem> -c tests/bench/imapfilter-count.lua"
            pwshExitCommand  = 'dotnet pwsh -NoProfile -NonInteractive -c exit'
            coldStartCommand = "dotnet pwsh -NoProfile -NonInteractive -c `"$coldStartCommand`" (copy of docs/examples/SMArtEmail.ini and mailbox/, out/MSGIN created)"
            naiveCommand     = 'dotnet pwsh -NoProfile -NonInteractive -File naive-mailkit.ps1 (Add-Type BouncyCastle.Cryptography, MimeKit, MailKit; Search(All); GetMessage(uid) per UID; Subject -match)'
            naiveScript      = (Get-Content -Raw -LiteralPath $naiveScript)
        }
        results   = $results
        latency   = $latency
        protocol  = $protocol
        ratios    = $ratios
        targets   = [ordered]@{
            # Issue 17's targets; the naive ratio is an older one, kept.
            coldStart = [ordered]@{
                description = 'Import-Module + Invoke-SmartEmailRun -WhatIf on the demo INI adds at most 150 ms to pwsh -c exit (median minus median)'
                maxSeconds = 0.15; actualSeconds = $ratios.coldStartModuleSeconds; met = ($ratios.coldStartModuleSeconds -le 0.15)
            }
            roundTrips = [ordered]@{
                description = 'IMAP round trips from connecting to the first FETCH (INBOX, password sign-in): at most 5 (TLS, login, EXAMINE, SEARCH)'
                max = 5; actual = $protocol.smartEmail.roundTripsToFirstFetch
                actualOneBatch = if ($protocol.Contains('smartEmailOneBatch')) { $protocol.smartEmailOneBatch.roundTripsToFirstFetch } else { $null }
                met = ($protocol.smartEmail.roundTripsToFirstFetch -le 5)
            }
            latencyRatio = [ordered]@{
                description = 'the run (20 rules, dry run) on 1,000 messages with the server 10 ms away takes at most 0.10 of imapfilter''s time, whole process'
                maxRatio = 0.10; actualRatio = $ratios.latencySmartEmailRunOverImapfilterWall
                met = ($null -ne $ratios.latencySmartEmailRunOverImapfilterWall -and $ratios.latencySmartEmailRunOverImapfilterWall -le 0.10)
            }
            loopbackRatio = [ordered]@{
                description = "the run (20 rules, dry run) on $MessageCount messages on loopback takes at most 0.80 of imapfilter's time, whole process"
                maxRatio = 0.80; actualRatio = $ratios.smartEmailRunOverImapfilterWall
                met = ($null -ne $ratios.smartEmailRunOverImapfilterWall -and $ratios.smartEmailRunOverImapfilterWall -le 0.80)
            }
            naiveRatio = [ordered]@{
                description = 'the naive MailKit script (one full GetMessage per UID) takes at least 10 times as long as the SmartEmail run (20 rules, dry run), both whole process'
                minRatio = 10; actualRatio = $ratios.naiveOverSmartEmailRunWall; met = ($null -ne $ratios.naiveOverSmartEmailRunWall -and $ratios.naiveOverSmartEmailRunWall -ge 10)
            }
        }
        countsOk  = ($script:countErrors.Count -eq 0)
        countErrors = @($script:countErrors)
    }
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $OutputPath)
    $report | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $OutputPath -Encoding utf8NoBOM

    # The table.
    $fmtRss = { param($s) if ($null -eq $s) { 'n/a' } else { '{0:0.0} ({1:0.0}-{2:0.0})' -f $s.median, $s.min, $s.max } }
    $fmtWall = { param($s) '{0:0.000} ({1:0.000}-{2:0.000})' -f $s.median, $s.min, $s.max }
    $rows = @(
        if ($results.Contains('pwshDirectStartup')) {
            [pscustomobject]@{ What = 'pwsh start-up (dotnet pwsh.dll -c 0)'; 'Wall s median (min-max)' = & $fmtWall $results.pwshDirectStartup.wallSeconds; 'Peak RSS MiB' = & $fmtRss $results.pwshDirectStartup.peakRssMiB; Count = '' }
        }
        [pscustomobject]@{ What = "pwsh start-up ($($PwshCommand -join ' ') -c 0)"; 'Wall s median (min-max)' = & $fmtWall $results.pwshStartup.wallSeconds; 'Peak RSS MiB' = & $fmtRss $results.pwshStartup.peakRssMiB; Count = '' }
        [pscustomobject]@{ What = 'SmartEmail, whole process'; 'Wall s median (min-max)' = & $fmtWall $se.wallSeconds; 'Peak RSS MiB' = & $fmtRss $se.peakRssMiB; Count = "$($se.count)" }
        [pscustomobject]@{ What = 'imapfilter, whole process'; 'Wall s median (min-max)' = & $fmtWall $imf.wallSeconds; 'Peak RSS MiB' = & $fmtRss $imf.peakRssMiB; Count = "$($imf.count)" }
        [pscustomobject]@{ What = "naive MailKit script, whole process ($NaiveRuns runs)"; 'Wall s median (min-max)' = & $fmtWall $results.naiveMailKitProcess.wallSeconds; 'Peak RSS MiB' = & $fmtRss $results.naiveMailKitProcess.peakRssMiB; Count = "$($results.naiveMailKitProcess.count)" }
        [pscustomobject]@{ What = 'pwsh -c exit'; 'Wall s median (min-max)' = & $fmtWall $results.pwshExit.wallSeconds; 'Peak RSS MiB' = & $fmtRss $results.pwshExit.peakRssMiB; Count = '' }
        [pscustomobject]@{ What = 'cold start: Invoke-SmartEmailRun -WhatIf (demo INI)'; 'Wall s median (min-max)' = & $fmtWall $results.coldStartWhatIf.wallSeconds; 'Peak RSS MiB' = & $fmtRss $results.coldStartWhatIf.peakRssMiB; Count = '' }
        [pscustomobject]@{ What = 'SmartEmail in-process: listing + filter'; 'Wall s median (min-max)' = & $fmtWall $results.smartEmailInProcess.wallSeconds; 'Peak RSS MiB' = $(if ($null -ne $results.smartEmailInProcess.vmHwmMiB) { '{0:0.0} (VmHWM)' -f $results.smartEmailInProcess.vmHwmMiB } else { 'n/a' }); Count = "$($results.smartEmailInProcess.count)" }
        [pscustomobject]@{ What = '  of which listing alone'; 'Wall s median (min-max)' = & $fmtWall $results.smartEmailInProcess.listingOnlySeconds; 'Peak RSS MiB' = ''; Count = '' }
        [pscustomobject]@{ What = '  of which Where-Object alone'; 'Wall s median (min-max)' = & $fmtWall $results.smartEmailInProcess.whereObjectOnlySeconds; 'Peak RSS MiB' = ''; Count = '' }
    )
    Write-Host ''
    Write-Host ("$MessageCount messages ({0:0.0} MiB), regex {1}, expected count {2}; {3} runs after 1 warm-up; {4} cores, {5:0.0} GiB, {6}" -f
        ($seed.Bytes / 1MB), $SubjectRegex, $expected, $Runs, $report.machine.nproc, ($memKiB / 1MB), $report.machine.os)
    Write-Host (($rows | Format-Table -AutoSize | Out-String -Width 200).TrimEnd())
    Write-Host ''
    Write-Host ('SmartEmail/imapfilter: wall {0}x (whole process), {1}x (in-process), peak RSS {2}x; SmartEmail whole process minus pwsh start-up: {3:0.000} s; import {4:0.000} s, first listing {5:0.000} s' -f
        $ratios.smartEmailProcessOverImapfilterWall, $ratios.smartEmailInProcessOverImapfilterWall, $(if ($null -ne $ratios.smartEmailProcessOverImapfilterRss) { $ratios.smartEmailProcessOverImapfilterRss } else { 'n/a' }),
        $ratios.smartEmailProcessMinusPwshStartupSeconds, $results.smartEmailInProcess.importSeconds, $results.smartEmailInProcess.firstListingSeconds)
    Write-Host ('IMAP commands per listing: SmartEmail {0}, imapfilter {1}' -f $protocol.smartEmail.commands, $protocol.imapfilter.commands)
    Write-Host ('Cold start: the module adds {0:0.000} s to pwsh -c exit (target <= 0.150 s: {1}); naive MailKit / SmartEmail whole process: {2}x (target >= 10: {3})' -f
        $ratios.coldStartModuleSeconds, $(if ($report.targets.coldStart.met) { 'met' } else { 'not met' }),
        $ratios.naiveOverSmartEmailRunWall, $(if ($report.targets.naiveRatio.met) { 'met' } else { 'not met' }))
    if ($latency) {
        $lr = $latency.results
        Write-Host ('A server {0} ms away ({1:0.0} ms measured NOOP round trip), {2} messages: SmartEmail run {3}, imapfilter {4}, naive MailKit {5} s (median (min-max)); naive / SmartEmail {6}x, imapfilter / SmartEmail {7}x' -f
            $LatencyMs, ($latency.measuredNoopSeconds.proxy * 1000), $LatencyMessageCount, (& $fmtWall $lr.smartEmailRunProcess.wallSeconds), (& $fmtWall $lr.imapfilterProcess.wallSeconds),
            (& $fmtWall $lr.naiveMailKitProcess.wallSeconds), $ratios.latencyNaiveOverSmartEmailRunWall, $ratios.latencyImapfilterOverSmartEmailRunWall)
    }
    Write-Host "Wrote $OutputPath"
    if ($script:countErrors.Count -gt 0) {
        throw "Wrong counts:`n$($script:countErrors -join "`n")"
    }
} finally {
    if ($script:latencyProxy -and -not $script:latencyProxy.HasExited) { $script:latencyProxy.Kill(); $script:latencyProxy.WaitForExit() }
    foreach ($k in $ports.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    if ($started) {
        $stopOutput = & bash $servicesScript stop $serviceRoot 2>&1
        Write-Step "  $($stopOutput -join ' ')"
        if ($LASTEXITCODE -ne 0) { Write-Warning "services.sh stop $serviceRoot failed ($LASTEXITCODE); stop it by hand." }
        elseif (-not $KeepRoot) { Remove-Item -LiteralPath $serviceRoot -Recurse -Force -ErrorAction SilentlyContinue }
        else { Write-Step "Kept $serviceRoot" }
    }
    Write-Step 'Done'
}
