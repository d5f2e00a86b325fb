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
}

Describe 'A run killed at a random moment, then run to the end' {
    It 'round <_>: every accepted message yields exactly one event, and none is deleted without it' -ForEach $Rounds {
        $dir = Join-Path $TestDrive "round$_"
        $mailbox = New-Item -ItemType Directory (Join-Path $dir 'mailbox') -Force
        New-Item -ItemType Directory (Join-Path $dir 'msgin') | Out-Null
        $count = 40
        foreach ($i in 1..$count) {
            $subject = if ($i % 4 -eq 0) { "Ignore $i" } else { "Job $i done" }
            Set-Content (Join-Path $mailbox ('{0:D3}.eml' -f $i)) "From: ops@example.com`r`nSubject: $subject`r`nMessage-ID: <m$i@example.com>`r`n`r`nbody`r`n" -NoNewline
        }
        $expected = @(1..$count | Where-Object { $_ % 4 -ne 0 })
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content $ini "[General]`nMSGINDirectory=msgin`nDeleteEmails=Match`nDownloadEmails=False`nUseLastRunDate=False`n[Mail]`nEmailProtocol=Folder`nServer=mailbox`n[Configuration1]`nSubjectLineMask=^Job (\d+) done$`nEvent=`$PROPERTY:SET,Job[[1]],done`nAllowedSenders=ALL`n"

        # Kill somewhere between start-up and the end of the run (start-up alone takes most of a second).
        $process = Start-Process -FilePath $Pwsh -ArgumentList ($PwshArgs + @('-NoProfile', '-NonInteractive', '-File', $Script, $ModulePath, $ini, $Password)) -PassThru -RedirectStandardOutput (Join-Path $dir 'out1.txt')
        Start-Sleep -Milliseconds (Get-Random -Minimum 600 -Maximum 1800)
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
