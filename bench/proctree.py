#!/usr/bin/python3
"""proctree.py - CPU time and memory of whole process trees, from /proc.

usage: proctree.py cpu PID...     print the CPU milliseconds (user+system)
                                  of each PID and all its live descendants,
                                  including the time of children they have
                                  already reaped (cutime+cstime), summed
       proctree.py cpu-each PID...
                                  the same for each PID's tree on its own,
                                  one number per PID, on one line
       proctree.py mem PID...     print "rss_kb=.. hwm_sum_kb=..
                                  hwm_max_kb=.. hwm_root_kb=.. nproc=.."
                                  for the trees: current RSS summed, peak
                                  RSS (VmHWM) summed over every process, the
                                  largest single non-root peak (the biggest
                                  worker), and the roots' own peak
       proctree.py reset PID...   reset the peak RSS (VmHWM) of every
                                  process in the trees (writes 5 to
                                  /proc/PID/clear_refs; Linux >= 4.0, root)
       proctree.py pids PID...    print the PIDs of the trees

CPU time of a live process is utime+stime from /proc/PID/stat, which
counts every thread the process ever had, in 10 ms ticks.  For a finer
figure the sum over its live threads of the first field of
/proc/PID/task/TID/schedstat is read too: the scheduler's run time in
nanoseconds, the quantity that utime+stime report in ticks (the kernel
scales them to add up to it).  Each is a lower bound of the truth (the
ticks are rounded down, the schedstat sum misses threads that have
exited, as OpenDKIM's per-connection threads do), so the larger one is
taken: for a single-threaded process such as a dkimgate worker that is
the nanosecond figure.  Reaped children come from cutime+cstime (ticks).

Counting reaped children keeps the sum steady when a process exits inside
a measured interval: its time moves from the live sum into its parent's
cutime/cstime.  A process that exits and whose parent is outside the tree
is lost; dkimgate's workers and Postfix's daemons are all reaped by a
process inside their tree (the supervisor, master).
"""

import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    """(ppid, state, utime+stime, cutime+cstime) in ticks, or None"""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            s = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # the command name may hold blanks and parentheses: split after the
    # last ')'
    rest = s[s.rfind(")") + 2:].split()
    # rest[0] = state (field 3), rest[1] = ppid (field 4), utime is field
    # 14 = rest[11], stime rest[12], cutime rest[13], cstime rest[14]
    return (int(rest[1]), rest[0], int(rest[11]) + int(rest[12]),
            int(rest[13]) + int(rest[14]))


def run_ns(pid):
    """nanoseconds on CPU of all threads of pid, or None"""
    total = 0
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    for t in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    return total


def all_procs():
    """{pid: (ppid, state, own, children)} for every live process"""
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = read_stat(int(name))
        if st is not None:
            procs[int(name)] = st
    return procs


def tree(roots, procs):
    """the roots and all their descendants that exist in procs"""
    kids = {}
    for pid, st in procs.items():
        kids.setdefault(st[0], []).append(pid)
    out, todo = [], [r for r in roots if r in procs]
    seen = set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_ms(pids, procs):
    """CPU milliseconds of the processes pids"""
    ms = 0.0
    for p in pids:
        # a zombie counts like a live process: when it is reaped, its
        # parent's cutime grows by exactly these two terms
        ns = None if procs[p][1] in ("Z", "X") else run_ns(p)
        ticks_ms = procs[p][2] * 1000.0 / TICK
        ms += ticks_ms if ns is None else max(ticks_ms, ns / 1e6)
        ms += procs[p][3] * 1000.0 / TICK
    return ms


def status_kb(pid, key):
    """a "Key:  N kB" value of /proc/PID/status, or 0"""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    cmd = sys.argv[1]
    roots = [int(x) for x in sys.argv[2:]]
    procs = all_procs()
    pids = tree(roots, procs)
    if cmd == "cpu":
        print("%.3f" % cpu_ms(pids, procs))
    elif cmd == "cpu-each":
        print(" ".join("%.3f" % cpu_ms(tree([r], procs), procs)
                       for r in roots))
    elif cmd == "mem":
        rss = hwm_sum = hwm_max = hwm_root = 0
        for p in pids:
            r, h = status_kb(p, "VmRSS"), status_kb(p, "VmHWM")
            rss += r
            hwm_sum += h
            if p in roots:
                hwm_root = max(hwm_root, h)
            else:
                hwm_max = max(hwm_max, h)
        print("rss_kb=%d hwm_sum_kb=%d hwm_max_kb=%d hwm_root_kb=%d "
              "nproc=%d" % (rss, hwm_sum, hwm_max, hwm_root, len(pids)))
    elif cmd == "reset":
        for p in pids:
            try:
                with open("/proc/%d/clear_refs" % p, "w") as f:
                    f.write("5")
            except OSError as e:
                sys.stderr.write("proctree: %d: %s\n" % (p, e))
    elif cmd == "pids":
        print(" ".join(str(p) for p in sorted(pids)))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
