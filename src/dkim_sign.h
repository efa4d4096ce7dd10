/*
 * dkim_sign.h - RFC 6376 signing (rsa-sha256, and ed25519-sha256 per
 * RFC 8463): header selection with oversigning, one streamed body hash
 * per body canonicalization shared by every signature of a message, and
 * the DKIM-Signature fields to prepend.
 *
 * A sign policy (header names, canonicalization, x= lifetime) is compiled
 * once from the configuration (at load or reload) and shared read-only.
 * A signer lives for one message:
 *   s = dkim_signer_new(policy)
 *   dkim_signer_add(s, ...)          once per signature (before any body)
 *   dkim_signer_body(s, p, len)      the body, in chunks, CRLF line ends,
 *                                    dot-stuffing removed
 *   dkim_signer_finish(s, hdr, ...)  append the fields to a buffer
 *   dkim_signer_free(s)
 * No l= is ever emitted (a length limit lets anyone append content);
 * t= always; x= when the policy has a lifetime; i= only when given.
 */
#ifndef DKIMGATE_DKIM_SIGN_H
#define DKIMGATE_DKIM_SIGN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_sig.h"
#include "rfc5322.h"

#define DKIM_SIGN_MAX_NAMES	128	/* names in sign_headers */
#define DKIM_SIGN_MAX_SIGS	8	/* signatures per message */
#define DKIM_SIGN_FIELD_MAX	(64 * 1024)	/* one DKIM-Signature */
#define DKIM_SIGN_INPUT_MAX	(16 * 1024 * 1024)	/* header hash input */

/*
 * The default header list (RFC 6376 5.4.1 "SHOULD be included", plus
 * the MIME and RFC 2369/2919 list fields) and the default oversigned
 * names; dkimgate.conf's sign_headers/oversign_headers defaults equal
 * these.
 */
#define DKIM_SIGN_DEFAULT_HEADERS					\
	"From, Reply-To, Subject, Date, To, Cc, Resent-Date, "		\
	"Resent-From, Resent-To, Resent-Cc, In-Reply-To, References, "	\
	"Message-ID, MIME-Version, Content-Type, "			\
	"Content-Transfer-Encoding, List-Id, List-Help, "		\
	"List-Unsubscribe, List-Subscribe, List-Post, List-Owner, "	\
	"List-Archive"
#define DKIM_SIGN_DEFAULT_OVERSIGN					\
	"From, Subject, Date, To, Cc, Reply-To"

struct dkim_sign_policy {
	enum dkim_canon	 hcanon;
	enum dkim_canon	 bcanon;
	char		**names;	/* header names, as configured */
	unsigned char	*over;		/* per name: 1 = oversign */
	size_t		 nnames;
	int		 ttl;		/* x= = t= + ttl; 0 = no x= */
};

/*
 * dkim_sign_policy_new - compile canon ("relaxed/simple"; NULL = relaxed/
 * relaxed), the header name lists (comma/space separated; NULL = the
 * defaults above) and ttl. From is always signed (RFC 6376 5.4: it MUST
 * be); a name listed only in oversign is signed too. NULL with err set
 * on a bad value. Free with dkim_sign_policy_free().
 */
struct dkim_sign_policy *dkim_sign_policy_new(const char *canon,
		    const char *headers, const char *oversign, int ttl,
		    char *err, size_t errlen);
void		 dkim_sign_policy_free(struct dkim_sign_policy *);

struct dkim_signer;

/* dkim_signer_new - a signer for one message; policy must outlive it */
struct dkim_signer *dkim_signer_new(const struct dkim_sign_policy *);

/*
 * dkim_signer_add - one more signature: key (owned by the caller, must
 * outlive the signer), d= domain (dlen bytes), s= selector, optional i=
 * (NULL = none). The algorithm follows the key: rsa-sha256 or
 * ed25519-sha256. Call before any body. Returns 0, or -1 (too many
 * signatures, bad domain or selector) with err set.
 */
int		 dkim_signer_add(struct dkim_signer *,
		    const struct crypto_key *key, const char *domain,
		    size_t dlen, const char *selector, const char *ident,
		    char *err, size_t errlen);

/* dkim_signer_set_canon - override the policy's canonicalization for
 * signatures added after this call (the command line's --canon) */
void		 dkim_signer_set_canon(struct dkim_signer *,
		    enum dkim_canon hdr, enum dkim_canon body);

size_t		 dkim_signer_count(const struct dkim_signer *);

/* dkim_signer_body - hash body bytes (every body hash gets them once) */
void		 dkim_signer_body(struct dkim_signer *, const char *, size_t);

/*
 * dkim_signer_finish - choose the header fields from hdr (the message's
 * header block), build and sign every DKIM-Signature at time now and
 * append them, each ending in CRLF, to out (the first added signature
 * first). Returns 0, or -1 with err set (crypto failure, out full).
 */
int		 dkim_signer_finish(struct dkim_signer *,
		    const struct rfc5322_hdr *hdr, time_t now,
		    struct buf *out, char *err, size_t errlen);

void		 dkim_signer_free(struct dkim_signer *);

/*
 * dkim_sign_select - the h= list for hdr under policy: for each policy
 * name, the name once per occurrence in hdr, plus once more if it is
 * oversigned (also when it does not occur: that signs its absence,
 * RFC 6376 5.4.2 / 8.15). Stores at most max names in h (they point into
 * the policy) and returns how many; names past max are left out (From
 * comes first, so it is always signed).
 */
size_t		 dkim_sign_select(const struct dkim_sign_policy *,
		    const struct rfc5322_hdr *hdr, struct dkim_name *h,
		    size_t max);

#endif
