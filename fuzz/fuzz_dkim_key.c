/*
 * fuzz_dkim_key.c - libFuzzer harness for dkim_key.h: TXT RDATA string
 * concatenation (dkim_key_txt_concat), the key record parser
 * (dkim_key_parse, which decodes p= and builds the public key through
 * OpenSSL) and the key/signature checks (dkim_key_check).
 *
 * Input: one byte of flags, then TXT RDATA (length-prefixed strings).
 * The RDATA is joined and parsed; the input is also parsed directly as
 * record text. Invariants: the joined length is at most the RDATA length
 * minus one length octet per string and fits the output; a parsed key
 * is consistent (revoked <=> no key <=> bits 0); dkim_key_clear leaves
 * nothing behind (LeakSanitizer); dkim_key_check answers 0 or -1 with a
 * reason for signatures of each algorithm.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_key.h"
#include "dkim_sig.h"
#include "fuzz.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_record(const char *, size_t);

static struct dkim_sig	 sig_rsa, sig_ed, sig_sha1;

/*
 * fuzz_record - parse record text (in its own exactly sized buffer) and
 * check it against the three signatures.
 */
static void
fuzz_record(const char *txt, size_t len)
{
	struct dkim_key	 k;
	const char	*why = NULL;
	char		*copy;
	int		 rc;

	copy = fuzz_dup(txt, len);
	dkim_key_init(&k);
	if (dkim_key_parse(&k, copy, len, &why) == -1) {
		FUZZ_CHECK(why != NULL);
		FUZZ_CHECK(k.key == NULL);
	} else {
		FUZZ_CHECK(k.revoked == (k.key == NULL));
		FUZZ_CHECK(k.revoked == (k.bits == 0));
		FUZZ_CHECK((k.hashes & ~DKIM_KEY_H_ALL) == 0);
		why = NULL;
		rc = dkim_key_check(&k, &sig_rsa, &why);
		FUZZ_CHECK(rc == 0 || (rc == -1 && why != NULL));
		FUZZ_CHECK(rc == -1 || !k.revoked);
		why = NULL;
		rc = dkim_key_check(&k, &sig_ed, &why);
		FUZZ_CHECK(rc == 0 || (rc == -1 && why != NULL));
		why = NULL;
		rc = dkim_key_check(&k, &sig_sha1, &why);
		FUZZ_CHECK(rc == 0 || (rc == -1 && why != NULL));
	}
	dkim_key_clear(&k);
	FUZZ_CHECK(k.key == NULL);
	free(copy);
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char rsa[] = "v=1; a=rsa-sha256; d=example.com; "
	    "s=sel; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; "
	    "i=@sub.example.com; b=AAAA";
	static const char ed[] = "v=1; a=ed25519-sha256; d=example.com; "
	    "s=sel; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; "
	    "b=AAAA";
	static const char sha1[] = "v=1; a=rsa-sha1; d=example.com; "
	    "s=sel; h=from; bh=2jmj7l5rSw0yVb/vlWAYkK/YBwk=; b=AAAA";
	const char	*why = NULL;

	(void)argc;
	(void)argv;
	fuzz_log_init();
	if (dkim_sig_parse(&sig_rsa, rsa, strlen(rsa), &why) == -1 ||
	    dkim_sig_parse(&sig_ed, ed, strlen(ed), &why) == -1 ||
	    dkim_sig_parse(&sig_sha1, sha1, strlen(sha1), &why) == -1) {
		fprintf(stderr, "fuzz_dkim_key: fixed signature: %s\n", why);
		abort();
	}
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*rdata;
	char		*out;
	size_t		 outsz, i, nstr;
	ssize_t		 n;

	if (size < 1 || size > 3 * DKIM_KEY_TXT_MAX)
		return 0;
	/* flags: a small output buffer exercises the "does not fit" path */
	outsz = data[0] & 1 ? DKIM_KEY_TXT_MAX : data[0] >> 1;
	rdata = (unsigned char *)fuzz_dup(data + 1, size - 1);
	out = fuzz_dup("", outsz);

	n = dkim_key_txt_concat(rdata, size - 1, out, outsz);
	if (n >= 0) {
		/* count the strings: each costs one length octet */
		for (i = 0, nstr = 0; i < size - 1; i += 1 + rdata[i])
			nstr++;
		FUZZ_CHECK((size_t)n + nstr == size - 1);
		FUZZ_CHECK((size_t)n <= outsz);
		fuzz_record(out, (size_t)n);
	} else
		FUZZ_CHECK(n == -1);
	free(out);
	free(rdata);

	fuzz_record((const char *)data + 1, size - 1);
	return 0;
}
