/*
 * test_rfc8463.c - published DKIM examples, end to end through the
 * primitives (crypto, dkim_canon, dkim_tag, dkim_sig, dkim_key):
 *
 *   - RFC 8463 Appendix A: both signatures of signed.eml (ed25519-sha256
 *     s=brisbane and rsa-sha256 s=test) are reproduced from unsigned.eml
 *     and the A.1 keys: same tags, same t=, and byte for byte the same b=
 *     (Ed25519 and RSASSA-PKCS1-v1_5 are deterministic). Both verify with
 *     the A.2 key records; one changed body octet, or a changed signed
 *     header field, makes them fail.
 *   - RFC 6376 Appendix A.2 with verified erratum 4926 (and the one-space
 *     body, see tests/vectors/rfc6376-appendix-a/README) verifies with
 *     the Appendix C key; the text as printed does not (body hash).
 *   - dkimpy's third-party vectors: a prototype Exim Ed25519 signature
 *     and a 2013 Gmail signature with degenerate h= folding.
 *
 * Vectors: tests/vectors/{rfc8463,rfc6376-appendix-a,dkimpy}/ (README
 * in each directory names the source).
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
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_key.h"
#include "dkim_sig.h"
#include "dkim_testutil.h"
#include "xmalloc.h"

#define V8463	TEST_VECDIR "/rfc8463"
#define V6376	TEST_VECDIR "/rfc6376-appendix-a"
#define VPY	TEST_VECDIR "/dkimpy"

/* the RFC 8463 A.3 h= list, with its " : " separators */
static const struct dkim_name rfc8463_h[] = {
	{ "from", 4 }, { "to", 2 }, { "subject", 7 }, { "date", 4 },
	{ "message-id", 10 }, { "from", 4 }, { "subject", 7 }, { "date", 4 }
};

/* one reproduction case: key file, selector, algorithm, field index */
struct repro_case {
	const char	*name;
	const char	*keyfile;
	const char	*selector;
	enum dkim_sig_alg alg;
	size_t		 sigidx;	/* index in signed.eml */
};

static const struct repro_case repro_cases[] = {
	{ "ed25519 from base64 seed", "ed25519-private.b64", "brisbane",
	    DKIM_SIG_ED25519_SHA256, 0 },
	{ "ed25519 from derived PKCS#8", "ed25519-private.derived-pkcs8.pem",
	    "brisbane", DKIM_SIG_ED25519_SHA256, 0 },
	{ "rsa-sha256 from PKCS#1", "rsa-private.pem", "test",
	    DKIM_SIG_RSA_SHA256, 1 },
};

/* key_record - read a one-line TXT value file, without its LF */
static char *
key_record(const char *dir, const char *name, size_t *len)
{
	char	*p = tu_read(dir, name, len);

	while (*len > 0 && (p[*len - 1] == '\n' || p[*len - 1] == '\r'))
		(*len)--;
	return p;
}

/*
 * hashed_field - the signature field as the header hash sees it: relaxed
 * canonical form with the b= value deleted (RFC 6376 3.7), so that the
 * comparison ignores only where each signer folded the b= value.
 */
static char *
hashed_field(const char *raw, size_t len)
{
	struct buf	 b;

	buf_init(&b, 64 * 1024);
	assert_int_equal(dkim_sig_header_input(DKIM_CANON_RELAXED, NULL,
	    SIZE_MAX, NULL, 0, raw, len, &b), 0);
	return buf_steal(&b, NULL);
}

/*
 * test_repro - sign unsigned.eml as A.3 did and compare with signed.eml:
 * every tag, and the signature octets.
 */
static void
test_repro(void **state)
{
	const struct repro_case *c = *state;
	struct tu_msg	 u, s;
	struct dkim_sig	*mine, *theirs;
	struct dkim_sig_spec spec;
	struct crypto_key *key;
	const struct rfc5322_field *rf;
	char		 err[512], *p, *field, *a, *b;
	const char	*why = NULL, *colon;
	size_t		 len, i;

	p = tu_read(V8463, "unsigned.eml", &len);
	assert_int_equal(tu_msg_parse(&u, p, len), 0);
	free(p);
	p = tu_read(V8463, "signed.eml", &len);
	assert_int_equal(tu_msg_parse(&s, p, len), 0);
	free(p);
	snprintf(err, sizeof(err), "%s/%s", V8463, c->keyfile);
	key = crypto_key_load(err, err, sizeof(err));
	if (key == NULL)
		print_error("%s\n", err);
	assert_non_null(key);

	memset(&spec, 0, sizeof(spec));
	spec.alg = c->alg;
	spec.hcanon = spec.bcanon = DKIM_CANON_RELAXED;
	spec.d = "football.example.com";
	spec.i = "@football.example.com";
	spec.q = 1;
	spec.s = c->selector;
	spec.t = 1528637909;
	spec.x = -1;
	spec.h = rfc8463_h;
	spec.nh = sizeof(rfc8463_h) / sizeof(rfc8463_h[0]);
	spec.hsep = " : ";
	field = tu_sign(&u, key, &spec);
	assert_non_null(field);

	mine = xcalloc(1, sizeof(*mine));
	theirs = xcalloc(1, sizeof(*theirs));
	colon = strchr(field, ':');
	assert_non_null(colon);
	assert_int_equal(dkim_sig_parse(mine, colon + 1,
	    strlen(colon + 1) - 2, &why), 0);
	rf = &s.hdr.fields[c->sigidx];
	assert_int_equal(dkim_sig_parse(theirs, rf->value, rf->valuelen,
	    &why), 0);

	/* same tags ... */
	assert_int_equal(mine->alg, theirs->alg);
	assert_int_equal(mine->hcanon, theirs->hcanon);
	assert_int_equal(mine->bcanon, theirs->bcanon);
	assert_string_equal(mine->d, theirs->d);
	assert_string_equal(mine->i, theirs->i);
	assert_string_equal(mine->s, theirs->s);
	assert_int_equal(mine->t, 1528637909);
	assert_int_equal(mine->t, theirs->t);
	assert_int_equal(mine->x, -1);
	assert_int_equal(mine->nh, theirs->nh);
	for (i = 0; i < mine->nh; i++) {
		assert_int_equal(mine->h[i].len, theirs->h[i].len);
		assert_memory_equal(mine->h[i].p, theirs->h[i].p,
		    mine->h[i].len);
	}
	assert_int_equal(mine->bhlen, theirs->bhlen);
	assert_memory_equal(mine->bh, theirs->bh, mine->bhlen);
	/* ... the same signed text of the field ... */
	a = hashed_field(field, strlen(field));
	b = hashed_field(rf->raw, rf->rawlen);
	assert_string_equal(a, b);
	/* ... and the same signature */
	assert_int_equal(mine->blen, theirs->blen);
	assert_memory_equal(mine->b, theirs->b, mine->blen);
	assert_string_equal(mine->bprefix, theirs->bprefix);

	free(a);
	free(b);
	free(mine);
	free(theirs);
	free(field);
	crypto_key_free(key);
	tu_msg_free(&u);
	tu_msg_free(&s);
}

/* a verification case over a stored message */
struct verify_case {
	const char	*name;
	const char	*dir;
	const char	*msg;
	size_t		 sigidx;
	const char	*keydir;
	const char	*keyfile;	/* one-line TXT value */
	const char	*edit_from;	/* NULL, or replace this text ... */
	const char	*edit_to;	/* ... by this (same length) */
	int		 expect;	/* 1 pass, 0 fail, -1 permerror */
	const char	*why;		/* expected reason unless pass */
};

static const struct verify_case verify_cases[] = {
	{ "rfc8463 ed25519 verifies", V8463, "signed.eml", 0, V8463,
	    "brisbane._domainkey.football.example.com.txt", NULL, NULL, 1,
	    NULL },
	{ "rfc8463 rsa verifies", V8463, "signed.eml", 1, V8463,
	    "test._domainkey.football.example.com.txt", NULL, NULL, 1, NULL },
	{ "rfc8463 ed25519 body octet changed", V8463, "signed.eml", 0, V8463,
	    "brisbane._domainkey.football.example.com.txt", "hungry",
	    "hungrY", 0, "body hash did not verify" },
	{ "rfc8463 rsa body octet changed", V8463, "signed.eml", 1, V8463,
	    "test._domainkey.football.example.com.txt", "hungry", "hungrY",
	    0, "body hash did not verify" },
	{ "rfc8463 ed25519 subject changed", V8463, "signed.eml", 0, V8463,
	    "brisbane._domainkey.football.example.com.txt", "dinner",
	    "Dinner", 0, "signature did not verify" },
	{ "rfc8463 rsa subject changed", V8463, "signed.eml", 1, V8463,
	    "test._domainkey.football.example.com.txt", "dinner", "Dinner",
	    0, "signature did not verify" },
	{ "rfc8463 relaxed ignores body whitespace", V8463, "signed.eml", 0,
	    V8463, "brisbane._domainkey.football.example.com.txt",
	    "game.  Are", "game. \tAre", 1, NULL },
	{ "rfc8463 ed25519 sig with rsa key", V8463, "signed.eml", 0, V8463,
	    "test._domainkey.football.example.com.txt", NULL, NULL, -1,
	    "inappropriate key algorithm" },
	{ "rfc6376 A.2 corrected verifies", V6376, "A2-corrected.eml", 0,
	    V6376, "brisbane._domainkey.example.com.txt", NULL, NULL, 1,
	    NULL },
	{ "rfc6376 A.2 as published fails", V6376, "A2-as-published.eml", 0,
	    V6376, "brisbane._domainkey.example.com.txt", NULL, NULL, 0,
	    "body hash did not verify" },
	{ "rfc6376 A.2 simple body is exact", V6376, "A2-corrected.eml", 0,
	    V6376, "brisbane._domainkey.example.com.txt", "game. Are",
	    "game.\tAre", 0, "body hash did not verify" },
	{ "rfc6376 A.2 simple header is exact", V6376, "A2-corrected.eml", 0,
	    V6376, "brisbane._domainkey.example.com.txt", "Suzie Q",
	    "Suzie\tQ", 0, "signature did not verify" },
	{ "dkimpy exim ed25519 verifies", VPY, "ed25519test2.msg", 0, VPY,
	    "eximtest.dns", NULL, NULL, 1, NULL },
	{ "dkimpy gmail degenerate folding verifies", VPY, "test2.message",
	    1, VPY, "20120113._domainkey.gmail.com.txt", NULL, NULL, 1,
	    NULL },
	{ "dkimpy gmail body changed", VPY, "test2.message", 1, VPY,
	    "20120113._domainkey.gmail.com.txt", "Hello, DKIM", "Hello, DKIm",
	    0,
	    "body hash did not verify" },
};

/* test_verify - verify one stored signature, maybe after an edit */
static void
test_verify(void **state)
{
	const struct verify_case *c = *state;
	struct tu_msg	 m;
	char		*p, *key, *hit;
	const char	*why = NULL;
	size_t		 len, keylen;
	int		 r;

	p = tu_read(c->dir, c->msg, &len);
	if (c->edit_from != NULL) {
		assert_int_equal(strlen(c->edit_from), strlen(c->edit_to));
		hit = strstr(p, c->edit_from);
		assert_non_null(hit);
		memcpy(hit, c->edit_to, strlen(c->edit_to));
	}
	assert_int_equal(tu_msg_parse(&m, p, len), 0);
	free(p);
	key = key_record(c->keydir, c->keyfile, &keylen);
	p = tu_dup(key, keylen);
	r = tu_verify(&m, c->sigidx, p, keylen, &why);
	if (r != c->expect)
		print_error("%s: got %d (%s)\n", c->name, r,
		    why != NULL ? why : "-");
	assert_int_equal(r, c->expect);
	if (c->why != NULL)
		assert_string_equal(why, c->why);
	free(p);
	free(key);
	tu_msg_free(&m);
}

/*
 * test_resign_verifies - the reproduced fields, prepended to
 * unsigned.eml, verify with the A.2 records (the message the RFC shows,
 * rebuilt).
 */
static void
test_resign_verifies(void **state)
{
	struct tu_msg	 u, s;
	struct dkim_sig_spec spec;
	struct crypto_key *ed, *rsa;
	char		 err[512], *p, *f1, *f2, *msg, *k;
	const char	*why = NULL;
	size_t		 len, klen;

	(void)state;
	p = tu_read(V8463, "unsigned.eml", &len);
	assert_int_equal(tu_msg_parse(&u, p, len), 0);
	ed = crypto_key_load(V8463 "/ed25519-private.b64", err, sizeof(err));
	rsa = crypto_key_load(V8463 "/rsa-private.pem", err, sizeof(err));
	assert_non_null(ed);
	assert_non_null(rsa);
	memset(&spec, 0, sizeof(spec));
	spec.hcanon = spec.bcanon = DKIM_CANON_RELAXED;
	spec.d = "football.example.com";
	spec.s = "brisbane";
	spec.t = 1528637909;
	spec.x = 1528637909 + 86400;
	spec.h = rfc8463_h;
	spec.nh = 5;
	spec.alg = DKIM_SIG_ED25519_SHA256;
	f1 = tu_sign(&u, ed, &spec);
	spec.s = "test";
	spec.alg = DKIM_SIG_RSA_SHA256;
	spec.hcanon = spec.bcanon = DKIM_CANON_SIMPLE;
	f2 = tu_sign(&u, rsa, &spec);
	assert_non_null(f1);
	assert_non_null(f2);
	xasprintf(&msg, "%s%s%s", f1, f2, p);
	assert_int_equal(tu_msg_parse(&s, msg, strlen(msg)), 0);
	k = key_record(V8463, "brisbane._domainkey.football.example.com.txt",
	    &klen);
	assert_int_equal(tu_verify(&s, 0, k, klen, &why), 1);
	free(k);
	k = key_record(V8463, "test._domainkey.football.example.com.txt",
	    &klen);
	assert_int_equal(tu_verify(&s, 1, k, klen, &why), 1);
	free(k);
	free(msg);
	free(f1);
	free(f2);
	free(p);
	crypto_key_free(ed);
	crypto_key_free(rsa);
	tu_msg_free(&u);
	tu_msg_free(&s);
}

/* run_table - one named cmocka test per table row */
static int
run_table(const char *group, CMUnitTestFunction fn, const void *rows,
    size_t rowsize, size_t n)
{
	struct CMUnitTest *t;
	size_t		 i;
	int		 rc;

	t = xcalloc(n, sizeof(*t));
	for (i = 0; i < n; i++) {
		const void *row = (const char *)rows + i * rowsize;

		t[i].name = *(const char *const *)row;
		t[i].test_func = fn;
		t[i].initial_state = (void *)(uintptr_t)row;
	}
	rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return rc;
}

int
main(void)
{
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_resign_verifies),
	};
	int	 rc = 0;

	rc += run_table("rfc8463 reproduction", test_repro, repro_cases,
	    sizeof(repro_cases[0]),
	    sizeof(repro_cases) / sizeof(repro_cases[0]));
	rc += run_table("published vectors", test_verify, verify_cases,
	    sizeof(verify_cases[0]),
	    sizeof(verify_cases) / sizeof(verify_cases[0]));
	rc += cmocka_run_group_tests_name("rfc8463 re-sign", misc, NULL,
	    NULL);
	return rc;
}
