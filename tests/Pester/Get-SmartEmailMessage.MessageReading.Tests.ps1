#Requires -Version 7.2
# One reading of a message, whatever its source: the same mail read from its .eml file, over IMAP and over POP3 must
# give the same Message facts, so that a rule dry-run on saved mail predicts the live run. The real-world MIME corpus
# (../shared/corpus/mimekit) plus the cases that used to differ, APPENDed to bob's INBOX of the private dovecot.
# Needs SMARTEMAIL_TEST_SERVICES and SMARTEMAIL_MODULE_PATH; build.ps1 -Task Test sets both.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../services/TestServices.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    Initialize-TestMailKit
    $Service = Get-TestService
    $Sha256 = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($Service.certificate).GetCertHashString('SHA256')
    $Credential = [pscredential]::new('bob', (ConvertTo-SecureString 'bob-secret' -AsPlainText -Force))
    $Properties = 'From', 'FromName', 'Subject', 'To', 'Cc', 'MessageId', 'Date', 'Attachments'
    $Ct = [System.Threading.CancellationToken]::None

    function Get-Mailbox([ValidateSet('IMAP', 'POP')] [string] $Protocol) {
        $port = if ($Protocol -eq 'IMAP') { $Service.imap.tlsPort } else { $Service.pop3.tlsPort }
        @{ Server = $Service.host; Port = [int] $port; Protocol = $Protocol; TlsMode = 'Implicit'; Credential = $Credential; CertificateThumbprint = $Sha256 }
    }

    # One property as comparable text: arrays joined, dates in round-trip form.
    function Format-Value($Value) {
        if ($null -eq $Value) { return '<null>' }
        if ($Value -is [DateTimeOffset]) { return $Value.ToString('o') }
        (@($Value) | ForEach-Object { "$_" }) -join ' | '
    }

    # "<name>: <property> file=[..] <other>=[..]" for every property that differs.
    function Compare-Reading([object[]] $Expected, [object[]] $Actual, [string[]] $Names, [string] $Label) {
        if ($Expected.Count -ne $Actual.Count) { return "$Label listed $($Actual.Count) messages, the files $($Expected.Count)" }
        for ($i = 0; $i -lt $Expected.Count; $i++) {
            foreach ($p in $Properties) {
                $e = Format-Value $Expected[$i].$p
                $a = Format-Value $Actual[$i].$p
                if ($e -cne $a) { "$($Names[$i]): $p file=[$e] $Label=[$a]" }
            }
        }
    }

    $caseFolder = Join-Path $TestDrive 'cases'
    $null = New-Item -ItemType Directory $caseFolder
    $crlf = "`r`n"
    $head = "To: rcpt@smartemail.test${crlf}Date: Tue, 01 Dec 2026 10:00:00 +0000$crlf"
    $CaseText = [ordered]@{
        'unquoted-name.eml'  = "From: Sender <sender@example.com>$crlf${head}Subject: unquoted name${crlf}Message-ID: <unquoted@example.com>${crlf}MIME-Version: 1.0${crlf}Content-Type: multipart/mixed; boundary=`"b1`"$crlf$crlf--b1${crlf}Content-Type: text/plain$crlf${crlf}hello$crlf--b1${crlf}Content-Type: text/plain; name=This is a test.txt${crlf}Content-Disposition: attachment$crlf${crlf}attached$crlf--b1--$crlf"
        'forwarded.eml'      = "From: Sender <sender@example.com>$crlf${head}Subject: Fwd: report${crlf}Message-ID: <forwarded@example.com>${crlf}MIME-Version: 1.0${crlf}Content-Type: multipart/mixed; boundary=`"b2`"$crlf$crlf--b2${crlf}Content-Type: text/plain$crlf${crlf}see below$crlf--b2${crlf}Content-Type: message/rfc822$crlf${crlf}From: Other <other@example.com>${crlf}Subject: =?UTF-8?Q?Quarterly_r=C3=A9sum=C3=A9?=${crlf}Date: Mon, 30 Nov 2026 09:00:00 +0000$crlf${crlf}inner body$crlf--b2--$crlf"
        'two-subjects.eml'   = "From: Sender <sender@example.com>$crlf${head}Subject: first subject${crlf}Subject: second subject${crlf}Message-ID: <two-subjects@example.com>$crlf${crlf}body$crlf"
        'two-from.eml'       = "From: First <first@example.com>${crlf}From: Second <second@example.com>$crlf${head}Subject: two from${crlf}Message-ID: <two-from@example.com>$crlf${crlf}body$crlf"
        'japanese.eml'       = "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>$crlf${head}Subject: =?UTF-8?B?44OG44K544OI44Oh44O844Or?=${crlf}Message-ID: <japanese@example.com>$crlf${crlf}body$crlf"
        'accented.eml'       = "From: =?ISO-8859-1?Q?Ren=E9?= <rene@example.fr>$crlf${head}Subject: =?ISO-8859-1?Q?R=E9sum=E9_ready?=${crlf}Message-ID: <accented@example.com>$crlf${crlf}body$crlf"
        'emoji.eml'          = "From: Sender <sender@example.com>$crlf${head}Subject: =?UTF-8?B?8J+agCBMYXVuY2g=?= =?UTF-8?Q?_done_=E2=9C=85?=${crlf}Message-ID: <emoji@example.com>$crlf${crlf}body$crlf"
    }
    foreach ($name in $CaseText.Keys) { [IO.File]::WriteAllText((Join-Path $caseFolder $name), $CaseText[$name], [Text.UTF8Encoding]::new($false)) }

    # Every corpus message dovecot accepts, in APPEND order (= UID order = POP3 order), and how to read each from files.
    Clear-TestMailbox -User bob
    $corpus = Get-CorpusPath
    $Names = [System.Collections.Generic.List[string]]::new()
    $FileMessages = [System.Collections.Generic.List[object]]::new()
    $singles = @(Get-ChildItem (Join-Path $corpus 'messages'), (Join-Path $corpus 'dkim') -File | Sort-Object FullName) + @(Get-ChildItem $caseFolder -File | Sort-Object Name)
    foreach ($file in $singles) {
        try { $null = Add-TestMessage -User bob -Path $file.FullName } catch { Write-Host "dovecot refused $($file.Name): $_"; continue }
        $Names.Add($file.Name)
        $FileMessages.Add((Get-SmartEmailMessage -MessagePath $file.FullName))
    }
    foreach ($mbox in Get-ChildItem (Join-Path $corpus 'mbox') -File | Sort-Object Name) {
        $fromFile = @(Get-SmartEmailMessage -MessagePath $mbox.FullName)
        $stream = [IO.File]::OpenRead($mbox.FullName)
        try {
            $parser = [MimeKit.MimeParser]::new($stream, [MimeKit.MimeFormat]::Mbox)
            $i = 0
            while (-not $parser.IsEndOfStream) {
                $m = $parser.ParseMessage($Ct)
                $i++
                try { $null = Add-TestMessage -User bob -Message $m } catch { Write-Host "dovecot refused $($mbox.Name)#${i}: $_"; continue }
                $Names.Add("$($mbox.Name)#$i")
                $FileMessages.Add($fromFile[$i - 1])
            }
        } finally { $stream.Dispose() }
    }
    $IndexOf = @{}
    for ($i = 0; $i -lt $Names.Count; $i++) { $IndexOf[$Names[$i]] = $i }
    $imapBox = Get-Mailbox IMAP
    $popBox = Get-Mailbox POP
    $Imap = @(Get-SmartEmailMessage @imapBox)
    $Pop = @(Get-SmartEmailMessage @popBox)
}

AfterAll {
    Clear-TestMailbox -User bob
    Remove-Module TestServices -ErrorAction SilentlyContinue
}

Describe 'One reading of a message from a file, over IMAP and over POP3' -Tag 'Integration', 'Services' {
    It 'APPENDs most of the corpus (the comparison means something)' {
        $Names.Count | Should -BeGreaterOrEqual 80
    }

    It 'reads every message over <_> exactly as from its file' -ForEach 'IMAP', 'POP' {
        $listed = if ($_ -eq 'IMAP') { $Imap } else { $Pop }
        $differences = @(Compare-Reading -Expected $FileMessages -Actual $listed -Names $Names -Label $_)
        $differences | Should -BeNullOrEmpty -Because ($differences -join [Environment]::NewLine)
    }

    It 'names an unquoted attachment name with spaces in full on every path' {
        $i = $IndexOf['unquoted-name.eml']
        foreach ($m in $FileMessages[$i], $Imap[$i], $Pop[$i]) { $m.Attachments | Should -Be @('This is a test.txt') }
    }

    It 'names a forwarded message/rfc822 after its decoded subject on every path' {
        $i = $IndexOf['forwarded.eml']
        foreach ($m in $FileMessages[$i], $Imap[$i], $Pop[$i]) { $m.Attachments | Should -Be @("Quarterly r`u{e9}sum`u{e9}.eml") }
    }

    It 'takes the first of two Subject headers and the first of two From headers, as MimeKit does for a file' {
        $s = $IndexOf['two-subjects.eml']
        $f = $IndexOf['two-from.eml']
        foreach ($m in $FileMessages[$s], $Imap[$s], $Pop[$s]) { $m.Subject | Should -BeExactly 'first subject' }
        foreach ($m in $FileMessages[$f], $Imap[$f], $Pop[$f]) { $m.From | Should -BeExactly 'first@example.com'; $m.FromName | Should -BeExactly 'First' }
    }

    It 'decodes the RFC 2047 subject of <Name> alike everywhere' -ForEach @(
        @{ Name = 'japanese.eml'; Subject = "`u{30c6}`u{30b9}`u{30c8}`u{30e1}`u{30fc}`u{30eb}"; FromName = "`u{5c71}`u{7530}" }
        @{ Name = 'accented.eml'; Subject = "R`u{e9}sum`u{e9} ready"; FromName = "Ren`u{e9}" }
        @{ Name = 'emoji.eml'; Subject = "`u{1F680} Launch done `u{2705}"; FromName = 'Sender' }
    ) {
        $i = $IndexOf[$Name]
        foreach ($m in $FileMessages[$i], $Imap[$i], $Pop[$i]) {
            $m.Subject | Should -BeExactly $Subject
            $m.FromName | Should -BeExactly $FromName
        }
    }
}

Describe 'A 3 MB folded header' -Tag 'Integration', 'Services' {
    BeforeAll {
        # Written raw into bob's Maildir: APPEND through MimeKit would itself take the quadratic time under test.
        $b = [System.Text.StringBuilder]::new("From: Huge <huge@example.com>`r`nTo: rcpt@smartemail.test`r`nMessage-ID: <huge@example.com>`r`nSubject: huge start")
        while ($b.Length -lt 3MB) { $null = $b.Append("`r`n folded words folded words folded words folded words folded words folded w") }
        $null = $b.Append("`r`nX-After: cut`r`n`r`nbody`r`n")
        $text = $b.ToString()
        $HugeFile = Join-Path $TestDrive 'huge.eml'
        [IO.File]::WriteAllText($HugeFile, $text)
        Clear-TestMailbox -User bob
        $maildir = [IO.Path]::Combine($Service.root, 'mail', 'bob', 'Maildir')
        $name = "$([DateTimeOffset]::UtcNow.ToUnixTimeSeconds()).huge$([guid]::NewGuid().ToString('N').Substring(0, 8)).smartemail-test"
        [IO.File]::WriteAllText("$maildir/tmp/$name", $text)
        [IO.File]::Move("$maildir/tmp/$name", "$maildir/new/$name")
        & chown nobody:nogroup "$maildir/new/$name"
    }

    It 'is read from <Label> within a bound, with a warning naming the message' -ForEach @(
        @{ Label = 'the file' }, @{ Label = 'IMAP' }, @{ Label = 'POP' }
    ) {
        $parameters = if ($Label -eq 'the file') { @{ MessagePath = $HugeFile } } else { Get-Mailbox $Label }
        $allocated = [GC]::GetTotalAllocatedBytes($true)
        $m = @(Get-SmartEmailMessage @parameters -WarningVariable warnings -WarningAction SilentlyContinue)
        $allocated = [GC]::GetTotalAllocatedBytes($true) - $allocated
        $m.Count | Should -Be 1
        $m[0].Subject | Should -BeLike 'huge start folded words*'
        $m[0].From | Should -Be 'huge@example.com'
        # MimeKit alone allocates about 31 GB on a 2 MB folded field (quadratic); bounded, a few hundred MB. Allocation,
        # not time, so that a busy machine cannot fail it.
        $allocated | Should -BeLessThan 2GB
        $warning = @($warnings | Where-Object { "$_" -like '*MaxHeaderBytes*' })
        $warning.Count | Should -Be 1
        "$($warning[0])" | Should -BeLike "*$(if ($Label -eq 'the file') { $HugeFile } else { 'of ' + ($Label -eq 'IMAP' ? 'imap' : 'pop3') + '://bob@' })*"
    }

    It 'loads the whole message later (body lines) within the bound too' {
        $rule = New-SmartEmailRule -Name Body -SubjectLineMask '^body$' -Event '$CONSOLE:DISPLAY,x' -ProcessBody
        $allocated = [GC]::GetTotalAllocatedBytes($true)
        $imapBox = Get-Mailbox IMAP
        $result = Get-SmartEmailMessage @imapBox -WarningAction SilentlyContinue | Test-SmartEmailRule -Rule $rule
        $allocated = [GC]::GetTotalAllocatedBytes($true) - $allocated
        $result.Outcome | Should -Be 'Accepted'
        $allocated | Should -BeLessThan 2GB
    }
}
