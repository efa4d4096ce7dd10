/*
 * crypto.c - keys, SHA-256, RSA and Ed25519 signatures and base64 over
 * OpenSSL 3 EVP. The only file that includes OpenSSL headers.
 *
 * Speed: message digests are fetched once per process (md_cache); every
 * key keeps its operation contexts initialised (RSA: an EVP_PKEY_CTX set
 * up for PKCS#1 v1.5 + SHA-256 signing and one for verifying; Ed25519: an
 * EVP_MD_CTX each), so a signature costs one EVP call and no parsing or
 * algorithm fetching. OpenSSL 3.0 allows EVP_PKEY_sign()/verify() and the
 * one-shot EVP_DigestSign()/Verify() to be repeated on an initialised
 * context; should a later version refuse that for EdDSA, the context is
 * re-initialised and the call retried once.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "log.h"
#include "xmalloc.h"

/* a key file larger than this is not a key */
#define CRYPTO_KEYFILE_MAX	(64 * 1024)

/* RSA sizes accepted (RFC 8301 3.2 sets the lower bound for use; the
 * upper bound limits the CPU a hostile key record can cost) */
#define CRYPTO_RSA_MIN_BITS	512
#define CRYPTO_RSA_MAX_BITS	16384

#define ED25519_KEYLEN		32
#define ED25519_SIGLEN		64

struct crypto_key {
	EVP_PKEY	*pkey;
	enum crypto_alg	 alg;
	int		 priv;
	unsigned	 bits;
	EVP_PKEY_CTX	*rsa_sign;	/* RSA private: sign_init done */
	EVP_PKEY_CTX	*rsa_verify;	/* RSA: verify_init done, SHA-256 */
	EVP_MD_CTX	*ed_sign;	/* Ed25519 private: DigestSignInit */
	EVP_MD_CTX	*ed_verify;	/* Ed25519: DigestVerifyInit done */
};

struct crypto_hash {
	EVP_MD_CTX	*ctx;
	const EVP_MD	*md;
	enum crypto_md	 which;
};

static const EVP_MD	*md_get(enum crypto_md);
static void	 err_set(char *, size_t, const char *);
static struct crypto_key *key_wrap(EVP_PKEY *, int, char *, size_t);
static EVP_PKEY_CTX *rsa_ctx_new(EVP_PKEY *, int, enum crypto_md);
static int	 ed_sign_init(struct crypto_key *);
static int	 ed_verify_init(struct crypto_key *);
static int	 no_password_cb(char *, int, int, void *);
static int	 b64_is_space(unsigned char);
static EVP_PKEY	*seed_parse(const char *, size_t);

static EVP_MD	*md_cache[3];

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_value - alphabet index of each octet, -1 if not in the alphabet */
static const signed char b64_value[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
};

/*
 * md_get - the EVP_MD for a digest, fetched from the default provider on
 * first use and kept for the life of the process.
 */
static const EVP_MD *
md_get(enum crypto_md which)
{
	const char	*name;

	switch (which) {
	case CRYPTO_MD_SHA256:
		name = "SHA2-256";
		break;
	case CRYPTO_MD_SHA1:
		name = "SHA1";
		break;
	default:
		fatalx("crypto: unknown digest %d", (int)which);
	}
	if (md_cache[which] == NULL &&
	    (md_cache[which] = EVP_MD_fetch(NULL, name, NULL)) == NULL) {
		char	 err[512];

		err_set(err, sizeof(err), name);
		fatalx("crypto: cannot fetch digest %s", err);
	}
	return md_cache[which];
}

/*
 * err_set - "what: <OpenSSL error queue>" into err; empties the queue so
 * that stale errors never show up in a later message.
 */
static void
err_set(char *err, size_t errlen, const char *what)
{
	unsigned long	 e;
	size_t		 n;
	int		 first = 1;
	char		 one[256];

	if (err == NULL || errlen == 0) {
		ERR_clear_error();
		return;
	}
	snprintf(err, errlen, "%s", what);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, one, sizeof(one));
		n = strlen(err);
		if (n + 1 < errlen)
			snprintf(err + n, errlen - n, "%s%s",
			    first ? ": " : "; ", one);
		first = 0;
	}
}

/*
 * no_password_cb - refuse encrypted PEM keys instead of letting OpenSSL
 * prompt on a terminal.
 */
static int
no_password_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/*
 * rsa_ctx_new - an EVP_PKEY_CTX initialised for RSASSA-PKCS1-v1_5 signing
 * (sign = 1) or verifying with the given digest's DigestInfo.
 */
static EVP_PKEY_CTX *
rsa_ctx_new(EVP_PKEY *pkey, int sign, enum crypto_md md)
{
	EVP_PKEY_CTX	*ctx;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		return NULL;
	if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md_get(md)) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * ed_sign_init / ed_verify_init - (re)initialise the key's Ed25519
 * context for one-shot pure EdDSA (no digest: RFC 8463 3).
 */
static int
ed_sign_init(struct crypto_key *k)
{
	if (k->ed_sign == NULL && (k->ed_sign = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit_ex(k->ed_sign, NULL, NULL, NULL, NULL,
	    k->pkey, NULL) <= 0)
		return -1;
	return 0;
}

static int
ed_verify_init(struct crypto_key *k)
{
	if (k->ed_verify == NULL && (k->ed_verify = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestVerifyInit_ex(k->ed_verify, NULL, NULL, NULL, NULL,
	    k->pkey, NULL) <= 0)
		return -1;
	return 0;
}

/*
 * key_wrap - take ownership of pkey (freed on failure too), check that it
 * is an RSA or Ed25519 key of a sane size and set up its contexts.
 */
static struct crypto_key *
key_wrap(EVP_PKEY *pkey, int priv, char *err, size_t errlen)
{
	struct crypto_key *k;
	int		 bits;

	if (pkey == NULL)
		return NULL;
	k = xcalloc(1, sizeof(*k));
	k->pkey = pkey;
	k->priv = priv;
	bits = EVP_PKEY_get_bits(pkey);
	k->bits = bits > 0 ? (unsigned)bits : 0;
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		k->alg = CRYPTO_ALG_RSA;
		if (k->bits < CRYPTO_RSA_MIN_BITS ||
		    k->bits > CRYPTO_RSA_MAX_BITS) {
			snprintf(err, errlen, "unsupported RSA key size %u",
			    k->bits);
			goto fail;
		}
		if (priv && (k->rsa_sign = rsa_ctx_new(pkey, 1,
		    CRYPTO_MD_SHA256)) == NULL) {
			err_set(err, errlen, "RSA sign setup");
			goto fail;
		}
		if ((k->rsa_verify = rsa_ctx_new(pkey, 0,
		    CRYPTO_MD_SHA256)) == NULL) {
			err_set(err, errlen, "RSA verify setup");
			goto fail;
		}
	} else if (EVP_PKEY_is_a(pkey, "ED25519")) {
		k->alg = CRYPTO_ALG_ED25519;
		if (priv && ed_sign_init(k) == -1) {
			err_set(err, errlen, "Ed25519 sign setup");
			goto fail;
		}
		if (ed_verify_init(k) == -1) {
			err_set(err, errlen, "Ed25519 verify setup");
			goto fail;
		}
	} else {
		snprintf(err, errlen, "unsupported key type %s",
		    EVP_PKEY_get0_type_name(pkey) != NULL ?
		    EVP_PKEY_get0_type_name(pkey) : "(unknown)");
		goto fail;
	}
	return k;
 fail:
	crypto_key_free(k);
	return NULL;
}

/*
 * b64_is_space - the whitespace crypto_b64_decode() skips: SP, HTAB, CR,
 * LF (DKIM allows FWS anywhere inside b=, bh= and p=, RFC 6376 2.10).
 */
static int
b64_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * seed_parse - an Ed25519 private key from text that is only the base64
 * of the 32-byte secret (RFC 8463 Appendix A.1 style), or NULL.
 */
static EVP_PKEY *
seed_parse(const char *p, size_t len)
{
	unsigned char	 seed[ED25519_KEYLEN + 3];
	ssize_t		 n;
	EVP_PKEY	*pkey = NULL;

	n = crypto_b64_decode(p, len, seed, sizeof(seed));
	if (n == ED25519_KEYLEN)
		pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL,
		    seed, ED25519_KEYLEN);
	OPENSSL_cleanse(seed, sizeof(seed));
	return pkey;
}

/*
 * crypto_key_parse - private key from memory: PEM (PKCS#1 or PKCS#8) or
 * the base64 of an Ed25519 seed.
 */
struct crypto_key *
crypto_key_parse(const void *data, size_t len, char *err, size_t errlen)
{
	const char	*p = data;
	size_t		 i;
	EVP_PKEY	*pkey;
	BIO		*bio;

	if (len > CRYPTO_KEYFILE_MAX) {
		snprintf(err, errlen, "key data too large");
		return NULL;
	}
	for (i = 0; i < len && b64_is_space((unsigned char)p[i]); i++)
		;
	if (len - i >= 5 && memcmp(p + i, "-----", 5) == 0) {
		if ((bio = BIO_new_mem_buf(p, (int)len)) == NULL) {
			err_set(err, errlen, "BIO_new_mem_buf");
			return NULL;
		}
		pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, no_password_cb,
		    NULL, NULL, NULL);
		BIO_free(bio);
		if (pkey == NULL) {
			err_set(err, errlen, "cannot parse PEM private key");
			return NULL;
		}
	} else if ((pkey = seed_parse(p, len)) == NULL) {
		err_set(err, errlen, "not a PEM private key nor the base64 "
		    "of a 32-byte Ed25519 seed");
		return NULL;
	}
	ERR_clear_error();
	return key_wrap(pkey, 1, err, errlen);
}

/*
 * crypto_key_load - read a private key file (at most 64 KiB) and parse
 * it; the file contents are wiped from memory afterwards.
 */
struct crypto_key *
crypto_key_load(const char *path, char *err, size_t errlen)
{
	struct crypto_key *k;
	struct stat	 st;
	char		*data;
	size_t		 len = 0;
	ssize_t		 n = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CRYPTO_KEYFILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most "
		    "%d bytes", path, CRYPTO_KEYFILE_MAX);
		close(fd);
		return NULL;
	}
	data = xmalloc(CRYPTO_KEYFILE_MAX + 1);
	for (;;) {
		n = read(fd, data + len, CRYPTO_KEYFILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (len > CRYPTO_KEYFILE_MAX)
			break;
	}
	close(fd);
	if (n == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		k = NULL;
	} else if (len > CRYPTO_KEYFILE_MAX) {
		snprintf(err, errlen, "%s: file too large", path);
		k = NULL;
	} else if ((k = crypto_key_parse(data, len, err, errlen)) == NULL) {
		char	 why[384];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s", path, why);
	}
	OPENSSL_cleanse(data, CRYPTO_KEYFILE_MAX + 1);
	free(data);
	return k;
}

/*
 * crypto_pubkey_from_dkim - public key from a decoded DKIM p= value.
 * RSA: SubjectPublicKeyInfo DER (what RFC 6376 3.6.1 means in practice,
 * erratum 3017) or a bare RSAPublicKey; Ed25519: 32 raw octets.
 * Trailing octets after the DER structure are refused.
 */
struct crypto_key *
crypto_pubkey_from_dkim(enum crypto_alg alg, const unsigned char *p,
    size_t len, char *err, size_t errlen)
{
	const unsigned char *q;
	EVP_PKEY	*pkey = NULL;

	switch (alg) {
	case CRYPTO_ALG_RSA:
		if (len == 0 || len > CRYPTO_KEYFILE_MAX) {
			snprintf(err, errlen, "bad RSA key length");
			return NULL;
		}
		q = p;
		pkey = d2i_PUBKEY(NULL, &q, (long)len);
		if (pkey != NULL && (q != p + len ||
		    !EVP_PKEY_is_a(pkey, "RSA"))) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
			ERR_clear_error();
			snprintf(err, errlen, "p= is not an RSA public key");
			return NULL;
		}
		if (pkey == NULL) {
			ERR_clear_error();
			q = p;
			pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q,
			    (long)len);
			if (pkey != NULL && q != p + len) {
				EVP_PKEY_free(pkey);
				pkey = NULL;
			}
		}
		if (pkey == NULL) {
			err_set(err, errlen, "cannot decode RSA public key");
			return NULL;
		}
		break;
	case CRYPTO_ALG_ED25519:
		if (len != ED25519_KEYLEN) {
			snprintf(err, errlen, "Ed25519 key is not 32 octets");
			return NULL;
		}
		pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL,
		    p, len);
		if (pkey == NULL) {
			err_set(err, errlen, "cannot use Ed25519 key");
			return NULL;
		}
		break;
	default:
		snprintf(err, errlen, "unknown key algorithm");
		return NULL;
	}
	ERR_clear_error();
	return key_wrap(pkey, 0, err, errlen);
}

/*
 * crypto_key_generate - a fresh private key (RSA of bits bits, or
 * Ed25519).
 */
struct crypto_key *
crypto_key_generate(enum crypto_alg alg, unsigned bits, char *err,
    size_t errlen)
{
	EVP_PKEY	*pkey;

	switch (alg) {
	case CRYPTO_ALG_RSA:
		if (bits < 1024 || bits > CRYPTO_RSA_MAX_BITS) {
			snprintf(err, errlen, "RSA key size must be 1024 to "
			    "%d bits", CRYPTO_RSA_MAX_BITS);
			return NULL;
		}
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
		break;
	case CRYPTO_ALG_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		snprintf(err, errlen, "unknown key algorithm");
		return NULL;
	}
	if (pkey == NULL) {
		err_set(err, errlen, "key generation failed");
		return NULL;
	}
	return key_wrap(pkey, 1, err, errlen);
}

/*
 * crypto_key_free - release a key and its contexts; NULL is fine.
 */
void
crypto_key_free(struct crypto_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_CTX_free(k->rsa_sign);
	EVP_PKEY_CTX_free(k->rsa_verify);
	EVP_MD_CTX_free(k->ed_sign);
	EVP_MD_CTX_free(k->ed_verify);
	EVP_PKEY_free(k->pkey);
	free(k);
}

/* crypto_key_alg - RSA or Ed25519 */
enum crypto_alg
crypto_key_alg(const struct crypto_key *k)
{
	return k->alg;
}

/* crypto_key_bits - modulus size for RSA, 256 for Ed25519 */
unsigned
crypto_key_bits(const struct crypto_key *k)
{
	return k->bits;
}

/* crypto_key_is_private - 1 if the key can sign */
int
crypto_key_is_private(const struct crypto_key *k)
{
	return k->priv;
}

/*
 * crypto_key_public_b64 - the p= value for the key's DNS record:
 * SubjectPublicKeyInfo DER (RSA) or the 32 raw octets (Ed25519, RFC 8463
 * 4.2), base64. Returns NULL on an internal error.
 */
char *
crypto_key_public_b64(const struct crypto_key *k)
{
	unsigned char	*der = NULL, raw[ED25519_KEYLEN];
	size_t		 len, outsz;
	char		*out;
	int		 n;

	if (k->alg == CRYPTO_ALG_ED25519) {
		len = sizeof(raw);
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &len) != 1) {
			ERR_clear_error();
			return NULL;
		}
		outsz = 4 * ((len + 2) / 3) + 1;
		out = xmalloc(outsz);
		crypto_b64_encode(raw, len, out, outsz);
		return out;
	}
	if ((n = i2d_PUBKEY(k->pkey, &der)) <= 0) {
		ERR_clear_error();
		return NULL;
	}
	len = (size_t)n;
	outsz = 4 * ((len + 2) / 3) + 1;
	out = xmalloc(outsz);
	crypto_b64_encode(der, len, out, outsz);
	OPENSSL_free(der);
	return out;
}

/*
 * crypto_key_same_public - 1 if both keys have the same public part
 * (a private key and the public key from its DNS record compare equal).
 */
int
crypto_key_same_public(const struct crypto_key *a,
    const struct crypto_key *b)
{
	int	 r;

	if (a == NULL || b == NULL || a->alg != b->alg)
		return 0;
	r = EVP_PKEY_eq(a->pkey, b->pkey);
	ERR_clear_error();
	return r == 1;
}

/*
 * crypto_key_write_private - write the private key as PEM to a new file
 * of mode 0600; on failure the partial file is removed.
 */
int
crypto_key_write_private(const struct crypto_key *k, const char *path,
    char *err, size_t errlen)
{
	OSSL_ENCODER_CTX *ectx = NULL;
	BIO		*bio = NULL;
	int		 fd, ok = 0;

	if (!k->priv) {
		snprintf(err, errlen, "not a private key");
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if ((bio = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL) {
		err_set(err, errlen, "BIO_new_fd");
		goto done;
	}
	if (k->alg == CRYPTO_ALG_RSA) {
		/* "type-specific" is PKCS#1: BEGIN RSA PRIVATE KEY */
		ectx = OSSL_ENCODER_CTX_new_for_pkey(k->pkey,
		    OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM", "type-specific", NULL);
		if (ectx == NULL || OSSL_ENCODER_to_bio(ectx, bio) != 1) {
			err_set(err, errlen, "cannot encode RSA key");
			goto done;
		}
	} else if (PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0,
	    NULL, NULL) != 1) {
		err_set(err, errlen, "cannot encode Ed25519 key");
		goto done;
	}
	if (BIO_flush(bio) != 1) {
		err_set(err, errlen, "BIO_flush");
		goto done;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	ok = 1;
 done:
	OSSL_ENCODER_CTX_free(ectx);
	BIO_free(bio);
	if (close(fd) == -1 && ok) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ok = 0;
	}
	if (!ok)
		unlink(path);
	return ok ? 0 : -1;
}

/*
 * crypto_hash_new - an incremental hash; one EVP_MD_CTX, reused after
 * every crypto_hash_final().
 */
struct crypto_hash *
crypto_hash_new(enum crypto_md which)
{
	struct crypto_hash *h;

	h = xcalloc(1, sizeof(*h));
	h->which = which;
	h->md = md_get(which);
	if ((h->ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("crypto: EVP_MD_CTX_new failed");
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1)
		fatalx("crypto: EVP_DigestInit_ex2 failed");
	return h;
}

/* crypto_hash_update - add n octets */
void
crypto_hash_update(struct crypto_hash *h, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (EVP_DigestUpdate(h->ctx, p, n) != 1)
		fatalx("crypto: EVP_DigestUpdate failed");
}

/*
 * crypto_hash_final - write the digest, return its length, and start
 * the hash again for the next use.
 */
size_t
crypto_hash_final(struct crypto_hash *h, unsigned char out[CRYPTO_MAX_MD])
{
	unsigned int	 len = 0;

	if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1)
		fatalx("crypto: EVP_DigestFinal_ex failed");
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1)
		fatalx("crypto: EVP_DigestInit_ex2 failed");
	return len;
}

/* crypto_hash_free - release a hash; NULL is fine */
void
crypto_hash_free(struct crypto_hash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

/* crypto_md_len - digest length in octets */
size_t
crypto_md_len(enum crypto_md which)
{
	switch (which) {
	case CRYPTO_MD_SHA256:
		return 32;
	case CRYPTO_MD_SHA1:
		return 20;
	}
	return 0;
}

/*
 * crypto_sign - sign a SHA-256 digest: RSASSA-PKCS1-v1_5 (RFC 6376 3.3.2)
 * or pure Ed25519 over the 32 digest octets (RFC 8463 3).
 */
int
crypto_sign(const struct crypto_key *k, const unsigned char *digest,
    size_t dlen, unsigned char *sig, size_t *siglen, char *err,
    size_t errlen)
{
	struct crypto_key *mk = (struct crypto_key *)k;	/* contexts only */
	size_t		 n;

	if (!k->priv) {
		snprintf(err, errlen, "not a private key");
		return -1;
	}
	if (dlen != crypto_md_len(CRYPTO_MD_SHA256)) {
		snprintf(err, errlen, "digest is not SHA-256");
		return -1;
	}
	if (k->alg == CRYPTO_ALG_RSA) {
		n = *siglen;
		if (EVP_PKEY_sign(k->rsa_sign, sig, &n, digest, dlen) != 1) {
			err_set(err, errlen, "RSA signing failed");
			return -1;
		}
		*siglen = n;
		return 0;
	}
	if (*siglen < ED25519_SIGLEN) {
		snprintf(err, errlen, "signature buffer too small");
		return -1;
	}
	n = *siglen;
	if (EVP_DigestSign(k->ed_sign, sig, &n, digest, dlen) != 1) {
		/* a context that refuses reuse: set it up again, once */
		ERR_clear_error();
		n = *siglen;
		if (ed_sign_init(mk) == -1 ||
		    EVP_DigestSign(k->ed_sign, sig, &n, digest, dlen) != 1) {
			err_set(err, errlen, "Ed25519 signing failed");
			return -1;
		}
	}
	*siglen = n;
	return 0;
}

/*
 * crypto_verify - check a signature over a digest. A signature of the
 * wrong size, or one OpenSSL rejects for any reason, is "not valid" (0);
 * -1 only for misuse (digest length not that of md, unusable key).
 */
int
crypto_verify(const struct crypto_key *k, enum crypto_md md,
    const unsigned char *digest, size_t dlen, const unsigned char *sig,
    size_t siglen)
{
	struct crypto_key *mk = (struct crypto_key *)k;	/* contexts only */
	EVP_PKEY_CTX	*ctx;
	int		 r;

	if (dlen != crypto_md_len(md) || dlen == 0)
		return -1;
	if (k->alg == CRYPTO_ALG_RSA) {
		if (siglen != (size_t)EVP_PKEY_get_size(k->pkey))
			return 0;
		if (md == CRYPTO_MD_SHA256)
			ctx = k->rsa_verify;
		else if ((ctx = rsa_ctx_new(k->pkey, 0, md)) == NULL) {
			ERR_clear_error();
			return -1;
		}
		r = EVP_PKEY_verify(ctx, sig, siglen, digest, dlen);
		if (ctx != k->rsa_verify)
			EVP_PKEY_CTX_free(ctx);
		ERR_clear_error();
		return r == 1;
	}
	/* ed25519-sha256 is the only Ed25519 algorithm (RFC 8463 3) */
	if (md != CRYPTO_MD_SHA256 || siglen != ED25519_SIGLEN)
		return 0;
	r = EVP_DigestVerify(k->ed_verify, sig, siglen, digest, dlen);
	if (r < 0) {
		ERR_clear_error();
		if (ed_verify_init(mk) == -1) {
			ERR_clear_error();
			return -1;
		}
		r = EVP_DigestVerify(k->ed_verify, sig, siglen, digest, dlen);
	}
	ERR_clear_error();
	return r == 1;
}

/*
 * crypto_b64_encode - RFC 4648 base64 with padding, NUL-terminated.
 * Returns the text length, or 0 (and an empty string if possible) when
 * out is too small.
 */
size_t
crypto_b64_encode(const void *in, size_t n, char *out, size_t outsz)
{
	const unsigned char *p = in;
	size_t		 i, o = 0;
	unsigned	 v;

	if (n > (((size_t)-1) - 1) / 4 * 3 - 3 ||
	    outsz < 4 * ((n + 2) / 3) + 1) {
		if (outsz > 0)
			out[0] = '\0';
		return 0;
	}
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64_alphabet[(v >> 6) & 0x3f];
		out[o++] = b64_alphabet[v & 0x3f];
	}
	if (n - i == 1) {
		v = (unsigned)p[i] << 16;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3f];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64_alphabet[(v >> 6) & 0x3f];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/*
 * crypto_b64_decode - strict RFC 4648 base64: SP, HTAB, CR and LF are
 * skipped anywhere; any other octet outside the alphabet, "=" anywhere
 * but at the end of the last quantum, more than two "=", data after "=",
 * or a last quantum that is incomplete and unpadded is an error (-1).
 * Non-zero padding bits are accepted (RFC 4648 3.5 leaves that to the
 * decoder; a signer's choice there does not change the decoded bytes
 * DKIM uses). Returns the decoded length, or -1 (also if out is full).
 */
ssize_t
crypto_b64_decode(const char *in, size_t len, unsigned char *out,
    size_t outsz)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t		 i, o = 0;
	unsigned	 acc = 0, q = 0, pad = 0;
	int		 v;

	for (i = 0; i < len; i++) {
		if (b64_is_space(p[i]))
			continue;
		if (p[i] == '=') {
			/* padding completes a quantum of 2 or 3 sextets */
			if (q + pad < 2 || q + pad >= 4)
				return -1;
			pad++;
			continue;
		}
		if ((v = b64_value[p[i]]) < 0 || pad > 0)
			return -1;
		acc = acc << 6 | (unsigned)v;
		if (++q == 4) {
			if (outsz - o < 3)
				return -1;
			out[o++] = (acc >> 16) & 0xff;
			out[o++] = (acc >> 8) & 0xff;
			out[o++] = acc & 0xff;
			acc = 0;
			q = 0;
		}
	}
	if (pad == 0) {
		if (q != 0)
			return -1;
		return (ssize_t)o;
	}
	if (q + pad != 4)
		return -1;
	if (q == 2) {
		if (outsz - o < 1)
			return -1;
		out[o++] = (acc >> 4) & 0xff;
	} else {
		if (outsz - o < 2)
			return -1;
		out[o++] = (acc >> 10) & 0xff;
		out[o++] = (acc >> 2) & 0xff;
	}
	return (ssize_t)o;
}

/* crypto_random - fill buf from OpenSSL's CSPRNG */
int
crypto_random(void *buf, size_t len)
{
	if (len > (size_t)0x7fffffff)
		return -1;
	if (RAND_bytes(buf, (int)len) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}
