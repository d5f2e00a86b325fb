#Requires -Version 7.2
<#
.SYNOPSIS
    Bench-only probe for tests/bench/Scale.Bench.ps1: the IMAP part of an incremental Invoke-SmartEmailRun, through the
    module's engine, with a timestamped protocol log.

.DESCRIPTION
    Loads the INI with Get-SmartEmailConfiguration, builds its MailboxSettings and MailSource exactly as
    Invoke-SmartEmailRun does, and reads the messages above -AfterUid (ReadOptions.After, a MessageKey of UIDVALIDITY and UID, as the run
    does from its state file), with the protocol log going through a stream that stamps every line with the
    milliseconds since the read began. Prints one JSON line: the seconds from the start to the end of each IMAP
    command (connect and greeting, AUTHENTICATE, NAMESPACE, LIST, EXAMINE, UID SEARCH, UID FETCH, LOGOUT), the
    total, dovecot's own time for each command (from its tagged answers), and how many messages were read. No state is written: the run's own watermark is left alone.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Ini,
    [Parameter(Mandatory)] [uint32] $AfterUid,
    [Parameter(Mandatory)] [uint32] $UidValidity,
    [Parameter(Mandatory)] [string] $LogPath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Add-Type -TypeDefinition @'
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
public sealed class TimestampedLogStream : Stream
{
    private readonly Stream _inner;
    private readonly Stopwatch _clock;
    private bool _lineStart = true;
    public TimestampedLogStream(Stream inner, Stopwatch clock) { _inner = inner; _clock = clock; }
    public override void Write(byte[] buffer, int offset, int count)
    {
        for (var i = offset; i < offset + count; i++)
        {
            if (_lineStart)
            {
                var stamp = Encoding.ASCII.GetBytes(_clock.Elapsed.TotalMilliseconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture).PadLeft(10) + " ");
                _inner.Write(stamp, 0, stamp.Length);
            }
            _inner.WriteByte(buffer[i]);
            _lineStart = buffer[i] == (byte)'\n';
        }
    }
    public override void Flush() => _inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
'@
$configuration = Get-SmartEmailConfiguration -Path $Ini -WarningAction SilentlyContinue
# The engine lives in the module's own load context: its types are reached through an object of it, not by name.
$engine = $configuration.GetType().Assembly
$mailboxSettings = $engine.GetType('SmartEmail.Mail.MailboxSettings', $true)
$mailSource = $engine.GetType('SmartEmail.Mail.MailSource', $true)
$readOptions = $engine.GetType('SmartEmail.Mail.ReadOptions', $true)
$messageKey = $engine.GetType('SmartEmail.Mail.MessageKey', $true)
$file = [System.IO.FileStream]::new($LogPath, 'Create', 'Write', 'Read')
$clock = [System.Diagnostics.Stopwatch]::new()
try {
    $settings = $mailboxSettings::From($configuration, $null, $null)
    $settings.ProtocolLog = [TimestampedLogStream]::new($file, $clock)
    $options = $readOptions::new()
    # Resume after UID AfterUid of UIDVALIDITY UidValidity, as the run does from its watermark.
    $options.After = [Activator]::CreateInstance($messageKey, [object[]]@([uint32]$UidValidity, [uint32]$AfterUid))
    $clock.Start()
    $source = $mailSource::Create($settings, $null)
    $read = 0
    try {
        foreach ($message in $source.Read($options, [System.Threading.CancellationToken]::None)) { $read++ }
    } finally {
        $source.Dispose()
    }
    $total = $clock.Elapsed.TotalSeconds
} finally {
    $file.Dispose()
}
# Each command: from the line that sent it ("C: <tag> <command>") to its tagged answer ("S: <tag> OK|NO|BAD").
$steps = [ordered]@{}
$server = [ordered]@{}   # dovecot's own figure for each command: the first of "(x + y + z secs)" in its tagged answer
$open = @{}
$previous = 0.0
foreach ($line in [System.IO.File]::ReadLines($LogPath)) {
    if ($line -notmatch '^\s*([0-9.]+) (C|S): (.*)$') { continue }
    $ms = [double] $Matches[1]; $side = $Matches[2]; $text = $Matches[3]
    if ($steps.Count -eq 0 -and $side -eq 'S' -and $text -match '^\* OK') { $steps['connect'] = [Math]::Round($ms / 1000, 6); $previous = $ms; continue }
    if ($side -eq 'C' -and $text -match '^(\S+) ((?:UID )?[A-Za-z]+)') { $open[$Matches[1]] = @($Matches[2].ToUpperInvariant(), $ms); continue }
    if ($side -eq 'S' -and $text -match '^(\S+) (OK|NO|BAD)' -and $open.ContainsKey($Matches[1])) {
        $tag = $Matches[1]
        $name, $sent = $open[$tag]
        $key = $name.ToLowerInvariant()
        $seconds = ($ms - $sent) / 1000
        $steps[$key] = [Math]::Round($(if ($steps.Contains($key)) { $steps[$key] } else { 0 }) + $seconds, 6)
        if ($text -match '\(([0-9.]+) \+ [0-9.]+(?: \+ [0-9.]+)? secs\)') {
            $server[$key] = [Math]::Round($(if ($server.Contains($key)) { $server[$key] } else { 0 }) + [double] $Matches[1], 3)
        }
        $open.Remove($tag)
    }
}
'BENCH-PROBE ' + (@{ steps = $steps; server = $server; seconds = [Math]::Round($total, 6); read = $read } | ConvertTo-Json -Compress)
