#Requires -Version 7.2
# The error model: every error id the module reports is a constant of SmartEmail.ErrorIds, every typed engine error kind
# maps to one (ErrorMap), and engine messages name INI settings while the cmdlet adds the parameter that can stand in.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $script:OldConfigHome = $env:XDG_CONFIG_HOME
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    # ErrorIds and ErrorMap are internal to SmartEmail.dll: read them through the assembly of a cmdlet.
    $Assembly = (Get-Command Get-SmartEmailConfiguration).ImplementingType.Assembly
    $flags = [Reflection.BindingFlags]'Static, Public, NonPublic'
    $KnownIds = @($Assembly.GetType('SmartEmail.ErrorIds', $true).GetFields($flags) | Where-Object IsLiteral | ForEach-Object { $_.GetRawConstantValue() })
    $ErrorMap = $Assembly.GetType('SmartEmail.ErrorMap', $true)

    function New-Ini([string[]] $Lines) {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory (Join-Path $dir 'msgin') -Force | Out-Null
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content -LiteralPath $ini -Value $Lines
        $ini
    }
    $Rule = '[Configuration1]', 'SubjectLineMask=Test', 'Event=$CONSOLE:DISPLAY,ok', 'AllowedSenders=ALL'

    # Runs the script block and returns the one error record it stopped with.
    function Get-Failure([scriptblock] $Script) {
        try { & $Script; throw 'expected an error, got none' }
        catch [System.Management.Automation.RuntimeException] { if ($_.FullyQualifiedErrorId -eq 'RuntimeException') { throw } ; $_ }
    }
}

AfterAll {
    $env:XDG_CONFIG_HOME = $script:OldConfigHome
}

Describe 'ErrorIds' {
    It 'lists each id once' {
        $KnownIds.Count | Should -BeGreaterThan 40
        @($KnownIds | Group-Object | Where-Object Count -GT 1).Name | Should -BeNullOrEmpty
    }

    It 'has the id of every kind of <Kind> errors (ErrorMap.Of)' -ForEach @(
        @{ Kind = 'MailboxErrorKind' }, @{ Kind = 'EventErrorKind' }, @{ Kind = 'ConfigurationErrorKind' }, @{ Kind = 'CredentialErrorKind' }
    ) {
        $of = @($ErrorMap.GetMethods([Reflection.BindingFlags]'Static, Public, NonPublic') | Where-Object { $_.Name -eq 'Of' -and $_.GetParameters()[0].ParameterType.Name -eq $Kind })
        $of.Count | Should -Be 1
        $enum = $of[0].GetParameters()[0].ParameterType
        foreach ($value in [Enum]::GetValues($enum)) {
            $mapped = $of[0].Invoke($null, @($value))
            $KnownIds | Should -Contain $mapped.Item1 -Because "$Kind.$value maps to $($mapped.Item1)"
        }
        if ($Kind -eq 'MailboxErrorKind') { [Enum]::GetNames($enum) | ForEach-Object { $KnownIds | Should -Contain "Mailbox$_" } }
        if ($Kind -eq 'EventErrorKind') { [Enum]::GetNames($enum) | ForEach-Object { $KnownIds | Should -Contain $_ } }
    }

    It 'has every id that a Pester test asserts' {
        # The ids tests match on: -ErrorId 'Id,...', FullyQualifiedErrorId | Should -Be(Exactly|Like) 'Id,...', "Id,$Cmd" in lists.
        $patterns = @(
            '-ErrorId\s+[''"]([A-Za-z]+),'
            'FullyQualifiedErrorId\s*\|\s*Should\s+-(?:Be|BeExactly|BeLike)\s+[''"]([A-Za-z]+),'
            '[''"]([A-Z][A-Za-z]+),\$(?:Cmd|GetId)[''"]'
            '[''"]([A-Z][A-Za-z]+),SmartEmail\.Commands\.'
        )
        $asserted = foreach ($file in Get-ChildItem $PSScriptRoot -Filter '*.Tests.ps1' | Where-Object Name -NE 'ErrorIds.Tests.ps1') {
            $text = Get-Content -Raw -LiteralPath $file.FullName
            foreach ($pattern in $patterns) { foreach ($m in [regex]::Matches($text, $pattern)) { [pscustomobject]@{ Id = $m.Groups[1].Value; File = $file.Name } } }
        }
        $asserted = @($asserted | Sort-Object Id -Unique)
        $asserted.Count | Should -BeGreaterThan 20
        foreach ($a in $asserted) { $KnownIds | Should -Contain $a.Id -Because "$($a.File) asserts the error id $($a.Id)" }
    }
}

Describe 'Errors the cmdlets report' {
    It '<Case>: <Id> (<Category>), a listed id' -ForEach @(
        @{ Case = 'missing INI'; Id = 'ConfigurationNotFound'; Category = 'ObjectNotFound'; Script = { Get-SmartEmailConfiguration -Path (Join-Path $TestDrive 'none.ini') } }
        @{ Case = 'conflicting switches'; Id = 'ParameterConflict'; Category = 'InvalidArgument'; Script = { Request-SmartEmailToken -Silent -DeviceCode } }
        @{ Case = 'not an MSAL INI'; Id = 'NotMsal'; Category = 'InvalidOperation'; Script = { Request-SmartEmailToken -Path (New-Ini (@('[General]', "MSGINDirectory=$TestDrive", '[Mail]', 'EmailProtocol=Folder', "Server=$TestDrive") + $Rule)) } }
        @{ Case = 'no credential given'; Id = 'CredentialMissing'; Category = 'InvalidArgument'; Script = { Set-SmartEmailCredential -Path (New-Ini $Rule) } }
        @{ Case = 'no mail protocol'; Id = 'MailboxConfiguration'; Category = 'InvalidArgument'; Script = { Get-SmartEmailMessage -Path (New-Ini (@('[General]', "MSGINDirectory=$TestDrive") + $Rule)) -WarningAction SilentlyContinue } }
    ) {
        $err = Get-Failure $Script
        $err.FullyQualifiedErrorId -replace ',.*' | Should -Be $Id
        $KnownIds | Should -Contain ($err.FullyQualifiedErrorId -replace ',.*')
        "$($err.CategoryInfo.Category)" | Should -Be $Category
    }

    It 'refuses an INI with errors in one ConfigurationException that lists each, and adds the Test-SmartEmailConfiguration hint' {
        $ini = New-Ini @('[General]', "MSGINDirectory=$TestDrive", '[Configuration1]', 'SubjectLineMask=(unclosed', 'Event=$CONSOLE:DISPLAY,x', 'AllowedSenders=ALL', 'AllowedTimeFrame=9999-0000')
        $err = Get-Failure { Get-SmartEmailConfiguration -Path $ini -WarningAction SilentlyContinue }
        $err.FullyQualifiedErrorId | Should -Be 'ConfigurationInvalid,SmartEmail.Commands.GetSmartEmailConfigurationCommand'
        $err.Exception.GetType().FullName | Should -Be 'SmartEmail.Ini.ConfigurationException'
        "$($err.Exception.Kind)" | Should -Be 'Invalid'
        @($err.Exception.Errors).Count | Should -Be 2
        @($err.Exception.Errors).Line | Should -Be @(4, 7)
        $err.Exception.Message | Should -Match ([regex]::Escape("${ini}:4 [Configuration1] SubjectLineMask"))
        $err.Exception.Message | Should -Not -Match 'Test-SmartEmailConfiguration'   # the engine names no cmdlet
        $err.ErrorDetails.Message | Should -Match ([regex]::Escape("${ini}:7 [Configuration1] AllowedTimeFrame"))
        $err.ErrorDetails.Message | Should -Match 'Run Test-SmartEmailConfiguration -Detailed for every finding\.$'
        "$err" | Should -Match 'Test-SmartEmailConfiguration -Detailed'
    }

    It 'no OpCon user: the engine names the setting, Submit-SmartEmailEvent adds -OpConCredential' {
        $ini = New-Ini (@('[General]', "MSGINDirectory=$TestDrive") + $Rule)
        $err = Get-Failure { Submit-SmartEmailEvent -Path $ini -Event '$CONSOLE:DISPLAY,x' -WarningAction SilentlyContinue }
        $err.FullyQualifiedErrorId | Should -Be 'CredentialMissing,SmartEmail.Commands.SubmitSmartEmailEventCommand'
        "$($err.Exception.Kind)" | Should -Be 'CredentialMissing'
        $err.Exception.Setting | Should -Be '[General] OpConUser'
        $err.Exception.Message | Should -Match 'set \[General\] OpConUser and OpConUserPassword\.$'
        $err.Exception.Message | Should -Not -Match ' -[A-Z][a-zA-Z]+'
        $err.ErrorDetails.Message | Should -Match 'Set-SmartEmailCredential -OpConCredential stores them encrypted\. Or give -OpConCredential\.$'
    }

    It 'no API URL: the engine names [OpCon] ApiUrl, Submit-SmartEmailEvent adds -ApiUrl' {
        $ini = New-Ini (@('[General]', "MSGINDirectory=$TestDrive", 'OpConUser=ocadm', 'OpConUserPassword=pw') + $Rule)
        $err = Get-Failure { Submit-SmartEmailEvent -Path $ini -Transport Api -Event '$CONSOLE:DISPLAY,x' -WarningAction SilentlyContinue }
        $err.FullyQualifiedErrorId -replace ',.*' | Should -Be 'ApiUrlMissing'
        $err.Exception.Message | Should -Be 'Transport is Api but no API URL is set: set [OpCon] ApiUrl.'
        $err.ErrorDetails.Message | Should -Match 'Or give -ApiUrl\.$'
    }

    It 'no mailbox credential: the engine names [Mail] User, Get-SmartEmailMessage adds -Credential' {
        $ini = New-Ini (@('[General]', "MSGINDirectory=$TestDrive", '[Mail]', 'EmailProtocol=IMAP', 'Server=127.0.0.1', 'Port=1') + $Rule)
        $err = Get-Failure { Get-SmartEmailMessage -Path $ini -WarningAction SilentlyContinue }
        $err.FullyQualifiedErrorId -replace ',.*' | Should -Be 'MailboxConfiguration'
        $err.Exception.Message | Should -Match 'has no \[Mail\] User and Password: set them\.$'
        $err.Exception.Setting | Should -Be '[Mail] User'
        $err.ErrorDetails.Message | Should -Match 'Set-SmartEmailCredential -MailCredential stores them encrypted\. Or give -Credential\.$'
        # -Server belongs to the other parameter set: a missing [Mail] Server gets no hint with -Path.
        $noServer = New-Ini (@('[General]', "MSGINDirectory=$TestDrive", '[Mail]', 'EmailProtocol=IMAP', 'Port=1') + $Rule)
        $err = Get-Failure { Get-SmartEmailMessage -Path $noServer -WarningVariable w -WarningAction SilentlyContinue }
        $err.Exception.Setting | Should -Be '[Mail] Server'
        $err.ErrorDetails | Should -BeNullOrEmpty
        "$($w | Where-Object { "$_" -match 'Server is not set' })" | Should -Not -Match 'Or give'
    }

    It 'a run without EmailProtocol warns with the setting, and Invoke-SmartEmailRun adds -Protocol; not when -Protocol is given' {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory (Join-Path $dir 'msgin'), (Join-Path $dir 'mail') -Force | Out-Null
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content -LiteralPath $ini -Value (@('[General]', 'MSGINDirectory=msgin', 'OpConUser=ocadm', 'OpConUserPassword=pw', 'UseLastRunDate=False', '[Mail]', 'Server=mail') + $Rule)
        $null = Invoke-SmartEmailRun -Path $ini -WarningVariable w -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $protocolWarning = @($w | Where-Object { "$_" -match 'EmailProtocol is not set' })
        $protocolWarning.Count | Should -Be 1
        "$($protocolWarning[0])" | Should -Match 'each run must be told the protocol \(IMAP, POP, MSAL or Folder\)\. Or give -Protocol\.$'
        $null = Invoke-SmartEmailRun -Path $ini -Protocol Folder -WarningVariable w2 -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        "$(@($w2 | Where-Object { "$_" -match 'EmailProtocol is not set' }))" | Should -Not -Match 'Or give'
        (Get-SmartEmailConfiguration -Path $ini -WarningVariable w3 -WarningAction SilentlyContinue) | Out-Null
        "$(@($w3 | Where-Object { "$_" -match 'EmailProtocol is not set' }))" | Should -Not -Match 'Or give'
    }

    It 'smartemail.ps1 gives its flags where the cmdlets give parameters' {
        $legacy = Join-Path (Split-Path (Get-ModuleUnderTest)) 'smartemail.ps1'
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory (Join-Path $dir 'msgin'), (Join-Path $dir 'mail') -Force | Out-Null
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content -LiteralPath $ini -Value (@('[General]', 'MSGINDirectory=msgin', 'OpConUser=ocadm', 'OpConUserPassword=pw', 'UseLastRunDate=False', '[Mail]', 'Server=mail') + $Rule)
        $exe = [Environment]::ProcessPath
        [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
        $output = (& $exe @prefix -NoProfile -NonInteractive -File $legacy "-inifile:$ini" 2>&1 | ForEach-Object { "$_" }) -join "`n"
        $LASTEXITCODE | Should -Be 2 -Because $output   # no protocol: the run cannot read mail
        $output | Should -Match 'EmailProtocol is not set, so each run must be told the protocol \(IMAP, POP, MSAL or Folder\)\. Or give --imap, --pop or --msal\.'
        $output | Should -Not -Match 'give -Protocol'
        # An INI with errors: the listing, then this front end's advice.
        $bad = New-Ini @('[General]', "MSGINDirectory=$TestDrive", '[Configuration1]', 'SubjectLineMask=(unclosed', 'Event=$CONSOLE:DISPLAY,x', 'AllowedSenders=ALL')
        $output = (& $exe @prefix -NoProfile -NonInteractive -File $legacy "-inifile:$bad" --imap 2>&1 | ForEach-Object { "$_" }) -join "`n"
        $LASTEXITCODE | Should -Be 2
        $output | Should -Match ([regex]::Escape("smartemail: The configuration file '$bad' has 1 error(s):"))
        $output | Should -Match ([regex]::Escape("${bad}:4 [Configuration1] SubjectLineMask"))
        $output | Should -Match 'Run Test-SmartEmailConfiguration -Detailed for every finding\.'
    }
}
