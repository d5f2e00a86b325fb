BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $script:OldConfigHome = $env:XDG_CONFIG_HOME
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'   # the key file lives here, not in the real home
    $MailPassword = 'Mail-8wQ-secret'
    $OpConPassword = 'OpCon-2mZ-secret'
    $Mail = [pscredential]::new('jobs@example.com', (ConvertTo-SecureString $MailPassword -AsPlainText -Force))
    $OpCon = [pscredential]::new('ocadm', (ConvertTo-SecureString $OpConPassword -AsPlainText -Force))
    function New-Ini {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))
        New-Item -ItemType Directory (Join-Path $dir 'msgin') | Out-Null
        Copy-Item (Join-Path (Get-RepoRoot) 'docs/examples/mailbox') $dir -Recurse
        $text = (Get-Content -Raw (Join-Path (Get-RepoRoot) 'docs/examples/SMArtEmail.ini')) -replace 'MSGINDirectory=out/MSGIN', 'MSGINDirectory=msgin'
        [IO.File]::WriteAllText((Join-Path $dir 'SMArtEmail.ini'), $text.Replace("`n", "`r`n"))
        Join-Path $dir 'SMArtEmail.ini'
    }
}

AfterAll {
    $env:XDG_CONFIG_HOME = $script:OldConfigHome
}

Describe 'Set-SmartEmailCredential' {
    It 'encrypts the credentials in place and changes no other line' {
        $ini = New-Ini
        $before = [IO.File]::ReadAllLines($ini)
        Set-SmartEmailCredential -Path $ini -MailCredential $Mail -OpConCredential $OpCon
        $after = [IO.File]::ReadAllLines($ini)
        $text = [IO.File]::ReadAllText($ini)
        $text | Should -Not -Match $MailPassword
        $text | Should -Not -Match $OpConPassword
        $text | Should -Match "OpConUser=SE1:"
        $text | Should -Match "`r`n"
        $text | Should -Not -Match "[^`r]`n"
        # Only the two [General] values changed, and [Mail] got User and Password added at its end.
        $changed = @(Compare-Object $before $after | Where-Object SideIndicator -eq '<=').InputObject
        $changed | Should -Be @('OpConUser=demo', 'OpConUserPassword=')
        @(Compare-Object $before $after | Where-Object SideIndicator -eq '=>').Count | Should -Be 4
        $config = Get-SmartEmailConfiguration -Path $ini -WarningVariable w
        $config.General.OpConUser | Should -Be 'ocadm'
        $config.Mail.User | Should -Be 'jobs@example.com'
        $config.Mail.Password.IsEncrypted | Should -BeTrue
        ($w | Out-String) | Should -Not -Match 'unencrypted'
    }

    It 'encrypts the OpCon API credential and token, the Office 365 client secret and the certificate password' {
        $ini = New-Ini
        $secure = @{}
        foreach ($name in 'Api-7hK-secret', 'Token-4pL-secret', 'Client-9xV-secret', 'Pfx-3nB-secret') { $secure[$name] = ConvertTo-SecureString $name -AsPlainText -Force }
        Set-SmartEmailCredential -Path $ini -ApiCredential ([pscredential]::new('apiuser', $secure['Api-7hK-secret'])) -ApiToken $secure['Token-4pL-secret'] `
            -ClientSecret $secure['Client-9xV-secret'] -CertificatePassword $secure['Pfx-3nB-secret']
        $text = [IO.File]::ReadAllText($ini)
        foreach ($name in $secure.Keys) { $text | Should -Not -Match $name }
        $config = Get-SmartEmailConfiguration -Path $ini -WarningVariable w
        ($w | Out-String) | Should -Not -Match 'unencrypted'
        $config.OpCon.ApiUser | Should -Be 'apiuser'
        $config.OpCon.ApiPassword.IsEncrypted, $config.OpCon.ApiToken.IsEncrypted, $config.Mail.ClientSecret.IsEncrypted, $config.Mail.CertificatePassword.IsEncrypted | Should -Be @($true, $true, $true, $true)
        # And they decrypt to what was given.
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
        $secrets = $engine.GetType('SmartEmail.Secrets')
        $stored = @{}
        foreach ($line in $text -split "`r`n") { if ($line -match '^(ApiPassword|ApiToken|ClientSecret|CertificatePassword)=(.+)$') { $stored[$Matches[1]] = $Matches[2] } }
        $secrets.GetMethod('Unprotect').Invoke($null, @($stored.ApiPassword)) | Should -Be 'Api-7hK-secret'
        $secrets.GetMethod('Unprotect').Invoke($null, @($stored.ApiToken)) | Should -Be 'Token-4pL-secret'
        $secrets.GetMethod('Unprotect').Invoke($null, @($stored.ClientSecret)) | Should -Be 'Client-9xV-secret'
        $secrets.GetMethod('Unprotect').Invoke($null, @($stored.CertificatePassword)) | Should -Be 'Pfx-3nB-secret'
    }

    It 'lets a run use the encrypted OpCon credentials' {
        $ini = New-Ini
        Set-SmartEmailCredential -Path $ini -OpConCredential $OpCon
        $r = Invoke-SmartEmailRun -Path $ini -InformationAction SilentlyContinue
        $r.ExitCode | Should -Be 0
        $files = Get-ChildItem (Join-Path (Split-Path $ini) 'msgin')
        $files.Count | Should -Be 3
        Get-Content $files[0].FullName -Raw | Should -Match ",ocadm,$OpConPassword`r`n$"
    }

    It 'says what to do when the key is gone' {
        $ini = New-Ini
        Set-SmartEmailCredential -Path $ini -OpConCredential $OpCon
        Remove-Item (Join-Path $env:XDG_CONFIG_HOME 'smartemail/secret.key')
        $r = Invoke-SmartEmailRun -Path $ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.ExitCode | Should -Be 2
        $r.Errors | Should -Match 'Set-SmartEmailCredential'
        @(Get-ChildItem (Join-Path (Split-Path $ini) 'msgin')).Count | Should -Be 0
    }

    It 'changes nothing with -WhatIf' {
        $ini = New-Ini
        $hash = (Get-FileHash $ini).Hash
        Set-SmartEmailCredential -Path $ini -OpConCredential $OpCon -WhatIf
        (Get-FileHash $ini).Hash | Should -Be $hash
    }

    It 'needs a credential and an existing INI' {
        { Set-SmartEmailCredential -Path (New-Ini) } | Should -Throw -ErrorId 'CredentialMissing,SmartEmail.Commands.SetSmartEmailCredentialCommand'
        { Set-SmartEmailCredential -Path (Join-Path $TestDrive 'none.ini') -OpConCredential $OpCon } | Should -Throw -ErrorId 'ConfigurationNotFound,SmartEmail.Commands.SetSmartEmailCredentialCommand'
    }

    It 'is what smartemail.ps1 --credentials runs' {
        $ini = New-Ini
        $legacy = Join-Path (Split-Path $env:SMARTEMAIL_MODULE_PATH) 'smartemail.ps1'
        $exe = [Environment]::ProcessPath
        [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
        $out = & $exe @prefix -NoProfile -NonInteractive -File $legacy --credentials "-user:jobs@example.com" "-password:$MailPassword" '-opconuser:ocadm' "-opconpassword:$OpConPassword" "-inifile:$ini" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $config = Get-SmartEmailConfiguration -Path $ini
        $config.General.OpConUserPassword.IsEncrypted | Should -BeTrue
        $config.Mail.User | Should -Be 'jobs@example.com'
        ($out -join "`n") | Should -Not -Match $OpConPassword
    }
}
