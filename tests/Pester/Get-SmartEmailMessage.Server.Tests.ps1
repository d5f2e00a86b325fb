#Requires -Version 7.2
# Get-, Save- and Remove-SmartEmailMessage against the private dovecot of tests/services over both of its protocols:
# each endpoint (IMAPS, IMAP+STARTTLS, POP3S, POP3+STLS), connection errors and certificates, and mailboxes named by an
# INI [Mail] section. What only IMAP or only POP3 has is in Get-SmartEmailMessage.Imap.Tests.ps1 and .Pop3.Tests.ps1.
# Server state is arranged and checked with ../services/TestServices.psm1 (its own MailKit client), never with the
# cmdlets under test. Needs SMARTEMAIL_TEST_SERVICES and SMARTEMAIL_MODULE_PATH; build.ps1 -Task Test sets both.

BeforeDiscovery {
    # Only the names: the endpoints themselves come from Get-TestMailEndpoint (TestHelpers.psm1), for the run.
    $AllEndpoints = @('IMAPS', 'IMAP+STARTTLS', 'POP3S', 'POP3+STLS' | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    Initialize-TestMailKit
    $Service = Get-TestService
    $Fixtures = Get-FixturePath 'messages'
    $GetId = 'SmartEmail.Commands.GetSmartEmailMessageCommand'
    $Certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($Service.certificate)
    $Sha256 = $Certificate.GetCertHashString('SHA256')
    $Sha1 = $Certificate.GetCertHashString('SHA1')
    # Every fixture but the raw 8-bit one, which has a test of its own.
    $ListFixtures = @(Get-ChildItem $Fixtures -Filter *.eml | Where-Object Name -NE 'raw-8bit-subject.eml' | Sort-Object Name)
    $InternalDate = [DateTimeOffset]::new(2026, 3, 4, 5, 6, 7, [TimeSpan]::FromHours(2))
    $Ct = [System.Threading.CancellationToken]::None

    # A small text message; Received headers are given topmost first, as mail servers prepend them.
    function New-TestMail {
        param([string] $Subject, [DateTimeOffset] $Date = [DateTimeOffset]::Now, [DateTimeOffset[]] $Received = @(), [string] $Body = 'Hello.')
        $m = [MimeKit.MimeMessage]::new()
        $m.From.Add([MimeKit.MailboxAddress]::new('Relay Test', 'relay@example.com'))
        $m.To.Add([MimeKit.MailboxAddress]::new('', 'alice@smartemail.test'))
        $m.Subject = $Subject
        $m.Date = $Date
        $m.MessageId = [MimeKit.Utils.MimeUtils]::GenerateMessageId('example.com')
        for ($i = 0; $i -lt $Received.Count; $i++) {
            $m.Headers.Insert($i, 'Received', "from relay$i.example.com by mx$i.smartemail.test; $([MimeKit.Utils.DateUtils]::FormatDate($Received[$i]))")
        }
        $text = [MimeKit.TextPart]::new('plain')
        $text.Text = $Body
        $m.Body = $text
        $m
    }
}

AfterAll {
    Clear-TestMailbox -User alice
    Remove-Module TestServices -ErrorAction SilentlyContinue
}

Describe 'Get-, Save- and Remove-SmartEmailMessage over <Name>' -Tag 'Integration', 'Services', 'Mailbox' -ForEach $AllEndpoints {
    BeforeAll {
        $Endpoint = Get-TestMailEndpoint $Name
        $Mailbox = Get-MailboxParameter $Name
        $Source = Get-MailboxSource $Name
    }

    BeforeEach {
        Clear-TestMailbox -User alice
    }

    It 'lists the messages with the properties the .eml files give, and Received from the server' {
        $uids = @(Add-TestMessage -User alice -Path $ListFixtures.FullName -InternalDate $InternalDate)
        $relayed = New-TestMail -Subject 'Relayed' -Date $InternalDate.AddDays(-2) -Received $InternalDate.AddDays(-1), $InternalDate.AddDays(-1).AddHours(-3)
        $uids += Add-TestMessage -User alice -Message $relayed -InternalDate $InternalDate
        $expected = @($ListFixtures | ForEach-Object { Get-SmartEmailMessage -MessagePath $_.FullName })

        $got = @(Get-SmartEmailMessage @Mailbox)

        $got.Count | Should -Be ($ListFixtures.Count + 1)
        for ($i = 0; $i -lt $expected.Count; $i++) {
            $a = $got[$i]
            $e = $expected[$i]
            $because = "$($ListFixtures[$i].Name) was appended as message $($i + 1)"
            $a.PSObject.TypeNames[0] | Should -Be 'SmartEmail.Message'
            $a.From | Should -BeExactly $e.From -Because $because
            $a.FromName | Should -BeExactly $e.FromName -Because $because
            ($a.To -join ', ') | Should -BeExactly ($e.To -join ', ') -Because $because
            ($a.Cc -join ', ') | Should -BeExactly ($e.Cc -join ', ') -Because $because
            $a.Subject | Should -BeExactly $e.Subject -Because $because
            $a.MessageId | Should -BeExactly $e.MessageId -Because $because
            $a.Date | Should -Be $e.Date -Because $because
            ($a.Attachments -join ' | ') | Should -BeExactly ($e.Attachments -join ' | ') -Because $because
            $a.Source | Should -BeExactly $Source
            $a.Size | Should -BeGreaterThan 0
        }
        # The fixtures' attachments really are there (so the comparison above is not between two empty lists).
        ($got | Where-Object MessageId -EQ 'multi-1@example.com').Attachments | Should -Be @('SMArtEmail Test.pdf', 'bilan décembre.csv')
        ($got | Where-Object MessageId -EQ 'inline-1@example.com').Attachments | Should -Be @('logo.png')
        $got[-1].Subject | Should -Be 'Relayed'
        $got[-1].MessageId | Should -Be $relayed.MessageId

        if ($Endpoint.Kind -eq 'imap') {
            $validity = Get-TestUidValidity
            $got.Id | Should -Be @($uids | ForEach-Object { "$validity/$($_.Id)" })
            # Received is the INTERNALDATE, not a header.
            $got | ForEach-Object { $_.Received | Should -Be $InternalDate }
        } else {
            $got.Id | Should -Be (Get-TestUidl)
            # Received is the date of the topmost Received header; the fixtures have none.
            $got[0..($expected.Count - 1)] | ForEach-Object { $_.Received | Should -BeNullOrEmpty }
            $got[-1].Received | Should -Be $InternalDate.AddDays(-1)
        }
    }

    It 'decodes a raw 8-bit (Windows-1252) subject as the file reader does' {
        $file = Join-Path $Fixtures 'raw-8bit-subject.eml'
        $null = Add-TestMessage -User alice -Path $file
        $fromFile = (Get-SmartEmailMessage -MessagePath $file).Subject
        $fromFile | Should -BeExactly 'Café crème € 2'
        (Get-SmartEmailMessage @Mailbox).Subject | Should -BeExactly $fromFile
    }

    It 'connects as the endpoint says and writes a protocol log of C:/S: lines with the password redacted' {
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml')
        $log = Join-Path $TestDrive "$($Endpoint.Name)-protocol.log"
        @(Get-SmartEmailMessage @Mailbox -ProtocolLogPath $log).Count | Should -Be 1
        # TlsMode=Auto notes which way it chose ("TLS: ...", see Get-SmartEmailMessage.TlsDetection.Tests.ps1) before MailKit connects.
        $lines = @(Get-Content -LiteralPath $log | Where-Object { -not $_.StartsWith('TLS: ') })
        @(Get-Content -LiteralPath $log | Where-Object { $_.StartsWith('TLS: ') }).Count | Should -Be ([int]($Endpoint.TlsMode -eq 'Auto'))
        $lines[0] | Should -BeLike $Endpoint.Connected
        $lines | Select-Object -Skip 1 | ForEach-Object { $_ | Should -Match '^[CS]: ' }
        $commands = Get-LogCommand $log
        if ($Endpoint.StartTls) {
            @($commands -match $Endpoint.StartTls).Count | Should -Be 1
        } else {
            @($commands -match 'STARTTLS|^C: STLS').Count | Should -Be 0
        }
        @($commands -match '\*\*\*\*').Count | Should -BeGreaterThan 0 -Because 'the credentials are sent, redacted'
        $text = Get-Content -LiteralPath $log -Raw
        $plain = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("`0alice`0alice-secret"))
        $text | Should -Not -Match 'alice-secret'
        $text | Should -Not -Match ([regex]::Escape($plain))
        $text | Should -Not -Match ([regex]::Escape([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('alice-secret'))))
        # Listing reads no bodies: IMAP fetches no BODY[], POP3 retrieves no single-part message.
        @($commands -match 'BODY(\.PEEK)?\[\]|^C: RETR ').Count | Should -Be 0
    }

    It 'keeps messages received since -Since, and stops after -First' {
        $now = [DateTimeOffset]::FromUnixTimeSeconds([DateTimeOffset]::UtcNow.ToUnixTimeSeconds()).ToLocalTime()
        # IMAP reads the arrival time from INTERNALDATE, POP3 from the topmost Received header, else from Date.
        # The "dated" messages have no Received header.
        $arrivals = [ordered]@{
            'ten days ago'             = $now.AddDays(-10)
            'five hours ago'           = $now.AddHours(-5)
            'an hour ago'              = $now.AddHours(-1)
            'dated twenty minutes ago' = $now.AddMinutes(-20)
            'dated ten days ago'       = $now.AddDays(-10)
        }
        foreach ($subject in $arrivals.Keys) {
            $when = $arrivals[$subject]
            $mail = if ($subject -like 'dated*') {
                New-TestMail -Subject $subject -Date $when
            } else {
                New-TestMail -Subject $subject -Date $when.AddMinutes(-1) -Received $when
            }
            $null = Add-TestMessage -User alice -Message $mail -InternalDate $when
        }
        $since = $now.AddHours(-3).LocalDateTime

        @(Get-SmartEmailMessage @Mailbox -Since $since).Subject | Should -Be @('an hour ago', 'dated twenty minutes ago')
        @(Get-SmartEmailMessage @Mailbox -First 2).Subject | Should -Be @('ten days ago', 'five hours ago')
        @(Get-SmartEmailMessage @Mailbox -Since $since -First 1).Subject | Should -Be @('an hour ago')
        @(Get-SmartEmailMessage @Mailbox -Since $now.AddMinutes(5).LocalDateTime).Count | Should -Be 0
    }

    It 'saves each message as an .eml with a safe name; a second save adds files and overwrites none' {
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'multipart-attachments.eml') -InternalDate $InternalDate
        $dir = Join-Path $TestDrive "save-$($Endpoint.Name)"

        # The first save runs inside the reading pipeline, on its connection.
        $first = @(Get-SmartEmailMessage @Mailbox -OutVariable messages | Save-SmartEmailMessage -Destination $dir)

        $messages.Count | Should -Be 2
        $first.Count | Should -Be 2
        for ($i = 0; $i -lt 2; $i++) {
            $file = $first[$i]
            $file | Should -BeOfType ([System.IO.FileInfo])
            $file.DirectoryName | Should -Be (Get-Item $dir).FullName
            $file.Extension | Should -Be '.eml'
            $file.Name | Should -Not -Match '[\\/:*?"<>|]'
            $file.Length | Should -Be $messages[$i].Size -Because 'the whole raw message is saved'
            [MimeKit.MimeMessage]::Load($file.FullName, $Ct).MessageId | Should -BeExactly $messages[$i].MessageId
        }
        $firstHashes = @($first | Get-FileHash | ForEach-Object Hash)

        # The second save comes after the reading connection was closed: the mailbox is reached again.
        $second = @($messages | Save-SmartEmailMessage -Destination $dir)

        $second.Count | Should -Be 2
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 4 -Because 'no file is replaced and no temporary file is left'
        @($first.Name + $second.Name | Sort-Object -Unique).Count | Should -Be 4
        @($first | Get-FileHash | ForEach-Object Hash) | Should -Be $firstHashes
        @($second | Get-FileHash | ForEach-Object Hash) | Should -Be $firstHashes -Because 'the same message is saved with the same bytes'
    }

    It 'saves nothing with -WhatIf' {
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml')
        $dir = Join-Path $TestDrive "whatif-$($Endpoint.Name)"
        $out = @(Get-SmartEmailMessage @Mailbox | Save-SmartEmailMessage -Destination $dir -WhatIf)
        $out.Count | Should -Be 0
        Test-Path -LiteralPath $dir | Should -BeFalse
    }

    It 'removes only the chosen messages' {
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'html-only.eml'), (Join-Path $Fixtures 'multipart-attachments.eml')
        $kept = @('OpCon/xps: ACHBalanceTotal total = 149926.22')
        if ($Endpoint.Kind -eq 'imap') {
            # A message another client marked \Deleted but did not expunge: a plain EXPUNGE would remove it too.
            $null = Add-TestMessage -User alice -Message (New-TestMail -Subject 'Bystander marked deleted') -Flags Deleted
            $kept += 'Bystander marked deleted'
        }
        $doomed = @('Test: nightly batch finished', 'HTML report')

        $removed = @(Get-SmartEmailMessage @Mailbox | Where-Object Subject -In $doomed | Remove-SmartEmailMessage -Confirm:$false -PassThru)

        $removed.Subject | Should -Be $doomed
        $removed | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'SmartEmail.Message' }
        @(Get-TestMessage -User alice).Subject | Should -Be $kept
        @(Get-SmartEmailMessage @Mailbox).Subject | Should -Be $kept
    }

    It 'removes nothing with -WhatIf' {
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'html-only.eml')
        $out = @(Get-SmartEmailMessage @Mailbox | Remove-SmartEmailMessage -WhatIf -PassThru)
        $out.Count | Should -Be 0
        @(Get-TestMessage -User alice).Subject | Should -Be @('Test: nightly batch finished', 'HTML report')
    }
}

Describe 'Mailbox messages in the rule engine' -Tag 'Integration', 'Services', 'Mailbox' {
    BeforeEach {
        Clear-TestMailbox -User alice
    }

    It 'Get-SmartEmailMessage over <Name> | Test-SmartEmailRule reads the body for a ProcessBody rule' -ForEach @{ Name = 'IMAPS' }, @{ Name = 'POP3S' } {
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'html-only.eml')
        $rule = New-SmartEmailRule -Name Records -SubjectLineMask '^Records: (\d+)$' -Event '$PROPERTY:SET,Records,[[1]]' -ProcessBody -QualifyingSubjectLine 'nightly batch'
        $log = Join-Path $TestDrive "rule-$Name.log"

        $mailbox = Get-MailboxParameter $Name
        $results = @(Get-SmartEmailMessage @mailbox -ProtocolLogPath $log | Test-SmartEmailRule -Rule $rule)

        $results.Count | Should -Be 2
        $accepted = @($results | Where-Object Outcome -EQ 'Accepted')
        $accepted.Count | Should -Be 1
        $accepted[0].Events | Should -Be '$PROPERTY:SET,Records,1200'
        ($results | Where-Object Outcome -NE 'Accepted').Outcome | Should -Be 'NotMatched'
        # The body came from the server while the mailbox was being read.
        $bodyFetch = if ($Name -like 'IMAP*') { 'BODY\.PEEK\[\]' } else { '^C: RETR 1$' }
        @((Get-LogCommand $log) -match $bodyFetch).Count | Should -BeGreaterThan 0
    }
}

Describe 'Mailbox connection errors and certificates' -Tag 'Integration', 'Services', 'Mailbox' {
    BeforeAll {
        Clear-TestMailbox -User alice
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml')
    }

    It 'refuses a wrong password over <Name> as MailboxAuthentication, never showing the password' -ForEach @{ Name = 'IMAPS' }, @{ Name = 'POP3+STLS' } {
        $password = 'Wr0ng-Pa55-7781'
        $mailbox = Get-MailboxParameter $Name
        $mailbox.Credential = New-TestCredential alice $password

        $err = { Get-SmartEmailMessage @mailbox } | Should -Throw -ErrorId "MailboxAuthentication,$GetId" -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly "MailboxAuthentication,$GetId"
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.Exception.Message | Should -BeLike "*'alice'*"
        $text = Get-ErrorText $err
        $text | Should -Not -BeLike "*$password*"
        $text | Should -Not -BeLike '*Pa55*'
    }

    It 'refuses the self-signed certificate over <Name> without -AcceptSelfSignedCertificate, naming it' -ForEach @{ Name = 'IMAPS' }, @{ Name = 'POP3+STLS' } {
        $mailbox = Get-MailboxParameter $Name -NoTrust

        $err = { Get-SmartEmailMessage @mailbox } | Should -Throw -ErrorId "MailboxCertificate,$GetId" -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly "MailboxCertificate,$GetId"
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -BeLike "*$($Certificate.Subject)*"
        $err.Exception.Message | Should -BeLike "*$Sha256*"
        $err.Exception.Message | Should -BeLike "*$Sha1*"
        Get-ErrorText $err | Should -Not -BeLike '*alice-secret*'
    }

    It 'accepts the self-signed certificate over <Name> with -AcceptSelfSignedCertificate, with a warning' -ForEach @{ Name = 'IMAPS' }, @{ Name = 'POP3+STLS' } {
        $mailbox = Get-MailboxParameter $Name -NoTrust
        $got = @(Get-SmartEmailMessage @mailbox -AcceptSelfSignedCertificate -WarningVariable warnings -WarningAction SilentlyContinue)
        $got.MessageId | Should -Be @('plain-1@example.com')
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "*$Sha256*"
    }

    It 'accepts exactly the certificate pinned by -CertificateThumbprint (<Hash>)' -ForEach @(
        @{ Hash = 'SHA-256' }
        @{ Hash = 'SHA-1, lower case' }
    ) {
        $mailbox = Get-MailboxParameter IMAPS -NoTrust
        $mailbox.CertificateThumbprint = if ($Hash -eq 'SHA-256') { $Sha256 } else { $Sha1.ToLowerInvariant() }
        $got = @(Get-SmartEmailMessage @mailbox -WarningVariable warnings)
        $got.MessageId | Should -Be @('plain-1@example.com')
        $warnings.Count | Should -Be 0 -Because 'a pinned certificate is trusted explicitly'
    }

    It 'refuses a certificate that is not the pinned one' {
        $mailbox = Get-MailboxParameter IMAPS -NoTrust
        $mailbox.CertificateThumbprint = 'AB' * 32
        $err = { Get-SmartEmailMessage @mailbox } | Should -Throw -ErrorId "MailboxCertificate,$GetId" -PassThru
        $err.Exception.Message | Should -BeLike "*$Sha256*"
    }

    It 'reports a port nothing listens on as MailboxConnectionRefused (<Protocol>)' -ForEach @(
        @{ Protocol = 'IMAP' }
        @{ Protocol = 'POP' }
    ) {
        $port = Get-FreePort
        $err = { Get-SmartEmailMessage -Server $Service.host -Port $port -Protocol $Protocol -Credential (New-TestCredential) } |
            Should -Throw -ErrorId "MailboxConnectionRefused,$GetId" -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "MailboxConnectionRefused,$GetId"
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -BeLike "*$($Service.host):$port*"
    }

    It 'reports -TlsMode Implicit on the plain <Name> port as MailboxTls' -ForEach @{ Name = 'IMAP+STARTTLS' }, @{ Name = 'POP3+STLS' } {
        $mailbox = Get-MailboxParameter $Name
        $mailbox.TlsMode = 'Implicit'
        $err = { Get-SmartEmailMessage @mailbox } | Should -Throw -ErrorId "MailboxTls,$GetId" -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "MailboxTls,$GetId"
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'reports -TlsMode StartTls on the implicit TLS port as MailboxTimeout, with the TlsMode hint' {
        # Both sides wait for the other to speak first; -TimeoutSeconds keeps the wait short.
        $mailbox = Get-MailboxParameter IMAPS
        $mailbox.TlsMode = 'StartTls'
        $err = { Get-SmartEmailMessage @mailbox -TimeoutSeconds 2 } | Should -Throw -ErrorId "MailboxTimeout,$GetId" -PassThru
        $err.Exception.Message | Should -Match 'TlsMode=Implicit'
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
    }

    It 'reads without TLS with -TlsMode None on the plain port, still keeping the password out of the log' {
        $mailbox = Get-MailboxParameter 'IMAP+STARTTLS'
        $mailbox.TlsMode = 'None'
        $log = Join-Path $TestDrive 'tls-none.log'
        @(Get-SmartEmailMessage @mailbox -ProtocolLogPath $log).MessageId | Should -Be @('plain-1@example.com')
        @((Get-LogCommand $log) -match 'STARTTLS').Count | Should -Be 0
        Get-Content -LiteralPath $log -Raw | Should -Not -Match 'alice-secret'
    }
}

Describe 'Mailboxes named by an INI [Mail] section' -Tag 'Integration', 'Services', 'Mailbox' {
    BeforeEach {
        Clear-TestMailbox -User alice
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'multipart-attachments.eml')
    }

    It 'reads an IMAPS mailbox (TlsMode=Implicit, SelfSignedCertificate=True) and warns about the plain-text password' {
        $ini = New-TestMailIni (Join-Path $TestDrive 'imaps.ini') ([ordered]@{
                EmailProtocol         = 'IMAP'
                Server                = $Service.host
                Port                  = $Service.imap.tlsPort
                TlsMode               = 'Implicit'
                SelfSignedCertificate = 'True'
                User                  = 'alice'
                Password              = 'alice-secret'
            })

        $got = @(Get-SmartEmailMessage $ini -WarningVariable warnings -WarningAction SilentlyContinue)

        $got.MessageId | Should -Be @('plain-1@example.com', 'multi-1@example.com')
        $got[0].Source | Should -BeExactly (Get-MailboxSource IMAPS)
        @($warnings | Where-Object { "$_" -like '*Password*unencrypted*' }).Count | Should -Be 1
        @($warnings | Where-Object { "$_" -like "*$Sha256*" }).Count | Should -Be 1 -Because 'the self-signed certificate is accepted with a warning'
        $warnings | ForEach-Object { "$_" | Should -Not -BeLike '*alice-secret*' }
    }

    It 'reads a POP3 mailbox over STLS (TlsMode=Auto on a port other than 995), pinned by CertificateThumbprint' {
        $ini = New-TestMailIni (Join-Path $TestDrive 'pop.ini') ([ordered]@{
                EmailProtocol         = 'POP'
                Server                = $Service.host
                Port                  = $Service.pop3.port
                SelfSignedCertificate = 'False'
                CertificateThumbprint = $Sha256
                User                  = 'alice'
                Password              = 'alice-secret'
            })
        $got = @(Get-SmartEmailMessage -Path $ini -ProtocolLogPath (Join-Path $TestDrive 'pop-ini.log') -WarningAction SilentlyContinue)
        $got.MessageId | Should -Be @('plain-1@example.com', 'multi-1@example.com')
        $got[0].Source | Should -BeExactly (Get-MailboxSource 'POP3+STLS')
        @((Get-LogCommand (Join-Path $TestDrive 'pop-ini.log')) -match '^C: STLS$').Count | Should -Be 1
    }

    It 'takes -Credential and -Folder over the INI' {
        $null = Add-TestMessage -User alice -Folder Reports -Path (Join-Path $Fixtures 'html-only.eml')
        $ini = New-TestMailIni (Join-Path $TestDrive 'override.ini') ([ordered]@{
                EmailProtocol         = 'IMAP'
                Server                = $Service.host
                Port                  = $Service.imap.tlsPort
                TlsMode               = 'Implicit'
                CertificateThumbprint = $Sha256
                User                  = 'alice'
                Password              = 'not-the-password'
            })
        { Get-SmartEmailMessage -Path $ini -WarningAction SilentlyContinue } | Should -Throw -ErrorId "MailboxAuthentication,$GetId"
        $got = @(Get-SmartEmailMessage -Path $ini -Credential (New-TestCredential) -Folder Reports -WarningAction SilentlyContinue)
        $got.Subject | Should -Be @('HTML report')
    }
}
