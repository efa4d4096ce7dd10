/*
 * fuzz_netaddr.c - libFuzzer harness for netaddr.h: CIDR networks
 * (netaddr_parse_cidr), host:port (netaddr_parse_hostport) and network
 * lists (netlist_parse, netlist_match), which read dkimgate.conf's
 * listen, return_address and client_networks values.
 *
 * Input: the text. Invariants: a parsed network has a family and a
 * prefix in range and no host bits beyond the prefix, and it contains
 * its own base address; a parsed host:port formats back to text that
 * parses to the same address; a list owns what it allocates
 * (LeakSanitizer) and matches without crashing.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "netaddr.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage	 ss, ss2;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct netmask		 nm;
	struct netlist		 nl;
	socklen_t		 sl, sl2;
	char			*p, *z, bad[64], text[128], text2[128];
	int			 i, alen;

	if (size > 4096)
		return 0;
	p = fuzz_dup(data, size);
	z = fuzz_dupz(data, size);

	if (netaddr_parse_cidr(p, size, &nm) == 0) {
		FUZZ_CHECK(nm.family == AF_INET || nm.family == AF_INET6);
		alen = nm.family == AF_INET ? 4 : 16;
		FUZZ_CHECK(nm.prefix >= 0 && nm.prefix <= alen * 8);
		for (i = nm.prefix; i < alen * 8; i++)
			FUZZ_CHECK((nm.addr[i / 8] & (0x80 >> (i % 8))) == 0);
		FUZZ_CHECK(netaddr_match_raw(&nm, nm.family, nm.addr) == 1);
	}

	if (netaddr_parse_hostport(z, &ss, &sl) == 0) {
		FUZZ_CHECK(ss.ss_family == AF_INET ||
		    ss.ss_family == AF_INET6);
		FUZZ_CHECK(netaddr_format((struct sockaddr *)&ss, text,
		    sizeof(text)) != NULL);
		FUZZ_CHECK(netaddr_parse_hostport(text, &ss2, &sl2) == 0);
		FUZZ_CHECK(netaddr_format((struct sockaddr *)&ss2, text2,
		    sizeof(text2)) != NULL);
		FUZZ_CHECK(strcmp(text, text2) == 0);
		(void)netaddr_is_loopback((struct sockaddr *)&ss);
	}

	memset(&nl, 0, sizeof(nl));
	bad[0] = '\0';
	if (netlist_parse(&nl, z, bad, sizeof(bad)) == 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(0x7f000001);
		(void)netlist_match(&nl, (struct sockaddr *)&sin);
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr.s6_addr[15] = 1;
		(void)netlist_match(&nl, (struct sockaddr *)&sin6);
	} else
		FUZZ_CHECK(memchr(bad, '\0', sizeof(bad)) != NULL);
	netlist_clear(&nl);
	free(z);
	free(p);
	return 0;
}
