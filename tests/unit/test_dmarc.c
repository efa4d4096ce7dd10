/*
 * test_dmarc.c - unit tests for dmarc.c (RFC 9989; section numbers are
 * those of RFC 9989 unless another RFC is named): the record parser (4.7,
 * 4.8), identifier alignment (B.1), the DNS Tree Walk and its label limit
 * (4.10, B.4.2), policy found at an intermediate name, psd=y and psd=n
 * (4.10.2, B.4.3), np for non-existent subdomains, missing and broken
 * records, t=y and the removed pct (C.5.2), U-label Author Domains
 * (5.3.1), DNS errors, DNSSEC status, and the two-phase API's callback
 * discipline, all on the mock resolver.
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

#include "config.h"
#include "dmarc.h"
#include "dns.h"
#include "log.h"
#include "mock_dns.h"
#include "mode.h"
#include "rfc5322.h"
#include "worker.h"

/* ---- the record parser ---- */

static void
parse_full(void **state)
{
	struct dmarc_record	 r;
	static const char	 rec[] = "v=DMARC1; p=reject; sp=quarantine; "
	    "np=none; adkim=s; aspf=r; psd=n; t=y; pct=30; "
	    "rua=mailto:d@example.com; ruf=mailto:f@example.com; fo=1; rf=afrf; "
	    "ri=86400; future=whatever";

	(void)state;
	assert_int_equal(dmarc_record_parse(rec, sizeof(rec) - 1, &r), 0);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.np, DMARC_POLICY_NONE);
	assert_int_equal(r.adkim, 's');
	assert_int_equal(r.aspf, 'r');
	assert_int_equal(r.psd, 'n');
	assert_int_equal(r.t, 'y');
	assert_int_equal(r.pct, 30);
	assert_int_equal(r.rua_valid, 1);
}

static void
parse_defaults_and_syntax(void **state)
{
	struct dmarc_record	 r;
	const char		*s;

	(void)state;
	s = "v=DMARC1";
	assert_int_equal(dmarc_record_parse(s, strlen(s), &r), 0);
	assert_int_equal(r.p, -1);
	assert_int_equal(r.sp, -1);
	assert_int_equal(r.np, -1);
	assert_int_equal(r.adkim, 'r');
	assert_int_equal(r.aspf, 'r');
	assert_int_equal(r.psd, 'u');
	assert_int_equal(r.t, 'n');	/* 4.7: the default is n */
	assert_int_equal(r.pct, -1);
	assert_int_equal(r.rua_valid, 0);

	/* whitespace around "=" and ";", trailing separator, any case but
	 * that of the version's value (4.8: "v" is an ABNF string,
	 * case-insensitive by RFC 5234 2.3, %s"DMARC1" is not, RFC 7405) */
	s = "v = DMARC1 ;P = Quarantine\t; ADKIM=S;";
	assert_int_equal(dmarc_record_parse(s, strlen(s), &r), 0);
	assert_int_equal(r.p, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.adkim, 's');
	s = "V=DMARC1; p=reject";
	assert_int_equal(dmarc_record_parse(s, strlen(s), &r), 0);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);

	/* bad values: p/sp/np noted invalid, others fall back to defaults */
	s = "v=DMARC1; p=rejectt; sp=; np=block; adkim=x; psd=maybe; "
	    "pct=101; t=yes; rua=not a uri";
	assert_int_equal(dmarc_record_parse(s, strlen(s), &r), 0);
	assert_int_equal(r.p, -2);
	assert_int_equal(r.sp, -2);
	assert_int_equal(r.np, -2);
	assert_int_equal(r.adkim, 'r');
	assert_int_equal(r.psd, 'u');
	assert_int_equal(r.pct, -2);
	assert_int_equal(r.t, 'n');
	assert_int_equal(r.rua_valid, 0);

	/* the first of duplicate tags counts; junk between tags is skipped */
	s = "v=DMARC1; p=none; garbage here; p=reject; 9x=1";
	assert_int_equal(dmarc_record_parse(s, strlen(s), &r), 0);
	assert_int_equal(r.p, DMARC_POLICY_NONE);

	/* RFC 7489's "!size" suffix still makes a valid URI list */
	s = "v=DMARC1; rua=mailto:a@example.com!10m, https://x.example/r";
	assert_int_equal(dmarc_record_parse(s, strlen(s), &r), 0);
	assert_int_equal(r.rua_valid, 1);
}

/*
 * parse_rua - 4.8: a dmarc-urilist is RFC 3986 URIs with "," and "!"
 * percent-encoded, an optional obsolete "!size"; 4.10.1 wants at least
 * one syntactically valid one
 */
static void
parse_rua(void **state)
{
	static const struct {
		const char	*rua;
		int		 valid;
	} t[] = {
		{ "mailto:d@example.com", 1 },
		{ "mailto:d@example.com!10m", 1 },
		{ "mailto:d@example.com!10", 1 },
		{ "mailto:d@example.com!m", 0 },
		{ "mailto:d@example.com!10x", 0 },
		{ "mailto:d%2Cx@example.com", 1 },
		{ "mailto:d%zzx@example.com", 0 },
		{ "mailto:d%2", 0 },
		{ "https://r.example/a?b=c#f", 1 },
		{ "https://r.example/a#f#g", 0 },
		{ "mailto:a b@example.com", 0 },
		{ "mailto:\"a\"@example.com", 0 },
		{ "mailto:a^@example.com", 0 },
		{ "1mailto:a@example.com", 0 },
		{ "mailto", 0 },
		{ ":a@example.com", 0 },
		{ "mai|to:a@example.com", 0 },
		{ "not a uri", 0 },
		{ "", 0 },
		/* one good element is enough, around the blanks of 4.8 */
		{ "bad uri , mailto:d@example.com", 1 },
		{ " mailto:d@example.com\t,\tbad uri", 1 },
		{ ",,", 0 },
	};
	struct dmarc_record	 r;
	char			 buf[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "v=DMARC1; p=none; rua=%s",
		    t[i].rua);
		assert_int_equal(dmarc_record_parse(buf, strlen(buf), &r), 0);
		if (r.rua_valid != t[i].valid)
			fail_msg("rua=%s: valid %d, want %d", t[i].rua,
			    r.rua_valid, t[i].valid);
	}

	/* the input is not NUL-terminated */
	assert_int_equal(dmarc_record_parse("v=DMARC1; p=reject", 13, &r), 0);
	assert_int_equal(r.p, -2);	/* "p=re" */
}

static void
parse_not_dmarc(void **state)
{
	static const char *const not[] = {
		"", "v=spf1 -all", "v=DMARC10; p=none", "v=dmarc1; p=none",
		"p=none; v=DMARC1", "v=DMARC1 p=none", "v:DMARC1; p=none",
		"DMARC1", "v=", "v=DMARC",
		/* 4.7: a record must start with the v tag */
		" v=DMARC1; p=none", "\tv=DMARC1"
	};
	struct dmarc_record	 r;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(not) / sizeof(not[0]); i++)
		if (dmarc_record_parse(not[i], strlen(not[i]), &r) != -1)
			fail_msg("'%s' taken for a DMARC record", not[i]);
}

/* ---- evaluation on the mock resolver ---- */

struct ctx {
	struct event_base	*base;
	struct dns		*dns;
	struct dmarc_req	*req;
	int			 called;
	int			 free_in_cb;
	struct dmarc_result	 res;
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
done_cb(void *arg, const struct dmarc_result *res)
{
	struct ctx	*c = arg;

	c->called++;
	c->res = *res;
	if (c->free_in_cb) {
		dmarc_free(c->req);
		c->req = NULL;
	}
}

/* rec - publish a TXT record at _dmarc.<name> */
static void
rec(const char *name, const char *txt)
{
	char	 q[300];

	snprintf(q, sizeof(q), "_dmarc.%s", name);
	mock_dns_txt(q, DNS_SEC_INSECURE, txt);
}

/*
 * run - DMARC for from with the given SPF pass domain (or NULL) and DKIM
 * pass domains (NULL-terminated), to the end of the loop.
 */
static void
run(struct ctx *c, const char *from, const char *spf_pass,
    const char *const *dkim_pass)
{
	struct dmarc_dkim	 dk[8];
	struct dmarc_auth	 auth;
	size_t			 n = 0;

	memset(&auth, 0, sizeof(auth));
	auth.spf = spf_pass != NULL ? SPF_RES_PASS : SPF_RES_NONE;
	auth.spf_domain = spf_pass;
	while (dkim_pass != NULL && dkim_pass[n] != NULL && n < 8) {
		dk[n].domain = dkim_pass[n];
		dk[n].pass = 1;
		n++;
	}
	auth.dkim = dk;
	auth.ndkim = n;
	c->called = 0;
	c->req = dmarc_check(c->base, c->dns, from, &auth, done_cb, c);
	assert_non_null(c->req);
	assert_int_equal(c->called, 0);
	event_base_dispatch(c->base);
	assert_int_equal(c->called, 1);
	assert_int_equal(mock_dns_pending(), 0);
	dmarc_free(c->req);
	c->req = NULL;
}

static void
simple_pass_fail(void **state)
{
	struct ctx		*c = *state;
	const char *const	 dk[] = { "example.com", NULL };
	const char *const	 other[] = { "example.net", NULL };

	rec("example.com", "v=DMARC1; p=reject");
	run(c, "example.com", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.dkim_aligned, 1);
	assert_string_equal(c->res.dkim_domain, "example.com");
	assert_int_equal(c->res.policy, DMARC_POLICY_REJECT);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	assert_string_equal(c->res.policy_domain, "example.com");
	assert_string_equal(dmarc_result_name(c->res.result), "pass");
	assert_int_equal(mock_dns_count("_dmarc.example.com", DNS_T_TXT), 1);

	run(c, "Example.COM.", "example.net", other);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_string_equal(c->res.from_domain, "example.com");
	assert_int_equal(c->res.policy, DMARC_POLICY_REJECT);
	assert_int_equal(c->res.policy_tag, DMARC_TAG_P);
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
	assert_int_equal(c->res.testing, 0);
	assert_string_equal(dmarc_policy_name(c->res.disposition), "reject");

	/* no identifier at all */
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_string_equal(c->res.reason, "no authenticated identifier");
}

static void
alignment_modes(void **state)
{
	struct ctx		*c = *state;
	const char *const	 child[] = { "child.example.com", NULL };

	/* RFC 9989 B.1.1 example 2 / B.1.2 example 2: relaxed */
	rec("example.com", "v=DMARC1; p=reject");
	run(c, "example.com", "child.example.com", NULL);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.spf_aligned, 1);
	assert_string_equal(c->res.org_domain, "example.com");
	run(c, "child.example.com", NULL, (const char *const[]){
	    "example.com", NULL });
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_string_equal(c->res.policy_domain, "example.com");
	assert_int_equal(c->res.policy_tag, DMARC_TAG_P);

	/* strict modes */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=quarantine; aspf=s; adkim=s");
	run(c, "example.com", "child.example.com", child);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.aspf, 's');
	assert_int_equal(c->res.adkim, 's');
	assert_int_equal(c->res.disposition, DMARC_POLICY_QUARANTINE);
	/* strict DKIM, relaxed SPF */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=quarantine; adkim=s");
	run(c, "example.com", "child.example.com", child);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.spf_aligned, 1);
	assert_int_equal(c->res.dkim_aligned, 0);

	/* RFC 9989 B.1.1 example 3: unrelated domains, no walk for them */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=reject");
	run(c, "child.example.com", "example.net", NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(mock_dns_count("_dmarc.example.net", DNS_T_TXT), 0);
	/* an SPF result other than pass is no identifier */
	{
		struct dmarc_auth	 a = { SPF_RES_SOFTFAIL, "example.com",
		    NULL, 0 };

		c->called = 0;
		c->req = dmarc_check(c->base, c->dns, "example.com", &a,
		    done_cb, c);
		event_base_dispatch(c->base);
		assert_int_equal(c->called, 1);
		assert_int_equal(c->res.result, DMARC_RES_FAIL);
		dmarc_free(c->req);
	}
}

static void
walk_simple_b41(void **state)
{
	struct ctx		*c = *state;
	const char *const	 dk[] = { "signing.example.com", NULL };

	/* RFC 9989 B.4.1 */
	rec("example.com", "v=DMARC1; p=reject");
	rec("signing.example.com", "v=DMARC1; p=none");
	run(c, "example.com", "example.com", dk);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.spf_aligned, 1);
	/* the DKIM identifier's walk: its org domain is example.com */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=reject");
	rec("signing.example.com", "v=DMARC1; p=none");
	run(c, "example.com", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.dkim_aligned, 1);
	assert_int_equal(mock_dns_count("_dmarc.signing.example.com",
	    DNS_T_TXT), 1);
	assert_int_equal(mock_dns_count("_dmarc.com", DNS_T_TXT), 1);
	assert_string_equal(c->res.org_domain, "example.com");
}

static void
walk_deep_b42(void **state)
{
	static const char *const q[] = {
		"_dmarc.a.b.c.d.e.f.g.h.i.j.k.example.com",
		"_dmarc.g.h.i.j.k.example.com", "_dmarc.h.i.j.k.example.com",
		"_dmarc.i.j.k.example.com", "_dmarc.j.k.example.com",
		"_dmarc.k.example.com", "_dmarc.example.com", "_dmarc.com"
	};
	struct ctx		*c = *state;
	const char *const	 dk[] = { "signing.example.com", NULL };
	size_t			 i;

	/* RFC 9989 B.4.2: eight queries, the label limit skips b.c.d.e.f */
	rec("example.com", "v=DMARC1; p=reject; sp=quarantine");
	rec("signing.example.com", "v=DMARC1; p=none");
	run(c, "a.b.c.d.e.f.g.h.i.j.k.example.com", "example.com", dk);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_string_equal(c->res.policy_domain, "example.com");
	assert_string_equal(c->res.org_domain, "example.com");
	assert_int_equal(c->res.policy_tag, DMARC_TAG_SP);
	assert_int_equal(c->res.policy, DMARC_POLICY_QUARANTINE);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (mock_dns_count(q[i], DNS_T_TXT) != 1)
			fail_msg("%s not asked once", q[i]);
	assert_int_equal(mock_dns_count("_dmarc.f.g.h.i.j.k.example.com",
	    DNS_T_TXT), 0);
	/* SPF aligned first: no walk for the DKIM identifier */
	assert_int_equal(mock_dns_nqueries(), 8);
}

static void
walk_label_limit(void **state)
{
	struct ctx	*c = *state;

	/* RFC 9989 5.1.8: a psd=n record beyond the limit is never seen */
	rec("example.com", "v=DMARC1; p=reject");
	rec("b.c.d.e.f.g.example.com", "v=DMARC1; p=none; psd=n");
	run(c, "mail.a.b.c.d.e.f.g.example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_string_equal(c->res.policy_domain, "example.com");
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
	assert_int_equal(mock_dns_count("_dmarc.b.c.d.e.f.g.example.com",
	    DNS_T_TXT), 0);
	assert_int_equal(mock_dns_count("_dmarc.c.d.e.f.g.example.com",
	    DNS_T_TXT), 1);
	/* eight labels: the parent is next, seven labels */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=reject");
	run(c, "a.b.c.d.e.f.example.com", NULL, NULL);
	assert_int_equal(mock_dns_count("_dmarc.b.c.d.e.f.example.com",
	    DNS_T_TXT), 1);
	assert_int_equal(mock_dns_nqueries(), 8);
}

static void
walk_intermediate(void **state)
{
	struct ctx		*c = *state;
	const char *const	 dk[] = { "x.mail.example.com", NULL };

	/* a policy at an intermediate name, none higher up */
	rec("mail.example.com", "v=DMARC1; p=reject; sp=quarantine");
	run(c, "a.b.mail.example.com", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_string_equal(c->res.policy_domain, "mail.example.com");
	assert_string_equal(c->res.org_domain, "mail.example.com");
	run(c, "a.b.mail.example.com", "example.com", NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.policy_tag, DMARC_TAG_SP);
	assert_int_equal(c->res.disposition, DMARC_POLICY_QUARANTINE);

	/* RFC 9989 4.10.2: records at mail.example.com and example.com: the
	 * one with the fewest labels is the Organizational Domain */
	mock_dns_reset();
	rec("mail.example.com", "v=DMARC1; p=reject");
	rec("example.com", "v=DMARC1; p=none");
	run(c, "a.mail.example.com", "other.example.com", NULL);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_string_equal(c->res.org_domain, "example.com");
	/* the policy is that of the Organizational Domain (RFC 9989 4.10.1) */
	assert_string_equal(c->res.policy_domain, "example.com");
	assert_int_equal(c->res.policy, DMARC_POLICY_NONE);

	/* ... unless mail.example.com says psd=n */
	mock_dns_reset();
	rec("mail.example.com", "v=DMARC1; p=reject; psd=n");
	rec("example.com", "v=DMARC1; p=none");
	run(c, "a.mail.example.com", "other.example.com", NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_string_equal(c->res.org_domain, "mail.example.com");
	assert_string_equal(c->res.policy_domain, "mail.example.com");
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
}

static void
walk_psd_b43(void **state)
{
	struct ctx		*c = *state;
	const char *const	 dk[] = { "mail.mega.bank.example", NULL };

	/* RFC 9989 B.4.3 */
	rec("bank.example", "v=DMARC1; p=reject; psd=y");
	rec("giant.bank.example", "v=DMARC1; p=quarantine");
	run(c, "giant.bank.example", "mail.giant.bank.example", dk);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.spf_aligned, 1);
	assert_string_equal(c->res.org_domain, "giant.bank.example");
	/* DKIM alone is not aligned: mega.bank.example is another org */
	run(c, "giant.bank.example", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.dkim_aligned, 0);
	assert_int_equal(c->res.disposition, DMARC_POLICY_QUARANTINE);

	/* an org domain without a record: the PSD's record applies */
	run(c, "x.other.bank.example", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_string_equal(c->res.policy_domain, "bank.example");
	assert_string_equal(c->res.org_domain, "other.bank.example");
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
}

static void
np_nonexistent(void **state)
{
	struct ctx	*c = *state;

	rec("example.com", "v=DMARC1; p=none; sp=quarantine; np=reject");
	/* the name does not exist: np */
	mock_dns_status("ghost.example.com", DNS_T_A, DNS_NXDOMAIN,
	    DNS_SEC_INSECURE);
	run(c, "ghost.example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.policy_tag, DMARC_TAG_NP);
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
	/* it exists (an empty answer is enough, RFC 9989 A.4): sp */
	mock_dns_status("real.example.com", DNS_T_A, DNS_NODATA,
	    DNS_SEC_INSECURE);
	run(c, "real.example.com", NULL, NULL);
	assert_int_equal(c->res.policy_tag, DMARC_TAG_SP);
	assert_int_equal(c->res.disposition, DMARC_POLICY_QUARANTINE);
	/* the Author Domain's own record: p, no existence test */
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.policy_tag, DMARC_TAG_P);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	assert_int_equal(mock_dns_count("example.com", DNS_T_A), 0);
	/* without np, nothing is asked about existence */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=reject");
	run(c, "ghost.example.com", NULL, NULL);
	assert_int_equal(c->res.policy_tag, DMARC_TAG_P);
	assert_int_equal(mock_dns_count("ghost.example.com", DNS_T_A), 0);
}

static void
missing_and_broken(void **state)
{
	struct ctx		*c = *state;
	const char *const	 dk[] = { "example.com", NULL };
	struct mock_dns_entry	*e;

	/* no record anywhere: DMARC does not apply */
	run(c, "a.example.com", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_NONE);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	assert_string_equal(c->res.policy_domain, "");
	assert_string_equal(dmarc_result_name(c->res.result), "none");

	/* a TXT record that is not DMARC is no record */
	rec("example.com", "v=spf1 -all");
	run(c, "example.com", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_NONE);

	/* two DMARC records: both discarded */
	mock_dns_reset();
	e = mock_dns_add("_dmarc.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_INSECURE, 0);
	mock_dns_add_txt(e, "v=DMARC1; p=reject");
	mock_dns_add_txt(e, "v=DMARC1; p=none");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_NONE);

	/* one record split in several strings (RFC 9989 4.5) */
	mock_dns_reset();
	e = mock_dns_add("_dmarc.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_INSECURE, 0);
	mock_dns_add_txt_parts(e, (const char *[]){ "v=DMARC1; p=rej",
	    "ect" }, 2);
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);

	/* syntax error in p, no rua: no DMARC processing (permerror) */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=bounce");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	assert_non_null(strstr(c->res.reason, "invalid policy"));
	/* ... with a valid rua: as if p=none */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=bounce; sp=reject; "
	    "rua=mailto:r@example.com");
	run(c, "sub.example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.policy, DMARC_POLICY_NONE);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	/* p absent in an otherwise valid record: p=none (RFC 9989 4.7) */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; rua=mailto:r@example.com");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.policy, DMARC_POLICY_NONE);
}

/*
 * records_which - which TXT records are DMARC records (4.10 steps 2, 6:
 * those starting with the v tag, 4.7, 4.8; several are all discarded),
 * at any length, and the p=none fallback of 4.10.1 only with a
 * syntactically valid rua URI (4.8)
 */
static void
records_which(void **state)
{
	struct ctx		*c = *state;
	struct mock_dns_entry	*e;
	char			*big;
	size_t			 i, o;

	/* a record with a blank before "v" is not a DMARC record, so the
	 * other one is the only one */
	e = mock_dns_add("_dmarc.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_INSECURE, 0);
	mock_dns_add_txt(e, " v=DMARC1; p=none");
	mock_dns_add_txt(e, "v=DMARC1; p=reject");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
	/* "V=DMARC1" is one: two records, both discarded */
	mock_dns_reset();
	e = mock_dns_add("_dmarc.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_INSECURE, 0);
	mock_dns_add_txt(e, "V=DMARC1; p=none");
	mock_dns_add_txt(e, "v=DMARC1; p=reject");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_NONE);

	/* a long record (twelve 255-byte strings) is a record like any */
	mock_dns_reset();
	big = malloc(4096);
	assert_non_null(big);
	o = (size_t)snprintf(big, 4096, "v=DMARC1; p=quarantine; rua=");
	for (i = 0; i < 60; i++)
		o += (size_t)snprintf(big + o, 4096 - o, "%smailto:"
		    "dmarc-reports-%02zu@example.com", i > 0 ? "," : "", i);
	assert_true(o > 2048 && o < 4096);
	rec("example.com", big);
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_QUARANTINE);
	/* ... and counts as one of several */
	mock_dns_reset();
	e = mock_dns_add("_dmarc.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_INSECURE, 0);
	mock_dns_add_txt(e, big);
	mock_dns_add_txt(e, "v=DMARC1; p=reject");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_NONE);
	free(big);

	/* an invalid p with a rua that is no URI: no DMARC processing */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=bounce; rua=mailto:a b@example.com");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	/* ... an invalid np, with a good URI after a bad one: p=none */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=reject; np=bounce; "
	    "rua=bad uri, mailto:r@example.com");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.policy, DMARC_POLICY_NONE);
}

static void
pct_and_testing(void **state)
{
	struct ctx	*c = *state;

	/* t=y: one step below the policy (RFC 9989 4.7) */
	rec("example.com", "v=DMARC1; p=reject; t=y");
	run(c, "example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	assert_int_equal(c->res.policy, DMARC_POLICY_REJECT);
	assert_int_equal(c->res.disposition, DMARC_POLICY_QUARANTINE);
	assert_int_equal(c->res.testing, 1);
	rec("t.example.com", "v=DMARC1; p=quarantine; t=y");
	run(c, "t.example.com", NULL, NULL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	rec("n.example.com", "v=DMARC1; p=none; t=y");
	run(c, "n.example.com", NULL, NULL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	assert_int_equal(c->res.testing, 0);	/* no effect on none */

	/* RFC 9989 removed pct (C.5.2, A.6): an RFC 7489 record's pct= is
	 * ignored, the policy applies to every failing message; only t=y
	 * lowers it */
	rec("p0.example.com", "v=DMARC1; p=reject; pct=0");
	run(c, "p0.example.com", NULL, NULL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
	assert_int_equal(c->res.testing, 0);
	rec("p50.example.com", "v=DMARC1; p=quarantine; pct=50");
	run(c, "p50.example.com", NULL, NULL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_QUARANTINE);
	assert_int_equal(c->res.testing, 0);
	rec("p0t.example.com", "v=DMARC1; p=reject; pct=0; t=y");
	run(c, "p0t.example.com", NULL, NULL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_QUARANTINE);
	assert_int_equal(c->res.testing, 1);
	/* t=n is the default; a pass has no disposition */
	rec("tp.example.com", "v=DMARC1; p=reject; pct=0; t=n");
	run(c, "tp.example.com", NULL, NULL);
	assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
	run(c, "tp.example.com", "tp.example.com", NULL);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
}

static void
dns_errors(void **state)
{
	struct ctx		*c = *state;
	const char *const	 dk[] = { "example.com", NULL };
	const char *const	 sub[] = { "a.example.com", NULL };

	/* the Author Domain's record cannot be fetched */
	mock_dns_status("_dmarc.example.com", DNS_T_TXT, DNS_TEMPFAIL,
	    DNS_SEC_INSECURE);
	run(c, "example.com", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_TEMPERROR);
	assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
	/* an error higher up during the walk */
	run(c, "x.example.com", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_TEMPERROR);
	/* DNSSEC failure */
	mock_dns_reset();
	mock_dns_status("_dmarc.example.com", DNS_T_TXT, DNS_BOGUS,
	    DNS_SEC_BOGUS);
	run(c, "example.com", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_TEMPERROR);
	assert_int_equal(c->res.sec, DNS_SEC_BOGUS);
	/* an error in an identifier's walk does not matter if another one
	 * aligns; it does if none does */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=reject");
	mock_dns_status("_dmarc.a.example.com", DNS_T_TXT, DNS_TEMPFAIL,
	    DNS_SEC_INSECURE);
	log_set_verbose(1);	/* the debug trace, too */
	run(c, "example.com", "example.com", sub);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	run(c, "example.com", NULL, sub);
	log_set_verbose(0);
	assert_int_equal(c->res.result, DMARC_RES_TEMPERROR);

	/* RFC 9989 5.3.6: an aligned signature that could not be checked makes
	 * the result temperror; an unaligned one cannot */
	mock_dns_reset();
	rec("example.com", "v=DMARC1; p=reject");
	{
		struct dmarc_dkim	 tk[2] = {
			{ "other.example", 0, 1 }, { "example.com", 0, 1 } };
		struct dmarc_auth	 a = { SPF_RES_NONE, NULL, tk, 1 };

		c->called = 0;
		c->req = dmarc_check(c->base, c->dns, "example.com", &a,
		    done_cb, c);
		event_base_dispatch(c->base);
		assert_int_equal(c->res.result, DMARC_RES_FAIL);
		assert_int_equal(c->res.disposition, DMARC_POLICY_REJECT);
		dmarc_free(c->req);
		a.ndkim = 2;
		c->req = dmarc_check(c->base, c->dns, "example.com", &a,
		    done_cb, c);
		event_base_dispatch(c->base);
		assert_int_equal(c->res.result, DMARC_RES_TEMPERROR);
		assert_int_equal(c->res.disposition, DMARC_POLICY_NONE);
		dmarc_free(c->req);
		/* a pass from the same domain wins */
		tk[0].domain = "example.com";
		tk[0].pass = 1;
		tk[0].temperror = 0;
		c->req = dmarc_check(c->base, c->dns, "example.com", &a,
		    done_cb, c);
		event_base_dispatch(c->base);
		assert_int_equal(c->res.result, DMARC_RES_PASS);
		dmarc_free(c->req);
		/* SPF temperror for an aligned domain */
		a.ndkim = 0;
		a.spf = SPF_RES_TEMPERROR;
		a.spf_domain = "mail.example.com";
		c->req = dmarc_check(c->base, c->dns, "example.com", &a,
		    done_cb, c);
		event_base_dispatch(c->base);
		assert_int_equal(c->res.result, DMARC_RES_TEMPERROR);
		dmarc_free(c->req);
		c->req = NULL;
	}
}

static void
dnssec_status(void **state)
{
	struct ctx		*c = *state;
	const char *const	 dk[] = { "example.com", NULL };

	mock_dns_set_default(DNS_NXDOMAIN, DNS_SEC_SECURE);
	mock_dns_txt("_dmarc.example.com", DNS_SEC_SECURE,
	    "v=DMARC1; p=reject");
	run(c, "a.example.com", NULL, dk);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.sec, DNS_SEC_SECURE);
	mock_dns_status("_dmarc.com", DNS_T_TXT, DNS_NXDOMAIN,
	    DNS_SEC_INSECURE);
	run(c, "a.example.com", NULL, dk);
	assert_int_equal(c->res.sec, DNS_SEC_INSECURE);
}

static void
from_domains(void **state)
{
	struct ctx	*c = *state;
	const char	*two[] = { "a.example", "b.example" };
	const char	*same[] = { "a.example", "A.example." };
	struct dmarc_auth auth = { SPF_RES_NONE, NULL, NULL, 0 };

	/* RFC 9989 5.3.1: zero or several Author Domains: no pass */
	c->req = dmarc_new(c->base, c->dns, two, 2);
	dmarc_evaluate(c->req, &auth, done_cb, c);
	c->called = 0;
	event_base_dispatch(c->base);
	assert_int_equal(c->called, 1);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	assert_string_equal(c->res.reason, "several From domains");
	assert_int_equal(mock_dns_nqueries(), 0);
	dmarc_free(c->req);

	c->req = dmarc_new(c->base, c->dns, NULL, 0);
	c->called = 0;
	dmarc_evaluate(c->req, &auth, done_cb, c);
	event_base_dispatch(c->base);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	dmarc_free(c->req);

	run(c, "[192.0.2.1]", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	/* not UTF-8 (RFC 3629 3): bad continuation, overlong, surrogate,
	 * beyond U+10FFFF, cut short */
	run(c, "b\xc3(cher.example", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	run(c, "b\xc0\xaf" "cher.example", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	run(c, "b\xed\xa0\x80.example", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	run(c, "b\xf4\x90\x80\x80.example", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	run(c, "b\xe4\xbb.example", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
	assert_int_equal(mock_dns_nqueries(), 0);

	/* the same domain twice is one Author Domain */
	rec("a.example", "v=DMARC1; p=reject");
	c->req = dmarc_new(c->base, c->dns, same, 2);
	c->called = 0;
	dmarc_evaluate(c->req, &auth, done_cb, c);
	event_base_dispatch(c->base);
	assert_int_equal(c->res.result, DMARC_RES_FAIL);
	dmarc_free(c->req);
}

/*
 * from_ulabel - 5.3.1: a U-label Author Domain is converted to an A-label
 * (RFC 5890 2.3.2.1; Punycode, RFC 3492) and looked up and aligned so
 */
static void
from_ulabel(void **state)
{
	struct ctx	*c = *state;
	char		 d[300];
	size_t		 i, n;

	rec("xn--bcher-kva.example", "v=DMARC1; p=reject");
	/* "B\xc3\xbccher": ASCII letters are lowered */
	run(c, "B\xc3\xbc" "cher.example", NULL, (const char *const[]){
	    "xn--bcher-kva.example", NULL });
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_string_equal(c->res.from_domain, "xn--bcher-kva.example");
	assert_string_equal(c->res.policy_domain, "xn--bcher-kva.example");
	assert_int_equal(mock_dns_count("_dmarc.xn--bcher-kva.example",
	    DNS_T_TXT), 1);
	/* a U-label identifier is compared as its A-label */
	run(c, "xn--bcher-kva.example", "mail.b\xc3\xbc" "cher.example",
	    NULL);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	assert_int_equal(c->res.spf_aligned, 1);

	/* RFC 3492 7.1 sample strings (A) Arabic, (B) Chinese, and (L)
	 * with its "B" lowered */
	run(c, "\xd9\x84\xd9\x8a\xd9\x87\xd9\x85\xd8\xa7\xd8\xa8\xd8\xaa"
	    "\xd9\x83\xd9\x84\xd9\x85\xd9\x88\xd8\xb4\xd8\xb9\xd8\xb1\xd8\xa8"
	    "\xd9\x8a\xd8\x9f.example", NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_NONE);
	assert_string_equal(c->res.from_domain,
	    "xn--egbpdaj6bu4bxfgehfvwxn.example");
	run(c, "\xe4\xbb\x96\xe4\xbb\xac\xe4\xb8\xba\xe4\xbb\x80\xe4\xb9\x88"
	    "\xe4\xb8\x8d\xe8\xaf\xb4\xe4\xb8\xad\xe6\x96\x87.example", NULL,
	    NULL);
	assert_string_equal(c->res.from_domain,
	    "xn--ihqwcrb4cv8a8dqg056pqjye.example");
	run(c, "3\xe5\xb9\xb4" "B\xe7\xb5\x84\xe9\x87\x91\xe5\x85\xab"
	    "\xe5\x85\x88\xe7\x94\x9f.example", NULL, NULL);
	assert_string_equal(c->res.from_domain,
	    "xn--3b-ww4c5e180e575a65lsy2b.example");
	assert_int_equal(mock_dns_count(
	    "_dmarc.xn--3b-ww4c5e180e575a65lsy2b.example", DNS_T_TXT), 1);

	/* an A-label has at most 63 bytes: the 19 characters U+4E00 + 997 i
	 * give 57 Punycode digits, 20 give 60, one too many */
	for (n = 19; n <= 20; n++) {
		for (i = 0; i < n; i++) {
			unsigned	 u = 0x4e00 + 997 * (unsigned)i;

			d[3 * i] = (char)(0xe0 | (u >> 12));
			d[3 * i + 1] = (char)(0x80 | ((u >> 6) & 0x3f));
			d[3 * i + 2] = (char)(0x80 | (u & 0x3f));
		}
		snprintf(d + 3 * n, sizeof(d) - 3 * n, ".example");
		run(c, d, NULL, NULL);
		if (n == 20)
			break;
		assert_string_equal(c->res.from_domain, "xn--4gqu8gq5d73ep1f6"
		    "0gorh5tinnj46jm7k3wllwm2inkho19ojtp0qqior.example");
	}
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);

	/* 253 bytes in all: three labels of 63 and one of 61 fit; one
	 * U-label more does not (and must not overrun the output) */
	memset(d, 'a', 255);
	for (i = 63; i < 255; i += 64)
		d[i] = '.';
	d[253] = '\0';
	run(c, d, NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_NONE);
	snprintf(d + 253, sizeof(d) - 253, ".\xc3\xbc");
	run(c, d, NULL, NULL);
	assert_int_equal(c->res.result, DMARC_RES_PERMERROR);
}

static void
two_phase(void **state)
{
	struct ctx		*c = *state;
	const char		*from[] = { "example.com" };
	struct dmarc_dkim	 dk = { "example.com", 1, 0 };
	struct dmarc_auth	 auth = { SPF_RES_NONE, NULL, &dk, 1 };

	rec("example.com", "v=DMARC1; p=reject");
	/* discovery runs before the identifiers are known */
	c->req = dmarc_new(c->base, c->dns, from, 1);
	assert_int_equal(mock_dns_pending(), 2);
	event_base_loop(c->base, EVLOOP_NONBLOCK);
	event_base_loop(c->base, EVLOOP_NONBLOCK);
	assert_int_equal(mock_dns_pending(), 0);
	/* everything known: still delivered from the loop, and the
	 * callback may free the request */
	c->called = 0;
	c->free_in_cb = 1;
	dmarc_evaluate(c->req, &auth, done_cb, c);
	assert_int_equal(c->called, 0);
	event_base_dispatch(c->base);
	assert_int_equal(c->called, 1);
	assert_null(c->req);
	assert_int_equal(c->res.result, DMARC_RES_PASS);
	c->free_in_cb = 0;

	/* freed while queries are pending: they are cancelled */
	mock_dns_reset();
	mock_dns_add("_dmarc.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_INSECURE, 500);
	c->req = dmarc_new(c->base, c->dns, from, 1);
	c->called = 0;
	dmarc_evaluate(c->req, &auth, done_cb, c);
	dmarc_free(c->req);
	c->req = NULL;
	assert_int_equal(mock_dns_pending(), 0);
	event_base_dispatch(c->base);
	assert_int_equal(c->called, 0);
	dmarc_free(NULL);
}

/* ---- SPF and DMARC in the verify mode (mode_verify.c) ---- */

static const char mode_msg[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: hello\r\n"
    "\r\n"
    "Hi.\r\n";

struct mode_case {
	const char	*client;
	const char	*helo;
	const char	*mail_from;
	int		 before_queue;
	int		 dmarc_reject;
	int		 tempfail;
	const char	*quarantine;	/* dmarc_quarantine_header */
	int		 spf_enable;
	int		 dmarc_enable;
};

/*
 * has - does the unfolded prepended text (RFC 5322 2.2.3: CRLF before
 * white space removed) contain needle?
 */
static const char *
has(const struct mode_result *res, const char *needle)
{
	static char	 u[4096];
	size_t		 i, o = 0;

	for (i = 0; i < res->prepend.len && o + 1 < sizeof(u); i++) {
		if (res->prepend.data[i] == '\r' &&
		    i + 2 < res->prepend.len &&
		    res->prepend.data[i + 1] == '\n' &&
		    (res->prepend.data[i + 2] == ' ' ||
		    res->prepend.data[i + 2] == '\t')) {
			u[o++] = ' ';
			i += 2;
			continue;
		}
		u[o++] = res->prepend.data[i];
	}
	u[o] = '\0';
	return strstr(u, needle);
}

/* the log lines of a mode run (log_set_hook) */
static char	 logged[4096];

static void
log_hook(int prio, const char *line)
{
	size_t	 l = strlen(logged);

	(void)prio;
	snprintf(logged + l, sizeof(logged) - l, "%s\n", line);
}

static void
mode_done(void *arg)
{
	(*(int *)arg)++;
}

/*
 * mode_case_run - the message through mode_verify_ops on a standalone
 * worker with the mock resolver; res is the caller's (mode_result_init'ed).
 */
static void
mode_case_run(const struct mode_case *mc, struct mode_result *res)
{
	const struct mode_ops	*ops = &mode_verify_ops;
	struct listener_conf	 lc;
	struct event_base	*base;
	struct config		*conf;
	struct worker		*w;
	struct mode_env		 env;
	struct rfc5322_hdr	 hdr;
	const char		*body = strstr(mode_msg, "\r\n\r\n") + 4;
	char			 err[256];
	void			*tx;
	int			 done = 0;

	assert_non_null(conf = config_load(NULL, err, sizeof(err)));
	free(conf->authserv_id);
	conf->authserv_id = strdup("mx.example.org");
	conf->dmarc_reject = mc->dmarc_reject;
	conf->dns_failure_action = mc->tempfail ? DNSFAIL_TEMPFAIL :
	    DNSFAIL_ACCEPT;
	conf->spf_enable = mc->spf_enable;
	conf->dmarc_enable = mc->dmarc_enable;
	if (mc->quarantine != NULL) {
		free(conf->dmarc_quarantine_header);
		conf->dmarc_quarantine_header = strdup(mc->quarantine);
	}
	assert_non_null(base = event_base_new());
	w = worker_new(base, conf, NULL);
	memset(&lc, 0, sizeof(lc));
	lc.mode = MODE_VERIFY;
	lc.queue = mc->before_queue ? QUEUE_BEFORE : QUEUE_AFTER;
	memset(&env, 0, sizeof(env));
	env.listener = &lc;
	env.session_id = "m1";
	env.helo = mc->helo;
	env.client_addr = mc->client;
	env.client_name = "";
	env.mail_from = mc->mail_from;
	env.queue_id = "";
	env.before_queue = mc->before_queue;
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, mode_msg,
	    (size_t)(body - mode_msg) - 2, 100), 0);
	tx = ops->tx_new(w, &env);
	ops->headers(tx, mode_msg, (size_t)(body - mode_msg) - 2, &hdr);
	ops->body(tx, body, strlen(body));
	ops->eom(tx, res, mode_done, &done);
	while (!done && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	assert_int_equal(done, 1);
	ops->tx_free(tx);
	assert_int_equal(mock_dns_pending(), 0);
	rfc5322_hdr_clear(&hdr);
	worker_free(w);
	event_base_free(base);
	config_free(conf);
}

/* mode_zone - SPF for example.com (192.0.2.0/24) and its DMARC policy */
static void
mode_zone(const char *dmarc)
{
	mock_dns_reset();
	mock_dns_txt("example.com", DNS_SEC_INSECURE,
	    "v=spf1 ip4:192.0.2.0/24 -all");
	mock_dns_txt("_dmarc.example.com", DNS_SEC_INSECURE, dmarc);
}

static void
mode_spf_dmarc(void **state)
{
	struct mode_case	 mc = { "192.0.2.10", "mta.example.com",
	    "alice@example.com", 0, 0, 0, NULL, 1, 1 };
	struct mode_result	 res;

	(void)state;
	/* aligned SPF pass */
	mode_zone("v=DMARC1; p=reject");
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_int_equal(res.action, MODE_ACCEPT);
	assert_non_null(has(&res, "spf=pass "
	    "(matched ip4:192.0.2.0/24; insecure) "
	    "smtp.mailfrom=alice@example.com"));
	assert_non_null(has(&res, "smtp.helo=mta.example.com"));
	/* RFC 9989 9.1: the policy applied is policy.dmarc */
	assert_non_null(has(&res, "dmarc=pass (p=reject "
	    "dis=none) header.from=example.com policy.dmarc=none"));
	assert_string_equal(res.summary, "dkim=none spf=pass dmarc=pass");
	mode_result_clear(&res);

	/* SPF fail, p=reject, after the queue: quarantine, never bounced */
	mc.client = "198.51.100.7";
	mc.quarantine = "X-Spam-Flag: YES";
	mode_result_init(&res);
	logged[0] = '\0';
	log_set_hook(log_hook);
	mode_case_run(&mc, &res);
	log_set_hook(NULL);
	/* the reasons are logged, per session */
	assert_non_null(strstr(logged, "m1 spf=fail identity=mailfrom "
	    "domain=example.com reason=\"matched -all\"\n"));
	assert_non_null(strstr(logged, "m1 dmarc=fail from=example.com "
	    "policy=reject disposition=reject reason=\"no authenticated "
	    "identifier\"\n"));
	assert_int_equal(res.action, MODE_ACCEPT);
	assert_non_null(has(&res, "spf=fail "
	    "(matched -all; insecure)"));
	assert_non_null(has(&res, "dmarc=fail (p=reject "
	    "dis=quarantine) header.from=example.com "
	    "policy.dmarc=quarantine"));
	assert_non_null(has(&res, "X-Spam-Flag: YES\r\n"));
	assert_string_equal(res.summary, "dkim=none spf=fail dmarc=fail");
	mode_result_clear(&res);

	/* before the queue with dmarc_reject: 550 5.7.1 */
	mc.before_queue = 1;
	mc.dmarc_reject = 1;
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_int_equal(res.action, MODE_REJECT);
	assert_string_equal(res.reply, "550 5.7.1 Email rejected per DMARC "
	    "policy for example.com");
	mode_result_clear(&res);

	/* ... but not when the domain is testing (t=y): quarantine */
	mode_zone("v=DMARC1; p=reject; t=y");
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_int_equal(res.action, MODE_ACCEPT);
	assert_non_null(has(&res, "dmarc=fail (p=reject "
	    "dis=quarantine) header.from=example.com "
	    "policy.dmarc=quarantine"));
	assert_non_null(has(&res, "X-Spam-Flag: YES\r\n"));
	mode_result_clear(&res);

	/* p=none: nothing happens */
	mode_zone("v=DMARC1; p=none");
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_int_equal(res.action, MODE_ACCEPT);
	assert_null(has(&res, "X-Spam-Flag"));
	assert_non_null(has(&res, "header.from=example.com policy.dmarc=none"));
	mode_result_clear(&res);

	/* an RFC 7489 pct=0 no longer lowers the policy (RFC 9989 C.5.2) */
	mode_zone("v=DMARC1; p=reject; pct=0");
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_int_equal(res.action, MODE_REJECT);
	mode_result_clear(&res);
}

static void
mode_spf_inputs(void **state)
{
	struct mode_case	 mc = { "", "mta.example.com",
	    "alice@example.com", 0, 0, 0, NULL, 1, 1 };
	struct mode_result	 res;

	(void)state;
	/* no client address: SPF is not evaluated, DMARC runs on DKIM */
	mode_zone("v=DMARC1; p=quarantine");
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_null(has(&res, "spf="));
	assert_non_null(has(&res, "dmarc=fail (p=quarantine "
	    "dis=quarantine; spf not evaluated) header.from=example.com"));
	assert_int_equal(mock_dns_count("example.com", DNS_T_TXT), 0);
	mode_result_clear(&res);

	/* the null reverse-path: HELO identity, no smtp.mailfrom */
	mc.client = "192.0.2.10";
	mc.mail_from = "";
	mode_zone("v=DMARC1; p=quarantine");
	mock_dns_txt("mta.example.com", DNS_SEC_INSECURE,
	    "v=spf1 ip4:192.0.2.10 -all");
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_non_null(has(&res, "spf=pass "
	    "(matched ip4:192.0.2.10; insecure) smtp.helo=mta.example.com"));
	assert_null(has(&res, "smtp.mailfrom"));
	/* RFC 7489 / RFC 7208 2.4: postmaster@HELO aligns relaxed */
	assert_non_null(has(&res, "dmarc=pass"));
	mode_result_clear(&res);

	/* SPF and DMARC switched off */
	mock_dns_reset();
	mc.spf_enable = mc.dmarc_enable = 0;
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_null(has(&res, "spf="));
	assert_null(has(&res, "dmarc="));
	assert_string_equal(res.summary, "dkim=none");
	assert_int_equal(mock_dns_nqueries(), 0);
	mode_result_clear(&res);
}

static void
mode_temperrors(void **state)
{
	struct mode_case	 mc = { "192.0.2.10", "mta.example.com",
	    "alice@example.com", 0, 0, 1, NULL, 1, 1 };
	struct mode_result	 res;

	(void)state;
	/* SPF cannot be checked: temperror; DMARC then too (the SPF
	 * identifier would align), and dns_failure_action = tempfail */
	mode_zone("v=DMARC1; p=reject");
	mock_dns_status("example.com", DNS_T_TXT, DNS_TEMPFAIL,
	    DNS_SEC_INSECURE);
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_int_equal(res.action, MODE_TEMPFAIL);
	assert_int_equal(strncmp(res.reply, "451 4.7.5 ", 10), 0);
	assert_non_null(has(&res, "spf=temperror"));
	assert_non_null(has(&res, "dmarc=temperror"));
	assert_null(has(&res, "policy.dmarc"));	/* no policy applies */
	mode_result_clear(&res);
	/* with accept, delivered with the temperrors */
	mc.tempfail = 0;
	mode_result_init(&res);
	mode_case_run(&mc, &res);
	assert_int_equal(res.action, MODE_ACCEPT);
	mode_result_clear(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_full),
		cmocka_unit_test(parse_defaults_and_syntax),
		cmocka_unit_test(parse_not_dmarc),
		cmocka_unit_test(parse_rua),
		cmocka_unit_test_setup_teardown(simple_pass_fail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(alignment_modes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(walk_simple_b41, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(walk_deep_b42, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(walk_label_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(walk_intermediate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(walk_psd_b43, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(np_nonexistent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(missing_and_broken, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(records_which, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(pct_and_testing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(dns_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(dnssec_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(from_domains, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(from_ulabel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(two_phase, setup, teardown),
		cmocka_unit_test_setup_teardown(mode_spf_dmarc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(mode_spf_inputs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(mode_temperrors, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
