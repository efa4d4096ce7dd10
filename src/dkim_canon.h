/*
 * dkim_canon.h - RFC 6376 3.4 canonicalization, "simple" and "relaxed",
 * for header fields (one at a time) and for the body (streamed), with the
 * body hash computed as the bytes arrive: no second pass over the message.
 *
 * Body input is what the mode receives: CRLF line ends, dot-stuffing
 * removed, in chunks of any size (a CRLF may be split across chunks).
 * Trailing empty lines are held back until a non-empty line proves they
 * are not at the end (RFC 6376 3.4.3 / 3.4.4), so memory stays bounded
 * by a counter, never by the input.
 */
#ifndef DKIMGATE_DKIM_CANON_H
#define DKIMGATE_DKIM_CANON_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "crypto.h"

enum dkim_canon {
	DKIM_CANON_SIMPLE = 0,
	DKIM_CANON_RELAXED = 1
};

/*
 * dkim_canon_parse - "relaxed/simple" etc. (c= tag; a missing body part
 * means simple). Returns 0 or -1.
 */
int	dkim_canon_parse(const char *, size_t, enum dkim_canon *hdr,
	    enum dkim_canon *body);
const char *dkim_canon_name(enum dkim_canon);

/*
 * dkim_canon_header - append the canonical form of one raw header field
 * (name ":" value, possibly folded, ending in CRLF) to out, with its
 * trailing CRLF (the caller drops it for the DKIM-Signature field itself,
 * RFC 6376 3.7). Returns 0, or -1 if out hit its cap.
 */
int	dkim_canon_header(enum dkim_canon, const char *raw, size_t len,
	    struct buf *out);

struct dkim_bodyhash;

/*
 * dkim_bodyhash_new - a streamed body canonicalizer feeding a hash.
 * limit < 0: hash everything; else hash at most limit canonical bytes
 * (the l= tag).
 */
struct dkim_bodyhash *dkim_bodyhash_new(enum dkim_canon, enum crypto_md,
	    long long limit);
void	dkim_bodyhash_update(struct dkim_bodyhash *, const char *, size_t);
/*
 * dkim_bodyhash_final - finish and write the digest; returns its length.
 * *total (may be NULL) gets the full canonical body length, which lets a
 * verifier check that l= is not larger than the body (RFC 6376 6.1.3).
 */
size_t	dkim_bodyhash_final(struct dkim_bodyhash *,
	    unsigned char out[CRYPTO_MAX_MD], long long *total);
void	dkim_bodyhash_free(struct dkim_bodyhash *);

/*
 * dkim_bodyhash_tap - also hand every canonical octet that goes into the
 * hash (so after the l= cut) to fn, in order: for tests, and to look at
 * the canonical body when a signature fails. fn NULL turns it off. Added
 * by the DKIM primitives area; the hash itself is unaffected.
 */
typedef void	(*dkim_canon_tap_fn)(void *arg, const char *, size_t);
void	dkim_bodyhash_tap(struct dkim_bodyhash *, dkim_canon_tap_fn,
	    void *arg);

/*
 * dkim_canon_portable - for tests: on != 0 makes the relaxed body
 * scanner use its portable word-at-a-time code even where a vector
 * (SSE2) one is compiled in, 0 restores the default; process-wide, the
 * output is the same either way. Returns 1 if a vector scanner exists.
 */
int	dkim_canon_portable(int on);

/* accessors, so a verifier can share one hash among equal signatures */
enum dkim_canon	dkim_bodyhash_canon(const struct dkim_bodyhash *);
enum crypto_md	dkim_bodyhash_md(const struct dkim_bodyhash *);
long long	dkim_bodyhash_limit(const struct dkim_bodyhash *);

#endif
