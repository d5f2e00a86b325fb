<#
.SYNOPSIS
    The SmartEmail demo: the main job on the bundled demo mailbox (docs/examples/mailbox, rules in SMArtEmail.ini).
.DESCRIPTION
    Run it with: dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo
    It imports the built module, reads the demo mailbox (a folder of .eml files, EmailProtocol=Folder) and dry-runs
    the INI's rules against it: what each rule decides and which OpCon events the accepted mail would submit. The
    INI-compatible run (Invoke-SmartEmailRun), which also writes the events into MSGIN, joins this script when it lands.
#>
param(
    # The built SmartEmail.psd1 (build.ps1 passes it).
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$ini = Join-Path $PSScriptRoot 'SMArtEmail.ini'
$config = Get-SmartEmailConfiguration -Path $ini

Write-Host "SmartEmail $((Get-Module SmartEmail).Version) demo: $ini"
Write-Host "`nThe rules:"
$config.Rules | Format-Table | Out-String -Width 160 | Write-Host

Write-Host "The messages in $($config.Mail.Server):"
$messages = Get-SmartEmailMessage -MessagePath $config.Mail.Server
$messages | Format-Table | Out-String -Width 160 | Write-Host

Write-Host 'What each rule decides (NotMatched rows left out):'
$results = $messages | Test-SmartEmailRule -Configuration $config
$results | Where-Object Outcome -ne 'NotMatched' | Format-Table | Out-String -Width 160 | Write-Host

Write-Host 'The events the accepted mail would submit:'
$results | Where-Object Outcome -eq 'Accepted' | ForEach-Object Events | Out-Host
