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
        $fetches = @($commands -match '^C: \S+ (UID )?FETCH ')
        $fetches.Count | Should -BeGreaterThan 0
        $fetches.Count | Should -BeLessOrEqual 22
        @($commands -match 'BODY(\.PEEK)?\[(\]|TEXT|\d)').Count | Should -Be 0 -Because 'listing fetches no bodies'
        @($commands -match 'BODY\.PEEK\[HEADER\.FIELDS').Count | Should -Be 10 -Because 'one header fetch per batch'
    }
}
