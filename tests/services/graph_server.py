#!/usr/bin/python3
"""A local stand-in for the part of Microsoft Graph v1.0 that a mail reader calls, for SmartEmail's tests (issue 18).

    /usr/bin/python3 graph_server.py PORT CERT KEY INTROSPECT_URL USER [USER ...]

Serves HTTPS on 127.0.0.1:PORT with the certificate CERT and key KEY (the harness's self-signed pair). USER are the
mailboxes it holds (e.g. alice@smartemail.test); each has the well-known folders Inbox, Deleted Items, Archive,
Sent Items, Drafts and Junk Email. Standard library only; all state is in memory, guarded by one lock.

Access tokens are the Entra ID stand-in's (oauth_server.py): each request's "Authorization: Bearer" token is asked of
its introspection endpoint (INTROSPECT_URL). Missing, unknown or expired -> 401 InvalidAuthenticationToken. An app-only
token needs the application permission Mail.ReadWrite (Mail.Read suffices for GET, Mail.Send for sendMail) among its
roles, and reaches only the mailbox its client is registered for (the client's "mailbox", as RBAC for Applications
scopes an app to mailboxes; a client registered without one gets no active token, so 401); a delegated token needs the Mail.ReadWrite scope (Mail.Send for sendMail) and reaches only
its own user's mailbox. Otherwise 403 ErrorAccessDenied. A user this server does not hold -> 404 ErrorInvalidUser.
Errors are Graph's JSON: {"error": {"code", "message", "innerError": {"request-id", "date"}}}, with a request-id header.

  GET    /v1.0/users/{u}/mailFolders/{f}                 a folder: {id, displayName, parentFolderId, totalItemCount}
                                                          ({f}: a folder id or a well-known name, e.g. inbox)
  GET    /v1.0/users/{u}/mailFolders?$filter=displayName eq 'X'                 top-level folders so named
  GET    /v1.0/users/{u}/mailFolders/{f}/childFolders[?$filter=displayName eq 'X']
  GET    /v1.0/users/{u}/mailFolders/{f}/messages/delta   the folder's messages, then what changed: pages of
                                                          "Prefer: odata.maxpagesize=N" messages (default 10, at most
                                                          1000), @odata.nextLink ($skiptoken) until the last page,
                                                          which has @odata.deltaLink ($deltatoken); a delta link gives
                                                          the messages added since and {"id", "@removed": {"reason":
                                                          "deleted"}} for those gone (moved or deleted). An unknown or
                                                          expired token -> 410 SyncStateNotFound. $select is honoured.
  GET    /v1.0/users/{u}/messages/{id}[?$select=...]      one message (internetMessageHeaders only when selected)
  GET    /v1.0/users/{u}/messages/{id}/$value             its MIME (message/rfc822)
  GET    /v1.0/users/{u}/messages/{id}/attachments        {value: [{@odata.type, id, name, contentType, size, isInline}]}
  DELETE /v1.0/users/{u}/messages/{id}                    204: moved to Deleted Items (as Outlook's delete)
  POST   /v1.0/users/{u}/messages/{id}/permanentDelete    204: gone
  POST   /v1.0/users/{u}/messages/{id}/move {destinationId}   201 with the message in its new folder
  POST   /v1.0/users/{u}/sendMail {message, saveToSentItems}  202; recorded for /_control/sent

Message ids: with "Prefer: IdType=\"ImmutableId\"" a message keeps its id across moves; without, its id changes
whenever it moves, as Exchange's do. Either id finds the message.

Test controls (no authentication; JSON bodies; 200 with a JSON object, 400 {"error"} on bad input):

  POST /_control/reset     forget every message, folder, request, sent mail, armed fault; the well-known folders stay
  POST /_control/message   {user, folder (well-known name or display-name path "A/B", made when missing), mime
                           (base64), received (ISO 8601, default now)} -> {id, immutableId, folderId}
  POST /_control/folder    {user, path} makes the display-name path -> {id}
  GET  /_control/messages?user=U&folder=F   [{id, immutableId, subject, folder}] in the folder
  POST /_control/throttle  {count (1), status (429, 503 or 504), retry_after (s, 1)}: the next COUNT Graph requests
                           get that answer with Retry-After
  POST /_control/drop      {count (1)}: the next COUNT Graph requests are answered with half a body, then the
                           connection is closed
  POST /_control/expire_delta   every delta and skip token issued so far answers 410 from now on
  GET  /_control/requests  [{method, path, query, status, prefer}] of the Graph requests, oldest first
  GET  /_control/sent      the sendMail bodies received, oldest first, with {user}

It prints "listening on 127.0.0.1:PORT" once it accepts connections, logs one line per request to stderr (paths
without query strings), and exits 0 on SIGTERM or SIGINT.
"""

import base64
import email
import email.policy
import email.utils
import json
import re
import signal
import ssl
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler

from tls_http import TlsHttpServer

WELL_KNOWN = {"inbox": "Inbox", "deleteditems": "Deleted Items", "archive": "Archive", "sentitems": "Sent Items",
              "drafts": "Drafts", "junkemail": "Junk Email"}
MAX_PAGE = 1000


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def b64u(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


class GraphError(Exception):
    def __init__(self, status, code, message, headers=()):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, list(headers)


class Message:
    def __init__(self, number, mime, received):
        self.number = number
        self.immutable = "imm-%06d-%s" % (number, uuid.uuid4().hex[:8])
        self.moves = 0
        self.mime = mime
        self.received = received
        self.folder = None
        self.added_seq = 0
        self.parsed = email.message_from_bytes(mime, policy=email.policy.default)
        self._attachments = None
        self._body = None

    @property
    def rest_id(self):
        return "AAMk-%06d-%d" % (self.number, self.moves)

    def attachments(self):
        # The MIME never changes: walked once, however many delta pages and GETs list the message.
        if self._attachments is None:
            self._attachments = self._walk_attachments()
        return self._attachments

    def _walk_attachments(self):
        found = []
        for i, part in enumerate(self.parsed.walk()):
            if part.is_multipart():
                continue
            name = part.get_filename()
            disposition = part.get_content_disposition()
            if name is None and disposition != "attachment":
                continue
            payload = part.get_payload(decode=True) or b""
            found.append({"@odata.type": "#microsoft.graph.fileAttachment", "id": "att-%d" % i, "name": name or "",
                          "contentType": part.get_content_type(), "size": len(payload),
                          "isInline": disposition == "inline"})
        return found

    def body(self):
        if self._body is None:
            self._body = self._find_body()
        return self._body

    def _find_body(self):
        part = self.parsed.get_body(preferencelist=("plain", "html"))
        if part is None:
            return {"contentType": "text", "content": ""}
        kind = "html" if part.get_content_type() == "text/html" else "text"
        try:
            content = part.get_content()
        except (LookupError, UnicodeError):
            content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
        return {"contentType": kind, "content": content}

    @staticmethod
    def _addresses(value):
        return [{"emailAddress": {"name": name, "address": address}} for name, address in email.utils.getaddresses([value]) if address]

    def json(self, immutable, select, headers_too=False):
        h = self.parsed
        sent = None
        try:
            if h["Date"]:
                sent = iso(email.utils.parsedate_to_datetime(str(h["Date"])))
        except (TypeError, ValueError):
            sent = None
        body = self.body()
        from_list = self._addresses(str(h.get("From", "")))
        sender_list = self._addresses(str(h.get("Sender", ""))) or from_list
        full = {
            "@odata.type": "#microsoft.graph.message",
            "@odata.etag": 'W/"%d"' % self.moves,
            "id": self.immutable if immutable else self.rest_id,
            "subject": str(h.get("Subject", "")),
            "from": from_list[0] if from_list else None,
            "sender": sender_list[0] if sender_list else None,
            "toRecipients": self._addresses(str(h.get("To", ""))),
            "ccRecipients": self._addresses(str(h.get("Cc", ""))),
            "receivedDateTime": iso(self.received),
            "sentDateTime": sent,
            "internetMessageId": str(h.get("Message-ID", "")) or None,
            "hasAttachments": bool(self.attachments()),
            "bodyPreview": re.sub(r"\s+", " ", body["content"])[:255],
            "body": body,
            "parentFolderId": self.folder.id,
            "isRead": False,
        }
        if headers_too and select and "internetMessageHeaders" in select:
            full["internetMessageHeaders"] = [{"name": k, "value": str(v)} for k, v in h.items()]
        if not select:
            return full
        return {k: v for k, v in full.items() if k in ("@odata.type", "@odata.etag", "id") or k in select}


class Folder:
    def __init__(self, fid, name, parent):
        self.id, self.name, self.parent = fid, name, parent
        self.messages = []   # in arrival order
        self.log = []        # (sequence, kind 'add' | 'remove', message, the message's id in this folder then)


class State:
    def __init__(self, users):
        self.lock = threading.Lock()
        self.users = [u.lower() for u in users]
        self.reset()

    def reset(self):
        self.sequence = 0
        self.numbers = 0
        self.folders = {}   # user -> {folder id: Folder}
        self.by_id = {}     # any message id -> Message
        self.requests, self.sent = [], []
        self.throttle = None
        self.drop = 0
        self.token_epoch = uuid.uuid4().hex[:8]
        for user in self.users:
            self.folders[user] = {}
            for key, name in WELL_KNOWN.items():
                self.folders[user]["f-" + key] = Folder("f-" + key, name, None)

    def user(self, segment):
        name = urllib.parse.unquote(segment).lower()
        for u in self.users:
            if name == u or name == u.split("@")[0]:
                return u
        raise GraphError(404, "ErrorInvalidUser", "The requested user '%s' is invalid." % urllib.parse.unquote(segment))

    def folder(self, user, segment):
        key = urllib.parse.unquote(segment)
        folders = self.folders[user]
        if key.lower() in WELL_KNOWN:
            return folders["f-" + key.lower()]
        if key in folders:
            return folders[key]
        raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")

    def folder_path(self, user, path, create):
        parent = None
        current = None
        for i, name in enumerate(p for p in path.split("/") if p):
            if i == 0 and name.lower() in WELL_KNOWN:
                current = self.folders[user]["f-" + name.lower()]
            else:
                matches = [f for f in self.folders[user].values() if f.parent == parent and f.name.lower() == name.lower()]
                if matches:
                    current = matches[0]
                elif create:
                    self.numbers += 1
                    current = Folder("f-%d" % self.numbers, name, parent)
                    self.folders[user][current.id] = current
                else:
                    raise GraphError(404, "ErrorItemNotFound", "The folder '%s' was not found." % path)
            parent = current.id
        if current is None:
            raise GraphError(400, "ErrorInvalidRequest", "An empty folder path.")
        return current

    def message(self, user, segment):
        m = self.by_id.get(urllib.parse.unquote(segment))
        if m is None or m.folder is None or m.folder not in self.folders[user].values():
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return m

    def _log(self, folder, kind, message):
        self.sequence += 1
        folder.log.append((self.sequence, kind, message, message.rest_id))

    def add(self, folder, message):
        message.folder = folder
        folder.messages.append(message)
        self.by_id[message.immutable] = message
        self.by_id[message.rest_id] = message
        self._log(folder, "add", message)
        message.added_seq = self.sequence

    def remove(self, message):
        folder = message.folder
        folder.messages.remove(message)
        self._log(folder, "remove", message)
        message.folder = None

    def move(self, message, destination):
        self.remove(message)
        message.moves += 1
        self.add(destination, message)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GraphStub/1.0"

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    # ---- plumbing ------------------------------------------------------------------------------------------

    @property
    def state(self):
        return self.server.state

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, data=b"", content_type="application/json", headers=(), half=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", str(uuid.uuid4()))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if half:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)

    def _json(self, status, payload, headers=(), half=False):
        self._send(status, json.dumps(payload).encode(), "application/json", headers, half)

    def _error(self, e):
        payload = {"error": {"code": e.code, "message": e.message,
                             "innerError": {"request-id": str(uuid.uuid4()), "date": iso(datetime.now(timezone.utc))}}}
        self._json(e.status, payload, e.headers)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path, urllib.parse.parse_qs(split.query)
        raw = self._body()
        if path.startswith("/_control/"):
            try:
                with self.state.lock:
                    self._json(200, self._control(method, path, query, raw))
            except (ValueError, KeyError, GraphError) as e:
                self._json(400, {"error": str(e)})
            return
        status = 500
        try:
            with self.state.lock:
                fault = self._fault()
            if fault is not None:
                status = fault.status
                raise fault
            user = self._authorize(method, path)
            with self.state.lock:
                status, payload, kind = self._graph(method, path, query, raw, user)
                drop = self.state.drop > 0
                if drop:
                    self.state.drop -= 1
            if kind == "json":
                self._json(status, payload, half=drop)
            else:
                self._send(status, payload, kind, half=drop)
        except GraphError as e:
            status = e.status
            self._error(e)
        finally:
            with self.state.lock:
                self.state.requests.append({"method": method, "path": path, "query": split.query, "status": status,
                                            "prefer": self.headers.get("Prefer")})
            sys.stderr.write("%s %s %d\n" % (method, path, status))

    def _fault(self):
        t = self.state.throttle
        if not t or t["count"] <= 0:
            return None
        t["count"] -= 1
        code = {429: "TooManyRequests", 503: "ServiceUnavailable", 504: "GatewayTimeout"}[t["status"]]
        return GraphError(t["status"], code, "Please retry after %d seconds." % t["retry_after"], [("Retry-After", str(t["retry_after"]))])

    # ---- authorization -------------------------------------------------------------------------------------

    def _authorize(self, method, path):
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer ") or len(header) < 8:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.", [("WWW-Authenticate", 'Bearer realm=""')])
        data = urllib.parse.urlencode({"token": header[7:]}).encode()
        try:
            with urllib.request.urlopen(self.server.introspect_url, data=data, timeout=10) as r:
                info = json.loads(r.read())
        except (urllib.error.URLError, ValueError) as e:
            raise GraphError(503, "ServiceUnavailable", "Token validation is unavailable: %s" % e)
        if not info.get("active"):
            raise GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.",
                             [("WWW-Authenticate", 'Bearer error="invalid_token"')])
        granted = set(s.rsplit("/", 1)[-1] for s in (info.get("scope") or "").split())
        need = ({"Mail.Send"} if path.endswith("/sendMail")
                else {"Mail.ReadWrite", "Mail.Read"} if method == "GET" else {"Mail.ReadWrite"})
        if not granted & need:
            kind = "application permission" if info.get("app_only") else "permission"
            raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again. (the token has no %s %s)"
                             % (kind, " or ".join(sorted(need))))
        m = re.match(r"^/v1\.0/users/([^/]+)", path)
        if m:
            with self.state.lock:
                user = self.state.user(m.group(1))
            who = (info.get("username") or "").lower()
            if who != user and who != user.split("@")[0]:
                raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            return user
        raise GraphError(400, "BadRequest", "Resource not found for the segment '%s'." % path)

    # ---- Graph ---------------------------------------------------------------------------------------------

    def _prefer(self, name):
        for part in (self.headers.get("Prefer") or "").split(","):
            k, _, v = part.strip().partition("=")
            if k.strip().lower() == name.lower():
                return v.strip().strip('"')
        return None

    def _graph(self, method, path, query, raw, user):
        s = self.state
        immutable = (self._prefer("IdType") or "").lower() == "immutableid"
        select = set(x.strip() for x in ",".join(query.get("$select", [])).split(",") if x.strip())
        rest = path[len("/v1.0/users/"):].split("/", 1)[1] if path.count("/") > 3 else ""
        base = "https://%s/v1.0/users/%s" % (self.headers.get("Host"), path.split("/")[3])
        m = re.match(r"^mailFolders/([^/]+)/messages/delta$", rest)
        if m and method == "GET":
            return 200, self._delta(s.folder(user, m.group(1)), query, immutable, select, base + "/" + rest), "json"
        m = re.match(r"^mailFolders(?:/([^/]+)/childFolders)?$", rest)
        if m and method == "GET":
            parent = s.folder(user, m.group(1)).id if m.group(1) else None
            wanted = None
            f = " ".join(query.get("$filter", []))
            if f:
                fm = re.match(r"^displayName eq '((?:[^']|'')*)'$", f)
                if not fm:
                    raise GraphError(400, "ErrorInvalidUrlQueryFilter", "The filter is not supported here.")
                wanted = fm.group(1).replace("''", "'")
            found = [x for x in s.folders[user].values()
                     if x.parent == parent and (wanted is None or x.name.lower() == wanted.lower())]
            return 200, {"value": [self._folder_json(x) for x in found]}, "json"
        m = re.match(r"^mailFolders/([^/]+)$", rest)
        if m and method == "GET":
            return 200, self._folder_json(s.folder(user, m.group(1))), "json"
        m = re.match(r"^messages/([^/]+)(/\$value|/attachments|/move|/permanentDelete)?$", rest)
        if m:
            message, what = s.message(user, m.group(1)), m.group(2)
            if what is None and method == "GET":
                return 200, message.json(immutable, select, headers_too=True), "json"
            if what == "/$value" and method == "GET":
                return 200, message.mime, "message/rfc822"
            if what == "/attachments" and method == "GET":
                return 200, {"value": message.attachments()}, "json"
            if what is None and method == "DELETE":
                s.move(message, s.folders[user]["f-deleteditems"])
                return 204, b"", "application/json"
            if what == "/permanentDelete" and method == "POST":
                s.remove(message)
                return 204, b"", "application/json"
            if what == "/move" and method == "POST":
                destination = s.folder(user, json.loads(raw or b"{}").get("destinationId") or "")
                s.move(message, destination)
                return 201, message.json(immutable, select), "json"
        if rest == "sendMail" and method == "POST":
            body = json.loads(raw or b"{}")
            if not isinstance(body.get("message"), dict):
                raise GraphError(400, "ErrorInvalidRequest", "The message is missing.")
            s.sent.append({"user": user, "body": body})
            return 202, b"", "application/json"
        raise GraphError(400, "BadRequest", "Resource not found for the segment '%s'." % rest)

    @staticmethod
    def _folder_json(f):
        return {"id": f.id, "displayName": f.name, "parentFolderId": f.parent, "totalItemCount": len(f.messages)}

    def _delta(self, folder, query, immutable, select, link):
        # A token is epoch|folder|since|cursor|upto: the changes after sequence "since" ("-": the folder's whole content)
        # up to sequence "upto" ("*": up to now), for messages numbered above "cursor", so that a page never shifts
        # under the next one.
        s = self.state
        prefer = self._prefer("odata.maxpagesize")
        size = min(MAX_PAGE, int(prefer)) if prefer and prefer.isdigit() and int(prefer) > 0 else 10
        token = (query.get("$skiptoken") or query.get("$deltatoken") or [None])[0]
        if token is None:
            since, cursor, upto = None, 0, s.sequence
        else:
            try:
                epoch, fid, since, cursor, upto = unb64u(token).split("|")
                # A delta link's window ends when it is used ("*"); a skip token's where its round began.
                since, cursor, upto = (None if since == "-" else int(since)), int(cursor), (s.sequence if upto == "*" else int(upto))
            except (ValueError, UnicodeError):
                epoch, fid = None, None
            if epoch != s.token_epoch or fid != folder.id:
                raise GraphError(410, "SyncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.")
        if since is None:
            # What the folder held when the enumeration began, in arrival order.
            entries = [("add", m, m.rest_id) for m in folder.messages if m.added_seq <= upto and m.number > cursor]
        else:
            last = {}
            for seq, kind, m, rid in folder.log:
                if since < seq <= upto and m.number > cursor:
                    last[m.number] = (kind, m, rid)
            entries = [last[n] for n in sorted(last) if last[n][0] == "remove" or last[n][1].folder is folder]
        page = entries[:size]
        value = []
        for kind, m, rid in page:
            if kind == "remove":
                value.append({"id": m.immutable if immutable else rid, "@removed": {"reason": "deleted"}})
            else:
                value.append(m.json(immutable, select))
        payload = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(message)", "value": value}
        keep = "&".join("%s=%s" % (k, urllib.parse.quote(v, safe=",")) for k, vs in query.items() if k == "$select" for v in vs)
        sep = "?" + (keep + "&" if keep else "")
        if len(entries) > size:
            state = "|".join([s.token_epoch, folder.id, "-" if since is None else str(since), str(page[-1][1].number), str(upto)])
            payload["@odata.nextLink"] = link + sep + "$skiptoken=" + b64u(state)
        else:
            state = "|".join([s.token_epoch, folder.id, str(upto), "0", "*"])
            payload["@odata.deltaLink"] = link + sep + "$deltatoken=" + b64u(state)
        return payload

    # ---- test controls -------------------------------------------------------------------------------------

    def _control(self, method, path, query, raw):
        s = self.state
        body = json.loads(raw) if raw else {}
        if path == "/_control/reset" and method == "POST":
            s.reset()
            return {"reset": True}
        if path == "/_control/message" and method == "POST":
            user = s.user(body["user"])
            folder = s.folder_path(user, body.get("folder") or "inbox", create=True)
            received = datetime.fromisoformat(body["received"].replace("Z", "+00:00")) if body.get("received") else datetime.now(timezone.utc)
            s.numbers += 1
            message = Message(s.numbers, base64.b64decode(body["mime"]), received)
            s.add(folder, message)
            return {"id": message.rest_id, "immutableId": message.immutable, "folderId": folder.id}
        if path == "/_control/folder" and method == "POST":
            return {"id": s.folder_path(s.user(body["user"]), body["path"], create=True).id}
        if path == "/_control/messages" and method == "GET":
            user = s.user(query["user"][0])
            folder = s.folder_path(user, query.get("folder", ["inbox"])[0], create=False)
            return {"value": [{"id": m.rest_id, "immutableId": m.immutable, "subject": str(m.parsed.get("Subject", "")),
                               "folder": folder.name} for m in folder.messages]}
        if path == "/_control/throttle" and method == "POST":
            status = int(body.get("status", 429))
            if status not in (429, 503, 504):
                raise ValueError("status must be 429, 503 or 504")
            s.throttle = {"count": int(body.get("count", 1)), "status": status, "retry_after": int(body.get("retry_after", 1))}
            return s.throttle
        if path == "/_control/drop" and method == "POST":
            s.drop = int(body.get("count", 1))
            return {"drop": s.drop}
        if path == "/_control/expire_delta" and method == "POST":
            s.token_epoch = uuid.uuid4().hex[:8]
            return {"expired": True}
        if path == "/_control/requests" and method == "GET":
            return {"value": s.requests}
        if path == "/_control/sent" and method == "GET":
            return {"value": s.sent}
        raise ValueError("unknown control %s %s" % (method, path))


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    port, cert, key, introspect = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = TlsHttpServer(("127.0.0.1", port), Handler, context, State(sys.argv[5:]), 15)
    server.introspect_url = introspect

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening on 127.0.0.1:%d" % port, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
