#!/usr/bin/python3
# compare.py - compare dkimgate's per-signature results with python3-dkim's
# and Mail::DKIM's (tests/verify/run.sh).
#
# usage: compare.py MANIFEST DKIMPY_OUT MAILDKIM_OUT GATE_OUT
#   MANIFEST lines: FILE ZONE EXPECT SPECIAL
#     EXPECT: pass/fail per signature, top to bottom (comma list);
#     ZONE: signed | plain | bogus (where the keys are published);
#     SPECIAL: "-", or a deliberate, RFC-backed difference from the tools:
#       bogus   DNSSEC validation fails: dkimgate must say temperror (bogus)
#               and never pass (RFC 4035 5.5; the tools do not validate)
#       weak    512-bit RSA key or rsa-sha1: dkimgate must say policy
#               (RFC 8301 3.1, 3.2)
#       revoked empty p=: dkimgate must say permerror (RFC 6376 3.6.1)
#   DKIMPY_OUT / MAILDKIM_OUT lines: FILE r1,r2,... (pass, fail, and for
#     Mail::DKIM "unsupported" for Ed25519, which it lacks).
#   GATE_OUT lines: FILE FIELD, the field's line ends written as \001.
# Checks, per signature: dkimgate's pass/not-pass equals EXPECT and equals
# every tool's verdict (unless SPECIAL); a pass under zone "signed" is
# reported "secure", under "plain" "insecure". Prints BAD lines and a
# summary line last; exit 0 when everything matched.

import re
import sys


def load(path):
    out = {}
    with open(path, encoding="utf-8", errors="replace", newline="\n") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 1)
            if len(parts) == 2:
                out[parts[0]] = parts[1]
    return out


def gate_results(field):
    """[(result, comment)] from one Authentication-Results field."""
    flat = field.replace("\r", "")
    flat = re.sub(r"\x01\t", " ", flat).replace("\x01", "")
    if flat.count("Authentication-Results:") != 1:
        return None
    return re.findall(r"dkim=([a-z]+)(?: \(([^)]*)\))?", flat)


manifest = [l.split() for l in open(sys.argv[1]) if l.strip()]
py = load(sys.argv[2])
pl = load(sys.argv[3])
gate = load(sys.argv[4])

nsig = nmsg = bad = ncmp_py = ncmp_pl = 0
for path, zone, expect, special in manifest:
    nmsg += 1
    want = expect.split(",")
    problems = []
    g = gate_results(gate.get(path, ""))
    if g is None or len(g) != len(want):
        problems.append("dkimgate gave %s, want %d results" % (g, len(want)))
        g = []
    pyr = py.get(path, "").split(",")
    plr = pl.get(path, "").split(",")
    for i, (res, comment) in enumerate(g):
        nsig += 1
        cls = "pass" if res == "pass" else "fail"
        if special == "bogus":
            if res != "temperror" or comment != "bogus":
                problems.append("sig %d: bogus zone gave %s (%s)"
                                % (i, res, comment))
            continue
        if special == "weak":
            if res != "policy":
                problems.append("sig %d: RFC 8301 case gave %s" % (i, res))
            continue
        if special == "revoked":
            if res != "permerror":
                problems.append("sig %d: revoked key gave %s" % (i, res))
            continue
        if cls != want[i]:
            problems.append("sig %d: dkimgate %s (%s), want %s"
                            % (i, res, comment, want[i]))
        if i < len(pyr):
            ncmp_py += 1
            if pyr[i] != cls:
                problems.append("sig %d: python3-dkim %s, dkimgate %s"
                                % (i, pyr[i], res))
        else:
            problems.append("sig %d: no python3-dkim verdict" % i)
        if i < len(plr) and plr[i] != "unsupported":
            ncmp_pl += 1
            if plr[i] != cls:
                problems.append("sig %d: Mail::DKIM %s, dkimgate %s"
                                % (i, plr[i], res))
        elif i >= len(plr):
            problems.append("sig %d: no Mail::DKIM verdict" % i)
        if res == "pass":
            sec = "secure" if zone == "signed" else "insecure"
            if not comment.endswith("; " + sec):
                problems.append("sig %d: pass under %s.test says (%s)"
                                % (i, zone, comment))
    if problems:
        bad += 1
        print("BAD %s: %s" % (path, "; ".join(problems)))

print("%d messages, %d signatures; %d verdicts compared with python3-dkim, "
      "%d with Mail::DKIM; %d messages with differences"
      % (nmsg, nsig, ncmp_py, ncmp_pl, bad))
sys.exit(0 if bad == 0 and nmsg > 0 else 1)
