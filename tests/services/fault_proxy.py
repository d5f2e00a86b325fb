#!/usr/bin/python3
"""A byte-level TCP proxy that breaks connections on command, for SmartEmail's fault tests.

    /usr/bin/python3 fault_proxy.py CONTROL_PORT NAME=LISTEN_PORT:TARGET_HOST:TARGET_PORT [...]

Each route listens on 127.0.0.1:LISTEN_PORT and forwards every connection to TARGET_HOST:TARGET_PORT, byte for byte
(TLS passes through untouched). Standard library only. It prints "ready" once every route listens, and stops cleanly
(exit code 0) on SIGTERM or SIGINT.

Control, over plain HTTP on 127.0.0.1:CONTROL_PORT (JSON bodies):

  POST /fault   arms faults, replacing those of the route and restarting its connection count:
                {"route": NAME, "faults": [{
                    "connection": K,        which connection after arming: 1 = the next one, ...; 0 = every one
                    "direction": "s2c",     "s2c" (server to client) or "c2s" (client to server)
                    "after": N,             fire once N bytes went that way on the connection (default 0), or
                    "match": "UID FETCH",   fire where this text first appears that way (plain protocols only;
                                            "skip": M lets M earlier appearances pass)
                    "action": "drop",       drop: both sides get FIN after exactly the bytes before the point
                                            reset: both sides get RST (SO_LINGER 0)
                                            stall: nothing more goes that way for "seconds", then it resumes
                                            slow: from the point on, at most "rate" bytes per second that way
                    "seconds": 3, "rate": 200}]}
  POST /clear   removes every fault of every route and restarts the connection counts
  GET  /stats   {"NAME": {"connections": n, "fired": [{"connection", "direction", "action", "at"}],
                          "bytes": [[c2s, s2c], ...] per connection, oldest first}}
"""

import json
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 16384


class Fault:
    def __init__(self, spec):
        self.connection = int(spec.get("connection", 1))
        self.direction = spec.get("direction", "s2c")
        if self.direction not in ("s2c", "c2s"):
            raise ValueError("direction must be s2c or c2s")
        self.after = int(spec.get("after", 0))
        self.match = spec.get("match")
        self.skip = int(spec.get("skip", 0))
        self.action = spec.get("action", "drop")
        if self.action not in ("drop", "reset", "stall", "slow"):
            raise ValueError("action must be drop, reset, stall or slow")
        self.seconds = float(spec.get("seconds", 0))
        self.rate = max(1, int(spec.get("rate", 100)))


class Route:
    def __init__(self, name, listen_port, target_host, target_port):
        self.name = name
        self.listen_port = listen_port
        self.target = (target_host, target_port)
        self.lock = threading.Lock()
        self.faults = []
        self.base = 0          # connections accepted before the faults were armed
        self.accepted = 0
        self.fired = []
        self.bytes = []        # [c2s, s2c] per connection since the last arming

    def arm(self, faults):
        with self.lock:
            self.faults = faults
            self.base = self.accepted
            self.fired = []
            self.bytes = []

    def stats(self):
        with self.lock:
            return {"connections": self.accepted - self.base, "fired": list(self.fired), "bytes": [list(b) for b in self.bytes]}


class Connection:
    """One proxied connection: two pumps, one per direction, and the faults that apply to it."""

    def __init__(self, route, client):
        self.route = route
        self.client = client
        self.server = None
        self.closed = threading.Event()
        with route.lock:
            route.accepted += 1
            self.index = route.accepted - route.base
            self.counts = [0, 0]
            route.bytes.append(self.counts)
            self.faults = [f for f in route.faults if f.connection in (0, self.index)]

    def run(self):
        try:
            self.server = socket.create_connection(self.route.target, timeout=10)
            self.server.settimeout(None)
        except OSError:
            self.abort(reset=True)
            return
        for sock in (self.client, self.server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s2c = threading.Thread(target=self.pump, args=(self.server, self.client, "s2c"), daemon=True)
        s2c.start()
        self.pump(self.client, self.server, "c2s")
        s2c.join()
        self.abort(reset=False)

    def pump(self, source, sink, direction):
        slot = 0 if direction == "c2s" else 1
        pending = [f for f in self.faults if f.direction == direction]
        seen = b""        # the tail of what went this way, so a match may straddle two reads
        found = {}        # fault -> appearances of its text counted so far
        rate = None
        try:
            while not self.closed.is_set():
                try:
                    data = source.recv(CHUNK)
                except OSError:
                    data = b""
                if not data:
                    try:
                        sink.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                while data:
                    fault, cut = self.trigger(pending, data, seen, found, self.counts[slot])
                    head = data if fault is None else data[:cut]
                    if head:
                        self.send(sink, head, rate)
                        self.counts[slot] += len(head)
                        seen = (seen + head)[-256:]
                    if fault is None:
                        break
                    data = data[cut:]
                    pending.remove(fault)
                    with self.route.lock:
                        self.route.fired.append({"connection": self.index, "direction": direction, "action": fault.action, "at": self.counts[slot]})
                    if fault.action in ("drop", "reset"):
                        self.abort(reset=fault.action == "reset")
                        return
                    if fault.action == "stall":
                        if self.closed.wait(fault.seconds):
                            return
                    elif fault.action == "slow":
                        rate = fault.rate
        except OSError:
            self.abort(reset=False)

    @staticmethod
    def trigger(pending, data, seen, found, count):
        """The first fault that fires within data, and how many of its bytes go before it."""
        best = (None, len(data) + 1)
        for fault in pending:
            if fault.match is None:
                cut = fault.after - count
                if cut < 0:
                    cut = 0
                if cut < len(data) or (cut == 0 and fault.after <= count):
                    if cut < best[1]:
                        best = (fault, cut)
                continue
            needle = fault.match.encode("latin-1")
            window = seen + data
            start = 0
            while True:
                at = window.find(needle, start)
                if at < 0:
                    break
                start = at + 1
                if at + len(needle) <= len(seen):
                    continue          # counted when it was in an earlier read
                hits = found.get(fault, 0)
                found[fault] = hits + 1
                if hits >= fault.skip:
                    cut = max(0, at - len(seen))
                    if cut < best[1]:
                        best = (fault, cut)
                    break
        return best if best[0] is not None else (None, 0)

    def send(self, sink, data, rate):
        if rate is None:
            sink.sendall(data)
            return
        piece = max(1, rate // 10)
        for i in range(0, len(data), piece):
            if self.closed.is_set():
                raise OSError("closed")
            sink.sendall(data[i:i + piece])
            time.sleep(len(data[i:i + piece]) / rate)

    def abort(self, reset):
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.server):
            if sock is None:
                continue
            try:
                if reset:
                    # SHUT_RD wakes the other pump's recv without sending anything, so the close below really
                    # releases the socket, and with SO_LINGER 0 that sends the RST.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.shutdown(socket.SHUT_RD)
                else:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass


def serve_route(route, stop):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", route.listen_port))
    listener.listen(64)
    listener.settimeout(0.2)

    def loop():
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=Connection(route, client).run, daemon=True).start()
        listener.close()

    threading.Thread(target=loop, name="route-" + route.name, daemon=True).start()


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def _answer(self, status, payload):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/stats":
            self._answer(200, {name: route.stats() for name, route in self.server.routes.items()})
        else:
            self._answer(404, {"message": "no such path"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw.decode("utf-8") or "{}")
            if self.path == "/fault":
                route = self.server.routes[body["route"]]
                route.arm([Fault(f) for f in body.get("faults", [])])
                self._answer(200, {"armed": len(route.faults)})
            elif self.path == "/clear":
                for route in self.server.routes.values():
                    route.arm([])
                self._answer(200, {})
            else:
                self._answer(404, {"message": "no such path"})
        except (KeyError, ValueError, TypeError) as e:
            self._answer(400, {"message": "bad request: %r" % (e,)})


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: fault_proxy.py CONTROL_PORT NAME=LISTEN_PORT:TARGET_HOST:TARGET_PORT [...]\n")
        return 2
    routes = {}
    for spec in argv[2:]:
        name, rest = spec.split("=", 1)
        listen, host, port = rest.split(":")
        routes[name] = Route(name, int(listen), host, int(port))
    stop = threading.Event()
    for route in routes.values():
        serve_route(route, stop)
    control = ThreadingHTTPServer(("127.0.0.1", int(argv[1])), Control)
    control.daemon_threads = True
    control.routes = routes
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=control.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print("ready", flush=True)
    while not stop.wait(0.5):
        pass
    control.shutdown()
    control.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
