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

Describe 'New-SmartEmailRule' {
    It 'builds a SmartEmail.Rule with the INI settings' {
        $r = New-SmartEmailRule -Name Payroll -SubjectLineMask 'Payroll (\d+)' -Event 'e1', 'e2' -AllowedSenders 'a@b.com;any@c.com', 'd@e.com' -AllowedTimeFrame '2200-0600' -ProcessBody -QualifyingSubjectLine 'x' -UseWildCards
        $r.PSObject.TypeNames[0] | Should -Be 'SmartEmail.Rule'
        $r.Name | Should -Be 'Payroll'
        $r.Events | Should -Be @('e1', 'e2')
        $r.AllowedSenders | Should -Be @('a@b.com', 'any@c.com', 'd@e.com')
        $r.AllowedTimeFrame | Should -Be '2200-0600'
        $r.ProcessBody | Should -BeTrue
        $r.UseWildCards | Should -BeTrue
        (New-SmartEmailRule x y z).AllowedSenders | Should -Be @('ALL')
    }

    It 'refuses an invalid setting, naming its parameter' -ForEach @(
        @{ Arguments = @{ SubjectLineMask = '(unclosed' }; Parameter = 'SubjectLineMask'; Text = '*SubjectLineMask*not a valid regular expression*' }
        @{ Arguments = @{ AllowedTimeFrame = '25:00-1' }; Parameter = 'AllowedTimeFrame'; Text = '*AllowedTimeFrame*' }
        @{ Arguments = @{ ProcessAttachments = $true }; Parameter = 'AttachmentMask'; Text = '*AttachmentMask*' }
        @{ Arguments = @{ TimeZone = 'Mars/Olympus' }; Parameter = 'TimeZone'; Text = '*TimeZone*' }
        @{ Arguments = @{ RequireAuthenticatedSender = $true }; Parameter = 'TrustedAuthServId'; Text = '*TrustedAuthServId*' }
        @{ Arguments = @{ ProcessAttachments = $true; AttachmentMask = '[' }; Parameter = 'AttachmentMask'; Text = '*AttachmentMask is not a valid regular expression*' }
        @{ Arguments = @{ AllowedSenders = ';' }; Parameter = 'AllowedSenders'; Text = '*lists no sender*' }
    ) {
        $base = @{ Name = 'Bad'; SubjectLineMask = 'x'; Event = 'e' }
        foreach ($k in $Arguments.Keys) { $base[$k] = $Arguments[$k] }
        $e = { New-SmartEmailRule @base } | Should -Throw -ErrorId 'RuleInvalid,SmartEmail.Commands.NewSmartEmailRuleCommand' -PassThru
        $e.Exception.Message | Should -BeLike "-$Parameter of rule 'Bad': *"
        $e.Exception.Message | Should -BeLike $Text
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'gives the same message as Test-SmartEmailConfiguration for the same rule in an INI (one validator)' {
        $dir = (New-Item -ItemType Directory (Join-Path $TestDrive 'onevalidator')).FullName
        $ini = Join-Path $dir 'SMArtEmail.ini'
        Set-Content $ini "[General]`nMSGINDirectory=$dir`n[Mail]`nEmailProtocol=Folder`nServer=$dir`n[Configuration1]`nSubjectLineMask=x`nEvent=e`nAllowedSenders=ALL`nAllowedTimeFrame=0800-2500`n"
        $finding = Test-SmartEmailConfiguration $ini -Detailed | Where-Object Key -eq 'AllowedTimeFrame'
        $finding.Line | Should -Be 10
        $e = { New-SmartEmailRule -Name Configuration1 -SubjectLineMask x -Event e -AllowedTimeFrame '0800-2500' } | Should -Throw -PassThru
        $e.Exception.Message | Should -BeExactly "-AllowedTimeFrame of rule 'Configuration1': $($finding.Message)"
    }

    It 'takes -UnsafeValueAction in any letter case, and refuses a value outside Reject and Strip' {
        (New-SmartEmailRule -Name r -SubjectLineMask x -Event e -UnsafeValueAction strip).UnsafeValueAction | Should -Be 'Strip'
        $e = { New-SmartEmailRule -Name r -SubjectLineMask x -Event e -UnsafeValueAction Drop } | Should -Throw -ErrorId '*,SmartEmail.Commands.NewSmartEmailRuleCommand' -PassThru
        $e.Exception.Message | Should -BeLike '*UnsafeValueAction*Reject*Strip*'
    }

    It 'has one parameter per rule setting of the schema, switches for the yes/no ones, and no other' {
        $null = New-SmartEmailRule -Name load -SubjectLineMask x -Event e
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmartEmail.Engine' }
        $ruleKeys = @($engine.GetType('SmartEmail.Ini.IniSchema').GetProperty('Keys').GetValue($null) | Where-Object Section -eq 'Configuration')
        $ruleKeys.Count | Should -BeGreaterThan 10
        $parameters = (Get-Command New-SmartEmailRule).Parameters.Values |
            Where-Object { $_.Name -notin [Management.Automation.Cmdlet]::CommonParameters -and $_.Name -ne 'Name' }
        @($parameters.Name | Sort-Object) | Should -Be @($ruleKeys.Parameter | Sort-Object)
        foreach ($key in $ruleKeys) {
            $type = (Get-Command New-SmartEmailRule).Parameters[$key.Parameter].ParameterType
            ($type -eq [switch]) | Should -Be ("$($key.Type)" -eq 'Boolean') -Because "$($key.Name) is a $($key.Type)"
        }
    }
}
