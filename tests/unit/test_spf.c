/*
 * test_spf.c - unit tests for spf.c: the record parser, the macro
 * expander (with the examples of RFC 7208 7.4), name checks, and the
 * asynchronous evaluator on the mock resolver (callback discipline,
 * cancellation, DNSSEC status, time limit, identities, address forms,
 * parallel MX look-ups keeping the sequential outcome). The RFC 7208
 * conformance suite runs separately (tests/spf/test_spf_suite.c).
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dns.h"
#include "log.h"
#include "mock_dns.h"
#include "spf.h"

/* ---- pure functions ---- */

/* RFC 7208 7.4: <sender> strong-bad@email.example.com, IPv4 192.0.2.3,
 * IPv6 2001:db8::cb01, PTR name mx.example.org */
static const struct spf_macro_vars rfc_v4 = {
	"strong-bad@email.example.com", "strong-bad", "email.example.com",
	"email.example.com", "192.0.2.3", "mx.example.org", "in-addr",
	"mx.example.org", "192.0.2.3", "receiver.example", 1400000000
};

static const struct {
	const char	*in;
	const char	*out;
} rfc_examples[] = {
	{ "%{s}", "strong-bad@email.example.com" },
	{ "%{o}", "email.example.com" },
	{ "%{d}", "email.example.com" },
	{ "%{d4}", "email.example.com" },
	{ "%{d3}", "email.example.com" },
	{ "%{d2}", "example.com" },
	{ "%{d1}", "com" },
	{ "%{dr}", "com.example.email" },
	{ "%{d2r}", "example.email" },
	{ "%{l}", "strong-bad" },
	{ "%{l-}", "strong.bad" },
	{ "%{lr}", "strong-bad" },
	{ "%{lr-}", "bad.strong" },
	{ "%{l1r-}", "strong" },
	{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
	{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
	{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
	{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
	    "3.2.0.192.in-addr.strong.lp._spf.example.com" },
	{ "%{d2}.trusted-domains.example.net",
	    "example.com.trusted-domains.example.net" },
};

static void
macro_rfc7208_examples(void **state)
{
	struct spf_macro_vars	 v6 = rfc_v4;
	char			 out[512];
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(rfc_examples) / sizeof(rfc_examples[0]); i++) {
		assert_int_equal(spf_macro_expand(rfc_examples[i].in,
		    strlen(rfc_examples[i].in), SPF_MACRO_DOMAIN, &rfc_v4, out,
		    sizeof(out), &len), 0);
		assert_string_equal(out, rfc_examples[i].out);
		assert_int_equal(len, strlen(rfc_examples[i].out));
	}
	/* the IPv6 example, nibbles as spf_check() writes %{i} */
	v6.i = "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "c.b.0.1";
	v6.v = "ip6";
	assert_int_equal(spf_macro_expand("%{ir}.%{v}._spf.%{d2}", 21,
	    SPF_MACRO_DOMAIN, &v6, out, sizeof(out), &len), 0);
	assert_string_equal(out, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

static void
macro_escapes(void **state)
{
	struct spf_macro_vars	 v = rfc_v4;
	char			 out[256];
	size_t			 len;
	const char		*s;

	(void)state;
	v.l = "~jack&jill=up-a_b3.c";
	s = "%{L}|%{l}";
	assert_int_equal(spf_macro_expand(s, strlen(s), SPF_MACRO_EXPLAIN,
	    &v, out, sizeof(out), &len), 0);
	assert_string_equal(out,
	    "~jack%26jill%3Dup-a_b3.c|~jack&jill=up-a_b3.c");
	s = "a%%b%_c%-d";
	assert_int_equal(spf_macro_expand(s, strlen(s), SPF_MACRO_DOMAIN,
	    &v, out, sizeof(out), &len), 0);
	assert_string_equal(out, "a%b c%20d");
	/* several delimiters, reversal, more parts asked than present */
	v.l = "foo-bar+zip+quux";
	s = "%{l2r+-}.%{l9}.%{l+}";
	assert_int_equal(spf_macro_expand(s, strlen(s), SPF_MACRO_DOMAIN,
	    &v, out, sizeof(out), &len), 0);
	assert_string_equal(out, "bar.foo.foo-bar+zip+quux.foo-bar.zip.quux");
	/* exp-only letters, and spaces, in an explain-string */
	s = "from %{c} via %{r} at %{t}";
	assert_int_equal(spf_macro_expand(s, strlen(s), SPF_MACRO_EXPLAIN,
	    &v, out, sizeof(out), &len), 0);
	assert_string_equal(out,
	    "from 192.0.2.3 via receiver.example at 1400000000");
	/* empty parts survive splitting and reversal */
	v.d = "a..b";
	s = "%{dr}";
	assert_int_equal(spf_macro_expand(s, strlen(s), SPF_MACRO_DOMAIN,
	    &v, out, sizeof(out), &len), 0);
	assert_string_equal(out, "b..a");
	/* the input need not be NUL-terminated */
	assert_int_equal(spf_macro_expand("%{d1}XYZ", 5 + 1, SPF_MACRO_DOMAIN,
	    &rfc_v4, out, sizeof(out), &len), 0);
	assert_string_equal(out, "comX");
}

static void
macro_errors(void **state)
{
	static const char *const bad_domain[] = {
		"%", "a%", "%x", "%{", "%{d", "%{dr", "%{a}", "%{d0}",
		"%{d00}", "%{d2rr}", "%{c}", "%{r}", "%{t}", "a b", "\x80",
		"%(ir)", "%{d*}"
	};
	char	 out[64];
	size_t	 i, len;

	(void)state;
	for (i = 0; i < sizeof(bad_domain) / sizeof(bad_domain[0]); i++) {
		if (spf_macro_check(bad_domain[i], strlen(bad_domain[i]),
		    SPF_MACRO_DOMAIN) != -1)
			fail_msg("'%s' accepted", bad_domain[i]);
		assert_int_equal(spf_macro_expand(bad_domain[i],
		    strlen(bad_domain[i]), SPF_MACRO_DOMAIN, &rfc_v4, out,
		    sizeof(out), &len), -1);
	}
	/* c, r, t and spaces are fine in an explain-string */
	assert_int_equal(spf_macro_check("%{c} %{r} %{t}", 14,
	    SPF_MACRO_EXPLAIN), 0);
	/* too small an output buffer */
	assert_int_equal(spf_macro_expand("%{s}", 4, SPF_MACRO_DOMAIN,
	    &rfc_v4, out, 8, &len), -2);
	assert_true(strlen(out) < 8);
	assert_int_equal(spf_macro_uses("a.%{p}.b", 8, 'p'), 1);
	assert_int_equal(spf_macro_uses("a.%{P}.b", 8, 'p'), 1);
	assert_int_equal(spf_macro_uses("a.%{d}.p", 8, 'p'), 0);
}

static void
domain_spec(void **state)
{
	static const char *const good[] = {
		"example.com", "example.com.", "%{d}", "%{d}.com",
		"foo:bar/baz.example.com", "foo.example.xn--zckzah",
		"mail.example...com", "_spf.%{d2}", "x.123-456", "a.b%%"
	};
	static const char *const bad[] = {
		"", "foo-bar", "museum", "museum.", "abc.123",
		"111.222.33.44", "example.-com", "example.com:8080",
		"example.com/24", "%{d}.", "foo.example.com\x01",
		"exa mple.com",
		"example.com-", "%{c}.example.com"
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (spf_domain_spec_check(good[i], strlen(good[i])) != 0)
			fail_msg("'%s' rejected", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (spf_domain_spec_check(bad[i], strlen(bad[i])) != -1)
			fail_msg("'%s' accepted", bad[i]);
}

static void
record_parse(void **state)
{
	static const char rec[] = "v=spf1 ip4:192.0.2.0/24 -ip6:2001:db8::/32 "
	    "~a a:mail.example.com/28//64 mx//96 ?ptr ptr:Example.COM "
	    "include:_spf.example.net exists:%{ir}.x.example.org "
	    "Redirect=example.org exp=why.%{d} foo.bar-baz=%{l} -ALL";
	struct spf_term		 t[32];
	struct spf_record	 r;
	char			 err[128];

	(void)state;
	assert_int_equal(spf_record_parse(rec, sizeof(rec) - 1, &r, t, 32, err,
	    sizeof(err)), 0);
	assert_int_equal(r.nterms, 13);
	assert_int_equal(t[0].kind, SPF_T_IP4);
	assert_int_equal(t[0].cidr4, 24);
	assert_memory_equal(t[0].addr, "\xc0\x00\x02\x00", 4);
	assert_int_equal(t[1].kind, SPF_T_IP6);
	assert_int_equal(t[1].qualifier, '-');
	assert_int_equal(t[1].cidr6, 32);
	assert_int_equal(t[2].kind, SPF_T_A);
	assert_int_equal(t[2].qualifier, '~');
	assert_null(t[2].arg);
	assert_int_equal(t[2].cidr4, 32);
	assert_int_equal(t[2].cidr6, 128);
	assert_int_equal(t[3].kind, SPF_T_A);
	assert_int_equal(t[3].arglen, strlen("mail.example.com"));
	assert_memory_equal(t[3].arg, "mail.example.com", t[3].arglen);
	assert_int_equal(t[3].cidr4, 28);
	assert_int_equal(t[3].cidr6, 64);
	assert_int_equal(t[4].kind, SPF_T_MX);
	assert_int_equal(t[4].cidr4, 32);
	assert_int_equal(t[4].cidr6, 96);
	assert_int_equal(t[5].kind, SPF_T_PTR);
	assert_int_equal(t[5].qualifier, '?');
	assert_int_equal(t[6].kind, SPF_T_PTR);
	assert_int_equal(t[7].kind, SPF_T_INCLUDE);
	assert_int_equal(t[8].kind, SPF_T_EXISTS);
	assert_int_equal(t[9].kind, SPF_T_REDIRECT);
	assert_int_equal(r.redirect, 9);
	assert_int_equal(t[10].kind, SPF_T_EXP);
	assert_int_equal(r.exp, 10);
	assert_int_equal(t[11].kind, SPF_T_UNKNOWN_MOD);
	assert_int_equal(t[12].kind, SPF_T_ALL);	/* "-ALL": any case */
	assert_int_equal(t[12].qualifier, '-');
	assert_int_equal(r.has_all, 1);
	/* only the version and spaces */
	assert_int_equal(spf_record_parse("v=spf1   ", 9, &r, t, 32, err,
	    sizeof(err)), 0);
	assert_int_equal(r.nterms, 0);
	assert_int_equal(r.redirect, -1);
}

static void
record_parse_errors(void **state)
{
	static const char *const bad[] = {
		"v=spf1 -all.", "v=spf1 -all:foo", "v=spf1 all/8",
		"v=spf1 ptr/0", "v=spf1 ptr:", "v=spf1 a/33", "v=spf1 a//129",
		"v=spf1 a/24/64", "v=spf1 a/032", "v=spf1 ip4",
		"v=spf1 ip4:1.2.3", "v=spf1 ip4:1.2.3.4:8080",
		"v=spf1 ip4:1.2.3.4//32", "v=spf1 ip4:01.2.3.4",
		"v=spf1 ip4:1.2.3.256", "v=spf1 ip6::CAFE::BABE",
		"v=spf1 ip6:::1/129", "v=spf1 include", "v=spf1 include:",
		"v=spf1 exists", "v=spf1 exists:a.example.com/24",
		"v=spf1 redirect:example.com", "v=spf1 redirect=",
		"v=spf1 exp=", "v=spf1 exp=a.com exp=b.com",
		"v=spf1 redirect=a.com redirect=b.com", "v=spf1 1up=foo",
		"v=spf1 =all", "v=spf1 foo=%abc", "v=spf1 moo.cow/x=y",
		"v=spf1 a:ctrl.example.com\rptr", "v=spf1 \x80\x61",
		"v=spf1 a:%{r}.example.com", "v=spf1 exp=%{t}.example.com",
		"v=spf1 +-all", "v=spf1 mx:example.com:8080", "v=spf1 unknown",
		"v=spf10", "spf1 -all",
	};
	struct spf_term		 t[16];
	struct spf_record	 r;
	char			 err[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (spf_record_parse(bad[i], strlen(bad[i]), &r, t, 16, err,
		    sizeof(err)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	/* the term array is bounded */
	assert_int_equal(spf_record_parse("v=spf1 a a a a", 14, &r, t, 3, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "too many terms");
	/* the error text is escaped for logs */
	assert_int_equal(spf_record_parse("v=spf1 x\x01(y)", 12, &r, t, 16,
	    err, sizeof(err)), -1);
	assert_null(strchr(err, '\x01'));
	assert_null(strchr(err, '('));
}

static void
record_selection(void **state)
{
	(void)state;
	assert_int_equal(spf_record_is_spf("v=spf1", 6), 1);
	assert_int_equal(spf_record_is_spf("V=SpF1 -all", 11), 1);
	assert_int_equal(spf_record_is_spf("v=spf1-all", 10), 0);
	assert_int_equal(spf_record_is_spf("v=spf10", 7), 0);
	assert_int_equal(spf_record_is_spf("v=spf", 5), 0);
	assert_int_equal(spf_record_is_spf(" v=spf1", 7), 0);
	assert_int_equal(spf_record_count_terms("v=spf1 a  b", 11), 4);
}

static void
domain_names(void **state)
{
	char	 buf[600];
	size_t	 i, len;

	(void)state;
	/* 7.3: cut from the left, whole labels, to 253 characters */
	buf[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(buf, "abcdefghi.");
	strcat(buf, "example.com.");
	len = spf_domain_truncate(buf);
	assert_true(len <= 253);
	assert_int_equal(len, strlen(buf));
	assert_string_equal(buf + len - 12, ".example.com");
	assert_int_equal(buf[0], 'a');
	assert_int_equal(spf_domain_ok(buf, len), 1);

	assert_int_equal(spf_domain_ok("a.b", 3), 1);
	assert_int_equal(spf_domain_ok("a.b.", 4), 1);
	assert_int_equal(spf_domain_ok("a..b", 4), 0);
	assert_int_equal(spf_domain_ok(".a", 2), 0);
	assert_int_equal(spf_domain_ok("", 0), 0);
	memset(buf, 'x', 64);
	memcpy(buf + 64, ".com", 5);
	assert_int_equal(spf_domain_ok(buf, 68), 0);
	assert_int_equal(spf_domain_ok(buf + 1, 67), 1);

	assert_int_equal(spf_domain_valid_identity("mail.example.com", 16), 1);
	assert_int_equal(spf_domain_valid_identity("example.com.", 12), 1);
	assert_int_equal(spf_domain_valid_identity("localhost", 9), 0);
	assert_int_equal(spf_domain_valid_identity("[192.0.2.1]", 11), 0);
	assert_int_equal(spf_domain_valid_identity("a.123", 5), 0);
	assert_int_equal(spf_domain_valid_identity("A...example.com", 15), 0);
	assert_int_equal(spf_domain_valid_identity("exa mple.com", 12), 0);
}

/* ---- the evaluator on the mock resolver ---- */

struct ctx {
	struct event_base	*base;
	struct dns		*dns;
	int			 called;
	struct spf_result	 res;
};

static int
setup(void **state)
{
	static struct ctx	 c;
	struct dns_conf		 conf;
	char			 err[128];

	mock_dns_reset();
	memset(&c, 0, sizeof(c));
	memset(&conf, 0, sizeof(conf));
	conf.timeout = 2;
	if ((c.base = event_base_new()) == NULL)
		return -1;
	if ((c.dns = dns_new(c.base, &conf, err, sizeof(err))) == NULL)
		return -1;
	*state = &c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx	*c = *state;

	dns_free(c->dns);
	event_base_free(c->base);
	mock_dns_reset();
	return 0;
}

static void
done_cb(void *arg, const struct spf_result *res)
{
	struct ctx	*c = arg;

	c->called++;
	c->res = *res;
}

/*
 * run - start a check, make sure nothing was delivered yet, run the loop
 * to the end and check the callback ran once and no query is left.
 */
static void
run(struct ctx *c, const char *ip, const char *helo, const char *from,
    long deadline_ms)
{
	struct spf_input	 in;

	memset(&in, 0, sizeof(in));
	in.client_ip = ip;
	in.helo = helo;
	in.mail_from = from;
	in.receiver = "mx.receiver.example";
	in.identity = SPF_ID_MAILFROM;
	in.now = 1400000000;
	in.deadline_ms = deadline_ms;
	c->called = 0;
	assert_non_null(spf_check(c->base, c->dns, &in, done_cb, c));
	assert_int_equal(c->called, 0);
	event_base_dispatch(c->base);
	assert_int_equal(c->called, 1);
	assert_int_equal(mock_dns_pending(), 0);
}

static void
async_pass_secure(void **state)
{
	struct ctx	*c = *state;

	mock_dns_txt("example.com", DNS_SEC_SECURE,
	    "v=spf1 ip4:192.0.2.0/24 -all");
	run(c, "192.0.2.7", "mail.example.com", "Alice@Example.COM", 0);
	assert_int_equal(c->res.result, SPF_RES_PASS);
	assert_int_equal(c->res.identity, SPF_ID_MAILFROM);
	assert_string_equal(c->res.domain, "example.com");
	assert_string_equal(c->res.sender, "Alice@Example.COM");
	assert_int_equal(c->res.sec, DNS_SEC_SECURE);
	assert_string_equal(c->res.reason, "matched ip4:192.0.2.0/24");
	assert_int_equal(mock_dns_count("example.com", DNS_T_TXT), 1);
	assert_string_equal(spf_result_name(c->res.result), "pass");
}

static void
async_insecure_part(void **state)
{
	struct ctx		*c = *state;
	struct mock_dns_entry	*e;

	mock_dns_txt("example.com", DNS_SEC_SECURE,
	    "v=spf1 a:mail.example.net -all");
	e = mock_dns_add("mail.example.net", DNS_T_A, DNS_OK,
	    DNS_SEC_INSECURE, 0);
	mock_dns_add_addr(e, "192.0.2.9");
	run(c, "192.0.2.9", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_PASS);
	assert_int_equal(c->res.sec, DNS_SEC_INSECURE);
	assert_int_equal(c->res.lookups, 1);
}

static void
async_bogus(void **state)
{
	struct ctx	*c = *state;

	mock_dns_status("example.com", DNS_T_TXT, DNS_BOGUS, DNS_SEC_BOGUS);
	run(c, "192.0.2.9", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_TEMPERROR);
	assert_int_equal(c->res.sec, DNS_SEC_BOGUS);
	assert_non_null(strstr(c->res.reason, "DNSSEC"));
}

static void
async_cancel(void **state)
{
	struct ctx		*c = *state;
	struct spf_input	 in;
	struct spf_req		*r;

	mock_dns_add("example.com", DNS_T_TXT, DNS_OK, DNS_SEC_INSECURE, 500);
	memset(&in, 0, sizeof(in));
	in.client_ip = "192.0.2.1";
	in.mail_from = "a@example.com";
	c->called = 0;
	r = spf_check(c->base, c->dns, &in, done_cb, c);
	assert_non_null(r);
	assert_int_equal(mock_dns_pending(), 1);
	spf_cancel(r);
	assert_int_equal(mock_dns_pending(), 0);
	assert_int_equal(mock_dns_query(0)->cancelled, 1);
	event_base_dispatch(c->base);
	assert_int_equal(c->called, 0);
	spf_cancel(NULL);
}

static void
async_deadline(void **state)
{
	struct ctx	*c = *state;

	mock_dns_txt("example.com", DNS_SEC_INSECURE,
	    "v=spf1 exists:slow.example.net -all");
	mock_dns_add("slow.example.net", DNS_T_A, DNS_OK, DNS_SEC_INSECURE,
	    MOCK_DNS_HANG);
	run(c, "192.0.2.1", "h.example", "a@example.com", 50);
	assert_int_equal(c->res.result, SPF_RES_TEMPERROR);
	assert_non_null(strstr(c->res.reason, "time limit"));
}

static void
async_helo_identity(void **state)
{
	struct ctx	*c = *state;

	/* null reverse-path: postmaster@HELO (RFC 7208 2.4) */
	mock_dns_txt("mta.example.org", DNS_SEC_INSECURE,
	    "v=spf1 exists:%{l}.%{o}.chk.example -all");
	mock_dns_add_addr(mock_dns_add("postmaster.mta.example.org.chk.example",
	    DNS_T_A, DNS_OK, DNS_SEC_INSECURE, 0), "127.0.0.2");
	run(c, "198.51.100.1", "MTA.example.org", "", 0);
	assert_int_equal(c->res.result, SPF_RES_PASS);
	assert_int_equal(c->res.identity, SPF_ID_HELO);
	assert_string_equal(c->res.sender, "postmaster@MTA.example.org");
	assert_string_equal(c->res.domain, "mta.example.org");
}

static void
async_address_forms(void **state)
{
	struct ctx	*c = *state;

	mock_dns_txt("example.com", DNS_SEC_INSECURE,
	    "v=spf1 ip6:2001:db8::/32 ip4:192.0.2.1 -all");
	/* Postfix's XFORWARD form of an IPv6 address */
	run(c, "IPv6:2001:db8::25", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_PASS);
	/* a v4-mapped address is IPv4 */
	run(c, "::ffff:192.0.2.1", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_PASS);
	assert_string_equal(c->res.reason, "matched ip4:192.0.2.1");
	run(c, "2001:db9::1", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_FAIL);
	/* no usable address: nothing is looked up */
	run(c, "", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_NONE);
	run(c, "unknown", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_NONE);
	assert_int_equal(mock_dns_nqueries(), 3);
}

static void
async_mx_order(void **state)
{
	struct ctx		*c = *state;
	struct mock_dns_entry	*e;

	mock_dns_txt("example.com", DNS_SEC_INSECURE, "v=spf1 mx -all");
	e = mock_dns_add("example.com", DNS_T_MX, DNS_OK, DNS_SEC_INSECURE, 0);
	mock_dns_add_name(e, 10, "mx1.example.com");
	mock_dns_add_name(e, 20, "mx2.example.com");
	mock_dns_add_name(e, 30, "mx3.example.com");
	/* the first host answers last, the second matches */
	e = mock_dns_add("mx1.example.com", DNS_T_A, DNS_OK, DNS_SEC_INSECURE,
	    40);
	mock_dns_add_addr(e, "192.0.2.1");
	e = mock_dns_add("mx2.example.com", DNS_T_A, DNS_OK, DNS_SEC_INSECURE,
	    0);
	mock_dns_add_addr(e, "192.0.2.2");
	mock_dns_add("mx3.example.com", DNS_T_A, DNS_OK, DNS_SEC_INSECURE,
	    MOCK_DNS_HANG);
	run(c, "192.0.2.2", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_PASS);
	/* the three address look-ups were issued together */
	assert_int_equal(mock_dns_count("mx3.example.com", DNS_T_A), 1);
	assert_int_equal(mock_dns_query(mock_dns_nqueries() - 1)->cancelled,
	    1);

	/* sequential semantics: an error before the match is a temperror */
	mock_dns_reset();
	mock_dns_txt("example.com", DNS_SEC_INSECURE, "v=spf1 mx -all");
	e = mock_dns_add("example.com", DNS_T_MX, DNS_OK, DNS_SEC_INSECURE, 0);
	mock_dns_add_name(e, 10, "mx1.example.com");
	mock_dns_add_name(e, 20, "mx2.example.com");
	mock_dns_add("mx1.example.com", DNS_T_A, DNS_TEMPFAIL,
	    DNS_SEC_INSECURE, 30);
	e = mock_dns_add("mx2.example.com", DNS_T_A, DNS_OK, DNS_SEC_INSECURE,
	    0);
	mock_dns_add_addr(e, "192.0.2.2");
	run(c, "192.0.2.2", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_TEMPERROR);
}

static void
async_explanation(void **state)
{
	struct ctx	*c = *state;

	mock_dns_txt("example.com", DNS_SEC_INSECURE,
	    "v=spf1 -all exp=why.%{d}");
	mock_dns_txt("why.example.com", DNS_SEC_INSECURE,
	    "%{i} not allowed for %{l} (at %{r}, %{t})");
	run(c, "192.0.2.3", "h.example", "jo\x01" "e@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_FAIL);
	/* control bytes from the sender never reach the text */
	assert_string_equal(c->res.explanation,
	    "192.0.2.3 not allowed for jo?e (at mx.receiver.example, "
	    "1400000000)");
	assert_string_equal(c->res.reason, "matched -all");
}

static void
async_limits(void **state)
{
	struct ctx	*c = *state;

	/* include chain of 11 domains: the 11th look-up is a permerror */
	mock_dns_txt("example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i1.example.com -all");
	mock_dns_txt("i1.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i2.example.com");
	mock_dns_txt("i2.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i3.example.com");
	mock_dns_txt("i3.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i4.example.com");
	mock_dns_txt("i4.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i5.example.com");
	mock_dns_txt("i5.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i6.example.com");
	mock_dns_txt("i6.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i7.example.com");
	mock_dns_txt("i7.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i8.example.com");
	mock_dns_txt("i8.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i9.example.com");
	mock_dns_txt("i9.example.com", DNS_SEC_INSECURE,
	    "v=spf1 include:i10.example.com");
	mock_dns_txt("i10.example.com", DNS_SEC_INSECURE,
	    "v=spf1 a:x.example.com");
	log_set_verbose(1);	/* the debug trace, too */
	run(c, "192.0.2.3", "h.example", "a@example.com", 0);
	log_set_verbose(0);
	assert_int_equal(c->res.result, SPF_RES_PERMERROR);
	assert_int_equal(c->res.lookups, 10);
	assert_non_null(strstr(c->res.reason, "more than 10"));
	assert_int_equal(mock_dns_count("x.example.com", DNS_T_A), 0);

	/* three void look-ups */
	mock_dns_reset();
	mock_dns_txt("example.com", DNS_SEC_INSECURE,
	    "v=spf1 a:n1.example.com mx:n2.example.com exists:n3.example.com "
	    "?all");
	run(c, "192.0.2.3", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_PERMERROR);
	assert_int_equal(c->res.voids, 3);

	/* a record longer than the cap */
	mock_dns_reset();
	{
		char	 big[SPF_RECORD_MAX + 64];
		size_t	 i;

		strcpy(big, "v=spf1");
		for (i = 6; i + 9 < sizeof(big) - 1; i += 9)
			memcpy(big + i, " ip4:1.1.", 9);
		big[i] = '\0';
		mock_dns_txt("example.com", DNS_SEC_INSECURE, big);
	}
	run(c, "192.0.2.3", "h.example", "a@example.com", 0);
	assert_int_equal(c->res.result, SPF_RES_PERMERROR);
	assert_non_null(strstr(c->res.reason, "too long"));
}

static void
async_ptr_and_p(void **state)
{
	struct ctx		*c = *state;
	struct mock_dns_entry	*e;

	mock_dns_txt("example.com", DNS_SEC_INSECURE,
	    "v=spf1 exists:%{p}.ok.example.net ptr:example.org -all");
	e = mock_dns_add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.ip6.arpa", DNS_T_PTR, DNS_OK, DNS_SEC_INSECURE,
	    0);
	mock_dns_add_name(e, 0, "host.example.org");
	e = mock_dns_add("host.example.org", DNS_T_AAAA, DNS_OK,
	    DNS_SEC_INSECURE, 0);
	mock_dns_add_addr(e, "2001:db8::1");
	run(c, "2001:db8::1", "h.example", "a@example.com", 0);
	/* %{p} is host.example.org; no A for host.example.org.ok...: ptr */
	assert_int_equal(c->res.result, SPF_RES_PASS);
	assert_string_equal(c->res.reason, "matched ptr:example.org");
	assert_int_equal(mock_dns_count("host.example.org.ok.example.net",
	    DNS_T_A), 1);
	/* the PTR names were looked up once for both uses */
	assert_int_equal(mock_dns_count("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DNS_T_PTR), 1);
	assert_int_equal(c->res.lookups, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(macro_rfc7208_examples),
		cmocka_unit_test(macro_escapes),
		cmocka_unit_test(macro_errors),
		cmocka_unit_test(domain_spec),
		cmocka_unit_test(record_parse),
		cmocka_unit_test(record_parse_errors),
		cmocka_unit_test(record_selection),
		cmocka_unit_test(domain_names),
		cmocka_unit_test_setup_teardown(async_pass_secure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(async_insecure_part, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(async_bogus, setup, teardown),
		cmocka_unit_test_setup_teardown(async_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(async_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(async_helo_identity, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(async_address_forms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(async_mx_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(async_explanation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(async_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(async_ptr_and_p, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
