<#
.SYNOPSIS
    The SmartEmail demo: the main job on the bundled demo mailbox (docs/examples/mailbox, rules in SMArtEmail.ini).
.DESCRIPTION
    Run it with: dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo
    It imports the built module and reads the demo mailbox, a folder of .eml files, exactly as a job would read a
    real one. The rule engine and the INI-compatible run (Invoke-SmartEmailRun) join this script as they land.
#>
param(
    # The built SmartEmail.psd1 (build.ps1 passes it).
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$mailbox = Join-Path $PSScriptRoot 'mailbox'

Write-Host "SmartEmail $((Get-Module SmartEmail).Version) demo: the messages in $mailbox"
Get-SmartEmailMessage -MessagePath $mailbox | Format-Table | Out-Host

Write-Host 'Attachments by message:'
Get-SmartEmailMessage -MessagePath $mailbox | Where-Object { $_.Attachments.Count } |
    Select-Object Subject, @{ n = 'Attachments'; e = { $_.Attachments -join ', ' } } | Format-Table -AutoSize | Out-Host
