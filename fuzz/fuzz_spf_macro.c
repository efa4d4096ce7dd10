/*
 * fuzz_spf_macro.c - libFuzzer harness for the SPF macro language of
 * spf.h (RFC 7208 7): spf_macro_check, spf_macro_expand,
 * spf_domain_spec_check, spf_macro_uses, spf_domain_truncate.
 *
 * Input: a byte choosing the context and the output size, a byte
 * choosing the client address family, then the macro-string. The macro
 * values are fixed, with long and dotted ones so that transformers and
 * the truncation rules have work to do. Invariants: expand returns
 * -1 exactly when check refuses the string; on success the output is a
 * C string of *outlen bytes inside outsz; a domain result truncated per
 * RFC 7208 7.3 is at most 253 characters, or a single label that
 * spf_domain_ok refuses; an
 * explanation holds only printable ASCII and spaces (spf.h); with no
 * '%' a valid string expands to itself (for domain and modifier
 * contexts).
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spf.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	long_local[200];

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t	 i;

	(void)argc;
	(void)argv;
	fuzz_log_init();
	for (i = 0; i + 1 < sizeof(long_local); i++)
		long_local[i] = i % 4 == 3 ? '.' : "ab-+"[i % 4];
	long_local[sizeof(long_local) - 1] = '\0';
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_macro_vars	 v;
	enum spf_macro_ctx_kind	 ctx;
	size_t			 outsz, outlen = 12345, i, n;
	char			*p, *out;
	int			 chk, rc, l;

	if (size < 2 || size > 2048)
		return 0;
	ctx = (enum spf_macro_ctx_kind)(data[0] % 3);
	outsz = data[0] & 0x80 ? SPF_EXPLAIN_MAX : (size_t)(data[0] >> 2);
	memset(&v, 0, sizeof(v));
	v.s = "strong-bad@email.example.com";
	v.l = data[1] & 1 ? long_local : "strong-bad";
	v.o = "email.example.com";
	v.d = data[1] & 2 ? "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y"
	    ".z.email.example.com" : "email.example.com";
	if (data[1] & 4) {
		v.i = "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0"
		    ".1.0.0.2";
		v.c = "2001:db8::cb01";
		v.v = "ip6";
	} else {
		v.i = "192.0.2.3";
		v.c = "192.0.2.3";
		v.v = "in-addr";
	}
	v.p = data[1] & 8 ? NULL : "mx.example.org";
	v.h = "mx.example.org";
	v.r = data[1] & 16 ? NULL : "receiver.example.net";
	v.t = data[1] & 32 ? -1 : 1700000000LL;

	p = fuzz_dup(data + 2, size - 2);
	n = size - 2;
	out = fuzz_dup("", outsz == 0 ? 1 : outsz);

	chk = spf_macro_check(p, n, ctx);
	FUZZ_CHECK(chk == 0 || chk == -1);
	rc = spf_macro_expand(p, n, ctx, &v, out, outsz, &outlen);
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2);
	if (outsz > 0)
		FUZZ_CHECK((rc == -1) == (chk == -1));
	if (rc == 0) {
		FUZZ_CHECK(outlen < outsz);
		FUZZ_CHECK(strlen(out) == outlen);
		if (ctx == SPF_MACRO_EXPLAIN)
			for (i = 0; i < outlen; i++)
				FUZZ_CHECK((unsigned char)out[i] >= 0x20 &&
				    (unsigned char)out[i] < 0x7f);
		if (ctx != SPF_MACRO_EXPLAIN && memchr(p, '%', n) == NULL)
			FUZZ_CHECK(outlen == n && memcmp(out, p, n) == 0);
		if (ctx == SPF_MACRO_DOMAIN) {
			outlen = spf_domain_truncate(out);
			FUZZ_CHECK(outlen == strlen(out));
			/* at most 253, unless one label is left: removing
			 * labels cannot shorten it, and it is no usable
			 * name */
			FUZZ_CHECK(outlen <= 253 ||
			    (memchr(out, '.', outlen) == NULL &&
			    !spf_domain_ok(out, outlen)));
		}
	}
	if (spf_domain_spec_check(p, n) == 0)
		FUZZ_CHECK(spf_macro_check(p, n, SPF_MACRO_DOMAIN) == 0);
	for (l = 'a'; l <= 'z'; l++)
		(void)spf_macro_uses(p, n, l);
	free(out);
	free(p);
	return 0;
}
