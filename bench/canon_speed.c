/*
 * canon_speed.c - CPU time of the streamed DKIM body hash (dkim_canon.h)
 * against raw SHA-256 and against the reference canonicalizer kept for
 * the unit tests (tests/unit/canon_ref.c: the code before the vector
 * scanner), on bodies of ordinary text and on the worst cases.
 *
 *   bench/canon_speed [-m MB] [-r REPS] [-c CHUNK] [CASE ...]
 *
 * Each case is a body of MB MiB (default 25) made in memory,
 * fed in CHUNK-octet pieces (default 65536) to each contender; the
 * figure is the smallest CPU time (CLOCK_PROCESS_CPUTIME_ID) over REPS
 * runs (default 5), the runs of the contenders interleaved. Every
 * digest and total is compared with the reference's: a difference is
 * reported and makes the exit status 1. Built with the tree (make);
 * nothing here runs in make check.
 */
#include "autoconf.h"

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "canon_ref.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "xmalloc.h"

/* one body: name, what it is, how to make it */
struct bcase {
	const char	*name;
	const char	*what;
	void		(*make)(char *, size_t);
};

static double	now(void);
static uint64_t	rng(uint64_t *);
static size_t	put(char *, size_t, size_t, const char *, size_t);
static void	put_words(char *, size_t, size_t, const char *, int);
static void	make_text(char *, size_t);
static void	make_trailing(char *, size_t);
static void	make_double(char *, size_t);
static void	make_tabs(char *, size_t);
static void	make_wsp_lines(char *, size_t);
static void	make_all_sp(char *, size_t);
static void	make_all_crlf(char *, size_t);
static void	make_empty_lines(char *, size_t);
static void	make_lone(char *, size_t);
static void	make_sp_cr(char *, size_t);
static void	make_pattern(char *, size_t, const char *);
static void	make_tab_dense(char *, size_t);
static void	make_sp2_dense(char *, size_t);
static void	make_sp_crlf(char *, size_t);
static void	make_binary(char *, size_t);
static double	run_raw(const char *, size_t, size_t);
static double	run_new(enum dkim_canon, const char *, size_t, size_t,
		    unsigned char *, long long *);
static double	run_ref(enum dkim_canon, const char *, size_t, size_t,
		    unsigned char *, long long *);
static void	usage(void);

static const char *const words[] = {
	"lorem", "ipsum", "dolor", "sit", "amet", "consectetur",
	"adipiscing", "elit", "sed", "do", "eiusmod", "tempor",
};

static const struct bcase cases[] = {
	{ "text", "76-column lines, words and single SPs, CRLF",
	    make_text },
	{ "trailing-sp", "the same, every line ending in SP CRLF",
	    make_trailing },
	{ "double-sp", "words separated by two SPs", make_double },
	{ "tabs", "words separated by HTAB", make_tabs },
	{ "wsp-lines", "lines of 76 SP/HTAB only", make_wsp_lines },
	{ "all-sp", "SP only, no line end", make_all_sp },
	{ "all-crlf", "CRLF only", make_all_crlf },
	{ "empty-lines", "one-letter lines, each after an empty one",
	    make_empty_lines },
	{ "lone-cr-lf", "words ending in lone CR or lone LF",
	    make_lone },
	{ "sp-cr", "\"a \\r\" repeated: SP before lone CR", make_sp_cr },
	{ "tab-dense", "\"a\\t\" repeated", make_tab_dense },
	{ "sp2-dense", "\"a  \" repeated", make_sp2_dense },
	{ "sp-crlf", "\"a \\r\\n\" repeated: a trailing SP on every line",
	    make_sp_crlf },
	{ "binary", "random octets", make_binary },
};

/* now - CPU time of the process, seconds */
static double
now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == -1)
		err(1, "clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* rng - xorshift64* */
static uint64_t
rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* put - copy s[0..len) to b at i, as much as fits in n; the new i */
static size_t
put(char *b, size_t n, size_t i, const char *s, size_t len)
{
	if (len > n - i)
		len = n - i;
	memcpy(b + i, s, len);
	return i + len;
}

/*
 * put_words - fill b[0..n) with lines of at most cols columns: words
 * separated by sep, each line ending in CRLF (after an SP when
 * trailing_sp).
 */
static void
put_words(char *b, size_t n, size_t cols, const char *sep, int trailing_sp)
{
	size_t	 i = 0, line = 0, k = 0, wl, sl = strlen(sep);
	const char *w;

	while (i < n) {
		w = words[k++ % (sizeof(words) / sizeof(words[0]))];
		wl = strlen(w);
		if (line > 0 && line + sl + wl > cols) {
			if (trailing_sp)
				i = put(b, n, i, " ", 1);
			i = put(b, n, i, "\r\n", 2);
			line = 0;
		}
		if (line > 0) {
			i = put(b, n, i, sep, sl);
			line += sl;
		}
		i = put(b, n, i, w, wl);
		line += wl;
	}
}

/* make_text - the common case */
static void
make_text(char *b, size_t n)
{
	put_words(b, n, 76, " ", 0);
}

/* make_trailing - format=flowed style lines */
static void
make_trailing(char *b, size_t n)
{
	put_words(b, n, 76, " ", 1);
}

/* make_double - two SPs between words */
static void
make_double(char *b, size_t n)
{
	put_words(b, n, 76, "  ", 0);
}

/* make_tabs - HTAB between words */
static void
make_tabs(char *b, size_t n)
{
	put_words(b, n, 76, "\t", 0);
}

/* make_wsp_lines - lines of white space only */
static void
make_wsp_lines(char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		b[i] = i % 78 == 76 ? '\r' : i % 78 == 77 ? '\n' :
		    i % 5 == 4 ? '\t' : ' ';
}

/* make_all_sp - one long run of SP */
static void
make_all_sp(char *b, size_t n)
{
	memset(b, ' ', n);
}

/* make_all_crlf - nothing but empty lines */
static void
make_all_crlf(char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		b[i] = i % 2 ? '\n' : '\r';
}

/* make_empty_lines - "x" CRLF CRLF, over and over */
static void
make_empty_lines(char *b, size_t n)
{
	make_pattern(b, n, "x\r\n\r\n");
}

/* make_lone - words separated by SP, lone CR or lone LF */
static void
make_lone(char *b, size_t n)
{
	size_t	 i;

	put_words(b, n, 76, " ", 0);
	for (i = 0; i < n; i++)
		if (b[i] == ' ')
			b[i] = i % 3 == 0 ? '\r' : i % 3 == 1 ? '\n' : ' ';
		else if (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n')
			b[i + 1] = 'x';
}

/* make_pattern - pat over and over */
static void
make_pattern(char *b, size_t n, const char *pat)
{
	size_t	 i, k = strlen(pat);

	for (i = 0; i < n; i++)
		b[i] = pat[i % k];
}

/* make_sp_cr - an SP before every lone CR */
static void
make_sp_cr(char *b, size_t n)
{
	make_pattern(b, n, "a \r");
}

/* make_tab_dense - an HTAB after every octet of text */
static void
make_tab_dense(char *b, size_t n)
{
	make_pattern(b, n, "a\t");
}

/* make_sp2_dense - a run of two SPs after every octet of text */
static void
make_sp2_dense(char *b, size_t n)
{
	make_pattern(b, n, "a  ");
}

/* make_sp_crlf - one-letter lines, each with a trailing SP */
static void
make_sp_crlf(char *b, size_t n)
{
	make_pattern(b, n, "a \r\n");
}

/* make_binary - random octets */
static void
make_binary(char *b, size_t n)
{
	uint64_t	 s = 0x62656e6368ULL, r = 0;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			r = rng(&s);
		b[i] = (char)(r >> (8 * (i % 8)));
	}
}

/* run_raw - SHA-256 of the body in the same chunks; CPU seconds */
static double
run_raw(const char *b, size_t n, size_t chunk)
{
	struct crypto_hash *h = crypto_hash_new(CRYPTO_MD_SHA256);
	unsigned char	 md[CRYPTO_MAX_MD];
	size_t		 off;
	double		 t0, t1;

	t0 = now();
	for (off = 0; off < n; off += chunk)
		crypto_hash_update(h, b + off, n - off < chunk ? n - off :
		    chunk);
	crypto_hash_final(h, md);
	t1 = now();
	crypto_hash_free(h);
	return t1 - t0;
}

/* run_new - dkim_bodyhash over the body; CPU seconds */
static double
run_new(enum dkim_canon c, const char *b, size_t n, size_t chunk,
    unsigned char *md, long long *total)
{
	struct dkim_bodyhash *bh = dkim_bodyhash_new(c, CRYPTO_MD_SHA256, -1);
	size_t		 off;
	double		 t0, t1;

	t0 = now();
	for (off = 0; off < n; off += chunk)
		dkim_bodyhash_update(bh, b + off, n - off < chunk ? n - off :
		    chunk);
	dkim_bodyhash_final(bh, md, total);
	t1 = now();
	dkim_bodyhash_free(bh);
	return t1 - t0;
}

/* run_ref - the reference canonicalizer over the body; CPU seconds */
static double
run_ref(enum dkim_canon c, const char *b, size_t n, size_t chunk,
    unsigned char *md, long long *total)
{
	struct ref_bodyhash *rh = ref_bodyhash_new(c, CRYPTO_MD_SHA256, -1);
	size_t		 off;
	double		 t0, t1;

	t0 = now();
	for (off = 0; off < n; off += chunk)
		ref_bodyhash_update(rh, b + off, n - off < chunk ? n - off :
		    chunk);
	ref_bodyhash_final(rh, md, total);
	t1 = now();
	ref_bodyhash_free(rh);
	return t1 - t0;
}

/* usage - the command line */
static void
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: canon_speed [-m MB] [-r REPS] [-c CHUNK] "
	    "[CASE ...]\ncases:\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fprintf(stderr, "  %-12s %s\n", cases[i].name, cases[i].what);
	exit(2);
}

int
main(int argc, char *argv[])
{
	unsigned char	 mref[CRYPTO_MAX_MD], mnew[CRYPTO_MAX_MD];
	long long	 tref, tnew;
	double		 raw, t[2][2], x;
	size_t		 mb = 25, reps = 5, chunk = 65536, n, i, r;
	char		*body;
	int		 ch, c, bad = 0, any;

	while ((ch = getopt(argc, argv, "m:r:c:")) != -1) {
		switch (ch) {
		case 'm':
			mb = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			reps = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			chunk = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (mb == 0 || reps == 0 || chunk == 0)
		usage();
	for (c = 0; c < argc; c++) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (strcmp(argv[c], cases[i].name) == 0)
				break;
		if (i == sizeof(cases) / sizeof(cases[0]))
			usage();
	}
	n = mb << 20;
	body = xmalloc(n);
	printf("%zu MiB bodies in %zu-octet chunks, CPU ms (best of %zu); "
	    "old = reference canonicalizer, new = dkim_bodyhash\n",
	    mb, chunk, reps);
	printf("%-12s %8s %8s %8s %6s %8s %8s %6s\n", "case", "sha256",
	    "simp.old", "simp.new", "/sha", "relx.old", "relx.new", "/sha");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		any = argc == 0;
		for (c = 0; c < argc; c++)
			any |= strcmp(argv[c], cases[i].name) == 0;
		if (!any)
			continue;
		cases[i].make(body, n);
		raw = 1e9;
		t[0][0] = t[0][1] = t[1][0] = t[1][1] = 1e9;
		for (r = 0; r < reps; r++) {
			if ((x = run_raw(body, n, chunk)) < raw)
				raw = x;
			for (c = DKIM_CANON_SIMPLE; c <= DKIM_CANON_RELAXED;
			    c++) {
				if ((x = run_ref(c, body, n, chunk, mref,
				    &tref)) < t[c][0])
					t[c][0] = x;
				if ((x = run_new(c, body, n, chunk, mnew,
				    &tnew)) < t[c][1])
					t[c][1] = x;
				if (tref != tnew ||
				    memcmp(mref, mnew, 32) != 0) {
					printf("%s: %s: DIFFERS from the "
					    "reference\n", cases[i].name,
					    dkim_canon_name(c));
					bad = 1;
				}
			}
		}
		printf("%-12s %8.1f %8.1f %8.1f %6.2f %8.1f %8.1f %6.2f\n",
		    cases[i].name, raw * 1e3, t[0][0] * 1e3, t[0][1] * 1e3,
		    t[0][1] / raw, t[1][0] * 1e3, t[1][1] * 1e3,
		    t[1][1] / raw);
		fflush(stdout);
	}
	free(body);
	return bad;
}
