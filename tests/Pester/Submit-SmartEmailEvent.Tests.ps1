# Submit-SmartEmailEvent against a real MSGIN folder in $TestDrive and against tests/services/opcon_api.py, a local
# HTTPS stand-in for the OpCon REST API that this file starts on a free port and stops again.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force

    $Cmd = 'SmartEmail.Commands.SubmitSmartEmailEventCommand'
    $DemoIni = Join-Path (Get-RepoRoot) 'docs/examples/SMArtEmail.ini'
    $Mailbox = Join-Path (Get-RepoRoot) 'docs/examples/mailbox'

    # Distinctive secrets, so that finding one anywhere is never a coincidence.
    $Password = 'Pw-9x7Q-secret'
    $IniPassword = 'Ini-5m3R-secret'
    $ApiUser = 'apiuser'
    $ApiPassword = 'Api-4k2Z-secret'
    $Secrets = $Password, $IniPassword, $ApiPassword
    $Cred = [pscredential]::new('ocadm', (ConvertTo-SecureString $Password -AsPlainText -Force))
    $ApiCred = [pscredential]::new($ApiUser, (ConvertTo-SecureString $ApiPassword -AsPlainText -Force))
    $Ascii = [System.Text.Encoding]::ASCII
    # Child processes read the OpCon password from here, so it is never part of a script or command line.
    $env:SMARTEMAIL_TEST_OPCON_PASSWORD = $Password

    function New-MsgIn {
        # A fresh <TestDrive>/<name>/MSGIN; its work folder is <that>.smartemail-work.
        $parent = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8)))
        (New-Item -ItemType Directory (Join-Path $parent 'MSGIN')).FullName
    }

    function Get-MsgInFile([string] $MsgIn) { @(Get-ChildItem -LiteralPath $MsgIn -File -Force | Sort-Object Name) }

    function Get-Hex([byte[]] $Bytes) { [Convert]::ToHexString($Bytes) }

    function New-TestIni {
        # An INI beside MSGIN with the caller's sections, plus the mailbox and the one rule every INI needs.
        param([string] $MsgIn, [string] $Text)
        $path = Join-Path (Split-Path $MsgIn) "$([guid]::NewGuid().ToString('N').Substring(0, 8)).ini"
        $rest = "[Mail]`nEmailProtocol=Folder`nServer=.`n[Configuration1]`nSubjectLineMask=^never$`nEvent=`$CONSOLE:DISPLAY,rule`nAllowedSenders=ALL`n"
        [System.IO.File]::WriteAllText($path, $Text.Trim() + "`n" + $rest)
        $path
    }

    function Start-TestPwsh {
        # Starts the script in a new pwsh (the PowerShell running these tests) with the built module; returns the
        # process and its output files.
        param([string] $Script, [string[]] $ArgumentList)
        $file = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $file -Value $Script
        $exe = [Environment]::ProcessPath
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $arguments = @($prefix) + @('-NoProfile', '-NonInteractive', '-File', $file) + $ArgumentList
        $process = Start-Process -FilePath $exe -ArgumentList $arguments -PassThru -RedirectStandardOutput "$file.out" -RedirectStandardError "$file.err"
        [pscustomobject]@{ Process = $process; Out = "$file.out"; Err = "$file.err" }
    }

    function Wait-TestPwsh($Child, [int] $Seconds = 60) {
        if (-not $Child.Process.WaitForExit($Seconds * 1000)) {
            $Child.Process.Kill()
            throw "The child pwsh $($Child.Process.Id) did not finish in $Seconds s."
        }
        $Child.Process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $Child.Process.ExitCode
            Output   = @(Get-Content -LiteralPath $Child.Out)
            Errors   = (Get-Content -Raw -LiteralPath $Child.Err)
        }
    }

    # A writer for the concurrency tests: waits for the go file, then submits Count events tagged Tag in one call.
    $WriterScript = @'
param([string] $MsgIn, [string] $Tag, [int] $Count, [string] $Ready, [string] $Go, [string] $Done)
$ErrorActionPreference = 'Stop'
Import-Module $env:SMARTEMAIL_MODULE_PATH
$cred = [pscredential]::new('ocadm', (ConvertTo-SecureString $env:SMARTEMAIL_TEST_OPCON_PASSWORD -AsPlainText -Force))
$events = foreach ($i in 1..$Count) { '$CONSOLE:DISPLAY,{0}-{1:D4}' -f $Tag, $i }
$null = New-Item -ItemType File $Ready
$deadline = [DateTime]::UtcNow.AddSeconds(60)
while (-not (Test-Path $Go)) {
    if ([DateTime]::UtcNow -gt $deadline) { throw 'No go file after 60 s.' }
    Start-Sleep -Milliseconds 2
}
$start = [DateTime]::UtcNow.Ticks
$out = @(Submit-SmartEmailEvent -Event $events -MsgInDirectory $MsgIn -OpConCredential $cred)
$end = [DateTime]::UtcNow.Ticks
$null = New-Item -ItemType File $Done
"SUBMITTED=$($out.Count) START=$start END=$end"
'@

    function Start-Writer {
        # Starts writer processes and returns once each has the module loaded and waits for the go file.
        param([string] $MsgIn, [string[]] $Tags, [int] $Count)
        $go = Join-Path $TestDrive "go-$([guid]::NewGuid().ToString('N'))"
        $writers = foreach ($tag in $Tags) {
            $ready = Join-Path $TestDrive "ready-$([guid]::NewGuid().ToString('N'))"
            $done = Join-Path $TestDrive "done-$([guid]::NewGuid().ToString('N'))"
            $child = Start-TestPwsh -Script $WriterScript -ArgumentList $MsgIn, $tag, $Count, $ready, $go, $done
            $child | Add-Member -PassThru NoteProperty Ready $ready | Add-Member -PassThru NoteProperty Done $done
        }
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (@($writers | Where-Object { -not (Test-Path $_.Ready) }).Count -ne 0) {
            foreach ($w in $writers) {
                if ($w.Process.HasExited) { throw "A writer ended before it was ready: $(Get-Content -Raw $w.Err)" }
            }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'The writers were not ready after 30 s.' }
            Start-Sleep -Milliseconds 20
        }
        [pscustomobject]@{ Writers = @($writers); Go = $go }
    }

    # ---- the OpCon REST API stand-in -----------------------------------------------------------------------------

    $api = Start-TestOpConApi -User $ApiUser -Password $ApiPassword -Folder $TestDrive
    $ApiServer, $ApiUrl, $ApiLog = $api.Process, $api.Url, $api.Log

    function Invoke-OpConApi {
        param([string] $Path, [string] $Method = 'Post', [hashtable] $Body)
        Invoke-TestOpConApi -Url $ApiUrl -Path $Path -Method $Method -Body $Body
    }

    function Get-OpConReceived { @(Invoke-OpConApi '/_control/received' -Method Get | ForEach-Object { $_ }) }

    function New-ApiIni {
        # An INI whose events go to opcon_api.py (its MSGIN exists, and must stay empty).
        param([string] $MsgIn, [string] $ApiSettings = "Transport=Api`nApiUser=$ApiUser`nApiPassword=$ApiPassword", [string] $More = '', [string] $General = '')
        New-TestIni $MsgIn @"
[General]
MSGINDirectory=$MsgIn
$General
[OpCon]
ApiUrl=$ApiUrl
SelfSignedCertificate=True
$ApiSettings
$More
"@
    }
}

AfterAll {
    Remove-Item Env:SMARTEMAIL_TEST_OPCON_PASSWORD -ErrorAction SilentlyContinue
    if ($ApiServer) {
        if (-not $ApiServer.HasExited) { & /bin/kill -TERM $ApiServer.Id }
        if (-not $ApiServer.WaitForExit(10000)) {
            $ApiServer.Kill()
            $ApiServer.WaitForExit()
            throw "opcon_api.py ($($ApiServer.Id)) did not stop on SIGTERM within 10 s; it was killed."
        }
        $ApiServer.WaitForExit()
        $ApiServer.HasExited | Should -BeTrue
        $ApiServer.ExitCode | Should -Be 0 -Because 'opcon_api.py stops cleanly on SIGTERM'
        Get-Process -Id $ApiServer.Id -ErrorAction SilentlyContinue | Where-Object { $_.StartTime -eq $ApiServer.StartTime } | Should -BeNullOrEmpty
    }
}

Describe 'Submit-SmartEmailEvent into MSGIN' {
    It 'writes one event as one file: the event, the credentials and CRLF, in ASCII without BOM' {
        $msgIn = New-MsgIn
        $r = Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,hello' -MsgInDirectory $msgIn -OpConCredential $Cred
        @($r).Count | Should -Be 1
        $r.PSObject.TypeNames[0] | Should -Be 'SmartEmail.SubmittedEvent'
        $r.Event | Should -BeExactly '$CONSOLE:DISPLAY,hello,ocadm,********'
        $r.Transport | Should -Be 'MsgIn'
        $r.Rule | Should -BeNullOrEmpty
        $files = Get-MsgInFile $msgIn
        $files.Count | Should -Be 1
        $r.File | Should -Be $files[0].FullName
        $files[0].Name | Should -Match '^SmartEmail_\d{17}_\d+_\d{6}_[0-9A-F]{8}\.txt$'
        $expected = $Ascii.GetBytes("`$CONSOLE:DISPLAY,hello,ocadm,$Password`r`n")
        Get-Hex ([System.IO.File]::ReadAllBytes($r.File)) | Should -BeExactly (Get-Hex $expected)
        # Written beside MSGIN first, renamed in: nothing may be left behind there.
        "$msgIn.smartemail-work" | Should -Exist
        @(Get-ChildItem -LiteralPath "$msgIn.smartemail-work" -Force).Count | Should -Be 0
        @(Get-ChildItem -LiteralPath (Split-Path $msgIn) -Force).Name | Sort-Object | Should -Be @('MSGIN', 'MSGIN.smartemail-work')
    }

    It 'submits exactly the events of the accepted RuleResults from the pipeline, with their Rule and MessageId' {
        $msgIn = New-MsgIn
        $accepted = @(Get-SmartEmailMessage -MessagePath $Mailbox | Test-SmartEmailRule -Path $DemoIni | Where-Object Outcome -eq 'Accepted')
        $accepted.Count | Should -Be 3

        $out = @(Get-SmartEmailMessage -MessagePath $Mailbox | Test-SmartEmailRule -Path $DemoIni |
                Submit-SmartEmailEvent -MsgInDirectory $msgIn -OpConCredential $Cred)

        $out.Count | Should -Be 3
        $out.Rule | Should -Be @('Configuration1', 'Configuration2', 'Configuration3')
        $out.MessageId | Should -Be $accepted.Message.MessageId
        $out.MessageId | Should -Be @('demo-01@anycompany.com', 'demo-02@anycompany.com', 'demo-03@payroll-provider.example')
        $out.Event | Should -Be ($accepted.Events | ForEach-Object { "$_,ocadm,********" })
        $files = Get-MsgInFile $msgIn
        $files.Count | Should -Be 3
        $files.FullName | Sort-Object | Should -Be ($out.File | Sort-Object)
        $content = $out.File | ForEach-Object { [System.IO.File]::ReadAllText($_) }
        $content | Should -Be ($accepted.Events | ForEach-Object { "$_,ocadm,$Password`r`n" })
        $content[1] | Should -BeExactly "`$PROPERTY:SET,ACHBalanceTotal,149926.22,ocadm,$Password`r`n"
    }

    It 'takes the credentials from the INI, and -OpConCredential over them' {
        $msgIn = New-MsgIn
        $ini = New-TestIni $msgIn "[General]`nMSGINDirectory=$msgIn`nOpConUser=iniuser`nOpConUserPassword=$IniPassword"

        $fromIni = Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,from ini' -Path $ini -WarningAction SilentlyContinue
        $fromIni.Event | Should -BeExactly '$CONSOLE:DISPLAY,from ini,iniuser,********'
        [System.IO.File]::ReadAllText($fromIni.File) | Should -BeExactly "`$CONSOLE:DISPLAY,from ini,iniuser,$IniPassword`r`n"

        $given = Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,given' -Path $ini -OpConCredential $Cred -WarningAction SilentlyContinue
        $given.Event | Should -BeExactly '$CONSOLE:DISPLAY,given,ocadm,********'
        [System.IO.File]::ReadAllText($given.File) | Should -BeExactly "`$CONSOLE:DISPLAY,given,ocadm,$Password`r`n"
        (Get-MsgInFile $msgIn).Count | Should -Be 2
        # [Audit] LogOpConEvents is off by default: no event log appears.
        Join-Path (Split-Path $msgIn) 'OpConEvents.log' | Should -Not -Exist
    }

    It 'does not append the credentials to an event that already ends with them, and warns' {
        $msgIn = New-MsgIn
        $event = "`$CONSOLE:DISPLAY,already,ocadm,$Password"
        $r = Submit-SmartEmailEvent -Event $event -MsgInDirectory $msgIn -OpConCredential $Cred -WarningVariable w -WarningAction SilentlyContinue
        [System.IO.File]::ReadAllText($r.File) | Should -BeExactly "$event`r`n"
        $r.Event | Should -BeExactly '$CONSOLE:DISPLAY,already,ocadm,********'
        @($w).Count | Should -Be 1
        "$($w[0])" | Should -BeLike '*already ends with the OpCon user and password*$CONSOLE:DISPLAY,already,ocadm,`*`*`*`*`*`*`*`*'
        "$($w[0])" | Should -Not -BeLike "*$Password*"

        # Other credentials at the end are just event fields: these get the credentials appended, without a warning.
        $other = Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,x,ocadm,other' -MsgInDirectory $msgIn -OpConCredential $Cred -WarningVariable w2
        [System.IO.File]::ReadAllText($other.File) | Should -BeExactly "`$CONSOLE:DISPLAY,x,ocadm,other,ocadm,$Password`r`n"
        @($w2).Count | Should -Be 0
    }

    It 'stops with MsgInDirectoryMissing (ObjectNotFound) when MSGIN does not exist, and creates nothing' {
        $parent = Split-Path (New-MsgIn)
        $missing = Join-Path $parent 'NoSuchMSGIN'
        $e = { Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,x' -MsgInDirectory $missing -OpConCredential $Cred } |
            Should -Throw -ErrorId "MsgInDirectoryMissing,$Cmd" -PassThru
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e.Exception.Message | Should -BeLike "*$missing*"
        $missing | Should -Not -Exist
        "$missing.smartemail-work" | Should -Not -Exist
        @(Get-ChildItem -LiteralPath $parent).Name | Should -Be @('MSGIN')
    }

    It 'refuses a character that ASCII cannot carry (EventNotEncodable), and writes UTF-8 or Windows-1252 when the INI says so' {
        $msgIn = New-MsgIn
        $cafe = "`$CONSOLE:DISPLAY,caf$([char]0xE9)"
        $out = @(Submit-SmartEmailEvent -Event $cafe, '$CONSOLE:DISPLAY,after' -MsgInDirectory $msgIn -OpConCredential $Cred -ErrorVariable errs -ErrorAction SilentlyContinue)
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be "EventNotEncodable,$Cmd"
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $out.Event | Should -Be '$CONSOLE:DISPLAY,after,ocadm,********'   # non-terminating: the next event still goes
        (Get-MsgInFile $msgIn).Count | Should -Be 1
        @(Get-ChildItem -LiteralPath "$msgIn.smartemail-work" -Force).Count | Should -Be 0

        foreach ($case in @(@{ Name = 'UTF-8'; Bytes = [System.Text.UTF8Encoding]::new($false) }, @{ Name = 'Windows-1252'; Bytes = [System.Text.Encoding]::GetEncoding(1252) })) {
            $dir = New-MsgIn
            $ini = New-TestIni $dir "[General]`nMSGINDirectory=$dir`nMsgInEncoding=$($case.Name)"
            $r = Submit-SmartEmailEvent -Event $cafe -Path $ini -OpConCredential $Cred -WarningAction SilentlyContinue
            $bytes = [System.IO.File]::ReadAllBytes($r.File)
            Get-Hex $bytes | Should -BeExactly (Get-Hex $case.Bytes.GetBytes("$cafe,ocadm,$Password`r`n")) -Because $case.Name
            if ($case.Name -eq 'UTF-8') { Get-Hex $bytes[0..2] | Should -Not -Be 'EFBBBF' -Because 'no byte order mark' }
        }
    }

    It 'refuses an event over 2,000 characters with its credentials (EventTooLong) and one with a line break (EventInvalid)' {
        $msgIn = New-MsgIn
        $prefix = '$CONSOLE:DISPLAY,'
        $suffix = ",ocadm,$Password"
        $fits = $prefix + ('x' * (2000 - $suffix.Length - $prefix.Length))          # 2,000 with the credentials
        $over = $prefix + ('y' * (2001 - $suffix.Length - $prefix.Length))          # 2,001 with the credentials
        $long = $prefix + ('z' * (2001 - $prefix.Length))                            # 2,001 on its own
        $events = $fits, $over, $long, "$($prefix)a`r`nb", "$($prefix)a`nb", "$($prefix)a`tb"
        $out = @(Submit-SmartEmailEvent -Event $events -MsgInDirectory $msgIn -OpConCredential $Cred -ErrorVariable errs -ErrorAction SilentlyContinue)

        $errs.FullyQualifiedErrorId | Should -Be @("EventTooLong,$Cmd", "EventTooLong,$Cmd", "EventInvalid,$Cmd", "EventInvalid,$Cmd", "EventInvalid,$Cmd")
        $errs[0].Exception.Message | Should -BeLike '*2001*2000*'
        $out.Count | Should -Be 1
        $files = Get-MsgInFile $msgIn
        $files.Count | Should -Be 1
        [System.IO.File]::ReadAllText($files[0].FullName) | Should -BeExactly "$fits$suffix`r`n"
        $files[0].Length | Should -Be 2002
    }

    It 'writes and emits nothing with -WhatIf, and shows the event with the password masked' {
        $msgIn = New-MsgIn
        Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,in process' -MsgInDirectory $msgIn -OpConCredential $Cred -WhatIf | Should -BeNullOrEmpty

        # What if: goes to the host, so it is read from a fresh pwsh's console output.
        $run = Invoke-FreshPwsh -ArgumentList $msgIn -Script @'
param([string] $MsgIn)
Import-Module $env:SMARTEMAIL_MODULE_PATH
$cred = [pscredential]::new('ocadm', (ConvertTo-SecureString $env:SMARTEMAIL_TEST_OPCON_PASSWORD -AsPlainText -Force))
$out = @(Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,hello' -MsgInDirectory $MsgIn -OpConCredential $cred -WhatIf)
"EMITTED=$($out.Count)"
'@
        $run.ExitCode | Should -Be 0
        $text = $run.Output -join "`n"
        $text | Should -BeLike '*What if:*on target "$CONSOLE:DISPLAY,hello,ocadm,`*`*`*`*`*`*`*`*"*'
        $run.Output | Should -Contain 'EMITTED=0'
        $text | Should -Not -BeLike "*$Password*"
        (Get-MsgInFile $msgIn).Count | Should -Be 0
        @(Get-ChildItem -LiteralPath (Split-Path $msgIn) -Recurse -File -Force).Count | Should -Be 0
    }

    It 'logs each submitted event, with the password masked, with [Audit] LogOpConEvents=True' {
        $msgIn = New-MsgIn
        $log = Join-Path (Split-Path $msgIn) 'logs/events.log'
        $ini = New-TestIni $msgIn "[General]`nMSGINDirectory=$msgIn`nOpConUser=iniuser`nOpConUserPassword=$IniPassword`n[Audit]`nLogOpConEvents=True`nOpConEventLogFile=$log"
        $null = Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,logged 1', "`$CONSOLE:DISPLAY,bad`tone", '$CONSOLE:DISPLAY,logged 2' -Path $ini -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $lines = @(Get-Content -LiteralPath $log)
        $lines.Count | Should -Be 2
        $lines[0] | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Generated Event: \$CONSOLE:DISPLAY,logged 1,iniuser,\*{8}$'
        $lines[1] | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Generated Event: \$CONSOLE:DISPLAY,logged 2,iniuser,\*{8}$'
        Get-Content -Raw -LiteralPath $log | Should -Not -BeLike "*$IniPassword*"
    }
}

Describe 'Submit-SmartEmailEvent from concurrent processes' {
    It 'writes 1,000 distinct complete files for 1,000 events from 4 processes at once' {
        $msgIn = New-MsgIn
        $tags = 'p1', 'p2', 'p3', 'p4'
        $started = Start-Writer -MsgIn $msgIn -Tags $tags -Count 250
        $null = New-Item -ItemType File $started.Go
        $results = @($started.Writers | ForEach-Object { Wait-TestPwsh $_ })

        foreach ($r in $results) {
            $r.ExitCode | Should -Be 0 -Because $r.Errors
            $r.Output[-1] | Should -Match '^SUBMITTED=250 '
        }
        # They really ran at the same time: every writer started before any of them finished.
        $spans = $results | ForEach-Object { if ($_.Output[-1] -match 'START=(\d+) END=(\d+)') { [pscustomobject]@{ Start = [long]$Matches[1]; End = [long]$Matches[2] } } }
        ($spans.Start | Measure-Object -Maximum).Maximum | Should -BeLessThan ($spans.End | Measure-Object -Minimum).Minimum

        $files = Get-MsgInFile $msgIn
        $files.Count | Should -Be 1000
        $expected = [System.Collections.Generic.HashSet[string]]::new([string[]]@(foreach ($t in $tags) { foreach ($i in 1..250) { '$CONSOLE:DISPLAY,{0}-{1:D4},ocadm,{2}' -f $t, $i, $Password } }))
        $seen = [System.Collections.Generic.HashSet[string]]::new()
        $bad = foreach ($f in $files) {
            $text = $Ascii.GetString([System.IO.File]::ReadAllBytes($f.FullName))
            $line = $text.Substring(0, [Math]::Max(0, $text.Length - 2))
            if (-not $text.EndsWith("`r`n") -or $line.Contains("`n") -or $line.Contains("`r") -or -not $expected.Contains($line) -or -not $seen.Add($line)) { $f.Name }
        }
        @($bad) | Should -BeNullOrEmpty
        $seen.Count | Should -Be 1000
        @(Get-ChildItem -LiteralPath "$msgIn.smartemail-work" -Force).Count | Should -Be 0
    }

    It 'never shows a partial file to a watcher that reads and deletes files as they arrive' {
        $msgIn = New-MsgIn
        $count = 400
        $started = Start-Writer -MsgIn $msgIn -Tags 'burst' -Count $count
        $writer = $started.Writers[0]
        $pattern = '^\$CONSOLE:DISPLAY,burst-(\d{4}),ocadm,' + [regex]::Escape($Password) + '\r\n\z'
        $read = 0; $readDuringBurst = 0
        $partial = [System.Collections.Generic.List[string]]::new()
        $numbers = [System.Collections.Generic.HashSet[int]]::new()
        $null = New-Item -ItemType File $started.Go
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        $last = $false
        while (-not $last) {
            # One more full pass after the writer says it is done.
            $last = (Test-Path $writer.Done) -or $writer.Process.HasExited
            if ([DateTime]::UtcNow -gt $deadline) { throw 'The burst did not end within 60 s.' }
            foreach ($f in [System.IO.Directory]::GetFiles($msgIn)) {
                try { $bytes = [System.IO.File]::ReadAllBytes($f) } catch { continue }
                $text = $Ascii.GetString($bytes)
                $read++
                if (-not $last) { $readDuringBurst++ }
                if ($text -cmatch $pattern) { $null = $numbers.Add([int]$Matches[1]) } else { $partial.Add("$([IO.Path]::GetFileName($f)): $($bytes.Length) bytes") }
                [System.IO.File]::Delete($f)
            }
        }
        $result = Wait-TestPwsh $writer
        $result.ExitCode | Should -Be 0 -Because $result.Errors
        $result.Output[-1] | Should -Match "^SUBMITTED=$count "
        $partial | Should -BeNullOrEmpty
        $read | Should -Be $count
        $numbers.Count | Should -Be $count
        $readDuringBurst | Should -BeGreaterThan 0 -Because 'the watcher must have seen files while they were being written'
        Write-Host "    watcher read $read files, $readDuringBurst of them while the writer was still submitting"
    }
}

Describe 'Submit-SmartEmailEvent through the OpCon REST API' {
    BeforeEach {
        $null = Invoke-OpConApi '/_control/reset'
    }

    It 'requests a token with the INI''s ApiUser and ApiPassword, then posts the events without credentials, with Authorization: Token' {
        $msgIn = New-MsgIn
        $ini = New-ApiIni $msgIn
        $out = @(Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,api hello', '$PROPERTY:SET,P,1' -Path $ini -WarningAction SilentlyContinue)

        $out.Count | Should -Be 2
        $out.Transport | Should -Be @('Api', 'Api')
        $out.Event | Should -Be @('$CONSOLE:DISPLAY,api hello', '$PROPERTY:SET,P,1')
        $out | ForEach-Object { $_.File | Should -BeNullOrEmpty }
        $rx = Get-OpConReceived
        $rx.path | Should -Be @('/api/tokens', '/api/opconEventsCollection', '/api/opconEventsCollection')
        $rx.status | Should -Be @(201, 201, 201)
        $token = ($rx[0].body | ConvertFrom-Json)
        $token.user.loginName | Should -BeExactly $ApiUser
        $token.user.password | Should -BeExactly $ApiPassword
        $token.tokenType.type | Should -BeExactly 'User'
        $rx[0].issuedToken | Should -Not -BeNullOrEmpty
        foreach ($post in $rx[1..2]) {
            $post.authorization | Should -BeExactly "Token $($rx[0].issuedToken)"
            $post.loginName | Should -BeExactly $ApiUser
        }
        $rx[1].eventStrings | Should -BeExactly @('$CONSOLE:DISPLAY,api hello')
        $rx[2].eventStrings | Should -BeExactly @('$PROPERTY:SET,P,1')
        (Get-MsgInFile $msgIn).Count | Should -Be 0
    }

    It 'uses -Transport Api and -ApiCredential over the INI''s settings' {
        $msgIn = New-MsgIn
        $ini = New-ApiIni $msgIn -ApiSettings "ApiUser=someoneelse`nApiPassword=Api-0000-wrong"   # and Transport MsgIn
        $r = Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,cred' -Path $ini -Transport Api -ApiCredential $ApiCred -WarningAction SilentlyContinue
        $r.Transport | Should -Be 'Api'
        $rx = Get-OpConReceived
        $rx.status | Should -Be @(201, 201)
        $rx[0].loginName | Should -BeExactly $ApiUser
        $rx[1].eventStrings | Should -BeExactly @('$CONSOLE:DISPLAY,cred')
    }

    It 'refuses the self-signed API certificate unless [OpCon] SelfSignedCertificate=True' {
        $out = @(Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,untrusted' -Transport Api -ApiUrl $ApiUrl -ApiCredential $ApiCred -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs[0].FullyQualifiedErrorId | Should -Be "ApiUnreachable,$Cmd"
        $errs[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        @(Get-OpConReceived).Count | Should -Be 0
    }

    It 'posts with a configured [OpCon] ApiToken as it is, and does not renew it' {
        $token = (Invoke-RestMethod -Method Post -Uri "$($ApiUrl)api/tokens" -SkipCertificateCheck -ContentType 'application/json' `
                -Body (@{ user = @{ loginName = $ApiUser; password = $ApiPassword }; tokenType = @{ type = 'User' } } | ConvertTo-Json)).id
        $msgIn = New-MsgIn
        $ini = New-ApiIni $msgIn -ApiSettings "Transport=Api`nApiToken=$token"
        $r = Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,configured' -Path $ini -WarningAction SilentlyContinue
        $r.Event | Should -BeExactly '$CONSOLE:DISPLAY,configured'
        $null = Invoke-OpConApi '/_control/expire'
        $null = Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,expired' -Path $ini -WarningAction SilentlyContinue -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be "ApiFailed,$Cmd"
        $rx = Get-OpConReceived
        $rx.path | Should -Be @('/api/tokens', '/api/opconEventsCollection', '/api/opconEventsCollection')
        $rx.status | Should -Be @(201, 201, 401)
        $rx[1].authorization | Should -BeExactly "Token $token"
    }

    It 'requests a new token once when the token expired, and the event succeeds' {
        $msgIn = New-MsgIn
        $ini = New-ApiIni $msgIn
        $i = 0
        $out = @(Get-SmartEmailMessage -MessagePath $Mailbox | Test-SmartEmailRule -Path $DemoIni | Where-Object Outcome -eq 'Accepted' |
                ForEach-Object { if ($i++ -eq 1) { $null = Invoke-OpConApi '/_control/expire' }; $_ } |
                Submit-SmartEmailEvent -Path $ini -WarningAction SilentlyContinue)

        $out.Rule | Should -Be @('Configuration1', 'Configuration2', 'Configuration3')
        $rx = Get-OpConReceived
        ($rx | ForEach-Object { "$($_.path) $($_.status)" }) | Should -Be @(
            '/api/tokens 201', '/api/opconEventsCollection 201',
            '/api/opconEventsCollection 401', '/api/tokens 201', '/api/opconEventsCollection 201',
            '/api/opconEventsCollection 201')
        $old = $rx[0].issuedToken; $new = $rx[3].issuedToken
        $new | Should -Not -Be $old
        ($rx | ForEach-Object { "$($_.authorization)" }) | Should -Be @('', "Token $old", "Token $old", '', "Token $new", "Token $new")
        $rx[2].eventStrings | Should -BeExactly $rx[4].eventStrings
        $rx[4].eventStrings | Should -BeExactly @('$PROPERTY:SET,ACHBalanceTotal,149926.22')
    }

    It 'gives up with ApiFailed when the renewed token is refused too (it asks once)' {
        $msgIn = New-MsgIn
        $ini = New-ApiIni $msgIn
        $null = Invoke-OpConApi '/_control/expire' -Body @{ future = $true }
        $out = @(Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,never' -Path $ini -WarningAction SilentlyContinue -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.FullyQualifiedErrorId | Should -Be "ApiFailed,$Cmd"
        $errs[0].Exception.Message | Should -BeLike '*401*Token expired*'
        (Get-OpConReceived | ForEach-Object { "$($_.path) $($_.status)" }) | Should -Be @(
            '/api/tokens 201', '/api/opconEventsCollection 401', '/api/tokens 201', '/api/opconEventsCollection 401')
    }

    It 'reports a 500 answer as ApiFailed quoting the API, and neither emits nor logs that event' {
        $msgIn = New-MsgIn
        $log = Join-Path (Split-Path $msgIn) 'api-events.log'
        $ini = New-ApiIni $msgIn -More "[Audit]`nLogOpConEvents=True`nOpConEventLogFile=$log"
        $null = Invoke-OpConApi '/_control/fail' -Body @{ count = 1 }
        $out = @(Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,refused', '$CONSOLE:DISPLAY,accepted' -Path $ini -WarningAction SilentlyContinue -ErrorVariable errs -ErrorAction SilentlyContinue)

        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be "ApiFailed,$Cmd"
        $errs[0].Exception.Message | Should -BeLike '*500*Internal error in SAM*'
        $out.Event | Should -Be @('$CONSOLE:DISPLAY,accepted')
        (Get-OpConReceived | ForEach-Object { "$($_.path) $($_.status)" }) | Should -Be @(
            '/api/tokens 201', '/api/opconEventsCollection 500', '/api/opconEventsCollection 201')
        @(Get-Content -LiteralPath $log).Count | Should -Be 1
        Get-Content -Raw -LiteralPath $log | Should -BeLike '*Generated Event: $CONSOLE:DISPLAY,accepted*'
    }

    It 'reports a wrong API password as ApiAuthenticationFailed, and posts nothing' {
        $msgIn = New-MsgIn
        $ini = New-ApiIni $msgIn
        $wrong = [pscredential]::new($ApiUser, (ConvertTo-SecureString 'Api-0000-wrong' -AsPlainText -Force))
        $out = @(Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,x' -Path $ini -ApiCredential $wrong -WarningAction SilentlyContinue -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs[0].FullyQualifiedErrorId | Should -Be "ApiAuthenticationFailed,$Cmd"
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errs[0].Exception.Message | Should -BeLike "*$ApiUser*401*Invalid user or password*"
        (Get-OpConReceived).path | Should -Be @('/api/tokens')
    }
}

Describe 'Submit-SmartEmailEvent keeps the passwords secret' {
    BeforeAll {
        function Find-Secret {
            # The names of the places (label: text) where any of the secrets appears.
            param([hashtable] $Places)
            foreach ($name in $Places.Keys) {
                foreach ($s in $Secrets) { if ("$($Places[$name])".Contains($s)) { "$name holds $($s.Substring(0, 3))..." } }
            }
        }

        function Get-RecordText($Record) {
            # Everything a record shows or carries as text.
            switch ($Record) {
                { $_ -is [System.Management.Automation.ErrorRecord] } {
                    ($_ | Format-List * -Force | Out-String -Width 4096), $_.Exception.ToString(), "$($_.TargetObject)",
                    $_.CategoryInfo.ToString(), "$($_.ErrorDetails)", ($_ | Out-String -Width 4096)
                    break
                }
                { $_ -is [System.Management.Automation.InformationalRecord] } { $_.Message; break }
                default { ($_ | Format-List * -Force | Out-String -Width 4096), ($_ | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue) }
            }
        }
    }

    BeforeEach {
        $null = Invoke-OpConApi '/_control/reset'
    }

    It 'shows no password in any stream, error record, warning, event log or API request, but writes them where they belong' {
        $msgIn = New-MsgIn
        $log = Join-Path (Split-Path $msgIn) 'events.log'
        $ini = New-TestIni $msgIn "[General]`nMSGINDirectory=$msgIn`nOpConUser=iniuser`nOpConUserPassword=$IniPassword`n[Audit]`nLogOpConEvents=True`nOpConEventLogFile=$log"
        $apiIni = New-ApiIni $msgIn -More "[Audit]`nLogOpConEvents=True`nOpConEventLogFile=$log"
        $withCredentials = "`$CONSOLE:DISPLAY,already,ocadm,$Password"
        $tooLong = "`$CONSOLE:DISPLAY,$('x' * 1980)"
        $cafe = "`$CONSOLE:DISPLAY,caf$([char]0xE9)"
        $wrongApi = [pscredential]::new($ApiUser, (ConvertTo-SecureString 'Api-0000-wrong' -AsPlainText -Force))

        $records = & {
            $ErrorActionPreference = 'Continue'   # Pester's is Stop: let the non-terminating errors flow
            Get-SmartEmailMessage -MessagePath $Mailbox | Test-SmartEmailRule -Path $DemoIni | Submit-SmartEmailEvent -Path $ini -Verbose
            Submit-SmartEmailEvent -Path $ini -OpConCredential $Cred -Event '$CONSOLE:DISPLAY,ok', $withCredentials, $tooLong, $cafe -Verbose
            try { Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,x' -MsgInDirectory (Join-Path $msgIn 'missing') -OpConCredential $Cred -Verbose } catch { $_ }
            $null = Invoke-OpConApi '/_control/fail' -Body @{ count = 1 }
            Submit-SmartEmailEvent -Path $apiIni -Event '$CONSOLE:DISPLAY,api fails', '$CONSOLE:DISPLAY,api ok' -Verbose
            Submit-SmartEmailEvent -Path $apiIni -ApiCredential $wrongApi -Event '$CONSOLE:DISPLAY,api auth' -Verbose
            Submit-SmartEmailEvent -Path $apiIni -ApiCredential $ApiCred -Event '$CONSOLE:DISPLAY,api cred' -Verbose
        } *>&1

        # The scenario produced what it should, so the search below had something to search.
        $kinds = $records | Group-Object { $_.GetType().Name } -AsHashTable -AsString
        $kinds['SubmittedEvent'].Count | Should -Be 7
        $kinds['WarningRecord'].Message | Should -Contain 'The event already ends with the OpCon user and password; they are not appended again: $CONSOLE:DISPLAY,already,ocadm,********'
        $kinds['VerboseRecord'].Count | Should -BeGreaterThan 0
        ($kinds['ErrorRecord'] | ForEach-Object { $_.FullyQualifiedErrorId -replace ',.*' }) | Sort-Object |
            Should -Be @('ApiAuthenticationFailed', 'ApiFailed', 'EventNotEncodable', 'EventTooLong', 'MsgInDirectoryMissing')

        $places = @{ 'event log' = Get-Content -Raw -LiteralPath $log }
        $n = 0
        foreach ($r in $records) { $places["record $(++$n) ($($r.GetType().Name))"] = (Get-RecordText $r) -join "`n" }
        $rx = Get-OpConReceived
        $rx.Count | Should -Be 6
        foreach ($request in $rx) {
            $text = $request | ConvertTo-Json -Compress
            if ($request.path -eq '/api/tokens') { $text = ($request | Select-Object * -ExcludeProperty body) | ConvertTo-Json -Compress }
            $places["API request $(++$n) $($request.path)"] = $text
        }
        Find-Secret $places | Should -BeNullOrEmpty

        # Where they must be: the MSGIN files and the token requests (so the search above could have found them).
        $files = (Get-MsgInFile $msgIn).FullName | ForEach-Object { [System.IO.File]::ReadAllText($_) }
        $files | Where-Object { $_.Contains(",iniuser,$IniPassword`r`n") } | Should -HaveCount 3
        $files | Where-Object { $_.Contains(",ocadm,$Password`r`n") } | Should -HaveCount 2
        ($rx | Where-Object path -eq '/api/tokens').body | Where-Object { $_.Contains($ApiPassword) } | Should -HaveCount 2
        @(Get-Content -LiteralPath $log).Count | Should -Be 7
        $apiLog = Get-Content -Raw -LiteralPath $ApiLog
        Find-Secret @{ 'opcon_api.py log' = $apiLog } | Should -BeNullOrEmpty
    }

    It 'shows no password in the error for an invalid event that already ends with the credentials (<Transport>)' -ForEach @(
        @{ Transport = 'MsgIn' }, @{ Transport = 'Api' }
    ) {
        $msgIn = New-MsgIn
        # The OpCon user and password are in the INI for both; Api events go to opcon_api.py.
        $ini = if ($Transport -eq 'MsgIn') { New-TestIni $msgIn "[General]`nMSGINDirectory=$msgIn`nOpConUser=ocadm`nOpConUserPassword=$Password" }
        else { New-ApiIni $msgIn -General "OpConUser=ocadm`nOpConUserPassword=$Password" }
        $events = "`$CONSOLE:DISPLAY,a`tb,ocadm,$Password", "CONSOLE:DISPLAY,no dollar,ocadm,$Password"
        $null = Submit-SmartEmailEvent -Event $events -Path $ini -WarningAction SilentlyContinue -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.FullyQualifiedErrorId | Should -Be @("EventInvalid,$Cmd", "EventInvalid,$Cmd")
        (Get-MsgInFile $msgIn).Count | Should -Be 0
        @(Get-OpConReceived).Count | Should -Be 0
        $places = @{}
        foreach ($i in 0, 1) {
            $places["error $i Exception.Message"] = $errs[$i].Exception.Message
            $places["error $i TargetObject"] = "$($errs[$i].TargetObject)"
            $places["error $i CategoryInfo.TargetName"] = $errs[$i].CategoryInfo.TargetName
        }
        Find-Secret $places | Should -BeNullOrEmpty
    }
}
