/*
 * dkim_sig.h - the DKIM-Signature header field (RFC 6376 3.5): parser
 * with the validation of RFC 6376 6.1.1, builder for signers, and the one
 * function that computes the header hash input (RFC 6376 3.7, 5.4.2),
 * shared by signer and verifier so both hash exactly the same bytes.
 *
 * Pure functions over (ptr, len); nothing relies on a NUL terminator and
 * the parser allocates nothing. struct dkim_sig is about 3 KiB: allocate
 * it with its owner rather than putting several on the stack.
 *
 * Ownership: dkim_sig_parse() copies d=, s=, i=, b= and bh= into the
 * struct, but the h= names (sig->h[].p) point into the parsed text, which
 * must outlive the struct. Builders append to a caller-owned struct buf.
 * Error reasons are static strings, safe to put into Authentication-
 * Results comments as they are.
 */
#ifndef DKIMGATE_DKIM_SIG_H
#define DKIMGATE_DKIM_SIG_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "rfc5322.h"

enum dkim_sig_alg {
	DKIM_SIG_RSA_SHA256 = 1,
	DKIM_SIG_RSA_SHA1 = 2,		/* recognised, never valid: RFC 8301 */
	DKIM_SIG_ED25519_SHA256 = 3	/* RFC 8463 */
};

#define DKIM_DOMAIN_MAX		253	/* text DNS name, no final dot */
#define DKIM_AUID_MAX		320	/* decoded i= value */
#define DKIM_SIG_MAXH		64	/* names in h= */
#define DKIM_SIG_BPREFIX	8	/* header.b length (RFC 6008 2) */
#define DKIM_TIME_INFINITE	LLONG_MAX	/* t=/x= over 12 digits */

/* a header field name, not NUL-terminated */
struct dkim_name {
	const char	*p;
	size_t		 len;
};

struct dkim_sig {
	enum dkim_sig_alg alg;		/* a= */
	enum crypto_alg	 keyalg;	/* key type implied by a= */
	enum crypto_md	 md;		/* hash implied by a= */
	int		 weak;		/* a=rsa-sha1: report, never pass
					 * (RFC 8301 3.1) */
	enum dkim_canon	 hcanon;	/* c= (default simple/simple) */
	enum dkim_canon	 bcanon;
	char		 d[DKIM_DOMAIN_MAX + 1];	/* SDID as written */
	char		 s[DKIM_DOMAIN_MAX + 1];	/* selector */
	char		 i[DKIM_AUID_MAX + 1];	/* AUID, QP-decoded; "@" d
						 * when i= is absent */
	int		 has_i;
	size_t		 idomain;	/* offset of the domain part in i */
	struct dkim_name h[DKIM_SIG_MAXH];	/* h=, in order; points into
						 * the parsed text */
	size_t		 nh;
	unsigned char	 b[CRYPTO_MAX_SIG];	/* b=, decoded */
	size_t		 blen;
	char		 bprefix[DKIM_SIG_BPREFIX + 1];	/* first base64
							 * characters of b=,
							 * for header.b */
	unsigned char	 bh[CRYPTO_MAX_MD];	/* bh=, decoded */
	size_t		 bhlen;
	long long	 l;		/* l=, -1 if absent; clamped to
					 * LLONG_MAX */
	long long	 t;		/* t=, -1 if absent */
	long long	 x;		/* x=, -1 if absent */
};

/*
 * dkim_sig_parse - parse and validate the value of a DKIM-Signature field
 * (the text after the colon, up to but excluding the final CRLF; folding
 * CRLFs inside are fine). Checks: tag-list syntax, required tags (v a b
 * bh d h s), v=1, known a=, c=, q= including dns/txt, domain syntax of d=
 * and s=, i= domain equal to or below d=, h= naming From, x= not before
 * t=, numeric l=/t=/x=, base64 of b= and bh=. Unknown tags (and z=) are
 * ignored. Returns 0, or -1 with a static reason in *why ("missing
 * required tag", "i= not within d=", ...): a PERMFAIL (RFC 6376 6.1.1).
 */
int	dkim_sig_parse(struct dkim_sig *, const char *value, size_t len,
	    const char **why);

/* dkim_sig_expired - 1 if x= is present and earlier than now */
int	dkim_sig_expired(const struct dkim_sig *, long long now);

/*
 * dkim_sig_keyname - "s._domainkey.d" (RFC 6376 3.6.2.1) into out,
 * NUL-terminated. Returns 0, or -1 if it does not fit or is longer than
 * a DNS name may be.
 */
int	dkim_sig_keyname(const struct dkim_sig *, char *out, size_t outsz);

/* dkim_sig_alg_name - "rsa-sha256" etc.; dkim_sig_alg_parse - 0 or -1 */
const char *dkim_sig_alg_name(enum dkim_sig_alg);
int	dkim_sig_alg_parse(const char *, size_t, enum dkim_sig_alg *);
enum crypto_alg	dkim_sig_alg_key(enum dkim_sig_alg);
enum crypto_md	dkim_sig_alg_md(enum dkim_sig_alg);

/*
 * What a signer puts into a new signature. Tags are written in this
 * order: v a c d i q s t x h bh b (i, q, t, x only when set), which is
 * also the order of the RFC 8463 Appendix A example.
 */
struct dkim_sig_spec {
	enum dkim_sig_alg alg;
	enum dkim_canon	 hcanon;
	enum dkim_canon	 bcanon;
	const char	*d;		/* SDID, NUL-terminated */
	const char	*s;		/* selector */
	const char	*i;		/* AUID or NULL; written QP-encoded */
	int		 q;		/* 1: write q=dns/txt (the default) */
	long long	 t;		/* -1: no t= */
	long long	 x;		/* -1: no x= */
	const struct dkim_name *h;	/* names to sign, in order */
	size_t		 nh;
	const char	*hsep;		/* separator in h=, NULL: ":" (the
					 * RFC 8463 example uses " : ") */
	const unsigned char *bh;	/* body hash */
	size_t		 bhlen;
};

/*
 * dkim_sig_build - append "DKIM-Signature: v=1; a=...; ...; b=" (no
 * CRLF, empty b=) to out, folded with CRLF TAB so that no line exceeds
 * 78 columns where breaks are possible. This text, with b= still empty,
 * is what dkim_sig_header_input() hashes when signing. Returns 0, or -1
 * if the spec is invalid (bad d=/s=/i= syntax, no From in h, ...) or out
 * hit its cap.
 */
int	dkim_sig_build(const struct dkim_sig_spec *, struct buf *out);

/*
 * dkim_sig_add_b - append the base64 of the signature to a field built
 * by dkim_sig_build(), folded at 78 columns, then the final CRLF.
 * Returns 0, or -1 if out hit its cap.
 */
int	dkim_sig_add_b(struct buf *out, const unsigned char *sig,
	    size_t siglen);

/*
 * dkim_sig_header_input - append the header hash input (RFC 6376 3.7,
 * hash step 2) to out:
 *   1. for each name of h (in order), the next instance of that field
 *      counting from the bottom of hdr (RFC 6376 5.4.2); a name listed
 *      more often than the field occurs contributes nothing for the extra
 *      instances (oversigning); each field canonicalized with canon;
 *   2. the signature field sig (raw: "DKIM-Signature:" name, value,
 *      folding; a final CRLF is ignored) with the value of its b= tag and
 *      the whitespace around it deleted, everything else byte for byte,
 *      canonicalized, without its trailing CRLF.
 * sigidx is the index in hdr of the signature field being verified,
 * which is never selected for step 1 (RFC 6376 3.5 h=), or SIZE_MAX when
 * it is not in hdr (signing). Returns 0, or -1 if sig has no valid
 * tag-list with a b= tag or out hit its cap (the cap needs 2 octets
 * beyond the result: the signature's CRLF is written, then dropped).
 */
int	dkim_sig_header_input(enum dkim_canon canon,
	    const struct rfc5322_hdr *hdr, size_t sigidx,
	    const struct dkim_name *h, size_t nh, const char *sig,
	    size_t siglen, struct buf *out);

#endif
