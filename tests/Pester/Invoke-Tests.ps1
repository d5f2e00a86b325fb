<#
.SYNOPSIS
    Runs the Pester tests in this (fresh) process and writes a summary for build.ps1.
.DESCRIPTION
    build.ps1 starts this script in a new pwsh so that the module under test ($env:SMARTEMAIL_MODULE_PATH) is loaded
    into a clean session, never into the build's own. -Path is a comma-separated list of test files or folders; by
    default the cmdlet tests here and the harness's own tests in tests/services.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Path = ($PSScriptRoot, (Join-Path $PSScriptRoot '../services') -join ',')
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = $Path -split ','
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'JUnitXml'
$config.TestResult.OutputPath = $ResultPath
$result = Invoke-Pester -Configuration $config
# A container that failed to run (syntax error, failing BeforeAll) is a failure even though no test counted it.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[ordered]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount + $result.NotRunCount } |
    ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
"Pester: $($result.PassedCount) passed, $failed failed, $($result.SkippedCount) skipped"
