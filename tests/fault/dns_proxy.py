#!/usr/bin/python3
"""dns_proxy.py - a fault-injecting DNS forwarder (UDP and TCP) in front
of the test NSD, for tests/fault.  Needs python3-dnspython.

Usage: dns_proxy.py --port P --upstream-port U --control-port C
                    [--slow SECONDS] [--pidfile F]

dkimgate's dns_resolver points here; queries go on to NSD on
127.0.0.1:U and the answers come back unchanged, unless the mode (set
with a line "mode NAME" on the control port, answered "ok NAME";
"stats" prints counters) says otherwise:

  pass      forward (the default)
  slow      forward, but answer only after --slow seconds (longer than
            dkimgate's dns_timeout)
  servfail  answer every query at once with RCODE SERVFAIL
  dead      close the UDP and TCP sockets: queries meet a closed port
            (ICMP port unreachable, connection refused), as with a
            stopped server
"""

import argparse
import asyncio
import os
import struct
import sys

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode

MODES = ("pass", "slow", "servfail", "dead")


class State:
    """mode, counters and the open sockets"""

    def __init__(self, a):
        self.a = a
        self.mode = "pass"
        self.udp = None
        self.tcp = None
        self.stats = {k: 0 for k in ("queries", "forwarded", "slowed",
                                     "servfail", "failed")}


async def answer(st, wire, tcp):
    """the answer to one query (wire format), or None for no answer"""
    st.stats["queries"] += 1
    try:
        q = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return None
    if st.mode == "servfail":
        st.stats["servfail"] += 1
        r = dns.message.make_response(q)
        r.set_rcode(dns.rcode.SERVFAIL)
        return r.to_wire()
    slow = st.mode == "slow"
    try:
        if tcp:
            r = await dns.asyncquery.tcp(q, "127.0.0.1", timeout=5,
                                         port=st.a.upstream_port)
        else:
            r = await dns.asyncquery.udp(q, "127.0.0.1", timeout=5,
                                         port=st.a.upstream_port,
                                         ignore_trailing=True)
    except (dns.exception.DNSException, OSError):
        st.stats["failed"] += 1
        return None
    if slow:
        st.stats["slowed"] += 1
        await asyncio.sleep(st.a.slow)
    st.stats["forwarded"] += 1
    return r.to_wire()


class Udp(asyncio.DatagramProtocol):
    """the UDP side"""

    def __init__(self, st):
        self.st = st
        self.transport = None

    def connection_made(self, transport):
        """keep the transport to answer on"""
        self.transport = transport

    def datagram_received(self, data, addr):
        """a query: answer it in a task of its own"""
        asyncio.ensure_future(self.reply(data, addr))

    async def reply(self, data, addr):
        """answer one datagram"""
        out = await answer(self.st, data, False)
        if out is not None and self.transport is not None and \
                not self.transport.is_closing():
            self.transport.sendto(out, addr)


async def tcp_session(st, reader, writer):
    """the TCP side: length-prefixed messages"""
    try:
        while True:
            hdr = await reader.readexactly(2)
            wire = await reader.readexactly(struct.unpack("!H", hdr)[0])
            out = await answer(st, wire, True)
            if out is None:
                break
            writer.write(struct.pack("!H", len(out)) + out)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, OSError):
        pass
    writer.close()


async def open_sockets(st):
    """bind UDP and TCP on the port"""
    loop = asyncio.get_running_loop()
    st.udp, _ = await loop.create_datagram_endpoint(
        lambda: Udp(st), local_addr=("127.0.0.1", st.a.port))
    st.tcp = await asyncio.start_server(lambda r, w: tcp_session(st, r, w),
                                        "127.0.0.1", st.a.port,
                                        reuse_address=True)


async def close_sockets(st):
    """close UDP and TCP"""
    if st.udp is not None:
        st.udp.close()
        st.udp = None
    if st.tcp is not None:
        st.tcp.close()
        await st.tcp.wait_closed()
        st.tcp = None


async def control(st, reader, writer):
    """control connection: "mode NAME", "stats" """
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            words = line.decode("ascii", "replace").split()
            if len(words) == 2 and words[0] == "mode" and words[1] in MODES:
                old, st.mode = st.mode, words[1]
                if st.mode == "dead":
                    await close_sockets(st)
                elif st.udp is None:
                    await open_sockets(st)
                print("mode %s -> %s" % (old, st.mode), file=sys.stderr,
                      flush=True)
                writer.write(b"ok %s\n" % st.mode.encode())
            elif words == ["stats"]:
                writer.write((" ".join("%s=%d" % kv for kv in
                                       st.stats.items()) + "\n").encode())
            else:
                writer.write(b"error\n")
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    writer.close()


async def main():
    """parse options, serve until killed"""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream-port", type=int, required=True)
    ap.add_argument("--control-port", type=int, required=True)
    ap.add_argument("--slow", type=float, default=5)
    ap.add_argument("--pidfile")
    a = ap.parse_args()
    st = State(a)
    await open_sockets(st)
    ctl = await asyncio.start_server(lambda r, w: control(st, r, w),
                                     "127.0.0.1", a.control_port,
                                     reuse_address=True)
    if a.pidfile:
        with open(a.pidfile, "w", encoding="ascii") as f:
            f.write("%d\n" % os.getpid())
    print("dns proxy on %d -> %d, control %d" % (
        a.port, a.upstream_port, a.control_port), file=sys.stderr, flush=True)
    async with ctl:
        await ctl.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
