using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit.Net.Imap;
using MailKit.Security;
using SmartEmail.Mail;
using Xunit;

namespace SmartEmail.Engine.Tests;

/// <summary>
/// TlsMode=Auto on a non-standard port, against a loopback server that greets in plain text (and offers STARTTLS),
/// speaks TLS from the first byte, stays silent, or hangs up. The server speaks just enough IMAP for MailKit to
/// connect and log in, so what is checked is the real MailKit connection: secure or not, certificate checks, errors.
/// </summary>
public sealed class TlsDetectionTests : IDisposable
{
    private static readonly X509Certificate2 Certificate = CreateCertificate();
    private readonly ScriptedServer _server = new();

    public void Dispose() => _server.Dispose();

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Through PKCS#12 so that the private key can be used by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private MailboxSettings Settings(int seconds = 10, string? thumbprint = null, Stream? protocolLog = null) => new()
    {
        Server = "127.0.0.1",
        Port = _server.Port,
        TlsMode = TlsMode.Auto,
        CertificateThumbprint = thumbprint ?? Certificate.GetCertHashString(HashAlgorithmName.SHA256),
        Credential = new NetworkCredential("alice", "alice-secret"),
        Timeout = TimeSpan.FromSeconds(seconds),
        ProtocolLog = protocolLog,
    };

    private static (ImapClient Client, List<string> Verbose) Open(MailboxSettings settings)
    {
        var verbose = new List<string>();
        var log = new DelegateEngineLog(verbose.Add, _ => { }, (_, _, _, _) => { }, _ => { });
        var client = new ImapClient(settings.ProtocolLog == null ? new MailKit.NullProtocolLogger() : new MailKit.ProtocolLogger(settings.ProtocolLog, leaveOpen: true));
        try
        {
            MailConnector.Open(client, settings, 993, log, CancellationToken.None);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return (client, verbose);
    }

    [Fact]
    public void AServerThatGreetsInPlainTextGetsStartTls()
    {
        _server.Start(ServerMode.PlainThenStartTls, Certificate);
        using var protocolLog = new MemoryStream();
        var (client, verbose) = Open(Settings(protocolLog: protocolLog));
        using (client)
        {
            Assert.True(client.IsSecure);
            Assert.True(client.IsAuthenticated);
        }
        var text = Encoding.ASCII.GetString(protocolLog.ToArray());
        var line = System.Text.RegularExpressions.Regex.Match(text, @"TLS: greeting received from 127\.0\.0\.1:\d+ after (\d+) ms \('\* OK \[CAPABILITY[^']*'\): STARTTLS");
        Assert.True(line.Success, text);
        Assert.True(int.Parse(line.Groups[1].Value) < TlsDetector.GreetingWait.TotalMilliseconds, "a greeting ends the wait at once");
        Assert.Contains("STARTTLS\r\n", text);
        Assert.DoesNotContain("alice-secret", text);
        Assert.Contains(verbose, v => v.Contains("STARTTLS (required)"));
        Assert.True(_server.SawStartTls);
    }

    [Fact]
    public void ASilentServerGetsImplicitTlsOnTheSameConnectionWithinTwoSeconds()
    {
        _server.Start(ServerMode.ImplicitTls, Certificate);
        using var protocolLog = new MemoryStream();
        var watch = Stopwatch.StartNew();
        var (client, verbose) = Open(Settings(protocolLog: protocolLog));
        using (client)
        {
            Assert.True(client.IsSecure);
            Assert.True(client.IsAuthenticated);
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the decision must take under 2 s, but connecting took {watch.Elapsed}");
        Assert.True(watch.Elapsed >= TlsDetector.GreetingWait, "implicit TLS is chosen only after the greeting wait");
        var text = Encoding.ASCII.GetString(protocolLog.ToArray());
        Assert.Matches($@"TLS: server silent for \d+ ms on port {_server.Port} of 127\.0\.0\.1: implicit TLS\.", text);
        Assert.Contains($"Connected to imaps://127.0.0.1:{_server.Port}", text);
        Assert.Contains(verbose, v => v.Contains("implicit TLS"));
        Assert.Equal(1, _server.Accepted);
    }

    [Fact]
    public void CertificateChecksStayStrictOnTheDetectedImplicitPath()
    {
        // Untrusted, not pinned (another thumbprint), and SelfSignedCertificate off: refused, as on a forced TlsMode.
        _server.Start(ServerMode.ImplicitTls, Certificate);
        var settings = Settings(thumbprint: new string('A', 64));
        var e = Assert.Throws<MailboxException>(() => Open(settings));
        Assert.Equal(MailboxErrorKind.Certificate, e.Kind);
        Assert.Contains("not the pinned one", e.Message);
    }

    [Fact]
    public void CertificateChecksStayStrictOnTheDetectedStartTlsPath()
    {
        _server.Start(ServerMode.PlainThenStartTls, Certificate);
        var settings = Settings();
        settings.CertificateThumbprint = null;
        var e = Assert.Throws<MailboxException>(() => Open(settings));
        Assert.Equal(MailboxErrorKind.Certificate, e.Kind);
        Assert.Contains("not trusted by this machine", e.Message);
    }

    [Fact]
    public void APlainServerWithoutStartTlsIsStillRefused()
    {
        _server.Start(ServerMode.PlainWithoutStartTls, Certificate);
        var e = Assert.Throws<MailboxException>(() => Open(Settings()));
        Assert.Equal(MailboxErrorKind.Tls, e.Kind);
        Assert.Contains("does not offer STARTTLS", e.Message);
        Assert.False(_server.SawLogin, "no password goes out in clear text");
    }

    [Fact]
    public void AServerSilentAndNotTlsFailsWithinTheTimeoutNamingHostPortAndWhatWasTried()
    {
        _server.Start(ServerMode.Silent, Certificate);
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<MailboxException>(() => Open(Settings(seconds: 3)));
        Assert.Equal(MailboxErrorKind.Timeout, e.Kind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), $"the timeout is 3 s, but it took {watch.Elapsed}");
        Assert.Contains($"127.0.0.1:{_server.Port}", e.Message);
        Assert.Contains("sent no greeting", e.Message);
        Assert.Contains("did not answer a TLS handshake either", e.Message);
    }

    [Fact]
    public void AServerThatHangsUpAtOnceIsAConnectionError()
    {
        _server.Start(ServerMode.Close, Certificate);
        var e = Assert.Throws<MailboxException>(() => Open(Settings()));
        Assert.Equal(MailboxErrorKind.Connection, e.Kind);
        Assert.Contains($"127.0.0.1:{_server.Port}", e.Message);
        Assert.Contains("without a greeting", e.Message);
    }

    [Fact]
    public void ListenPeeksWithoutConsuming()
    {
        _server.Start(ServerMode.PlainThenStartTls, Certificate);
        using var socket = TlsDetector.Connect("127.0.0.1", _server.Port, CancellationToken.None);
        var greeting = TlsDetector.Listen(socket, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(GreetingKind.Text, greeting.Kind);
        Assert.StartsWith("* OK", greeting.FirstLine);
        var buffer = new byte[4];
        Assert.Equal(4, socket.Receive(buffer));
        Assert.Equal("* OK", Encoding.ASCII.GetString(buffer));
    }

    [Fact]
    public void ListenStopsWhenCanceled()
    {
        _server.Start(ServerMode.Silent, Certificate);
        using var socket = TlsDetector.Connect("127.0.0.1", _server.Port, CancellationToken.None);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var watch = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => TlsDetector.Listen(socket, TimeSpan.FromSeconds(30), stop.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"a stop must end the wait promptly, but it took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(993, 993, SecureSocketOptions.SslOnConnect)]
    [InlineData(143, 993, SecureSocketOptions.StartTls)]
    [InlineData(995, 995, SecureSocketOptions.SslOnConnect)]
    [InlineData(110, 995, SecureSocketOptions.StartTls)]
    [InlineData(465, 465, SecureSocketOptions.SslOnConnect)]
    [InlineData(587, 465, SecureSocketOptions.StartTls)]
    [InlineData(25, 465, SecureSocketOptions.StartTls)]
    public void StandardPortsAreDecidedWithoutWaiting(int port, int implicitPort, SecureSocketOptions expected) =>
        Assert.Equal(expected, TlsDetector.StandardPortMode(port, implicitPort));

    [Theory]
    [InlineData(9993, 993)]
    [InlineData(110, 993)]
    [InlineData(143, 995)]
    [InlineData(2525, 465)]
    public void OtherPortsAreDetected(int port, int implicitPort) => Assert.Null(TlsDetector.StandardPortMode(port, implicitPort));

    private enum ServerMode { PlainThenStartTls, PlainWithoutStartTls, ImplicitTls, Silent, Close }

    /// <summary>A one-connection-at-a-time IMAP server on a loopback port, scripted just enough for MailKit.</summary>
    private sealed class ScriptedServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _clients = new();
        private ServerMode _mode;
        private X509Certificate2? _certificate;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public bool SawStartTls { get; private set; }
        public bool SawLogin { get; private set; }
        public int Accepted { get; private set; }

        public void Start(ServerMode mode, X509Certificate2 certificate)
        {
            _mode = mode;
            _certificate = certificate;
            _listener.Start();
            _ = Task.Run(AcceptLoop);
        }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient tcp;
                try
                {
                    tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception)
                {
                    return;
                }
                lock (_clients)
                    _clients.Add(tcp);
                Accepted++;
                _ = Task.Run(() => Serve(tcp));
            }
        }

        private async Task Serve(TcpClient tcp)
        {
            try
            {
                Stream stream = tcp.GetStream();
                switch (_mode)
                {
                    case ServerMode.Close:
                        tcp.Close();
                        return;
                    case ServerMode.Silent:
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                    case ServerMode.ImplicitTls:
                        var ssl = new SslStream(stream);
                        await ssl.AuthenticateAsServerAsync(_certificate!);
                        stream = ssl;
                        break;
                }
                var capabilities = _mode == ServerMode.PlainThenStartTls ? "IMAP4rev1 STARTTLS LOGINDISABLED" : _mode == ServerMode.PlainWithoutStartTls ? "IMAP4rev1 AUTH=PLAIN" : "IMAP4rev1 AUTH=PLAIN";
                await Write(stream, $"* OK [CAPABILITY {capabilities}] scripted ready");
                var reader = new LineReader(stream);
                while (await reader.ReadLine() is { } line)
                {
                    var tag = line.Split(' ')[0];
                    var command = line.Length > tag.Length ? line.Substring(tag.Length + 1) : string.Empty;
                    if (command.StartsWith("STARTTLS", StringComparison.OrdinalIgnoreCase))
                    {
                        SawStartTls = true;
                        await Write(stream, $"{tag} OK begin TLS");
                        var tls = new SslStream(stream);
                        await tls.AuthenticateAsServerAsync(_certificate!);
                        stream = tls;
                        reader = new LineReader(stream);
                    }
                    else if (command.StartsWith("CAPABILITY", StringComparison.OrdinalIgnoreCase))
                    {
                        await Write(stream, "* CAPABILITY IMAP4rev1 AUTH=PLAIN");
                        await Write(stream, $"{tag} OK done");
                    }
                    else if (command.StartsWith("AUTHENTICATE", StringComparison.OrdinalIgnoreCase) || command.StartsWith("LOGIN", StringComparison.OrdinalIgnoreCase))
                    {
                        SawLogin = true;
                        if (command.Trim().Equals("AUTHENTICATE PLAIN", StringComparison.OrdinalIgnoreCase))
                        {
                            await Write(stream, "+ ");
                            await reader.ReadLine();
                        }
                        await Write(stream, $"{tag} OK logged in");
                    }
                    else if (command.StartsWith("LOGOUT", StringComparison.OrdinalIgnoreCase))
                    {
                        await Write(stream, "* BYE");
                        await Write(stream, $"{tag} OK bye");
                        return;
                    }
                    else
                    {
                        await Write(stream, $"{tag} OK done");
                    }
                }
            }
            catch (Exception)
            {
                // The client gave up (a refused certificate, a timeout): that is what some tests want.
            }
        }

        private static async Task Write(Stream stream, string line)
        {
            var bytes = Encoding.ASCII.GetBytes(line + "\r\n");
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                foreach (var client in _clients)
                    client.Dispose();
            }
        }
    }

    /// <summary>Reads CRLF lines byte by byte, so that nothing after a STARTTLS line is read ahead of the TLS stream.</summary>
    private sealed class LineReader(Stream stream)
    {
        public async Task<string?> ReadLine()
        {
            var line = new StringBuilder();
            var one = new byte[1];
            while (true)
            {
                if (await stream.ReadAsync(one) == 0)
                    return line.Length == 0 ? null : line.ToString();
                if (one[0] == '\n')
                    return line.ToString().TrimEnd('\r');
                line.Append((char)one[0]);
            }
        }
    }
}
