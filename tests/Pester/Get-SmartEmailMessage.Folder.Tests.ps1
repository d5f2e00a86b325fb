# Get-SmartEmailMessage on message files (.eml, mbox) and folder mailboxes (EmailProtocol=Folder): no mail server needed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Messages = Get-FixturePath 'messages'
}

Describe 'Get-SmartEmailMessage -MessagePath' {
    Context 'reading .eml fixtures' {
        It 'reads every fixture in a folder, in name order, as SmartEmail.Message' {
            $all = @(Get-SmartEmailMessage -MessagePath $Messages)
            $expected = @(Get-ChildItem $Messages -Filter *.eml | Sort-Object Name | ForEach-Object FullName)
            $all.Count | Should -Be $expected.Count
            $all.Id | Should -Be $expected
            $all | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'SmartEmail.Message' }
        }

        It 'gives a plain message all the interface properties' {
            $m = Get-SmartEmailMessage -MessagePath (Join-Path $Messages 'plain.eml')
            $m.From | Should -Be 'robot@example.com'
            $m.FromName | Should -Be 'Ops Robot'
            $m.To | Should -Be @('jobs@smartemail.test', 'night@smartemail.test')
            $m.Subject | Should -Be 'Test: nightly batch finished'
            $m.MessageId | Should -Be 'plain-1@example.com'
            $m.Date | Should -Be ([DateTimeOffset]::new(2026, 11, 24, 22, 15, 0, [TimeSpan]::FromHours(1)))
            # A file's arrival time is its last write time.
            $m.Received | Should -Be ([DateTimeOffset]::new((Get-Item (Join-Path $Messages 'plain.eml')).LastWriteTimeUtc, [TimeSpan]::Zero))
            $m.Size | Should -Be (Get-Item (Join-Path $Messages 'plain.eml')).Length
            $m.Source | Should -Be (Join-Path $Messages 'plain.eml')
            @($m.Attachments).Count | Should -Be 0
        }

        It 'names attachments of a multipart message, RFC 2231 names decoded' {
            $m = Get-SmartEmailMessage -MessagePath (Join-Path $Messages 'multipart-attachments.eml')
            $m.Attachments | Should -Be @('SMArtEmail Test.pdf', 'bilan décembre.csv')
        }

        It 'lists a named inline image and ignores an unnamed one' {
            (Get-SmartEmailMessage -MessagePath (Join-Path $Messages 'inline-image.eml')).Attachments | Should -Be @('logo.png')
        }

        It 'reads an HTML-only message' {
            $m = Get-SmartEmailMessage -MessagePath (Join-Path $Messages 'html-only.eml')
            $m.Subject | Should -Be 'HTML report'
            @($m.Attachments).Count | Should -Be 0
        }

        It 'copes with a missing subject, From and Date' {
            (Get-SmartEmailMessage -MessagePath (Join-Path $Messages 'no-subject.eml')).Subject | Should -BeExactly ''
            $orphan = Get-SmartEmailMessage -MessagePath (Join-Path $Messages 'no-from-no-date.eml')
            $orphan.From | Should -BeExactly ''
            $orphan.Date | Should -BeNullOrEmpty
            $orphan.Subject | Should -Be 'Orphan'
        }

        It 'decodes RFC 2047 subjects and non-UTF-8 charsets' -ForEach @(
            @{ File = 'encoded-subject.eml'; Subject = 'Rückmeldung: Job Überweisung ✓'; Name = 'Jürgen Müller' }
            @{ File = 'latin1-charset.eml'; Subject = 'Reçu – coût € 100'; Name = 'François' }
            @{ File = 'raw-8bit-subject.eml'; Subject = 'Café crème € 2'; Name = '' }
        ) {
            $m = Get-SmartEmailMessage -MessagePath (Join-Path $Messages $File)
            $m.Subject | Should -BeExactly $Subject
            $m.FromName | Should -BeExactly $Name
        }

        It 'formats as a table with the received time, sender and subject' {
            $text = Get-SmartEmailMessage -MessagePath (Join-Path $Messages 'plain.eml') | Out-String -Width 200
            $text | Should -Match 'Received\s+From\s+Subject'
            $text | Should -Match 'robot@example\.com\s+Test: nightly batch finished'
        }
    }

    Context 'paths and the pipeline' {
        It 'takes files from Get-ChildItem through the pipeline' {
            $subjects = Get-ChildItem $Messages -Filter 'p*.eml' | Get-SmartEmailMessage | ForEach-Object Subject
            $subjects | Should -Be @('Test: nightly batch finished')
        }

        It 'expands wildcards' {
            @(Get-SmartEmailMessage -MessagePath (Join-Path $Messages '*-subject.eml')).Count | Should -Be 3
        }

        It 'reads a file whose name contains wildcard characters literally' {
            $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'brackets')
            Copy-Item (Join-Path $Messages 'plain.eml') (Join-Path $dir 'report[1].eml')
            (Get-SmartEmailMessage -MessagePath (Join-Path $dir 'report[1].eml')).Subject | Should -Be 'Test: nightly batch finished'
        }

        It 'stops after -First messages' {
            $first = @(Get-SmartEmailMessage -MessagePath $Messages -First 2)
            $first.Count | Should -Be 2
            $first[0].Id | Should -BeLike '*encoded-subject.eml'
        }

        It 'skips messages received before -Since' {
            $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'since')
            $old = Copy-Item (Join-Path $Messages 'plain.eml') (Join-Path $dir 'old.eml') -PassThru
            $new = Copy-Item (Join-Path $Messages 'html-only.eml') (Join-Path $dir 'new.eml') -PassThru
            $old.LastWriteTime = (Get-Date).AddDays(-3)
            $new.LastWriteTime = (Get-Date).AddMinutes(-5)
            @(Get-SmartEmailMessage -MessagePath $dir -Since (Get-Date).AddDays(-1)).Subject | Should -Be @('HTML report')
        }

        It 'reads subfolders only with -Recurse' {
            $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'tree/sub') -Force
            Copy-Item (Join-Path $Messages 'plain.eml') (Join-Path $TestDrive 'tree/a.eml')
            Copy-Item (Join-Path $Messages 'html-only.eml') (Join-Path $dir 'b.eml')
            @(Get-SmartEmailMessage -MessagePath (Join-Path $TestDrive 'tree')).Count | Should -Be 1
            @(Get-SmartEmailMessage -MessagePath (Join-Path $TestDrive 'tree') -Recurse).Count | Should -Be 2
        }

        It 'reads each message of an mbox file' {
            $mbox = Join-Path (Get-CorpusPath) 'mbox/simple.mbox.txt'
            $all = @(Get-SmartEmailMessage -MessagePath $mbox)
            $all.Count | Should -BeGreaterThan 1
            $all[1].Id | Should -Be "$mbox#2"
        }
    }

    Context 'errors' {
        It 'reports a missing path as ObjectNotFound with a stable error id, and goes on with the others' {
            $missing = Join-Path $TestDrive 'nope.eml'
            $found = @(Get-SmartEmailMessage -MessagePath $missing, (Join-Path $Messages 'plain.eml') -ErrorVariable errs -ErrorAction SilentlyContinue)
            $found.Count | Should -Be 1
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'MessagePathNotFound,SmartEmail.Commands.GetSmartEmailMessageCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errs[0].TargetObject | Should -Be $missing
            $errs[0].Exception.Message | Should -BeLike "*$missing*"
        }

        It 'throws the missing-path error when asked to stop' {
            { Get-SmartEmailMessage -MessagePath (Join-Path $TestDrive 'gone') -ErrorAction Stop } |
                Should -Throw -ErrorId 'MessagePathNotFound,SmartEmail.Commands.GetSmartEmailMessageCommand'
        }

        It 'reports an empty file as unreadable, naming it, and reads the rest' {
            $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'bad')
            New-Item -ItemType File (Join-Path $dir 'a-empty.eml') | Out-Null
            Copy-Item (Join-Path $Messages 'plain.eml') (Join-Path $dir 'b-good.eml')
            $found = @(Get-SmartEmailMessage -MessagePath $dir -ErrorVariable errs -ErrorAction SilentlyContinue)
            $found.Subject | Should -Be @('Test: nightly batch finished')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'MessageReadFailed,SmartEmail.Commands.GetSmartEmailMessageCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $errs[0].Exception.Message | Should -BeLike '*a-empty.eml*'
        }

        It 'rejects a path outside the file system' {
            { Get-SmartEmailMessage -MessagePath 'Env:PATH' -ErrorAction Stop } | Should -Throw -ErrorId 'MessagePathNotFound,SmartEmail.Commands.GetSmartEmailMessageCommand'
        }
    }

    Context 'the shared MIME corpus' {
        It 'reads every corpus file without an unhandled error' {
            $files = Get-ChildItem (Get-CorpusPath) -Recurse -File | Where-Object Name -notin 'LICENSE', 'README.md'
            $read = @(Get-SmartEmailMessage -MessagePath $files.FullName -ErrorVariable errs -ErrorAction SilentlyContinue)
            $read.Count | Should -BeGreaterOrEqual 40
            # Anything unreadable must be a reported MessageReadFailed, never a crash.
            $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'MessageReadFailed,*' }
        }
    }
}

Describe 'Folder mailboxes named by an INI [Mail] section or by -Protocol Folder' {
    It 'reads a folder mailbox (EmailProtocol=Folder), and Remove-SmartEmailMessage deletes the chosen files only' {
        $box = New-Item -ItemType Directory (Join-Path $TestDrive 'folder-box/mailbox')
        $names = 'html-only.eml', 'multipart-attachments.eml', 'plain.eml'
        $names | ForEach-Object { Copy-Item (Join-Path $Messages $_) $box }
        # Server is relative to the INI's folder.
        $ini = New-TestMailIni (Join-Path $TestDrive 'folder-box/folder.ini') ([ordered]@{ EmailProtocol = 'Folder'; Server = 'mailbox' })

        $got = @(Get-SmartEmailMessage -Path $ini -WarningAction SilentlyContinue)
        $got.Subject | Should -Be @('HTML report', 'OpCon/xps: ACHBalanceTotal total = 149926.22', 'Test: nightly batch finished')

        $got | Remove-SmartEmailMessage -WhatIf
        @(Get-ChildItem $box | Sort-Object Name).Name | Should -Be $names

        $removed = @($got | Where-Object Subject -Like '*nightly*' | Remove-SmartEmailMessage -Confirm:$false -PassThru)
        $removed.MessageId | Should -Be @('plain-1@example.com')
        @(Get-ChildItem $box | Sort-Object Name).Name | Should -Be @('html-only.eml', 'multipart-attachments.eml')
    }

    It 'reads a folder mailbox given by -Protocol Folder -Server' {
        $box = New-Item -ItemType Directory (Join-Path $TestDrive 'folder-param')
        Copy-Item (Join-Path $Messages 'plain.eml') $box
        @(Get-SmartEmailMessage -Protocol Folder -Server $box.FullName).MessageId | Should -Be @('plain-1@example.com')
    }
}
