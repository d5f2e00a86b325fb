# Helpers shared by the Pester tests. The module under test is the built one at $env:SMARTEMAIL_MODULE_PATH.

function Get-ModuleUnderTest {
    # The path of the built SmartEmail.psd1 that build.ps1 is testing.
    if (-not $env:SMARTEMAIL_MODULE_PATH -or -not (Test-Path $env:SMARTEMAIL_MODULE_PATH)) {
        throw "SMARTEMAIL_MODULE_PATH does not name a built SmartEmail.psd1 ('$env:SMARTEMAIL_MODULE_PATH'). Run the tests with: dotnet pwsh ./build.ps1 -Task Test"
    }
    $env:SMARTEMAIL_MODULE_PATH
}

function Get-RepoRoot { (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }

function Get-FixturePath {
    param([Parameter(Mandatory)] [string] $Name)
    Join-Path (Get-RepoRoot) "tests/fixtures/$Name"
}

function Get-CorpusPath {
    # The MimeKit corpus in ../shared beside the checkout (developer machines and CI alike).
    $corpus = Join-Path (Get-RepoRoot) '../shared/corpus/mimekit'
    if (-not (Test-Path $corpus)) { throw "The shared MIME corpus is missing at $corpus." }
    (Resolve-Path $corpus).Path
}

function Invoke-FreshPwsh {
    <#
    .SYNOPSIS
        Runs a script in a new pwsh process (same PowerShell as this one) and returns its output lines and exit code.
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [string[]] $ArgumentList = @()
    )
    $file = Join-Path ([IO.Path]::GetTempPath()) "smartemail-test-$([guid]::NewGuid()).ps1"
    Set-Content -Path $file -Value $Script -Encoding utf8
    try {
        $exe = [Environment]::ProcessPath
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $output = & $exe @prefix -NoProfile -NonInteractive -File $file @ArgumentList 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ Output = @($output); ExitCode = $LASTEXITCODE }
    }
    finally {
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

# Every text of an error record a user could see: the password must be in none of them.
function Get-ErrorText {
    param([System.Management.Automation.ErrorRecord] $ErrorRecord)
    $texts = [System.Collections.Generic.List[string]]::new()
    $texts.Add($ErrorRecord.ToString())
    $texts.Add(($ErrorRecord | Out-String -Width 500))
    $texts.Add("$($ErrorRecord.TargetObject)")
    $texts.Add("$($ErrorRecord.ErrorDetails)")
    for ($e = $ErrorRecord.Exception; $null -ne $e; $e = $e.InnerException) {
        $texts.Add($e.Message)
        $texts.Add($e.ToString())
    }
    $texts -join "`n"
}

# Distinct free ports: all listeners are open at once, so no port is handed out twice.
function Get-FreePort {
    param([int] $Count = 1)
    $listeners = @(1..$Count | ForEach-Object {
            $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $l.Start()
            $l
        })
    try { $listeners | ForEach-Object { $_.LocalEndpoint.Port } } finally { $listeners | ForEach-Object { $_.Stop() } }
}

Export-ModuleMember -Function Get-ModuleUnderTest, Get-RepoRoot, Get-FixturePath, Get-CorpusPath, Invoke-FreshPwsh, Get-ErrorText, Get-FreePort
