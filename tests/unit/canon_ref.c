/*
 * canon_ref.c - the reference body canonicalizer (see canon_ref.h): the
 * body half of src/dkim_canon.c at commit 049eab3, a table lookup per
 * octet with content runs passed on whole, copied verbatim with the
 * names prefixed ref_. Do not optimize it: its only job is to be the
 * known-good output the new code is compared with.
 *
 * RFC 6376 3.4.3 and 3.4.4 (with the verified errata: reduce WSP runs,
 * then drop WSP at line ends, then ignore empty lines at the end):
 *   simple:  trailing empty lines are ignored; a body that does not end
 *            in CRLF gets one; an empty body is a single CRLF.
 *   relaxed: WSP runs become one SP, WSP at a line end is removed,
 *            trailing empty lines are ignored, a non-empty body that does
 *            not end in CRLF gets one, and an empty body stays empty.
 * Only CRLF ends a line; a lone CR or LF is an ordinary octet.
 */
#include "autoconf.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon_ref.h"
#include "xmalloc.h"

struct ref_bodyhash {
	enum dkim_canon	 canon;
	enum crypto_md	 md;
	long long	 limit;		/* < 0: no l= limit */
	struct crypto_hash *hash;
	unsigned long long total;	/* canonical octets produced */
	unsigned long long hashed;	/* of which given to the hash */
	unsigned long long held;	/* CRLFs not yet produced */
	int		 pend_cr;	/* chunk ended in CR */
	int		 wsp;		/* relaxed: WSP run pending */
	int		 nonempty;	/* some content produced */
	/* pending output span inside the current chunk */
	const char	*span;
	size_t		 spanlen;
	const char	*chunk_end;
	dkim_canon_tap_fn tap;
	void		*tap_arg;
};

static void	 ref_hash_out(struct ref_bodyhash *, const char *, size_t);
static void	 ref_span_flush(struct ref_bodyhash *);
static void	 ref_emit_input(struct ref_bodyhash *, const char *, size_t);
static void	 ref_emit_const(struct ref_bodyhash *, const char *, size_t);
static void	 ref_body_content(struct ref_bodyhash *, const char *,
		    size_t, int);
static void	 ref_body_crlf(struct ref_bodyhash *);
static void	 ref_body_simple(struct ref_bodyhash *, const char *,
		    size_t);
static size_t	 ref_skip_content(const unsigned char *, size_t, size_t);
static void	 ref_body_relaxed(struct ref_bodyhash *, const char *,
		    size_t);

/* CRLFs produced in blocks, so held line ends cost one update each */
#define REF_CRLF_BLOCK	32
static const char ref_crlf_block[2 * REF_CRLF_BLOCK + 1] =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

/* octet classes for the relaxed body scanner: 1 WSP, 2 CR, 0 other */
static const unsigned char ref_relaxed_class[256] = {
	['\t'] = 1, [' '] = 1, ['\r'] = 2
};

/*
 * ref_bodyhash_new - start a streamed body hash.
 */
struct ref_bodyhash *
ref_bodyhash_new(enum dkim_canon c, enum crypto_md md, long long limit)
{
	struct ref_bodyhash *bh;

	bh = xcalloc(1, sizeof(*bh));
	bh->canon = c;
	bh->md = md;
	bh->limit = limit < 0 ? -1 : limit;
	bh->hash = crypto_hash_new(md);
	return bh;
}

/* ref_bodyhash_free - release; NULL is fine */
void
ref_bodyhash_free(struct ref_bodyhash *bh)
{
	if (bh == NULL)
		return;
	crypto_hash_free(bh->hash);
	free(bh);
}

/* ref_bodyhash_tap - see every hashed canonical octet (tests, debug) */
void
ref_bodyhash_tap(struct ref_bodyhash *bh, dkim_canon_tap_fn fn, void *arg)
{
	bh->tap = fn;
	bh->tap_arg = arg;
}

/*
 * ref_hash_out - give canonical octets to the hash, stopping at the l= limit
 * (RFC 6376 3.4.5: only the first l octets are hashed).
 */
static void
ref_hash_out(struct ref_bodyhash *bh, const char *p, size_t n)
{
	unsigned long long room;

	if (bh->limit >= 0) {
		if (bh->hashed >= (unsigned long long)bh->limit)
			return;
		room = (unsigned long long)bh->limit - bh->hashed;
		if (n > room)
			n = (size_t)room;
	}
	crypto_hash_update(bh->hash, p, n);
	if (bh->tap != NULL && n > 0)
		bh->tap(bh->tap_arg, p, n);
	bh->hashed += n;
}

/* ref_span_flush - hash the pending span of the current chunk */
static void
ref_span_flush(struct ref_bodyhash *bh)
{
	if (bh->spanlen > 0)
		ref_hash_out(bh, bh->span, bh->spanlen);
	bh->spanlen = 0;
}

/*
 * ref_emit_input - produce n octets that are the chunk's own octets at p:
 * they extend the pending span when they follow it directly.
 */
static void
ref_emit_input(struct ref_bodyhash *bh, const char *p, size_t n)
{
	bh->total += n;
	if (bh->spanlen > 0 && bh->span + bh->spanlen == p) {
		bh->spanlen += n;
		return;
	}
	ref_span_flush(bh);
	bh->span = p;
	bh->spanlen = n;
}

/*
 * ref_emit_const - produce n octets of constant text (held CRLFs, the SP of
 * a WSP run). When the input right after the span holds the same octets,
 * the span grows over them; otherwise the text is hashed on its own.
 */
static void
ref_emit_const(struct ref_bodyhash *bh, const char *s, size_t n)
{
	const char	*next;

	bh->total += n;
	if (bh->spanlen > 0) {
		next = bh->span + bh->spanlen;
		if ((size_t)(bh->chunk_end - next) >= n &&
		    memcmp(next, s, n) == 0) {
			bh->spanlen += n;
			return;
		}
		ref_span_flush(bh);
	}
	ref_hash_out(bh, s, n);
}

/*
 * ref_body_content - n octets of line content (in_input: they are in the
 * current chunk): first the line ends held back before them, then the
 * SP of a pending WSP run, then the octets.
 */
static void
ref_body_content(struct ref_bodyhash *bh, const char *p, size_t n, int in_input)
{
	size_t	 k;

	while (bh->held > 0) {
		k = bh->held > REF_CRLF_BLOCK ? REF_CRLF_BLOCK :
		    (size_t)bh->held;
		ref_emit_const(bh, ref_crlf_block, 2 * k);
		bh->held -= k;
	}
	if (bh->wsp) {
		ref_emit_const(bh, " ", 1);
		bh->wsp = 0;
	}
	if (in_input)
		ref_emit_input(bh, p, n);
	else
		ref_emit_const(bh, p, n);
	bh->nonempty = 1;
}

/* ref_body_crlf - a line end: held back; WSP before it disappears */
static void
ref_body_crlf(struct ref_bodyhash *bh)
{
	bh->wsp = 0;
	bh->held++;
}

/*
 * ref_body_simple - RFC 6376 3.4.3 on one chunk: everything but CRLF is
 * content, so whole stretches between line ends go out as they are.
 */
static void
ref_body_simple(struct ref_bodyhash *bh, const char *p, size_t n)
{
	const char	*end = p + n, *cr, *start = p;

	while (start < end) {
		cr = memchr(start, '\r', end - start);
		if (cr == NULL) {
			ref_body_content(bh, start, end - start, 1);
			return;
		}
		if (cr + 1 == end) {
			if (cr > start)
				ref_body_content(bh, start, cr - start, 1);
			bh->pend_cr = 1;
			return;
		}
		if (cr[1] == '\n') {
			if (cr > start)
				ref_body_content(bh, start, cr - start, 1);
			ref_body_crlf(bh);
			start = cr + 2;
		} else {
			/* a lone CR is content: keep it in the run */
			ref_body_content(bh, start, cr + 1 - start, 1);
			start = cr + 1;
		}
	}
}

/*
 * ref_skip_content - index of the first octet at or after i that is not
 * plain content for the relaxed scanner (SP, HTAB or CR), or n. Eight
 * octets at a time while none of them is below 0x21 (the classic "has a
 * byte less than" test), then one at a time by table.
 */
static size_t
ref_skip_content(const unsigned char *u, size_t i, size_t n)
{
	const uint64_t	 ones = 0x0101010101010101ULL;
	const uint64_t	 highs = 0x8080808080808080ULL;
	uint64_t	 w;

	while (n - i >= 8) {
		memcpy(&w, u + i, 8);
		if (((w - ones * 0x21) & ~w & highs) != 0)
			break;
		i += 8;
	}
	while (i < n && ref_relaxed_class[u[i]] == 0)
		i++;
	return i;
}

/*
 * ref_body_relaxed - RFC 6376 3.4.4 on one chunk, with a table lookup per
 * octet and content runs passed on whole.
 */
static void
ref_body_relaxed(struct ref_bodyhash *bh, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t		 i = 0, start;

	while (i < n) {
		switch (ref_relaxed_class[u[i]]) {
		case 1:
			bh->wsp = 1;
			i++;
			break;
		case 2:
			if (i + 1 == n) {
				bh->pend_cr = 1;
				return;
			}
			if (u[i + 1] == '\n') {
				ref_body_crlf(bh);
				i += 2;
				break;
			}
			/* a lone CR is content */
			start = i++;
			while (i < n && ref_relaxed_class[u[i]] == 0)
				i++;
			ref_body_content(bh, p + start, i - start, 1);
			break;
		default:
			/*
			 * A content run. A single SP between content octets,
			 * and a CRLF between content and the next line's
			 * first content octet, are their own canonical form,
			 * so they stay in the run.
			 */
			start = i++;
			for (;;) {
				i = ref_skip_content(u, i, n);
				if (n - i >= 2 && u[i] == ' ' &&
				    ref_relaxed_class[u[i + 1]] == 0)
					i += 2;
				else if (n - i >= 3 && u[i] == '\r' &&
				    u[i + 1] == '\n' &&
				    ref_relaxed_class[u[i + 2]] == 0)
					i += 3;
				else
					break;
			}
			ref_body_content(bh, p + start, i - start, 1);
			break;
		}
	}
}

/*
 * ref_bodyhash_update - canonicalize and hash one chunk of body. The
 * chunk may end anywhere, also between CR and LF.
 */
void
ref_bodyhash_update(struct ref_bodyhash *bh, const char *p, size_t n)
{
	if (n == 0)
		return;
	bh->chunk_end = p + n;
	bh->spanlen = 0;
	if (bh->pend_cr) {
		bh->pend_cr = 0;
		if (p[0] == '\n') {
			ref_body_crlf(bh);
			p++;
			n--;
		} else
			ref_body_content(bh, "\r", 1, 0);
	}
	if (bh->canon == DKIM_CANON_RELAXED)
		ref_body_relaxed(bh, p, n);
	else
		ref_body_simple(bh, p, n);
	/* the chunk belongs to the caller: nothing may point into it */
	ref_span_flush(bh);
	bh->chunk_end = NULL;
}

/*
 * ref_bodyhash_final - finish the body: a CR held at the very end is
 * content; then exactly one CRLF closes a body (simple: always, so an
 * empty body is CRLF; relaxed: only a non-empty one). Trailing empty
 * lines, still held, are dropped. The object is reset for reuse.
 */
size_t
ref_bodyhash_final(struct ref_bodyhash *bh, unsigned char out[CRYPTO_MAX_MD],
    long long *total)
{
	size_t	 n;

	bh->chunk_end = NULL;
	bh->spanlen = 0;
	if (bh->pend_cr)
		ref_body_content(bh, "\r", 1, 0);
	if (bh->canon == DKIM_CANON_SIMPLE || bh->nonempty)
		ref_emit_const(bh, "\r\n", 2);
	n = crypto_hash_final(bh->hash, out);
	if (total != NULL)
		*total = bh->total > (unsigned long long)LLONG_MAX ?
		    LLONG_MAX : (long long)bh->total;
	bh->total = bh->hashed = bh->held = 0;
	bh->pend_cr = bh->wsp = bh->nonempty = 0;
	return n;
}
