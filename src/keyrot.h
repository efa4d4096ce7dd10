/*
 * keyrot.h - key rotation without an outage, decided by the supervisor.
 *
 * A key in the key table may have a successor (keytable.h). The
 * supervisor looks the successor's record up with its own
 * DNSSEC-validating resolver (dns.h, on the supervisor's event loop) at
 * start-up, after every reload (SIGHUP) and every key_check_interval,
 * and compares the published p= with the successor's private key, as
 * "dkimgate testkey" does. Only when the record is published and matches
 * (DNSSEC secure or insecure; never bogus) does the successor take over;
 * a definite answer that it is gone again (no record, another key, a
 * revoked key) hands signing back to the old key; a failed look-up
 * (timeout, SERVFAIL, bogus) changes nothing.
 *
 * How the decision reaches the workers: one 64-bit word per successor in
 * an anonymous shared mapping made before the workers fork (0: not taken
 * over; else the time it took over), bound to the key through
 * keytable_rotation_bind(). The supervisor stores it, the workers load
 * it on every lookup: no worker is restarted for a switch, so no session
 * is cut. The words are keyed by the successor's identity (domain,
 * selector, public key), so a reload that keeps the successor keeps its
 * state, and workers of an older generation that are still draining keep
 * reading a word that stays valid (a word no longer in use is recycled
 * only drain_timeout after it was dropped).
 *
 * The signing keys themselves (those with a fixed domain) are checked
 * every key_check_interval too, the first time one interval after
 * start-up; a missing or different record is logged.
 *
 * Every step is logged and exported as metrics (metrics.h, extra
 * families): dkimgate_key_rotation_state, _switch_time_seconds,
 * dkimgate_key_record_match, dkimgate_key_checks_total,
 * dkimgate_key_rotation_events_total.
 *
 * Ownership: struct keyrot belongs to the supervisor (keyrot_free); the
 * table and configuration given to keyrot_set() are not owned and must
 * stay valid until the next keyrot_set() or keyrot_free().
 */
#ifndef DKIMGATE_KEYROT_H
#define DKIMGATE_KEYROT_H

#include <stdint.h>

#include "config.h"
#include "crypto.h"
#include "dns.h"

struct event_base;
struct keyrot;
struct keytable;
struct metrics;

/* what a look-up of a key record said about a private key */
enum keyrot_result {
	KEYROT_UNKNOWN = 0,	/* not checked (yet) */
	KEYROT_MATCH,		/* a key record with the same public key */
	KEYROT_MISSING,		/* no such name, no TXT, no key record */
	KEYROT_MISMATCH,	/* key record(s), none with this key */
	KEYROT_REVOKED,		/* only revoked records (empty p=) */
	KEYROT_BOGUS,		/* DNSSEC validation failed */
	KEYROT_DNSERR,		/* timeout, SERVFAIL, other errors */
	KEYROT_NRESULTS
};

/* keyrot_result_name - "match", "missing", ... (metric labels, logs) */
const char	*keyrot_result_name(enum keyrot_result);

/*
 * keyrot_classify - pure: what answer a (a TXT look-up of
 * SELECTOR._domainkey.DOMAIN) says about private key priv. A bogus
 * answer is KEYROT_BOGUS whatever its data (dns.h).
 */
enum keyrot_result keyrot_classify(const struct dns_answer *a,
		    const struct crypto_key *priv);

/*
 * keyrot_decide - pure: the new state word of a successor, given the
 * current one (0 or the time it took over), a fresh result and the time
 * now (> 0): a match keeps or sets the time, missing/mismatch/revoked
 * reset it to 0, anything else leaves it.
 */
int64_t		 keyrot_decide(int64_t switched, enum keyrot_result,
		    int64_t now);

/*
 * keyrot_new - the supervisor's rotation state on base; its shared
 * mapping is made here, so call it before the first fork. It adds its
 * metric families to m (may be NULL). Never returns NULL (fatal if the
 * mapping cannot be made: a start-up error).
 */
struct keyrot	*keyrot_new(struct event_base *, struct metrics *);

/*
 * keyrot_set - take over a freshly loaded table (before the workers
 * that use it fork): bind its successors to their shared words, cancel
 * the checks of the previous table, and check every successor at once.
 */
void		 keyrot_set(struct keyrot *, const struct config *,
		    struct keytable *);

/* keyrot_busy - look-ups in flight (tests) */
int		 keyrot_busy(const struct keyrot *);

/* keyrot_check_all - start a round over every key now (tests) */
void		 keyrot_check_all(struct keyrot *);

void		 keyrot_free(struct keyrot *);

#endif
