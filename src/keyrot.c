/*
 * keyrot.c - the supervisor's key checks: successor keys take over once
 * their DNS record is published and matches (see keyrot.h).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/mman.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "dkim_key.h"
#include "dns.h"
#include "keyrot.h"
#include "keytable.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define KR_ENTRIES	256	/* successor keys tracked at a time */
#define KR_INFLIGHT	16	/* look-ups in flight at a time */
#define KR_MAX_CHECKS	1024	/* key records checked per round */
#define KR_ID_LEN	32	/* SHA-256 */
#define KR_RECYCLE_SLACK 60	/* seconds past drain_timeout */

/* one successor's state, in the shared mapping */
struct kr_entry {
	int64_t		 switched;	/* workers read it; 0 = not yet */
	int64_t		 released;	/* when the table dropped it; 0 =
					 * in use */
	unsigned char	 id[KR_ID_LEN];	/* domain, selector, public key */
	int		 used;
};

enum kr_role {
	KR_CURRENT = 0,		/* a signing key */
	KR_SUCCESSOR		/* a successor key */
};

/* rotation events (dkimgate_key_rotation_events_total) */
enum kr_event {
	KR_EV_SWITCH = 0,
	KR_EV_OVERLAP_END,
	KR_EV_REVERT,
	KR_NEVENTS
};

static const char *const kr_event_names[KR_NEVENTS] = {
	"switch", "overlap-end", "revert"
};

static const char *const kr_result_names[KEYROT_NRESULTS] = {
	"unknown", "match", "missing", "mismatch", "revoked", "bogus",
	"dns-error"
};

/* one key record to look up */
struct kr_check {
	struct keyrot		*kr;
	enum kr_role		 role;
	char			*domain;
	char			*selector;
	char			*prevsel;	/* successor: the old s= */
	const struct crypto_key	*key;		/* the private key */
	unsigned char		 id[KR_ID_LEN];
	struct kr_entry		*ent;		/* successor: its word */
	struct dns_query	*q;
	int			 in_round;
	int			 overlap_done;	/* "overlap over" logged */
	enum keyrot_result	 last;
	enum dns_sec		 lastsec;
};

struct keyrot {
	struct event_base	*base;
	struct metrics		*metrics;
	struct kr_entry		*ent;		/* KR_ENTRIES, shared */
	size_t			 mapsize;
	struct dns		*dns;
	int			 dns_failed;	/* logged for this round */
	char			*resolver;
	char			*anchor;
	char			*ubconf;
	int			 timeout;
	int			 interval;
	int			 overlap;
	int			 drain;
	struct kr_check		*chk;
	size_t			 nchk;
	size_t			 next;		/* next check of the round */
	int			 inflight;
	int			 running;
	struct event		*tick;		/* every key_check_interval */
	struct event		*overlap_ev;
	uint64_t		 nresults[KEYROT_NRESULTS];
	uint64_t		 nevents[KR_NEVENTS];
	int64_t			 last_round;
};

static void	kr_id(const char *, const char *, const struct crypto_key *,
		    unsigned char *);
static struct kr_entry *kr_bind(struct keyrot *, const unsigned char *,
		    time_t);
static void	kr_round(struct keyrot *, int);
static void	kr_pump(struct keyrot *);
static int	kr_dns(struct keyrot *);
static void	kr_answer_cb(void *, const struct dns_answer *);
static void	kr_apply(struct kr_check *, enum keyrot_result, enum dns_sec);
static void	kr_round_end(struct keyrot *);
static void	kr_tick_cb(evutil_socket_t, short, void *);
static void	kr_overlap_cb(evutil_socket_t, short, void *);
static void	kr_overlap_arm(struct keyrot *);
static void	kr_checks_free(struct kr_check *, size_t);
static void	kr_render(struct buf *, void *);
static const char *kr_sec_text(enum dns_sec);

/*
 * keyrot_result_name - text of a result.
 */
const char *
keyrot_result_name(enum keyrot_result r)
{
	if ((unsigned)r >= KEYROT_NRESULTS)
		return "unknown";
	return kr_result_names[r];
}

/*
 * keyrot_classify - what a TXT answer says about a private key; the
 * strings of one TXT RR are joined without separator (RFC 6376
 * 3.6.2.2), and any record with our public key is a match.
 */
enum keyrot_result
keyrot_classify(const struct dns_answer *a, const struct crypto_key *priv)
{
	struct dkim_key	 k;
	const char	*why;
	char		*txt;
	ssize_t		 n;
	size_t		 i;
	int		 other = 0, revoked = 0;

	if (a->status == DNS_BOGUS || a->sec == DNS_SEC_BOGUS)
		return KEYROT_BOGUS;
	if (a->status == DNS_TEMPFAIL)
		return KEYROT_DNSERR;
	if (a->status != DNS_OK)
		return KEYROT_MISSING;
	txt = xmalloc(DKIM_KEY_TXT_MAX);
	for (i = 0; i < a->nrr; i++) {
		n = dkim_key_txt_concat(a->rr[i].data, a->rr[i].len, txt,
		    DKIM_KEY_TXT_MAX);
		dkim_key_init(&k);
		if (n < 0 || dkim_key_parse(&k, txt, (size_t)n, &why) == -1) {
			/* a TXT record that is no key record (yet) */
			continue;
		}
		if (k.revoked)
			revoked = 1;
		else if (crypto_key_same_public(k.key, priv)) {
			dkim_key_clear(&k);
			free(txt);
			return KEYROT_MATCH;
		} else
			other = 1;
		dkim_key_clear(&k);
	}
	free(txt);
	if (other)
		return KEYROT_MISMATCH;
	return revoked ? KEYROT_REVOKED : KEYROT_MISSING;
}

/*
 * keyrot_decide - the successor's new state word.
 */
int64_t
keyrot_decide(int64_t switched, enum keyrot_result r, int64_t now)
{
	switch (r) {
	case KEYROT_MATCH:
		return switched != 0 ? switched : (now > 0 ? now : 1);
	case KEYROT_MISSING:
	case KEYROT_MISMATCH:
	case KEYROT_REVOKED:
		return 0;
	default:
		return switched;
	}
}

/*
 * kr_sec_text - DNSSEC status for log lines.
 */
static const char *
kr_sec_text(enum dns_sec sec)
{
	return sec == DNS_SEC_SECURE ? "secure" : sec == DNS_SEC_BOGUS ?
	    "bogus" : "insecure";
}

/*
 * keyrot_new - state, shared words and timers.
 */
struct keyrot *
keyrot_new(struct event_base *base, struct metrics *m)
{
	struct keyrot	*kr;
	void		*p;
	size_t		 pg, sz;

	pg = (size_t)sysconf(_SC_PAGESIZE);
	sz = (sizeof(struct kr_entry) * KR_ENTRIES + pg - 1) / pg * pg;
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		fatal("key rotation: cannot map shared state");
	kr = xcalloc(1, sizeof(*kr));
	kr->base = base;
	kr->metrics = m;
	kr->ent = p;
	kr->mapsize = sz;
	kr->tick = evtimer_new(base, kr_tick_cb, kr);
	kr->overlap_ev = evtimer_new(base, kr_overlap_cb, kr);
	if (kr->tick == NULL || kr->overlap_ev == NULL)
		fatalx("key rotation: libevent allocation");
	metrics_set_extra(m, kr_render, kr);
	return kr;
}

/*
 * keyrot_free - cancel everything and release the mapping.
 */
void
keyrot_free(struct keyrot *kr)
{
	if (kr == NULL)
		return;
	dns_free(kr->dns);
	kr_checks_free(kr->chk, kr->nchk);
	event_free(kr->tick);
	event_free(kr->overlap_ev);
	munmap(kr->ent, kr->mapsize);
	free(kr->resolver);
	free(kr->anchor);
	free(kr->ubconf);
	free(kr);
}

/*
 * kr_checks_free - free a check array (look-ups already cancelled).
 */
static void
kr_checks_free(struct kr_check *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(c[i].domain);
		free(c[i].selector);
		free(c[i].prevsel);
	}
	free(c);
}

/*
 * kr_id - the identity of a key record: SHA-256 over the domain, the
 * selector (lower case) and the public key.
 */
static void
kr_id(const char *domain, const char *selector,
    const struct crypto_key *key, unsigned char *id)
{
	struct crypto_hash	*h;
	unsigned char		 md[CRYPTO_MAX_MD];
	char			*pub, *sel;
	size_t			 i;

	sel = xstrdup(selector);
	for (i = 0; sel[i] != '\0'; i++)
		sel[i] = tolower((unsigned char)sel[i]);
	pub = crypto_key_public_b64(key);
	h = crypto_hash_new(CRYPTO_MD_SHA256);
	crypto_hash_update(h, domain, strlen(domain) + 1);
	crypto_hash_update(h, sel, strlen(sel) + 1);
	if (pub != NULL)
		crypto_hash_update(h, pub, strlen(pub));
	(void)crypto_hash_final(h, md);
	crypto_hash_free(h);
	memcpy(id, md, KR_ID_LEN);
	free(pub);
	free(sel);
}

/*
 * kr_bind - the shared word for a successor identity: the one it had
 * (its state carries over a reload), else a free one (never used, or
 * dropped longer than drain_timeout ago, so no draining worker of an
 * older generation reads it any more). NULL when all are taken.
 */
static struct kr_entry *
kr_bind(struct keyrot *kr, const unsigned char *id, time_t now)
{
	struct kr_entry	*e, *free_e = NULL;
	size_t		 i;

	for (i = 0; i < KR_ENTRIES; i++) {
		e = &kr->ent[i];
		if (e->used && memcmp(e->id, id, KR_ID_LEN) == 0) {
			e->released = 0;
			return e;
		}
		if (free_e == NULL && (!e->used || (e->released != 0 &&
		    now - e->released > kr->drain + KR_RECYCLE_SLACK)))
			free_e = e;
	}
	if ((e = free_e) == NULL)
		return NULL;
	__atomic_store_n(&e->switched, 0, __ATOMIC_RELEASE);
	memcpy(e->id, id, KR_ID_LEN);
	e->released = 0;
	e->used = 1;
	return e;
}

/*
 * keyrot_set - a new table: bind, rebuild the checks, check successors.
 */
void
keyrot_set(struct keyrot *kr, const struct config *conf,
    struct keytable *kt)
{
	const struct keytable_key *k;
	struct kr_check		*old = kr->chk, *c;
	size_t			 nold = kr->nchk, i, j, n, nk;
	time_t			 now = time(NULL);
	int			 referenced[KR_ENTRIES];
	struct timeval		 tv;

	/* the old round's look-ups die with the resolver */
	dns_free(kr->dns);
	kr->dns = NULL;
	kr->dns_failed = 0;
	kr->inflight = 0;
	kr->running = 0;
	kr->next = 0;
	free(kr->resolver);
	free(kr->anchor);
	free(kr->ubconf);
	kr->resolver = xstrdup(conf->dns_resolver != NULL ?
	    conf->dns_resolver : "");
	kr->anchor = xstrdup(conf->dns_trust_anchor != NULL ?
	    conf->dns_trust_anchor : "");
	kr->ubconf = xstrdup(conf->dns_unbound_config != NULL ?
	    conf->dns_unbound_config : "");
	kr->timeout = conf->dns_timeout;
	kr->interval = conf->key_check_interval;
	kr->overlap = keytable_overlap(kt);
	kr->drain = conf->drain_timeout;

	nk = kt != NULL ? keytable_nkeys(kt) : 0;
	kr->chk = NULL;
	kr->nchk = 0;
	memset(referenced, 0, sizeof(referenced));
	for (i = 0; i < nk; i++) {
		k = keytable_key_at(kt, i);
		if (strcmp(k->domain, "%") == 0)
			continue;
		if (kr->nchk == KR_MAX_CHECKS) {
			log_warnx("key checks: more than %d keys; %s and "
			    "later keys are not checked", KR_MAX_CHECKS,
			    k->where);
			break;
		}
		n = kr->nchk;
		kr->chk = xreallocarray(kr->chk, n + 1, sizeof(*kr->chk));
		c = &kr->chk[n];
		memset(c, 0, sizeof(*c));
		c->kr = kr;
		c->role = k->predecessor != NULL ? KR_SUCCESSOR : KR_CURRENT;
		c->key = k->key;
		kr_id(k->domain, k->selector, k->key, c->id);
		/* the same record listed twice is checked once */
		for (j = 0; j < n; j++)
			if (kr->chk[j].role == c->role &&
			    memcmp(kr->chk[j].id, c->id, KR_ID_LEN) == 0)
				break;
		if (j < n && c->role == KR_CURRENT)
			continue;
		if (c->role == KR_SUCCESSOR) {
			c->ent = j < n ? kr->chk[j].ent : kr_bind(kr, c->id,
			    now);
			if (c->ent == NULL) {
				log_warnx("key rotation: no room for the state "
				    "of d=%s s=%s (%s); it will not take over",
				    k->domain, k->selector, k->where);
				continue;
			}
			keytable_rotation_bind(kt, i, &c->ent->switched);
			referenced[c->ent - kr->ent] = 1;
			if (j < n)
				continue;
			c->prevsel = xstrdup(k->predecessor->selector);
		}
		c->domain = xstrdup(k->domain);
		c->selector = xstrdup(k->selector);
		c->last = KEYROT_UNKNOWN;
		for (j = 0; j < nold; j++)
			if (old[j].role == c->role &&
			    memcmp(old[j].id, c->id, KR_ID_LEN) == 0) {
				c->last = old[j].last;
				c->lastsec = old[j].lastsec;
				c->overlap_done = old[j].overlap_done;
			}
		kr->nchk++;
	}
	kr_checks_free(old, nold);
	for (i = 0; i < KR_ENTRIES; i++)
		if (kr->ent[i].used && !referenced[i] &&
		    kr->ent[i].released == 0)
			kr->ent[i].released = now;

	evtimer_del(kr->tick);
	if (kr->interval > 0) {
		tv.tv_sec = kr->interval;
		tv.tv_usec = 0;
		evtimer_add(kr->tick, &tv);
	}
	kr_overlap_arm(kr);
	kr_round(kr, 0);
}

/*
 * keyrot_busy - look-ups in flight.
 */
int
keyrot_busy(const struct keyrot *kr)
{
	return kr->running;
}

/*
 * keyrot_check_all - a round over every key, now.
 */
void
keyrot_check_all(struct keyrot *kr)
{
	kr_round(kr, 1);
}

/*
 * kr_tick_cb - every key_check_interval: check every key.
 */
static void
kr_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct keyrot	*kr = arg;
	struct timeval	 tv = { kr->interval, 0 };

	evtimer_add(kr->tick, &tv);
	kr_round(kr, 1);
}

/*
 * kr_round - start checking the successors (and, with all, the signing
 * keys too); a round still running is left to finish.
 */
static void
kr_round(struct keyrot *kr, int all)
{
	size_t	 i, n = 0;

	if (kr->running) {
		log_debug("key checks: previous round still running");
		return;
	}
	for (i = 0; i < kr->nchk; i++) {
		kr->chk[i].in_round = all || kr->chk[i].role == KR_SUCCESSOR;
		n += kr->chk[i].in_round;
	}
	if (n == 0)
		return;
	log_debug("key checks: %zu record(s)", n);
	kr->running = 1;
	kr->next = 0;
	kr->dns_failed = 0;
	kr_pump(kr);
}

/*
 * kr_dns - the resolver, made when first needed (and again after a
 * failure, at the next round).
 */
static int
kr_dns(struct keyrot *kr)
{
	struct dns_conf	 dc;
	char		 err[256];

	if (kr->dns != NULL)
		return 0;
	if (kr->dns_failed)
		return -1;
	memset(&dc, 0, sizeof(dc));
	dc.resolver = kr->resolver;
	dc.trust_anchor = kr->anchor[0] != '\0' ? kr->anchor : NULL;
	dc.unbound_config = kr->ubconf[0] != '\0' ? kr->ubconf : NULL;
	dc.timeout = kr->timeout;
	if ((kr->dns = dns_new(kr->base, &dc, err, sizeof(err))) == NULL) {
		log_warnx("key checks: cannot set up the resolver: %s", err);
		kr->dns_failed = 1;
		return -1;
	}
	return 0;
}

/*
 * kr_pump - start look-ups up to the in-flight limit; end the round
 * when nothing is left.
 */
static void
kr_pump(struct keyrot *kr)
{
	struct kr_check	*c;
	char		 name[600];

	while (kr->running && kr->inflight < KR_INFLIGHT &&
	    kr->next < kr->nchk) {
		c = &kr->chk[kr->next++];
		if (!c->in_round)
			continue;
		if (snprintf(name, sizeof(name), "%s._domainkey.%s",
		    c->selector, c->domain) >= (int)sizeof(name) ||
		    kr_dns(kr) == -1 ||
		    (c->q = dns_lookup(kr->dns, name, DNS_T_TXT, kr_answer_cb,
		    c)) == NULL) {
			kr_apply(c, KEYROT_DNSERR, DNS_SEC_INSECURE);
			continue;
		}
		kr->inflight++;
	}
	if (kr->running && kr->inflight == 0 && kr->next >= kr->nchk)
		kr_round_end(kr);
}

/*
 * kr_answer_cb - a key record answer (never called synchronously).
 */
static void
kr_answer_cb(void *arg, const struct dns_answer *a)
{
	struct kr_check	*c = arg;
	struct keyrot	*kr = c->kr;

	c->q = NULL;
	kr->inflight--;
	kr_apply(c, keyrot_classify(a, c->key), a->sec);
	kr_pump(kr);
}

/*
 * kr_apply - log and act on one result.
 */
static void
kr_apply(struct kr_check *c, enum keyrot_result r, enum dns_sec sec)
{
	struct keyrot	*kr = c->kr;
	int64_t		 was, now = (int64_t)time(NULL), is;
	char		 ov[64];
	int		 changed = r != c->last;

	kr->nresults[r]++;
	c->last = r;
	c->lastsec = sec;
	if (c->role == KR_CURRENT) {
		if (r != KEYROT_MATCH && changed)
			log_warnx("key check: d=%s s=%s: the published record "
			    "does not match the signing key (%s)", c->domain,
			    c->selector, keyrot_result_name(r));
		else if (changed)
			log_info("key check: d=%s s=%s: published record "
			    "matches (DNSSEC %s)", c->domain, c->selector,
			    kr_sec_text(sec));
		return;
	}
	was = __atomic_load_n(&c->ent->switched, __ATOMIC_ACQUIRE);
	is = keyrot_decide(was, r, now);
	if (is != was)
		__atomic_store_n(&c->ent->switched, is, __ATOMIC_RELEASE);
	if (was == 0 && is != 0) {
		kr->nevents[KR_EV_SWITCH]++;
		c->overlap_done = kr->overlap == 0;
		ov[0] = '\0';
		if (kr->overlap > 0)
			snprintf(ov, sizeof(ov), "; s=%s signs as well for "
			    "%d s", c->prevsel, kr->overlap);
		log_info("key rotation: d=%s s=%s takes over from s=%s: its "
		    "record is published and matches (DNSSEC %s)%s",
		    c->domain, c->selector, c->prevsel, kr_sec_text(sec), ov);
		kr_overlap_arm(kr);
	} else if (was != 0 && is == 0) {
		kr->nevents[KR_EV_REVERT]++;
		c->overlap_done = 0;
		log_warnx("key rotation: d=%s s=%s: record %s; signing with "
		    "s=%s again", c->domain, c->selector,
		    keyrot_result_name(r), c->prevsel);
	} else if (is == 0 && changed && (r == KEYROT_BOGUS ||
	    r == KEYROT_DNSERR))
		log_warnx("key rotation: d=%s s=%s (successor of s=%s): check "
		    "failed (%s); s=%s goes on signing", c->domain,
		    c->selector, c->prevsel, keyrot_result_name(r),
		    c->prevsel);
	else if (is == 0 && changed)
		log_info("key rotation: d=%s s=%s (successor of s=%s) waits: "
		    "record %s", c->domain, c->selector, c->prevsel,
		    keyrot_result_name(r));
	else if (changed && r != KEYROT_MATCH)
		log_warnx("key rotation: d=%s s=%s: check failed (%s); "
		    "keeping it in use", c->domain, c->selector,
		    keyrot_result_name(r));
	else
		log_debug("key rotation: d=%s s=%s: %s", c->domain,
		    c->selector, keyrot_result_name(r));
}

/*
 * kr_round_end - every look-up of the round is answered.
 */
static void
kr_round_end(struct keyrot *kr)
{
	kr->running = 0;
	kr->last_round = (int64_t)time(NULL);
	log_debug("key checks: round done");
}

/*
 * kr_overlap_arm - wake up when the next overlap ends (to log it).
 */
static void
kr_overlap_arm(struct keyrot *kr)
{
	struct timeval	 tv;
	int64_t		 now = (int64_t)time(NULL), sw, end, soonest = 0;
	size_t		 i;

	evtimer_del(kr->overlap_ev);
	if (kr->overlap <= 0)
		return;
	for (i = 0; i < kr->nchk; i++) {
		if (kr->chk[i].role != KR_SUCCESSOR || kr->chk[i].overlap_done)
			continue;
		sw = __atomic_load_n(&kr->chk[i].ent->switched,
		    __ATOMIC_ACQUIRE);
		if (sw == 0)
			continue;
		end = sw + kr->overlap;
		if (soonest == 0 || end < soonest)
			soonest = end;
	}
	if (soonest == 0)
		return;
	/* a little late rather than early: time() counts whole seconds */
	tv.tv_sec = soonest > now ? soonest - now : 0;
	tv.tv_usec = 50000;
	evtimer_add(kr->overlap_ev, &tv);
}

/*
 * kr_overlap_cb - log the overlaps that are over.
 */
static void
kr_overlap_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct keyrot	*kr = arg;
	struct kr_check	*c;
	int64_t		 now = (int64_t)time(NULL), sw;
	size_t		 i;

	for (i = 0; i < kr->nchk; i++) {
		c = &kr->chk[i];
		if (c->role != KR_SUCCESSOR || c->overlap_done)
			continue;
		sw = __atomic_load_n(&c->ent->switched, __ATOMIC_ACQUIRE);
		if (sw == 0 || now < sw + kr->overlap)
			continue;
		c->overlap_done = 1;
		kr->nevents[KR_EV_OVERLAP_END]++;
		log_info("key rotation: d=%s s=%s: overlap over, s=%s no "
		    "longer signs", c->domain, c->selector, c->prevsel);
	}
	kr_overlap_arm(kr);
}

/*
 * kr_render - the rotation families of the metrics endpoint.
 */
static void
kr_render(struct buf *b, void *arg)
{
	struct keyrot		*kr = arg;
	const struct kr_check	*c;
	const char		*lab[9];
	int64_t			 now = (int64_t)time(NULL), sw;
	size_t			 i;
	int			 st;

	metrics_text_family(b, "dkimgate_key_rotation_state", "gauge",
	    "Per successor key: 0 the old key signs (successor not "
	    "published yet), 1 both sign (rotation_overlap), 2 the "
	    "successor alone.");
	for (i = 0; i < kr->nchk; i++) {
		c = &kr->chk[i];
		if (c->role != KR_SUCCESSOR)
			continue;
		sw = __atomic_load_n(&c->ent->switched, __ATOMIC_ACQUIRE);
		st = sw == 0 ? 0 : (kr->overlap > 0 &&
		    now < sw + kr->overlap) ? 1 : 2;
		lab[0] = "domain";
		lab[1] = c->domain;
		lab[2] = "selector";
		lab[3] = c->prevsel;
		lab[4] = "successor";
		lab[5] = c->selector;
		lab[6] = NULL;
		metrics_text_sample(b, "dkimgate_key_rotation_state", lab,
		    "%d", st);
	}
	metrics_text_family(b, "dkimgate_key_rotation_switch_time_seconds",
	    "gauge", "When the successor key took over, in seconds since "
	    "the epoch; 0 while it has not.");
	for (i = 0; i < kr->nchk; i++) {
		c = &kr->chk[i];
		if (c->role != KR_SUCCESSOR)
			continue;
		lab[0] = "domain";
		lab[1] = c->domain;
		lab[2] = "selector";
		lab[3] = c->prevsel;
		lab[4] = "successor";
		lab[5] = c->selector;
		lab[6] = NULL;
		metrics_text_sample(b,
		    "dkimgate_key_rotation_switch_time_seconds", lab, "%lld",
		    (long long)__atomic_load_n(&c->ent->switched,
		    __ATOMIC_ACQUIRE));
	}
	metrics_text_family(b, "dkimgate_key_record_match", "gauge",
	    "1 if the key's published DNS record matched its private key at "
	    "the last check, else 0 (keys not checked yet are left out).");
	for (i = 0; i < kr->nchk; i++) {
		c = &kr->chk[i];
		if (c->last == KEYROT_UNKNOWN)
			continue;
		lab[0] = "domain";
		lab[1] = c->domain;
		lab[2] = "selector";
		lab[3] = c->selector;
		lab[4] = "role";
		lab[5] = c->role == KR_SUCCESSOR ? "successor" : "signing";
		lab[6] = "result";
		lab[7] = keyrot_result_name(c->last);
		lab[8] = NULL;
		metrics_text_sample(b, "dkimgate_key_record_match", lab, "%d",
		    c->last == KEYROT_MATCH);
	}
	metrics_text_family(b, "dkimgate_key_checks_total", "counter",
	    "Key record look-ups by the supervisor, by result.");
	for (i = 1; i < KEYROT_NRESULTS; i++) {
		lab[0] = "result";
		lab[1] = kr_result_names[i];
		lab[2] = NULL;
		metrics_text_sample(b, "dkimgate_key_checks_total", lab, "%llu",
		    (unsigned long long)kr->nresults[i]);
	}
	metrics_text_family(b, "dkimgate_key_rotation_events_total",
	    "counter", "Key rotation steps: a successor took over, an "
	    "overlap ended, a successor's record went away.");
	for (i = 0; i < KR_NEVENTS; i++) {
		lab[0] = "event";
		lab[1] = kr_event_names[i];
		lab[2] = NULL;
		metrics_text_sample(b, "dkimgate_key_rotation_events_total",
		    lab, "%llu", (unsigned long long)kr->nevents[i]);
	}
	metrics_text_family(b, "dkimgate_key_check_last_round_seconds",
	    "gauge", "When the last round of key checks ended, in seconds "
	    "since the epoch (0: none yet).");
	metrics_text_sample(b, "dkimgate_key_check_last_round_seconds", NULL,
	    "%lld", (long long)kr->last_round);
}
