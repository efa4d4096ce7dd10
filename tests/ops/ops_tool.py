#!/usr/bin/python3
"""ops_tool.py - helpers for the ops script tests (tests/ops/*.sh).

  ops_tool.py send PORT LIST
      LIST lines: "SESSION MAILFROM RCPT FILE"; the lines of one SESSION
      (any word) go over one SMTP connection, in order.  The message file
      is sent as it is (it must use CRLF and hold no line starting with a
      dot, so the wire bytes are known).  Prints "SENT FILE CODE BYTES" per
      message; exit 1 unless every message got a 2xx answer.

  ops_tool.py scrape URL OUT
      GET URL, check it is Prometheus text format (prometheus_client's
      parser, plus: every sample's family has HELP and TYPE lines), write
      the samples to OUT as "name{k="v",...} value" lines with the labels
      sorted; exit 1 on a bad answer.

  ops_tool.py expect SAMPLES EXPECT
      EXPECT lines: "name{labels} OP NUMBER" (OP: == >= >) or
      "name{labels} == other{labels}" (the labels written sorted); exit 1
      if one does not hold.

  ops_tool.py monotonic OLD NEW
      every counter (name ending in _total, _count, _sum, _bucket) of OLD
      must be in NEW with a value at least as large.

  ops_tool.py stream PORT DIR STOPFILE NTHREADS DOMAIN
      send messages continuously over NTHREADS persistent connections
      (a connection is opened again only after the server closed it, or
      said 421, between transactions) until STOPFILE exists; message
      From: a@DOMAIN, header X-Seq: N.  Logs to DIR/stream.log one line
      per event, "TIME SEQ THREAD what ...": "ok CODE", "fail CODE TEXT",
      "reconnect REASON".  Exit 1 if any transaction failed.

Python's smtplib is the SMTP client; only the Debian python3 is used.
"""

import re
import smtplib
import sys
import threading
import time
import urllib.error
import urllib.request


def parse_samples(text):
    """the sample lines of an exposition -> {key: float}, key with sorted
    labels"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.rsplit(" ", 1)
        out[normalize(name)] = float(value)
    return out


LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def normalize(key):
    """name{b="2",a="1"} -> name{a="1",b="2"}"""
    if "{" not in key:
        return key
    name, rest = key.split("{", 1)
    labels = LABEL_RE.findall(rest.rstrip("}"))
    return "%s{%s}" % (name, ",".join('%s="%s"' % kv
                                      for kv in sorted(labels)))


def cmd_send(port, listfile):
    """send the listed messages, one connection per session word"""
    sessions = {}
    order = []
    with open(listfile) as f:
        for line in f:
            if not line.strip():
                continue
            sess, mfrom, rcpt, path = line.split()
            if sess not in sessions:
                sessions[sess] = []
                order.append(sess)
            sessions[sess].append((mfrom, rcpt, path))
    ok = True
    for sess in order:
        s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
        s.ehlo("client.ops.test")
        for mfrom, rcpt, path in sessions[sess]:
            with open(path, "rb") as f:
                data = f.read()
            s.mail(mfrom)
            s.rcpt(rcpt)
            code, resp = s.data(data)
            print("SENT %s %d %d" % (path, code, len(data)))
            if code // 100 != 2:
                ok = False
                print("  reply: %s" % resp.decode(errors="replace"))
        s.quit()
    return 0 if ok else 1


def cmd_scrape(url, out):
    """fetch, validate, write the samples"""
    from prometheus_client.parser import text_string_to_metric_families
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            ctype = r.headers.get("Content-Type", "")
            text = r.read().decode("utf-8")
    except (urllib.error.URLError, OSError) as e:
        print("scrape %s: %s" % (url, e))
        return 1
    if not ctype.startswith("text/plain; version=0.0.4"):
        print("scrape: Content-Type %r" % ctype)
        return 1
    # the parser raises on anything it cannot read
    families = list(text_string_to_metric_families(text))
    helped, typed = set(), set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            typed.add(line.split()[2])
    for fam in families:
        # the parser strips _total from counter family names
        names = {fam.name, fam.name + "_total"}
        if not names & helped or not names & typed:
            print("scrape: family %s has no HELP or TYPE" % fam.name)
            return 1
    with open(out, "w") as f:
        for key, value in sorted(parse_samples(text).items()):
            f.write("%s %s\n" % (key, repr(value)))
    print("scrape: %d families, %d samples" % (
        len(families), sum(len(f.samples) for f in families)))
    return 0


def load(path):
    """a samples file -> dict"""
    out = {}
    with open(path) as f:
        for line in f:
            key, value = line.rstrip("\n").rsplit(" ", 1)
            out[key] = float(value)
    return out


def cmd_expect(samples, expect):
    """check every expectation"""
    have = load(samples)
    bad = 0
    n = 0
    with open(expect) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^(\S+) (==|>=|>) (\S+)$", line)
            if not m:
                print("expect: bad line %r" % line)
                return 1
            key, op, want = normalize(m.group(1)), m.group(2), m.group(3)
            n += 1
            got = have.get(key)
            if re.match(r"^-?[0-9.]+$", want):
                wv = float(want)
            else:
                wv = have.get(normalize(want))
            ok = got is not None and wv is not None and (
                (op == "==" and got == wv) or (op == ">=" and got >= wv) or
                (op == ">" and got > wv))
            if not ok:
                bad += 1
                print("BAD %s: have %s, want %s %s" % (key, got, op,
                                                       want if wv is None
                                                       else wv))
    print("expect: %d checked, %d wrong" % (n, bad))
    return 0 if bad == 0 else 1


def cmd_monotonic(old, new):
    """no counter went down or away"""
    a, b = load(old), load(new)
    bad = 0
    for key, value in a.items():
        name = key.split("{", 1)[0]
        if not re.search(r"_(total|count|sum|bucket)$", name):
            continue
        if key not in b or b[key] < value:
            bad += 1
            print("BAD %s: %s then %s" % (key, value, b.get(key)))
    print("monotonic: %d counters, %d went down" % (len(a), bad))
    return 0 if bad == 0 else 1


class Stream:
    """continuous senders for the rotation test"""

    def __init__(self, port, directory, stopfile, domain):
        self.port = int(port)
        self.dir = directory
        self.stopfile = stopfile
        self.domain = domain
        self.lock = threading.Lock()
        self.seq = 0
        self.failed = 0
        self.log = open(directory + "/stream.log", "a", buffering=1)

    def note(self, seq, thread, what):
        """one log line"""
        with self.lock:
            self.log.write("%.3f %d %d %s\n" % (time.time(), seq, thread,
                                                what))

    def stopped(self):
        """true once the stop file exists"""
        try:
            open(self.stopfile).close()
            return True
        except OSError:
            return False

    def next_seq(self):
        """the next message number"""
        with self.lock:
            self.seq += 1
            return self.seq

    def connect(self, thread, why):
        """a new connection (logged)"""
        self.note(0, thread, "reconnect %s" % why)
        s = smtplib.SMTP("127.0.0.1", self.port, timeout=60)
        s.ehlo("stream.ops.test")
        return s

    def run(self, thread):
        """one sender: messages until stopped"""
        s = self.connect(thread, "start")
        while not self.stopped():
            seq = self.next_seq()
            msg = ("From: a@%s\r\nTo: b@example.net\r\n"
                   "Subject: rotation %d\r\nMessage-ID: <%d.rot@%s>\r\n"
                   "X-Seq: %d\r\n\r\nmessage %d of the rotation test\r\n"
                   % (self.domain, seq, seq, self.domain, seq, seq))
            try:
                code, resp = s.mail("a@%s" % self.domain)
            except (smtplib.SMTPServerDisconnected, OSError) as e:
                code, resp = -1, str(e)
            if code in (-1, 421):
                # between transactions the server may close (a worker
                # draining after a reload says 421): connect again, as
                # Postfix does
                s.close()
                s = self.connect(thread, "closed-%d" % code)
                code, resp = s.mail("a@%s" % self.domain)
            try:
                if code != 250:
                    raise smtplib.SMTPResponseException(code, resp)
                code, resp = s.rcpt("b@example.net")
                if code != 250:
                    raise smtplib.SMTPResponseException(code, resp)
                code, resp = s.data(msg.encode())
            except smtplib.SMTPResponseException as e:
                code, resp = e.smtp_code, e.smtp_error
            except (smtplib.SMTPServerDisconnected, OSError) as e:
                code, resp = 0, str(e).encode()
            if code == 250:
                self.note(seq, thread, "ok %d" % code)
            else:
                with self.lock:
                    self.failed += 1
                self.note(seq, thread, "fail %d %s" % (
                    code, resp.decode(errors="replace")
                    if isinstance(resp, bytes) else resp))
                s.close()
                s = self.connect(thread, "after-failure")
            time.sleep(0.02)
        s.quit()


def cmd_stream(port, directory, stopfile, nthreads, domain):
    """run the senders until the stop file appears"""
    st = Stream(port, directory, stopfile, domain)
    threads = [threading.Thread(target=st.run, args=(i + 1,))
               for i in range(int(nthreads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st.note(0, 0, "done %d sent, %d failed" % (st.seq, st.failed))
    return 0 if st.failed == 0 else 1


def main():
    """dispatch"""
    cmds = {"send": cmd_send, "scrape": cmd_scrape, "expect": cmd_expect,
            "monotonic": cmd_monotonic, "stream": cmd_stream}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__)
        return 2
    return cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
