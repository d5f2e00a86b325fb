#Requires -Version 7.2
<#
.SYNOPSIS
    Helpers for Pester tests against the real test mail servers (tests/services/services.sh).

.DESCRIPTION
    The servers are a private dovecot (IMAP/POP3) and an SMTP sink that delivers into the dovecot users'
    Maildirs. `services.sh start ROOT` writes ROOT/services.json; point $env:SMARTEMAIL_TEST_SERVICES at it.
    MimeKit/MailKit come from the built module's private Dependencies folder beside the psd1 at
    $env:SMARTEMAIL_MODULE_PATH, so the tests use exactly the versions the module ships.

    Every connection trusts exactly the harness certificate (byte-for-byte comparison), never any certificate.
    Errors from MailKit method calls are unwrapped from PowerShell's MethodInvocationException, so a test can
    use `Should -Throw -ExceptionType ([MailKit.Security.SslHandshakeException])`.

    These helpers load MailKit into the default AssemblyLoadContext. If the SmartEmail module isolates its
    own copy in a private context, objects of the two copies do not mix: use these helpers to arrange and
    check server state, and the module's cmdlets for what is under test.
#>

Set-StrictMode -Version 3.0

$script:Ct = [System.Threading.CancellationToken]::None
$script:DependencyOrder = 'BouncyCastle.Cryptography', 'MimeKit', 'MailKit'
$script:BatchSize = 100

#region internal helpers

# MailKit exceptions thrown by method calls arrive wrapped in MethodInvocationException; hand the caller the real one.
function Resolve-TestMailError {
    param([System.Management.Automation.ErrorRecord] $ErrorRecord)
    $e = $ErrorRecord.Exception
    while (($e -is [System.Management.Automation.MethodInvocationException] -or
            $e -is [System.Reflection.TargetInvocationException]) -and $null -ne $e.InnerException) {
        $e = $e.InnerException
    }
    if ([object]::ReferenceEquals($e, $ErrorRecord.Exception)) { return $ErrorRecord }
    return $e
}

function Get-TestUserEntry {
    param($Service, [string] $User)
    $entry = @($Service.users | Where-Object name -EQ $User)
    if ($entry.Count -ne 1) {
        throw "Unknown test user '$User'. Known users: $(($Service.users.name) -join ', ')."
    }
    return $entry[0]
}

function Read-TestCertificate {
    param([string] $Path)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
        throw "Certificate file '$Path' does not exist."
    }
    $pem = [System.IO.File]::ReadAllText((Resolve-Path -LiteralPath $Path).ProviderPath)
    return [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($pem)
}

# A validation callback that accepts exactly one certificate: the server's leaf certificate must equal the
# given PEM file byte for byte. Chain and name errors are ignored because that one certificate is pinned.
function New-TestCertificateValidator {
    param([string] $CertificatePath)
    $expected = [Convert]::ToBase64String((Read-TestCertificate $CertificatePath).RawData)
    $callback = {
        param($source, $certificate, $chain, $sslPolicyErrors)
        if ($null -eq $certificate) { return $false }
        return [Convert]::ToBase64String($certificate.GetRawCertData()) -ceq $expected
    }.GetNewClosure()
    return [System.Net.Security.RemoteCertificateValidationCallback] $callback
}

function Initialize-TestClient {
    param($Client, [string] $TrustedCertificate)
    $Client.Timeout = 30000
    $Client.CheckCertificateRevocation = $false
    $Client.ServerCertificateValidationCallback = New-TestCertificateValidator $TrustedCertificate
}

function Get-TestSecureSocketOptions {
    param([switch] $StartTls)
    if ($StartTls) { return [MailKit.Security.SecureSocketOptions]::StartTls }
    return [MailKit.Security.SecureSocketOptions]::SslOnConnect
}

# Gets (and with -Create makes) a folder by its full name, e.g. 'INBOX', 'Archive' or 'Projects/2026'.
function Get-TestImapFolder {
    param($Client, [string] $Folder, [switch] $Create)
    # Folders (and clients) are IEnumerable: the unary comma keeps PowerShell from unrolling them.
    if ($Folder -eq 'INBOX') { return , $Client.Inbox }
    try {
        return , $Client.GetFolder($Folder, $script:Ct)
    } catch {
        $e = Resolve-TestMailError $_
        if ($e -isnot [MailKit.FolderNotFoundException]) { throw $e }
        if (-not $Create) { throw "IMAP folder '$Folder' does not exist." }
    }
    $parent = $Client.GetFolder($Client.PersonalNamespaces[0])
    foreach ($segment in $Folder.Split($parent.DirectorySeparator)) {
        try {
            $parent = $parent.GetSubfolder($segment, $script:Ct)
        } catch {
            $e = Resolve-TestMailError $_
            if ($e -isnot [MailKit.FolderNotFoundException]) { throw $e }
            $parent = $parent.Create($segment, $true, $script:Ct)
        }
    }
    return , $parent
}

function Close-TestClient {
    param($Client)
    if ($null -eq $Client) { return }
    try { if ($Client.IsConnected) { $Client.Disconnect($true, $script:Ct) } } catch { Write-Verbose "Disconnect failed: $_" }
    $Client.Dispose()
}

#endregion

function Get-TestService {
    <#
    .SYNOPSIS
        Reads the test services description (services.json) named by $env:SMARTEMAIL_TEST_SERVICES.
    .OUTPUTS
        An object with host, imap.port/tlsPort, pop3.port/tlsPort, smtp.port/tlsPort, users[] (name, password,
        address), certificate (PEM path) and root.
    #>
    [CmdletBinding()]
    param([string] $Path = $env:SMARTEMAIL_TEST_SERVICES)
    if ([string]::IsNullOrWhiteSpace($Path)) {
        throw ('SMARTEMAIL_TEST_SERVICES is not set. Start the test mail servers with ' +
            '"tests/services/services.sh start <ROOT>" and set SMARTEMAIL_TEST_SERVICES=<ROOT>/services.json ' +
            '(build.ps1 -Task Test does both).')
    }
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
        throw ("SMARTEMAIL_TEST_SERVICES points to '$Path', which does not exist. Are the test mail servers " +
            'running? Check with "tests/services/services.sh status <ROOT>".')
    }
    $service = Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json
    foreach ($key in 'host', 'imap', 'pop3', 'smtp', 'users', 'certificate') {
        if ($null -eq $service.PSObject.Properties[$key]) { throw "'$Path' has no '$key' entry: not a services.json." }
    }
    return $service
}

function Initialize-TestMailKit {
    <#
    .SYNOPSIS
        Loads BouncyCastle, MimeKit and MailKit from the built module's Dependencies folder.
    .DESCRIPTION
        The folder is 'Dependencies' beside the psd1 named by -ModulePath ($env:SMARTEMAIL_MODULE_PATH).
        Assemblies already in the default load context are kept, so calling this again is cheap.
    #>
    [CmdletBinding()]
    param([string] $ModulePath = $env:SMARTEMAIL_MODULE_PATH)
    if ([string]::IsNullOrWhiteSpace($ModulePath)) {
        throw 'SMARTEMAIL_MODULE_PATH is not set: it must name the built SmartEmail.psd1 (build.ps1 -Task Test sets it).'
    }
    if (-not (Test-Path -LiteralPath $ModulePath -PathType Leaf)) {
        throw "SMARTEMAIL_MODULE_PATH points to '$ModulePath', which does not exist. Build the module first."
    }
    $dependencies = Join-Path (Split-Path -Parent (Resolve-Path -LiteralPath $ModulePath).ProviderPath) 'Dependencies'
    $loaded = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies
    foreach ($name in $script:DependencyOrder) {
        $present = $loaded | Where-Object { $_.GetName().Name -eq $name } | Select-Object -First 1
        if ($present) {
            Write-Verbose "$name $($present.GetName().Version) is already loaded from '$($present.Location)'."
            continue
        }
        $file = Join-Path $dependencies "$name.dll"
        if (-not (Test-Path -LiteralPath $file -PathType Leaf)) {
            throw "'$file' does not exist: the built module's Dependencies folder must contain $name.dll."
        }
        Add-Type -LiteralPath $file
        Write-Verbose "Loaded '$file'."
    }
}

function Connect-TestImap {
    <#
    .SYNOPSIS
        Returns a connected, authenticated MailKit ImapClient for a test user (IMAPS, or STARTTLS with -StartTls).
        The caller disposes it: $client.Disconnect($true); $client.Dispose().
    .PARAMETER TrustedCertificate
        PEM file of the only certificate to accept; default: the harness certificate.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $User,
        [string] $Password,
        [switch] $StartTls,
        [string] $TrustedCertificate
    )
    $client = Connect-TestMailClient -Protocol imap @PSBoundParameters
    return , $client
}

function Connect-TestPop3 {
    <#
    .SYNOPSIS
        Returns a connected, authenticated MailKit Pop3Client for a test user (POP3S, or STLS with -StartTls).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $User,
        [string] $Password,
        [switch] $StartTls,
        [string] $TrustedCertificate
    )
    $client = Connect-TestMailClient -Protocol pop3 @PSBoundParameters
    return , $client
}

function Connect-TestMailClient {
    # The one connect-and-authenticate path of Connect-TestImap and Connect-TestPop3.
    param(
        [Parameter(Mandatory)] [ValidateSet('imap', 'pop3')] [string] $Protocol,
        [Parameter(Mandatory)] [string] $User,
        [string] $Password,
        [switch] $StartTls,
        [string] $TrustedCertificate
    )
    Initialize-TestMailKit
    $service = Get-TestService
    $entry = Get-TestUserEntry $service $User
    if (-not $PSBoundParameters.ContainsKey('Password')) { $Password = $entry.password }
    if (-not $TrustedCertificate) { $TrustedCertificate = $service.certificate }
    $port = if ($StartTls) { $service.$Protocol.port } else { $service.$Protocol.tlsPort }
    # Assigned directly: a Pop3Client is enumerable, and an if-statement's output would be unrolled.
    $type = if ($Protocol -eq 'imap') { [MailKit.Net.Imap.ImapClient] } else { [MailKit.Net.Pop3.Pop3Client] }
    $client = $type::new()
    try {
        Initialize-TestClient $client $TrustedCertificate
        $client.Connect($service.host, [int]$port, (Get-TestSecureSocketOptions -StartTls:$StartTls), $script:Ct)
        $client.Authenticate($entry.name, $Password, $script:Ct)
        return , $client
    } catch {
        Close-TestClient $client
        throw (Resolve-TestMailError $_)
    }
}

function Clear-TestMailbox {
    <#
    .SYNOPSIS
        Deletes every message in every folder of a test user (the folders themselves stay).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string] $User)
    $client = Connect-TestImap -User $User
    try {
        $folders = $client.GetFolders($client.PersonalNamespaces[0], $false, $script:Ct)
        foreach ($folder in $folders) {
            $attributes = $folder.Attributes
            if ($attributes.HasFlag([MailKit.FolderAttributes]::NoSelect) -or
                $attributes.HasFlag([MailKit.FolderAttributes]::NonExistent)) { continue }
            $null = $folder.Open([MailKit.FolderAccess]::ReadWrite, $script:Ct)
            if ($folder.Count -gt 0) {
                Write-Verbose "Deleting $($folder.Count) message(s) in $User/$($folder.FullName)."
                $request = [MailKit.StoreFlagsRequest]::new([MailKit.StoreAction]::Add, [MailKit.MessageFlags]::Deleted)
                $request.Silent = $true
                $null = $folder.Store([MailKit.UniqueIdRange]::All, $request, $script:Ct)
                $folder.Expunge($script:Ct)
            }
            $folder.Close($false, $script:Ct)
        }
    } catch {
        throw (Resolve-TestMailError $_)
    } finally {
        Close-TestClient $client
    }
}

function Add-TestMessage {
    <#
    .SYNOPSIS
        Appends messages (.eml files or MimeMessage objects) to a test user's folder over IMAPS.
    .DESCRIPTION
        Several messages go in batches of 100 with one MULTIAPPEND command each. The folder is created
        when it does not exist. Writes the UniqueId of each appended message.
    .PARAMETER Flags
        MailKit.MessageFlags names, e.g. 'Seen' or 'Seen, Flagged'.
    .EXAMPLE
        Get-ChildItem tests/fixtures/*.eml | Add-TestMessage -User alice
    .EXAMPLE
        Add-TestMessage -User bob -Message $m1, $m2 -Folder Archive -InternalDate (Get-Date).AddDays(-10)
    #>
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    [OutputType('MailKit.UniqueId')]
    param(
        [Parameter(Mandatory)] [string] $User,
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Path', ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName', 'PSPath')] [string[]] $Path,
        # MimeKit.MimeMessage objects; typed [object] because MimeKit may not be loaded when the call is bound.
        [Parameter(Mandatory, ParameterSetName = 'Message')] [object[]] $Message,
        [string] $Folder = 'INBOX',
        [Nullable[DateTimeOffset]] $InternalDate,
        [string] $Flags = 'None'
    )
    begin {
        Initialize-TestMailKit
        $messages = [System.Collections.Generic.List[object]]::new()
    }
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Path') {
            foreach ($p in $Path) {
                $provider = $null
                $files = $PSCmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath($p, [ref] $provider)
                foreach ($file in $files) {
                    try { $messages.Add([MimeKit.MimeMessage]::Load($file, $script:Ct)) }
                    catch { throw (Resolve-TestMailError $_) }
                }
            }
        } else {
            foreach ($m in $Message) {
                if ($m -isnot [MimeKit.MimeMessage]) {
                    throw "-Message takes MimeKit.MimeMessage objects, not $(if ($null -eq $m) { 'null' } else { $m.GetType().FullName })."
                }
                $messages.Add($m)
            }
        }
    }
    end {
        if ($messages.Count -eq 0) { return }
        $messageFlags = [MailKit.MessageFlags] $Flags
        $requests = @(foreach ($m in $messages) {
                $request = [MailKit.AppendRequest]::new($m, $messageFlags)
                if ($null -ne $InternalDate) { $request.InternalDate = $InternalDate }
                $request
            })
        $client = Connect-TestImap -User $User
        try {
            $target = Get-TestImapFolder $client $Folder -Create
            $multi = $client.Capabilities.HasFlag([MailKit.Net.Imap.ImapCapabilities]::MultiAppend)
            if ($multi -and $requests.Count -gt 1) {
                for ($i = 0; $i -lt $requests.Count; $i += $script:BatchSize) {
                    $batch = [System.Collections.Generic.List[MailKit.IAppendRequest]]::new()
                    foreach ($r in $requests[$i..([Math]::Min($i + $script:BatchSize, $requests.Count) - 1)]) { $batch.Add($r) }
                    $uids = $target.Append($batch, $script:Ct)
                    foreach ($uid in $uids) { $uid }
                }
            } else {
                foreach ($r in $requests) {
                    $uid = $target.Append([MailKit.IAppendRequest] $r, $script:Ct)
                    if ($null -ne $uid) { $uid }
                }
            }
            Write-Verbose "Appended $($requests.Count) message(s) to $User/$($target.FullName)."
        } catch {
            throw (Resolve-TestMailError $_)
        } finally {
            Close-TestClient $client
        }
    }
}

function Get-TestMessage {
    <#
    .SYNOPSIS
        Reads back all messages of a test user's folder over IMAPS as MimeKit.MimeMessage objects, in UID order.
        Each has a NoteProperty UniqueId.
    #>
    [CmdletBinding()]
    [OutputType('MimeKit.MimeMessage')]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $User,
        [string] $Folder = 'INBOX'
    )
    $client = Connect-TestImap -User $User
    try {
        $source = Get-TestImapFolder $client $Folder
        $null = $source.Open([MailKit.FolderAccess]::ReadOnly, $script:Ct)
        if ($source.Count -eq 0) { return }
        foreach ($uid in $source.Search([MailKit.Search.SearchQuery]::All, $script:Ct)) {
            $m = $source.GetMessage($uid, $script:Ct, $null)
            Add-Member -InputObject $m -NotePropertyName UniqueId -NotePropertyValue $uid -PassThru
        }
    } catch {
        throw (Resolve-TestMailError $_)
    } finally {
        Close-TestClient $client
    }
}

function Send-TestMail {
    <#
    .SYNOPSIS
        Sends a message through the test SMTP sink (STARTTLS; -ImplicitTls for SMTPS) with MailKit's SmtpClient.
    .DESCRIPTION
        The sink delivers to the Maildir of the test user named by each recipient's local part (unknown local
        parts go to carol), so the message can be read back with Get-TestMessage. By default the client
        authenticates as -User (the sink accepts any credentials unless it was started with SINK_USER/SINK_PASS).
    .OUTPUTS
        An object with Message (the MimeMessage sent), MessageId, Response (the server's reply to DATA),
        IsSecure, IsAuthenticated and Port.
    .EXAMPLE
        Send-TestMail -To bob@smartemail.test -Subject 'Invoice received' -Body 'see attachment'
    #>
    [CmdletBinding(DefaultParameterSetName = 'Simple')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Simple')] [string[]] $To,
        [Parameter(ParameterSetName = 'Simple')] [string] $From,
        [Parameter(ParameterSetName = 'Simple')] [string] $Subject = 'SmartEmail test message',
        [Parameter(ParameterSetName = 'Simple')] [string] $Body = 'This is a test message.',
        [Parameter(Mandatory, ParameterSetName = 'Message')] [object] $Message,
        [string] $User = 'alice',
        [pscredential] $Credential,
        [switch] $NoAuthentication,
        [switch] $ImplicitTls,
        [string] $TrustedCertificate
    )
    Initialize-TestMailKit
    $service = Get-TestService
    $entry = Get-TestUserEntry $service $User
    if (-not $TrustedCertificate) { $TrustedCertificate = $service.certificate }
    if ($PSCmdlet.ParameterSetName -eq 'Simple') {
        $Message = [MimeKit.MimeMessage]::new()
        $Message.From.Add([MimeKit.MailboxAddress]::Parse($(if ($From) { $From } else { $entry.address })))
        foreach ($address in $To) { $Message.To.Add([MimeKit.MailboxAddress]::Parse($address)) }
        $Message.Subject = $Subject
        $text = [MimeKit.TextPart]::new('plain')
        $text.Text = $Body
        $Message.Body = $text
    } elseif ($Message -isnot [MimeKit.MimeMessage]) {
        throw '-Message takes a MimeKit.MimeMessage.'
    }
    if ([string]::IsNullOrEmpty($Message.MessageId)) { $Message.MessageId = [MimeKit.Utils.MimeUtils]::GenerateMessageId('smartemail.test') }
    $port = if ($ImplicitTls) { $service.smtp.tlsPort } else { $service.smtp.port }
    $options = if ($ImplicitTls) { [MailKit.Security.SecureSocketOptions]::SslOnConnect } else { [MailKit.Security.SecureSocketOptions]::StartTls }
    $client = [MailKit.Net.Smtp.SmtpClient]::new()
    try {
        Initialize-TestClient $client $TrustedCertificate
        $client.LocalDomain = 'localhost'
        $client.Connect($service.host, [int]$port, $options, $script:Ct)
        if (-not $NoAuthentication) {
            if ($Credential) {
                $client.Authenticate($Credential.UserName, $Credential.GetNetworkCredential().Password, $script:Ct)
            } else {
                $client.Authenticate($entry.name, $entry.password, $script:Ct)
            }
        }
        $response = $client.Send($Message, $script:Ct, $null)
        [pscustomobject]@{
            PSTypeName      = 'SmartEmail.TestSentMail'
            Message         = $Message
            MessageId       = $Message.MessageId
            Response        = $response
            IsSecure        = $client.IsSecure
            IsAuthenticated = $client.IsAuthenticated
            Port            = [int]$port
        }
    } catch {
        throw (Resolve-TestMailError $_)
    } finally {
        Close-TestClient $client
    }
}

function Add-TestMaildirMessage {
    <#
    .SYNOPSIS
        Seeds a test user's INBOX fast: writes small generated messages straight into its Maildir, no IMAP involved.
    .DESCRIPTION
        For bulk mailboxes (thousands of messages) where MULTIAPPEND would take seconds per thousand. Each message is
        written to Maildir/tmp and renamed into Maildir/new, as a delivery agent does, and the files are then given to
        nobody:nogroup (dovecot's mail user), so the harness must run as root (services.sh needs root anyway). dovecot
        picks the files up at the next access of the INBOX. Message i (1-based) has the Subject
        "<SubjectPrefix> i" and the Message-ID "bulk-i.<run>@smartemail.test"; <run> is random per call.
    .OUTPUTS
        The run string of the Message-IDs.
    .EXAMPLE
        Add-TestMaildirMessage -User carol -Count 10000
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $User,
        [Parameter(Mandatory)] [ValidateRange(1, 1000000)] [int] $Count,
        [string] $SubjectPrefix = 'Bulk'
    )
    $service = Get-TestService
    $entry = Get-TestUserEntry $service $User
    $maildir = [System.IO.Path]::Combine($service.root, 'mail', $entry.name, 'Maildir')
    $tmp = [System.IO.Path]::Combine($maildir, 'tmp')
    $new = [System.IO.Path]::Combine($maildir, 'new')
    if (-not [System.IO.Directory]::Exists($tmp) -or -not [System.IO.Directory]::Exists($new)) {
        throw "'$maildir' has no tmp and new folders: is '$($service.root)' the root of a running harness?"
    }
    $run = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $stamp = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $date = [DateTimeOffset]::UtcNow.ToString('ddd, dd MMM yyyy HH:mm:ss +0000', [System.Globalization.CultureInfo]::InvariantCulture)
    $head = "From: Bulk Sender <bulk@smartemail.test>`r`nTo: $($entry.address)`r`nDate: $date`r`nMIME-Version: 1.0`r`n" +
        "Content-Type: text/plain; charset=us-ascii`r`n"
    $encoding = [System.Text.UTF8Encoding]::new($false)
    # Zero-padded, so that the names sort in i's order whether compared as text or as numbers.
    $width = "$Count".Length
    for ($i = 1; $i -le $Count; $i++) {
        $name = "$stamp.M$($i.ToString("D$width"))R$run.smartemail-test"
        $text = "$($head)Subject: $SubjectPrefix $i`r`nMessage-ID: <bulk-$i.$run@smartemail.test>`r`n`r`nMessage $i.`r`n"
        [System.IO.File]::WriteAllText("$tmp/$name", $text, $encoding)
        [System.IO.File]::Move("$tmp/$name", "$new/$name")
    }
    & chown -R nobody:nogroup $new
    if ($LASTEXITCODE -ne 0) { throw "chown nobody:nogroup '$new' failed (exit code $LASTEXITCODE): the harness must run as root." }
    Write-Verbose "Wrote $Count message(s) into $new."
    return $run
}

Export-ModuleMember -Function Get-TestService, Initialize-TestMailKit, Connect-TestImap, Connect-TestPop3,
    Clear-TestMailbox, Add-TestMessage, Get-TestMessage, Send-TestMail, Add-TestMaildirMessage
