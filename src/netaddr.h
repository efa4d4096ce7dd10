/*
 * netaddr.h - socket address and CIDR network parsing and matching.
 *
 * Pure functions over explicit inputs; the netlist owns its array
 * (netlist_clear frees it).
 */
#ifndef DKIMGATE_NETADDR_H
#define DKIMGATE_NETADDR_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

struct netmask {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	int		 prefix;
};

struct netlist {
	struct netmask	*nets;
	size_t		 n;
};

/*
 * netaddr_parse_hostport - "1.2.3.4:25", "[::1]:25" (numeric only) into
 * ss/len. Returns 0 or -1.
 */
int	netaddr_parse_hostport(const char *, struct sockaddr_storage *,
	    socklen_t *);

/*
 * netaddr_parse_cidr - "10.0.0.0/8", "192.0.2.1", "[::1]/128", "::1/128".
 * Host bits beyond the prefix must be zero. Returns 0 or -1.
 */
int	netaddr_parse_cidr(const char *, size_t, struct netmask *);

/* netlist_parse - comma/space separated CIDR list; -1 with the bad item */
int	netlist_parse(struct netlist *, const char *, char *bad, size_t);
void	netlist_clear(struct netlist *);
int	netlist_match(const struct netlist *, const struct sockaddr *);

/*
 * netaddr_match_raw - does the address (4 or 16 bytes) fall in the net?
 */
int	netaddr_match_raw(const struct netmask *, int family,
	    const unsigned char *addr);

/* netaddr_is_loopback - 127/8, ::1, or v4-mapped 127/8 */
int	netaddr_is_loopback(const struct sockaddr *);

/* netaddr_ntop - numeric text of an address (no port), into buf */
const char *netaddr_ntop(const struct sockaddr *, char *, size_t);

/* netaddr_format - "1.2.3.4:25" or "[::1]:25" into buf */
const char *netaddr_format(const struct sockaddr *, char *, size_t);

#endif
