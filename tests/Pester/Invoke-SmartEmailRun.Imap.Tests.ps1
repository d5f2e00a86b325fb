# Invoke-SmartEmailRun with the reference's example INIs (tests/fixtures/ini) against alice's IMAPS mailbox of the
# private dovecot of tests/services: accepts, deletes, downloads and the UID watermark. Needs SMARTEMAIL_TEST_SERVICES
# and SMARTEMAIL_MODULE_PATH; build.ps1 -Task Test sets both.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Password = 'Run-7yT-secret'
}

Describe 'Invoke-SmartEmailRun with the reference examples against the real IMAP server' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
        $Service = Get-TestService
        Initialize-TestMailKit
        function New-TestMail([string] $From, [string] $Subject, [string] $Body, [string] $Attachment) {
            $builder = [MimeKit.BodyBuilder]::new()
            $builder.TextBody = $Body
            if ($Attachment) { $null = $builder.Attachments.Add($Attachment, [Text.Encoding]::UTF8.GetBytes('pdf'), [MimeKit.ContentType]::new('application', 'pdf')) }
            $m = [MimeKit.MimeMessage]::new()
            $m.From.Add([MimeKit.MailboxAddress]::Parse($From))
            $m.To.Add([MimeKit.MailboxAddress]::Parse('alice@smartemail.test'))
            $m.Subject = $Subject
            $m.Body = $builder.ToMessageBody()
            $m
        }
        # One of the reference's example INIs (tests/fixtures/ini), with [Mail] pointing at alice's IMAPS mailbox and
        # [General] at this test's folders; everything else exactly as the reference prints it.
        function New-ExampleIni([string] $Example) {
            New-ReferenceIni -Example $Example -Root $TestDrive -OpConPassword $Password -Protocol IMAP -Port $Service.imap.tlsPort `
                -ServerLine "Server=127.0.0.1`r`nTlsMode=Implicit`r`nSelfSignedCertificate=True"
        }
        $Accepted = "`$CONSOLE:DISPLAY,the test passed,ocadm,$Password`r`n"
    }
    BeforeEach {
        Clear-TestMailbox alice
        $null = Add-TestMessage -User alice -Message @(
            (New-TestMail 'admin@anycompany.com' 'Test' "first line`r`nTest body line`r`n" 'SMArtEmail Test.pdf')
            (New-TestMail 'admin@anycompany.com' 'Test without attachment' "nothing here`r`n" $null)
            (New-TestMail 'intruder@elsewhere.example' 'Test' "Test`r`n" 'SMArtEmail Test.pdf')
            (New-TestMail 'admin@anycompany.com' 'Unrelated' "Test in the body only`r`n" $null))
    }

    It 'example 1 (subject): accepts the admin''s two Test mails, deletes them, keeps the rest' {
        $e = New-ExampleIni 'example1.ini'
        $r = Invoke-SmartEmailRun -Path $e.Ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.Errors | Should -BeNullOrEmpty
        $r.Accepted | Should -Be 2
        $r.EventsSubmitted | Should -Be 2
        Get-ChildItem $e.MsgIn | ForEach-Object { Get-Content $_.FullName -Raw } | Should -Be @($Accepted, $Accepted)
        (Get-TestMessage -User alice).Subject | Sort-Object | Should -Be @('Test', 'Unrelated')
        @(Get-ChildItem $e.Received -Filter *.eml).Count | Should -Be 2
        (Invoke-SmartEmailRun -Path $e.Ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue).EventsSubmitted | Should -Be 0
    }

    It 'example 2 (attachment): accepts only the Test mail with the attachment, and deletes nothing' {
        $e = New-ExampleIni 'example2.ini'
        $r = Invoke-SmartEmailRun -Path $e.Ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.Accepted | Should -Be 1
        ($r.Results | Where-Object { $_.Outcome -eq 'Rejected' -and $_.Message.Subject -eq 'Test without attachment' }).Reason | Should -Be 'No matching attachments found'
        @(Get-ChildItem $e.MsgIn).Count | Should -Be 1
        @(Get-TestMessage -User alice).Count | Should -Be 4
    }

    It 'remembers handled mail by its UID watermark alone, reads only new mail next time, and keeps no NotMatched results' {
        $e = New-ExampleIni 'example2.ini'
        $r = Invoke-SmartEmailRun -Path $e.Ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.Scanned | Should -Be 4
        $r.Results.Outcome | Should -Not -Contain 'NotMatched'
        $box = @((Get-Content -Raw "$($e.Ini).state.json" | ConvertFrom-Json).Mailboxes.PSObject.Properties.Value)[0]
        @($box.Messages.PSObject.Properties).Count | Should -Be 0
        $box.Watermark | Should -BeGreaterThan 0
        $null = Add-TestMessage -User alice -Message (New-TestMail 'admin@anycompany.com' 'Test' "again`r`n" 'SMArtEmail Test.pdf')
        $r = Invoke-SmartEmailRun -Path $e.Ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.Scanned | Should -Be 1
        $r.Accepted | Should -Be 1
        @(Get-ChildItem $e.MsgIn).Count | Should -Be 2
    }

    It 'loads no MSAL for a password sign-in (a fresh process, as OpCon starts one)' {
        $e = New-ExampleIni 'example2.ini'
        $result = Invoke-FreshPwsh -ArgumentList (Get-ModuleUnderTest), $e.Ini -Script @'
param($Module, $Ini)
Import-Module $Module
$r = Invoke-SmartEmailRun -Path $Ini -WhatIf -WarningAction SilentlyContinue -InformationAction SilentlyContinue
"scanned=$($r.Scanned)"
[AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { "loaded=$($_.GetName().Name)" }
'@
        $result.Output | Should -Contain 'scanned=4'
        $result.Output | Should -Contain 'loaded=MailKit'
        $result.Output | Should -Not -Contain 'loaded=Microsoft.Identity.Client'
    }

    It 'example 3 (body): the subject and each matching body line generate events' {
        $e = New-ExampleIni 'example3.ini'
        $r = Invoke-SmartEmailRun -Path $e.Ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        # 'Test' with 'Test body line': 2 events; 'Test without attachment': 1; 'Unrelated' with a Test body line: 1.
        $r.EventsSubmitted | Should -Be 4
        $r.Accepted | Should -Be 3
        (Get-TestMessage -User alice).From.Address | Should -Be @('intruder@elsewhere.example')
    }
}
