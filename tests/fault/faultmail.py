#!/usr/bin/python3
"""faultmail.py - make, send and account for the messages of tests/fault.

  faultmail.py template --key PEM --domain D --selector S --out FILE
      Write the message templates: for each body size (small, medium,
      large) a header block signed with DKIM (python3-dkim, rsa-sha256,
      relaxed/relaxed) over From, To, Subject, Date, MIME-Version and
      Content-Type only, so that the same signature stays valid for every
      message built from it: the per-message fields (Message-ID,
      X-Fault-Id) are not signed.  FILE is JSON.

  faultmail.py send --port P --run R --count N --template FILE
                    [--threads T] [--reject-every K] [--manifest FILE]
      Send N messages R.0 .. R.N-1 to 127.0.0.1:P (the Postfix front
      door), T sessions in parallel.  Every K-th message (i % K == K-1) is
      "marked": its Message-ID ends in ".reject", which tells the fault
      proxy of the return port to refuse it with a 5xx.  Each message
      accepted with 250 becomes a manifest line "id marked".  Exit 1 if
      any message was not accepted.

  faultmail.py check --manifest FILE --sink DIR [--expect-temperror]
                    [--no-temperror] [--allow-foreign]
      Account for every message of the manifest by Message-ID in what the
      recording sink (tests/lib/smtp_sink.py) stored: a delivered copy
      (MAIL FROM not empty), or a bounce (MAIL FROM:<>, the original
      Message-ID in the returned headers).  A marked message must be
      bounced and not delivered, every other one delivered and not bounced.
        lost       = sent - delivered - bounced as instructed
        duplicates = copies beyond the first (counted, printed, allowed)
      Every delivered copy must carry exactly one Authentication-Results
      field of ours (the one added by the verify listener) that parses
      back (RFC 8601) and whose dkim result is pass or temperror;
      --expect-temperror requires at least one temperror (the DNS fault
      was seen), --no-temperror forbids any (dns_failure_action =
      tempfail: such messages must have been deferred instead).
      Prints "sent=N delivered=N bounced=N lost=N dup=N ..."; exit 1 on
      any loss, misplaced bounce or bad field.
"""

import argparse
import glob
import json
import os
import queue
import re
import smtplib
import sys
import threading

DATE = "Fri, 27 Nov 2026 12:00:00 +0000"
FROM = "sender@fault.test"
RCPT = "rcpt@dest.example"
SIGNED = [b"from", b"to", b"subject", b"date", b"mime-version",
          b"content-type"]
# small most of the time; medium and large ones make the mid-DATA faults
# hit while data is flowing, and large ones are spooled to disk
SIZES = {"small": 1500, "medium": 40 * 1024, "large": 400 * 1024}
SPECIAL = [b".", b"..", b". leading dot", b"..two dots", b"", b"tab\tend\t",
           b"trailing blanks   ", b"From the start"]


def kind_for(i):
    """body kind of message i: 1 in 20 medium, 1 in 50 large"""
    if i % 50 == 7:
        return "large"
    if i % 20 == 3:
        return "medium"
    return "small"


def body_for(kind):
    """a deterministic body of about SIZES[kind] octets, CRLF line ends"""
    lines = [b"Fault injection test body (%s)." % kind.encode()] + SPECIAL
    n = 0
    total = sum(len(x) + 2 for x in lines)
    while total < SIZES[kind]:
        ln = (b"line %06d " % n) + b"abcdefghijklmnopqrstuvwxyz0123456789" * (
            1 + n % 3)
        lines.append(ln)
        total += len(ln) + 2
        n += 1
    lines.append(b"last line")
    return b"\r\n".join(lines) + b"\r\n"


def head_for(kind):
    """the signed header fields of a template"""
    return ("From: Fault Sender <%s>\r\n"
            "To: <%s>\r\n"
            "Subject: dkimgate fault injection (%s)\r\n"
            "Date: %s\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n" % (
                FROM, RCPT, kind, DATE)).encode()


def cmd_template(a):
    """sign one template per body kind, write them as JSON"""
    import dkim  # Debian's python3-dkim; only this subcommand needs it
    with open(a.key, "rb") as f:
        key = f.read()
    out = {}
    for kind in SIZES:
        head, body = head_for(kind), body_for(kind)
        sig = dkim.sign(head + b"\r\n" + body, a.selector.encode(),
                        a.domain.encode(), key, include_headers=SIGNED,
                        canonicalize=(b"relaxed", b"relaxed"))
        out[kind] = {"head": (sig + head).decode("ascii"),
                     "body": body.decode("ascii")}
    with open(a.out, "w", encoding="ascii") as f:
        json.dump(out, f)
    return 0


def make_message(tpl, run, i, marked):
    """message i of run built from the templates"""
    kind = kind_for(i)
    mid = "%s.%d%s" % (run, i, ".reject" if marked else "")
    return (tpl[kind]["head"].encode() +
            b"Message-ID: <%s@fault.example>\r\n" % mid.encode() +
            b"X-Fault-Id: %s.%d\r\n" % (run.encode(), i) +
            b"\r\n" + tpl[kind]["body"].encode())


def cmd_send(a):
    """send --count messages, write the manifest"""
    with open(a.template, encoding="ascii") as f:
        tpl = json.load(f)
    work = queue.Queue()
    for i in range(a.count):
        work.put(i)
    lock = threading.Lock()
    failures = []
    mf = open(a.manifest, "a", encoding="ascii") if a.manifest else None

    def worker():
        """one sending session: take messages until none are left"""
        s = None
        while True:
            try:
                i = work.get_nowait()
            except queue.Empty:
                break
            marked = a.reject_every > 0 and i % a.reject_every == \
                a.reject_every - 1
            msg = make_message(tpl, a.run, i, marked)
            try:
                if s is None:
                    s = smtplib.SMTP("127.0.0.1", a.port,
                                     local_hostname="client.fault.test",
                                     timeout=120)
                s.sendmail(FROM, [RCPT], msg)
                with lock:
                    if mf:
                        mf.write("%s.%d %d\n" % (a.run, i, int(marked)))
            except (smtplib.SMTPException, OSError) as e:
                with lock:
                    failures.append((i, repr(e)))
                try:
                    if s is not None:
                        s.close()
                except OSError:
                    pass
                s = None
        if s is not None:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                pass

    threads = [threading.Thread(target=worker) for _ in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if mf:
        mf.close()
    for i, e in sorted(failures)[:10]:
        print("send: %s.%d not accepted: %s" % (a.run, i, e), file=sys.stderr)
    print("sent=%d accepted=%d failed=%d" % (
        a.count, a.count - len(failures), len(failures)))
    return 1 if failures else 0


def split_message(data):
    """header block (unfolded field list) and body of a message"""
    head, _, body = data.partition(b"\r\n\r\n")
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return fields, body


def field_value(fields, name):
    """values of every field called name (bytes, case-insensitive)"""
    key = name.lower() + b":"
    return [f[len(key):] for f in fields if f.lower().startswith(key)]


TSPECIALS = set(b'()<>@,;:\\"/[]?=')
ATEXT_EXTRA = set(b"!#$%&'*+-/=?^_`{|}~")


class ARError(ValueError):
    """an Authentication-Results value that does not parse"""


class ARParser:
    """RFC 8601 section 2.2 (with RFC 5322 CFWS, quoted-string and RFC 6376
    domain-name), over the raw field value as bytes, folding included:

      authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
                        ( no-result / 1*resinfo ) [CFWS] CRLF
      resinfo    = [CFWS] ";" methodspec [ CFWS reasonspec ]
                   [ CFWS 1*propspec ]
      methodspec = [CFWS] method [CFWS] "=" [CFWS] result
      reasonspec = "reason" [CFWS] "=" [CFWS] value
      propspec   = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
      pvalue     = [CFWS] ( value / [ [ local-part ] "@" ] domain-name )
                   [CFWS]
    """

    def __init__(self, raw):
        self.s = raw
        self.i = 0

    def fail(self, what):
        """raise with the position"""
        raise ARError("%s at %d: %r" % (what, self.i,
                                        self.s[self.i:self.i + 30]))

    def peek(self):
        """the next byte or None"""
        return self.s[self.i] if self.i < len(self.s) else None

    def cfws(self):
        """skip [CFWS]; True if anything was skipped"""
        start = self.i
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in (0x20, 0x09):
                self.i += 1
            elif self.s[self.i:self.i + 2] == b"\r\n" and \
                    self.s[self.i + 2:self.i + 3] in (b" ", b"\t"):
                self.i += 3
            elif c == 0x28:
                self.comment()
            else:
                break
        return self.i > start

    def comment(self):
        """a (possibly nested) comment"""
        depth = 0
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == 0x5c:
                if self.i + 1 >= len(self.s) or self.s[self.i + 1] < 0x20:
                    self.fail("bad quoted-pair in comment")
                self.i += 2
                continue
            if self.s[self.i:self.i + 2] == b"\r\n":
                if self.s[self.i + 2:self.i + 3] not in (b" ", b"\t"):
                    self.fail("line break in comment")
                self.i += 3
                continue
            if c < 0x20 and c != 0x09 or c == 0x7f:
                self.fail("control byte in comment")
            self.i += 1
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    return
        self.fail("unterminated comment")

    def quoted(self):
        """a quoted-string; returns its content"""
        if self.peek() != 0x22:
            self.fail("quoted-string expected")
        self.i += 1
        out = bytearray()
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == 0x22:
                self.i += 1
                return bytes(out)
            if c == 0x5c:
                if self.i + 1 >= len(self.s) or self.s[self.i + 1] < 0x20:
                    self.fail("bad quoted-pair")
                out.append(self.s[self.i + 1])
                self.i += 2
                continue
            if self.s[self.i:self.i + 2] == b"\r\n" and \
                    self.s[self.i + 2:self.i + 3] in (b" ", b"\t"):
                self.i += 2
                continue
            if c < 0x20 and c != 0x09 or c == 0x7f:
                self.fail("control byte in quoted-string")
            out.append(c)
            self.i += 1
        self.fail("unterminated quoted-string")

    def run(self, ok):
        """the longest run of bytes for which ok(byte) holds"""
        start = self.i
        while self.i < len(self.s) and ok(self.s[self.i]):
            self.i += 1
        return self.s[start:self.i]

    def token(self):
        """an RFC 2045 token"""
        t = self.run(lambda c: 0x20 < c < 0x7f and c not in TSPECIALS)
        if not t:
            self.fail("token expected")
        return t

    def value(self):
        """value = token / quoted-string"""
        return self.quoted() if self.peek() == 0x22 else self.token()

    def keyword(self):
        """Keyword = ldh-str"""
        k = self.run(lambda c: chr(c).isalnum() or c == 0x2d)
        if not k or k.endswith(b"-"):
            self.fail("keyword expected")
        return k.decode().lower()

    def expect(self, ch):
        """one literal byte"""
        if self.peek() != ord(ch):
            self.fail("%r expected" % ch)
        self.i += 1

    def domain(self):
        """domain-name (RFC 6376 3.5: sub-domains of let-dig/hyphen)"""
        d = self.run(lambda c: chr(c).isalnum() or c in (0x2d, 0x2e) or
                     c >= 0x80)
        labels = d.split(b".")
        if not d or any(not x or x.startswith(b"-") or x.endswith(b"-")
                        for x in labels):
            self.fail("domain-name expected")
        return d

    def pvalue(self):
        """pvalue; the identity forms are checked against their grammar"""
        self.cfws()
        c = self.peek()
        if c == 0x40:
            self.i += 1
            v = b"@" + self.domain()
        elif c == 0x22:
            v = self.quoted()
            if self.peek() == 0x40:
                self.i += 1
                v = b'"' + v + b'"@' + self.domain()
        else:
            v = self.run(lambda x: 0x20 < x < 0x7f and
                         (x not in TSPECIALS or x == 0x2e) or x >= 0x80)
            if self.peek() == 0x40:
                if not all(p and all(chr(x).isalnum() or x in ATEXT_EXTRA or
                                     x >= 0x80 for x in p)
                           for p in v.split(b".")):
                    self.fail("bad local-part")
                self.i += 1
                v += b"@" + self.domain()
            elif not v or any(x in TSPECIALS or x >= 0x80 for x in v):
                self.fail("pvalue expected")
        self.cfws()
        return v

    def parse(self):
        """the whole value: (authserv-id, [result dicts])"""
        self.cfws()
        ident = self.value().decode("utf-8")
        if self.cfws() and self.peek() is not None and \
                chr(self.peek()).isdigit():
            self.run(lambda c: chr(c).isdigit())
            self.cfws()
        results = []
        while True:
            self.cfws()
            if self.peek() is None:
                break
            self.expect(";")
            self.cfws()
            method = self.keyword()
            if method == "none" and not results:
                self.cfws()
                if self.peek() is not None:
                    self.fail("text after none")
                return ident, []
            self.cfws()
            if self.peek() == 0x2f:
                self.i += 1
                self.cfws()
                self.run(lambda c: chr(c).isdigit())
                self.cfws()
            self.expect("=")
            self.cfws()
            res = {"method": method, "result": self.keyword(), "props": {}}
            self.cfws()
            while self.peek() not in (None, 0x3b):
                name = self.keyword()
                self.cfws()
                if name == "reason" and self.peek() == 0x3d:
                    self.i += 1
                    self.cfws()
                    res["reason"] = self.value()
                    self.cfws()
                    continue
                self.expect(".")
                self.cfws()
                prop = self.keyword()
                self.cfws()
                self.expect("=")
                res["props"]["%s.%s" % (name, prop)] = self.pvalue()
            results.append(res)
        if not results:
            self.fail("no resinfo")
        return ident, results


def parse_authres(value):
    """(authserv-id, results) of an Authentication-Results value, or None
    when it does not follow RFC 8601's grammar"""
    try:
        return ARParser(value).parse()
    except (ARError, UnicodeDecodeError):
        return None


def bounced_id(data):
    """the Message-ID of the original message inside a bounce"""
    m = re.search(rb"\r\nMessage-ID: <([^>@]+)@fault\.example>", data,
                  re.IGNORECASE)
    return m.group(1).decode("ascii", "replace") if m else None


def cmd_check(a):
    """account for every manifest message in the sink"""
    sent = {}
    with open(a.manifest, encoding="ascii") as f:
        for line in f:
            ident, marked = line.split()
            sent[ident] = marked == "1"
    delivered = {}
    bounced = {}
    foreign = []
    bad = []
    ar = {}
    for envf in sorted(glob.glob(os.path.join(a.sink, "*.env"))):
        with open(envf, "rb") as f:
            env = f.read().split(b"\n")
        with open(envf[:-4] + ".eml", "rb") as f:
            data = f.read()
        mail = [x for x in env if x.upper().startswith(b"MAIL FROM:")]
        fields, _ = split_message(data)
        if mail and mail[0][10:12] == b"<>":
            ident = bounced_id(data)
            if ident is None:
                foreign.append(os.path.basename(envf))
                continue
            ident = ident.removesuffix(".reject")
            bounced[ident] = bounced.get(ident, 0) + 1
            continue
        xid = field_value(fields, b"X-Fault-Id")
        ident = xid[0].strip().decode("ascii", "replace") if xid else None
        if ident not in sent:
            foreign.append(os.path.basename(envf))
            continue
        delivered[ident] = delivered.get(ident, 0) + 1
        ours = [v for v in field_value(fields, b"Authentication-Results")]
        if a.authserv_id:
            parsed = [parse_authres(v) for v in ours]
            mine = [p for p in parsed if p and p[0] == a.authserv_id]
            if len(ours) != 1 or len(mine) != 1:
                bad.append("%s: %d Authentication-Results fields, %d ours "
                           "parsed: %r" % (ident, len(ours), len(mine),
                                           ours[:2]))
                continue
            dk = [r["result"] for r in mine[0][1]
                  if r["method"] == "dkim"] or ["none"]
            for r in dk:
                ar[r] = ar.get(r, 0) + 1
                if r not in ("pass", "temperror"):
                    bad.append("%s: dkim=%s" % (ident, r))
    lost = []
    wrongly_bounced = []
    not_bounced = []
    for ident, marked in sent.items():
        if marked:
            if ident in delivered:
                bad.append("%s: marked for a 5xx but delivered" % ident)
            if ident not in bounced:
                not_bounced.append(ident)
        else:
            if ident in bounced:
                wrongly_bounced.append(ident)
            if ident not in delivered:
                lost.append(ident)
    dup = sum(v - 1 for v in delivered.values()) + \
        sum(v - 1 for v in bounced.values())
    if a.expect_temperror and ar.get("temperror", 0) == 0:
        bad.append("no dkim=temperror: the DNS fault was never seen")
    if a.no_temperror and ar.get("temperror", 0) > 0:
        bad.append("%d messages delivered with dkim=temperror although "
                   "dns_failure_action = tempfail" % ar["temperror"])
    for title, items in (("lost", lost), ("marked but not bounced",
                         not_bounced), ("bounced but not marked",
                         wrongly_bounced), ("foreign", foreign),
                         ("problem", bad)):
        for x in sorted(items)[:10]:
            print("check: %s: %s" % (title, x), file=sys.stderr)
    nmarked = sum(1 for v in sent.values() if v)
    print("sent=%d delivered=%d bounced=%d lost=%d dup=%d marked=%d "
          "bounced_wrongly=%d not_bounced=%d foreign=%d problems=%d %s" % (
              len(sent), len(delivered), len(bounced), len(lost) +
              len(not_bounced), dup, nmarked, len(wrongly_bounced),
              len(not_bounced), len(foreign), len(bad),
              " ".join("dkim_%s=%d" % kv for kv in sorted(ar.items()))))
    ok = not (lost or not_bounced or wrongly_bounced or bad or
              (foreign and not a.allow_foreign))
    return 0 if ok else 1


def main():
    """command-line entry"""
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("template")
    t.add_argument("--key", required=True)
    t.add_argument("--domain", required=True)
    t.add_argument("--selector", required=True)
    t.add_argument("--out", required=True)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--run", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--template", required=True)
    s.add_argument("--threads", type=int, default=8)
    s.add_argument("--reject-every", type=int, default=0)
    s.add_argument("--manifest")
    c = sub.add_parser("check")
    c.add_argument("--manifest", required=True)
    c.add_argument("--sink", required=True)
    c.add_argument("--authserv-id")
    c.add_argument("--expect-temperror", action="store_true")
    c.add_argument("--no-temperror", action="store_true")
    c.add_argument("--allow-foreign", action="store_true")
    a = ap.parse_args()
    return {"template": cmd_template, "send": cmd_send,
            "check": cmd_check}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
