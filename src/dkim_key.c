/*
 * dkim_key.c - DKIM key records (RFC 6376 3.6.1, RFC 8463 4.2): one
 * handler per tag, and the key/signature pairing checks of 6.1.2.
 */
#include "autoconf.h"

#include <string.h>

#include "crypto.h"
#include "dkim_key.h"
#include "dkim_sig.h"
#include "dkim_tag.h"
#include "log.h"

/* decoded p= octets accepted: an RSA-16384 SubjectPublicKeyInfo is
 * about 2100 octets */
#define KEY_DER_MAX	3072

struct key_handler {
	const char	*name;
	int		(*fn)(struct dkim_key *, const struct dkim_tag *,
			    const char **);
};

static int	 keytag_v(struct dkim_key *, const struct dkim_tag *,
		    const char **);
static int	 keytag_h(struct dkim_key *, const struct dkim_tag *,
		    const char **);
static int	 keytag_k(struct dkim_key *, const struct dkim_tag *,
		    const char **);
static int	 keytag_s(struct dkim_key *, const struct dkim_tag *,
		    const char **);
static int	 keytag_t(struct dkim_key *, const struct dkim_tag *,
		    const char **);
static int	 keytag_p(struct dkim_key *, const struct dkim_tag *,
		    const char **);

/*
 * The handlers run in this order, so that p= is decoded once k= is
 * known. n= (notes) and unknown tags are ignored (RFC 6376 3.6.1).
 */
static const struct key_handler key_handlers[] = {
	{ "v",	keytag_v },
	{ "h",	keytag_h },
	{ "k",	keytag_k },
	{ "s",	keytag_s },
	{ "t",	keytag_t },
	{ "p",	keytag_p },
};
#define NHANDLERS	(sizeof(key_handlers) / sizeof(key_handlers[0]))

/*
 * keytag_v - v= is exactly "DKIM1" (%x44.4B.49.4D.31: case matters, and
 * "DKIM1.0" is not it). Its position is checked by dkim_key_parse().
 */
static int
keytag_v(struct dkim_key *k, const struct dkim_tag *t, const char **why)
{
	(void)k;
	if (t->valuelen != 5 || memcmp(t->value, "DKIM1", 5) != 0) {
		*why = "unsupported key record version";
		return -1;
	}
	return 0;
}

/* keytag_h - h=: acceptable hashes; unknown names are ignored */
static int
keytag_h(struct dkim_key *k, const struct dkim_tag *t, const char **why)
{
	const char	*pos = t->value, *end = t->value + t->valuelen, *item;
	size_t		 len;
	int		 r;

	k->hashes = 0;
	while ((r = dkim_tag_list_next(&pos, end, &item, &len)) == 1) {
		if (dkim_ci_eq(item, len, "sha256"))
			k->hashes |= DKIM_KEY_H_SHA256;
		else if (dkim_ci_eq(item, len, "sha1"))
			k->hashes |= DKIM_KEY_H_SHA1;
	}
	if (r == -1 || t->valuelen == 0) {
		*why = "bad h= tag in key record";
		return -1;
	}
	return 0;
}

/* keytag_k - k=: rsa (default) or ed25519 (RFC 8463 4.1) */
static int
keytag_k(struct dkim_key *k, const struct dkim_tag *t, const char **why)
{
	if (dkim_ci_eq(t->value, t->valuelen, "rsa"))
		k->alg = CRYPTO_ALG_RSA;
	else if (dkim_ci_eq(t->value, t->valuelen, "ed25519"))
		k->alg = CRYPTO_ALG_ED25519;
	else {
		*why = "unknown key type";
		return -1;
	}
	return 0;
}

/* keytag_s - s=: service types; the key is for us if "*" or "email" */
static int
keytag_s(struct dkim_key *k, const struct dkim_tag *t, const char **why)
{
	const char	*pos = t->value, *end = t->value + t->valuelen, *item;
	size_t		 len;
	int		 r;

	k->service_ok = 0;
	while ((r = dkim_tag_list_next(&pos, end, &item, &len)) == 1)
		if (dkim_ci_eq(item, len, "*") || dkim_ci_eq(item, len, "email"))
			k->service_ok = 1;
	if (r == -1 || t->valuelen == 0) {
		*why = "bad s= tag in key record";
		return -1;
	}
	return 0;
}

/* keytag_t - t=: flags y (testing) and s (strict i=); others ignored */
static int
keytag_t(struct dkim_key *k, const struct dkim_tag *t, const char **why)
{
	const char	*pos = t->value, *end = t->value + t->valuelen, *item;
	size_t		 len;
	int		 r;

	while ((r = dkim_tag_list_next(&pos, end, &item, &len)) == 1) {
		if (dkim_ci_eq(item, len, "y"))
			k->testing = 1;
		else if (dkim_ci_eq(item, len, "s"))
			k->strict = 1;
	}
	if (r == -1 || t->valuelen == 0) {
		*why = "bad t= tag in key record";
		return -1;
	}
	return 0;
}

/*
 * keytag_p - p=: base64 public key; empty means revoked (RFC 6376 3.6.1).
 * The key is built for the k= type.
 */
static int
keytag_p(struct dkim_key *k, const struct dkim_tag *t, const char **why)
{
	unsigned char	 der[KEY_DER_MAX];
	char		 err[256], safe[300];
	ssize_t		 n;

	if (t->valuelen == 0) {
		k->revoked = 1;
		return 0;
	}
	if ((n = crypto_b64_decode(t->value, t->valuelen, der,
	    sizeof(der))) <= 0) {
		*why = "bad base64 in p= tag";
		return -1;
	}
	if ((k->key = crypto_pubkey_from_dkim(k->alg, der, (size_t)n, err,
	    sizeof(err))) == NULL) {
		log_debug("dkim key: %s", log_escape(safe, sizeof(safe), err,
		    strlen(err)));
		*why = "unusable public key";
		return -1;
	}
	if (crypto_key_alg(k->key) != k->alg) {
		*why = "key does not match k=";
		return -1;
	}
	k->bits = crypto_key_bits(k->key);
	return 0;
}

/* dkim_key_init - an empty record with the RFC 6376 3.6.1 defaults */
void
dkim_key_init(struct dkim_key *k)
{
	memset(k, 0, sizeof(*k));
	k->alg = CRYPTO_ALG_RSA;
	k->hashes = DKIM_KEY_H_ALL;
	k->service_ok = 1;
}

/* dkim_key_clear - free the key and reset to defaults */
void
dkim_key_clear(struct dkim_key *k)
{
	crypto_key_free(k->key);
	dkim_key_init(k);
}

/*
 * dkim_key_parse - lex the record, check v= comes first, run the tag
 * handlers; p= is required.
 */
int
dkim_key_parse(struct dkim_key *k, const char *txt, size_t len,
    const char **why)
{
	struct dkim_taglist tl;
	const struct dkim_tag *t;
	size_t		 i;

	dkim_key_clear(k);
	if (len > DKIM_KEY_TXT_MAX) {
		*why = "key record too long";
		return -1;
	}
	if (dkim_tag_parse(&tl, txt, len, why) == -1)
		return -1;
	/* RFC 6376 3.6.1 v=: "This tag MUST be the first tag" */
	if ((t = dkim_tag_find(&tl, "v")) != NULL && t != &tl.tag[0]) {
		*why = "v= is not the first tag";
		return -1;
	}
	if (dkim_tag_find(&tl, "p") == NULL) {
		*why = "missing p= tag";
		return -1;
	}
	for (i = 0; i < NHANDLERS; i++) {
		if ((t = dkim_tag_find(&tl, key_handlers[i].name)) == NULL)
			continue;
		if (key_handlers[i].fn(k, t, why) == -1) {
			dkim_key_clear(k);
			return -1;
		}
	}
	return 0;
}

/*
 * dkim_key_check - RFC 6376 6.1.2 steps 6 to 8 and 3.10 for one
 * signature.
 */
int
dkim_key_check(const struct dkim_key *k, const struct dkim_sig *sig,
    const char **why)
{
	int	 need;

	if (!k->service_ok) {
		*why = "key not for email";
		return -1;
	}
	need = sig->md == CRYPTO_MD_SHA1 ? DKIM_KEY_H_SHA1 : DKIM_KEY_H_SHA256;
	if ((k->hashes & need) == 0) {
		*why = "inappropriate hash algorithm";
		return -1;
	}
	if (k->revoked || k->key == NULL) {
		*why = "key revoked";
		return -1;
	}
	if (k->alg != sig->keyalg) {
		*why = "inappropriate key algorithm";
		return -1;
	}
	if (k->strict && !dkim_ci_eq(sig->i + sig->idomain,
	    strlen(sig->i + sig->idomain), sig->d)) {
		*why = "i= domain differs from d= (t=s)";
		return -1;
	}
	return 0;
}

/*
 * dkim_key_txt_concat - join TXT character-strings by length (RFC 6376
 * 3.6.2.2; RFC 1035 3.3.14: one length octet, then that many octets).
 */
ssize_t
dkim_key_txt_concat(const unsigned char *rdata, size_t len, char *out,
    size_t outsz)
{
	size_t	 i = 0, o = 0, n;

	while (i < len) {
		n = rdata[i++];
		if (n > len - i || n > outsz - o)
			return -1;
		memcpy(out + o, rdata + i, n);
		o += n;
		i += n;
	}
	return (ssize_t)o;
}
