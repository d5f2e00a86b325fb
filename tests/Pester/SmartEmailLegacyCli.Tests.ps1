# smartemail.ps1, the legacy command line shipped in the module root: smartemail.exe's arguments and exit codes, on a
# copy of the demo folder mailbox (New-RunFolder in TestHelpers.psm1). No mail server needed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleUnderTest) -Force
    $Password = 'Run-7yT-secret'
}

Describe 'smartemail.ps1, the legacy command line' {
    BeforeAll {
        $Legacy = Join-Path (Split-Path (Get-ModuleUnderTest)) 'smartemail.ps1'
    }

    It 'ships in the module root' {
        $Legacy | Should -Exist
    }

    It 'exits 1 for <Why>' -ForEach @(
        @{ Why = '--pop with --imap'; Arguments = @('--pop', '--imap') }
        @{ Why = '--delete with --deleteall'; Arguments = @('--delete', '--deleteall') }
        @{ Why = 'two TLS minimums'; Arguments = @('--tls1', '--tls1_2') }
        @{ Why = 'an unknown argument'; Arguments = @('--fast') }
        @{ Why = 'a port that is not a number'; Arguments = @('-port:abc') }
        @{ Why = '--renewTokenSilent with --doNotSaveAccount'; Arguments = @('--msal', '--renewMsalToken', '--renewTokenSilent', '--doNotSaveAccount') }
        @{ Why = '--renewTokenSilent without --renewMsalToken'; Arguments = @('--msal', '--renewTokenSilent') }
        @{ Why = '--renewMsalToken with --imap'; Arguments = @('--imap', '--renewMsalToken') }
    ) {
        $r = Invoke-Legacy $Arguments
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'smartemail:'
    }

    It 'runs the INI with -inifile: and --delete, and exits 0 when mail matched' {
        $f = New-RunFolder -General 'OpConUser=ocadm', "OpConUserPassword=$Password"
        $r = Invoke-Legacy @("-inifile:$($f.Ini)", '--delete')
        $r.ExitCode | Should -Be 0 -Because $r.Output
        @(Get-ChildItem $f.MsgIn).Count | Should -Be 3
        (Get-ChildItem $f.Mailbox).Name | Should -Be @('04-spoof.eml', '05-newsletter.eml')
        $r.Output | Should -Match 'SmartEmail run: 5 scanned, 3 accepted'
        $r.Output | Should -Not -Match $Password
    }

    It 'exits with ExitCodeForNoMatchingEmails when nothing matched, and --deleteall deletes every message' {
        $f = New-RunFolder -General 'OpConUser=ocadm', "OpConUserPassword=$Password", 'ExitCodeForNoMatchingEmails=3' -Rules "[Configuration1]`nSubjectLineMask=^never$`nEvent=`$CONSOLE:DISPLAY,x`nAllowedSenders=ALL`n"
        $r = Invoke-Legacy @("-inifile:$($f.Ini)", '--deleteall')
        $r.ExitCode | Should -Be 3 -Because $r.Output
        @(Get-ChildItem $f.Mailbox).Count | Should -Be 0
    }

    It 'exits 2 when the INI is missing or MSGIN is missing' {
        (Invoke-Legacy @("-inifile:$(Join-Path $TestDrive 'none.ini')")).ExitCode | Should -Be 2
        $f = New-RunFolder -General 'OpConUser=ocadm', "OpConUserPassword=$Password"
        Remove-Item $f.MsgIn
        (Invoke-Legacy @("-inifile:$($f.Ini)")).ExitCode | Should -Be 2
    }

    It 'takes -server: and --imap over the INI (a connection failure is exit 2)' {
        $f = New-RunFolder -General 'OpConUser=ocadm', "OpConUserPassword=$Password"
        $text = (Get-Content -Raw $f.Ini) -replace '\[Mail\]', "[Mail]`nUser=alice`nPassword=alice-secret"
        Set-Content $f.Ini $text -NoNewline
        $r = Invoke-Legacy @("-inifile:$($f.Ini)", '--imap', '-server:127.0.0.1', '-port:10999')
        $r.ExitCode | Should -Be 2
        $r.Output | Should -Match '127\.0\.0\.1:10999'
        @(Get-ChildItem $f.Mailbox).Count | Should -Be 5
    }
}
