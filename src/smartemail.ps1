<#
.SYNOPSIS
    Drop-in replacement for SMA's smartemail.exe: the same arguments, the same exit codes.
.DESCRIPTION
    An OpCon job switches over by changing only its executable:
        pwsh -NoProfile -File <module folder>/smartemail.ps1 <the same arguments>

    normal run:  -inifile:<path> --imap|--pop|--msal -server:<host> -port:<n> --ssl2|--ssl|--tls1|--tls1_1|--tls1_2
                 --delete|--deleteall --sort
    credentials: --credentials -user:<v> -password:<v> -opconuser:<v> -opconpassword:<v> -inifile:<path>
    MSAL token:  --msal --renewMsalToken [--renewTokenSilent|--doNotSaveAccount] -inifile:<path>

    Command-line values win over the INI's. Exit codes: 0 some emails matched, the INI's ExitCodeForNoMatchingEmails
    when none did, 1 bad arguments or conflicting flags, 2 any other failure.
#>
$ErrorActionPreference = 'Stop'

function Stop-WithUsage([string] $Message) {
    [Console]::Error.WriteLine("smartemail: $Message")
    [Console]::Error.WriteLine('usage: smartemail.ps1 [-inifile:<path>] [--imap|--pop|--msal] [-server:<host>] [-port:<n>] [--ssl2|--ssl|--tls1|--tls1_1|--tls1_2] [--delete|--deleteall] [--sort]')
    exit 1
}

# Parse exactly the vendor's forms: value switches are -name:value, flags are --name (case-insensitive).
$values = @{}
$flags = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
# pwsh -File hands '-inifile:C:\x.ini' to a script as two arguments, '-inifile' and 'C:\x.ini' (the colon is the
# parameter binder's), while other hosts may pass it whole: both forms are taken.
for ($i = 0; $i -lt $args.Count; $i++) {
    $arg = [string]$args[$i]
    if ($arg -match '^--([A-Za-z0-9_]+)$') {
        if (-not $flags.Add($Matches[1])) { Stop-WithUsage "--$($Matches[1]) is given twice." }
        continue
    }
    if ($arg -match '^-([A-Za-z]+):(.+)$') { $name = $Matches[1]; $value = $Matches[2] }
    elseif ($arg -match '^-([A-Za-z]+):?$' -and $i + 1 -lt $args.Count) { $name = $Matches[1]; $value = [string]$args[++$i] }
    else { Stop-WithUsage "'$arg' is not an argument smartemail understands." }
    $name = $name.ToLowerInvariant()
    if ($values.ContainsKey($name)) { Stop-WithUsage "-$($name): is given twice." }
    $values[$name] = $value
}
$knownFlags = 'imap', 'pop', 'msal', 'ssl2', 'ssl', 'tls1', 'tls1_1', 'tls1_2', 'delete', 'deleteall', 'sort', 'credentials', 'renewMsalToken', 'renewTokenSilent', 'doNotSaveAccount'
foreach ($f in $flags) { if ($f -notin $knownFlags) { Stop-WithUsage "--$f is not an argument smartemail understands." } }
foreach ($v in $values.Keys) { if ($v -notin 'inifile', 'server', 'port', 'user', 'password', 'opconuser', 'opconpassword') { Stop-WithUsage "-$($v): is not an argument smartemail understands." } }

# The vendor's conflict rules.
$protocols = @('imap', 'pop', 'msal' | Where-Object { $flags.Contains($_) })
if ($protocols.Count -gt 1) { Stop-WithUsage "--$($protocols -join ' and --') cannot be used together." }
if ($flags.Contains('delete') -and $flags.Contains('deleteall')) { Stop-WithUsage '--delete and --deleteall cannot be used together.' }
$security = @('ssl2', 'ssl', 'tls1', 'tls1_1', 'tls1_2' | Where-Object { $flags.Contains($_) })
if ($security.Count -gt 1) { Stop-WithUsage "--$($security -join ' and --') cannot be used together." }
if ($flags.Contains('renewTokenSilent') -and $flags.Contains('doNotSaveAccount')) { Stop-WithUsage '--renewTokenSilent and --doNotSaveAccount cannot be used together.' }
if (($flags.Contains('renewTokenSilent') -or $flags.Contains('doNotSaveAccount')) -and -not $flags.Contains('renewMsalToken')) { Stop-WithUsage '--renewTokenSilent and --doNotSaveAccount go with --msal --renewMsalToken.' }
if ($flags.Contains('renewMsalToken') -and ($flags.Contains('imap') -or $flags.Contains('pop') -or $flags.Contains('credentials'))) { Stop-WithUsage '--renewMsalToken goes with --msal (and no other protocol or operation).' }
if ($values.ContainsKey('port') -and $values['port'] -notmatch '^\d{1,5}$') { Stop-WithUsage "-port:$($values['port']) is not a port number." }

# The module's messages name the INI setting at fault (the exception's Setting); these are the flags that give it here.
$flagHints = @{
    '[Mail] EmailProtocol' = 'Or give --imap, --pop or --msal.'
    '[Mail] Server'        = 'Or give -server:<host>.'
    '[Mail] Port'          = 'Or give -port:<n>.'
    '[Mail] User'          = 'Or store them with --credentials -user:<v> -password:<v> -opconuser:<v> -opconpassword:<v>.'
    '[General] OpConUser'  = 'Or store them with --credentials -opconuser:<v> -opconpassword:<v>.'
}
$parameterFlags = @{ Protocol = '--imap, --pop or --msal'; Server = '-server:<host>'; Port = '-port:<n>' }
function Write-Failure($ErrorRecord) {
    $exception = $ErrorRecord.Exception
    $text = $exception.Message
    if ($exception.PSObject.Properties['Setting'] -and $exception.Setting -and $flagHints.ContainsKey([string]$exception.Setting)) {
        $text += ' ' + $flagHints[[string]$exception.Setting]
    }
    if ($exception.GetType().Name -eq 'ConfigurationException' -and "$($exception.Kind)" -eq 'Invalid') {
        $text += [Environment]::NewLine + 'Run Test-SmartEmailConfiguration -Detailed for every finding.'
    }
    [Console]::Error.WriteLine("smartemail: $text")
}

try {
    Import-Module (Join-Path $PSScriptRoot 'SmartEmail.psd1')
}
catch {
    [Console]::Error.WriteLine("smartemail: cannot load the SmartEmail module: $_")
    exit 2
}

if ($flags.Contains('credentials')) {
    # --credentials -user: -password: -opconuser: -opconpassword: (the OpCon pair is required, the mailbox pair optional).
    if (-not $values.ContainsKey('opconuser') -or -not $values.ContainsKey('opconpassword')) { Stop-WithUsage '--credentials needs -opconuser: and -opconpassword:.' }
    if ($values.ContainsKey('user') -ne $values.ContainsKey('password')) { Stop-WithUsage '-user: and -password: go together.' }
    $set = @{ OpConCredential = [pscredential]::new($values['opconuser'], (ConvertTo-SecureString $values['opconpassword'] -AsPlainText -Force)) }
    if ($values.ContainsKey('user')) { $set.MailCredential = [pscredential]::new($values['user'], (ConvertTo-SecureString $values['password'] -AsPlainText -Force)) }
    if ($values.ContainsKey('inifile')) { $set.Path = $values['inifile'] }
    try {
        Set-SmartEmailCredential @set
        Write-Host 'smartemail: the credentials are encrypted in the INI.'
        exit 0
    }
    catch {
        Write-Failure $_
        exit 2
    }
}
if ($flags.Contains('renewMsalToken')) {
    # --msal --renewMsalToken [--renewTokenSilent|--doNotSaveAccount]: the Office 365 sign-in.
    $sign = @{ InformationAction = 'Continue' }
    if ($values.ContainsKey('inifile')) { $sign.Path = $values['inifile'] }
    if ($flags.Contains('renewTokenSilent')) { $sign.Silent = $true }
    if ($flags.Contains('doNotSaveAccount')) { $sign.DoNotSaveAccount = $true }
    try {
        $status = Request-SmartEmailToken @sign
        if ($status.Mode -eq 'AppOnly') { Write-Host "smartemail: app-only access works for $($status.Account); nothing to renew." }
        elseif ($status.Saved) { Write-Host "smartemail: signed in as $($status.Account); the sign-in is stored and renewed by every run." }
        else { Write-Host "smartemail: signed in as $($status.Account); nothing was stored (--doNotSaveAccount)." }
        exit 0
    }
    catch {
        Write-Failure $_
        exit 2
    }
}

$run = @{ InformationAction = 'Continue' }
if ($values.ContainsKey('inifile')) { $run.Path = $values['inifile'] }
if ($flags.Contains('imap')) { $run.Protocol = 'IMAP' }
if ($flags.Contains('pop')) { $run.Protocol = 'POP' }
if ($flags.Contains('msal')) { $run.Protocol = 'MSAL' }
if ($values.ContainsKey('server')) { $run.Server = $values['server'] }
if ($values.ContainsKey('port')) { $run.Port = [int]$values['port'] }
if ($security.Count -eq 1) { $run.SecurityProtocol = $security[0].ToUpperInvariant() }
if ($flags.Contains('delete')) { $run.DeleteEmails = 'Match' }
if ($flags.Contains('deleteall')) { $run.DeleteEmails = 'All' }
# --sort: messages are always processed oldest first (by arrival), which is what sorting by date gave.

try {
    # The cmdlet's warnings end with its parameter ("Or give -Server."); a job on this command line gives the flag.
    $result = Invoke-SmartEmailRun @run 3>&1 | ForEach-Object {
        if ($_ -is [System.Management.Automation.WarningRecord]) {
            $text = $_.Message
            foreach ($p in $parameterFlags.Keys) { $text = $text.Replace(" Or give -$p.", " Or give $($parameterFlags[$p]).") }
            Write-Warning $text
        }
        else { $_ }
    }
    foreach ($e in $result.Events) { Write-Host "Event: $e" }
    exit $result.ExitCode
}
catch {
    Write-Failure $_
    exit 2
}
