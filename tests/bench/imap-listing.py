#!/usr/bin/python3
"""Bare IMAP client floor for tests/bench/Mailbox.Bench.ps1: the IMAP work of a SmartEmail listing of a whole INBOX and
nothing else. Connects over implicit TLS (no certificate check: the test servers' self-signed certificate, on
loopback), logs in, EXAMINEs INBOX, UID SEARCH ALL, then per batch of 1,000 UIDs the two UID FETCH commands SmartEmail
sends (UID INTERNALDATE RFC822.SIZE BODYSTRUCTURE, then the summary header fields), logs out, and prints the number of
messages it fetched. What this process takes is what the server (and Python's start-up) needs for the same answers.

    python3 imap-listing.py <host> <port> <user> <password>
"""
import imaplib
import ssl
import sys

FIELDS = 'FROM SENDER TO CC SUBJECT DATE MESSAGE-ID MIME-VERSION CONTENT-TYPE CONTENT-DISPOSITION'


def main():
    host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    imap = imaplib.IMAP4_SSL(host, port, ssl_context=context)
    imap.login(user, password)
    typ, data = imap.select('INBOX', readonly=True)
    if typ != 'OK':
        raise SystemExit('EXAMINE failed: %r' % (data,))
    typ, data = imap.uid('SEARCH', 'ALL')
    uids = data[0].split()
    fetched = 0
    for start in range(0, len(uids), 1000):
        batch = b','.join(uids[start:start + 1000]).decode('ascii')
        typ, data = imap.uid('FETCH', batch, '(UID INTERNALDATE RFC822.SIZE BODYSTRUCTURE)')
        fetched += sum(1 for d in data if d is not None and not isinstance(d, tuple))
        imap.uid('FETCH', batch, '(UID BODY.PEEK[HEADER.FIELDS (%s)])' % FIELDS)
    imap.logout()
    print(fetched)


if __name__ == '__main__':
    main()
