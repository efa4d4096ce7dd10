/*
 * fuzz_dmarc_check.c - libFuzzer harness for the DMARC evaluator of
 * dmarc.h (dmarc_new/dmarc_evaluate: policy discovery by the DNS Tree
 * Walk, Organizational Domains, alignment, p/sp/np, t and pct), on a DNS
 * zone the input describes, answered through dnsstub.h while a real
 * event_base runs.
 *
 * Input: a flags byte (SPF result, which DKIM results pass or fail
 * temporarily, when the evaluation is supplied, DNSSEC status), a line
 * "FROM-DOMAINS SPF-DOMAIN DKIM-DOMAINS" (comma-separated lists), then
 * zone lines "NAME TYPE DATA" as in fuzz_spf_check.
 * Invariants: the callback runs exactly once without waiting for a
 * timer; the queries stay within DMARC_WALK_MAX per walk for the From
 * domain and each identifier (plus the existence check); the result and
 * policies hold known values; pass comes with an aligned identifier and
 * disposition none; the disposition is never stricter than the policy;
 * a DKIM domain is named only with dkim_aligned; strings are
 * NUL-terminated and the reason printable without parentheses or
 * backslash (dmarc.h); an insecure answer never yields a secure result.
 */
#include "autoconf.h"

#include <event2/event.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "dns.h"
#include "dnsstub.h"
#include "fuzz.h"
#include "spf.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define DC_MAXREC	64
#define DC_MAXID	8

static struct event_base	*base;

struct dc_state {
	int			 done;
	struct dmarc_result	 res;
};

static void	dc_done(void *, const struct dmarc_result *);
static int	dc_type(const char *, size_t);
static size_t	dc_split(char *, const char **, size_t);

/* dc_done - the evaluation's callback: copy the result */
static void
dc_done(void *arg, const struct dmarc_result *res)
{
	struct dc_state	*st = arg;

	st->done++;
	st->res = *res;
}

/* dc_type - record type from its name, or 0 */
static int
dc_type(const char *p, size_t n)
{
	static const struct {
		const char	*name;
		int		 type;
	} types[] = { { "TXT", DNS_T_TXT }, { "A", DNS_T_A },
	    { "AAAA", DNS_T_AAAA }, { "MX", DNS_T_MX },
	    { "FAIL", FUZZ_DNS_TEMPFAIL } };
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == n &&
		    memcmp(types[i].name, p, n) == 0)
			return types[i].type;
	return 0;
}

/* dc_split - split a C string at commas in place, at most max items */
static size_t
dc_split(char *s, const char **items, size_t max)
{
	size_t	 n = 0;
	char	*c;

	while (n < max && *s != '\0') {
		items[n++] = s;
		if ((c = strchr(s, ',')) == NULL)
			break;
		*c = '\0';
		s = c + 1;
	}
	return n;
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	if ((base = event_base_new()) == NULL)
		abort();
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 names[DC_MAXREC][256];
	static struct fuzz_dns_record recs[DC_MAXREC];
	static const enum spf_res spfres[4] = { SPF_RES_NONE, SPF_RES_PASS,
	    SPF_RES_FAIL, SPF_RES_TEMPERROR };
	struct fuzz_in		 in = { data, size }, line, w;
	struct dmarc_dkim	 dk[DC_MAXID];
	struct dmarc_auth	 auth;
	struct dmarc_req	*req;
	struct dc_state		 st;
	const char		*from[DC_MAXID], *dkd[DC_MAXID], *spfd;
	char			*text, *fromlist, *dklist;
	size_t			 nrec = 0, nfrom, ndk, i, iter;
	unsigned		 flags;
	int			 type;

	if (size > 16 * 1024)
		return 0;
	flags = fuzz_byte(&in);
	text = fuzz_dupz(in.p, in.n);
	in.p = (const uint8_t *)text;
	line = fuzz_part(&in, '\n');
	((char *)line.p)[line.n] = '\0';
	w = fuzz_part(&line, ' ');
	((char *)w.p)[w.n] = '\0';
	fromlist = (char *)w.p;
	w = fuzz_part(&line, ' ');
	((char *)w.p)[w.n] = '\0';
	spfd = (const char *)w.p;
	dklist = (char *)line.p;
	while (in.n > 0 && nrec < DC_MAXREC) {
		line = fuzz_part(&in, '\n');
		w = fuzz_part(&line, ' ');
		if (w.n == 0 || w.n >= sizeof(names[0]))
			continue;
		memcpy(names[nrec], w.p, w.n);
		names[nrec][w.n] = '\0';
		w = fuzz_part(&line, ' ');
		if ((type = dc_type((const char *)w.p, w.n)) == 0)
			continue;
		((char *)line.p)[line.n] = '\0';
		recs[nrec].name = names[nrec];
		recs[nrec].type = type;
		recs[nrec].txt = (const char *)line.p;
		nrec++;
	}
	nfrom = dc_split(fromlist, from, DC_MAXID);
	ndk = dc_split(dklist, dkd, DC_MAXID);
	for (i = 0; i < ndk; i++) {
		dk[i].domain = dkd[i];
		dk[i].pass = (flags >> (i % 2 + 2)) & 1;
		dk[i].temperror = !dk[i].pass && (flags & 0x10);
	}
	memset(&auth, 0, sizeof(auth));
	auth.spf = spfres[flags & 3];
	auth.spf_domain = spfd[0] != '\0' ? spfd : NULL;
	auth.dkim = dk;
	auth.ndkim = ndk;

	fuzz_dns_reset(recs, nrec, flags & 0x40 ? DNS_SEC_SECURE :
	    DNS_SEC_INSECURE);
	memset(&st, 0, sizeof(st));
	req = dmarc_new(base, (struct dns *)recs, from, nfrom);
	FUZZ_CHECK(req != NULL);
	if (flags & 0x20) {
		/* the walk finishes before the message does */
		fuzz_dns_answer_all();
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	dmarc_evaluate(req, &auth, dc_done, &st);
	FUZZ_CHECK(st.done == 0);
	for (iter = 0; st.done == 0; iter++) {
		FUZZ_CHECK(iter < 10000);
		fuzz_dns_answer_all();
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	FUZZ_CHECK(st.done == 1);
	FUZZ_CHECK(fuzz_dns_pending() == 0);
	/* bis 4.10: DMARC_WALK_MAX queries per walk, one walk for the
	 * From domain and one per identifier, and one existence check */
	FUZZ_CHECK(fuzz_dns_nq <= DMARC_WALK_MAX * (1 + DMARC_MAX_IDS) + 1);

	FUZZ_CHECK(st.res.result >= DMARC_RES_NONE &&
	    st.res.result <= DMARC_RES_PERMERROR);
	FUZZ_CHECK(dmarc_result_name(st.res.result) != NULL);
	FUZZ_CHECK(st.res.policy <= DMARC_POLICY_REJECT);
	FUZZ_CHECK(st.res.disposition <= st.res.policy);
	if (st.res.result == DMARC_RES_PASS) {
		FUZZ_CHECK(st.res.spf_aligned || st.res.dkim_aligned);
		FUZZ_CHECK(st.res.disposition == DMARC_POLICY_NONE);
	}
	if (st.res.result != DMARC_RES_PASS &&
	    st.res.result != DMARC_RES_FAIL)
		FUZZ_CHECK(st.res.policy == DMARC_POLICY_NONE);
	FUZZ_CHECK(memchr(st.res.from_domain, '\0', DMARC_DOMAIN_MAX));
	FUZZ_CHECK(memchr(st.res.policy_domain, '\0', DMARC_DOMAIN_MAX));
	FUZZ_CHECK(memchr(st.res.org_domain, '\0', DMARC_DOMAIN_MAX));
	FUZZ_CHECK(memchr(st.res.dkim_domain, '\0', DMARC_DOMAIN_MAX));
	if (st.res.dkim_domain[0] != '\0')
		FUZZ_CHECK(st.res.dkim_aligned);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_dmarc_check: %s %s (%s) from %s, "
		    "queries %zu\n", dmarc_result_name(st.res.result),
		    dmarc_policy_name(st.res.disposition), st.res.reason,
		    st.res.from_domain, fuzz_dns_nq);
	/* a usable Author Domain is reported in lower case */
	if (st.res.result != DMARC_RES_PERMERROR)
		for (i = 0; st.res.from_domain[i] != '\0'; i++)
			FUZZ_CHECK(!(st.res.from_domain[i] >= 'A' &&
			    st.res.from_domain[i] <= 'Z'));
	FUZZ_CHECK(memchr(st.res.reason, '\0', DMARC_REASON_MAX));
	for (i = 0; st.res.reason[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)st.res.reason[i] >= 0x20 &&
		    (unsigned char)st.res.reason[i] < 0x7f &&
		    st.res.reason[i] != '(' && st.res.reason[i] != ')' &&
		    st.res.reason[i] != '\\');
	FUZZ_CHECK(st.res.adkim == 'r' || st.res.adkim == 's');
	FUZZ_CHECK(st.res.aspf == 'r' || st.res.aspf == 's');
	if (!(flags & 0x40) && fuzz_dns_nq > 0)
		FUZZ_CHECK(st.res.sec != DNS_SEC_SECURE);
	dmarc_free(req);
	free(text);
	return 0;
}
