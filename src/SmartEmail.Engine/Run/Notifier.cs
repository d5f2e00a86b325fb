using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using MailKit.Net.Smtp;
using MimeKit;
using SmartEmail.Formatting;
using SmartEmail.Mail;

namespace SmartEmail.Run
{
    /// <summary>
    /// Sends the accept and reject notices of a run over SMTP ([Mail] SmtpServer, SmtpPort, SmtpSecurityProtocol,
    /// NotifyFrom; signed in as SmtpAuthentication says: the mailbox's user and password, its MSAL token over XOAUTH2,
    /// or not at all), with loop guards: never to a message that is itself automatic (Auto-Submitted,
    /// Precedence bulk/junk/list, X-Auto-Response-Suppress), never to our own address, at most MaxNotificationsPerRun.
    /// </summary>
    internal sealed class Notifier : INoticeSender
    {
        private readonly Configuration _config;
        private readonly MailboxSettings _smtp;
        private readonly string _from;
        private readonly IEngineLog _log;
        private SmtpClient? _client;
        private string? _unreachable;
        private readonly IdleWatchdog _watchdog;
        private int _sent;

        public Notifier(Configuration config, MailboxSettings mailbox, IEngineLog log)
        {
            _config = config;
            _log = log;
            var mail = config.Mail;
            if (string.IsNullOrEmpty(mail.SmtpServer))
                throw new SmartEmailException($"Notices are on, but {config.Path} sets no [Mail] SmtpServer.");
            var signIn = mail.SmtpAuthentication == SmtpAuthentication.Mailbox;
            var tokens = mailbox.TokenSource;
            _smtp = new MailboxSettings
            {
                Server = mail.SmtpServer!,
                Port = mail.SmtpPort ?? 587,
                SecurityProtocol = mail.SmtpSecurityProtocol,
                TlsMode = mail.TlsMode == TlsMode.None ? TlsMode.None : TlsMode.Auto,
                // An Office 365 token goes only to a server whose certificate is trusted (or pinned), as for the mailbox.
                AcceptUntrustedCertificate = mail.SelfSignedCertificate && !(signIn && tokens != null),
                CertificateThumbprint = mail.CertificateThumbprint,
                Credential = signIn ? mailbox.Credential : null,
                TokenSource = signIn ? tokens?.ForSmtp() : null,
                Timeout = mailbox.Timeout,
            };
            _watchdog = new IdleWatchdog(_smtp.Timeout);
            _from = mail.NotifyFrom ?? mailbox.Credential?.UserName ?? tokens?.UserName ?? string.Empty;
            if (!MailboxAddress.TryParse(_from, out _))
                throw new SmartEmailException($"Notices are on, but there is no sender address: set [Mail] NotifyFrom.");
        }

        public bool AcceptsOn => _config.General.SendAcceptedNotice ?? _config.Audit.NotifyOnAccepts;

        public bool RejectsOn => _config.General.SendRejectionNotice ?? _config.Audit.NotifyOnRejects;

        public int Sent => _sent;

        /// <summary>Sends the notice for one message, unless a loop guard says no; returns whether it was (or would be) sent.</summary>
        /// <exception cref="SmartEmailException">The SMTP server refused it or cannot be reached.</exception>
        public bool Notify(Message message, bool accepted, Func<string, ValueDestination, string> format, bool whatIf, CancellationToken cancellationToken)
        {
            if (accepted ? !AcceptsOn : !RejectsOn)
                return false;
            if (_sent >= _config.Audit.MaxNotificationsPerRun)
            {
                _log.Warning($"MaxNotificationsPerRun ({_config.Audit.MaxNotificationsPerRun}) reached: no notice for '{ValueFormatter.Quote(message.Subject)}'.");
                return false;
            }
            var why = LoopReason(message, cancellationToken);
            if (why != null)
            {
                _log.Verbose($"No notice for '{ValueFormatter.Quote(message.Subject)}' from {message.From}: {why}.");
                return false;
            }
            var a = _config.Audit;
            var recipients = format(accepted ? a.NotifyOnAcceptTo : a.NotifyOnRejectTo, ValueDestination.NoticeHeader).Split(';').Select(r => r.Trim()).Where(r => r.Length != 0).ToList();
            var to = recipients.Where(r => MailboxAddress.TryParse(r, out _)).Select(MailboxAddress.Parse)
                .Where(m => !string.Equals(m.Address, _from, StringComparison.OrdinalIgnoreCase)).ToList();
            if (to.Count == 0)
                return false;
            if (whatIf)
            {
                _sent++;
                return true;
            }
            var notice = new MimeMessage();
            notice.From.Add(MailboxAddress.Parse(_from));
            notice.To.AddRange(to);
            notice.Subject = format(accepted ? a.NotifyOnAcceptSubject : a.NotifyOnRejectSubject, ValueDestination.NoticeHeader);
            notice.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
            notice.Headers.Add("X-Auto-Response-Suppress", "All");
            if (!string.IsNullOrEmpty(message.MessageId))
                notice.InReplyTo = message.MessageId;
            notice.Body = new TextPart("plain") { Text = format(accepted ? a.NotifyOnAcceptBody : a.NotifyOnRejectBody, ValueDestination.NoticeBody) };
            if (_unreachable != null)
            {
                _log.Warning($"No notice for '{ValueFormatter.Quote(message.Subject)}': {_smtp.Server}:{_smtp.Port} could not be reached earlier in this run ({_unreachable}).");
                return false;
            }
            if (_client == null)
            {
                var client = new SmtpClient(MailConnector.Logger(_smtp, _watchdog));
                try
                {
                    _watchdog.Run(token => MailConnector.Open(client, _smtp, 465, _log, token), cancellationToken);
                }
                catch (Exception e) when (e is MailboxException || e is TimeoutException)
                {
                    // One wait for an unreachable (or silent) server per run, not one per message.
                    MailConnector.Close(client);
                    _unreachable = e.Message;
                    throw new SmartEmailException($"The notice for '{ValueFormatter.Quote(message.Subject)}' could not be sent through {_smtp.Server}:{_smtp.Port}, and no other notice is tried in this run: {e.Message}", e);
                }
                _client = client;
            }
            try
            {
                var client = _client;
                _watchdog.Run(token => client.Send(notice, token), cancellationToken);
            }
            catch (Exception e) when (e is MailKit.CommandException || e is MailKit.ProtocolException || e is System.IO.IOException
                || e is MailKit.ServiceNotConnectedException || e is TimeoutException)
            {
                // The next notice starts on a new connection: a client whose connection broke cannot send again.
                MailConnector.Close(_client);
                _client = null;
                throw new SmartEmailException($"The notice for '{ValueFormatter.Quote(message.Subject)}' could not be sent through {_smtp.Server}:{_smtp.Port}: {e.Message}", e);
            }
            _sent++;
            return true;
        }

        /// <summary>Why a notice must not go to this message (it is automatic, or from us), or null.</summary>
        private string? LoopReason(Message message, CancellationToken cancellationToken)
        {
            if (message.From.Length == 0)
                return "it has no sender";
            if (string.Equals(message.From, _from, StringComparison.OrdinalIgnoreCase))
                return "it comes from our own address";
            HeaderList headers;
            try
            {
                headers = message.Content.Load(cancellationToken).Headers;
            }
            catch (MessageReadException)
            {
                return "its headers cannot be read";
            }
            var auto = headers[HeaderId.AutoSubmitted];
            if (auto != null && !auto.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase))
                return $"Auto-Submitted: {auto.Trim()}";
            var precedence = headers[HeaderId.Precedence]?.Trim().ToLowerInvariant();
            if (precedence == "bulk" || precedence == "junk" || precedence == "list")
                return $"Precedence: {precedence}";
            if (headers["X-Auto-Response-Suppress"] is string suppress && suppress.Length != 0)
                return $"X-Auto-Response-Suppress: {suppress.Trim()}";
            if (headers["List-Id"] != null)
                return "it comes from a mailing list";
            return null;
        }

        public void Dispose() => MailConnector.Close(_client);
    }
}
