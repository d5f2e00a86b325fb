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

function Get-TestUidValidity {
    <#
    .SYNOPSIS
        The UIDVALIDITY of a test user's IMAP folder: with a message's UID it makes the Id SmartEmail gives it.
    #>
    [CmdletBinding()]
    [OutputType([uint32])]
    param([string] $User = 'alice', [string] $Folder = 'INBOX')
    $client = Connect-TestImap -User $User
    try {
        $source = Get-TestImapFolder $client $Folder
        $null = $source.Open([MailKit.FolderAccess]::ReadOnly, $script:Ct)
        $source.UidValidity
    } catch {
        throw (Resolve-TestMailError $_)
    } finally {
        Close-TestClient $client
    }
}

function Get-TestUidl {
    <#
    .SYNOPSIS
        The POP3 UIDLs of a test user's INBOX, in message order: the Ids SmartEmail gives messages read over POP3.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([string] $User = 'alice')
    $client = Connect-TestPop3 -User $User
    try {
        @($client.GetMessageUids($script:Ct))
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


#region OAuth stand-in (tests/services/oauth_server.py)

# The HTTPS base of the Entra stand-in, from services.json's "oauth" entry.
function Get-TestOAuthBase {
    $service = Get-TestService
    if ($null -eq $service.PSObject.Properties['oauth']) {
        throw ("'$env:SMARTEMAIL_TEST_SERVICES' has no 'oauth' entry: the test services were started by a " +
            'services.sh without the OAuth server. Restart them with tests/services/services.sh start <ROOT>.')
    }
    return $service.oauth.authority.TrimEnd('/')
}

# Calls one /_test control; throws with the server's error text on a non-2xx answer.
function Invoke-TestOAuthControl {
    param(
        [Parameter(Mandatory)] [ValidateSet('Get', 'Post')] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        [System.Collections.IDictionary] $Body
    )
    $uri = (Get-TestOAuthBase) + $Path
    $parameters = @{
        Uri = $uri; Method = $Method; SkipCertificateCheck = $true; SkipHttpErrorCheck = $true
        StatusCodeVariable = 'status'; TimeoutSec = 30
    }
    if ($Method -eq 'Post') {
        $parameters.ContentType = 'application/json'
        $parameters.Body = ConvertTo-Json -InputObject $(if ($Body) { $Body } else { @{} }) -Depth 6 -Compress
    }
    $answer = Invoke-RestMethod @parameters
    if ($status -lt 200 -or $status -ge 300) {
        $text = if ($answer -and $answer.PSObject.Properties['error']) { $answer.error } else { "$answer" }
        throw "OAuth test control $Method $Path failed with HTTP ${status}: $text"
    }
    # A JSON list is unrolled; an empty list gives nothing (callers drop the $null).
    return $answer
}

function Get-TestOAuthAuthority {
    <#
    .SYNOPSIS
        Returns the MSAL authority URL of the Entra stand-in for a tenant: https://localhost:PORT/<tenant>.
    .PARAMETER Tenant
        The tenant's GUID or domain alias (as given to New-TestOAuthTenant), or common/organizations.
    .EXAMPLE
        Get-TestOAuthAuthority -Tenant contoso.test   # https://localhost:10443/contoso.test
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory, Position = 0)] [string] $Tenant)
    return '{0}/{1}' -f (Get-TestOAuthBase), $Tenant
}

function Reset-TestOAuth {
    <#
    .SYNOPSIS
        Makes the Entra stand-in forget everything: tenants, clients, device and authorization codes, tokens,
        settings (back to their defaults) and the request log.
    .DESCRIPTION
        Call it in BeforeAll/BeforeEach: the server runs for the whole test run and keeps state between test files.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param()
    if ($PSCmdlet.ShouldProcess('OAuth test server', 'Reset')) {
        $null = Invoke-TestOAuthControl Post '/_test/reset'
    }
}

function New-TestOAuthTenant {
    <#
    .SYNOPSIS
        Creates a tenant in the Entra stand-in, optionally with a domain alias usable in place of its GUID.
    .PARAMETER Id
        The tenant GUID; a new one by default.
    .PARAMETER Domain
        A domain name that also names the tenant in URLs, e.g. contoso.test.
    .OUTPUTS
        An object with id and domain.
    .EXAMPLE
        $tenant = New-TestOAuthTenant -Domain contoso.test
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [guid] $Id = [guid]::NewGuid(),
        [string] $Domain
    )
    $body = [ordered]@{ id = $Id.ToString() }
    if ($Domain) { $body.domain = $Domain }
    if ($PSCmdlet.ShouldProcess($Id, 'Create OAuth test tenant')) {
        Invoke-TestOAuthControl Post '/_test/tenant' $body
    }
}

function Register-TestOAuthClient {
    <#
    .SYNOPSIS
        Registers an application (client) in a tenant of the Entra stand-in; registering a client id again replaces it.
    .DESCRIPTION
        A client with -Secret and/or a certificate is confidential (client credentials; its delegated grants must
        authenticate too); one with neither is public (device code, browser sign-in) unless -Public:$false says
        otherwise. -Mailbox is the dovecot user (a plain name: alice, bob, carol) whose mailbox the app's app-only
        tokens open; without it app-only tokens are refused by dovecot, like an Exchange app without mailbox access.
    .PARAMETER Tenant
        The tenant's GUID or domain alias.
    .PARAMETER CertificatePath
        A PEM file with the app's certificate (a private key in the same file is not sent).
    .PARAMETER Certificate
        The app's certificate as an X509Certificate2 (only the public part is sent).
    .PARAMETER SecretExpired
        The secret is known but expired: using it gives AADSTS7000222.
    .PARAMETER Consented
        $false reproduces missing (admin) consent: every token request gives AADSTS65001. Default $true.
    .PARAMETER Roles
        The application permissions the app's app-only tokens carry (default IMAP.AccessAsApp, POP.AccessAsApp and
        SMTP.SendAsApp); the SMTP sink wants SMTP.SendAsApp.
    .OUTPUTS
        The registration as the server stored it: client_id, tenant, name, public, consented, mailbox, has_secret,
        certificates (x5t, x5t#S256).
    .EXAMPLE
        Register-TestOAuthClient -Tenant contoso.test -ClientId $appId -Secret 's3cret' -Mailbox alice
    .EXAMPLE
        Register-TestOAuthClient -Tenant $tenant.id -ClientId $appId -Public   # device code / browser sign-in
    #>
    [CmdletBinding(SupportsShouldProcess, DefaultParameterSetName = 'None')]
    param(
        [Parameter(Mandatory)] [string] $Tenant,
        [string] $ClientId = [guid]::NewGuid().ToString(),
        [string] $Name,
        [string] $Secret,
        [switch] $SecretExpired,
        [Parameter(Mandatory, ParameterSetName = 'Path')] [string] $CertificatePath,
        [Parameter(Mandatory, ParameterSetName = 'Certificate')]
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate,
        [string] $Mailbox,
        [bool] $Consented = $true,
        [switch] $Public,
        [string[]] $Roles
    )
    $body = [ordered]@{ tenant = $Tenant; client_id = $ClientId; consented = $Consented }
    if ($Name) { $body.name = $Name }
    if ($PSBoundParameters.ContainsKey('Secret')) { $body.secret = $Secret }
    if ($SecretExpired) { $body.secret_expired = $true }
    if ($Mailbox) { $body.mailbox = $Mailbox }
    if ($Roles) { $body.roles = @($Roles) }
    if ($PSBoundParameters.ContainsKey('Public')) { $body.public = [bool]$Public }
    if ($PSCmdlet.ParameterSetName -eq 'Path') {
        if (-not (Test-Path -LiteralPath $CertificatePath -PathType Leaf)) { throw "Certificate file '$CertificatePath' does not exist." }
        $text = [System.IO.File]::ReadAllText((Resolve-Path -LiteralPath $CertificatePath).ProviderPath)
        $blocks = [regex]::Matches($text, '-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----')
        if ($blocks.Count -eq 0) { throw "'$CertificatePath' contains no PEM certificate." }
        $body.certificate_pem = @($blocks | ForEach-Object Value)
    } elseif ($PSCmdlet.ParameterSetName -eq 'Certificate') {
        $body.certificate_pem = "-----BEGIN CERTIFICATE-----`n" +
            [Convert]::ToBase64String($Certificate.RawData, [Base64FormattingOptions]::InsertLineBreaks) +
            "`n-----END CERTIFICATE-----`n"
    }
    if ($PSCmdlet.ShouldProcess($ClientId, 'Register OAuth test client')) {
        Invoke-TestOAuthControl Post '/_test/client' $body
    }
}

function Set-TestOAuthSettings {
    <#
    .SYNOPSIS
        Changes the Entra stand-in's token lifetimes; only the parameters given change (Reset-TestOAuth restores all).
    .PARAMETER AccessTokenLifetime
        Seconds an access token lives (default 3600). MSAL treats a token that expires within 5 minutes as expired,
        so use more than 300 to see MSAL serve it from its cache.
    .PARAMETER RefreshTokenLifetime
        Seconds a refresh token lives (default 90 days).
    .PARAMETER ReportRefreshTokenExpiresIn
        $true adds refresh_token_expires_in to delegated token answers (Entra sends it only in some cases).
    .PARAMETER DeviceCodeLifetime
        Seconds a device code can be approved (default 900); after that polling gets expired_token.
    .OUTPUTS
        All settings after the change.
    .EXAMPLE
        Set-TestOAuthSettings -AccessTokenLifetime 400 -ReportRefreshTokenExpiresIn $true
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [ValidateRange(0, [int]::MaxValue)] [int] $AccessTokenLifetime,
        [ValidateRange(0, [int]::MaxValue)] [int] $RefreshTokenLifetime,
        [bool] $ReportRefreshTokenExpiresIn,
        [ValidateRange(0, [int]::MaxValue)] [int] $DeviceCodeLifetime
    )
    $names = @{
        AccessTokenLifetime = 'access_token_lifetime'; RefreshTokenLifetime = 'refresh_token_lifetime'
        ReportRefreshTokenExpiresIn = 'report_refresh_token_expires_in'; DeviceCodeLifetime = 'device_code_lifetime'
    }
    $body = [ordered]@{}
    foreach ($key in $names.Keys) {
        if ($PSBoundParameters.ContainsKey($key)) { $body[$names[$key]] = $PSBoundParameters[$key] }
    }
    if ($PSCmdlet.ShouldProcess('OAuth test server', 'Change settings')) {
        Invoke-TestOAuthControl Post '/_test/settings' $body
    }
}

function Get-TestDeviceCode {
    <#
    .SYNOPSIS
        Lists the pending (not yet approved, declined or expired) device codes of the Entra stand-in.
    .OUTPUTS
        Objects with user_code, client_id, tenant, scope and expires_in (seconds left).
    .EXAMPLE
        Get-TestDeviceCode -ClientId $appId
    #>
    [CmdletBinding()]
    param([string] $ClientId)
    foreach ($code in @(Invoke-TestOAuthControl Get '/_test/device_codes')) {
        if ($null -eq $code) { continue }
        if (-not $ClientId -or $code.client_id -eq $ClientId) { $code }
    }
}

function Approve-TestDeviceCode {
    <#
    .SYNOPSIS
        Completes a device-code sign-in as a test user (what the user would do in a browser), or declines it.
    .DESCRIPTION
        Without -UserCode it waits (up to -TimeoutSeconds) until exactly one device code is pending (for -ClientId
        when given) and approves that one, so a test can approve a code that the code under test requested in the
        background.
    .PARAMETER User
        The dovecot user name that signs in (alice, bob, carol); the tokens open that mailbox.
    .PARAMETER Decline
        Decline instead: polling then gets authorization_declined.
    .OUTPUTS
        An object with user_code, status (approved or declined) and user.
    .EXAMPLE
        Approve-TestDeviceCode -User alice -ClientId $appId
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [string] $UserCode,
        [string] $User,
        [switch] $Decline,
        [string] $ClientId,
        [ValidateRange(1, 600)] [int] $TimeoutSeconds = 30
    )
    if (-not $Decline -and -not $User) { throw 'Give -User (the signed-in test user), or -Decline.' }
    if (-not $UserCode) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $pending = @(Get-TestDeviceCode -ClientId $ClientId)
            if ($pending.Count -eq 1) { $UserCode = $pending[0].user_code; break }
            if ($pending.Count -gt 1) { throw "$($pending.Count) device codes are pending: give -UserCode or -ClientId." }
            if ([DateTime]::UtcNow -ge $deadline) { throw "No device code was requested within $TimeoutSeconds s." }
            Start-Sleep -Milliseconds 100
        }
    }
    $body = [ordered]@{ user_code = $UserCode }
    if ($User) { $body.user = $User }
    if ($Decline) { $body.decline = $true }
    if ($PSCmdlet.ShouldProcess($UserCode, $(if ($Decline) { 'Decline device code' } else { "Approve device code as $User" }))) {
        Invoke-TestOAuthControl Post '/_test/approve' $body
    }
}

function Set-TestBrowserSignIn {
    <#
    .SYNOPSIS
        Arms the Entra stand-in's /authorize: the next browser sign-in signs this user in (302 back to the redirect
        URI with a code). Unarmed, /authorize answers a page saying "sign-in not armed".
    .PARAMETER User
        The dovecot user name to sign in.
    .PARAMETER Disarm
        Disarm a pending sign-in instead.
    .EXAMPLE
        Set-TestBrowserSignIn -User bob
    #>
    [CmdletBinding(SupportsShouldProcess, DefaultParameterSetName = 'User')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'User')] [string] $User,
        [Parameter(Mandatory, ParameterSetName = 'Disarm')] [switch] $Disarm
    )
    $body = @{ user = $(if ($Disarm) { $null } else { $User }) }
    if ($PSCmdlet.ShouldProcess('OAuth test server', $(if ($Disarm) { 'Disarm browser sign-in' } else { "Arm browser sign-in for $User" }))) {
        $null = Invoke-TestOAuthControl Post '/_test/browser' $body
    }
}

function Revoke-TestOAuthToken {
    <#
    .SYNOPSIS
        Revokes tokens in the Entra stand-in: a user's refresh and access tokens (-User), a client's app-only access
        tokens (-ClientId), or a user's tokens issued to one client (both).
    .DESCRIPTION
        A revoked refresh token gets invalid_grant AADSTS50173; dovecot refuses a revoked access token at the next
        login (it introspects every login).
    .OUTPUTS
        The number of tokens revoked.
    .EXAMPLE
        Revoke-TestOAuthToken -User alice
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([int])]
    param(
        [string] $User,
        [string] $ClientId
    )
    if (-not $User -and -not $ClientId) { throw 'Give -User, -ClientId or both.' }
    $body = [ordered]@{}
    if ($User) { $body.user = $User }
    if ($ClientId) { $body.client_id = $ClientId }
    if ($PSCmdlet.ShouldProcess("$User $ClientId".Trim(), 'Revoke OAuth tokens')) {
        [int](Invoke-TestOAuthControl Post '/_test/revoke' $body).revoked
    }
}

function Set-TestAccessTokenExpired {
    <#
    .SYNOPSIS
        Expires every access token the Entra stand-in has issued so far (refresh tokens stay valid), so dovecot
        refuses them while a client cache may still think they are good.
    .OUTPUTS
        The number of tokens expired.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([int])]
    param()
    if ($PSCmdlet.ShouldProcess('OAuth test server', 'Expire all access tokens')) {
        [int](Invoke-TestOAuthControl Post '/_test/expire_access_tokens').expired
    }
}

function Get-TestOAuthLog {
    <#
    .SYNOPSIS
        Returns the Entra stand-in's request log, oldest first: one entry per token, devicecode and authorize request
        (time, path, grant_type, client_id, user, scope, status, error_code) and per introspection (path
        /introspect, client_id, user, active). Never secrets or tokens.
    .DESCRIPTION
        Tells a silent refresh (a refresh_token grant) from an MSAL cache hit (no request at all).
    .PARAMETER GrantType
        Only token requests of this grant type, e.g. refresh_token or client_credentials.
    .PARAMETER Introspection
        Only the introspection entries (one per dovecot login attempt with a token).
    .EXAMPLE
        @(Get-TestOAuthLog -GrantType refresh_token).Count | Should -Be 1
    #>
    [CmdletBinding()]
    param(
        [string] $GrantType,
        [switch] $Introspection
    )
    foreach ($entry in @(Invoke-TestOAuthControl Get '/_test/log')) {
        if ($null -eq $entry) { continue }
        if ($Introspection -and $entry.path -ne '/introspect') { continue }
        if ($GrantType -and $entry.PSObject.Properties['grant_type'] -and $entry.grant_type -ne $GrantType) { continue }
        if ($GrantType -and -not $entry.PSObject.Properties['grant_type']) { continue }
        $entry
    }
}

#endregion

#region OpCon REST API stand-in (tests/services/opcon_api.py)

function Start-TestOpConApi {
    <#
    .SYNOPSIS
        Starts tests/services/opcon_api.py, the OpCon REST API stand-in, on a free loopback port with the harness
        certificate, and waits (15 s at most) until it listens.
    .PARAMETER Folder
        Where its standard output (opcon_api.out) and error (opcon_api.err, its request log) go.
    .OUTPUTS
        Process (stop it with SIGTERM), Port, Url (https://127.0.0.1:<port>/), Log (the opcon_api.err file).
    #>
    param(
        [Parameter(Mandatory)] [string] $User,
        [Parameter(Mandatory)] [string] $Password,
        [Parameter(Mandatory)] [string] $Folder
    )
    $service = Get-TestService
    Start-TestHttpsStub -Name opcon_api -Folder $Folder -ArgumentList {
        param($port) $port, $service.certificate, (Join-Path $service.root 'tls/key.pem'), $User, $Password }.GetNewClosure()
}

function Start-TestHttpsStub {
    # Starts tests/services/<Name>.py on a free loopback port (ArgumentList: a script block that gets the port and
    # returns the script's arguments), its output in <Folder>/<Name>.out and .err, and waits (15 s at most) until it
    # listens. Returns Process (stop it with SIGTERM), Port, Url (https://127.0.0.1:<port>/), Log (the .err file).
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [scriptblock] $ArgumentList)
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = ([System.Net.IPEndPoint] $listener.LocalEndpoint).Port
    $listener.Stop()
    $log = Join-Path $Folder "$Name.err"
    $arguments = @((Join-Path $PSScriptRoot "$Name.py")) + @(& $ArgumentList $port)
    $process = Start-Process -FilePath /usr/bin/python3 -PassThru -ArgumentList $arguments `
        -RedirectStandardOutput (Join-Path $Folder "$Name.out") -RedirectStandardError $log
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ($true) {
        if ($process.HasExited) { throw "$Name.py ended at once ($($process.ExitCode)): $(Get-Content -Raw $log)" }
        $probe = [System.Net.Sockets.TcpClient]::new()
        try { $probe.Connect('127.0.0.1', $port); break } catch { } finally { $probe.Dispose() }
        if ([DateTime]::UtcNow -gt $deadline) { throw "$Name.py does not listen on $port after 15 s." }
        Start-Sleep -Milliseconds 50
    }
    [pscustomobject]@{ Process = $process; Port = $port; Url = "https://127.0.0.1:$port/"; Log = $log }
}

function Invoke-TestOpConApi {
    <#
    .SYNOPSIS
        Calls a test control of opcon_api.py (our own loopback server: its certificate is not checked here).
    #>
    param([Parameter(Mandatory)] [string] $Url, [Parameter(Mandatory)] [string] $Path, [string] $Method = 'Post', [hashtable] $Body)
    $request = @{ Uri = $Url + $Path.TrimStart('/'); Method = $Method; SkipCertificateCheck = $true }
    if ($Body) { $request.Body = $Body | ConvertTo-Json -Compress; $request.ContentType = 'application/json' }
    Invoke-RestMethod @request
}

#endregion

#region Microsoft Graph stand-in (tests/services/graph_server.py)

function Start-TestGraph {
    <#
    .SYNOPSIS
        Starts tests/services/graph_server.py, the Microsoft Graph stand-in, on a free loopback port with the harness
        certificate, holding the mailboxes of the harness users and checking tokens with the Entra ID stand-in's
        introspection endpoint, and waits (15 s at most) until it listens.
    .PARAMETER Folder
        Where its standard output (graph_server.out) and error (graph_server.err, its request log) go.
    .OUTPUTS
        Process (stop it with SIGTERM), Port, Url (https://127.0.0.1:<port>/), Endpoint (the same without the slash, as
        GraphEndpoint takes it), Log (the graph_server.err file).
    #>
    param([Parameter(Mandatory)] [string] $Folder)
    $service = Get-TestService
    $introspect = "http://127.0.0.1:$($service.oauth.introspectPort)/introspect"
    $stub = Start-TestHttpsStub -Name graph_server -Folder $Folder -ArgumentList {
        param($port) @($port, $service.certificate, (Join-Path $service.root 'tls/key.pem'), $introspect) + @($service.users | ForEach-Object address) }.GetNewClosure()
    $stub | Add-Member -NotePropertyName Endpoint -NotePropertyValue "https://127.0.0.1:$($stub.Port)" -PassThru
}

function Invoke-TestGraphControl {
    <#
    .SYNOPSIS
        Calls a test control of graph_server.py (our own loopback server: its certificate is not checked here).
    #>
    param([Parameter(Mandatory)] [string] $Url, [Parameter(Mandatory)] [string] $Path, [string] $Method = 'Post', [hashtable] $Body)
    $request = @{ Uri = $Url + '_control/' + $Path.TrimStart('/'); Method = $Method; SkipCertificateCheck = $true }
    if ($Body) { $request.Body = $Body | ConvertTo-Json -Compress -Depth 5; $request.ContentType = 'application/json' }
    Invoke-RestMethod @request
}

function Add-TestGraphMessage {
    <#
    .SYNOPSIS
        Puts messages (.eml files or MimeMessage objects) into a Graph stand-in mailbox's folder; writes {id,
        immutableId, folderId} for each.
    #>
    param(
        [Parameter(Mandatory)] [string] $Url,
        [Parameter(Mandatory)] [string] $User,
        [string] $Folder = 'inbox',
        [string[]] $Path,
        [object[]] $Message,
        [DateTimeOffset] $Received
    )
    $raw = @(foreach ($p in $Path) { ,[System.IO.File]::ReadAllBytes((Resolve-Path -LiteralPath $p).ProviderPath) })
    foreach ($m in $Message) {
        $buffer = [System.IO.MemoryStream]::new()
        $m.WriteTo($buffer)
        $raw += ,$buffer.ToArray()
    }
    foreach ($bytes in $raw) {
        $body = @{ user = $User; folder = $Folder; mime = [Convert]::ToBase64String($bytes) }
        if ($PSBoundParameters.ContainsKey('Received')) { $body.received = $Received.UtcDateTime.ToString('o') }
        Invoke-TestGraphControl -Url $Url -Path message -Body $body
    }
}

#endregion

Export-ModuleMember -Function Get-TestService, Initialize-TestMailKit, Connect-TestImap, Connect-TestPop3,
    Clear-TestMailbox, Add-TestMessage, Get-TestMessage, Get-TestUidValidity, Get-TestUidl, Send-TestMail, Add-TestMaildirMessage,
    Get-TestOAuthAuthority, Reset-TestOAuth, New-TestOAuthTenant, Register-TestOAuthClient, Set-TestOAuthSettings,
    Get-TestDeviceCode, Approve-TestDeviceCode, Set-TestBrowserSignIn, Revoke-TestOAuthToken,
    Set-TestAccessTokenExpired, Get-TestOAuthLog, Start-TestOpConApi, Invoke-TestOpConApi,
    Start-TestGraph, Invoke-TestGraphControl, Add-TestGraphMessage
