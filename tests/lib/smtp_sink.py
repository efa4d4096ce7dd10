#!/usr/bin/python3
"""smtp_sink.py - test-only SMTP sink that keeps every message byte-exactly.

Usage: smtp_sink.py --dir DIR --port PORT [--addr 127.0.0.1] [--pidfile F]

Announces PIPELINING, SIZE, 8BITMIME, SMTPUTF8, DSN and ENHANCEDSTATUSCODES
and accepts every transaction.  For each message N (from 1) it writes
  DIR/NNNNNN.eml  the message as received, after removing the dot-stuffing
                  (RFC 5321 4.5.2), line ends untouched
  DIR/NNNNNN.env  the envelope: the client's EHLO/HELO, XFORWARD, MAIL and
                  RCPT command lines verbatim (without CRLF), one per line
Both are written to a temporary name and renamed, the .env last, so a
test that counts *.env files never sees a half-written message.  The
250 reply to the final dot is sent only after both files exist.

Python's smtpd module is gone in 3.11, so this is a small asyncio server
written for the tests (not a general SMTP server).
"""

import argparse
import asyncio
import os
import sys

LIMIT = 64 * 1024 * 1024        # longest line the reader accepts


class Sink:
    """sink state shared by all sessions: the output directory and counter"""

    def __init__(self, directory):
        self.dir = directory
        self.count = 0

    def store(self, env_lines, data):
        """store one message, return its number"""
        self.count += 1
        n = self.count
        base = os.path.join(self.dir, "%06d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        os.rename(base + ".eml.tmp", base + ".eml")
        with open(base + ".env.tmp", "wb") as f:
            f.write(b"".join(line + b"\n" for line in env_lines))
        os.rename(base + ".env.tmp", base + ".env")
        return n


async def reply(writer, text):
    """send one reply (text may hold several lines for a multi-line reply)"""
    writer.write(text.encode() if isinstance(text, str) else text)
    await writer.drain()


async def read_data(reader):
    """read DATA lines up to CRLF.CRLF; return the unstuffed bytes or None"""
    out = bytearray()
    at_line_start_after_crlf = True
    while True:
        line = await reader.readline()
        if not line:
            return None
        if at_line_start_after_crlf and line == b".\r\n":
            return bytes(out)
        if line.startswith(b"."):
            line = line[1:]
        out += line
        at_line_start_after_crlf = line.endswith(b"\r\n")


async def session(sink, reader, writer):
    """one SMTP session"""
    helo = []
    env = []
    rcpts = 0
    try:
        await reply(writer, "220 sink.test ESMTP e2e sink\r\n")
        while True:
            line = await reader.readline()
            if not line:
                break
            cmd = line.rstrip(b"\r\n")
            verb = cmd.split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                helo = [cmd]
                env, rcpts = [], 0
                await reply(writer, "250-sink.test\r\n250-PIPELINING\r\n"
                            "250-SIZE\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                            "250-DSN\r\n250 ENHANCEDSTATUSCODES\r\n")
            elif verb == b"HELO":
                helo = [cmd]
                env, rcpts = [], 0
                await reply(writer, "250 sink.test\r\n")
            elif verb == b"MAIL":
                env, rcpts = [cmd], 0
                await reply(writer, "250 2.1.0 Ok\r\n")
            elif verb == b"RCPT":
                if not env:
                    await reply(writer, "503 5.5.1 MAIL first\r\n")
                    continue
                env.append(cmd)
                rcpts += 1
                await reply(writer, "250 2.1.5 Ok\r\n")
            elif verb == b"DATA":
                if rcpts == 0:
                    await reply(writer, "503 5.5.1 RCPT first\r\n")
                    continue
                await reply(writer, "354 End data with <CR><LF>.<CR><LF>\r\n")
                data = await read_data(reader)
                if data is None:
                    break
                n = sink.store(helo + env, data)
                env, rcpts = [], 0
                await reply(writer, "250 2.0.0 Ok: queued as %06d\r\n" % n)
            elif verb == b"RSET":
                env, rcpts = [], 0
                await reply(writer, "250 2.0.0 Ok\r\n")
            elif verb == b"NOOP":
                await reply(writer, "250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                await reply(writer, "221 2.0.0 Bye\r\n")
                break
            else:
                await reply(writer, "502 5.5.2 Command not recognized\r\n")
    except (ConnectionError, asyncio.IncompleteReadError,
            asyncio.LimitOverrunError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    """parse options, serve until killed"""
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--pidfile")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    sink = Sink(a.dir)
    server = await asyncio.start_server(
        lambda r, w: session(sink, r, w), a.addr, a.port, limit=LIMIT,
        reuse_address=True)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    print("sink listening on %s:%d" % (a.addr, a.port), file=sys.stderr,
          flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
