/*
 * fuzz_spf_check.c - libFuzzer harness for the SPF evaluator of spf.h
 * (spf_check: RFC 7208 check_host() with includes, redirects, macros,
 * a/mx/ptr/exists look-ups, exp= and the processing limits), on a DNS
 * zone the input describes, answered through the dns.h stand-in
 * (dnsstub.h) while a real event_base runs.
 *
 * Input: a flags byte (identity, DNSSEC status), a line "CLIENT-IP HELO
 * MAIL-FROM" (an empty MAIL-FROM is the null reverse-path), then zone
 * lines "NAME TYPE DATA" with TYPE one of TXT A AAAA MX PTR FAIL
 * (temporary failure). The seeds are the scenarios of the RFC 7208 test
 * suite (tests/vectors/spf), converted by fuzz/make-seeds.py.
 * Invariants: the callback runs exactly once and the loop needs no
 * timer to get there (no hang waiting for the 20 s deadline); the number
 * of DNS queries stays within the RFC 7208 4.6.4 bounds; the result is
 * a known value with lookups and voids within one past their limits;
 * strings are NUL-terminated; reason holds printable ASCII without
 * parentheses or backslash and the explanation printable ASCII (spf.h);
 * a result that used insecure answers is never DNSSEC-secure.
 */
#include "autoconf.h"

#include <event2/event.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dnsstub.h"
#include "fuzz.h"
#include "spf.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SC_MAXREC	64

static struct event_base	*base;

struct sc_state {
	int			 done;
	struct spf_result	 res;
};

static void	sc_done(void *, const struct spf_result *);
static int	sc_type(const char *, size_t);
static void	sc_text_ok(const char *, size_t, int);

/* sc_done - the check's callback: copy the result */
static void
sc_done(void *arg, const struct spf_result *res)
{
	struct sc_state	*st = arg;

	st->done++;
	st->res = *res;
}

/* sc_type - record type from its name, or 0 */
static int
sc_type(const char *p, size_t n)
{
	static const struct {
		const char	*name;
		int		 type;
	} types[] = { { "TXT", DNS_T_TXT }, { "A", DNS_T_A },
	    { "AAAA", DNS_T_AAAA }, { "MX", DNS_T_MX }, { "PTR", DNS_T_PTR },
	    { "FAIL", FUZZ_DNS_TEMPFAIL } };
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == n &&
		    memcmp(types[i].name, p, n) == 0)
			return types[i].type;
	return 0;
}

/* sc_text_ok - a C string within its array, printable (spf.h) */
static void
sc_text_ok(const char *s, size_t size, int comment)
{
	size_t	 i;

	FUZZ_CHECK(memchr(s, '\0', size) != NULL);
	for (i = 0; s[i] != '\0'; i++) {
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f);
		if (comment)
			FUZZ_CHECK(s[i] != '(' && s[i] != ')' &&
			    s[i] != '\\');
	}
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
	static char		 names[SC_MAXREC][256];
	static struct fuzz_dns_record recs[SC_MAXREC];
	struct fuzz_in		 in = { data, size }, line, w;
	struct spf_input	 si;
	struct spf_req		*req;
	struct sc_state		 st;
	const char		*ip, *helo, *mailfrom;
	char			*text;
	size_t			 nrec = 0, iter;
	unsigned		 flags;
	int			 type;

	if (size > 16 * 1024)
		return 0;
	flags = fuzz_byte(&in);
	text = fuzz_dupz(in.p, in.n);	/* record data must be C strings */
	in.p = (const uint8_t *)text;
	/* the identities: each a C string cut out in place */
	line = fuzz_part(&in, '\n');
	((char *)line.p)[line.n] = '\0';
	w = fuzz_part(&line, ' ');
	((char *)w.p)[w.n] = '\0';
	ip = (const char *)w.p;
	w = fuzz_part(&line, ' ');
	((char *)w.p)[w.n] = '\0';
	helo = (const char *)w.p;
	mailfrom = (const char *)line.p;
	while (in.n > 0 && nrec < SC_MAXREC) {
		line = fuzz_part(&in, '\n');
		w = fuzz_part(&line, ' ');		/* NAME */
		if (w.n == 0 || w.n >= sizeof(names[0]))
			continue;
		memcpy(names[nrec], w.p, w.n);
		names[nrec][w.n] = '\0';
		w = fuzz_part(&line, ' ');		/* TYPE */
		if ((type = sc_type((const char *)w.p, w.n)) == 0)
			continue;
		/* DATA: the rest of the line, NUL-terminated in place */
		((char *)line.p)[line.n] = '\0';
		recs[nrec].name = names[nrec];
		recs[nrec].type = type;
		recs[nrec].txt = (const char *)line.p;
		nrec++;
	}

	fuzz_dns_reset(recs, nrec, flags & 0x10 ? DNS_SEC_BOGUS :
	    flags & 0x20 ? DNS_SEC_SECURE : DNS_SEC_INSECURE);
	memset(&si, 0, sizeof(si));
	si.client_ip = ip;
	si.helo = helo;
	si.mail_from = mailfrom;
	si.receiver = "receiver.example.net";
	si.identity = flags & 8 ? SPF_ID_HELO : SPF_ID_MAILFROM;
	si.now = 1700000000;
	si.deadline_ms = 0;
	memset(&st, 0, sizeof(st));
	req = spf_check(base, (struct dns *)recs, &si, sc_done, &st);
	FUZZ_CHECK(req != NULL);
	FUZZ_CHECK(st.done == 0);
	for (iter = 0; st.done == 0; iter++) {
		/* no timer may be needed: every answer is there at once */
		FUZZ_CHECK(iter < 10000);
		fuzz_dns_answer_all();
		event_base_loop(base, EVLOOP_NONBLOCK);
		FUZZ_CHECK(fuzz_dns_nq < FUZZ_DNS_MAXQ);
	}
	FUZZ_CHECK(st.done == 1);
	FUZZ_CHECK(fuzz_dns_pending() == 0);
	/* RFC 7208 4.6.4: at most 10 DNS terms, each with at most 10 names
	 * to look up, plus the records, exp= and the PTR validation */
	FUZZ_CHECK(fuzz_dns_nq <= 1 + (SPF_MAX_DNS_MECH + 1) *
	    (SPF_MAX_NAMES + 2) + 2);
	FUZZ_CHECK(st.res.result >= SPF_RES_NONE &&
	    st.res.result <= SPF_RES_PERMERROR);
	FUZZ_CHECK(spf_result_name(st.res.result) != NULL);
	FUZZ_CHECK(st.res.lookups >= 0 &&
	    st.res.lookups <= SPF_MAX_DNS_MECH + 1);
	FUZZ_CHECK(st.res.voids >= 0 && st.res.voids <= SPF_MAX_VOID + 1);
	/* sender and domain are the peer's text: terminated, not clean */
	FUZZ_CHECK(memchr(st.res.sender, '\0', sizeof(st.res.sender)) !=
	    NULL);
	FUZZ_CHECK(memchr(st.res.domain, '\0', sizeof(st.res.domain)) !=
	    NULL);
	sc_text_ok(st.res.explanation, sizeof(st.res.explanation), 0);
	sc_text_ok(st.res.reason, sizeof(st.res.reason), 1);
	if (st.res.explanation[0] != '\0')
		FUZZ_CHECK(st.res.result == SPF_RES_FAIL);
	/* a result that used no answer at all (an unusable domain, say)
	 * is vacuously secure; one that used an insecure answer is not */
	if (!(flags & 0x20) && fuzz_dns_nq > 0)
		FUZZ_CHECK(st.res.sec != DNS_SEC_SECURE);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_spf_check: %s (%s) queries %zu\n",
		    spf_result_name(st.res.result), st.res.reason,
		    fuzz_dns_nq);
	free(text);
	return 0;
}
