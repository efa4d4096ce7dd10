/*
 * fuzz_dmarc.c - libFuzzer harness for the DMARC policy record parser of
 * dmarc.h (dmarc_record_parse).
 *
 * Input: the text of a TXT record. Invariants: a record is recognised
 * only if it starts with "v=DMARC1" (RFC 9989 4.7, 4.8: "v" in either
 * case, blanks only around the "="); every field holds one of its
 * documented values (policies -2..2, alignment 'r'/'s', psd 'y'/'n'/'u',
 * t 'y'/'n', pct -2..100, rua_valid 0/1).
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "fuzz.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_starts_v(const char *, size_t);

/*
 * fuzz_starts_v - does p start with "v=DMARC1", the "v" in either case
 * (an ABNF string, RFC 5234 2.3), blanks allowed around the "=" (RFC 9989
 * 4.8: dmarc-version = "v" equals %s"DMARC1", equals = *WSP "=" *WSP)?
 */
static int
fuzz_starts_v(const char *p, size_t len)
{
	static const char	 want[] = "v=DMARC1";
	size_t			 i, w = 0;

	for (i = 0; i < len && w < sizeof(want) - 1; i++) {
		if ((p[i] == ' ' || p[i] == '\t') && (w == 1 || w == 2))
			continue;
		if (p[i] != want[w] && !(w == 0 && p[i] == 'V'))
			return 0;
		w++;
	}
	return w == sizeof(want) - 1;
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
	struct dmarc_record	 r;
	char			*p;

	if (size > 2 * DMARC_RECORD_MAX)
		return 0;
	p = fuzz_dup(data, size);
	memset(&r, 0x5a, sizeof(r));
	if (dmarc_record_parse(p, size, &r) == 0) {
		FUZZ_CHECK(fuzz_starts_v(p, size));
		FUZZ_CHECK(r.p >= -2 && r.p <= DMARC_POLICY_REJECT);
		FUZZ_CHECK(r.sp >= -2 && r.sp <= DMARC_POLICY_REJECT);
		FUZZ_CHECK(r.np >= -2 && r.np <= DMARC_POLICY_REJECT);
		FUZZ_CHECK(r.adkim == 'r' || r.adkim == 's');
		FUZZ_CHECK(r.aspf == 'r' || r.aspf == 's');
		FUZZ_CHECK(r.psd == 'y' || r.psd == 'n' || r.psd == 'u');
		FUZZ_CHECK(r.t == 'y' || r.t == 'n');
		FUZZ_CHECK(r.pct >= -2 && r.pct <= 100);
		FUZZ_CHECK(r.rua_valid == 0 || r.rua_valid == 1);
	}
	free(p);
	return 0;
}
