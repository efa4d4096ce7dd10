#!/usr/bin/python3
"""mkmsg.py - write benchmark messages of an exact wire size.

usage: mkmsg.py SIZE TO OUTFILE:FROM [OUTFILE:FROM ...]

Each message has a typical header block (From, To, Subject, Date,
Message-ID, MIME-Version, Content-Type) and a plain-text body of 76-column
lines; the files differ only in the sender.  They use LF line ends, as
smtp-source -F expects (it sends every line with CRLF); SIZE counts the
bytes on the wire, that is with CRLF line ends and without the final dot.
The body is deterministic, so every run of the benchmark sends the same
bytes.
"""

import sys

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
         "eiusmod tempor incididunt ut labore et dolore magna aliqua Ut "
         "enim ad minim veniam quis nostrud exercitation").split()


def header(size, sender, rcpt):
    """the header lines and the empty line that ends them"""
    return [
        "From: Bench Sender <%s>" % sender,
        "To: Bench Recipient <%s>" % rcpt,
        "Subject: dkimgate benchmark message of %d bytes" % size,
        "Date: Fri, 27 Nov 2026 12:00:00 +0000",
        "Message-ID: <bench-%d@%s>" % (size, sender.split("@")[-1]),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "",
    ]


def body(nbytes):
    """body lines taking nbytes on the wire (each line + CRLF)"""
    # 64 distinct 76-column lines, numbered, repeated
    pool = []
    for n in range(64):
        line = ""
        i = n
        while len(line) < 69:
            line += " " + WORDS[i % len(WORDS)]
            i += 7
        pool.append(line[:69].rstrip())
    lines = []
    used = 0
    n = 0
    while used < nbytes:
        line = "%06d%s" % (n, pool[n % 64])
        left = nbytes - used - 2
        if left < 0:
            break
        line = line[:left]
        lines.append(line)
        used += len(line) + 2
        n += 1
    return lines


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    size, rcpt = int(sys.argv[1]), sys.argv[2]
    targets = [a.split(":", 1) for a in sys.argv[3:]]
    bodies = {}
    for out, sender in targets:
        h = header(size, sender, rcpt)
        hlen = sum(len(x) + 2 for x in h)
        if hlen not in bodies:
            bodies[hlen] = "\n".join(body(size - hlen)) + "\n"
        with open(out, "w", encoding="ascii") as f:
            f.write("\n".join(h) + "\n")
            f.write(bodies[hlen])

if __name__ == "__main__":
    main()
