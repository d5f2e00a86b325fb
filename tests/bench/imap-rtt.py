#!/usr/bin/python3
"""Measures an IMAP server's round trip as a client sees it: the median of N NOOPs over one session.

    /usr/bin/python3 imap-rtt.py HOST PORT USER PASSWORD [N]

Implicit TLS, the server certificate is not checked (the benchmark's own dovecot). Prints {"noopSeconds": median}.
"""
import imaplib
import json
import ssl
import statistics
import sys
import time

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
count = int(sys.argv[5]) if len(sys.argv) > 5 else 25
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
client = imaplib.IMAP4_SSL(host, port, ssl_context=context)
client.login(user, password)
times = []
for _ in range(count):
    start = time.perf_counter()
    client.noop()
    times.append(time.perf_counter() - start)
client.logout()
print(json.dumps({"noopSeconds": round(statistics.median(times), 5)}))
