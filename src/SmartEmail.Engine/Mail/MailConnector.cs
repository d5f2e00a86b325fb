using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace SmartEmail.Mail
{
    /// <summary>Connects and logs in MailKit clients with SmartEmail's TLS rules, and turns failures into <see cref="MailboxException"/>s.</summary>
    internal static class MailConnector
    {
        public static IProtocolLogger Logger(MailboxSettings settings, IdleWatchdog watchdog) =>
            new ActivityLogger(settings.ProtocolLog == null ? (IProtocolLogger)new NullProtocolLogger() : new ProtocolLogger(settings.ProtocolLog, leaveOpen: true) { RedactSecrets = true }, watchdog);

        /// <summary>Connects and authenticates; warnings (an accepted untrusted certificate, a sign-in near its end) go to the log.</summary>
        /// <param name="client">The client to connect.</param>
        /// <param name="settings">Where and how.</param>
        /// <param name="implicitTlsPort">The protocol's standard implicit-TLS port (993, 995 or 465), which with
        /// TlsMode=Auto also names its standard STARTTLS ports (143, 110, 587 and 25).</param>
        /// <param name="log">Where the TLS decision, warnings and sign-in details go.</param>
        /// <param name="cancellationToken">A stop.</param>
        public static void Open(MailService client, MailboxSettings settings, int implicitTlsPort, IEngineLog log, CancellationToken cancellationToken)
        {
            if (settings.Port == null)
                throw new MailboxException(MailboxErrorKind.Configuration, $"No port is set for {settings.Server}: there is no default (the usual ones are {string.Join(", ", TlsDetector.StartTlsPorts(implicitTlsPort))} and {implicitTlsPort} for {settings.Protocol}).");
            var port = settings.Port.Value;
            var policy = new CertificatePolicy(settings.Server, settings.AcceptUntrustedCertificate, settings.CertificateThumbprint);
            client.Timeout = (int)settings.Timeout.TotalMilliseconds;
            client.ServerCertificateValidationCallback = policy.Validate;
            client.SslProtocols = Protocols(settings.SecurityProtocol);
            // No CRL or OCSP lookups of the server's certificate: on a closed network they cannot reach the issuer and would
            // hold up every connection until they time out. Chain, dates and name are still checked (CertificatePolicy).
            client.CheckCertificateRevocation = false;
            var standard = TlsDetector.StandardPortMode(port, implicitTlsPort);
            var detect = settings.TlsMode == TlsMode.Auto && standard == null;
            var options = settings.TlsMode switch
            {
                TlsMode.Implicit => SecureSocketOptions.SslOnConnect,
                TlsMode.StartTls => SecureSocketOptions.StartTls,
                TlsMode.None => SecureSocketOptions.None,
                _ => standard ?? SecureSocketOptions.Auto, // undecided: ConnectDetected sets what the server's behaviour says
            };
            var where = $"{settings.Server}:{port}";
            var started = Stopwatch.StartNew();
            // Whether the server said nothing, so that TlsMode=Auto chose implicit TLS: failures are explained by it.
            bool Silent() => detect && options == SecureSocketOptions.SslOnConnect;
            // MailKit's Timeout does not bound the wait for the server's greeting (a STARTTLS client on an implicit TLS
            // port waits until the server gives up, minutes later), so connecting gets a deadline of its own.
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            try
            {
                deadline.CancelAfter(settings.Timeout);
                if (detect)
                    ConnectDetected(client, settings, port, where, started, log, ref options, deadline.Token);
                else
                {
                    if (settings.TlsMode == TlsMode.Auto)
                        Note(settings, log, options == SecureSocketOptions.SslOnConnect
                            ? $"TLS: port {port} of {settings.Server} is the standard implicit-TLS port: implicit TLS."
                            : $"TLS: port {port} of {settings.Server} is a standard STARTTLS port: STARTTLS (required), without waiting to see whether the server greets.");
                    client.Connect(settings.Server, port, options, deadline.Token);
                }
            }
            catch (MailboxException)
            {
                throw;
            }
            catch (Exception e) when (detect && deadline.IsCancellationRequested && !(e is OperationCanceledException))
            {
                // The socket was closed to stop a TLS handshake that MailKit does not let a token stop (see ConnectDetected).
                var canceled = new OperationCanceledException(e.Message, e, deadline.Token);
                if (cancellationToken.IsCancellationRequested)
                    throw new ConnectCanceledException(where, TimeoutHint(options, Silent()), canceled);
                throw new MailboxException(MailboxErrorKind.Timeout, $"{where} did not answer within {settings.Timeout.TotalSeconds:0} s.{TimeoutHint(options, Silent())}", e);
            }
            catch (SslHandshakeException e)
            {
                if (policy.Rejection != null)
                    throw new MailboxException(MailboxErrorKind.Certificate, policy.Rejection, e);
                if (Silent() && IsTimeout(e))
                    throw new MailboxException(MailboxErrorKind.Timeout, $"{where} did not answer within {settings.Timeout.TotalSeconds:0} s.{TimeoutHint(options, Silent())}", e);
                var minimum = settings.SecurityProtocol == null ? "the platform's" : settings.SecurityProtocol.ToString();
                var why = Silent()
                    ? $"{where} sent no greeting within {TlsDetector.Milliseconds(TlsDetector.GreetingWait)}, so SmartEmail began implicit TLS (TlsMode=Auto), and the TLS handshake failed: the server may only offer TLS versions below the minimum ({minimum}), or it greets late in plain text (then set TlsMode=StartTls)."
                    : $"The TLS handshake with {where} failed: the server may only offer TLS versions below the minimum ({minimum}), or it does not speak TLS on this port (check TlsMode and Port).";
                throw new MailboxException(MailboxErrorKind.Tls, $"{why} {e.InnerException?.Message ?? e.Message}", e);
            }
            catch (NotSupportedException e) when (options == SecureSocketOptions.StartTls)
            {
                throw new MailboxException(MailboxErrorKind.Tls, $"{where} does not offer STARTTLS, and SmartEmail does not send passwords unencrypted: use the server's TLS port, or TlsMode=None on a trusted test network.", e);
            }
            catch (SocketException e)
            {
                throw Network(e, where);
            }
            catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
            {
                // The caller's token: a stop, or the idle watchdog, which then reports it as the greeting's timeout.
                throw new ConnectCanceledException(where, TimeoutHint(options, Silent()), e);
            }
            catch (Exception e) when (e is TimeoutException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                || e is IOException && e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
            {
                throw new MailboxException(MailboxErrorKind.Timeout, $"{where} did not answer within {settings.Timeout.TotalSeconds:0} s.{TimeoutHint(options, Silent())}", e);
            }
            catch (Exception e) when (e is IOException || e is ProtocolException)
            {
                throw new MailboxException(MailboxErrorKind.Connection, $"The connection to {where} broke while connecting: {e.Message}", e);
            }
            if (policy.Warning != null)
                log.Warning(policy.Warning);
            if (client is MailKit.Net.Smtp.SmtpClient && client.AuthenticationMechanisms.Count == 0)
                return; // an SMTP relay that takes mail without AUTH
            if (settings.TokenSource != null)
            {
                AuthenticateWithToken(client, settings.TokenSource, where, log, cancellationToken);
                return;
            }
            if (client is MailKit.Net.Smtp.SmtpClient && settings.Credential == null)
                return; // SmtpAuthentication=None: a relay
            var credential = settings.Credential ?? throw new MailboxException(MailboxErrorKind.Configuration, $"No user name and password for {where}: set [Mail] User and Password.") { Setting = "[Mail] User" };
            try
            {
                // One attempt with one mechanism: MailKit's Authenticate(user, password) tries every mechanism in turn, so a
                // wrong password would count three times towards the server's account lockout.
                if (client.AuthenticationMechanisms.Contains("PLAIN"))
                    client.Authenticate(new SaslMechanismPlain(credential), cancellationToken);
                else if (client.AuthenticationMechanisms.Contains("LOGIN"))
                    client.Authenticate(new SaslMechanismLogin(credential), cancellationToken);
                else
                    client.Authenticate(credential.UserName, credential.Password, cancellationToken);
            }
            catch (MailKit.Security.AuthenticationException e)
            {
                // Never the password, not even its length.
                throw new MailboxException(MailboxErrorKind.Authentication, $"{where} refused the user name '{credential.UserName}' or its password.", e);
            }
            catch (TimeoutException e)
            {
                throw new MailboxException(MailboxErrorKind.Timeout, $"{where} did not answer while logging in: {e.Message}", e);
            }
            catch (Exception e) when (e is IOException || e is ProtocolException || e is SocketException)
            {
                throw new MailboxException(MailboxErrorKind.Connection, $"The connection to {where} broke while logging in: {e.Message}", e);
            }
        }

        /// <summary>
        /// TlsMode=Auto on a non-standard port: connects the socket, lets <see cref="TlsDetector"/> watch for a greeting,
        /// and hands the same socket to MailKit with STARTTLS (a greeting came) or implicit TLS (silence). Certificate
        /// checks, TLS versions and timeouts are the client's, exactly as for a connection MailKit opens itself.
        /// </summary>
        /// <remarks><paramref name="options"/> is set to the mode chosen as soon as it is known, so that a failure can be explained by it.</remarks>
        private static void ConnectDetected(MailService client, MailboxSettings settings, int port, string where, Stopwatch started, IEngineLog log, ref SecureSocketOptions options, CancellationToken deadline)
        {
            var socket = TlsDetector.Connect(settings.Server, port, deadline);
            try
            {
                var greeting = TlsDetector.Listen(socket, TlsDetector.GreetingWait, deadline);
                switch (greeting.Kind)
                {
                    case GreetingKind.Closed:
                        throw new MailboxException(MailboxErrorKind.Connection,
                            $"{where} accepted the connection and closed it after {TlsDetector.Milliseconds(greeting.After)} without a greeting (for STARTTLS) or a TLS handshake (for implicit TLS): check Server and Port.");
                    case GreetingKind.Text:
                        options = SecureSocketOptions.StartTls;
                        Note(settings, log, $"TLS: greeting received from {where} after {TlsDetector.Milliseconds(greeting.After)} ('{greeting.FirstLine}'): STARTTLS (required).");
                        break;
                    default:
                        options = SecureSocketOptions.SslOnConnect;
                        Note(settings, log, $"TLS: server silent for {TlsDetector.Milliseconds(greeting.After)} on port {port} of {settings.Server}: implicit TLS.");
                        break;
                }
                // MailKit applies its Timeout to a socket it is given only after the TLS handshake, so a server that
                // accepts and never answers the ClientHello would otherwise hold the handshake for ever.
                var left = settings.Timeout - started.Elapsed;
                socket.ReceiveTimeout = socket.SendTimeout = (int)Math.Max(1, left.TotalMilliseconds);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            try
            {
                // Its TLS handshake on a given socket does not watch the token either; closing the socket stops it.
                using (deadline.Register(socket.Dispose))
                    client.Connect(socket, settings.Server, port, options, deadline);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        /// <summary>A line for -Verbose and, when one is kept, the protocol log (whose logger flushes after every write).</summary>
        private static void Note(MailboxSettings settings, IEngineLog log, string text)
        {
            log.Verbose(text);
            var stream = settings.ProtocolLog;
            if (stream == null)
                return;
            var bytes = System.Text.Encoding.ASCII.GetBytes(text + "\r\n");
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush();
        }

        /// <summary>
        /// SASL XOAUTH2 with a token from the source. A cached token the server refuses (revoked early, or the server's
        /// view of it changed) is worth exactly one more try with a fresh one; a fresh token refused is a permission problem.
        /// </summary>
        private static void AuthenticateWithToken(MailService client, OAuth.IOAuthTokenSource source, string where, IEngineLog log, CancellationToken cancellationToken)
        {
            var token = source.GetToken(forceRefresh: false, cancellationToken);
            if (token.Warning != null)
                log.Warning(token.Warning);
            if (!client.AuthenticationMechanisms.Contains("XOAUTH2"))
                throw new MailboxException(MailboxErrorKind.Authentication, client is MailKit.Net.Smtp.SmtpClient
                    ? $"{where} does not offer XOAUTH2 sign-in, which notices of an Office 365 mailbox (EmailProtocol=MSAL) use: set [Mail] SmtpServer=smtp.office365.com and SmtpPort=587, or SmtpAuthentication=None for a relay that needs no sign-in."
                    : $"{where} does not offer XOAUTH2 sign-in, which Office 365 (EmailProtocol=MSAL) needs: check Server and Port.");
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    client.Authenticate(new SaslMechanismOAuth2(token.UserName, token.AccessToken), cancellationToken);
                    log.Verbose($"Signed in to {where} as {token.UserName} with an OAuth2 token{(token.FromCache ? " from the cache" : string.Empty)}.");
                    return;
                }
                catch (MailKit.Security.AuthenticationException e)
                {
                    if (attempt == 0 && token.FromCache)
                    {
                        log.Verbose($"{where} refused the cached token; asking for a fresh one.");
                        token = source.GetToken(forceRefresh: true, cancellationToken);
                        continue;
                    }
                    throw new MailboxException(MailboxErrorKind.Authentication, source.Refused(where, token.UserName), e);
                }
                catch (Exception e) when (e is IOException || e is ProtocolException || e is SocketException)
                {
                    throw new MailboxException(MailboxErrorKind.Connection, $"The connection to {where} broke while logging in: {e.Message}", e);
                }
            }
        }

        private static string TimeoutHint(SecureSocketOptions options, bool silent) =>
            silent ? $" It sent no greeting within {TlsDetector.Milliseconds(TlsDetector.GreetingWait)} (as a server that wants STARTTLS would) and did not answer a TLS handshake either (as an implicit-TLS server would): check Server and Port."
            : options == SecureSocketOptions.StartTls ? " If this port expects TLS from the first byte (IMAPS, POP3S), set TlsMode=Implicit." : string.Empty;

        private static bool IsTimeout(Exception e)
        {
            for (var inner = (Exception?)e; inner != null; inner = inner.InnerException)
            {
                if (inner is TimeoutException || inner is SocketException { SocketErrorCode: SocketError.TimedOut })
                    return true;
            }
            return false;
        }

        /// <summary>Logs out politely when the connection is still up, and always frees the client.</summary>
        public static void Close(MailService? client)
        {
            if (client == null)
                return;
            try
            {
                if (client.IsConnected)
                    client.Disconnect(true);
            }
            catch (Exception e) when (IsTransient(e) || e is OperationCanceledException || e is CommandException)
            {
                // The connection is being dropped anyway.
            }
            finally
            {
                client.Dispose();
            }
        }

        /// <summary>Whether an exception means the connection dropped (worth one more try after reconnecting).</summary>
        public static bool IsTransient(Exception e) =>
            e is IOException || e is SocketException || e is ServiceNotConnectedException || e is ProtocolException || e is TimeoutException;

        private static MailboxException Network(SocketException e, string where)
        {
            switch (e.SocketErrorCode)
            {
                case SocketError.HostNotFound:
                case SocketError.NoData:
                case SocketError.TryAgain:
                    return new MailboxException(MailboxErrorKind.HostNotFound, $"The mail server name in {where} is not found (DNS): check Server.", e);
                case SocketError.ConnectionRefused:
                    return new MailboxException(MailboxErrorKind.ConnectionRefused, $"{where} refused the connection: nothing listens on that port, or a firewall rejects it. Check Server and Port.", e);
                case SocketError.TimedOut:
                    return new MailboxException(MailboxErrorKind.Timeout, $"{where} did not answer (timed out): check Server, Port and firewalls.", e);
                default:
                    return new MailboxException(MailboxErrorKind.Connection, $"Cannot connect to {where}: {e.Message}", e);
            }
        }

        /// <summary>The TLS versions allowed by a minimum; SSL and SSL2 mean the platform's lowest, as SSL no longer exists.</summary>
        internal static SslProtocols Protocols(SecurityProtocol? minimum)
        {
            // Tls13 is not in netstandard2.0's enum; only ask for it where the runtime has it.
            var tls13 = ModuleRuntime.IsCoreClr ? (SslProtocols)12288 : SslProtocols.None;
#pragma warning disable SYSLIB0039 // TLS 1.0 and 1.1 are offered only when an admin's SecurityProtocol asks for them
            switch (minimum)
            {
                case SmartEmail.SecurityProtocol.TLS1_3:
                    if (tls13 == SslProtocols.None)
                        throw new MailboxException(MailboxErrorKind.Configuration, "SecurityProtocol=TLS1_3 needs PowerShell 7 (.NET); Windows PowerShell 5.1 cannot require TLS 1.3.");
                    return tls13;
                case SmartEmail.SecurityProtocol.TLS1_2: return SslProtocols.Tls12 | tls13;
                case SmartEmail.SecurityProtocol.TLS1_1: return SslProtocols.Tls11 | SslProtocols.Tls12 | tls13;
                case SmartEmail.SecurityProtocol.TLS1: return SslProtocols.Tls | SslProtocols.Tls11 | SslProtocols.Tls12 | tls13;
                default: return SslProtocols.None; // the platform's default choice
            }
#pragma warning restore SYSLIB0039
        }
    }

    /// <summary>Connecting (up to the server's greeting and TLS) was canceled by the caller's token.</summary>
    internal sealed class ConnectCanceledException : OperationCanceledException
    {
        public ConnectCanceledException(string where, string hint, OperationCanceledException inner) : base(inner.Message, inner, inner.CancellationToken)
        {
            Where = where;
            Hint = hint;
        }

        /// <summary>The server and port.</summary>
        public string Where { get; }

        /// <summary>What to check when the server never answered, or empty.</summary>
        public string Hint { get; }
    }

    /// <summary>Facts about the runtime the engine runs on.</summary>
    internal static class ModuleRuntime
    {
        public static bool IsCoreClr { get; } = typeof(object).Assembly.GetName().Name == "System.Private.CoreLib";
    }
}
