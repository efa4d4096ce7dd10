/*
 * dns_packet.c - the pure half of dns.h: the DNS wire-format answer parser
 * and the status names. Kept apart from dns.c (libunbound, event loop) so
 * that the link-time DNS mock (tests/unit/mock_dns.c), which replaces
 * dns.c, can be linked together with the real parser, and so the parser
 * can be fuzzed on its own.
 *
 * Wire format: RFC 1035 sections 4.1.1-4.1.4 (header, question, resource
 * records, compression); MX RDATA RFC 1035 3.3.9, PTR 3.3.12, TXT 3.3.14,
 * A 3.4.1, AAAA RFC 3596 2.2.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"

#define DNS_HDR_LEN		12
#define DNS_NAME_MAX		255	/* wire octets, RFC 1035 2.3.4 */
#define DNS_MAX_HOPS		64	/* compression pointers per name */
#define DNS_CLASS_IN		1

static int	dns_get16(const unsigned char *, size_t, size_t, unsigned *);
static int	dns_skip_name(const unsigned char *, size_t, size_t *);
static int	dns_read_name(const unsigned char *, size_t, size_t,
		    size_t, size_t *, char *, size_t);
static int	dns_check_txt(const unsigned char *, size_t);

/*
 * dns_status_name - text for an answer status (logs, A-R comments).
 */
const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return "ok";
	case DNS_NXDOMAIN:
		return "nxdomain";
	case DNS_NODATA:
		return "nodata";
	case DNS_TEMPFAIL:
		return "tempfail";
	case DNS_BOGUS:
		return "bogus";
	}
	return "unknown";
}

/*
 * dns_sec_name - text for a DNSSEC status, as written in A-R comments.
 */
const char *
dns_sec_name(enum dns_sec sec)
{
	switch (sec) {
	case DNS_SEC_INSECURE:
		return "insecure";
	case DNS_SEC_SECURE:
		return "secure";
	case DNS_SEC_BOGUS:
		return "bogus";
	}
	return "unknown";
}

/*
 * dns_get16 - read a big-endian 16-bit value at off, bounds-checked
 * against end (an offset, not a pointer, so nothing is computed past the
 * buffer).
 */
static int
dns_get16(const unsigned char *p, size_t end, size_t off, unsigned *v)
{
	if (off > end || end - off < 2)
		return -1;
	*v = ((unsigned)p[off] << 8) | p[off + 1];
	return 0;
}

/*
 * dns_skip_name - advance *off past a (possibly compressed) owner name
 * without following pointers: a pointer ends the name in place (RFC 1035
 * 4.1.4). Labels are bounded by the packet and by DNS_NAME_MAX.
 */
static int
dns_skip_name(const unsigned char *p, size_t len, size_t *off)
{
	size_t	 o = *off, total = 0;
	unsigned c;

	for (;;) {
		if (o >= len)
			return -1;
		c = p[o];
		if ((c & 0xc0) == 0xc0) {
			if (len - o < 2)
				return -1;
			/* a pointer must point into the packet, before
			 * itself (forward pointers are never produced by a
			 * sane encoder and enable loops) */
			if ((((c & 0x3f) << 8) | p[o + 1]) >= o)
				return -1;
			*off = o + 2;
			return 0;
		}
		if ((c & 0xc0) != 0)
			return -1;	/* 0x40/0x80: extended label types */
		if (c == 0) {
			*off = o + 1;
			return 0;
		}
		total += c + 1;
		if (total + 1 > DNS_NAME_MAX || len - o - 1 < c)
			return -1;
		o += c + 1;
	}
}

/*
 * dns_read_name - decompress the name at off (limit: the name's first
 * byte must lie before lim, the end of its RDATA, unless reached through
 * a pointer) into text at out (outsz bytes): labels joined by '.', no
 * trailing dot, lower case, the root as "". Bytes other than letters,
 * digits, '-' and '_' are written as \DDD (RFC 1035 5.1), so the text
 * never contains a control byte, '.' inside a label, or a backslash that
 * is not an escape. *next gets the offset after the name at its original
 * position. Loops are impossible: every pointer must point strictly
 * before the label it replaces, and hops are counted.
 */
static int
dns_read_name(const unsigned char *p, size_t len, size_t off, size_t lim,
    size_t *next, char *out, size_t outsz)
{
	size_t	 o = off, w = 0, total = 0, i;
	unsigned c, hops = 0, ptr;
	int	 jumped = 0;

	if (outsz == 0)
		return -1;
	for (;;) {
		if (o >= (jumped ? len : lim))
			return -1;
		c = p[o];
		if ((c & 0xc0) == 0xc0) {
			if ((jumped ? len : lim) - o < 2)
				return -1;
			ptr = ((c & 0x3f) << 8) | p[o + 1];
			if (ptr >= o || ++hops > DNS_MAX_HOPS)
				return -1;
			if (!jumped)
				*next = o + 2;
			jumped = 1;
			o = ptr;
			continue;
		}
		if ((c & 0xc0) != 0)
			return -1;
		if (c == 0) {
			if (!jumped)
				*next = o + 1;
			break;
		}
		total += c + 1;
		if (total + 1 > DNS_NAME_MAX)
			return -1;
		if ((jumped ? len : lim) - o - 1 < c)
			return -1;
		if (w > 0) {
			if (w + 1 >= outsz)
				return -1;
			out[w++] = '.';
		}
		for (i = 0; i < c; i++) {
			unsigned char	 ch = p[o + 1 + i];

			if (ch >= 'A' && ch <= 'Z')
				ch = ch - 'A' + 'a';
			if ((ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' ||
			    ch == '_') {
				if (w + 1 >= outsz)
					return -1;
				out[w++] = (char)ch;
			} else {
				if (w + 4 >= outsz)
					return -1;
				out[w++] = '\\';
				out[w++] = (char)('0' + ch / 100);
				out[w++] = (char)('0' + ch / 10 % 10);
				out[w++] = (char)('0' + ch % 10);
			}
		}
		o += c + 1;
	}
	out[w] = '\0';
	return 0;
}

/*
 * dns_check_txt - TXT RDATA must be one or more <length><bytes>
 * character-strings that exactly fill it (RFC 1035 3.3.14).
 */
static int
dns_check_txt(const unsigned char *d, size_t len)
{
	size_t	 o = 0;

	if (len == 0)
		return -1;
	while (o < len) {
		if (len - o - 1 < d[o])
			return -1;
		o += (size_t)d[o] + 1;
	}
	return 0;
}

/*
 * dns_parse_packet - see dns.h. Every RR in the answer section is checked
 * for framing (a malformed one fails the whole packet, since its bytes
 * cannot be trusted to delimit the next one); RRs of class IN and type
 * qtype are collected, in order, up to maxrr. RRs of other types (the
 * CNAME chain, RRSIGs) are skipped. The authority and additional sections
 * are not looked at.
 */
int
dns_parse_packet(const unsigned char *pkt, size_t len, int qtype,
    struct dns_rr *out, size_t maxrr, char *namebuf, size_t namebufsz,
    int *rcode)
{
	unsigned	 flags, qd, an, i, type, class, rdlen, pref;
	size_t		 off, nout = 0, nameused = 0, rdoff, nx = 0;

	if (pkt == NULL || len < DNS_HDR_LEN)
		return -1;
	if (dns_get16(pkt, len, 2, &flags) == -1 ||
	    dns_get16(pkt, len, 4, &qd) == -1 ||
	    dns_get16(pkt, len, 6, &an) == -1)
		return -1;
	if ((flags & 0x8000) == 0)
		return -1;		/* QR: not a response */
	if (rcode != NULL)
		*rcode = flags & 0x000f;
	off = DNS_HDR_LEN;
	for (i = 0; i < qd; i++) {
		if (dns_skip_name(pkt, len, &off) == -1 ||
		    len - off < 4)
			return -1;
		off += 4;		/* QTYPE, QCLASS */
	}
	for (i = 0; i < an; i++) {
		if (dns_skip_name(pkt, len, &off) == -1 ||
		    dns_get16(pkt, len, off, &type) == -1 ||
		    dns_get16(pkt, len, off + 2, &class) == -1 ||
		    dns_get16(pkt, len, off + 8, &rdlen) == -1)
			return -1;
		rdoff = off + 10;
		if (len - rdoff < rdlen)
			return -1;
		off = rdoff + rdlen;
		if (class != DNS_CLASS_IN || (int)type != qtype)
			continue;
		/* RDATA sanity per type, so callers get well-formed data */
		switch (type) {
		case DNS_T_A:
			if (rdlen != 4)
				return -1;
			break;
		case DNS_T_AAAA:
			if (rdlen != 16)
				return -1;
			break;
		case DNS_T_TXT:
			if (dns_check_txt(pkt + rdoff, rdlen) == -1)
				return -1;
			break;
		default:
			break;
		}
		if (nout >= maxrr)
			continue;	/* keep checking the framing */
		out[nout].data = pkt + rdoff;
		out[nout].len = rdlen;
		out[nout].pref = 0;
		out[nout].name = NULL;
		if (type == DNS_T_MX || type == DNS_T_PTR) {
			size_t	 noff = rdoff;

			if (type == DNS_T_MX) {
				if (dns_get16(pkt, rdoff + rdlen, rdoff,
				    &pref) == -1)
					return -1;
				out[nout].pref = pref;
				noff += 2;
			}
			if (namebuf == NULL || nameused >= namebufsz)
				return -1;
			if (dns_read_name(pkt, len, noff, rdoff + rdlen, &nx,
			    namebuf + nameused, namebufsz - nameused) == -1)
				return -1;
			if (nx != rdoff + rdlen)
				return -1;	/* junk after the name */
			out[nout].name = namebuf + nameused;
			nameused += strlen(namebuf + nameused) + 1;
		}
		nout++;
	}
	return (int)nout;
}
