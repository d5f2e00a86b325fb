using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client.Extensibility;

namespace SmartEmail.Mail.OAuth
{
    /// <summary>
    /// Interactive sign-in in the system's own browser: MSAL gives the sign-in URL, the browser is opened on it, and the
    /// answer comes back to a one-shot listener on http://localhost:&lt;free port&gt; (the loopback redirect Entra allows
    /// for public clients). On Linux and macOS the BROWSER variable, when set, names the browser command.
    /// </summary>
    internal sealed class SystemBrowser : ICustomWebUi, IDisposable
    {
        private readonly TcpListener _listener;

        public SystemBrowser()
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        }

        public int Port { get; }

        public string RedirectUri => $"http://localhost:{Port}";

        /// <summary>Whether a browser can be shown to someone here; when not, why.</summary>
        public static bool CanOpen(out string why)
        {
            why = string.Empty;
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("BROWSER")))
                return true;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                if (Environment.UserInteractive)
                    return true;
                why = "this session is not interactive (a service or scheduled job)";
                return false;
            }
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                return true;
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
            {
                why = "there is no graphical display (DISPLAY and WAYLAND_DISPLAY are not set) and no BROWSER command";
                return false;
            }
            return true;
        }

        public async Task<Uri> AcquireAuthorizationCodeAsync(Uri authorizationUri, Uri redirectUri, CancellationToken cancellationToken)
        {
            Open(authorizationUri);
            using (cancellationToken.Register(() => _listener.Stop()))
            {
                while (true)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when ((e is ObjectDisposedException || e is SocketException || e is InvalidOperationException) && cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException("The browser sign-in was not completed in time.", e, cancellationToken);
                    }
                    using (client)
                    {
                        var target = await ReadRequestTarget(client.GetStream(), cancellationToken).ConfigureAwait(false);
                        var query = target == null ? string.Empty : target.Contains("?") ? target.Substring(target.IndexOf('?')) : string.Empty;
                        var answered = query.Contains("code=") || query.Contains("error=");
                        var page = answered
                            ? "<html><body><h1>SmartEmail</h1><p>The sign-in is complete. You can close this window.</p></body></html>"
                            : "<html><body>Not found</body></html>";
                        var body = Encoding.UTF8.GetBytes(page);
                        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {(answered ? "200 OK" : "404 Not Found")}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                        var stream = client.GetStream();
                        await stream.WriteAsync(head, 0, head.Length, cancellationToken).ConfigureAwait(false);
                        await stream.WriteAsync(body, 0, body.Length, cancellationToken).ConfigureAwait(false);
                        if (answered)
                            return new Uri(redirectUri.GetLeftPart(UriPartial.Path) + query);
                    }
                }
            }
        }

        private static async Task<string?> ReadRequestTarget(Stream stream, CancellationToken cancellationToken)
        {
            var buffer = new byte[16384];
            var length = 0;
            while (length < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer, length, buffer.Length - length, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                    break;
                length += read;
                if (Encoding.ASCII.GetString(buffer, 0, length).Contains("\r\n"))
                    break;
            }
            var line = Encoding.ASCII.GetString(buffer, 0, length).Split(new[] { "\r\n" }, 2, StringSplitOptions.None)[0];
            var parts = line.Split(' ');
            return parts.Length >= 2 && parts[0] == "GET" ? parts[1] : null;
        }

        private static void Open(Uri url)
        {
            var text = url.AbsoluteUri;
            ProcessStartInfo start;
            var browser = Environment.GetEnvironmentVariable("BROWSER");
            if (!string.IsNullOrEmpty(browser))
            {
                // The BROWSER convention: a ':'-separated list of commands, %s standing for the URL (appended when absent).
                var command = browser!.Split(':').First(c => c.Trim().Length != 0).Trim();
                var words = command.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                var arguments = string.Join(" ", words.Skip(1).Select(w => w == "%s" ? Quote(text) : w));
                if (!command.Contains("%s"))
                    arguments = (arguments + " " + Quote(text)).Trim();
                start = new ProcessStartInfo(words[0], arguments);
            }
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                start = new ProcessStartInfo(text) { UseShellExecute = true };
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                start = new ProcessStartInfo("open", Quote(text));
            else
                start = new ProcessStartInfo("xdg-open", Quote(text));
            if (!start.UseShellExecute)
            {
                start.RedirectStandardOutput = true;
                start.RedirectStandardError = true;
            }
            try
            {
                using (var process = Process.Start(start))
                {
                    if (process != null && !start.UseShellExecute)
                    {
                        process.OutputDataReceived += (_, __) => { };
                        process.ErrorDataReceived += (_, __) => { };
                        process.BeginOutputReadLine();
                        process.BeginErrorReadLine();
                    }
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is InvalidOperationException || e is FileNotFoundException)
            {
                throw new BrowserUnavailableException($"Cannot open a browser ({start.FileName}: {e.Message})", e);
            }
        }

        private static string Quote(string value) => "\"" + value.Replace("\"", "%22") + "\"";

        public void Dispose() => _listener.Stop();
    }

    /// <summary>No browser could be started; the caller falls back to a device code.</summary>
    internal sealed class BrowserUnavailableException : Exception
    {
        public BrowserUnavailableException(string message, Exception inner) : base(message, inner)
        {
        }
    }
}
