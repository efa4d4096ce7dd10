/*
 * fuzz_verify.c - libFuzzer harness for the DKIM verifier of
 * dkim_verify.h over whole messages: header splitting, signature
 * parsing, key look-ups, body hashing in random chunks, the signature
 * check and the Authentication-Results output, with a stand-in for dns.h
 * that answers from a fixed table of published test keys (RFC 6376
 * Appendix A, RFC 8463 Appendix A, dkimpy's gmail.com and Exim
 * records), so signed seeds reach the cryptographic check.
 *
 * The stand-in keeps the dns.h contract: dns_lookup never calls back
 * before it returns; the harness delivers the answers afterwards, at a
 * point the first input byte chooses (right after the headers, in the
 * middle of the body, or after end-of-message), as the event loop would.
 * Since it defines dns_new/dns_free/dns_lookup/dns_cancel itself, dns.c
 * is never linked in.
 *
 * Input: a flags byte, 4 bytes seeding the chunk sizes, then a message
 * (CRLF line ends; the header block ends at the first empty line).
 * Invariants: done runs exactly once; no look-up is pending after it;
 * every result has a known value, a field index that names a
 * DKIM-Signature field, NUL-terminated strings; no result is "none" and
 * the count never exceeds the signature fields (a header block the
 * caller could not split, hdr NULL, gives one neutral result at most);
 * pass needs a parsed key;
 * the A-R field for the results can be written.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "buf.h"
#include "dkim_verify.h"
#include "dns.h"
#include "fuzz.h"
#include "dnsstub.h"
#include "rfc5322.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define V_CAP		(1024 * 1024)

static int		 ndone;
static int		 verbose;	/* FUZZ_VERBOSE: print each summary */

/* published test key records (facts from the cited documents) */
static const struct fuzz_dns_record keys[] = {
	/* RFC 6376 Appendix C */
	{ "brisbane._domainkey.example.com", "v=DKIM1; p=MIGfMA0GCSqGSIb3DQ"
	  "EBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2"
	  "SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2"
	  "gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB",
	  DNS_T_TXT },
	/* RFC 8463 Appendix A.2 */
	{ "brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; "
	  "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", DNS_T_TXT },
	{ "test._domainkey.football.example.com", "v=DKIM1; k=rsa; p=MIGfMA0"
	  "GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhd"
	  "R6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz"
	  "1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/"
	  "K4w3QIDAQAB", DNS_T_TXT },
	/* dkimpy tests: test2.message's and ed25519test2.msg's keys */
	{ "20120113._domainkey.gmail.com", "k=rsa; p=MIIBIjANBgkqhkiG9w0BAQE"
	  "FAAOCAQ8AMIIBCgKCAQEA1Kd87/UeJjenpabgbFwh+eBCsSTrqmwIYYvywlbhbqoo2D"
	  "ymndFkbjOVIPIldNs/m40KF+yzMn1skyoxcTUGCQs8g3FgD2Ap3ZB5DekAo5wMmk4w"
	  "imDO+U8QzI3SD07y2+07wlNWwIt8svnxgdxGkVbbhzY8i+RQ9DpSVpPbF7ykQxtKXk"
	  "v/ahW3KjViiAH+ghvvIhkx4xYSIc9oSwVmAl5OctMEeWUwg8Istjqz8BZeTWbf41fb"
	  "Nhte7Y+YqZOwq1Sd0DbvYAD9NOZK9vlfuac0598HY+vtSBczUiKERHv1yRbcaQtZFh"
	  "5wtiRrN04BLUTD21MycBX5jYchHjPY/wIDAQAB", DNS_T_TXT },
	{ "sed._domainkey.test.ex", "v=DKIM1; k=ed25519; "
	  "p=sPs07Vu29FpHT/80UXUcYHFOHifD4o2ZlP2+XUh9g6E=", DNS_T_TXT },
	/* a revoked key and one that is not a key record */
	{ "revoked._domainkey.example.com", "v=DKIM1; p=", DNS_T_TXT },
	{ "junk._domainkey.example.com", "v=spf1 -all", DNS_T_TXT },
};

static void	fuzz_done(void *);

/* fuzz_done - the verifier's end-of-message callback */
static void
fuzz_done(void *arg)
{
	int	*flag = arg;

	(*flag)++;
	ndone++;
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in			 in = { data, size };
	struct dkim_verify_conf		 conf;
	const struct dkim_verify_result	*r;
	struct dkim_verify		*v;
	struct rfc5322_hdr		 hdr;
	struct authres			*ar;
	struct buf			 out;
	const uint8_t			*sep;
	char				*msg, *piece, summary[256];
	size_t				 hlen, blen, off, chunk, i, nsig;
	uint32_t			 seed;
	unsigned			 flags, when;
	int				 done = 0;

	if (size > V_CAP / 4)
		return 0;
	flags = fuzz_byte(&in);
	seed = fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	fuzz_dns_reset(keys, sizeof(keys) / sizeof(keys[0]),
	    (flags & 3) % 3 == 2 ? DNS_SEC_BOGUS : (flags & 3) % 3 == 1 ?
	    DNS_SEC_SECURE : DNS_SEC_INSECURE);
	when = (flags >> 2) & 3;	/* 0: after headers, 1: mid-body,
					 * 2, 3: after end-of-message */
	ndone = 0;

	/* the header block ends with the CRLF before the empty line */
	sep = in.n >= 4 ? memmem(in.p, in.n, "\r\n\r\n", 4) : NULL;
	hlen = sep != NULL ? (size_t)(sep - in.p) + 2 : in.n;
	blen = sep != NULL ? in.n - hlen - 2 : 0;
	msg = fuzz_dup(in.p, in.n);

	rfc5322_hdr_init(&hdr);
	(void)rfc5322_parse(&hdr, msg, hlen, 1000);
	nsig = rfc5322_count(&hdr, "DKIM-Signature");

	memset(&conf, 0, sizeof(conf));
	conf.max_signatures = 1 + (flags >> 4) % 8;
	conf.min_rsa_bits = 1024;
	conf.now = 1700000000LL;
	conf.skew = -1;
	conf.cache = NULL;
	v = dkim_verify_new((struct dns *)&keys, &conf);
	dkim_verify_headers(v, flags & 0x80 ? NULL : &hdr);
	FUZZ_CHECK(done == 0);
	if (when == 0)
		fuzz_dns_answer_all();
	for (off = 0; off < blen; off += chunk) {
		chunk = seed % 3 == 0 ? blen - off : 1 + fuzz_rng(&seed) % 13;
		if (chunk > blen - off)
			chunk = blen - off;
		piece = fuzz_dup(msg + hlen + 2 + off, chunk);
		dkim_verify_body(v, piece, chunk);
		free(piece);
		if (when == 1 && off >= blen / 2)
			fuzz_dns_answer_all();
	}
	dkim_verify_eom(v, fuzz_done, &done);
	fuzz_dns_answer_all();
	FUZZ_CHECK(done == 1 && ndone == 1);
	FUZZ_CHECK(dkim_verify_pending(v) == 0);

	/* no header block (too large to split): one neutral result */
	FUZZ_CHECK(dkim_verify_count(v) <= (flags & 0x80 ? 1 : nsig));
	FUZZ_CHECK(dkim_verify_count(v) <= DKIM_VERIFY_REPORT_MAX);
	for (i = 0; i < dkim_verify_count(v); i++) {
		r = dkim_verify_result(v, i);
		FUZZ_CHECK(r != NULL);
		FUZZ_CHECK(r->result > DKIM_RESULT_NONE &&
		    r->result <= DKIM_RESULT_PERMERROR);
		FUZZ_CHECK(dkim_result_name(r->result) != NULL);
		FUZZ_CHECK((r->result == DKIM_RESULT_PASS) ==
		    (r->reason == NULL));
		if (r->result == DKIM_RESULT_PASS) {
			FUZZ_CHECK(r->have_key && r->bits > 0);
			FUZZ_CHECK(r->dns_answered && r->sec != DNS_SEC_BOGUS);
			FUZZ_CHECK(!(flags & 0x80));
		}
		if (flags & 0x80)
			FUZZ_CHECK(r->result == DKIM_RESULT_NEUTRAL);
		else {
			FUZZ_CHECK(r->field < hdr.nfields);
			FUZZ_CHECK(rfc5322_name_eq(&hdr.fields[r->field],
			    "DKIM-Signature"));
		}
		FUZZ_CHECK(memchr(r->d, '\0', sizeof(r->d)) != NULL);
		FUZZ_CHECK(memchr(r->s, '\0', sizeof(r->s)) != NULL);
		FUZZ_CHECK(memchr(r->b, '\0', sizeof(r->b)) != NULL);
		FUZZ_CHECK(memchr(r->i, '\0', sizeof(r->i)) != NULL);
	}
	dkim_verify_summary(v, summary, sizeof(summary));
	FUZZ_CHECK(memchr(summary, '\0', sizeof(summary)) != NULL);
	if (verbose)
		fprintf(stderr, "fuzz_verify: %s\n", summary);

	ar = authres_new("mx.example.org");
	FUZZ_CHECK(dkim_verify_authres(v, ar) == 0);
	buf_init(&out, V_CAP);
	FUZZ_CHECK(authres_finish(ar, &out, "\r\n") == 0);
	for (i = 0; i < buf_len(&out); i++)
		FUZZ_CHECK(buf_data(&out)[i] != '\n' ||
		    (i > 0 && buf_data(&out)[i - 1] == '\r'));
	buf_clear(&out);
	authres_free(ar);

	dkim_verify_free(v);
	rfc5322_hdr_clear(&hdr);
	free(msg);
	return 0;
}
