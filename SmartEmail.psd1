@{
    RootModule           = 'SmartEmail.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '0c5e7a52-3f1d-4b8e-9c6a-7d2e5b1f9a34'
    Author               = 'SmartEmail contributors'
    CompanyName          = 'SmartEmail'
    Copyright            = '(c) SmartEmail contributors. MIT licence.'
    Description          = 'Turns email into OpCon job-scheduler events: reads SMArtEmail.ini unchanged, matches mail against its rules and writes OpCon external events, one pipeline cmdlet per step.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('SmartEmail.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-SmartEmailConfiguration'
        'Get-SmartEmailMessage'
        'Invoke-SmartEmailRun'
        'New-SmartEmailRule'
        'Remove-SmartEmailMessage'
        'Request-SmartEmailToken'
        'Save-SmartEmailMessage'
        'Set-SmartEmailCredential'
        'Submit-SmartEmailEvent'
        'Test-SmartEmailConfiguration'
        'Test-SmartEmailRule'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('OpCon', 'Email', 'IMAP', 'POP3', 'Scheduler', 'Automation', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ReleaseNotes = @'
0.1.0: reads SMArtEmail.ini unchanged (Get-/Test-SmartEmailConfiguration); IMAP, POP3, folder and file mailboxes
(Get-, Save-, Remove-SmartEmailMessage); the rule engine as a dry run (Test-SmartEmailRule, New-SmartEmailRule);
OpCon events into MSGIN atomically or through the REST API (Submit-SmartEmailEvent); the INI-compatible run with
exactly-once submission, audit logs and notices (Invoke-SmartEmailRun); encrypted credentials
(Set-SmartEmailCredential); smartemail.ps1 for smartemail.exe's command line. Not yet: Office 365 (MSAL).
'@
        }
    }
}
