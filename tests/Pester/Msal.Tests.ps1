#Requires -Version 7.2
# EmailProtocol=MSAL for real, offline: the built module, in fresh pwsh processes, gets its tokens through MSAL from the
# Entra ID stand-in (tests/services/oauth_server.py) and signs in to the private dovecot with XOAUTH2 over IMAP and POP3.
# The children trust exactly the harness certificate (SSL_CERT_FILE), as a machine trusts Microsoft's; each test has
# its own configuration folder (XDG_CONFIG_HOME), so its key file and token cache are its own.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    $Module = Get-ModuleUnderTest
    $Service = Get-TestService
    $Secret = 'Xq7~client.secret-VALUE-8f3e'
    $PwshExe = [Environment]::ProcessPath
    $PwshPrefix = @(if ([IO.Path]::GetFileNameWithoutExtension($PwshExe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })

    function New-MsalIni {
        param(
            [string] $Folder,
            [string] $ClientId,
            [string] $Tenant = 'contoso.test',
            [string] $User,
            [string] $Protocol = 'IMAP',
            [string[]] $Extra = @()
        )
        New-Item -ItemType Directory -Force (Join-Path $Folder 'msgin') | Out-Null
        $port = if ($Protocol -eq 'POP') { $Service.pop3.tlsPort } else { $Service.imap.tlsPort }
        $lines = @(
            '[General]', "MSGINDirectory=$(Join-Path $Folder 'msgin')", 'DeleteEmails=NONE', 'ExitCodeForNoMatchingEmails=3'
            'OpConUser=ocadm', 'OpConUserPassword=ext-event-pw'
            '[Mail]', 'EmailProtocol=MSAL', "MsalMailProtocol=$Protocol", 'Server=localhost', "Port=$port", 'TlsMode=Implicit'
            "Authority=$($Service.oauth.authority.TrimEnd('/'))", "ClientId=$ClientId"
        )
        if ($Tenant) { $lines += "Tenant=$Tenant" }
        if ($User) { $lines += "User=$User" }
        $lines += $Extra
        $lines += '[Configuration1]', 'SubjectLineMask=^Job (\d+) finished$', 'AllowedSenders=ALL', 'Event=$JOB:ADD,SCHED,job[[1]],FREQ'
        $ini = Join-Path $Folder 'SMArtEmail.ini'
        Set-Content -LiteralPath $ini -Value $lines -Encoding utf8
        $ini
    }

    function Add-JobMail {
        param([string] $User, [int] $Number)
        $eml = Join-Path $TestDrive "job$Number-$([guid]::NewGuid().ToString('N')).eml"
        Set-Content -LiteralPath $eml -Encoding ascii -Value @(
            'From: scheduler@smartemail.test', "To: $User@smartemail.test", "Subject: Job $Number finished",
            "Message-ID: <job$Number.$([guid]::NewGuid().ToString('N'))@smartemail.test>", 'Date: Wed, 25 Nov 2026 10:00:00 +0000', '', 'done')
        $null = Add-TestMessage -User $User -Path $eml
    }

    # The environment a child runs with: the harness certificate as the only trusted root, its own config folder, and
    # no browser unless a test gives one.
    function Use-ChildEnvironment {
        param([string] $Config, [string] $Browser)
        $env:SSL_CERT_FILE = $Service.certificate
        $env:XDG_CONFIG_HOME = $Config
        $env:BROWSER = $Browser
        $env:DISPLAY = $null
        $env:WAYLAND_DISPLAY = $null
    }

    function Invoke-Child {
        param([string] $Script, [string] $Config, [string] $Browser)
        $saved = @{}
        foreach ($name in 'SSL_CERT_FILE', 'XDG_CONFIG_HOME', 'BROWSER', 'DISPLAY', 'WAYLAND_DISPLAY') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            Use-ChildEnvironment -Config $Config -Browser $Browser
            $result = Invoke-FreshPwsh -Script ("`$ErrorActionPreference = 'Stop'`nImport-Module '$Module'`n" + $Script)
            $script:AllOutput.Add(($result.Output -join "`n"))
            $result
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    # Starts a child in the background (a sign-in that waits for the test to approve its device code).
    function Start-Child {
        param([string] $Script, [string] $Config, [string] $Browser)
        $file = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $file -Encoding utf8 -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '$Module'`n" + $Script)
        $saved = @{}
        foreach ($name in 'SSL_CERT_FILE', 'XDG_CONFIG_HOME', 'BROWSER', 'DISPLAY', 'WAYLAND_DISPLAY') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            Use-ChildEnvironment -Config $Config -Browser $Browser
            $out = "$file.out"
            $process = Start-Process -FilePath $PwshExe -ArgumentList ($PwshPrefix + @('-NoProfile', '-NonInteractive', '-File', $file)) `
                -RedirectStandardOutput $out -RedirectStandardError "$file.err" -PassThru
            [pscustomobject]@{ Process = $process; Out = $out; Err = "$file.err" }
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    function Wait-Child {
        param($Child)
        if (-not $Child.Process.WaitForExit(90000)) { $Child.Process.Kill(); throw 'The child did not finish within 90 s.' }
        $Child.Process.WaitForExit()
        $text = (Get-Content -Raw -LiteralPath $Child.Out) + (Get-Content -Raw -LiteralPath $Child.Err)
        $script:AllOutput.Add($text)
        [pscustomobject]@{ Output = $text; ExitCode = $Child.Process.ExitCode }
    }

    # A delegated sign-in with a device code, approved by the test as the given user; returns the child's result.
    function Invoke-DeviceCodeSignIn {
        param([string] $Ini, [string] $Config, [string] $ClientId, [string] $User, [string] $Parameters = '-DeviceCode')
        $child = Start-Child -Config $Config -Script "Request-SmartEmailToken -Path '$Ini' $Parameters -InformationAction Continue | Format-List Mode, Method, Account, TenantId, Saved, Source, IniUpdated, RefreshTokenExpiresOn"
        try {
            $approved = Approve-TestDeviceCode -User $User -ClientId $ClientId -TimeoutSeconds 60
        }
        catch {
            if (-not $child.Process.HasExited) { $child.Process.Kill() }
            $child.Process.WaitForExit()
            throw "$_ The sign-in said: $((Get-Content -Raw -LiteralPath $child.Out) + (Get-Content -Raw -LiteralPath $child.Err))"
        }
        $result = Wait-Child $child
        $result | Add-Member UserCode $approved.user_code -PassThru
    }

    $script:AllOutput = [System.Collections.Generic.List[string]]::new()
    Reset-TestOAuth
    Set-TestOAuthSettings -AccessTokenLifetime 3600 | Out-Null
    $null = New-TestOAuthTenant -Domain 'contoso.test' -Id '8d1e4f02-6b1c-4c39-9a51-0c7a5e2b9f10'
}

AfterAll {
    Reset-TestOAuth
}

Describe 'App-only access (client credentials)' {
    BeforeAll {
        $appId = 'a9c3d8e1-0000-4000-8000-00000000a9c3'
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $appId -Secret $Secret -Mailbox alice
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId 'e0e0e0e0-0000-4000-8000-00000000e0e0' -Secret 'old-secret' -SecretExpired -Mailbox alice
    }

    BeforeEach {
        Clear-TestMailbox alice
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $config = Join-Path $folder 'config'
    }

    It 'reads the mailbox over IMAP with an encrypted client secret and submits the event' {
        Add-JobMail -User alice -Number 17
        $ini = New-MsalIni -Folder $folder -ClientId $appId -User alice
        $r = Invoke-Child -Config $config -Script @"
Set-SmartEmailCredential -Path '$ini' -ClientSecret (ConvertTo-SecureString '$Secret' -AsPlainText -Force)
`$run = Invoke-SmartEmailRun -Path '$ini' -Verbose
"exit=`$(`$run.ExitCode) accepted=`$(`$run.Accepted)"
"@
        $r.Output -join "`n" | Should -Match 'exit=0 accepted=1'
        (Get-Content -Raw $ini) | Should -Match '(?m)^ClientSecret=SE1:'
        (Get-Content -Raw $ini) | Should -Not -Match ([regex]::Escape($Secret))
        $events = @(Get-ChildItem (Join-Path $folder 'msgin') -File)
        $events.Count | Should -Be 1
        Get-Content -Raw $events[0].FullName | Should -Match '\$JOB:ADD,SCHED,job17,FREQ'
        @(Get-TestOAuthLog -GrantType client_credentials | Where-Object client_id -EQ $appId | Where-Object status -EQ 200).Count | Should -BeGreaterThan 0
        @(Get-TestOAuthLog -Introspection | Where-Object { $_.user -eq 'alice' -and $_.active }).Count | Should -BeGreaterThan 0
    }

    It 'keeps the app token in the encrypted cache, so the next run asks Entra nothing' {
        Add-JobMail -User alice -Number 18
        $ini = New-MsalIni -Folder $folder -ClientId $appId -User alice -Extra "ClientSecret=$Secret"
        $before = @(Get-TestOAuthLog -GrantType client_credentials).Count
        $r = Invoke-Child -Config $config -Script "Get-SmartEmailMessage -Path '$ini' -WarningAction SilentlyContinue | ForEach-Object Subject; Get-SmartEmailMessage -Path '$ini' -WarningAction SilentlyContinue | ForEach-Object Subject"
        @($r.Output | Where-Object { $_ -eq 'Job 18 finished' }).Count | Should -Be 2
        $r2 = Invoke-Child -Config $config -Script "Get-SmartEmailMessage -Path '$ini' -WarningAction SilentlyContinue | ForEach-Object Subject"
        $r2.Output | Should -Contain 'Job 18 finished'
        (@(Get-TestOAuthLog -GrantType client_credentials).Count - $before) | Should -Be 1
        $cache = Join-Path $config 'smartemail/msal-token-cache.dat'
        Get-Content -Raw $cache | Should -Match '^SE1:AES:'
        (Get-Item $cache).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'does not let a cached token hide a changed client secret' {
        $ini = New-MsalIni -Folder $folder -ClientId $appId -User alice -Extra "ClientSecret=$Secret"
        $null = Invoke-Child -Config $config -Script "Request-SmartEmailToken -Path '$ini' -WarningAction SilentlyContinue | Out-Null"
        (Get-Content -Raw $ini).Replace("ClientSecret=$Secret", 'ClientSecret=rotated-but-wrong') | Set-Content -LiteralPath $ini -NoNewline
        $r = Invoke-Child -Config $config -Script "try { Get-SmartEmailMessage -Path '$ini' -WarningAction SilentlyContinue; 'read' } catch { `$_.Exception.Message }"
        ($r.Output -join "`n") | Should -Match 'AADSTS7000215'
        $r.Output | Should -Not -Contain 'read'
    }

    It 'gets a fresh token once when the mail server refuses the cached one' {
        Add-JobMail -User alice -Number 19
        $ini = New-MsalIni -Folder $folder -ClientId $appId -User alice -Extra "ClientSecret=$Secret"
        $null = Invoke-Child -Config $config -Script "Request-SmartEmailToken -Path '$ini' -WarningAction SilentlyContinue | Out-Null"
        $null = Set-TestAccessTokenExpired
        $before = @(Get-TestOAuthLog -GrantType client_credentials).Count
        $r = Invoke-Child -Config $config -Script "Get-SmartEmailMessage -Path '$ini' -WarningAction SilentlyContinue | ForEach-Object Subject"
        $r.Output | Should -Contain 'Job 19 finished'
        (@(Get-TestOAuthLog -GrantType client_credentials).Count - $before) | Should -Be 1
    }

    It 'reads over POP3 with a certificate (.pem with its key) instead of a secret' {
        $certApp = 'c3e7a1f0-0000-4000-8000-00000000c3e7'
        $pem = Join-Path $folder 'app.pem'
        New-Item -ItemType Directory -Force $folder | Out-Null
        & openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=SmartEmail test app' -keyout "$pem.key" -out "$pem.crt" 2>$null
        Set-Content -LiteralPath $pem -Value ((Get-Content -Raw "$pem.crt") + (Get-Content -Raw "$pem.key")) -NoNewline
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $certApp -CertificatePath "$pem.crt" -Mailbox alice
        Add-JobMail -User alice -Number 20
        $ini = New-MsalIni -Folder $folder -ClientId $certApp -User alice -Protocol POP -Extra "CertificatePath=$pem"
        $r = Invoke-Child -Config $config -Script "Get-SmartEmailMessage -Path '$ini' | ForEach-Object { `$_.Subject + ' via ' + `$_.Source }"
        $r.Output -join "`n" | Should -Match 'Job 20 finished via pop3://'
        @(Get-TestOAuthLog -GrantType client_credentials | Where-Object { $_.client_id -eq $certApp -and $_.status -eq 200 }).Count | Should -Be 1
    }

    It 'reads with a .pfx certificate whose password is stored encrypted' {
        $certApp = 'd4f8b2a1-0000-4000-8000-00000000d4f8'
        New-Item -ItemType Directory -Force $folder | Out-Null
        $pfx = Join-Path $folder 'app.pfx'
        & openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=SmartEmail pfx app' -keyout "$pfx.key" -out "$pfx.crt" 2>$null
        & openssl pkcs12 -export -in "$pfx.crt" -inkey "$pfx.key" -out $pfx -passout pass:pfx-Pa55 2>$null
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $certApp -CertificatePath "$pfx.crt" -Mailbox alice
        Add-JobMail -User alice -Number 21
        $ini = New-MsalIni -Folder $folder -ClientId $certApp -User alice -Extra "CertificatePath=$pfx"
        $r = Invoke-Child -Config $config -Script @"
Set-SmartEmailCredential -Path '$ini' -CertificatePassword (ConvertTo-SecureString 'pfx-Pa55' -AsPlainText -Force)
Get-SmartEmailMessage -Path '$ini' | ForEach-Object Subject
"@
        $r.Output | Should -Contain 'Job 21 finished'
        (Get-Content -Raw $ini) | Should -Match '(?m)^CertificatePassword=SE1:'
    }

    It 'names the fix when Entra refuses: <Case>' -ForEach @(
        @{ Case = 'wrong secret'; Extra = 'ClientSecret=not-the-secret'; Expected = 'AADSTS7000215.*Set-SmartEmailCredential -Path' }
        @{ Case = 'unknown app'; Extra = 'ClientSecret=x'; ClientId = 'ffffffff-0000-4000-8000-00000000ffff'; Expected = 'AADSTS700016.*not the Object ID' }
        @{ Case = 'unknown tenant'; Extra = 'ClientSecret=x'; Tenant = 'nowhere.test'; Expected = 'AADSTS90002.*tenant ID \(a GUID\)' }
        @{ Case = 'expired secret'; Extra = 'ClientSecret=old-secret'; ClientId = 'e0e0e0e0-0000-4000-8000-00000000e0e0'; Expected = 'AADSTS7000222.*has expired: add a new one' }
    ) {
        $ini = New-MsalIni -Folder $folder -ClientId ($ClientId ?? $appId) -User alice -Extra $Extra -Tenant ($Tenant ?? 'contoso.test')
        $r = Invoke-Child -Config $config -Script "try { Get-SmartEmailMessage -Path '$ini' -WarningAction SilentlyContinue } catch { 'ID=' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $text = $r.Output -join "`n"
        $text | Should -Match $Expected
        $text | Should -Match 'ID=Mailbox(Authentication|Configuration),'
    }

    It 'says which Exchange steps are missing when the mailbox refuses the app' {
        $otherApp = 'e5a9c3b2-0000-4000-8000-00000000e5a9'
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $otherApp -Secret $Secret -Mailbox bob
        $ini = New-MsalIni -Folder $folder -ClientId $otherApp -User alice -Extra "ClientSecret=$Secret"
        $r = Invoke-Child -Config $config -Script "try { Get-SmartEmailMessage -Path '$ini' -WarningAction SilentlyContinue } catch { 'ID=' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $text = $r.Output -join "`n"
        $text | Should -Match 'ID=MailboxAuthentication'
        $text | Should -Match "refused the token of app $otherApp for mailbox 'alice'"
        $text | Should -Match 'Add-MailboxPermission'
        $text | Should -Match 'New-ServicePrincipal'
    }

    It 'checks an app-only set-up with Request-SmartEmailToken, and smartemail.ps1 --msal runs the job' {
        Add-JobMail -User alice -Number 22
        $ini = New-MsalIni -Folder $folder -ClientId $appId -User alice -Extra "ClientSecret=$Secret"
        $legacy = Join-Path (Split-Path $Module) 'smartemail.ps1'
        $r = Invoke-Child -Config $config -Script @"
Request-SmartEmailToken -Path '$ini' -WarningAction SilentlyContinue | ForEach-Object { 'status ' + `$_.Mode + ' ' + `$_.Method + ' ' + `$_.Account + ' ' + `$_.Source }
& '$PwshExe' $($PwshPrefix -join ' ') -NoProfile -File '$legacy' --msal -inifile:'$ini' 2>&1 | Out-Null
'legacy exit ' + `$LASTEXITCODE
"@
        $r.Output | Should -Contain 'status AppOnly ClientSecret alice IdentityProvider'
        $r.Output | Should -Contain 'legacy exit 0'
        @(Get-ChildItem (Join-Path $folder 'msgin') -File).Count | Should -Be 1
    }
}

Describe 'A signed-in user (delegated)' {
    BeforeAll {
        $userApp = 'b1d2e3f4-0000-4000-8000-00000000b1d2'
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $userApp -Public
    }

    BeforeEach {
        Clear-TestMailbox alice
        Set-TestOAuthSettings -AccessTokenLifetime 3600 -RefreshTokenLifetime (90 * 86400) -ReportRefreshTokenExpiresIn $false | Out-Null
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $config = Join-Path $folder 'config'
    }

    It 'signs in with a device code, stores the sign-in encrypted, fills in User and Tenant, and runs refresh silently' {
        # Access tokens that live under MSAL's 5-minute margin are renewed by every run: a silent refresh each time.
        Set-TestOAuthSettings -AccessTokenLifetime 60 | Out-Null
        $ini = New-MsalIni -Folder $folder -ClientId $userApp -Tenant $null
        $r = Invoke-DeviceCodeSignIn -Ini $ini -Config $config -ClientId $userApp -User alice
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match "enter the code $($r.UserCode)"
        $r.Output | Should -Match 'Method\s+: DeviceCode'
        $r.Output | Should -Match 'Account\s+: alice'
        $r.Output | Should -Match 'IniUpdated\s+: True'
        $text = Get-Content -Raw $ini
        $text | Should -Match '(?m)^User=alice\r?$'
        $text | Should -Match '(?m)^Tenant=8d1e4f02-6b1c-4c39-9a51-0c7a5e2b9f10\r?$'
        $cache = Join-Path $config 'smartemail/msal-token-cache.dat'
        Get-Content -Raw $cache | Should -Match '^SE1:AES:'
        Get-Content -Raw $cache | Should -Not -Match 'alice'
        (Get-Item $cache).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')

        Add-JobMail -User alice -Number 30
        $before = @(Get-TestOAuthLog -GrantType refresh_token).Count
        $run = Invoke-Child -Config $config -Script "`$r = Invoke-SmartEmailRun -Path '$ini'; 'exit=' + `$r.ExitCode"
        $run.Output | Should -Contain 'exit=0'
        @(Get-ChildItem (Join-Path $folder 'msgin') -File).Count | Should -Be 1
        Add-JobMail -User alice -Number 31
        $run = Invoke-Child -Config $config -Script "`$r = Invoke-SmartEmailRun -Path '$ini'; 'exit=' + `$r.ExitCode"
        $run.Output | Should -Contain 'exit=0'
        @(Get-ChildItem (Join-Path $folder 'msgin') -File).Count | Should -Be 2
        (@(Get-TestOAuthLog -GrantType refresh_token | Where-Object status -EQ 200).Count - $before) | Should -Be 2
    }

    It 'fails with exit code 2 and names the command when the sign-in was <Case>' -ForEach @(
        @{ Case = 'revoked'; Code = 'AADSTS50173' }
        @{ Case = 'expired'; Code = 'AADSTS700082' }
    ) {
        $ini = New-MsalIni -Folder $folder -ClientId $userApp -User alice
        if ($Case -eq 'expired') { Set-TestOAuthSettings -RefreshTokenLifetime 2 | Out-Null }
        $null = Invoke-DeviceCodeSignIn -Ini $ini -Config $config -ClientId $userApp -User alice
        Set-TestOAuthSettings -AccessTokenLifetime 60 | Out-Null
        # Revoking ends both tokens; an expired refresh token needs its access token gone too before it is used.
        if ($Case -eq 'revoked') { $null = Revoke-TestOAuthToken -User alice } else { Start-Sleep -Seconds 3; $null = Set-TestAccessTokenExpired }
        $legacy = Join-Path (Split-Path $Module) 'smartemail.ps1'
        $r = Invoke-Child -Config $config -Script @"
`$run = Invoke-SmartEmailRun -Path '$ini' -ErrorAction SilentlyContinue
'exit=' + `$run.ExitCode
`$run.Errors
& '$PwshExe' $($PwshPrefix -join ' ') -NoProfile -File '$legacy' --msal -inifile:'$ini' 2>&1 | Out-Null
'legacy exit ' + `$LASTEXITCODE
"@
        $text = $r.Output -join "`n"
        $r.Output | Should -Contain 'exit=2'
        $r.Output | Should -Contain 'legacy exit 2'
        $text | Should -Match $Code
        $text | Should -Match ([regex]::Escape("Request-SmartEmailToken -Path '$ini'"))
        $text | Should -Match '--renewMsalToken'
    }

    It 'warns in the job output when the identity provider says the sign-in ends within 7 days' {
        Set-TestOAuthSettings -ReportRefreshTokenExpiresIn $true -RefreshTokenLifetime (3 * 86400) | Out-Null
        $ini = New-MsalIni -Folder $folder -ClientId $userApp -User alice
        $null = Invoke-DeviceCodeSignIn -Ini $ini -Config $config -ClientId $userApp -User alice
        Add-JobMail -User alice -Number 32
        $r = Invoke-Child -Config $config -Script "`$r = Invoke-SmartEmailRun -Path '$ini' 3>&1; `$r | Where-Object { `$_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object { 'WARNING: ' + `$_.Message }; 'exit=' + (`$r | Where-Object ExitCode -NE `$null).ExitCode"
        $text = $r.Output -join "`n"
        $r.Output | Should -Contain 'exit=0'
        $text | Should -Match "WARNING: The Office 365 sign-in of 'alice' ends on .* \(in 2 d 23 h\).*Request-SmartEmailToken -Path"
    }

    It 'renews the stored sign-in with -Silent (--renewTokenSilent), and -Silent without one says what to run' {
        $ini = New-MsalIni -Folder $folder -ClientId $userApp -User alice
        $legacy = Join-Path (Split-Path $Module) 'smartemail.ps1'
        $none = Invoke-Child -Config $config -Script "& '$PwshExe' $($PwshPrefix -join ' ') -NoProfile -File '$legacy' --msal --renewMsalToken --renewTokenSilent -inifile:'$ini' 2>&1; 'legacy exit ' + `$LASTEXITCODE"
        $none.Output | Should -Contain 'legacy exit 2'
        ($none.Output -join "`n") | Should -Match 'no Office 365 sign-in is stored'
        $null = Invoke-DeviceCodeSignIn -Ini $ini -Config $config -ClientId $userApp -User alice
        $before = @(Get-TestOAuthLog -GrantType refresh_token).Count
        $r = Invoke-Child -Config $config -Script @"
Request-SmartEmailToken -Path '$ini' -Silent | ForEach-Object { 'status ' + `$_.Method + ' ' + `$_.Account + ' ' + `$_.Source }
& '$PwshExe' $($PwshPrefix -join ' ') -NoProfile -File '$legacy' --msal --renewMsalToken --renewTokenSilent -inifile:'$ini' 2>&1 | Out-Null
'legacy exit ' + `$LASTEXITCODE
"@
        $r.Output | Should -Contain 'status Refresh alice IdentityProvider'
        $r.Output | Should -Contain 'legacy exit 0'
        (@(Get-TestOAuthLog -GrantType refresh_token).Count - $before) | Should -Be 2
    }

    It 'stores nothing with -DoNotSaveAccount' {
        $ini = New-MsalIni -Folder $folder -ClientId $userApp -Tenant $null
        $original = Get-Content -Raw $ini
        $r = Invoke-DeviceCodeSignIn -Ini $ini -Config $config -ClientId $userApp -User alice -Parameters '-DeviceCode -DoNotSaveAccount'
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match 'Saved\s+: False'
        Test-Path (Join-Path $config 'smartemail/msal-token-cache.dat') | Should -BeFalse
        Get-Content -Raw $ini | Should -Be $original
    }

    It 'falls back to a device code when no browser can open' {
        $ini = New-MsalIni -Folder $folder -ClientId $userApp -User alice
        $r = Invoke-DeviceCodeSignIn -Ini $ini -Config $config -ClientId $userApp -User alice -Parameters ''
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match 'No browser can be opened here \(there is no graphical display'
        $r.Output | Should -Match 'Method\s+: DeviceCode'
    }

    It 'signs in with the system browser (BROWSER) and the loopback redirect' {
        $ini = New-MsalIni -Folder $folder -ClientId $userApp -User alice
        $browser = Join-Path $TestDrive 'browser.sh'
        # The "browser": follows the sign-in page's redirect back to SmartEmail's loopback listener.
        Set-Content -LiteralPath $browser -Value "#!/bin/sh`ncurl -sk -L --max-time 30 -o /dev/null `"`$1`"`n"
        & chmod +x $browser
        Set-TestBrowserSignIn -User alice
        $r = Invoke-Child -Config $config -Browser $browser -Script "Request-SmartEmailToken -Path '$ini' -TimeoutMinutes 1 | ForEach-Object { 'status ' + `$_.Method + ' ' + `$_.Account + ' ' + `$_.Saved }"
        $r.Output | Should -Contain 'status Browser alice True'
        @(Get-TestOAuthLog -GrantType authorization_code | Where-Object status -EQ 200).Count | Should -BeGreaterThan 0
    }

    It 'names the missing consent' {
        $noConsent = 'f6b0d4c3-0000-4000-8000-00000000f6b0'
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $noConsent -Public -Consented $false
        $ini = New-MsalIni -Folder $folder -ClientId $noConsent -User alice
        $r = Invoke-DeviceCodeSignIn -Ini $ini -Config $config -ClientId $noConsent -User alice
        $r.ExitCode | Should -Not -Be 0
        $r.Output | Should -Match 'AADSTS65001'
        $r.Output | Should -Match 'Grant admin consent'
    }
}

Describe 'Notices of an Office 365 mailbox: SMTP with XOAUTH2' {
    # The SMTP sink offers XOAUTH2 as smtp.office365.com does: it asks the stand-in about the token, wants its user to
    # be the SASL user and a delegated token to carry SMTP.Send (an app token SMTP.SendAsApp), and logs its verdict.
    BeforeAll {
        $noticeApp = 'd4a5b6c7-0000-4000-8000-00000000d4a5'
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $noticeApp -Secret $Secret -Mailbox alice
        $noticeUserApp = 'd8e9f0a1-0000-4000-8000-00000000d8e9'
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $noticeUserApp -Public
        $sinkLog = Join-Path $Service.root 'log/smtp-sink.log'
        $noticeLines = @("SmtpServer=localhost", "SmtpPort=$($Service.smtp.port)", 'NotifyFrom=alice@smartemail.test')
        $noticeAudit = @('[Audit]', 'NotifyOnAccepts=True', 'NotifyOnAcceptTo=bob@smartemail.test')
        function Get-SinkVerdicts { @(Get-Content -LiteralPath $sinkLog | Where-Object { $_ -match 'xoauth2 user=' }) }
    }

    BeforeEach {
        Clear-TestMailbox alice
        Clear-TestMailbox bob
        Set-TestOAuthSettings -AccessTokenLifetime 3600 -RefreshTokenLifetime (90 * 86400) -ReportRefreshTokenExpiresIn $false | Out-Null
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $config = Join-Path $folder 'config'
    }

    It 'signs an app-only notice in with the app token (SMTP.SendAsApp) and delivers it' {
        Add-JobMail -User alice -Number 40
        $ini = New-MsalIni -Folder $folder -ClientId $noticeApp -User alice -Extra ($noticeLines + "ClientSecret=$Secret" + $noticeAudit)
        $before = (Get-SinkVerdicts).Count
        $tokens = @(Get-TestOAuthLog -GrantType client_credentials).Count
        $r = Invoke-Child -Config $config -Script "`$run = Invoke-SmartEmailRun -Path '$ini'; 'exit=' + `$run.ExitCode + ' notified=' + `$run.Notified + ' errors=' + @(`$run.Errors).Count"
        $r.Output | Should -Contain 'exit=0 notified=1 errors=0'
        $verdicts = @(Get-SinkVerdicts | Select-Object -Skip $before)
        $verdicts.Count | Should -Be 1
        $verdicts[0] | Should -Match 'user=alice active=True token_user=alice scopes=.*SMTP\.SendAsApp.* -> accepted'
        $notices = @(Get-TestMessage -User bob)
        $notices.Count | Should -Be 1
        $notices[0].Subject | Should -Match 'Message Accepted.*Job 40 finished'
        $notices[0].From.Mailboxes[0].Address | Should -Be 'alice@smartemail.test'
        # The mailbox and the notice share one app token: one request to Entra for the whole run.
        (@(Get-TestOAuthLog -GrantType client_credentials).Count - $tokens) | Should -Be 1
    }

    It 'asks consent for SMTP.Send at sign-in and sends a signed-in user''s notice with the refreshed token' {
        $ini = New-MsalIni -Folder $folder -ClientId $noticeUserApp -Tenant $null -Extra ($noticeLines + $noticeAudit)
        $signIn = Invoke-DeviceCodeSignIn -Ini $ini -Config $config -ClientId $noticeUserApp -User alice
        $signIn.ExitCode | Should -Be 0
        $granted = @(Get-TestOAuthLog -GrantType device_code | Where-Object { $_.client_id -eq $noticeUserApp -and $_.status -eq 200 })[-1]
        $granted.scope | Should -Match 'IMAP\.AccessAsUser\.All'
        $granted.scope | Should -Match 'SMTP\.Send'
        Add-JobMail -User alice -Number 41
        $before = (Get-SinkVerdicts).Count
        $r = Invoke-Child -Config $config -Script "`$run = Invoke-SmartEmailRun -Path '$ini'; 'exit=' + `$run.ExitCode + ' notified=' + `$run.Notified"
        $r.Output | Should -Contain 'exit=0 notified=1'
        $verdicts = @(Get-SinkVerdicts | Select-Object -Skip $before)
        $verdicts.Count | Should -Be 1
        $verdicts[0] | Should -Match 'user=alice active=True token_user=alice scopes=.*SMTP\.Send\b.* -> accepted'
        @(Get-TestMessage -User bob).Count | Should -Be 1
    }

    It 'keeps the events and names the Exchange fixes when SMTP refuses the app''s token' {
        $imapOnly = 'd2c3b4a5-0000-4000-8000-00000000d2c3'
        $null = Register-TestOAuthClient -Tenant contoso.test -ClientId $imapOnly -Secret $Secret -Mailbox alice -Roles IMAP.AccessAsApp
        Add-JobMail -User alice -Number 44
        $ini = New-MsalIni -Folder $folder -ClientId $imapOnly -User alice -Extra ($noticeLines + "ClientSecret=$Secret" + $noticeAudit)
        $before = (Get-SinkVerdicts).Count
        $r = Invoke-Child -Config $config -Script "`$run = Invoke-SmartEmailRun -Path '$ini' -WarningVariable w -WarningAction SilentlyContinue; 'exit=' + `$run.ExitCode + ' events=' + `$run.EventsSubmitted + ' notified=' + `$run.Notified; `$w | ForEach-Object { 'W: ' + `$_ }"
        $r.Output | Should -Contain 'exit=2 events=1 notified=0'
        $text = $r.Output -join "`n"
        $text | Should -Match "W: The notice for 'Job 44 finished' could not be sent through localhost:$($Service.smtp.port).*refused the token of app $imapOnly"
        $text | Should -Match 'SMTP\.SendAsApp'
        $text | Should -Match 'Set-CASMailbox -Identity ''alice'' -SmtpClientAuthenticationDisabled \$false'
        $text | Should -Match 'SmtpAuthentication=None'
        @(Get-SinkVerdicts | Select-Object -Skip $before) | Should -Match 'scopes=IMAP\.AccessAsApp -> refused'
        @(Get-ChildItem (Join-Path $folder 'msgin') -File).Count | Should -Be 1
        @(Get-TestMessage -User bob).Count | Should -Be 0
    }

    It 'sends through a relay without signing in when SmtpAuthentication=None' {
        Add-JobMail -User alice -Number 43
        $ini = New-MsalIni -Folder $folder -ClientId $noticeApp -User alice -Extra ($noticeLines + 'SmtpAuthentication=None' + "ClientSecret=$Secret" + $noticeAudit)
        $before = (Get-SinkVerdicts).Count
        $r = Invoke-Child -Config $config -Script "`$run = Invoke-SmartEmailRun -Path '$ini'; 'exit=' + `$run.ExitCode + ' notified=' + `$run.Notified"
        $r.Output | Should -Contain 'exit=0 notified=1'
        @(Get-SinkVerdicts | Select-Object -Skip $before).Count | Should -Be 0
        @(Get-TestMessage -User bob).Count | Should -Be 1
    }
}

Describe 'Secrets and tokens' {
    It 'never show in any output of the runs above' {
        $script:AllOutput.Count | Should -BeGreaterThan 10
        $all = $script:AllOutput -join "`n"
        $all | Should -Not -Match ([regex]::Escape($Secret))
        $all | Should -Not -Match 'pfx-Pa55'
        # Every token the stand-in issues is a JWT (eyJ...); none may reach the output.
        $all | Should -Not -Match 'eyJ[A-Za-z0-9_-]{10,}'
    }
}
