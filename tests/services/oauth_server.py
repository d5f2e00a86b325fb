#!/usr/bin/python3
"""A local stand-in for Microsoft Entra ID (the OAuth2 token service MSAL talks to), for offline tests.

    /usr/bin/python3 oauth_server.py --host 127.0.0.1 --port HTTPS_PORT --introspect-port HTTP_PORT --cert PEM --key PEM

Serves HTTPS on HOST:HTTPS_PORT with the certificate CERT and key KEY (the test harness's self-signed pair; the key
also signs id_tokens and access tokens, kid "test") and plain HTTP on HOST:HTTP_PORT for dovecot's token
introspection. Standard library plus the `cryptography` package; all state lives in memory (guarded by one lock) and
starts empty: a test registers tenants and clients first. services.sh starts it with the other test servers.

URLs below are built from the request's Host header, so a client that calls https://localhost:PORT gets localhost
URLs back. {tenant} is a tenant GUID, a tenant's domain alias, or common/organizations (then the client_id decides the
tenant). Errors have Entra's shape: {"error", "error_description": "AADSTSnnnn: text\\r\\nTrace ID: ...\\r\\n
Correlation ID: ...\\r\\nTimestamp: ...", "error_codes": [nnnn], "timestamp", "trace_id", "correlation_id"}.

HTTPS, the Entra endpoints:

  GET  /{tenant}/v2.0/.well-known/openid-configuration  OpenID metadata: issuer https://HOST:PORT/{tenant-guid}/v2.0
                      ({tenantid} literally for common/organizations), authorization_endpoint, token_endpoint,
                      device_authorization_endpoint, jwks_uri, ...
  GET  /{tenant}/discovery/v2.0/keys   the JWKS of the signing key (kid "test")
  GET  /common/discovery/instance, /{tenant}/discovery/instance   an Entra instance-discovery document:
                      {"tenant_discovery_endpoint", "api-version": "1.1", "metadata": [{"preferred_network":
                      "HOST:PORT", "preferred_cache": "HOST:PORT", "aliases": ["HOST:PORT"]}]}
  POST /{tenant}/oauth2/v2.0/devicecode   form client_id, scope -> {device_code, user_code (8 upper-case letters and
                      digits), verification_uri https://HOST:PORT/devicelogin, expires_in (900), interval (1), message
                      "To sign in, use a web browser to open the page ... and enter the code XXXXXXXX to authenticate."}
  GET  /{tenant}/oauth2/v2.0/authorize?client_id&redirect_uri&response_type=code&scope&state&code_challenge
                      &code_challenge_method=S256   when /_test/browser armed a user: 302 to
                      redirect_uri?code=...&state=...&client_info=... (the sign-in is used up); otherwise 200 with an
                      HTML page saying "sign-in not armed"; an unknown client gets a 400 HTML page (AADSTS700016).
  POST /{tenant}/oauth2/v2.0/token   form-encoded; client credentials as client_secret (form or HTTP Basic) or
                      client_assertion (+ client_assertion_type urn:ietf:params:oauth:client-assertion-type:jwt-bearer):
                      a JWT signed RS256 (PKCS#1 v1.5) or PS256 (PSS, any salt length) by a registered certificate,
                      found by header x5t (base64url SHA-1 of the DER) or x5t#S256; aud must be this token endpoint
                      URL (trailing slash optional), iss == sub == client_id, exp (number or numeric string) in the
                      future. Public clients send no credential; a confidential client must (AADSTS7000218).
      grant_type=client_credentials   scope must end in /.default -> {token_type "Bearer", expires_in,
                      ext_expires_in, access_token}
      grant_type=urn:ietf:params:oauth:grant-type:device_code or device_code (MSAL.NET's form) (device_code)   pending -> 400 authorization_pending
                      (AADSTS70016); declined -> 400 authorization_declined (AADSTS70000); expired -> 400
                      expired_token (AADSTS70019); approved -> delegated tokens (the device code is used up)
      grant_type=authorization_code (code, redirect_uri, code_verifier)   PKCE S256 checked (AADSTS501481),
                      redirect_uri must equal the one given to /authorize (AADSTS500112), a code works once
                      (AADSTS54005) -> delegated tokens
      grant_type=refresh_token (refresh_token, scope?)   -> delegated tokens with a new refresh token; older refresh
                      tokens stay valid until they expire (as in Entra). Unknown or revoked -> 400 invalid_grant
                      AADSTS50173; expired -> 400 invalid_grant AADSTS700082.
      Delegated tokens: {token_type, scope (the requested scopes without offline_access/openid/profile), expires_in,
                      ext_expires_in, access_token, refresh_token, id_token, client_info} plus refresh_token_expires_in
                      only when /_test/settings set report_refresh_token_expires_in. id_token: RS256 JWT (kid "test")
                      with aud=client_id, iss=https://HOST:PORT/{tenant-guid}/v2.0, tid, oid (a stable GUID per user
                      name), sub, preferred_username (the user name, e.g. "alice"), name, iat, nbf, exp, ver "2.0".
                      client_info = base64url({"uid": oid, "utid": tenant-guid}).
      Other errors: unknown tenant -> 400 invalid_request AADSTS90002; unknown client in the tenant -> 400
                      unauthorized_client AADSTS700016; wrong secret -> 401 invalid_client AADSTS7000215; expired
                      secret -> 401 invalid_client AADSTS7000222; assertion by an unregistered certificate or with a bad
                      signature/aud/iss/sub/exp -> 401 invalid_client AADSTS700027; client registered with
                      consented=false -> 400 invalid_grant AADSTS65001 (delegated and app-only grants alike).

HTTP (introspection port), for dovecot's oauth2 passdb:

  POST /introspect   form token=... (or GET ?token=..., or "Authorization: Bearer ...") -> {"active": true,
                      "username": USER, "scope": the delegated scopes or the app's roles (IMAP.AccessAsApp
                      POP.AccessAsApp SMTP.SendAsApp), "app_only", "client_id", "exp"} for a valid, unexpired,
                      unrevoked access token issued here, else
                      {"active": false}. USER is the signed-in user for delegated tokens and the client's registered
                      "mailbox" for app-only tokens (no mailbox -> inactive: Exchange's "app not allowed on this
                      mailbox"). dovecot 2.3 compares USER with the SASL login name and refuses a mismatch; the SMTP
                      sink (smtp_sink.py) does too, and wants SMTP.Send among a delegated token's scopes.

Test controls, HTTPS, JSON bodies, no authentication; each answers 200 with a JSON object (400 {"error"} on bad input):

  POST /_test/reset      forget everything (tenants, clients, codes, tokens, settings, log)
  POST /_test/tenant     {id (GUID), domain?}
  POST /_test/client     {tenant (GUID or domain), client_id, name?, secret?, secret_expired?, certificate_pem?
                         (one PEM certificate or a list), mailbox?, consented (default true), public (default: true when
                         neither secret nor certificate is given), roles? (the application permissions its app-only
                         tokens carry; default IMAP.AccessAsApp POP.AccessAsApp SMTP.SendAsApp)}; registering the same
                         client_id again replaces it
  POST /_test/settings   {access_token_lifetime (s, 3600), refresh_token_lifetime (s, 90 days),
                         report_refresh_token_expires_in (false), device_code_lifetime (s, 900)}; only the keys given
                         change; answers the full settings
  POST /_test/approve    {user_code, user} completes a device code for USER (a dovecot user name); {"decline": true}
                         declines it instead
  GET  /_test/device_codes  pending device codes: [{user_code, client_id, tenant, scope, expires_in}]
  POST /_test/browser    {user} the next /authorize signs USER in ({"user": null} disarms)
  POST /_test/revoke     {user} revokes that user's refresh and access tokens; {client_id} revokes that client's app-only
                         access tokens; both: that user's tokens issued to that client -> {"revoked": N}
  POST /_test/expire_access_tokens   every access token issued so far is expired -> {"expired": N}
  GET  /_test/log        [{time, path, grant_type, client_id, user, scope, status, error_code}] for every token,
                         devicecode and authorize request, oldest first, and {path: "/introspect", client_id, user,
                         active} for each introspection; never secrets or tokens

It prints "listening on HOST:PORT (https) and HOST:PORT (http introspection)" once it accepts connections, logs one
line per request to stderr (paths without query strings: no secrets or tokens), and exits 0 on SIGTERM or SIGINT.
"""

import argparse
import base64
import hashlib
import json
import secrets
import signal
import ssl
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote_plus, urlencode, urlsplit, urlunsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tls_http import TlsHttpServer

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
OIDC_SCOPES = {"offline_access", "openid", "profile", "email"}
MULTI_TENANT = {"common", "organizations"}
USER_NAMESPACE = uuid.UUID("6f1c6c1e-5e7a-4d55-9a8e-3b1d2d0a0c11")  # oid = uuid5(this, user name): stable
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DEFAULT_SETTINGS = {
    "access_token_lifetime": 3600,
    "refresh_token_lifetime": 90 * 24 * 3600,
    "report_refresh_token_expires_in": False,
    "device_code_lifetime": 900,
}


def b64url(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_guid(text):
    try:
        return str(uuid.UUID(text)) == text.lower()
    except (ValueError, AttributeError, TypeError):
        return False


class OAuthError(Exception):
    """An Entra-shaped error answer."""

    def __init__(self, status, error, code, text):
        super().__init__(text)
        self.status, self.error, self.code, self.text = status, error, code, text

    def payload(self):
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s"
                                 % (self.code, self.text, trace, correlation, stamp),
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": "https://login.microsoftonline.com/error?code=%d" % self.code,
        }


class State:
    def __init__(self, signing_key):
        self.lock = threading.Lock()
        self.signing_key = signing_key
        self.reset()

    def reset(self):
        self.tenants = {}         # guid -> {"id", "domain"}
        self.domains = {}         # domain (lower case) -> guid
        self.clients = {}         # (tenant guid, client_id) -> registration
        self.settings = dict(DEFAULT_SETTINGS)
        self.device_codes = {}    # device_code -> {...}
        self.auth_codes = {}      # code -> {...}
        self.browser_user = None
        self.refresh_tokens = {}  # token -> {"user", "client_id", "tenant", "scope", "expires_at", "revoked"}
        self.access_tokens = {}   # token -> {"user" (None: app-only), "client_id", "tenant", "expires_at", "revoked"}
        self.log = []

    # Callers hold the lock.
    def resolve_tenant(self, segment):
        if is_guid(segment) and segment.lower() in self.tenants:
            return segment.lower()
        return self.domains.get(segment.lower())

    def find_client(self, tenant_segment, client_id):
        """(tenant guid, registration); raises the Entra errors for an unknown tenant or client."""
        if tenant_segment.lower() in MULTI_TENANT:
            matches = [key for key in self.clients if key[1] == client_id]
            if not matches:
                raise OAuthError(400, "unauthorized_client", 700016,
                                 "Application with identifier '%s' was not found in the directory '%s'. This can "
                                 "happen if the application has not been installed by the administrator of the "
                                 "tenant or consented to by any user in the tenant. You may have sent your "
                                 "authentication request to the wrong tenant." % (client_id, tenant_segment))
            return matches[0][0], self.clients[matches[0]]
        tenant = self.resolve_tenant(tenant_segment)
        if tenant is None:
            raise OAuthError(400, "invalid_request", 90002,
                             "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing "
                             "into the correct cloud. Check with your subscription administrator, this may happen if "
                             "there are no active subscriptions for the tenant." % tenant_segment)
        client = self.clients.get((tenant, client_id))
        if client is None:
            raise OAuthError(400, "unauthorized_client", 700016,
                             "Application with identifier '%s' was not found in the directory '%s'. This can happen if "
                             "the application has not been installed by the administrator of the tenant or consented "
                             "to by any user in the tenant. You may have sent your authentication request to the "
                             "wrong tenant." % (client_id, tenant_segment))
        return tenant, client


def sign_jwt(key, header, claims):
    head = b64url(json.dumps(header, separators=(",", ":")))
    body = b64url(json.dumps(claims, separators=(",", ":")))
    signature = key.sign(("%s.%s" % (head, body)).encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return "%s.%s.%s" % (head, body, b64url(signature))


def scopes_of(text):
    return [s for s in (text or "").split() if s]


def user_oid(user):
    return str(uuid.uuid5(USER_NAMESPACE, user))


class HttpsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as HttpClient expects
    server_version = "EntraStub/1.0"

    # ---- plumbing ------------------------------------------------------------------------------------------

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # requests are logged by _done, without query strings

    def _log_line(self, status):
        path = urlsplit(self.path).path
        sys.stderr.write("oauth_server: %s %s %s %d\n" % (self.address_string(), self.command, path, status))

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status, data, content_type, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self._log_line(status)

    def _json_answer(self, status, payload):
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json; charset=utf-8")

    def _html(self, status, title, text):
        page = ("<!DOCTYPE html><html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p></body></html>"
                % (title, title, text)).encode("utf-8")
        self._send(status, page, "text/html; charset=utf-8")

    def _base(self):
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        return "https://" + host

    def _host(self):
        return self._base()[len("https://"):]

    @staticmethod
    def _form(raw):
        try:
            fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return {}
        return {k: v[0] for k, v in fields.items()}

    @staticmethod
    def _json_body(raw):
        if not raw:
            return {}
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return body if isinstance(body, dict) else None

    def _record(self, path, status, grant_type=None, client_id=None, user=None, scope=None, error_code=None):
        # Caller holds the lock.
        self.server.state.log.append({
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "path": path, "grant_type": grant_type, "client_id": client_id, "user": user, "scope": scope,
            "status": status, "error_code": error_code,
        })

    # ---- routing -------------------------------------------------------------------------------------------

    def do_GET(self):
        self._body()
        parts = urlsplit(self.path)
        segments = [s for s in parts.path.split("/") if s]
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if parts.path == "/_test/log":
            with self.server.state.lock:
                self._json_answer(200, list(self.server.state.log))
        elif parts.path == "/_test/device_codes":
            self._list_device_codes()
        elif parts.path == "/_test/settings":
            with self.server.state.lock:
                self._json_answer(200, dict(self.server.state.settings))
        elif parts.path == "/devicelogin":
            self._html(200, "Device login", "Test stand-in: approve a code with POST /_test/approve.")
        elif len(segments) == 4 and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            self._openid_configuration(segments[0])
        elif len(segments) == 3 and segments[1:] == ["discovery", "instance"]:
            self._instance_discovery(segments[0])
        elif len(segments) == 4 and segments[1:] == ["discovery", "v2.0", "keys"]:
            self._keys()
        elif len(segments) == 4 and segments[1:] == ["oauth2", "v2.0", "authorize"]:
            self._authorize(segments[0], query)
        else:
            self._json_answer(404, {"error": "not_found", "error_description": "Not found: GET %s" % parts.path})

    do_HEAD = do_GET

    def do_POST(self):
        raw = self._body()
        parts = urlsplit(self.path)
        segments = [s for s in parts.path.split("/") if s]
        controls = {
            "/_test/reset": self._t_reset,
            "/_test/tenant": self._t_tenant,
            "/_test/client": self._t_client,
            "/_test/settings": self._t_settings,
            "/_test/approve": self._t_approve,
            "/_test/browser": self._t_browser,
            "/_test/revoke": self._t_revoke,
            "/_test/expire_access_tokens": self._t_expire,
        }
        if parts.path in controls:
            body = self._json_body(raw)
            if body is None:
                self._json_answer(400, {"error": "the body must be a JSON object"})
            else:
                controls[parts.path](body)
        elif len(segments) == 4 and segments[1:] == ["oauth2", "v2.0", "token"]:
            self._token(segments[0], parts.path, self._form(raw))
        elif len(segments) == 4 and segments[1:] == ["oauth2", "v2.0", "devicecode"]:
            self._devicecode(segments[0], parts.path, self._form(raw))
        else:
            self._json_answer(404, {"error": "not_found", "error_description": "Not found: POST %s" % parts.path})

    # ---- metadata ------------------------------------------------------------------------------------------

    def _openid_configuration(self, tenant_segment):
        state = self.server.state
        with state.lock:
            if tenant_segment.lower() in MULTI_TENANT:
                issuer_tenant = "{tenantid}"
            else:
                issuer_tenant = state.resolve_tenant(tenant_segment)
                if issuer_tenant is None:
                    err = OAuthError(400, "invalid_tenant", 90002, "Tenant '%s' not found." % tenant_segment)
                    self._json_answer(400, err.payload())
                    return
        base = "%s/%s" % (self._base(), tenant_segment)
        self._json_answer(200, {
            "issuer": "%s/%s/v2.0" % (self._base(), issuer_tenant),
            "authorization_endpoint": base + "/oauth2/v2.0/authorize",
            "token_endpoint": base + "/oauth2/v2.0/token",
            "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
            "end_session_endpoint": base + "/oauth2/v2.0/logout",
            "jwks_uri": base + "/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", DEVICE_GRANT],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "preferred_username", "oid", "tid",
                                 "ver"],
            "request_uri_parameter_supported": False,
            "tenant_region_scope": None,
            "cloud_instance_name": "smartemail.test",
            "cloud_graph_host_name": "graph.smartemail.test",
            "msgraph_host": "graph.smartemail.test",
        })

    def _instance_discovery(self, tenant_segment):
        host = self._host()
        self._json_answer(200, {
            "tenant_discovery_endpoint": "%s/%s/v2.0/.well-known/openid-configuration" % (self._base(), tenant_segment),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        })

    def _keys(self):
        numbers = self.server.state.signing_key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        self._json_answer(200, {"keys": [{"kty": "RSA", "use": "sig", "kid": "test", "alg": "RS256",
                                          "n": b64url(n), "e": b64url(e)}]})

    # ---- device code and authorize -------------------------------------------------------------------------

    def _devicecode(self, tenant_segment, path, form):
        state = self.server.state
        client_id = form.get("client_id", "")
        scope = form.get("scope", "")
        with state.lock:
            try:
                if not client_id:
                    raise OAuthError(400, "invalid_request", 900144,
                                     "The request body must contain the following parameter: 'client_id'.")
                tenant, client = state.find_client(tenant_segment, client_id)
                if not scopes_of(scope):
                    raise OAuthError(400, "invalid_request", 90014,
                                     "The required field 'scope' is missing from the credential.")
            except OAuthError as err:
                self._record(path, err.status, client_id=client_id or None, scope=scope or None, error_code=err.code)
                self._json_answer(err.status, err.payload())
                return
            device_code = "DAQABAAEAAA" + secrets.token_urlsafe(48)
            user_code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            lifetime = int(state.settings["device_code_lifetime"])
            state.device_codes[device_code] = {
                "user_code": user_code, "client_id": client["client_id"], "tenant": tenant, "scope": scope,
                "expires_at": time.time() + lifetime, "status": "pending", "user": None,
            }
            self._record(path, 200, client_id=client_id, scope=scope)
        uri = self._base() + "/devicelogin"
        self._json_answer(200, {
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": uri,
            "expires_in": lifetime,
            "interval": 1,
            "message": "To sign in, use a web browser to open the page %s and enter the code %s to authenticate."
                       % (uri, user_code),
        })

    def _authorize(self, tenant_segment, query):
        state = self.server.state
        path = "/%s/oauth2/v2.0/authorize" % tenant_segment
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        scope = query.get("scope", "")
        with state.lock:
            try:
                tenant, client = state.find_client(tenant_segment, client_id)
            except OAuthError as err:
                self._record(path, 400, client_id=client_id or None, scope=scope or None, error_code=err.code)
                self._html(400, "Sign in", "AADSTS%d: %s" % (err.code, err.text))
                return
            if query.get("response_type") != "code" or not redirect_uri:
                self._record(path, 400, client_id=client_id, scope=scope, error_code=900144)
                self._html(400, "Sign in", "AADSTS900144: response_type=code and redirect_uri are required.")
                return
            method = query.get("code_challenge_method", "plain" if query.get("code_challenge") else None)
            if method not in (None, "plain", "S256"):
                self._record(path, 400, client_id=client_id, scope=scope, error_code=5000)
                self._html(400, "Sign in", "Unsupported code_challenge_method.")
                return
            user = state.browser_user
            if user is None:
                self._record(path, 200, client_id=client_id, scope=scope, error_code=None)
                self._html(200, "Sign in", "sign-in not armed: a test must POST /_test/browser {\"user\": ...} first.")
                return
            state.browser_user = None
            code = "1.AAAA" + secrets.token_urlsafe(48)
            state.auth_codes[code] = {
                "client_id": client["client_id"], "tenant": tenant, "redirect_uri": redirect_uri, "scope": scope,
                "code_challenge": query.get("code_challenge"), "method": method, "user": user,
                "expires_at": time.time() + 600, "used": False,
            }
            self._record(path, 302, client_id=client_id, user=user, scope=scope)
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        params["client_info"] = b64url(json.dumps({"uid": user_oid(user), "utid": tenant}))
        split = urlsplit(redirect_uri)
        new_query = (split.query + "&" if split.query else "") + urlencode(params, quote_via=quote)
        location = urlunsplit((split.scheme, split.netloc, split.path, new_query, ""))
        self._send(302, b"", "text/html; charset=utf-8", [("Location", location)])

    # ---- token endpoint ------------------------------------------------------------------------------------

    def _token(self, tenant_segment, path, form):
        state = self.server.state
        grant = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        if not client_id:
            basic = self._basic_credentials()
            if basic:
                client_id = basic[0]
                form.setdefault("client_secret", basic[1])
        entry = {"user": None, "scope": form.get("scope") or None}
        with state.lock:
            try:
                if not client_id:
                    raise OAuthError(400, "invalid_request", 900144,
                                     "The request body must contain the following parameter: 'client_id'.")
                tenant, client = state.find_client(tenant_segment, client_id)
                self._authenticate_client(client, form, path)
                if grant == "client_credentials":
                    answer = self._grant_client_credentials(tenant, client, form)
                elif grant in (DEVICE_GRANT, "device_code"):  # MSAL.NET sends the short form to Entra authorities
                    answer = self._grant_device_code(tenant, client, form, entry)
                elif grant == "authorization_code":
                    answer = self._grant_authorization_code(tenant, client, form, entry)
                elif grant == "refresh_token":
                    answer = self._grant_refresh_token(tenant, client, form, entry)
                else:
                    raise OAuthError(400, "unsupported_grant_type", 70003,
                                     "The app requested an unsupported grant type '%s'." % grant)
            except OAuthError as err:
                self._record(path, err.status, grant_type=grant or None, client_id=client_id or None,
                             user=entry["user"], scope=entry["scope"], error_code=err.code)
                self._json_answer(err.status, err.payload())
                return
            self._record(path, 200, grant_type=grant, client_id=client_id, user=entry["user"], scope=entry["scope"])
        self._json_answer(200, answer)

    def _basic_credentials(self):
        header = self.headers.get("Authorization") or ""
        if not header.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return unquote_plus(user), unquote_plus(password)

    def _authenticate_client(self, client, form, path):
        cid = client["client_id"]
        if "client_assertion" in form:
            if form.get("client_assertion_type") != JWT_BEARER:
                raise OAuthError(400, "invalid_request", 50027,
                                 "Invalid JWT token. client_assertion_type must be '%s'." % JWT_BEARER)
            self._verify_assertion(client, form["client_assertion"], path)
            return
        if "client_secret" in form:
            if client["secret"] is None or not secrets.compare_digest(
                    form["client_secret"].encode("utf-8"), client["secret"].encode("utf-8")):
                raise OAuthError(401, "invalid_client", 7000215,
                                 "Invalid client secret provided. Ensure the secret being sent in the request is the "
                                 "client secret value, not the client secret ID, for a secret added to app '%s'." % cid)
            if client["secret_expired"]:
                raise OAuthError(401, "invalid_client", 7000222,
                                 "The provided client secret keys for app '%s' are expired. Visit the Azure portal to "
                                 "create new keys for your app: https://aka.ms/NewClientSecret, or consider using "
                                 "certificate credentials for added security: https://aka.ms/certCreds." % cid)
            return
        if not client["public"]:
            raise OAuthError(401, "invalid_client", 7000218,
                             "The request body must contain the following parameter: 'client_assertion' or "
                             "'client_secret'.")

    def _verify_assertion(self, client, assertion, path):
        not_registered = OAuthError(
            401, "invalid_client", 700027,
            "The certificate with identifier used to sign the client assertion is not registered on application. "
            "[Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, "
            "Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation "
            "at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint "
            "and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a "
            "query request URL, such as 'https://graph.microsoft.com/beta/applications/%s']")

        def invalid(reason, thumb="unknown"):
            err = OAuthError(not_registered.status, not_registered.error, not_registered.code,
                             not_registered.text % (thumb, client["client_id"], client["client_id"]))
            err.text = err.text.replace("The key was not found.", reason)
            return err

        try:
            head_b64, body_b64, sig_b64 = assertion.split(".")
            header = json.loads(b64url_decode(head_b64))
            claims = json.loads(b64url_decode(body_b64))
            signature = b64url_decode(sig_b64)
        except (ValueError, UnicodeDecodeError):
            raise invalid("Client assertion is not a valid JWT.")
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise invalid("Client assertion is not a valid JWT.")
        cert = None
        thumb = header.get("x5t#S256") or header.get("x5t") or "none"
        for pem_cert in client["certificates"]:
            if header.get("x5t#S256") == pem_cert["x5t#S256"] or header.get("x5t") == pem_cert["x5t"]:
                cert = pem_cert["cert"]
                break
        if cert is None:
            raise invalid("The key was not found.", thumb)
        alg = header.get("alg")
        if alg == "RS256":
            pad = padding.PKCS1v15()
        elif alg == "PS256":
            pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
        else:
            raise invalid("Unsupported signing algorithm '%s'." % alg, thumb)
        try:
            cert.public_key().verify(signature, ("%s.%s" % (head_b64, body_b64)).encode("ascii"), pad,
                                     hashes.SHA256())
        except (InvalidSignature, ValueError, TypeError):
            raise invalid("The signature of the client assertion does not match the key.", thumb)
        endpoint = self._base() + path
        aud = claims.get("aud")
        if not isinstance(aud, str) or aud.rstrip("/") != endpoint.rstrip("/"):
            raise invalid("The audience claim '%s' is not the token endpoint '%s'." % (aud, endpoint), thumb)
        cid = client["client_id"]
        if claims.get("iss") != cid or claims.get("sub") != cid:
            raise invalid("The iss and sub claims must both be the client id.", thumb)
        try:
            exp = float(claims.get("exp"))
        except (TypeError, ValueError):
            raise invalid("The client assertion has no valid exp claim.", thumb)
        if exp <= time.time():
            raise invalid("The client assertion has expired.", thumb)

    @staticmethod
    def _check_consent(client):
        if not client["consented"]:
            raise OAuthError(400, "invalid_grant", 65001,
                             "The user or administrator has not consented to use the application with ID '%s' named "
                             "'%s'. Send an interactive authorization request for this user and resource."
                             % (client["client_id"], client["name"]))

    def _new_access_token(self, tenant, client, user, scope):
        state = self.server.state
        now = int(time.time())
        lifetime = int(state.settings["access_token_lifetime"])
        claims = {"aud": "https://outlook.office.com", "iss": "https://sts.smartemail.test/%s/" % tenant,
                  "iat": now, "nbf": now, "exp": now + lifetime, "appid": client["client_id"], "tid": tenant,
                  "jti": secrets.token_urlsafe(16), "ver": "1.0"}
        if user is None:
            claims["roles"] = list(client["roles"])
            claims["sub"] = claims["oid"] = str(uuid.uuid5(USER_NAMESPACE, "app:" + client["client_id"]))
        else:
            claims.update({"scp": " ".join(scope), "upn": user, "unique_name": user, "oid": user_oid(user),
                           "sub": user_oid(user)})
        token = sign_jwt(state.signing_key, {"typ": "JWT", "alg": "RS256", "kid": "test"}, claims)
        state.access_tokens[token] = {"user": user, "client_id": client["client_id"], "tenant": tenant,
                                      "expires_at": now + lifetime, "revoked": False,
                                      "scope": claims.get("scp") or " ".join(claims.get("roles") or [])}
        return token, lifetime

    def _grant_client_credentials(self, tenant, client, form):
        scope = scopes_of(form.get("scope"))
        if not scope:
            raise OAuthError(400, "invalid_request", 90014, "The required field 'scope' is missing from the credential.")
        if len(scope) != 1 or not scope[0].endswith("/.default"):
            raise OAuthError(400, "invalid_scope", 1002012,
                             "The provided value for scope %s is not valid. Client credential flows must have a scope "
                             "value with /.default suffixed to the resource identifier (application ID URI)."
                             % " ".join(scope))
        self._check_consent(client)
        token, lifetime = self._new_access_token(tenant, client, None, scope)
        return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}

    def _grant_device_code(self, tenant, client, form, entry):
        state = self.server.state
        code = state.device_codes.get(form.get("device_code", ""))
        if code is None or code["client_id"] != client["client_id"] or code["tenant"] != tenant:
            raise OAuthError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
        entry["scope"] = code["scope"]
        if code["status"] == "used":
            raise OAuthError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please "
                                                          "retry with a new valid code or use an existing refresh token.")
        if code["status"] != "approved" and time.time() >= code["expires_at"]:
            raise OAuthError(400, "expired_token", 70019, "Verification code expired.")
        if code["status"] == "declined":
            raise OAuthError(400, "authorization_declined", 70000, "The user has declined to authorize the application.")
        if code["status"] == "pending":
            raise OAuthError(400, "authorization_pending", 70016,
                             "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
        entry["user"] = code["user"]
        self._check_consent(client)
        code["status"] = "used"
        return self._delegated_tokens(tenant, client, code["user"], scopes_of(code["scope"]))

    def _grant_authorization_code(self, tenant, client, form, entry):
        state = self.server.state
        code = state.auth_codes.get(form.get("code", ""))
        if code is None or code["client_id"] != client["client_id"] or code["tenant"] != tenant:
            raise OAuthError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
        entry["user"] = code["user"]
        if code["used"]:
            raise OAuthError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please "
                                                          "retry with a new valid code or use an existing refresh token.")
        if time.time() >= code["expires_at"]:
            raise OAuthError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired "
                                                          "due to inactivity. Send a new interactive authorization request "
                                                          "for this user and resource.")
        if form.get("redirect_uri", "") != code["redirect_uri"]:
            raise OAuthError(400, "invalid_grant", 500112,
                             "The reply address '%s' does not match the reply address '%s' provided when requesting "
                             "Authorization code." % (form.get("redirect_uri", ""), code["redirect_uri"]))
        if code["code_challenge"]:
            verifier = form.get("code_verifier", "")
            if code["method"] == "S256":
                computed = b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
            else:
                computed = verifier
            if not verifier or not secrets.compare_digest(computed, code["code_challenge"]):
                raise OAuthError(400, "invalid_grant", 501481,
                                 "The Code_Verifier does not match the code_challenge supplied in the authorization "
                                 "request.")
        self._check_consent(client)
        code["used"] = True
        scope = scopes_of(form.get("scope")) or scopes_of(code["scope"])
        entry["scope"] = " ".join(scope)
        return self._delegated_tokens(tenant, client, code["user"], scope)

    def _grant_refresh_token(self, tenant, client, form, entry):
        state = self.server.state
        rt = state.refresh_tokens.get(form.get("refresh_token", ""))
        if rt is None or rt["revoked"] or rt["client_id"] != client["client_id"] or rt["tenant"] != tenant:
            if rt is not None:
                entry["user"] = rt["user"]
            raise OAuthError(400, "invalid_grant", 50173,
                             "The provided grant has expired due to it being revoked, a fresh auth token is needed. "
                             "The user might have changed or reset their password. The grant was issued on '%s' and "
                             "the TokensValidFrom date (before which tokens are not valid) for this user is '%s'."
                             % (datetime.now(timezone.utc).isoformat(), datetime.now(timezone.utc).isoformat()))
        entry["user"] = rt["user"]
        if time.time() >= rt["expires_at"]:
            raise OAuthError(400, "invalid_grant", 700082,
                             "The refresh token has expired due to inactivity. The token was issued on '%s' and was "
                             "inactive for %d days."
                             % (datetime.fromtimestamp(rt["issued_at"], timezone.utc).isoformat(),
                                int(state.settings["refresh_token_lifetime"]) // 86400))
        self._check_consent(client)
        scope = scopes_of(form.get("scope")) or scopes_of(rt["scope"])
        entry["scope"] = " ".join(scope)
        return self._delegated_tokens(tenant, client, rt["user"], scope)

    def _delegated_tokens(self, tenant, client, user, requested):
        state = self.server.state
        resource_scopes = [s for s in requested if s.lower() not in OIDC_SCOPES]
        access_token, lifetime = self._new_access_token(tenant, client, user, resource_scopes)
        refresh_token = "0.AAAA" + secrets.token_urlsafe(96)
        rt_lifetime = int(state.settings["refresh_token_lifetime"])
        now = int(time.time())
        state.refresh_tokens[refresh_token] = {"user": user, "client_id": client["client_id"], "tenant": tenant,
                                               "scope": " ".join(requested), "issued_at": now,
                                               "expires_at": now + rt_lifetime, "revoked": False}
        oid = user_oid(user)
        id_token = sign_jwt(state.signing_key, {"typ": "JWT", "alg": "RS256", "kid": "test"}, {
            "aud": client["client_id"], "iss": "%s/%s/v2.0" % (self._base(), tenant), "iat": now, "nbf": now,
            "exp": now + 3600, "name": user.capitalize(), "oid": oid, "preferred_username": user,
            "sub": b64url(hashlib.sha256(("%s|%s" % (oid, client["client_id"])).encode()).digest()),
            "tid": tenant, "ver": "2.0",
        })
        answer = {
            "token_type": "Bearer",
            "scope": " ".join(resource_scopes),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "id_token": id_token,
            "client_info": b64url(json.dumps({"uid": oid, "utid": tenant}, separators=(",", ":"))),
        }
        if state.settings["report_refresh_token_expires_in"]:
            answer["refresh_token_expires_in"] = rt_lifetime
        return answer

    # ---- test controls -------------------------------------------------------------------------------------

    def _t_reset(self, body):
        with self.server.state.lock:
            self.server.state.reset()
        self._json_answer(200, {})

    def _t_tenant(self, body):
        state = self.server.state
        tid, domain = body.get("id"), body.get("domain")
        if not isinstance(tid, str) or not is_guid(tid):
            self._json_answer(400, {"error": "id must be a GUID"})
            return
        if domain is not None and (not isinstance(domain, str) or not domain or is_guid(domain)):
            self._json_answer(400, {"error": "domain must be a non-empty name"})
            return
        tid = tid.lower()
        with state.lock:
            old = state.tenants.get(tid)
            if old and old["domain"]:
                state.domains.pop(old["domain"].lower(), None)
            state.tenants[tid] = {"id": tid, "domain": domain}
            if domain:
                state.domains[domain.lower()] = tid
        self._json_answer(200, {"id": tid, "domain": domain})

    def _t_client(self, body):
        state = self.server.state
        client_id = body.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            self._json_answer(400, {"error": "client_id is required"})
            return
        pems = body.get("certificate_pem") or []
        if isinstance(pems, str):
            pems = [pems]
        certificates = []
        try:
            for pem in pems:
                for block in pem.split("-----END CERTIFICATE-----"):
                    if "-----BEGIN CERTIFICATE-----" not in block:
                        continue
                    cert = x509.load_pem_x509_certificate((block.strip() + "\n-----END CERTIFICATE-----\n").encode())
                    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
                        raise ValueError("only RSA certificates are supported")
                    der = cert.public_bytes(serialization.Encoding.DER)
                    certificates.append({"cert": cert, "x5t": b64url(hashlib.sha1(der).digest()),
                                         "x5t#S256": b64url(hashlib.sha256(der).digest())})
        except (ValueError, TypeError, AttributeError) as e:
            self._json_answer(400, {"error": "certificate_pem: %s" % e})
            return
        secret = body.get("secret")
        public = body.get("public")
        if public is None:
            public = secret is None and not certificates
        with state.lock:
            tenant = state.resolve_tenant(str(body.get("tenant") or ""))
            if tenant is None:
                self._json_answer(400, {"error": "unknown tenant '%s': POST /_test/tenant first" % body.get("tenant")})
                return
            for key in [k for k in state.clients if k[1] == client_id]:
                del state.clients[key]
            registration = {
                "client_id": client_id, "tenant": tenant, "name": body.get("name") or "SmartEmail test app",
                "secret": secret, "secret_expired": bool(body.get("secret_expired")), "certificates": certificates,
                "mailbox": body.get("mailbox"), "consented": bool(body.get("consented", True)), "public": bool(public),
                "roles": [str(r) for r in body.get("roles") or ["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"]],
            }
            state.clients[(tenant, client_id)] = registration
        self._json_answer(200, {
            "client_id": client_id, "tenant": tenant, "name": registration["name"], "public": registration["public"],
            "consented": registration["consented"], "mailbox": registration["mailbox"],
            "has_secret": secret is not None, "certificates": [{"x5t": c["x5t"], "x5t#S256": c["x5t#S256"]}
                                                              for c in certificates],
        })

    def _t_settings(self, body):
        state = self.server.state
        with state.lock:
            for key, value in body.items():
                if key not in DEFAULT_SETTINGS:
                    self._json_answer(400, {"error": "unknown setting '%s'" % key})
                    return
                if isinstance(DEFAULT_SETTINGS[key], bool):
                    if not isinstance(value, bool):
                        self._json_answer(400, {"error": "%s must be true or false" % key})
                        return
                elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    self._json_answer(400, {"error": "%s must be a whole number of seconds" % key})
                    return
            state.settings.update(body)
            settings = dict(state.settings)
        self._json_answer(200, settings)

    def _t_approve(self, body):
        state = self.server.state
        user_code, user = body.get("user_code"), body.get("user")
        decline = bool(body.get("decline"))
        if not isinstance(user_code, str) or (not decline and (not isinstance(user, str) or not user)):
            self._json_answer(400, {"error": "user_code and user are required"})
            return
        with state.lock:
            for code in state.device_codes.values():
                if code["user_code"] == user_code.upper() and code["status"] == "pending":
                    if time.time() >= code["expires_at"]:
                        self._json_answer(400, {"error": "device code %s has expired" % user_code})
                        return
                    code["status"] = "declined" if decline else "approved"
                    code["user"] = None if decline else user
                    self._json_answer(200, {"user_code": code["user_code"], "status": code["status"], "user": user})
                    return
        self._json_answer(400, {"error": "no pending device code %s" % user_code})

    def _list_device_codes(self):
        state = self.server.state
        now = time.time()
        with state.lock:
            pending = [{"user_code": c["user_code"], "client_id": c["client_id"], "tenant": c["tenant"],
                        "scope": c["scope"], "expires_in": int(c["expires_at"] - now)}
                       for c in state.device_codes.values() if c["status"] == "pending" and c["expires_at"] > now]
        self._json_answer(200, pending)

    def _t_browser(self, body):
        user = body.get("user")
        if user is not None and (not isinstance(user, str) or not user):
            self._json_answer(400, {"error": "user must be a user name or null"})
            return
        with self.server.state.lock:
            self.server.state.browser_user = user
        self._json_answer(200, {"user": user})

    def _t_revoke(self, body):
        state = self.server.state
        user, client_id = body.get("user"), body.get("client_id")
        if user is None and client_id is None:
            self._json_answer(400, {"error": "give user, client_id or both"})
            return
        count = 0
        with state.lock:
            if user is not None:
                for table in (state.refresh_tokens, state.access_tokens):
                    for t in table.values():
                        if t["user"] == user and (client_id is None or t["client_id"] == client_id) and not t["revoked"]:
                            t["revoked"] = True
                            count += 1
            else:
                for t in state.access_tokens.values():
                    if t["user"] is None and t["client_id"] == client_id and not t["revoked"]:
                        t["revoked"] = True
                        count += 1
        self._json_answer(200, {"revoked": count})

    def _t_expire(self, body):
        state = self.server.state
        now = time.time()
        with state.lock:
            count = 0
            for t in state.access_tokens.values():
                if t["expires_at"] > now:
                    t["expires_at"] = now
                    count += 1
        self._json_answer(200, {"expired": count})


class IntrospectHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EntraStubIntrospect/1.0"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def _answer(self, status, payload):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        sys.stderr.write("oauth_server: introspect %s %s %d %s\n" % (self.command, urlsplit(self.path).path, status,
                                                                    payload.get("active")))

    def _handle(self, raw):
        parts = urlsplit(self.path)
        if parts.path != "/introspect":
            self._answer(404, {"error": "not_found"})
            return
        fields = parse_qs(parts.query)
        try:
            fields.update(parse_qs(raw.decode("utf-8")))
        except UnicodeDecodeError:
            pass
        token = (fields.get("token") or [""])[0]
        header = self.headers.get("Authorization") or ""
        if not token and header.lower().startswith("bearer "):
            token = header[7:].strip()
        state = self.server.state
        with state.lock:
            info = state.access_tokens.get(token)
            username = None
            if info is not None and not info["revoked"] and info["expires_at"] > time.time():
                if info["user"] is not None:
                    username = info["user"]
                else:
                    client = state.clients.get((info["tenant"], info["client_id"]))
                    username = client.get("mailbox") if client else None
            state.log.append({
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "path": "/introspect",
                "client_id": info["client_id"] if info else None, "user": username, "active": username is not None,
            })
        if username is None:
            self._answer(200, {"active": False})
        else:
            self._answer(200, {"active": True, "username": username, "scope": info["scope"],
                               "app_only": info["user"] is None, "client_id": info["client_id"],
                               "exp": int(info["expires_at"])})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length > 0 else b"")

    def do_GET(self):
        self._handle(b"")


class PlainServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, state):
        super().__init__(address, IntrospectHandler)
        self.state = state


def main(argv):
    parser = argparse.ArgumentParser(description="Entra ID stand-in for SmartEmail's tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="HTTPS port (the authority)")
    parser.add_argument("--introspect-port", type=int, required=True, help="plain HTTP port for /introspect")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args(argv[1:])

    with open(args.key, "rb") as f:
        signing_key = serialization.load_pem_private_key(f.read(), password=None)
    if not isinstance(signing_key, rsa.RSAPrivateKey):
        sys.stderr.write("oauth_server: --key must be an RSA key\n")
        return 2
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.cert, args.key)
    state = State(signing_key)
    https = TlsHttpServer((args.host, args.port), HttpsHandler, context, state, handshake_timeout=30)
    plain = PlainServer((args.host, args.introspect_port), state)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
               for s in (https, plain)]
    for t in threads:
        t.start()
    print("listening on %s:%d (https) and %s:%d (http introspection)"
          % (args.host, args.port, args.host, args.introspect_port), flush=True)
    while not stop.wait(0.5):
        pass
    for s in (https, plain):
        s.shutdown()
        s.server_close()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
