# New-SmartEmailRule: rules built from parameters, validated as the INI's are. No mailbox needed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
}

Describe 'New-SmartEmailRule' {
    It 'builds a SmartEmail.Rule with the INI settings' {
        $r = New-SmartEmailRule -Name Payroll -SubjectLineMask 'Payroll (\d+)' -Event 'e1', 'e2' -AllowedSenders 'a@b.com;any@c.com', 'd@e.com' -AllowedTimeFrame '2200-0600' -ProcessBody -QualifyingSubjectLine 'x' -UseWildCards
        $r.PSObject.TypeNames[0] | Should -Be 'SmartEmail.Rule'
        $r.Name | Should -Be 'Payroll'
        $r.Events | Should -Be @('e1', 'e2')
        $r.AllowedSenders | Should -Be @('a@b.com', 'any@c.com', 'd@e.com')
        $r.AllowedTimeFrame | Should -Be '2200-0600'
        $r.ProcessBody | Should -BeTrue
        $r.UseWildCards | Should -BeTrue
        (New-SmartEmailRule x y z).AllowedSenders | Should -Be @('ALL')
    }

    It 'refuses an invalid setting, naming its parameter' -ForEach @(
        @{ Arguments = @{ SubjectLineMask = '(unclosed' }; Parameter = 'SubjectLineMask'; Text = '*SubjectLineMask*not a valid regular expression*' }
        @{ Arguments = @{ AllowedTimeFrame = '25:00-1' }; Parameter = 'AllowedTimeFrame'; Text = '*AllowedTimeFrame*' }
        @{ Arguments = @{ ProcessAttachments = $true }; Parameter = 'AttachmentMask'; Text = '*AttachmentMask*' }
        @{ Arguments = @{ TimeZone = 'Mars/Olympus' }; Parameter = 'TimeZone'; Text = '*TimeZone*' }
        @{ Arguments = @{ RequireAuthenticatedSender = $true }; Parameter = 'TrustedAuthServId'; Text = '*TrustedAuthServId*' }
        @{ Arguments = @{ ProcessAttachments = $true; AttachmentMask = '[' }; Parameter = 'AttachmentMask'; Text = '*AttachmentMask is not a valid regular expression*' }
        @{ Arguments = @{ AllowedSenders = ';' }; Parameter = 'AllowedSenders'; Text = '*lists no sender*' }
    ) {
        $base = @{ Name = 'Bad'; SubjectLineMask = 'x'; Event = 'e' }
        foreach ($k in $Arguments.Keys) { $base[$k] = $Arguments[$k] }
        $e = { New-SmartEmailRule @base } | Should -Throw -ErrorId 'RuleInvalid,SmartEmail.Commands.NewSmartEmailRuleCommand' -PassThru
        $e.Exception.Message | Should -BeLike "-$Parameter of rule 'Bad': *"
        $e.Exception.Message | Should -BeLike $Text
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'gives the same message as Test-SmartEmailConfiguration for the same rule in an INI (one validator)' {
        $dir = (New-Item -ItemType Directory (Join-Path $TestDrive 'onevalidator')).FullName
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content $ini "[General]`nMSGINDirectory=$dir`n[Mail]`nEmailProtocol=Folder`nServer=$dir`n[Configuration1]`nSubjectLineMask=x`nEvent=e`nAllowedSenders=ALL`nAllowedTimeFrame=0800-2500`n"
        $finding = Test-SmartEmailConfiguration $ini -Detailed | Where-Object Key -eq 'AllowedTimeFrame'
        $finding.Line | Should -Be 10
        $e = { New-SmartEmailRule -Name Configuration1 -SubjectLineMask x -Event e -AllowedTimeFrame '0800-2500' } | Should -Throw -PassThru
        $e.Exception.Message | Should -BeExactly "-AllowedTimeFrame of rule 'Configuration1': $($finding.Message)"
    }

    It 'takes -UnsafeValueAction in any letter case, and refuses a value outside Reject and Strip' {
        (New-SmartEmailRule -Name r -SubjectLineMask x -Event e -UnsafeValueAction strip).UnsafeValueAction | Should -Be 'Strip'
        $e = { New-SmartEmailRule -Name r -SubjectLineMask x -Event e -UnsafeValueAction Drop } | Should -Throw -ErrorId '*,SmartEmail.Commands.NewSmartEmailRuleCommand' -PassThru
        $e.Exception.Message | Should -BeLike '*UnsafeValueAction*Reject*Strip*'
    }

    It 'has one parameter per rule setting of the schema, switches for the yes/no ones, and no other' {
        $null = New-SmartEmailRule -Name load -SubjectLineMask x -Event e
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
        $ruleKeys = @($engine.GetType('SmartEmail.Ini.IniSchema').GetProperty('Keys').GetValue($null) | Where-Object Section -eq 'Configuration')
        $ruleKeys.Count | Should -BeGreaterThan 10
        $parameters = (Get-Command New-SmartEmailRule).Parameters.Values |
            Where-Object { $_.Name -notin [Management.Automation.Cmdlet]::CommonParameters -and $_.Name -ne 'Name' }
        @($parameters.Name | Sort-Object) | Should -Be @($ruleKeys.Parameter | Sort-Object)
        foreach ($key in $ruleKeys) {
            $type = (Get-Command New-SmartEmailRule).Parameters[$key.Parameter].ParameterType
            ($type -eq [switch]) | Should -Be ("$($key.Type)" -eq 'Boolean') -Because "$($key.Name) is a $($key.Type)"
        }
    }
}
