#!/usr/bin/python3
"""A TCP proxy that adds network latency, for SmartEmail's benchmark: a mail server "10 ms away" on loopback.

    /usr/bin/python3 latency_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT ONE_WAY_MS

Listens on 127.0.0.1:LISTEN_PORT and forwards every connection to TARGET_HOST:TARGET_PORT byte for byte (TLS passes
through untouched). Every chunk read from one side is written to the other ONE_WAY_MS after it was read, in order, so
a request and its answer take 2 x ONE_WAY_MS more than on loopback: a link with that latency and no bandwidth limit
(pipelined commands share one round trip, as on a real network). One reader and one writer thread per direction;
time.sleep keeps the delay within a fraction of a millisecond (an asyncio loop overshot by about 1 ms per hop).
Standard library only. Prints "ready" once it listens; stops on SIGTERM or SIGINT.
"""

import queue
import signal
import socket
import sys
import threading
import time


def forward(source, target, delay):
    """Copies source to target, each chunk delay seconds after it was read; half-closes target at the end."""
    chunks = queue.Queue()

    def read_side():
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            chunks.put((time.monotonic() + delay, data))
            if not data:
                return

    def write_side():
        while True:
            due, data = chunks.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if not data:
                    target.shutdown(socket.SHUT_WR)
                    return
                target.sendall(data)
            except OSError:
                return

    threads = [threading.Thread(target=read_side, daemon=True), threading.Thread(target=write_side, daemon=True)]
    for t in threads:
        t.start()
    return threads


def serve(client, host, port, delay):
    try:
        server = socket.create_connection((host, port))
    except OSError:
        client.close()
        return
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threads = forward(client, server, delay) + forward(server, client, delay)
    for t in threads:
        t.join()
    for s in (client, server):
        s.close()


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    listen_port, host, port, one_way_ms = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    delay = one_way_ms / 1000.0
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", listen_port))
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    try:
        while True:
            client, _ = listener.accept()
            threading.Thread(target=serve, args=(client, host, port, delay), daemon=True).start()
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()


if __name__ == "__main__":
    main()
