#!/usr/bin/python3
# verify_dkimpy.py - verify signed messages with Debian's python3-dkim,
# which looks the keys up with dnspython; the default resolver is pointed
# at the test NSD on 127.0.0.1:PORT, so every key comes from real DNS.
#
# usage: verify_dkimpy.py PORT LISTFILE
# LISTFILE lines: "FILE EXPECT NSIG" with EXPECT pass (every signature
# must verify) or fail (every signature must fail). Line ends are made
# CRLF before verifying (RFC 6376 hashes the CRLF form), and a message
# that does not end in CRLF gets one, as SMTP transport adds it.
# Prints "BAD ..." per unexpected outcome and a final "dkimpy: ..." line;
# exit 0 when every outcome was as expected, 1 otherwise.

import re
import sys

import dkim
import dns.resolver

port = int(sys.argv[1])
res = dns.resolver.Resolver(configure=False)
res.nameservers = ["127.0.0.1"]
res.port = port
res.lifetime = 5
dns.resolver.default_resolver = res

good = bad = 0
with open(sys.argv[2]) as lf:
    for line in lf:
        path, expect, nsig = line.split()
        nsig = int(nsig)
        with open(path, "rb") as f:
            msg = re.sub(rb"\r?\n", b"\r\n", f.read())
        # SMTP ends every message with CRLF (RFC 5321 4.1.1.4)
        if not msg.endswith(b"\r\n"):
            msg += b"\r\n"
        outcomes = []
        try:
            d = dkim.DKIM(msg)
        except Exception as e:          # report, never crash the run
            d = None
            outcomes = ["error:%s" % e] * nsig
        for i in range(nsig if d is not None else 0):
            try:
                outcomes.append("pass" if d.verify(idx=i) else "fail")
            except dkim.DKIMException as e:
                # dkimpy raises for some failures (body hash mismatch)
                outcomes.append("fail" if expect == "fail" else
                                "fail:%s" % e)
            except Exception as e:
                outcomes.append("error:%s" % e)
        want = [expect] * nsig
        if outcomes == want:
            good += 1
        else:
            bad += 1
            print("BAD dkimpy %s: want %s, got %s" % (path, want, outcomes))
print("dkimpy: %d as expected, %d unexpected" % (good, bad))
sys.exit(0 if bad == 0 else 1)
