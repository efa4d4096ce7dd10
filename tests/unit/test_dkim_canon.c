/*
 * test_dkim_canon.c - RFC 6376 3.4 canonicalization (src/dkim_canon.c).
 *
 * Golden files tests/unit/data/canon/NAME.in with NAME.simple.ref and
 * NAME.relaxed.ref (made by an independent implementation, see
 * make-refs.py there) are compared byte for byte with the canonical
 * octets the body hash consumed (dkim_bodyhash_tap), and the digest with
 * SHA-256 of the .ref. Every body input is also fed in two chunks split
 * at every offset (a sample of them for inputs over 1 KiB), in three
 * chunks split at every pair of offsets for the small ones, and one
 * octet at a time, each chunk in its own exact-size heap buffer
 * (AddressSanitizer catches a read past a chunk), and must give the same
 * octets; l= cuts at many lengths must hash exactly the first l
 * canonical octets. Header fields: hdr-NAME.in, the same way. Small
 * inline cases name each rule.
 *
 * Differential tests: the body canonicalizer before its vector scanner
 * is kept as the reference (canon_ref.c). Thousands of random bodies
 * (an alphabet heavy in SP, HTAB, CR, LF and 'a'; text with rare
 * irregularities; long clean runs), fed in random chunks of 1..70
 * octets or of 64 KiB, both canonicalizations, with and without l=,
 * must give the digest, total and tapped octets of the reference fed in
 * one piece; each special octet pattern is also moved over every
 * position of a long line (every alignment of the 16- and 8-octet scan
 * steps). Everything runs with the SSE2 scanner (where compiled in) and
 * with the portable one (dkim_canon_portable).
 */
#include "autoconf.h"

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "canon_ref.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_testutil.h"
#include "xmalloc.h"

#define CANON_DIR	TEST_DATADIR "/canon"
#define S(x)		x, (sizeof(x) - 1)

/* what the tap saw */
struct tapped {
	struct buf	 out;
	size_t		 calls;
};

/* tap_cb - collect canonical octets */
static void
tap_cb(void *arg, const char *p, size_t n)
{
	struct tapped *t = arg;

	buf_add(&t->out, p, n);
	t->calls++;
}

/*
 * run_chunks - canonicalize input cut at the given offsets (each chunk a
 * separate exact-size heap copy); collect output, digest and total.
 */
static void
run_chunks(enum dkim_canon c, long long l, const char *in, size_t len,
    const size_t *cuts, size_t ncuts, struct tapped *t,
    unsigned char dg[CRYPTO_MAX_MD], long long *total)
{
	struct dkim_bodyhash *bh;
	size_t		 i, from = 0, to;
	char		*chunk;

	buf_init(&t->out, 1 << 20);
	t->calls = 0;
	bh = dkim_bodyhash_new(c, CRYPTO_MD_SHA256, l);
	dkim_bodyhash_tap(bh, tap_cb, t);
	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : len;
		chunk = tu_dup(in + from, to - from);
		dkim_bodyhash_update(bh, chunk, to - from);
		free(chunk);
		from = to;
	}
	assert_int_equal(dkim_bodyhash_final(bh, dg, total), 32);
	dkim_bodyhash_free(bh);
}

/* sha256 - digest of a buffer, through crypto_hash */
static void
sha256(const char *p, size_t n, unsigned char dg[CRYPTO_MAX_MD])
{
	struct crypto_hash *h = crypto_hash_new(CRYPTO_MD_SHA256);

	crypto_hash_update(h, p, n);
	assert_int_equal(crypto_hash_final(h, dg), 32);
	crypto_hash_free(h);
}

/*
 * check_body - the full battery for one input and its expected canonical
 * form under c.
 */
static void
check_body(enum dkim_canon c, const char *in, size_t len, const char *ref,
    size_t reflen)
{
	struct tapped	 t;
	unsigned char	 want[CRYPTO_MAX_MD], got[CRYPTO_MAX_MD];
	long long	 total, l;
	size_t		 cuts[2], i, j, *bytes;
	static const long long limits[] = { 0, 1, 2, 3, 5, 64 };

	/* one chunk: exact octets, digest, total */
	sha256(ref, reflen, want);
	run_chunks(c, -1, in, len, NULL, 0, &t, got, &total);
	assert_int_equal(buf_len(&t.out), reflen);
	assert_memory_equal(buf_data(&t.out), ref, reflen);
	assert_memory_equal(got, want, 32);
	assert_int_equal(total, (long long)reflen);
	buf_clear(&t.out);

	/*
	 * two chunks, split at every offset (for long inputs: every offset
	 * near either end, and every 61st in between, to stay quick under
	 * valgrind)
	 */
	for (i = 0; i <= len; i++) {
		if (len > 1024 && i > 64 && len - i > 64 && i % 61 != 0)
			continue;
		cuts[0] = i;
		run_chunks(c, -1, in, len, cuts, 1, &t, got, &total);
		if (buf_len(&t.out) != reflen ||
		    memcmp(buf_data(&t.out), ref, reflen) != 0)
			fail_msg("split at %zu differs", i);
		assert_memory_equal(got, want, 32);
		assert_int_equal(total, (long long)reflen);
		buf_clear(&t.out);
	}
	/* three chunks, for the small inputs */
	if (len <= 80) {
		for (i = 0; i <= len; i++)
			for (j = i; j <= len; j++) {
				cuts[0] = i;
				cuts[1] = j;
				run_chunks(c, -1, in, len, cuts, 2, &t, got,
				    &total);
				if (memcmp(got, want, 32) != 0)
					fail_msg("split at %zu,%zu differs",
					    i, j);
				buf_clear(&t.out);
			}
	}
	/* one octet at a time */
	if (len > 0) {
		bytes = xcalloc(len, sizeof(*bytes));
		for (i = 0; i < len; i++)
			bytes[i] = i + 1;
		run_chunks(c, -1, in, len, bytes, len - 1, &t, got, &total);
		assert_int_equal(buf_len(&t.out), reflen);
		assert_memory_equal(buf_data(&t.out), ref, reflen);
		assert_memory_equal(got, want, 32);
		buf_clear(&t.out);
		free(bytes);
	}
	/* l= cuts (RFC 6376 3.4.5): only the first l octets are hashed */
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]) + 4; i++) {
		if (i < sizeof(limits) / sizeof(limits[0]))
			l = limits[i];
		else
			l = (long long)reflen - 2 + (long long)(i -
			    sizeof(limits) / sizeof(limits[0]));
		if (l < 0)
			continue;
		sha256(ref, (size_t)l < reflen ? (size_t)l : reflen, want);
		cuts[0] = len / 2;
		run_chunks(c, l, in, len, cuts, 1, &t, got, &total);
		assert_memory_equal(got, want, 32);
		assert_int_equal(total, (long long)reflen);
		assert_int_equal(buf_len(&t.out),
		    (size_t)l < reflen ? (size_t)l : reflen);
		buf_clear(&t.out);
	}
}

/* golden file names (body inputs) */
static const char *const golden_body[] = {
	"rfc6376-example", "whitespace-runs", "trailing-whitespace",
	"trailing-empty-lines", "empty", "only-crlf", "only-wsp-lines",
	"no-final-crlf", "no-final-crlf-after-empty", "lone-cr-lf",
	"ends-in-cr", "dots", "single-space", "binary", "long-line", "mime",
};

/* golden file names (header fields) */
static const char *const golden_hdr[] = {
	"hdr-folded", "hdr-upper-name", "hdr-wsp-around-colon",
	"hdr-empty-value", "hdr-wsp-value", "hdr-no-space", "hdr-utf8",
	"hdr-dkim-signature", "hdr-received", "hdr-trailing-fold",
};

/* test_golden_body - NAME.in against NAME.{simple,relaxed}.ref */
static void
test_golden_body(void **state)
{
	const char	*name = *state;
	char		 file[256], *in, *ref, *inx;
	size_t		 len, reflen;
	int		 c;

	snprintf(file, sizeof(file), "%s.in", name);
	in = tu_read(CANON_DIR, file, &len);
	inx = tu_dup(in, len);
	for (c = DKIM_CANON_SIMPLE; c <= DKIM_CANON_RELAXED; c++) {
		snprintf(file, sizeof(file), "%s.%s.ref", name,
		    dkim_canon_name(c));
		ref = tu_read(CANON_DIR, file, &reflen);
		check_body(c, inx, len, ref, reflen);
		free(ref);
	}
	free(inx);
	free(in);
}

/*
 * test_golden_hdr - hdr-NAME.in against its refs; the same field without
 * its final CRLF canonicalizes the same way.
 */
static void
test_golden_hdr(void **state)
{
	const char	*name = *state;
	char		 file[256], *in, *ref, *inx;
	size_t		 len, reflen;
	struct buf	 out;
	int		 c;

	snprintf(file, sizeof(file), "%s.in", name);
	in = tu_read(CANON_DIR, file, &len);
	for (c = DKIM_CANON_SIMPLE; c <= DKIM_CANON_RELAXED; c++) {
		snprintf(file, sizeof(file), "%s.%s.ref", name,
		    dkim_canon_name(c));
		ref = tu_read(CANON_DIR, file, &reflen);
		buf_init(&out, 4096);
		inx = tu_dup(in, len);
		assert_int_equal(dkim_canon_header(c, inx, len, &out), 0);
		assert_int_equal(buf_len(&out), reflen);
		assert_memory_equal(buf_data(&out), ref, reflen);
		free(inx);
		buf_reset(&out);
		inx = tu_dup(in, len - 2);
		assert_int_equal(dkim_canon_header(c, inx, len - 2, &out), 0);
		assert_int_equal(buf_len(&out), reflen);
		assert_memory_equal(buf_data(&out), ref, reflen);
		free(inx);
		buf_clear(&out);
		free(ref);
	}
	free(in);
}

/* one body rule: input and both canonical forms */
struct body_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*simple;
	size_t		 slen;
	const char	*relaxed;
	size_t		 rlen;
};

static const struct body_case body_cases[] = {
	{ "empty body: simple CRLF, relaxed empty", S(""), S("\r\n"),
	    S("") },
	{ "CRLF only", S("\r\n"), S("\r\n"), S("") },
	{ "WSP run to one SP", S("a \t  b\r\n"), S("a \t  b\r\n"),
	    S("a b\r\n") },
	{ "tab alone to SP", S("a\tb\r\n"), S("a\tb\r\n"), S("a b\r\n") },
	{ "leading WSP kept as one SP", S("\t\t x\r\n"), S("\t\t x\r\n"),
	    S(" x\r\n") },
	{ "trailing WSP removed", S("a \t \r\nb\t\r\n"), S("a \t \r\nb\t\r\n"),
	    S("a\r\nb\r\n") },
	{ "WSP-only line is empty", S("a\r\n  \r\nb\r\n"),
	    S("a\r\n  \r\nb\r\n"), S("a\r\n\r\nb\r\n") },
	{ "trailing empty lines dropped", S("a\r\n\r\n\r\n"), S("a\r\n"),
	    S("a\r\n") },
	{ "trailing WSP lines dropped (relaxed)", S("a\r\n \r\n\t\r\n"),
	    S("a\r\n \r\n\t\r\n"), S("a\r\n") },
	{ "inner empty lines kept", S("a\r\n\r\n\r\nb\r\n"),
	    S("a\r\n\r\n\r\nb\r\n"), S("a\r\n\r\n\r\nb\r\n") },
	{ "no final CRLF added", S("a\r\nb"), S("a\r\nb\r\n"),
	    S("a\r\nb\r\n") },
	{ "no final CRLF, trailing WSP", S("a  "), S("a  \r\n"), S("a\r\n") },
	{ "WSP alone without CRLF", S(" \t"), S(" \t\r\n"), S("") },
	{ "lone CR is content", S("a\rb\r\n"), S("a\rb\r\n"), S("a\rb\r\n") },
	{ "lone LF is content", S("a\nb\r\n"), S("a\nb\r\n"), S("a\nb\r\n") },
	{ "CR before CRLF is content", S("a\r\r\n"), S("a\r\r\n"),
	    S("a\r\r\n") },
	{ "WSP before lone CR stays", S("a \rb\r\n"), S("a \rb\r\n"),
	    S("a \rb\r\n") },
	{ "lone LF line not empty", S("a\r\n\n\r\n"), S("a\r\n\n\r\n"),
	    S("a\r\n\n\r\n") },
	{ "CR at the very end", S("a\r"), S("a\r\r\n"), S("a\r\r\n") },
	{ "LF CR reversed", S("a\n\r"), S("a\n\r\r\n"), S("a\n\r\r\n") },
	{ "NUL octets are content", S("a\0 \0\r\n"), S("a\0 \0\r\n"),
	    S("a\0 \0\r\n") },
	{ "8-bit octets are content", S("\xe4\xf6  \xfc\r\n"),
	    S("\xe4\xf6  \xfc\r\n"), S("\xe4\xf6 \xfc\r\n") },
	{ "many held empty lines then text", S("a\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nz"),
	    S("a\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	    "\r\n\r\n\r\n\r\nz\r\n"),
	    S("a\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	    "\r\n\r\n\r\n\r\nz\r\n") },
};

/* test_body_rule - one inline rule through the full battery */
static void
test_body_rule(void **state)
{
	const struct body_case *bc = *state;
	char	*in = tu_dup(bc->in, bc->len);

	check_body(DKIM_CANON_SIMPLE, in, bc->len, bc->simple, bc->slen);
	check_body(DKIM_CANON_RELAXED, in, bc->len, bc->relaxed, bc->rlen);
	free(in);
}

/* one header rule */
struct hdr_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*simple;
	const char	*relaxed;
};

static const struct hdr_case hdr_cases[] = {
	{ "name lower-cased (relaxed only)", S("SuBjEcT: Hi\r\n"),
	    "SuBjEcT: Hi\r\n", "subject:Hi\r\n" },
	{ "value case kept", S("X: ABC def\r\n"), "X: ABC def\r\n",
	    "x:ABC def\r\n" },
	{ "unfolding", S("X: a\r\n b\r\n\tc\r\n"), "X: a\r\n b\r\n\tc\r\n",
	    "x:a b c\r\n" },
	{ "WSP around colon", S("X \t: \t v\r\n"), "X \t: \t v\r\n",
	    "x:v\r\n" },
	{ "trailing WSP", S("X: v \t\r\n"), "X: v \t\r\n", "x:v\r\n" },
	{ "WSP run inside", S("X: a  \t b\r\n"), "X: a  \t b\r\n",
	    "x:a b\r\n" },
	{ "empty value", S("X:\r\n"), "X:\r\n", "x:\r\n" },
	{ "colon in value", S("X: a:b\r\n"), "X: a:b\r\n", "x:a:b\r\n" },
	{ "lone CR and LF kept", S("X: a\rb\nc\r\n"), "X: a\rb\nc\r\n",
	    "x:a\rb\nc\r\n" },
	{ "no final CRLF", S("X: v"), "X: v\r\n", "x:v\r\n" },
	{ "fold then only WSP", S("X: v\r\n \r\n\t\r\n"),
	    "X: v\r\n \r\n\t\r\n", "x:v\r\n" },
};

/* test_hdr_rule - one inline header rule */
static void
test_hdr_rule(void **state)
{
	const struct hdr_case *hc = *state;
	char		*in = tu_dup(hc->in, hc->len);
	struct buf	 out;

	buf_init(&out, 4096);
	assert_int_equal(dkim_canon_header(DKIM_CANON_SIMPLE, in, hc->len,
	    &out), 0);
	assert_int_equal(buf_len(&out), strlen(hc->simple));
	assert_memory_equal(buf_data(&out), hc->simple, buf_len(&out));
	buf_reset(&out);
	assert_int_equal(dkim_canon_header(DKIM_CANON_RELAXED, in, hc->len,
	    &out), 0);
	assert_int_equal(buf_len(&out), strlen(hc->relaxed));
	assert_memory_equal(buf_data(&out), hc->relaxed, buf_len(&out));
	buf_clear(&out);
	free(in);
}

/* one c= value */
struct cparse_case {
	const char	*name;
	const char	*in;
	int		 ok;
	enum dkim_canon	 h;
	enum dkim_canon	 b;
};

static const struct cparse_case cparse_cases[] = {
	{ "simple/simple", "simple/simple", 0, DKIM_CANON_SIMPLE,
	    DKIM_CANON_SIMPLE },
	{ "relaxed/relaxed", "relaxed/relaxed", 0, DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED },
	{ "relaxed/simple", "relaxed/simple", 0, DKIM_CANON_RELAXED,
	    DKIM_CANON_SIMPLE },
	{ "simple/relaxed", "simple/relaxed", 0, DKIM_CANON_SIMPLE,
	    DKIM_CANON_RELAXED },
	{ "relaxed alone means relaxed/simple", "relaxed", 0,
	    DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE },
	{ "simple alone", "simple", 0, DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE },
	{ "ABNF literal: case-insensitive", "Relaxed/SIMPLE", 0,
	    DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE },
	{ "empty", "", -1, 0, 0 },
	{ "unknown", "nowsp/simple", -1, 0, 0 },
	{ "empty body part", "relaxed/", -1, 0, 0 },
	{ "empty header part", "/relaxed", -1, 0, 0 },
	{ "three parts", "relaxed/relaxed/relaxed", -1, 0, 0 },
	{ "prefix only", "relax", -1, 0, 0 },
	{ "trailing space", "simple ", -1, 0, 0 },
};

/* test_cparse - dkim_canon_parse over exact-length input */
static void
test_cparse(void **state)
{
	const struct cparse_case *cc = *state;
	enum dkim_canon	 h = 99, b = 99;
	size_t		 n = strlen(cc->in);
	char		*in = tu_dup(cc->in, n);

	assert_int_equal(dkim_canon_parse(in, n, &h, &b), cc->ok);
	if (cc->ok == 0) {
		assert_int_equal(h, cc->h);
		assert_int_equal(b, cc->b);
	} else {
		assert_int_equal(h, 99);
		assert_int_equal(b, 99);
	}
	free(in);
}

/*
 * test_fast_path - ordinary text goes to the hash as one span per chunk,
 * not one update per line or word; the final CRLF is the only other one.
 */
static void
test_fast_path(void **state)
{
	struct tapped	 t;
	struct buf	 in;
	unsigned char	 dg[CRYPTO_MAX_MD];
	long long	 total;
	int		 i, c;

	(void)state;
	buf_init(&in, 1 << 20);
	for (i = 0; i < 200; i++)
		buf_printf(&in, "line %d with some words in it\r\n", i);
	buf_adds(&in, "\r\n\r\n");
	for (c = DKIM_CANON_SIMPLE; c <= DKIM_CANON_RELAXED; c++) {
		run_chunks(c, -1, buf_data(&in), buf_len(&in), NULL, 0, &t,
		    dg, &total);
		assert_int_equal(t.calls, 2);
		assert_int_equal(total, (long long)buf_len(&in) - 4);
		buf_clear(&t.out);
	}
	buf_clear(&in);
}

/*
 * test_reuse_and_accessors - the hash reports what it was made for, and
 * starts afresh after final.
 */
static void
test_reuse_and_accessors(void **state)
{
	struct dkim_bodyhash *bh;
	unsigned char	 a[CRYPTO_MAX_MD], b[CRYPTO_MAX_MD];
	long long	 total;

	(void)state;
	bh = dkim_bodyhash_new(DKIM_CANON_RELAXED, CRYPTO_MD_SHA1, 10);
	assert_int_equal(dkim_bodyhash_canon(bh), DKIM_CANON_RELAXED);
	assert_int_equal(dkim_bodyhash_md(bh), CRYPTO_MD_SHA1);
	assert_int_equal(dkim_bodyhash_limit(bh), 10);
	dkim_bodyhash_update(bh, "x  y\r\n\r\n", 8);
	assert_int_equal(dkim_bodyhash_final(bh, a, &total), 20);
	assert_int_equal(total, 5);
	dkim_bodyhash_update(bh, "x y\r\n", 5);
	assert_int_equal(dkim_bodyhash_final(bh, b, NULL), 20);
	assert_memory_equal(a, b, 20);
	dkim_bodyhash_free(bh);
	dkim_bodyhash_free(NULL);
	bh = dkim_bodyhash_new(DKIM_CANON_SIMPLE, CRYPTO_MD_SHA256, -5);
	assert_int_equal(dkim_bodyhash_limit(bh), -1);
	dkim_bodyhash_free(bh);
}

/*
 * test_empty_body_hashes - the well-known digests of the empty body:
 * simple hashes CRLF, relaxed hashes nothing (RFC 6376 3.4.3, 3.4.4).
 */
static void
test_empty_body_hashes(void **state)
{
	unsigned char	 dg[CRYPTO_MAX_MD];
	char		 b64[64];

	(void)state;
	tu_bodyhash(DKIM_CANON_SIMPLE, CRYPTO_MD_SHA256, -1, "", 0, dg);
	crypto_b64_encode(dg, 32, b64, sizeof(b64));
	assert_string_equal(b64,
	    "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	tu_bodyhash(DKIM_CANON_RELAXED, CRYPTO_MD_SHA256, -1, "", 0, dg);
	crypto_b64_encode(dg, 32, b64, sizeof(b64));
	assert_string_equal(b64,
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	tu_bodyhash(DKIM_CANON_SIMPLE, CRYPTO_MD_SHA1, -1, "", 0, dg);
	crypto_b64_encode(dg, 20, b64, sizeof(b64));
	assert_string_equal(b64, "uoq1oCgLlTqpdDX/iUbLy7J1Wic=");
}

/* diff_rng - xorshift64*, deterministic from DIFF_SEED */
static uint64_t
diff_rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

#define DIFF_SEED	0x6b696d6764617465ULL
#define DIFF_BODIES	3000

/* one canonicalization result: digest, total, tapped octets */
struct diff_out {
	unsigned char	 md[CRYPTO_MAX_MD];
	size_t		 mdlen;
	long long	 total;
	struct tapped	 t;
};

/* diff_ref - the reference canonicalizer, the body in one piece */
static void
diff_ref(enum dkim_canon c, long long l, const char *in, size_t len,
    struct diff_out *o)
{
	struct ref_bodyhash *rh;
	char		*copy = tu_dup(in, len);

	buf_init(&o->t.out, 1 << 22);
	o->t.calls = 0;
	rh = ref_bodyhash_new(c, CRYPTO_MD_SHA256, l);
	ref_bodyhash_tap(rh, tap_cb, &o->t);
	ref_bodyhash_update(rh, copy, len);
	o->mdlen = ref_bodyhash_final(rh, o->md, &o->total);
	ref_bodyhash_free(rh);
	free(copy);
}

/*
 * diff_new - dkim_bodyhash in chunks: sizes 1..70 from the generator,
 * or all of 64 KiB (chunk 0), each chunk in its own exact-size buffer
 */
static void
diff_new(enum dkim_canon c, long long l, const char *in, size_t len,
    size_t chunk, uint64_t *rng, struct diff_out *o)
{
	struct dkim_bodyhash *bh;
	size_t		 off, k;
	char		*piece;

	buf_init(&o->t.out, 1 << 22);
	o->t.calls = 0;
	bh = dkim_bodyhash_new(c, CRYPTO_MD_SHA256, l);
	dkim_bodyhash_tap(bh, tap_cb, &o->t);
	for (off = 0; off < len; off += k) {
		k = chunk != 0 ? chunk : 1 + diff_rng(rng) % 70;
		if (k > len - off)
			k = len - off;
		piece = tu_dup(in + off, k);
		dkim_bodyhash_update(bh, piece, k);
		free(piece);
	}
	o->mdlen = dkim_bodyhash_final(bh, o->md, &o->total);
	dkim_bodyhash_free(bh);
}

/* diff_same - 1 if two runs gave the same digest, total and octets */
static int
diff_same(const struct diff_out *a, const struct diff_out *b)
{
	return a->mdlen == b->mdlen &&
	    memcmp(a->md, b->md, a->mdlen) == 0 && a->total == b->total &&
	    buf_len(&a->t.out) == buf_len(&b->t.out) &&
	    memcmp(buf_data(&a->t.out), buf_data(&b->t.out),
	    buf_len(&a->t.out)) == 0;
}

/*
 * diff_check - in, both canonicalizations, no l= and a random l=, random
 * small chunks and 64 KiB chunks, against the reference. what names the
 * body in a failure message.
 */
static void
diff_check(const char *in, size_t len, uint64_t *rng, const char *what,
    size_t n)
{
	struct diff_out	 want, got;
	long long	 l;
	int		 c, lim, mode;

	for (c = DKIM_CANON_SIMPLE; c <= DKIM_CANON_RELAXED; c++)
		for (lim = 0; lim < 2; lim++) {
			l = -1;
			if (lim) {
				diff_ref(c, -1, in, len, &want);
				l = (long long)(diff_rng(rng) %
				    (uint64_t)(want.total + 4));
				buf_clear(&want.t.out);
			}
			diff_ref(c, l, in, len, &want);
			for (mode = 0; mode < 2; mode++) {
				diff_new(c, l, in, len, mode ? 65536 : 0, rng,
				    &got);
				if (!diff_same(&got, &want))
					fail_msg("%s %zu (%zu octets), %s, "
					    "l=%lld, %s chunks: differs from "
					    "the reference", what, n, len,
					    dkim_canon_name(c), l,
					    mode ? "64 KiB" : "1..70 octet");
				buf_clear(&got.t.out);
			}
			buf_clear(&want.t.out);
		}
}

/*
 * diff_body - a random body of one of three kinds into b: octets drawn
 * from SP HTAB CR LF 'a' (and a few others); 'a'/'b' words with single
 * SPs and CRLFs and rare irregularities; or a long clean run (up to
 * 140 KiB, so 64 KiB chunks and the 64-octet scan steps see long runs)
 * ending in a random tail (one body in 32: they take the most time).
 */
static void
diff_body(struct buf *b, uint64_t *rng)
{
	static const char alpha[] = "      \t\t\t\r\r\r\r\n\n\naaaab\0\xff";
	static const char *const odd[] = {
		"\t", "  ", " \t", "\t ", " \r\n", "\r\n\r\n", "\r", "\n",
		" \r", "\r\r\n", "\n\r", " \n", "\r\n \r\n", "\r\n\t\r\n",
	};
	uint64_t	 r = diff_rng(rng);
	size_t		 len, i;
	int		 kind = (int)(r % 32);

	buf_reset(b);
	if (kind < 16) {
		/* short, mostly special octets */
		len = (size_t)(diff_rng(rng) % (kind < 4 ? 8 : 300));
		for (i = 0; i < len; i++)
			buf_addc(b, alpha[diff_rng(rng) %
			    (sizeof(alpha) - 1)]);
		return;
	}
	if (kind < 31) {
		/* text with irregularities now and then */
		len = (size_t)(diff_rng(rng) % 4000);
		while (buf_len(b) < len) {
			r = diff_rng(rng);
			if (r % 97 == 0)
				buf_adds(b, odd[(r >> 8) % (sizeof(odd) /
				    sizeof(odd[0]))]);
			else if (r % 13 == 0)
				buf_adds(b, "\r\n");
			else if (r % 5 == 0)
				buf_addc(b, ' ');
			else
				buf_addc(b, (r >> 8) % 2 ? 'a' : 'b');
		}
		return;
	}
	/* a long clean run and a random tail */
	len = (size_t)(diff_rng(rng) % (140 * 1024));
	for (i = 0; i < len; i++)
		buf_addc(b, i % 80 == 78 ? '\r' : i % 80 == 79 ? '\n' :
		    i % 6 == 5 ? ' ' : 'x');
	len = (size_t)(diff_rng(rng) % 12);
	for (i = 0; i < len; i++)
		buf_adds(b, odd[diff_rng(rng) % (sizeof(odd) /
		    sizeof(odd[0]))]);
}

/* test_diff_random - DIFF_BODIES random bodies against the reference */
static void
test_diff_random(void **state)
{
	const int	*portable = *state;
	struct buf	 b;
	uint64_t	 rng = DIFF_SEED;
	size_t		 n;

	dkim_canon_portable(*portable);
	buf_init(&b, 1 << 20);
	for (n = 0; n < DIFF_BODIES; n++) {
		diff_body(&b, &rng);
		diff_check(buf_data(&b), buf_len(&b), &rng, "random body", n);
	}
	buf_clear(&b);
	dkim_canon_portable(0);
}

/*
 * test_diff_sweep - each pattern that needs work (and some that do not)
 * at every position of a 200-octet clean line followed by more text,
 * and at every position before the end of the body: every alignment of
 * the scan steps, and of the chunk ends.
 */
static void
test_diff_sweep(void **state)
{
	static const char *const pat[] = {
		"\t", "  ", " \t", " \r\n", " \r", "\r", "\n", "\r\n",
		"\r\n\r\n", " \r\n\r\n", "\r\n ", "\t\r\n", " ", "\r\n\t",
	};
	const int	*portable = *state;
	struct buf	 b;
	uint64_t	 rng = DIFF_SEED ^ 1;
	size_t		 p, pos, i;

	dkim_canon_portable(*portable);
	buf_init(&b, 1 << 20);
	for (p = 0; p < sizeof(pat) / sizeof(pat[0]); p++)
		for (pos = 0; pos <= 200; pos++) {
			buf_reset(&b);
			for (i = 0; i < pos; i++)
				buf_addc(&b, i % 7 == 6 ? ' ' : 'w');
			buf_adds(&b, pat[p]);
			/* the same line again, then the body ends */
			for (i = 0; i < 200 - pos; i++)
				buf_addc(&b, i % 7 == 6 ? ' ' : 'w');
			diff_check(buf_data(&b), buf_len(&b), &rng,
			    "sweep", p * 1000 + pos);
		}
	buf_clear(&b);
	dkim_canon_portable(0);
}

/* run_table - one named cmocka test per table row */
static int
run_table(const char *group, CMUnitTestFunction fn, const void *rows,
    size_t rowsize, size_t n, int names_are_rows)
{
	struct CMUnitTest *t;
	size_t		 i;
	int		 rc;

	t = xcalloc(n, sizeof(*t));
	for (i = 0; i < n; i++) {
		const void *row = (const char *)rows + i * rowsize;

		t[i].name = *(const char *const *)row;
		t[i].test_func = fn;
		t[i].initial_state = names_are_rows ?
		    (void *)(uintptr_t)*(const char *const *)row :
		    (void *)(uintptr_t)row;
	}
	rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return rc;
}

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))

int
main(void)
{
	static const int vector = 0, portable = 1;
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_fast_path),
		cmocka_unit_test(test_reuse_and_accessors),
		cmocka_unit_test(test_empty_body_hashes),
	};
	const struct CMUnitTest diff[] = {
		{ "random bodies, vector scanner", test_diff_random, NULL,
		    NULL, (void *)(uintptr_t)&vector },
		{ "random bodies, portable scanner", test_diff_random, NULL,
		    NULL, (void *)(uintptr_t)&portable },
		{ "patterns at every position, vector scanner",
		    test_diff_sweep, NULL, NULL, (void *)(uintptr_t)&vector },
		{ "patterns at every position, portable scanner",
		    test_diff_sweep, NULL, NULL,
		    (void *)(uintptr_t)&portable },
	};
	int	 rc = 0;

	rc += run_table("golden body", test_golden_body, golden_body,
	    sizeof(golden_body[0]), NROWS(golden_body), 1);
	rc += run_table("golden header", test_golden_hdr, golden_hdr,
	    sizeof(golden_hdr[0]), NROWS(golden_hdr), 1);
	rc += run_table("body rules", test_body_rule, body_cases,
	    sizeof(body_cases[0]), NROWS(body_cases), 0);
	rc += run_table("header rules", test_hdr_rule, hdr_cases,
	    sizeof(hdr_cases[0]), NROWS(hdr_cases), 0);
	rc += run_table("c= parsing", test_cparse, cparse_cases,
	    sizeof(cparse_cases[0]), NROWS(cparse_cases), 0);
	rc += cmocka_run_group_tests_name("body hash", misc, NULL, NULL);
	rc += cmocka_run_group_tests_name("differential", diff, NULL, NULL);
	return rc;
}
