# Invoke-SmartEmailRun sending accept and reject notices through the SMTP sink of tests/services, read back from the
# recipient's mailbox over IMAP (../services/TestServices.psm1); the mail itself comes from a copy of the demo folder
# mailbox. Needs SMARTEMAIL_TEST_SERVICES and SMARTEMAIL_MODULE_PATH; build.ps1 -Task Test sets both.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Password = 'Run-7yT-secret'
    $OpCon = [pscredential]::new('ocadm', (ConvertTo-SecureString $Password -AsPlainText -Force))
}

Describe 'Invoke-SmartEmailRun notices, read back from the real SMTP sink over IMAP' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
        $Service = Get-TestService
    }
    BeforeEach { Clear-TestMailbox bob }

    It 'sends accept and reject notices, and none to bulk mail' {
        $f = New-RunFolder
        $text = (Get-Content -Raw $f.Ini) -replace '\[Mail\]', "[Mail]`nSmtpServer=127.0.0.1`nSmtpPort=$($Service.smtp.port)`nNotifyFrom=smartemail@smartemail.test`nSelfSignedCertificate=True"
        $text = $text -replace 'LogRejects=True', "LogRejects=True`nNotifyOnAccepts=True`nNotifyOnAcceptTo=bob@smartemail.test`nNotifyOnRejects=True`nNotifyOnRejectTo=bob@smartemail.test"
        Set-Content $f.Ini $text -NoNewline
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.Errors | Should -BeNullOrEmpty
        $r.Notified | Should -Be 4   # 3 accepted, 1 rejected; the Precedence: bulk newsletter gets none
        $notices = @(Get-TestMessage -User bob)
        $notices.Count | Should -Be 4
        @($notices | Where-Object Subject -like 'SMArt Email - Message Accepted - From: admin@anycompany.com Subject: Test').Count | Should -Be 1
        $reject = $notices | Where-Object Subject -like 'SMArt Email - Message Rejected*'
        $reject.TextBody | Should -Match 'was rejected for reason: Invalid Sender'
        $reject.Headers['Auto-Submitted'] | Should -Be 'auto-replied'
        ($notices | ForEach-Object { $_.ToString() }) -join "`n" | Should -Not -Match $Password
    }
}
