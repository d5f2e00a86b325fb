using System.Diagnostics;
using SmartEmail.Mail;
using SmartEmail.Run;
using Xunit;

namespace SmartEmail.Engine.Tests;

public class RunStateTests
{
    [Fact]
    public void Compact_keeps_the_watermark_below_a_message_still_to_be_deleted()
    {
        var mailbox = new MailboxState { UidValidity = 1 };
        mailbox.Messages["5"] = new MessageState { Status = MessageStatus.Done };
        mailbox.Messages["7"] = new MessageState { Status = MessageStatus.Done, DeletePending = true };
        mailbox.Messages["9"] = new MessageState { Status = MessageStatus.Done };

        RunState.Compact(mailbox, 10);

        // UID 7 must still be searched for (the next run deletes it), so the watermark stops below it.
        Assert.Equal(6u, mailbox.Watermark);
        Assert.False(mailbox.Messages.ContainsKey("5"));
        Assert.True(mailbox.Messages["7"].DeletePending);
        Assert.True(mailbox.Messages.ContainsKey("9"));
    }

    [Fact]
    public void DeletePending_survives_a_save_and_a_load()
    {
        var dir = Directory.CreateTempSubdirectory("smartemail-state-");
        try
        {
            var path = Path.Combine(dir.FullName, "x.state.json");
            var state = RunState.Load(path);
            state.Mailbox("imap://x/INBOX").Messages["3"] = new MessageState { Status = MessageStatus.Done, DeletePending = true };
            state.Save();
            Assert.True(RunState.Load(path).Mailbox("imap://x/INBOX").Messages["3"].DeletePending);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

public class IdleWatchdogTests
{
    [Fact]
    public void A_call_that_sees_no_byte_for_the_timeout_fails_with_TimeoutException()
    {
        var watchdog = new IdleWatchdog(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();
        // As MailKit does with a cancellable token: wait until canceled (the hang guard is the 30 s).
        var e = Assert.Throws<TimeoutException>(() => watchdog.Run(token => token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)) ? token.ThrowIfCancellationRequested<bool>() : false, CancellationToken.None));
        Assert.IsType<OperationCanceledException>(e.InnerException, exactMatch: false);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(25));
    }

    [Fact]
    public void Activity_keeps_a_slow_call_alive()
    {
        var watchdog = new IdleWatchdog(TimeSpan.FromMilliseconds(300));
        var result = watchdog.Run(token =>
        {
            for (var i = 0; i < 8; i++)
            {
                Thread.Sleep(100); // 800 ms in all, never 300 ms without a byte
                watchdog.Touch();
                token.ThrowIfCancellationRequested();
            }
            return 42;
        }, CancellationToken.None);
        Assert.Equal(42, result);
    }

    [Fact]
    public void The_callers_cancellation_stays_a_cancellation()
    {
        var watchdog = new IdleWatchdog(TimeSpan.FromSeconds(30));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => watchdog.Run(token => { token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)); token.ThrowIfCancellationRequested(); return 0; }, cts.Token));
    }
}

internal static class TokenExtensions
{
    public static T ThrowIfCancellationRequested<T>(this CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        return default!;
    }
}
