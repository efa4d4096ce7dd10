#!/usr/bin/python3
"""return_proxy.py - a fault-injecting SMTP proxy between dkimgate and the
Postfix return smtpd, for tests/fault.

Usage: return_proxy.py --port P --upstream-port U --control-port C
                       [--pidfile F]

Every session from dkimgate gets a session to the upstream (the return
smtpd) and is relayed command by command, replies verbatim.  DATA is
relayed at once, but the message itself is held here until its final dot
has arrived; only then is it sent on (or not).  What happens is chosen by
the current mode, which a test changes with a line on the control port
("mode NAME" -> "ok NAME"; "stats" -> one line of counters):

  pass      relay everything (the default)
  refuse    close the listening socket (connections are refused, as with
            a stopped smtpd) and cut the open sessions
  stall     stop reading in the middle of the message data and never
            answer; the connection is held until dkimgate gives up
  close     close both connections in the middle of the message data
  tempfail  answer 451 4.3.0 instead of the upstream, in turn to MAIL, to
            RCPT, to DATA and to the final dot (one kind per transaction)
  reject    pass, but a message whose Message-ID ends in ".reject@" gets
            554 5.7.1 to its final dot (Postfix bounces it: rejected as
            instructed)

A message that is not passed on is aborted upstream the way dkimgate
aborts one: the upstream connection is closed without the final dot, so
the return smtpd never queues it; the next command reconnects (greeting
and the session's last EHLO are replayed).
"""

import argparse
import asyncio
import os
import re
import sys

MODES = ("pass", "refuse", "stall", "close", "tempfail", "reject")
LIMIT = 64 * 1024 * 1024
MARKED = re.compile(rb"\r\nMessage-ID:[ \t]*<[^>\r\n]*\.reject@",
                    re.IGNORECASE)


class State:
    """proxy-wide state: the mode, counters, the listening server"""

    def __init__(self, a):
        self.a = a
        self.mode = "pass"
        self.server = None
        self.sessions = set()
        self.ntx = 0
        self.stats = {k: 0 for k in ("sessions", "passed", "stalled",
                                     "closed", "tempfailed", "rejected",
                                     "cut")}


async def read_reply(reader):
    """one (possibly multi-line) SMTP reply as bytes, or None at EOF"""
    out = b""
    while True:
        line = await reader.readline()
        if not line:
            return None
        out += line
        if len(line) < 4 or line[3:4] != b"-":
            return out


class Session:
    """one connection from dkimgate and its upstream connection"""

    def __init__(self, st, reader, writer):
        self.st = st
        self.cr, self.cw = reader, writer
        self.ur = self.uw = None
        self.ehlo = None
        self.alive = True

    async def up_connect(self):
        """(re)connect upstream; replay the EHLO; False on failure"""
        try:
            self.ur, self.uw = await asyncio.open_connection(
                "127.0.0.1", self.st.a.upstream_port, limit=LIMIT)
            greet = await read_reply(self.ur)
            if greet is None or not greet.startswith(b"220"):
                return greet
            if self.ehlo is not None:
                self.uw.write(self.ehlo)
                await self.uw.drain()
                await read_reply(self.ur)
            return greet
        except OSError:
            return None

    def up_close(self):
        """drop the upstream connection (aborts an unfinished message)"""
        if self.uw is not None:
            self.uw.close()
        self.ur = self.uw = None

    async def up_cmd(self, line):
        """send a command upstream, return its reply (None: lost)"""
        if self.uw is None:
            greet = await self.up_connect()
            if greet is None or not greet.startswith(b"220"):
                self.up_close()
                return None
        try:
            self.uw.write(line)
            await self.uw.drain()
            return await read_reply(self.ur)
        except OSError:
            return None

    async def send(self, data):
        """to dkimgate"""
        self.cw.write(data)
        await self.cw.drain()

    def cut(self):
        """close both sides"""
        self.alive = False
        self.up_close()
        self.cw.close()

    async def run(self):
        """relay the session"""
        st = self.st
        st.stats["sessions"] += 1
        greet = await self.up_connect()
        if greet is None:
            self.cut()
            return
        await self.send(greet)
        kind = None         # which command of this transaction gets 451
        while self.alive:
            line = await self.cr.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.ehlo = line
            if verb == b"MAIL":
                st.ntx += 1
                kind = ("MAIL", "RCPT", "DATA", "DOT")[st.ntx % 4] \
                    if st.mode == "tempfail" else None
                if kind == "MAIL":
                    st.stats["tempfailed"] += 1
                    await self.send(b"451 4.3.0 fault proxy: MAIL\r\n")
                    continue
            if kind == "RCPT" and verb == b"RCPT":
                st.stats["tempfailed"] += 1
                await self.send(b"451 4.3.0 fault proxy: RCPT\r\n")
                continue
            if kind == "DATA" and verb == b"DATA":
                st.stats["tempfailed"] += 1
                # the upstream transaction is dropped with a RSET
                if await self.up_cmd(b"RSET\r\n") is None:
                    self.up_close()
                await self.send(b"451 4.3.0 fault proxy: DATA\r\n")
                continue
            rep = await self.up_cmd(line)
            if rep is None:
                await self.send(b"421 4.4.2 fault proxy: upstream lost\r\n")
                break
            await self.send(rep)
            if verb == b"QUIT":
                break
            if verb == b"DATA" and rep.startswith(b"354"):
                if not await self.message(kind):
                    break
                kind = None
        self.cut()

    async def message(self, kind):
        """hold the message until its final dot, then act on the mode;
        False when the session is over"""
        st = self.st
        data = bytearray()
        first = True
        while True:
            line = await self.cr.readline()
            if not line:
                return False
            if first and st.mode in ("stall", "close"):
                # mid-DATA: the first data line has arrived
                if st.mode == "close":
                    st.stats["closed"] += 1
                    self.cut()
                    return False
                st.stats["stalled"] += 1
                self.up_close()
                # no more reading, no answer: hold until dkimgate gives up
                # (its return_data_timeout), then let go
                await asyncio.sleep(st.a.stall_hold)
                self.cut()
                return False
            first = False
            data += line
            if line == b".\r\n" and (len(data) == 3 or
                                     data[-5:-3] == b"\r\n"):
                break
        if kind == "DOT":
            st.stats["tempfailed"] += 1
            self.up_close()
            await self.send(b"451 4.3.0 fault proxy: end of data\r\n")
            return True
        if st.mode == "reject" and MARKED.search(b"\r\n" + bytes(data)):
            st.stats["rejected"] += 1
            self.up_close()
            await self.send(b"554 5.7.1 fault proxy: rejected as "
                            b"instructed\r\n")
            return True
        if self.uw is None:
            await self.send(b"451 4.4.2 fault proxy: upstream lost\r\n")
            return False
        try:
            self.uw.write(bytes(data))
            await self.uw.drain()
            rep = await read_reply(self.ur)
        except OSError:
            rep = None
        if rep is None:
            await self.send(b"451 4.4.2 fault proxy: upstream lost\r\n")
            return False
        st.stats["passed"] += 1
        await self.send(rep)
        return True


async def serve_session(st, reader, writer):
    """connection handler"""
    s = Session(st, reader, writer)
    st.sessions.add(s)
    try:
        await s.run()
    except (ConnectionError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError, ValueError, OSError):
        s.cut()
    finally:
        st.sessions.discard(s)


async def listen(st):
    """open the listening socket"""
    st.server = await asyncio.start_server(
        lambda r, w: serve_session(st, r, w), "127.0.0.1", st.a.port,
        limit=LIMIT, reuse_address=True)


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
                if st.mode == "refuse" and st.server is not None:
                    st.server.close()
                    await st.server.wait_closed()
                    st.server = None
                    for s in list(st.sessions):
                        st.stats["cut"] += 1
                        s.cut()
                elif st.mode != "refuse" and st.server is None:
                    await listen(st)
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
    ap.add_argument("--stall-hold", type=float, default=30)
    ap.add_argument("--pidfile")
    a = ap.parse_args()
    st = State(a)
    await listen(st)
    ctl = await asyncio.start_server(lambda r, w: control(st, r, w),
                                     "127.0.0.1", a.control_port,
                                     reuse_address=True)
    if a.pidfile:
        with open(a.pidfile, "w", encoding="ascii") as f:
            f.write("%d\n" % os.getpid())
    print("return proxy on %d -> %d, control %d" % (
        a.port, a.upstream_port, a.control_port), file=sys.stderr, flush=True)
    async with ctl:
        await ctl.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
