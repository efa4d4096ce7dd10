#!/usr/bin/python3
"""report.py - turn bench/run.sh's measurements into a Markdown table and
a PNG chart.

usage: report.py --raw FILE --meta FILE [--speed-dir DIR] --out DIR
       report.py --results DIR      (re-render DIR/latest.{raw,meta})

Reads the key=value records that run.sh appended to the raw file, the
machine description (meta) and `openssl speed -mr` outputs
(DIR/speed-{sha256,rsa2048,ed25519}.txt), and writes
  OUT/latest.md    the tables, medians over the repetitions
  OUT/latest.png   the chart (gnuplot, pngcairo or png terminal)
  OUT/latest.raw   the records as measured
  OUT/latest.meta  the machine description and the OpenSSL rates
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys

MODES = ["pass", "sign-rsa", "sign-ed", "sign-both", "verify-rsa",
         "verify-ed"]
MODE_NAMES = {
    "pass": "pass",
    "sign-rsa": "sign RSA-2048",
    "sign-ed": "sign Ed25519",
    "sign-both": "sign RSA+Ed25519",
    "verify-rsa": "verify RSA-2048",
    "verify-ed": "verify Ed25519",
}
SIZES = ["4k", "100k", "25m"]
SIZE_BYTES = {"4k": 4096, "100k": 102400, "25m": 26214400}
SIZE_NAMES = {"4k": "4 KB", "100k": "100 KB", "25m": "25 MB"}
STYLE_NAMES = {"one": "1/session", "many": "many/session"}


def parse_kv(line):
    """a dict of the key=value words of line"""
    d = {}
    for w in line.split():
        if "=" in w:
            k, v = w.split("=", 1)
            d[k] = v
    return d


def num(d, k):
    """d[k] as a float"""
    return float(d[k])


def med(xs):
    """median of a non-empty list, or None"""
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def parse_speed(sdir):
    """OpenSSL rates from `openssl speed -mr` outputs: sha256 bytes/s at
    16 KiB blocks, RSA-2048 and Ed25519 operations/s"""
    r = {}
    with open(os.path.join(sdir, "speed-sha256.txt")) as f:
        sizes = None
        for line in f:
            p = line.strip().split(":")
            if p[0] == "+H":
                sizes = [int(x) for x in p[1:]]
            elif p[0] == "+F" and p[2] == "sha256":
                rates = [float(x) for x in p[3:]]
                r["sha256_Bps"] = rates[sizes.index(16384)]
    with open(os.path.join(sdir, "speed-rsa2048.txt")) as f:
        for line in f:
            p = line.strip().split(":")
            if p[0] == "+F2" and p[2] == "2048":
                r["rsa_sign_ps"] = float(p[3])
                r["rsa_verify_ps"] = float(p[4])
    with open(os.path.join(sdir, "speed-ed25519.txt")) as f:
        for line in f:
            p = line.strip().split(":")
            if p[0] == "+F6" and p[3] == "Ed25519":
                r["ed_sign_ps"] = float(p[4])
                r["ed_verify_ps"] = float(p[5])
    need = ["sha256_Bps", "rsa_sign_ps", "rsa_verify_ps", "ed_sign_ps",
            "ed_verify_ps"]
    for k in need:
        if k not in r:
            sys.exit("report.py: no %s in the openssl speed output" % k)
    return r


def raw_ms(sp, mode, size):
    """OpenSSL's CPU milliseconds for what mode does to one message of
    size: the signature operation(s) plus one SHA-256 pass over the
    message (the body hash; the header hash is a few hundred bytes).
    Signing with both keys needs the body hash once: both signatures use
    the same canonicalization and hash (RFC 6376 3.7)."""
    sha = SIZE_BYTES[size] / sp["sha256_Bps"] * 1000.0
    ops = {
        "sign-rsa": 1000.0 / sp["rsa_sign_ps"],
        "sign-ed": 1000.0 / sp["ed_sign_ps"],
        "sign-both": 1000.0 / sp["rsa_sign_ps"] + 1000.0 / sp["ed_sign_ps"],
        "verify-rsa": 1000.0 / sp["rsa_verify_ps"],
        "verify-ed": 1000.0 / sp["ed_verify_ps"],
    }
    if mode not in ops:
        return None
    return ops[mode] + sha


def parse_size(v):
    """a dkimgate.conf(5) size ("1048576", "1M", "256k") in bytes, or
    None"""
    mult = {"k": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    if v[-1:] in mult and v[:-1].isdigit():
        return int(v[:-1]) * mult[v[-1]]
    return int(v) if v.isdigit() else None


def fmt(x, nd=2):
    """a number for the table, or a dash"""
    if x is None:
        return "–"
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return ("%." + str(nd) + "f") % x


def yes(ok):
    """met / missed"""
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**missed**"


class Report:
    """the records, grouped, with medians"""

    def __init__(self, recs, meta, sp):
        self.recs = recs
        self.meta = meta
        self.sp = sp

    def sel(self, **kw):
        """records whose keys equal every given value"""
        out = []
        for r in self.recs:
            if all(r.get(k) == v for k, v in kw.items()):
                out.append(r)
        return out

    def tput(self, kind, mode, size, style):
        """medians of one throughput cell: msgs/s, CPU ms/msg, sink CPU
        ms/msg, RSS figures (MB)"""
        rs = [r for r in self.sel(kind=kind, mode=mode, size=size,
                                  style=style) if r.get("ok") == "1"]
        if not rs:
            return None
        msgs = [num(r, "msgs") for r in rs]
        return {
            "n": len(rs),
            "mps": med([m / max(num(r, "wall_s"), 1e-3)
                        for m, r in zip(msgs, rs)]),
            "cpu": med([num(r, "dg_cpu_ms") / m for m, r in zip(msgs, rs)]),
            "util": med([num(r, "dg_cpu_ms") / 1000.0 /
                         max(num(r, "wall_s"), 1e-3) for r in rs]),
            "busy": med([num(r, "machine_busy") for r in rs
                         if "machine_busy" in r]),
            "sink": med([num(r, "sink_cpu_ms") / m
                         for m, r in zip(msgs, rs)]),
            "src": med([num(r, "src_cpu_ms") / m for m, r in zip(msgs, rs)]),
            "hwm_sum": med([num(r, "hwm_sum_kb") / 1024 for r in rs]),
            "hwm_max": med([num(r, "hwm_max_kb") / 1024 for r in rs]),
        }

    def lat(self, mode, size):
        """median p50 and p99 (microseconds) over the repetitions"""
        rs = self.sel(kind="lat", mode=mode, size=size)
        if not rs:
            return None
        return {"p50": med([num(r, "p50_us") for r in rs]),
                "p99": med([num(r, "p99_us") for r in rs]),
                "busy": med([num(r, "machine_busy") for r in rs
                             if "machine_busy" in r]),
                "n": int(rs[0]["n"]), "reps": len(rs)}

    def added(self, mode, size):
        """latency dkimgate adds: mode's minus the sink alone's, ms"""
        a, b = self.lat(mode, size), self.lat("sink", size)
        if a is None or b is None:
            return None
        return {"p50": (a["p50"] - b["p50"]) / 1000.0,
                "p99": (a["p99"] - b["p99"]) / 1000.0,
                "n": a["n"], "reps": a["reps"]}


def write_md(rp, path):
    """the Markdown results page"""
    m, sp = rp.meta, rp.sp
    L = []
    w = L.append
    w("# dkimgate benchmark results")
    w("")
    w("Produced by `bench/run.sh%s` on %s (UTC), commit `%s`%s." % (
        " --quick" if m.get("quick") == "1" else "", m.get("date", "?"),
        m.get("commit", "?"),
        " with uncommitted changes in src/" if m.get("dirty", "0") != "0"
        else ""))
    w("Machine: %s CPU(s), %s, Linux %s; OpenSSL %s, Postfix %s, "
      "OpenDKIM %s, libevent %s, libunbound %s." % (
          m.get("ncpu", "?"), m.get("cpu", "?"), m.get("kernel", "?"),
          m.get("openssl", "?"), m.get("postfix", "?"),
          m.get("opendkim", "?"), m.get("libevent", "?"),
          m.get("libunbound", "?")))
    w("Load average at the start %s, at the end %s: the machine is "
      "shared, so wall-clock figures (messages/s, latency) are noisy; CPU "
      "figures are steadier.  Every figure is the median of %s "
      "repetitions." % (m.get("load_start", "?"), m.get("load_end", "?"),
                        m.get("reps", "?")))
    w("")
    w("![chart](latest.png)")
    w("")

    # targets first: what the issue asked for
    w("## Targets")
    w("")
    w("| target | measured | limit | |")
    w("|---|---|---|---|")
    targets = []

    def cpu_target(mode, limit, what):
        for style in ("many", "one"):
            t = rp.tput("tput", mode, "4k", style)
            raw = raw_ms(sp, mode, "4k")
            if t is None:
                targets.append((what + ", " + STYLE_NAMES[style],
                                "–", "%.1fx raw" % limit, None))
                continue
            ratio = t["cpu"] / raw
            targets.append((
                "%s, %s" % (what, STYLE_NAMES[style]),
                "%.3f ms = %.2fx raw (%.3f ms)" % (t["cpu"], ratio, raw),
                "<= %.1fx" % limit, ratio <= limit))

    cpu_target("sign-rsa", 1.2, "sign RSA-2048 4 KB: CPU/msg vs raw "
               "RSA-2048 sign")
    cpu_target("sign-ed", 2.0, "sign Ed25519 4 KB: CPU/msg vs raw Ed25519 "
               "sign")
    cpu_target("verify-rsa", 5.0, "verify RSA-2048 4 KB (warm cache): "
               "CPU/msg vs raw RSA-2048 verify")
    for style in ("many", "one"):
        t = rp.tput("tput", "pass", "4k", style)
        if t is None or not t["sink"]:
            targets.append(("pass 4 KB vs smtp-sink CPU/msg, " +
                            STYLE_NAMES[style], "–", "<= 3x", None))
            continue
        ratio = t["cpu"] / t["sink"]
        targets.append((
            "pass 4 KB: dkimgate CPU/msg vs smtp-sink's, same run, %s" %
            STYLE_NAMES[style],
            "%.3f ms vs %.3f ms = %.2fx" % (t["cpu"], t["sink"], ratio),
            "<= 3x", ratio <= 3.0))
    big = rp.sel(kind="big")
    sha_MBps = sp["sha256_Bps"] / 1e6
    if big:
        rate = med([num(r, "bytes") / (num(r, "dg_cpu_ms") / 1000.0) / 1e6
                    for r in big if num(r, "dg_cpu_ms") > 0])
        targets.append((
            "sign 25 MB: dkimgate's speed (bytes / CPU time) vs raw "
            "SHA-256",
            "%.0f MB/s = %.0f%% of %.0f MB/s" % (rate, 100 * rate / sha_MBps,
                                              sha_MBps),
            ">= 40%", rate >= 0.4 * sha_MBps))
        growth = med([(num(r, "after_hwm_sum_kb") - num(r, "before_rss_kb"))
                      / 1024.0 for r in big])
        st = parse_size(big[0].get("spool_threshold", ""))
        lim = None if st is None else st / 1048576.0 + 1.0
        targets.append((
            "sign 25 MB: peak RSS growth of dkimgate",
            "%.2f MB" % growth,
            "<= spool_threshold + 1 MB = %s MB" % fmt(lim),
            None if lim is None else growth <= lim))
    else:
        targets.append(("sign 25 MB vs raw SHA-256", "–", ">= 40%", None))
    for mode in ("sign-rsa", "sign-ed", "sign-both"):
        a = rp.added(mode, "4k")
        targets.append((
            "p99 latency added, 4 KB, %s" % MODE_NAMES[mode],
            "–" if a is None else "%.3f ms (p50 %.3f ms)" % (a["p99"],
                                                            a["p50"]),
            "<= 2 ms", None if a is None else a["p99"] <= 2.0))
    sysm = {}
    for setup in ("dkimgate", "opendkim", "proxy"):
        rs = [r for r in rp.sel(kind="sys", setup=setup)
              if r.get("ok") == "1"]
        if rs:
            sysm[setup] = {
                "mps": med([num(r, "msgs") / (num(r, "wall_ms") / 1000.0)
                            for r in rs]),
                "pf": med([num(r, "postfix_cpu_ms") / num(r, "msgs")
                           for r in rs if "postfix_cpu_ms" in r]),
                "filter": med([num(r, "filter_cpu_ms") / num(r, "msgs")
                               for r in rs if "filter_cpu_ms" in r]),
                "cpu": med([(num(r, "postfix_cpu_ms") +
                             num(r, "filter_cpu_ms")) / num(r, "msgs")
                            if "postfix_cpu_ms" in r else
                            num(r, "cpu_ms") / num(r, "msgs") for r in rs]),
                "busy": med([num(r, "machine_busy") for r in rs
                             if "machine_busy" in r]),
            }
    if "dkimgate" in sysm and "opendkim" in sysm:
        q = sysm["dkimgate"]["mps"] / sysm["opendkim"]["mps"]
        targets.append((
            "Postfix + dkimgate (after-queue) vs Postfix + OpenDKIM, msg/s",
            "%.0f vs %.0f = %.2fx" % (sysm["dkimgate"]["mps"],
                                      sysm["opendkim"]["mps"], q),
            ">= 1x", q >= 1.0))
    else:
        targets.append(("Postfix + dkimgate vs Postfix + OpenDKIM", "–",
                        ">= 1x", None))
    if "proxy" in sysm and "opendkim" in sysm:
        q = sysm["proxy"]["mps"] / sysm["opendkim"]["mps"]
        q2 = sysm["proxy"]["mps"] / sysm["dkimgate"]["mps"] \
            if "dkimgate" in sysm else None
        targets.append((
            "Postfix + dkimgate before-queue proxy vs Postfix + OpenDKIM, "
            "msg/s",
            "%.0f vs %.0f = %.2fx (%s the after-queue setup)" % (
                sysm["proxy"]["mps"], sysm["opendkim"]["mps"], q,
                "–" if q2 is None else "%.2fx" % q2),
            ">= 1.3x", q >= 1.3))
    else:
        targets.append(("before-queue proxy vs Postfix + OpenDKIM", "–",
                        ">= 1.3x", None))
    for t in targets:
        w("| %s | %s | %s | %s |" % (t[0], t[1], t[2], yes(t[3])))
    w("")
    w("\"raw\" is OpenSSL's own cost for the same work on this machine "
      "in the same run (`openssl speed`, CPU time): the signature "
      "operation(s) plus one SHA-256 pass over the message.  dkimgate's "
      "CPU is user+system time of its whole process tree (supervisor and "
      "workers) from /proc, divided by the messages relayed; it includes "
      "receiving, storing and relaying each message over SMTP.  "
      "Analysis of the misses: bench/README.md.")
    w("")

    w("## OpenSSL on this machine (`openssl speed`, CPU time)")
    w("")
    w("| operation | rate | cost |")
    w("|---|---|---|")
    w("| SHA-256 (`-evp sha256`, 16 KiB blocks) | %.0f MB/s | %.3f ms "
      "per 100 KB |" % (sha_MBps, 102400 / sp["sha256_Bps"] * 1000))
    w("| RSA-2048 sign (`rsa2048`) | %.0f/s | %.3f ms |" % (
        sp["rsa_sign_ps"], 1000 / sp["rsa_sign_ps"]))
    w("| RSA-2048 verify | %.0f/s | %.4f ms |" % (
        sp["rsa_verify_ps"], 1000 / sp["rsa_verify_ps"]))
    w("| Ed25519 sign (`ed25519`) | %.0f/s | %.4f ms |" % (
        sp["ed_sign_ps"], 1000 / sp["ed_sign_ps"]))
    w("| Ed25519 verify | %.0f/s | %.4f ms |" % (
        sp["ed_verify_ps"], 1000 / sp["ed_verify_ps"]))
    w("")

    w("## Throughput, CPU and memory per mode")
    w("")
    w("smtp-source -> dkimgate (2 workers) -> smtp-sink on loopback; "
      "%s parallel sessions (%s for 25 MB); \"1/session\" opens a new SMTP "
      "session for every message, \"many/session\" sends them all over "
      "the same sessions.  Peak RSS is VmHWM summed over the whole "
      "process tree (supervisor + 2 workers; reset before every run), "
      "and the largest single worker." % (m.get("sess", "?"),
                                         m.get("sess_25m", "?")))
    w("")
    w("| mode | size | sessions | msg/s | dkimgate CPU ms/msg | raw ms | "
      "ratio to raw | smtp-sink CPU ms/msg | peak RSS sum MB | "
      "max worker MB |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for size in SIZES:
        for mode in MODES:
            for style in ("one", "many"):
                t = rp.tput("tput", mode, size, style)
                if t is None:
                    continue
                raw = raw_ms(sp, mode, size)
                w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    MODE_NAMES[mode], SIZE_NAMES[size], STYLE_NAMES[style],
                    fmt(t["mps"], 1), fmt(t["cpu"], 3), fmt(raw, 3),
                    "–" if raw is None else "%.2fx" % (t["cpu"] / raw),
                    fmt(t["sink"], 3), fmt(t["hwm_sum"], 1),
                    fmt(t["hwm_max"], 1)))
    w("")

    w("## Latency added per message")
    w("")
    w("bench/smtp-lat sends the messages one at a time over one session "
      "and times each from the final \".\" to its reply; dkimgate's "
      "figures minus the same with smtp-sink alone are what dkimgate "
      "adds (it answers only after the sink has answered).")
    w("")
    w("The last column is how many of the %s CPUs the whole machine kept "
      "busy meanwhile with processes that are not niced (/proc/stat, "
      "all processes, this benchmark's included): with the CPUs "
      "saturated by other work, a woken process waits for a CPU, which "
      "shows in the p99." % m.get("ncpu", "?"))
    w("")
    w("| mode | size | samples x reps | p50 ms | p99 ms | sink alone p50 / "
      "p99 ms | added p50 ms | added p99 ms | machine busy, not niced "
      "(CPUs) |")
    w("|---|---|---|---|---|---|---|---|---|")
    for size in SIZES:
        s = rp.lat("sink", size)
        for mode in MODES:
            a, d = rp.lat(mode, size), rp.added(mode, size)
            if a is None or s is None:
                continue
            w("| %s | %s | %d x %d | %s | %s | %s / %s | %s | %s | %s |" % (
                MODE_NAMES[mode], SIZE_NAMES[size], a["n"], a["reps"],
                fmt(a["p50"] / 1000, 3), fmt(a["p99"] / 1000, 3),
                fmt(s["p50"] / 1000, 3), fmt(s["p99"] / 1000, 3),
                fmt(d["p50"], 3), fmt(d["p99"], 3), fmt(a["busy"], 2)))
    w("")

    dl = rp.sel(kind="dnslat")
    if dl:
        dms = dl[0].get("dns_ms", "?")
        w("## Verification with a DNS server that answers in %s ms" % dms)
        w("")
        w("One worker whose resolver asks a forwarder in front of NSD "
          "(`tests/fault/dns_proxy.py`) that holds every answer back for "
          "%s ms; the key record (selector rsa0, RSA-2048) has TTL 0, so "
          "every message waits for the server, while the DNSKEY chain "
          "stays cached.  smtp-lat times each 4 KB message from its final "
          "dot to the reply, over one session.  With a pause, the body "
          "follows the header block after that many ms (a slower sender "
          "or link): dkimgate starts the look-up when the header block "
          "is complete, so it overlaps the body transfer." % dms)
        w("")
        w("| pause header -> body | samples x reps | p50 ms | p99 ms | "
          "sink alone p50 / p99 ms | added p50 ms | added p99 ms |")
        w("|---|---|---|---|---|---|---|")
        for pause in sorted({int(r["pause_ms"]) for r in dl}):
            def st(mode):
                rs = [r for r in dl if r.get("mode") == mode and
                      int(r["pause_ms"]) == pause]
                if not rs:
                    return None
                return {"p50": med([num(r, "p50_us") for r in rs]) / 1000,
                        "p99": med([num(r, "p99_us") for r in rs]) / 1000,
                        "n": int(rs[0]["n"]), "reps": len(rs)}
            a, b = st("verify-rsa0"), st("sink")
            if a is None or b is None:
                continue
            w("| %d ms | %d x %d | %s | %s | %s / %s | %s | %s |" % (
                pause, a["n"], a["reps"], fmt(a["p50"], 3),
                fmt(a["p99"], 3), fmt(b["p50"], 3), fmt(b["p99"], 3),
                fmt(a["p50"] - b["p50"], 3), fmt(a["p99"] - b["p99"], 3)))
        chk = rp.sel(kind="dnslat_check")
        if chk:
            c = chk[0]
            w("")
            w("Check: %s messages verified with dkim=pass; the forwarder "
              "answered %s queries, each after the delay." % (
                  c.get("verified_pass", "?"),
                  c.get("proxy_slowed", "?")))
        w("")

    w("## Workers: 1 vs 2 (CPU-bound: sign RSA-2048, 4 KB, 20 sessions)")
    w("")
    s1 = rp.tput("scale1", "sign-rsa", "4k", "many")
    s2 = rp.tput("scale2", "sign-rsa", "4k", "many")
    if s1 and s2:
        w("| workers | msg/s | CPU ms/msg | dkimgate busy (CPU-s/s) | "
          "whole machine busy, not niced (CPUs) |")
        w("|---|---|---|---|---|")
        for k, t in (("1", s1), ("2", s2)):
            w("| %s | %s | %s | %.2f | %s |" % (
                k, fmt(t["mps"], 1), fmt(t["cpu"], 3), t["util"],
                fmt(t["busy"], 2)))
        w("")
        w("Ratio 2 workers / 1 worker: **%.2fx** (%s CPUs, shared with "
          "smtp-source, smtp-sink, the kernel's loopback TCP and whatever "
          "else runs on the machine: with one worker, dkimgate is "
          "CPU-bound only if it is busy close to 1.0 CPU-second per "
          "second; when the whole machine is busy on all its CPUs, a "
          "second worker has no CPU to run on; niced background jobs do "
          "not count, they yield)." % (
              s2["mps"] / s1["mps"], m.get("ncpu", "?")))
    else:
        w("Not measured.")
    w("")

    w("## Memory")
    w("")
    idle = rp.sel(kind="idle")
    if idle:
        w("Idle sessions: N sessions to the sign listener that sent EHLO "
          "and wait (each also holds its connection to the return port).  "
          "RSS is VmRSS summed over the process tree.")
        w("")
        w("| sessions | RSS idle MB | RSS with N sessions MB | peak RSS "
          "(VmHWM sum) MB | per session KB |")
        w("|---|---|---|---|---|")
        for n in sorted({int(r["sessions"]) for r in idle}):
            rs = [r for r in idle if int(r["sessions"]) == n]
            b = med([num(r, "base_rss_kb") for r in rs])
            h = med([num(r, "held_rss_kb") for r in rs])
            p = med([num(r, "held_hwm_sum_kb") for r in rs
                     if "held_hwm_sum_kb" in r])
            w("| %d | %.1f | %.1f | %s | %.1f |" % (
                n, b / 1024, h / 1024, "–" if p is None else
                "%.1f" % (p / 1024), (h - b) / n))
        w("")
    if big:
        w("25 MB message, sign RSA-2048 (one message at a time, "
          "spool_threshold = %s):" % big[0].get("spool_threshold"))
        w("")
        w("| peak RSS growth MB | dkimgate CPU ms | MB/s of CPU | wall "
          "ms | final dot to reply ms |")
        w("|---|---|---|---|---|")
        w("| %.2f | %.0f | %.0f | %.0f | %.1f |" % (
            med([(num(r, "after_hwm_sum_kb") - num(r, "before_rss_kb"))
                 / 1024.0 for r in big]),
            med([num(r, "dg_cpu_ms") for r in big]),
            med([num(r, "bytes") / max(num(r, "dg_cpu_ms"), 1) / 1000
                 for r in big]),
            med([num(r, "wall_ms") for r in big]),
            med([num(r, "dot_to_reply_us") / 1000 for r in big
                 if r.get("dot_to_reply_us")]) or 0))
        w("")

    w("## Whole system: Postfix + filter")
    w("")
    if sysm:
        w("One private Postfix %s instance on loopback; smtp-source sends "
          "%s 4 KB messages over %s sessions into its smtpd, Postfix "
          "relays them to smtp-sink; msg/s counts until the last one "
          "arrived.  After-queue: `content_filter` to dkimgate's sign "
          "listener, which hands back to a second smtpd (the message is "
          "queued twice).  OpenDKIM: `smtpd_milters` on a unix socket, "
          "same RSA-2048 key.  Proxy: `smtpd_proxy_filter` to dkimgate "
          "(queue=before).  CPU: Postfix's master and every daemon under "
          "it, and the filter's process tree, per message." % (
              m.get("postfix", ""),
                     rp.sel(kind="sys")[0].get("msgs"),
                     m.get("sess_sys", "?")))
        w("")
        w("| setup | msg/s | Postfix CPU ms/msg | filter CPU ms/msg | total "
          "CPU ms/msg | machine busy, not niced (CPUs) |")
        w("|---|---|---|---|---|---|")
        names = {"dkimgate": "Postfix + dkimgate, after-queue "
                             "content_filter",
                 "opendkim": "Postfix + OpenDKIM milter",
                 "proxy": "Postfix + dkimgate, before-queue proxy"}
        for setup in ("dkimgate", "opendkim", "proxy"):
            if setup in sysm:
                v = sysm[setup]
                w("| %s | %s | %s | %s | %s | %s |" % (
                    names[setup], fmt(v["mps"], 1), fmt(v["pf"], 3),
                    fmt(v["filter"], 3), fmt(v["cpu"], 3),
                    fmt(v["busy"], 2)))
    else:
        w("Not measured.")
    w("")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
    return sysm


def panel(name, title, ylabel, rows, cols, logy=False, extra="",
          floor=None):
    """gnuplot lines for one histogram panel: rows are (label, [values]),
    cols the series titles; a series without any value is left out, and
    a panel without any shows "not measured" """
    G = []
    keep = [k for k in range(len(cols))
            if any(r[1][k] is not None for r in rows)]
    G.append("set title '%s'" % title)
    G.append("set ylabel '%s'" % ylabel)
    if not keep:
        G.append("set label 9 'not measured' at graph 0.5,0.5 center")
        G.append("plot [0:1][0:1] -1 notitle")
        G.append("unset label 9")
        return G
    G.append("$%s << EOD" % name)
    for label, vals in rows:
        G.append('"%s" %s' % (label, " ".join(
            "NaN" if vals[k] is None else "%.4f" % vals[k] for k in keep)))
    G.append("EOD")
    if logy:
        # headroom above the tallest bar for the key (top left)
        vals = [v[k] for _, v in rows for k in keep if v[k] is not None]
        top = 10 ** math.ceil(math.log10(max(vals) * 4)) if vals else None
        G.append("set logscale y; set yrange [*:%s]" % (
            "%g" % top if top else "*"))
    else:
        # headroom for the key, and room for a target line at floor
        vals = [v[k] for _, v in rows for k in keep if v[k] is not None]
        top = max(vals) * 1.4 if vals else 0
        top = max(top, floor * 1.45) if floor else top
        G.append("unset logscale y; set yrange [0:%s]" % (
            "%.4g" % top if top > 0 else "*"))
    parts = []
    for n, k in enumerate(keep):
        parts.append("%s using %d%s title '%s'" % (
            "$" + name if n == 0 else "''", n + 2,
            ":xtic(1)" if n == 0 else "", cols[k]))
    if extra:
        parts.append(extra)
    G.append("plot " + ", ".join(parts))
    G.append("unset logscale y; set autoscale y")
    return G


def label(mode):
    """a two-line x axis label for mode"""
    return MODE_NAMES[mode].replace(" ", "\\n", 1)


def chart(rp, sysm, png):
    """draw the chart with gnuplot (inline data blocks)"""
    sp = rp.sp
    term = "pngcairo size 1400,1000 font ',10'"
    probe = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"],
                           capture_output=True, text=True)
    if probe.returncode != 0 or "unknown" in probe.stderr:
        term = "png size 1400,1000"
    G = [
        "set terminal %s" % term,
        "set output '%s'" % png,
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1",
        "set boxwidth 0.9",
        "set grid ytics",
        "set key top left",
        "set xtics rotate by -25",
        "set bmargin 6",
        "set multiplot layout 2,2 title 'dkimgate benchmark, %s, %s CPUs "
        "(median of %s runs)'" % (rp.meta.get("date", ""),
                                  rp.meta.get("ncpu", "?"),
                                  rp.meta.get("reps", "?")),
    ]

    def tp(mode, size, style, key):
        t = rp.tput("tput", mode, size, style)
        return t[key] if t else None

    # 1: messages/s per mode
    rows = [(label(m), [tp(m, "4k", "one", "mps"), tp(m, "4k", "many", "mps"),
                        tp(m, "100k", "many", "mps")]) for m in MODES]
    G += panel("tput", "Throughput, smtp-source -> dkimgate -> smtp-sink",
               "messages/s", rows, ["4 KB, 1/session", "4 KB, many/session",
                                    "100 KB, many/session"], logy=True)
    # 2: CPU per 4 KB message against OpenSSL's raw cost
    rows = []
    for m in MODES:
        rows.append((label(m), [tp(m, "4k", "many", "cpu"),
                                raw_ms(sp, m, "4k"),
                                tp(m, "4k", "many", "sink")
                                if m == "pass" else None]))
    G.append("set key top right")
    G += panel("cpu", "CPU per 4 KB message (many/session)", "ms", rows,
               ["dkimgate (supervisor + workers)",
                "OpenSSL raw (sign/verify + SHA-256)",
                "smtp-sink (pass run)"])
    G.append("set key top left")
    # 3: latency added
    rows = []
    for m in MODES:
        a = rp.added(m, "4k")
        rows.append((label(m), [a["p50"] if a else None,
                                a["p99"] if a else None]))
    G += panel("lat", "Latency added per 4 KB message (final dot to reply)",
               "ms", rows, ["p50", "p99"],
               extra="2 with lines lw 2 dt 2 lc rgb 'red' "
               "title 'p99 target (sign)'", floor=2)
    # 4: whole system and worker scaling
    rows = []
    for setup, name in (("dkimgate", "Postfix+dkimgate\\nafter-queue"),
                        ("opendkim", "Postfix+OpenDKIM\\nmilter"),
                        ("proxy", "Postfix+dkimgate\\nbefore-queue")):
        v = sysm.get(setup)
        rows.append((name, [v["mps"] if v else None]))
    for k, name in (("scale1", "dkimgate alone\\n1 worker"),
                    ("scale2", "dkimgate alone\\n2 workers")):
        t = rp.tput(k, "sign-rsa", "4k", "many")
        rows.append((name, [t["mps"] if t else None]))
    G += panel("sys", "Sign RSA-2048, 4 KB: whole system; workers",
               "messages/s", rows, ["messages/s"])
    G.append("unset multiplot")
    script = "\n".join(G) + "\n"
    p = subprocess.run(["gnuplot"], input=script, text=True,
                       capture_output=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.stderr.write("report.py: gnuplot failed\n")
        return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw")
    ap.add_argument("--meta")
    ap.add_argument("--speed-dir")
    ap.add_argument("--out")
    ap.add_argument("--results")
    a = ap.parse_args()
    if a.results:
        a.out = a.results
        a.raw = os.path.join(a.results, "latest.raw")
        a.meta = os.path.join(a.results, "latest.meta")
    if not (a.raw and a.meta and a.out):
        ap.error("--raw, --meta and --out (or --results) are needed")
    meta = {}
    with open(a.meta) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    if a.speed_dir:
        sp = parse_speed(a.speed_dir)
        for k, v in sp.items():
            meta["speed_" + k] = "%.2f" % v
    else:
        sp = {k[6:]: float(v) for k, v in meta.items()
              if k.startswith("speed_")}
    recs = []
    with open(a.raw) as f:
        for line in f:
            if line.strip():
                recs.append(parse_kv(line))
    os.makedirs(a.out, exist_ok=True)
    if os.path.abspath(a.raw) != os.path.abspath(
            os.path.join(a.out, "latest.raw")):
        shutil.copyfile(a.raw, os.path.join(a.out, "latest.raw"))
    with open(os.path.join(a.out, "latest.meta"), "w") as f:
        for k in meta:
            f.write("%s=%s\n" % (k, meta[k]))
    rp = Report(recs, meta, sp)
    sysm = write_md(rp, os.path.join(a.out, "latest.md"))
    ok = chart(rp, sysm, os.path.join(a.out, "latest.png"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
