# Invoke-SmartEmailRun over mail whose subject, display name and attachment name hold each character that ends a line
# somewhere (Unicode Cc, Zl, Zp), plus international text that ASCII cannot carry: the run exits as it would for
# ordinary mail, each event is one ASCII line, each log entry one line, file names and notice subjects hold none of
# them, and the next run finds nothing left over. Folder mailbox and real IMAP.
BeforeDiscovery {
    $Hostile = @(
        @{ Name = 'LINE SEPARATOR'; Char = [string][char]0x2028 }
        @{ Name = 'PARAGRAPH SEPARATOR'; Char = [string][char]0x2029 }
        @{ Name = 'NEL'; Char = [string][char]0x85 }
        @{ Name = 'CR LF'; Char = "`r`n" }
        @{ Name = 'TAB'; Char = "`t" }
        @{ Name = 'VT'; Char = [string][char]0x0B }
        @{ Name = 'FF'; Char = [string][char]0x0C }
        @{ Name = 'ESC'; Char = [string][char]0x1B }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Password = 'Hostile-5xQ-secret'
    $OpCon = [pscredential]::new('ocadm', (ConvertTo-SecureString $Password -AsPlainText -Force))
    $Breakers = [regex] '[\p{Cc}\p{Zl}\p{Zp}]'

    function ConvertTo-EncodedWord([string] $Text) { '=?UTF-8?B?' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Text)) + '?=' }

    # Four messages per hostile character: accepted by subject, accepted by attachment name, rejected, and one in Japanese.
    function Get-HostileMail([string] $Char) {
        $name = [Uri]::EscapeDataString("rep${Char}ort.csv")
        @(
            "From: $(ConvertTo-EncodedWord "Evil${Char}Name") <ops@example.com>`r`nTo: jobs@example.com`r`nSubject: $(ConvertTo-EncodedWord "Job${Char}Run, now")`r`nMessage-ID: <s$([guid]::NewGuid().ToString('N'))@example.com>`r`n`r`nbody`r`n"
            "From: ops@example.com`r`nTo: jobs@example.com`r`nSubject: Files`r`nMessage-ID: <a$([guid]::NewGuid().ToString('N'))@example.com>`r`nMIME-Version: 1.0`r`nContent-Type: multipart/mixed; boundary=b`r`n`r`n--b`r`nContent-Type: text/plain`r`n`r`nsee attached`r`n--b`r`nContent-Type: text/csv`r`nContent-Disposition: attachment; filename*=UTF-8''$name`r`n`r`na,b`r`n--b--`r`n"
            "From: ops@example.com`r`nTo: jobs@example.com`r`nSubject: $(ConvertTo-EncodedWord "Other${Char}thing")`r`nMessage-ID: <r$([guid]::NewGuid().ToString('N'))@example.com>`r`n`r`nbody`r`n"
            "From: ops@example.com`r`nTo: jobs@example.com`r`nSubject: $(ConvertTo-EncodedWord "Job テスト 報告 Résumé 📧")`r`nMessage-ID: <j$([guid]::NewGuid().ToString('N'))@example.com>`r`n`r`nbody`r`n"
        )
    }

    function New-HostileIni([string] $Dir, [string] $Mail, [string] $Unsafe, [string] $Extra = '') {
        New-Item -ItemType Directory (Join-Path $Dir 'msgin') -Force | Out-Null
        $ini = @"
[General]
MSGINDirectory=msgin
OpConUser=ocadm
OpConUserPassword=$Password
DeleteEmails=Match
DownloadEmails=True
DownloadFolder=received
UnsafeValueAction=$Unsafe
$Extra
[Mail]
$Mail
[Audit]
AuditAcceptLogFile=accept.log
LogAccepts=True
LogAcceptFormat=Accepted [[SENDER]] [[SUBJECT]] -> [[EVENT]]
AuditRejectLogFile=reject.log
LogRejects=True
LogRejectFormat=Rejected [[SENDER]] [[SUBJECT]] because [[REASON]]
LogOpConEvents=True
OpConEventLogFile=events.log
RejectEvent=`$CONSOLE:DISPLAY,rejected [[SUBJECT]]
[Configuration1]
SubjectLineMask=^Job
Event=`$PROPERTY:SET,LastSubject,[[SUBJECT]]
AllowedSenders=ALL
[Configuration2]
SubjectLineMask=^Files$
Event=`$JOB:ADD,SCHED,LOAD,FILE=[[ATTACHMENT]]
AllowedSenders=ALL
ProcessAttachments=True
AttachmentMask=^rep[\s\S]*\.csv$
"@
        $path = Join-Path $Dir 'SMArtEmail.ini'
        Set-Content -Path $path -Value $ini
        $path
    }

    function Assert-HostileRun($Result, [string] $Dir, [string] $Unsafe) {
        $Result.Errors | Should -BeNullOrEmpty
        $Result.ExitCode | Should -Be 0
        $Result.Scanned | Should -Be 4
        foreach ($file in Get-ChildItem (Join-Path $Dir 'msgin')) {
            $bytes = [IO.File]::ReadAllBytes($file.FullName)
            $body = $bytes[0..($bytes.Length - 3)]
            ($bytes[-2], $bytes[-1]) | Should -Be @(13, 10) -Because "$($file.Name) ends its one line with CRLF"
            @($body | Where-Object { $_ -lt 0x20 -or $_ -gt 0x7E }).Count | Should -Be 0 -Because "$($file.Name) is one printable ASCII line: $([Text.Encoding]::ASCII.GetString($bytes))"
            ([Text.Encoding]::ASCII.GetString($body).Split(',')[-2]) | Should -Be 'ocadm' -Because 'no value added an event field'
        }
        foreach ($log in 'accept.log', 'reject.log', 'events.log') {
            $text = [IO.File]::ReadAllText((Join-Path $Dir $log))
            $Breakers.Replace($text.Replace([Environment]::NewLine, ''), '') | Should -Be $text.Replace([Environment]::NewLine, '') -Because "$log keeps each entry on one line"
        }
        @(Get-Content (Join-Path $Dir 'accept.log')).Count | Should -Be $Result.Accepted
        @(Get-Content (Join-Path $Dir 'reject.log')).Count | Should -Be $Result.Rejected
        foreach ($saved in Get-ChildItem (Join-Path $Dir 'received')) { $Breakers.IsMatch($saved.Name) | Should -BeFalse }
        @(Get-ChildItem (Join-Path $Dir 'received')).Count | Should -Be $Result.Accepted
        if ($Unsafe -eq 'Strip') {
            $Result.Accepted | Should -Be 3
            $Result.EventsSubmitted | Should -Be 4   # three accepted, and the RejectEvent of the rejected one
        }
        else {
            # Reject: the subject and attachment rules refuse the unsafe value; RejectEvent is not submitted either.
            $Result.Accepted | Should -Be 1   # the Japanese one
            ($Result.Warnings -join "`n") | Should -Match 'RejectEvent was not submitted'
        }
        ($Result.Warnings -join "`n") | Should -Match 'us-ascii.*transliterated'   # the Japanese subject
    }
}

Describe 'Invoke-SmartEmailRun over hostile mail in a folder mailbox' {
    It 'handles <Name> like ordinary mail with UnsafeValueAction=<Unsafe>' -ForEach @(
        foreach ($h in $Hostile) { foreach ($u in 'Strip', 'Reject') { @{ Name = $h.Name; Char = $h.Char; Unsafe = $u } } }
    ) {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $box = New-Item -ItemType Directory (Join-Path $dir 'mailbox')
        $i = 0
        foreach ($m in Get-HostileMail $Char) { [IO.File]::WriteAllText((Join-Path $box "0$((++$i)).eml"), $m) }
        $ini = New-HostileIni $dir "EmailProtocol=Folder`nServer=mailbox" $Unsafe
        $r = Invoke-SmartEmailRun -Path $ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        Assert-HostileRun $r $dir $Unsafe
        $again = Invoke-SmartEmailRun -Path $ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $again.Scanned | Should -Be 0
        $again.ExitCode | Should -Be 0
    }
}

Describe 'Invoke-SmartEmailRun over hostile mail on the real IMAP server, with notices through the real SMTP sink' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
        $Service = Get-TestService
        Initialize-TestMailKit
    }
    BeforeEach { Clear-TestMailbox alice; Clear-TestMailbox bob }

    It 'handles <Name> like ordinary mail, over IMAP' -ForEach @($Hostile | Where-Object Name -in 'LINE SEPARATOR', 'NEL', 'CR LF', 'ESC') {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory $dir | Out-Null
        $messages = Get-HostileMail $Char | ForEach-Object { [MimeKit.MimeMessage]::Load([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes($_))) }
        $null = Add-TestMessage -User alice -Message $messages
        $mail = "EmailProtocol=IMAP`nServer=127.0.0.1`nPort=$($Service.imap.tlsPort)`nTlsMode=Implicit`nSelfSignedCertificate=True`nUser=alice`nPassword=alice-secret`n" +
            "SmtpServer=127.0.0.1`nSmtpPort=$($Service.smtp.port)`nNotifyFrom=smartemail@smartemail.test"
        $ini = New-HostileIni $dir $mail 'Strip'
        $text = (Get-Content -Raw $ini) -replace 'LogRejects=True', "LogRejects=True`nNotifyOnAccepts=True`nNotifyOnAcceptTo=bob@smartemail.test`nNotifyOnAcceptSubject=Accepted: [[SUBJECT]]`nNotifyOnRejects=True`nNotifyOnRejectTo=bob@smartemail.test`nNotifyOnRejectSubject=Rejected: [[SUBJECT]] ([[REASON]])"
        Set-Content $ini $text -NoNewline
        $r = Invoke-SmartEmailRun -Path $ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        Assert-HostileRun $r $dir 'Strip'
        $r.Notified | Should -Be 4
        $notices = @(Get-TestMessage -User bob)
        $notices.Count | Should -Be 4
        foreach ($n in $notices) { $Breakers.IsMatch($n.Subject) | Should -BeFalse -Because "the notice subject '$($n.Subject)' is one line" }
        (Get-TestMessage -User alice).Count | Should -Be 1   # DeleteEmails=Match: only the rejected one stays
        $again = Invoke-SmartEmailRun -Path $ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $again.Scanned | Should -Be 0
        $again.ExitCode | Should -Be 0
    }
}

Describe 'Invoke-SmartEmailRun over the MimeKit corpus of real-world mail' {
    It 'runs every message (saved one per file by Save-SmartEmailMessage, mbox files split) with body, attachment and RejectEvent rules, and fails on none' {
        $dir = Join-Path $TestDrive 'corpus'
        $box = New-Item -ItemType Directory (Join-Path $dir 'mailbox') -Force
        $files = Get-ChildItem (Get-CorpusPath) -Recurse -File | Where-Object Name -notin 'LICENSE', 'README.md'
        $null = Get-SmartEmailMessage -MessagePath $files.FullName -ErrorAction SilentlyContinue | Save-SmartEmailMessage -Destination $box
        $count = @(Get-ChildItem $box).Count
        $count | Should -BeGreaterThan 40
        $rules = "[Configuration1]`nSubjectLineMask=(.+)`nEvent=`$PROPERTY:SET,LastSubject,[[1]]`nAllowedSenders=ALL`nProcessBody=True`nQualifyingSubjectLine=(?i)report|test|message`n" +
            "[Configuration2]`nSubjectLineMask=.*`nEvent=`$JOB:ADD,S,J,FILE=[[ATTACHMENT]]`nAllowedSenders=ALL`nProcessAttachments=True`nAttachmentMask=.+`n" +
            "[Configuration3]`nSubjectLineMask=^(.*)$`nEvent=`$CONSOLE:DISPLAY,[[SUBJECT]] from [[SENDER]] at [[DATE]]`nAllowedSenders=ALL`n"
        $ini = New-HostileIni $dir "EmailProtocol=Folder`nServer=mailbox" 'Strip'
        $text = (Get-Content -Raw $ini)
        Set-Content $ini ($text.Substring(0, $text.IndexOf('[Configuration1]')) + $rules) -NoNewline
        $r = Invoke-SmartEmailRun -Path $ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.Errors | Should -BeNullOrEmpty
        $r.Scanned | Should -Be $count
        $r.EventsSubmitted | Should -BeGreaterThan $count
        foreach ($file in Get-ChildItem (Join-Path $dir 'msgin')) {
            $bytes = [IO.File]::ReadAllBytes($file.FullName)
            @($bytes[0..($bytes.Length - 3)] | Where-Object { $_ -lt 0x20 -or $_ -gt 0x7E }).Count | Should -Be 0 -Because "$($file.Name) is one printable ASCII line"
        }
        $again = Invoke-SmartEmailRun -Path $ini -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        ($again.Scanned, $again.Errors.Count) | Should -Be @(0, 0)
    }
}
