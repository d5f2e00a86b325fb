#Requires -Version 7.2
# Invoke-SmartEmailRun and smartemail.ps1 with TlsMode=Auto on ports that are not the standard ones, against the
# private dovecot and SMTP sink of tests/services: a vendor INI (SecurityProtocol=TLS1_2, the implicit-TLS port, no
# TlsMode) must be read without the old 60 s hang (issue 16, defect 5), and notices must go out through the sink's
# SMTPS and STARTTLS ports. Get-SmartEmailMessage's side is in Get-SmartEmailMessage.TlsDetection.Tests.ps1.
# Needs SMARTEMAIL_TEST_SERVICES and SMARTEMAIL_MODULE_PATH; build.ps1 -Task Test sets both.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    Initialize-TestMailKit
    $Service = Get-TestService
    $Password = 'Tls-4rQ-secret'
    # Well under the old 60 s hang, loose enough for a loaded 2-core machine: timings are not asserted tightly.
    $Fast = [TimeSpan]::FromSeconds(10)

    # A reference INI (tests/fixtures/ini) filled in the vendor's way: SecurityProtocol=TLS1_2 and the TLS port,
    # no TlsMode (smartemail.exe has none); everything else as the reference prints it.
    function New-VendorIni([string] $Protocol, [int] $Port) {
        $e = New-ReferenceIni -Example 'example2.ini' -Root $TestDrive -OpConPassword $Password -Protocol $Protocol -Port $Port `
            -ServerLine "Server=$($Service.host)`r`nSelfSignedCertificate=True"
        Get-Content -Raw $e.Ini | Should -Not -Match '(?m)^TlsMode='
        $e
    }

    function New-Mail([string] $Subject, [string] $Attachment) {
        $builder = [MimeKit.BodyBuilder]::new()
        $builder.TextBody = "body`r`n"
        if ($Attachment) { $null = $builder.Attachments.Add($Attachment, [Text.Encoding]::UTF8.GetBytes('pdf'), [MimeKit.ContentType]::new('application', 'pdf')) }
        $m = [MimeKit.MimeMessage]::new()
        $m.From.Add([MimeKit.MailboxAddress]::Parse('admin@anycompany.com'))
        $m.To.Add([MimeKit.MailboxAddress]::Parse('alice@smartemail.test'))
        $m.Subject = $Subject
        $m.Body = $builder.ToMessageBody()
        $m
    }
}

Describe 'TlsMode=Auto: a vendor INI with SecurityProtocol=TLS1_2 and the implicit-TLS port' -Tag 'Integration', 'Services', 'Run' {
    BeforeEach {
        Clear-TestMailbox alice
        $null = Add-TestMessage -User alice -Message @(
            (New-Mail 'Test' 'SMArtEmail Test.pdf')
            (New-Mail 'Test without attachment' $null))
    }

    It 'Invoke-SmartEmailRun -WhatIf reads <Protocol> on port tlsPort and decides, fast' -ForEach @(
        @{ Protocol = 'IMAP'; Kind = 'imap' }
        @{ Protocol = 'POP'; Kind = 'pop3' }
    ) {
        $e = New-VendorIni $Protocol ([int] $Service.$Kind.tlsPort)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-SmartEmailRun -Path $e.Ini -WhatIf -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $watch.Elapsed | Should -BeLessThan $Fast
        $r.Errors | Should -BeNullOrEmpty
        $r.Scanned | Should -Be 2
        $r.Accepted | Should -Be 1
        @(Get-ChildItem $e.MsgIn).Count | Should -Be 0 -Because '-WhatIf writes no event'
    }

    It 'smartemail.ps1 -inifile: runs it and exits 0 with the event written' {
        $e = New-VendorIni 'IMAP' ([int] $Service.imap.tlsPort)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-Legacy @("-inifile:$($e.Ini)")
        $watch.Elapsed | Should -BeLessThan ([TimeSpan]::FromSeconds(20)) -Because 'a fresh pwsh starts in about a second; the old hang took 60 s'
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'SmartEmail run: 2 scanned, 1 accepted'
        $r.Output | Should -Not -Match $Password
        Get-ChildItem $e.MsgIn | ForEach-Object { Get-Content $_.FullName -Raw } | Should -Be @("`$CONSOLE:DISPLAY,the test passed,ocadm,$Password`r`n")
    }
}

Describe 'TlsMode=Auto: notices to the SMTP sink on its non-standard ports' -Tag 'Integration', 'Services', 'Run' {
    BeforeEach { Clear-TestMailbox bob }

    It 'sends the notices through the <Name> port without TlsMode, choosing <Mode>' -ForEach @(
        @{ Name = 'SMTPS'; PortKey = 'tlsPort'; Mode = 'implicit TLS'; Line = '^TLS: server silent for \d+ ms on port {0} of 127\.0\.0\.1: implicit TLS\.$' }
        @{ Name = 'STARTTLS'; PortKey = 'port'; Mode = 'STARTTLS'; Line = '^TLS: greeting received from 127\.0\.0\.1:{0} after \d+ ms \(''220.*''\): STARTTLS \(required\)\.$' }
    ) {
        # The demo's folder mailbox; notices go out through the sink, which delivers them into bob's Maildir.
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))
        Copy-Item (Join-Path (Get-RepoRoot) 'docs/examples/mailbox') $dir -Recurse
        New-Item -ItemType Directory (Join-Path $dir 'msgin') | Out-Null
        $port = [int] $Service.smtp.$PortKey
        $text = Get-Content -Raw (Join-Path (Get-RepoRoot) 'docs/examples/SMArtEmail.ini')
        $text = $text -replace 'MSGINDirectory=out/MSGIN', 'MSGINDirectory=msgin'
        $text = $text -replace '\[Mail\]', "[Mail]`nSmtpServer=127.0.0.1`nSmtpPort=$port`nNotifyFrom=smartemail@smartemail.test`nSelfSignedCertificate=True"
        $text = $text -replace 'LogRejects=True', "LogRejects=True`nNotifyOnAccepts=True`nNotifyOnAcceptTo=bob@smartemail.test"
        $text | Should -Not -Match '(?m)^TlsMode='
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content $ini $text -NoNewline
        $opcon = [pscredential]::new('ocadm', (ConvertTo-SecureString $Password -AsPlainText -Force))
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $out = @(Invoke-SmartEmailRun -Path $ini -OpConCredential $opcon -Verbose -WarningAction SilentlyContinue -InformationAction SilentlyContinue 4>&1)
        $watch.Elapsed | Should -BeLessThan $Fast
        $r = $out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $r.Errors | Should -BeNullOrEmpty
        $r.Notified | Should -Be 3
        @($verbose -match ($Line -f $port)).Count | Should -Be 1 -Because ($verbose -join "`n")
        $notices = @(Get-TestMessage -User bob)
        $notices.Count | Should -Be 3
        @($notices | Where-Object Subject -like 'SMArt Email - Message Accepted*').Count | Should -Be 3
    }
}
