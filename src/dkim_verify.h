/*
 * dkim_verify.h - RFC 6376 verification of every DKIM-Signature of one
 * message, with the key look-ups running through dns.h while the body
 * arrives, one RFC 8601 result per signature.
 *
 * Life cycle (all on the worker's event loop):
 *   v = dkim_verify_new(dns, &conf)
 *   dkim_verify_headers(v, hdr)   header block complete: parse the
 *                                 signatures, start the key look-ups
 *   dkim_verify_body(v, p, len)   zero or more times (CRLF line ends,
 *                                 dot-stuffing removed)
 *   dkim_verify_eom(v, done, arg) end of message: done(arg) is called
 *                                 exactly once, when every look-up has
 *                                 answered or timed out (maybe before
 *                                 dkim_verify_eom returns)
 *   dkim_verify_count/result()    the results, once done has run
 *   dkim_verify_free(v)           always; cancels pending look-ups (done
 *                                 is then never called)
 *
 * Results (RFC 8601 2.7.1): pass; fail (bad signature, body hash
 * mismatch, l= beyond the body); policy (rsa-sha1, RSA key under the
 * minimum: RFC 8301); neutral (not checked: over max_signatures, or the
 * header block was too large to parse); temperror (DNS timeout, SERVFAIL,
 * any DNSSEC-bogus answer: bogus never passes); permerror (syntax errors,
 * no key record, unusable or revoked key, i=/t=s violations, expired or
 * future-dated signature, missing or repeated From field); none (no
 * signature at all: dkim_verify_count() is 0).
 *
 * Ownership: the verifier keeps pointers into hdr (and the header block
 * it describes), which must outlive it. Results belong to the verifier.
 * The key cache (parsed key records, shared by all messages of a process
 * so that each DNS answer is parsed only once) is owned by its creator.
 */
#ifndef DKIMGATE_DKIM_VERIFY_H
#define DKIMGATE_DKIM_VERIFY_H

#include <stddef.h>

#include "dkim_sig.h"
#include "dns.h"
#include "rfc5322.h"

struct authres;
struct dkim_verify;
struct dkim_verify_cache;

#define DKIM_VERIFY_REPORT_MAX	32	/* signatures reported per message */
#define DKIM_VERIFY_SKEW	300	/* seconds t= may lie in the future */

enum dkim_result {
	DKIM_RESULT_NONE = 0,
	DKIM_RESULT_PASS,
	DKIM_RESULT_FAIL,
	DKIM_RESULT_NEUTRAL,
	DKIM_RESULT_POLICY,
	DKIM_RESULT_TEMPERROR,
	DKIM_RESULT_PERMERROR
};

struct dkim_verify_conf {
	size_t		 max_signatures;	/* checked; the rest: neutral */
	unsigned	 min_rsa_bits;		/* RFC 8301: 1024 */
	long long	 now;			/* 0: the clock */
	long long	 skew;			/* t= allowance; <0: default */
	struct dkim_verify_cache *cache;	/* NULL: no cache */
};

struct dkim_verify_result {
	enum dkim_result result;
	const char	*reason;	/* static text; NULL for pass */
	size_t		 field;		/* index of the DKIM-Signature in hdr */
	int		 have_tags;	/* d, s, b below are known */
	char		 d[DKIM_DOMAIN_MAX + 1];	/* SDID as written */
	char		 s[DKIM_DOMAIN_MAX + 1];
	char		 b[DKIM_SIG_BPREFIX + 1];	/* header.b */
	char		 i[DKIM_AUID_MAX + 1];		/* when has_i */
	int		 has_i;
	int		 have_key;	/* the key record was parsed */
	unsigned	 bits;		/* its size */
	int		 testing;	/* key t=y (RFC 6376 3.6.1) */
	int		 dns_answered;	/* sec below is meaningful */
	enum dns_sec	 sec;		/* DNSSEC status of the key answer */
};

/* dkim_result_name - "pass", "fail", ... as in RFC 8601 */
const char	*dkim_result_name(enum dkim_result);

/*
 * dkim_verify_new - a verifier for one message. dns may be NULL (no
 * resolver could be set up): every signature that needs a key is then a
 * temperror.
 */
struct dkim_verify *dkim_verify_new(struct dns *,
		    const struct dkim_verify_conf *);
void		 dkim_verify_free(struct dkim_verify *);

/*
 * dkim_verify_headers - the header block is complete (hdr NULL: it was
 * too large to be split; the message is reported neutral). Parses every
 * DKIM-Signature field, top to bottom, and starts the key look-ups.
 */
void		 dkim_verify_headers(struct dkim_verify *,
		    const struct rfc5322_hdr *);
void		 dkim_verify_body(struct dkim_verify *, const char *, size_t);
void		 dkim_verify_eom(struct dkim_verify *, void (*done)(void *),
		    void *arg);

/* the results, top to bottom; valid after done ran, until free */
size_t		 dkim_verify_count(const struct dkim_verify *);
const struct dkim_verify_result *dkim_verify_result(
		    const struct dkim_verify *, size_t);
/* dkim_verify_pending - key look-ups still running */
size_t		 dkim_verify_pending(const struct dkim_verify *);

/*
 * dkim_verify_authres - add one "dkim=" result per signature to ar:
 *   dkim=RESULT (N-bit key; secure|insecure) [reason="..."]
 *       header.d=D header.s=S header.b=FIRST8 [header.i=I]
 * or "dkim=none" for an unsigned message. Returns 0 or -1 (ar full).
 */
int		 dkim_verify_authres(const struct dkim_verify *,
		    struct authres *);

/*
 * dkim_verify_summary - "dkim=pass,fail" (or "dkim=none") for the
 * per-message log line, into buf.
 */
void		 dkim_verify_summary(const struct dkim_verify *, char *buf,
		    size_t bufsz);

/*
 * The key cache: parsed key records keyed by (record name, record text),
 * at most max entries, least recently used evicted. A message still asks
 * DNS every time (the answer and its DNSSEC status come from libunbound's
 * own cache); only the parsing is saved.
 */
struct dkim_verify_cache *dkim_verify_cache_new(size_t max);
void		 dkim_verify_cache_free(struct dkim_verify_cache *);
/* dkim_verify_cache_stats - parses done and parses saved so far */
void		 dkim_verify_cache_stats(const struct dkim_verify_cache *,
		    unsigned long *parsed, unsigned long *hits);

#endif
