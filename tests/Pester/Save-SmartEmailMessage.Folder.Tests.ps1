# Save-SmartEmailMessage on messages read from files and from a folder mailbox: no mail server needed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Fixtures = Get-FixturePath 'messages'
    $Unsafe = [regex] '[\p{Cc}\p{Zl}\p{Zp}\\/:*?"<>|]'
}

Describe 'Save-SmartEmailMessage' {
    It 'saves each message of a folder mailbox byte for byte under a safe, unique name' {
        $box = New-Item -ItemType Directory (Join-Path $TestDrive 'box')
        Copy-Item (Join-Path $Fixtures '*.eml') $box
        $dir = Join-Path $TestDrive 'saved'
        $messages = @(Get-SmartEmailMessage -Protocol Folder -Server $box.FullName)
        $first = @($messages | Save-SmartEmailMessage -Destination $dir)
        $first.Count | Should -Be $messages.Count
        foreach ($i in 0..($messages.Count - 1)) {
            $first[$i] | Should -BeOfType ([IO.FileInfo])
            $first[$i].Extension | Should -Be '.eml'
            $Unsafe.IsMatch($first[$i].BaseName) | Should -BeFalse
            (Get-FileHash $first[$i].FullName).Hash | Should -Be (Get-FileHash $messages[$i].Id).Hash -Because 'the raw message is saved unchanged'
        }
        $second = @($messages | Save-SmartEmailMessage -Destination $dir)
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be (2 * $messages.Count) -Because 'no file is replaced and no temporary file is left'
        @($first.Name + $second.Name | Sort-Object -Unique).Count | Should -Be (2 * $messages.Count)
    }

    It 'names a file safely whatever the subject holds (<Name>)' -ForEach @(
        @{ Name = 'LINE SEPARATOR'; Subject = "a$([char]0x2028)b" }
        @{ Name = 'path characters'; Subject = '..\..\etc/passwd: *?' }
        @{ Name = 'a device name'; Subject = 'CON' }
        @{ Name = 'nothing but dots'; Subject = '...' }
    ) {
        $file = Join-Path $TestDrive "$([guid]::NewGuid().ToString('N')).eml"
        $encoded = '=?UTF-8?B?' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Subject)) + '?='
        [IO.File]::WriteAllText($file, "From: a@b.c`r`nSubject: $encoded`r`n`r`nx`r`n")
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $saved = Get-SmartEmailMessage -MessagePath $file | Save-SmartEmailMessage -Destination $dir
        $saved.Directory.FullName | Should -Be (Get-Item $dir).FullName -Because 'nothing escapes the destination'
        $Unsafe.IsMatch($saved.BaseName) | Should -BeFalse
        $saved.BaseName | Should -Not -Match '^(CON|PRN|AUX|NUL)(\.|_|$)'
    }

    It 'saves nothing with -WhatIf, not even the folder' {
        $dir = Join-Path $TestDrive 'whatif'
        $out = @(Get-SmartEmailMessage -MessagePath (Join-Path $Fixtures 'plain.eml') | Save-SmartEmailMessage -Destination $dir -WhatIf)
        $out.Count | Should -Be 0
        Test-Path -LiteralPath $dir | Should -BeFalse
    }

    It 'reports a message whose file went away as MessageReadFailed and saves the others' {
        $box = New-Item -ItemType Directory (Join-Path $TestDrive 'gone')
        Copy-Item (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'html-only.eml') $box
        $messages = @(Get-SmartEmailMessage -Protocol Folder -Server $box.FullName)
        Remove-Item (Join-Path $box 'html-only.eml')
        $saved = @($messages | Save-SmartEmailMessage -Destination (Join-Path $TestDrive 'gone-saved') -ErrorVariable errs -ErrorAction SilentlyContinue)
        $saved.Count | Should -Be 1
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MessageReadFailed,*'
        $errs[0].TargetObject.Subject | Should -Be 'HTML report'
    }
}
