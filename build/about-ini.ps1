<#
.SYNOPSIS
    Fills the settings list of about_SmartEmail_Ini in the built module from the engine's own declaration of every
    INI setting (SmartEmail.Ini.IniSchema), so the help can never disagree with what the reader understands.
.DESCRIPTION
    The hand-written en-US/about_SmartEmail_Ini.help.txt holds the line @@SETTINGS@@; this script replaces it in the
    copy inside the built module with IniSchema.SettingsText(): each section and key, its description, the values it
    takes, its default and its New-SmartEmailRule parameter. tests/Pester/AboutTopics.Tests.ps1 checks the built topic
    holds exactly that text. Run by build.ps1 -Task Docs, in its own pwsh.
#>
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'SmartEmail.psd1')
$null = New-SmartEmailRule -Name load -SubjectLineMask x -Event '$CONSOLE:DISPLAY,x'   # loads the engine
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
$schema = $engine.GetType('SmartEmail.Ini.IniSchema')
$settings = $schema.GetMethod('SettingsText').Invoke($null, @())
$topic = Join-Path $ModulePath 'en-US/about_SmartEmail_Ini.help.txt'
$text = Get-Content -Raw $topic
if ($text -notmatch '@@SETTINGS@@') { throw "$topic has no @@SETTINGS@@ line to fill." }
Set-Content -Path $topic -Value ($text -replace '@@SETTINGS@@\r?\n', $settings.Replace('$', '$$')) -NoNewline
"about-ini.ps1: listed $(@($schema.GetProperty('Keys').GetValue($null)).Count) settings in $topic"
