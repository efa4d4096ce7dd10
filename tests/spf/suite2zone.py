#!/usr/bin/python3
# suite2zone.py - turn the RFC 7208 conformance suite (the converted
# tests/vectors/spf/rfc7208-tests.txt, see yaml2txt.py) into zone files for
# a real DNS server, one per scenario, for tests/spf/run.sh.
#
# Usage: suite2zone.py SUITE.txt OUTDIR
# For scenario N it writes OUTDIR/N/root.zone (the body of a root zone
# "." holding every name of the scenario, so that any other name is an
# authoritative NXDOMAIN, as in the suite) and OUTDIR/N/tests.tsv (name,
# helo, host, mailfrom or "<>", acceptable results; TAB-separated). The suite's
# DNS rules (tests/vectors/spf/README): SPF entries become TXT records
# unless the name has TXT entries; {TXT: NONE} gives none.
#
# What a zone file cannot express is left out: a name that times out. The
# tests that depend on one (below, EXCLUDED) are not written; the other
# tests of those scenarios do not touch the timing-out names.
import os
import sys

EXCLUDED = {
    # need a query that times out (temperror)
    'txttimeout', 'nospftxttimeout', 'alltimeout', 'include-temperror',
    'exists-dnserr',
}


def unesc(s):
    """A field of the .txt format (\\\\ \\t \\n \\r \\0 \\xHH) as bytes."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != '\\' or i + 1 >= len(s):
            out += c.encode('latin-1')
            i += 1
            continue
        n = s[i + 1]
        if n == 'x':
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
            continue
        out.append({'t': 9, 'n': 10, 'r': 13, '0': 0}.get(n, ord(n)))
        i += 2
    return bytes(out)


def zname(b):
    """A domain name (bytes) in zone-file syntax, fully qualified."""
    b = b.rstrip(b'.')
    if not b:
        return '.'
    out = []
    for c in b:
        ch = chr(c)
        if ch.isalnum() or ch in '-_.:/%*':
            out.append(ch)
        else:
            out.append('\\%03d' % c)
    return ''.join(out) + '.'


def ztext(b):
    """A TXT character-string in zone-file syntax."""
    out = ['"']
    for c in b:
        ch = chr(c)
        if ch in '"\\':
            out.append('\\' + ch)
        elif 0x20 <= c <= 0x7e:
            out.append(ch)
        else:
            out.append('\\%03d' % c)
    out.append('"')
    return ''.join(out)


def main():
    suite, outdir = sys.argv[1], sys.argv[2]
    scen = []
    for line in open(suite, encoding='latin-1'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        f = line.split('\t')
        if f[0] == 'S':
            scen.append({'z': [], 't': []})
        elif f[0] == 'Z':
            scen[-1]['z'].append((unesc(f[1]), f[2],
                                  [unesc(x) for x in f[3:]]))
        elif f[0] == 'T':
            scen[-1]['t'].append(f[1:])
    for n, s in enumerate(scen):
        d = os.path.join(outdir, str(n))
        os.makedirs(d, exist_ok=True)
        has_txt = set()
        for owner, typ, _ in s['z']:
            if typ in ('TXT', 'NONE'):
                has_txt.add(owner.lower().rstrip(b'.'))
        with open(os.path.join(d, 'root.zone'), 'w') as z:
            z.write('. IN SOA ns.root-servers.test. hostmaster.test. '
                    '( 1 3600 600 86400 300 )\n')
            z.write('. IN NS ns.root-servers.test.\n')
            z.write('ns.root-servers.test. IN A 127.0.0.1\n')
            for owner, typ, val in s['z']:
                name = zname(owner)
                if typ in ('TIMEOUT', 'NONE'):
                    continue
                if typ == 'SPF':
                    if owner.lower().rstrip(b'.') in has_txt:
                        continue
                    typ = 'TXT'
                if typ == 'TXT':
                    parts = val if val else [b'']
                    z.write('%s IN TXT %s\n' % (
                        name, ' '.join(ztext(p) for p in parts)))
                elif typ == 'MX':
                    z.write('%s IN MX %s %s\n' % (
                        name, val[0].decode(), zname(val[1])))
                elif typ in ('PTR', 'CNAME'):
                    z.write('%s IN %s %s\n' % (name, typ, zname(val[0])))
                else:
                    z.write('%s IN %s %s\n' % (name, typ, val[0].decode()))
        with open(os.path.join(d, 'tests.tsv'), 'w') as t:
            for f in s['t']:
                name, spec, helo, host, mailfrom, res = f[:6]
                if name in EXCLUDED:
                    continue
                # "<>": the null reverse-path (no empty field: the shell
                # reader would merge the TABs)
                t.write('\t'.join([name, helo, host, mailfrom or '<>',
                                   res]) + '\n')
    print(len(scen))


main()
