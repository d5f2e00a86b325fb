# The module on the .NET of each PowerShell 7 it supports: 7.4 (.NET 8), 7.5 (.NET 9) and 7.6 (.NET 10). This pwsh is
# 7.6 and only 7.6 is on the feed, so tests/SmartEmail.LoaderHost stands in for the older ones: published self-contained
# on each runtime (build.ps1 -Task Test, SMARTEMAIL_LOADER_HOST), it loads the built SmartEmail.dll and calls the real
# CoreClrLoader.Register as Import-Module does, then uses the engine on every path that pulls in a dependency (message
# files with code-page charsets, the INI, secrets, a run, a TLS certificate refusal, MSAL). Beside the .NET runtime it
# carries the packages PowerShell also puts in $PSHOME with names the module ships (System.Security.Cryptography.Pkcs,
# ProtectedData, Microsoft.Bcl.AsyncInterfaces) at that .NET's version, so the loader meets the same overlap as in pwsh.
#
# The engine and MailKit are built against 10.0 packages (System.Text.Encoding.CodePages, System.Formats.Asn1), which
# .NET 8 and 9 only have as 8.0 and 9.0: there the loader must take ours from Dependencies/; on .NET 10 the runtime's.
BeforeDiscovery {
    $Runtimes = @(
        @{ Framework = 'net8.0'; Dotnet = 8; PowerShell = '7.4' }
        @{ Framework = 'net9.0'; Dotnet = 9; PowerShell = '7.5' }
        @{ Framework = 'net10.0'; Dotnet = 10; PowerShell = '7.6' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-ModuleUnderTest
    $ModuleRoot = Split-Path $ModulePath
    $Dependencies = Join-Path $ModuleRoot 'Dependencies'
    $LoaderHost = $env:SMARTEMAIL_LOADER_HOST
    if (-not $LoaderHost -or -not (Test-Path $LoaderHost)) {
        throw "SMARTEMAIL_LOADER_HOST does not name the published tests/SmartEmail.LoaderHost ('$LoaderHost'). Run the tests with: dotnet pwsh ./build.ps1 -Task Test"
    }
    $Demo = Join-Path (Get-RepoRoot) 'docs/examples'
    $MessagePaths = @((Get-FixturePath 'messages'), (Join-Path $Demo 'mailbox'))

    # What PowerShell 7.6 reads from the same files with the same module: the reference for every runtime.
    Import-Module $ModulePath -Force
    $Expected = @(Get-SmartEmailMessage -MessagePath $MessagePaths |
            ForEach-Object { '{0}|{1}|{2}' -f (Split-Path $_.Source -Leaf), $_.Subject, $_.FromName } | Sort-Object)

    # The assembly version of every DLL the module ships, by name.
    $Shipped = @{}
    foreach ($dll in Get-ChildItem $Dependencies -Filter *.dll) { $Shipped[$dll.BaseName] = [Reflection.AssemblyName]::GetAssemblyName($dll.FullName).Version }

    function Invoke-LoaderHost([string] $Framework) {
        $exe = Join-Path $LoaderHost "$Framework/SmartEmail.LoaderHost$(if ($IsWindows) { '.exe' })"
        if (-not (Test-Path $exe)) { throw "The loader host for $Framework is missing at $exe (build.ps1 -Task Test publishes it)." }
        $output = @(& $exe $ModuleRoot $Demo (Join-Path $TestDrive $Framework) @MessagePaths 2>&1 | ForEach-Object { "$_" })
        $run = [pscustomobject]@{
            ExitCode   = $LASTEXITCODE
            Output     = $output
            Runtime    = $null
            Steps      = [ordered]@{}
            Messages   = [Collections.Generic.List[string]]::new()
            RuntimeCopies = @{}   # name -> version of the runtime's (trusted platform) copy, for names the module ships
            Assemblies = [Collections.Generic.List[object]]::new()
            Unloadable = [Collections.Generic.List[string]]::new()
        }
        switch -Regex ($output) {
            '^runtime=(.*)$' { $run.Runtime = $Matches[1] }
            '^step=([^|]+)\|([^|]+)\|(.*)$' { $run.Steps[$Matches[1]] = [pscustomobject]@{ Status = $Matches[2]; Detail = $Matches[3] } }
            '^message=(.*)$' { $run.Messages.Add($Matches[1]) }
            '^tpa=([^|]+)\|(.*)$' { $run.RuntimeCopies[$Matches[1]] = [version] $Matches[2] }
            '^assembly=([^|]*)\|([^|]*)\|([^|]*)\|(.*)$' {
                $run.Assemblies.Add([pscustomobject]@{ Name = $Matches[1]; Version = [version] $Matches[2]; Context = $Matches[3]; Location = $Matches[4] })
            }
            '^unloadable=(.*)$' { $run.Unloadable.Add($Matches[1]) }
        }
        $run
    }
}

Describe 'The module on PowerShell <PowerShell> (.NET <Dotnet>)' -ForEach $Runtimes {
    BeforeAll {
        $run = Invoke-LoaderHost $Framework
        $report = $run.Output -join "`n"
        $private = @($run.Assemblies | Where-Object Context -EQ 'private')
    }

    It 'runs on .NET <Dotnet>, with that .NET''s copies of the names the module also ships' {
        $run.Runtime | Should -Match "^\.NET $Dotnet\." -Because $report
        $run.RuntimeCopies['System.Text.Encoding.CodePages'].Major | Should -Be $Dotnet
        $run.RuntimeCopies['System.Security.Cryptography.Pkcs'].Major | Should -Be $Dotnet -Because 'PowerShell ships Pkcs in $PSHOME'
    }

    It 'loads the engine through CoreClrLoader, without PowerShell, and every engine path works' {
        $run.Steps.Keys | Should -Be @('register', 'engine', 'messages', 'configuration', 'secrets', 'run', 'tls', 'probe')
        foreach ($step in $run.Steps.Keys) { $run.Steps[$step].Status | Should -Be 'ok' -Because "step $step ($($run.Steps[$step].Detail))" }
        $run.Unloadable | Should -BeNullOrEmpty -Because 'no assembly may fail to load, not even one a library catches'
        $run.ExitCode | Should -Be 0 -Because $report
        $run.Steps['register'].Detail | Should -Be 'System.Management.Automation not loaded'
        $run.Steps['engine'].Detail | Should -BeLike '* in private context'
        $run.Steps['configuration'].Detail | Should -Be '3 rules, 0 findings'
        $run.Steps['run'].Detail | Should -BeLike '5 scanned, 3 accepted, 3 events, exit code 0, state * bytes'
        $run.Steps['tls'].Detail | Should -BeLike 'refused as expected (Certificate: *issued for another name)'
    }

    It 'reads every message as PowerShell 7.6 does, code-page charsets included' {
        @($run.Messages | Sort-Object) | Should -Be $Expected
        $run.Messages | Should -Contain 'latin1-charset.eml|Reçu – coût € 100|François'   # Windows-1252: the code pages are registered
    }

    It 'takes each DLL it ships from the runtime when the runtime''s is as new, else from Dependencies/, once' {
        # Everything in the private context is ours, from Dependencies/ (or its ReadyToRun folder), one copy per name.
        foreach ($a in $private) { $a.Location | Should -BeLike (Join-Path $Dependencies '*') -Because "$($a.Name) is in the private context" }
        @($private | Group-Object Name | Where-Object Count -GT 1 | ForEach-Object Name) | Should -BeNullOrEmpty
        foreach ($name in $Shipped.Keys) {
            $ours = @($private | Where-Object Name -EQ $name)
            $runtimes = @($run.Assemblies | Where-Object { $_.Name -eq $name -and $_.Context -eq 'default' })
            if ($run.RuntimeCopies.ContainsKey($name) -and $run.RuntimeCopies[$name] -ge $Shipped[$name]) {
                $ours | Should -BeNullOrEmpty -Because "the runtime's $name $($run.RuntimeCopies[$name]) is at least ours ($($Shipped[$name]))"
            }
            elseif ($run.RuntimeCopies.ContainsKey($name) -and $ours) {
                $ours[0].Version | Should -Be $Shipped[$name] -Because "the runtime's $name $($run.RuntimeCopies[$name]) is older than ours"
            }
            # Whatever the default context holds under a name we ship is the runtime's (the host's own use), never ours.
            foreach ($r in $runtimes) { $r.Location | Should -Not -BeLike (Join-Path $Dependencies '*') }
        }
    }

    It 'gets the 10.0 code pages and ASN.1 the engine and MailKit were built against: ours on .NET 8 and 9, the runtime''s on 10' {
        foreach ($name in 'System.Text.Encoding.CodePages', 'System.Formats.Asn1') {
            $ours = @($private | Where-Object Name -EQ $name)
            if ($Dotnet -lt 10) {
                $ours | Should -HaveCount 1 -Because "$name is used (code pages: every message; ASN.1: the TLS refusal)"
                $ours[0].Version | Should -Be ([version] '10.0.0.0')
                $ours[0].Location | Should -Be (Join-Path $Dependencies "$name.dll")
            }
            else {
                $ours | Should -BeNullOrEmpty
                @($run.Assemblies | Where-Object { $_.Name -eq $name -and $_.Context -eq 'default' }) | Should -HaveCount 1
            }
        }
        if ($Dotnet -ge 10) {
            # PowerShell 7.6: as before the fix, no name the runtime provides is loaded from Dependencies/.
            @($private | Where-Object { $run.RuntimeCopies.ContainsKey($_.Name) }) | Should -BeNullOrEmpty
        }
    }
}
