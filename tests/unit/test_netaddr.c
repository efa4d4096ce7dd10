/*
 * test_netaddr.c - unit tests for src/netaddr.c: host:port parsing and
 * formatting, CIDR parsing, network matching across IPv4/IPv6 (mapped
 * addresses), loopback detection.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netaddr.h"
#include "xmalloc.h"

/* one host:port case: expected family and port, or family 0 = invalid */
struct hp_case {
	const char	*name;
	const char	*in;
	int		 family;
	unsigned int	 port;
	const char	*formatted;	/* netaddr_format() of the result */
};

static const struct hp_case hp_cases[] = {
	{ "v4", "127.0.0.1:25", AF_INET, 25, "127.0.0.1:25" },
	{ "v4 any", "0.0.0.0:10027", AF_INET, 10027, "0.0.0.0:10027" },
	{ "v4 max port", "192.0.2.1:65535", AF_INET, 65535,
	    "192.0.2.1:65535" },
	{ "v6 loopback", "[::1]:10027", AF_INET6, 10027, "[::1]:10027" },
	{ "v6 global", "[2001:db8::1]:587", AF_INET6, 587,
	    "[2001:db8::1]:587" },
	{ "v6 mapped", "[::ffff:192.0.2.1]:1", AF_INET6, 1,
	    "[::ffff:192.0.2.1]:1" },
	{ "v6 uncompressed", "[2001:db8:0:0:0:0:0:1]:25", AF_INET6, 25,
	    "[2001:db8::1]:25" },
	{ "empty", "", 0, 0, NULL },
	{ "no port", "127.0.0.1", 0, 0, NULL },
	{ "empty port", "127.0.0.1:", 0, 0, NULL },
	{ "no host", ":25", 0, 0, NULL },
	{ "port zero", "127.0.0.1:0", 0, 0, NULL },
	{ "port too big", "127.0.0.1:65536", 0, 0, NULL },
	{ "port six digits", "127.0.0.1:000025", 0, 0, NULL },
	{ "port sign", "127.0.0.1:+25", 0, 0, NULL },
	{ "port garbage", "127.0.0.1:25x", 0, 0, NULL },
	{ "port blank", "127.0.0.1: 25", 0, 0, NULL },
	{ "v6 unbracketed", "::1:25", 0, 0, NULL },
	{ "v6 no colon after bracket", "[::1]25", 0, 0, NULL },
	{ "v6 empty port", "[::1]:", 0, 0, NULL },
	{ "v6 unterminated", "[::1:25", 0, 0, NULL },
	{ "v4 in brackets", "[127.0.0.1]:25", 0, 0, NULL },
	{ "host name", "localhost:25", 0, 0, NULL },
	{ "v4 octet too big", "256.0.0.1:25", 0, 0, NULL },
	{ "v4 leading zero", "01.2.3.4:25", 0, 0, NULL },
	{ "v4 three parts", "1.2.3:25", 0, 0, NULL },
	{ "v6 scope", "[fe80::1%eth0]:25", 0, 0, NULL },
	{ "too long", "[1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:"
	    "bbbb]:25", 0, 0, NULL },
};

/* one CIDR case: expected family/prefix, or family 0 = invalid */
struct cidr_case {
	const char	*name;
	const char	*in;
	int		 family;
	int		 prefix;
};

static const struct cidr_case cidr_cases[] = {
	{ "v4 /8", "10.0.0.0/8", AF_INET, 8 },
	{ "v4 host", "192.0.2.1", AF_INET, 32 },
	{ "v4 /32", "192.0.2.1/32", AF_INET, 32 },
	{ "v4 /0", "0.0.0.0/0", AF_INET, 0 },
	{ "v4 /20", "172.16.16.0/20", AF_INET, 20 },
	{ "v6 bracketed", "[::1]/128", AF_INET6, 128 },
	{ "v6 plain", "::1/128", AF_INET6, 128 },
	{ "v6 host", "::1", AF_INET6, 128 },
	{ "v6 bracketed host", "[2001:db8::1]", AF_INET6, 128 },
	{ "v6 /32", "2001:db8::/32", AF_INET6, 32 },
	{ "v6 /0", "::/0", AF_INET6, 0 },
	{ "v6 mapped /104", "::ffff:127.0.0.0/104", AF_INET6, 104 },
	{ "v4 host bits", "10.0.0.1/8", 0, 0 },
	{ "v4 host bits /20", "172.16.17.0/20", 0, 0 },
	{ "v6 host bits", "2001:db8::1/32", 0, 0 },
	{ "v4 prefix too big", "10.0.0.0/33", 0, 0 },
	{ "v6 prefix too big", "::1/129", 0, 0 },
	{ "empty prefix", "10.0.0.0/", 0, 0 },
	{ "leading zero prefix", "10.0.0.0/08", 0, 0 },
	{ "negative prefix", "10.0.0.0/-1", 0, 0 },
	{ "prefix only", "/8", 0, 0 },
	{ "two prefixes", "10.0.0.0/8/8", 0, 0 },
	{ "v4 in brackets", "[10.0.0.0]/8", 0, 0 },
	{ "unterminated bracket", "[::1/128", 0, 0 },
	{ "name", "example.com", 0, 0 },
	{ "empty", "", 0, 0 },
	{ "blank inside", "10.0.0.0 /8", 0, 0 },
};

/* a match case: network, address, expected match */
struct match_case {
	const char	*name;
	const char	*net;
	const char	*addr;
	int		 match;
};

static const struct match_case match_cases[] = {
	{ "v4 inside", "10.0.0.0/8", "10.255.1.2", 1 },
	{ "v4 outside", "10.0.0.0/8", "11.0.0.0", 0 },
	{ "v4 /20 inside", "172.16.16.0/20", "172.16.31.255", 1 },
	{ "v4 /20 outside", "172.16.16.0/20", "172.16.32.0", 0 },
	{ "v4 host exact", "192.0.2.1", "192.0.2.1", 1 },
	{ "v4 host other", "192.0.2.1", "192.0.2.2", 0 },
	{ "v4 /0 all", "0.0.0.0/0", "203.0.113.9", 1 },
	{ "v6 inside", "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ "v6 outside", "2001:db8::/32", "2001:db9::1", 0 },
	{ "v6 /0 all", "::/0", "fe80::1", 1 },
	{ "v6 loopback", "::1/128", "::1", 1 },
	{ "mapped peer v4 net", "127.0.0.0/8", "::ffff:127.0.0.1", 1 },
	{ "mapped peer v4 net out", "127.0.0.0/8", "::ffff:10.0.0.1", 0 },
	{ "v4 peer mapped net", "::ffff:192.0.2.0/120", "192.0.2.77", 1 },
	{ "v4 peer mapped net out", "::ffff:192.0.2.0/120", "192.0.3.1", 0 },
	{ "unmapped v6 peer v4 net", "0.0.0.0/0", "2001:db8::1", 0 },
	{ "compat-looking v6 peer", "127.0.0.0/8", "::127.0.0.1", 0 },
	{ "v4 peer v6 net", "::/0", "192.0.2.1", 1 },
	{ "v4 peer v6 loopback", "::1/128", "127.0.0.1", 0 },
};

static struct sockaddr_storage
make_sa(const char *addr)
{
	struct sockaddr_storage	 ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
	}
	return ss;
}

static void
test_hostport(void **state)
{
	const struct hp_case	*c = *state;
	struct sockaddr_storage	 ss;
	socklen_t		 len = 0;
	char			 buf[80];
	int			 rc;

	rc = netaddr_parse_hostport(c->in, &ss, &len);
	if (c->family == 0) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(ss.ss_family, c->family);
	if (c->family == AF_INET) {
		assert_int_equal(len, sizeof(struct sockaddr_in));
		assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port),
		    c->port);
	} else {
		assert_int_equal(len, sizeof(struct sockaddr_in6));
		assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port),
		    c->port);
	}
	assert_string_equal(netaddr_format((struct sockaddr *)&ss, buf,
	    sizeof(buf)), c->formatted);
	/* the formatted text reads back to the same address */
	{
		struct sockaddr_storage	 ss2;
		socklen_t		 len2;

		assert_int_equal(netaddr_parse_hostport(buf, &ss2, &len2), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(&ss2, &ss, len);
	}
}

static void
test_cidr(void **state)
{
	const struct cidr_case	*c = *state;
	struct netmask		 nm;
	size_t			 n = strlen(c->in);
	char			*exact;
	int			 rc;

	/* exactly n bytes, no NUL after them: must not be read */
	exact = xmemdup(c->in, n);
	rc = netaddr_parse_cidr(exact, n, &nm);
	free(exact);
	if (c->family == 0) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(nm.family, c->family);
	assert_int_equal(nm.prefix, c->prefix);
}

static void
test_cidr_length_bound(void **state)
{
	struct netmask	 nm;

	(void)state;
	/* only the first len bytes count */
	assert_int_equal(netaddr_parse_cidr("10.0.0.0/8junk", 10, &nm), 0);
	assert_int_equal(nm.prefix, 8);
	assert_int_equal(netaddr_parse_cidr("192.0.2.1/24", 9, &nm), 0);
	assert_int_equal(nm.prefix, 32);
	assert_int_equal(netaddr_parse_cidr("192.0.2.1", 0, &nm), -1);
}

static void
test_match(void **state)
{
	const struct match_case	*c = *state;
	struct netmask		 nm;
	struct netlist		 nl;
	struct sockaddr_storage	 ss = make_sa(c->addr);
	unsigned char		 raw[16];
	int			 fam = ss.ss_family;

	assert_int_equal(netaddr_parse_cidr(c->net, strlen(c->net), &nm), 0);
	if (fam == AF_INET)
		memcpy(raw, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(raw, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	assert_int_equal(netaddr_match_raw(&nm, fam, raw), c->match);

	nl.nets = &nm;
	nl.n = 1;
	assert_int_equal(netlist_match(&nl, (struct sockaddr *)&ss),
	    c->match);
}

static void
test_netlist(void **state)
{
	struct netlist		 nl;
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	char			 bad[16];

	(void)state;
	assert_int_equal(netlist_parse(&nl, "127.0.0.0/8, [::1]/128", bad,
	    sizeof(bad)), 0);
	assert_int_equal(nl.n, 2);
	assert_int_equal(nl.nets[0].family, AF_INET);
	assert_int_equal(nl.nets[1].family, AF_INET6);
	ss = make_sa("127.0.0.1");
	assert_true(netlist_match(&nl, (struct sockaddr *)&ss));
	ss = make_sa("::1");
	assert_true(netlist_match(&nl, (struct sockaddr *)&ss));
	ss = make_sa("::ffff:127.0.0.2");
	assert_true(netlist_match(&nl, (struct sockaddr *)&ss));
	ss = make_sa("192.0.2.1");
	assert_false(netlist_match(&nl, (struct sockaddr *)&ss));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_false(netlist_match(&nl, (struct sockaddr *)&sun));
	netlist_clear(&nl);
	assert_null(nl.nets);
	assert_int_equal(nl.n, 0);

	/* separators: blanks only, commas only, mixed, leading/trailing */
	assert_int_equal(netlist_parse(&nl, " 10.0.0.0/8 192.0.2.0/24\t"
	    "::1 ,, ,2001:db8::/32, ", bad, sizeof(bad)), 0);
	assert_int_equal(nl.n, 4);
	netlist_clear(&nl);

	/* more items than the first allocation */
	assert_int_equal(netlist_parse(&nl, "10.0.0.1 10.0.0.2 10.0.0.3 "
	    "10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9", bad,
	    sizeof(bad)), 0);
	assert_int_equal(nl.n, 9);
	ss = make_sa("10.0.0.9");
	assert_true(netlist_match(&nl, (struct sockaddr *)&ss));
	netlist_clear(&nl);

	/* empty list: nothing matches */
	assert_int_equal(netlist_parse(&nl, "", bad, sizeof(bad)), 0);
	assert_int_equal(nl.n, 0);
	ss = make_sa("127.0.0.1");
	assert_false(netlist_match(&nl, (struct sockaddr *)&ss));
	netlist_clear(&nl);

	/* a bad item is named, the list left empty */
	assert_int_equal(netlist_parse(&nl, "127.0.0.0/8, 10.0.0.1/8, ::1",
	    bad, sizeof(bad)), -1);
	assert_string_equal(bad, "10.0.0.1/8");
	assert_null(nl.nets);
	assert_int_equal(nl.n, 0);

	/* the bad item is cut to fit */
	assert_int_equal(netlist_parse(&nl, "this-is-a-long-bad-item", bad,
	    sizeof(bad)), -1);
	assert_string_equal(bad, "this-is-a-long-");
	netlist_clear(NULL);
}

static void
test_loopback(void **state)
{
	static const struct {
		const char	*addr;
		int		 lo;
	} cases[] = {
		{ "127.0.0.1", 1 }, { "127.255.0.9", 1 }, { "128.0.0.1", 0 },
		{ "0.0.0.0", 0 }, { "10.0.0.1", 0 }, { "::1", 1 },
		{ "::2", 0 }, { "::", 0 }, { "::ffff:127.0.0.1", 1 },
		{ "::ffff:10.0.0.1", 0 }, { "2001:db8::1", 0 },
	};
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ss = make_sa(cases[i].addr);
		if (netaddr_is_loopback((struct sockaddr *)&ss) != cases[i].lo)
			fail_msg("netaddr_is_loopback(%s) != %d",
			    cases[i].addr, cases[i].lo);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_false(netaddr_is_loopback((struct sockaddr *)&sun));
}

static void
test_ntop(void **state)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	char			 buf[64], small[4];

	(void)state;
	ss = make_sa("192.0.2.10");
	assert_string_equal(netaddr_ntop((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "192.0.2.10");
	ss = make_sa("2001:db8::a");
	assert_string_equal(netaddr_ntop((struct sockaddr *)&ss, buf,
	    sizeof(buf)), "2001:db8::a");
	/* too small a buffer: "?" rather than a cut address */
	assert_string_equal(netaddr_ntop((struct sockaddr *)&ss, small,
	    sizeof(small)), "?");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_string_equal(netaddr_ntop((struct sockaddr *)&sun, buf,
	    sizeof(buf)), "?");
	assert_string_equal(netaddr_format((struct sockaddr *)&sun, buf,
	    sizeof(buf)), "?");
}

/*
 * run_table - run one test function over a table of named cases.
 */
static int
run_table(const char *group, CMUnitTestFunction fn, const void *cases,
    size_t n, size_t size, size_t nameoff)
{
	struct CMUnitTest	*t;
	size_t			 i;
	int			 rc;

	t = xcalloc(n, sizeof(*t));
	for (i = 0; i < n; i++) {
		const char	*c = (const char *)cases + i * size;

		t[i].name = *(const char *const *)(c + nameoff);
		t[i].test_func = fn;
		t[i].initial_state = (void *)(uintptr_t)c;
	}
	rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return rc;
}

#define RUN_TABLE(group, fn, tab) \
	run_table(group, fn, tab, sizeof(tab) / sizeof(tab[0]), \
	    sizeof(tab[0]), offsetof(__typeof__(tab[0]), name))

int
main(void)
{
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_cidr_length_bound),
		cmocka_unit_test(test_netlist),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_ntop),
	};
	int	 rc = 0;

	rc += RUN_TABLE("netaddr_parse_hostport", test_hostport, hp_cases);
	rc += RUN_TABLE("netaddr_parse_cidr", test_cidr, cidr_cases);
	rc += RUN_TABLE("netaddr_match", test_match, match_cases);
	rc += cmocka_run_group_tests_name("netaddr_misc", misc, NULL, NULL);
	return rc != 0;
}
