# Invoke-SmartEmailRun on a copy of the demo folder mailbox (docs/examples, New-RunFolder in TestHelpers.psm1): events,
# deletes, downloads, logs, LastRunDate, exit codes, set-aside messages, -WhatIf, the lock and crash recovery. No mail
# server needed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Password = 'Run-7yT-secret'
    $OpCon = [pscredential]::new('ocadm', (ConvertTo-SecureString $Password -AsPlainText -Force))
}

Describe 'Invoke-SmartEmailRun on a folder mailbox' {
    It 'submits the accepted mail''s events into MSGIN with the exact bytes, and reports them' {
        $f = New-RunFolder
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        $r.PSObject.TypeNames[0] | Should -Be 'SmartEmail.RunResult'
        $r.ExitCode | Should -Be 0
        $r.Scanned | Should -Be 5
        $r.Accepted | Should -Be 3
        $r.Rejected | Should -Be 2
        $r.EventsSubmitted | Should -Be 3
        $r.Errors.Count | Should -Be 0
        $files = Get-ChildItem $f.MsgIn | Sort-Object Name
        $files.Count | Should -Be 3
        [IO.File]::ReadAllBytes($files[0].FullName) | Should -Be ([Text.Encoding]::ASCII.GetBytes("`$CONSOLE:DISPLAY,the test passed,ocadm,$Password`r`n"))
        ($r.Events -join "`n") | Should -Not -Match $Password
        @(Get-ChildItem "$($f.MsgIn).smartemail-work").Count | Should -Be 0
    }

    It 'submits nothing twice when run again, and counts nothing twice' {
        $f = New-RunFolder
        $null = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        $again = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        $again.EventsSubmitted | Should -Be 0
        @(Get-ChildItem $f.MsgIn).Count | Should -Be 3
    }

    It 'removes the temporary files a killed save left once they are 10 minutes old, and no other file' {
        $f = New-RunFolder
        $old = @(".SMArtEmail.ini.$([guid]::NewGuid().ToString('N')).tmp", ".SMArtEmail.ini.state.json.$([guid]::NewGuid().ToString('N')).tmp")
        $keep = @(".SMArtEmail.ini.$([guid]::NewGuid().ToString('N')).tmp", '.SMArtEmail.ini.notes.tmp', "SMArtEmail.ini.$([guid]::NewGuid().ToString('N')).tmp")
        foreach ($name in $old + $keep) { Set-Content -LiteralPath (Join-Path $f.Dir $name) -Value 'x' }
        foreach ($name in $old + $keep[1..2]) { (Get-Item -LiteralPath (Join-Path $f.Dir $name) -Force).LastWriteTimeUtc = [DateTime]::UtcNow.AddMinutes(-11) }
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        $r.ExitCode | Should -Be 0
        foreach ($name in $old) { Join-Path $f.Dir $name | Should -Not -Exist }
        foreach ($name in $keep) { Join-Path $f.Dir $name | Should -Exist }
    }

    It 'deletes per DeleteEmails' -ForEach @(
        @{ Mode = 'None'; Left = 5 }
        @{ Mode = 'Match'; Left = 2 }
        @{ Mode = 'All'; Left = 0 }
    ) {
        $f = New-RunFolder -General "DeleteEmails=$Mode"
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        @(Get-ChildItem $f.Mailbox).Count | Should -Be $Left
        $r.Deleted | Should -Be (5 - $Left)
        if ($Mode -eq 'Match') { (Get-ChildItem $f.Mailbox).Name | Should -Be @('04-spoof.eml', '05-newsletter.eml') }
    }

    It 'downloads accepted mail into DownloadFolder' {
        $f = New-RunFolder -General 'DownloadEmails=True', 'DownloadFolder=received'
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        $r.Downloaded | Should -Be 3
        $saved = Get-ChildItem (Join-Path $f.Dir 'received') -Filter *.eml
        $saved.Count | Should -Be 3
        (Get-SmartEmailMessage -MessagePath $saved.FullName).MessageId | Sort-Object | Should -Be @('demo-01@anycompany.com', 'demo-02@anycompany.com', 'demo-03@payroll-provider.example')
    }

    It 'writes the audit logs and the rejections log' {
        $f = New-RunFolder
        $null = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        $accepts = Get-Content (Join-Path $f.Dir 'out/Accept.log')
        $accepts.Count | Should -Be 3
        $accepts[0] | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d SMArt Email - Message Accepted - From: admin@anycompany.com Subject: Test$'
        (Get-Content (Join-Path $f.Dir 'out/Reject.log')).Count | Should -Be 2
        Get-Content (Join-Path $f.Dir 'SMArtEmailRejections.log') | Should -Match 'someone@elsewhere.example.*Invalid Sender'
    }

    It 'submits RejectEvent for each rejected message' {
        $f = New-RunFolder
        Add-Content $f.Ini "`n[Audit]`n" # a second [Audit] would be ignored: put the key into the existing section instead
        $text = (Get-Content -Raw $f.Ini) -replace 'LogRejects=True', "LogRejects=True`nRejectEvent=`$CONSOLE:DISPLAY,rejected [[SENDER]] [[REASON]]"
        Set-Content $f.Ini $text -NoNewline
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.EventsSubmitted | Should -Be 5
        $contents = Get-ChildItem $f.MsgIn | ForEach-Object { Get-Content $_.FullName -Raw }
        $contents | Should -Contain "`$CONSOLE:DISPLAY,rejected someone@elsewhere.example Invalid Sender,ocadm,$Password`r`n"
    }

    It 'advances LastRunDate in the INI and changes nothing else' {
        $f = New-RunFolder -General 'UseLastRunDate=True'
        $before = Get-Content $f.Ini
        # LastRunDate becomes the newest arrival among the messages handled (a file's last write time), in whole seconds.
        $newest = (@(Get-SmartEmailMessage -MessagePath $f.Mailbox).Received | Sort-Object | Select-Object -Last 1).ToLocalTime()
        $null = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        $after = Get-Content $f.Ini
        $added = @(Compare-Object $before $after | Where-Object SideIndicator -eq '=>')
        $removed = @(Compare-Object $before $after | Where-Object SideIndicator -eq '<=')
        $removed.Count | Should -Be 0
        $added.Count | Should -Be 1
        $added[0].InputObject | Should -Match '^LastRunDate=\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M$'
        (Get-SmartEmailConfiguration $f.Ini).General.LastRunDate | Should -Be $newest.AddTicks(-($newest.Ticks % [TimeSpan]::TicksPerSecond))
    }

    It 'reprocesses the range when LastRunDate is set back by hand' {
        $f = New-RunFolder -General 'UseLastRunDate=True'
        $null = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        (Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue).EventsSubmitted | Should -Be 0
        $text = (Get-Content -Raw $f.Ini) -replace '(?m)^LastRunDate=.*$', 'LastRunDate=1/1/2020 12:00:00 AM'
        Set-Content $f.Ini $text -NoNewline
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningVariable warnings -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.EventsSubmitted | Should -Be 3
        ($warnings | Out-String) | Should -Match 'set back by hand'
    }

    It 'returns ExitCodeForNoMatchingEmails when nothing matched' {
        $f = New-RunFolder -General 'ExitCodeForNoMatchingEmails=3' -Rules "[Configuration1]`nSubjectLineMask=^Nothing matches this$`nEvent=`$CONSOLE:DISPLAY,x`nAllowedSenders=ALL`n"
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -InformationAction SilentlyContinue
        $r.Accepted | Should -Be 0
        $r.ExitCode | Should -Be 3
    }

    It 'ends with exit code 2 when MSGIN is missing, and deletes nothing' {
        $f = New-RunFolder -General 'DeleteEmails=All'
        Remove-Item $f.MsgIn
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.ExitCode | Should -Be 2
        $r.Errors | Should -Match 'MSGIN'
        @(Get-ChildItem $f.Mailbox).Count | Should -Be 5
        Test-Path $f.MsgIn | Should -BeFalse
    }

    It 'transliterates what the ASCII MSGIN file cannot carry, writes every event, and says so once' {
        $f = New-RunFolder -General 'DeleteEmails=All' -Rules "[Configuration1]`nSubjectLineMask=.`nEvent=`$CONSOLE:DISPLAY,[[SUBJECT]]`nAllowedSenders=ALL`n"
        Set-Content (Join-Path $f.Mailbox '00-cafe.eml') "From: a@b.c`r`nSubject: =?UTF-8?Q?R=C3=A9sum=C3=A9_caf=C3=A9?=`r`n`r`nx`r`n"
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningVariable warnings -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.ExitCode | Should -Be 0
        $r.Errors.Count | Should -Be 0
        $r.EventsSubmitted | Should -Be 6   # the café subject and the newsletter's en dash are written too
        $r.Warnings.Count | Should -Be 1
        $r.Warnings[0] | Should -Match 'us-ascii.*transliterated'
        $warnings.Message | Should -Contain $r.Warnings[0]
        $lines = Get-ChildItem $f.MsgIn | ForEach-Object { [IO.File]::ReadAllText($_.FullName) }
        $lines | Should -Contain "`$CONSOLE:DISPLAY,Resume cafe,ocadm,$Password`r`n"
        @(Get-ChildItem $f.Mailbox).Count | Should -Be 0
    }

    It 'reports a bad message, leaves it, processes the others, and sets it aside after MaxAttempts runs' {
        # Event=[[1]] makes the whole event of the subject: 'RUN hello' gives 'hello', which is no OpCon event.
        $rules = "[Configuration1]`nSubjectLineMask=^RUN (.*)$`nEvent=[[1]]`nAllowedSenders=ALL`n[Configuration2]`nSubjectLineMask=^(?!RUN )`nEvent=`$CONSOLE:DISPLAY,ok`nAllowedSenders=ALL`n"
        $f = New-RunFolder -General 'DeleteEmails=All', 'MaxAttempts=2' -Rules $rules
        Set-Content (Join-Path $f.Mailbox '00-bad.eml') "From: a@b.c`r`nSubject: RUN hello`r`n`r`nx`r`n"
        $first = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $first.ExitCode | Should -Be 2
        $first.Errors | Should -HaveCount 1
        $first.Errors[0] | Should -Match "'RUN hello'.*not an OpCon event"
        $first.SetAside | Should -Be 0
        $first.EventsSubmitted | Should -Be 5
        @(Get-ChildItem $f.Mailbox).Name | Should -Be '00-bad.eml'

        $second = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $second.ExitCode | Should -Be 2
        $second.SetAside | Should -Be 1
        $second.SetAsideMessages[0] | Should -Match "^'RUN hello' \(.*00-bad\.eml\): "
        $second.Errors[0] | Should -Match 'set aside'

        $third = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $third.ExitCode | Should -Be 0
        $third.Errors.Count | Should -Be 0
        $third.Scanned | Should -Be 0
        Join-Path $f.Mailbox '00-bad.eml' | Should -Exist   # set aside is never deleted
        $state = Get-Content -Raw "$($f.Ini).state.json" | ConvertFrom-Json
        $entry = $state.Mailboxes.PSObject.Properties.Value.Messages.PSObject.Properties.Value | Where-Object Status -eq 'SetAside'
        $entry.Attempts | Should -Be 2
        $entry.Reason | Should -Match 'not an OpCon event'
        $audit = @(Get-Content (Join-Path $f.Dir 'out/Reject.log')) -match 'Set aside, not tried again: failed 2 time'
        $audit.Count | Should -Be 1
        $audit[0] | Should -Match 'Subject: RUN hello Reason: '
    }

    It 'is a full dry run with -WhatIf that still reports' {
        $f = New-RunFolder -General 'DeleteEmails=All', 'DownloadEmails=True', 'UseLastRunDate=True'
        $iniBefore = Get-FileHash $f.Ini
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WhatIf -InformationAction SilentlyContinue
        $r.WhatIf | Should -BeTrue
        $r.Accepted | Should -Be 3
        $r.EventsSubmitted | Should -Be 3
        $r.Deleted | Should -Be 5
        @(Get-ChildItem $f.MsgIn).Count | Should -Be 0
        @(Get-ChildItem $f.Mailbox).Count | Should -Be 5
        (Get-FileHash $f.Ini).Hash | Should -Be $iniBefore.Hash
        Get-ChildItem $f.Dir -Recurse -File | Where-Object { $_.Name -like '*.log' -or $_.Name -like '*.state.json' -or $_.Directory.Name -eq 'Received' } | Should -BeNullOrEmpty
        Test-Path "$($f.MsgIn).smartemail-work" | Should -BeFalse
    }

    It 'lets a second run wait for the first and submit nothing twice' {
        $f = New-RunFolder
        $lock = [IO.File]::Open("$($f.Ini).lock", 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -LockTimeoutSeconds 1 -WarningAction SilentlyContinue -InformationAction SilentlyContinue
            $r.ExitCode | Should -Be 2
            $r.Errors | Should -Match 'lock'
            @(Get-ChildItem $f.MsgIn).Count | Should -Be 0
        }
        finally { $lock.Dispose() }
        $jobs = 1..3 | ForEach-Object {
            Start-ThreadJob -ArgumentList (Get-ModuleUnderTest), $f.Ini, $OpCon -ScriptBlock {
                param($Module, $Ini, $Cred)
                Import-Module $Module
                Invoke-SmartEmailRun -Path $Ini -OpConCredential $Cred -InformationAction SilentlyContinue
            }
        }
        $results = $jobs | Receive-Job -Wait -AutoRemoveJob
        ($results | Measure-Object EventsSubmitted -Sum).Sum | Should -Be 3
        @(Get-ChildItem $f.MsgIn).Count | Should -Be 3
    }

    It 'completes a message whose events were prepared but not delivered when the run died' {
        $f = New-RunFolder
        # Simulate the crash window: a recorded Pending message with one prepared file still in the work folder.
        $work = "$($f.MsgIn).smartemail-work"
        New-Item -ItemType Directory $work | Out-Null
        $prepared = Join-Path $work 'SmartEmail_20260101000000000_1_000001_AAAAAAAA.txt.partial'
        [IO.File]::WriteAllText($prepared, "`$CONSOLE:DISPLAY,the test passed,ocadm,$Password`r`n")
        $orphan = Join-Path $work 'SmartEmail_20260101000000000_1_000002_BBBBBBBB.txt.partial'
        [IO.File]::WriteAllText($orphan, "`$CONSOLE:DISPLAY,never recorded,ocadm,$Password`r`n")
        (Get-Item $orphan).LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-1)   # a leftover of a dead run, not a file another process is writing
        $fresh = Join-Path $work 'SmartEmail_20260101000000000_2_000003_CCCCCCCC.txt.partial'
        [IO.File]::WriteAllText($fresh, "`$CONSOLE:DISPLAY,another process,ocadm,$Password`r`n")
        $key = Join-Path $f.Mailbox '01-test.eml'
        $state = @{ Version = 1; Mailboxes = @{ $f.Mailbox = @{ Watermark = 0; Messages = @{ $key = @{ Status = 'Pending'; MessageId = 'demo-01@anycompany.com'; Events = @(@{ Prepared = $prepared; Event = '$CONSOLE:DISPLAY,the test passed'; Rule = 'Configuration1' }) } } } } }
        $state | ConvertTo-Json -Depth 8 | Set-Content "$($f.Ini).state.json"
        $r = Invoke-SmartEmailRun -Path $f.Ini -OpConCredential $OpCon -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $r.Errors.Count | Should -Be 0
        # The recovered event plus the two other accepted messages; the Test mail is not evaluated into a second event.
        $r.EventsSubmitted | Should -Be 3
        $lines = Get-ChildItem $f.MsgIn | ForEach-Object { Get-Content $_.FullName -Raw }
        @($lines | Where-Object { $_ -like '*the test passed*' }).Count | Should -Be 1
        $lines | Should -Not -Contain "`$CONSOLE:DISPLAY,never recorded,ocadm,$Password`r`n"
        # The old leftover is gone; a fresh unrecorded file may belong to another process and is left alone.
        @(Get-ChildItem $work).Name | Should -Be @('SmartEmail_20260101000000000_2_000003_CCCCCCCC.txt.partial')
    }
}
