#Requires -Version 7.2
# Every object the module writes must work with the rest of PowerShell: ConvertTo-Json -Depth 5, Export-Csv for the
# flat types, and Export-Clixml / Import-Clixml, without an exception and without a secret in what they write. The INIs
# hold every kind of secret twice over: as plain text, and encrypted by Set-SmartEmailCredential (the SE1: blobs).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $script:OldConfigHome = $env:XDG_CONFIG_HOME
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'   # the key file lives here, not in the real home

    # Each secret is unlike any other text in the INI or the mail, so finding it anywhere is a leak.
    $Plain = [ordered]@{
        OpConUserPassword   = 'OpConPw-7Hq2-plain'
        Password            = 'MailPw-4Kd9-plain'
        ClientSecret        = 'ClientSecret-2Vb8-plain'
        CertificatePassword = 'CertPw-9Tz3-plain'
        ApiToken            = 'ApiToken-6Wm1-plain'
        ApiPassword         = 'ApiPw-3Rx5-plain'
    }
    $Encrypted = [ordered]@{
        OpConUserPassword   = 'OpConPw-1Ja6-encrypted'
        Password            = 'MailPw-8Pe4-encrypted'
        ClientSecret        = 'ClientSecret-5Nc7-encrypted'
        CertificatePassword = 'CertPw-2Ys0-encrypted'
        ApiToken            = 'ApiToken-7Lf3-encrypted'
        ApiPassword         = 'ApiPw-4Gu9-encrypted'
    }

    function New-SecretFolder {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory (Join-Path $dir 'msgin') -Force | Out-Null
        Copy-Item (Join-Path (Get-RepoRoot) 'docs/examples/mailbox') $dir -Recurse
        $dir
    }

    # A folder-mailbox INI whose every secret key holds a plain-text value.
    function New-PlainIni {
        $dir = New-SecretFolder
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content -LiteralPath $ini -Encoding utf8 -Value @(
            '[General]', 'MSGINDirectory=msgin', 'DeleteEmails=None', 'DownloadEmails=False', 'UseLastRunDate=False'
            'OpConUser=ocadm', "OpConUserPassword=$($Plain.OpConUserPassword)"
            '[Mail]', 'EmailProtocol=Folder', 'Server=mailbox', 'User=jobs@example.com', "Password=$($Plain.Password)"
            "ClientSecret=$($Plain.ClientSecret)", "CertificatePassword=$($Plain.CertificatePassword)"
            '[OpCon]', "ApiToken=$($Plain.ApiToken)", 'ApiUser=apiuser', "ApiPassword=$($Plain.ApiPassword)"
            '[Tokens]', 'ADMINEMAIL=admin@anycompany.com', 'FINANCE=any@finance.anycompany.com;treasury@anycompany.com'
            '[Configuration1]', 'SubjectLineMask=Test', 'Event=$CONSOLE:DISPLAY,the test passed', 'AllowedSenders=[[ADMINEMAIL]]'
            '[Configuration2]', 'SubjectLineMask=OpCon/xps: (\S+) total = ([0-9]+\.[0-9]+)', 'Event=$PROPERTY:SET,[[1]],[[2]]'
            'AllowedSenders=[[FINANCE]]'
        )
        $ini
    }

    # The same INI with every secret encrypted in place by Set-SmartEmailCredential.
    function New-EncryptedIni {
        $ini = New-PlainIni
        $text = (Get-Content -Raw -LiteralPath $ini)
        foreach ($key in $Plain.Keys) { $text = $text.Replace("$key=$($Plain[$key])", "$key=") }
        Set-Content -LiteralPath $ini -Value $text -NoNewline
        $s = { param($v) ConvertTo-SecureString $v -AsPlainText -Force }
        Set-SmartEmailCredential -Path $ini `
            -MailCredential ([pscredential]::new('jobs@example.com', (& $s $Encrypted.Password))) `
            -OpConCredential ([pscredential]::new('ocadm', (& $s $Encrypted.OpConUserPassword))) `
            -ApiCredential ([pscredential]::new('apiuser', (& $s $Encrypted.ApiPassword))) `
            -ApiToken (& $s $Encrypted.ApiToken) -ClientSecret (& $s $Encrypted.ClientSecret) `
            -CertificatePassword (& $s $Encrypted.CertificatePassword) | Should -BeNullOrEmpty
        $ini
    }

    # Every secret a test must not find: both sets of values, and the encrypted blobs as they stand in the INI.
    function Get-Secret([string] $Ini) {
        $blobs = @(Get-Content -LiteralPath $Ini | Where-Object { $_ -match '^[A-Za-z]+=(SE1:.+)$' } | ForEach-Object { $Matches[1] })
        @($Plain.Values) + @($Encrypted.Values) + $blobs
    }

    # Converts the objects every way and returns the texts; each conversion must work and hold none of the secrets.
    function Assert-Portable {
        param(
            [Parameter(Mandatory)] [object[]] $InputObject,
            [string[]] $Secret = @(),
            [switch] $Csv
        )
        $texts = [ordered]@{}
        $texts.Json = $InputObject | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue
        $xml = Join-Path $TestDrive "$([guid]::NewGuid().ToString('N')).xml"
        $InputObject | Export-Clixml -LiteralPath $xml -Depth 5
        $texts.Clixml = Get-Content -Raw -LiteralPath $xml
        if ($Csv) {
            $csvPath = Join-Path $TestDrive "$([guid]::NewGuid().ToString('N')).csv"
            $InputObject | Export-Csv -LiteralPath $csvPath
            $texts.Csv = Get-Content -Raw -LiteralPath $csvPath
        }
        $texts.Display = $InputObject | Out-String -Width 300
        foreach ($name in $texts.Keys) {
            $texts[$name] | Should -Not -BeNullOrEmpty -Because "$name has the objects"
            foreach ($s in $Secret) { $texts[$name].Contains($s) | Should -BeFalse -Because "$name must not hold the secret '$s'" }
            $texts[$name] | Should -Not -Match 'SE1:' -Because "$name must not hold an encrypted value"
        }
        [pscustomobject]@{
            Json     = $texts.Json | ConvertFrom-Json -Depth 10
            Imported = @(Import-Clixml -LiteralPath $xml)
            Csv      = if ($Csv) { @(Import-Csv -LiteralPath $csvPath) } else { @() }
            Display  = $texts.Display
        }
    }
}

AfterAll {
    $env:XDG_CONFIG_HOME = $script:OldConfigHome
}

Describe 'Output objects convert to JSON, CSV and CLIXML without secrets' {
    It 'SmartEmail.Configuration (General, Mail, OpCon, Audit, Tokens, Rules) with <Kind> secrets' -ForEach @(
        @{ Kind = 'plain-text' }
        @{ Kind = 'encrypted' }
    ) {
        $ini = if ($Kind -eq 'encrypted') { New-EncryptedIni } else { New-PlainIni }
        $c = Get-SmartEmailConfiguration -Path $ini -WarningAction SilentlyContinue
        $r = Assert-Portable -InputObject $c -Secret (Get-Secret $ini)
        # Tokens is a dictionary to JSON and CLIXML alike (the defect: ConvertTo-Json threw on it).
        $r.Json.Tokens.ADMINEMAIL | Should -Be 'admin@anycompany.com'
        @($r.Json.Tokens.PSObject.Properties.Name) | Should -Be @('ADMINEMAIL', 'FINANCE')
        $r.Json.General.OpConUser | Should -Be 'ocadm'
        $r.Json.General.OpConUserPassword.IsSet | Should -BeTrue
        $r.Json.General.OpConUserPassword.IsEncrypted | Should -Be ($Kind -eq 'encrypted')
        $r.Json.Mail.ClientSecret.IsSet | Should -BeTrue
        $r.Json.OpCon.ApiToken.IsSet | Should -BeTrue
        $r.Json.Rules.Name | Should -Be @('Configuration1', 'Configuration2')
        $r.Json.Audit.PSObject.Properties.Name | Should -Contain 'RejectEvent'
        $r.Imported[0].Tokens.FINANCE | Should -Be 'any@finance.anycompany.com;treasury@anycompany.com'
        $r.Imported[0].Rules[1].AllowedSenders | Should -Be @('any@finance.anycompany.com', 'treasury@anycompany.com')
        $r.Imported[0].Mail.Password.IsEncrypted | Should -Be ($Kind -eq 'encrypted')
        # The live object still indexes and shows like a hashtable.
        $c.Tokens.ADMINEMAIL | Should -Be 'admin@anycompany.com'
        $c.Tokens['finance'] | Should -Be 'any@finance.anycompany.com;treasury@anycompany.com'
        $c.Tokens.Count | Should -Be 2
        @($c.Tokens.Keys) | Should -Be @('ADMINEMAIL', 'FINANCE')
        $r.Display | Should -Match 'Tokens\s+: ADMINEMAIL=admin@anycompany\.com; FINANCE='
        $r.Display | Should -Match ([regex]::Escape('Rules          : Configuration1: Test'))
        ($c.Tokens | Out-String) | Should -Match 'ADMINEMAIL\s+admin@anycompany\.com'
    }

    It 'SmartEmail.Configuration with an empty [Tokens] section' {
        $ini = Join-Path (New-SecretFolder) 'empty.ini'
        Set-Content -LiteralPath $ini -Value '[General]', 'MSGINDirectory=msgin', '[Mail]', 'EmailProtocol=Folder', 'Server=mailbox',
            '[Configuration1]', 'SubjectLineMask=Test', 'Event=$CONSOLE:DISPLAY,ok', 'AllowedSenders=ALL'
        $c = Get-SmartEmailConfiguration -Path $ini -WarningAction SilentlyContinue
        $r = Assert-Portable -InputObject $c
        @($r.Json.Tokens.PSObject.Properties).Count | Should -Be 0
        $r.Imported[0].Tokens.Count | Should -Be 0
    }

    It 'SmartEmail.ConfigurationFinding from Test-SmartEmailConfiguration -Detailed' {
        $ini = New-PlainIni
        $findings = @(Test-SmartEmailConfiguration -Path $ini -Detailed)
        $findings.Count | Should -BeGreaterThan 0
        $findings[0].PSObject.TypeNames[0] | Should -Be 'SmartEmail.ConfigurationFinding'
        $r = Assert-Portable -InputObject $findings -Secret (Get-Secret $ini) -Csv
        $r.Csv.Count | Should -Be $findings.Count
        $r.Csv[0].PSObject.Properties.Name | Should -Be @('Severity', 'Path', 'Line', 'Section', 'Key', 'Message')
        $r.Csv.Key | Should -Contain 'OpConUserPassword'
        @($r.Json)[0].Path | Should -Be $ini
        $r.Imported[0].Line | Should -Be $findings[0].Line
        $r.Display | Should -Match 'Severity\s+Line\s+Section\s+Key\s+Message'
    }

    It 'SmartEmail.Rule from New-SmartEmailRule and from the INI' {
        $ini = New-PlainIni
        $rules = @(New-SmartEmailRule -Name Ad-hoc -SubjectLineMask '^Report (\d+)$' -Event '$JOB:ADD,S,[[1]],F' -AllowedSenders 'a@b.test') +
            @((Get-SmartEmailConfiguration -Path $ini -WarningAction SilentlyContinue).Rules)
        $r = Assert-Portable -InputObject $rules -Secret (Get-Secret $ini) -Csv
        @($r.Json).Name | Should -Be @('Ad-hoc', 'Configuration1', 'Configuration2')
        @($r.Json)[0].Events | Should -Be @('$JOB:ADD,S,[[1]],F')
        $r.Csv[0].SubjectLineMask | Should -Be '^Report (\d+)$'
        $r.Imported[2].AllowedSenders | Should -Be @('any@finance.anycompany.com', 'treasury@anycompany.com')
        $r.Display | Should -Match 'Ad-hoc\s+\^Report'
    }

    It 'SmartEmail.Message from a folder of .eml files' {
        $messages = @(Get-SmartEmailMessage -MessagePath (Join-Path (Get-RepoRoot) 'docs/examples/mailbox'))
        $messages.Count | Should -Be 5
        $r = Assert-Portable -InputObject $messages -Csv
        @($r.Json).Subject | Should -Be $messages.Subject
        $r.Csv.Subject | Should -Be $messages.Subject
        $r.Csv[0].PSObject.Properties.Name | Should -Contain 'ArrivalTime'
        $r.Csv[0].PSObject.Properties.Name | Should -Not -Contain 'Content'
        $r.Imported.Attachments | Should -Contain 'PAYROLL_20261124.csv'
        $r.Display | Should -Match 'Received\s+From\s+Subject'
    }

    It 'SmartEmail.RuleResult and its SmartEmail.RuleCheck objects from Test-SmartEmailRule' {
        $ini = New-PlainIni
        $results = @(Test-SmartEmailRule -Path $ini -MessagePath (Join-Path (Split-Path $ini) 'mailbox') -WarningAction SilentlyContinue)
        $results.Outcome | Should -Contain 'Accepted'
        $results.Outcome | Should -Contain 'Rejected'
        $r = Assert-Portable -InputObject $results -Secret (Get-Secret $ini) -Csv
        $r.Csv.Rule | Should -Be $results.Rule
        $r.Csv.Outcome | Should -Be ([string[]]$results.Outcome)
        $accepted = @($r.Json) | Where-Object Outcome -EQ 0 | Select-Object -First 1   # enums are numbers in JSON
        $accepted.Events | Should -Not -BeNullOrEmpty
        $accepted.Checks.Name | Should -Contain 'Sender'
        $accepted.Message.Subject | Should -Not -BeNullOrEmpty
        $r.Imported[0].Checks[0].Detail | Should -Be $results[0].Checks[0].Detail
        $checks = Assert-Portable -InputObject $results[0].Checks -Csv
        $checks.Csv.Name | Should -Be $results[0].Checks.Name
        $checks.Display | Should -Match 'Sender'
        $r.Display | Should -Match 'Subject\s+Rule\s+Outcome'
    }

    It 'SmartEmail.SubmittedEvent from Submit-SmartEmailEvent with a <Kind> INI' -ForEach @(
        @{ Kind = 'plain-text' }
        @{ Kind = 'encrypted' }
    ) {
        $ini = if ($Kind -eq 'encrypted') { New-EncryptedIni } else { New-PlainIni }
        $events = @(Submit-SmartEmailEvent -Path $ini -Event '$CONSOLE:DISPLAY,one', '$CONSOLE:DISPLAY,two' -WarningAction SilentlyContinue)
        $events.Count | Should -Be 2
        # The MSGIN file holds the password (OpCon needs it); the object that reports it must not.
        $password = if ($Kind -eq 'encrypted') { $Encrypted.OpConUserPassword } else { $Plain.OpConUserPassword }
        Get-Content -Raw $events[0].File | Should -Match ([regex]::Escape($password))
        $r = Assert-Portable -InputObject $events -Secret (Get-Secret $ini) -Csv
        $r.Csv.Event | Should -Be $events.Event
        $r.Csv.File | Should -Be $events.File
        @($r.Json)[1].Event | Should -Match '^\$CONSOLE:DISPLAY,two,ocadm,'
        $r.Imported[0].Transport | Should -Be ([int]$events[0].Transport)   # a deserialized enum is its number
        $r.Display | Should -Match 'CONSOLE:DISPLAY,one'
    }

    It 'SmartEmail.RunResult from Invoke-SmartEmailRun with a <Kind> INI' -ForEach @(
        @{ Kind = 'plain-text' }
        @{ Kind = 'encrypted' }
    ) {
        $ini = if ($Kind -eq 'encrypted') { New-EncryptedIni } else { New-PlainIni }
        $run = Invoke-SmartEmailRun -Path $ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $run.ExitCode | Should -Be 0 -Because ($run.Errors -join '; ')
        $run.EventsSubmitted | Should -BeGreaterThan 0
        $r = Assert-Portable -InputObject $run -Secret (Get-Secret $ini)
        $r.Json.Accepted | Should -Be $run.Accepted
        $r.Json.Events | Should -Be $run.Events
        $r.Json.Results.Count | Should -Be $run.Results.Count
        $r.Json.Summary | Should -Be $run.Summary
        $r.Imported[0].Events | Should -Be $run.Events
        $r.Imported[0].Duration | Should -Be $run.Duration
        $r.Display | Should -Match 'Scanned'
    }

    It 'Set-SmartEmailCredential writes nothing to the pipeline, and says what it did without the secret' {
        $ini = New-PlainIni
        $out = Set-SmartEmailCredential -Path $ini -ApiToken (ConvertTo-SecureString $Encrypted.ApiToken -AsPlainText -Force) -Verbose 4>&1
        @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -BeNullOrEmpty
        ($out -join "`n") | Should -Match 'Encrypted \[OpCon\] ApiToken'
        ($out -join "`n").Contains($Encrypted.ApiToken) | Should -BeFalse
    }
}

Describe 'Request-SmartEmailToken output converts without secrets' {
    # The TokenStatus of an app-only sign-in against the Entra ID stand-in, converted in the child that signed in (the
    # child trusts the harness certificate, as Msal.Tests.ps1 does).
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
        $Service = Get-TestService
        $appId = 'b1d2e3f4-0000-4000-8000-0000000b1d2e'
        $msalSecret = 'Zt5~output.objects-SECRET-4e1a'
        $null = New-TestOAuthTenant -Domain 'objects.test'
        $null = Register-TestOAuthClient -Tenant objects.test -ClientId $appId -Secret $msalSecret -Mailbox alice
    }

    AfterAll {
        Reset-TestOAuth
    }

    It 'SmartEmail.Mail.OAuth.TokenStatus with a <Kind> client secret' -ForEach @(
        @{ Kind = 'plain-text' }
        @{ Kind = 'encrypted' }
    ) {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory $folder | Out-Null
        $ini = Join-Path $folder 'SMArtEmail.ini'
        Set-Content -LiteralPath $ini -Encoding utf8 -Value @(
            '[General]', "MSGINDirectory=$folder", 'OpConUser=ocadm', 'OpConUserPassword=ext-event-pw'
            '[Mail]', 'EmailProtocol=MSAL', 'Server=localhost', "Port=$($Service.imap.tlsPort)", 'TlsMode=Implicit'
            "Authority=$($Service.oauth.authority.TrimEnd('/'))", "ClientId=$appId", 'Tenant=objects.test', 'User=alice'
            $(if ($Kind -eq 'plain-text') { "ClientSecret=$msalSecret" })
            '[Configuration1]', 'SubjectLineMask=Test', 'Event=$CONSOLE:DISPLAY,ok', 'AllowedSenders=ALL'
        )
        $out = Join-Path $folder 'out'
        $saved = @{ SSL_CERT_FILE = $env:SSL_CERT_FILE; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME }
        try {
            $env:SSL_CERT_FILE = $Service.certificate
            $env:XDG_CONFIG_HOME = Join-Path $folder 'config'
            $child = Invoke-FreshPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-ModuleUnderTest)'
$(if ($Kind -eq 'encrypted') { "Set-SmartEmailCredential -Path '$ini' -ClientSecret (ConvertTo-SecureString '$msalSecret' -AsPlainText -Force)" })
`$status = Request-SmartEmailToken -Path '$ini' -WarningAction SilentlyContinue
`$status | ConvertTo-Json -Depth 5 | Set-Content '$out.json'
`$status | ConvertTo-Json -Depth 5 -EnumsAsStrings | Set-Content '$out.names.json'
`$status | Export-Csv '$out.csv'
`$status | Export-Clixml '$out.xml' -Depth 5
`$status | Out-String -Width 300 | Set-Content '$out.txt'
'type ' + `$status.GetType().FullName
"@
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
        $child.ExitCode | Should -Be 0 -Because ($child.Output -join "`n")
        $child.Output | Should -Contain 'type SmartEmail.Mail.OAuth.TokenStatus'
        if ($Kind -eq 'encrypted') { Get-Content -Raw -LiteralPath $ini | Should -Match '(?m)^ClientSecret=SE1:' }
        $texts = foreach ($ext in 'json', 'csv', 'xml', 'txt') { Get-Content -Raw -LiteralPath "$out.$ext" }
        foreach ($text in $texts) {
            $text.Contains($msalSecret) | Should -BeFalse
            $text | Should -Not -Match 'eyJ'   # the stand-in's access tokens are JWTs: none in any form
            $text | Should -Not -Match 'SE1:'
        }
        @(Get-TestOAuthLog -GrantType client_credentials | Where-Object client_id -EQ $appId | Where-Object status -EQ 200).Count | Should -BeGreaterThan 0
        $json = Get-Content -Raw "$out.json" | ConvertFrom-Json
        $json.Mode | Should -BeOfType ([long]) -Because 'Mode is an enum: ConvertTo-Json writes its number, -EnumsAsStrings its name'
        (Get-Content -Raw "$out.names.json" | ConvertFrom-Json).Mode | Should -Be 'AppOnly'
        $json.Account | Should -Be 'alice'
        (Import-Csv "$out.csv").Method | Should -Be 'ClientSecret'
        (Import-Clixml "$out.xml").ClientId | Should -Be $appId
    }
}
