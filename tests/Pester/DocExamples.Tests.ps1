BeforeDiscovery {
    # Every example of every cmdlet page that runs offline: it uses only the bundled demo files (./docs/examples) and
    # asks for nothing (no Get-Credential, no server, no path that exists only on an admin's machine).
    $docs = Join-Path $PSScriptRoot '../../docs/en-US'
    $Examples = foreach ($page in Get-ChildItem $docs -Filter '*-SmartEmail*.md') {
        $text = Get-Content -Raw $page.FullName
        $section = ($text -split '(?m)^## EXAMPLES\s*$')[1] -split '(?m)^## PARAMETERS\s*$' | Select-Object -First 1
        foreach ($example in ($section -split '(?m)^### ') | Where-Object { $_.Trim() }) {
            $title = ($example -split "`n")[0].Trim()
            $code = [regex]::Match($example, '(?s)```powershell\s*\n(.*?)\n```').Groups[1].Value
            $offline = $code -match '\./docs/examples' -and $code -notmatch 'Get-Credential|-Server |\\\\|[A-Z]:\\|/etc/|export\.mbox|\./saved|\./received'
            if ($code -and $offline) { @{ Page = $page.BaseName; Title = $title; Code = $code } }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
}

Describe 'The offline examples of the cmdlet pages run' {
    It 'has offline examples to run (<Count>)' -ForEach @(@{ Count = $Examples.Count }) {
        $Count | Should -BeGreaterThan 10
    }

    It '<Page>: <Title>' -ForEach $Examples {
        # Run in a copy of the demo files, so an example that writes (a run, a save) changes nothing in the checkout.
        $work = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))
        New-Item -ItemType Directory (Join-Path $work 'docs') | Out-Null
        Copy-Item (Join-Path (Get-RepoRoot) 'docs/examples') (Join-Path $work 'docs') -Recurse
        New-Item -ItemType Directory (Join-Path $work 'docs/examples/out/MSGIN') -Force | Out-Null
        Push-Location $work
        try {
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $InformationPreference = 'SilentlyContinue'
            $output = & ([scriptblock]::Create($Code)) 6>$null
            { $output | Out-String } | Should -Not -Throw
        }
        finally {
            Pop-Location
        }
    }
}
