<#
.SYNOPSIS
    The SmartEmail demo: the main job on the bundled demo mailbox (docs/examples/mailbox, rules in SMArtEmail.ini).
.DESCRIPTION
    Run it with: dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo
    It copies the demo INI and mailbox (a folder of .eml files, EmailProtocol=Folder) to a work folder, shows the
    rules and what each decides, then runs the INI-compatible job (Invoke-SmartEmailRun) for real: the accepted mail's
    OpCon events land as files in the demo MSGIN folder and the audit logs are written. A second run shows that nothing
    is submitted twice.
#>
param(
    # The built SmartEmail.psd1 (build.ps1 passes it).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Where the demo runs (build.ps1 passes out/demo); recreated on every run.
    [Parameter(Mandatory)] [string] $WorkPath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
function Show($Object) { $Object | Format-Table | Out-String -Width 160 | Write-Host }

if (Test-Path $WorkPath) { Remove-Item $WorkPath -Recurse -Force }
New-Item -ItemType Directory -Force (Join-Path $WorkPath 'out/MSGIN') | Out-Null   # MSGIN must exist: SmartEmail never creates it
Copy-Item (Join-Path $PSScriptRoot 'SMArtEmail.ini') $WorkPath
Copy-Item (Join-Path $PSScriptRoot 'mailbox') $WorkPath -Recurse
$ini = Join-Path $WorkPath 'SMArtEmail.ini'
$config = Get-SmartEmailConfiguration -Path $ini

Write-Host "SmartEmail $((Get-Module SmartEmail).Version) demo in $WorkPath"
Write-Host "`nThe rules of SMArtEmail.ini:"
Show $config.Rules

Write-Host "The messages in the mailbox ($($config.Mail.Server)):"
$messages = Get-SmartEmailMessage -Path $ini
Show $messages

Write-Host 'What each rule decides (NotMatched rows left out):'
Show ($messages | Test-SmartEmailRule -Configuration $config | Where-Object Outcome -ne 'NotMatched')

Write-Host 'The run (Invoke-SmartEmailRun):'
# The demo INI stores no password; a real one holds the OpCon user's external event token, encrypted.
$opcon = [pscredential]::new('demo', (ConvertTo-SecureString 'demo-token' -AsPlainText -Force))
$result = Invoke-SmartEmailRun -Path $ini -OpConCredential $opcon
$result | Format-List | Out-String -Width 160 | Write-Host

Write-Host "The event files in MSGIN ($($config.General.MsgInDirectory)):"
Get-ChildItem $config.General.MsgInDirectory | ForEach-Object { '  {0}: {1}' -f $_.Name, (Get-Content $_.FullName -Raw).TrimEnd() } | Write-Host

Write-Host "`nThe accept log:"
Get-Content $config.Audit.AuditAcceptLogFile | ForEach-Object { "  $_" } | Write-Host

Write-Host "`nThe same run again submits nothing twice:"
$again = Invoke-SmartEmailRun -Path $ini -OpConCredential $opcon
if ($again.EventsSubmitted -ne 0) { throw 'The second run submitted events again.' }
exit $result.ExitCode
