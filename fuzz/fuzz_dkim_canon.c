/*
 * fuzz_dkim_canon.c - libFuzzer harness for dkim_canon.h: the streamed
 * body canonicalizers with their hash, the header field canonicalizer
 * and the c= parser.
 *
 * Input: a flags byte (canonicalization, l= limit on/off, digest), four
 * bytes that seed the chunk sizes, then the data. Invariants:
 *   - body: one-shot and chunked input give the same digest, the same
 *     total and the same canonical bytes (seen through the tap); with no
 *     limit, canonicalizing the canonical body again changes nothing
 *     (RFC 6376 3.4.3, 3.4.4 are idempotent); the canonical body is
 *     empty or ends in CRLF; with a limit, at most that many bytes are
 *     hashed;
 *   - header, for a well-formed field (fuzz_field_ok): simple output is
 *     the input; relaxed output ends in CRLF, has a lower-case name, no
 *     WSP around the colon or at the end, no LF inside, and is a fixed
 *     point.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "fuzz.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CANON_CAP	(4 * 1024 * 1024)

struct body_run {
	unsigned char	 md[CRYPTO_MAX_MD];
	size_t		 mdlen;
	long long	 total;
	struct buf	 tap;
};

static void	fuzz_tap(void *, const char *, size_t);
static void	fuzz_body(enum dkim_canon, enum crypto_md, long long,
		    const char *, size_t, uint32_t, struct body_run *);
static void	fuzz_header(const char *, size_t);
static int	fuzz_field_ok(const char *, size_t);

/*
 * fuzz_field_ok - is raw a header field as rfc5322_parse() hands it out:
 * a name of ftext (RFC 5322 3.6.8), a colon, lines that each end in
 * CRLF, every line after the first starting with WSP, no bare LF?
 */
static int
fuzz_field_ok(const char *raw, size_t len)
{
	size_t	 i, name = 0;

	while (name < len && raw[name] != ':') {
		if ((unsigned char)raw[name] < 0x21 ||
		    (unsigned char)raw[name] > 0x7e)
			return 0;
		name++;
	}
	if (name == 0 || name == len || len < 2 || raw[len - 2] != '\r' ||
	    raw[len - 1] != '\n')
		return 0;
	for (i = 0; i < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (i == 0 || raw[i - 1] != '\r')
			return 0;
		if (i + 1 < len && raw[i + 1] != ' ' && raw[i + 1] != '\t')
			return 0;
	}
	return 1;
}

/* fuzz_tap - collect the canonical body */
static void
fuzz_tap(void *arg, const char *p, size_t n)
{
	struct buf	*b = arg;

	buf_add(b, p, n);
}

/*
 * fuzz_body - canonicalize and hash p; seed 0 feeds it in one call, any
 * other seed in random chunks, each in its own buffer.
 */
static void
fuzz_body(enum dkim_canon c, enum crypto_md md, long long limit,
    const char *p, size_t n, uint32_t seed, struct body_run *r)
{
	struct dkim_bodyhash	*bh;
	size_t			 off, chunk;
	char			*piece;

	buf_init(&r->tap, CANON_CAP);
	bh = dkim_bodyhash_new(c, md, limit);
	dkim_bodyhash_tap(bh, fuzz_tap, &r->tap);
	FUZZ_CHECK(dkim_bodyhash_canon(bh) == c);
	FUZZ_CHECK(dkim_bodyhash_md(bh) == md);
	FUZZ_CHECK(dkim_bodyhash_limit(bh) == limit);
	for (off = 0; off < n; off += chunk) {
		chunk = seed == 0 ? n : 1 + fuzz_rng(&seed) % 9;
		if (chunk > n - off)
			chunk = n - off;
		piece = fuzz_dup(p + off, chunk);
		dkim_bodyhash_update(bh, piece, chunk);
		free(piece);
		if (seed != 0 && fuzz_rng(&seed) % 5 == 0)
			dkim_bodyhash_update(bh, p, 0);
	}
	r->mdlen = dkim_bodyhash_final(bh, r->md, &r->total);
	dkim_bodyhash_free(bh);
	FUZZ_CHECK(r->mdlen == crypto_md_len(md));
	FUZZ_CHECK(!buf_error(&r->tap));
}

/*
 * fuzz_header - both header canonicalizations of one raw field.
 */
static void
fuzz_header(const char *raw, size_t len)
{
	struct buf	 s, r, r2;
	const char	*d, *colon;
	size_t		 i, n, namelen;
	int		 valid = fuzz_field_ok(raw, len);

	buf_init(&s, CANON_CAP);
	buf_init(&r, CANON_CAP);
	buf_init(&r2, CANON_CAP);
	FUZZ_CHECK(dkim_canon_header(DKIM_CANON_SIMPLE, raw, len, &s) == 0);
	FUZZ_CHECK(dkim_canon_header(DKIM_CANON_RELAXED, raw, len, &r) == 0);
	if (valid) {
		/* simple: the field unchanged (RFC 6376 3.4.1) */
		FUZZ_CHECK(buf_len(&s) == len &&
		    memcmp(buf_data(&s), raw, len) == 0);
		d = buf_data(&r);
		n = buf_len(&r);
		FUZZ_CHECK(n >= 2 && d[n - 2] == '\r' && d[n - 1] == '\n');
		for (i = 0; i + 2 < n; i++)
			FUZZ_CHECK(d[i] != '\n');
		colon = memchr(d, ':', n);
		FUZZ_CHECK(colon != NULL);
		namelen = (size_t)(colon - d);
		for (i = 0; i < namelen; i++)
			FUZZ_CHECK(!(d[i] >= 'A' && d[i] <= 'Z') &&
			    d[i] != ' ' && d[i] != '\t');
		if (colon + 1 < d + n - 2)
			FUZZ_CHECK(colon[1] != ' ' && colon[1] != '\t');
		if (n >= 3)
			FUZZ_CHECK(d[n - 3] != ' ' && d[n - 3] != '\t');
		/* RFC 6376 3.4.2 is a fixed point */
		FUZZ_CHECK(dkim_canon_header(DKIM_CANON_RELAXED, d, n,
		    &r2) == 0);
		FUZZ_CHECK(buf_len(&r2) == n &&
		    memcmp(buf_data(&r2), d, n) == 0);
	}
	buf_clear(&s);
	buf_clear(&r);
	buf_clear(&r2);
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in = { data, size };
	struct body_run		 one, chunked, again;
	enum dkim_canon		 c, hc, bc;
	enum crypto_md		 md;
	long long		 limit;
	uint32_t		 seed;
	unsigned		 flags;
	char			*body;

	if (size > CANON_CAP / 8)
		return 0;
	flags = fuzz_byte(&in);
	seed = fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed |= 1;
	c = flags & 1 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	md = flags & 2 ? CRYPTO_MD_SHA1 : CRYPTO_MD_SHA256;
	limit = flags & 4 ? (long long)(flags >> 3) * 7 : -1;

	body = fuzz_dup(in.p, in.n);
	fuzz_body(c, md, limit, body, in.n, 0, &one);
	fuzz_body(c, md, limit, body, in.n, seed, &chunked);
	FUZZ_CHECK(one.mdlen == chunked.mdlen &&
	    memcmp(one.md, chunked.md, one.mdlen) == 0);
	FUZZ_CHECK(one.total == chunked.total);
	FUZZ_CHECK(buf_len(&one.tap) == buf_len(&chunked.tap) &&
	    memcmp(buf_data(&one.tap), buf_data(&chunked.tap),
	    buf_len(&one.tap)) == 0);
	if (limit >= 0)
		FUZZ_CHECK((long long)buf_len(&one.tap) <= limit &&
		    (long long)buf_len(&one.tap) <= one.total);
	else {
		FUZZ_CHECK((long long)buf_len(&one.tap) == one.total);
		FUZZ_CHECK(buf_len(&one.tap) == 0 || (buf_len(&one.tap) >= 2 &&
		    memcmp(buf_data(&one.tap) + buf_len(&one.tap) - 2, "\r\n",
		    2) == 0));
		fuzz_body(c, md, limit, buf_data(&one.tap), buf_len(&one.tap),
		    0, &again);
		FUZZ_CHECK(buf_len(&again.tap) == buf_len(&one.tap) &&
		    memcmp(buf_data(&again.tap), buf_data(&one.tap),
		    buf_len(&one.tap)) == 0);
		FUZZ_CHECK(again.mdlen == one.mdlen &&
		    memcmp(again.md, one.md, one.mdlen) == 0);
		buf_clear(&again.tap);
	}
	buf_clear(&one.tap);
	buf_clear(&chunked.tap);

	fuzz_header(body, in.n);
	if (dkim_canon_parse(body, in.n, &hc, &bc) == 0)
		FUZZ_CHECK(dkim_canon_name(hc) != NULL &&
		    dkim_canon_name(bc) != NULL);
	free(body);
	return 0;
}
