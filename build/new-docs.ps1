#Requires -Version 7.2
<#
.SYNOPSIS
    Writes a skeleton docs/en-US/<Cmdlet>.md page (platyPS schema 2.0.0) for a new cmdlet, from its metadata.

.DESCRIPTION
    Every place that needs prose gets a {{ ... }} placeholder. build/help.ps1 rejects placeholders, so a page
    cannot ship until someone has written it. The syntax and ```yaml blocks are filled in from the metadata for
    readers of the markdown; help.ps1 ignores them and reads the metadata again at build time.
    About topics need no skeleton: they are hand-written en-US/about_*.help.txt files.

.EXAMPLE
    dotnet pwsh -NoProfile -File build/new-docs.ps1 -ModulePath out/SmartEmail -DocsPath docs/en-US -Command Send-SmartEmailMessage
#>
[CmdletBinding()]
param(
    # Folder of the built module, holding <ModuleName>.psd1.
    [Parameter(Mandatory)]
    [string] $ModulePath,

    [Parameter(Mandatory)]
    [string] $DocsPath,

    # One or more exported cmdlets to write a page for (comma-separated under pwsh -File).
    [Parameter(Mandatory)]
    [string[]] $Command,

    [string] $ModuleName = 'SmartEmail',

    # Overwrite an existing page.
    [switch] $Force
)

$ErrorActionPreference = 'Stop'
# pwsh -File passes "A,B" as one string.
$Command = @($Command -split ',' | ForEach-Object Trim | Where-Object { $_ })
& "$PSScriptRoot/help.ps1" -ModulePath $ModulePath -DocsPath $DocsPath -ModuleName $ModuleName -NewPage $Command -Force:$Force
