/*
 * dns.h - asynchronous, DNSSEC-validating look-ups through libunbound on
 * the worker's own libevent event_base (ub_ctx_create_event).
 *
 * dns_lookup() never blocks and never calls back before it returns: the
 * callback runs later from the event loop, exactly once, unless the query
 * is cancelled first with dns_cancel(). Each answer says whether the data
 * was DNSSEC-secure, insecure (no trust anchor covers it) or bogus
 * (validation failed: the data must not be trusted; callers treat it as a
 * temporary error, never as a pass).
 *
 * Every query is bounded by the context's timeout (dns_timeout); a timeout
 * is reported as DNS_TEMPFAIL.
 *
 * Ownership: the struct dns_answer and everything it points to belong to
 * dns.c and are valid only during the callback; copy what you keep.
 * Ownership of struct dns: the creator frees it with dns_free(), which
 * cancels every pending query (their callbacks are not called).
 */
#ifndef DKIMGATE_DNS_H
#define DKIMGATE_DNS_H

#include <stddef.h>

struct event_base;
struct dns;
struct dns_query;

enum dns_status {
	DNS_OK = 0,		/* rcode 0 with at least one RR of the type */
	DNS_NXDOMAIN,		/* name does not exist */
	DNS_NODATA,		/* name exists, no RR of that type */
	DNS_TEMPFAIL,		/* SERVFAIL, timeout, other rcode, error */
	DNS_BOGUS		/* DNSSEC validation failed (any rcode) */
};

enum dns_sec {
	DNS_SEC_INSECURE = 0,
	DNS_SEC_SECURE,
	DNS_SEC_BOGUS
};

/* RR types used by dkimgate */
#define DNS_T_A		1
#define DNS_T_PTR	12
#define DNS_T_MX	15
#define DNS_T_TXT	16
#define DNS_T_AAAA	28

struct dns_rr {
	const unsigned char *data;	/* RDATA as on the wire, except that
					 * names inside MX and PTR RDATA are
					 * given as text in name (below) */
	size_t		 len;
	unsigned	 pref;		/* MX preference */
	const char	*name;		/* MX exchange / PTR target, text, no
					 * trailing dot, lower case; else NULL */
};

struct dns_answer {
	enum dns_status	 status;
	enum dns_sec	 sec;
	int		 rcode;
	int		 qtype;
	const char	*qname;
	struct dns_rr	*rr;		/* RRs of qtype in the answer section */
	size_t		 nrr;
	const char	*why_bogus;	/* text from the validator, or NULL */
	long		 elapsed_ms;
};

typedef void (*dns_cb)(void *arg, const struct dns_answer *);

struct dns_conf {
	const char	*resolver;	/* "" / NULL: full recursion; else
					 * forwarders "ADDR[@PORT][,...]" */
	const char	*trust_anchor;	/* file: replaces the root anchor;
					 * NULL: the default root anchor */
	const char	*unbound_config;	/* NULL or unbound.conf */
	int		 timeout;	/* seconds per query */
	int		 no_dnssec;	/* 1: no anchor at all (tests only) */
};

/*
 * dns_new - a resolver on base. Returns NULL with a message in err on a
 * configuration error (bad forwarder, unreadable anchor file).
 */
struct dns	*dns_new(struct event_base *, const struct dns_conf *,
		    char *err, size_t errlen);
void		 dns_free(struct dns *);

/*
 * dns_lookup - start a query for name (text, trailing dot optional) and
 * type. Returns a handle for dns_cancel, or NULL if the query could not
 * be started (then cb is never called).
 */
struct dns_query *dns_lookup(struct dns *, const char *name, int qtype,
		    dns_cb cb, void *arg);
void		 dns_cancel(struct dns_query *);

/* dns_status_name / dns_sec_name - text for logs and A-R comments */
const char	*dns_status_name(enum dns_status);
const char	*dns_sec_name(enum dns_sec);

/*
 * dns_parse_packet - pure parser for a DNS wire-format answer (fuzzable):
 * collects the answer-section RRs of qtype into out (at most maxrr),
 * decompressing names inside MX/PTR RDATA into namebuf (namebufsz bytes).
 * Returns the RR count, or -1 on a malformed packet. RR data pointers
 * point into pkt or namebuf.
 */
int		 dns_parse_packet(const unsigned char *pkt, size_t len,
		    int qtype, struct dns_rr *out, size_t maxrr,
		    char *namebuf, size_t namebufsz, int *rcode);

#endif
