#Requires -Version 7.2
<#
.SYNOPSIS
    Builds the module's MAML help file from platyPS-schema markdown and the cmdlets' own metadata.

.DESCRIPTION
    platyPS is not available on NuGet, so this script does the part of it the build needs. It imports the built
    module, reads one docs/en-US/<Cmdlet>.md page per exported cmdlet (platyPS schema 2.0.0) and writes
    <ModulePath>/en-US/<RootModule>-Help.xml.

    The markdown carries prose only: synopsis, description, examples, parameter descriptions, inputs, outputs,
    notes and related links. Syntax, parameter sets, types, Required, Position, pipeline input, aliases,
    wildcard support and accepted values come from the imported cmdlets (Get-Command), so the help cannot
    drift from the code. The only value taken from a parameter's ```yaml block is "Default value", because
    the metadata of a compiled cmdlet does not carry it; the rest of the block, and ## SYNTAX, are ignored.

    The build fails, naming file, line and item, when an exported cmdlet has no page, a cmdlet page has no
    exported cmdlet, a page lacks a synopsis, description or example, a parameter is undocumented or has an
    empty description, a page documents a parameter the cmdlet does not have, or a {{ ... }} placeholder
    (as written by -NewPage) is left anywhere.

    With -NewPage the script writes skeleton pages instead, with a placeholder in every place that needs
    prose. The build rejects those placeholders, so an unfinished skeleton cannot ship.

    Run it in its own process (dotnet pwsh -NoProfile -File build/help.ps1 ...): it imports the module, and a
    binary module cannot be unloaded or reloaded in a session.

.EXAMPLE
    dotnet pwsh -NoProfile -File build/help.ps1 -ModulePath out/SmartEmail -DocsPath docs/en-US -AboutPath en-US

.EXAMPLE
    dotnet pwsh -NoProfile -File build/new-docs.ps1 -ModulePath out/SmartEmail -DocsPath docs/en-US -Command Send-SmartEmailMessage
#>
[CmdletBinding(DefaultParameterSetName = 'Build')]
param(
    # Folder of the built module, holding <ModuleName>.psd1.
    [Parameter(Mandatory)]
    [string] $ModulePath,

    # Folder of the cmdlet pages, usually docs/en-US.
    [Parameter(Mandatory)]
    [string] $DocsPath,

    [string] $ModuleName = 'SmartEmail',

    # The MAML file to write; by default <ModulePath>/en-US/<RootModule file name>-Help.xml.
    [Parameter(ParameterSetName = 'Build')]
    [string] $OutputPath,

    # Optional folder of hand-written about_*.help.txt topics, checked and copied next to the MAML file.
    [Parameter(ParameterSetName = 'Build')]
    [string] $AboutPath,

    # Write skeleton pages for these cmdlets instead of building.
    [Parameter(Mandatory, ParameterSetName = 'New')]
    [string[]] $NewPage,

    # With -NewPage: overwrite an existing page.
    [Parameter(ParameterSetName = 'New')]
    [switch] $Force
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$stopwatch = [Diagnostics.Stopwatch]::StartNew()

$nsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$nsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$nsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$nsMSHelp = 'http://msdn.microsoft.com/mshelp'

# Described by "### CommonParameters"; never documented one by one. WhatIf and Confirm are documented like
# other parameters (platyPS does the same), but get a standard text when a page leaves them out.
$commonParameters = [Management.Automation.Cmdlet]::CommonParameters + 'UseTransaction'
$shouldProcessText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}
$knownSections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES',
    'RELATED LINKS', 'ALIASES'
$placeholderInText = '\{\{.*?\}\}'
# Inside code a {{ }} can be real (a mail template); only the skeleton's own wording is rejected there.
$placeholderInCode = '\{\{\s*(Fill|Add|Update|Replace)\b.*?\}\}'

$problems = [Collections.Generic.List[string]]::new()

# Relative to the current folder when below it, otherwise absolute.
function Get-DisplayPath {
    param([string] $Path)
    $full = [IO.Path]::GetFullPath($Path, (Get-Location).Path)
    $relative = [IO.Path]::GetRelativePath((Get-Location).Path, $full)
    if ($relative.StartsWith('..')) { $full } else { $relative }
}

function Add-Problem {
    param([string] $File, [int] $Line, [string] $Item, [string] $Message)
    $where = if ($File) { Get-DisplayPath $File } else { $ModuleName }
    if ($Line -gt 0) { $where += ":$Line" }
    if ($Item) { $where += ": $Item" }
    $problems.Add("${where}: $Message")
}

#region Metadata

function Get-TypeName {
    param([type] $Type, [switch] $Full)
    if ($Type.IsArray) {
        return (Get-TypeName $Type.GetElementType() -Full:$Full) + '[' + (',' * ($Type.GetArrayRank() - 1)) + ']'
    }
    # Get-Help, like Get-Command -Syntax, shows a [Nullable[DateTime]] parameter as <DateTime>.
    if (-not $Full -and [Nullable]::GetUnderlyingType($Type)) { return Get-TypeName ([Nullable]::GetUnderlyingType($Type)) }
    if ($Type.IsGenericType) {
        $definition = $Type.GetGenericTypeDefinition()
        $name = if ($Full) { $definition.FullName } else { $definition.Name }
        $arguments = foreach ($argument in $Type.GetGenericArguments()) { Get-TypeName $argument -Full:$Full }
        return ($name -replace '`\d+$') + '[' + ($arguments -join ', ') + ']'
    }
    if ($Full) { $Type.FullName } else { $Type.Name }
}

function Format-PipelineInput {
    param([bool] $ByValue, [bool] $ByPropertyName)
    $kinds = @(if ($ByValue) { 'ByValue' }; if ($ByPropertyName) { 'ByPropertyName' })
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Format-Position {
    param([int] $Position)
    if ($Position -eq [int]::MinValue) { 'named' } else { "$Position" }
}

# One value when it is the same in every parameter set, otherwise "value (Set), value (Set)".
function Join-PerSet {
    param([Collections.Specialized.OrderedDictionary] $ValueBySet)
    $distinct = @($ValueBySet.Values | Select-Object -Unique)
    if ($distinct.Count -eq 1) { return [string] $distinct[0] }
    ($ValueBySet.Keys | ForEach-Object { "$($ValueBySet[$_]) ($_)" }) -join ', '
}

# Parameter sets in the order the help shows them: the default set first, then the declared order.
function Get-OrderedParameterSet {
    param([Management.Automation.CommandInfo] $Command)
    @($Command.ParameterSets | Where-Object IsDefault) + @($Command.ParameterSets | Where-Object { -not $_.IsDefault })
}

function Get-ParameterModel {
    param([Management.Automation.CommandInfo] $Command)
    $setNames = @(Get-OrderedParameterSet $Command | ForEach-Object Name)
    foreach ($parameter in $Command.Parameters.Values) {
        if ($parameter.Name -in $commonParameters -or $parameter.IsDynamic) { continue }
        $type = $parameter.ParameterType
        $elementType = if ($type.IsArray) { $type.GetElementType() } else { $type }
        $elementType = [Nullable]::GetUnderlyingType($elementType) ?? $elementType
        $validateSet = $parameter.Attributes | Where-Object { $_ -is [Management.Automation.ValidateSetAttribute] }
        $acceptedValues = if ($validateSet) { @($validateSet.ValidValues) }
                          elseif ($elementType.IsEnum) { [Enum]::GetNames($elementType) }
                          else { @() }
        $required = $false
        $position = [ordered]@{}
        $byValue = $false
        $byPropertyName = $false
        # A parameter in "__AllParameterSets" is in every set; list the sets by name only when values differ.
        $sets = foreach ($name in $setNames) {
            $set = $parameter.ParameterSets[$name] ?? $parameter.ParameterSets['__AllParameterSets']
            if ($set) { [pscustomobject]@{ Name = $name; Metadata = $set } }
        }
        foreach ($set in $sets) {
            $required = $required -or $set.Metadata.IsMandatory
            $position[$set.Name] = Format-Position $set.Metadata.Position
            $byValue = $byValue -or $set.Metadata.ValueFromPipeline
            $byPropertyName = $byPropertyName -or $set.Metadata.ValueFromPipelineByPropertyName
        }
        [pscustomobject]@{
            Name           = $parameter.Name
            Type           = $type
            IsSwitch       = $parameter.SwitchParameter
            Aliases        = @($parameter.Aliases)
            SetNames       = @($sets | ForEach-Object Name)
            # Get-Help reads this as a boolean (anything else shows blank), so like platyPS: true when the
            # parameter is mandatory in any set; the syntax lines show which.
            Required       = $required.ToString().ToLowerInvariant()
            Position       = Join-PerSet $position
            PipelineInput  = Format-PipelineInput $byValue $byPropertyName
            Globbing       = [bool] ($parameter.Attributes | Where-Object { $_ -is [Management.Automation.SupportsWildcardsAttribute] })
            AcceptedValues = @($acceptedValues)
        }
    }
}

# Syntax order: positional by position, then mandatory named, optional named, switches, WhatIf/Confirm.
function Get-SyntaxParameter {
    param([Management.Automation.CommandParameterSetInfo] $Set)
    $index = 0
    $ranked = foreach ($parameter in $Set.Parameters) {
        if ($parameter.Name -in $commonParameters) { continue }
        $rank = if ($parameter.Name -in 'WhatIf', 'Confirm') { 5 }
                elseif ($parameter.Position -ne [int]::MinValue) { 1 }
                elseif ($parameter.IsMandatory) { 2 }
                elseif ($parameter.ParameterType -ne [Management.Automation.SwitchParameter]) { 3 }
                else { 4 }
        [pscustomobject]@{ Parameter = $parameter; Rank = $rank; Order = if ($rank -eq 1) { $parameter.Position } else { $index } }
        $index++
    }
    $ranked | Sort-Object Rank, Order | ForEach-Object Parameter
}

function Import-TargetModule {
    $manifest = Join-Path $ModulePath "$ModuleName.psd1"
    if (-not (Test-Path -LiteralPath $manifest -PathType Leaf)) {
        throw "help.ps1: no module manifest $manifest (is -ModulePath the built module folder, -ModuleName right?)"
    }
    $manifest = (Resolve-Path -LiteralPath $manifest).Path
    $loaded = Get-Module -Name $ModuleName
    if ($loaded -and $loaded.Path -ne $manifest -and
        [IO.Path]::GetDirectoryName($loaded.Path) -ne [IO.Path]::GetDirectoryName($manifest)) {
        throw "help.ps1: $ModuleName is already loaded from $($loaded.Path); run this script in a fresh process."
    }
    $data = Import-PowerShellDataFile -LiteralPath $manifest
    $module = Import-Module -Name $manifest -Force -PassThru -DisableNameChecking -ErrorAction Stop |
        Where-Object Name -EQ $ModuleName | Select-Object -First 1
    [pscustomobject]@{
        Module   = $module
        Cmdlets  = @($module.ExportedCmdlets.Values | Sort-Object Name)
        HelpFile = if ($data['RootModule']) { [IO.Path]::GetFileName($data['RootModule']) + '-Help.xml' } else { "$ModuleName.dll-Help.xml" }
    }
}

#endregion

#region Markdown

function Test-Fence {
    param([string] $Text)
    if ($Text -match '^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)') {
        [pscustomobject]@{ Indent = $Matches[1].Length; Marker = $Matches[2]; Language = $Matches[3] }
    }
}

function Test-FenceEnd {
    param([string] $Text, $Fence)
    $Text -match "^ {0,3}$([regex]::Escape($Fence.Marker[0])){$($Fence.Marker.Length),}\s*$"
}

# Turns the lines of one section into blocks: Para (soft-wrapped lines joined) and Code (verbatim).
function ConvertTo-Block {
    param([object[]] $Lines, [string] $File)
    $blocks = [Collections.Generic.List[object]]::new()
    $para = [Collections.Generic.List[object]]::new()
    $code = $null
    $fence = $null
    $flush = {
        if ($para.Count -eq 0) { return }
        $text = ''
        $previous = ''
        foreach ($entry in $para) {
            $raw = $entry.Text
            $isBreak = $raw.TrimStart() -match '^([-*+]|\d+[.)])\s|^\|' -or $previous -match '(  |\\)$'
            $piece = if ($raw.TrimStart() -match '^([-*+]|\d+[.)])\s') { $raw.TrimEnd() } else { $raw.Trim() }
            $piece = $piece -replace '\\$'
            $text = if (-not $text) { $piece } elseif ($isBreak) { "$text`n$piece" } else { "$text $piece" }
            $previous = $raw
        }
        $blocks.Add([pscustomobject]@{ Kind = 'Para'; Text = $text; Line = $para[0].Line; Language = '' })
        $para.Clear()
    }
    foreach ($entry in $Lines) {
        if ($fence) {
            if (Test-FenceEnd $entry.Text $fence) {
                $blocks.Add([pscustomobject]@{ Kind = 'Code'; Text = ($code.Lines -join "`n"); Line = $code.Line; Language = $fence.Language })
                $fence = $null
            }
            else {
                $strip = [Math]::Min($fence.Indent, $entry.Text.Length - $entry.Text.TrimStart(' ').Length)
                $code.Lines.Add($entry.Text.Substring($strip))
            }
        }
        elseif ($opening = Test-Fence $entry.Text) {
            & $flush
            $fence = $opening
            $code = @{ Line = $entry.Line; Lines = [Collections.Generic.List[string]]::new() }
        }
        elseif ($entry.Text.Trim() -eq '') { & $flush }
        else { $para.Add($entry) }
    }
    & $flush
    if ($fence) { Add-Problem $File $code.Line '' 'code fence is never closed' }
    $blocks
}

# Splits a page into front matter, title and ## sections with their ### subsections (raw lines kept).
function Read-HelpPage {
    param([string] $Path)
    $text = [IO.File]::ReadAllText($Path, [Text.UTF8Encoding]::new($false)) -replace "`r`n?", "`n"
    $lines = $text.Split("`n")
    $page = [pscustomobject]@{
        Path = $Path; FrontMatter = @{}; Title = $null; TitleLine = 0
        Sections = [ordered]@{}
    }
    $start = 0
    if ($lines[0].Trim() -eq '---') {
        $end = [Array]::FindIndex($lines, 1, [Predicate[string]] { param($l) $l.Trim() -eq '---' })
        if ($end -lt 0) { Add-Problem $Path 1 '' 'front matter is never closed with ---'; return $page }
        for ($i = 1; $i -lt $end; $i++) {
            if ($lines[$i] -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') { $page.FrontMatter[$Matches[1]] = $Matches[2].Trim('''"') }
        }
        $start = $end + 1
    }
    else { Add-Problem $Path 1 '' 'no YAML front matter (--- ... ---) at the top of the page' }

    $section = $null
    $sub = $null
    $fence = $null
    $inComment = $false
    for ($i = $start; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        $entry = [pscustomobject]@{ Text = $line; Line = $i + 1 }
        # The comma keeps an empty list from being unrolled to $null.
        $target = if ($sub) { , $sub.Lines } elseif ($section) { , $section.Lines } else { $null }
        if ($fence) {
            if (Test-FenceEnd $line $fence) { $fence = $null }
            elseif ($line -match $placeholderInCode) { Add-Problem $Path ($i + 1) '' "placeholder left in code: $($Matches[0])" }
            if ($null -ne $target) { $target.Add($entry) }
            continue
        }
        if ($inComment -or $line.TrimStart().StartsWith('<!--')) {
            $inComment = -not $line.Contains('-->')
            continue
        }
        if ($opening = Test-Fence $line) {
            $fence = $opening
            if ($null -ne $target) { $target.Add($entry) }
            continue
        }
        if (($line -replace '`[^`]*`') -match $placeholderInText) { Add-Problem $Path ($i + 1) '' "placeholder left: $($Matches[0])" }
        if ($line -match '^#\s+(.+?)\s*$') {
            if ($page.Title) { Add-Problem $Path ($i + 1) '' "second '# ' title '$($Matches[1])'" }
            else { $page.Title = $Matches[1]; $page.TitleLine = $i + 1 }
            $section = $null; $sub = $null
        }
        elseif ($line -match '^##\s+(.+?)\s*$') {
            $name = $Matches[1].ToUpperInvariant()
            $sub = $null
            if ($name -notin $knownSections) {
                Add-Problem $Path ($i + 1) '' "unknown section '## $($Matches[1])' (expected one of: $($knownSections -join ', '))"
                $section = [pscustomobject]@{ Name = $name; Line = $i + 1; Lines = [Collections.Generic.List[object]]::new(); Subs = [Collections.Generic.List[object]]::new() }
            }
            elseif ($page.Sections.Contains($name)) {
                Add-Problem $Path ($i + 1) '' "section '## $name' appears twice"
                $section = [pscustomobject]@{ Name = $name; Line = $i + 1; Lines = [Collections.Generic.List[object]]::new(); Subs = [Collections.Generic.List[object]]::new() }
            }
            else {
                $section = [pscustomobject]@{ Name = $name; Line = $i + 1; Lines = [Collections.Generic.List[object]]::new(); Subs = [Collections.Generic.List[object]]::new() }
                $page.Sections[$name] = $section
            }
        }
        elseif ($line -match '^###\s+(.+?)\s*$' -and $section) {
            $sub = [pscustomobject]@{ Title = $Matches[1]; Line = $i + 1; Lines = [Collections.Generic.List[object]]::new() }
            $section.Subs.Add($sub)
        }
        elseif ($null -ne $target) { $target.Add($entry) }
        elseif ($line.Trim()) { Add-Problem $Path ($i + 1) '' 'text outside any ## section' }
    }
    $page
}

# Paragraph texts of a section, with ### subheadings (allowed in DESCRIPTION and NOTES) kept as paragraphs.
function Get-SectionPara {
    param($Page, [string] $Name)
    $section = $Page.Sections[$Name]
    if (-not $section) { return @() }
    $paras = @(ConvertTo-Block $section.Lines $Page.Path | ForEach-Object Text)
    foreach ($sub in $section.Subs) {
        $paras += $sub.Title
        $paras += @(ConvertTo-Block $sub.Lines $Page.Path | ForEach-Object Text)
    }
    @($paras | Where-Object { $_.Trim() })
}

function Get-SectionLine {
    param($Page, [string] $Name)
    if ($Page.Sections[$Name]) { $Page.Sections[$Name].Line } else { 0 }
}

function Get-TypeEntry {
    param($Page, [string] $Name)
    $section = $Page.Sections[$Name]
    if (-not $section) { return @() }
    if (@($section.Lines | Where-Object { $_.Text.Trim() }).Count) {
        Add-Problem $Page.Path $section.Line "## $Name" "text must be under a '### <TypeName>' heading ('### None' if there is nothing)"
    }
    foreach ($sub in $section.Subs) {
        [pscustomobject]@{ Type = $sub.Title; Paras = @(ConvertTo-Block $sub.Lines $Page.Path | ForEach-Object Text) }
    }
}

function Get-RelatedLink {
    param($Page)
    if ($Page.FrontMatter['online version']) {
        [pscustomobject]@{ Text = 'Online Version:'; Uri = $Page.FrontMatter['online version'] }
    }
    $section = $Page.Sections['RELATED LINKS']
    if (-not $section) { return }
    if ($section.Subs.Count) { Add-Problem $Page.Path $section.Subs[0].Line '## RELATED LINKS' 'unexpected ### heading' }
    foreach ($entry in $section.Lines) {
        $line = $entry.Text.Trim() -replace '^[-*+]\s+'
        if (-not $line) { continue }
        if ($line -match '^\[(?<text>[^\]]+)\]\((?<uri>[^)\s]*)\)$' -or $line -match '^<?(?<uri>https?://[^>\s]+)>?$') {
            $uri = $Matches['uri']
            $linkText = if ($Matches.Contains('text')) { $Matches['text'] } else { $uri }
            # A relative link (another page, an about topic) means nothing to Get-Help; keep only the text.
            if ($uri -notmatch '^https?://') { $uri = '' }
            [pscustomobject]@{ Text = $linkText; Uri = $uri }
        }
        else { Add-Problem $Page.Path $entry.Line '## RELATED LINKS' "not a markdown link: '$line'" }
    }
}

#endregion

#region Build

function Get-CommandHelp {
    param($Page, [Management.Automation.CmdletInfo] $Command, [string] $HelpFile)
    $file = $Page.Path
    $name = $Command.Name
    if ($Page.Title -cne $name) {
        Add-Problem $file $Page.TitleLine '' "title must be '# $name' (found '$($Page.Title)')"
    }
    $front = $Page.FrontMatter
    if ($front.Count) {
        if ($front['schema'] -ne '2.0.0') { Add-Problem $file 1 'schema' "front matter needs 'schema: 2.0.0' (found '$($front['schema'])')" }
        if ($front['external help file'] -ne $HelpFile) { Add-Problem $file 1 'external help file' "must be '$HelpFile' (found '$($front['external help file'])')" }
        if ($front['Module Name'] -ne $ModuleName) { Add-Problem $file 1 'Module Name' "must be '$ModuleName' (found '$($front['Module Name'])')" }
        if ($front['online version'] -and $front['online version'] -notmatch '^https?://\S+$') {
            Add-Problem $file 1 'online version' "must be empty or an http(s) URL (found '$($front['online version'])')"
        }
    }
    if ($Command.HelpFile -ne $HelpFile) {
        Add-Problem $file 0 $name "is implemented in an assembly whose help file is $($Command.HelpFile), not $HelpFile"
    }

    $synopsis = @(Get-SectionPara $Page 'SYNOPSIS')
    if (-not $synopsis) { Add-Problem $file (Get-SectionLine $Page 'SYNOPSIS') '## SYNOPSIS' 'missing or empty' }
    elseif (($synopsis -join ' ') -like "*$name*") {
        # Get-Help falls back to the syntax (which starts with the name) when MAML is missing; the tests
        # tell the two apart by the name, so a synopsis says what the cmdlet does without naming it.
        Add-Problem $file $Page.Sections['SYNOPSIS'].Line '## SYNOPSIS' "must not repeat the cmdlet name '$name'"
    }
    $description = @(Get-SectionPara $Page 'DESCRIPTION')
    if (-not $description) { Add-Problem $file (Get-SectionLine $Page 'DESCRIPTION') '## DESCRIPTION' 'missing or empty' }

    $examples = @(
        $section = $Page.Sections['EXAMPLES']
        if ($section) {
            if (@($section.Lines | Where-Object { $_.Text.Trim() }).Count) {
                Add-Problem $file $section.Line '## EXAMPLES' "text must be under a '### Example N: title' heading"
            }
            foreach ($sub in $section.Subs) {
                $blocks = @(ConvertTo-Block $sub.Lines $file)
                $firstCode = $blocks | Where-Object Kind -EQ 'Code' | Select-Object -First 1
                if (-not $firstCode -or -not $firstCode.Text.Trim()) {
                    Add-Problem $file $sub.Line "### $($sub.Title)" 'example has no code block'
                    continue
                }
                # The first code block is the example's code; prose and any further code blocks follow as
                # remarks in page order (prose written before the first block comes right after the code).
                [pscustomobject]@{
                    Title   = $sub.Title
                    Code    = $firstCode.Text
                    Remarks = @($blocks | Where-Object { $_ -ne $firstCode } | ForEach-Object Text)
                }
            }
        })
    if (-not $examples -and -not ($Page.Sections['EXAMPLES'] -and $Page.Sections['EXAMPLES'].Subs.Count)) {
        Add-Problem $file (Get-SectionLine $Page 'EXAMPLES') '## EXAMPLES' "no example (add '### Example 1: title' with a code block)"
    }

    # Parameters: prose from the page, everything else from the metadata.
    $model = @(Get-ParameterModel $Command)
    $documented = [ordered]@{}
    $section = $Page.Sections['PARAMETERS']
    foreach ($sub in @(if ($section) { $section.Subs })) {
        if ($sub.Title -in 'CommonParameters', 'WorkflowCommonParameters') { continue }
        if ($sub.Title -notmatch '^-(\w+)$') {
            Add-Problem $file $sub.Line "### $($sub.Title)" "parameter headings are '### -Name'"
            continue
        }
        $parameterName = $Matches[1]
        $match = $model | Where-Object Name -EQ $parameterName
        if ($parameterName -in $commonParameters) {
            Add-Problem $file $sub.Line "-$parameterName" "is a common parameter; '### CommonParameters' covers it"
            continue
        }
        if (-not $match) {
            Add-Problem $file $sub.Line "-$parameterName" "$name has no such parameter"
            continue
        }
        if ($match.Name -cne $parameterName) {
            Add-Problem $file $sub.Line "-$parameterName" "spell it '-$($match.Name)'"
        }
        if ($documented.Contains($match.Name)) {
            Add-Problem $file $sub.Line "-$parameterName" 'documented twice'
            continue
        }
        $blocks = @(ConvertTo-Block $sub.Lines $file)
        $yaml = $blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -in 'yaml', 'yml' }
        $default = $null
        foreach ($block in $yaml) {
            if ($block.Text -match '(?m)^Default value:[ \t]*(.*?)[ \t]*$' -and $Matches[1] -and $Matches[1] -ne 'None') { $default = $Matches[1] }
        }
        $paras = @($blocks | Where-Object { $_ -notin $yaml } | ForEach-Object Text | Where-Object { $_.Trim() })
        if (-not $paras) { Add-Problem $file $sub.Line "-$($match.Name)" 'has no description' }
        $documented[$match.Name] = [pscustomobject]@{ Paras = $paras; Default = $default }
    }
    foreach ($parameter in $model) {
        if (-not $documented.Contains($parameter.Name) -and -not $shouldProcessText.ContainsKey($parameter.Name)) {
            Add-Problem $file (Get-SectionLine $Page 'PARAMETERS') "-$($parameter.Name)" "is not documented (add '### -$($parameter.Name)' under '## PARAMETERS')"
        }
    }
    # Page order first (authors choose it), then anything only the metadata knows (WhatIf, Confirm).
    $parameters = @(
        foreach ($key in $documented.Keys) { $model | Where-Object Name -EQ $key }
        $model | Where-Object { -not $documented.Contains($_.Name) }
    ) | ForEach-Object {
        $doc = $documented[$_.Name]
        $_ | Add-Member -PassThru -NotePropertyMembers @{
            Paras   = if ($doc) { $doc.Paras } else { @($shouldProcessText[$_.Name]) }
            Default = if ($doc -and $doc.Default) { $doc.Default } elseif ($_.IsSwitch) { 'False' } else { 'None' }
        }
    }

    [pscustomobject]@{
        Command     = $Command
        Synopsis    = $synopsis
        Description = $description
        Parameters  = $parameters
        Examples    = $examples
        Inputs      = @(Get-TypeEntry $Page 'INPUTS')
        Outputs     = @(Get-TypeEntry $Page 'OUTPUTS')
        Notes       = @(Get-SectionPara $Page 'NOTES')
        Links       = @(Get-RelatedLink $Page)
    }
}

function Write-Para {
    param([Xml.XmlWriter] $Writer, [string[]] $Paras)
    foreach ($para in $Paras) { $Writer.WriteElementString('maml', 'para', $nsMaml, $para) }
}

function Write-Description {
    param([Xml.XmlWriter] $Writer, [string[]] $Paras)
    $Writer.WriteStartElement('maml', 'description', $nsMaml)
    Write-Para $Writer $Paras
    $Writer.WriteEndElement()
}

function Write-ParameterElement {
    param([Xml.XmlWriter] $Writer, $Parameter, [hashtable] $Attributes, [string[]] $Paras, [string] $Default, [switch] $InSyntax)
    $Writer.WriteStartElement('command', 'parameter', $nsCommand)
    foreach ($key in 'required', 'variableLength', 'globbing', 'pipelineInput', 'position', 'aliases') {
        $Writer.WriteAttributeString($key, $Attributes[$key])
    }
    $Writer.WriteElementString('maml', 'name', $nsMaml, $Parameter.Name)
    if (-not $InSyntax) { Write-Description $Writer $Paras }
    if ($Parameter.AcceptedValues) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $nsCommand)
        foreach ($value in $Parameter.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $nsCommand)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    # A switch takes no value: Get-Help shows "[-Force]" in syntax and "-Force [<SwitchParameter>]" below.
    if (-not ($InSyntax -and $Parameter.IsSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $nsCommand)
        $Writer.WriteAttributeString('required', (-not $Parameter.IsSwitch).ToString().ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', $Attributes['variableLength'])
        $Writer.WriteString((Get-TypeName $Parameter.Type))
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $nsDev)
    $Writer.WriteElementString('maml', 'name', $nsMaml, (Get-TypeName $Parameter.Type -Full))
    $Writer.WriteEndElement()
    if (-not $InSyntax) { $Writer.WriteElementString('dev', 'defaultValue', $nsDev, $Default) }
    $Writer.WriteEndElement()
}

function Write-TypeList {
    param([Xml.XmlWriter] $Writer, [string] $ListName, [string] $ItemName, [object[]] $Entries)
    $Writer.WriteStartElement('command', $ListName, $nsCommand)
    foreach ($entry in $Entries) {
        $Writer.WriteStartElement('command', $ItemName, $nsCommand)
        $Writer.WriteStartElement('dev', 'type', $nsDev)
        $Writer.WriteElementString('maml', 'name', $nsMaml, $entry.Type)
        $Writer.WriteEndElement()
        Write-Description $Writer $entry.Paras
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-CommandHelp {
    param([Xml.XmlWriter] $Writer, $Help)
    $command = $Help.Command
    $Writer.WriteStartElement('command', 'command', $nsCommand)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $nsMaml)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $nsCommand)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $nsDev)
    $Writer.WriteAttributeString('xmlns', 'MSHelp', $null, $nsMSHelp)

    $Writer.WriteStartElement('command', 'details', $nsCommand)
    $Writer.WriteElementString('command', 'name', $nsCommand, $command.Name)
    $Writer.WriteElementString('command', 'verb', $nsCommand, $command.Verb)
    $Writer.WriteElementString('command', 'noun', $nsCommand, $command.Noun)
    Write-Description $Writer $Help.Synopsis
    $Writer.WriteEndElement()

    Write-Description $Writer $Help.Description

    $Writer.WriteStartElement('command', 'syntax', $nsCommand)
    foreach ($set in Get-OrderedParameterSet $command) {
        $Writer.WriteStartElement('command', 'syntaxItem', $nsCommand)
        $Writer.WriteElementString('maml', 'name', $nsMaml, $command.Name)
        foreach ($setParameter in Get-SyntaxParameter $set) {
            $parameter = $Help.Parameters | Where-Object Name -EQ $setParameter.Name
            Write-ParameterElement $Writer $parameter -InSyntax -Attributes @{
                required       = $setParameter.IsMandatory.ToString().ToLowerInvariant()
                variableLength = $setParameter.ParameterType.IsArray.ToString().ToLowerInvariant()
                globbing       = $parameter.Globbing.ToString().ToLowerInvariant()
                pipelineInput  = Format-PipelineInput $setParameter.ValueFromPipeline $setParameter.ValueFromPipelineByPropertyName
                position       = Format-Position $setParameter.Position
                aliases        = if ($parameter.Aliases) { $parameter.Aliases -join ', ' } else { 'none' }
            }
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $nsCommand)
    foreach ($parameter in $Help.Parameters) {
        Write-ParameterElement $Writer $parameter $parameter.Paras $parameter.Default -Attributes @{
            required       = $parameter.Required
            variableLength = $parameter.Type.IsArray.ToString().ToLowerInvariant()
            globbing       = $parameter.Globbing.ToString().ToLowerInvariant()
            pipelineInput  = $parameter.PipelineInput
            position       = $parameter.Position
            aliases        = if ($parameter.Aliases) { $parameter.Aliases -join ', ' } else { 'none' }
        }
    }
    $Writer.WriteEndElement()

    Write-TypeList $Writer 'inputTypes' 'inputType' $Help.Inputs
    Write-TypeList $Writer 'returnValues' 'returnValue' $Help.Outputs

    # An empty alertSet would still print a NOTES heading with blank lines under it.
    if ($Help.Notes) {
        $Writer.WriteStartElement('maml', 'alertSet', $nsMaml)
        $Writer.WriteStartElement('maml', 'alert', $nsMaml)
        Write-Para $Writer $Help.Notes
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $nsCommand)
    foreach ($example in $Help.Examples) {
        $Writer.WriteStartElement('command', 'example', $nsCommand)
        $Writer.WriteElementString('maml', 'title', $nsMaml, "--------- $($example.Title) ---------")
        $Writer.WriteElementString('dev', 'code', $nsDev, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $nsDev)
        # The trailing empty paragraph puts a blank line between one example and the next title.
        Write-Para $Writer ($example.Remarks + '')
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    if ($Help.Links) {
        $Writer.WriteStartElement('command', 'relatedLinks', $nsCommand)
        foreach ($link in $Help.Links) {
            $Writer.WriteStartElement('maml', 'navigationLink', $nsMaml)
            $Writer.WriteElementString('maml', 'linkText', $nsMaml, $link.Text)
            $Writer.WriteElementString('maml', 'uri', $nsMaml, $link.Uri)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }

    $Writer.WriteEndElement()
}

function Copy-AboutTopic {
    param([string] $Destination)
    $topics = @(Get-ChildItem -LiteralPath $AboutPath -File | Where-Object Name -Like 'about_*')
    foreach ($topic in $topics) {
        if ($topic.Name -notmatch '^about_\w+\.help\.txt$') {
            Add-Problem $topic.FullName 0 '' "about topics are named about_<Topic>.help.txt"
            continue
        }
        $lines = [IO.File]::ReadAllLines($topic.FullName)
        if (-not ($lines | Where-Object { $_.Trim() })) { Add-Problem $topic.FullName 0 '' 'is empty' }
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match $placeholderInCode) { Add-Problem $topic.FullName ($i + 1) '' "placeholder left: $($Matches[0])" }
        }
    }
    if (-not $problems.Count) {
        foreach ($topic in $topics) { Copy-Item -LiteralPath $topic.FullName -Destination $Destination }
    }
    $topics.Count
}

#endregion

#region Skeleton

function Format-Yaml {
    param($Parameter, [int] $SetCount)
    $sets = if ($Parameter.SetNames.Count -eq $SetCount) { '(All)' } else { $Parameter.SetNames -join ', ' }
    @(
        '```yaml'
        "Type: $(Get-TypeName $Parameter.Type)"
        "Parameter Sets: $sets"
        "Aliases: $($Parameter.Aliases -join ', ')"
        if ($Parameter.AcceptedValues) { "Accepted values: $($Parameter.AcceptedValues -join ', ')" }
        ''
        "Required: $($Parameter.Required -creplace '^t', 'T' -creplace '^f', 'F')"
        "Position: $($Parameter.Position -replace '^named', 'Named')"
        "Default value: $(if ($Parameter.IsSwitch) { 'False' } else { 'None' })"
        "Accept pipeline input: $($Parameter.PipelineInput)"
        "Accept wildcard characters: $($Parameter.Globbing)"
        '```'
    ) -replace '\s+$' -join "`n"
}

function New-PageText {
    param([Management.Automation.CmdletInfo] $Command, [string] $HelpFile)
    $name = $Command.Name
    $sets = @(Get-OrderedParameterSet $Command)
    $model = @(Get-ParameterModel $Command | Sort-Object Name)
    $pipelineTypes = @($model | Where-Object PipelineInput -Like '*ByValue*' | ForEach-Object { Get-TypeName $_.Type -Full } | Select-Object -Unique)
    $outputTypes = @($Command.OutputType | ForEach-Object Name | Select-Object -Unique)
    $fence = '```'
    $out = [Collections.Generic.List[string]]::new()
    $out.Add("---`nexternal help file: $HelpFile`nModule Name: $ModuleName`nonline version:`nschema: 2.0.0`n---`n")
    $out.Add("# $name`n`n## SYNOPSIS`n{{ Fill in the Synopsis }}`n`n## SYNTAX`n")
    foreach ($set in $sets) {
        $title = if ($set.Name -eq '__AllParameterSets') { 'All' } else { $set.Name }
        if ($set.IsDefault -and $sets.Count -gt 1) { $title += ' (Default)' }
        $out.Add("### $title`n$fence`n$name $set`n$fence`n")
    }
    $out.Add("## DESCRIPTION`n{{ Fill in the Description }}`n`n## EXAMPLES`n")
    $out.Add("### Example 1: {{ Fill in the example title }}`n${fence}powershell`nPS> {{ Add example code here }}`n$fence`n")
    $out.Add("{{ Add example description here }}`n`n## PARAMETERS`n")
    foreach ($parameter in $model) {
        $text = $shouldProcessText[$parameter.Name] ?? "{{ Fill $($parameter.Name) Description }}"
        $out.Add("### -$($parameter.Name)`n$text`n`n$(Format-Yaml $parameter $sets.Count)`n")
    }
    $out.Add("### CommonParameters`nThis cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable,")
    $out.Add("-InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable, -ProgressAction,")
    $out.Add("-Verbose, -WarningAction, and -WarningVariable. For more information, see")
    $out.Add("[about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).`n`n## INPUTS`n")
    if (-not $pipelineTypes) { $out.Add("### None`n{{ Fill in what the pipeline accepts, or say it accepts nothing }}`n") }
    foreach ($type in $pipelineTypes) { $out.Add("### $type`n{{ Fill $type input Description }}`n") }
    $out.Add("## OUTPUTS`n")
    if (-not $outputTypes) { $out.Add("### None`n{{ Fill in what the cmdlet writes, or say it writes nothing }}`n") }
    foreach ($type in $outputTypes) { $out.Add("### $type`n{{ Fill $type output Description }}`n") }
    $out.Add("## NOTES`n`n## RELATED LINKS`n")
    ($out -join "`n").TrimEnd() + "`n"
}

#endregion

$target = Import-TargetModule
$cmdlets = $target.Cmdlets
$helpFile = $target.HelpFile
if (-not (Test-Path -LiteralPath $DocsPath -PathType Container)) {
    if ($PSCmdlet.ParameterSetName -eq 'New') { $null = New-Item -ItemType Directory -Path $DocsPath }
    else { throw "help.ps1: -DocsPath $DocsPath is not a folder" }
}
$DocsPath = (Resolve-Path -LiteralPath $DocsPath).Path

if ($PSCmdlet.ParameterSetName -eq 'New') {
    foreach ($name in $NewPage) {
        $command = $cmdlets | Where-Object Name -EQ $name
        if (-not $command) { throw "help.ps1: $ModuleName exports no cmdlet '$name'" }
        $path = Join-Path $DocsPath "$($command.Name).md"
        if ((Test-Path -LiteralPath $path) -and -not $Force) { throw "help.ps1: $path exists (use -Force to overwrite)" }
        [IO.File]::WriteAllText($path, (New-PageText $command $helpFile), [Text.UTF8Encoding]::new($false))
        "new-docs: wrote $(Get-DisplayPath $path); replace every {{ ... }} before building help"
    }
    return
}

# A cmdlet page is <ApprovedVerb>-<Noun>.md, so guides in the same folder (getting-started.md) are left alone.
$verbs = @(Get-Verb | ForEach-Object Verb)
$pages = @(Get-ChildItem -LiteralPath $DocsPath -Filter '*.md' -File |
    Where-Object { $_.BaseName -match '^([A-Za-z]+)-\w+$' -and $Matches[1] -in $verbs } | Sort-Object Name)
$helps = [Collections.Generic.List[object]]::new()
foreach ($command in $cmdlets) {
    $page = $pages | Where-Object BaseName -CEQ $command.Name
    if (-not $page) {
        $near = $pages | Where-Object BaseName -EQ $command.Name
        $hint = if ($near) { " ($($near.Name) differs in case)" } else { " (write it, or run build/new-docs.ps1 -Command $($command.Name))" }
        Add-Problem (Join-Path $DocsPath "$($command.Name).md") 0 $command.Name "exported cmdlet has no page$hint"
        continue
    }
    $helps.Add((Get-CommandHelp (Read-HelpPage $page.FullName) $command $helpFile))
}
foreach ($page in $pages) {
    if (-not ($cmdlets | Where-Object Name -CEQ $page.BaseName)) {
        Add-Problem $page.FullName 0 $page.BaseName "page for a command that $ModuleName does not export"
    }
}
if (-not $cmdlets) { Add-Problem $null 0 '' "$ModuleName exports no cmdlets" }

if (-not $OutputPath) { $OutputPath = Join-Path $target.Module.ModuleBase 'en-US' $helpFile }
$outputFolder = [IO.Path]::GetDirectoryName([IO.Path]::GetFullPath($OutputPath, (Get-Location).Path))
$aboutCount = 0
if ($AboutPath -and -not $problems.Count) {
    $null = New-Item -ItemType Directory -Path $outputFolder -Force
    $aboutCount = Copy-AboutTopic $outputFolder
}
if ($problems.Count) {
    foreach ($problem in $problems) { [Console]::Error.WriteLine("help.ps1: error: $problem") }
    [Console]::Error.WriteLine("help.ps1: $($problems.Count) problem(s); no help written")
    exit 1
}

$null = New-Item -ItemType Directory -Path $outputFolder -Force
$settings = [Xml.XmlWriterSettings]@{
    Indent = $true; IndentChars = '  '; NewLineChars = "`n"; Encoding = [Text.UTF8Encoding]::new($false)
}
$writer = [Xml.XmlWriter]::Create([IO.Path]::GetFullPath($OutputPath, (Get-Location).Path), $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($help in $helps) { Write-CommandHelp $writer $help }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }

"help.ps1: wrote $(Get-DisplayPath $OutputPath) ($($helps.Count) cmdlets$(if ($AboutPath) { ", $aboutCount about topics" })) in $([Math]::Round($stopwatch.Elapsed.TotalSeconds, 2)) s"
