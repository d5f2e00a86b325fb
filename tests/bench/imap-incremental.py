#!/usr/bin/python3
"""Bare IMAP client baseline for tests/bench/Scale.Bench.ps1: what an incremental SmartEmail run asks of the server,
with nothing else. Connects over implicit TLS, logs in, EXAMINEs INBOX, UID SEARCH UID <first>:*, fetches what
SmartEmail fetches of the new messages (UID RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE) in one UID FETCH, logs
out, and prints one JSON line: the seconds of each step (perf_counter), the total, and how many messages it fetched.

    python3 imap-incremental.py <host> <port> <user> <password> <first uid>
"""
import imaplib
import json
import re
import ssl
import sys
import time


def main():
    host, port, user, password, first = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    condstore = '--condstore' in sys.argv[6:]  # EXAMINE INBOX (CONDSTORE), as MailKit opens a folder
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test servers' self-signed certificate, on loopback
    steps = {}
    clock = time.perf_counter()
    mark = clock

    def step(name):
        nonlocal mark
        now = time.perf_counter()
        steps[name] = round(now - mark, 6)
        mark = now

    imap = imaplib.IMAP4_SSL(host, port, ssl_context=context)
    step('connect')
    imap.login(user, password)
    step('login')
    if condstore:
        imap.state = 'SELECTED'  # imaplib knows no SELECT parameters: send the command as MailKit does
        imap.is_readonly = True
        typ, data = imap._simple_command('EXAMINE', 'INBOX (CONDSTORE)')
        if typ != 'OK':
            raise SystemExit('EXAMINE failed: %r' % (data,))
        typ, data = imap._untagged_response(typ, data, 'EXISTS')
    else:
        typ, data = imap.select('INBOX', readonly=True)  # EXAMINE, as SmartEmail opens the folder read-only
        if typ != 'OK':
            raise SystemExit('EXAMINE failed: %r' % (data,))
    exists = int(data[-1])
    step('examine')
    typ, data = imap.uid('SEARCH', 'UID', '%d:*' % first)
    uids = [u for u in data[0].split() if int(u) >= first]  # "n:*" also matches the highest UID when it is below n
    step('search')
    fetched = 0
    if uids:
        typ, data = imap.uid('FETCH', b','.join(uids).decode('ascii'), '(UID RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)')
        # imaplib returns each "* n FETCH (...)" as b'n (...', split into tuples around literals
        fetched = sum(1 for d in data if re.match(rb'^\d+ \(', d[0] if isinstance(d, tuple) else d or b''))
    step('fetch')
    imap.logout()
    step('logout')
    print(json.dumps({'steps': steps, 'seconds': round(time.perf_counter() - clock, 6), 'exists': exists,
                      'searched': len(uids), 'fetched': fetched}))


if __name__ == '__main__':
    main()
