#!/usr/bin/python3
# make-refs.py - regenerate the *.ref files of this directory from the
# *.in files with an independent implementation: Debian python3-dkim's
# canonicalization module (dkimpy 1.1.4). Run with /usr/bin/python3.
# Body inputs: NAME.in -> NAME.simple.ref, NAME.relaxed.ref
# Header inputs: hdr-NAME.in (one raw field, CRLF) -> same two suffixes.
#
# One correction: dkimpy 1.1.4 strips trailing WSP only before a CRLF, so
# for a last line without CRLF it keeps it ("abc  " -> "abc \r\n"). RFC
# 6376 3.4.4 says to ignore all whitespace at the end of lines, and
# Mail::DKIM (1.20230212) gives "abc\r\n"; so for relaxed the WSP at the
# very end of the input is removed before dkimpy sees it.
import glob, os, re, sys
from dkim.canonicalization import Simple, Relaxed

os.chdir(os.path.dirname(os.path.abspath(__file__)))
for path in sorted(glob.glob('*.in')):
    base = path[:-3]
    data = open(path, 'rb').read()
    if base.startswith('hdr-'):
        name, _, value = data.partition(b':')
        out = {}
        for alg in (Simple, Relaxed):
            (n, v), = alg.canonicalize_headers([(name, value)])
            if alg is Simple:
                r = n + b':' + v
                if not r.endswith(b'\r\n'):
                    r += b'\r\n'
            else:
                r = n + b':' + v
            out[alg.name.decode()] = r
    else:
        out = {'simple': Simple.canonicalize_body(data),
               'relaxed': Relaxed.canonicalize_body(
                   re.sub(b'[\t ]+\\Z', b'', data))}
    for k, v in out.items():
        open('%s.%s.ref' % (base, k), 'wb').write(v)
    print(base)
