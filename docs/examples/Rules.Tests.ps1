<#
    Dry-run your SMArtEmail.ini rules with Pester, before a job ever runs.

    Save a few real emails as .eml files next to your INI (most mail clients can "Save as"), then describe what each
    rule must do with them. Test-SmartEmailRule has no side effects: nothing is submitted, moved or deleted.

        Invoke-Pester ./Rules.Tests.ps1

    This file tests the demo INI and mailbox beside it; copy it next to your own INI and change the paths and the
    expectations.
#>
BeforeAll {
    # The module installed on this machine, or the one a build under test points at.
    Import-Module $(if ($env:SMARTEMAIL_MODULE_PATH) { $env:SMARTEMAIL_MODULE_PATH } else { 'SmartEmail' }) -Force
    $Ini = Join-Path $PSScriptRoot 'SMArtEmail.ini'
    $Mailbox = Join-Path $PSScriptRoot 'mailbox'

    function Test-Mail([string] $File, [string] $Rule) {
        # One message against one rule.
        Test-SmartEmailRule -Path $Ini -MessagePath (Join-Path $Mailbox $File) -RuleName $Rule
    }
}

Describe 'The demo SMArtEmail.ini' {
    It 'is free of errors' {
        Test-SmartEmailConfiguration -Path $Ini | Should -BeTrue
    }

    It 'accepts the admin''s test mail and displays a console message' {
        $result = Test-Mail '01-test.eml' 'Configuration1'
        $result.Outcome | Should -Be 'Accepted'
        $result.Events | Should -Be '$CONSOLE:DISPLAY,the test passed'
    }

    It 'rejects a Test mail from anyone else, as an invalid sender' {
        $result = Test-Mail '04-spoof.eml' 'Configuration1'
        $result.Outcome | Should -Be 'Rejected'
        $result.Reason | Should -Be 'Invalid Sender'
    }

    It 'sets the ACH balance property from the subject''s captures' {
        (Test-Mail '02-ach-balance.eml' 'Configuration2').Events | Should -Be '$PROPERTY:SET,ACHBalanceTotal,149926.22'
    }

    It 'adds the payroll job with the attached file''s name' {
        $result = Test-Mail '03-payroll.eml' 'Configuration3'
        $result.Outcome | Should -Be 'Accepted'
        $result.Events | Should -Be '$JOB:ADD,20261124,PAYROLL,LOAD PAYROLL,MSG=Payroll file PAYROLL_20261124.csv'
    }

    It 'lets the newsletter match no rule at all' {
        $results = Test-SmartEmailRule -Path $Ini -MessagePath (Join-Path $Mailbox '05-newsletter.eml')
        $results.Outcome | Should -Not -Contain 'Accepted'
        $results.Outcome | Should -Not -Contain 'Rejected'
    }

    It 'only accepts test mail during working hours when the window says so' {
        $rule = New-SmartEmailRule -Name OfficeHours -SubjectLineMask '^Test$' -Event '$CONSOLE:DISPLAY,ok' -AllowedTimeFrame '0800-1800' -TimeZone 'UTC'
        $mail = Get-SmartEmailMessage -MessagePath (Join-Path $Mailbox '01-test.eml')
        ($mail | Test-SmartEmailRule -Rule $rule -At '2026-11-24T09:00:00Z').Outcome | Should -Be 'Accepted'
        ($mail | Test-SmartEmailRule -Rule $rule -At '2026-11-24T22:00:00Z').Reason | Should -Be 'Message received outside timeframe'
    }
}
