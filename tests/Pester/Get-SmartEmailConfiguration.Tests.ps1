# Get-SmartEmailConfiguration: INI files read into SmartEmail.Configuration objects, with their warnings and errors.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Demo = Join-Path (Get-RepoRoot) 'docs/examples/SMArtEmail.ini'
}

Describe 'Get-SmartEmailConfiguration' {
    It 'reads the demo INI into a SmartEmail.Configuration' {
        $c = Get-SmartEmailConfiguration -Path $Demo
        $c.PSObject.TypeNames[0] | Should -Be 'SmartEmail.Configuration'
        $c.Path | Should -Be $Demo
        $c.Mail.Protocol | Should -Be 'Folder'
        $c.Mail.Server | Should -Be (Join-Path (Split-Path $Demo) 'mailbox')
        $c.General.DeleteEmails | Should -Be 'None'
        $c.Rules.Name | Should -Be @('Configuration1', 'Configuration2', 'Configuration3')
        $c.Rules[1].AllowedSenders | Should -Be @('any@finance.anycompany.com', 'treasury@anycompany.com')
        $c.Tokens.ADMINEMAIL | Should -Be 'admin@anycompany.com'
    }

    It 'loads each example INI of the reference' -ForEach @(
        @{ Name = 'quickstart.ini'; Mask = 'Test'; Body = $false; Attach = $false }
        @{ Name = 'example1.ini'; Mask = 'Test'; Body = $false; Attach = $false }
        @{ Name = 'example2.ini'; Mask = 'Test'; Body = $false; Attach = $true }
        @{ Name = 'example3.ini'; Mask = 'Test'; Body = $true; Attach = $false }
    ) {
        $c = Get-SmartEmailConfiguration -Path (Get-FixturePath "ini/$Name") -WarningAction SilentlyContinue
        $c.Rules | Should -HaveCount 1
        $c.Rules[0].SubjectLineMask | Should -Be $Mask
        $c.Rules[0].ProcessBody | Should -Be $Body
        $c.Rules[0].ProcessAttachments | Should -Be $Attach
    }

    It 'takes the INI from SMARTEMAIL_INI when no path is given' {
        $env:SMARTEMAIL_INI = $Demo
        try { (Get-SmartEmailConfiguration).Path | Should -Be $Demo }
        finally { Remove-Item Env:SMARTEMAIL_INI }
    }

    It 'writes warnings to the warning stream and still returns the configuration' {
        $ini = New-TestIniFile "[General]`nMSGINDirectory=/m`n[Configuration1]`nSubjectLineMask=x`nEvent=e`nAllowedSenders=ALL`nAllowedTimeFrme=0000-2400`n"
        $c = Get-SmartEmailConfiguration -Path $ini -WarningVariable warnings -WarningAction SilentlyContinue
        $c.PSObject.TypeNames[0] | Should -Be 'SmartEmail.Configuration'
        $c.Rules.Name | Should -Be @('Configuration1')
        ($warnings | Out-String) | Should -Match ([regex]::Escape("${ini}:7")) 
        ($warnings | Out-String) | Should -Match 'Did you mean AllowedTimeFrame\?'
    }

    It 'throws one error that lists every error with its line' {
        $ini = New-TestIniFile "[General]`nMSGINDirectory=/m`n[Configuration1]`nSubjectLineMask=(unclosed`nEvent=e`nAllowedSenders=ALL`nAllowedTimeFrame=9999-0000`n"
        $e = { Get-SmartEmailConfiguration -Path $ini -WarningAction SilentlyContinue } | Should -Throw -ErrorId 'ConfigurationInvalid,SmartEmail.Commands.GetSmartEmailConfigurationCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.TargetObject | Should -Be $ini
        $e.Exception.Message | Should -Match ([regex]::Escape("${ini}:4 [Configuration1] SubjectLineMask"))
        $e.Exception.Message | Should -Match ([regex]::Escape("${ini}:7 [Configuration1] AllowedTimeFrame"))
        $e.Exception.Message | Should -Match '2 error'
    }

    It 'reports a missing file as ObjectNotFound' {
        $missing = Join-Path $TestDrive 'none.ini'
        $e = { Get-SmartEmailConfiguration -Path $missing } | Should -Throw -ErrorId 'ConfigurationNotFound,SmartEmail.Commands.GetSmartEmailConfigurationCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e.Exception.Message | Should -BeLike "*$missing*"
    }

    It 'never shows a stored password' {
        $ini = New-TestIniFile "[General]`nMSGINDirectory=/m`nOpConUser=ocadm`nOpConUserPassword=Pa55-w0rd-xyz`n[Mail]`nUser=bob`nPassword=hunter2-abc`n[Configuration1]`nSubjectLineMask=x`nEvent=e`nAllowedSenders=ALL`n"
        $c = Get-SmartEmailConfiguration -Path $ini -WarningVariable warnings -WarningAction SilentlyContinue
        $text = ($c | Format-List | Out-String) + ($c.General | Format-List | Out-String) + ($c.Mail | Format-List | Out-String) + ($warnings | Out-String) + ($c | ConvertTo-Json -Depth 5)
        $text | Should -Not -Match 'Pa55-w0rd-xyz'
        $text | Should -Not -Match 'hunter2-abc'
        $c.General.OpConUserPassword.IsSet | Should -BeTrue
        $c.General.OpConUserPassword.IsEncrypted | Should -BeFalse
        $text | Should -Match 'set, not encrypted'
    }

    It 'shows the configuration and its rules in useful views' {
        $c = Get-SmartEmailConfiguration -Path $Demo
        $list = $c | Out-String -Width 160
        $list | Should -Match 'Mailbox\s+: Folder '
        $list | Should -Match 'Configuration2: OpCon/xps'
        $table = $c.Rules | Out-String -Width 160
        $table | Should -Match 'Name\s+SubjectLineMask\s+Events\s+AllowedSenders\s+TimeFrame'
        $table | Should -Match 'Configuration3\s+Payroll file for \(\[0-9\]\{8\}\)\s+1\s+ALL\s+0000-2400\s+Attach'
    }
}
