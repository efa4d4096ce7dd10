#!/usr/bin/python3
"""drip.py - slow-drip SMTP clients for tests/fault (slow_drip).

Usage: drip.py --port P --sessions K --duration D [--interval I]
               [--give-up G]

Keeps K sessions open against 127.0.0.1:P for D seconds, each dripping
one byte every I seconds (default 0.5), and opens a new one whenever the
server closes one.  Half of them drip a command line that never ends
("EHLO drip.example..." without CRLF); the other half send EHLO, MAIL,
RCPT and DATA normally and then drip the message data.  For every session
that the server closed it records how long the session lived and the last
reply; a session the server still holds after G seconds (default 60) is
closed by the client and counted as "held".  At the end it prints one
line per kind:

  drip kind=command sessions=N closed=N held=N max_life=S replies=CODE,...
  drip kind=data sessions=N closed=N held=N max_life=S replies=CODE,...
"""

import argparse
import asyncio
import time

CMD_DRIP = b"EHLO drip.example.with.a.name.that.never.ends." * 1000
DATA_DRIP = (b"Subject: slow\r\n\r\n" + b"slow body line\r\n" * 10000)


async def read_reply(reader):
    """one reply: (code, text) or None at EOF"""
    text = b""
    while True:
        line = await reader.readline()
        if not line:
            return None
        text += line
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3]), text


async def drip_session(kind, a, stats):
    """one dripping session; record its life and last reply"""
    start = time.monotonic()
    stats[kind]["sessions"] += 1
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", a.port)
    except OSError:
        return
    last = None
    try:
        rep = await read_reply(reader)
        if rep is None or rep[0] != 220:
            last = rep
            raise EOFError
        if kind == "data":
            for cmd in (b"EHLO drip.example", b"MAIL FROM:<drip@fault.test>",
                        b"RCPT TO:<rcpt@dest.example>", b"DATA"):
                writer.write(cmd + b"\r\n")
                await writer.drain()
                last = rep = await read_reply(reader)
                if rep is None or rep[0] >= 400:
                    raise EOFError
            drip = DATA_DRIP
        else:
            drip = CMD_DRIP
        # drip; the server's reply (a timeout) ends it
        pending = asyncio.ensure_future(read_reply(reader))
        for i in range(len(drip)):
            if time.monotonic() - start > a.give_up:
                pending.cancel()
                stats[kind]["held"] += 1
                writer.close()
                return
            writer.write(drip[i:i + 1])
            await writer.drain()
            done, _ = await asyncio.wait({pending}, timeout=a.interval)
            if done:
                last = pending.result()
                break
        else:
            pending.cancel()
    except (EOFError, ConnectionError, OSError):
        pass
    life = time.monotonic() - start
    writer.close()
    st = stats[kind]
    st["closed"] += 1
    st["max_life"] = max(st["max_life"], life)
    st["replies"].add(str(last[0]) if last else "EOF")


async def keep(kind, a, stats, stop_at):
    """keep one drip session of kind open until stop_at"""
    while time.monotonic() < stop_at:
        await drip_session(kind, a, stats)


async def main():
    """parse options, drip, report"""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--give-up", type=float, default=60)
    a = ap.parse_args()
    stats = {k: {"sessions": 0, "closed": 0, "held": 0, "max_life": 0.0,
                 "replies": set()} for k in ("command", "data")}
    stop_at = time.monotonic() + a.duration
    tasks = [keep("command" if i % 2 == 0 else "data", a, stats, stop_at)
             for i in range(a.sessions)]
    await asyncio.gather(*tasks)
    for kind, st in stats.items():
        print("drip kind=%s sessions=%d closed=%d held=%d max_life=%.1f "
              "replies=%s" % (kind, st["sessions"], st["closed"], st["held"],
                              st["max_life"],
            ",".join(sorted(st["replies"]))), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
