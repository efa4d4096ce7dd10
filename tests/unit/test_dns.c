/*
 * test_dns.c - dns_parse_packet on good and hostile packets, and the real
 * libunbound-backed dns.c: configuration errors, answers from local data
 * (delivered from the loop, never before dns_lookup returns), timeouts,
 * cancellation and teardown.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dns.h"
#include "log.h"

/* ---- a small packet builder ---- */

struct pkt {
	unsigned char	 b[4096];
	size_t		 len;
};

static void
pkt_u8(struct pkt *p, unsigned v)
{
	assert_true(p->len < sizeof(p->b));
	p->b[p->len++] = (unsigned char)v;
}

static void
pkt_u16(struct pkt *p, unsigned v)
{
	pkt_u8(p, v >> 8);
	pkt_u8(p, v & 0xff);
}

static void
pkt_bytes(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

/* pkt_name - uncompressed wire name from "a.b.c" */
static void
pkt_name(struct pkt *p, const char *name)
{
	const char	*s = name, *dot;

	while (*s != '\0') {
		dot = strchr(s, '.');
		if (dot == NULL)
			dot = s + strlen(s);
		pkt_u8(p, (unsigned)(dot - s));
		pkt_bytes(p, s, (size_t)(dot - s));
		s = *dot == '.' ? dot + 1 : dot;
	}
	pkt_u8(p, 0);
}

static void
pkt_header(struct pkt *p, unsigned rcode, unsigned qd, unsigned an)
{
	p->len = 0;
	pkt_u16(p, 0x1234);
	pkt_u16(p, 0x8180 | rcode);
	pkt_u16(p, qd);
	pkt_u16(p, an);
	pkt_u16(p, 0);
	pkt_u16(p, 0);
}

/* pkt_rr_head - owner as a pointer to the question name (offset 12) */
static void
pkt_rr_head(struct pkt *p, unsigned type, unsigned rdlen)
{
	pkt_u16(p, 0xc00c);
	pkt_u16(p, type);
	pkt_u16(p, 1);
	pkt_u16(p, 0);
	pkt_u16(p, 300);
	pkt_u16(p, rdlen);
}

static void
pkt_question(struct pkt *p, const char *name, unsigned type)
{
	pkt_name(p, name);
	pkt_u16(p, type);
	pkt_u16(p, 1);
}

/* ---- parser: good packets ---- */

static void
test_parse_txt(void **state)
{
	struct pkt	 p;
	struct dns_rr	 rr[4];
	int		 rcode = -1;

	(void)state;
	pkt_header(&p, 0, 1, 2);
	pkt_question(&p, "sel._domainkey.example.com", DNS_T_TXT);
	pkt_rr_head(&p, DNS_T_TXT, 8);
	pkt_bytes(&p, "\003abc\003def", 8);
	pkt_rr_head(&p, DNS_T_TXT, 1);
	pkt_u8(&p, 0);			/* one empty string */
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_TXT, rr, 4,
	    NULL, 0, &rcode), 2);
	assert_int_equal(rcode, 0);
	assert_int_equal(rr[0].len, 8);
	assert_memory_equal(rr[0].data, "\003abc\003def", 8);
	assert_null(rr[0].name);
	assert_int_equal(rr[1].len, 1);
}

static void
test_parse_mx_ptr(void **state)
{
	struct pkt	 p;
	struct dns_rr	 rr[4];
	char		 names[1024];
	int		 rcode;
	size_t		 mxoff;

	(void)state;
	pkt_header(&p, 0, 1, 3);
	pkt_question(&p, "Example.COM", DNS_T_MX);
	/* MX 10 mail.<ptr to question name> */
	pkt_rr_head(&p, DNS_T_MX, 2 + 5 + 2);
	pkt_u16(&p, 10);
	mxoff = p.len;
	pkt_bytes(&p, "\004MAIL", 5);
	pkt_u16(&p, 0xc00c);
	/* MX 20 pointer to the previous exchange name (a chain) */
	pkt_rr_head(&p, DNS_T_MX, 4);
	pkt_u16(&p, 20);
	pkt_u16(&p, 0xc000 | (unsigned)mxoff);
	/* MX 0 . (null MX, RFC 7505) */
	pkt_rr_head(&p, DNS_T_MX, 3);
	pkt_u16(&p, 0);
	pkt_u8(&p, 0);
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_MX, rr, 4,
	    names, sizeof(names), &rcode), 3);
	assert_int_equal(rr[0].pref, 10);
	assert_string_equal(rr[0].name, "mail.example.com");
	assert_int_equal(rr[1].pref, 20);
	assert_string_equal(rr[1].name, "mail.example.com");
	assert_int_equal(rr[2].pref, 0);
	assert_string_equal(rr[2].name, "");

	/* PTR with a dot inside a label: escaped as \DDD */
	pkt_header(&p, 0, 1, 1);
	pkt_question(&p, "1.2.0.192.in-addr.arpa", DNS_T_PTR);
	pkt_rr_head(&p, DNS_T_PTR, 10);
	pkt_bytes(&p, "\004h.st\003net", 9);
	pkt_u8(&p, 0);
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_PTR, rr, 4,
	    names, sizeof(names), &rcode), 1);
	assert_string_equal(rr[0].name, "h\\046st.net");
}

static void
test_parse_addr_cname(void **state)
{
	struct pkt	 p;
	struct dns_rr	 rr[4];
	int		 rcode;

	(void)state;
	pkt_header(&p, 0, 1, 3);
	pkt_question(&p, "www.example.com", DNS_T_A);
	pkt_rr_head(&p, 5, 6);		/* CNAME host.<ptr> */
	pkt_bytes(&p, "\004host", 5);
	pkt_u8(&p, 0);
	pkt_rr_head(&p, DNS_T_A, 4);
	pkt_bytes(&p, "\300\000\002\001", 4);
	pkt_rr_head(&p, DNS_T_A, 4);
	pkt_bytes(&p, "\300\000\002\002", 4);
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_A, rr, 4,
	    NULL, 0, &rcode), 2);
	assert_memory_equal(rr[0].data, "\300\000\002\001", 4);
	assert_memory_equal(rr[1].data, "\300\000\002\002", 4);
	/* maxrr smaller than the answer: the first ones, framing still
	 * checked */
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_A, rr, 1,
	    NULL, 0, &rcode), 1);
	/* AAAA query sees none */
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_AAAA, rr, 4,
	    NULL, 0, &rcode), 0);

	pkt_header(&p, 0, 1, 1);
	pkt_question(&p, "www.example.com", DNS_T_AAAA);
	pkt_rr_head(&p, DNS_T_AAAA, 16);
	pkt_bytes(&p, "\040\001\015\270\0\0\0\0\0\0\0\0\0\0\0\001", 16);
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_AAAA, rr, 4,
	    NULL, 0, &rcode), 1);
	assert_int_equal(rr[0].len, 16);
}

static void
test_parse_rcodes(void **state)
{
	struct pkt	 p;
	struct dns_rr	 rr[1];
	int		 rcode;

	(void)state;
	pkt_header(&p, 3, 1, 0);
	pkt_question(&p, "nokey._domainkey.example.com", DNS_T_TXT);
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_TXT, rr, 1,
	    NULL, 0, &rcode), 0);
	assert_int_equal(rcode, 3);
	pkt_header(&p, 2, 1, 0);
	pkt_question(&p, "x.example.com", DNS_T_TXT);
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_TXT, rr, 1,
	    NULL, 0, &rcode), 0);
	assert_int_equal(rcode, 2);
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(dns_status_name(DNS_OK), "ok");
	assert_string_equal(dns_status_name(DNS_NXDOMAIN), "nxdomain");
	assert_string_equal(dns_status_name(DNS_NODATA), "nodata");
	assert_string_equal(dns_status_name(DNS_TEMPFAIL), "tempfail");
	assert_string_equal(dns_status_name(DNS_BOGUS), "bogus");
	assert_string_equal(dns_sec_name(DNS_SEC_SECURE), "secure");
	assert_string_equal(dns_sec_name(DNS_SEC_INSECURE), "insecure");
	assert_string_equal(dns_sec_name(DNS_SEC_BOGUS), "bogus");
}

/* ---- parser: hostile packets, a table of named cases ---- */

struct hostile {
	const char	*name;
	int		 qtype;
	size_t		 len;
	const char	*bytes;
};

#define H(n, t, s)	{ n, t, sizeof(s) - 1, s }
#define HDR(an)		"\x12\x34\x81\x80\x00\x01\x00" an "\x00\x00\x00\x00"
#define Q		"\x01x\x00\x00\x10\x00\x01"	/* x. TXT IN */

static const struct hostile hostile[] = {
	H("empty", DNS_T_TXT, ""),
	H("short header", DNS_T_TXT, "\x12\x34\x81\x80\x00\x01\x00"),
	H("query, not a response", DNS_T_TXT,
	    "\x12\x34\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
	H("question cut", DNS_T_TXT, HDR("\x00") "\x01x\x00\x00\x10"),
	H("question name runs off", DNS_T_TXT, HDR("\x00") "\x3fxyz"),
	H("answers promised, none there", DNS_T_TXT, HDR("\x05") Q),
	H("rdlength past the end", DNS_T_TXT, HDR("\x01") Q
	    "\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x09\x03" "abc"),
	H("rr header cut", DNS_T_TXT, HDR("\x01") Q "\xc0\x0c\x00\x10\x00"),
	H("owner pointer to itself", DNS_T_TXT, HDR("\x01") Q
	    "\xc0\x13\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x02\x01" "a"),
	H("owner pointer forward", DNS_T_TXT, HDR("\x01") Q
	    "\xc0\x40\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x02\x01" "a"),
	H("pointer cut in half", DNS_T_TXT, HDR("\x01") Q "\xc0"),
	H("extended label type 0x40", DNS_T_TXT, HDR("\x01") Q
	    "\x41\x00\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x02\x01" "a"),
	H("label type 0x80", DNS_T_TXT,
	    HDR("\x00") "\x80x\x00\x00\x10\x00\x01"),
	H("TXT string longer than rdata", DNS_T_TXT, HDR("\x01") Q
	    "\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x03\x05" "ab"),
	H("TXT empty rdata", DNS_T_TXT, HDR("\x01") Q
	    "\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x00"),
	H("A rdlength 5", DNS_T_A, HDR("\x01") Q
	    "\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x05\x01\x02\x03\x04\x05"),
	H("AAAA rdlength 4", DNS_T_AAAA, HDR("\x01") Q
	    "\xc0\x0c\x00\x1c\x00\x01\x00\x00\x01\x2c\x00\x04\x01\x02\x03\x04"),
	H("MX rdata too short", DNS_T_MX, HDR("\x01") Q
	    "\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x01\x00"),
	H("MX name past rdata", DNS_T_MX, HDR("\x01") Q
	    "\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x04\x00\x0a\x03" "abc\x00"),
	H("MX junk after name", DNS_T_MX, HDR("\x01") Q
	    "\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x05\x00\x0a\x00\x00\x00"),
	H("MX pointer loop via itself", DNS_T_MX, HDR("\x01") Q
	    "\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x04\x00\x0a\xc0\x21"),
	H("MX pointer forward", DNS_T_MX, HDR("\x01") Q
	    "\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x04\x00\x0a\xc0\x30"),
	H("MX pointer out of packet", DNS_T_MX, HDR("\x01") Q
	    "\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x04\x00\x0a\xff\xff"),
};

static void
test_parse_hostile(void **state)
{
	struct dns_rr	 rr[8];
	char		 names[2048];
	unsigned char	*copy;
	size_t		 i;
	int		 rcode;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		/* an exact-size heap copy, so ASan sees any over-read */
		copy = malloc(hostile[i].len + 1);
		assert_non_null(copy);
		memcpy(copy, hostile[i].bytes, hostile[i].len);
		if (dns_parse_packet(copy, hostile[i].len, hostile[i].qtype,
		    rr, 8, names, sizeof(names), &rcode) != -1)
			fail_msg("hostile case \"%s\" was accepted",
			    hostile[i].name);
		free(copy);
	}
}

/* a name longer than 255 octets, built by compression chains */
static void
test_parse_long_name(void **state)
{
	struct pkt	 p;
	struct dns_rr	 rr[2];
	char		 names[4096];
	size_t		 prev, cur;
	int		 rcode, i;

	(void)state;
	pkt_header(&p, 0, 1, 1);
	pkt_question(&p, "x", DNS_T_PTR);
	/* additional names go inside the PTR rdata would be simplest, but
	 * a chain of 63-byte labels each pointing back is the attack:
	 * place them in the question section */
	p.b[5] = 6;			/* qdcount 6 */
	prev = 12;
	for (i = 0; i < 5; i++) {
		cur = p.len;
		pkt_u8(&p, 63);
		memset(p.b + p.len, 'a', 63);
		p.len += 63;
		pkt_u16(&p, 0xc000 | (unsigned)prev);
		pkt_u16(&p, DNS_T_PTR);
		pkt_u16(&p, 1);
		prev = cur;
	}
	pkt_rr_head(&p, DNS_T_PTR, 2);
	pkt_u16(&p, 0xc000 | (unsigned)prev);
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_PTR, rr, 2,
	    names, sizeof(names), &rcode), -1);
}

/* namebuf too small for the MX name: an error, never an overflow */
static void
test_parse_small_namebuf(void **state)
{
	struct pkt	 p;
	struct dns_rr	 rr[2];
	char		 names[8];
	int		 rcode;

	(void)state;
	pkt_header(&p, 0, 1, 1);
	pkt_question(&p, "x", DNS_T_MX);
	pkt_rr_head(&p, DNS_T_MX, 2 + 17);
	pkt_u16(&p, 5);
	pkt_name(&p, "mailhost.example");
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_MX, rr, 2,
	    names, sizeof(names), &rcode), -1);
	assert_int_equal(dns_parse_packet(p.b, p.len, DNS_T_MX, rr, 2,
	    NULL, 0, &rcode), -1);
}

/* mutations of good packets: never a crash (run under ASan), and every
 * accepted result stays inside its bounds */
static void
test_parse_mutations(void **state)
{
	struct pkt	 p;
	struct dns_rr	 rr[4];
	char		 names[4 * 1025];
	unsigned char	*m;
	unsigned	 seed = 12345;
	int		 i, j, n, rcode, qt;
	size_t		 len, k;

	(void)state;
	pkt_header(&p, 0, 1, 3);
	pkt_question(&p, "example.com", DNS_T_MX);
	pkt_rr_head(&p, DNS_T_MX, 2 + 7);
	pkt_u16(&p, 10);
	pkt_bytes(&p, "\004mail\300\014", 7);
	pkt_rr_head(&p, DNS_T_TXT, 4);
	pkt_bytes(&p, "\003v=1", 4);
	pkt_rr_head(&p, DNS_T_MX, 2 + 2);
	pkt_u16(&p, 20);
	pkt_u16(&p, 0xc00c);
	for (i = 0; i < 50000; i++) {
		len = p.len;
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 4 == 0)
			len = (seed >> 8) % (p.len + 1);
		m = malloc(len + 1);
		assert_non_null(m);
		memcpy(m, p.b, len);
		for (j = 0; j < 3; j++) {
			seed = seed * 1103515245 + 12345;
			if (len > 0)
				m[(seed >> 8) % len] =
				    (unsigned char)(seed >> 20);
		}
		qt = (i & 1) ? DNS_T_MX : DNS_T_TXT;
		n = dns_parse_packet(m, len, qt, rr, 4, names, sizeof(names),
		    &rcode);
		assert_true(n >= -1 && n <= 4);
		for (j = 0; j < n; j++) {
			assert_true(rr[j].data >= m &&
			    rr[j].data + rr[j].len <= m + len);
			if (qt == DNS_T_MX) {
				assert_non_null(rr[j].name);
				assert_true(rr[j].name >= names &&
				    rr[j].name < names + sizeof(names));
				for (k = 0; rr[j].name[k] != '\0'; k++)
					assert_true(rr[j].name[k] > ' ' &&
					    rr[j].name[k] < 0x7f);
			}
		}
		free(m);
	}
}

/* ---- the real resolver ---- */

static char	 logged[8192];

static void
log_capture(int prio, const char *line)
{
	(void)prio;
	if (strlen(logged) + strlen(line) + 2 < sizeof(logged)) {
		strcat(logged, line);
		strcat(logged, "\n");
	}
}

struct result {
	int		 called;
	enum dns_status	 status;
	enum dns_sec	 sec;
	size_t		 nrr;
	unsigned char	 data[512];
	size_t		 len;
	char		 name[256];
	unsigned	 pref;
	long		 elapsed;
};

static void
result_cb(void *arg, const struct dns_answer *a)
{
	struct result	*r = arg;

	r->called++;
	r->status = a->status;
	r->sec = a->sec;
	r->nrr = a->nrr;
	r->elapsed = a->elapsed_ms;
	if (a->nrr > 0) {
		assert_true(a->rr[0].len <= sizeof(r->data));
		memcpy(r->data, a->rr[0].data, a->rr[0].len);
		r->len = a->rr[0].len;
		r->pref = a->rr[0].pref;
		if (a->rr[0].name != NULL)
			snprintf(r->name, sizeof(r->name), "%s",
			    a->rr[0].name);
	}
}

static char	 tmpdir[64];

static char *
write_tmp(const char *name, const char *text)
{
	static char	 path[128];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static int
setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_dns.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	logged[0] = '\0';
	log_set_hook(log_capture);
	return 0;
}

static int
teardown_tmp(void **state)
{
	char	 cmd[128];

	(void)state;
	log_set_hook(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_new_errors(void **state)
{
	struct event_base	*base;
	struct dns_conf		 conf;
	struct dns		*dns;
	char			 err[256];
	char			*path;

	(void)state;
	base = event_base_new();
	assert_non_null(base);

	memset(&conf, 0, sizeof(conf));
	conf.timeout = 2;
	conf.no_dnssec = 1;
	conf.resolver = "127.0.0.1:53";
	dns = dns_new(base, &conf, err, sizeof(err));
	assert_null(dns);
	assert_non_null(strstr(err, "bad resolver address"));
	conf.resolver = "localhost@53";
	assert_null(dns_new(base, &conf, err, sizeof(err)));
	assert_non_null(strstr(err, "localhost@53"));

	conf.resolver = "127.0.0.1@5353";
	conf.no_dnssec = 0;
	conf.trust_anchor = "/nonexistent/anchors.ds";
	assert_null(dns_new(base, &conf, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/anchors.ds"));

	path = write_tmp("empty.ds", "; nothing but a comment\n\n");
	conf.trust_anchor = path;
	assert_null(dns_new(base, &conf, err, sizeof(err)));
	assert_non_null(strstr(err, "no DS or DNSKEY"));

	/* looks like a DS line but is not one: libunbound's own parser
	 * fails, which dns_new reports at once (not at the first query) */
	path = write_tmp("bad.ds", "signed.test. IN DS not a ds record\n");
	conf.trust_anchor = path;
	assert_null(dns_new(base, &conf, err, sizeof(err)));
	assert_non_null(strstr(err, "initialisation failed"));

	/* a good DS line */
	path = write_tmp("good.ds", "signed.test.\tIN\tDS\t38630 13 2 "
	    "a7146c2bbd30c6f4b8bd1b2f44ba8b6d"
	    "bd9f3b9d1f9a8e7a2b8c4d5e6f708192\n");
	conf.trust_anchor = path;
	dns = dns_new(base, &conf, err, sizeof(err));
	assert_non_null(dns);
	dns_free(dns);

	conf.trust_anchor = NULL;
	conf.unbound_config = "/nonexistent/unbound.conf";
	assert_null(dns_new(base, &conf, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/unbound.conf"));

	/* the default root anchor: present on Debian with dns-root-data */
	memset(&conf, 0, sizeof(conf));
	conf.timeout = 2;
	dns = dns_new(base, &conf, err, sizeof(err));
	if (access("/usr/share/dns/root.key", R_OK) == 0 ||
	    access("/var/lib/unbound/root.key", R_OK) == 0)
		assert_non_null(dns);
	else {
		assert_null(dns);
		assert_non_null(strstr(err, "no DNSSEC root trust anchor"));
	}
	dns_free(dns);
	dns_free(NULL);
	event_base_free(base);
}

static const char local_conf[] =
    "server:\n"
    "\tlocal-zone: \"example.test.\" static\n"
    "\tlocal-data: 'k1._domainkey.example.test. TXT "
    "\"v=DKIM1; p=\" \"abc\"'\n"
    "\tlocal-data: \"example.test. MX 10 Mail.Example.TEST.\"\n"
    "\tlocal-data: \"a.example.test. A 192.0.2.1\"\n";

static void
test_local_answers(void **state)
{
	struct event_base	*base;
	struct dns_conf		 conf;
	struct dns		*dns;
	struct result		 r[5];
	char			 err[256];

	(void)state;
	base = event_base_new();
	assert_non_null(base);
	memset(&conf, 0, sizeof(conf));
	conf.timeout = 5;
	conf.unbound_config = write_tmp("unbound.conf", local_conf);
	dns = dns_new(base, &conf, err, sizeof(err));
	if (dns == NULL)
		fail_msg("dns_new: %s", err);
	memset(r, 0, sizeof(r));
	assert_non_null(dns_lookup(dns, "k1._domainkey.example.test",
	    DNS_T_TXT, result_cb, &r[0]));
	assert_non_null(dns_lookup(dns, "EXAMPLE.test.", DNS_T_MX,
	    result_cb, &r[1]));
	assert_non_null(dns_lookup(dns, "a.example.test", DNS_T_A,
	    result_cb, &r[2]));
	assert_non_null(dns_lookup(dns, "nokey._domainkey.example.test",
	    DNS_T_TXT, result_cb, &r[3]));
	assert_non_null(dns_lookup(dns, "a.example.test", DNS_T_TXT,
	    result_cb, &r[4]));
	/* libunbound answers local data inside ub_resolve_event; the
	 * callbacks must still wait for the loop */
	assert_int_equal(r[0].called + r[1].called + r[2].called +
	    r[3].called + r[4].called, 0);
	event_base_dispatch(base);

	assert_int_equal(r[0].called, 1);
	assert_int_equal(r[0].status, DNS_OK);
	assert_int_equal(r[0].sec, DNS_SEC_INSECURE);
	assert_int_equal(r[0].nrr, 1);
	assert_int_equal(r[0].len, 16);
	assert_memory_equal(r[0].data, "\013v=DKIM1; p=\003abc", 16);

	assert_int_equal(r[1].called, 1);
	assert_int_equal(r[1].status, DNS_OK);
	assert_int_equal(r[1].pref, 10);
	assert_string_equal(r[1].name, "mail.example.test");

	assert_int_equal(r[2].status, DNS_OK);
	assert_int_equal(r[2].len, 4);
	assert_memory_equal(r[2].data, "\300\000\002\001", 4);

	assert_int_equal(r[3].called, 1);
	assert_int_equal(r[3].status, DNS_NXDOMAIN);
	assert_int_equal(r[4].called, 1);
	assert_int_equal(r[4].status, DNS_NODATA);

	/* a name libunbound cannot even parse: no handle, no callback */
	memset(r, 0, sizeof(r));
	assert_null(dns_lookup(dns, "a..b", DNS_T_TXT, result_cb, &r[0]));
	assert_null(dns_lookup(dns, NULL, DNS_T_TXT, result_cb, &r[0]));
	event_base_dispatch(base);
	assert_int_equal(r[0].called, 0);

	/* cancel before the loop runs: never called back */
	assert_non_null(dns_lookup(dns, "a.example.test", DNS_T_A,
	    result_cb, &r[1]));
	dns_cancel(dns_lookup(dns, "k1._domainkey.example.test", DNS_T_TXT,
	    result_cb, &r[2]));
	dns_cancel(NULL);
	event_base_dispatch(base);
	assert_int_equal(r[1].called, 1);
	assert_int_equal(r[2].called, 0);
	dns_free(dns);
	event_base_free(base);
}

/* silent_server - a UDP socket on 127.0.0.1 that never answers */
static int
silent_server(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
stop_loop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void
test_timeout_cancel_free(void **state)
{
	struct event_base	*base;
	struct event		*stop;
	struct dns_conf		 conf;
	struct dns		*dns;
	struct result		 r[3];
	struct timeval		 tv = { 1, 500000 };
	char			 err[256], fwd[64];
	int			 fd, port;

	(void)state;
	fd = silent_server(&port);
	snprintf(fwd, sizeof(fwd), "127.0.0.1@%d", port);
	base = event_base_new();
	assert_non_null(base);
	memset(&conf, 0, sizeof(conf));
	conf.timeout = 1;
	conf.no_dnssec = 1;
	conf.resolver = fwd;
	dns = dns_new(base, &conf, err, sizeof(err));
	if (dns == NULL)
		fail_msg("dns_new: %s", err);
	memset(r, 0, sizeof(r));
	logged[0] = '\0';
	assert_non_null(dns_lookup(dns, "sel._domainkey.silent.test",
	    DNS_T_TXT, result_cb, &r[0]));
	dns_cancel(dns_lookup(dns, "other._domainkey.silent.test",
	    DNS_T_TXT, result_cb, &r[1]));
	stop = evtimer_new(base, stop_loop, base);
	evtimer_add(stop, &tv);
	event_base_dispatch(base);
	assert_int_equal(r[0].called, 1);
	assert_int_equal(r[0].status, DNS_TEMPFAIL);
	/* about the 1 s timeout: not at once, and not libunbound's own
	 * much longer give-up (generous: valgrind and shared machines) */
	assert_in_range(r[0].elapsed, 900, 6000);
	assert_int_equal(r[1].called, 0);
	assert_non_null(strstr(logged, "sel._domainkey.silent.test/TXT "
	    "timed out after 1 s"));

	/* dns_free with a query in flight: no callback, and the loop has
	 * nothing of ours left */
	assert_non_null(dns_lookup(dns, "third._domainkey.silent.test",
	    DNS_T_TXT, result_cb, &r[2]));
	dns_free(dns);
	evtimer_add(stop, &tv);
	event_base_dispatch(base);
	assert_int_equal(r[2].called, 0);
	event_free(stop);
	event_base_free(base);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_txt),
		cmocka_unit_test(test_parse_mx_ptr),
		cmocka_unit_test(test_parse_addr_cname),
		cmocka_unit_test(test_parse_rcodes),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_parse_long_name),
		cmocka_unit_test(test_parse_small_namebuf),
		cmocka_unit_test(test_parse_mutations),
		cmocka_unit_test_setup_teardown(test_new_errors, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_local_answers, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test_setup_teardown(test_timeout_cancel_free,
		    setup_tmp, teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
