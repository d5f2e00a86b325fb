#!/usr/bin/python3
"""A local stand-in for the OpCon REST API, for SmartEmail's Submit-SmartEmailEvent tests.

    /usr/bin/python3 opcon_api.py PORT CERT KEY USER PASSWORD

Serves HTTPS on 127.0.0.1:PORT with the certificate CERT and key KEY (PEM files; the test harness's self-signed
pair) and knows one OpCon user, USER with PASSWORD. Standard library only; everything it records stays in memory.

  POST /api/tokens               {"user": {"loginName", "password"}, "tokenType": {"type": "User"}}
                                 -> 201 {"id": "<token>", ...} for USER/PASSWORD, 401 {"message": "Invalid user or
                                 password"} otherwise, 400 for a body of another shape.
  POST /api/opconEventsCollection  {"loginName", "events": [{"id", "eventString"}]} with "Authorization: Token <id>"
                                 -> 201 for a token it issued and that has not expired, 401 {"message": "Token
                                 expired"} otherwise, 500 {"message": "Internal error in SAM"} while /_control/fail
                                 is armed, 400 for a body of another shape.

Test controls (no authentication):

  POST /_control/expire   every token issued so far expires; with {"future": true} tokens issued later are born
                          expired too (until /_control/reset)
  POST /_control/fail     the next N event posts ({"count": N}, default 1) that carry a valid token get a 500
  GET  /_control/received the /api requests received, oldest first: [{"path", "status", "authorization",
                          "loginName", "eventStrings", "issuedToken", "body"}]; body is the raw request body
  POST /_control/reset    forgets tokens, received requests and armed failures

It prints "listening on 127.0.0.1:PORT" once it accepts connections, and stops cleanly (exit code 0) on SIGTERM or
SIGINT.
"""

import json
import secrets
import signal
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler

from tls_http import TlsHttpServer


class State:
    def __init__(self, user, password):
        self.lock = threading.Lock()
        self.user = user
        self.password = password
        self.reset()

    def reset(self):
        self.tokens = {}  # token id -> True while valid
        self.born_expired = False
        self.failures = 0
        self.received = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as HttpClient expects
    server_version = "OpConApiStub/1.0"

    # ---- plumbing ------------------------------------------------------------------------------------------

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        sys.stderr.write("opcon_api: %s %s\n" % (self.address_string(), format % args))

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _answer(self, status, payload=None):
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, status, raw, login=None, events=None, issued=None):
        self.server.state.received.append({
            "path": self.path,
            "status": status,
            "authorization": self.headers.get("Authorization"),
            "loginName": login,
            "eventStrings": events,
            "issuedToken": issued,
            "body": raw.decode("utf-8", "replace"),
        })

    @staticmethod
    def _json(raw):
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    # ---- routes --------------------------------------------------------------------------------------------

    def do_GET(self):
        state = self.server.state
        if self.path == "/_control/received":
            with state.lock:
                received = list(state.received)
            self._answer(200, received)
        else:
            self._body()
            self._answer(404, {"message": "Not found: GET %s" % self.path})

    def do_POST(self):
        raw = self._body()
        routes = {
            "/api/tokens": self._tokens,
            "/api/opconEventsCollection": self._events,
            "/_control/expire": self._expire,
            "/_control/fail": self._fail,
            "/_control/reset": self._reset,
        }
        route = routes.get(self.path)
        if route is None:
            self._answer(404, {"message": "Not found: POST %s" % self.path})
        else:
            route(raw)

    def _tokens(self, raw):
        state = self.server.state
        body = self._json(raw)
        user = body.get("user") if isinstance(body, dict) else None
        token_type = body.get("tokenType") if isinstance(body, dict) else None
        login = user.get("loginName") if isinstance(user, dict) else None
        with state.lock:
            if not (isinstance(login, str) and isinstance(user.get("password"), str)
                    and isinstance(token_type, dict) and token_type.get("type") == "User"):
                self._record(400, raw, login=login)
                self._answer(400, {"message": "Expected {\"user\":{\"loginName\",\"password\"},\"tokenType\":{\"type\":\"User\"}}"})
                return
            if login != state.user or user["password"] != state.password:
                self._record(401, raw, login=login)
                self._answer(401, {"message": "Invalid user or password"})
                return
            token = secrets.token_hex(16)
            state.tokens[token] = not state.born_expired
            self._record(201, raw, login=login, issued=token)
        self._answer(201, {"id": token, "tokenType": {"type": "User"}, "user": {"loginName": login}})

    def _events(self, raw):
        state = self.server.state
        body = self._json(raw)
        login = body.get("loginName") if isinstance(body, dict) else None
        events = body.get("events") if isinstance(body, dict) else None
        strings = None
        if isinstance(events, list) and all(isinstance(e, dict) and isinstance(e.get("eventString"), str) for e in events):
            strings = [e["eventString"] for e in events]
        authorization = self.headers.get("Authorization") or ""
        token = authorization[len("Token "):] if authorization.startswith("Token ") else None
        with state.lock:
            if token is None or not state.tokens.get(token, False):
                status, answer = 401, {"message": "Token expired"}
            elif not isinstance(login, str) or not strings:
                status, answer = 400, {"message": "Expected {\"loginName\",\"events\":[{\"id\",\"eventString\"}]}"}
            elif state.failures > 0:
                state.failures -= 1
                status, answer = 500, {"message": "Internal error in SAM"}
            else:
                status, answer = 201, None
            self._record(status, raw, login=login, events=strings)
        self._answer(status, answer)

    def _expire(self, raw):
        state = self.server.state
        body = self._json(raw) if raw else {}
        with state.lock:
            for token in state.tokens:
                state.tokens[token] = False
            if isinstance(body, dict) and body.get("future"):
                state.born_expired = True
            expired = len(state.tokens)
        self._answer(200, {"expired": expired})

    def _fail(self, raw):
        state = self.server.state
        body = self._json(raw) if raw else {}
        count = body.get("count", 1) if isinstance(body, dict) else 1
        if not isinstance(count, int) or count < 0:
            self._answer(400, {"message": "count must be a whole number"})
            return
        with state.lock:
            state.failures = count
        self._answer(200, {"failures": count})

    def _reset(self, raw):
        with self.server.state.lock:
            self.server.state.reset()
        self._answer(200, {})


def main(argv):
    if len(argv) != 6:
        sys.stderr.write("usage: opcon_api.py PORT CERT KEY USER PASSWORD\n")
        return 2
    port, cert, key, user, password = int(argv[1]), argv[2], argv[3], argv[4], argv[5]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    server = TlsHttpServer(("127.0.0.1", port), Handler, context, State(user, password), handshake_timeout=15)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    loop = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="serve", daemon=True)
    loop.start()
    print("listening on 127.0.0.1:%d" % port, flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
