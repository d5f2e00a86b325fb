#Requires -Version 7.2
# Get-SmartEmailMessage against servers that misbehave: a TLS-1.2-only `openssl s_server` (the TLS minimum), and a
# second private dovecot (tests/services/services.sh under its own ROOT and ports) that is stopped, or whose imap
# process is killed, while its INBOX is being listed. The shared harness only lends its certificate and key.
# Needs SMARTEMAIL_TEST_SERVICES and SMARTEMAIL_MODULE_PATH (build.ps1 -Task Test sets both), root, openssl and ss.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    $ModulePath = Get-ModuleUnderTest
    Import-Module $ModulePath -Force
    $Service = Get-TestService
    $GetId = 'SmartEmail.Commands.GetSmartEmailMessageCommand'
    $ServicesScript = Join-Path (Get-RepoRoot) 'tests/services/services.sh'

    function Wait-Until {
        param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSeconds = 10, [Parameter(Mandatory)] [string] $What)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s waiting until $What." }
            Start-Sleep -Milliseconds 20
        }
    }

    # Readiness by ss, as services.sh does: a probe connection would count as a client.
    function Test-Listening {
        param([int] $Port)
        [bool] ((& ss -Hltn "sport = :$Port") -match "127\.0\.0\.1:$Port\s")
    }

    # Alive and not a zombie.
    function Test-ProcessAlive {
        param([int] $ProcessId)
        $stat = try { [System.IO.File]::ReadAllText("/proc/$ProcessId/stat") } catch { return $false }
        $state = $stat.Substring($stat.LastIndexOf(') ') + 2, 1)
        $state -ne 'Z'
    }
}

Describe 'A TLS minimum above what the server offers' -Tag 'Integration', 'Services', 'Mailbox', 'Faults' {
    BeforeAll {
        # A TLS 1.2-only server with the harness certificate. It speaks no IMAP: after the handshake it stays silent.
        $TlsPort = Get-FreePort
        $psi = [System.Diagnostics.ProcessStartInfo]::new('openssl')
        foreach ($a in 's_server', '-accept', "127.0.0.1:$TlsPort", '-cert', $Service.certificate,
            '-key', (Join-Path $Service.root 'tls/key.pem'), '-tls1_2', '-quiet') { $psi.ArgumentList.Add($a) }
        # stdin stays open (s_server would send what it reads there); output is not needed.
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $SServer = [System.Diagnostics.Process]::Start($psi)
        try {
            Wait-Until { (Test-Listening $TlsPort) -or $SServer.HasExited } -What "openssl s_server listens on $TlsPort"
        } catch {
            throw "openssl s_server did not come up: $_ $(if ($SServer.HasExited) { $SServer.StandardError.ReadToEnd() })"
        }
        if ($SServer.HasExited) { throw "openssl s_server exited at once: $($SServer.StandardError.ReadToEnd())" }

        $Password = 'Tls-Pa55-4417'
        $TlsProbe = @{
            Server                      = '127.0.0.1'
            Port                        = $TlsPort
            TlsMode                     = 'Implicit'
            AcceptSelfSignedCertificate = $true
            Credential                  = New-TestCredential alice $Password
            TimeoutSeconds              = 3
        }
    }

    AfterAll {
        if ($SServer) {
            $serverId = $SServer.Id
            if (-not $SServer.HasExited) { $SServer.Kill() }
            $gone = $SServer.WaitForExit(5000)
            $SServer.Dispose()
            if (-not $gone -or (Test-ProcessAlive $serverId)) { throw "openssl s_server (pid $serverId) is still running." }
        }
    }

    It 'is refused as MailboxTls (-SecurityProtocol TLS1_3 against a TLS 1.2-only server), never showing the password' {
        $err = { Get-SmartEmailMessage @TlsProbe -SecurityProtocol TLS1_3 -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId "MailboxTls,$GetId" -PassThru

        $err.FullyQualifiedErrorId | Should -BeExactly "MailboxTls,$GetId"
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -BeLike '*TLS1_3*' -Because 'the error names the minimum'
        $err.Exception.Message | Should -BeLike "*127.0.0.1:$TlsPort*"
        Get-ErrorText $err | Should -Not -BeLike "*$Password*"
        $SServer.HasExited | Should -BeFalse -Because 's_server keeps accepting after a failed handshake'
    }

    It 'passes the handshake with -SecurityProtocol TLS1_2 and fails only as MailboxTimeout (s_server sends no greeting)' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $err = { Get-SmartEmailMessage @TlsProbe -SecurityProtocol TLS1_2 -WarningAction SilentlyContinue } | Should -Throw -PassThru
        $watch.Stop()

        # Not a TLS failure: so the TLS1_3 refusal above came from the minimum, not from the certificate or the port.
        $err.FullyQualifiedErrorId | Should -Not -BeLike 'MailboxTls,*'
        $err.FullyQualifiedErrorId | Should -Not -BeLike 'MailboxCertificate,*'
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 2.5 -Because 'the client waited for a greeting after the handshake'
        $err.FullyQualifiedErrorId | Should -BeExactly "MailboxTimeout,$GetId" -Because $err.Exception.Message
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        Get-ErrorText $err | Should -Not -BeLike "*$Password*"
    }
}

Describe 'A mail server that fails while its INBOX is listed' -Tag 'Integration', 'Services', 'Mailbox', 'Faults' {
    BeforeAll {
        # A private instance, so that stopping or killing it touches no other test. services.sh wants a ROOT that the
        # users nobody and dovecot can reach: a folder of its own under /tmp.
        $FaultRoot = Join-Path ([System.IO.Path]::GetTempPath()) "se-faults-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $ports = @(Get-FreePort -Count 8)
        $FaultPortEnv = [ordered]@{
            SMARTEMAIL_TEST_IMAP_PORT  = $ports[0]
            SMARTEMAIL_TEST_IMAPS_PORT = $ports[1]
            SMARTEMAIL_TEST_POP3_PORT  = $ports[2]
            SMARTEMAIL_TEST_POP3S_PORT = $ports[3]
            SMARTEMAIL_TEST_SMTP_PORT  = $ports[4]
            SMARTEMAIL_TEST_SMTPS_PORT = $ports[5]
            SMARTEMAIL_TEST_OAUTH_PORT = $ports[6]
            SMARTEMAIL_TEST_INTROSPECT_PORT = $ports[7]
        }
        # The first FETCH asks for 1,000 messages (the engine's batch size, which the cmdlet cannot change), so a
        # listing of 3,000 takes three; the reader below holds the listing after the first batch.
        $MessageCount = 3000
        $FaultReads = [System.Collections.Generic.List[object]]::new()

        # services.sh start|stop|status on the private ROOT, with its ports; the caller's port variables are restored.
        function Invoke-FaultService {
            param([ValidateSet('start', 'stop', 'status')] [string] $Command)
            $saved = @{}
            foreach ($name in $FaultPortEnv.Keys) {
                $saved[$name] = [Environment]::GetEnvironmentVariable($name)
                [Environment]::SetEnvironmentVariable($name, [string] $FaultPortEnv[$name])
            }
            try {
                $out = & bash $ServicesScript $Command $FaultRoot 2>&1 | ForEach-Object { "$_" }
                $code = $LASTEXITCODE
            } finally {
                foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
            }
            if ($Command -eq 'status') { return ($code -eq 0) }
            if ($code -ne 0) { throw "services.sh $Command $FaultRoot failed ($code): $($out -join "`n")" }
            $out -join "`n"
        }

        # The private instance's dovecot master, from the pid file services.sh writes.
        function Get-FaultMaster {
            $file = Join-Path $FaultRoot 'dovecot.pid'
            if (-not (Test-Path -LiteralPath $file)) { return $null }
            $id = [int] (Get-Content -LiteralPath $file -Raw).Trim()
            $cmdline = try { [System.IO.File]::ReadAllText("/proc/$id/cmdline") } catch { '' }
            if ((Test-ProcessAlive $id) -and $cmdline.Contains("$FaultRoot/")) { $id } else { $null }
        }

        # The imap processes (one per logged-in connection) of the private instance only: children of its master.
        function Get-FaultImapProcess {
            $master = Get-FaultMaster
            if (-not $master) { throw "The private dovecot under $FaultRoot does not run." }
            $children = ([System.IO.File]::ReadAllText("/proc/$master/task/$master/children")).Trim() -split '\s+' | Where-Object { $_ }
            @(foreach ($child in $children) {
                    $exe = try { (Get-Item -LiteralPath "/proc/$child/exe" -Force).LinkTarget } catch { $null }
                    if ($exe -eq '/usr/lib/dovecot/imap') { [int] $child }
                })
        }

        # Lists the private INBOX in a thread job, holding the pipeline at the first message until Gate is set:
        # the next FETCH is only sent once the first batch is consumed, so the server can be broken in between.
        function Start-GatedRead {
            param([string] $LogPath)
            $started = [System.Threading.ManualResetEventSlim]::new($false)
            $gate = [System.Threading.ManualResetEventSlim]::new($false)
            $job = Start-ThreadJob -ScriptBlock {
                Import-Module $using:ModulePath
                $mailbox = $using:FaultMailbox
                $started = $using:started
                $gate = $using:gate
                $result = [pscustomobject]@{ Ids = [System.Collections.Generic.List[string]]::new(); Error = $null; Warnings = @(); AfterGate = $null }
                $watch = [System.Diagnostics.Stopwatch]::new()
                $warnings = $null
                try {
                    Get-SmartEmailMessage @mailbox -ProtocolLogPath $using:LogPath -WarningVariable warnings -WarningAction SilentlyContinue |
                        ForEach-Object {
                            if ($result.Ids.Count -eq 0) {
                                $started.Set()
                                if (-not $gate.Wait([TimeSpan]::FromSeconds(30))) { throw 'The test never opened the gate.' }
                                $watch.Start()
                            }
                            $result.Ids.Add($_.MessageId)
                        }
                } catch {
                    $result.Error = $_
                }
                $watch.Stop()
                $result.AfterGate = $watch.Elapsed
                $result.Warnings = @($warnings | ForEach-Object { "$_" })
                $result
            }
            $read = [pscustomobject]@{ Job = $job; Started = $started; Gate = $gate; Log = $LogPath }
            $FaultReads.Add($read)
            $read
        }

        # Waits until the read holds its first message and the protocol log shows the first UID FETCH.
        function Wait-ReadStarted {
            param($Read)
            Wait-Until { $Read.Started.IsSet -or $Read.Job.State -in 'Completed', 'Failed', 'Stopped' } -TimeoutSeconds 30 -What 'the first message is listed'
            if (-not $Read.Started.IsSet) {
                $r = Receive-Job $Read.Job -Wait
                throw "The listing ended before its first message: $($r.Error) $(($r.Warnings) -join '; ')"
            }
            Wait-Until { (Test-Path -LiteralPath $Read.Log) -and (Select-String -LiteralPath $Read.Log -Pattern '^C: \S+ UID FETCH ' -Quiet) } -TimeoutSeconds 10 -What 'the protocol log shows a UID FETCH'
        }

        function Receive-GatedRead {
            param($Read)
            $Read.Gate.Set()
            if (-not (Wait-Job $Read.Job -Timeout 40)) {
                Stop-Job $Read.Job
                throw 'The listing did not end within 40 s.'
            }
            $result = Receive-Job $Read.Job
            Remove-Job $Read.Job
            $null = $FaultReads.Remove($Read)
            if ($null -eq $result) { throw 'The listing job returned nothing.' }
            $result
        }

        Write-Host (Invoke-FaultService start)
        $FaultService = Get-Content -LiteralPath (Join-Path $FaultRoot 'services.json') -Raw | ConvertFrom-Json
        # Add-TestMaildirMessage writes into the Maildir of the instance SMARTEMAIL_TEST_SERVICES names.
        $savedServices = $env:SMARTEMAIL_TEST_SERVICES
        try {
            $env:SMARTEMAIL_TEST_SERVICES = Join-Path $FaultRoot 'services.json'
            $Run = Add-TestMaildirMessage -User bob -Count $MessageCount -SubjectPrefix Fault
        } finally {
            $env:SMARTEMAIL_TEST_SERVICES = $savedServices
        }
        $Expected = @(1..$MessageCount | ForEach-Object { "bulk-$_.$Run@smartemail.test" })
        $certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($FaultService.certificate)
        $FaultMailbox = @{
            Server                = $FaultService.host
            Port                  = [int] $FaultService.imap.tlsPort
            Protocol              = 'IMAP'
            TlsMode               = 'Implicit'
            CertificateThumbprint = $certificate.GetCertHashString('SHA256')
            Credential            = New-TestCredential bob 'bob-secret'
            TimeoutSeconds        = 10
        }
    }

    AfterAll {
        # A read a failed test left holding its gate: release it, then stop it.
        foreach ($read in @($FaultReads)) {
            $read.Gate.Set()
            Stop-Job $read.Job -ErrorAction SilentlyContinue
            Remove-Job $read.Job -Force -ErrorAction SilentlyContinue
        }
        if ($FaultRoot -and (Test-Path -LiteralPath $FaultRoot)) {
            $master = Get-FaultMaster
            Write-Host (Invoke-FaultService stop)
            if ($master -and (Test-ProcessAlive $master)) { throw "The private dovecot (pid $master) is still running." }
            # Nothing else of the instance (the SMTP sink names ROOT on its command line) may be left.
            $left = @(Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$' | Where-Object {
                    $cmdline = try { [System.IO.File]::ReadAllText("/proc/$($_.Name)/cmdline") } catch { '' }
                    $cmdline.Contains("$FaultRoot/") -and (Test-ProcessAlive ([int] $_.Name))
                })
            if ($left) { throw "Processes of $FaultRoot are still running: $($left.Name -join ', ')." }
            Remove-Item -LiteralPath $FaultRoot -Recurse -Force
        }
    }

    Context 'the server is stopped mid-listing' {
        It 'ends the listing with MailboxConnection after bounded reconnect attempts with backoff, warning each time' {
            $read = Start-GatedRead (Join-Path $TestDrive 'stopped.log')
            Wait-ReadStarted $read
            $null = Invoke-FaultService stop

            $result = Receive-GatedRead $read

            $result.Ids.Count | Should -BeGreaterThan 0
            $result.Ids.Count | Should -BeLessThan $MessageCount -Because 'the server was stopped before the listing ended'
            $err = $result.Error
            $err | Should -Not -BeNullOrEmpty -Because "the listing cannot go on without the server (warnings: $($result.Warnings -join '; '))"
            $err.FullyQualifiedErrorId | Should -BeExactly "MailboxConnection,$GetId" -Because "$($err.Exception.Message) (warnings: $($result.Warnings -join '; '))"
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            $pattern = 'broke during \w+ and could not be re-established after (\d+) attempt'
            $err.Exception.Message | Should -Match $pattern
            $attempts = [int] [regex]::Match($err.Exception.Message, $pattern).Groups[1].Value
            $attempts | Should -BeGreaterThan 0
            $reconnecting = @($result.Warnings | Where-Object { $_ -like '*reconnecting in*' })
            $reconnecting.Count | Should -Be $attempts -Because 'each reconnection is announced'
            # Backoff 0.5 s, 1 s, 2 s, ...
            $backoff = 0
            for ($i = 0; $i -lt $attempts; $i++) { $backoff += 0.5 * [Math]::Pow(2, $i) }
            $result.AfterGate.TotalSeconds | Should -BeGreaterOrEqual ($backoff * 0.9)
            Get-ErrorText $err | Should -Not -BeLike '*bob-secret*'
            $result.Warnings | ForEach-Object { $_ | Should -Not -BeLike '*bob-secret*' }
        }

        It 'loses nothing: once the server runs again, a new listing has every message' {
            $null = Invoke-FaultService start
            $all = @(Get-SmartEmailMessage @FaultMailbox)
            $all.Count | Should -Be $MessageCount
            @(Compare-Object $Expected @($all.MessageId)).Count | Should -Be 0
            @($all.Id | Sort-Object -Unique).Count | Should -Be $MessageCount
        }
    }

    Context 'the connection is dropped mid-listing' {
        BeforeAll {
            if (-not (Invoke-FaultService status)) { $null = Invoke-FaultService start }
        }

        It 'is re-established transparently: the listing completes with every message and one warning' {
            $log = Join-Path $TestDrive 'dropped.log'
            $master = Get-FaultMaster
            $read = Start-GatedRead $log
            Wait-ReadStarted $read
            $victims = @(Get-FaultImapProcess)
            $victims.Count | Should -BeGreaterThan 0 -Because 'the listing is logged in to the private instance'
            foreach ($id in $victims) { [System.Diagnostics.Process]::GetProcessById($id).Kill() }
            Wait-Until { -not @($victims | Where-Object { Test-ProcessAlive $_ }) } -What "the imap process $victims is gone"

            $result = Receive-GatedRead $read

            $result.Error | Should -BeNullOrEmpty -Because "$($result.Error) (warnings: $($result.Warnings -join '; '))"
            $result.Ids.Count | Should -Be $MessageCount
            @(Compare-Object $Expected @($result.Ids)).Count | Should -Be 0 -Because 'no message is lost or listed twice'
            @($result.Warnings | Where-Object { $_ -like '*broke during fetch*reconnecting*' }).Count | Should -Be 1
            # A second connection and login, to the same server: only the connection was dropped.
            $connected = @(Get-Content -LiteralPath $log | Where-Object { $_ -like 'Connected to imaps://*' })
            $connected.Count | Should -Be 2
            Get-FaultMaster | Should -Be $master
            Get-Content -LiteralPath $log -Raw | Should -Not -Match 'bob-secret'
        }
    }
}
