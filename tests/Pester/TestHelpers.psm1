# Helpers shared by the Pester tests. The module under test is the built one at $env:SMARTEMAIL_MODULE_PATH.

function Get-ModuleUnderTest {
    # The path of the built SmartEmail.psd1 that build.ps1 is testing.
    if (-not $env:SMARTEMAIL_MODULE_PATH -or -not (Test-Path $env:SMARTEMAIL_MODULE_PATH)) {
        throw "SMARTEMAIL_MODULE_PATH does not name a built SmartEmail.psd1 ('$env:SMARTEMAIL_MODULE_PATH'). Run the tests with: dotnet pwsh ./build.ps1 -Task Test"
    }
    $env:SMARTEMAIL_MODULE_PATH
}

function Get-RepoRoot { (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }

function Get-FixturePath {
    param([Parameter(Mandatory)] [string] $Name)
    Join-Path (Get-RepoRoot) "tests/fixtures/$Name"
}

function Get-CorpusPath {
    # The MimeKit corpus in ../shared beside the checkout (developer machines and CI alike).
    $corpus = Join-Path (Get-RepoRoot) '../shared/corpus/mimekit'
    if (-not (Test-Path $corpus)) { throw "The shared MIME corpus is missing at $corpus." }
    (Resolve-Path $corpus).Path
}

function Invoke-FreshPwsh {
    <#
    .SYNOPSIS
        Runs a script in a new pwsh process (same PowerShell as this one) and returns its output lines and exit code.
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [string[]] $ArgumentList = @()
    )
    $file = Join-Path ([IO.Path]::GetTempPath()) "smartemail-test-$([guid]::NewGuid()).ps1"
    Set-Content -Path $file -Value $Script -Encoding utf8
    try {
        $exe = [Environment]::ProcessPath
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $output = & $exe @prefix -NoProfile -NonInteractive -File $file @ArgumentList 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ Output = @($output); ExitCode = $LASTEXITCODE }
    }
    finally {
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

function New-TestIniFile {
    # Writes -Text (as it is, no newline added) to a new INI file under Pester's $TestDrive and returns its path.
    param([string] $Text)
    $path = Join-Path $TestDrive "$([guid]::NewGuid()).ini"
    Set-Content -Path $path -Value $Text -NoNewline
    $path
}

# Every text of an error record a user could see: the password must be in none of them.
function Get-ErrorText {
    param([System.Management.Automation.ErrorRecord] $ErrorRecord)
    $texts = [System.Collections.Generic.List[string]]::new()
    $texts.Add($ErrorRecord.ToString())
    $texts.Add(($ErrorRecord | Out-String -Width 500))
    $texts.Add("$($ErrorRecord.TargetObject)")
    $texts.Add("$($ErrorRecord.ErrorDetails)")
    for ($e = $ErrorRecord.Exception; $null -ne $e; $e = $e.InnerException) {
        $texts.Add($e.Message)
        $texts.Add($e.ToString())
    }
    $texts -join "`n"
}

# Distinct free ports: all listeners are open at once, so no port is handed out twice.
function Get-FreePort {
    param([int] $Count = 1)
    $listeners = @(1..$Count | ForEach-Object {
            $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $l.Start()
            $l
        })
    try { $listeners | ForEach-Object { $_.LocalEndpoint.Port } } finally { $listeners | ForEach-Object { $_.Stop() } }
}

#region Mailboxes of the test servers, for the Get-SmartEmailMessage.<BackEnd>.Tests.ps1 files
# These call Get-TestService: import ../services/TestServices.psm1 as well. Folders go under Pester's $TestDrive
# (a global variable while a test file runs).

# The four mail endpoints of the harness. Kind/PortKey name the services.json entry; ports are read at run time, so
# moved harness ports work too. TlsMode Auto finds STARTTLS on the harness's plain ports; the implicit-TLS ones force
# Implicit, which is tested too. Connected is the first line of a protocol log; StartTls the command that upgrades.
$script:MailEndpoints = @{
    'IMAPS'         = @{ Name = 'IMAPS'; Kind = 'imap'; PortKey = 'tlsPort'; TlsMode = 'Implicit'; Connected = 'Connected to imaps://*'; StartTls = '' }
    'IMAP+STARTTLS' = @{ Name = 'IMAP+STARTTLS'; Kind = 'imap'; PortKey = 'port'; TlsMode = 'Auto'; Connected = 'Connected to imap://*'; StartTls = '^C: \S+ STARTTLS$' }
    'POP3S'         = @{ Name = 'POP3S'; Kind = 'pop3'; PortKey = 'tlsPort'; TlsMode = 'Implicit'; Connected = 'Connected to pops://*'; StartTls = '' }
    'POP3+STLS'     = @{ Name = 'POP3+STLS'; Kind = 'pop3'; PortKey = 'port'; TlsMode = 'Auto'; Connected = 'Connected to pop://*'; StartTls = '^C: STLS$' }
}

function Get-TestMailEndpoint {
    # One endpoint by name: IMAPS, IMAP+STARTTLS, POP3S or POP3+STLS.
    param([Parameter(Mandatory)] [string] $Name)
    if (-not $script:MailEndpoints.ContainsKey($Name)) { throw "No test mail endpoint '$Name'." }
    $script:MailEndpoints[$Name].Clone()
}

function New-TestCredential {
    # A harness user's credential: alice/alice-secret unless told otherwise.
    param([string] $User = 'alice', [string] $Password)
    if (-not $Password) { $Password = "$User-secret" }
    [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
}

function Get-TestCertificateHash {
    # The harness certificate's thumbprint (SHA256 by default, or SHA1), upper-case hex as Windows shows it.
    param([ValidateSet('SHA256', 'SHA1')] [string] $Algorithm = 'SHA256')
    [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((Get-TestService).certificate).GetCertHashString($Algorithm)
}

function Get-MailboxParameter {
    # The Get-SmartEmailMessage parameters of an endpoint; the harness certificate is pinned unless -NoTrust.
    param([string] $Name, [string] $User = 'alice', [switch] $NoTrust)
    $service = Get-TestService
    $endpoint = Get-TestMailEndpoint $Name
    $p = @{
        Server     = $service.host
        Port       = [int] $service.($endpoint.Kind).($endpoint.PortKey)
        Protocol   = if ($endpoint.Kind -eq 'imap') { 'IMAP' } else { 'POP' }
        TlsMode    = $endpoint.TlsMode
        Credential = New-TestCredential $User
    }
    if (-not $NoTrust) { $p.CertificateThumbprint = Get-TestCertificateHash }
    $p
}

function Get-MailboxSource {
    # The Source a message read from the endpoint carries (imap://user@host:port/folder, pop3://user@host:port).
    param([string] $Name, [string] $User = 'alice', [string] $Folder = 'INBOX')
    $service = Get-TestService
    $endpoint = Get-TestMailEndpoint $Name
    $port = $service.($endpoint.Kind).($endpoint.PortKey)
    if ($endpoint.Kind -eq 'imap') { "imap://$User@$($service.host):$port/$Folder" } else { "pop3://$User@$($service.host):$port" }
}

function Get-LogCommand {
    # The client command lines (C: ...) of a -ProtocolLogPath log.
    param([string] $Path)
    @(Get-Content -LiteralPath $Path | Where-Object { $_.StartsWith('C: ') })
}

function New-TestMailIni {
    # An INI at -Path whose [Mail] section holds -Mail's keys in order, with one catch-all rule; MSGIN in $TestDrive.
    param([string] $Path, [System.Collections.Specialized.OrderedDictionary] $Mail)
    $lines = @('[General]', "MSGINDirectory=$(Join-Path $TestDrive 'msgin')", '', '[Mail]')
    foreach ($key in $Mail.Keys) { $lines += "$key=$($Mail[$key])" }
    $lines += '', '[Configuration1]', 'SubjectLineMask=Test', 'Event=$CONSOLE:DISPLAY,test', 'AllowedSenders=ALL'
    Set-Content -LiteralPath $Path -Value $lines -Encoding utf8
    $Path
}

function New-ReferenceIni {
    # One of the reference's example INIs (tests/fixtures/ini) in a new folder under -Root, filled in for alice's
    # mailbox: [General] at that folder's msgin and received, the OpCon password, and [Mail]'s empty EmailProtocol,
    # SecurityProtocol (TLS1_2) and Port; -ServerLine replaces the empty Server= line. Everything else stays exactly as
    # the reference prints it.
    param([string] $Example, [string] $Root, [string] $OpConPassword, [string] $ServerLine, [string] $Protocol, [int] $Port)
    $dir = New-Item -ItemType Directory (Join-Path $Root ([guid]::NewGuid().ToString('N')))
    New-Item -ItemType Directory (Join-Path $dir 'msgin') | Out-Null
    $text = Get-Content -Raw (Get-FixturePath "ini/$Example")
    $text = $text -replace '(?m)^MSGINDirectory=.*$', 'MSGINDirectory=msgin'
    $text = $text -replace '(?m)^DownloadFolder=.*$', 'DownloadFolder=received'
    $text = $text -replace '(?m)^OpConUser=\s*$', 'OpConUser=ocadm'
    $text = $text -replace '(?m)^OpConUserPassword=\s*$', "OpConUserPassword=$OpConPassword"
    $text = $text -replace '(?m)^User=\s*$', 'User=alice'
    $text = $text -replace '(?m)^Password=\s*$', 'Password=alice-secret'
    $text = $text -replace '(?m)^Server=\s*$', $ServerLine
    $text = $text -replace '(?m)^EmailProtocol=\s*$', "EmailProtocol=$Protocol"
    $text = $text -replace '(?m)^SecurityProtocol=\s*$', 'SecurityProtocol=TLS1_2'
    $text = $text -replace '(?m)^Port=\s*$', "Port=$Port"
    Set-Content (Join-Path $dir 'SMArtEmail.ini') $text -NoNewline
    [pscustomobject]@{ Ini = (Join-Path $dir 'SMArtEmail.ini'); MsgIn = (Join-Path $dir 'msgin'); Received = (Join-Path $dir 'received') }
}
#endregion

#region Runs of the demo INI and of smartemail.ps1, for Invoke-SmartEmailRun.*.Tests.ps1 and SmartEmailLegacyCli.Tests.ps1
function New-RunFolder {
    <#
    .SYNOPSIS
        A fresh copy of the demo mailbox (docs/examples) under $TestDrive, with an INI whose [General] lines are
        replaced or added by -General, and whose rules are replaced by -Rules when given.
    #>
    param([string[]] $General = @(), [string] $Rules)
    $examples = Join-Path (Get-RepoRoot) 'docs/examples'
    $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory (Join-Path $dir 'msgin') -Force | Out-Null
    Copy-Item (Join-Path $examples 'mailbox') $dir -Recurse
    $ini = Get-Content -Raw (Join-Path $examples 'SMArtEmail.ini')
    $ini = $ini -replace 'MSGINDirectory=out/MSGIN', 'MSGINDirectory=msgin'
    foreach ($line in $General) {
        $key = ($line -split '=')[0]
        if ($ini -match "(?m)^$key=.*$") { $ini = $ini -replace "(?m)^$key=.*$", $line }
        else { $ini = $ini -replace '\[General\]', "[General]`n$line" }
    }
    if ($Rules) { $ini = $ini.Substring(0, $ini.IndexOf('[Configuration1]')) + $Rules }
    Set-Content -Path (Join-Path $dir 'SMArtEmail.ini') -Value $ini -NoNewline
    [pscustomobject]@{ Dir = $dir; Ini = (Join-Path $dir 'SMArtEmail.ini'); MsgIn = (Join-Path $dir 'msgin'); Mailbox = (Join-Path $dir 'mailbox') }
}

function Invoke-Legacy {
    # Runs the built module's smartemail.ps1 (the legacy command line) in a fresh pwsh with these arguments; returns
    # its ExitCode and its Output (standard output and error, one string).
    param([string[]] $Arguments)
    $legacy = Join-Path (Split-Path (Get-ModuleUnderTest)) 'smartemail.ps1'
    $exe = [Environment]::ProcessPath
    [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
    $output = & $exe @prefix -NoProfile -NonInteractive -File $legacy @Arguments 2>&1 | ForEach-Object { "$_" }
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output -join "`n" }
}
#endregion

Export-ModuleMember -Function New-ReferenceIni, Get-ModuleUnderTest, Get-RepoRoot, Get-FixturePath, Get-CorpusPath, Invoke-FreshPwsh, Get-ErrorText, Get-FreePort, New-TestIniFile,
    Get-TestMailEndpoint, New-TestCredential, Get-TestCertificateHash, Get-MailboxParameter, Get-MailboxSource, Get-LogCommand,
    New-TestMailIni, New-RunFolder, Invoke-Legacy
