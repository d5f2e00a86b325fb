# Test-SmartEmailConfiguration: INI files checked, $true/$false or every finding with -Detailed, never a throw.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Demo = Join-Path (Get-RepoRoot) 'docs/examples/SMArtEmail.ini'
}

Describe 'Test-SmartEmailConfiguration' {
    It 'returns $true for a good INI' {
        Test-SmartEmailConfiguration -Path $Demo | Should -BeTrue
    }

    It 'returns $false for a bad INI and never throws' {
        $ini = New-TestIniFile "[General]`nMSGINDirectory=/m`n[Configuration1]`nSubjectLineMask=x`n"
        Test-SmartEmailConfiguration -Path $ini | Should -BeFalse
        Test-SmartEmailConfiguration -Path (Join-Path $TestDrive 'missing.ini') | Should -BeFalse
    }

    It 'lists every finding with -Detailed' {
        $ini = New-TestIniFile "[General]`nMSGINDirectory=/m`nDeleteEmails=Sometimes`n[Mail]`nEmailProtocol=IMAP`nServer=mail.example.com`nPort=995`n[Configuration1]`nSubjectLineMask=x`nEvent=`$CONSOLE:DISPLAY,[[UNDEFINED]]`nAllowedSenders=ALL`nProcessAttachments=True`n"
        $findings = @(Test-SmartEmailConfiguration -Path $ini -Detailed)
        $findings | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'SmartEmail.ConfigurationFinding' }
        $byKey = $findings | Group-Object Key -AsHashTable
        $byKey['DeleteEmails'].Severity | Should -Be 'Error'
        $byKey['DeleteEmails'].Line | Should -Be 3
        $byKey['Port'].Severity | Should -Be 'Warning'
        $byKey['Event'].Line | Should -Be 10
        $byKey['Event'].Message | Should -Match '\[\[UNDEFINED\]\]'
        $byKey['AttachmentMask'].Severity | Should -Be 'Error'
        $findings | ForEach-Object { $_.Path | Should -Be $ini }
        ($findings | Out-String -Width 200) | Should -Match 'Severity\s+Line\s+Section\s+Key\s+Message'
    }

    It 'reports a missing file as an Error finding' {
        $missing = Join-Path $TestDrive 'missing.ini'
        $f = Test-SmartEmailConfiguration -Path $missing -Detailed
        $f.Severity | Should -Be 'Error'
        $f.Message | Should -BeLike '*does not exist*'
    }

    It 'takes INI files from the pipeline' {
        $good = Get-Item $Demo
        $bad = Get-Item (New-TestIniFile "[Configuration1]`nEvent=e`n")
        $good, $bad | Test-SmartEmailConfiguration | Should -Be @($true, $false)
    }
}
