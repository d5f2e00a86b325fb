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

# Realistic scheduler mail (issue #10's workload): sizes log-uniform between -MinKiB and -MaxKiB (2–200 KiB unless a
# caller caps them), 10% multipart/mixed with a binary attachment (base64), 5% text/html only, the rest text/plain
# (about 60%) or multipart/alternative (about 25%); subjects from job-notification patterns: exactly one in 100 an
# "OpCon/xps: <name> total = <n>" line that the regex matches, and about 2% near misses (wrong prefix, non-numeric or
# multi-word totals) that it must not. Written in C# (compiled once by Add-Type), straight into the Maildir, so 100,000
# messages take seconds rather than minutes. Everything is seeded: -Start numbers the messages after those already
# written (their Message-IDs stay unique) and seeds the random choices unless -Seed is given (the same -Seed and -Count
# write the same subjects, sizes and kinds into two mailboxes), so the same call writes the same mail.
# -Into new delivers them as an MDA does (dovecot moves them to cur/ and gives them the next UIDs), -Into cur as a
# long-lived mailbox holds them.
if (-not ('SmartEmailBench.MailGenerator' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Globalization;

namespace SmartEmailBench
{
    public sealed class MailboxWritten
    {
        public int Matching;
        public long Bytes;
        public long MinBytes = long.MaxValue;
        public long MaxBytes;
        public int Plain, Alternative, Html, Attachment;
    }

    public static class MailGenerator
    {
        static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
        static readonly string[] Jobs = { "LOAD", "EXTRACT", "BILLING", "PAYROLL", "ACH", "GL", "AR", "AP", "INVENTORY", "SHIP", "BACKUP", "ETL" };
        static readonly string[] Hosts = { "xps-app01", "xps-app02", "xps-db01", "xps-batch03" };
        static readonly string[] Schedules = { "DAILY", "NIGHTLY", "MONTHEND", "WEEKLY" };
        static readonly string[] Files = { "report.pdf", "extract.csv.gz", "joblog.zip", "statement.xlsx", "ach.dat" };
        static readonly string[] FileTypes = { "application/pdf", "application/gzip", "application/zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream" };

        static string Subject(Random r, int i, DateTimeOffset now)
        {
            var job = Jobs[r.Next(Jobs.Length)] + r.Next(1, 60).ToString(Inv);
            if (i % 100 == 50)
                return string.Format(Inv, "OpCon/xps: {0} total = {1}.{2:00}", job, r.Next(1, 1000000), r.Next(100));
            if (i % 100 == 7 || i % 100 == 77)
            {
                switch (r.Next(4))
                {
                    case 0: return string.Format(Inv, "Re: OpCon/xps: {0} total = {1}.00", job, r.Next(1000));
                    case 1: return string.Format(Inv, "OpCon/xps: {0} total = pending", job);
                    case 2: return string.Format(Inv, "OpCon/xps: {0} {1} total = {2}", job, Schedules[r.Next(Schedules.Length)], r.Next(1000));
                    default: return string.Format(Inv, "OpCon/xps: {0} total = {1}.5 (estimated)", job, r.Next(1000));
                }
            }
            var k = r.Next(10);
            if (k <= 5) return string.Format(Inv, "Job {0} ended with status {1}", job, r.Next(20) == 0 ? r.Next(1, 9) : 0);
            if (k == 6) return string.Format(Inv, "Job {0} FAILED on {1} (exit code {2})", job, Hosts[r.Next(Hosts.Length)], r.Next(1, 255));
            if (k == 7) return string.Format(Inv, "[OpCon] Schedule {0} built for {1:yyyy-MM-dd}", Schedules[r.Next(Schedules.Length)], now.AddDays(-r.Next(30)));
            if (k == 8) return string.Format(Inv, "Daily summary: {0} jobs finished, {1} failed", r.Next(100, 900), r.Next(5));
            return string.Format(Inv, "Warning: disk /data {0}% full on {1}", r.Next(80, 99), Hosts[r.Next(Hosts.Length)]);
        }

        // Job-log lines up to about `bytes` bytes; as HTML table rows when html.
        static void LogLines(StringBuilder b, Random r, int bytes, bool html)
        {
            var end = b.Length + bytes;
            if (html) b.Append("<table border=\"1\">\r\n<tr><th>Step</th><th>Job</th><th>Rows</th><th>Elapsed</th></tr>\r\n");
            for (var l = 1; b.Length < end; l++)
            {
                var job = Jobs[r.Next(Jobs.Length)];
                if (html)
                    b.AppendFormat(Inv, "<tr><td>{0:000}</td><td>{1}</td><td>{2}</td><td>{3} s</td></tr>\r\n", l, job, r.Next(100000), r.Next(1, 600));
                else
                    b.AppendFormat(Inv, "Step {0:000}: {1} on {2} rows={3} elapsed={4}s rc=0\r\n", l, job, Hosts[r.Next(Hosts.Length)], r.Next(100000), r.Next(1, 600));
            }
            if (html) b.Append("</table>\r\n");
        }

        public static MailboxWritten Write(string maildir, string address, int count, int start, int seed, string into, string subjectRegex, int minKiB, int maxKiB)
        {
            var dir = Path.Combine(maildir, into);
            var tmp = Path.Combine(maildir, "tmp");
            if (!Directory.Exists(dir) || !Directory.Exists(tmp)) throw new ArgumentException("'" + maildir + "' is not a Maildir.");
            var r = new Random(20261125 + seed);
            var regex = new Regex(subjectRegex);
            var regexIgnoreCase = new Regex(subjectRegex, RegexOptions.IgnoreCase);
            var now = DateTimeOffset.UtcNow;
            var stamp = now.ToUnixTimeSeconds();
            var pid = System.Diagnostics.Process.GetCurrentProcess().Id;
            var result = new MailboxWritten();
            var b = new StringBuilder(256 * 1024);
            var lnMin = Math.Log(minKiB * 1024.0);
            var lnMax = Math.Log(maxKiB * 1024.0);
            for (var i = start + 1; i <= start + count; i++)
            {
                var subject = Subject(r, i, now);
                var isMatch = regex.IsMatch(subject);
                if (isMatch != regexIgnoreCase.IsMatch(subject))
                    throw new InvalidOperationException("Subject '" + subject + "' matches the regex only case-insensitively; PowerShell's -match and imapfilter would disagree.");
                if (isMatch) result.Matching++;
                var target = (int)Math.Exp(lnMin + r.NextDouble() * (lnMax - lnMin));
                var date = now.AddSeconds(-(double)(start + count - i) * 90 - r.Next(60));
                var dateText = date.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", Inv);
                var host = Hosts[r.Next(Hosts.Length)];
                var kind = r.Next(100); // 0-9 attachment, 10-14 HTML only, 15-39 alternative, 40-99 plain
                b.Clear();
                b.Append("Return-Path: <opcon@xps.example.com>\r\n")
                 .AppendFormat(Inv, "Received: from {0}.example.com by mail.smartemail.test with ESMTP id {1}; {2}\r\n", host, i, dateText)
                 .Append("From: OpCon Scheduler <opcon@xps.example.com>\r\nTo: ").Append(address).Append("\r\nSubject: ").Append(subject)
                 .Append("\r\nDate: ").Append(dateText)
                 .AppendFormat(Inv, "\r\nMessage-ID: <bench-{0}.{1}@xps.example.com>\r\nMIME-Version: 1.0\r\nX-Mailer: OpCon/xps notification service\r\n", i, stamp);
                var intro = "Job: " + subject + "\r\nMachine: " + host + "\r\n\r\n";
                var boundary = "=_bench_" + i.ToString(Inv);
                var room = Math.Max(200, target - b.Length - 150);
                if (kind < 10)
                {
                    result.Attachment++;
                    var f = r.Next(Files.Length);
                    b.Append("Content-Type: multipart/mixed; boundary=\"").Append(boundary).Append("\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--").Append(boundary)
                     .Append("\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n").Append(intro);
                    LogLines(b, r, Math.Min(2048, room / 4), false);
                    b.Append("\r\n--").Append(boundary).Append("\r\nContent-Type: ").Append(FileTypes[f]).Append("; name=\"").Append(Files[f])
                     .Append("\"\r\nContent-Disposition: attachment; filename=\"").Append(Files[f]).Append("\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
                    var binary = new byte[Math.Max(64, (target - b.Length - 100) * 3 / 4)];
                    r.NextBytes(binary);
                    b.Append(Convert.ToBase64String(binary, Base64FormattingOptions.InsertLineBreaks)).Append("\r\n--").Append(boundary).Append("--\r\n");
                }
                else if (kind < 15)
                {
                    result.Html++;
                    b.Append("Content-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<html><body>\r\n<p>")
                     .Append(System.Net.WebUtility.HtmlEncode(subject)).Append("</p>\r\n");
                    LogLines(b, r, room, true);
                    b.Append("</body></html>\r\n");
                }
                else if (kind < 40)
                {
                    result.Alternative++;
                    b.Append("Content-Type: multipart/alternative; boundary=\"").Append(boundary).Append("\"\r\n\r\n--").Append(boundary)
                     .Append("\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n").Append(intro);
                    LogLines(b, r, room / 3, false);
                    b.Append("\r\n--").Append(boundary).Append("\r\nContent-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<html><body>\r\n");
                    LogLines(b, r, room * 2 / 3, true);
                    b.Append("</body></html>\r\n\r\n--").Append(boundary).Append("--\r\n");
                }
                else
                {
                    result.Plain++;
                    b.Append("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n").Append(intro);
                    LogLines(b, r, room, false);
                }
                var data = Encoding.ASCII.GetBytes(b.ToString());
                result.Bytes += data.Length;
                result.MinBytes = Math.Min(result.MinBytes, data.Length);
                result.MaxBytes = Math.Max(result.MaxBytes, data.Length);
                // Into cur: delivered and already moved to cur by a mail client (unseen, ":2,"), as dovecot finds a
                // long-lived mailbox; the file time is the arrival time (dovecot's INTERNALDATE).
                var name = string.Format(Inv, "{0}.M{1}P{2}.smartemail-bench,S={3}{4}", stamp, i, pid, data.Length, into == "cur" ? ":2," : "");
                var path = Path.Combine(tmp, name);
                File.WriteAllBytes(path, data);
                File.SetLastWriteTimeUtc(path, date.UtcDateTime);
                File.Move(path, Path.Combine(dir, name));
            }
            return result;
        }
    }
}
'@
}

function Write-Mailbox {
    param([string] $Maildir, [string] $Address, [int] $Count, [int] $Start = 0, [ValidateSet('cur', 'new')] [string] $Into = 'cur',
        [int] $MinKiB = 2, [int] $MaxKiB = 200, [int] $Seed = $Start)
    $written = [SmartEmailBench.MailGenerator]::Write($Maildir, $Address, $Count, $Start, $Seed, $Into, $SubjectRegex, $MinKiB, $MaxKiB)
    $dir = Join-Path $Maildir $Into
    & chown -R nobody:nogroup $dir
    if ($LASTEXITCODE -ne 0) { throw "chown nobody:nogroup '$dir' failed (exit code $LASTEXITCODE)." }
    [pscustomobject]@{
        Matching = $written.Matching; Bytes = $written.Bytes; MinBytes = $written.MinBytes; MaxBytes = $written.MaxBytes
        Mix = [ordered]@{ plain = $written.Plain; alternative = $written.Alternative; htmlOnly = $written.Html; attachment = $written.Attachment }
        MinKiB = $MinKiB; MaxKiB = $MaxKiB
    }
}

# Counts the IMAP commands in a MailKit protocol log ("C: <tag> <COMMAND> ...") or an imapfilter -d log (a line
# "sending command (n):", a blank line, then "<tag> <COMMAND> ...").
function Get-ImapCommandCount {
    param([string] $Path, [ValidateSet('MailKit', 'imapfilter')] [string] $Format)
    $byCommand = @{}
    $pending = $false
    $beforeFetch = 0; $sequence = [System.Collections.Generic.List[string]]::new(); $fetched = $false
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
        if (-not $fetched -and $command -match 'FETCH$') { $fetched = $true }
        if (-not $fetched) { $beforeFetch++; $sequence.Add($command) }
    }
    $total = 0
    foreach ($v in $byCommand.Values) { $total += $v }
    $sorted = [ordered]@{}
    foreach ($k in ($byCommand.Keys | Sort-Object)) { $sorted[$k] = $byCommand[$k] }
    # Round trips from connecting to the first FETCH: the TLS handshake with the greeting, then one per command (none
    # of these clients pipelines), as issue 17 counts them ("TLS, login, EXAMINE, SEARCH").
    [ordered]@{ commands = $total; byCommand = $sorted; logBytes = (Get-Item -LiteralPath $Path).Length
        commandsBeforeFirstFetch = $beforeFetch; roundTripsToFirstFetch = 1 + $beforeFetch; sequenceToFirstFetch = @('TLS') + @($sequence) }
}

function Get-LoadAverage {
    $text = Get-Content -LiteralPath /proc/loadavg -ErrorAction SilentlyContinue
    if (-not $text) { return $null }
    return @(($text -split ' ')[0..2] | ForEach-Object { [double]::Parse($_, $invariant) })
}

# The INI of the full-scan and incremental runs: 20 subject rules, one of them matching 1% of the generated mail, MSGIN
# events, no deletion, no download, accepts audited; the mailbox over implicit TLS on the calling script's $imapsPort.
function New-RunIni([string] $Folder, [string] $User, [string] $Password, [int] $Port = $imapsPort) {
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $Folder 'msgin')
    $masks = @(
        '^Payroll file for ([0-9]{8})$', '^ACH batch ([0-9]+) released$', '^GL close ([A-Z]{3}) complete$',
        '^Invoice run ([0-9]+) finished$', '^Backup (\S+) verified$', '^Restore request (\S+)$', '^FTP drop (\S+) arrived$',
        '^Month-end (\S+) ready$', '^Start job (\S+) now$', '^Hold schedule (\S+)$', '^Release schedule (\S+)$',
        '^Bank statement ([0-9]{8})$', '^Positive pay file (\S+)$', '^Vendor file (\S+) received$', '^Lockbox (\S+) posted$',
        '^EDI (\d{3}) batch (\S+)$', '^Wire confirmation (\S+)$', '^Tax file (\S+) uploaded$', '^Audit extract (\S+) done$'
    )
    $text = [System.Text.StringBuilder]::new()
    $null = $text.Append("[General]`r`nMSGINDirectory=msgin`r`nOpConUser=ocadm`r`nOpConUserPassword=bench`r`nDeleteEmails=None`r`n" +
        "DownloadEmails=False`r`nUseLastRunDate=False`r`nExitCodeForNoMatchingEmails=0`r`n`r`n" +
        "[Mail]`r`nEmailProtocol=IMAP`r`nServer=127.0.0.1`r`nPort=$Port`r`nTlsMode=Implicit`r`nSelfSignedCertificate=True`r`n" +
        "SecurityProtocol=TLS1_2`r`nUser=$User`r`nPassword=$Password`r`n`r`n" +
        "[Audit]`r`nAuditAcceptLogFile=accept.log`r`nLogAccepts=True`r`nLogRejects=False`r`n`r`n")
    $n = 1
    foreach ($mask in $masks) {
        $null = $text.Append("[Configuration$n]`r`nSubjectLineMask=$mask`r`nEvent=`$JOB:ADD,[[1]],BENCH,RULE$n`r`nAllowedSenders=ALL`r`nAllowedTimeFrame=0000-2400`r`n`r`n")
        $n++
    }
    $null = $text.Append("[Configuration$n]`r`nSubjectLineMask=^OpCon/xps: (\S+) total = ([0-9.]+)$`r`nEvent=`$PROPERTY:SET,[[1]],[[2]]`r`nAllowedSenders=ALL`r`nAllowedTimeFrame=0000-2400`r`n")
    $ini = Join-Path $Folder 'SMArtEmail.ini'
    Set-Content -LiteralPath $ini -Value $text.ToString() -NoNewline -Encoding utf8NoBOM
    $ini
}
