#!/usr/bin/python3
"""SMTP sink for SmartEmail's integration tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1 with STARTTLS on --port and implicit TLS on --tls-port, offers AUTH PLAIN/LOGIN
(any credentials, unless SINK_USER and SINK_PASS are set) and, with --introspect-url, AUTH XOAUTH2 as Exchange
Online's smtp.office365.com does: the token must be active at oauth_server.py's introspection endpoint, its user
must be the SASL user, and a delegated token must carry the SMTP.Send scope (an app token, SMTP.SendAsApp);
otherwise "535 5.7.3 Authentication unsuccessful". It delivers every message into the Maildir of
the dovecot user named by each recipient's local part (<mail-root>/<user>/Maildir). An unknown local part
goes to the catch-all user. Run it as nobody:nogroup, the mail uid of the dovecot instance, so that both
can write the Maildir. Started and stopped by services.sh.
"""

import argparse
import asyncio
import base64
import collections
import json
import logging
import mailbox
import os
import signal
import ssl
import sys
import urllib.parse
import urllib.request

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

log = logging.getLogger("smtp_sink")


class MaildirDelivery:
    """aiosmtpd handler: one copy per distinct dovecot user among the recipients."""

    def __init__(self, mail_root, users, catch_all, introspect_url=None):
        self.mail_root = mail_root
        self.users = set(users)
        self.catch_all = catch_all
        self.introspect_url = introspect_url

    def _introspect(self, token):
        data = urllib.parse.urlencode({"token": token}).encode()
        with urllib.request.urlopen(self.introspect_url, data=data, timeout=10) as answer:
            return json.loads(answer.read().decode("utf-8"))

    async def auth_XOAUTH2(self, server, args):
        """SASL XOAUTH2: base64("user=" U "\x01auth=Bearer " T "\x01\x01"), as the initial response or after a 334."""
        failed = AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        try:
            if len(args) > 1:
                raw = base64.b64decode(args[1].encode("ascii", "replace"), validate=True)
            else:
                raw = await server.challenge_auth("", encode_to_b64=False)  # decoded by aiosmtpd
                if not isinstance(raw, bytes):
                    return AuthResult(success=False, handled=True)
            text = raw.decode("utf-8")
            fields = dict(f.split("=", 1) for f in text.split("\x01") if "=" in f)
            user = fields["user"]
            scheme, token = fields["auth"].split(" ", 1)
        except (ValueError, KeyError, UnicodeDecodeError):
            log.info("xoauth2 malformed")
            return failed
        if scheme.lower() != "bearer":
            return failed
        try:
            info = await asyncio.get_running_loop().run_in_executor(None, self._introspect, token)
        except (OSError, ValueError) as e:
            log.error("xoauth2 introspection failed: %s", e)
            return AuthResult(success=False, handled=False, message="454 4.7.0 Temporary authentication failure")
        scopes = set((info.get("scope") or "").split())
        wanted = "SMTP.SendAsApp" if info.get("app_only") else "SMTP.Send"
        ok = (info.get("active") is True and (info.get("username") or "").lower() == user.lower()
              and any(s == wanted or s.endswith("/" + wanted) for s in scopes))
        log.info("xoauth2 user=%s active=%s token_user=%s scopes=%s -> %s", user, info.get("active"),
                 info.get("username"), " ".join(sorted(scopes)), "accepted" if ok else "refused")
        if not ok:
            return failed
        return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))

    def user_for(self, address):
        local = address.rsplit("@", 1)[0].strip("<>").lower()
        return local if local in self.users else self.catch_all

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        delivered = {}
        for rcpt in envelope.rcpt_tos:
            delivered.setdefault(self.user_for(rcpt), rcpt)
        try:
            for user, rcpt in delivered.items():
                # What an MDA adds; the message itself is stored byte for byte.
                trace = "Return-Path: <{}>\r\nDelivered-To: {}\r\n".format(envelope.mail_from or "", rcpt)
                box = mailbox.Maildir(os.path.join(self.mail_root, user, "Maildir"), factory=None, create=True)
                key = box.add(trace.encode("utf-8", "surrogateescape") + content)
                log.info("delivered from=<%s> rcpt=<%s> user=%s size=%d key=%s",
                         envelope.mail_from, rcpt, user, len(content), key)
        except OSError as e:
            log.error("delivery failed: %s", e)
            return "451 4.3.0 delivery failed: {}".format(e.strerror or e)
        return "250 OK delivered to {}".format(",".join(sorted(delivered)))


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP with room for long AUTH lines: XOAUTH2's initial response (a JWT) is far longer than SMTP's
    512 octets; RFC 4954 allows 12,288, and Exchange takes it."""

    line_length_limit = 12288
    command_size_limit = 12288
    command_size_limits = collections.defaultdict(lambda: 12288)


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        if user is None:
            return AuthResult(success=True)
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)
    return authenticator


async def serve(args):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    handler = MaildirDelivery(args.mail_root, args.users.split(","), args.catch_all, args.introspect_url)
    sink_user = os.environ.get("SINK_USER") or None
    sink_pass = os.environ.get("SINK_PASS") or ""
    authenticator = make_authenticator(sink_user, sink_pass)
    loop = asyncio.get_running_loop()

    def smtp(starttls):
        return SinkSMTP(handler, hostname="localhost", ident="SmartEmail test SMTP sink",
                    tls_context=ctx if starttls else None, require_starttls=False,
                    authenticator=authenticator, auth_require_tls=False,
                    # No XOAUTH2 without a token service to ask (aiosmtpd offers every auth_<MECHANISM> of the handler).
                    auth_exclude_mechanism=[] if args.introspect_url else ["XOAUTH2"])

    plain = await loop.create_server(lambda: smtp(True), args.host, args.port)
    implicit = await loop.create_server(lambda: smtp(False), args.host, args.tls_port, ssl=ctx)
    log.info("listening on %s:%d (STARTTLS) and %s:%d (TLS); auth %s", args.host, args.port, args.host,
             args.tls_port, "restricted to SINK_USER" if sink_user else "accepts any credentials")

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in (plain, implicit):
        server.close()
    log.info("stopped")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=10025)
    p.add_argument("--tls-port", type=int, default=10465)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--mail-root", required=True, help="folder holding <user>/Maildir")
    p.add_argument("--users", required=True, help="comma-separated dovecot user names")
    p.add_argument("--catch-all", required=True, help="user that gets mail for unknown local parts")
    p.add_argument("--introspect-url", help="oauth_server.py's introspection endpoint; offers AUTH XOAUTH2")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # aiosmtpd logs every command at INFO; only our own lines are wanted in the log. It also warns on every
    # successful AUTH that its own legacy Session.login_data is deprecated, which is noise here.
    aiosmtpd_log = logging.getLogger("mail.log")
    aiosmtpd_log.setLevel(logging.WARNING)
    aiosmtpd_log.addFilter(lambda record: "login_data is deprecated" not in record.getMessage())
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
