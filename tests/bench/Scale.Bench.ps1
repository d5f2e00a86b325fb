#Requires -Version 7.2
<#
.SYNOPSIS
    Scale benchmark: does SmartEmail's cost grow with new mail rather than mailbox size, and its memory stay flat?

.DESCRIPTION
    Starts a private instance of the test mail servers (tests/services/services.sh) under a fresh temporary root and on
    its own ports, writes job-notification messages (the generator of Mailbox.Bench.ps1, in BenchCommon.ps1) straight
    into the users' Maildirs before dovecot indexes them, and measures:

      scanLarge       the full scan of Mailbox.Bench.ps1 (`Import-Module; (Get-SmartEmailMessage … | Where-Object Subject
                      -match …).Count`, whole process) on -LargeCount messages (carol): wall time and peak RSS, to set
                      next to the same command on the mailbox benchmark's messages in mailbox.json
      incremental     a real Invoke-SmartEmailRun of an INI with 20 subject rules (one matches 1% of the mail) on
                      -SmallCount and on -LargeCount messages, in two stores each: dovecot's Maildir (alice, carol; new
                      mail is written into new/, as an MTA delivering to Maildir does) and an mdbox copy of the same
                      messages (alice-mdbox, carol-mdbox, made with doveadm backup; new mail is delivered by
                      dovecot-lda, as Postfix -> dovecot LDA/LMTP does). First one run over all of them (recorded,
                      not part of the figure), which leaves the state file <INI>.state.json with its IMAP UID watermark;
                      then, -Runs + 1 times (the first a warm-up), -NewCount new messages are delivered into each
                      mailbox and the run is timed again, whole process (`Import-Module; Invoke-SmartEmailRun -Path <INI>`)
                      and as the run's own RunResult.Duration. Every timed run must scan exactly -NewCount messages.
                      The target (the large mailbox within 1.2x of the small one) is judged on mdbox, whose cost of an
                      open does not grow with the mailbox; on Maildir, dovecot rescans the 100,000-file cur/ directory
                      at the first opens after a change, which a bare client pays too (see the probes).
      attachment      one message with an -AttachmentMiB MiB attachment (bob's folder Big) listed and downloaded with
                      `Get-SmartEmailMessage -Folder Big | Save-SmartEmailMessage`, whole process; its peak RSS against the
                      same command on a message with a 10 KiB attachment (folder Small): the baseline.

    Whole-process runs go round-robin (one warm-up round, then -Runs rounds), so a change in the machine's load hits
    every scenario alike. Peak RSS is /usr/bin/time %M. There are no timing assertions: the script fails only when a
    count or a saved size is wrong, or something does not run. The servers are stopped (and the root removed) in a finally.

.PARAMETER ModulePath
    The built SmartEmail.psd1.

.PARAMETER OutputPath
    The JSON file to write (its folder is created).

.PARAMETER PortBase
    The six server ports are PortBase + 143/993/110/995/25/465 (default 12000, apart from Mailbox.Bench.ps1's 11000).

.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Scale.Bench.ps1 -ModulePath out/SmartEmail/0.1.0/SmartEmail.psd1 -OutputPath out/bench/scale.json
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [ValidateRange(100, 1000000)] [int] $SmallCount = 1000,
    [ValidateRange(100, 1000000)] [int] $LargeCount = 100000,
    # Message sizes are log-uniform from 2 KiB to -MaxKiB; the large mailbox is capped lower (-LargeMaxKiB), so that its
    # -LargeCount messages stay within the disk and time budget (100,000 x 2-200 KiB would be about 4.5 GB).
    [ValidateRange(3, 10240)] [int] $MaxKiB = 200,
    [ValidateRange(3, 10240)] [int] $LargeMaxKiB = 50,
    # New messages per incremental run; a multiple of 100 keeps exactly 1% of them matching.
    [ValidateRange(100, 100000)] [int] $NewCount = 100,
    [ValidateRange(1, 50)] [int] $Runs = 5,
    [ValidateRange(1, 1024)] [int] $AttachmentMiB = 50,
    [string] $SubjectRegex = '^OpCon/xps: \S+ total = [0-9.]+$',
    [ValidateRange(1024, 64000)] [int] $PortBase = 12000,
    [string[]] $PwshCommand = @('dotnet', 'pwsh'),
    [ValidateRange(10, 3600)] [int] $TimeoutSeconds = 900,
    [switch] $KeepRoot
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$clock = [System.Diagnostics.Stopwatch]::StartNew()
$invariant = [System.Globalization.CultureInfo]::InvariantCulture

$repoRoot = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '..' '..')).ProviderPath
$servicesScript = Join-Path $repoRoot 'tests' 'services' 'services.sh'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath, (Get-Location).ProviderPath)
$timeTool = if (Test-Path -LiteralPath '/usr/bin/time' -PathType Leaf) { '/usr/bin/time' } else { $null }

function Write-Step([string] $Text) {
    Write-Host ('[{0,6:0.0}s] {1}' -f $clock.Elapsed.TotalSeconds, $Text)
}

if (-not $IsLinux) { throw 'The benchmark runs on Linux only (the test servers do).' }
if ($NewCount % 100 -ne 0) { throw '-NewCount must be a multiple of 100 (1 in 100 messages matches).' }

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

# Makes a Maildir++ folder (dovecot's layout for maildir:~/Maildir) that the mail uid can use.
function New-MaildirFolder([string] $Maildir, [string] $Name) {
    $folder = Join-Path $Maildir ".$Name"
    foreach ($d in 'cur', 'new', 'tmp') { $null = New-Item -ItemType Directory -Force -Path (Join-Path $folder $d) }
    & chown -R nobody:nogroup $folder
    if ($LASTEXITCODE -ne 0) { throw "chown '$folder' failed." }
    $folder
}

# One multipart message with a base64 attachment of -Bytes random bytes, streamed to disk (never whole in memory);
# returns the file's size, which is what Save-SmartEmailMessage must write.
function Write-AttachmentMessage([string] $Folder, [string] $Address, [long] $Bytes, [string] $Name) {
    $file = Join-Path $Folder 'tmp' "$([DateTimeOffset]::UtcNow.ToUnixTimeSeconds()).M1P$PID.$Name-attachment:2,"
    $encoding = [System.Text.Encoding]::ASCII
    $stream = [System.IO.FileStream]::new($file, 'CreateNew', 'Write', 'None', 1MB)
    try {
        $date = [DateTimeOffset]::UtcNow.ToString('ddd, dd MMM yyyy HH:mm:ss +0000', $invariant)
        $head = "From: OpCon Scheduler <opcon@xps.example.com>`r`nTo: $Address`r`nSubject: Payroll file for 20261125 ($Name)`r`n" +
            "Date: $date`r`nMessage-ID: <bench-$Name@xps.example.com>`r`nMIME-Version: 1.0`r`n" +
            "Content-Type: multipart/mixed; boundary=`"bench-boundary`"`r`n`r`n--bench-boundary`r`n" +
            "Content-Type: text/plain; charset=us-ascii`r`n`r`nThe payroll file is attached.`r`n`r`n--bench-boundary`r`n" +
            "Content-Type: application/octet-stream; name=`"PAYROLL_20261125.dat`"`r`n" +
            "Content-Disposition: attachment; filename=`"PAYROLL_20261125.dat`"`r`nContent-Transfer-Encoding: base64`r`n`r`n"
        $data = $encoding.GetBytes($head)
        $stream.Write($data, 0, $data.Length)
        $random = [System.Random]::new(50)
        $chunk = [byte[]]::new(57 * 16384)   # whole 76-character base64 lines
        for ($left = $Bytes; $left -gt 0; $left -= $chunk.Length) {
            $random.NextBytes($chunk)
            $n = [int][Math]::Min($chunk.Length, $left)
            $data = $encoding.GetBytes([Convert]::ToBase64String($chunk, 0, $n, 'InsertLineBreaks') + "`r`n")
            $stream.Write($data, 0, $data.Length)
        }
        $data = $encoding.GetBytes("--bench-boundary--`r`n")
        $stream.Write($data, 0, $data.Length)
    } finally {
        $stream.Dispose()
    }
    $size = (Get-Item -LiteralPath $file).Length
    Move-Item -LiteralPath $file -Destination (Join-Path $Folder 'cur' ((Split-Path -Leaf $file) -replace ':2,$', ",S=${size}:2,"))
    & chown -R nobody:nogroup $Folder
    if ($LASTEXITCODE -ne 0) { throw "chown '$Folder' failed." }
    $size
}

# One whole-process Invoke-SmartEmailRun; returns the child's figures and the run's own result.
function Invoke-Run([string] $Ini) {
    $command = "Import-Module $(Quote $ModulePath); `$r = Invoke-SmartEmailRun -Path $(Quote $Ini) -InformationAction SilentlyContinue; " +
        "'BENCH-RUN ' + (@{ scanned = `$r.Scanned; accepted = `$r.Accepted; events = `$r.EventsSubmitted; errors = @(`$r.Errors); " +
        "seconds = `$r.Duration.TotalSeconds; exitCode = `$r.ExitCode } | ConvertTo-Json -Compress)"
    $file, $arguments = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $command)
    $r = Invoke-Child -FilePath $file -ArgumentList $arguments
    $line = @($r.Stdout -split "`r?`n" | Where-Object { $_.StartsWith('BENCH-RUN ') })
    if ($r.ExitCode -ne 0 -or $line.Count -eq 0) { throw "Invoke-SmartEmailRun on $Ini failed ($($r.ExitCode)).`nstdout: $($r.Stdout)`nstderr: $($r.Stderr)" }
    $run = $line[-1].Substring('BENCH-RUN '.Length) | ConvertFrom-Json
    if (@($run.errors).Count -ne 0) { $script:countErrors.Add("Invoke-SmartEmailRun on $Ini reported errors: $($run.errors -join '; ')") }
    [pscustomobject]@{ Seconds = $r.Seconds; PeakRssKiB = $r.PeakRssKiB; Run = $run }
}

# Adds users whose mail is in mdbox to the private dovecot: @{ name = password }. passwd-file's last field carries
# userdb extra fields. dovecot re-reads the file when its mtime changes, which it sees to the second only, so this
# waits until every new user is known (touching the file again once a second).
function Add-MdboxUser([System.Collections.IDictionary] $Users) {
    $usersFile = Join-Path $serviceRoot 'users'
    foreach ($name in $Users.Keys) {
        $userHome = Join-Path $serviceRoot 'mail' $name
        $null = New-Item -ItemType Directory -Force -Path $userHome
        & chown nobody:nogroup $userHome
        if ($LASTEXITCODE -ne 0) { throw "chown '$userHome' failed." }
    }
    Add-Content -LiteralPath $usersFile -Value @($Users.Keys | ForEach-Object { "${_}:{PLAIN}$($Users[$_])::::::userdb_mail=mdbox:~/mdbox" })
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    foreach ($name in $Users.Keys) {
        while ($true) {
            $null = & doveadm -c $dovecotConf user $name 2>&1
            if ($LASTEXITCODE -eq 0) { break }
            if ([DateTime]::UtcNow -gt $deadline) { throw "dovecot does not know the user $name added to $usersFile." }
            Start-Sleep -Milliseconds 1100
            (Get-Item -LiteralPath $usersFile).LastWriteTimeUtc = [DateTime]::UtcNow
        }
    }
}

# Makes an mdbox copy of a seeded Maildir for a user of Add-MdboxUser (dsync keeps UIDVALIDITY and UIDs): dovecot's
# indexed format, which it does not rescan, so an open costs the same whatever the mailbox holds.
function Copy-ToMdbox([string] $User, [string] $Maildir) {
    $output = & doveadm -c $dovecotConf backup -R -u $User "maildir:$Maildir" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "doveadm backup of '$Maildir' into ${User}'s mdbox failed ($LASTEXITCODE): $($output -join "`n")" }
}

# Puts -Count new generated messages (the seed decides which) into a mailbox the way its server gets mail: written into
# a Maildir's new/ (an MTA delivering to Maildir, e.g. Postfix's local delivery), or handed to dovecot-lda one by one
# (Postfix -> dovecot LDA/LMTP), which files them and updates the index as it delivers.
function Add-NewMail($Box, [int] $Count, [int] $Seed) {
    if ($Box.Format -eq 'maildir') {
        $null = Write-Mailbox -Maildir $Box.Maildir -Address $Box.Address -Count $Count -Start $Box.Written -Into new -MaxKiB $MaxKiB -Seed $Seed
    } else {
        $incoming = Join-Path $script:scratch "incoming-$($Box.User)"
        foreach ($d in 'cur', 'new', 'tmp') { $null = New-Item -ItemType Directory -Force -Path (Join-Path $incoming $d) }
        $null = Write-Mailbox -Maildir $incoming -Address $Box.Address -Count $Count -Start $Box.Written -Into new -MaxKiB $MaxKiB -Seed $Seed
        $deliver = 'for f in "$1"/new/*; do "$2" -c "$3" -d "$4" -f opcon@xps.example.com < "$f" || exit 1; rm -f -- "$f"; done'
        $output = & bash -c $deliver deliver $incoming $lda $dovecotConf $Box.User 2>&1
        if ($LASTEXITCODE -ne 0) { throw "dovecot-lda delivery to $($Box.User) failed ($LASTEXITCODE): $($output -join "`n")" }
    }
    $Box.Written += $Count
}

$script:countErrors = [System.Collections.Generic.List[string]]::new()
$suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
$serviceRoot = Join-Path ([System.IO.Path]::GetTempPath()) "se-scale-$suffix"
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
    Write-Step "Starting private test servers under $serviceRoot (IMAPS port $imapsPort)"
    foreach ($k in $ports.Keys) { [Environment]::SetEnvironmentVariable($k, [string] $ports[$k]) }
    $startOutput = & bash $servicesScript start $serviceRoot 2>&1
    $startExit = $LASTEXITCODE
    foreach ($k in $ports.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    $started = $true   # stop even after a failed start: it may have left something running
    if ($startExit -ne 0) { throw "services.sh start failed ($startExit): $($startOutput -join "`n")" }
    Write-Step "  $($startOutput -join ' ')"
    $service = Get-Content -Raw -LiteralPath (Join-Path $serviceRoot 'services.json') | ConvertFrom-Json
    $userOf = @{}
    foreach ($u in $service.users) { $userOf[$u.name] = $u }
    $null = New-Item -ItemType Directory -Force -Path $script:scratch

    # Benchmark a copy of the module: the build output may be rebuilt by someone else while this runs.
    $sourceModulePath = $ModulePath
    $moduleSource = Split-Path -Parent $ModulePath
    $moduleCopy = Join-Path $script:scratch 'module' 'SmartEmail' (Split-Path -Leaf $moduleSource)
    $null = New-Item -ItemType Directory -Force -Path $moduleCopy
    Copy-Item -Path (Join-Path $moduleSource '*') -Destination $moduleCopy -Recurse -Force
    $ModulePath = Join-Path $moduleCopy (Split-Path -Leaf $ModulePath)

    # Two stores for each size: dovecot's Maildir (one file per message; new mail is written into new/ by the
    # benchmark, as an MTA delivering to Maildir does) and an mdbox copy of the same messages (dovecot's indexed
    # format; new mail is delivered by dovecot-lda, as Postfix -> dovecot LDA/LMTP does).
    $dovecotConf = Join-Path $serviceRoot 'dovecot.conf'
    $lda = '/usr/lib/dovecot/dovecot-lda'
    if (-not (Test-Path -LiteralPath $lda -PathType Leaf)) { throw "$lda is missing (package dovecot-core)." }
    $boxes = [ordered]@{
        small = [ordered]@{ User = 'alice'; Count = $SmallCount; MaxKiB = $MaxKiB; Format = 'maildir' }
        large = [ordered]@{ User = 'carol'; Count = $LargeCount; MaxKiB = $LargeMaxKiB; Format = 'maildir' }
        smallIndexed = [ordered]@{ User = 'alice-mdbox'; Count = $SmallCount; MaxKiB = $MaxKiB; Format = 'mdbox'; CopyOf = 'small' }
        largeIndexed = [ordered]@{ User = 'carol-mdbox'; Count = $LargeCount; MaxKiB = $LargeMaxKiB; Format = 'mdbox'; CopyOf = 'large' }
    }
    $mdboxUsers = [ordered]@{}
    foreach ($b in $boxes.Values) { if ($b.Format -eq 'mdbox') { $mdboxUsers[$b.User] = $userOf[$boxes[$b.CopyOf].User].password } }
    Add-MdboxUser $mdboxUsers
    $seedSeconds = [ordered]@{}
    foreach ($key in $boxes.Keys) {
        $b = $boxes[$key]
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        if ($b.Format -eq 'maildir') {
            $b.Maildir = Join-Path $serviceRoot 'mail' $b.User 'Maildir'
            $b.Address = $userOf[$b.User].address
            Write-Step "Writing $($b.Count) messages into $($b.User)'s Maildir"
            $b.Seed = Write-Mailbox -Maildir $b.Maildir -Address $b.Address -Count $b.Count -MaxKiB $b.MaxKiB
        } else {
            $source = $boxes[$b.CopyOf]
            $b.Address = $source.Address
            $b.Seed = $source.Seed
            $userOf[$b.User] = [pscustomobject]@{ name = $b.User; password = $userOf[$source.User].password; address = $b.Address }
            Write-Step "Copying $($source.User)'s Maildir into $($b.User)'s mdbox (doveadm backup)"
            Copy-ToMdbox -User $b.User -Maildir $source.Maildir
        }
        $seedSeconds[$key] = [Math]::Round($watch.Elapsed.TotalSeconds, 2)
        Write-Step ('  {0} messages, {1:0.0} MiB (2-{2} KiB each), {3} match, in {4:0.0} s; {5}' -f $b.Count, ($b.Seed.Bytes / 1MB), $b.MaxKiB, $b.Seed.Matching,
            $watch.Elapsed.TotalSeconds, (($b.Seed.Mix.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', '))
    }

    # Full scan of the large mailbox, the command of Mailbox.Bench.ps1's smartEmailProcess.
    $large = $boxes.large
    $credentialText = "[pscredential]::new($(Quote $large.User), (ConvertTo-SecureString $(Quote $userOf[$large.User].password) -AsPlainText -Force))"
    $scanCommand = "Import-Module $(Quote $ModulePath); `$c = $credentialText; (Get-SmartEmailMessage -Server 127.0.0.1 -Port $imapsPort -TlsMode Implicit " +
        "-Credential `$c -AcceptSelfSignedCertificate | Where-Object Subject -match $(Quote $SubjectRegex)).Count"
    $scanFile, $scanArgs = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $scanCommand)
    Write-Step "Full scan of $LargeCount messages, whole process: 1 warm-up (dovecot indexes the Maildir), then $Runs runs"
    $results = Measure-Scenarios @(
        @{ Name = 'scanLarge'; FilePath = $scanFile; ArgumentList = $scanArgs; Environment = @{}; ExpectedCount = $large.Seed.Matching }
    )

    # Incremental runs.
    $incremental = [ordered]@{}
    foreach ($key in $boxes.Keys) {
        $b = $boxes[$key]
        $b.Ini = New-RunIni -Folder (Join-Path $script:scratch "run-$key") -User $b.User -Password $userOf[$b.User].password
        Write-Step "Invoke-SmartEmailRun over the $($b.Count) existing messages of $($b.User) (not timed as the figure)"
        $first = Invoke-Run $b.Ini
        if ($first.Run.scanned -ne $b.Count -or $first.Run.accepted -ne $b.Seed.Matching) {
            $script:countErrors.Add("The first run on $($b.User) scanned $($first.Run.scanned) and accepted $($first.Run.accepted); expected $($b.Count) and $($b.Seed.Matching).")
        }
        Write-Step ('  {0:0.000} s whole process, run {1:0.000} s, peak RSS {2:0.0} MiB, {3} scanned, {4} accepted' -f $first.Seconds, $first.Run.seconds,
            ($first.PeakRssKiB / 1024), $first.Run.scanned, $first.Run.accepted)
        $b.Written = $b.Count
        $b.Wall = [System.Collections.Generic.List[double]]::new()
        $b.RunSeconds = [System.Collections.Generic.List[double]]::new()
        $b.Rss = [System.Collections.Generic.List[double]]::new()
        $incremental[$key] = [ordered]@{
            user = $b.User; format = $b.Format
            delivery = $(if ($b.Format -eq 'maildir') { 'files written into the Maildir''s new/' } else { 'dovecot-lda, one process per message' })
            existingMessages = $b.Count; mailboxMiB = [Math]::Round($b.Seed.Bytes / 1MB, 2); seedSeconds = $seedSeconds[$key]
            sizeKiB = [ordered]@{ from = 2; to = $b.MaxKiB; smallest = [Math]::Round($b.Seed.MinBytes / 1KB, 1); largest = [Math]::Round($b.Seed.MaxBytes / 1KB, 1)
                mean = [Math]::Round($b.Seed.Bytes / $b.Count / 1KB, 1) }
            mix = $b.Seed.Mix
            firstRun = [ordered]@{ wallSeconds = [Math]::Round($first.Seconds, 3); runSeconds = [Math]::Round($first.Run.seconds, 3)
                peakRssMiB = if ($null -ne $first.PeakRssKiB) { [Math]::Round($first.PeakRssKiB / 1024, 1) } else { $null }
                scanned = $first.Run.scanned; accepted = $first.Run.accepted }
        }
    }
    Write-Step "Incremental runs, round-robin: $NewCount new messages delivered before each; 1 warm-up round, then $Runs rounds"
    for ($i = 0; $i -le $Runs; $i++) {
        foreach ($key in $boxes.Keys) {
            $b = $boxes[$key]
            # The same new mail (realistic, 2 to -MaxKiB KiB, seeded by the round) for every mailbox.
            Add-NewMail $b $NewCount (1000 + $i)
            $r = Invoke-Run $b.Ini
            if ($r.Run.scanned -ne $NewCount -or $r.Run.accepted -ne $NewCount / 100) {
                $script:countErrors.Add("Incremental run $i on $($b.User) scanned $($r.Run.scanned) and accepted $($r.Run.accepted); expected $NewCount and $($NewCount / 100).")
            }
            $label = if ($i -eq 0) { 'warm-up' } else { "run $i/$Runs" }
            Write-Step ('  {0,-6} {1,-9} {2,7:0.000} s  run {3:0.000} s  {4,6:0.0} MiB  scanned {5} of {6}' -f $key, $label, $r.Seconds, $r.Run.seconds,
                ($r.PeakRssKiB / 1024), $r.Run.scanned, $b.Written)
            if ($i -eq 0) { continue }
            $b.Wall.Add($r.Seconds)
            $b.RunSeconds.Add($r.Run.seconds)
            if ($null -ne $r.PeakRssKiB) { $b.Rss.Add($r.PeakRssKiB / 1024) }
        }
    }
    # The same run with no new mail: what opening and searching each mailbox costs by itself.
    Write-Step "Runs with no new mail, round-robin: $Runs rounds"
    foreach ($key in $boxes.Keys) { $boxes[$key].EmptySeconds = [System.Collections.Generic.List[double]]::new() }
    for ($i = 1; $i -le $Runs; $i++) {
        foreach ($key in $boxes.Keys) {
            $r = Invoke-Run $boxes[$key].Ini
            if ($r.Run.scanned -ne 0) { $script:countErrors.Add("A run with no new mail on $($boxes[$key].User) scanned $($r.Run.scanned).") }
            $boxes[$key].EmptySeconds.Add($r.Run.seconds)
            Write-Step ('  {0,-6} run {1}/{2}  {3,7:0.000} s  run {4:0.000} s' -f $key, $i, $Runs, $r.Seconds, $r.Run.seconds)
        }
    }
    foreach ($key in $boxes.Keys) {
        $b = $boxes[$key]
        $state = Get-Item -LiteralPath "$($b.Ini).state.json"
        $incremental[$key].noNewMailRunSeconds = Get-Stat $b.EmptySeconds.ToArray()
        $incremental[$key].newPerRun = $NewCount
        $incremental[$key].wallSeconds = Get-Stat $b.Wall.ToArray()
        $incremental[$key].runSeconds = Get-Stat $b.RunSeconds.ToArray()
        $incremental[$key].peakRssMiB = if ($b.Rss.Count -eq $Runs) { Get-Stat $b.Rss.ToArray() 1 } else { $null }
        $incremental[$key].messagesAtEnd = $b.Written
        $incremental[$key].stateFileBytes = $state.Length
    }
    $results.incremental = $incremental

    # Where the time of an incremental run goes. The same IMAP work twice, each after its own delivery of -NewCount
    # messages: by SmartEmail's engine through the module (engine-incremental.ps1: the run's MailSource.Read above the
    # watermark, with a timestamped protocol log) and by a bare client (imap-incremental.py, Python's imaplib: EXAMINE,
    # UID SEARCH UID n:*, one UID FETCH of the same items); then both again with no new mail. Neither writes the state
    # file, so this comes after the runs above. Each client's figure is its own clock from connecting to logging out.
    $python = '/usr/bin/python3'
    $probes = [ordered]@{}
    if (Test-Path -LiteralPath $python -PathType Leaf) {
        $bareScript = Join-Path $PSScriptRoot 'imap-incremental.py'
        $engineScript = Join-Path $PSScriptRoot 'engine-incremental.ps1'
        $probeLogs = Join-Path $script:scratch 'probe-logs'
        $null = New-Item -ItemType Directory -Force -Path $probeLogs
        $clients = 'engine', 'bare', 'engineNoNew', 'bareNoNew'
        foreach ($key in $boxes.Keys) {
            $b = $boxes[$key]
            $state = Get-Content -Raw -LiteralPath "$($b.Ini).state.json" | ConvertFrom-Json
            $b.UidValidity = [uint32] @($state.mailboxes.PSObject.Properties)[0].Value.uidValidity
            $b.Probe = @{}
            foreach ($c in $clients) { $b.Probe[$c] = [System.Collections.Generic.List[object]]::new() }
        }
        Write-Step "Incremental IMAP work, SmartEmail's engine against a bare imaplib client, round-robin: $NewCount new messages before each; 1 warm-up round, then $Runs rounds"
        for ($i = 0; $i -le $Runs; $i++) {
            foreach ($key in $boxes.Keys) {
                $b = $boxes[$key]
                foreach ($c in $clients) {
                    $newMail = $c -notlike '*NoNew'
                    $after = $b.Written
                    if ($c -eq 'engineNoNew') {
                        # An open that comes within a second or so of a delivery (the bare client's does) leaves new/ to be
                        # scanned again by the next open, mail or not; so the pair without new mail is measured after a
                        # pause and one unmeasured session, and neither pays for the delivery before it.
                        Start-Sleep -Seconds 2
                        $null = Invoke-Child -FilePath $python -ArgumentList @($bareScript, '127.0.0.1', $imapsPort, $b.User, $userOf[$b.User].password, ($after + 1))
                    }
                    if ($newMail) { Add-NewMail $b $NewCount (2000 + 10 * $i + [array]::IndexOf($clients, $c)) }
                    $expectedRead = if ($newMail) { $NewCount } else { 0 }
                    if ($c -like 'engine*') {
                        $logPath = Join-Path $probeLogs "$($b.User)-$c-$i.log"
                        $file, $arguments = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-File', $engineScript, '-ModulePath', $ModulePath, '-Ini', $b.Ini,
                            '-AfterUid', $after, '-UidValidity', $b.UidValidity, '-LogPath', $logPath)
                        $r = Invoke-Child -FilePath $file -ArgumentList $arguments
                        $line = @($r.Stdout -split "`r?`n" | Where-Object { $_.StartsWith('BENCH-PROBE ') })
                        if ($r.ExitCode -ne 0 -or $line.Count -eq 0) { throw "engine-incremental.ps1 on $($b.User) failed ($($r.ExitCode)).`nstdout: $($r.Stdout)`nstderr: $($r.Stderr)" }
                        $p = $line[-1].Substring('BENCH-PROBE '.Length) | ConvertFrom-Json
                        $count = $p.read
                    } else {
                        $r = Invoke-Child -FilePath $python -ArgumentList @($bareScript, '127.0.0.1', $imapsPort, $b.User, $userOf[$b.User].password, ($after + 1))
                        if ($r.ExitCode -ne 0) { throw "imap-incremental.py on $($b.User) failed ($($r.ExitCode)).`nstdout: $($r.Stdout)`nstderr: $($r.Stderr)" }
                        $p = @($r.Stdout -split "`r?`n" | Where-Object { $_.StartsWith('{') })[-1] | ConvertFrom-Json
                        $count = $p.fetched
                    }
                    if ($count -ne $expectedRead) { $script:countErrors.Add("Probe $c round $i on $($b.User) read $count messages, expected $expectedRead.") }
                    $label = if ($i -eq 0) { 'warm-up' } else { "run $i/$Runs" }
                    Write-Step ('  {0,-6} {1,-12} {2,-9} {3,7:0.000} s  ({4})' -f $key, $c, $label, $p.seconds,
                        (($p.steps.PSObject.Properties | ForEach-Object { '{0} {1:0.000}' -f $_.Name, $_.Value }) -join ', '))
                    if ($i -gt 0) { $b.Probe[$c].Add($p) }
                }
            }
        }
        foreach ($key in $boxes.Keys) {
            $b = $boxes[$key]
            $probes[$key] = [ordered]@{}
            foreach ($c in $clients) {
                $list = $b.Probe[$c]
                $stepNames = @($list | ForEach-Object { $_.steps.PSObject.Properties.Name } | Select-Object -Unique)
                $stepStats = [ordered]@{}
                foreach ($n in $stepNames) { $stepStats[$n] = Get-Stat @($list | ForEach-Object { $v = $_.steps.$n; if ($null -eq $v) { 0 } else { [double] $v } }) 4 }
                $probes[$key][$c] = [ordered]@{ seconds = Get-Stat @($list | ForEach-Object { [double] $_.seconds }) 4; steps = $stepStats }
                if ($c -like 'engine*') {
                    $serverStats = [ordered]@{}
                    foreach ($n in @($list | ForEach-Object { $_.server.PSObject.Properties.Name } | Select-Object -Unique)) {
                        $serverStats[$n] = Get-Stat @($list | ForEach-Object { $v = $_.server.$n; if ($null -eq $v) { 0 } else { [double] $v } }) 4
                    }
                    $probes[$key][$c].server = $serverStats
                }
            }
            $probes[$key].messagesAtEnd = $b.Written
        }
        # One timestamped protocol log of each mailbox, for the record.
        foreach ($key in $boxes.Keys) {
            $source = Join-Path $probeLogs "$($boxes[$key].User)-engine-$Runs.log"
            if (Test-Path -LiteralPath $source) { Copy-Item -LiteralPath $source -Destination (Join-Path (Split-Path -Parent $OutputPath) "incremental-protocol-$($boxes[$key].User).log") }
        }
    } else {
        Write-Warning "$python is missing: no bare-client baseline for the incremental runs."
    }
    $results.incrementalProbe = $probes

    # A 50 MiB attachment, downloaded; against a 10 KiB one.
    $bob = $userOf['bob']
    $bobMaildir = Join-Path $serviceRoot 'mail' 'bob' 'Maildir'
    Write-Step "Writing a message with a $AttachmentMiB MiB attachment (folder Big) and one with 10 KiB (folder Small) into bob's Maildir"
    $bigSize = Write-AttachmentMessage -Folder (New-MaildirFolder $bobMaildir 'Big') -Address $bob.address -Bytes ($AttachmentMiB * 1MB) -Name big
    $smallSize = Write-AttachmentMessage -Folder (New-MaildirFolder $bobMaildir 'Small') -Address $bob.address -Bytes 10KB -Name small
    Write-Step ('  {0:0.0} MiB and {1:0.0} KiB on disk' -f ($bigSize / 1MB), ($smallSize / 1KB))
    $bobCredential = "[pscredential]::new('bob', (ConvertTo-SecureString $(Quote $bob.password) -AsPlainText -Force))"
    $scenarios = foreach ($f in @(@{ Folder = 'Small'; Size = $smallSize }, @{ Folder = 'Big'; Size = $bigSize })) {
        $destination = Join-Path $script:scratch "saved-$($f.Folder)"
        $command = "Import-Module $(Quote $ModulePath); `$c = $bobCredential; Get-SmartEmailMessage -Server 127.0.0.1 -Port $imapsPort -TlsMode Implicit " +
            "-Credential `$c -AcceptSelfSignedCertificate -Folder $($f.Folder) | Save-SmartEmailMessage -Destination $(Quote $destination) | " +
            "ForEach-Object { `$_.Length; Remove-Item -LiteralPath `$_.FullName }"
        $file, $arguments = Get-PwshInvocation @('-NoProfile', '-NonInteractive', '-c', $command)
        @{ Name = "save$($f.Folder)"; FilePath = $file; ArgumentList = $arguments; Environment = @{}; ExpectedCount = $f.Size }
    }
    Write-Step "Download, whole process, round-robin: 1 warm-up round, then $Runs rounds"
    $download = Measure-Scenarios $scenarios
    $results.saveSmall = $download.saveSmall
    $results.saveBig = $download.saveBig

    $ratio = { param($a, $b) if ($null -eq $a -or $null -eq $b -or $b -eq 0) { $null } else { [Math]::Round($a / $b, 2) } }
    $inc = $results.incremental
    $ratios = [ordered]@{
        incrementalLargeOverSmallWall = & $ratio $inc.large.wallSeconds.median $inc.small.wallSeconds.median
        incrementalLargeOverSmallRun  = & $ratio $inc.large.runSeconds.median $inc.small.runSeconds.median
        incrementalIndexedLargeOverSmallWall = & $ratio $inc.largeIndexed.wallSeconds.median $inc.smallIndexed.wallSeconds.median
        incrementalIndexedLargeOverSmallRun  = & $ratio $inc.largeIndexed.runSeconds.median $inc.smallIndexed.runSeconds.median
        attachmentPeakRssOverBaselineMiB = if ($results.saveBig.peakRssMiB -and $results.saveSmall.peakRssMiB) {
            [Math]::Round($results.saveBig.peakRssMiB.median - $results.saveSmall.peakRssMiB.median, 1) } else { $null }
    }
    $report = [ordered]@{
        schema    = 'smartemail-scale-bench/1'
        timestamp = [DateTimeOffset]::UtcNow.ToString('o')
        machine   = [ordered]@{ nproc = [Environment]::ProcessorCount; loadAverageBefore = $loadBefore; loadAverageAfter = Get-LoadAverage }
        software  = [ordered]@{ modulePath = $sourceModulePath; benchmarkedModuleCopy = $ModulePath; pwshCommand = $PwshCommand -join ' ' }
        setup     = [ordered]@{
            smallCount = $SmallCount; largeCount = $LargeCount; newPerRun = $NewCount; runs = $Runs; warmupRuns = 1
            largeMailboxMiB = [Math]::Round($large.Seed.Bytes / 1MB, 2); largeSeedSeconds = $seedSeconds.large
            maxKiB = $MaxKiB; largeMaxKiB = $LargeMaxKiB; largeMix = $large.Seed.Mix
            subjectRegex = $SubjectRegex; expectedLargeCount = $large.Seed.Matching
            scanCommand = "dotnet pwsh -NoProfile -NonInteractive -c `"$scanCommand`""
            runCommand = 'dotnet pwsh -NoProfile -NonInteractive -c "Import-Module <module>; Invoke-SmartEmailRun -Path <INI>" (20 subject rules, MSGIN, DeleteEmails=None, UseLastRunDate=False, LogAccepts=True)'
            runIni = (Get-Content -Raw -LiteralPath $boxes.small.Ini) -replace '(?m)^(Password|OpConUserPassword)=.*$', '$1=***'
            attachmentMiB = $AttachmentMiB; attachmentMessageBytes = $bigSize; baselineMessageBytes = $smallSize
            saveCommand = 'dotnet pwsh -NoProfile -NonInteractive -c "Import-Module <module>; Get-SmartEmailMessage … -Folder Big | Save-SmartEmailMessage -Destination <folder>" (baseline: -Folder Small)'
            peakRss = $(if ($timeTool) { '/usr/bin/time %M of the whole child process' } else { 'unavailable' })
        }
        results   = $results
        ratios    = $ratios
        targets   = [ordered]@{
            incremental = [ordered]@{
                description = "$NewCount new messages on top of $LargeCount handled ones take at most 1.2 times as long as on top of $SmallCount (whole process, median over median), on dovecot's indexed store (mdbox, new mail delivered by dovecot-lda)"
                maxRatio = 1.2; actualRatio = $ratios.incrementalIndexedLargeOverSmallWall
                met = ($null -ne $ratios.incrementalIndexedLargeOverSmallWall -and $ratios.incrementalIndexedLargeOverSmallWall -le 1.2)
            }
            incrementalMaildir = [ordered]@{
                description = "the same on dovecot's Maildir, new mail written into new/"
                maxRatio = 1.2; actualRatio = $ratios.incrementalLargeOverSmallWall; met = ($null -ne $ratios.incrementalLargeOverSmallWall -and $ratios.incrementalLargeOverSmallWall -le 1.2)
            }
            attachment = [ordered]@{
                description = "downloading a message with a $AttachmentMiB MiB attachment peaks under 100 MiB above the same command on a small one"
                maxMiB = 100; actualMiB = $ratios.attachmentPeakRssOverBaselineMiB; met = ($null -ne $ratios.attachmentPeakRssOverBaselineMiB -and $ratios.attachmentPeakRssOverBaselineMiB -lt 100)
            }
        }
        seconds   = [Math]::Round($clock.Elapsed.TotalSeconds, 1)
        countsOk  = ($script:countErrors.Count -eq 0)
        countErrors = @($script:countErrors)
    }
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $OutputPath)
    $report | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $OutputPath -Encoding utf8NoBOM

    $fmt = { param($s, $d = '0.000') if ($null -eq $s) { 'n/a' } else { "{0:$d} ({1:$d}-{2:$d})" -f $s.median, $s.min, $s.max } }
    Write-Host ''
    Write-Host (([pscustomobject[]] @(
        [pscustomobject]@{ What = "full scan, $LargeCount messages"; 'Wall s median (min-max)' = & $fmt $results.scanLarge.wallSeconds; 'Peak RSS MiB' = & $fmt $results.scanLarge.peakRssMiB '0.0' }
        [pscustomobject]@{ What = "incremental: $NewCount new on $SmallCount"; 'Wall s median (min-max)' = & $fmt $inc.small.wallSeconds; 'Peak RSS MiB' = & $fmt $inc.small.peakRssMiB '0.0' }
        [pscustomobject]@{ What = "incremental: $NewCount new on $LargeCount"; 'Wall s median (min-max)' = & $fmt $inc.large.wallSeconds; 'Peak RSS MiB' = & $fmt $inc.large.peakRssMiB '0.0' }
        [pscustomobject]@{ What = '  run alone (RunResult.Duration), on small'; 'Wall s median (min-max)' = & $fmt $inc.small.runSeconds; 'Peak RSS MiB' = '' }
        [pscustomobject]@{ What = '  run alone (RunResult.Duration), on large'; 'Wall s median (min-max)' = & $fmt $inc.large.runSeconds; 'Peak RSS MiB' = '' }
        [pscustomobject]@{ What = "incremental, mdbox: $NewCount new on $SmallCount"; 'Wall s median (min-max)' = & $fmt $inc.smallIndexed.wallSeconds; 'Peak RSS MiB' = & $fmt $inc.smallIndexed.peakRssMiB '0.0' }
        [pscustomobject]@{ What = "incremental, mdbox: $NewCount new on $LargeCount"; 'Wall s median (min-max)' = & $fmt $inc.largeIndexed.wallSeconds; 'Peak RSS MiB' = & $fmt $inc.largeIndexed.peakRssMiB '0.0' }
        [pscustomobject]@{ What = 'save: 10 KiB attachment'; 'Wall s median (min-max)' = & $fmt $results.saveSmall.wallSeconds; 'Peak RSS MiB' = & $fmt $results.saveSmall.peakRssMiB '0.0' }
        [pscustomobject]@{ What = "save: $AttachmentMiB MiB attachment"; 'Wall s median (min-max)' = & $fmt $results.saveBig.wallSeconds; 'Peak RSS MiB' = & $fmt $results.saveBig.peakRssMiB '0.0' }
    ) | Format-Table -AutoSize | Out-String -Width 200).TrimEnd())
    Write-Host ('Incremental large/small: mdbox {0}x whole process (target <= 1.2: {1}), {2}x the run alone; Maildir {6}x whole process, {7}x the run alone; {3} MiB attachment: +{4} MiB peak RSS over the baseline (target < 100: {5})' -f
        $ratios.incrementalIndexedLargeOverSmallWall, $(if ($report.targets.incremental.met) { 'met' } else { 'not met' }), $ratios.incrementalIndexedLargeOverSmallRun,
        $AttachmentMiB, $ratios.attachmentPeakRssOverBaselineMiB, $(if ($report.targets.attachment.met) { 'met' } else { 'not met' }),
        $ratios.incrementalLargeOverSmallWall, $ratios.incrementalLargeOverSmallRun)
    Write-Host "Wrote $OutputPath"
    if ($script:countErrors.Count -gt 0) { throw "Wrong counts:`n$($script:countErrors -join "`n")" }
} finally {
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
