# Helpers shared by the benchmark scripts (Mailbox.Bench.ps1, Scale.Bench.ps1), dot-sourced into their scope. They use
# the caller's $repoRoot, $script:scratch, $timeTool, $TimeoutSeconds, $PwshCommand, $SubjectRegex and $invariant.

# Runs one child process, under /usr/bin/time when there is one; returns wall seconds, peak RSS (KiB or $null),
# exit code and output. The child is killed (its own tree only) when it exceeds -TimeoutSeconds.
function Invoke-Child {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = $repoRoot
    )
    $psi = [System.Diagnostics.ProcessStartInfo]::new()
    $timeFile = $null
    if ($timeTool) {
        $timeFile = Join-Path $script:scratch ('time-{0}.txt' -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $psi.FileName = $timeTool
        foreach ($a in @('-f', '%e %M', '-o', $timeFile, '--', $FilePath)) { $psi.ArgumentList.Add($a) }
    } else {
        $psi.FileName = $FilePath
    }
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    foreach ($key in $Environment.Keys) { $psi.Environment[$key] = [string] $Environment[$key] }
    $psi.Environment['NO_COLOR'] = '1'
    $psi.Environment['DOTNET_CLI_TELEMETRY_OPTOUT'] = '1'
    $psi.Environment['DOTNET_NOLOGO'] = '1'
    $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $psi.Environment['POWERSHELL_UPDATECHECK'] = 'Off'
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($psi)
    try {
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "'$FilePath $($ArgumentList -join ' ')' did not finish within $TimeoutSeconds s; killed it."
        }
        $process.WaitForExit()
        $watch.Stop()
        $rss = $null
        if ($timeFile -and (Test-Path -LiteralPath $timeFile)) {
            # A failing command makes time write "Command exited with non-zero status N" first; the figures are last.
            $last = @(Get-Content -LiteralPath $timeFile | Where-Object { $_ -match '^\s*[0-9.]+\s+[0-9]+\s*$' })
            if ($last.Count -gt 0) { $rss = [long] ($last[-1].Trim() -split '\s+')[1] }
            Remove-Item -LiteralPath $timeFile -Force
        }
        [pscustomobject]@{
            Seconds  = $watch.Elapsed.TotalSeconds
            PeakRssKiB = $rss
            ExitCode = $process.ExitCode
            Stdout   = $stdout.GetAwaiter().GetResult()
            Stderr   = $stderr.GetAwaiter().GetResult()
        }
    } finally {
        $process.Dispose()
    }
}

function Get-Stat {
    param([double[]] $Values, [int] $Digits = 3)
    if ($null -eq $Values -or $Values.Count -eq 0) { return $null }
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    $median = if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    [ordered]@{
        median = [Math]::Round($median, $Digits)
        min    = [Math]::Round($sorted[0], $Digits)
        max    = [Math]::Round($sorted[-1], $Digits)
        runs   = @($Values | ForEach-Object { [Math]::Round($_, $Digits) })
    }
}

# The count a child printed: the last line that is a bare number (warnings may come before it).
function Get-PrintedCount([string] $Text) {
    $numbers = @($Text -split "`r?`n" | Where-Object { $_ -match '^\s*\d+\s*$' })
    if ($numbers.Count -eq 0) { return $null }
    return [int] $numbers[-1].Trim()
}

# Whole-process scenarios, measured round-robin (one warm-up round, then -Runs rounds) so that a change in the
# machine's load (others may share it) hits every scenario alike. Each printed count is checked when expected.
function Measure-Scenarios {
    param([Parameter(Mandatory)] [object[]] $Scenarios, [int] $RunCount = $Runs)
    $data = [ordered]@{}
    foreach ($s in $Scenarios) {
        $data[$s.Name] = @{
            Seconds = [System.Collections.Generic.List[double]]::new()
            Rss     = [System.Collections.Generic.List[double]]::new()
            Counts  = [System.Collections.Generic.List[object]]::new()
        }
    }
    for ($i = 0; $i -le $RunCount; $i++) {
        foreach ($s in $Scenarios) {
            $r = Invoke-Child -FilePath $s.FilePath -ArgumentList $s.ArgumentList -Environment $s.Environment
            if ($r.ExitCode -ne 0) {
                throw "$($s.Name) run $i exited with $($r.ExitCode).`nstdout: $($r.Stdout)`nstderr: $($r.Stderr)"
            }
            $count = if ($null -ne $s.ExpectedCount) { Get-PrintedCount $r.Stdout } else { $null }
            if ($null -ne $s.ExpectedCount -and $count -ne $s.ExpectedCount) {
                $script:countErrors.Add("$($s.Name) run $i printed count '$count', expected $($s.ExpectedCount). stdout: $($r.Stdout.Trim()) stderr: $($r.Stderr.Trim())")
            }
            if ($s.ContainsKey('ExpectedPattern') -and $s.ExpectedPattern -and $r.Stdout -notmatch $s.ExpectedPattern) {
                $script:countErrors.Add("$($s.Name) run $i did not print /$($s.ExpectedPattern)/. stdout: $($r.Stdout.Trim()) stderr: $($r.Stderr.Trim())")
            }
            $label = if ($i -eq 0) { 'warm-up' } else { "run $i/$RunCount" }
            Write-Step ('  {0,-18} {1,-9} {2,7:0.000} s  {3,6} MiB  count {4}' -f $s.Name, $label, $r.Seconds,
                $(if ($null -ne $r.PeakRssKiB) { '{0:0.0}' -f ($r.PeakRssKiB / 1024) } else { 'n/a' }), $(if ($null -ne $count) { $count } else { '-' }))
            if ($i -eq 0) { continue }
            $d = $data[$s.Name]
            $d.Seconds.Add($r.Seconds)
            if ($null -ne $r.PeakRssKiB) { $d.Rss.Add($r.PeakRssKiB / 1024) }
            $d.Counts.Add($count)
        }
    }
    $out = [ordered]@{}
    foreach ($s in $Scenarios) {
        $d = $data[$s.Name]
        $out[$s.Name] = [ordered]@{
            wallSeconds = Get-Stat $d.Seconds.ToArray()
            peakRssMiB  = if ($d.Rss.Count -eq $RunCount) { Get-Stat $d.Rss.ToArray() 1 } else { $null }
            count       = if ($null -ne $s.ExpectedCount) { $d.Counts[-1] } else { $null }
            countOk     = if ($null -ne $s.ExpectedCount) { @($d.Counts | Where-Object { $_ -ne $s.ExpectedCount }).Count -eq 0 } else { $null }
        }
    }
    return $out
}

function Quote([string] $Text) { "'" + $Text.Replace("'", "''") + "'" }

function Get-PwshInvocation([string[]] $Arguments) {
    $exe = $PwshCommand[0]
    $resolved = (Get-Command $exe -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    return $resolved, @(@($PwshCommand | Select-Object -Skip 1) + $Arguments)
}

# Small, realistic scheduler notifications: mostly job status mails, exactly one in 100 an "OpCon/xps: <name> total = <n>"
# line that the regex matches, and about 2% near misses (wrong prefix, non-numeric or multi-word totals) that it must not.
# -Start numbers the messages after those already written (their Message-IDs stay unique, and -Start seeds the random
# choices); -Into new delivers them as an MDA does (dovecot moves them to cur/ and gives them the next UIDs), -Into cur
# as a long-lived mailbox holds them.
function Write-Mailbox {
    param([string] $Maildir, [string] $Address, [int] $Count, [int] $Start = 0, [ValidateSet('cur', 'new')] [string] $Into = 'cur')
    $cur = Join-Path $Maildir $Into
    $tmp = Join-Path $Maildir 'tmp'
    if (-not (Test-Path -LiteralPath $cur) -or -not (Test-Path -LiteralPath $tmp)) { throw "'$Maildir' is not a Maildir." }
    $random = [System.Random]::new(20261125 + $Start)
    $jobs = 'LOAD', 'EXTRACT', 'BILLING', 'PAYROLL', 'ACH', 'GL', 'AR', 'AP', 'INVENTORY', 'SHIP', 'BACKUP', 'ETL'
    $hosts = 'xps-app01', 'xps-app02', 'xps-db01', 'xps-batch03'
    $schedules = 'DAILY', 'NIGHTLY', 'MONTHEND', 'WEEKLY'
    $regex = [regex]::new($SubjectRegex)
    $regexIgnoreCase = [regex]::new($SubjectRegex, 'IgnoreCase')
    $encoding = [System.Text.UTF8Encoding]::new($false)
    $now = [DateTimeOffset]::UtcNow
    $stamp = $now.ToUnixTimeSeconds()
    $matching = 0
    $bytes = 0L
    $body = [System.Text.StringBuilder]::new()
    for ($i = $Start + 1; $i -le $Start + $Count; $i++) {
        $job = $jobs[$random.Next($jobs.Count)] + $random.Next(1, 60)
        $subject = if ($i % 100 -eq 50) {
            'OpCon/xps: {0} total = {1}.{2:00}' -f $job, $random.Next(1, 1000000), $random.Next(100)
        } elseif ($i % 100 -in 7, 77) {
            switch ($random.Next(4)) {
                0 { 'Re: OpCon/xps: {0} total = {1}.00' -f $job, $random.Next(1000) }
                1 { 'OpCon/xps: {0} total = pending' -f $job }
                2 { 'OpCon/xps: {0} {1} total = {2}' -f $job, $schedules[$random.Next($schedules.Count)], $random.Next(1000) }
                default { 'OpCon/xps: {0} total = {1}.5 (estimated)' -f $job, $random.Next(1000) }
            }
        } else {
            switch ($random.Next(10)) {
                { $_ -le 5 } { 'Job {0} ended with status {1}' -f $job, $(if ($random.Next(20) -eq 0) { $random.Next(1, 9) } else { 0 }); break }
                6 { 'Job {0} FAILED on {1} (exit code {2})' -f $job, $hosts[$random.Next($hosts.Count)], $random.Next(1, 255); break }
                7 { '[OpCon] Schedule {0} built for {1:yyyy-MM-dd}' -f $schedules[$random.Next($schedules.Count)], $now.AddDays(-$random.Next(30)); break }
                8 { 'Daily summary: {0} jobs finished, {1} failed' -f $random.Next(100, 900), $random.Next(5); break }
                default { 'Warning: disk /data {0}% full on {1}' -f $random.Next(80, 99), $hosts[$random.Next($hosts.Count)] }
            }
        }
        $isMatch = $regex.IsMatch($subject)
        if ($isMatch -ne $regexIgnoreCase.IsMatch($subject)) {
            throw "Subject '$subject' matches -SubjectRegex only case-insensitively; PowerShell's -match and imapfilter would disagree."
        }
        if ($isMatch) { $matching++ }
        $date = $now.AddSeconds(-($Start + $Count - $i) * 90 - $random.Next(60))
        $null = $body.Clear()
        $lines = $random.Next(8, 40)
        for ($l = 1; $l -le $lines; $l++) {
            $null = $body.AppendFormat($invariant, 'Step {0:00}: {1} rows={2} elapsed={3}s', $l, $jobs[$random.Next($jobs.Count)], $random.Next(100000), $random.Next(1, 600)).Append("`r`n")
        }
        $dateText = $date.ToString('ddd, dd MMM yyyy HH:mm:ss +0000', $invariant)
        $text = "Return-Path: <opcon@xps.example.com>`r`n" +
            "Received: from $($hosts[$random.Next($hosts.Count)]).example.com by mail.smartemail.test with ESMTP id $i; $dateText`r`n" +
            "From: OpCon Scheduler <opcon@xps.example.com>`r`nTo: $Address`r`nSubject: $subject`r`nDate: $dateText`r`n" +
            "Message-ID: <bench-$i.$stamp@xps.example.com>`r`nMIME-Version: 1.0`r`nContent-Type: text/plain; charset=us-ascii`r`n" +
            "Content-Transfer-Encoding: 7bit`r`nX-Mailer: OpCon/xps notification service`r`n`r`n" +
            "Job: $job`r`nMachine: $($hosts[$random.Next($hosts.Count)])`r`n`r`n" + $body.ToString()
        $data = $encoding.GetBytes($text)
        $bytes += $data.Length
        # Into cur: delivered and already moved to cur by a mail client (unseen, ":2,"), as dovecot finds a long-lived mailbox;
        # the file time is the arrival time (dovecot's INTERNALDATE).
        $name = '{0}.M{1}P{2}.smartemail-bench,S={3}{4}' -f $stamp, $i, $PID, $data.Length, $(if ($Into -eq 'cur') { ':2,' } else { '' })
        $path = Join-Path $tmp $name
        [System.IO.File]::WriteAllBytes($path, $data)
        [System.IO.File]::SetLastWriteTimeUtc($path, $date.UtcDateTime)
        [System.IO.File]::Move($path, (Join-Path $cur $name))
    }
    & chown -R nobody:nogroup $cur
    if ($LASTEXITCODE -ne 0) { throw "chown nobody:nogroup '$cur' failed (exit code $LASTEXITCODE)." }
    [pscustomobject]@{ Matching = $matching; Bytes = $bytes }
}

# Counts the IMAP commands in a MailKit protocol log ("C: <tag> <COMMAND> ...") or an imapfilter -d log (a line
# "sending command (n):", a blank line, then "<tag> <COMMAND> ...").
function Get-ImapCommandCount {
    param([string] $Path, [ValidateSet('MailKit', 'imapfilter')] [string] $Format)
    $byCommand = @{}
    $pending = $false
    foreach ($line in [System.IO.File]::ReadLines($Path)) {
        $text = $null
        if ($Format -eq 'MailKit') {
            if ($line.StartsWith('C: ')) { $text = $line.Substring(3) }
        } elseif ($line.StartsWith('sending command')) {
            $pending = $true
            continue
        } elseif ($pending -and $line.Trim().Length -gt 0) {
            $pending = $false
            $text = $line
        }
        if ($null -eq $text) { continue }
        $m = [regex]::Match($text, '^\S+ ((?:UID )?[A-Za-z]+)')
        if (-not $m.Success) { continue }   # a continuation (literal) line
        $command = $m.Groups[1].Value.ToUpperInvariant()
        $byCommand[$command] = 1 + $(if ($byCommand.ContainsKey($command)) { $byCommand[$command] } else { 0 })
    }
    $total = 0
    foreach ($v in $byCommand.Values) { $total += $v }
    $sorted = [ordered]@{}
    foreach ($k in ($byCommand.Keys | Sort-Object)) { $sorted[$k] = $byCommand[$k] }
    [ordered]@{ commands = $total; byCommand = $sorted; logBytes = (Get-Item -LiteralPath $Path).Length }
}

function Get-LoadAverage {
    $text = Get-Content -LiteralPath /proc/loadavg -ErrorAction SilentlyContinue
    if (-not $text) { return $null }
    return @(($text -split ' ')[0..2] | ForEach-Object { [double]::Parse($_, $invariant) })
}

