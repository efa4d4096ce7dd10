#!/usr/bin/python3
"""signed.py - send test messages through a dkimgate sign listener and
check what the recording sink (tests/lib/smtp_sink.py) got, with
python3-dkim as the independent verifier (tests/migrate/run.sh).

  signed.py send PORT EXPECT
      EXPECT has one line per message: "FROM-ADDRESS -" (must arrive
      unsigned) or "FROM-ADDRESS d=D s=S a=ALG c=CANON [x=TTL] [o=F,G]"
      (must carry exactly one signature with these tags; x= the lifetime
      in seconds; o= header fields that must be oversigned, i.e. appear in
      h= once more than in the message). Each message is sent over SMTP to
      127.0.0.1:PORT.
  signed.py check SINKDIR EXPECT KEYS
      KEYS has lines "SELECTOR DOMAIN KEYFILE": the TXT records python3-dkim
      gets are made from these private keys (RSA: p= is the DER public
      key; Ed25519: the raw 32 bytes, RFC 8463 section 4.2), so the
      signature is verified with the very key the OpenDKIM tables name.
      Every signed message must verify, and fail once its body or its
      Subject is changed. Prints one line per message and a summary;
      exit status 1 on any failure.
"""

import base64
import os
import smtplib
import subprocess
import sys

import dkim
from dkim.util import parse_tag_value

DATE = "Fri, 27 Nov 2026 12:00:00 +0000"
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def read_expect(path):
    """the EXPECT file as a list of (from, {tag: value} or None)"""
    out = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[1] == "-":
                out.append((words[0], None))
                continue
            out.append((words[0], dict(w.split("=", 1) for w in words[1:])))
    return out


def message(i, sender):
    """test message i from sender, CRLF line ends"""
    lines = [
        "From: Test Sender <%s>" % sender,
        "To: Recipient <rcpt@dest.example>",
        "Cc: other@dest.example",
        "Subject: migration test %d" % i,
        "Date: " + DATE,
        "Message-ID: <migrate.%d@test.example>" % i,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hello from the migrated configuration, message %d." % i,
        "",
        "  indented line with trailing blanks   ",
        ".a line starting with a dot",
        "",
    ]
    return "\r\n".join(lines).encode() + b"\r\n"


def cmd_send(port, expect):
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
    for i, (sender, _) in enumerate(read_expect(expect), 1):
        s.sendmail(sender, ["rcpt@dest.example"], message(i, sender))
    s.quit()
    return 0


def txt_record(keyfile):
    """the DKIM key record (RFC 6376 3.6.1) for a private key file"""
    der = subprocess.run(["openssl", "pkey", "-in", keyfile, "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    if der.startswith(ED25519_SPKI_PREFIX):
        raw = der[len(ED25519_SPKI_PREFIX):]
        return "v=DKIM1; k=ed25519; p=" + base64.b64encode(raw).decode()
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def signatures(msg):
    """the parsed DKIM-Signature fields of msg, top first"""
    head = msg.split(b"\r\n\r\n", 1)[0].replace(b"\r\n\t", b"\t")
    head = head.replace(b"\r\n ", b" ")
    out = []
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"dkim-signature":
            out.append(parse_tag_value(value.strip()))
    return out


def count_field(msg, name):
    """how many header fields of msg are called name (lower case)"""
    head = msg.split(b"\r\n\r\n", 1)[0]
    return sum(1 for line in head.split(b"\r\n")
               if line[:1] not in (b" ", b"\t")
               and line.split(b":", 1)[0].strip().lower() == name)


def cmd_check(sinkdir, expect, keys):
    records = {}
    with open(keys) as f:
        for line in f:
            words = line.split()
            if words:
                name = "%s._domainkey.%s" % (words[0], words[1])
                records[name.lower()] = txt_record(words[2])

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return records.get(name.rstrip(".").lower(), "").encode()

    exp = read_expect(expect)
    stored = sorted(f for f in os.listdir(sinkdir) if f.endswith(".eml"))
    bad = 0
    nsigned = 0

    def fail(what):
        nonlocal bad
        bad += 1
        print("BAD %s" % what)

    if len(stored) != len(exp):
        fail("sink holds %d messages, %d were sent" % (len(stored), len(exp)))
    for i, ((sender, want), name) in enumerate(zip(exp, stored), 1):
        with open(os.path.join(sinkdir, name), "rb") as f:
            msg = f.read()
        if ("<%s>" % sender).encode() not in msg:
            fail("%s: not the message from %s" % (name, sender))
            continue
        sigs = signatures(msg)
        if want is None:
            if sigs:
                fail("%s from %s: signed, want unsigned" % (name, sender))
            else:
                print("OK %s from %s: unsigned" % (name, sender))
            continue
        if len(sigs) != 1:
            fail("%s from %s: %d signatures, want 1" % (name, sender,
                                                        len(sigs)))
            continue
        sig = sigs[0]
        for tag in ("d", "s", "a", "c"):
            got = sig.get(tag.encode(), b"").decode()
            if got != want[tag]:
                fail("%s from %s: %s=%s, want %s" % (name, sender, tag, got,
                                                     want[tag]))
        if "x" in want:
            life = int(sig.get(b"x", b"0")) - int(sig.get(b"t", b"0"))
            if life != int(want["x"]):
                fail("%s: x= - t= is %d, want %s" % (name, life, want["x"]))
        elif b"x" in sig:
            fail("%s: x= present, no SignatureTTL" % name)
        h = [x.strip().lower() for x in sig[b"h"].decode().split(":")]
        for field in want.get("o", "").split(","):
            if field and h.count(field.lower()) != \
                    count_field(msg, field.lower().encode()) + 1:
                fail("%s: %s not oversigned in h=%s" % (name, field,
                                                        ":".join(h)))
        if not dkim.verify(msg, dnsfunc=dnsfunc):
            fail("%s from %s: python3-dkim says the signature does not "
                 "verify" % (name, sender))
            continue
        body = msg + b"tampered\r\n"
        subj = msg.replace(b"Subject: migration", b"Subject: Migration", 1)
        if dkim.verify(body, dnsfunc=dnsfunc):
            fail("%s: still verifies with a changed body" % name)
        if dkim.verify(subj, dnsfunc=dnsfunc):
            fail("%s: still verifies with a changed Subject" % name)
        nsigned += 1
        print("OK %s from %s: d=%s s=%s a=%s c=%s verified by python3-dkim"
              % (name, sender, want["d"], want["s"], want["a"], want["c"]))
    print("%d messages, %d signed and verified, %d problems"
          % (len(stored), nsigned, bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "send":
        return cmd_send(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        return cmd_check(sys.argv[2], sys.argv[3], sys.argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
