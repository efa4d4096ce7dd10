/*
 * netaddr.c - socket address and CIDR network parsing and matching.
 *
 * Numeric addresses only (inet_pton): nothing here resolves names, so
 * nothing here blocks. A network's host bits must be zero ("10.1.2.3/8"
 * is refused rather than silently masked: such a typo usually means the
 * admin meant a different prefix). An IPv4-mapped IPv6 peer
 * (::ffff:a.b.c.d, as an AF_INET6 socket reports IPv4 clients) matches
 * IPv4 networks, and an IPv4 peer matches a network written in the
 * ::ffff:0:0/96 form (RFC 4291 section 2.5.5.2).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "xmalloc.h"

/* longest text we accept for one address or network item */
#define NETADDR_TEXT_MAX	64

static int	netaddr_parse_port(const char *, size_t, unsigned int *);
static int	netaddr_parse_ip(const char *, size_t, int *, unsigned char *);
static int	netaddr_is_mapped(const unsigned char *);
static int	netaddr_prefix_match(const unsigned char *,
		    const unsigned char *, int);
static int	netaddr_host_bits_zero(const unsigned char *, int, int);

static const unsigned char v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * netaddr_parse_port - decimal port 1..65535 from (s, len), no sign, no
 * blanks, at most 5 digits. Returns 0 or -1.
 */
static int
netaddr_parse_port(const char *s, size_t len, unsigned int *port)
{
	unsigned int	 v = 0;
	size_t		 i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/*
 * netaddr_parse_ip - numeric IPv4 or IPv6 address (no brackets) from
 * (s, len) into addr (4 or 16 bytes) and *family. Returns 0 or -1.
 */
static int
netaddr_parse_ip(const char *s, size_t len, int *family, unsigned char *addr)
{
	char	 tmp[NETADDR_TEXT_MAX];

	if (len == 0 || len >= sizeof(tmp) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (memchr(tmp, ':', len) != NULL) {
		if (inet_pton(AF_INET6, tmp, addr) != 1)
			return -1;
		*family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, tmp, addr) != 1)
			return -1;
		*family = AF_INET;
	}
	return 0;
}

/*
 * netaddr_parse_hostport - "1.2.3.4:25" or "[::1]:25" into ss/len.
 */
int
netaddr_parse_hostport(const char *s, struct sockaddr_storage *ss,
    socklen_t *lenp)
{
	const char	*host, *port, *end;
	size_t		 hostlen, slen;
	unsigned char	 addr[16];
	unsigned int	 portnum;
	int		 family;

	if (s == NULL)
		return -1;
	slen = strlen(s);
	if (slen == 0 || slen >= NETADDR_TEXT_MAX)
		return -1;
	if (s[0] == '[') {
		if ((end = memchr(s, ']', slen)) == NULL || end[1] != ':')
			return -1;
		host = s + 1;
		hostlen = (size_t)(end - host);
		port = end + 2;
		/* brackets are for IPv6 only */
		if (memchr(host, ':', hostlen) == NULL)
			return -1;
	} else {
		if ((end = strrchr(s, ':')) == NULL)
			return -1;
		host = s;
		hostlen = (size_t)(end - s);
		port = end + 1;
		/* an unbracketed IPv6 address is ambiguous: refuse */
		if (memchr(host, ':', hostlen) != NULL)
			return -1;
	}
	if (netaddr_parse_ip(host, hostlen, &family, addr) == -1)
		return -1;
	if (netaddr_parse_port(port, strlen(port), &portnum) == -1)
		return -1;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)portnum);
		memcpy(&sin->sin_addr, addr, 4);
		*lenp = sizeof(*sin);
	} else {
		struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)portnum);
		memcpy(&sin6->sin6_addr, addr, 16);
		*lenp = sizeof(*sin6);
	}
	return 0;
}

/*
 * netaddr_host_bits_zero - are all bits of addr (nbytes long) past the
 * first prefix bits zero?
 */
static int
netaddr_host_bits_zero(const unsigned char *addr, int nbytes, int prefix)
{
	int	 i, bits;

	for (i = 0; i < nbytes; i++) {
		bits = prefix - i * 8;	/* network bits in this byte */
		if (bits >= 8)
			continue;
		if (bits <= 0) {
			if (addr[i] != 0)
				return 0;
		} else if ((addr[i] & (0xff >> bits)) != 0)
			return 0;
	}
	return 1;
}

/*
 * netaddr_parse_cidr - one network item from (s, len): an address with
 * an optional "/prefix"; IPv6 optionally in brackets ("[::1]/128").
 */
int
netaddr_parse_cidr(const char *s, size_t len, struct netmask *nm)
{
	const char	*slash, *host;
	size_t		 hostlen, i;
	int		 prefix = -1, maxprefix;

	if (len == 0 || len >= NETADDR_TEXT_MAX)
		return -1;
	slash = memchr(s, '/', len);
	host = s;
	hostlen = slash != NULL ? (size_t)(slash - s) : len;
	if (slash != NULL) {
		size_t	 plen = len - hostlen - 1;

		if (plen == 0 || plen > 3)
			return -1;
		prefix = 0;
		for (i = 0; i < plen; i++) {
			if (slash[1 + i] < '0' || slash[1 + i] > '9')
				return -1;
			prefix = prefix * 10 + (slash[1 + i] - '0');
		}
		/* no leading zeros: "/08" is more likely a typo */
		if (plen > 1 && slash[1] == '0')
			return -1;
	}
	if (hostlen >= 2 && host[0] == '[') {
		if (host[hostlen - 1] != ']')
			return -1;
		host++;
		hostlen -= 2;
		if (memchr(host, ':', hostlen) == NULL)
			return -1;
	}
	memset(nm, 0, sizeof(*nm));
	if (netaddr_parse_ip(host, hostlen, &nm->family, nm->addr) == -1)
		return -1;
	maxprefix = nm->family == AF_INET ? 32 : 128;
	if (prefix == -1)
		prefix = maxprefix;
	if (prefix > maxprefix)
		return -1;
	if (!netaddr_host_bits_zero(nm->addr, maxprefix / 8, prefix))
		return -1;
	nm->prefix = prefix;
	return 0;
}

/*
 * netlist_parse - parse a comma and/or blank separated list of networks
 * into nl, which this call initializes (it does not free what nl held:
 * netlist_clear() it first). On error nl is empty, the offending item
 * (cut to fit) is copied into bad, and -1 is returned.
 */
int
netlist_parse(struct netlist *nl, const char *s, char *bad, size_t badsz)
{
	size_t		 pos = 0, start, n, cap = 0;
	struct netmask	 nm;

	nl->nets = NULL;
	nl->n = 0;
	if (bad != NULL && badsz > 0)
		bad[0] = '\0';
	for (;;) {
		while (s[pos] == ',' || s[pos] == ' ' || s[pos] == '\t' ||
		    s[pos] == '\r' || s[pos] == '\n')
			pos++;
		if (s[pos] == '\0')
			break;
		start = pos;
		while (s[pos] != '\0' && s[pos] != ',' && s[pos] != ' ' &&
		    s[pos] != '\t' && s[pos] != '\r' && s[pos] != '\n')
			pos++;
		n = pos - start;
		if (netaddr_parse_cidr(s + start, n, &nm) == -1) {
			if (bad != NULL && badsz > 0) {
				if (n >= badsz)
					n = badsz - 1;
				memcpy(bad, s + start, n);
				bad[n] = '\0';
			}
			netlist_clear(nl);
			return -1;
		}
		if (nl->n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			nl->nets = xreallocarray(nl->nets, cap,
			    sizeof(*nl->nets));
		}
		nl->nets[nl->n++] = nm;
	}
	return 0;
}

/*
 * netlist_clear - free the list's array; the list is empty afterwards.
 */
void
netlist_clear(struct netlist *nl)
{
	if (nl == NULL)
		return;
	free(nl->nets);
	nl->nets = NULL;
	nl->n = 0;
}

/*
 * netaddr_is_mapped - is the 16-byte address an IPv4-mapped one?
 */
static int
netaddr_is_mapped(const unsigned char *a)
{
	return memcmp(a, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0;
}

/*
 * netaddr_prefix_match - do a and b agree in their first prefix bits?
 */
static int
netaddr_prefix_match(const unsigned char *a, const unsigned char *b,
    int prefix)
{
	int		 whole = prefix / 8, rest = prefix % 8;
	unsigned char	 mask;

	if (whole > 0 && memcmp(a, b, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/*
 * netaddr_match_raw - does the address (family AF_INET: 4 bytes, AF_INET6:
 * 16 bytes) fall in the network? Mapped addresses cross families.
 */
int
netaddr_match_raw(const struct netmask *nm, int family,
    const unsigned char *addr)
{
	unsigned char	 mapped[16];

	if (nm->family == AF_INET && family == AF_INET)
		return netaddr_prefix_match(nm->addr, addr, nm->prefix);
	if (nm->family == AF_INET6 && family == AF_INET6)
		return netaddr_prefix_match(nm->addr, addr, nm->prefix);
	if (nm->family == AF_INET && family == AF_INET6) {
		if (!netaddr_is_mapped(addr))
			return 0;
		return netaddr_prefix_match(nm->addr, addr + 12, nm->prefix);
	}
	if (nm->family == AF_INET6 && family == AF_INET) {
		memcpy(mapped, v4mapped_prefix, 12);
		memcpy(mapped + 12, addr, 4);
		return netaddr_prefix_match(nm->addr, mapped, nm->prefix);
	}
	return 0;
}

/*
 * netlist_match - does the socket address fall in any network of nl?
 * Non-IP families never match.
 */
int
netlist_match(const struct netlist *nl, const struct sockaddr *sa)
{
	const unsigned char	*addr;
	size_t			 i;

	if (sa->sa_family == AF_INET)
		addr = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		addr = (const unsigned char *)
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return 0;
	for (i = 0; i < nl->n; i++)
		if (netaddr_match_raw(&nl->nets[i], sa->sa_family, addr))
			return 1;
	return 0;
}

/*
 * netaddr_is_loopback - 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104.
 */
int
netaddr_is_loopback(const struct sockaddr *sa)
{
	const unsigned char	*a;

	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		return a[0] == 127;
	}
	if (sa->sa_family == AF_INET6) {
		a = (const unsigned char *)
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (netaddr_is_mapped(a))
			return a[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr);
	}
	return 0;
}

/*
 * netaddr_ntop - numeric text of the address without port; "?" for a
 * family we do not know.
 */
const char *
netaddr_ntop(const struct sockaddr *sa, char *buf, size_t bufsz)
{
	const void	*src;

	if (bufsz == 0)
		return buf;
	if (sa->sa_family == AF_INET)
		src = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		src = NULL;
	if (src == NULL || bufsz > (socklen_t)-1 ||
	    inet_ntop(sa->sa_family, src, buf, (socklen_t)bufsz) == NULL)
		snprintf(buf, bufsz, "?");
	return buf;
}

/*
 * netaddr_format - "1.2.3.4:25" or "[::1]:25"; the text netaddr_parse_
 * hostport reads back.
 */
const char *
netaddr_format(const struct sockaddr *sa, char *buf, size_t bufsz)
{
	char		 host[INET6_ADDRSTRLEN];
	unsigned int	 port;

	if (bufsz == 0)
		return buf;
	netaddr_ntop(sa, host, sizeof(host));
	if (sa->sa_family == AF_INET) {
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
		snprintf(buf, bufsz, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
		snprintf(buf, bufsz, "[%s]:%u", host, port);
	} else
		snprintf(buf, bufsz, "?");
	return buf;
}
