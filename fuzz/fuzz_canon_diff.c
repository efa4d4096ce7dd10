/*
 * fuzz_canon_diff.c - libFuzzer harness: the streamed body hash of
 * dkim_canon.h against the reference canonicalizer of the unit tests
 * (tests/unit/canon_ref.c, the implementation before the vector
 * scanner), which is compiled into this harness.
 *
 * Input: as fuzz_dkim_canon (so the seeds are shared): a flags byte
 * (canonicalization, l= limit on/off, digest), four bytes that seed the
 * chunk sizes, then the body. Invariant: the body fed to dkim_bodyhash
 * in random chunks of 1..70 octets with one scanner, and in one piece
 * with the other (SSE2 and portable, dkim_canon_portable), gives the
 * digest, the total and the canonical octets (seen through the tap) of
 * the reference fed in one piece.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "fuzz.h"

#include "../tests/unit/canon_ref.c"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define DIFF_CAP	(4 * 1024 * 1024)

struct diff_run {
	unsigned char	 md[CRYPTO_MAX_MD];
	size_t		 mdlen;
	long long	 total;
	struct buf	 tap;
};

static void	diff_tap(void *, const char *, size_t);
static void	diff_new(enum dkim_canon, enum crypto_md, long long,
		    const char *, size_t, uint32_t, struct diff_run *);
static void	diff_ref(enum dkim_canon, enum crypto_md, long long,
		    const char *, size_t, struct diff_run *);
static void	diff_same(const struct diff_run *, const struct diff_run *);

/* diff_tap - collect the canonical body */
static void
diff_tap(void *arg, const char *p, size_t n)
{
	buf_add(arg, p, n);
}

/*
 * diff_new - dkim_bodyhash over p; seed 0 feeds it in one call, any
 * other seed in chunks of 1..70 octets, each in its own buffer.
 */
static void
diff_new(enum dkim_canon c, enum crypto_md md, long long limit,
    const char *p, size_t n, uint32_t seed, struct diff_run *r)
{
	struct dkim_bodyhash	*bh;
	size_t			 off, chunk;
	char			*piece;

	buf_init(&r->tap, DIFF_CAP);
	bh = dkim_bodyhash_new(c, md, limit);
	dkim_bodyhash_tap(bh, diff_tap, &r->tap);
	for (off = 0; off < n; off += chunk) {
		chunk = seed == 0 ? n : 1 + fuzz_rng(&seed) % 70;
		if (chunk > n - off)
			chunk = n - off;
		piece = fuzz_dup(p + off, chunk);
		dkim_bodyhash_update(bh, piece, chunk);
		free(piece);
	}
	r->mdlen = dkim_bodyhash_final(bh, r->md, &r->total);
	dkim_bodyhash_free(bh);
	FUZZ_CHECK(!buf_error(&r->tap));
}

/* diff_ref - the reference canonicalizer over p in one piece */
static void
diff_ref(enum dkim_canon c, enum crypto_md md, long long limit,
    const char *p, size_t n, struct diff_run *r)
{
	struct ref_bodyhash	*rh;
	char			*copy = fuzz_dup(p, n);

	buf_init(&r->tap, DIFF_CAP);
	rh = ref_bodyhash_new(c, md, limit);
	ref_bodyhash_tap(rh, diff_tap, &r->tap);
	ref_bodyhash_update(rh, copy, n);
	r->mdlen = ref_bodyhash_final(rh, r->md, &r->total);
	ref_bodyhash_free(rh);
	free(copy);
	FUZZ_CHECK(!buf_error(&r->tap));
}

/* diff_same - two runs gave the same digest, total and octets */
static void
diff_same(const struct diff_run *a, const struct diff_run *b)
{
	FUZZ_CHECK(a->mdlen == b->mdlen &&
	    memcmp(a->md, b->md, a->mdlen) == 0);
	FUZZ_CHECK(a->total == b->total);
	FUZZ_CHECK(buf_len(&a->tap) == buf_len(&b->tap) &&
	    memcmp(buf_data(&a->tap), buf_data(&b->tap),
	    buf_len(&a->tap)) == 0);
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging */
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
	struct diff_run		 want, got;
	enum dkim_canon		 c;
	enum crypto_md		 md;
	long long		 limit;
	uint32_t		 seed;
	unsigned		 flags;
	int			 portable;

	if (size > DIFF_CAP / 8)
		return 0;
	flags = fuzz_byte(&in);
	seed = fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	portable = seed >> 31;
	seed |= 1;
	c = flags & 1 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	md = flags & 2 ? CRYPTO_MD_SHA1 : CRYPTO_MD_SHA256;
	limit = flags & 4 ? (long long)(flags >> 3) * 7 : -1;

	diff_ref(c, md, limit, (const char *)in.p, in.n, &want);
	dkim_canon_portable(portable);
	diff_new(c, md, limit, (const char *)in.p, in.n, seed, &got);
	diff_same(&want, &got);
	buf_clear(&got.tap);
	dkim_canon_portable(!portable);
	diff_new(c, md, limit, (const char *)in.p, in.n, 0, &got);
	diff_same(&want, &got);
	buf_clear(&got.tap);
	dkim_canon_portable(0);
	buf_clear(&want.tap);
	return 0;
}
