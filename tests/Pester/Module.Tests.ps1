BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-ModuleUnderTest
    Import-Module $ModulePath -Force
}

Describe 'The SmartEmail module' {
    It 'has a valid manifest' {
        $info = Test-ModuleManifest -Path $ModulePath
        $info.Name | Should -Be 'SmartEmail'
        $info.RootModule | Should -Be 'SmartEmail.dll'
        $info.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $info.PowerShellVersion | Should -Be ([version]'5.1')
    }

    It 'exports exactly the commands the manifest lists, sorted' {
        $manifest = Import-PowerShellDataFile $ModulePath
        $listed = @($manifest.CmdletsToExport)
        $actual = @(Get-Command -Module SmartEmail | ForEach-Object Name | Sort-Object)
        $actual | Should -Be ($listed | Sort-Object)
        $listed | Should -Be ($listed | Sort-Object)   # kept sorted in the manifest
        $manifest.FunctionsToExport.Count | Should -Be 0
        $manifest.AliasesToExport.Count | Should -Be 0
    }

    It 'takes its version from the source manifest only' {
        $source = Import-PowerShellDataFile (Join-Path (Get-RepoRoot) 'SmartEmail.psd1')
        (Get-Module SmartEmail).Version | Should -Be ([version]$source.ModuleVersion)
        Split-Path (Split-Path $ModulePath) -Leaf | Should -Be $source.ModuleVersion
    }

    It 'keeps the engine and every third-party DLL out of the module root' {
        $root = Split-Path $ModulePath
        @(Get-ChildItem $root -Filter *.dll | ForEach-Object Name) | Should -Be @('SmartEmail.dll')
        foreach ($dll in 'SmartEmail.Engine.dll', 'MailKit.dll', 'MimeKit.dll', 'Microsoft.Identity.Client.dll') {
            Join-Path $root "Dependencies/$dll" | Should -Exist
        }
    }

    It 'has no exported type that needs the engine before the module''s loader is hooked up' {
        # PowerShell reflects over every exported type before it runs the module initializer; a type that derives from,
        # implements or holds a value-type field of an engine type breaks Import-Module.
        $result = Invoke-FreshPwsh -ArgumentList (Join-Path (Split-Path $ModulePath) 'SmartEmail.dll') -Script @'
param($Dll)
$types = [Reflection.Assembly]::LoadFrom($Dll).GetExportedTypes()
"types=$($types.Count)"
'@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Match '^types=\d+$'
    }

    It 'loads the engine and MailKit privately, not into the default load context' {
        Get-SmartEmailMessage -MessagePath (Get-FixturePath 'messages/plain.eml') | Out-Null
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
        $engine | Should -HaveCount 1
        $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
        $context | Should -Not -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default)
        $mimeKit = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MimeKit' -and [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_) -eq $context }
        $mimeKit.Location | Should -BeLike ((Join-Path (Split-Path $ModulePath) 'Dependencies') + '*')
    }
}

Describe 'A fresh process loads only what the INI needs' {
    It 'reads a folder mailbox and writes MSGIN events without loading MailKit or MSAL' {
        $demo = Join-Path $TestDrive 'demo'
        Copy-Item -Recurse (Join-Path (Get-RepoRoot) 'docs/examples') $demo
        $null = New-Item -ItemType Directory -Force (Join-Path $demo 'out/MSGIN')
        $result = Invoke-FreshPwsh -ArgumentList $ModulePath, (Join-Path $demo 'SMArtEmail.ini') -Script @'
param($Module, $Ini)
Import-Module $Module
$r = Invoke-SmartEmailRun -Path $Ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
"submitted=$($r.EventsSubmitted)"
[AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { "loaded=$($_.GetName().Name)" }
'@
        $result.Output | Should -Contain 'submitted=3'
        $result.Output | Should -Contain 'loaded=MimeKit'
        $result.Output | Should -Not -Contain 'loaded=MailKit'
        $result.Output | Should -Not -Contain 'loaded=Microsoft.Identity.Client'
    }
}

Describe 'Dependency isolation against other modules' {
    It 'works when PSResourceGet''s older MSAL was loaded first' {
        $msal = Get-ChildItem (Join-Path $PSHOME 'Modules/Microsoft.PowerShell.PSResourceGet') -Recurse -Filter Microsoft.Identity.Client.dll | Select-Object -First 1
        $msal | Should -Not -BeNullOrEmpty -Because 'PowerShell 7.6 bundles PSResourceGet with its own MSAL'
        $older = [Reflection.AssemblyName]::GetAssemblyName($msal.FullName).Version
        $result = Invoke-FreshPwsh -ArgumentList $msal.FullName, $ModulePath, (Get-FixturePath 'messages/plain.eml') -Script @'
param($Msal, $Module, $Eml)
$ErrorActionPreference = 'Stop'
Add-Type -Path $Msal    # what any module that uses MSAL does first in a long-lived session
Import-Module $Module
Get-SmartEmailMessage -MessagePath $Eml | Out-Null
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
foreach ($d in $engine.GetType('SmartEmail.Diagnostics.DependencyReport').GetMethod('Probe').Invoke($null, @())) {
    '{0}={1}' -f $d.Name, $d.Version
}
$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Identity.Client' }
'loaded=' + (($loaded | ForEach-Object { $_.GetName().Version }) -join ',')
'@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $ours = [Reflection.AssemblyName]::GetAssemblyName((Join-Path (Split-Path $ModulePath) 'Dependencies/Microsoft.Identity.Client.dll')).Version
        $ours | Should -Not -Be $older -Because 'the test only proves something when the two versions differ'
        $result.Output | Should -Contain "Microsoft.Identity.Client=$ours"
        # Both versions live side by side in the process: the other module keeps its own.
        ($result.Output | Where-Object { $_ -like 'loaded=*' }) | Should -BeLike "*$older*"
        ($result.Output | Where-Object { $_ -like 'loaded=*' }) | Should -BeLike "*$ours*"
    }

    It 'can be removed and imported again in one session' {
        $result = Invoke-FreshPwsh -ArgumentList $ModulePath, (Get-FixturePath 'messages/plain.eml') -Script @'
param($Module, $Eml)
$ErrorActionPreference = 'Stop'
Import-Module $Module
(Get-SmartEmailMessage -MessagePath $Eml).Subject
Remove-Module SmartEmail
Import-Module $Module
(Get-SmartEmailMessage -MessagePath $Eml).Subject
'@
        $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
        $result.Output | Should -Be @('Test: nightly batch finished', 'Test: nightly batch finished')
    }
}
