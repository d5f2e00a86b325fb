#Requires -Version 7.2
# Get-SmartEmailMessage on what only POP3 does, against the private dovecot of tests/services: multipart messages are
# downloaded whole (RETR) and must be parsed exactly as the file reader parses them. Needs SMARTEMAIL_TEST_SERVICES and
# SMARTEMAIL_MODULE_PATH; build.ps1 -Task Test sets both.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    Initialize-TestMailKit
}

AfterAll {
    Clear-TestMailbox -User alice
    Remove-Module TestServices -ErrorAction SilentlyContinue
}

Describe 'Full messages over POP3 are parsed like files' -Tag 'Integration', 'Services', 'Mailbox' {
    BeforeAll {
        $Mailbox = Get-MailboxParameter 'POP3S'
    }

    BeforeEach {
        Clear-TestMailbox -User alice
    }

    It 'limits MIME nesting as the file reader does: a part 150 levels deep stays opaque' {
        # Multipart messages are downloaded whole over POP3 (RETR); they must go through SmartEmail's parser options,
        # whose depth limit keeps MimeKit's recursive parser from overflowing a small thread stack.
        $lines = [System.Collections.Generic.List[string]]::new()
        $lines.AddRange([string[]]@('From: deep@smartemail.test', 'To: alice@smartemail.test', 'Subject: Deep', 'Message-ID: <deep-1@smartemail.test>', 'MIME-Version: 1.0'))
        $depth = 150
        for ($i = 0; $i -lt $depth; $i++) {
            $lines.Add("Content-Type: multipart/mixed; boundary=`"b$i`"")
            $lines.Add('')
            $lines.Add("--b$i")
            if ($i -eq 0) {
                $lines.AddRange([string[]]@('Content-Type: text/plain; name="top.txt"', 'Content-Disposition: attachment; filename="top.txt"', '', 'top', "--b$i"))
            }
        }
        $lines.AddRange([string[]]@('Content-Type: text/plain; name="deep.txt"', 'Content-Disposition: attachment; filename="deep.txt"', '', 'deep'))
        for ($i = $depth - 1; $i -ge 0; $i--) { $lines.Add("--b$i--") }
        $file = Join-Path $TestDrive 'deep.eml'
        [IO.File]::WriteAllText($file, ($lines -join "`r`n") + "`r`n")
        $null = Add-TestMessage -User alice -Path $file
        $fromFile = Get-SmartEmailMessage -MessagePath $file
        $fromFile.Attachments | Should -Be @('top.txt')
        (Get-SmartEmailMessage @Mailbox).Attachments | Should -Be @('top.txt')
    }

    It 'decodes the raw 8-bit (Windows-1252) subject of a multipart message as the file reader does' {
        $file = Join-Path $TestDrive 'raw-8bit-multipart.eml'
        $head = "From: a@smartemail.test`r`nTo: alice@smartemail.test`r`nSubject: Caf`u{e9} cr`u{e8}me `u{20ac} 3`r`nMessage-ID: <raw-mp@smartemail.test>`r`nMIME-Version: 1.0`r`nContent-Type: multipart/mixed; boundary=`"x`"`r`n`r`n"
        $body = "--x`r`nContent-Type: text/plain`r`n`r`nhello`r`n--x`r`nContent-Type: text/plain; name=`"a.txt`"`r`nContent-Disposition: attachment; filename=`"a.txt`"`r`n`r`na`r`n--x--`r`n"
        [IO.File]::WriteAllBytes($file, [Text.Encoding]::GetEncoding(1252).GetBytes($head + $body))
        $null = Add-TestMessage -User alice -Path $file
        $fromFile = (Get-SmartEmailMessage -MessagePath $file).Subject
        $fromFile | Should -BeExactly "Caf`u{e9} cr`u{e8}me `u{20ac} 3"
        (Get-SmartEmailMessage @Mailbox).Subject | Should -BeExactly $fromFile
    }
}
