# Help for every exported cmdlet comes from docs/en-US/<Cmdlet>.md through build/help.ps1 (MAML). These tests run
# against the built module, so they catch a build that skipped the help step as well as thin pages.
#   SMARTEMAIL_MODULE_PATH  the built module's manifest (out/.../SmartEmail.psd1); required
#   SMARTEMAIL_DOCS_PATH    the cmdlet pages; defaults to <repo>/docs/en-US

BeforeDiscovery {
    if (-not $env:SMARTEMAIL_MODULE_PATH) { throw 'Set SMARTEMAIL_MODULE_PATH to the built SmartEmail.psd1.' }
    $docsPath = if ($env:SMARTEMAIL_DOCS_PATH) { $env:SMARTEMAIL_DOCS_PATH } else { Join-Path $PSScriptRoot '../../docs/en-US' }
    $docsPath = [System.IO.Path]::GetFullPath($docsPath)
    $module = Import-Module $env:SMARTEMAIL_MODULE_PATH -Force -PassThru -ErrorAction Stop | Select-Object -Last 1

    # Common parameters are described once by <CommonParameters>; WhatIf and Confirm are checked like the rest.
    $commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + 'UseTransaction'
    $cmdletCases = foreach ($cmdlet in $module.ExportedCmdlets.Values | Sort-Object Name) {
        @{
            Name       = $cmdlet.Name
            Parameters = @(foreach ($parameter in $cmdlet.Parameters.Values) {
                    if ($parameter.Name -notin $commonParameters) { @{ Parameter = $parameter.Name } }
                })
        }
    }
    $pageCases = @(@{ ModuleName = $module.Name; DocsPath = $docsPath; Exported = @($cmdletCases.Name) })
}

BeforeAll {
    Import-Module $env:SMARTEMAIL_MODULE_PATH -Force -ErrorAction Stop
}

Describe 'Cmdlet pages in <DocsPath>' -ForEach $pageCases {
    BeforeAll {
        # Same rule as build/help.ps1: <ApprovedVerb>-<Noun>.md is a cmdlet page; other pages are guides.
        $verbs = @(Get-Verb | ForEach-Object Verb)
        $pages = @(Get-ChildItem -LiteralPath $DocsPath -Filter '*-*.md' -File |
            Where-Object { $_.BaseName -match '^([A-Za-z]+)-\w+$' -and $Matches[1] -in $verbs } |
            ForEach-Object BaseName)
    }

    It 'has a page for every exported cmdlet' {
        $missing = @($Exported | Where-Object { $_ -cnotin $pages })
        $missing | Should -BeNullOrEmpty -Because "every cmdlet that $ModuleName exports needs docs/en-US/<Cmdlet>.md"
    }

    It 'has no page for a command that is not exported' {
        $extra = @($pages | Where-Object { $_ -cnotin $Exported })
        $extra | Should -BeNullOrEmpty -Because "a cmdlet page must name a cmdlet that $ModuleName exports"
    }
}

Describe 'Help for <Name>' -ForEach $cmdletCases {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
    }

    It 'comes from the MAML file, not from the metadata fallback' {
        $help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo'
    }

    It 'has a real synopsis' {
        # Without MAML, Get-Help puts the syntax (which names the cmdlet) in the synopsis.
        "$($help.Synopsis)".Trim() | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name*"
    }

    It 'has a description' {
        (@($help.description | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code' {
        $examples = @($help.examples.example | Where-Object { $_ })
        $examples.Count | Should -BeGreaterThan 0
        $examples | ForEach-Object { "$($_.code)".Trim() | Should -Not -BeNullOrEmpty }
    }

    It 'describes -<Parameter>' -ForEach $Parameters {
        $entry = @($help.parameters.parameter | Where-Object name -EQ $Parameter)
        $entry.Count | Should -Be 1 -Because "-$Parameter must appear once under PARAMETERS"
        (@($entry[0].description | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
    }
}
