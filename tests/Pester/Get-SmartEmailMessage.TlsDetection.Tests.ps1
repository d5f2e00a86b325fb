#Requires -Version 7.2
# Get-SmartEmailMessage with TlsMode=Auto on ports that are not the standard ones, against the private dovecot and SMTP sink of tests/services,
# whose implicit-TLS ports (IMAPS, POP3S, SMTPS) and STARTTLS ports all have non-standard numbers: without TlsMode,
# a silent server must get implicit TLS and a greeting one STARTTLS, decided in well under the timeout. Before, the
# implicit-TLS ports hung for the whole timeout (issue 16, defect 5).
# Needs SMARTEMAIL_TEST_SERVICES and SMARTEMAIL_MODULE_PATH; build.ps1 -Task Test sets both.

# Invoke-SmartEmailRun's side (a vendor INI, notices through the SMTP sink) is in Invoke-SmartEmailRun.TlsDetection.Tests.ps1.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    Initialize-TestMailKit
    $Service = Get-TestService
    $GetId = 'SmartEmail.Commands.GetSmartEmailMessageCommand'
    $Sha256 = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($Service.certificate).GetCertHashString('SHA256')
    $Fixtures = Get-FixturePath 'messages'
    $Alice = [pscredential]::new('alice', (ConvertTo-SecureString 'alice-secret' -AsPlainText -Force))
    # Well under the old 60 s hang, loose enough for a loaded 2-core machine: timings are not asserted tightly.
    $Fast = [TimeSpan]::FromSeconds(10)

    # Reads alice's mailbox without -TlsMode; returns what came back, how long it took, the protocol log and -Verbose.
    function Read-Mailbox([string] $Protocol, [int] $Port) {
        $log = Join-Path $TestDrive "$Protocol-$Port-$([guid]::NewGuid().ToString('N')).log"
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $out = @(Get-SmartEmailMessage -Server $Service.host -Port $Port -Protocol $Protocol -Credential $Alice -CertificateThumbprint $Sha256 -ProtocolLogPath $log -Verbose 4>&1)
        $watch.Stop()
        [pscustomobject]@{
            Messages = @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            Verbose  = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            Log      = @(Get-Content -LiteralPath $log)
            Elapsed  = $watch.Elapsed
        }
    }
}

Describe 'TlsMode=Auto on non-standard ports: Get-SmartEmailMessage' -Tag 'Integration', 'Services', 'Mailbox' {
    BeforeEach {
        Clear-TestMailbox -User alice
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml')
    }

    It 'reads <Protocol> on the implicit-TLS port without -TlsMode, fast, choosing implicit TLS after the server stayed silent' -ForEach @(
        @{ Protocol = 'IMAP'; Kind = 'imap'; Scheme = 'imaps' }
        @{ Protocol = 'POP'; Kind = 'pop3'; Scheme = 'pops' }
    ) {
        $port = [int] $Service.$Kind.tlsPort
        $r = Read-Mailbox $Protocol $port
        $r.Messages.MessageId | Should -Be @('plain-1@example.com')
        $r.Elapsed | Should -BeLessThan $Fast -Because 'the old code waited the whole 60 s timeout for a plain greeting'
        $line = "^TLS: server silent for \d+ ms on port $port of $([regex]::Escape($Service.host)): implicit TLS\.$"
        @($r.Log -match $line).Count | Should -Be 1 -Because ($r.Log -join "`n")
        @($r.Log -like "Connected to ${Scheme}://*").Count | Should -Be 1
        @($r.Log -match '^C: (\S+ )?(STARTTLS|STLS)$').Count | Should -Be 0
        @($r.Verbose -match $line).Count | Should -Be 1
    }

    It 'negotiates STARTTLS on the <Protocol> STARTTLS port without -TlsMode, after the server greeted' -ForEach @(
        @{ Protocol = 'IMAP'; Kind = 'imap'; Scheme = 'imap'; StartTls = '^C: \S+ STARTTLS$' }
        @{ Protocol = 'POP'; Kind = 'pop3'; Scheme = 'pop'; StartTls = '^C: STLS$' }
    ) {
        $port = [int] $Service.$Kind.port
        $r = Read-Mailbox $Protocol $port
        $r.Messages.MessageId | Should -Be @('plain-1@example.com')
        $r.Elapsed | Should -BeLessThan $Fast
        $line = "^TLS: greeting received from $([regex]::Escape($Service.host)):$port after \d+ ms \('.+'\): STARTTLS \(required\)\.$"
        @($r.Log -match $line).Count | Should -Be 1 -Because ($r.Log -join "`n")
        @($r.Log -like "Connected to ${Scheme}://*").Count | Should -Be 1
        @($r.Log -match $StartTls).Count | Should -Be 1
        # The greeting was only peeked at: MailKit still read all of it.
        @($r.Log -match '^S: (\* OK|\+OK)').Count | Should -BeGreaterThan 0
        $r.Log -join "`n" | Should -Not -Match 'alice-secret'
        @($r.Verbose -match $line).Count | Should -Be 1
    }

    It 'still forces the mode given: -TlsMode StartTls on the <Protocol> implicit-TLS port waits for a greeting and times out' -ForEach @(
        @{ Protocol = 'IMAP'; Kind = 'imap' }
        @{ Protocol = 'POP'; Kind = 'pop3' }
    ) {
        $err = { Get-SmartEmailMessage -Server $Service.host -Port $Service.$Kind.tlsPort -Protocol $Protocol -TlsMode StartTls -Credential $Alice -CertificateThumbprint $Sha256 -TimeoutSeconds 2 } |
            Should -Throw -ErrorId "MailboxTimeout,$GetId" -PassThru
        $err.Exception.Message | Should -Match 'TlsMode=Implicit'
    }

    It 'still refuses an untrusted certificate on the detected implicit-TLS port' {
        $err = { Get-SmartEmailMessage -Server $Service.host -Port $Service.imap.tlsPort -Credential $Alice } |
            Should -Throw -ErrorId "MailboxCertificate,$GetId" -PassThru
        $err.Exception.Message | Should -Match 'not trusted by this machine'
    }
}

Describe 'TlsMode=Auto on a port where a server neither greets nor speaks TLS' -Tag 'Integration', 'Mailbox' {
    BeforeAll {
        # The kernel completes the TCP handshake for the listen backlog; nobody ever reads or writes.
        $Silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $Silent.Start()
        $SilentPort = $Silent.LocalEndpoint.Port
    }
    AfterAll { $Silent.Stop() }

    It 'fails <Protocol> with MailboxTimeout within the timeout, naming host and port and both attempts' -ForEach @(
        @{ Protocol = 'IMAP' }
        @{ Protocol = 'POP' }
    ) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = { Get-SmartEmailMessage -Server 127.0.0.1 -Port $SilentPort -Protocol $Protocol -Credential $Alice -TimeoutSeconds 3 } |
            Should -Throw -ErrorId "MailboxTimeout,$GetId" -PassThru
        $watch.Elapsed | Should -BeLessThan ([TimeSpan]::FromSeconds(8)) -Because 'the timeout is 3 s'
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err.Exception.Message | Should -Match "127\.0\.0\.1:$SilentPort did not answer within 3 s"
        $err.Exception.Message | Should -Match 'sent no greeting within \d+ ms'
        $err.Exception.Message | Should -Match 'did not answer a TLS handshake either'
        $err.Exception.Message | Should -Not -Match 'alice-secret'
    }
}
