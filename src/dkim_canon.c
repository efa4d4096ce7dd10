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
 * trailing. Nothing is buffered but a small staging block, whatever the
 * input.
 *
 * Speed: most of a body is its own canonical form, and goes to the hash
 * as a span of the caller's chunk without being copied or looked at
 * octet by octet.
 *   simple:  only the end of the body changes, so a chunk is hashed
 *            whole except for the CRLFs at its end (and a CR in its last
 *            octet), which are held: no per-line work at all.
 *   relaxed: text whose every WSP is a single SP before content (a
 *            CRLF being no WSP, a lone CR being content) is unchanged.
 *            From each content octet a scanner looks for the next place
 *            that needs work: an HTAB, or an SP followed by SP, HTAB,
 *            CRLF or the end of the chunk. The text up to there, less
 *            the CRLFs (and a final CR) at its end, is one span; the
 *            octet-wise state machine takes over only at those places.
 *            The scanner looks at 16 octets per step with SSE2 (x86),
 *            8 per step in portable C elsewhere; dkim_canon_portable()
 *            selects the latter for tests.
 * Short pieces of output (the SP replacing a WSP run, held CRLFs, spans
 * cut short by such places) are copied into a staging block and hashed
 * with it, so text full of tabs or double spaces does not cost one hash
 * update per word.
 */
#include "autoconf.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
#define CANON_SSE2	1
#include <emmintrin.h>
#endif

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "xmalloc.h"

/* staging block; pieces of at least STAGE_DIRECT octets bypass it */
#define STAGE_SIZE	1024
#define STAGE_DIRECT	256
/* relaxed: octets after content looked at one by one before a vector scan */
#define SCAN_NEAR	8

struct dkim_bodyhash {
	enum dkim_canon	 canon;
	enum crypto_md	 md;
	long long	 limit;		/* < 0: no l= limit */
	struct crypto_hash *hash;
	unsigned long long total;	/* canonical octets produced */
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
	/* output waiting for the hash; it comes before the span */
	size_t		 stagelen;
	char		 stage[STAGE_SIZE];
};

static void	 hash_out(struct dkim_bodyhash *, const char *, size_t);
static void	 stage_flush(struct dkim_bodyhash *);
static void	 stage_add(struct dkim_bodyhash *, const char *, size_t);
static void	 span_flush(struct dkim_bodyhash *);
static inline size_t out_room(struct dkim_bodyhash *, size_t);
static inline void out_input(struct dkim_bodyhash *, const char *, size_t);
static inline void out_const(struct dkim_bodyhash *, const char *, size_t);
static inline void body_prefix(struct dkim_bodyhash *);
static void	 body_simple(struct dkim_bodyhash *, const char *, size_t);
static size_t	 scan_tail(const unsigned char *, size_t, size_t, size_t);
static size_t	 scan_word(const unsigned char *, size_t, size_t);
#ifdef CANON_SSE2
static inline uint64_t sse2_work(const unsigned char *);
static size_t	 scan_sse2(const unsigned char *, size_t, size_t);
static size_t	 skip_wsp_sse2(const unsigned char *, size_t, size_t);
#endif
static size_t	 skip_wsp(const unsigned char *, size_t, size_t);
static size_t	 relaxed_run(const unsigned char *, size_t, size_t);
static void	 body_relaxed(struct dkim_bodyhash *, const char *, size_t);
static int	 canon_word(const char *, size_t, const char *);
static int	 header_relaxed(const char *, size_t, struct buf *);

/* CRLFs produced in blocks, so held line ends cost one update each */
#define CRLF_8		"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
#define CRLF_32		CRLF_8 CRLF_8 CRLF_8 CRLF_8
#define CRLF_BLOCK	256
static const char crlf_block[2 * CRLF_BLOCK + 1] =
    CRLF_32 CRLF_32 CRLF_32 CRLF_32 CRLF_32 CRLF_32 CRLF_32 CRLF_32;

/* 1: the relaxed scanner uses its portable code (dkim_canon_portable) */
static int	 canon_portable;

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
 * dkim_canon_portable - 1: the relaxed body scanner uses its portable
 * word-at-a-time code even where the SSE2 one is compiled in; 0: the
 * fastest available. Returns 1 if an SSE2 scanner is compiled in.
 */
int
dkim_canon_portable(int on)
{
	canon_portable = on != 0;
#ifdef CANON_SSE2
	return 1;
#else
	return 0;
#endif
}

/*
 * hash_out - give canonical octets to the hash (and the tap). The l=
 * cut is made before: out_room().
 */
static void
hash_out(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	if (n == 0)
		return;
	crypto_hash_update(bh->hash, p, n);
	if (bh->tap != NULL)
		bh->tap(bh->tap_arg, p, n);
}

/* stage_flush - hash the staging block */
static void
stage_flush(struct dkim_bodyhash *bh)
{
	hash_out(bh, bh->stage, bh->stagelen);
	bh->stagelen = 0;
}

/*
 * stage_add - append n octets of output after what is staged: copied
 * when short, hashed directly (after the staged octets) when long.
 */
static void
stage_add(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	char	*o;

	if (n >= STAGE_DIRECT) {
		stage_flush(bh);
		hash_out(bh, p, n);
		return;
	}
	if (n > sizeof(bh->stage) - bh->stagelen)
		stage_flush(bh);
	o = bh->stage + bh->stagelen;
	bh->stagelen += n;
	if (n > 16) {
		memcpy(o, p, n);
		return;
	}
	/* the pieces of text full of work are this short: no call */
	while (n-- > 0)
		*o++ = *p++;
}

/* span_flush - the pending span of the current chunk goes out */
static void
span_flush(struct dkim_bodyhash *bh)
{
	if (bh->spanlen > 0)
		stage_add(bh, bh->span, bh->spanlen);
	bh->spanlen = 0;
}

/*
 * out_room - count n more canonical octets; returns how many of them
 * are to be hashed: all, or those before the l= limit (RFC 6376 3.4.5:
 * only the first l octets are hashed).
 */
static inline size_t
out_room(struct dkim_bodyhash *bh, size_t n)
{
	unsigned long long before = bh->total, room;

	bh->total += n;
	if (bh->limit < 0)
		return n;
	if (before >= (unsigned long long)bh->limit)
		return 0;
	room = (unsigned long long)bh->limit - before;
	return n > room ? (size_t)room : n;
}

/*
 * out_input - produce n octets that are the chunk's own octets at p:
 * they extend the pending span when they follow it directly.
 */
static inline void
out_input(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	if ((n = out_room(bh, n)) == 0)
		return;
	if (bh->spanlen > 0 && bh->span + bh->spanlen == p) {
		bh->spanlen += n;
		return;
	}
	span_flush(bh);
	bh->span = p;
	bh->spanlen = n;
}

/*
 * out_const - produce n octets of constant text (held CRLFs, the SP of
 * a WSP run, a CR held over a chunk end). When the input right after
 * the span holds the same octets, the span grows over them; otherwise
 * the text is staged.
 */
static inline void
out_const(struct dkim_bodyhash *bh, const char *s, size_t n)
{
	const char	*next;

	if ((n = out_room(bh, n)) == 0)
		return;
	if (bh->spanlen > 0) {
		next = bh->span + bh->spanlen;
		if ((size_t)(bh->chunk_end - next) >= n && (n == 1 ?
		    *next == *s : memcmp(next, s, n) == 0)) {
			bh->spanlen += n;
			return;
		}
		span_flush(bh);
	}
	stage_add(bh, s, n);
}

/*
 * body_prefix - content follows: first the line ends held back before
 * it, then the SP of a pending WSP run (relaxed).
 */
static inline void
body_prefix(struct dkim_bodyhash *bh)
{
	size_t	 k;

	while (bh->held > 0) {
		k = bh->held > CRLF_BLOCK ? CRLF_BLOCK : (size_t)bh->held;
		out_const(bh, crlf_block, 2 * k);
		bh->held -= k;
	}
	if (bh->wsp) {
		out_const(bh, " ", 1);
		bh->wsp = 0;
	}
	bh->nonempty = 1;
}

/*
 * body_simple - RFC 6376 3.4.3 on one chunk: only trailing empty lines
 * change, so all of the chunk but the CRLFs at its end (and a CR that
 * ends it, which may start a CRLF) is output as it is. The octet before
 * those CRLFs is content: it is no LF closing a CRLF (that would belong
 * to the run) and a CR there is followed by CR, so it is a lone one.
 */
static void
body_simple(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	size_t	 end = n;
	unsigned long long crlfs = 0;
	int	 cr = 0;

	if (p[end - 1] == '\r') {
		cr = 1;
		end--;
	}
	while (end >= 2 && p[end - 1] == '\n' && p[end - 2] == '\r') {
		end -= 2;
		crlfs++;
	}
	if (end > 0) {
		body_prefix(bh);
		out_input(bh, p, end);
	}
	bh->held += crlfs;
	bh->pend_cr = cr;
}

/*
 * scan_tail - the relaxed scanner one octet at a time: index of the
 * first octet in [i, stop) that needs work, or stop. An octet needs
 * work if it is HTAB, or SP followed by SP, HTAB, or a CR that starts a
 * CRLF or ends the chunk (of n octets), or SP ending the chunk. An SP
 * before a lone CR, like one before any other content, stays.
 */
static size_t
scan_tail(const unsigned char *u, size_t i, size_t stop, size_t n)
{
	for (; i < stop; i++) {
		if (u[i] == '\t')
			return i;
		if (u[i] != ' ')
			continue;
		if (i + 1 == n || u[i + 1] == ' ' || u[i + 1] == '\t')
			return i;
		if (u[i + 1] == '\r' && (i + 2 == n || u[i + 2] == '\n'))
			return i;
	}
	return stop;
}

/*
 * Word-at-a-time helpers: WORD_EQ(w, B) has 0x80 in exactly the octets
 * of w equal to B, 0 elsewhere. Exact, no carries between octets:
 * (x & 0x7f) + 0x7f sets an octet's top bit unless its low seven bits
 * are zero, "| x" adds its own top bit.
 */
#define WORD_LOW7	0x7f7f7f7f7f7f7f7fULL
#define WORD_OF(c)	(0x0101010101010101ULL * (unsigned char)(c))
#define WORD_ZERO(x)	(~((((x) & WORD_LOW7) + WORD_LOW7) | (x)) & \
			    ~WORD_LOW7)
#define WORD_EQ(w, c)	WORD_ZERO((w) ^ WORD_OF(c))

/*
 * scan_word - scan_tail, eight octets per step in portable C: the
 * octets of w, with their next ones in v and the ones after in z. A
 * step reads ten octets, so the last two octets of the chunk are left
 * to scan_tail, as is the step that finds work.
 */
static size_t
scan_word(const unsigned char *u, size_t i, size_t n)
{
	uint64_t	 w, v, z, hit;

	while (n - i >= 10) {
		memcpy(&w, u + i, 8);
		memcpy(&v, u + i + 1, 8);
		memcpy(&z, u + i + 2, 8);
		hit = WORD_EQ(w, '\t') | (WORD_EQ(w, ' ') &
		    (WORD_EQ(v, ' ') | WORD_EQ(v, '\t') |
		    (WORD_EQ(v, '\r') & WORD_EQ(z, '\n'))));
		if (hit != 0)
			break;
		i += 8;
	}
	return scan_tail(u, i, n, n);
}

#ifdef CANON_SSE2
/*
 * sse2_work - bit k set if octet q[k] of 16 needs work (as scan_tail:
 * HTAB, or SP with SP, HTAB or CRLF next); reads q[0..17].
 */
static inline uint64_t
sse2_work(const unsigned char *q)
{
	const __m128i	 sp = _mm_set1_epi8(' ');
	const __m128i	 tab = _mm_set1_epi8('\t');
	const __m128i	 cr = _mm_set1_epi8('\r');
	const __m128i	 lf = _mm_set1_epi8('\n');
	__m128i		 x, y, z, next;

	x = _mm_loadu_si128((const __m128i *)(const void *)q);
	y = _mm_loadu_si128((const __m128i *)(const void *)(q + 1));
	z = _mm_loadu_si128((const __m128i *)(const void *)(q + 2));
	next = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(y, sp),
	    _mm_cmpeq_epi8(y, tab)), _mm_and_si128(_mm_cmpeq_epi8(y, cr),
	    _mm_cmpeq_epi8(z, lf)));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x,
	    tab), _mm_and_si128(_mm_cmpeq_epi8(x, sp), next)));
}

/* octets ahead of the scan asked from memory (the hash reads them next) */
#define SSE2_PREFETCH	4096

/*
 * scan_sse2 - scan_tail with SSE2: first 16 octets, then 64 per step
 * while no octet needs work, then 16; what is left (fewer than 16
 * octets, and the chunk's last two, as a step reads two octets further)
 * one at a time. Long runs prefetch ahead: the scan is the first to
 * read a body that is not in the cache, and the hash does not overlap
 * with it.
 */
static size_t
scan_sse2(const unsigned char *u, size_t i, size_t n)
{
	uint64_t	 m;

	if (n - i >= 18) {
		if ((m = sse2_work(u + i)) != 0)
			return i + (size_t)__builtin_ctzll(m);
		i += 16;
	}
	while (n - i >= 66) {
		if (n - i > SSE2_PREFETCH)
			_mm_prefetch((const char *)(u + i + SSE2_PREFETCH),
			    _MM_HINT_T0);
		m = sse2_work(u + i) | sse2_work(u + i + 16) << 16 |
		    sse2_work(u + i + 32) << 32 | sse2_work(u + i + 48) << 48;
		if (m != 0)
			return i + (size_t)__builtin_ctzll(m);
		i += 64;
	}
	while (n - i >= 18) {
		if ((m = sse2_work(u + i)) != 0)
			return i + (size_t)__builtin_ctzll(m);
		i += 16;
	}
	return scan_tail(u, i, n, n);
}

/*
 * skip_wsp_sse2 - index of the first octet at or after i that is no SP
 * or HTAB, or n; 16 octets per step.
 */
static size_t
skip_wsp_sse2(const unsigned char *u, size_t i, size_t n)
{
	const __m128i	 sp = _mm_set1_epi8(' ');
	const __m128i	 tab = _mm_set1_epi8('\t');
	__m128i		 x;
	unsigned	 m;

	while (n - i >= 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(x, tab))) ^ 0xffff;
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
	while (i < n && (u[i] == ' ' || u[i] == '\t'))
		i++;
	return i;
}
#endif

/*
 * skip_wsp - index of the first octet at or after i that is no WSP, or
 * n: a few octets one at a time (runs are mostly short), then by vector.
 */
static size_t
skip_wsp(const unsigned char *u, size_t i, size_t n)
{
	size_t	 near = n - i > SCAN_NEAR ? i + SCAN_NEAR : n;

	while (i < near && (u[i] == ' ' || u[i] == '\t'))
		i++;
#ifdef CANON_SSE2
	if (i == near && !canon_portable)
		return skip_wsp_sse2(u, i, n);
#endif
	while (i < n && (u[i] == ' ' || u[i] == '\t'))
		i++;
	return i;
}

/*
 * relaxed_run - u[i] is content (no WSP, not the CR of a CRLF, not a CR
 * ending the chunk): the end of the run from i that is its own relaxed
 * canonical form. The run ends before the next place that needs work,
 * less the CRLFs before that place (and a CR ending the chunk), as they
 * may be trailing. So it ends in content: not in SP (an SP before the
 * place, before a CRLF, before a CR ending the chunk or ending it needs
 * work itself), not in a CRLF, and a CR there is followed by SP, HTAB or
 * CR, so lone. Inside, every SP is single and followed by content (a
 * lone CR is content), every CRLF is followed by content later in the
 * run: all of it is output as it is.
 */
static size_t
relaxed_run(const unsigned char *u, size_t i, size_t n)
{
	size_t	 t, near;

	/*
	 * The next few octets one at a time: where work is dense, a
	 * predicted branch beats waiting for a vector compare's result.
	 */
	near = n - i > SCAN_NEAR ? i + SCAN_NEAR : n;
	t = scan_tail(u, i + 1, near, n);
	if (t == near && near < n) {
#ifdef CANON_SSE2
		if (!canon_portable)
			t = scan_sse2(u, near, n);
		else
#endif
			t = scan_word(u, near, n);
	}
	if (t == n && u[n - 1] == '\r')
		t--;
	/* a CRLF starting at i is impossible: u[i] is content */
	while (t - i >= 3 && u[t - 1] == '\n' && u[t - 2] == '\r')
		t -= 2;
	return t;
}

/*
 * body_relaxed - RFC 6376 3.4.4 on one chunk: the octet-wise state
 * machine (WSP runs to a flag, CRLFs to the held counter, a CR at the
 * chunk end held) wherever the input needs work; from each content
 * octet on, the run relaxed_run() finds goes out whole.
 */
static void
body_relaxed(struct dkim_bodyhash *bh, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t		 i = 0, t;
	unsigned long long crlfs;

	while (i < n) {
		switch (u[i]) {
		case ' ':
		case '\t':
			bh->wsp = 1;
			i = skip_wsp(u, i + 1, n);
			continue;
		case '\r':
			if (i + 1 == n) {
				bh->pend_cr = 1;
				return;
			}
			if (u[i + 1] != '\n')
				break;	/* a lone CR is content */
			/* line ends: held; WSP before them disappears */
			bh->wsp = 0;
			crlfs = 0;
			do {
				crlfs++;
				i += 2;
			} while (n - i >= 2 && u[i] == '\r' &&
			    u[i + 1] == '\n');
			bh->held += crlfs;
			continue;
		default:
			break;
		}
		t = relaxed_run(u, i, n);
		body_prefix(bh);
		out_input(bh, p + i, t - i);
		i = t;
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
			/* the CRLF across the chunks: held */
			bh->wsp = 0;
			bh->held++;
			p++;
			n--;
		} else {
			/* a lone CR is content */
			body_prefix(bh);
			out_const(bh, "\r", 1);
		}
	}
	if (n > 0) {
		if (bh->canon == DKIM_CANON_RELAXED)
			body_relaxed(bh, p, n);
		else
			body_simple(bh, p, n);
	}
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
	if (bh->pend_cr) {
		body_prefix(bh);
		out_const(bh, "\r", 1);
	}
	if (bh->canon == DKIM_CANON_SIMPLE || bh->nonempty)
		out_const(bh, "\r\n", 2);
	stage_flush(bh);
	n = crypto_hash_final(bh->hash, out);
	if (total != NULL)
		*total = bh->total > (unsigned long long)LLONG_MAX ?
		    LLONG_MAX : (long long)bh->total;
	bh->total = bh->held = 0;
	bh->pend_cr = bh->wsp = bh->nonempty = 0;
	return n;
}
