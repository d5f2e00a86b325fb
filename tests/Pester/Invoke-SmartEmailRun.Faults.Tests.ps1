#Requires -Version 7.2
# Invoke-SmartEmailRun, as the built module in a fresh pwsh, with tests/services/fault_proxy.py between it and the real
# servers: dovecot (IMAP and POP3, plain and TLS), the SMTP sink (notices) and opcon_api.py (the REST API). Each fault
# (drop, reset, stall, slow at a chosen point) is armed for one run. That run either completes or ends with exit code 2
# and an error that names the server and the step; the next run, without faults, completes; and then every matching
# message has exactly one event and is deleted, and every other message is still there.
# Plain IMAP/POP3/SMTP (TlsMode=None) let the proxy fire at a protocol word (AUTHENTICATE, UID FETCH, DELE, DATA); over
# TLS it fires at a share of the bytes a clean run exchanged, measured first.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Initialize-TestMailKit
    $ModulePath = Get-ModuleUnderTest
    $Service = Get-TestService
    $Password = 'Fault-9qX-secret'
    $ApiUser = 'apiuser'
    $ApiPassword = 'Api-4kM-secret'
    $script:Next = 0

    # ---- the REST stub and the proxy -----------------------------------------------------------------------------
    $ControlPort, $ImapPort, $ImapsPort, $Pop3Port, $Pop3sPort, $SmtpPort, $ApiProxyPort = Get-FreePort -Count 7
    $api = Start-TestOpConApi -User $ApiUser -Password $ApiPassword -Folder $TestDrive
    $ApiServer, $ApiPort = $api.Process, $api.Port
    $routes = @(
        "imap=$($ImapPort):127.0.0.1:$($Service.imap.port)", "imaps=$($ImapsPort):127.0.0.1:$($Service.imap.tlsPort)",
        "pop3=$($Pop3Port):127.0.0.1:$($Service.pop3.port)", "pop3s=$($Pop3sPort):127.0.0.1:$($Service.pop3.tlsPort)",
        "smtp=$($SmtpPort):127.0.0.1:$($Service.smtp.port)", "api=$($ApiProxyPort):127.0.0.1:$ApiPort")
    $Proxy = Start-Process -FilePath /usr/bin/python3 -PassThru -ArgumentList (@((Join-Path (Get-RepoRoot) 'tests/services/fault_proxy.py'), $ControlPort) + $routes) `
        -RedirectStandardOutput (Join-Path $TestDrive 'proxy.out') -RedirectStandardError (Join-Path $TestDrive 'proxy.err')
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while (-not ((Test-Path (Join-Path $TestDrive 'proxy.out')) -and (Get-Content (Join-Path $TestDrive 'proxy.out')) -contains 'ready')) {
        if ($Proxy.HasExited) { throw "fault_proxy.py ended at once: $(Get-Content -Raw (Join-Path $TestDrive 'proxy.err'))" }
        if ([DateTime]::UtcNow -gt $deadline) { throw 'fault_proxy.py did not start within 15 s.' }
        Start-Sleep -Milliseconds 50
    }
    $Ports = @{ imap = $ImapPort; imaps = $ImapsPort; pop3 = $Pop3Port; pop3s = $Pop3sPort; smtp = $SmtpPort; api = $ApiProxyPort }

    function Set-Fault {
        param([string] $Route, [object[]] $Faults = @())
        $body = @{ route = $Route; faults = @($Faults) } | ConvertTo-Json -Depth 5 -Compress
        $null = Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$ControlPort/fault" -Body $body -ContentType 'application/json'
    }
    function Clear-Fault { $null = Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$ControlPort/clear" }
    function Get-ProxyStat([string] $Route) { (Invoke-RestMethod -Uri "http://127.0.0.1:$ControlPort/stats").$Route }

    function Invoke-Api {
        param([string] $Path, [string] $Method = 'Post')
        Invoke-RestMethod -Method $Method -Uri "https://127.0.0.1:$ApiPort$Path" -SkipCertificateCheck
    }

    # ---- one case: a fresh batch of mail in bob's INBOX and an INI in its own folder ----------------------------------
    function New-FaultCase {
        param(
            [ValidateSet('imap', 'imaps', 'pop3', 'pop3s', 'direct')] [string] $Mailbox = 'imap',
            [switch] $Notices,
            [switch] $Api
        )
        Clear-TestMailbox bob
        Clear-TestMailbox carol
        if ($Api) { $null = Invoke-Api '/_control/reset' }
        $numbers = @(1..6 | ForEach-Object { $script:Next += 1; $script:Next })
        $messages = foreach ($n in $numbers) {
            $m = [MimeKit.MimeMessage]::new()
            $m.From.Add([MimeKit.MailboxAddress]::Parse('ops@example.com'))
            $m.To.Add([MimeKit.MailboxAddress]::Parse('bob@smartemail.test'))
            $m.Subject = if ($n % 3 -eq 0) { "Ignore $n" } else { "Job $n done" }
            $m.MessageId = "fault-$n@smartemail.test"
            $m.Body = [MimeKit.TextPart]::new('plain')
            $m.Body.Text = "Message $n.`r`n" + ('x' * 400)
            $m
        }
        $null = Add-TestMessage -User bob -Message $messages
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive "case$($numbers[0])")
        $msgin = New-Item -ItemType Directory (Join-Path $dir 'msgin')
        $protocol, $port, $tls = switch ($Mailbox) {
            'imap' { 'IMAP', $ImapPort, 'None' }
            'imaps' { 'IMAP', $ImapsPort, 'Implicit' }
            'pop3' { 'POP', $Pop3Port, 'None' }
            'pop3s' { 'POP', $Pop3sPort, 'Implicit' }
            'direct' { 'IMAP', $Service.imap.port, 'None' }
        }
        $ini = @"
[General]
MSGINDirectory=msgin
DeleteEmails=Match
DownloadEmails=False
UseLastRunDate=False
OpConUser=ocadm
OpConUserPassword=$Password
[Mail]
EmailProtocol=$protocol
Server=127.0.0.1
Port=$port
TlsMode=$tls
SelfSignedCertificate=True
User=bob
Password=bob-secret
"@
        if ($Notices) {
            $ini += "`nSmtpServer=127.0.0.1`nSmtpPort=$SmtpPort`nNotifyFrom=smartemail@smartemail.test`n[Audit]`nNotifyOnAccepts=True`nNotifyOnAcceptTo=carol@smartemail.test"
        }
        if ($Api) {
            $ini += "`n[OpCon]`nTransport=Api`nApiUrl=https://127.0.0.1:$ApiProxyPort/`nSelfSignedCertificate=True`nApiUser=$ApiUser`nApiPassword=$ApiPassword"
        }
        $ini += "`n[Configuration1]`nSubjectLineMask=^Job (\d+) done$`nEvent=`$PROPERTY:SET,Job[[1]],done`nAllowedSenders=ALL`n"
        Set-Content (Join-Path $dir 'SMArtEmail.ini') $ini -NoNewline
        [pscustomobject]@{
            Ini      = Join-Path $dir 'SMArtEmail.ini'
            MsgIn    = $msgin.FullName
            Api      = [bool] $Api
            Matching = @($numbers | Where-Object { $_ % 3 -ne 0 })
            Others   = @($numbers | Where-Object { $_ % 3 -eq 0 })
            Server   = "127.0.0.1:$port"
        }
    }

    # The run in a fresh pwsh: its RunResult as an object, or what it printed when it ended without one.
    function Invoke-Run {
        param($Case)
        $run = Invoke-FreshPwsh -Script @'
param($Module, $Ini)
Import-Module $Module
$r = Invoke-SmartEmailRun -Path $Ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
'RESULT ' + ([ordered]@{ ExitCode = $r.ExitCode; Errors = @($r.Errors); Deleted = $r.Deleted; Notified = $r.Notified; Events = $r.EventsSubmitted } | ConvertTo-Json -Compress)
exit $r.ExitCode
'@ -ArgumentList $ModulePath, $Case.Ini
        $line = @($run.Output | Where-Object { $_ -like 'RESULT *' })
        $line.Count | Should -Be 1 -Because "the run ends with a result, not an exception: $($run.Output -join "`n")"
        $result = $line[0].Substring(7) | ConvertFrom-Json
        $result.ExitCode | Should -Be $run.ExitCode
        $result
    }

    # How many times each matching message's event was delivered (MSGIN files, or posts the API stub accepted).
    function Get-Delivered {
        param($Case)
        $texts = if ($Case.Api) {
            @(Invoke-Api '/_control/received' -Method Get | ForEach-Object { $_ } | Where-Object { $_.path -eq '/api/opconEventsCollection' -and $_.status -eq 201 } |
                    ForEach-Object { $_.eventStrings })
        } else {
            @(Get-ChildItem $Case.MsgIn -File | ForEach-Object { [IO.File]::ReadAllText($_.FullName) })
        }
        $counts = @{}
        foreach ($t in $texts) {
            if ($t -match '^\$PROPERTY:SET,Job(\d+),done') { $counts[[int] $Matches[1]] = 1 + [int] $counts[[int] $Matches[1]] }
            else { throw "An event that no rule makes: '$t'" }
        }
        if (-not $Case.Api) {
            foreach ($t in $texts) { $t | Should -Match ",ocadm,$([regex]::Escape($Password))`r`n$" }
        }
        $counts
    }

    function Get-MailboxNumber {
        @(Get-TestMessage -User bob | ForEach-Object { if ($_.Subject -match '(\d+)') { [int] $Matches[1] } })
    }

    # After the faulty run: nothing deleted without its event, nothing delivered twice.
    function Assert-Safe {
        param($Case, [int] $MaxDuplicates = 0)
        $delivered = Get-Delivered $Case
        $left = Get-MailboxNumber
        foreach ($n in $Case.Matching) {
            if ($left -notcontains $n) { $delivered[$n] | Should -BeGreaterOrEqual 1 -Because "message $n was deleted" }
            [int] $delivered[$n] | Should -BeLessOrEqual (1 + $MaxDuplicates) -Because "message $n"
        }
        foreach ($n in $Case.Others) { $left | Should -Contain $n -Because "message $n matches no rule" }
    }

    # After the clean run: every matching message delivered exactly once and deleted, every other one kept.
    function Assert-ExactlyOnce {
        param($Case, [int] $MaxDuplicates = 0)
        $delivered = Get-Delivered $Case
        foreach ($n in $Case.Matching) {
            [int] $delivered[$n] | Should -BeGreaterOrEqual 1 -Because "message $n was lost"
            [int] $delivered[$n] | Should -BeLessOrEqual (1 + $MaxDuplicates) -Because "message $n was delivered twice"
        }
        @($delivered.Keys | Where-Object { $Case.Matching -notcontains $_ }).Count | Should -Be 0
        $left = Get-MailboxNumber | Sort-Object
        $left | Should -Be @($Case.Others | Sort-Object) -Because 'the matching messages are deleted and the others kept'
    }

    # The whole case: arm, faulty run, check, disarm, clean run, check.
    function Test-Fault {
        param($Case, [string] $Route, [object[]] $Faults, [ValidateSet('Complete', 'Fail', 'Either')] [string] $Expect, [string] $ErrorPattern,
            [int] $MaxDuplicates = 0)
        Set-Fault $Route $Faults
        try { $first = Invoke-Run $Case } finally { $stat = Get-ProxyStat $Route; Clear-Fault }
        @($stat.fired).Count | Should -BeGreaterThan 0 -Because "the fault fired (connections: $($stat.connections))"
        $errors = @($first.Errors) -join "`n"
        switch ($Expect) {
            'Complete' { $first.ExitCode | Should -Be 0 -Because $errors }
            'Fail' { $first.ExitCode | Should -Be 2 -Because 'the fault cannot be worked around' }
            'Either' { $first.ExitCode | Should -BeIn 0, 2 }
        }
        if ($first.ExitCode -ne 0) {
            $first.ExitCode | Should -Be 2
            $errors | Should -Match $ErrorPattern
            $errors | Should -Not -Match ([regex]::Escape($Password))
            $errors | Should -Not -Match 'bob-secret'
        }
        Assert-Safe $Case -MaxDuplicates $MaxDuplicates
        $second = Invoke-Run $Case
        $second.ExitCode | Should -Be 0 -Because (@($second.Errors) -join "`n")
        Assert-ExactlyOnce $Case -MaxDuplicates $MaxDuplicates
        $first
    }

    # A clean run through a TLS route, to learn how many bytes each way its first connection carries.
    function Measure-Route {
        param([string] $Mailbox, [string] $Route, [switch] $Api)
        $case = New-FaultCase -Mailbox $Mailbox -Api:$Api
        Clear-Fault
        $r = Invoke-Run $case
        $r.ExitCode | Should -Be 0 -Because (@($r.Errors) -join "`n")
        $stat = Get-ProxyStat $Route
        Assert-ExactlyOnce $case
        , @($stat.bytes[0])
    }
}

AfterAll {
    foreach ($p in @($Proxy, $ApiServer)) {
        if ($p -and -not $p.HasExited) {
            & /bin/kill -TERM $p.Id
            if (-not $p.WaitForExit(10000)) { $p.Kill(); throw "Process $($p.Id) did not stop on SIGTERM." }
        }
    }
}

Describe 'A run through a broken IMAP connection (plain, faults at protocol words)' -Tag 'Integration', 'Services', 'Faults' {
    It '<Name>' -ForEach @(
        @{ Name = 'greeting dropped: exit 2 naming the server and connecting'; Faults = @(@{ direction = 's2c'; after = 0; action = 'drop' }); Expect = 'Fail'; Pattern = '127\.0\.0\.1:\d+ broke while connecting' }
        @{ Name = 'reset during login: exit 2 naming the login'; Faults = @(@{ direction = 'c2s'; match = 'AUTHENTICATE'; action = 'reset' }); Expect = 'Fail'; Pattern = '127\.0\.0\.1:\d+ broke while logging in' }
        @{ Name = 'dropped during FETCH once: reconnects and completes'; Faults = @(@{ direction = 'c2s'; match = 'UID FETCH'; action = 'drop' }); Expect = 'Complete' }
        @{ Name = 'server resets in the FETCH response once: reconnects and completes'; Faults = @(@{ direction = 's2c'; match = ' FETCH ('; action = 'reset' }); Expect = 'Complete' }
        @{ Name = 'dropped during every FETCH: exit 2 after bounded retries'; Faults = @(@{ connection = 0; direction = 'c2s'; match = 'UID FETCH'; action = 'drop' }); Expect = 'Fail'; Pattern = 'imap://bob@127\.0\.0\.1:\d+/INBOX broke during fetch and could not be re-established' }
        @{ Name = 'reset during STORE \Deleted: exit 2, deleted by the next run'; Faults = @(@{ direction = 'c2s'; match = 'UID STORE'; action = 'reset' }); Expect = 'Fail'; Pattern = 'Deleting \d+ message\(s\) from imap://bob@127\.0\.0\.1:\d+/INBOX failed' }
        @{ Name = 'dropped during EXPUNGE: exit 2, deleted by the next run'; Faults = @(@{ direction = 'c2s'; match = 'UID EXPUNGE'; action = 'drop' }); Expect = 'Fail'; Pattern = 'Deleting \d+ message\(s\) from imap://bob@127\.0\.0\.1:\d+/INBOX failed' }
        @{ Name = 'EXPUNGE done but its answer lost: exit 2, nothing deleted twice'; Faults = @(@{ direction = 's2c'; match = 'OK Expunge'; action = 'drop' }); Expect = 'Fail'; Pattern = 'Deleting \d+ message\(s\) from imap://bob@127\.0\.0\.1:\d+/INBOX failed' }
        @{ Name = 'dropped at EXAMINE once: reconnects and completes'; Faults = @(@{ direction = 'c2s'; match = 'EXAMINE'; action = 'drop' }); Expect = 'Complete' }
        @{ Name = 'dropped at SELECT before deleting: exit 2 naming the step, deleted by the next run'; Faults = @(@{ direction = 'c2s'; match = 'SELECT'; action = 'drop' }); Expect = 'Fail'; Pattern = 'Deleting \d+ message\(s\) from imap://bob@127\.0\.0\.1:\d+/INBOX failed while opening the folder for writing' }
        # A mailbox of one batch gets no UID SEARCH (EXAMINE answers it): the first command of the read is the FETCH.
        @{ Name = 'stalled 3 s before the first FETCH: completes'; Faults = @(@{ direction = 'c2s'; match = 'UID FETCH'; action = 'stall'; seconds = 3 }); Expect = 'Complete' }
        @{ Name = 'throttled to 4 KB/s: completes'; Faults = @(@{ direction = 's2c'; after = 0; action = 'slow'; rate = 4000 }); Expect = 'Complete' }
    ) {
        $case = New-FaultCase -Mailbox imap
        $null = Test-Fault $case imap $Faults $Expect $Pattern
    }
}

Describe 'A run through a broken POP3 connection (plain, faults at protocol words)' -Tag 'Integration', 'Services', 'Faults' {
    It '<Name>' -ForEach @(
        @{ Name = 'greeting reset: exit 2 naming the server'; Faults = @(@{ direction = 's2c'; after = 0; action = 'reset' }); Expect = 'Fail'; Pattern = '127\.0\.0\.1:\d+ broke while connecting' }
        @{ Name = 'dropped during login: exit 2 naming the login'; Faults = @(@{ direction = 'c2s'; match = 'AUTH'; action = 'drop' }); Expect = 'Fail'; Pattern = '127\.0\.0\.1:\d+ broke while logging in' }
        @{ Name = 'dropped during UIDL: exit 2 naming UIDL'; Faults = @(@{ direction = 'c2s'; match = 'UIDL'; action = 'drop' }); Expect = 'Fail'; Pattern = 'UIDL on pop3://bob@127\.0\.0\.1:\d+ failed' }
        @{ Name = 'dropped during TOP: exit 2 naming TOP'; Faults = @(@{ direction = 'c2s'; match = 'TOP '; action = 'drop' }); Expect = 'Fail'; Pattern = 'TOP on pop3://bob@127\.0\.0\.1:\d+ failed' }
        @{ Name = 'reset during DELE: exit 2, deleted by the next run'; Faults = @(@{ direction = 'c2s'; match = 'DELE '; action = 'reset' }); Expect = 'Fail'; Pattern = 'Deleting \d+ message\(s\) from pop3://bob@127\.0\.0\.1:\d+ failed' }
        @{ Name = 'QUIT lost: exit 2, deleted by the next run'; Faults = @(@{ direction = 'c2s'; match = 'QUIT'; action = 'drop' }); Expect = 'Fail'; Pattern = 'Deleting \d+ message\(s\) from pop3://bob@127\.0\.0\.1:\d+ failed' }
        @{ Name = 'QUIT done but its answer lost: exit 2, nothing deleted twice'; Faults = @(@{ direction = 's2c'; match = '+OK Logging out'; action = 'drop' }); Expect = 'Either'; Pattern = 'Deleting \d+ message\(s\) from pop3://bob@127\.0\.0\.1:\d+' }
        @{ Name = 'stalled 3 s before LIST: completes'; Faults = @(@{ direction = 'c2s'; match = 'LIST'; action = 'stall'; seconds = 3 }); Expect = 'Complete' }
    ) {
        $case = New-FaultCase -Mailbox pop3
        $null = Test-Fault $case pop3 $Faults $Expect $Pattern
    }
}

Describe 'A run through a broken TLS connection (IMAPS and POP3S, faults at a share of the bytes)' -Tag 'Integration', 'Services', 'Faults' {
    BeforeAll {
        $Measured = @{ imaps = (Measure-Route -Mailbox imaps -Route imaps); pop3s = (Measure-Route -Mailbox pop3s -Route pop3s) }
        $StepPattern = '(127\.0\.0\.1:\d+|(imap|pop3)://bob@127\.0\.0\.1:\d+).*(onnect|TLS|logging in|broke|fail|did not answer)|(TOP|RETR|LIST|Deleting).*(imap|pop3)://bob@127\.0\.0\.1:\d+'
    }

    It '<Route>: <Action> <Direction> at <Share> of the bytes' -ForEach @(
        foreach ($route in 'imaps', 'pop3s') {
            @{ Route = $route; Action = 'drop'; Direction = 's2c'; Share = 0.05 }
            @{ Route = $route; Action = 'reset'; Direction = 's2c'; Share = 0.5 }
            @{ Route = $route; Action = 'drop'; Direction = 's2c'; Share = 0.95 }
            @{ Route = $route; Action = 'reset'; Direction = 'c2s'; Share = 0.3 }
            @{ Route = $route; Action = 'drop'; Direction = 'c2s'; Share = 0.8 }
            @{ Route = $route; Action = 'stall'; Direction = 's2c'; Share = 0.5 }
        }
    ) {
        $bytes = $Measured[$Route]
        $after = [int] ($bytes[$(if ($Direction -eq 'c2s') { 0 } else { 1 })] * $Share)
        $case = New-FaultCase -Mailbox $Route
        $fault = @{ direction = $Direction; after = $after; action = $Action; seconds = 3 }
        $expect = if ($Action -eq 'stall') { 'Complete' } else { 'Either' }
        $null = Test-Fault $case $Route @($fault) $expect $StepPattern
    }
}

Describe 'Notices through a broken SMTP connection' -Tag 'Integration', 'Services', 'Faults' {
    It '<Name>' -ForEach @(
        @{ Name = 'dropped at MAIL FROM once: the other notices still go, every event written'; Faults = @(@{ direction = 'c2s'; match = 'MAIL FROM'; action = 'drop' }); Expect = 'Fail'; MinNotified = 3 }
        @{ Name = 'reset at DATA every time: every event written anyway'; Faults = @(@{ connection = 0; direction = 'c2s'; match = 'DATA'; action = 'reset' }); Expect = 'Fail'; MinNotified = 0 }
        @{ Name = 'greeting dropped every time: every event written anyway'; Faults = @(@{ connection = 0; direction = 's2c'; after = 0; action = 'drop' }); Expect = 'Fail'; MinNotified = 0 }
        @{ Name = 'stalled 3 s after the greeting: completes with every notice'; Faults = @(@{ direction = 's2c'; after = 10; action = 'stall'; seconds = 3 }); Expect = 'Complete'; MinNotified = 4 }
    ) {
        $case = New-FaultCase -Mailbox direct -Notices
        $first = Test-Fault $case smtp $Faults $Expect "notice for 'Job \d+ done' could not be sent through 127\.0\.0\.1:$SmtpPort|127\.0\.0\.1:$SmtpPort"
        $first.Notified | Should -BeGreaterOrEqual $MinNotified
        # The completed run does not notify again for messages the faulty run handled.
        $notices = @(Get-TestMessage -User carol)
        $notices.Count | Should -Be $first.Notified
        @($notices.Subject | Sort-Object -Unique).Count | Should -Be $notices.Count -Because 'no notice is sent twice'
    }
}

Describe 'Events through a broken connection to the OpCon REST API' -Tag 'Integration', 'Services', 'Faults' {
    BeforeAll {
        $ApiBytes = Measure-Route -Mailbox direct -Route api -Api
        $ApiPattern = "OpCon API at https://127\.0\.0\.1:$ApiProxyPort/"
    }

    It 'reset on connecting once: that message fails, the next run delivers it once' {
        $case = New-FaultCase -Mailbox direct -Api
        $first = Test-Fault $case api @(@{ direction = 'c2s'; after = 0; action = 'reset' }) Fail $ApiPattern
        $first.Events | Should -Be ($case.Matching.Count - 1)
    }

    It 'reset on every connection: exit 2, nothing deleted, the next run delivers each once' {
        $case = New-FaultCase -Mailbox direct -Api
        $first = Test-Fault $case api @(@{ connection = 0; direction = 'c2s'; after = 0; action = 'reset' }) Fail $ApiPattern
        $first.Events | Should -Be 0
        $first.Deleted | Should -Be 0
    }

    It 'request cut at <Share> of the client''s bytes: delivered exactly once' -ForEach @(
        @{ Share = 0.2 }, @{ Share = 0.5 }, @{ Share = 0.85 }
    ) {
        $case = New-FaultCase -Mailbox direct -Api
        $null = Test-Fault $case api @(@{ direction = 'c2s'; after = [int] ($ApiBytes[0] * $Share); action = 'drop' }) Either $ApiPattern
    }

    It 'stalled 3 s and then throttled: completes' {
        $case = New-FaultCase -Mailbox direct -Api
        $null = Test-Fault $case api @(@{ direction = 's2c'; after = [int] ($ApiBytes[1] * 0.4); action = 'stall'; seconds = 3 }, @{ direction = 'c2s'; after = 0; action = 'slow'; rate = 20000 }) Complete
    }

    It 'answer cut after the API took the event: never lost, at most one event twice (the API has no exactly-once)' {
        # The API has no two-phase delivery and no way to ask what it has: an event whose 201 is lost is submitted again.
        $case = New-FaultCase -Mailbox direct -Api
        $first = Test-Fault $case api @(@{ direction = 's2c'; after = [int] ($ApiBytes[1] * 0.8); action = 'drop' }) Either $ApiPattern -MaxDuplicates 1
        $twice = @((Get-Delivered $case).Values | Where-Object { $_ -gt 1 }).Count
        if ($twice -gt 0) { $first.ExitCode | Should -Be 2 -Because 'a resubmitted event follows a reported failure' }
    }
}

Describe 'A server that goes silent mid-command (longer than the timeout)' -Tag 'Integration', 'Services', 'Faults' {
    BeforeAll {
        Clear-TestMailbox bob
        $null = Add-TestMessage -User bob -Message @(foreach ($n in 1..3) {
                $m = [MimeKit.MimeMessage]::new()
                $m.From.Add([MimeKit.MailboxAddress]::Parse('ops@example.com'))
                $m.Subject = "Silent $n"
                $m.Body = [MimeKit.TextPart]::new('plain')
                $m.Body.Text = "Message $n."
                $m
            })
        # MailKit's Timeout is not applied to calls made with a cancellable token (jstedfast/MailKit#1253): before
        # SmartEmail had its own idle watchdog, each of these hung for as long as the server stayed silent.
        function Invoke-SilentRead {
            param([object[]] $Faults)
            Set-Fault imap $Faults
            try {
                $job = Start-ThreadJob -ArgumentList $ModulePath, $ImapPort -ScriptBlock {
                    param($Module, $Port)
                    Import-Module $Module
                    $cred = [pscredential]::new('bob', (ConvertTo-SecureString 'bob-secret' -AsPlainText -Force))
                    $warnings = $null
                    $out = [ordered]@{ Subjects = @(); Error = $null; Warnings = @() }
                    try {
                        $out.Subjects = @(Get-SmartEmailMessage -Server 127.0.0.1 -Port $Port -Protocol IMAP -TlsMode None -Credential $cred -TimeoutSeconds 3 -WarningVariable warnings -WarningAction SilentlyContinue | ForEach-Object Subject)
                    } catch { $out.Error = $_ }
                    $out.Warnings = @($warnings | ForEach-Object { "$_" })
                    [pscustomobject]$out
                }
                # A hang guard only: the fix answers within seconds.
                if (-not (Wait-Job $job -Timeout 60)) { Stop-Job $job; throw 'The read still waited for the silent server after 60 s.' }
                Receive-Job $job
            } finally {
                Remove-Job $job -Force -ErrorAction SilentlyContinue
                Clear-Fault
            }
        }
    }

    It 'silent during FETCH: gives up on that connection after the timeout, reconnects and lists every message' {
        $r = Invoke-SilentRead @(@{ direction = 'c2s'; match = 'UID FETCH'; action = 'stall'; seconds = 600 })
        $r.Error | Should -BeNullOrEmpty
        $r.Subjects | Sort-Object | Should -Be @('Silent 1', 'Silent 2', 'Silent 3')
        ($r.Warnings -join "`n") | Should -Match 'broke during fetch \(The server sent nothing for 3 s\.\); reconnecting'
    }

    It 'silent during login once: reconnects and lists every message' {
        $r = Invoke-SilentRead @(@{ direction = 'c2s'; match = 'AUTHENTICATE'; action = 'stall'; seconds = 600 })
        $r.Error | Should -BeNullOrEmpty
        $r.Subjects | Sort-Object | Should -Be @('Silent 1', 'Silent 2', 'Silent 3')
        ($r.Warnings -join "`n") | Should -Match 'broke during connect \(The server sent nothing for 3 s\.\); reconnecting'
    }

    It 'silent during every login: fails as MailboxConnection naming the server and the step, after bounded retries' {
        $r = Invoke-SilentRead @(@{ connection = 0; direction = 'c2s'; match = 'AUTHENTICATE'; action = 'stall'; seconds = 600 })
        $r.Error | Should -Not -BeNullOrEmpty
        $r.Error.FullyQualifiedErrorId | Should -BeLike 'MailboxConnection,*'
        $r.Error.Exception.Message | Should -Match "imap://bob@127\.0\.0\.1:$ImapPort/INBOX broke during connect and could not be re-established after \d+ attempt\(s\): The server sent nothing for 3 s"
        $r.Subjects.Count | Should -Be 0
    }
}
