#Requires -Version 7.2
# Invoke-SmartEmailRun against the real IMAP server, killed and overlapped.
#
# The soak: round after round, new mail arrives in alice's INBOX; a run in a fresh process is SIGKILLed at a random
# moment; a completed run follows; then the invariants: every accepted message has exactly one event file in MSGIN and
# is deleted, no message was ever deleted without its event, every other message stays, and the INI (whose LastRunDate
# every run rewrites) and the state file are intact and parse. SMARTEMAIL_SOAK_ROUNDS (default 200) and
# SMARTEMAIL_SOAK_SEED (default random; printed) repeat a soak. The killed process is tests/SmartEmail.SoakWorker
# (SMARTEMAIL_SOAK_WORKER, built by build.ps1): the engine's run composed as Invoke-SmartEmailRun composes it, in a
# process that starts in a fraction of pwsh's time with the module imported, so ~200 rounds take a minute or two. The
# worker that will be killed in round N+2 starts (and compiles the run with a dry run) while round N runs, and then
# runs the INI in a loop from the moment it is told to go until it is killed; the completed run is the cmdlet, in this
# process.
#
# The overlap: four fresh pwsh processes start one run each (the cmdlet) on one INI at the same moment.

BeforeDiscovery {
    $Rounds = if ($env:SMARTEMAIL_SOAK_ROUNDS) { [int] $env:SMARTEMAIL_SOAK_ROUNDS } else { 200 }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Initialize-TestMailKit
    $ModulePath = Get-ModuleUnderTest
    Import-Module $ModulePath -Force
    $Service = Get-TestService
    $Password = 'Soak-5fR-secret'
    $exe = [Environment]::ProcessPath
    [string[]] $PwshArgs = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
    $Pwsh = $exe

    # A worker: imports the module, says it is ready, waits for the go file, then runs the INI over and over (soak, until
    # killed) or once (overlap, printing its result).
    $WorkerScript = Join-Path $TestDrive 'worker.ps1'
    Set-Content $WorkerScript @'
param($Module, $Ini, $Ready, $Go, [switch] $Once)
Import-Module $Module
# A dry run first (it writes nothing, takes no lock): the code is compiled before the go, so the kill can land anywhere
# in the real runs rather than mostly in start-up.
$null = Invoke-SmartEmailRun -Path $Ini -WhatIf -WarningAction SilentlyContinue -InformationAction SilentlyContinue
[IO.File]::WriteAllText($Ready, "$PID")
while (-not [IO.File]::Exists($Go)) { Start-Sleep -Milliseconds 2 }
do {
    $r = Invoke-SmartEmailRun -Path $Ini -LockTimeoutSeconds 60 -WarningAction SilentlyContinue -InformationAction SilentlyContinue
} while (-not $Once)
'RESULT ' + ([ordered]@{ ExitCode = $r.ExitCode; Errors = @($r.Errors); Events = $r.EventsSubmitted; Deleted = $r.Deleted } | ConvertTo-Json -Compress)
exit $r.ExitCode
'@

    # The soak's worker: tests/SmartEmail.SoakWorker, the engine's run composed as Invoke-SmartEmailRun composes it, with
    # the same protocol (dry run, ready, go, runs until killed) in a process that starts in a fraction of pwsh's time.
    $SoakWorker = $env:SMARTEMAIL_SOAK_WORKER
    if (-not $SoakWorker -or -not (Test-Path $SoakWorker)) {
        throw "SMARTEMAIL_SOAK_WORKER does not name a built SmartEmail.SoakWorker.dll ('$SoakWorker'). Run the tests with: dotnet pwsh ./build.ps1 -Task Test"
    }
    $Dotnet = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $exe } else { (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source }

    function Start-Worker {
        # A pwsh worker (worker.ps1, the cmdlet), or with -Engine the soak worker (the engine's run without pwsh).
        param([string] $Ini, [string] $Name, [switch] $Once, [switch] $Engine)
        $ready = Join-Path $TestDrive "$Name.ready"
        $go = Join-Path $TestDrive "$Name.go"
        if ($Engine) {
            $file = $Dotnet
            if ($Once) { throw 'The soak worker runs until it is killed; -Once is for the pwsh worker.' }
            $arguments = @($SoakWorker, $Ini, $ready, $go)
        }
        else {
            $file = $Pwsh
            $arguments = $PwshArgs + @('-NoProfile', '-NonInteractive', '-File', $WorkerScript, $ModulePath, $Ini, $ready, $go)
            if ($Once) { $arguments += '-Once' }
        }
        $process = Start-Process -FilePath $file -ArgumentList $arguments -PassThru -RedirectStandardOutput (Join-Path $TestDrive "$Name.out") -RedirectStandardError (Join-Path $TestDrive "$Name.err")
        [pscustomobject]@{ Process = $process; Ready = $ready; Go = $go; Out = (Join-Path $TestDrive "$Name.out") }
    }

    function Wait-Ready {
        param($Worker)
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (Test-Path $Worker.Ready)) {
            if ($Worker.Process.HasExited) { throw "A worker ended before it was ready: $(Get-Content -Raw ($Worker.Out -replace '\.out$', '.err'))" }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'A worker was not ready after 60 s.' }
            Start-Sleep -Milliseconds 10
        }
    }

    function New-SoakIni {
        param([string] $Name)
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive $Name)
        New-Item -ItemType Directory (Join-Path $dir 'msgin') | Out-Null
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content $ini @"
[General]
MSGINDirectory=msgin
DeleteEmails=Match
DownloadEmails=False
UseLastRunDate=True
OpConUser=ocadm
OpConUserPassword=$Password
[Mail]
EmailProtocol=IMAP
Server=127.0.0.1
Port=$($Service.imap.tlsPort)
TlsMode=Implicit
SelfSignedCertificate=True
User=alice
Password=alice-secret
[Configuration1]
SubjectLineMask=^Job (\d+) done$
Event=`$PROPERTY:SET,Job[[1]],done
AllowedSenders=ALL
"@ -NoNewline
        [pscustomobject]@{ Ini = $ini; MsgIn = (Join-Path $dir 'msgin') }
    }

    function New-SoakMessage {
        param([int] $Number, [bool] $Matching)
        $m = [MimeKit.MimeMessage]::new()
        $m.From.Add([MimeKit.MailboxAddress]::Parse('ops@example.com'))
        $m.To.Add([MimeKit.MailboxAddress]::Parse('alice@smartemail.test'))
        $m.Subject = if ($Matching) { "Job $Number done" } else { "Ignore $Number" }
        $m.MessageId = "soak-$Number@smartemail.test"
        $m.Body = [MimeKit.TextPart]::new('plain')
        $m.Body.Text = "Message $Number."
        $m
    }

    # One IMAP connection of the test's own, for new mail and for looking at the INBOX.
    function Get-InboxNumber {
        param($Client)
        $inbox = $Client.Inbox
        $null = $inbox.Open([MailKit.FolderAccess]::ReadOnly)
        try {
            if ($inbox.Count -eq 0) { return @() }
            @($inbox.Fetch(0, -1, [MailKit.FetchRequest]::new([MailKit.MessageSummaryItems]::Envelope)) | ForEach-Object { [int] ($_.Envelope.Subject -replace '\D', '') })
        } finally { $inbox.Close() }
    }

    # Event counts per job number in MSGIN (every file must be a whole event of our rule).
    function Get-EventCount {
        param([string] $MsgIn)
        $counts = @{}
        foreach ($file in [IO.Directory]::GetFiles($MsgIn)) {
            $text = [IO.File]::ReadAllText($file)
            if ($text -notmatch "^\`$PROPERTY:SET,Job(\d+),done,ocadm,$([regex]::Escape($Password))`r`n$") { throw "MSGIN holds a file that is not a whole event: $file '$text'" }
            $counts[[int] $Matches[1]] = 1 + [int] $counts[[int] $Matches[1]]
        }
        $counts
    }
}

Describe 'Soak: runs killed at random moments, each followed by a completed run' -Tag 'Integration', 'Services', 'Soak' {
    BeforeAll {
        Clear-TestMailbox alice
        $Soak = New-SoakIni 'soak'
        $Rounds = if ($env:SMARTEMAIL_SOAK_ROUNDS) { [int] $env:SMARTEMAIL_SOAK_ROUNDS } else { 200 }
        $Seed = if ($env:SMARTEMAIL_SOAK_SEED) { [int] $env:SMARTEMAIL_SOAK_SEED } else { Get-Random -Minimum 1 -Maximum ([int]::MaxValue) }
        $Random = [Random]::new($Seed)
        Write-Host "Soak: $Rounds rounds, seed $Seed (SMARTEMAIL_SOAK_ROUNDS=$Rounds SMARTEMAIL_SOAK_SEED=$Seed repeats it)"
        $Client = Connect-TestImap -User alice
    }

    AfterAll {
        if ($Client) { $Client.Disconnect($true); $Client.Dispose() }
    }

    It '<_> rounds: nothing lost, nothing twice, nothing deleted without its event, INI and state intact' -ForEach $Rounds {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $accepted = [Collections.Generic.List[int]]::new()
        $ignored = [Collections.Generic.List[int]]::new()
        $after = [Collections.Generic.List[string]]::new()
        $next = 0
        $phase = [ordered]@{ Mail = 0.0; Ready = 0.0; Spawn = 0.0; Kill = 0.0; PostKill = 0.0; Run = 0.0; Checks = 0.0 }
        $lap = [Diagnostics.Stopwatch]::new()
        function Add-Phase([string] $Name) { $phase[$Name] += $lap.Elapsed.TotalSeconds; $lap.Restart() }
        # Two workers start ahead of the one in use, so a worker's start-up never holds a round up.
        $queue = [Collections.Generic.Queue[object]]::new()
        foreach ($k in 1..2) { $queue.Enqueue((Start-Worker -Engine -Ini $Soak.Ini -Name "soak-$k")) }
        for ($round = 1; $round -le $Rounds; $round++) {
            $where = "round $round of $Rounds, seed $Seed"
            $lap.Restart()
            # New mail: one to four messages, about one in four matching no rule.
            $mail = foreach ($i in 1..$Random.Next(1, 5)) {
                $next++
                $matching = $Random.Next(4) -ne 0
                if ($matching) { $accepted.Add($next) } else { $ignored.Add($next) }
                New-SoakMessage $next $matching
            }
            $null = $Client.Inbox.Append([Collections.Generic.List[MailKit.IAppendRequest]] @($mail | ForEach-Object { [MailKit.AppendRequest]::new($_) }))

            # The worker of this round goes; the next round's starts meanwhile; this one is killed at a random moment.
            Add-Phase Mail
            $worker = $queue.Dequeue()
            Wait-Ready $worker
            [IO.File]::WriteAllText($worker.Go, 'go')
            Add-Phase Ready
            $queue.Enqueue((Start-Worker -Engine -Ini $Soak.Ini -Name "soak-$($round + 2)"))
            Add-Phase Spawn
            Start-Sleep -Milliseconds $Random.Next(0, 600)
            $worker.Process.Kill()
            $worker.Process.WaitForExit()
            Add-Phase Kill

            # Right after the kill: no message is gone without its event, none has two.
            # (The messages are checked in a plain loop and the list of violations asserted once: a Should per message
            # made the checks grow with the rounds to most of a round's time.)
            $events = Get-EventCount $Soak.MsgIn
            $inbox = [Collections.Generic.HashSet[int]]::new([int[]] @(Get-InboxNumber $Client))
            $wrong = @(foreach ($n in $accepted) {
                $count = [int] $events[$n]
                if ($count -gt 1) { "message $n has $count events" }
                elseif ($count -eq 0 -and -not $inbox.Contains($n)) { "message $n was deleted without its event" }
            })
            $wrong | Should -BeNullOrEmpty -Because "right after the kill ($where)"
            $roundMatching = @($mail | Where-Object Subject -like 'Job*' | ForEach-Object { [int] ($_.Subject -replace '\D', '') })
            $after.Add("$(@($roundMatching | Where-Object { $events[$_] }).Count)/$($roundMatching.Count)")

            Add-Phase PostKill
            # The completed run.
            $r = Invoke-SmartEmailRun -Path $Soak.Ini -LockTimeoutSeconds 60 -WarningAction SilentlyContinue -InformationAction SilentlyContinue
            @($r.Errors).Count | Should -Be 0 -Because "$($r.Errors -join '; ') ($where)"
            $r.ExitCode | Should -Be 0 -Because $where
            Add-Phase Run

            $events = Get-EventCount $Soak.MsgIn
            $wrong = @(foreach ($n in $accepted) { if ([int] $events[$n] -ne 1) { "message $n has $([int] $events[$n]) events" } })
            $wrong | Should -BeNullOrEmpty -Because "after the completed run ($where)"
            $events.Count | Should -Be $accepted.Count -Because $where
            $inbox = Get-InboxNumber $Client | Sort-Object
            $inbox | Should -Be @($ignored | Sort-Object) -Because "only the messages no rule matches stay ($where)"
            # The INI and the state file parse; LastRunDate was written by a run.
            $config = Get-SmartEmailConfiguration $Soak.Ini -WarningAction SilentlyContinue
            $config.General.LastRunDate | Should -Not -BeNullOrEmpty -Because $where
            $config.Rules.Count | Should -Be 1 -Because $where
            $state = Get-Content -Raw "$($Soak.Ini).state.json" | ConvertFrom-Json
            $state.Version | Should -Be 1 -Because $where
            Add-Phase Checks
        }
        # Where a round's time goes (recorded, never asserted).
        Write-Host ('Soak phases (s per round): ' + (($phase.Keys | ForEach-Object { '{0} {1:0.000}' -f $_, ($phase[$_] / $Rounds) }) -join ', '))
        foreach ($w in $queue) { if (-not $w.Process.HasExited) { $w.Process.Kill() }; $w.Process.WaitForExit() }
        $watch.Stop()
        $after.Count | Should -Be $Rounds
        $newEvents = $after | ForEach-Object { [int] ($_ -split '/')[0] }
        $offered = $after | ForEach-Object { [int] ($_ -split '/')[1] }
        $none = @(0..($after.Count - 1) | Where-Object { $offered[$_] -gt 0 -and $newEvents[$_] -le 0 }).Count
        $all = @(0..($after.Count - 1) | Where-Object { $offered[$_] -gt 0 -and $newEvents[$_] -ge $offered[$_] }).Count
        $some = @(0..($after.Count - 1) | Where-Object { $offered[$_] -gt 0 -and $newEvents[$_] -gt 0 -and $newEvents[$_] -lt $offered[$_] }).Count
        Write-Host ("Soak: {0} rounds, seed {1}, {2} messages ({3} accepted), {4:0.0} s; the killed run had delivered none of its round's events in {5} rounds, some in {6}, all in {7}" -f
            $Rounds, $Seed, $next, $accepted.Count, $watch.Elapsed.TotalSeconds, $none, $some, $all)
        # The kills landed both before and after the event writing, so the rounds exercised the crash window.
        $none | Should -BeGreaterThan 0
        $all | Should -BeGreaterThan 0
        # Leftovers of killed writes are only temporary files beside the INI and the state, never half-written ones.
        Get-ChildItem (Split-Path $Soak.Ini) -File | Where-Object Name -notmatch '^(SMArtEmail\.ini(\.state\.json|\.lock)?|\.SMArtEmail\.ini(\.state\.json)?\.[0-9a-f]{32}\.tmp)$' | Should -BeNullOrEmpty
    }
}

Describe 'Four runs started at once on one INI' -Tag 'Integration', 'Services', 'Concurrency' {
    It 'attempt <_>: one works at a time, the others wait for it and find nothing left; no event twice, none lost' -ForEach @(1, 2, 3) {
        Clear-TestMailbox alice
        $attempt = $_
        $case = New-SoakIni "overlap$attempt"
        $numbers = 1..24 | ForEach-Object { 1000 * $attempt + $_ }
        $matching = @($numbers | Where-Object { $_ % 4 -ne 0 })
        $null = Add-TestMessage -User alice -Message @($numbers | ForEach-Object { New-SoakMessage $_ ($_ % 4 -ne 0) })
        $workers = @(1..4 | ForEach-Object { Start-Worker -Ini $case.Ini -Name "overlap$attempt-$_" -Once })
        $workers | ForEach-Object { Wait-Ready $_ }
        $workers | ForEach-Object { [IO.File]::WriteAllText($_.Go, 'go') }
        $results = foreach ($w in $workers) {
            if (-not $w.Process.WaitForExit(120000)) { $w.Process.Kill(); throw 'A run did not end within 120 s.' }
            $w.Process.WaitForExit()
            $line = @(Get-Content $w.Out | Where-Object { $_ -like 'RESULT *' })
            $line.Count | Should -Be 1 -Because "each run ends with a result: $(Get-Content -Raw $w.Out)"
            $line[0].Substring(7) | ConvertFrom-Json
        }
        foreach ($r in $results) {
            @($r.Errors).Count | Should -Be 0 -Because ($r.Errors -join '; ')
            $r.ExitCode | Should -Be 0
        }
        ($results | Measure-Object Events -Sum).Sum | Should -Be $matching.Count
        @($results | Where-Object Events -GT 0).Count | Should -Be 1 -Because 'the first run to take the lock does all the work'
        ($results | Measure-Object Deleted -Sum).Sum | Should -Be $matching.Count
        $events = Get-EventCount $case.MsgIn
        foreach ($n in $matching) { [int] $events[$n] | Should -Be 1 -Because "message $n" }
        $events.Count | Should -Be $matching.Count
        $client = Connect-TestImap -User alice
        try { Get-InboxNumber $client | Sort-Object | Should -Be @($numbers | Where-Object { $_ % 4 -eq 0 } | Sort-Object) }
        finally { $client.Disconnect($true); $client.Dispose() }
    }
}
