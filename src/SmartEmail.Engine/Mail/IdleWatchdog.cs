using System;
using System.Threading;
using MailKit;

namespace SmartEmail.Mail
{
    /// <summary>
    /// Bounds how long one MailKit call may go without a byte moving. MailKit applies its Timeout only to calls made
    /// with a token that cannot be canceled: with a cancellable one (ours, so that Ctrl+C works) a synchronous read polls
    /// the socket every 250 ms until data or cancellation, for ever (jstedfast/MailKit#1253). A server that goes silent
    /// mid-command would hang the run, and its lock, for good. Every byte passes the client's protocol logger
    /// (<see cref="ActivityLogger"/>), which pushes the deadline back; when it passes, the call's token is canceled and
    /// the call fails with a <see cref="TimeoutException"/>.
    /// </summary>
    internal sealed class IdleWatchdog
    {
        private readonly TimeSpan _idle;
        private readonly object _gate = new object();
        private readonly System.Collections.Generic.List<CancellationTokenSource> _active = new System.Collections.Generic.List<CancellationTokenSource>();

        public IdleWatchdog(TimeSpan idle)
        {
            _idle = idle;
        }

        /// <summary>Runs one call with a token canceled by the caller's, or once nothing was sent or received for the timeout.</summary>
        /// <exception cref="TimeoutException">Nothing moved for the timeout.</exception>
        public T Run<T>(Func<CancellationToken, T> operation, CancellationToken cancellationToken)
        {
            using (var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                lock (_gate)
                    _active.Add(watch);
                watch.CancelAfter(_idle);
                try
                {
                    return operation(watch.Token);
                }
                catch (ConnectCanceledException e) when (!cancellationToken.IsCancellationRequested && watch.IsCancellationRequested)
                {
                    // Nothing at all since connecting: a server that does not answer (or waits for TLS), not a dropped session.
                    throw new MailboxException(MailboxErrorKind.Timeout, $"{e.Where} did not answer within {_idle.TotalSeconds:0} s.{e.Hint}", e);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && watch.IsCancellationRequested)
                {
                    throw new TimeoutException($"The server sent nothing for {_idle.TotalSeconds:0} s.", e);
                }
                finally
                {
                    lock (_gate)
                        _active.Remove(watch);
                }
            }
        }

        /// <summary>Runs one call that returns nothing; see <see cref="Run{T}"/>.</summary>
        public void Run(Action<CancellationToken> operation, CancellationToken cancellationToken) =>
            Run(token => { operation(token); return true; }, cancellationToken);

        /// <summary>Something was sent or received: the deadline moves.</summary>
        public void Touch()
        {
            lock (_gate)
            {
                foreach (var watch in _active)
                    watch.CancelAfter(_idle);
            }
        }
    }

    /// <summary>A protocol logger that tells an <see cref="IdleWatchdog"/> about every byte, then logs it as the inner one does.</summary>
    internal sealed class ActivityLogger : IProtocolLogger
    {
        private readonly IProtocolLogger _inner;
        private readonly IdleWatchdog _watchdog;

        public ActivityLogger(IProtocolLogger inner, IdleWatchdog watchdog)
        {
            _inner = inner;
            _watchdog = watchdog;
        }

        public IAuthenticationSecretDetector? AuthenticationSecretDetector
        {
            get => _inner.AuthenticationSecretDetector;
            set => _inner.AuthenticationSecretDetector = value!;
        }

        public void LogConnect(Uri uri)
        {
            _watchdog.Touch();
            _inner.LogConnect(uri);
        }

        public void LogClient(byte[] buffer, int offset, int count)
        {
            _watchdog.Touch();
            _inner.LogClient(buffer, offset, count);
        }

        public void LogServer(byte[] buffer, int offset, int count)
        {
            _watchdog.Touch();
            _inner.LogServer(buffer, offset, count);
        }

        public void Dispose() => _inner.Dispose();
    }
}
