#Requires -Version 7.2
# Issue #11, "Secrets": every cmdlet's main paths run with known, distinctive secrets and -Verbose -Debug (and every
# preference at Continue, every stream redirected into the captured text), in fresh pwsh processes with the built
# module, against the real test servers: dovecot (IMAP/POP3), the SMTP sink, the Entra ID stand-in and the OpCon REST
# API stand-in. Then every captured output, every file under this test's TestDrive (logs, audit files, protocol logs,
# the state file, MSGIN files, saved .eml files, the encrypted INIs, the key file and the token cache) and the notices
# read back from the SMTP sink are searched for each secret, for every token the identity provider issued (JWTs: eyJ...)
# and for the OpCon API tokens; base64 runs are decoded and searched too (SASL PLAIN and XOAUTH2 carry secrets in base64).
# The OpCon external event password belongs in the MSGIN event files, and nowhere else.
# The secrets reach the children only through environment variables, so no child script or command line in this test
# holds one (smartemail.ps1 --credentials takes them as arguments by nature: its argv is not checked, its output is).

Describe 'Secrets never leave their place' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
        $Module = Get-ModuleUnderTest
        $Service = Get-TestService
        $Started = [DateTime]::UtcNow

        # ---- the secrets -----------------------------------------------------------------------------------------
        $MailPassword = (@($Service.users | Where-Object name -EQ 'alice'))[0].password   # alice-secret: fixed by services.sh
        $Secrets = [ordered]@{
            'mailbox password'       = $MailPassword
            'OpCon event password'   = 'OpEv-7Kq2-sweep-Pw'
            'OpCon API password'     = 'ApiRest-5Ty8-sweep-Pw'
            'client secret'          = 'Cs~9b4d.sweep-CLIENT-secret'
            'pfx password'           = 'Pfx-6Hn1-sweep-Pw'
            'wrong mailbox password' = 'WrongMb-3Zx0-sweep'
            'wrong client secret'    = 'WrongCs~2Lp7.sweep'
            'wrong API password'     = 'WrongApi-8Gv4-sweep'
        }
        $MailPassword | Should -Match '-secret$'
        $env:SWEEP_MAIL_PW = $Secrets['mailbox password']
        $env:SWEEP_OPCON_PW = $Secrets['OpCon event password']
        $env:SWEEP_API_PW = $Secrets['OpCon API password']
        $env:SWEEP_CLIENT_SECRET = $Secrets['client secret']
        $env:SWEEP_PFX_PW = $Secrets['pfx password']
        $env:SWEEP_WRONG_MAIL_PW = $Secrets['wrong mailbox password']
        $env:SWEEP_WRONG_CLIENT_SECRET = $Secrets['wrong client secret']
        $env:SWEEP_WRONG_API_PW = $Secrets['wrong API password']
        # Every token the Entra stand-in issues (access, refresh, id) is a JWT; the OpCon API tokens are collected below.
        $JwtPattern = 'eyJ[A-Za-z0-9_-]{10,}'
        $ApiTokens = [System.Collections.Generic.List[string]]::new()
        $Captured = [System.Collections.Generic.List[object]]::new()   # Name, Text

        # ---- the folders and INIs --------------------------------------------------------------------------------
        $Work = Join-Path $TestDrive 'work'
        $Config = Join-Path $TestDrive 'config'   # XDG_CONFIG_HOME of every child: the key file and the token cache
        $Children = Join-Path $TestDrive 'children'
        New-Item -ItemType Directory $Work, $Children | Out-Null
        foreach ($d in 'msgin', 'submit-msgin', 'api-msgin', 'msal-msgin', 'user-msgin', 'legacy-msgin', 'saved', 'logs', 'plain') {
            New-Item -ItemType Directory (Join-Path $Work $d) | Out-Null
        }
        $MsgInFolders = 'msgin', 'submit-msgin', 'msal-msgin', 'user-msgin', 'legacy-msgin' | ForEach-Object { Join-Path $Work $_ }

        function Set-Mode([string] $Path, [string] $Mode) { [IO.File]::SetUnixFileMode($Path, [IO.UnixFileMode]$Mode) }
        function Get-Mode([string] $Path) { (Get-Item -LiteralPath $Path -Force).UnixFileMode }

        function Write-Ini([string] $Name, [string[]] $Lines, [string] $Mode = 'UserRead, UserWrite') {
            $path = Join-Path $Work $Name
            [IO.File]::WriteAllText($path, ($Lines -join "`r`n") + "`r`n")
            Set-Mode $path $Mode
            $path
        }

        $Rule = '[Configuration1]', 'SubjectLineMask=^Job (\d+) finished$', 'AllowedSenders=scheduler@smartemail.test', 'Event=$JOB:ADD,SCHED,job[[1]],FREQ'
        $ImapMail = '[Mail]', 'EmailProtocol=IMAP', 'Server=127.0.0.1', "Port=$($Service.imap.tlsPort)", 'TlsMode=Implicit', 'SelfSignedCertificate=True'
        # The job's INI: IMAP, every audit file, notices to bob through the SMTP sink, downloads, deletes, LastRunDate.
        # It has no credentials yet: Set-SmartEmailCredential adds them, encrypted. Mode 0600 must survive every rewrite.
        $ImapIni = Write-Ini 'imap.ini' (@(
                '[General]', 'MSGINDirectory=msgin', 'DeleteEmails=Match', 'DownloadEmails=True', 'DownloadFolder=received'
                'UseLastRunDate=True', 'ExitCodeForNoMatchingEmails=3') + $ImapMail + @(
                "SmtpServer=127.0.0.1", "SmtpPort=$($Service.smtp.port)", 'NotifyFrom=smartemail@smartemail.test'
                '[Audit]', 'LogAccepts=True', 'AuditAcceptLogFile=logs/accept.log', 'LogRejects=True', 'AuditRejectLogFile=logs/reject.log'
                'LogOpConEvents=True', 'OpConEventLogFile=logs/events.log', 'RejectEvent=$CONSOLE:DISPLAY,rejected [[SENDER]] [[REASON]]'
                'NotifyOnAccepts=True', 'NotifyOnAcceptTo=bob@smartemail.test', 'NotifyOnRejects=True', 'NotifyOnRejectTo=bob@smartemail.test') + $Rule)
        $WrongMailIni = Write-Ini 'wrong-mail.ini' (@('[General]', 'MSGINDirectory=msgin', 'DeleteEmails=None', 'DownloadEmails=False', 'UseLastRunDate=False') + $ImapMail + $Rule)
        $LegacyIni = Write-Ini 'legacy.ini' (@('[General]', 'MSGINDirectory=legacy-msgin', 'DeleteEmails=None', 'DownloadEmails=False', 'UseLastRunDate=False') + $ImapMail + $Rule)

        $Authority = $Service.oauth.authority.TrimEnd('/')
        $AppId = 'a1b2c3d4-0000-4000-8000-0000000051a1'
        $PfxApp = 'a1b2c3d4-0000-4000-8000-0000000051a2'
        $UserApp = 'a1b2c3d4-0000-4000-8000-0000000051a3'
        function Get-MsalLines([string] $ClientId, [string] $MsgIn, [string] $Protocol = 'IMAP', [string[]] $Extra = @()) {
            $port = if ($Protocol -eq 'POP') { $Service.pop3.tlsPort } else { $Service.imap.tlsPort }
            @('[General]', "MSGINDirectory=$MsgIn", 'DeleteEmails=NONE', 'DownloadEmails=False', 'UseLastRunDate=False', 'ExitCodeForNoMatchingEmails=3'
                '[Mail]', 'EmailProtocol=MSAL', "MsalMailProtocol=$Protocol", 'Server=localhost', "Port=$port", 'TlsMode=Implicit'
                "Authority=$Authority", "ClientId=$ClientId") + $Extra + $Rule
        }
        # 0640 here: Set-SmartEmailCredential must keep it.
        $AppIni = Write-Ini 'msal-app.ini' (Get-MsalLines $AppId 'msal-msgin' -Extra 'Tenant=contoso.test', 'User=carol') -Mode 'UserRead, UserWrite, GroupRead'
        $WrongAppIni = Write-Ini 'msal-wrong.ini' (Get-MsalLines $AppId 'msal-msgin' -Extra 'Tenant=contoso.test', 'User=carol')
        $Pfx = Join-Path $Work 'app.pfx'
        & openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=SmartEmail sweep app' -keyout "$Pfx.key" -out "$Pfx.crt" 2>$null
        & openssl pkcs12 -export -in "$Pfx.crt" -inkey "$Pfx.key" -out $Pfx -passout env:SWEEP_PFX_PW 2>$null
        $LASTEXITCODE | Should -Be 0
        Remove-Item "$Pfx.key"
        $PfxIni = Write-Ini 'msal-pfx.ini' (Get-MsalLines $PfxApp 'msal-msgin' -Protocol POP -Extra 'Tenant=contoso.test', 'User=carol', "CertificatePath=$Pfx")
        $UserIni = Write-Ini 'msal-user.ini' (Get-MsalLines $UserApp 'user-msgin')

        # The admin's INI with every secret typed in plain text: Get-/Test-SmartEmailConfiguration must show none of them.
        # It is the one file (besides MSGIN) allowed to hold them, and no cmdlet may change it.
        $PlainIni = Join-Path $Work 'plain/plain.ini'
        $PlainText = (@('[General]', 'MSGINDirectory=../msgin', 'OpConUser=ocadm', "OpConUserPassword=$($Secrets['OpCon event password'])") + $ImapMail + @(
                'User=alice', "Password=$MailPassword", "ClientSecret=$($Secrets['client secret'])", "CertificatePassword=$($Secrets['pfx password'])"
                '[OpCon]', 'Transport=Api', 'ApiUrl=https://127.0.0.1:1/', 'ApiUser=apiuser', "ApiPassword=$($Secrets['OpCon API password'])") + $Rule) -join "`r`n"
        [IO.File]::WriteAllText($PlainIni, $PlainText)

        # ---- the OpCon REST API stand-in ------------------------------------------------------------------------
        $ApiUser = 'apiuser'
        $api = Start-TestOpConApi -User $ApiUser -Password $Secrets['OpCon API password'] -Folder $TestDrive
        $ApiServer, $ApiUrl = $api.Process, $api.Url
        function Invoke-OpConApi([string] $Path, [string] $Method = 'Post', [hashtable] $Body) {
            Invoke-TestOpConApi -Url $ApiUrl -Path $Path -Method $Method -Body $Body
        }
        # The API requests so far; their issued tokens join the secrets searched for.
        function Get-OpConReceived {
            $rx = @(Invoke-OpConApi '/_control/received' -Method Get | ForEach-Object { $_ })
            foreach ($r in $rx) { if ($r.issuedToken -and -not $ApiTokens.Contains($r.issuedToken)) { $ApiTokens.Add($r.issuedToken) } }
            $rx
        }
        $ApiIni = Write-Ini 'api.ini' @('[General]', 'MSGINDirectory=api-msgin', '[Mail]', 'EmailProtocol=Folder', 'Server=.'
            '[OpCon]', "ApiUrl=$ApiUrl", 'SelfSignedCertificate=True', 'Transport=Api', "ApiUser=$ApiUser", 'ApiPassword=@ENCRYPTED@'
            '[Audit]', 'LogOpConEvents=True', 'OpConEventLogFile=logs/api-events.log'
            '[Configuration1]', 'SubjectLineMask=^Job (\d+) finished$', 'AllowedSenders=ALL', 'Event=$CONSOLE:DISPLAY,api job [[1]]')

        # ---- the Entra stand-in --------------------------------------------------------------------------------
        Reset-TestOAuth
        Set-TestOAuthSettings -AccessTokenLifetime 3600 | Out-Null
        $null = New-TestOAuthTenant -Domain 'contoso.test' -Id '5e1f0a2b-6b1c-4c39-9a51-0c7a5e2b9f11'
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $AppId -Secret $Secrets['client secret'] -Mailbox carol
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $PfxApp -CertificatePath "$Pfx.crt" -Mailbox carol
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $UserApp -Public

        # ---- the children --------------------------------------------------------------------------------------
        # What every child knows (no secret: those come from SWEEP_* variables).
        $env:SWEEP_CONTEXT = [ordered]@{
            Work = $Work; ImapIni = $ImapIni; WrongMailIni = $WrongMailIni; LegacyIni = $LegacyIni; AppIni = $AppIni
            WrongAppIni = $WrongAppIni; PfxIni = $PfxIni; UserIni = $UserIni; PlainIni = $PlainIni; ApiIni = $ApiIni
            ImapsPort = $Service.imap.tlsPort; Pop3sPort = $Service.pop3.tlsPort
        } | ConvertTo-Json -Compress
        $PwshExe = [Environment]::ProcessPath
        $PwshPrefix = @(if ([IO.Path]::GetFileNameWithoutExtension($PwshExe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })

        # Every child starts with this: all preferences at Continue, and Step, which runs a block with every stream
        # redirected and turns each record into all the text it can show (an ErrorRecord in full, an object with
        # Format-List * -Force, its default view and ConvertTo-Json -Depth 5). Lines "MARK name=value" tell the test
        # that a step did what it should, so that every search below searched something real.
        $Prelude = @'
$ErrorActionPreference = 'Continue'
$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'; $WarningPreference = 'Continue'
# -Debug makes warnings and errors Inquire, which a non-interactive pwsh cannot ask: they Continue (a call's own
# -ErrorAction or -WarningAction still wins).
$PSDefaultParameterValues = @{ '*-SmartEmail*:WarningAction' = 'Continue'; '*-SmartEmail*:ErrorAction' = 'Continue' }
$C = $env:SWEEP_CONTEXT | ConvertFrom-Json
Import-Module $env:SMARTEMAIL_MODULE_PATH
function New-Cred([string] $User, [string] $Secret) { [pscredential]::new($User, (ConvertTo-SecureString $Secret -AsPlainText -Force)) }
function Get-RecordText {
    process {
        $o = $_
        if ($null -eq $o) { return }
        if ($o -is [string]) { return $o }
        "<< $($o.GetType().FullName) >>"
        if ($o -is [System.Management.Automation.ErrorRecord]) {
            $o.ToString(); $o | Out-String -Width 4096; $o | Format-List * -Force | Out-String -Width 4096
            "$($o.TargetObject)"; "$($o.ErrorDetails)"; $o.CategoryInfo.ToString(); $o.CategoryInfo.TargetName; $o.ScriptStackTrace
            for ($e = $o.Exception; $null -ne $e; $e = $e.InnerException) {
                $e.Message; $e.ToString(); $e | Format-List * -Force | Out-String -Width 4096
                foreach ($k in $e.Data.Keys) { "$k=$($e.Data[$k])" }
            }
        }
        elseif ($o -is [System.Management.Automation.InformationalRecord]) { $o.Message }
        elseif ($o -is [System.Management.Automation.InformationRecord]) { "$($o.MessageData)"; "$($o.Tags)" }
        else {
            $o | Format-List * -Force | Out-String -Width 4096
            $o | Out-String -Width 4096
            try { $o | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue } catch { "ConvertTo-Json failed: $_" }
        }
    }
}
function Step([string] $Label, [scriptblock] $Body) {
    "==== $Label"
    try { & $Body *>&1 | Get-RecordText } catch { $_ | Get-RecordText }
}
function Mark([string] $Name, $Value) { "MARK $Name=$Value" }
'@
        $Epilogue = @'
"==== `$Error ($($Error.Count))"
$Error | Get-RecordText
$Error | Format-List * -Force | Out-String -Width 4096
'@

        function Use-ChildEnvironment([scriptblock] $Body) {
            $saved = @{}
            foreach ($var in 'SSL_CERT_FILE', 'XDG_CONFIG_HOME', 'BROWSER', 'DISPLAY', 'WAYLAND_DISPLAY') { $saved[$var] = [Environment]::GetEnvironmentVariable($var) }
            try {
                $env:SSL_CERT_FILE = $Service.certificate
                $env:XDG_CONFIG_HOME = $Config
                $env:BROWSER = $null; $env:DISPLAY = $null; $env:WAYLAND_DISPLAY = $null
                & $Body
            }
            finally {
                foreach ($var in $saved.Keys) { [Environment]::SetEnvironmentVariable($var, $saved[$var]) }
            }
        }

        # Runs a child to its end and keeps its whole output (stdout and stderr); returns the text.
        function Invoke-SweepChild([string] $Name, [string] $Script) {
            $result = Use-ChildEnvironment { Invoke-FreshPwsh -Script ($Prelude + "`n" + $Script + "`n" + $Epilogue) }
            $text = $result.Output -join "`n"
            $Captured.Add([pscustomobject]@{ Name = "output of $Name"; Text = $text })
            $text
        }

        function Start-SweepChild([string] $Name, [string] $Script) {
            $file = Join-Path $Children "$($Name -replace '\W', '-').ps1"
            Set-Content -LiteralPath $file -Encoding utf8 -Value ($Prelude + "`n" + $Script + "`n" + $Epilogue)
            Use-ChildEnvironment {
                $process = Start-Process -FilePath $PwshExe -ArgumentList ($PwshPrefix + @('-NoProfile', '-NonInteractive', '-File', $file)) `
                    -RedirectStandardOutput "$file.out" -RedirectStandardError "$file.err" -PassThru
                [pscustomobject]@{ Name = $Name; Process = $process; Out = "$file.out"; Err = "$file.err" }
            }
        }

        function Wait-SweepChild($Child) {
            if (-not $Child.Process.WaitForExit(60000)) { $Child.Process.Kill(); throw "$($Child.Name) did not finish within 60 s." }
            $Child.Process.WaitForExit()
            $text = (Get-Content -Raw -LiteralPath $Child.Out) + "`n" + (Get-Content -Raw -LiteralPath $Child.Err)
            $Captured.Add([pscustomobject]@{ Name = "output of $($Child.Name)"; Text = $text })
            $text
        }

        function Get-Mark([string] $Text, [string] $Name) {
            $m = [regex]::Matches($Text, "(?m)^MARK $([regex]::Escape($Name))=(.*?)\r?$")
            if ($m.Count -eq 0) { return $null }
            $m[$m.Count - 1].Groups[1].Value
        }

        function Add-Mail([string] $User, [string] $From, [string] $Subject) {
            $eml = Join-Path $Children "mail-$([guid]::NewGuid().ToString('N')).eml"
            Set-Content -LiteralPath $eml -Encoding ascii -Value @(
                "From: $From", "To: $User@smartemail.test", "Subject: $Subject", "Message-ID: <$([guid]::NewGuid().ToString('N'))@smartemail.test>"
                "Date: $([DateTimeOffset]::UtcNow.ToString('r'))", '', 'done')
            $null = Add-TestMessage -User $User -Path $eml
            Remove-Item -LiteralPath $eml
        }

        foreach ($u in 'alice', 'bob', 'carol') { Clear-TestMailbox $u }
    }

    AfterAll {
        foreach ($name in 'MAIL_PW', 'OPCON_PW', 'API_PW', 'CLIENT_SECRET', 'PFX_PW', 'WRONG_MAIL_PW', 'WRONG_CLIENT_SECRET', 'WRONG_API_PW') {
            Remove-Item "Env:SWEEP_$name" -ErrorAction SilentlyContinue
        }
        Remove-Item Env:SWEEP_CONTEXT -ErrorAction SilentlyContinue
        Reset-TestOAuth
        if ($ApiServer -and -not $ApiServer.HasExited) {
            & /bin/kill -TERM $ApiServer.Id
            if (-not $ApiServer.WaitForExit(10000)) { $ApiServer.Kill() }
            $ApiServer.WaitForExit()
        }
        Write-Host "    secret sweep took $([int]([DateTime]::UtcNow - $Started).TotalSeconds) s"
    }

    It 'encrypts every credential with Set-SmartEmailCredential, and the configuration cmdlets show none' {
        $text = Invoke-SweepChild 'credentials and configuration' @'
$mail = New-Cred 'alice' $env:SWEEP_MAIL_PW
$opcon = New-Cred 'ocadm' $env:SWEEP_OPCON_PW
Step 'Set-SmartEmailCredential mail and OpCon' { Set-SmartEmailCredential -Path $C.ImapIni -MailCredential $mail -OpConCredential $opcon -Verbose -Debug }
Step 'Set-SmartEmailCredential legacy OpCon' { Set-SmartEmailCredential -Path $C.LegacyIni -OpConCredential $opcon -Verbose -Debug }
Step 'Set-SmartEmailCredential wrong mail password' { Set-SmartEmailCredential -Path $C.WrongMailIni -MailCredential (New-Cred 'alice' $env:SWEEP_WRONG_MAIL_PW) -OpConCredential $opcon -Verbose -Debug }
Step 'Set-SmartEmailCredential client secret' { Set-SmartEmailCredential -Path $C.AppIni -ClientSecret (ConvertTo-SecureString $env:SWEEP_CLIENT_SECRET -AsPlainText -Force) -OpConCredential $opcon -Verbose -Debug }
Step 'Set-SmartEmailCredential wrong client secret' { Set-SmartEmailCredential -Path $C.WrongAppIni -ClientSecret (ConvertTo-SecureString $env:SWEEP_WRONG_CLIENT_SECRET -AsPlainText -Force) -OpConCredential $opcon -Verbose -Debug }
Step 'Set-SmartEmailCredential certificate password' { Set-SmartEmailCredential -Path $C.PfxIni -CertificatePassword (ConvertTo-SecureString $env:SWEEP_PFX_PW -AsPlainText -Force) -OpConCredential $opcon -Verbose -Debug }
Step 'Set-SmartEmailCredential delegated OpCon' { Set-SmartEmailCredential -Path $C.UserIni -OpConCredential $opcon -Verbose -Debug }
# Set-SmartEmailCredential has no parameter for [OpCon] ApiPassword: encrypt it as a ClientSecret of a scratch INI
# (the same key and format) and move the value over.
Step 'encrypted API password' {
    $scratch = Join-Path $C.Work 'scratch.ini'
    Set-Content -LiteralPath $scratch -Value '[Mail]'
    Set-SmartEmailCredential -Path $scratch -ClientSecret (ConvertTo-SecureString $env:SWEEP_API_PW -AsPlainText -Force) -Verbose -Debug
    $value = ((Get-Content -LiteralPath $scratch) -match '^ClientSecret=SE1:')[0].Substring('ClientSecret='.Length)
    (Get-Content -Raw -LiteralPath $C.ApiIni).Replace('@ENCRYPTED@', $value) | Set-Content -LiteralPath $C.ApiIni -NoNewline
    Remove-Item -LiteralPath $scratch
    Mark 'api-password-encrypted' ((Get-Content -Raw -LiteralPath $C.ApiIni) -match 'ApiPassword=SE1:')
}
foreach ($ini in $C.PlainIni, $C.ImapIni, $C.AppIni, $C.PfxIni, $C.ApiIni) {
    Step "Get-SmartEmailConfiguration $ini" {
        $config = Get-SmartEmailConfiguration -Path $ini -Verbose -Debug
        $config
        $config | Format-List * -Force | Out-String -Width 4096
        foreach ($p in $config.PSObject.Properties) { $p.Name; $p.Value | Format-List * -Force | Out-String -Width 4096 }
        $config | ConvertTo-Json -Depth 5
        Mark "config-read $(Split-Path -Leaf $ini)" ($null -ne $config)
    }
    Step "Test-SmartEmailConfiguration -Detailed $ini" {
        Test-SmartEmailConfiguration -Path $ini -Detailed -Verbose -Debug | ForEach-Object { $_; $_ | Format-List * -Force | Out-String -Width 4096 }
    }
}
Mark 'decrypts' ((Get-SmartEmailConfiguration -Path $C.ImapIni -WarningAction SilentlyContinue -Verbose:$false).Mail.User)
'@
        Get-Mark $text 'api-password-encrypted' | Should -Be 'True' -Because $text
        Get-Mark $text 'config-read plain.ini' | Should -Be 'True' -Because $text
        Get-Mark $text 'config-read imap.ini' | Should -Be 'True' -Because $text
        Get-Mark $text 'decrypts' | Should -Be 'alice' -Because 'the encrypted [Mail] User must decrypt'
        foreach ($ini in $ImapIni, $WrongMailIni, $LegacyIni, $AppIni, $WrongAppIni, $PfxIni, $UserIni, $ApiIni) {
            $ini | Should -FileContentMatch '(?m)^OpConUserPassword=SE1:|^ApiPassword=SE1:'
        }
        $ImapIni | Should -FileContentMatch '(?m)^Password=SE1:AES:'
        $AppIni | Should -FileContentMatch '(?m)^ClientSecret=SE1:AES:'
        $PfxIni | Should -FileContentMatch '(?m)^CertificatePassword=SE1:AES:'
        [IO.File]::ReadAllText($PlainIni) | Should -BeExactly $PlainText -Because 'reading and testing a configuration changes nothing'
    }

    It 'reads IMAP and POP3 with protocol logs, tests the rules, submits to MSGIN and the REST API, saves and removes' {
        Clear-TestMailbox alice
        Add-Mail alice 'scheduler@smartemail.test' 'Job 41 finished'
        Add-Mail alice 'intruder@elsewhere.example' 'Job 99 finished'
        Add-Mail alice 'scheduler@smartemail.test' 'Remove me'
        $null = Invoke-OpConApi '/_control/reset'
        $text = Invoke-SweepChild 'mailbox and events' @'
$mail = New-Cred 'alice' $env:SWEEP_MAIL_PW
$logs = Join-Path $C.Work 'logs'
Step 'Get-SmartEmailMessage IMAP (INI)' {
    $script:imap = @(Get-SmartEmailMessage -Path $C.ImapIni -ProtocolLogPath (Join-Path $logs 'imap-protocol.log') -Verbose -Debug)
    $script:imap
    Mark 'imap-read' $script:imap.Count
}
Step 'Get-SmartEmailMessage POP3 (-Server -Credential)' {
    $pop = @(Get-SmartEmailMessage -Server 127.0.0.1 -Port $C.Pop3sPort -Protocol POP -TlsMode Implicit -AcceptSelfSignedCertificate -Credential $mail -ProtocolLogPath (Join-Path $logs 'pop3-protocol.log') -Verbose -Debug)
    $pop
    Mark 'pop3-read' $pop.Count
}
Step 'Get-SmartEmailMessage IMAP plain (-Server -Credential)' {
    $plain = @(Get-SmartEmailMessage -Server 127.0.0.1 -Port $C.ImapsPort -Protocol IMAP -TlsMode Implicit -AcceptSelfSignedCertificate -Credential $mail -ProtocolLogPath (Join-Path $logs 'imap-server-protocol.log') -Verbose -Debug)
    Mark 'imap-server-read' $plain.Count
}
foreach ($protocol in 'IMAP', 'POP') {
    Step "wrong mailbox password $protocol" {
        $port = if ($protocol -eq 'IMAP') { $C.ImapsPort } else { $C.Pop3sPort }
        try {
            Get-SmartEmailMessage -Server 127.0.0.1 -Port $port -Protocol $protocol -TlsMode Implicit -AcceptSelfSignedCertificate -Credential (New-Cred 'alice' $env:SWEEP_WRONG_MAIL_PW) -ProtocolLogPath (Join-Path $logs "wrong-$protocol-protocol.log") -Verbose -Debug -ErrorAction Stop
        } catch {
            $_
            Mark "wrong-mail-$protocol" ($_.FullyQualifiedErrorId -replace ',.*')
        }
    }
}
Step 'Test-SmartEmailRule' {
    $script:results = @($script:imap | Test-SmartEmailRule -Path $C.ImapIni -Verbose -Debug)
    $script:results
    Mark 'accepted' @($script:results | Where-Object Outcome -EQ 'Accepted').Count
}
Step 'Submit-SmartEmailEvent RuleResults to MSGIN (INI credentials)' {
    $out = @($script:results | Submit-SmartEmailEvent -Path $C.ImapIni -MsgInDirectory (Join-Path $C.Work 'submit-msgin') -Verbose -Debug)
    $out
    Mark 'submitted-ini' $out.Count
}
Step 'Submit-SmartEmailEvent -Event to MSGIN (-OpConCredential)' {
    $events = '$CONSOLE:DISPLAY,sweep', "`$CONSOLE:DISPLAY,already,ocadm,$env:SWEEP_OPCON_PW", "`$CONSOLE:DISPLAY,caf$([char]0xE9)"
    $out = @(Submit-SmartEmailEvent -Event $events -MsgInDirectory (Join-Path $C.Work 'submit-msgin') -OpConCredential (New-Cred 'ocadm' $env:SWEEP_OPCON_PW) -Verbose -Debug)
    $out
    Mark 'submitted-cred' $out.Count
}
Step 'Submit-SmartEmailEvent -WhatIf' {
    Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,whatif' -MsgInDirectory (Join-Path $C.Work 'submit-msgin') -OpConCredential (New-Cred 'ocadm' $env:SWEEP_OPCON_PW) -WhatIf -Verbose -Debug
}
Step 'Submit-SmartEmailEvent to the REST API' {
    $out = @(Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,api sweep' -Path $C.ApiIni -Verbose -Debug)
    $out += @($script:results | Submit-SmartEmailEvent -Path $C.ApiIni -Verbose -Debug)
    $out
    Mark 'submitted-api' $out.Count
}
Step 'Submit-SmartEmailEvent to the REST API, wrong password (401)' {
    Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,api wrong' -Path $C.ApiIni -ApiCredential (New-Cred 'apiuser' $env:SWEEP_WRONG_API_PW) -Verbose -Debug -ErrorVariable errs
    Mark 'api-wrong' ($errs[0].FullyQualifiedErrorId -replace ',.*')
}
Step 'Save-SmartEmailMessage' {
    $saved = @($script:imap | Save-SmartEmailMessage -Destination (Join-Path $C.Work 'saved') -Verbose -Debug)
    $saved
    Mark 'saved' @(Get-ChildItem (Join-Path $C.Work 'saved') -Filter *.eml).Count
}
Step 'Remove-SmartEmailMessage' {
    $script:imap | Where-Object Subject -EQ 'Remove me' | Remove-SmartEmailMessage -Confirm:$false -PassThru -Verbose -Debug
    Mark 'left' @(Get-SmartEmailMessage -Path $C.ImapIni -Verbose:$false -WarningAction SilentlyContinue).Count
}
'@
        Get-Mark $text 'imap-read' | Should -Be 3 -Because $text
        Get-Mark $text 'pop3-read' | Should -Be 3
        Get-Mark $text 'imap-server-read' | Should -Be 3
        Get-Mark $text 'wrong-mail-IMAP' | Should -Match '^Mailbox' -Because 'the wrong mailbox password was refused'
        Get-Mark $text 'wrong-mail-POP' | Should -Match '^Mailbox'
        Get-Mark $text 'accepted' | Should -Be 1
        Get-Mark $text 'submitted-ini' | Should -Be 1
        Get-Mark $text 'submitted-cred' | Should -Be 2 -Because 'the event with the e acute is refused'
        Get-Mark $text 'submitted-api' | Should -Be 2
        Get-Mark $text 'api-wrong' | Should -Be 'ApiAuthenticationFailed'
        Get-Mark $text 'saved' | Should -Be 3
        Get-Mark $text 'left' | Should -Be 2
        $rx = Get-OpConReceived
        # Each Submit-SmartEmailEvent asks for its own token.
        ($rx | ForEach-Object { "$($_.path) $($_.status)" }) | Should -Be @('/api/tokens 201', '/api/opconEventsCollection 201', '/api/tokens 201', '/api/opconEventsCollection 201', '/api/tokens 401')
        $rx[0].body | Should -BeLike "*$($Secrets['OpCon API password'])*" -Because 'the API password was used'
        $rx[1].authorization | Should -BeExactly "Token $($rx[0].issuedToken)"
        $rx[3].authorization | Should -BeExactly "Token $($rx[2].issuedToken)"
        $ApiTokens.Count | Should -Be 2
        foreach ($log in 'imap-protocol.log', 'pop3-protocol.log', 'imap-server-protocol.log') {
            (Get-Item (Join-Path $Work "logs/$log")).Length | Should -BeGreaterThan 100 -Because "$log must hold the conversation"
        }
        Join-Path $Work 'logs/pop3-protocol.log' | Should -FileContentMatch '(?m)^C: (PASS|AUTH|USER|APOP)'
    }

    It 'reports a refused API token (401 twice) without the tokens' {
        $null = Invoke-OpConApi '/_control/reset'
        $null = Invoke-OpConApi '/_control/expire' -Body @{ future = $true }
        $text = Invoke-SweepChild 'API token refused' @'
Step 'Submit-SmartEmailEvent with born-expired tokens' {
    Submit-SmartEmailEvent -Event '$CONSOLE:DISPLAY,api expired' -Path $C.ApiIni -Verbose -Debug -ErrorVariable errs
    Mark 'api-expired' ($errs[0].FullyQualifiedErrorId -replace ',.*')
}
'@
        Get-Mark $text 'api-expired' | Should -Be 'ApiFailed' -Because $text
        $rx = Get-OpConReceived
        ($rx | ForEach-Object { "$($_.path) $($_.status)" }) | Should -Be @('/api/tokens 201', '/api/opconEventsCollection 401', '/api/tokens 201', '/api/opconEventsCollection 401')
        $ApiTokens.Count | Should -Be 4
        $null = Invoke-OpConApi '/_control/reset'
    }

    It 'runs the job with audit files, notices, downloads and state, and a wrong mailbox password' {
        Clear-TestMailbox alice
        Clear-TestMailbox bob
        Add-Mail alice 'scheduler@smartemail.test' 'Job 41 finished'
        Add-Mail alice 'scheduler@smartemail.test' 'Job 42 finished'
        Add-Mail alice 'intruder@elsewhere.example' 'Job 99 finished'
        $text = Invoke-SweepChild 'run' @'
Step 'Invoke-SmartEmailRun' {
    $r = Invoke-SmartEmailRun -Path $C.ImapIni -Verbose -Debug
    $r
    $r | ConvertTo-Json -Depth 5
    $r | Format-List * -Force | Out-String -Width 4096
    $r.Results | Format-List * -Force | Out-String -Width 4096
    $r.Events
    Mark 'run' "exit=$($r.ExitCode) scanned=$($r.Scanned) accepted=$($r.Accepted) rejected=$($r.Rejected) events=$($r.EventsSubmitted) notified=$($r.Notified) downloaded=$($r.Downloaded) deleted=$($r.Deleted)"
}
Step 'Invoke-SmartEmailRun -WhatIf' { Invoke-SmartEmailRun -Path $C.ImapIni -WhatIf -Verbose -Debug | ConvertTo-Json -Depth 5 }
Step 'Invoke-SmartEmailRun wrong mailbox password' {
    $r = Invoke-SmartEmailRun -Path $C.WrongMailIni -Verbose -Debug
    $r | ConvertTo-Json -Depth 5
    $r.Errors | Format-List * -Force | Out-String -Width 4096
    Mark 'wrong-run' "exit=$($r.ExitCode) errors=$($r.Errors.Count)"
}
'@
        Get-Mark $text 'run' | Should -Be 'exit=0 scanned=3 accepted=2 rejected=1 events=3 notified=3 downloaded=2 deleted=2' -Because $text
        Get-Mark $text 'wrong-run' | Should -Match '^exit=2 errors=[1-9]'
        $events = @(Get-ChildItem (Join-Path $Work 'msgin') -File)
        $events.Count | Should -Be 3
        foreach ($e in $events) { Get-Content -Raw $e.FullName | Should -Match ",ocadm,$([regex]::Escape($Secrets['OpCon event password']))`r`n$" }
        foreach ($log in 'accept.log', 'reject.log', 'events.log') { (Get-Item (Join-Path $Work "logs/$log")).Length | Should -BeGreaterThan 0 }
        "$ImapIni.state.json" | Should -Exist
        @(Get-ChildItem (Join-Path $Work 'received') -Filter *.eml).Count | Should -Be 2
        $notices = @(Get-TestMessage -User bob)
        $notices.Count | Should -Be 3
        ($notices | ForEach-Object { $_.TextBody }) -join "`n" | Should -Match 'generated event: \$JOB:ADD,SCHED,job41,FREQ'
        foreach ($n in $notices) { $Captured.Add([pscustomobject]@{ Name = "notice '$($n.Subject)'"; Text = $n.ToString() }) }
    }

    It 'reads Office 365 app-only with a client secret and a .pfx, runs, and names a wrong secret' {
        Clear-TestMailbox carol
        Add-Mail carol 'scheduler@smartemail.test' 'Job 51 finished'
        $text = Invoke-SweepChild 'MSAL app-only' @'
$logs = Join-Path $C.Work 'logs'
# First, while the token cache holds no token of this app (MSAL would serve the cached one whatever the secret).
$legacy = Join-Path (Split-Path $env:SMARTEMAIL_MODULE_PATH) 'smartemail.ps1'
$exe = [Environment]::ProcessPath
[string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
Step 'smartemail.ps1 --msal (wrong secret)' {
    & $exe @prefix -NoProfile -NonInteractive -File $legacy --msal "-inifile:$($C.WrongAppIni)" 2>&1
    Mark 'legacy-msal-wrong' $LASTEXITCODE
}
Step 'wrong client secret' {
    try { Get-SmartEmailMessage -Path $C.WrongAppIni -Verbose -Debug -ErrorAction Stop } catch { $_; Mark 'wrong-secret' ($_.Exception.Message -match 'AADSTS7000215') }
    $r = Invoke-SmartEmailRun -Path $C.WrongAppIni -Verbose -Debug
    $r | ConvertTo-Json -Depth 5
    Mark 'wrong-secret-run' $r.ExitCode
}
Step 'Request-SmartEmailToken app-only' {
    $s = Request-SmartEmailToken -Path $C.AppIni -Verbose -Debug
    $s; $s | ConvertTo-Json -Depth 5
    Mark 'app-token' "$($s.Mode) $($s.Method)"
}
Step 'Get-SmartEmailMessage MSAL IMAP' {
    $m = @(Get-SmartEmailMessage -Path $C.AppIni -ProtocolLogPath (Join-Path $logs 'msal-imap-protocol.log') -Verbose -Debug)
    $m
    Mark 'msal-read' $m.Count
}
Step 'Get-SmartEmailMessage MSAL POP3 with the .pfx' {
    $m = @(Get-SmartEmailMessage -Path $C.PfxIni -ProtocolLogPath (Join-Path $logs 'msal-pop3-protocol.log') -Verbose -Debug)
    $m
    Mark 'pfx-read' $m.Count
}
Step 'Invoke-SmartEmailRun MSAL' {
    $r = Invoke-SmartEmailRun -Path $C.AppIni -Verbose -Debug
    $r | ConvertTo-Json -Depth 5
    Mark 'msal-run' "exit=$($r.ExitCode) events=$($r.EventsSubmitted)"
}
Step 'smartemail.ps1 --msal --renewMsalToken (app-only)' {
    & $exe @prefix -NoProfile -NonInteractive -File $legacy --msal --renewMsalToken "-inifile:$($C.AppIni)" 2>&1
    Mark 'legacy-msal-renew' $LASTEXITCODE
}
'@
        Get-Mark $text 'app-token' | Should -Be 'AppOnly ClientSecret' -Because $text
        Get-Mark $text 'msal-read' | Should -Be 1
        Get-Mark $text 'pfx-read' | Should -Be 1
        Get-Mark $text 'msal-run' | Should -Be 'exit=0 events=1'
        Get-Mark $text 'wrong-secret' | Should -Be 'True'
        Get-Mark $text 'wrong-secret-run' | Should -Be 2
        Get-Mark $text 'legacy-msal-renew' | Should -Be 0
        Get-Mark $text 'legacy-msal-wrong' | Should -Be 2
        @(Get-TestOAuthLog -GrantType client_credentials | Where-Object { $_.client_id -eq $AppId -and $_.status -eq 200 }).Count | Should -BeGreaterThan 0
        @(Get-TestOAuthLog -GrantType client_credentials | Where-Object { $_.client_id -eq $PfxApp -and $_.status -eq 200 }).Count | Should -BeGreaterThan 0
        @(Get-TestOAuthLog -GrantType client_credentials | Where-Object { $_.client_id -eq $AppId -and $_.status -ne 200 }).Count | Should -BeGreaterThan 0
        @(Get-TestOAuthLog -Introspection | Where-Object { $_.user -eq 'carol' -and $_.active }).Count | Should -BeGreaterThan 0
        @(Get-ChildItem (Join-Path $Work 'msal-msgin') -File).Count | Should -Be 1
        (Get-Item (Join-Path $Work 'logs/msal-imap-protocol.log')).Length | Should -BeGreaterThan 100
        Join-Path $Work 'logs/msal-imap-protocol.log' | Should -FileContentMatch 'AUTHENTICATE XOAUTH2|AUTHENTICATE OAUTHBEARER'
    }

    It 'signs a user in with a device code, and the runs refresh the token silently' {
        Clear-TestMailbox carol
        Add-Mail carol 'scheduler@smartemail.test' 'Job 61 finished'
        $child = Start-SweepChild 'device code sign-in' @'
Step 'Request-SmartEmailToken -DeviceCode' {
    $s = Request-SmartEmailToken -Path $C.UserIni -DeviceCode -Verbose -Debug
    $s; $s | ConvertTo-Json -Depth 5
    Mark 'signed-in' "$($s.Method) $($s.Account) $($s.Saved)"
}
'@
        try { $approved = Approve-TestDeviceCode -User carol -ClientId $UserApp -TimeoutSeconds 45 }
        catch {
            if (-not $child.Process.HasExited) { $child.Process.Kill() }
            $child.Process.WaitForExit()
            throw "$_ The sign-in said: $((Get-Content -Raw -LiteralPath $child.Out) + (Get-Content -Raw -LiteralPath $child.Err))"
        }
        $signIn = Wait-SweepChild $child
        Get-Mark $signIn 'signed-in' | Should -Be 'DeviceCode carol True' -Because $signIn
        $signIn | Should -Match ([regex]::Escape($approved.user_code))
        # Access tokens under MSAL's 5-minute margin: every acquisition below uses the refresh token.
        Set-TestOAuthSettings -AccessTokenLifetime 60 | Out-Null
        $before = @(Get-TestOAuthLog -GrantType refresh_token | Where-Object status -EQ 200).Count
        $text = Invoke-SweepChild 'delegated runs' @'
Step 'Get-SmartEmailMessage delegated' {
    $m = @(Get-SmartEmailMessage -Path $C.UserIni -ProtocolLogPath (Join-Path $C.Work 'logs/user-imap-protocol.log') -Verbose -Debug)
    $m
    Mark 'user-read' $m.Count
}
Step 'Invoke-SmartEmailRun delegated' {
    $r = Invoke-SmartEmailRun -Path $C.UserIni -Verbose -Debug
    $r | ConvertTo-Json -Depth 5
    Mark 'user-run' "exit=$($r.ExitCode) events=$($r.EventsSubmitted)"
}
Step 'Request-SmartEmailToken -Silent' {
    $s = Request-SmartEmailToken -Path $C.UserIni -Silent -Verbose -Debug
    $s; $s | ConvertTo-Json -Depth 5
    Mark 'silent' "$($s.Method) $($s.Account)"
}
$legacy = Join-Path (Split-Path $env:SMARTEMAIL_MODULE_PATH) 'smartemail.ps1'
$exe = [Environment]::ProcessPath
[string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
Step 'smartemail.ps1 --msal --renewMsalToken --renewTokenSilent' {
    & $exe @prefix -NoProfile -NonInteractive -File $legacy --msal --renewMsalToken --renewTokenSilent "-inifile:$($C.UserIni)" 2>&1
    Mark 'legacy-renew-silent' $LASTEXITCODE
}
'@
        Get-Mark $text 'user-read' | Should -Be 1 -Because $text
        Get-Mark $text 'user-run' | Should -Be 'exit=0 events=1'
        Get-Mark $text 'silent' | Should -Be 'Refresh carol'
        Get-Mark $text 'legacy-renew-silent' | Should -Be 0
        (@(Get-TestOAuthLog -GrantType refresh_token | Where-Object status -EQ 200).Count - $before) | Should -BeGreaterThan 1 -Because 'the refresh token was used'
        $UserIni | Should -FileContentMatch '(?m)^User=carol\r?$'
        Set-TestOAuthSettings -AccessTokenLifetime 3600 | Out-Null
    }

    It 'runs smartemail.ps1 --credentials and the job it stored' {
        Clear-TestMailbox alice
        Add-Mail alice 'scheduler@smartemail.test' 'Job 71 finished'
        $text = Invoke-SweepChild 'legacy' @'
$legacy = Join-Path (Split-Path $env:SMARTEMAIL_MODULE_PATH) 'smartemail.ps1'
$exe = [Environment]::ProcessPath
[string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
Step 'smartemail.ps1 --credentials' {
    & $exe @prefix -NoProfile -NonInteractive -File $legacy --credentials '-user:alice' "-password:$env:SWEEP_MAIL_PW" '-opconuser:ocadm' "-opconpassword:$env:SWEEP_OPCON_PW" "-inifile:$($C.LegacyIni)" 2>&1
    Mark 'legacy-credentials' $LASTEXITCODE
}
Step 'smartemail.ps1 run' {
    & $exe @prefix -NoProfile -NonInteractive -File $legacy "-inifile:$($C.LegacyIni)" --imap 2>&1
    Mark 'legacy-run' $LASTEXITCODE
}
'@
        Get-Mark $text 'legacy-credentials' | Should -Be 0 -Because $text
        Get-Mark $text 'legacy-run' | Should -Be 0
        $LegacyIni | Should -FileContentMatch '(?m)^Password=SE1:'
        $events = @(Get-ChildItem (Join-Path $Work 'legacy-msgin') -File)
        $events.Count | Should -Be 1
        Get-Content -Raw $events[0].FullName | Should -BeExactly "`$JOB:ADD,SCHED,job71,FREQ,ocadm,$($Secrets['OpCon event password'])`r`n"
    }

    It 'keeps the key file 0600 in a 0700 folder, the token cache 0600, and an INI''s own mode through every rewrite' {
        $key = Join-Path $Config 'smartemail/secret.key'
        $key | Should -Exist
        (Get-Item $key).Length | Should -Be 32
        Get-Mode $key | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        Get-Mode (Join-Path $Config 'smartemail') | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        $cache = Join-Path $Config 'smartemail/msal-token-cache.dat'
        Get-Content -Raw $cache | Should -Match '^SE1:AES:'
        Get-Mode $cache | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        # IniDocument.Save writes a copy of the original and renames it over it: the INI keeps the mode it had, after
        # Set-SmartEmailCredential, a run's LastRunDate and Request-SmartEmailToken's User and Tenant alike.
        $ImapIni | Should -FileContentMatch '(?m)^LastRunDate=' -Because 'the run rewrote the INI'
        $UserIni | Should -FileContentMatch '(?m)^Tenant='
        foreach ($ini in $ImapIni, $WrongMailIni, $LegacyIni, $PfxIni, $UserIni, $ApiIni) {
            Get-Mode $ini | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') -Because "$ini was 0600"
        }
        Get-Mode $AppIni | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, GroupRead') -Because 'a 0640 INI stays 0640'
        @(Get-ChildItem $Work -Force -Filter '.*.tmp').Count | Should -Be 0 -Because 'no temporary INI copy is left behind'
    }

    It 'finds no secret and no token anywhere but the OpCon password in the MSGIN event files' {
        # Every place: the captured outputs, the notices, and every file under TestDrive (binary files as Latin-1).
        $places = [System.Collections.Generic.List[object]]::new()
        foreach ($c in $Captured) { $places.Add($c) }
        $files = @(Get-ChildItem $TestDrive -Recurse -File -Force)
        foreach ($f in $files) {
            $places.Add([pscustomobject]@{ Name = $f.FullName.Substring($TestDrive.Length + 1); Text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($f.FullName)); File = $f.FullName })
        }
        $places.Count | Should -BeGreaterThan 30
        @($Captured | Where-Object Name -Like 'output of *').Count | Should -Be 8
        @($Captured | Where-Object Name -Like 'notice *').Count | Should -Be 3
        $ApiTokens.Count | Should -Be 4
        $kinds = 'imap-protocol.log', 'pop3-protocol.log', 'msal-imap-protocol.log', 'user-imap-protocol.log', 'accept.log', 'reject.log', 'events.log', 'api-events.log', 'imap.ini.state.json'
        foreach ($k in $kinds) { @($files | Where-Object Name -EQ $k).Count | Should -Be 1 -Because "$k must be among the files searched" }
        @($files | Where-Object Extension -EQ '.eml').Count | Should -BeGreaterOrEqual 5

        $search = [ordered]@{}
        foreach ($k in $Secrets.Keys) { $search[$k] = $Secrets[$k] }
        for ($i = 0; $i -lt $ApiTokens.Count; $i++) { $search["OpCon API token $($i + 1)"] = $ApiTokens[$i] }
        $eventPassword = $Secrets['OpCon event password']
        $msgInFiles = @($files | Where-Object { $_.DirectoryName -in $MsgInFolders }).FullName
        # msgin 3 (2 accepted, 1 RejectEvent), submit-msgin 3, msal-msgin 1, user-msgin 1, legacy-msgin 1
        $msgInFiles.Count | Should -Be 9

        $hits = [System.Collections.Generic.List[string]]::new()
        foreach ($p in $places) {
            $texts = [System.Collections.Generic.List[string]]::new()
            $texts.Add($p.Text)
            # SASL PLAIN, XOAUTH2 and other encodings carry secrets in base64: decode every base64 run and search it too.
            foreach ($m in [regex]::Matches($p.Text, '[A-Za-z0-9+/]{16,}={0,2}')) {
                $b = $m.Value
                if ($b.Length % 4 -ne 0) { $b = $b.Substring(0, $b.Length - $b.Length % 4) }
                try { $texts.Add([Text.Encoding]::Latin1.GetString([Convert]::FromBase64String($b))) } catch { }
            }
            $isPlainIni = $p.PSObject.Properties['File'] -and $p.File -eq $PlainIni
            $isMsgIn = $p.PSObject.Properties['File'] -and $p.File -in $msgInFiles
            foreach ($t in $texts) {
                foreach ($k in $search.Keys) {
                    if ($isPlainIni -and $k -in 'mailbox password', 'OpCon event password', 'OpCon API password', 'client secret', 'pfx password') { continue }
                    if ($isMsgIn -and $k -eq 'OpCon event password') { continue }
                    $at = $t.IndexOf($search[$k], [StringComparison]::Ordinal)
                    if ($at -ge 0) {
                        $from = [Math]::Max(0, $at - 80)
                        $hits.Add("$($p.Name) holds the $k`: ...$($t.Substring($from, [Math]::Min($t.Length - $from, 80 + $search[$k].Length + 40)) -replace '\s+', ' ' -replace '[^ -~]', '.')...")
                    }
                }
                $jwt = [regex]::Match($t, $JwtPattern)
                if ($jwt.Success) { $hits.Add("$($p.Name) holds an identity provider token: $($jwt.Value.Substring(0, 20))...") }
            }
        }
        # One line per hit (control characters of decoded base64 shown as dots, so the report stays valid XML).
        (@($hits | Select-Object -Unique) -join "`n") | Should -BeNullOrEmpty

        # Where the OpCon password must be: in every MSGIN event file, as OpCon wants it, ",user,password" and CRLF.
        foreach ($f in $msgInFiles) { [IO.File]::ReadAllText($f) | Should -Match ",ocadm,$([regex]::Escape($eventPassword))`r`n$" }
        # And the plain INI still holds what the admin typed (so the exception for it hides nothing else).
        [IO.File]::ReadAllText($PlainIni) | Should -BeExactly $PlainText
    }
}
