/*
 * fuzz_dkim_sig.c - libFuzzer harness for the DKIM-Signature parser of
 * dkim_sig.h (dkim_sig_parse) with the builder and the header hash input
 * it pairs with.
 *
 * Input: the value of a DKIM-Signature field (after the colon). When it
 * parses:
 *   - the strings are NUL-terminated inside their arrays, lengths are in
 *     range, h= names point into the input, dkim_sig_keyname fits;
 *   - round trip: a signature built (dkim_sig_build, dkim_sig_add_b) from
 *     the parsed values parses again to the same values, whenever the
 *     builder's own rules allow it (it never signs rsa-sha1, and bh= must
 *     have the digest length);
 *   - dkim_sig_header_input() over a small header block holding the
 *     field succeeds for both canonicalizations.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dkim_sig.h"
#include "fuzz.h"
#include "rfc5322.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SIG_CAP		(256 * 1024)

static void	fuzz_roundtrip(const struct dkim_sig *);
static void	fuzz_header_input(const struct dkim_sig *, const char *,
		    size_t);

static const char hdr_head[] = "From: a@example.com\r\nSubject: x\r\n";

/*
 * fuzz_roundtrip - build a signature from sig, parse it, compare.
 */
static void
fuzz_roundtrip(const struct dkim_sig *sig)
{
	struct dkim_sig_spec	 sp;
	struct dkim_sig		*again;
	struct buf		 out;
	const char		*why = NULL, *colon;
	char			*value;
	size_t			 vlen, i;

	if (sig->alg == DKIM_SIG_RSA_SHA1 ||
	    sig->bhlen != crypto_md_len(sig->md))
		return;
	memset(&sp, 0, sizeof(sp));
	sp.alg = sig->alg;
	sp.hcanon = sig->hcanon;
	sp.bcanon = sig->bcanon;
	sp.d = sig->d;
	sp.s = sig->s;
	sp.i = sig->has_i ? sig->i : NULL;
	sp.q = 1;
	sp.t = sig->t;
	sp.x = sig->x;
	sp.h = sig->h;
	sp.nh = sig->nh;
	sp.bh = sig->bh;
	sp.bhlen = sig->bhlen;

	buf_init(&out, SIG_CAP);
	if (dkim_sig_build(&sp, &out) == -1) {
		/* only a cap overflow may refuse what the parser accepted */
		fprintf(stderr, "builder refused a parsed signature\n");
		FUZZ_CHECK(buf_error(&out));
		buf_clear(&out);
		return;
	}
	FUZZ_CHECK(dkim_sig_add_b(&out, sig->b, sig->blen) == 0);
	FUZZ_CHECK(buf_len(&out) > 2 &&
	    memcmp(buf_data(&out) + buf_len(&out) - 2, "\r\n", 2) == 0);
	FUZZ_CHECK(strncmp(buf_data(&out), "DKIM-Signature:", 15) == 0);
	colon = buf_data(&out) + 15;
	vlen = buf_len(&out) - 15 - 2;
	value = fuzz_dup(colon, vlen);

	if ((again = malloc(sizeof(*again))) == NULL)
		abort();
	if (dkim_sig_parse(again, value, vlen, &why) == -1) {
		fprintf(stderr, "rebuilt signature does not parse: %s\n", why);
		abort();
	}
	FUZZ_CHECK(again->alg == sig->alg);
	FUZZ_CHECK(again->hcanon == sig->hcanon);
	FUZZ_CHECK(again->bcanon == sig->bcanon);
	FUZZ_CHECK(strcmp(again->d, sig->d) == 0);
	FUZZ_CHECK(strcmp(again->s, sig->s) == 0);
	FUZZ_CHECK(again->has_i == sig->has_i);
	FUZZ_CHECK(strcmp(again->i, sig->i) == 0);
	FUZZ_CHECK(again->nh == sig->nh);
	for (i = 0; i < sig->nh; i++)
		FUZZ_CHECK(again->h[i].len == sig->h[i].len &&
		    memcmp(again->h[i].p, sig->h[i].p, sig->h[i].len) == 0);
	FUZZ_CHECK(again->blen == sig->blen &&
	    memcmp(again->b, sig->b, sig->blen) == 0);
	FUZZ_CHECK(again->bhlen == sig->bhlen &&
	    memcmp(again->bh, sig->bh, sig->bhlen) == 0);
	FUZZ_CHECK(again->t == sig->t);
	FUZZ_CHECK(again->x == sig->x);
	FUZZ_CHECK(again->l == -1);
	free(again);
	free(value);
	buf_clear(&out);
}

/*
 * fuzz_header_input - the hash input over a header block that holds the
 * signature field after a From and a Subject field.
 */
static void
fuzz_header_input(const struct dkim_sig *sig, const char *value,
    size_t len)
{
	struct rfc5322_hdr	 hdr;
	struct buf		 block, out;
	size_t			 i, sigidx = SIZE_MAX, off;
	int			 c;
	char			*blk;

	buf_init(&block, SIG_CAP);
	buf_adds(&block, hdr_head);
	off = buf_len(&block);
	buf_adds(&block, "DKIM-Signature:");
	buf_add(&block, value, len);
	buf_adds(&block, "\r\n");
	if (buf_error(&block)) {
		buf_clear(&block);
		return;
	}
	blk = fuzz_dup(buf_data(&block), buf_len(&block));
	rfc5322_hdr_init(&hdr);
	(void)rfc5322_parse(&hdr, blk, buf_len(&block), 1000);
	for (i = 0; i < hdr.nfields; i++)
		if (hdr.fields[i].raw == blk + off)
			sigidx = i;
	if (sigidx != SIZE_MAX) {
		buf_init(&out, SIG_CAP * 2);
		for (c = DKIM_CANON_SIMPLE; c <= DKIM_CANON_RELAXED; c++) {
			buf_reset(&out);
			FUZZ_CHECK(dkim_sig_header_input(c, &hdr, sigidx,
			    sig->h, sig->nh, hdr.fields[sigidx].raw,
			    hdr.fields[sigidx].rawlen, &out) == 0);
		}
		buf_clear(&out);
	}
	rfc5322_hdr_clear(&hdr);
	free(blk);
	buf_clear(&block);
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
	struct dkim_sig	*sig;
	const char	*why = NULL;
	char		*value, name[DKIM_DOMAIN_MAX * 2 + 16];
	size_t		 i;

	if (size > SIG_CAP / 4)
		return 0;
	value = fuzz_dup(data, size);
	if ((sig = malloc(sizeof(*sig))) == NULL)
		abort();
	if (dkim_sig_parse(sig, value, size, &why) == -1) {
		FUZZ_CHECK(why != NULL);
		goto out;
	}
	FUZZ_CHECK(memchr(sig->d, '\0', sizeof(sig->d)) != NULL);
	FUZZ_CHECK(memchr(sig->s, '\0', sizeof(sig->s)) != NULL);
	FUZZ_CHECK(memchr(sig->i, '\0', sizeof(sig->i)) != NULL);
	FUZZ_CHECK(memchr(sig->bprefix, '\0', sizeof(sig->bprefix)) != NULL);
	FUZZ_CHECK(sig->d[0] != '\0' && sig->s[0] != '\0');
	FUZZ_CHECK(sig->idomain < sizeof(sig->i));
	FUZZ_CHECK(sig->nh >= 1 && sig->nh <= DKIM_SIG_MAXH);
	for (i = 0; i < sig->nh; i++)
		FUZZ_CHECK(fuzz_within(sig->h[i].p, sig->h[i].len, value,
		    size));
	FUZZ_CHECK(sig->blen <= CRYPTO_MAX_SIG);
	FUZZ_CHECK(sig->bhlen <= CRYPTO_MAX_MD);
	FUZZ_CHECK(sig->x < 0 || sig->t < 0 || sig->x >= sig->t);
	if (dkim_sig_keyname(sig, name, sizeof(name)) == 0)
		FUZZ_CHECK(strlen(name) <= 253);
	(void)dkim_sig_expired(sig, 1800000000LL);
	FUZZ_CHECK(dkim_sig_alg_name(sig->alg) != NULL);

	fuzz_roundtrip(sig);
	fuzz_header_input(sig, value, size);
 out:
	free(sig);
	free(value);
	return 0;
}
