using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using MailKit.Security;

namespace SmartEmail.Mail
{
    /// <summary>
    /// TlsMode=Auto on a port that is not a standard one: which side speaks first tells the two kinds of port apart.
    /// An IMAP, POP3 or SMTP server greets in plain text as soon as it accepts ("* OK", "+OK", "220"), and then offers
    /// STARTTLS; an implicit-TLS server says nothing until the client's TLS ClientHello. So the socket is connected here,
    /// the first bytes are waited for (peeked, never consumed, so MailKit still reads the whole greeting), and the same
    /// socket is handed to MailKit with the mode that fits.
    /// </summary>
    internal static class TlsDetector
    {
        /// <summary>
        /// How long a silent server is waited for before it is taken for implicit TLS. A plain-text server greets right
        /// after it accepts, so its greeting arrives about when the connection is up, even across a 300 ms round trip;
        /// the wait adds nothing for such servers. It costs an implicit-TLS server on a non-standard port this much once
        /// per connection, and it is well under the 2 s that a decision may take. Servers that are known to delay their
        /// greeting (Postfix waiting on reverse DNS, sendmail's greet_pause) sit on the standard ports, which skip it.
        /// </summary>
        internal static readonly TimeSpan GreetingWait = TimeSpan.FromMilliseconds(750);

        /// <summary>Longest single Poll, so that a stop (the token) is noticed promptly.</summary>
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(50);

        /// <summary>The mode TlsMode=Auto takes without looking on a standard port, or null to detect it.</summary>
        /// <param name="port">The port connected to.</param>
        /// <param name="implicitTlsPort">The protocol's standard implicit-TLS port: 993, 995 or 465.</param>
        internal static SecureSocketOptions? StandardPortMode(int port, int implicitTlsPort)
        {
            if (port == implicitTlsPort)
                return SecureSocketOptions.SslOnConnect;
            return StartTlsPorts(implicitTlsPort).Contains(port) ? SecureSocketOptions.StartTls : (SecureSocketOptions?)null;
        }

        /// <summary>The protocol's standard plain (STARTTLS) ports: 143 for IMAP, 110 for POP3, 25 and 587 for SMTP.</summary>
        internal static int[] StartTlsPorts(int implicitTlsPort)
        {
            switch (implicitTlsPort)
            {
                case 993: return new[] { 143 };
                case 995: return new[] { 110 };
                case 465: return new[] { 587, 25 };
                default: return new int[0];
            }
        }

        /// <summary>Resolves the host and connects a TCP socket to the first of its addresses that accepts.</summary>
        /// <exception cref="SocketException">The name does not resolve, or no address accepts.</exception>
        /// <exception cref="OperationCanceledException">The token was canceled.</exception>
        internal static Socket Connect(string host, int port, CancellationToken cancellationToken)
        {
            var addresses = IPAddress.TryParse(host, out var literal) ? new[] { literal } : Wait(Dns.GetHostAddressesAsync(host), cancellationToken);
            if (addresses.Length == 0)
                throw new SocketException((int)SocketError.HostNotFound);
            SocketException? failure = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    Wait(socket.ConnectAsync(address, port), cancellationToken);
                    return socket;
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    failure = e;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            throw failure!;
        }

        /// <summary>Waits up to <paramref name="wait"/> for the server's first bytes, without consuming them.</summary>
        /// <exception cref="SocketException">The connection was reset.</exception>
        /// <exception cref="OperationCanceledException">The token was canceled.</exception>
        internal static Greeting Listen(Socket socket, TimeSpan wait, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var peek = new byte[64];
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var left = wait - watch.Elapsed;
                if (left <= TimeSpan.Zero)
                    return new Greeting(GreetingKind.Silent, watch.Elapsed, string.Empty);
                var slice = left < PollSlice ? left : PollSlice;
                if (!socket.Poll((int)Math.Max(1, slice.Ticks / 10), SelectMode.SelectRead))
                    continue;
                // Readable: data, or the server closed (a peek of 0 bytes). SocketFlags.Peek leaves the bytes for MailKit.
                var n = socket.Receive(peek, 0, peek.Length, SocketFlags.Peek);
                if (n == 0)
                    return new Greeting(GreetingKind.Closed, watch.Elapsed, string.Empty);
                return new Greeting(GreetingKind.Text, watch.Elapsed, Printable(peek, n));
            }
        }

        /// <summary>The first line of what was peeked, with anything but printable ASCII shown as '.', for the log.</summary>
        private static string Printable(byte[] bytes, int count)
        {
            var chars = bytes.Take(count).TakeWhile(b => b != '\r' && b != '\n').Select(b => b >= 0x20 && b < 0x7F ? (char)b : '.').ToArray();
            return new string(chars);
        }

        internal static string Milliseconds(TimeSpan time) => ((int)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";

        private static T Wait<T>(Task<T> task, CancellationToken cancellationToken)
        {
            Wait((Task)task, cancellationToken);
            return task.Result;
        }

        private static void Wait(Task task, CancellationToken cancellationToken)
        {
            try
            {
                task.Wait(cancellationToken);
            }
            catch (AggregateException e) when (e.InnerException != null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }
            catch (OperationCanceledException)
            {
                // The abandoned connect or look-up still ends some time; its failure is not news to anyone.
                task.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                throw;
            }
        }
    }

    /// <summary>What a server did in the first moments after it accepted the connection.</summary>
    internal enum GreetingKind
    {
        /// <summary>It sent bytes: a plain-text greeting.</summary>
        Text,
        /// <summary>It said nothing: it waits for the client's TLS handshake.</summary>
        Silent,
        /// <summary>It closed the connection.</summary>
        Closed,
    }

    /// <summary>What <see cref="TlsDetector.Listen"/> saw.</summary>
    internal readonly struct Greeting
    {
        public Greeting(GreetingKind kind, TimeSpan after, string firstLine)
        {
            Kind = kind;
            After = after;
            FirstLine = firstLine;
        }

        /// <summary>What the server did.</summary>
        public GreetingKind Kind { get; }

        /// <summary>How long after connecting (the whole wait when silent).</summary>
        public TimeSpan After { get; }

        /// <summary>The start of the greeting's first line (printable ASCII only), or empty.</summary>
        public string FirstLine { get; }
    }
}
