#Requires -Version 7.2
# Proves the real-mail-server harness (tests/services/services.sh + TestServices.psm1) end to end:
# IMAPS append/read-back, POP3S, SMTP sink delivery read back over IMAP, and certificate pinning.
# Needs SMARTEMAIL_TEST_SERVICES (ROOT/services.json of a running harness) and SMARTEMAIL_MODULE_PATH
# (the built SmartEmail.psd1, whose Dependencies folder provides MailKit); build.ps1 -Task Test sets both.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServices.psm1') -Force
    Initialize-TestMailKit
    $Service = Get-TestService
    $RunId = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $Ct = [System.Threading.CancellationToken]::None

    function New-HarnessMessage {
        param([string] $Subject, [string] $To = 'alice@smartemail.test', [string] $Body = 'harness check')
        $m = [MimeKit.MimeMessage]::new()
        $m.From.Add([MimeKit.MailboxAddress]::new('Harness', 'harness@smartemail.test'))
        $m.To.Add([MimeKit.MailboxAddress]::Parse($To))
        $m.Subject = $Subject
        $text = [MimeKit.TextPart]::new('plain')
        $text.Text = $Body
        $m.Body = $text
        $m
    }

    # A self-signed certificate with the harness certificate's subject and names but another key.
    function New-OtherCertificatePem {
        param([string] $Path)
        $rsa = [System.Security.Cryptography.RSA]::Create(2048)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new(
            'CN=localhost', $rsa, [System.Security.Cryptography.HashAlgorithmName]::SHA256,
            [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $san.AddDnsName('localhost')
        $san.AddIpAddress([System.Net.IPAddress]::Loopback)
        $request.CertificateExtensions.Add($san.Build())
        $cert = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
        Set-Content -LiteralPath $Path -Value $cert.ExportCertificatePem()
        $Path
    }

    function Close-Client($Client) {
        if ($Client) {
            if ($Client.IsConnected) { $Client.Disconnect($true, $Ct) }
            $Client.Dispose()
        }
    }
}

AfterAll {
    Remove-Module TestServices -ErrorAction SilentlyContinue
}

Describe 'Test mail server harness' -Tag 'Integration', 'Services' {

    Context 'services.json' {
        It 'describes the running servers on 127.0.0.1 with three users' {
            $Service.host | Should -Be '127.0.0.1'
            $Service.users.name | Should -Be @('alice', 'bob', 'carol')
            $Service.certificate | Should -Exist
            foreach ($port in $Service.imap.port, $Service.imap.tlsPort, $Service.pop3.port, $Service.pop3.tlsPort,
                $Service.smtp.port, $Service.smtp.tlsPort) {
                $port | Should -BeGreaterThan 1024
            }
        }

        It 'Get-TestService explains what is missing when SMARTEMAIL_TEST_SERVICES is unset' {
            $saved = $env:SMARTEMAIL_TEST_SERVICES
            try {
                $env:SMARTEMAIL_TEST_SERVICES = $null
                { Get-TestService } | Should -Throw -ExpectedMessage '*SMARTEMAIL_TEST_SERVICES is not set*services.sh start*'
                $env:SMARTEMAIL_TEST_SERVICES = Join-Path $TestDrive 'missing.json'
                { Get-TestService } | Should -Throw -ExpectedMessage '*does not exist*'
            } finally {
                $env:SMARTEMAIL_TEST_SERVICES = $saved
            }
        }
    }

    Context 'IMAPS append and read-back, then POP3S' {
        BeforeAll {
            Clear-TestMailbox -User alice
            $Subjects = 1..3 | ForEach-Object { "Harness $RunId message $_ – Grüße" }
            $i = 0
            foreach ($subject in $Subjects) {
                $i++
                (New-HarnessMessage -Subject $subject).WriteTo((Join-Path $TestDrive "m$i.eml"), $Ct)
            }
            $Uids = @(Add-TestMessage -User alice -Path (Join-Path $TestDrive 'm*.eml'))
        }

        It 'appends three .eml files and gets three distinct UIDs' {
            $Uids.Count | Should -Be 3
            @($Uids | ForEach-Object Id | Sort-Object -Unique).Count | Should -Be 3
        }

        It 'reads the same three subjects back over IMAPS' {
            $back = @(Get-TestMessage -User alice)
            $back.Count | Should -Be 3
            $back.Subject | Should -Be $Subjects
            $back[0] | Should -BeOfType ([MimeKit.MimeMessage])
        }

        It 'POP3S sees the same three messages (UIDL)' {
            $pop = Connect-TestPop3 -User alice
            try {
                $pop.IsSecure | Should -BeTrue
                $uidl = $pop.GetMessageUids($Ct)
                $uidl.Count | Should -Be 3
                @($uidl | Sort-Object -Unique).Count | Should -Be 3
                $pop.GetMessage(2, $Ct, $null).Subject | Should -Be $Subjects[2]
            } finally {
                Close-Client $pop
            }
        }

        It 'logs in over STARTTLS on the plain IMAP and POP3 ports too' {
            $imap = Connect-TestImap -User alice -StartTls
            try {
                $imap.IsSecure | Should -BeTrue
                $imap.Inbox.Open([MailKit.FolderAccess]::ReadOnly, $Ct)
                $imap.Inbox.Count | Should -Be 3
            } finally {
                Close-Client $imap
            }
            $pop = Connect-TestPop3 -User alice -StartTls
            try {
                $pop.IsSecure | Should -BeTrue
                $pop.Count | Should -Be 3
            } finally {
                Close-Client $pop
            }
        }

        It 'Clear-TestMailbox empties every folder' {
            Add-TestMessage -User alice -Message (New-HarnessMessage "Harness $RunId archived") -Folder Archive | Should -HaveCount 1
            Clear-TestMailbox -User alice
            Get-TestMessage -User alice | Should -BeNullOrEmpty
            Get-TestMessage -User alice -Folder Archive | Should -BeNullOrEmpty
        }
    }

    Context 'Add-TestMessage options' {
        BeforeAll {
            Clear-TestMailbox -User bob
        }

        It 'creates a nested folder and keeps the given internal date and flags' {
            $date = [DateTimeOffset]::new(2025, 1, 15, 10, 30, 0, [TimeSpan]::Zero)
            $uid = Add-TestMessage -User bob -Message (New-HarnessMessage "Harness $RunId dated") -Folder 'Projects/Harness' -InternalDate $date -Flags 'Seen, Flagged'
            $uid | Should -HaveCount 1
            $imap = Connect-TestImap -User bob
            try {
                $folder = $imap.GetFolder('Projects/Harness', $Ct)
                $null = $folder.Open([MailKit.FolderAccess]::ReadOnly, $Ct)
                $request = [MailKit.FetchRequest]::new([MailKit.MessageSummaryItems]'UniqueId, Envelope, Flags, InternalDate')
                $summary = @($folder.Fetch(0, -1, $request, $Ct))
                $summary.Count | Should -Be 1
                $summary[0].UniqueId.Id | Should -Be $uid.Id
                $summary[0].Envelope.Subject | Should -Be "Harness $RunId dated"
                $summary[0].InternalDate | Should -Be $date
                $summary[0].Flags.HasFlag([MailKit.MessageFlags]::Seen) | Should -BeTrue
                $summary[0].Flags.HasFlag([MailKit.MessageFlags]::Flagged) | Should -BeTrue
            } finally {
                Close-Client $imap
            }
        }

        It 'appends more than one MULTIAPPEND batch (250 messages)' {
            $messages = 1..250 | ForEach-Object { New-HarnessMessage "Harness $RunId bulk $_" }
            $uids = @(Add-TestMessage -User bob -Message $messages -Folder Bulk)
            $uids.Count | Should -Be 250
            $back = @(Get-TestMessage -User bob -Folder Bulk)
            $back.Count | Should -Be 250
            $back[249].Subject | Should -Be "Harness $RunId bulk 250"
        }
    }

    Context 'SMTP sink delivers into the dovecot Maildirs' {
        BeforeEach {
            'alice', 'bob', 'carol' | ForEach-Object { Clear-TestMailbox -User $_ }
        }

        It 'accepts a STARTTLS submission and the recipient reads it over IMAP' {
            $sent = Send-TestMail -To 'bob@smartemail.test' -Subject "Notice $RunId starttls" -Body 'Rule fired.'
            $sent.Port | Should -Be $Service.smtp.port
            $sent.IsSecure | Should -BeTrue
            $sent.IsAuthenticated | Should -BeTrue
            $inbox = @(Get-TestMessage -User bob)
            $inbox.Count | Should -Be 1
            $inbox[0].Subject | Should -Be "Notice $RunId starttls"
            $inbox[0].MessageId | Should -Be $sent.MessageId
            $inbox[0].TextBody.Trim() | Should -Be 'Rule fired.'
            $inbox[0].Headers['Delivered-To'] | Should -Be 'bob@smartemail.test'
            $inbox[0].Headers['Return-Path'] | Should -Be '<alice@smartemail.test>'
            Get-TestMessage -User alice | Should -BeNullOrEmpty
        }

        It 'accepts implicit TLS and sends unknown local parts to the catch-all user carol' {
            $sent = Send-TestMail -ImplicitTls -To 'nobody-known@smartemail.test' -Subject "Notice $RunId smtps"
            $sent.Port | Should -Be $Service.smtp.tlsPort
            $sent.IsSecure | Should -BeTrue
            (Get-TestMessage -User carol).Subject | Should -Be "Notice $RunId smtps"
            Get-TestMessage -User bob | Should -BeNullOrEmpty
        }

        It 'delivers one copy to each recipient user' {
            $null = Send-TestMail -To 'alice@smartemail.test', 'Bob@SmartEmail.test' -Subject "Notice $RunId both" -NoAuthentication
            (Get-TestMessage -User alice).Subject | Should -Be "Notice $RunId both"
            (Get-TestMessage -User bob).Subject | Should -Be "Notice $RunId both"
            Get-TestMessage -User carol | Should -BeNullOrEmpty
        }
    }

    Context 'Only the harness certificate is trusted' {
        BeforeAll {
            $OtherPem = New-OtherCertificatePem (Join-Path $TestDrive 'other.pem')
        }

        It 'the server presents exactly the certificate in services.json' {
            $seen = @{}
            $client = [MailKit.Net.Imap.ImapClient]::new()
            try {
                $client.ServerCertificateValidationCallback = {
                    param($source, $certificate, $chain, $errors)
                    $seen.Raw = [Convert]::ToBase64String($certificate.GetRawCertData())
                    $true
                }.GetNewClosure()
                $client.Connect($Service.host, $Service.imap.tlsPort, [MailKit.Security.SecureSocketOptions]::SslOnConnect, $Ct)
            } finally {
                Close-Client $client
            }
            $pem = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -Raw $Service.certificate))
            $seen.Raw | Should -Be ([Convert]::ToBase64String($pem.RawData))
        }

        It 'IMAPS fails when the client trusts a different certificate' {
            { Connect-TestImap -User alice -TrustedCertificate $OtherPem } |
                Should -Throw -ExceptionType ([MailKit.Security.SslHandshakeException])
        }

        It 'POP3S fails when the client trusts a different certificate' {
            { Connect-TestPop3 -User alice -TrustedCertificate $OtherPem } |
                Should -Throw -ExceptionType ([MailKit.Security.SslHandshakeException])
        }

        It 'SMTP STARTTLS fails when the client trusts a different certificate' {
            { Send-TestMail -To 'bob@smartemail.test' -TrustedCertificate $OtherPem } |
                Should -Throw -ExceptionType ([MailKit.Security.SslHandshakeException])
        }

        It 'MailKit default validation rejects the self-signed harness certificate' {
            $client = [MailKit.Net.Imap.ImapClient]::new()
            try {
                $e = { $client.Connect($Service.host, $Service.imap.tlsPort, [MailKit.Security.SecureSocketOptions]::SslOnConnect, $Ct) } |
                    Should -Throw -PassThru
                $e.Exception.InnerException | Should -BeOfType ([MailKit.Security.SslHandshakeException])
            } finally {
                Close-Client $client
            }
        }
    }
}
