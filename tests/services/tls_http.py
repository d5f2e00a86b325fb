"""An HTTPS server for the test services (oauth_server.py, opcon_api.py): one thread per connection, and the TLS
handshake inside that thread. Standard library only; imported from the folder of the script that runs it (services.sh
installs it next to oauth_server.py)."""

import ssl
from http.server import ThreadingHTTPServer


class TlsHttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer over TLS. The handshake happens in finish_request, in the connection's own thread, so that a
    client that connects and says nothing (a port probe) never blocks the accept loop; it gets handshake_timeout
    seconds. The handler reaches the shared state as self.server.state."""

    daemon_threads = True

    def __init__(self, address, handler, context, state, handshake_timeout):
        super().__init__(address, handler)
        self.context = context
        self.state = state
        self.handshake_timeout = handshake_timeout

    def finish_request(self, request, client_address):
        request.settimeout(self.handshake_timeout)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            try:
                tls.close()
            except OSError:
                pass
