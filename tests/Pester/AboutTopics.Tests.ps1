BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
}

Describe 'About topics' {
    It '<_> is found by Get-Help' -ForEach @('about_SmartEmail', 'about_SmartEmail_Ini', 'about_SmartEmail_Rules', 'about_SmartEmail_Migration', 'about_SmartEmail_Office365') {
        $help = Get-Help $_ | Out-String
        $help | Should -Match "TOPIC\s+$_"
        $help | Should -Match 'LONG DESCRIPTION'
    }

    It 'about_SmartEmail_Ini lists every setting the INI reader knows, with its default' {
        $null = New-SmartEmailRule -Name load -SubjectLineMask x -Event '$CONSOLE:DISPLAY,x'
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
        $keys = @($engine.GetType('SmartEmail.Ini.IniSchema').GetProperty('Keys').GetValue($null))
        $keys.Count | Should -BeGreaterThan 60
        $text = Get-Content -Raw (Join-Path (Split-Path (Get-ModuleUnderTest)) 'en-US/about_SmartEmail_Ini.help.txt')
        $text | Should -Not -Match '@@SETTINGS@@'
        foreach ($key in $keys) {
            $text | Should -Match "(?m)^\s+$([regex]::Escape($key.Name))\s*$" -Because "$($key.Section)/$($key.Name) is a setting"
        }
        $text | Should -Match 'Default: Match\.'   # DeleteEmails
    }

    It 'about_SmartEmail_Ini''s SETTINGS list is exactly the one the schema writes, with types, defaults and parameters' {
        $null = New-SmartEmailRule -Name load -SubjectLineMask x -Event '$CONSOLE:DISPLAY,x'
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
        $expected = $engine.GetType('SmartEmail.Ini.IniSchema').GetMethod('SettingsText').Invoke($null, @())
        $text = (Get-Content -Raw (Join-Path (Split-Path (Get-ModuleUnderTest)) 'en-US/about_SmartEmail_Ini.help.txt')) -replace '\r\n', "`n"
        $text -match '(?s)\nSETTINGS\n(.*?)EDITING\n' | Should -BeTrue -Because 'the topic has a SETTINGS section before EDITING'
        $Matches[1] | Should -BeExactly $expected
        # What the schema adds beyond name and description, as a reader sees it (lines wrapped at any space):
        $flat = $expected -replace '\s+', ' '
        $flat | Should -Match ' MaxAttempts How many runs [^.]+\. A whole number, at least 1\. Default: 3\. '
        $flat | Should -Match ' MsgInEncoding The encoding [^.]+\. One of: ASCII, Windows-1252, UTF-8\. Default: ASCII\. '
        $flat | Should -Match ' ProcessBody [^.]+\. True or False\. Default: False\. New-SmartEmailRule: the switch -ProcessBody\. '
    }
}

Describe 'The module page' {
    It 'has the manifest''s GUID and lists every exported cmdlet' {
        $page = Get-Content -Raw (Join-Path (Get-RepoRoot) 'docs/en-US/SmartEmail.md')
        $manifest = Import-PowerShellDataFile (Join-Path (Get-RepoRoot) 'SmartEmail.psd1')
        $page | Should -Match "(?m)^Module Guid: $($manifest.GUID)\s*$"
        foreach ($cmdlet in $manifest.CmdletsToExport) {
            $page | Should -Match "### \[$cmdlet\]\($cmdlet\.md\)"
        }
    }
}
