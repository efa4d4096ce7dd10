#!/usr/bin/python3
"""inject.py - the access and injection clients of tests/fault.

  inject.py greet --port P [--source ADDR]
      Connect to 127.0.0.1:P from ADDR (default 127.0.0.1), print the
      greeting's first line, send QUIT if it was a 220, and print whether
      the server then closed the connection ("closed") or not.

  inject.py send --port P --id ID
      One SMTP session straight to a dkimgate verify listener (the role of
      Postfix's smtp client), full of hostile bytes: EHLO/HELO names with
      ESC and a bare CR, XFORWARD attributes whose xtext decodes to CR LF,
      ESC or NUL, MAIL FROM with NUL, ESC and DEL, XFORWARD/MAIL values
      with ';', ')' and quotes, a message
      whose header fields carry control bytes (ESC, BEL, NUL, bare CR,
      DEL), three DKIM-Signature fields with ';', ')' and '"' in d= and s=
      and control bytes in tags, and a forged Authentication-Results with
      our authserv-id.  Prints one line "CMD -> CODE" per command, for
      the scenario to assert on.  The message has Message-ID <ID@fault.test>.

  inject.py check --log FILE --sink DIR --id ID --authserv-id A
      Check dkimgate's log: every line is one record (it starts with the
      time stamp and program name) and holds no control byte; the hostile
      values appear escaped.  Check the delivered message: exactly one
      Authentication-Results field, ours, that parses back (RFC 8601
      section 2.2), results for each signature, no injected field, and no
      header line that does not belong to a field.  Prints what it found;
      exit 1 on any problem.
"""

import argparse
import glob
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultmail  # noqa: E402  (the RFC 8601 parser)

RECORD = re.compile(rb"^(=== .*|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} "
                    rb"[A-Za-z_.-]+\[\d+\] [a-z]+( \d+)?: .*)$")


class Client:
    """a line-oriented SMTP client on a raw socket"""

    def __init__(self, port, source=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.settimeout(30)
        if source:
            self.s.bind((source, 0))
        self.s.connect(("127.0.0.1", port))
        self.buf = b""

    def reply(self):
        """one whole reply (bytes), b"" at EOF"""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                d = self.s.recv(65536)
                if not d:
                    return out
                self.buf += d
            line, self.buf = self.buf.split(b"\r\n", 1)
            out += line + b"\r\n"
            if len(line) < 4 or line[3:4] != b"-":
                return out

    def cmd(self, line):
        """send a command (bytes, CRLF added), print and return the code"""
        self.s.sendall(line + b"\r\n")
        rep = self.reply()
        code = int(rep[:3]) if rep[:3].isdigit() else 0
        print("%r -> %d %s" % (line[:60], code, rep[4:60].decode(
            "ascii", "replace").strip()))
        return code


def cmd_greet(a):
    """the greeting seen from a source address"""
    c = Client(a.port, a.source)
    rep = c.reply().decode("ascii", "replace").splitlines()
    print(rep[0] if rep else "EOF")
    if rep and rep[0].startswith("220"):
        c.cmd(b"QUIT")
    c.s.settimeout(5)
    try:
        closed = c.s.recv(1) == b""
    except OSError:
        closed = True
    print("closed" if closed else "open")
    return 0


def message(ident):
    """the hostile message"""
    sigs = [
        # ';' ends the d= tag early, '"' and ')' in what is left
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
        b"\td=fa\"u;l)t.test; s=rsa; h=from:subject;\r\n"
        b"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA",
        # '(' ')' '"' are valid tag-value characters (RFC 6376 3.2), not
        # valid in a domain or selector
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
        b"\td=ex(am)\"ple.test; s=se)l\"(x; h=from:subject;\r\n"
        b"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=BBBB",
        # control bytes inside tags
        b"DKIM-Signature: v=1; a=rsa-sha256; d=fault.test;\r\n"
        b"\ts=rsa\x1b[0m\x07; h=from; i=\x00@fault.test;\r\n"
        b"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=CCCC",
    ]
    head = sigs + [
        b"Authentication-Results: mx.fault.test; dkim=pass (forged)\r\n"
        b"\theader.d=fault.test",
        b"From: \"Ev\x1b[1mil\" <evil@fault.test>",
        b"To: <rcpt@dest.example>",
        b"Subject: hi \x1b[2J\x07 bell \x00 nul \x7f del \r bare CR",
        b"X-Control: \x01\x02\x03\x1b]0;title\x07",
        b"Message-ID: <%s@fault.test>" % ident.encode(),
        b"Date: Fri, 27 Nov 2026 12:00:00 +0000",
    ]
    return b"\r\n".join(head) + b"\r\n\r\nbody \x1b[5m\x00\r\n"


def cmd_send(a):
    """the hostile session"""
    c = Client(a.port)
    greet = c.reply()
    print("greeting -> %s" % greet[:3].decode("ascii", "replace"))
    c.cmd(b"EHLO evil\x1b[31m.example")
    c.cmd(b"HELO a\rb.example")
    c.cmd(b"EHLO client.fault.test")
    c.cmd(b"XFORWARD NAME=evil+0D+0AX-Injected:+20name ADDR=127.0.0.1")
    c.cmd(b"XFORWARD HELO=evil+1B[31m IDENT=Q+00X")
    c.cmd(b"MAIL FROM:<a@b>\x00 trailing")
    if c.cmd(b"MAIL FROM:<ev\x1b[1mil\x7f@fault.test>") // 100 == 2:
        c.cmd(b"RCPT TO:<rc\x1bpt\x07@dest.example>")
        c.cmd(b"RSET")
    c.cmd(b"XFORWARD ADDR=127.0.0.1 PROTO=ESMTP HELO=h;x(y)z\"q "
          b"IDENT=ID;)+22x")
    c.cmd(b"MAIL FROM:<\"ev;il)(\\\"x\"@fault.test>")
    c.cmd(b"RCPT TO:<rcpt@dest.example>")
    if c.cmd(b"DATA") == 354:
        c.s.sendall(message(a.id) + b".\r\n")
        rep = c.reply()
        print("message -> %s" % rep[:60].decode("ascii", "replace").strip())
    c.cmd(b"QUIT")
    return 0


def cmd_check(a):
    """check the log and the delivered message"""
    bad = []
    with open(a.log, "rb") as f:
        log = f.read()
    lines = log.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for n, line in enumerate(lines, 1):
        if re.search(rb"[\x00-\x1f\x7f]", line):
            bad.append("log line %d has a control byte: %r" % (n, line[:120]))
        elif not RECORD.match(line):
            bad.append("log line %d is not a record of its own: %r" % (
                n, line[:120]))
    # the hostile values arrived, escaped
    for want in (rb'from=<\"ev;il)(\\\"x\"@fault.test>',
                 rb"helo=h;x(y)z\"q "):
        if want not in log:
            bad.append("log lacks %r" % want)
    print("log: %d lines checked" % len(lines))

    found = None
    for eml in sorted(glob.glob(os.path.join(a.sink, "*.eml"))):
        with open(eml, "rb") as f:
            data = f.read()
        if b"<%s@fault.test>" % a.id.encode() in data.split(b"\r\n\r\n")[0]:
            found = data
    if found is None:
        bad.append("message %s not delivered" % a.id)
    else:
        head = found.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n"):
            if not re.match(rb"^([!-9;-~]+:|[ \t])", line):
                bad.append("header line belongs to no field: %r" % line[:80])
        fields, _ = faultmail.split_message(found)
        names = [f.split(b":", 1)[0].lower() for f in fields]
        if b"x-injected" in names:
            bad.append("an X-Injected field was injected")
        ars = faultmail.field_value(fields, b"Authentication-Results")
        if len(ars) != 1:
            bad.append("%d Authentication-Results fields (want 1): %r" % (
                len(ars), ars))
        for v in ars:
            if re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", v) or \
                    re.search(rb"\r(?!\n[ \t])|(?<!\r)\n", v):
                bad.append("raw control byte in the field: %r" % v)
            p = faultmail.parse_authres(v)
            if p is None:
                bad.append("the field does not parse (RFC 8601): %r" % v)
                continue
            ident, results = p
            if ident != a.authserv_id:
                bad.append("authserv-id %r" % ident)
            dk = [r for r in results if r["method"] == "dkim"]
            print("Authentication-Results parsed: %s" % "; ".join(
                "%s=%s %s" % (r["method"], r["result"], " ".join(
                    "%s=%s" % (k, v.decode("utf-8", "replace"))
                    for k, v in r["props"].items())) for r in results))
            if len(dk) != 3 or any(r["result"] not in ("permerror", "fail",
                                                       "neutral")
                                   for r in dk):
                bad.append("want 3 failed dkim results, got %r" % dk)
            if b"forged" in v:
                bad.append("the forged field's text survived: %r" % v)
    for x in bad:
        print("check: %s" % x, file=sys.stderr)
    print("problems=%d" % len(bad))
    return 1 if bad else 0


def main():
    """command-line entry"""
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("greet")
    g.add_argument("--port", type=int, required=True)
    g.add_argument("--source")
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--id", required=True)
    c = sub.add_parser("check")
    c.add_argument("--log", required=True)
    c.add_argument("--sink", required=True)
    c.add_argument("--id", required=True)
    c.add_argument("--authserv-id", required=True)
    a = ap.parse_args()
    return {"greet": cmd_greet, "send": cmd_send, "check": cmd_check}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
