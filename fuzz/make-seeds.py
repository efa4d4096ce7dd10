#!/usr/bin/env python3
# fuzz/make-seeds.py - (re)write the seed corpora fuzz/corpus/<harness>/.
#
# Seeds are small real examples: SMTP lines, messages and header fields
# from tests/vectors (RFC 6376 Appendix A, RFC 8463 Appendix A, the
# dkimpy and Mail::DKIM test messages), key records from their DNS
# files, the shipped configuration files, SPF records and macros from
# RFC 7208 (sections 7.4 and the examples of Appendix A / the RFC 7208
# test suite in tests/vectors/spf), DMARC records from RFC 9989 / RFC
# 7489 examples, and DNS packets built here by hand (RFC 1035 4.1).
# Each file is named by the SHA-1 of its content, as libFuzzer does.
# Run from anywhere: python3 fuzz/make-seeds.py
import hashlib
import os
import re
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(TOP, "fuzz", "corpus")
MAXSEED = 6000


def put(harness, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAXSEED:
        data = data[:MAXSEED]
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(rel):
    with open(os.path.join(TOP, rel), "rb") as f:
        return f.read()


def crlf(b):
    b = b.replace(b"\r\n", b"\n")
    return b.replace(b"\n", b"\r\n")


def messages():
    rels = ["tests/vectors/rfc6376-appendix-a/A2-corrected.eml",
            "tests/vectors/rfc8463/signed.eml",
            "tests/vectors/dkimpy/test2.message",
            "tests/vectors/dkimpy/ed25519test2.msg"]
    mdir = "tests/vectors/dkim/mail-dkim/corpus"
    names = sorted(os.listdir(os.path.join(TOP, mdir)))
    rels += [os.path.join(mdir, n) for n in names[:12]]
    out = []
    for r in rels:
        if os.path.exists(os.path.join(TOP, r)):
            out.append(crlf(read(r)))
    return out


def split_msg(m):
    i = m.find(b"\r\n\r\n")
    if i < 0:
        return m, b""
    return m[:i + 2], m[i + 4:]


def fields(hdr):
    out = []
    for line in hdr.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += b"\r\n" + line
        else:
            out.append(line)
    return [f + b"\r\n" for f in out]


def dot_stuff(m):
    lines = m.split(b"\r\n")
    return b"\r\n".join(b"." + l if l.startswith(b".") else l
                        for l in lines)


def txt_rdata(text):
    b = text.encode() if isinstance(text, str) else text
    out = b""
    while True:
        out += bytes([min(len(b), 255)]) + b[:255]
        b = b[255:]
        if not b:
            return out


def dns_name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_packet(qname, qtype, rrs, rcode=0):
    hdr = struct.pack(">HHHHHH", 0x1234, 0x8180 | rcode, 1, len(rrs), 0, 0)
    q = dns_name(qname) + struct.pack(">HH", qtype, 1)
    body = b""
    for rtype, rdata in rrs:
        body += b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, 300,
                                          len(rdata)) + rdata
    return hdr + q + body


def spf_suite_seeds():
    try:
        import yaml
    except ImportError:
        return
    try:
        docs = list(yaml.safe_load_all(read(
            "tests/vectors/spf/rfc7208-tests.yml").decode()))
    except (OSError, yaml.YAMLError):
        return
    for doc in docs:
        if not doc or "zonedata" not in doc:
            continue
        lines = []
        for name, rrs in (doc.get("zonedata") or {}).items():
            rrs = rrs or []
            # the suite's drivers copy SPF records to TXT when a name
            # has no TXT record (see the comment at the top of the file)
            if not any(isinstance(r, dict) and "TXT" in r for r in rrs):
                rrs = [{"TXT": r["SPF"]} if isinstance(r, dict) and
                       "SPF" in r else r for r in rrs]
            for rr in rrs:
                if rr == "TIMEOUT":
                    lines.append("%s FAIL x" % name)
                    continue
                if not isinstance(rr, dict):
                    continue
                for t, v in rr.items():
                    if t == "TXT":
                        if isinstance(v, list):
                            v = "".join(str(x) for x in v)
                        lines.append("%s TXT %s" % (name, v))
                    elif t in ("A", "AAAA", "PTR"):
                        lines.append("%s %s %s" % (name, t, v))
                    elif t == "MX" and isinstance(v, list) and len(v) == 2:
                        lines.append("%s MX %s %s" % (name, v[0], v[1]))
        zone = "\n".join(lines)
        for i, (tname, t) in enumerate(sorted(
                (doc.get("tests") or {}).items())):
            if i >= 6:
                break
            first = "%s %s %s" % (t.get("host", ""), t.get("helo", ""),
                                  t.get("mailfrom", ""))
            put("fuzz_spf_check", bytes([0x20 if i % 3 == 2 else 0]) +
                (first + "\n" + zone + "\n").encode(errors="replace"))


def main():
    msgs = messages()
    keyrecs = []
    for r in ["tests/vectors/rfc6376-appendix-a/"
              "brisbane._domainkey.example.com.txt",
              "tests/vectors/rfc8463/"
              "brisbane._domainkey.football.example.com.txt",
              "tests/vectors/rfc8463/test._domainkey.football.example.com.txt",
              "tests/vectors/dkimpy/20120113._domainkey.gmail.com.txt"]:
        keyrecs.append(read(r).decode().strip())
    for line in read("tests/vectors/dkim/mail-dkim/FAKE_DNS.dat").decode(
            errors="replace").splitlines():
        if line and not line.startswith("#") and "  " in line:
            keyrecs.append(line.split("  ", 1)[1].strip())
    keyrecs = keyrecs[:24]

    sigs = []
    for m in msgs:
        h, _ = split_msg(m)
        for f in fields(h):
            if f.lower().startswith(b"dkim-signature:"):
                sigs.append(f[15:-2])

    # smtp
    put("fuzz_smtp", "EHLO mail.example.com\r\nMAIL FROM:<a@example.com> "
        "SIZE=1000 BODY=8BITMIME\r\nRCPT TO:<b@example.org> "
        "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.org\r\nDATA\r\n")
    put("fuzz_smtp", "XFORWARD NAME=mail.example.com ADDR=IPV6:2001:db8::1 "
        "PORT=25 PROTO=ESMTP HELO=[192.0.2.1] IDENT=3F2A1 SOURCE=REMOTE\r\n"
        "XFORWARD NAME=[UNAVAILABLE] ADDR=192.0.2.7 HELO=x+2By\r\n")
    put("fuzz_smtp", "MAIL FROM:<> SMTPUTF8\r\nRCPT TO:<@a.example,@b."
        "example:\"quoted local\"@example.com>\r\nRSET\r\nQUIT\r\n")
    put("fuzz_smtp", "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE "
        "10240000\r\n250-8BITMIME\r\n250-XFORWARD NAME ADDR PROTO HELO\r\n"
        "250 SMTPUTF8\r\n354 End data with <CR><LF>.<CR><LF>\r\n451 4.3.0 "
        "Error: queue file write error\r\n550 5.7.1 rejected\r\n")
    # dot (4 seed bytes, then the DATA stream)
    for i, m in enumerate(msgs[:8]):
        put("fuzz_dot", bytes([i, 7, 1, 3]) + dot_stuff(m) + b".\r\n")
    put("fuzz_dot", b"\0\0\0\1Subject: x\r\n\r\n..leading\r\n.\nnot end\r\n"
        b"a\n.\r\nstill not\r\n\r\n.\r\nMAIL FROM:<a@b>\r\n")
    put("fuzz_dot", b"\1\2\3\4From: a@b\nTo: c@d\n\nbody\n.\n.\r\n")
    put("fuzz_dot", b"\9\9\9\9\r\n\r.\r\r\n..\r\n.\r\n")
    # rfc5322 (maxfields byte, then the header block)
    for m in msgs:
        h, _ = split_msg(m)
        put("fuzz_rfc5322", b"\0" + h)
    put("fuzz_rfc5322", b"\0From: \"Joe Q. Public\" <john.q.public@example."
        b"com>\r\nTo: Mary Smith <mary@x.test>, jdoe@example.org, Who? "
        b"<one@y.test>\r\nCc: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
        b"<sysservices@example.net>\r\nSender: A Group:Ed Jones <c@a.test>,"
        b"joe@where.test,John <jdoe@one.test>;\r\nBcc: Undisclosed "
        b"recipients:;\r\nReply-To: Pete(A nice \\) chap) <pete(his account)"
        b"@silly.test(his host)>\r\n")
    # config
    for r in ["contrib/dkimgate.conf",
              "postfix-examples/dkimgate.conf.after-queue",
              "postfix-examples/dkimgate.conf.before-queue"]:
        put("fuzz_config", read(r))
    put("fuzz_config", "listen = 127.0.0.1:10027 sign, [::1]:10030 verify "
        "before-queue\nreturn_address = 127.0.0.1:10028\nworkers = 2\n"
        "message_size_limit = 50M\ncommand_timeout = 5m\nsign_headers = "
        "From, To,\n  Subject, Date\nclient_networks = 127.0.0.0/8 [::1]/128"
        "\n# comment\n")
    # dkim_tag, dkim_sig
    for s in sigs:
        put("fuzz_dkim_tag", s)
        put("fuzz_dkim_sig", s)
    for k in keyrecs:
        put("fuzz_dkim_tag", k)
    put("fuzz_dkim_sig", "v=1; a=ed25519-sha256; c=relaxed/simple; d=exam"
        "ple.com; i=\"joe=3B\"@sub.example.com; q=dns/txt; s=sel; t=1; x=2;"
        " l=10; h=from : to:from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3"
        "hSuFU=; b=dGVzdA==")
    # dkim_key (flags byte, then TXT RDATA)
    for k in keyrecs:
        put("fuzz_dkim_key", b"\1" + txt_rdata(k))
    put("fuzz_dkim_key", b"\x10" + txt_rdata("v=DKIM1; p=") + b"\0")
    # dkim_canon (flags, 4 seed bytes, data)
    for i, m in enumerate(msgs[:8]):
        h, b = split_msg(m)
        put("fuzz_dkim_canon", bytes([i & 7, 1, 2, 3, 4]) + b)
        for f in fields(h)[:3]:
            put("fuzz_dkim_canon", bytes([(i + 1) & 7, 5, 6, 7, 8]) + f)
    put("fuzz_dkim_canon", b"\1\0\0\0\1 a \t b \r\n\r\n \r\n\t\r\n\r\n")
    put("fuzz_dkim_canon", b"\5\0\0\0\2line\r\n\r\n\r\n")
    # dns (selector byte, packet)
    key = keyrecs[0]
    put("fuzz_dns", b"\x08" + dns_packet("brisbane._domainkey.example.com",
                                        16, [(16, txt_rdata(key))]))
    put("fuzz_dns", b"\x08" + dns_packet("example.com", 16,
        [(16, txt_rdata("v=spf1 ip4:192.0.2.0/24 -all")),
         (16, txt_rdata("v=DMARC1; p=reject")), (5, dns_name("x.example"))]))
    mx = struct.pack(">H", 10) + b"\x04mail\xc0\x0c"
    mx2 = struct.pack(">H", 20) + dns_name("Backup.Example.NET")
    put("fuzz_dns", b"\x09" + dns_packet("example.com", 15,
                                        [(15, mx), (15, mx2)]))
    put("fuzz_dns", b"\x0a" + dns_packet("1.2.0.192.in-addr.arpa", 12,
                                        [(12, dns_name("host.example.com"))]))
    put("fuzz_dns", b"\x0b" + dns_packet("example.com", 1,
                                        [(1, bytes([192, 0, 2, 1]))]))
    put("fuzz_dns", b"\x0c" + dns_packet("example.com", 28,
        [(28, bytes.fromhex("20010db8000000000000000000000001"))]))
    put("fuzz_dns", b"\x08" + dns_packet("nx.example.com", 16, [], rcode=3))
    # authres (0xff-separated parts; then the whole as a foreign value)
    put("fuzz_authres", b"mx.example.org\xffx-fuzz\xffneutral\xffa reason\xff"
        b"2048-bit key; secure\xffexample.com\xffsel\xff\"joe\"@example.com"
        b"\xffbounce@example.com\xffexample.com\xffreject")
    put("fuzz_authres", b"mx.example.org; dkim=pass (1024-bit key; secure) "
        b"header.d=example.com header.s=sel header.b=AbCdEfGh; spf=pass "
        b"smtp.mailfrom=example.com; dmarc=pass header.from=example.com")
    put("fuzz_authres", b" (comment (nested)) \"mx.example.org\" ; none")
    put("fuzz_authres", b"MX.Example.Org.; dkim=fail reason=\"bad sig\"")
    # spf
    spf = ["v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.%{d} "
           "include:_spf.example.com exists:%{i}.%{l}._spf.%{d} ptr -all "
           "exp=explain._spf.%{d}",
           "v=spf1 a/24//64 mx/28 ~all redirect=_spf.example.net",
           "v=spf1 +a:example.com/30 ?ip4:10.0.0.1 -include:x.example "
           "foo=bar%{l}",
           "v=spf1 -exists:%{ir}.%{l1r+-}._spf.%{d}"]
    try:
        yml = read("tests/vectors/spf/rfc7208-tests.yml").decode(
            errors="replace")
        spf += sorted(set(re.findall(r"(v=spf1[^\"'\n]*)", yml)))[:60]
    except OSError:
        pass
    for s in spf:
        put("fuzz_spf_record", s)
    macros = ["%{s}", "%{o}", "%{d}", "%{d4}", "%{d3}", "%{d2}", "%{d1}",
              "%{dr}", "%{d2r}", "%{l}", "%{l-}", "%{lr}", "%{lr-}",
              "%{l1r-}", "%{ir}.%{v}._spf.%{d2}", "%{lr-}.lp._spf.%{d2}",
              "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
              "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
              "%{d2}.trusted-domains.example.net",
              "%{i} is not one of %{d}'s designated mail servers.",
              "%{c} %{r} %{t} %{p} %{h} %% %_ %-"]
    for i, m in enumerate(macros):
        put("fuzz_spf_macro", bytes([0x80 | (i % 3), i * 9 & 0x3f]) +
            m.encode())
    # dmarc
    for s in ["v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; "
              "aspf=r; pct=50; t=y; psd=n; rua=mailto:dmarc@example.com; "
              "ruf=mailto:f@example.com; fo=1",
              "v=DMARC1;p=none", "v = DMARC1 ; p = quarantine ; t = n",
              "v=DMARC1; p=bogus; psd=y; rua=mailto:a@b,mailto:c@d!10m"]:
        put("fuzz_dmarc", s)
    # verify (flags, 4 seed bytes, message); flags 0x04: keys answered
    # mid-body, 0x01: secure answers
    for i, m in enumerate(msgs):
        put("fuzz_verify", bytes([(i * 5) & 0x7f, 0, 0, 0, 3 * i]) + m)
    # signverify (flags, message)
    for i, m in enumerate(msgs):
        put("fuzz_signverify", bytes([i * 37 & 0xff]) + m)
    put("fuzz_signverify", b"\x02From: a@example.com\r\nSubject:  x \t\r\n"
        b" folded\r\nX-A: 1\r\nx-a:2\r\n\r\n\r\nbody \r\n\r\n\r\n")
    # import (opendkim.conf / dkim-filter.conf text, opendkim.conf(5))
    put("fuzz_import", "Syslog yes\nMode sv\nDomain example.com\n"
        "Selector sel\nKeyFile /etc/dkimkeys/sel.private\nCanonicalization"
        " relaxed/simple\nInternalHosts 127.0.0.1, 10.0.0.0/8, ::1\n"
        "Socket inet:8891@localhost\nOversignHeaders From\n")
    put("fuzz_import", "Mode s\nKeyTable refile:/etc/opendkim/KeyTable\n"
        "SigningTable refile:/etc/opendkim/SigningTable\nAuthservID "
        "mx.example.org\nTrustAnchorFile /usr/share/dns/root.key\n"
        "Nameservers 127.0.0.1\nMinimumKeyBits 1024\nSignatureTTL 86400"
        "\nOn-DNSError tempfail\nMaximumSignaturesToVerify 3\n")
    put("fuzz_import", "# dkim-filter.conf\nKeyList /etc/dkim-keys.conf\n"
        "SubDomains yes\nX-Header no\nUMask 002\n")
    # spf_check (flags, "IP HELO MAILFROM", zone lines): the scenarios
    # of the RFC 7208 test suite, when PyYAML is there to read it
    spf_suite_seeds()
    put("fuzz_spf_check", "\0192.0.2.3 mx.example.com strong-bad@email."
        "example.com\nemail.example.com TXT v=spf1 mx:%{d} "
        "include:_i.%{d} exists:%{ir}.%{l1r+-}._spf.%{d} ptr -all "
        "exp=explain._spf.%{d}\nemail.example.com MX 10 mx.example.com\n"
        "mx.example.com A 192.0.2.9\n_i.email.example.com TXT v=spf1 "
        "a:mx.example.com ?all\n3.2.0.192.in-addr.arpa PTR mx.example.com\n"
        "explain._spf.email.example.com TXT %{i} is not one of %{d}'s "
        "designated mail servers.\n")
    # dmarc_check (flags, "FROM SPF-DOMAIN DKIM-DOMAINS", zone lines);
    # flags: bits 0-1 SPF none/pass/fail/temperror, 2-3 DKIM passes,
    # 4 temperror, 5 walk first, 6 secure
    for f, z in [
            (0x45, "example.com example.com example.com\n_dmarc.example."
             "com TXT v=DMARC1; p=reject; adkim=s; aspf=s\n"),
            (0x02, "mail.sub.example.com bounce.example.com example.com,"
             "other.org\n_dmarc.example.com TXT v=DMARC1; p=quarantine; "
             "sp=reject; np=none; psd=n\nsub.example.com A 192.0.2.1\n"),
            (0x25, "a.b.example.co.uk x.example.co.uk example.co.uk\n"
             "_dmarc.co.uk TXT v=DMARC1; p=reject; psd=y\n_dmarc.example."
             "co.uk TXT v=DMARC1; p=none; t=y\n"),
            (0x00, "example.org example.org d.example\n_dmarc.example.org"
             " TXT v=DMARC1; p=reject; pct=50\nexample.org A 192.0.2.1\n"),
            (0x13, "example.net example.net example.net\n_dmarc.example."
             "net FAIL x\n"),
            (0x01, "a.example,b.example a.example a.example\n"),
            (0x08, "nx.example.com bounce.example nx.example.com,"
             "x.example.com\n_dmarc.example.com TXT v=DMARC1; p=none; "
             "np=reject\n_dmarc.example.com TXT v=DMARC1; p=reject\n")]:
        put("fuzz_dmarc_check", bytes([f]) + z.encode())
    # mode_verify (flags, "IP HELO MAILFROM", zone lines, ".", message)
    zone = [
        "brisbane._domainkey.example.com TXT " + read(
            "tests/vectors/rfc6376-appendix-a/"
            "brisbane._domainkey.example.com.txt").decode().strip(),
        "brisbane._domainkey.football.example.com TXT " + read(
            "tests/vectors/rfc8463/"
            "brisbane._domainkey.football.example.com.txt").decode().strip(),
        "test._domainkey.football.example.com TXT " + read(
            "tests/vectors/rfc8463/"
            "test._domainkey.football.example.com.txt").decode().strip(),
        "football.example.com TXT v=spf1 ip4:192.0.2.0/24 -all",
        "_dmarc.football.example.com TXT v=DMARC1; p=reject",
        "example.com TXT v=spf1 a -all",
        "example.com A 192.0.2.3",
        "_dmarc.example.com TXT v=DMARC1; p=quarantine; sp=reject"]
    forged = (b"Authentication-Results: mx.example.org; dkim=pass\r\n"
              b"Authentication-Results: other.example; spf=pass\r\n")
    for i, m in enumerate(msgs[:10]):
        ident = ("192.0.2.3 mx.example.com joe@football.example.com"
                 if i % 2 else "192.0.2.3 mx.example.com jqd@example.com")
        put("fuzz_mode_verify", bytes([(i * 0x13) & 0x7f]) +
            (ident + "\n" + "\n".join(zone) + "\n.\n").encode() +
            (forged + m if i % 3 == 0 else m))
    # mode_sign (flags, message)
    for i, m in enumerate(msgs[:10]):
        put("fuzz_mode_sign", bytes([i & 3]) + m)
    put("fuzz_mode_sign", b"\x01From: a@example.com, b@example.org\r\n"
        b"Subject: two authors\r\n\r\nbody\r\n")
    put("fuzz_mode_sign", b"\x00Subject: no author\r\n\r\n")
    # session (what Postfix's smtp client sends)
    head = (b"EHLO client.example\r\nXFORWARD NAME=a.example ADDR=192.0.2.1"
            b" PROTO=ESMTP HELO=a.example IDENT=Q1 SOURCE=REMOTE\r\n")
    for i, m in enumerate(msgs[:6]):
        put("fuzz_session", head + b"MAIL FROM:<a@example.com> SIZE=%d\r\n"
            b"RCPT TO:<b@example.org>\r\nDATA\r\n" % len(m) +
            dot_stuff(m) + b".\r\nQUIT\r\n")
    put("fuzz_session", head + b"MAIL FROM:<> BODY=8BITMIME\r\nRCPT TO:<bad>"
        b"\r\nRCPT TO:<c@example.org> NOTIFY=NEVER\r\nDATA\r\nSubject: "
        b"x\n\nbare lf\n.\nnot the end\r\n.\r\nRSET\r\nMAIL FROM:"
        b"<a@b>\r\nRCPT TO:<d@e>\r\nBDAT 5 LAST\r\nhello"
        b"VRFY x\r\nHELP\r\nNOOP\r\nSTARTTLS\r\nQUIT\r\n")
    put("fuzz_session", b"HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
        b"DATA\r\nX: y\r\n\r\n\r\n.\r\nMAIL FROM:<a@b>\r\n")
    # netaddr
    for s in ["127.0.0.1:10027", "[::1]:10028", "10.0.0.0/8",
              "127.0.0.0/8, [::1]/128 192.168.0.0/16 2001:db8::/32",
              "[::ffff:127.0.0.1]:25", "::1/128"]:
        put("fuzz_netaddr", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
