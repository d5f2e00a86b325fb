<#
.SYNOPSIS
    Fills the settings list of about_SmartEmail_Ini in the built module from the engine's own list of INI keys
    (SmartEmail.Ini.IniSchema), so the help can never disagree with what the reader understands.
.DESCRIPTION
    The hand-written en-US/about_SmartEmail_Ini.help.txt holds the line @@SETTINGS@@; this script replaces it in the
    copy inside the built module. Run by build.ps1 -Task Docs, in its own pwsh.
#>
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'SmartEmail.psd1')
$null = New-SmartEmailRule -Name load -SubjectLineMask x -Event '$CONSOLE:DISPLAY,x'   # loads the engine
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
$keys = $engine.GetType('SmartEmail.Ini.IniSchema').GetProperty('Keys').GetValue($null)

function Format-Wrapped([string] $Text, [string] $Indent) {
    $line = ''
    foreach ($word in $Text -split ' ') {
        if (($line.Length + $word.Length + 1) -gt (78 - $Indent.Length) -and $line) { "$Indent$line"; $line = $word }
        else { $line = ($line + ' ' + $word).Trim() }
    }
    if ($line) { "$Indent$line" }
}

$settings = foreach ($section in 'General', 'Mail', 'Audit', 'Tokens', 'OpCon', 'Configuration') {
    if ($section -eq 'Configuration') { '    [Configuration#] (one per rule: Configuration1, Configuration2, ...)' } else { "    [$section]" }
    if ($section -eq 'Tokens') {
        '        NAME=value'
        Format-Wrapped 'A token usable as [[NAME]] in every [Configuration#] value; one token may hold a ;-separated list of senders.' '            '
        ''
        continue
    }
    foreach ($key in $keys | Where-Object Section -eq $section) {
        "        $($key.Name)"
        $default = if ($null -ne $key.Default) { " Default: $($key.Default)." } else { '' }
        Format-Wrapped "$($key.Description)$default" '            '
    }
    ''
}
$topic = Join-Path $ModulePath 'en-US/about_SmartEmail_Ini.help.txt'
$text = Get-Content -Raw $topic
if ($text -notmatch '@@SETTINGS@@') { throw "$topic has no @@SETTINGS@@ line to fill." }
Set-Content -Path $topic -Value ($text -replace '@@SETTINGS@@\r?\n', (($settings -join "`n") + "`n")) -NoNewline
"about-ini.ps1: listed $(@($keys).Count) settings in $topic"
