/*
 * dkim_canon.c - RFC 6376 3.4 canonicalization: header fields one at a
 * time, the body streamed straight into a hash.
 *
 * Body algorithms (RFC 6376 3.4.3 and 3.4.4, with the order the verified
 * errata settle for relaxed: reduce WSP runs, then drop WSP at line ends,
 * then ignore empty lines at the end of the body):
 *   simple:  trailing empty lines are ignored; a body that does not end
 *            in CRLF gets one; an empty body is a single CRLF.
 *   relaxed: WSP runs become one SP, WSP at a line end is removed,
 *            trailing empty lines are ignored, a non-empty body that does
 *            not end in CRLF gets one, and an empty body stays empty.
 * Only CRLF ends a line; a lone CR or LF is an ordinary octet.
 *
 * Streaming: a CR at the end of a chunk is held until the next octet
 * shows whether it starts a CRLF; a WSP run is held as one flag; line
 * ends are held as a counter until a non-empty line proves they are not
 * trailing. Nothing is buffered, whatever the input.
 *
 * Speed: canonical output is assembled as a span of the caller's chunk
 * wherever it equals the input (content runs, a single SP between words,
 * the CRLFs before a non-empty line), so ordinary text goes to the hash
 * in one crypto_hash_update() per chunk instead of one per line or word;
 * the span is flushed whenever the output departs from the input.
 */
#include "autoconf.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "xmalloc.h"

struct dkim_bodyhash {
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

static void	 hash_out(struct dkim_bodyhash *, const char *, size_t);
static void	 span_flush(struct dkim_bodyhash *);
static void	 emit_input(struct dkim_bodyhash *, const char *, size_t);
static void	 emit_const(struct dkim_bodyhash *, const char *, size_t);
static void	 body_content(struct dkim_bodyhash *, const char *, size_t,
		    int);
static void	 body_crlf(struct dkim_bodyhash *);
static void	 body_simple(struct dkim_bodyhash *, const char *, size_t);
static size_t	 skip_content(const unsigned char *, size_t, size_t);
static void	 body_relaxed(struct dkim_bodyhash *, const char *, size_t);
static int	 canon_word(const char *, size_t, const char *);
static int	 header_relaxed(const char *, size_t, struct buf *);

/* CRLFs produced in blocks, so held line ends cost one update each */
#define CRLF_BLOCK	32
static const char crlf_block[2 * CRLF_BLOCK + 1] =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

/* octet classes for the relaxed body scanner: 1 WSP, 2 CR, 0 other */
static const unsigned char relaxed_class[256] = {
	['\t'] = 1, [' '] = 1, ['\r'] = 2
};

/*
 * canon_word - 1 if (p, n) is word, compared case-insensitively (the
 * c= keywords are ABNF quoted strings, RFC 5234 2.3).
 */
static int
canon_word(const char *p, size_t n, const char *word)
{
	size_t	 i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char)word[i])
			return 0;
	}
	return 1;
}

/*
 * dkim_canon_parse - the c= tag value: "hdr[/body]", each "simple" or
 * "relaxed"; a missing body part means simple (RFC 6376 3.5 c=).
 */
int
dkim_canon_parse(const char *p, size_t n, enum dkim_canon *hdr,
    enum dkim_canon *body)
{
	const char	*slash;
	size_t		 hn, bn;
	enum dkim_canon	 h, b;

	slash = memchr(p, '/', n);
	hn = slash != NULL ? (size_t)(slash - p) : n;
	if (canon_word(p, hn, "simple"))
		h = DKIM_CANON_SIMPLE;
	else if (canon_word(p, hn, "relaxed"))
		h = DKIM_CANON_RELAXED;
	else
		return -1;
	if (slash == NULL)
		b = DKIM_CANON_SIMPLE;
	else {
		bn = n - hn - 1;
		if (canon_word(slash + 1, bn, "simple"))
			b = DKIM_CANON_SIMPLE;
		else if (canon_word(slash + 1, bn, "relaxed"))
			b = DKIM_CANON_RELAXED;
		else
			return -1;
	}
	*hdr = h;
	*body = b;
	return 0;
}

/* dkim_canon_name - "simple" or "relaxed" */
const char *
dkim_canon_name(enum dkim_canon c)
{
	return c == DKIM_CANON_RELAXED ? "relaxed" : "simple";
}

/*
 * header_relaxed - RFC 6376 3.4.2: lower-case the name, drop WSP around
 * the colon, unfold (every CRLF inside the field goes), turn WSP runs
 * into one SP, drop WSP at the end of the value; then CRLF. Runs of
 * ordinary octets are appended in one piece.
 */
static int
header_relaxed(const char *raw, size_t len, struct buf *out)
{
	const char	*colon, *p, *end = raw + len;
	size_t		 namelen, i, start;
	int		 wsp = 0, started = 0;
	char		 lower[64];

	if (len >= 2 && raw[len - 2] == '\r' && raw[len - 1] == '\n')
		end -= 2;
	colon = memchr(raw, ':', end - raw);
	namelen = colon != NULL ? (size_t)(colon - raw) : (size_t)(end - raw);
	/* obsolete syntax "Name :" (RFC 5322 4.5.8): WSP before the colon */
	while (namelen > 0 && (raw[namelen - 1] == ' ' ||
	    raw[namelen - 1] == '\t'))
		namelen--;
	for (i = 0; i < namelen; i += sizeof(lower)) {
		size_t	 j, n = namelen - i;

		if (n > sizeof(lower))
			n = sizeof(lower);
		for (j = 0; j < n; j++) {
			unsigned char c = (unsigned char)raw[i + j];

			lower[j] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
		}
		buf_add(out, lower, n);
	}
	if (colon == NULL)
		return buf_add(out, "\r\n", 2);
	buf_addc(out, ':');
	p = colon + 1;
	while (p < end) {
		if (*p == ' ' || *p == '\t') {
			wsp = 1;
			p++;
		} else if (*p == '\r' && end - p >= 2 && p[1] == '\n') {
			/* unfold: the CRLF itself goes, the WSP counts */
			p += 2;
		} else {
			if (wsp && started)
				buf_addc(out, ' ');
			wsp = 0;
			started = 1;
			start = p - raw;
			while (p < end && *p != ' ' && *p != '\t' &&
			    !(*p == '\r' && end - p >= 2 && p[1] == '\n'))
				p++;
			buf_add(out, raw + start, (size_t)(p - raw) - start);
		}
	}
	buf_add(out, "\r\n", 2);
	return buf_error(out) ? -1 : 0;
}

/*
 * dkim_canon_header - one header field, canonicalized, ending in CRLF.
 * simple (RFC 6376 3.4.1) keeps the field as it is (a missing final CRLF
 * is added).
 */
int
dkim_canon_header(enum dkim_canon c, const char *raw, size_t len,
    struct buf *out)
{
	if (c == DKIM_CANON_RELAXED)
		return header_relaxed(raw, len, out);
	buf_add(out, raw, len);
	if (len < 2 || raw[len - 2] != '\r' || raw[len - 1] != '\n')
		buf_add(out, "\r\n", 2);
	return buf_error(out) ? -1 : 0;
}

/*
 * dkim_bodyhash_new - start a streamed body hash.
 */
struct dkim_bodyhash *
dkim_bodyhash_new(enum dkim_canon c, enum crypto_md md, long long limit)
{
	struct dkim_bodyhash *bh;

	bh = xcalloc(1, sizeof(*bh));
	bh->canon = c;
	bh->md = md;
	bh->limit = limit < 0 ? -1 : limit;
	bh->hash = crypto_hash_new(md);
	return bh;
}

/* dkim_bodyhash_free - release; NULL is fine */
void
dkim_bodyhash_free(struct dkim_bodyhash *bh)
{
	if (bh == NULL)
		return;
	crypto_hash_free(bh->hash);
	free(bh);
}

/* dkim_bodyhash_tap - see every hashed canonical octet (tests, debug) */
void
dkim_bodyhash_tap(struct dkim_bodyhash *bh, dkim_canon_tap_fn fn, void *arg)
{
	bh->tap = fn;
	bh->tap_arg = arg;
}

/* dkim_bodyhash_canon / _md / _limit - what the hash was made for */
enum dkim_canon
dkim_bodyhash_canon(const struct dkim_bodyhash *bh)
{
	return bh->canon;
}

enum crypto_md
dkim_bodyhash_md(const struct dkim_bodyhash *bh)
{
	return bh->md;
}

long long
dkim_bodyhash_limit(const struct dkim_bodyhash *bh)
{
	return bh->limit;
}

/*
 * hash_out - give canonical octets to the hash, stopping at the l= limit
 * (RFC 6376 3.4.5: only the first l octets are hashed).
 */
static void
hash_out(struct dkim_bodyhash *bh, const char *p, size_t n)
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

/* span_flush - hash the pending span of the current chunk */
static void
span_flush(struct dkim_bodyhash *bh)
{
	if (bh->spanlen > 0)
		hash_out(bh, bh->span, bh->spanlen);
	bh->spanlen = 0;
}

/*
 * emit_input - produce n octets that are the chunk's own octets at p:
 * they extend the pending span when they follow it directly.
 */
static void
emit_input(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	bh->total += n;
	if (bh->spanlen > 0 && bh->span + bh->spanlen == p) {
		bh->spanlen += n;
		return;
	}
	span_flush(bh);
	bh->span = p;
	bh->spanlen = n;
}

/*
 * emit_const - produce n octets of constant text (held CRLFs, the SP of
 * a WSP run). When the input right after the span holds the same octets,
 * the span grows over them; otherwise the text is hashed on its own.
 */
static void
emit_const(struct dkim_bodyhash *bh, const char *s, size_t n)
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
		span_flush(bh);
	}
	hash_out(bh, s, n);
}

/*
 * body_content - n octets of line content (in_input: they are in the
 * current chunk): first the line ends held back before them, then the
 * SP of a pending WSP run, then the octets.
 */
static void
body_content(struct dkim_bodyhash *bh, const char *p, size_t n, int in_input)
{
	size_t	 k;

	while (bh->held > 0) {
		k = bh->held > CRLF_BLOCK ? CRLF_BLOCK : (size_t)bh->held;
		emit_const(bh, crlf_block, 2 * k);
		bh->held -= k;
	}
	if (bh->wsp) {
		emit_const(bh, " ", 1);
		bh->wsp = 0;
	}
	if (in_input)
		emit_input(bh, p, n);
	else
		emit_const(bh, p, n);
	bh->nonempty = 1;
}

/* body_crlf - a line end: held back; WSP before it disappears */
static void
body_crlf(struct dkim_bodyhash *bh)
{
	bh->wsp = 0;
	bh->held++;
}

/*
 * body_simple - RFC 6376 3.4.3 on one chunk: everything but CRLF is
 * content, so whole stretches between line ends go out as they are.
 */
static void
body_simple(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	const char	*end = p + n, *cr, *start = p;

	while (start < end) {
		cr = memchr(start, '\r', end - start);
		if (cr == NULL) {
			body_content(bh, start, end - start, 1);
			return;
		}
		if (cr + 1 == end) {
			if (cr > start)
				body_content(bh, start, cr - start, 1);
			bh->pend_cr = 1;
			return;
		}
		if (cr[1] == '\n') {
			if (cr > start)
				body_content(bh, start, cr - start, 1);
			body_crlf(bh);
			start = cr + 2;
		} else {
			/* a lone CR is content: keep it in the run */
			body_content(bh, start, cr + 1 - start, 1);
			start = cr + 1;
		}
	}
}

/*
 * skip_content - index of the first octet at or after i that is not
 * plain content for the relaxed scanner (SP, HTAB or CR), or n. Eight
 * octets at a time while none of them is below 0x21 (the classic "has a
 * byte less than" test), then one at a time by table.
 */
static size_t
skip_content(const unsigned char *u, size_t i, size_t n)
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
	while (i < n && relaxed_class[u[i]] == 0)
		i++;
	return i;
}

/*
 * body_relaxed - RFC 6376 3.4.4 on one chunk, with a table lookup per
 * octet and content runs passed on whole.
 */
static void
body_relaxed(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t		 i = 0, start;

	while (i < n) {
		switch (relaxed_class[u[i]]) {
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
				body_crlf(bh);
				i += 2;
				break;
			}
			/* a lone CR is content */
			start = i++;
			while (i < n && relaxed_class[u[i]] == 0)
				i++;
			body_content(bh, p + start, i - start, 1);
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
				i = skip_content(u, i, n);
				if (n - i >= 2 && u[i] == ' ' &&
				    relaxed_class[u[i + 1]] == 0)
					i += 2;
				else if (n - i >= 3 && u[i] == '\r' &&
				    u[i + 1] == '\n' &&
				    relaxed_class[u[i + 2]] == 0)
					i += 3;
				else
					break;
			}
			body_content(bh, p + start, i - start, 1);
			break;
		}
	}
}

/*
 * dkim_bodyhash_update - canonicalize and hash one chunk of body. The
 * chunk may end anywhere, also between CR and LF.
 */
void
dkim_bodyhash_update(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	if (n == 0)
		return;
	bh->chunk_end = p + n;
	bh->spanlen = 0;
	if (bh->pend_cr) {
		bh->pend_cr = 0;
		if (p[0] == '\n') {
			body_crlf(bh);
			p++;
			n--;
		} else
			body_content(bh, "\r", 1, 0);
	}
	if (bh->canon == DKIM_CANON_RELAXED)
		body_relaxed(bh, p, n);
	else
		body_simple(bh, p, n);
	/* the chunk belongs to the caller: nothing may point into it */
	span_flush(bh);
	bh->chunk_end = NULL;
}

/*
 * dkim_bodyhash_final - finish the body: a CR held at the very end is
 * content; then exactly one CRLF closes a body (simple: always, so an
 * empty body is CRLF; relaxed: only a non-empty one). Trailing empty
 * lines, still held, are dropped. The object is reset for reuse.
 */
size_t
dkim_bodyhash_final(struct dkim_bodyhash *bh, unsigned char out[CRYPTO_MAX_MD],
    long long *total)
{
	size_t	 n;

	bh->chunk_end = NULL;
	bh->spanlen = 0;
	if (bh->pend_cr)
		body_content(bh, "\r", 1, 0);
	if (bh->canon == DKIM_CANON_SIMPLE || bh->nonempty)
		emit_const(bh, "\r\n", 2);
	n = crypto_hash_final(bh->hash, out);
	if (total != NULL)
		*total = bh->total > (unsigned long long)LLONG_MAX ?
		    LLONG_MAX : (long long)bh->total;
	bh->total = bh->hashed = bh->held = 0;
	bh->pend_cr = bh->wsp = bh->nonempty = 0;
	return n;
}
