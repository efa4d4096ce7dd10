#!/usr/bin/python3
# sign_dkimpy.py - sign a message with Debian's python3-dkim (dkimpy) for
# the verification tests: the signature is computed over the CRLF form and
# prepended in the input's own line-end convention.
#
# usage: sign_dkimpy.py KEYFILE DOMAIN SELECTOR ALG CANON [length] < in > out
#   ALG: rsa-sha256, rsa-sha1 or ed25519-sha256 (KEYFILE then holds the
#   base64 32-byte seed); CANON: e.g. relaxed/simple; "length" adds l=.

import re
import sys

import dkim

keyfile, domain, sel, alg, canon = sys.argv[1:6]
length = len(sys.argv) > 6 and sys.argv[6] == "length"
raw = sys.stdin.buffer.read()
lf = b"\n" in raw and not raw.split(b"\n", 1)[0].endswith(b"\r")
msg = re.sub(rb"\r?\n", b"\r\n", raw)
if not msg.endswith(b"\r\n"):
    msg += b"\r\n"
with open(keyfile, "rb") as f:
    key = f.read().strip() if alg == "ed25519-sha256" else f.read()
hc, _, bc = canon.partition("/")
sig = dkim.sign(msg, sel.encode(), domain.encode(), key,
                canonicalize=(hc.encode(), (bc or "simple").encode()),
                signature_algorithm=alg.encode(), length=length)
if lf:
    sig = sig.replace(b"\r\n", b"\n")
sys.stdout.buffer.write(sig + raw)
