# Remove-SmartEmailMessage on a folder mailbox and on message files: no mail server needed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Fixtures = Get-FixturePath 'messages'
    function New-Box {
        $box = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))
        Copy-Item (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'html-only.eml'), (Join-Path $Fixtures 'multipart-attachments.eml') $box
        $box
    }
}

Describe 'Remove-SmartEmailMessage' {
    It 'deletes the chosen messages of a folder mailbox and no other file, and passes them on with -PassThru' {
        $box = New-Box
        $removed = @(Get-SmartEmailMessage -Protocol Folder -Server $box.FullName | Where-Object Subject -Like '*nightly*' | Remove-SmartEmailMessage -Confirm:$false -PassThru)
        $removed.MessageId | Should -Be @('plain-1@example.com')
        $removed[0].PSObject.TypeNames[0] | Should -Be 'SmartEmail.Message'
        @(Get-ChildItem $box | Sort-Object Name).Name | Should -Be @('html-only.eml', 'multipart-attachments.eml')
    }

    It 'deletes nothing with -WhatIf and emits nothing' {
        $box = New-Box
        $out = @(Get-SmartEmailMessage -Protocol Folder -Server $box.FullName | Remove-SmartEmailMessage -WhatIf -PassThru)
        $out.Count | Should -Be 0
        @(Get-ChildItem $box).Count | Should -Be 3
    }

    It 'deletes a message file given by path' {
        $box = New-Box
        Get-SmartEmailMessage -MessagePath (Join-Path $box 'html-only.eml') | Remove-SmartEmailMessage -Confirm:$false
        Join-Path $box 'html-only.eml' | Should -Not -Exist
        @(Get-ChildItem $box).Count | Should -Be 2
    }

    It 'refuses one message of an mbox file, naming it, and rewrites nothing' {
        $mbox = Join-Path $TestDrive 'two.mbox'
        $lines = foreach ($f in 'plain.eml', 'html-only.eml') { "From sender@example.com Mon Nov 30 10:00:00 2026"; (Get-Content -Raw (Join-Path $Fixtures $f)).TrimEnd(); '' }
        Set-Content $mbox ($lines -join "`n")
        $before = (Get-FileHash $mbox).Hash
        $messages = @(Get-SmartEmailMessage -MessagePath $mbox)
        $messages.Count | Should -Be 2
        $messages[0] | Remove-SmartEmailMessage -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        "$($errs[0])" | Should -Match 'one of several in an mbox file'
        (Get-FileHash $mbox).Hash | Should -Be $before
    }
}
