/*
 * dkim_sign.c - RFC 6376 signing: header selection, streamed body
 * hashes, DKIM-Signature fields (rsa-sha256, ed25519-sha256).
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_sign.h"
#include "log.h"
#include "rfc5322.h"
#include "xmalloc.h"

/* one signature of a message */
struct ds_sig {
	const struct crypto_key	*key;
	char			*domain;
	char			*selector;
	char			*ident;		/* i= or NULL */
	enum dkim_canon		 hcanon;
	enum dkim_canon		 bcanon;
};

struct dkim_signer {
	const struct dkim_sign_policy *pol;
	enum dkim_canon		 hcanon;
	enum dkim_canon		 bcanon;
	struct ds_sig		 sig[DKIM_SIGN_MAX_SIGS];
	size_t			 nsig;
	/* one body hash per body canonicalization, shared (index = canon) */
	struct dkim_bodyhash	*bh[2];
};

static void	ds_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static const char *ds_list_next(const char *, size_t *, size_t *);
static ssize_t	ds_name_find(const struct dkim_sign_policy *, const char *,
		    size_t);
static int	ds_name_ok(const char *, size_t);
static int	ds_name_add(struct dkim_sign_policy *, const char *, size_t,
		    int, char *, size_t);
static int	ds_check_label(const char *, size_t);

/*
 * ds_err - format an error message into err.
 */
static void
ds_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * ds_list_next - next item of a comma/space separated list: its start,
 * with *len set, advancing *pos; NULL at the end.
 */
static const char *
ds_list_next(const char *s, size_t *pos, size_t *len)
{
	const char	*p = s + *pos, *q;

	while (*p == ',' || *p == ' ' || *p == '\t' || *p == ':' ||
	    *p == '\r' || *p == '\n')
		p++;
	if (*p == '\0') {
		*pos = (size_t)(p - s);
		return NULL;
	}
	q = p;
	while (*q != '\0' && *q != ',' && *q != ' ' && *q != '\t' &&
	    *q != ':' && *q != '\r' && *q != '\n')
		q++;
	*len = (size_t)(q - p);
	*pos = (size_t)(q - s);
	return p;
}

/*
 * ds_name_ok - 1 if the bytes form a header field name (RFC 5322 3.6.8:
 * printable US-ASCII except colon).
 */
static int
ds_name_ok(const char *p, size_t len)
{
	size_t	 i;

	if (len == 0 || len > 256)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 33 || (unsigned char)p[i] > 126 ||
		    p[i] == ':' || p[i] == ';')
			return 0;
	return 1;
}

/*
 * ds_name_find - index of name in the policy (case-insensitive) or -1.
 */
static ssize_t
ds_name_find(const struct dkim_sign_policy *pol, const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < pol->nnames; i++)
		if (strlen(pol->names[i]) == len &&
		    strncasecmp(pol->names[i], p, len) == 0)
			return (ssize_t)i;
	return -1;
}

/*
 * ds_name_add - add a name to the policy (or mark it oversigned).
 */
static int
ds_name_add(struct dkim_sign_policy *pol, const char *p, size_t len,
    int over, char *err, size_t errlen)
{
	ssize_t	 i;

	if (!ds_name_ok(p, len)) {
		ds_err(err, errlen, "bad header field name \"%.*s\"",
		    (int)(len > 64 ? 64 : len), p);
		return -1;
	}
	if (len == 14 && strncasecmp(p, "DKIM-Signature", 14) == 0) {
		ds_err(err, errlen, "DKIM-Signature cannot be signed "
		    "(RFC 6376 3.5 h=)");
		return -1;
	}
	if ((i = ds_name_find(pol, p, len)) >= 0) {
		if (over)
			pol->over[i] = 1;
		return 0;
	}
	if (pol->nnames >= DKIM_SIGN_MAX_NAMES) {
		ds_err(err, errlen, "more than %d header field names",
		    DKIM_SIGN_MAX_NAMES);
		return -1;
	}
	pol->names[pol->nnames] = xstrndup(p, len);
	pol->over[pol->nnames] = over ? 1 : 0;
	pol->nnames++;
	return 0;
}

/*
 * dkim_sign_policy_new - compile the signing parameters.
 */
struct dkim_sign_policy *
dkim_sign_policy_new(const char *canon, const char *headers,
    const char *oversign, int ttl, char *err, size_t errlen)
{
	struct dkim_sign_policy	*pol;
	const char		*item;
	size_t			 pos, len;

	pol = xcalloc(1, sizeof(*pol));
	pol->names = xcalloc(DKIM_SIGN_MAX_NAMES, sizeof(*pol->names));
	pol->over = xcalloc(DKIM_SIGN_MAX_NAMES, 1);
	pol->hcanon = DKIM_CANON_RELAXED;
	pol->bcanon = DKIM_CANON_RELAXED;
	if (canon != NULL && *canon != '\0' && dkim_canon_parse(canon,
	    strlen(canon), &pol->hcanon, &pol->bcanon) == -1) {
		ds_err(err, errlen, "bad canonicalization \"%s\"", canon);
		goto fail;
	}
	if (ttl < 0) {
		ds_err(err, errlen, "negative signature lifetime");
		goto fail;
	}
	pol->ttl = ttl;
	/* RFC 6376 5.4: the From header field MUST be signed */
	if (ds_name_add(pol, "From", 4, 0, err, errlen) == -1)
		goto fail;
	if (headers == NULL)
		headers = DKIM_SIGN_DEFAULT_HEADERS;
	if (oversign == NULL)
		oversign = DKIM_SIGN_DEFAULT_OVERSIGN;
	pos = 0;
	while ((item = ds_list_next(headers, &pos, &len)) != NULL)
		if (ds_name_add(pol, item, len, 0, err, errlen) == -1)
			goto fail;
	pos = 0;
	while ((item = ds_list_next(oversign, &pos, &len)) != NULL)
		if (ds_name_add(pol, item, len, 1, err, errlen) == -1)
			goto fail;
	return pol;
 fail:
	dkim_sign_policy_free(pol);
	return NULL;
}

/*
 * dkim_sign_policy_free - release a policy (NULL is fine).
 */
void
dkim_sign_policy_free(struct dkim_sign_policy *pol)
{
	size_t	 i;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->nnames; i++)
		free(pol->names[i]);
	free(pol->names);
	free(pol->over);
	free(pol);
}

/*
 * dkim_sign_select - the h= names for a header block.
 */
size_t
dkim_sign_select(const struct dkim_sign_policy *pol,
    const struct rfc5322_hdr *hdr, struct dkim_name *h, size_t max)
{
	size_t	 i, j, c, len, n = 0;

	for (i = 0; i < pol->nnames; i++) {
		len = strlen(pol->names[i]);
		c = 0;
		for (j = 0; hdr != NULL && j < hdr->nfields; j++)
			if (hdr->fields[j].namelen == len &&
			    strncasecmp(hdr->fields[j].name, pol->names[i],
			    len) == 0)
				c++;
		/*
		 * RFC 6376 5.4.2: a name listed once more than it occurs
		 * matches a null field, so adding one more instance later
		 * breaks the signature (oversigning, 8.15).
		 */
		if (pol->over[i])
			c++;
		for (j = 0; j < c; j++) {
			if (n == max) {
				log_warnx("sign: more than %zu header fields "
				    "to sign; the rest are left out", max);
				return n;
			}
			h[n].p = pol->names[i];
			h[n].len = len;
			n++;
		}
	}
	return n;
}

/*
 * ds_check_label - 0 if p is dot-separated labels of letters, digits,
 * '-' and '_' (d= and s=, RFC 6376 3.5: domain-name / selector).
 */
static int
ds_check_label(const char *p, size_t len)
{
	size_t	 i, lab = 0;

	if (len == 0 || len > 253)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
		} else if (isalnum((unsigned char)p[i]) || p[i] == '-' ||
		    p[i] == '_') {
			if (++lab > 63)
				return -1;
		} else
			return -1;
	}
	return lab == 0 ? -1 : 0;
}

/*
 * dkim_signer_new - a signer for one message.
 */
struct dkim_signer *
dkim_signer_new(const struct dkim_sign_policy *pol)
{
	struct dkim_signer	*s;

	s = xcalloc(1, sizeof(*s));
	s->pol = pol;
	s->hcanon = pol->hcanon;
	s->bcanon = pol->bcanon;
	return s;
}

/*
 * dkim_signer_set_canon - canonicalization for the signatures added next.
 */
void
dkim_signer_set_canon(struct dkim_signer *s, enum dkim_canon hdr,
    enum dkim_canon body)
{
	s->hcanon = hdr;
	s->bcanon = body;
}

/*
 * dkim_signer_count - signatures added so far.
 */
size_t
dkim_signer_count(const struct dkim_signer *s)
{
	return s->nsig;
}

/*
 * dkim_signer_add - one more signature for this message.
 */
int
dkim_signer_add(struct dkim_signer *s, const struct crypto_key *key,
    const char *domain, size_t dlen, const char *selector,
    const char *ident, char *err, size_t errlen)
{
	struct ds_sig	*g;

	if (s->nsig >= DKIM_SIGN_MAX_SIGS) {
		ds_err(err, errlen, "more than %d signatures",
		    DKIM_SIGN_MAX_SIGS);
		return -1;
	}
	if (ds_check_label(domain, dlen) == -1) {
		ds_err(err, errlen, "bad signing domain");
		return -1;
	}
	if (ds_check_label(selector, strlen(selector)) == -1) {
		ds_err(err, errlen, "bad selector");
		return -1;
	}
	if (crypto_key_alg(key) != CRYPTO_ALG_RSA &&
	    crypto_key_alg(key) != CRYPTO_ALG_ED25519) {
		ds_err(err, errlen, "unsupported key type");
		return -1;
	}
	g = &s->sig[s->nsig++];
	g->key = key;
	g->domain = xstrndup(domain, dlen);
	g->selector = xstrdup(selector);
	g->ident = ident != NULL ? xstrdup(ident) : NULL;
	g->hcanon = s->hcanon;
	g->bcanon = s->bcanon;
	/* one body hash per body canonicalization, shared by signatures */
	if (s->bh[g->bcanon] == NULL)
		s->bh[g->bcanon] = dkim_bodyhash_new(g->bcanon,
		    CRYPTO_MD_SHA256, -1);
	return 0;
}

/*
 * dkim_signer_body - feed body bytes to every body hash.
 */
void
dkim_signer_body(struct dkim_signer *s, const char *p, size_t len)
{
	if (s->bh[0] != NULL)
		dkim_bodyhash_update(s->bh[0], p, len);
	if (s->bh[1] != NULL)
		dkim_bodyhash_update(s->bh[1], p, len);
}

/*
 * dkim_signer_free - release a signer (NULL is fine).
 */
void
dkim_signer_free(struct dkim_signer *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nsig; i++) {
		free(s->sig[i].domain);
		free(s->sig[i].selector);
		free(s->sig[i].ident);
	}
	dkim_bodyhash_free(s->bh[0]);
	dkim_bodyhash_free(s->bh[1]);
	free(s);
}

/*
 * dkim_signer_finish - build, sign and append every signature.
 */
int
dkim_signer_finish(struct dkim_signer *s, const struct rfc5322_hdr *hdr,
    time_t now, struct buf *out, char *err, size_t errlen)
{
	struct dkim_name	 h[DKIM_SIG_MAXH];
	struct dkim_sig_spec	 spec;
	struct crypto_hash	*hash = NULL;
	struct buf		 field, input;
	unsigned char		 bh[2][CRYPTO_MAX_MD], digest[CRYPTO_MAX_MD];
	unsigned char		 sig[CRYPTO_MAX_SIG];
	size_t			 bhlen[2] = { 0, 0 }, nh, i, dlen, siglen;
	struct ds_sig		*g;
	int			 c, rc = -1;

	if (s->nsig == 0) {
		ds_err(err, errlen, "no signature to make");
		return -1;
	}
	nh = dkim_sign_select(s->pol, hdr, h, DKIM_SIG_MAXH);
	for (c = 0; c < 2; c++)
		if (s->bh[c] != NULL)
			bhlen[c] = dkim_bodyhash_final(s->bh[c], bh[c], NULL);
	buf_init(&field, DKIM_SIGN_FIELD_MAX);
	buf_init(&input, DKIM_SIGN_INPUT_MAX);
	hash = crypto_hash_new(CRYPTO_MD_SHA256);
	for (i = 0; i < s->nsig; i++) {
		g = &s->sig[i];
		memset(&spec, 0, sizeof(spec));
		spec.alg = crypto_key_alg(g->key) == CRYPTO_ALG_RSA ?
		    DKIM_SIG_RSA_SHA256 : DKIM_SIG_ED25519_SHA256;
		spec.hcanon = g->hcanon;
		spec.bcanon = g->bcanon;
		spec.d = g->domain;
		spec.s = g->selector;
		spec.i = g->ident;
		spec.q = 0;
		/* RFC 6376 3.5: t= the signing time, x= its expiry; no l= */
		spec.t = (long long)now;
		spec.x = s->pol->ttl > 0 ? (long long)now + s->pol->ttl : -1;
		spec.h = h;
		spec.nh = nh;
		spec.bh = bh[g->bcanon];
		spec.bhlen = bhlen[g->bcanon];
		buf_reset(&field);
		if (dkim_sig_build(&spec, &field) == -1) {
			ds_err(err, errlen, "cannot build the signature for "
			    "d=%s s=%s", g->domain, g->selector);
			goto out;
		}
		buf_reset(&input);
		if (dkim_sig_header_input(g->hcanon, hdr, SIZE_MAX, h, nh,
		    field.data, field.len, &input) == -1) {
			ds_err(err, errlen, "header hash input too large");
			goto out;
		}
		crypto_hash_update(hash, input.data, input.len);
		dlen = crypto_hash_final(hash, digest);
		siglen = sizeof(sig);
		if (crypto_sign(g->key, digest, dlen, sig, &siglen, err,
		    errlen) == -1)
			goto out;
		if (dkim_sig_add_b(&field, sig, siglen) == -1 ||
		    buf_add(out, field.data, field.len) == -1 ||
		    buf_error(out)) {
			ds_err(err, errlen, "signature field too large");
			goto out;
		}
	}
	rc = 0;
 out:
	crypto_hash_free(hash);
	buf_clear(&field);
	buf_clear(&input);
	return rc;
}
