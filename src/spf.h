/*
 * spf.h - Sender Policy Framework, RFC 7208: check_host() on the
 * asynchronous DNS of dns.h.
 *
 * Two halves:
 *   - pure functions over (ptr, len), fuzzable on their own: the record
 *     parser (spf_record_parse), the macro expander (spf_macro_expand) and
 *     the domain-spec syntax check;
 *   - the evaluator: spf_check() starts check_host() for one identity
 *     (MAIL FROM, or HELO) and reports one struct spf_result through a
 *     callback, later, from the event loop.
 *
 * Event-loop contract (the same as dns.h): spf_check() never calls back
 * before it returns; the callback runs exactly once, from the event loop,
 * unless the check is cancelled first with spf_cancel(). The handle is
 * freed by spf.c right after the callback returns: do not cancel it from
 * or after the callback. spf_cancel() cancels every pending DNS query.
 * The struct dns and the event_base must outlive the check.
 *
 * All work is bounded: at most SPF_MAX_DNS_MECH terms that cause DNS
 * look-ups (RFC 7208 4.6.4), SPF_MAX_VOID void look-ups, SPF_MAX_NAMES
 * MX or PTR names per term, records of at most SPF_RECORD_MAX bytes with
 * at most SPF_MAX_TERMS terms, macro output of at most SPF_DOMAIN_MAX - 1
 * characters for names (left labels are dropped to fit, RFC 7208 7.3) and
 * SPF_EXPLAIN_MAX - 1 for explanations, and an overall deadline
 * (RFC 7208 4.6.4: at least 20 seconds; spf_input.deadline_ms).
 *
 * Ownership: struct spf_input is copied by spf_check(); the caller may
 * free it at once. The struct spf_result given to the callback belongs to
 * spf.c and is valid only during the callback: copy what you keep.
 */
#ifndef DKIMGATE_SPF_H
#define DKIMGATE_SPF_H

#include <stddef.h>
#include <time.h>

#include "dns.h"

struct event_base;
struct spf_req;

#define SPF_MAX_DNS_MECH	10	/* RFC 7208 4.6.4 */
#define SPF_MAX_VOID		2	/* RFC 7208 4.6.4 */
#define SPF_MAX_NAMES		10	/* MX / PTR names per term, 4.6.4 */
#define SPF_RECORD_MAX		4096	/* longer TXT record: permerror */
#define SPF_MAX_TERMS		256	/* more terms: permerror */
#define SPF_DOMAIN_MAX		254	/* 253 characters + NUL (7.3) */
#define SPF_SENDER_MAX		512	/* local@domain; longer: none */
#define SPF_EXPLAIN_MAX		512
#define SPF_REASON_MAX		160
#define SPF_DEADLINE_MS		20000	/* default overall limit */

enum spf_res {
	SPF_RES_NONE = 0,
	SPF_RES_NEUTRAL,
	SPF_RES_PASS,
	SPF_RES_FAIL,
	SPF_RES_SOFTFAIL,
	SPF_RES_TEMPERROR,
	SPF_RES_PERMERROR
};

enum spf_identity {
	SPF_ID_MAILFROM = 0,	/* RFC 7208 2.4 */
	SPF_ID_HELO		/* RFC 7208 2.3 */
};

/*
 * Input to one check. Strings may be NULL (taken as ""). client_ip is
 * text: "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" or Postfix's
 * "IPv6:2001:db8::1". With identity SPF_ID_MAILFROM and an empty
 * mail_from (the null reverse-path), the identity checked becomes HELO,
 * as "postmaster@HELO" (RFC 7208 2.4). receiver is the name for %{r}
 * ("unknown" when empty). now is the time for %{t} (0: time(NULL)).
 * deadline_ms bounds the whole check (0: SPF_DEADLINE_MS); when it passes
 * the result is temperror.
 */
struct spf_input {
	const char		*client_ip;
	const char		*helo;
	const char		*mail_from;	/* reverse-path without <> */
	const char		*receiver;
	enum spf_identity	 identity;
	time_t			 now;
	long			 deadline_ms;
};

/*
 * The result of check_host() for one identity.
 *   sender:      the <sender> checked: "local@domain" (postmaster@HELO for
 *                the HELO identity or the null reverse-path)
 *   domain:      the <domain> check_host() started with (lower case), or
 *                "" when it was not a usable domain name
 *   explanation: for fail, the expanded exp= text (RFC 7208 6.2), or ""
 *                when the record gave none (use a local default then).
 *                Untrusted text: printable ASCII and spaces only.
 *   sec:         DNSSEC status of the answers used: DNS_SEC_SECURE only if
 *                every answer the result depends on was secure
 *   reason:      short text for logs and A-R comments, e.g.
 *                "mechanism -all matched"; safe for an RFC 5322 comment
 *                (printable ASCII without parentheses or backslash)
 *   lookups, voids: DNS-mechanism and void look-ups counted (4.6.4)
 */
struct spf_result {
	enum spf_res		 result;
	enum spf_identity	 identity;
	char			 sender[SPF_SENDER_MAX];
	char			 domain[SPF_DOMAIN_MAX];
	char			 explanation[SPF_EXPLAIN_MAX];
	enum dns_sec		 sec;
	char			 reason[SPF_REASON_MAX];
	int			 lookups;
	int			 voids;
};

typedef void (*spf_done_fn)(void *arg, const struct spf_result *);

/*
 * spf_check - start check_host() for in. Returns the handle, or NULL if
 * the check could not be started (never: allocation failure is fatal;
 * NULL only for NULL base/dns/done). Every outcome, including bad input,
 * is reported through done.
 */
struct spf_req	*spf_check(struct event_base *, struct dns *,
		    const struct spf_input *in, spf_done_fn done, void *arg);

/* spf_cancel - stop a check before its callback; accepts NULL */
void		 spf_cancel(struct spf_req *);

/* spf_result_name - "none", "neutral", "pass", ... (RFC 8601 2.7.2) */
const char	*spf_result_name(enum spf_res);

/* ---- pure functions (no DNS, no allocation) ---- */

enum spf_term_kind {
	SPF_T_ALL = 0,
	SPF_T_INCLUDE,
	SPF_T_A,
	SPF_T_MX,
	SPF_T_PTR,
	SPF_T_IP4,
	SPF_T_IP6,
	SPF_T_EXISTS,
	SPF_T_REDIRECT,		/* modifiers from here on */
	SPF_T_EXP,
	SPF_T_UNKNOWN_MOD
};

/*
 * One parsed term. text/textlen is the whole term as written; arg/arglen
 * the domain-spec (a, mx, ptr, include, exists, redirect, exp) or the
 * macro-string of an unknown modifier, NULL when absent. Pointers point
 * into the record given to spf_record_parse().
 */
struct spf_term {
	enum spf_term_kind	 kind;
	char			 qualifier;	/* '+' '-' '~' '?' */
	const char		*text;
	size_t			 textlen;
	const char		*arg;
	size_t			 arglen;
	int			 cidr4;		/* 0..32, default 32 */
	int			 cidr6;		/* 0..128, default 128 */
	unsigned char		 addr[16];	/* ip4 (4 bytes) / ip6 */
};

struct spf_record {
	struct spf_term		*terms;		/* caller's array */
	size_t			 nterms;
	int			 redirect;	/* index of redirect=, -1 */
	int			 exp;		/* index of exp=, -1 */
	int			 has_all;	/* an "all" mechanism exists */
};

/*
 * spf_record_is_spf - does the TXT text start with "v=spf1" (any case)
 * followed by a space or the end (RFC 7208 4.5)?
 */
int	spf_record_is_spf(const char *p, size_t len);

/*
 * spf_record_count_terms - an upper bound of the number of terms, for
 * sizing the array given to spf_record_parse().
 */
size_t	spf_record_count_terms(const char *p, size_t len);

/*
 * spf_record_parse - parse a whole SPF record (RFC 7208 4.6, 5, 6, 12)
 * into rec, using terms[0..maxterms). Every term is checked, so a syntax
 * error anywhere is reported (4.6). Returns 0, or -1 with a short
 * description (escaped, safe for logs) in err.
 */
int	spf_record_parse(const char *p, size_t len, struct spf_record *rec,
	    struct spf_term *terms, size_t maxterms, char *err,
	    size_t errlen);

/* Contexts for macro strings (RFC 7208 7.1) */
enum spf_macro_ctx_kind {
	SPF_MACRO_DOMAIN = 0,	/* domain-spec: no c, r, t; no spaces */
	SPF_MACRO_EXPLAIN,	/* explain-string: all letters, spaces */
	SPF_MACRO_MODIFIER	/* unknown-modifier macro-string */
};

/*
 * spf_domain_spec_check - is p/len a valid domain-spec (RFC 7208 7.1:
 * macro-string domain-end, letters c/r/t excluded)? Returns 0 or -1.
 */
int	spf_domain_spec_check(const char *p, size_t len);

/*
 * spf_macro_check - is p/len a valid macro-string (or explain-string) in
 * the given context? Returns 0 or -1.
 */
int	spf_macro_check(const char *p, size_t len, enum spf_macro_ctx_kind);

/* spf_macro_uses - does the macro-string expand the letter (e.g. 'p')? */
int	spf_macro_uses(const char *p, size_t len, int letter);

/*
 * Values for the macro letters (RFC 7208 7.3), NUL-terminated; NULL is
 * taken as "". i is the dotted-quad or dot-separated nibbles, c the
 * readable address, v "in-addr" or "ip6", p the validated name or
 * "unknown", r the receiver or "unknown", t the time.
 */
struct spf_macro_vars {
	const char	*s, *l, *o, *d, *i, *p, *v, *h, *c, *r;
	long long	 t;
};

/*
 * spf_macro_expand - expand p/len in context ctx into out (outsz bytes,
 * always NUL-terminated when outsz > 0), storing the length in *outlen.
 * Returns 0, -1 on a syntax error, -2 when the output did not fit.
 * For SPF_MACRO_DOMAIN the caller then applies spf_domain_truncate().
 */
int	spf_macro_expand(const char *p, size_t len, enum spf_macro_ctx_kind,
	    const struct spf_macro_vars *, char *out, size_t outsz,
	    size_t *outlen);

/*
 * spf_domain_truncate - RFC 7208 7.3: drop a trailing dot, then remove
 * left-hand labels until the name is at most 253 characters. A name that
 * is still longer (one label is left) stays as it is, for spf_domain_ok
 * to refuse. Works in place on the NUL-terminated s; returns the new
 * length.
 */
size_t	spf_domain_truncate(char *s);

/*
 * spf_domain_ok - is the name usable in a DNS query (labels 1..63 bytes,
 * at most 253 in all, no NUL)? A name that is not is treated as
 * non-existent (RFC 7208 4.3, 5).
 */
int	spf_domain_ok(const char *s, size_t len);

/*
 * spf_domain_valid_identity - is the name a usable <domain> for the start
 * of check_host() (RFC 7208 4.3: a fully qualified, multi-label name with
 * valid labels and a valid top label)?
 */
int	spf_domain_valid_identity(const char *s, size_t len);

#endif
