#!/usr/bin/python3
"""e2e_mail.py - generate, send and check test messages for tests/e2e.

  e2e_mail.py send --port P --run R --count N [--first I] [--profile P]
                   [--size S] [--threads T] [--dsn] [--manifest FILE]
                   [--rcpts K] [--no-size] [--expect CODE [--expect-text T]]
      Generate N deterministic messages (ids R.I .. R.I+N-1) and send each
      over SMTP to 127.0.0.1:P, several sessions in parallel.  For every
      message accepted with 250 a line "id sha256 size flags reply" is
      appended to the manifest.  Exit status 1 if any was not accepted.
      --expect makes CODE (e.g. 552) the wanted reply to the final dot,
      with text starting with T (e.g. "5.3.4"); --no-size leaves out the
      SIZE parameter, so that only the end of DATA can refuse the size.
  e2e_mail.py check --manifest FILE --sink DIR [--allow-dup FILE] [--dsn]
                    [--allow-foreign]
      Compare what the recording sink (smtp_sink.py) stored with the
      manifest: every message must have arrived exactly once (duplicates
      only for ids listed in --allow-dup) and be byte-identical to what was
      sent apart from the Received fields that the Postfix instances put on
      top; SMTPUTF8 messages must arrive with SMTPUTF8; with --dsn the
      MAIL/RCPT DSN parameters (RFC 3461) must arrive intact.
      Prints one summary line; exit status 1 on any discrepancy.
  e2e_mail.py ids --sink DIR
      Print "NNNNNN X-E2E-Id MAIL-FROM-address" for each stored message
      ("-" when the message has no X-E2E-Id field, e.g. a bounce).
  e2e_mail.py show --run R --index I --size S --flags F
      Write one generated message to stdout (for diagnosis).

Profiles: "mixed" (sizes from 1 KB to 30 MB: two of 30 MB, two of 10 MB,
six of 1-4 MB, the rest 1-256 KB log-uniform), "medium" (1-200 KB
log-uniform), "small" (1-8 KB).  Flags per
message: "8" 8-bit body (BODY=8BITMIME), "u" SMTPUTF8 (UTF-8 sender address
and Subject), "-" plain 7-bit.  Bodies contain lines of up to 990 octets,
bare "." lines, lines starting with "." and "..", empty lines, trailing
white space and tabs: everything a relay must pass through untouched.
"""

import argparse
import glob
import hashlib
import os
import queue
import random
import smtplib
import sys
import threading

DATE = "Fri, 27 Nov 2026 12:00:00 +0000"
RCPT_DOMAIN = "dest.example"
MAXLINE = 990           # longest line sent (RFC 5321 4.5.3.1.6 allows 998)

SPECIAL_LINES = [
    b".", b"..", b"...", b".leading dot", b"..two leading dots", b". ",
    b"", b"", b"trailing blanks   ", b"trailing tab\t", b"\tleading tab",
    b"From the start of a line", b"x" * MAXLINE, b"." + b"y" * (MAXLINE - 1),
    b"-- ", b"=3D not quoted-printable", b"<html> & </html>",
]
UTF8_LINES = [
    "Grüße aus Köln – ✓ naïve café".encode(),
    "日本語のテキスト、メール本文".encode(),
    "Ελληνικά και Русский текст".encode(),
    ("ü" * (MAXLINE // 2)).encode(),
]


def sizes_for(profile, i):
    """target size in octets of message i under profile"""
    rng = random.Random("size-%s-%d" % (profile, i))
    if profile == "small":
        return rng.randint(1024, 8192)
    if profile == "medium":
        return int(1024 * (200 ** rng.random()))
    big = {0: 30 << 20, 1: 30 << 20, 2: 10 << 20, 3: 10 << 20}
    if i in big:
        return big[i]
    if 4 <= i < 10:
        return rng.randint(1 << 20, 4 << 20)
    return int(1024 * (256 ** rng.random()))


def flags_for(i):
    """message kind of message i: '-', '8' or 'u'"""
    if i % 7 == 3:
        return "u"
    if i % 5 == 1:
        return "8"
    return "-"


POOLS = {}


def line_pool(eight):
    """the pool of body lines to draw from (built once per kind)"""
    if eight in POOLS:
        return POOLS[eight]
    rng = random.Random("pool-%d" % eight)
    pool = []
    for _ in range(400):
        n = rng.choice((0, 1, 10, 40, 72, 76, 78, 200, 500, 989, 990))
        n = min(n, MAXLINE)
        pool.append(bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz"
                                     b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     b"0123456789 .,;:!?-_=+*/()<>@\t")
                          for _ in range(n)))
    pool += SPECIAL_LINES * 4
    if eight:
        pool += UTF8_LINES * 8
    POOLS[eight] = pool
    return pool


def sender_for(run, i, flags):
    """envelope and header sender of message i"""
    if "u" in flags:
        return "sénder.%d@src.example" % i
    return "sender.%d@src.example" % i


def make_message(run, i, size, flags):
    """the message bytes (CRLF line ends, final CRLF)"""
    rng = random.Random("msg-%s-%d" % (run, i))
    eight = flags in ("8", "u")
    subject = "e2e %s message %d" % (run, i)
    if "u" in flags:
        subject += " — Grüße ✓"
    hdr = [
        "From: E2E Sender <%s>" % sender_for(run, i, flags),
        "To: <rcpt@%s>" % RCPT_DOMAIN,
        "Subject: " + subject,
        "Date: " + DATE,
        "Message-ID: <%s.%d@src.example>" % (run, i),
        "X-E2E-Id: %s.%d" % (run, i),
        "X-E2E-Folded: first part of a folded field\r\n"
        "\tsecond part\r\n    third part",
        "X-E2E-Long: " + "h" * (MAXLINE - len("X-E2E-Long: ")),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: " + ("8bit" if eight else "7bit"),
    ]
    head = "\r\n".join(hdr).encode() + b"\r\n\r\n"
    pool = line_pool(eight)
    # every message holds the special lines at least once
    body = [b"Message %s.%d" % (run.encode(), i)] + SPECIAL_LINES
    if eight:
        body += UTF8_LINES
    total = len(head) + sum(len(x) + 2 for x in body)
    while total < size:
        ln = rng.choice(pool)
        body.append(ln)
        total += len(ln) + 2
    body.append(b"last line")
    return head + b"\r\n".join(body) + b"\r\n"


def dsn_params(run, i, k):
    """DSN parameters (RFC 3461) of message i: MAIL options, per rcpt"""
    mail = ["RET=%s" % ("HDRS" if i % 2 else "FULL"),
            "ENVID=E2E.%s.%d" % (run, i)]
    notify = ["SUCCESS,DELAY", "NEVER", "FAILURE", "SUCCESS,FAILURE,DELAY"]
    rcpts = []
    for r in range(k):
        rcpts.append(["NOTIFY=%s" % notify[(i + r) % len(notify)],
                      "ORCPT=rfc822;orig.%d.%d@orig.example" % (i, r)])
    return mail, rcpts


def recipients(i, k):
    """envelope recipients of message i"""
    return ["rcpt@%s" % RCPT_DOMAIN] + \
        ["rcpt%d@%s" % (r, RCPT_DOMAIN) for r in range(1, k)]


def cmd_send(a):
    """send --count messages, write the manifest"""
    work = queue.Queue()
    for i in range(a.first, a.first + a.count):
        work.put(i)
    lock = threading.Lock()
    failures = []
    mf = open(a.manifest, "a", encoding="utf-8") if a.manifest else None

    def worker():
        s = None
        while True:
            try:
                i = work.get_nowait()
            except queue.Empty:
                break
            flags = flags_for(i)
            size = a.size if a.size else sizes_for(a.profile, i)
            msg = make_message(a.run, i, size, flags)
            sender = sender_for(a.run, i, flags)
            opts = [] if a.no_size else ["SIZE=%d" % len(msg)]
            if flags in ("8", "u"):
                opts.append("BODY=8BITMIME")
            if "u" in flags:
                opts.append("SMTPUTF8")
            rcpts = recipients(i, a.rcpts)
            ropts = [[] for _ in rcpts]
            if a.dsn:
                mopts, ropts = dsn_params(a.run, i, len(rcpts))
                opts += mopts
            try:
                if s is None:
                    s = smtplib.SMTP("127.0.0.1", a.port,
                                     local_hostname="client.test",
                                     timeout=a.timeout)
                    s.ehlo()
                if "u" in flags:
                    s.command_encoding = "utf-8"
                code, resp = s.mail(sender, opts)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, resp, sender)
                for r, ro in zip(rcpts, ropts):
                    code, resp = s.rcpt(r, ro)
                    if code not in (250, 251):
                        raise smtplib.SMTPRecipientsRefused({r: (code, resp)})
                code, resp = s.data(msg)
                if code != a.expect or not resp.decode(
                        "utf-8", "replace").startswith(a.expect_text):
                    raise smtplib.SMTPDataError(code, resp)
                s.command_encoding = "ascii"
                line = "%s.%d\t%s\t%d\t%s\t%s\n" % (
                    a.run, i, hashlib.sha256(msg).hexdigest(), len(msg),
                    flags, resp.decode("utf-8", "replace").replace("\t", " "))
                with lock:
                    if mf:
                        mf.write(line)
                        mf.flush()
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
        print("send: message %s.%d not accepted: %s" % (a.run, i, e),
              file=sys.stderr)
    print("sent=%d accepted=%d failed=%d" % (
        a.count, a.count - len(failures), len(failures)))
    return 1 if failures else 0


def strip_received(data):
    """remove the Received fields at the top of the message"""
    pos = 0
    while data[pos:pos + 9].lower() == b"received:":
        end = data.find(b"\r\n", pos)
        while end >= 0 and data[end + 2:end + 3] in (b" ", b"\t"):
            end = data.find(b"\r\n", end + 2)
        if end < 0:
            return data[pos:]
        pos = end + 2
    return data[pos:]


def header_value(data, name):
    """value of the first header field called name (bytes), or None"""
    head = data.split(b"\r\n\r\n", 1)[0]
    key = name.lower() + b":"
    for line in head.split(b"\r\n"):
        if line.lower().startswith(key):
            return line[len(key):].strip()
    return None


def first_difference(a, b):
    """describe the first differing line of a and b"""
    la, lb = a.split(b"\r\n"), b.split(b"\r\n")
    for n, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: sent %r, got %r" % (n + 1, x[:80], y[:80])
    return "sent %d lines, got %d lines" % (len(la), len(lb))


def check_dsn(run, i, env, nrcpt):
    """compare the DSN parameters in env lines; return a list of problems"""
    mopts, ropts = dsn_params(run, i, nrcpt)
    bad = []
    mail = [ln for ln in env if ln.upper().startswith("MAIL FROM:")]
    words = mail[0].split()[2:] if mail else []
    upper = [w.upper() for w in words]
    for o in mopts:
        if o.upper() not in upper:
            bad.append("MAIL lacks %s (got %s)" % (o, " ".join(words)))
    rl = [ln for ln in env if ln.upper().startswith("RCPT TO:")]
    for addr, ro in zip(recipients(i, nrcpt), ropts):
        line = [ln for ln in rl if ("<%s>" % addr) in ln]
        if not line:
            bad.append("no RCPT for %s" % addr)
            continue
        params = dict(w.split("=", 1) for w in line[0].split()[2:]
                      if "=" in w)
        params = {k.upper(): v for k, v in params.items()}
        want_notify = set(ro[0].split("=", 1)[1].split(","))
        got_notify = set(params.get("NOTIFY", "").upper().split(","))
        if want_notify != got_notify:
            bad.append("%s: NOTIFY %s, want %s" % (addr, params.get("NOTIFY"),
                                                  ro[0]))
        want_orcpt = ro[1].split("=", 1)[1]
        got = params.get("ORCPT", "")
        t, _, v = got.partition(";")
        wt, _, wv = want_orcpt.partition(";")
        if t.lower() != wt.lower() or v != wv:
            bad.append("%s: ORCPT %s, want %s" % (addr, got, want_orcpt))
    return bad


def cmd_check(a):
    """check the sink against the manifest"""
    sent = {}
    with open(a.manifest, encoding="utf-8") as f:
        for line in f:
            ident, sha, size, flags = line.rstrip("\n").split("\t")[:4]
            sent[ident] = (sha, int(size), flags)
    allowed = set()
    if a.allow_dup:
        with open(a.allow_dup, encoding="utf-8") as f:
            allowed = {x.strip() for x in f if x.strip()}
    seen = {}
    mismatched = []
    foreign = []
    problems = []
    for envf in sorted(glob.glob(os.path.join(a.sink, "*.env"))):
        emlf = envf[:-4] + ".eml"
        with open(emlf, "rb") as f:
            data = f.read()
        with open(envf, "rb") as f:
            env = [x.decode("utf-8", "replace")
                   for x in f.read().split(b"\n") if x]
        ident = header_value(data, b"X-E2E-Id")
        ident = ident.decode("ascii", "replace") if ident else None
        if ident not in sent:
            mail = [x for x in env if x.upper().startswith("MAIL")]
            foreign.append("%s (%s)" % (os.path.basename(emlf),
                                        mail[0] if mail else "?"))
            continue
        seen[ident] = seen.get(ident, 0) + 1
        sha, size, flags = sent[ident]
        body = strip_received(data)
        if hashlib.sha256(body).hexdigest() != sha:
            mismatched.append("%s in %s: size sent %d got %d" % (
                ident, os.path.basename(emlf), size, len(body)))
            if len(mismatched) <= 5:
                # regenerate what was sent to show the first difference
                run, _, i = ident.rpartition(".")
                orig = make_message(run, int(i),
                                    sizes_for(a.profile, int(i)), flags)
                if len(orig) == size:
                    mismatched[-1] += "; " + first_difference(orig, body)
        mail = [x for x in env if x.upper().startswith("MAIL FROM:")]
        run, _, i = ident.rpartition(".")
        want_from = "MAIL FROM:<%s>" % sender_for(run, int(i), flags)
        if not mail or not mail[0].startswith(want_from):
            problems.append("%s: envelope %r, want %r" % (
                ident, mail[0] if mail else None, want_from))
        if "u" in flags and (not mail or "SMTPUTF8" not in mail[0].upper()):
            problems.append("%s: SMTPUTF8 lost: %r" % (ident, mail))
        if a.dsn:
            nr = len([x for x in env if x.upper().startswith("RCPT TO:")])
            problems += ["%s: %s" % (ident, p)
                         for p in check_dsn(run, int(i), env, max(nr, 1))]
    missing = sorted(set(sent) - set(seen))
    dups = sorted(k for k, v in seen.items() if v > 1)
    bad_dups = [k for k in dups if k not in allowed]
    for title, items in (("missing", missing), ("mismatched", mismatched),
                         ("duplicate (not allowed)", bad_dups),
                         ("foreign", foreign), ("problem", problems)):
        for x in items[:10]:
            print("check: %s: %s" % (title, x), file=sys.stderr)
    print("sent=%d received=%d unique=%d missing=%d mismatched=%d "
          "duplicates=%d duplicates_not_allowed=%d foreign=%d problems=%d" % (
              len(sent), sum(seen.values()), len(seen), len(missing),
              len(mismatched), len(dups), len(bad_dups), len(foreign),
              len(problems)))
    ok = not (missing or mismatched or bad_dups or problems or
              (foreign and not a.allow_foreign))
    return 0 if ok else 1


def cmd_ids(a):
    """print "NNNNNN id mail-from" for every message the sink stored"""
    for envf in sorted(glob.glob(os.path.join(a.sink, "*.env"))):
        with open(envf[:-4] + ".eml", "rb") as f:
            data = f.read()
        with open(envf, "rb") as f:
            env = [x.decode("utf-8", "replace") for x in f.read().split(b"\n")]
        ident = header_value(data, b"X-E2E-Id")
        mail = [x for x in env if x.upper().startswith("MAIL FROM:")]
        sender = "-"
        if mail and "<" in mail[0]:
            sender = mail[0][mail[0].index("<"):].split(">")[0] + ">"
        print("%s %s %s" % (os.path.basename(envf)[:-4],
                            ident.decode("ascii", "replace") if ident else "-",
                            sender))
    return 0


def cmd_show(a):
    """print one generated message"""
    sys.stdout.buffer.write(make_message(a.run, a.index, a.size, a.flags))
    return 0


def main():
    """command-line entry"""
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--run", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--first", type=int, default=0)
    s.add_argument("--profile", default="small", choices=("small", "medium", "mixed"))
    s.add_argument("--size", type=int, default=0)
    s.add_argument("--threads", type=int, default=8)
    s.add_argument("--rcpts", type=int, default=1)
    s.add_argument("--timeout", type=float, default=300)
    s.add_argument("--dsn", action="store_true")
    s.add_argument("--no-size", action="store_true")
    s.add_argument("--expect", type=int, default=250)
    s.add_argument("--expect-text", default="")
    s.add_argument("--manifest")
    c = sub.add_parser("check")
    c.add_argument("--manifest", required=True)
    c.add_argument("--sink", required=True)
    c.add_argument("--allow-dup")
    c.add_argument("--allow-foreign", action="store_true")
    c.add_argument("--dsn", action="store_true")
    c.add_argument("--profile", default="small", choices=("small", "medium", "mixed"))
    d = sub.add_parser("ids")
    d.add_argument("--sink", required=True)
    w = sub.add_parser("show")
    w.add_argument("--run", required=True)
    w.add_argument("--index", type=int, required=True)
    w.add_argument("--size", type=int, required=True)
    w.add_argument("--flags", default="-")
    a = ap.parse_args()
    return {"send": cmd_send, "check": cmd_check, "ids": cmd_ids,
            "show": cmd_show}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
