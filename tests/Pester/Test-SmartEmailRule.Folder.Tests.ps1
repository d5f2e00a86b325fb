# Test-SmartEmailRule on the demo INI and folder mailbox (docs/examples), on message files and on the shared MIME
# corpus: no mail server needed. Not to be confused with docs/examples/Rules.Tests.ps1, the example for admins.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Ini = Join-Path (Get-RepoRoot) 'docs/examples/SMArtEmail.ini'
    $Mailbox = Join-Path (Get-RepoRoot) 'docs/examples/mailbox'
    $Fixtures = Get-FixturePath 'messages'
}

Describe 'Test-SmartEmailRule' {
    It 'emits one RuleResult per message and rule, through the pipeline from Get-SmartEmailMessage' {
        $results = @(Get-SmartEmailMessage -MessagePath $Mailbox | Test-SmartEmailRule -Path $Ini)
        $results.Count | Should -Be (5 * 3)
        $results | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'SmartEmail.RuleResult' }
        $accepted = $results | Where-Object Outcome -eq 'Accepted'
        $accepted.Rule | Should -Be @('Configuration1', 'Configuration2', 'Configuration3')
        ($results | Where-Object Outcome -eq 'Rejected').Reason | Should -Be @('Invalid Sender')
    }

    It 'resolves captures and attachment names into the events' {
        $ach = Test-SmartEmailRule -Path $Ini -MessagePath (Join-Path $Mailbox '02-ach-balance.eml') -RuleName Configuration2
        $ach.Events | Should -Be '$PROPERTY:SET,ACHBalanceTotal,149926.22'
        $ach.Captures | Should -Be @('ACHBalanceTotal', '149926.22')
        $ach.MatchedOn | Should -Be @('Subject')
        $payroll = Test-SmartEmailRule -Path $Ini -MessagePath (Join-Path $Mailbox '03-payroll.eml') -RuleName Configuration3
        $payroll.MatchedOn | Should -Be @('Subject', 'Attachment:PAYROLL_20261124.csv')
    }

    It 'explains a rejection in its checks' {
        $r = Test-SmartEmailRule -Path $Ini -MessagePath (Join-Path $Mailbox '04-spoof.eml') -RuleName Configuration1
        $r.Outcome | Should -Be 'Rejected'
        $sender = $r.Checks | Where-Object Name -eq 'Sender'
        $sender.Status | Should -Be 'Failed'
        $sender.Detail | Should -BeLike "*someone@elsewhere.example*admin@anycompany.com*"
        ($r | Format-List | Out-String -Width 200) | Should -Match 'Sender\s+Failed'
    }

    It 'takes rules from a configuration object and filters them by name with wildcards' {
        $config = Get-SmartEmailConfiguration -Path $Ini
        $results = @(Test-SmartEmailRule -Configuration $config -RuleName 'Configuration[23]' -MessagePath (Join-Path $Mailbox '01-test.eml'))
        $results.Rule | Should -Be @('Configuration2', 'Configuration3')
    }

    It 'reports an unknown rule name, listing the real ones' {
        $null = Test-SmartEmailRule -Path $Ini -RuleName Nope -MessagePath (Join-Path $Mailbox '01-test.eml') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'RuleNotFound,SmartEmail.Commands.TestSmartEmailRuleCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].Exception.Message | Should -BeLike '*Configuration1, Configuration2, Configuration3*'
    }

    It 'evaluates the time window at -At' {
        $rule = New-SmartEmailRule -Name Day -SubjectLineMask '^Test$' -Event 'e' -AllowedTimeFrame '0800-1700' -TimeZone 'UTC'
        $mail = Get-SmartEmailMessage -MessagePath (Join-Path $Mailbox '01-test.eml')
        ($mail | Test-SmartEmailRule -Rule $rule -At ([DateTimeOffset]'2026-11-25T17:00:59Z')).Outcome | Should -Be 'Accepted'
        ($mail | Test-SmartEmailRule -Rule $rule -At ([DateTimeOffset]'2026-11-25T17:01:00Z')).Outcome | Should -Be 'Rejected'
    }

    It 'matches HTML-only bodies as text lines' {
        $rule = New-SmartEmailRule -Name Rows -SubjectLineMask '^Rows = (\d+)$' -Event '$PROPERTY:SET,Rows,[[1]]' -ProcessBody -QualifyingSubjectLine 'HTML report'
        (Test-SmartEmailRule -Rule $rule -MessagePath (Join-Path $Fixtures 'html-only.eml')).Events | Should -Be '$PROPERTY:SET,Rows,42'
    }

    It 'rejects a capture that would inject event fields' {
        $rule = New-SmartEmailRule -Name Inject -SubjectLineMask '(.*)' -Event '$CONSOLE:DISPLAY,[[1]]'
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'inject')
        Set-Content (Join-Path $dir 'a.eml') "From: a@b.c`r`nSubject: hi,OPCONADM,secret`r`n`r`nbody`r`n" -NoNewline
        $r = Test-SmartEmailRule -Rule $rule -MessagePath $dir
        $r.Outcome | Should -Be 'Rejected'
        $r.Reason | Should -BeLike '*[[]1]]*comma*'
        $r.Events.Count | Should -Be 0
    }

    It 'has no side effects on the messages it reads' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'untouched')
        Copy-Item (Join-Path $Mailbox '*.eml') $dir
        $before = Get-ChildItem $dir | ForEach-Object { "$($_.Name) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" }
        $null = Test-SmartEmailRule -Path $Ini -MessagePath $dir
        Get-ChildItem $dir | ForEach-Object { "$($_.Name) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" } | Should -Be $before
    }

    It 'needs messages from the pipeline or -MessagePath' {
        { Test-SmartEmailRule -Path $Ini } | Should -Throw -ErrorId 'MessageSourceMissing,SmartEmail.Commands.TestSmartEmailRuleCommand'
    }

    It 'refuses an INI with errors' {
        $bad = Join-Path $TestDrive 'bad.ini'
        Set-Content $bad "[General]`nMSGINDirectory=/m`n[Configuration1]`nSubjectLineMask=(x`nEvent=e`nAllowedSenders=ALL`n"
        { Test-SmartEmailRule -Path $bad -MessagePath (Join-Path $Mailbox '01-test.eml') -WarningAction SilentlyContinue } | Should -Throw -ErrorId 'ConfigurationInvalid,SmartEmail.Commands.TestSmartEmailRuleCommand'
    }

    It 'evaluates every corpus message without an unhandled error' {
        $rule = New-SmartEmailRule -Name All -SubjectLineMask '.' -Event '$CONSOLE:DISPLAY,[[SUBJECT]]' -ProcessBody -AttachmentMask '.' -ProcessAttachments -UnsafeValueAction Strip
        $files = Get-ChildItem (Get-CorpusPath) -Recurse -File | Where-Object Name -notin 'LICENSE', 'README.md'
        $results = @(Get-SmartEmailMessage -MessagePath $files.FullName -ErrorAction SilentlyContinue | Test-SmartEmailRule -Rule $rule)
        $results.Count | Should -BeGreaterOrEqual 40
        $results.Outcome | Should -Contain 'Accepted'
    }

    It 'trusts a sender only as the trusted server authenticated it' {
        $rule = New-SmartEmailRule -Name Auth -SubjectLineMask '^Test$' -Event '$CONSOLE:DISPLAY,x' -AllowedSenders 'admin@anycompany.com' -RequireAuthenticatedSender -TrustedAuthServId 'mx.anycompany.com'
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'auth')
        $plain = Get-Content -Raw (Join-Path $Mailbox '01-test.eml')
        Set-Content (Join-Path $dir 'forged.eml') $plain -NoNewline
        Set-Content (Join-Path $dir 'signed.eml') ("Authentication-Results: mx.anycompany.com; dmarc=pass header.from=anycompany.com`r`n" + $plain) -NoNewline
        $results = Test-SmartEmailRule -Rule $rule -MessagePath $dir
        ($results | Where-Object { $_.Message.Id -like '*forged.eml' }).Outcome | Should -Be 'Rejected'
        ($results | Where-Object { $_.Message.Id -like '*signed.eml' }).Outcome | Should -Be 'Accepted'
    }

    It 'completes rule names from the -Path INI' {
        $line = "Test-SmartEmailRule -Path '$Ini' -RuleName Configuration"
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Be @('Configuration1', 'Configuration2', 'Configuration3')
    }
}
