#!/usr/bin/python3
# tool_dkimpy.py - the per-signature verdicts of python3-dkim for each
# message, with the keys looked up over DNS at the test NSD (dnspython's
# resolver pointed at 127.0.0.1:PORT), the same DNS dkimgate asks.
#
# usage: tool_dkimpy.py PORT FILE...   prints "FILE pass,fail,..." per file
# (top to bottom; "none" for an unsigned message).

import re
import sys

import dkim
import dns.resolver

res = dns.resolver.Resolver(configure=False)
res.nameservers = ["127.0.0.1"]
res.port = int(sys.argv[1])
res.lifetime = 5
dns.resolver.default_resolver = res

for path in sys.argv[2:]:
    with open(path, "rb") as f:
        msg = re.sub(rb"\r?\n", b"\r\n", f.read())
    if not msg.endswith(b"\r\n"):
        msg += b"\r\n"
    n = len(re.findall(rb"(?im)^dkim-signature:", msg))
    out = []
    d = dkim.DKIM(msg)
    for i in range(n):
        try:
            out.append("pass" if d.verify(idx=i) else "fail")
        except Exception:
            out.append("fail")
    print(path, ",".join(out) if out else "none")
