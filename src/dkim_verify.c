/*
 * dkim_verify.c - RFC 6376 section 6 verification of every DKIM-Signature
 * of a message; see dkim_verify.h.
 *
 * Work is spread so that nothing waits: at the end of the header block
 * each signature is parsed (RFC 6376 6.1.1) and its key look-up started
 * (one per distinct key name); body bytes feed one streamed body hash per
 * distinct (canonicalization, hash, l=) combination (RFC 6376 3.7 / 6.1.3);
 * at the end of the message, once every look-up has answered or timed
 * out, each signature gets its key (6.1.2), body hash and header hash
 * checked (6.1.3) and a result.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "authres.h"
#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_key.h"
#include "dkim_sig.h"
#include "dkim_tag.h"
#include "dkim_verify.h"
#include "dns.h"
#include "log.h"
#include "rfc5322.h"
#include "xmalloc.h"

#define DKIM_VERIFY_KEYNAME_MAX	(2 * DKIM_DOMAIN_MAX + 16)
#define DKIM_VERIFY_HIN_EXTRA	8192	/* header hash input over block */

/* a parsed key record, possibly shared through the cache */
struct dkim_vkeyrec {
	char		*name;
	char		*txt;
	size_t		 txtlen;
	struct dkim_key	 key;
	int		 ok;		/* key parsed */
	const char	*why;		/* else: why not */
	unsigned	 refs;
	unsigned long	 used;		/* cache clock */
};

struct dkim_verify_cache {
	struct dkim_vkeyrec **ent;
	size_t		 n;
	size_t		 max;
	unsigned long	 clock;
	unsigned long	 parsed;
	unsigned long	 hits;
};

/* one key look-up, shared by signatures with the same s= and d= */
struct dkim_vkey {
	struct dkim_verify	*v;
	char			 name[DKIM_VERIFY_KEYNAME_MAX];
	struct dns_query	*q;
	int			 done;
	enum dns_status		 status;
	enum dns_sec		 sec;
	struct dkim_vkeyrec	*rec;	/* when status is DNS_OK */
};

/* one body hash, shared by signatures with the same c=, a= hash, l= */
struct dkim_vbody {
	struct dkim_bodyhash	*bh;
	unsigned char		 digest[CRYPTO_MAX_MD];
	size_t			 dlen;
	long long		 total;	/* canonical body length */
};

enum dkim_vstate {
	VSIG_DECIDED = 0,	/* result known before any look-up */
	VSIG_WAIT		/* needs its key */
};

struct dkim_vsig {
	struct dkim_sig		 sig;
	const struct rfc5322_field *field;
	enum dkim_vstate	 state;
	struct dkim_vkey	*key;
	struct dkim_vbody	*body;
	struct dkim_verify_result res;
};

struct dkim_verify {
	struct dns		*dns;
	struct dkim_verify_conf	 conf;
	const struct rfc5322_hdr *hdr;
	size_t			 hdrlen;	/* sum of raw field lengths */
	int			 hdr_missing;
	int			 headers_seen;
	struct dkim_vsig	*sigs[DKIM_VERIFY_REPORT_MAX];
	size_t			 nsigs;
	size_t			 nskipped;	/* not even reported */
	struct dkim_vkey	*keys[DKIM_VERIFY_REPORT_MAX];
	size_t			 nkeys;
	struct dkim_vbody	*bodies[DKIM_VERIFY_REPORT_MAX];
	size_t			 nbodies;
	size_t			 pending;
	int			 eom;
	int			 finished;
	void			(*done)(void *);
	void			*done_arg;
	struct crypto_hash	*hash;		/* header hash, reused */
	enum crypto_md		 hash_md;	/* ... for this algorithm */
	struct buf		 hin;		/* header hash input */
};

static void	dkim_verify_tags(struct dkim_vsig *);
static void	dkim_verify_copy_tags(struct dkim_vsig *);
static void	dkim_verify_decide(struct dkim_vsig *, enum dkim_result,
		    const char *);
static void	dkim_verify_prepare(struct dkim_verify *, struct dkim_vsig *,
		    size_t);
static struct dkim_vbody *dkim_verify_body_for(struct dkim_verify *,
		    const struct dkim_sig *);
static struct dkim_vkey *dkim_verify_key_for(struct dkim_verify *,
		    const char *);
static void	dkim_verify_key_cb(void *, const struct dns_answer *);
static struct dkim_vkeyrec *dkim_verify_keyrec(struct dkim_verify *,
		    const char *, const struct dns_answer *);
static struct dkim_vkeyrec *dkim_verify_rec_new(const char *, const char *,
		    size_t);
static void	dkim_verify_rec_release(struct dkim_vkeyrec *);
static struct dkim_vkeyrec *dkim_verify_cache_get(struct dkim_verify_cache *,
		    const char *, const char *, size_t);
static void	dkim_verify_cache_put(struct dkim_verify_cache *,
		    struct dkim_vkeyrec *);
static void	dkim_verify_finish(struct dkim_verify *);
static void	dkim_verify_check(struct dkim_verify *, struct dkim_vsig *);
static long long dkim_verify_now(const struct dkim_verify *);

/*
 * dkim_result_name - RFC 8601 2.7.1 result keywords.
 */
const char *
dkim_result_name(enum dkim_result r)
{
	switch (r) {
	case DKIM_RESULT_NONE:
		return "none";
	case DKIM_RESULT_PASS:
		return "pass";
	case DKIM_RESULT_FAIL:
		return "fail";
	case DKIM_RESULT_NEUTRAL:
		return "neutral";
	case DKIM_RESULT_POLICY:
		return "policy";
	case DKIM_RESULT_TEMPERROR:
		return "temperror";
	case DKIM_RESULT_PERMERROR:
		return "permerror";
	}
	return "permerror";
}

/*
 * dkim_verify_new - a verifier for one message with conf (defaults filled
 * in).
 */
struct dkim_verify *
dkim_verify_new(struct dns *dns, const struct dkim_verify_conf *conf)
{
	struct dkim_verify	*v;

	v = xcalloc(1, sizeof(*v));
	v->dns = dns;
	v->conf = *conf;
	if (v->conf.min_rsa_bits == 0)
		v->conf.min_rsa_bits = 1024;
	if (v->conf.skew < 0)
		v->conf.skew = DKIM_VERIFY_SKEW;
	if (v->conf.now == 0)
		v->conf.now = (long long)time(NULL);
	buf_init(&v->hin, 0);
	return v;
}

/*
 * dkim_verify_free - cancel pending look-ups and free everything (NULL is
 * fine).
 */
void
dkim_verify_free(struct dkim_verify *v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nkeys; i++) {
		dns_cancel(v->keys[i]->q);
		if (v->keys[i]->rec != NULL)
			dkim_verify_rec_release(v->keys[i]->rec);
		free(v->keys[i]);
	}
	for (i = 0; i < v->nbodies; i++) {
		dkim_bodyhash_free(v->bodies[i]->bh);
		free(v->bodies[i]);
	}
	for (i = 0; i < v->nsigs; i++)
		free(v->sigs[i]);
	crypto_hash_free(v->hash);
	buf_clear(&v->hin);
	free(v);
}

/*
 * dkim_verify_now - the verification time, for t= and x=.
 */
static long long
dkim_verify_now(const struct dkim_verify *v)
{
	return v->conf.now;
}

/*
 * dkim_verify_decide - set a signature's result now; it needs no key.
 */
static void
dkim_verify_decide(struct dkim_vsig *vs, enum dkim_result r,
    const char *why)
{
	vs->state = VSIG_DECIDED;
	vs->res.result = r;
	vs->res.reason = why;
}

/*
 * dkim_verify_tags - for reporting a signature that did not parse (or is
 * not checked): d=, s=, i=, b= as far as the tag list can be read.
 */
static void
dkim_verify_tags(struct dkim_vsig *vs)
{
	struct dkim_taglist	 tl;
	const struct dkim_tag	*t;
	const char		*why;
	size_t			 i, n;

	if (dkim_tag_parse(&tl, vs->field->value, vs->field->valuelen,
	    &why) == -1)
		return;
	if ((t = dkim_tag_find(&tl, "d")) != NULL &&
	    t->valuelen <= DKIM_DOMAIN_MAX) {
		memcpy(vs->res.d, t->value, t->valuelen);
		vs->res.d[t->valuelen] = '\0';
		vs->res.have_tags = 1;
	}
	if ((t = dkim_tag_find(&tl, "s")) != NULL &&
	    t->valuelen <= DKIM_DOMAIN_MAX) {
		memcpy(vs->res.s, t->value, t->valuelen);
		vs->res.s[t->valuelen] = '\0';
	}
	if ((t = dkim_tag_find(&tl, "i")) != NULL &&
	    t->valuelen <= DKIM_AUID_MAX) {
		memcpy(vs->res.i, t->value, t->valuelen);
		vs->res.i[t->valuelen] = '\0';
		vs->res.has_i = 1;
	}
	if ((t = dkim_tag_find(&tl, "b")) != NULL) {
		/* the first characters of b= without its FWS (RFC 6008 2) */
		for (i = 0, n = 0; i < t->valuelen && n < DKIM_SIG_BPREFIX;
		    i++)
			if (t->value[i] != ' ' && t->value[i] != '\t' &&
			    t->value[i] != '\r' && t->value[i] != '\n')
				vs->res.b[n++] = t->value[i];
		vs->res.b[n] = '\0';
	}
}

/*
 * dkim_verify_copy_tags - the reporting fields from a parsed signature.
 */
static void
dkim_verify_copy_tags(struct dkim_vsig *vs)
{
	vs->res.have_tags = 1;
	snprintf(vs->res.d, sizeof(vs->res.d), "%s", vs->sig.d);
	snprintf(vs->res.s, sizeof(vs->res.s), "%s", vs->sig.s);
	snprintf(vs->res.b, sizeof(vs->res.b), "%s", vs->sig.bprefix);
	vs->res.has_i = vs->sig.has_i;
	if (vs->sig.has_i)
		snprintf(vs->res.i, sizeof(vs->res.i), "%s", vs->sig.i);
}

/*
 * dkim_verify_headers - see dkim_verify.h.
 */
void
dkim_verify_headers(struct dkim_verify *v, const struct rfc5322_hdr *hdr)
{
	struct dkim_vsig	*vs;
	size_t			 i, seen = 0;

	if (v->headers_seen)
		return;
	v->headers_seen = 1;
	v->hdr = hdr;
	if (hdr == NULL) {
		v->hdr_missing = 1;
		return;
	}
	for (i = 0; i < hdr->nfields; i++) {
		v->hdrlen += hdr->fields[i].rawlen;
		if (!rfc5322_name_eq(&hdr->fields[i], "DKIM-Signature"))
			continue;
		if (v->nsigs >= DKIM_VERIFY_REPORT_MAX) {
			v->nskipped++;
			continue;
		}
		vs = xcalloc(1, sizeof(*vs));
		vs->field = &hdr->fields[i];
		vs->res.field = i;
		v->sigs[v->nsigs++] = vs;
		if (seen++ >= v->conf.max_signatures) {
			dkim_verify_tags(vs);
			dkim_verify_decide(vs, DKIM_RESULT_NEUTRAL,
			    "not checked: more than max_signatures");
			continue;
		}
		dkim_verify_prepare(v, vs, rfc5322_count(hdr, "From"));
	}
	/* canonical header fields are never longer than the raw ones,
	 * except for the CRLF relaxed adds to a last line without one */
	buf_clear(&v->hin);
	buf_init(&v->hin, v->hdrlen + DKIM_VERIFY_HIN_EXTRA);
	if (v->nskipped > 0)
		log_warnx("dkim: %zu more DKIM-Signature fields not reported",
		    v->nskipped);
}

/*
 * dkim_verify_prepare - RFC 6376 6.1.1 for one signature, then its body
 * hash and its key look-up. nfrom is the number of From fields: RFC 6376
 * 5.4 / RFC 5322 3.6 want exactly one, and a second, unsigned From is
 * the classic way to show a reader another author than the one signed
 * (RFC 6376 8.15), so anything but one From never passes.
 */
static void
dkim_verify_prepare(struct dkim_verify *v, struct dkim_vsig *vs,
    size_t nfrom)
{
	const char	*why;
	char		 name[DKIM_VERIFY_KEYNAME_MAX];
	long long	 now = dkim_verify_now(v);

	if (dkim_sig_parse(&vs->sig, vs->field->value, vs->field->valuelen,
	    &why) == -1) {
		dkim_verify_tags(vs);
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR, why);
		return;
	}
	dkim_verify_copy_tags(vs);
	if (vs->sig.weak || vs->sig.alg == DKIM_SIG_RSA_SHA1) {
		/* RFC 8301 3.1: MUST NOT be considered valid */
		dkim_verify_decide(vs, DKIM_RESULT_POLICY,
		    "rsa-sha1 is not accepted (RFC 8301)");
		return;
	}
	if (dkim_sig_expired(&vs->sig, now)) {
		/* RFC 6376 3.5 x=, 6.1.1 */
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR,
		    "signature expired");
		return;
	}
	if (vs->sig.t >= 0 && vs->sig.t > now + v->conf.skew) {
		/* RFC 6376 3.5 t=: verifiers MAY ignore future ones */
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR,
		    "signature timestamp in the future");
		return;
	}
	if (nfrom != 1) {
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR, nfrom == 0 ?
		    "no From field" : "more than one From field");
		return;
	}
	if (dkim_sig_keyname(&vs->sig, name, sizeof(name)) == -1) {
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR,
		    "key record name too long");
		return;
	}
	vs->body = dkim_verify_body_for(v, &vs->sig);
	vs->key = dkim_verify_key_for(v, name);
	vs->state = VSIG_WAIT;
}

/*
 * dkim_verify_body_for - the body hash for this signature's body
 * canonicalization, hash and l=, created on first use.
 */
static struct dkim_vbody *
dkim_verify_body_for(struct dkim_verify *v, const struct dkim_sig *sig)
{
	struct dkim_vbody	*b;
	size_t			 i;

	for (i = 0; i < v->nbodies; i++) {
		b = v->bodies[i];
		if (dkim_bodyhash_canon(b->bh) == sig->bcanon &&
		    dkim_bodyhash_md(b->bh) == sig->md &&
		    dkim_bodyhash_limit(b->bh) == sig->l)
			return b;
	}
	b = xcalloc(1, sizeof(*b));
	b->bh = dkim_bodyhash_new(sig->bcanon, sig->md, sig->l);
	v->bodies[v->nbodies++] = b;
	return b;
}

/*
 * dkim_verify_key_for - the look-up of name, started on first use. It
 * answers from the event loop at the earliest (dns.h), so the key's
 * state is always complete before it is read.
 */
static struct dkim_vkey *
dkim_verify_key_for(struct dkim_verify *v, const char *name)
{
	struct dkim_vkey	*k;
	size_t			 i;

	for (i = 0; i < v->nkeys; i++)
		if (strcasecmp(v->keys[i]->name, name) == 0)
			return v->keys[i];
	k = xcalloc(1, sizeof(*k));
	k->v = v;
	snprintf(k->name, sizeof(k->name), "%s", name);
	v->keys[v->nkeys++] = k;
	if (v->dns != NULL)
		k->q = dns_lookup(v->dns, name, DNS_T_TXT, dkim_verify_key_cb,
		    k);
	if (k->q == NULL) {
		k->done = 1;
		k->status = DNS_TEMPFAIL;
		k->sec = DNS_SEC_INSECURE;
	} else
		v->pending++;
	return k;
}

/*
 * dkim_verify_key_cb - a key record answer. A bogus answer is never
 * parsed: its data cannot be trusted (the recipe's rule: check bogus
 * first, whatever the rcode).
 */
static void
dkim_verify_key_cb(void *arg, const struct dns_answer *a)
{
	struct dkim_vkey	*k = arg;
	struct dkim_verify	*v = k->v;

	k->q = NULL;
	k->done = 1;
	k->status = a->status;
	k->sec = a->sec;
	if (a->sec == DNS_SEC_BOGUS)
		k->status = DNS_BOGUS;
	if (k->status == DNS_OK)
		k->rec = dkim_verify_keyrec(v, k->name, a);
	v->pending--;
	if (v->eom && v->pending == 0)
		dkim_verify_finish(v);
}

/*
 * dkim_verify_keyrec - the key record from a TXT answer: the first RR
 * that parses as a DKIM key (RFC 6376 3.6.2.2 leaves several records
 * undefined; the first usable one is the common practice). Each RR's
 * strings are joined by length (RDATA may hold NUL). Through the cache,
 * an answer seen before is not parsed again.
 */
static struct dkim_vkeyrec *
dkim_verify_keyrec(struct dkim_verify *v, const char *name,
    const struct dns_answer *a)
{
	struct dkim_vkeyrec	*rec, *first = NULL;
	char			*txt;
	ssize_t			 n;
	size_t			 i;
	const char		*why;

	txt = xmalloc(DKIM_KEY_TXT_MAX);
	for (i = 0; i < a->nrr; i++) {
		n = dkim_key_txt_concat(a->rr[i].data, a->rr[i].len, txt,
		    DKIM_KEY_TXT_MAX);
		if (n < 0) {
			rec = dkim_verify_rec_new(name, "", 0);
			rec->why = "key record too large or malformed";
		} else if ((rec = dkim_verify_cache_get(v->conf.cache, name,
		    txt, (size_t)n)) == NULL) {
			rec = dkim_verify_rec_new(name, txt, (size_t)n);
			if (dkim_key_parse(&rec->key, txt, (size_t)n,
			    &why) == 0)
				rec->ok = 1;
			else
				rec->why = why;
			if (v->conf.cache != NULL) {
				v->conf.cache->parsed++;
				dkim_verify_cache_put(v->conf.cache, rec);
			}
		}
		if (rec->ok) {
			if (first != NULL)
				dkim_verify_rec_release(first);
			free(txt);
			return rec;
		}
		if (first == NULL)
			first = rec;
		else
			dkim_verify_rec_release(rec);
	}
	free(txt);
	return first;
}

/*
 * dkim_verify_rec_new - an unparsed record holding one reference.
 */
static struct dkim_vkeyrec *
dkim_verify_rec_new(const char *name, const char *txt, size_t len)
{
	struct dkim_vkeyrec	*rec;

	rec = xcalloc(1, sizeof(*rec));
	rec->name = xstrdup(name);
	rec->txt = xmemdup(txt, len > 0 ? len : 1);
	rec->txtlen = len;
	dkim_key_init(&rec->key);
	rec->refs = 1;
	return rec;
}

/*
 * dkim_verify_rec_release - drop one reference to a key record, freeing it
 * with the last.
 */
static void
dkim_verify_rec_release(struct dkim_vkeyrec *rec)
{
	if (rec == NULL || --rec->refs > 0)
		return;
	dkim_key_clear(&rec->key);
	free(rec->name);
	free(rec->txt);
	free(rec);
}

/*
 * dkim_verify_cache_new - an empty key-record cache of at most max
 * entries.
 */
struct dkim_verify_cache *
dkim_verify_cache_new(size_t max)
{
	struct dkim_verify_cache	*c;

	c = xcalloc(1, sizeof(*c));
	c->max = max > 0 ? max : 1;
	c->ent = xcalloc(c->max, sizeof(*c->ent));
	return c;
}

/*
 * dkim_verify_cache_free - drop the cache's references (records still in
 * use live on).
 */
void
dkim_verify_cache_free(struct dkim_verify_cache *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		dkim_verify_rec_release(c->ent[i]);
	free(c->ent);
	free(c);
}

/*
 * dkim_verify_cache_stats - parses done and parses saved.
 */
void
dkim_verify_cache_stats(const struct dkim_verify_cache *c,
    unsigned long *parsed, unsigned long *hits)
{
	*parsed = c != NULL ? c->parsed : 0;
	*hits = c != NULL ? c->hits : 0;
}

/*
 * dkim_verify_cache_get - a new reference to the cached record for
 * exactly this name and text, or NULL.
 */
static struct dkim_vkeyrec *
dkim_verify_cache_get(struct dkim_verify_cache *c, const char *name,
    const char *txt, size_t len)
{
	size_t	 i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < c->n; i++) {
		struct dkim_vkeyrec	*r = c->ent[i];

		if (r->txtlen == len && memcmp(r->txt, txt, len) == 0 &&
		    strcasecmp(r->name, name) == 0) {
			r->used = ++c->clock;
			r->refs++;
			c->hits++;
			return r;
		}
	}
	return NULL;
}

/*
 * dkim_verify_cache_put - keep a reference to rec, evicting the least
 * recently used entry when full.
 */
static void
dkim_verify_cache_put(struct dkim_verify_cache *c, struct dkim_vkeyrec *rec)
{
	size_t	 i, lru = 0;

	if (c->n == c->max) {
		for (i = 1; i < c->n; i++)
			if (c->ent[i]->used < c->ent[lru]->used)
				lru = i;
		dkim_verify_rec_release(c->ent[lru]);
		c->ent[lru] = c->ent[--c->n];
	}
	rec->refs++;
	rec->used = ++c->clock;
	c->ent[c->n++] = rec;
}

/*
 * dkim_verify_body - feed body bytes to every distinct body hash.
 */
void
dkim_verify_body(struct dkim_verify *v, const char *p, size_t len)
{
	size_t	 i;

	if (v->eom)
		return;
	for (i = 0; i < v->nbodies; i++)
		dkim_bodyhash_update(v->bodies[i]->bh, p, len);
}

/*
 * dkim_verify_eom - finish the body hashes; decide now if no look-up is
 * pending, else when the last one answers.
 */
void
dkim_verify_eom(struct dkim_verify *v, void (*done)(void *), void *arg)
{
	size_t	 i;

	if (v->eom)
		return;
	v->eom = 1;
	v->done = done;
	v->done_arg = arg;
	for (i = 0; i < v->nbodies; i++)
		v->bodies[i]->dlen = dkim_bodyhash_final(v->bodies[i]->bh,
		    v->bodies[i]->digest, &v->bodies[i]->total);
	if (v->pending == 0)
		dkim_verify_finish(v);
}

/*
 * dkim_verify_finish - check every signature that waited for its key,
 * then tell the caller.
 */
static void
dkim_verify_finish(struct dkim_verify *v)
{
	size_t	 i;

	if (v->finished)
		return;
	v->finished = 1;
	for (i = 0; i < v->nsigs; i++)
		if (v->sigs[i]->state == VSIG_WAIT)
			dkim_verify_check(v, v->sigs[i]);
	if (v->done != NULL)
		v->done(v->done_arg);
}

/*
 * dkim_verify_check - RFC 6376 6.1.2 (key) and 6.1.3 (hashes) for one
 * signature whose key look-up is complete.
 */
static void
dkim_verify_check(struct dkim_verify *v, struct dkim_vsig *vs)
{
	struct dkim_vkey	*k = vs->key;
	const struct dkim_key	*key;
	struct dkim_vbody	*b = vs->body;
	unsigned char		 digest[CRYPTO_MAX_MD];
	size_t			 dlen;
	const char		*why;
	int			 r;

	vs->state = VSIG_DECIDED;
	vs->res.sec = k->sec;
	vs->res.dns_answered = k->status != DNS_TEMPFAIL;
	switch (k->status) {
	case DNS_BOGUS:
		/* never trusted, never a pass: temporary, the operator
		 * (or the signer) has a broken chain of trust */
		vs->res.sec = DNS_SEC_BOGUS;
		dkim_verify_decide(vs, DKIM_RESULT_TEMPERROR,
		    "key record failed DNSSEC validation");
		return;
	case DNS_TEMPFAIL:
		dkim_verify_decide(vs, DKIM_RESULT_TEMPERROR,
		    v->dns == NULL ? "no DNS resolver" :
		    "key look-up failed or timed out");
		return;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR,
		    "no key record");
		return;
	case DNS_OK:
		break;
	}
	if (k->rec == NULL) {
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR, "no key record");
		return;
	}
	if (!k->rec->ok) {
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR, k->rec->why);
		return;
	}
	key = &k->rec->key;
	if (dkim_key_check(key, &vs->sig, &why) == -1) {
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR, why);
		return;
	}
	vs->res.have_key = 1;
	vs->res.bits = key->bits;
	vs->res.testing = key->testing;
	if (key->alg == CRYPTO_ALG_RSA && key->bits < v->conf.min_rsa_bits) {
		/* RFC 8301 3.2: MUST NOT be considered valid */
		dkim_verify_decide(vs, DKIM_RESULT_POLICY,
		    "RSA key shorter than the minimum (RFC 8301)");
		return;
	}
	/* RFC 6376 6.1.3: the body hash first */
	if (vs->sig.l >= 0 && vs->sig.l > b->total) {
		dkim_verify_decide(vs, DKIM_RESULT_FAIL,
		    "l= is longer than the body");
		return;
	}
	if (b->dlen != vs->sig.bhlen ||
	    memcmp(b->digest, vs->sig.bh, b->dlen) != 0) {
		dkim_verify_decide(vs, DKIM_RESULT_FAIL, "body hash mismatch");
		return;
	}
	/* then the header hash and the signature */
	buf_reset(&v->hin);
	if (dkim_sig_header_input(vs->sig.hcanon, v->hdr, vs->res.field,
	    vs->sig.h, vs->sig.nh, vs->field->raw, vs->field->rawlen,
	    &v->hin) == -1) {
		dkim_verify_decide(vs, DKIM_RESULT_PERMERROR,
		    "cannot compute the header hash");
		return;
	}
	if (v->hash == NULL || v->hash_md != vs->sig.md) {
		crypto_hash_free(v->hash);
		v->hash = crypto_hash_new(vs->sig.md);
		v->hash_md = vs->sig.md;
	}
	crypto_hash_update(v->hash, buf_data(&v->hin), buf_len(&v->hin));
	dlen = crypto_hash_final(v->hash, digest);
	r = crypto_verify(key->key, vs->sig.md, digest, dlen, vs->sig.b,
	    vs->sig.blen);
	if (r == 1)
		dkim_verify_decide(vs, DKIM_RESULT_PASS, NULL);
	else if (r == 0)
		dkim_verify_decide(vs, DKIM_RESULT_FAIL,
		    "signature did not verify");
	else
		dkim_verify_decide(vs, DKIM_RESULT_TEMPERROR,
		    "internal error while verifying");
}

/*
 * dkim_verify_count - results to report: one per signature, or one for a
 * missing header block.
 */
size_t
dkim_verify_count(const struct dkim_verify *v)
{
	return v->hdr_missing ? 1 : v->nsigs;
}

/*
 * dkim_verify_pending - key look-ups still running.
 */
size_t
dkim_verify_pending(const struct dkim_verify *v)
{
	return v->pending;
}

/*
 * dkim_verify_result - result i; with the header block missing, one
 * neutral result stands for the whole message.
 */
const struct dkim_verify_result *
dkim_verify_result(const struct dkim_verify *v, size_t i)
{
	static const struct dkim_verify_result missing = {
		.result = DKIM_RESULT_NEUTRAL,
		.reason = "header block too large to verify",
	};

	if (v->hdr_missing)
		return i == 0 ? &missing : NULL;
	if (i >= v->nsigs)
		return NULL;
	return &v->sigs[i]->res;
}

/*
 * dkim_verify_authres - one dkim= result per signature; see the header.
 */
int
dkim_verify_authres(const struct dkim_verify *v, struct authres *ar)
{
	const struct dkim_verify_result *r;
	struct authres_prop	 p[4];
	char			 comment[64];
	size_t			 i, np;

	if (dkim_verify_count(v) == 0)
		return authres_add(ar, "dkim", "none", NULL, NULL, NULL, 0);
	for (i = 0; i < dkim_verify_count(v); i++) {
		r = dkim_verify_result(v, i);
		np = 0;
		if (r->have_tags) {
			p[np++] = (struct authres_prop){ "header", "d", r->d,
			    AUTHRES_STRLEN };
			p[np++] = (struct authres_prop){ "header", "s", r->s,
			    AUTHRES_STRLEN };
			p[np++] = (struct authres_prop){ "header", "b", r->b,
			    AUTHRES_STRLEN };
			if (r->has_i)
				p[np++] = (struct authres_prop){ "header", "i",
				    r->i, AUTHRES_STRLEN };
		}
		if (r->have_key)
			snprintf(comment, sizeof(comment), "%u-bit key; %s%s",
			    r->bits, dns_sec_name(r->sec),
			    r->testing ? "; test mode" : "");
		else if (r->dns_answered)
			snprintf(comment, sizeof(comment), "%s",
			    dns_sec_name(r->sec));
		if (authres_add(ar, "dkim", dkim_result_name(r->result),
		    r->reason, r->have_key || r->dns_answered ? comment : NULL,
		    p, np) == -1)
			return -1;
	}
	return 0;
}

/*
 * dkim_verify_summary - "dkim=r1,r2" for the per-message log line.
 */
void
dkim_verify_summary(const struct dkim_verify *v, char *buf, size_t bufsz)
{
	size_t	 i, o;
	int	 n;

	n = snprintf(buf, bufsz, "dkim=%s", dkim_verify_count(v) == 0 ?
	    "none" : "");
	if (n < 0 || (size_t)n >= bufsz)
		return;
	o = (size_t)n;
	for (i = 0; i < dkim_verify_count(v); i++) {
		n = snprintf(buf + o, bufsz - o, "%s%s", i > 0 ? "," : "",
		    dkim_result_name(dkim_verify_result(v, i)->result));
		if (n < 0 || (size_t)n >= bufsz - o)
			return;
		o += (size_t)n;
	}
}
