/*
 * dkim_key.h - DKIM key records (RFC 6376 3.6.1, RFC 8463 4.2) from DNS
 * TXT RDATA, and the checks that pair a key record with a signature
 * (RFC 6376 6.1.2).
 *
 * Pure functions over (ptr, len): TXT RDATA may contain NUL, so it is
 * concatenated by length, never as C strings. Error reasons are static
 * strings, safe to put into Authentication-Results comments as they are.
 *
 * Ownership: struct dkim_key is embedded in its owner (dkim_key_init /
 * dkim_key_clear); after a successful dkim_key_parse() it owns key (a
 * crypto_key, NULL for a revoked record), freed by dkim_key_clear().
 */
#ifndef DKIMGATE_DKIM_KEY_H
#define DKIMGATE_DKIM_KEY_H

#include <stddef.h>
#include <sys/types.h>

#include "crypto.h"
#include "dkim_sig.h"

/* acceptable hash algorithms (h=) */
#define DKIM_KEY_H_SHA1		0x01
#define DKIM_KEY_H_SHA256	0x02
#define DKIM_KEY_H_ALL		(DKIM_KEY_H_SHA1 | DKIM_KEY_H_SHA256)

/* largest key record accepted (a 16384-bit RSA p= is under 3 KiB) */
#define DKIM_KEY_TXT_MAX	8192

struct dkim_key {
	enum crypto_alg	 alg;		/* k= (default rsa) */
	struct crypto_key *key;		/* public key; NULL when revoked */
	unsigned	 bits;		/* key size; 0 when revoked */
	int		 revoked;	/* p= is empty */
	int		 testing;	/* t= has y */
	int		 strict;	/* t= has s: i= domain must equal d= */
	int		 hashes;	/* h=: DKIM_KEY_H_* (all if absent) */
	int		 service_ok;	/* s= absent, or lists "*" or "email" */
};

void	dkim_key_init(struct dkim_key *);
void	dkim_key_clear(struct dkim_key *);

/*
 * dkim_key_parse - parse a key record (the TXT strings already joined):
 * v= (first tag if present, exactly "DKIM1"), h=, k= (rsa, ed25519), n=
 * (ignored), p= (base64; empty = revoked), s=, t= (y, s; other flags
 * ignored); unknown tags ignored. Builds the public key. Returns 0 (also
 * for a revoked record: see revoked), or -1 with a static reason in *why
 * (RFC 6376 6.1.2 step 5, "key syntax error" cases); on error k is left
 * cleared.
 */
int	dkim_key_parse(struct dkim_key *k, const char *txt, size_t len,
	    const char **why);

/*
 * dkim_key_check - may this key record verify this signature? Checks, in
 * RFC 6376 6.1.2 order: service type (s=), hash algorithm (h=, step 6),
 * revocation (step 7), key type against a= (step 8), and the t=s flag
 * against the i= domain (3.10). Returns 0 if usable, else -1 with a
 * static reason in *why. Minimum key sizes are the caller's policy.
 */
int	dkim_key_check(const struct dkim_key *, const struct dkim_sig *,
	    const char **why);

/*
 * dkim_key_txt_concat - join the character-strings of one TXT RDATA
 * (each a length octet and that many octets) without separator
 * (RFC 6376 3.6.2.2) into out (outsz bytes, not NUL-terminated: the data
 * may hold NUL). Returns the joined length, or -1 if the RDATA is
 * malformed (a string runs past its end) or does not fit.
 */
ssize_t	dkim_key_txt_concat(const unsigned char *rdata, size_t len,
	    char *out, size_t outsz);

#endif
