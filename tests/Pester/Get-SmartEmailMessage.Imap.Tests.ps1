#Requires -Version 7.2
# Get- and Remove-SmartEmailMessage on what only IMAP has, against the private dovecot of tests/services: folders
# (-Folder) and a mailbox of 10,000 messages fetched with a bounded number of commands. Server state is arranged and
# checked with ../services/TestServices.psm1. Needs SMARTEMAIL_TEST_SERVICES and SMARTEMAIL_MODULE_PATH; build.ps1
# -Task Test sets both.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    Initialize-TestMailKit
    $Fixtures = Get-FixturePath 'messages'
    $GetId = 'SmartEmail.Commands.GetSmartEmailMessageCommand'
}

AfterAll {
    Clear-TestMailbox -User alice
    Remove-Module TestServices -ErrorAction SilentlyContinue
}

Describe 'IMAP folders' -Tag 'Integration', 'Services', 'Mailbox' {
    BeforeEach {
        Clear-TestMailbox -User alice
    }

    It 'reads only the folder given by -Folder over <Name>' -ForEach @{ Name = 'IMAPS' }, @{ Name = 'IMAP+STARTTLS' } {
        $mailbox = Get-MailboxParameter $Name
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml')
        $uids = @(Add-TestMessage -User alice -Folder Reports -Path (Join-Path $Fixtures 'html-only.eml'), (Join-Path $Fixtures 'multipart-attachments.eml'))
        $validity = Get-TestUidValidity -Folder Reports

        $reports = @(Get-SmartEmailMessage @mailbox -Folder Reports)

        $reports.Subject | Should -Be @('HTML report', 'OpCon/xps: ACHBalanceTotal total = 149926.22')
        $reports.Id | Should -Be @($uids | ForEach-Object { "$validity/$($_.Id)" })
        $source = Get-MailboxSource $Name -Folder Reports
        $reports | ForEach-Object { $_.Source | Should -BeExactly $source }
        @(Get-SmartEmailMessage @mailbox).Subject | Should -Be @('Test: nightly batch finished')
    }

    It 'reads a nested folder' {
        $null = Add-TestMessage -User alice -Folder 'Projects/2026' -Path (Join-Path $Fixtures 'plain.eml')
        $mailbox = Get-MailboxParameter IMAPS
        @(Get-SmartEmailMessage @mailbox -Folder 'Projects/2026').MessageId | Should -Be @('plain-1@example.com')
    }

    It 'removes from the folder the messages were read from, and nowhere else' {
        $mailbox = Get-MailboxParameter IMAPS
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'html-only.eml')
        $null = Add-TestMessage -User alice -Folder Reports -Path (Join-Path $Fixtures 'html-only.eml'), (Join-Path $Fixtures 'plain.eml')

        Get-SmartEmailMessage @mailbox -Folder Reports | Where-Object Subject -EQ 'HTML report' | Remove-SmartEmailMessage -Confirm:$false

        @(Get-TestMessage -User alice -Folder Reports).Subject | Should -Be @('Test: nightly batch finished')
        @(Get-TestMessage -User alice).Subject | Should -Be @('HTML report')
    }

    It 'reports a folder that does not exist as MailboxFolderNotFound' {
        $mailbox = Get-MailboxParameter IMAPS
        $err = { Get-SmartEmailMessage @mailbox -Folder 'No/Such/Folder' } |
            Should -Throw -ErrorId "MailboxFolderNotFound,$GetId" -PassThru
        $err.FullyQualifiedErrorId | Should -BeExactly "MailboxFolderNotFound,$GetId"
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -BeLike "*'No/Such/Folder'*"
    }
}

Describe 'Round trips: what EXAMINE already answers is not asked again' -Tag 'Integration', 'Services', 'Mailbox' {
    BeforeAll {
        # The engine's own read, as Invoke-SmartEmailRun resumes from its watermark (ReadOptions.After), with a
        # protocol log; its types are reached through an object of the module's load context.
        $Engine = (New-SmartEmailRule -Name probe -SubjectLineMask 'x' -Event '$CONSOLE:DISPLAY,probe').GetType().Assembly
        function Read-AfterWatermark([uint32] $Validity, [uint32] $AfterUid, [string] $Log) {
            $settings = $Engine.GetType('SmartEmail.Mail.MailboxSettings', $true)::new()
            $p = Get-MailboxParameter IMAPS
            $settings.Server = $p.Server; $settings.Port = $p.Port; $settings.TlsMode = 'Implicit'
            $settings.CertificateThumbprint = $p.CertificateThumbprint
            $settings.Credential = $p.Credential.GetNetworkCredential()
            $file = [System.IO.FileStream]::new($Log, 'Create', 'Write', 'Read')
            $settings.ProtocolLog = $file
            $options = $Engine.GetType('SmartEmail.Mail.ReadOptions', $true)::new()
            $options.After = [Activator]::CreateInstance($Engine.GetType('SmartEmail.Mail.MessageKey', $true), [object[]]@($Validity, $AfterUid))
            $source = $Engine.GetType('SmartEmail.Mail.MailSource', $true)::Create($settings, $null)
            try { @($source.Read($options, [System.Threading.CancellationToken]::None)) }
            finally { $source.Dispose(); $file.Dispose() }
        }
        function Get-CommandName([string] $Log) {
            @(Get-LogCommand $Log | ForEach-Object { if ($_ -match '^C: \S+ ((?:UID )?[A-Z]+)') { $Matches[1] } })
        }
    }
    BeforeEach {
        Clear-TestMailbox -User alice
    }

    It 'lists a folder of up to one batch with one UID FETCH of 1:* and no UID SEARCH, five commands before it' {
        $log = Join-Path $TestDrive 'small.log'
        $null = Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'html-only.eml'), (Join-Path $Fixtures 'multipart-attachments.eml')

        $mailbox = Get-MailboxParameter IMAPS
        $all = @(Get-SmartEmailMessage @mailbox -ProtocolLogPath $log)

        $all.Subject | Should -Be @('Test: nightly batch finished', 'HTML report', 'OpCon/xps: ACHBalanceTotal total = 149926.22')
        $all[2].Attachments.Count | Should -BeGreaterThan 0
        $names = Get-CommandName $log
        $names | Should -Not -Contain 'UID SEARCH'
        $firstFetch = [array]::IndexOf($names, 'UID FETCH')
        $firstFetch | Should -Be 5 -Because 'AUTHENTICATE, then MailKit''s NAMESPACE, LIST INBOX and LIST (SPECIAL-USE), then EXAMINE'
        (Get-LogCommand $log)[$firstFetch] | Should -Match '^C: \S+ UID FETCH 1:\* '
    }

    It 'sends neither UID SEARCH nor FETCH to an empty folder' {
        $log = Join-Path $TestDrive 'empty.log'

        $mailbox = Get-MailboxParameter IMAPS
        @(Get-SmartEmailMessage @mailbox -ProtocolLogPath $log).Count | Should -Be 0

        $names = Get-CommandName $log
        $names | Should -Contain 'EXAMINE'
        @($names -match 'SEARCH|FETCH').Count | Should -Be 0
    }

    It 'asks nothing more when UIDNEXT is not above the watermark, and fetches only the new mail when it is' {
        $uids = @(Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'html-only.eml'))
        $validity = Get-TestUidValidity
        $last = [uint32] $uids[1].Id

        @(Read-AfterWatermark $validity $last (Join-Path $TestDrive 'none.log')).Count | Should -Be 0
        @((Get-CommandName (Join-Path $TestDrive 'none.log')) -match 'SEARCH|FETCH').Count | Should -Be 0

        $new = @(Add-TestMessage -User alice -Path (Join-Path $Fixtures 'multipart-attachments.eml'))
        $read = @(Read-AfterWatermark $validity $last (Join-Path $TestDrive 'new.log'))
        $read.Id | Should -Be @("$validity/$($new[0].Id)")
        (Get-LogCommand (Join-Path $TestDrive 'new.log')) -match 'UID FETCH' | Select-Object -First 1 | Should -Match "UID FETCH $($last + 1):\* "
    }

    It 'does not take the highest UID for new mail when "n:*" names it because every UID is below n' {
        # The newest message was expunged, so UIDNEXT is above the watermark but no UID is: RFC 9051 makes "n:*" the
        # highest UID then, which is the watermark itself, already handled.
        $uids = @(Add-TestMessage -User alice -Path (Join-Path $Fixtures 'plain.eml'), (Join-Path $Fixtures 'html-only.eml'))
        $validity = Get-TestUidValidity
        $mailbox = Get-MailboxParameter IMAPS
        $newest = Get-SmartEmailMessage @mailbox | Where-Object Id -EQ "$validity/$($uids[1].Id)"
        $newest | Remove-SmartEmailMessage -Confirm:$false
        $log = Join-Path $TestDrive 'quirk.log'

        @(Read-AfterWatermark $validity ([uint32] $uids[0].Id) $log).Count | Should -Be 0
        (Get-LogCommand $log) -match 'UID FETCH' | Select-Object -First 1 | Should -Match "UID FETCH $($uids[0].Id + 1):\* "
    }
}

Describe 'A mailbox of 10,000 messages' -Tag 'Integration', 'Services', 'Mailbox', 'Slow' {
    BeforeAll {
        Clear-TestMailbox -User carol
        # Written into the Maildir directly: MULTIAPPEND of 10,000 messages takes several seconds longer.
        $Run = Add-TestMaildirMessage -User carol -Count 10000
    }

    AfterAll {
        Clear-TestMailbox -User carol
    }

    It 'is fetched with a bounded number of IMAP commands' {
        $log = Join-Path $TestDrive 'bulk.log'

        $mailbox = Get-MailboxParameter IMAPS -User carol
        $all = @(Get-SmartEmailMessage @mailbox -ProtocolLogPath $log)

        $all.Count | Should -Be 10000
        @($all.MessageId | Sort-Object -Unique).Count | Should -Be 10000
        @($all.Id | Sort-Object -Unique).Count | Should -Be 10000
        $all[0].MessageId | Should -BeLike "bulk-*.$Run@smartemail.test"
        $commands = Get-LogCommand $log
        # Two FETCH commands per batch of 1,000: the body structure, then the header fields (Get-SmartEmailMessage.MessageReading.Tests.ps1).
        $commands.Count | Should -BeLessOrEqual 35
        @($commands -match '^C: \S+ UID SEARCH ').Count | Should -Be 1 -Because 'more than one batch: the UIDs are asked once, then fetched in batches'
        $fetches = @($commands -match '^C: \S+ (UID )?FETCH ')
        $fetches.Count | Should -BeGreaterThan 0
        $fetches.Count | Should -BeLessOrEqual 22
        @($commands -match 'BODY(\.PEEK)?\[(\]|TEXT|\d)').Count | Should -Be 0 -Because 'listing fetches no bodies'
        @($commands -match 'BODY\.PEEK\[HEADER\.FIELDS').Count | Should -Be 10 -Because 'one header fetch per batch'
    }
}
