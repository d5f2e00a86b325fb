BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'The package' {
    It 'installs from a local repository into a fresh pwsh, then imports and works' {
        $env:SMARTEMAIL_PACKAGE_PATH | Should -Not -BeNullOrEmpty -Because 'build.ps1 -Task Test builds the package first'
        $nupkg = Get-ChildItem $env:SMARTEMAIL_PACKAGE_PATH -Filter 'SmartEmail.*.nupkg'
        $nupkg | Should -HaveCount 1
        $fakeHome = New-Item -ItemType Directory (Join-Path $TestDrive 'home')
        # .NET reports a data folder that does not exist as '' (and PSResourceGet then writes into the current folder).
        New-Item -ItemType Directory (Join-Path $fakeHome 'config'), (Join-Path $fakeHome '.local/share') | Out-Null
        $demo = Join-Path (Get-RepoRoot) 'docs/examples/mailbox'
        # A separate HOME keeps the repository registration and the install out of the real profile.
        $previous = $env:HOME, $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:PSModulePath
        $env:HOME = $fakeHome.FullName; $env:XDG_DATA_HOME = $null; $env:XDG_CONFIG_HOME = Join-Path $fakeHome 'config'
        $env:PSModulePath = $null   # the child builds its own from HOME, as a fresh login would
        try {
            $result = Invoke-FreshPwsh -ArgumentList $env:SMARTEMAIL_PACKAGE_PATH, $demo -Script @'
param($Repository, $Demo)
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name SmartEmailLocal -Uri $Repository -Trusted
Install-PSResource -Name SmartEmail -Repository SmartEmailLocal -Scope CurrentUser -TrustRepository -Quiet
$installed = Get-InstalledPSResource -Name SmartEmail
"installed=$($installed.Version) at $($installed.InstalledLocation)"
Import-Module SmartEmail
"module=$((Get-Module SmartEmail).ModuleBase)"
"messages=$(@(Get-SmartEmailMessage -MessagePath $Demo).Count)"
"synopsis=$((Get-Help Get-SmartEmailMessage).Synopsis)"
"legacy=$(Test-Path (Join-Path (Get-Module SmartEmail).ModuleBase 'smartemail.ps1'))"
'@
        }
        finally {
            $env:HOME, $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:PSModulePath = $previous
        }
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $manifest = Import-PowerShellDataFile (Join-Path (Get-RepoRoot) 'SmartEmail.psd1')
        $result.Output | Should -Contain "installed=$($manifest.ModuleVersion) at $($fakeHome.FullName)/.local/share/powershell/Modules"
        ($result.Output | Where-Object { $_ -like 'module=*' }) | Should -BeLike "module=$($fakeHome.FullName)*"
        $result.Output | Should -Contain 'messages=5'
        $result.Output | Should -Contain 'synopsis=Reads email messages and emits one SmartEmail.Message object per message.'
        $result.Output | Should -Contain 'legacy=True'
    }
}
