#!/usr/bin/python3
"""standin_relay.py - test-only stand-in for "dkimgate serve" in mode pass.

Usage: standin_relay.py CONF

It exists so that the end-to-end harness (tests/e2e) can be developed and
checked before, or independently of, the real relay core: run the e2e cases
with DKIMGATE_STANDIN=1 and dg_start (tests/lib/postfix.sh) starts this
instead of the daemon.  It reads the few parameters of dkimgate.conf it
needs (listen, return_address, message_size_limit) and relays each SMTP
session in lock-step to the return port, following the zero-loss rule of
DESIGN.md: the upstream client gets the return port's reply to the final
dot verbatim, a message over message_size_limit is answered 552 5.3.4 and
its downstream transaction is aborted without sending the dot, and a
return port that cannot be reached gives 421 4.4.1.

It is NOT the product and deliberately small: no signing, no verification.
"""

import asyncio
import re
import sys


def parse_size(text):
    """'64M' -> bytes (dkimgate.conf size syntax)"""
    m = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]?)\s*", text)
    if not m:
        raise ValueError("bad size: %r" % text)
    mult = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    return int(m.group(1)) * mult[m.group(2).lower()]


def split_addr(text):
    """'127.0.0.1:10027' -> ('127.0.0.1', 10027)"""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def read_conf(path):
    """return {name: value} with Postfix-style continuation lines joined"""
    params = {}
    last = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" and last:
                params[last] += " " + line.strip()
                continue
            name, _, value = line.partition("=")
            last = name.strip()
            params[last] = value.strip()
    return params


class Relay:
    """one listener: address, return address, size limit"""

    def __init__(self, ret, limit):
        self.ret = ret
        self.limit = limit

    async def read_reply(self, reader):
        """read one (possibly multi-line) SMTP reply; b'' on EOF"""
        out = b""
        while True:
            line = await reader.readline()
            if not line:
                return b""
            out += line
            if len(line) < 4 or line[3:4] != b"-":
                return out

    async def connect_down(self):
        """connect to the return port and read its greeting"""
        r, w = await asyncio.wait_for(
            asyncio.open_connection(*self.ret, limit=1 << 20), 10)
        greet = await asyncio.wait_for(self.read_reply(r), 30)
        if not greet.startswith(b"2"):
            w.close()
            raise ConnectionError("return port greeting: %r" % greet)
        return r, w

    async def session(self, ur, uw):
        """relay one upstream session"""
        dw = None
        try:
            try:
                dr, dw = await self.connect_down()
            except (OSError, asyncio.TimeoutError, ConnectionError):
                uw.write(b"421 4.4.1 standin: return port unavailable\r\n")
                await uw.drain()
                return
            uw.write(b"220 standin.test ESMTP dkimgate stand-in\r\n")
            await uw.drain()
            ehlo = None
            while True:
                line = await ur.readline()
                if not line:
                    return
                verb = line.split(b" ", 1)[0].strip().upper()
                if verb in (b"EHLO", b"HELO"):
                    ehlo = line
                dw.write(line)
                await dw.drain()
                rep = await self.read_reply(dr)
                if not rep:
                    uw.write(b"421 4.4.2 standin: return port closed\r\n")
                    await uw.drain()
                    return
                if verb != b"DATA" or not rep.startswith(b"354"):
                    uw.write(rep)
                    await uw.drain()
                    if verb == b"QUIT":
                        return
                    continue
                uw.write(rep)
                await uw.drain()
                size = 0
                chunks = []
                prev_crlf = True
                while True:
                    dl = await ur.readline()
                    if not dl:
                        return
                    if prev_crlf and dl == b".\r\n":
                        break
                    prev_crlf = dl.endswith(b"\r\n")
                    size += len(dl)
                    if size <= self.limit:
                        chunks.append(dl)
                        if len(chunks) >= 256:
                            dw.write(b"".join(chunks))
                            chunks = []
                            await dw.drain()
                if size > self.limit:
                    # abort downstream without the final dot, then open a
                    # fresh downstream session for what may follow
                    dw.close()
                    uw.write(b"552 5.3.4 standin: message too big\r\n")
                    await uw.drain()
                    dr, dw = await self.connect_down()
                    if ehlo:
                        dw.write(ehlo)
                        await dw.drain()
                        await self.read_reply(dr)
                    continue
                dw.write(b"".join(chunks) + b".\r\n")
                await dw.drain()
                rep = await self.read_reply(dr)
                if not rep:
                    uw.write(b"451 4.4.2 standin: return port closed\r\n")
                    await uw.drain()
                    return
                uw.write(rep)
                await uw.drain()
        except (OSError, asyncio.TimeoutError, ConnectionError,
                asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            uw.close()
            if dw is not None:
                dw.close()


async def main():
    """start one server per listen spec and serve until killed"""
    p = read_conf(sys.argv[1])
    ret_default = split_addr(p.get("return_address", "127.0.0.1:10028"))
    limit = parse_size(p.get("message_size_limit", "64M"))
    servers = []
    for spec in p.get("listen", "127.0.0.1:10027 mode=pass").split(","):
        words = spec.split()
        if not words:
            continue
        attrs = dict(w.split("=", 1) for w in words[1:])
        ret = split_addr(attrs["return"]) if "return" in attrs else ret_default
        relay = Relay(ret, limit)
        host, port = split_addr(words[0])
        servers.append(await asyncio.start_server(
            relay.session, host, port, limit=1 << 20, reuse_address=True))
        print("standin: %s:%d -> %s:%d" % (host, port, ret[0], ret[1]),
              file=sys.stderr, flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
