/*
 * crypto.h - the only interface to OpenSSL (EVP): keys, SHA-256, RSA and
 * Ed25519 signatures, base64. No other file includes OpenSSL headers.
 *
 * Keys are parsed once (at start-up or reload, or once per DNS answer) and
 * then used for any number of operations; per-message calls do no PEM
 * parsing and no algorithm fetching.
 *
 * Errors: functions that can fail take (err, errlen) and write a one-line
 * reason there, including the OpenSSL error queue text where relevant.
 * Ownership: every *_new/_load/_parse/_generate result is freed by the
 * caller with the matching *_free (which accept NULL).
 */
#ifndef DKIMGATE_CRYPTO_H
#define DKIMGATE_CRYPTO_H

#include <stddef.h>
#include <sys/types.h>

enum crypto_alg {
	CRYPTO_ALG_RSA = 1,
	CRYPTO_ALG_ED25519 = 2
};

enum crypto_md {
	CRYPTO_MD_SHA256 = 1,
	CRYPTO_MD_SHA1 = 2	/* only to recognise rsa-sha1; RFC 8301 */
};

#define CRYPTO_MAX_MD	32		/* SHA-256 digest length */
#define CRYPTO_MAX_SIG	1024		/* RSA-8192 */

struct crypto_key;
struct crypto_hash;

/*
 * crypto_key_load - private key from a file: PEM PKCS#1 ("RSA PRIVATE
 * KEY"), PEM PKCS#8 ("PRIVATE KEY", RSA or Ed25519), or a file holding
 * only the base64 of a 32-byte Ed25519 seed (RFC 8463 Appendix A style).
 * crypto_key_parse - the same from memory.
 */
struct crypto_key *crypto_key_load(const char *path, char *err, size_t);
struct crypto_key *crypto_key_parse(const void *, size_t, char *err, size_t);

/*
 * crypto_pubkey_from_dkim - public key from the decoded p= of a DKIM key
 * record: for k=rsa a DER SubjectPublicKeyInfo (RFC 6376 3.6.1) or, as
 * some publish, a bare PKCS#1 RSAPublicKey; for k=ed25519 the 32 raw
 * bytes (RFC 8463 4.2).
 */
struct crypto_key *crypto_pubkey_from_dkim(enum crypto_alg,
		    const unsigned char *, size_t, char *err, size_t);

/* crypto_key_generate - new RSA (bits) or Ed25519 (bits ignored) key */
struct crypto_key *crypto_key_generate(enum crypto_alg, unsigned bits,
		    char *err, size_t);

void		 crypto_key_free(struct crypto_key *);
enum crypto_alg	 crypto_key_alg(const struct crypto_key *);
unsigned	 crypto_key_bits(const struct crypto_key *);
int		 crypto_key_is_private(const struct crypto_key *);

/*
 * crypto_key_public_b64 - the base64 p= value of the key's public part
 * (SubjectPublicKeyInfo DER for RSA, 32 raw bytes for Ed25519);
 * NUL-terminated, caller frees.
 */
char		*crypto_key_public_b64(const struct crypto_key *);

/* crypto_key_same_public - 1 if both keys have the same public key */
int		 crypto_key_same_public(const struct crypto_key *,
		    const struct crypto_key *);

/*
 * crypto_key_write_private - write a private key as PEM (PKCS#1 for RSA,
 * as opendkim-genkey does; PKCS#8 for Ed25519) to path, created with
 * mode 0600 (O_EXCL: never overwrites). Returns 0 or -1.
 */
int		 crypto_key_write_private(const struct crypto_key *,
		    const char *path, char *err, size_t);

/* incremental hashing */
struct crypto_hash *crypto_hash_new(enum crypto_md);
void		 crypto_hash_update(struct crypto_hash *, const void *, size_t);
/* crypto_hash_final - write the digest, return its length; the hash
 * is reset and may be reused */
size_t		 crypto_hash_final(struct crypto_hash *,
		    unsigned char out[CRYPTO_MAX_MD]);
void		 crypto_hash_free(struct crypto_hash *);
size_t		 crypto_md_len(enum crypto_md);

/*
 * crypto_sign - sign a digest: RSASSA-PKCS1-v1_5 with the SHA-256
 * DigestInfo for RSA (RFC 6376 3.3.1), pure Ed25519 over the 32 digest
 * bytes for Ed25519 (RFC 8463 3). sig has room for *siglen bytes; on
 * success *siglen is set. Returns 0 or -1.
 */
int		 crypto_sign(const struct crypto_key *, const unsigned char *,
		    size_t, unsigned char *sig, size_t *siglen,
		    char *err, size_t);

/*
 * crypto_verify - 1 if sig is a valid signature of digest (made with md,
 * for RSA) under key, 0 if not, -1 on an internal error.
 */
int		 crypto_verify(const struct crypto_key *, enum crypto_md,
		    const unsigned char *digest, size_t,
		    const unsigned char *sig, size_t);

/*
 * base64 (RFC 4648). crypto_b64_encode writes NUL-terminated text and
 * returns its length (outsz must be >= 4 * ceil(n / 3) + 1).
 * crypto_b64_decode skips whitespace (DKIM's FWS inside b= and p=),
 * rejects any other non-alphabet byte, misplaced or excess padding, and
 * returns the decoded length, or -1.
 */
size_t		 crypto_b64_encode(const void *, size_t, char *out, size_t);
ssize_t		 crypto_b64_decode(const char *, size_t, unsigned char *out,
		    size_t outsz);

/* crypto_random - fill buf from the CSPRNG; 0 or -1 */
int		 crypto_random(void *, size_t);

#endif
