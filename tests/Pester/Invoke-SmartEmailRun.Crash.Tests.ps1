BeforeDiscovery {
    $Rounds = 1..12
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-ModuleUnderTest
    $Password = 'Crash-3kP-secret'
    $exe = [Environment]::ProcessPath
    [string[]] $PwshArgs = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
    $Pwsh = $exe
    $Script = Join-Path $TestDrive 'run.ps1'
    Set-Content $Script @'
param($Module, $Ini, $Password)
Import-Module $Module
$cred = [pscredential]::new('ocadm', (ConvertTo-SecureString $Password -AsPlainText -Force))
$r = Invoke-SmartEmailRun -Path $Ini -OpConCredential $cred -InformationAction SilentlyContinue -WarningAction SilentlyContinue
exit $r.ExitCode
'@

    # One round's folder: 40 messages, 30 of them matched by the INI's rule (deleted after their event is written).
    function New-Round([string] $Dir) {
        $mailbox = New-Item -ItemType Directory (Join-Path $Dir 'mailbox') -Force
        New-Item -ItemType Directory (Join-Path $Dir 'msgin') | Out-Null
        foreach ($i in 1..40) {
            $subject = if ($i % 4 -eq 0) { "Ignore $i" } else { "Job $i done" }
            Set-Content (Join-Path $mailbox ('{0:D3}.eml' -f $i)) "From: ops@example.com`r`nSubject: $subject`r`nMessage-ID: <m$i@example.com>`r`n`r`nbody`r`n" -NoNewline
        }
        $ini = Join-Path $Dir 'SMArtEmail.ini'
        Set-Content $ini "[General]`nMSGINDirectory=msgin`nDeleteEmails=Match`nDownloadEmails=False`nUseLastRunDate=False`n[Mail]`nEmailProtocol=Folder`nServer=mailbox`n[Configuration1]`nSubjectLineMask=^Job (\d+) done$`nEvent=`$PROPERTY:SET,Job[[1]],done`nAllowedSenders=ALL`n"
        [pscustomobject]@{ Mailbox = $mailbox.FullName; Ini = $ini }
    }

    # The kill window, from uninterrupted runs timed start to exit on this machine and module (the median of three):
    # start-up takes most of a run and the events are written near its end (about 0.85 s of 0.95 s on 2 cores), so
    # killing between half and 1.15 times that lands before, during and after the event writing alike, however fast
    # start-up is (a fixed window went stale once the dependencies were precompiled).
    $durations = foreach ($n in 1..3) {
        $calibration = New-Round (Join-Path $TestDrive "calibration$n")
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $run = Start-Process -FilePath $Pwsh -ArgumentList ($PwshArgs + @('-NoProfile', '-NonInteractive', '-File', $Script, $ModulePath, $calibration.Ini, $Password)) -PassThru -Wait -RedirectStandardOutput (Join-Path $TestDrive "calibration$n.txt")
        if ($run.ExitCode -ne 0) { throw "The calibration run failed: $(Get-Content (Join-Path $TestDrive "calibration$n.txt") -Raw)" }
        $watch.Elapsed.TotalMilliseconds
    }
    $FullRunMs = [int] @($durations | Sort-Object)[1]
    $KillMinMs = [int] ($FullRunMs * 0.5)
    $KillMaxMs = [int] ($FullRunMs * 1.15)
    Write-Host "an uninterrupted run takes $FullRunMs ms: killing between $KillMinMs and $KillMaxMs ms"
}

Describe 'A run killed at a random moment, then run to the end' {
    It 'round <_>: every accepted message yields exactly one event, and none is deleted without it' -ForEach $Rounds {
        $dir = Join-Path $TestDrive "round$_"
        $round = New-Round $dir
        $mailbox = $round.Mailbox
        $ini = $round.Ini
        $count = 40
        $expected = @(1..$count | Where-Object { $_ % 4 -ne 0 })

        # Kill somewhere between start-up and the end of the run (start-up alone takes most of it; see BeforeAll).
        $process = Start-Process -FilePath $Pwsh -ArgumentList ($PwshArgs + @('-NoProfile', '-NonInteractive', '-File', $Script, $ModulePath, $ini, $Password)) -PassThru -RedirectStandardOutput (Join-Path $dir 'out1.txt')
        Start-Sleep -Milliseconds (Get-Random -Minimum $KillMinMs -Maximum $KillMaxMs)
        if (-not $process.HasExited) { $process.Kill($true) }
        $process.WaitForExit()

        # Nothing deleted without its event, even right after the kill.
        $events = @(Get-ChildItem (Join-Path $dir 'msgin') | ForEach-Object { Get-Content $_.FullName -Raw })
        Add-Content (Join-Path $TestDrive 'after-kill.txt') "$($events.Count)/$($expected.Count)"
        foreach ($i in $expected) {
            if (-not (Test-Path (Join-Path $mailbox ('{0:D3}.eml' -f $i)))) {
                $events | Should -Contain "`$PROPERTY:SET,Job$i,done,ocadm,$Password`r`n" -Because "message $i was deleted"
            }
        }

        $final = Start-Process -FilePath $Pwsh -ArgumentList ($PwshArgs + @('-NoProfile', '-NonInteractive', '-File', $Script, $ModulePath, $ini, $Password)) -PassThru -Wait -RedirectStandardOutput (Join-Path $dir 'out2.txt')
        $final.ExitCode | Should -Be 0 -Because (Get-Content (Join-Path $dir 'out2.txt') -Raw)
        $events = @(Get-ChildItem (Join-Path $dir 'msgin') | ForEach-Object { Get-Content $_.FullName -Raw })
        $events.Count | Should -Be $expected.Count
        foreach ($i in $expected) {
            @($events | Where-Object { $_ -eq "`$PROPERTY:SET,Job$i,done,ocadm,$Password`r`n" }).Count | Should -Be 1 -Because "message $i"
            Test-Path (Join-Path $mailbox ('{0:D3}.eml' -f $i)) | Should -BeFalse
        }
        # The ignored messages stay. A file the killed run prepared but never recorded may still sit in the work folder
        # (it is removed once it is ten minutes old, as it could belong to another process); it never reached MSGIN, and
        # its event was delivered exactly once by the completed run.
        @(Get-ChildItem $mailbox).Count | Should -Be ($count - $expected.Count)
        # A kill while the file was being written can also leave it empty or cut short: never an event in MSGIN either.
        foreach ($left in @(Get-ChildItem (Join-Path $dir 'msgin.smartemail-work') -ErrorAction SilentlyContinue)) {
            $content = [IO.File]::ReadAllText($left.FullName)
            if ($content.EndsWith("`r`n")) { $events | Should -Contain $content }
        }
    }

    It 'killed runs before, during and after their event writing across the rounds' {
        # Proves the rounds exercised the crash window rather than always killing too early or too late.
        $counts = Get-Content (Join-Path $TestDrive 'after-kill.txt') | ForEach-Object { [int]($_ -split '/')[0] }
        Write-Host "events found right after each kill: $($counts -join ', ') (of 30)"
        $counts.Count | Should -Be 12
        ($counts | Where-Object { $_ -gt 0 -and $_ -lt 30 }).Count + ($counts | Where-Object { $_ -eq 0 }).Count | Should -BeGreaterThan 0
        ($counts | Measure-Object -Maximum).Maximum - ($counts | Measure-Object -Minimum).Minimum | Should -BeGreaterThan 0
    }
}
