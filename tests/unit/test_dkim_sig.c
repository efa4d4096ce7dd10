/*
 * test_dkim_sig.c - DKIM-Signature parser, builder and header hash input
 * (src/dkim_sig.c): every tag, missing required tags, bad base64,
 * unknown algorithms, i= outside d=, h= without From, x= before t=,
 * folding of built fields, oversigning and bottom-up field selection,
 * and the b= deletion of RFC 6376 3.7. Inputs are exact-size heap
 * copies.
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
#include "dkim_sig.h"
#include "dkim_testutil.h"
#include "xmalloc.h"

#define BH	"2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
#define B	"dGVzdHNpZ25hdHVyZQ=="	/* "testsignature" */
/* the required tags; cases add or replace tags around them */
#define REQ	"v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To; " \
		"bh=" BH "; b=" B

/* a value that must not parse, and why */
struct bad_case {
	const char	*name;
	const char	*in;
	const char	*why;
};

static const struct bad_case bad_cases[] = {
	{ "missing v=", "a=rsa-sha256; d=example.com; s=sel; h=From; bh=" BH
	    "; b=" B, "missing v= tag" },
	{ "missing a=", "v=1; d=example.com; s=sel; h=From; bh=" BH "; b=" B,
	    "missing a= tag" },
	{ "missing b=", "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
	    "bh=" BH, "missing b= tag" },
	{ "missing bh=", "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
	    "b=" B, "missing bh= tag" },
	{ "missing d=", "v=1; a=rsa-sha256; s=sel; h=From; bh=" BH "; b=" B,
	    "missing d= tag" },
	{ "missing h=", "v=1; a=rsa-sha256; d=example.com; s=sel; bh=" BH
	    "; b=" B, "missing h= tag" },
	{ "missing s=", "v=1; a=rsa-sha256; d=example.com; h=From; bh=" BH
	    "; b=" B, "missing s= tag" },
	{ "v=2", "v=2; a=rsa-sha256; d=example.com; s=sel; h=From; bh=" BH
	    "; b=" B, "incompatible version" },
	{ "v=2 reported before missing tags", "v=2", "incompatible version" },
	{ "v=01", "v=01; a=rsa-sha256; d=example.com; s=sel; h=From; bh=" BH
	    "; b=" B, "incompatible version" },
	{ "v= empty", "v=; a=rsa-sha256; d=example.com; s=sel; h=From; bh="
	    BH "; b=" B, "incompatible version" },
	{ "a= twice", REQ "; a=x", "duplicate tag" },
	{ "unknown algorithm", "v=1; a=rsa-sha512; d=example.com; s=sel; "
	    "h=From; bh=" BH "; b=" B, "unsupported algorithm" },
	{ "ed25519 with sha1", "v=1; a=ed25519-sha1; d=example.com; s=sel; "
	    "h=From; bh=" BH "; b=" B, "unsupported algorithm" },
	{ "empty a=", "v=1; a=; d=example.com; s=sel; h=From; bh=" BH "; b="
	    B, "unsupported algorithm" },
	{ "bad base64 in b=", "v=1; a=rsa-sha256; d=example.com; s=sel; "
	    "h=From; bh=" BH "; b=abc!", "bad base64 in b= tag" },
	{ "unpadded b=", "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
	    "bh=" BH "; b=abcde", "bad base64 in b= tag" },
	{ "empty b=", "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
	    "bh=" BH "; b=", "empty b= tag" },
	{ "b= over 1024 octets", NULL, "bad base64 in b= tag" },
	{ "bad base64 in bh=", "v=1; a=rsa-sha256; d=example.com; s=sel; "
	    "h=From; bh=2jUSOH9N=tYQ; b=" B, "bad base64 in bh= tag" },
	{ "bh= too long", "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
	    "bh=" BH BH "; b=" B, "bad base64 in bh= tag" },
	{ "empty bh=", "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
	    "bh=; b=" B, "empty bh= tag" },
	{ "unknown c=", REQ "; c=nowsp", "unsupported canonicalization" },
	{ "c= with three parts", REQ "; c=simple/simple/simple",
	    "unsupported canonicalization" },
	{ "d= one label", "v=1; a=rsa-sha256; d=com; s=sel; h=From; bh=" BH
	    "; b=" B, "bad d= domain" },
	{ "d= trailing dot", "v=1; a=rsa-sha256; d=example.com.; s=sel; "
	    "h=From; bh=" BH "; b=" B, "bad d= domain" },
	{ "d= underscore", "v=1; a=rsa-sha256; d=ex_ample.com; s=sel; "
	    "h=From; bh=" BH "; b=" B, "bad d= domain" },
	{ "d= leading hyphen", "v=1; a=rsa-sha256; d=-x.example.com; s=sel; "
	    "h=From; bh=" BH "; b=" B, "bad d= domain" },
	{ "d= with blank", "v=1; a=rsa-sha256; d=exa mple.com; s=sel; "
	    "h=From; bh=" BH "; b=" B, "bad d= domain" },
	{ "d= with paren (dkimpy baddomain)", "v=1; a=rsa-sha256; "
	    "d=legitimate.com(.attacker.com; s=sel; h=From; bh=" BH "; b=" B,
	    "bad d= domain" },
	{ "d= empty label", "v=1; a=rsa-sha256; d=example..com; s=sel; "
	    "h=From; bh=" BH "; b=" B, "bad d= domain" },
	{ "s= empty", "v=1; a=rsa-sha256; d=example.com; s=; h=From; bh=" BH
	    "; b=" B, "bad s= selector" },
	{ "s= slash", "v=1; a=rsa-sha256; d=example.com; s=a/b; h=From; bh="
	    BH "; b=" B, "bad s= selector" },
	{ "h= without From", "v=1; a=rsa-sha256; d=example.com; s=sel; "
	    "h=To:Subject; bh=" BH "; b=" B, "From field not signed" },
	{ "h= empty", "v=1; a=rsa-sha256; d=example.com; s=sel; h=; bh=" BH
	    "; b=" B, "bad h= tag" },
	{ "h= empty name", "v=1; a=rsa-sha256; d=example.com; s=sel; "
	    "h=From::To; bh=" BH "; b=" B, "bad h= tag" },
	{ "h= trailing colon", "v=1; a=rsa-sha256; d=example.com; s=sel; "
	    "h=From:; bh=" BH "; b=" B, "bad h= tag" },
	{ "h= over the limit", NULL, "too many names in h= tag" },
	{ "i= other domain", REQ "; i=user@example.net", "i= not within d=" },
	{ "i= suffix but not subdomain", REQ "; i=@notexample.com",
	    "i= not within d=" },
	{ "i= parent of d=", "v=1; a=rsa-sha256; d=sub.example.com; s=sel; "
	    "h=From; bh=" BH "; b=" B "; i=@example.com", "i= not within d=" },
	{ "i= without @", REQ "; i=example.com", "bad i= tag" },
	{ "i= bad QP", REQ "; i=a=4@example.com", "bad i= tag" },
	{ "i= QP control octet", REQ "; i=a=0A@example.com", "bad i= tag" },
	{ "i= raw =", REQ "; i=a=@example.com", "bad i= tag" },
	{ "l= not a number", REQ "; l=12a", "bad l= tag" },
	{ "l= negative", REQ "; l=-1", "bad l= tag" },
	{ "l= empty", REQ "; l=", "bad l= tag" },
	{ "l= 77 digits", REQ "; l=1234567890123456789012345678901234567890"
	    "1234567890123456789012345678901234567", "bad l= tag" },
	{ "q= without dns/txt", REQ "; q=dns", "no supported query method" },
	{ "q= bad list", REQ "; q=dns/txt::x", "bad q= tag" },
	{ "t= not a number", REQ "; t=soon", "bad t= tag" },
	{ "x= not a number", REQ "; x=1e9", "bad x= tag" },
	{ "x= before t=", REQ "; t=1000; x=999", "x= before t=" },
	{ "duplicate tag", REQ "; d=example.com", "duplicate tag" },
	{ "tag-list syntax", REQ "; 9=1", "bad tag name" },
	{ "CRLF not folding", REQ ";\r\nz=1", "bad tag name" },
};

/* test_bad - each malformed signature is refused with its reason */
static void
test_bad(void **state)
{
	const struct bad_case *c = *state;
	struct dkim_sig	*sig = xcalloc(1, sizeof(*sig));
	struct buf	 b;
	const char	*why = NULL;
	char		*in;
	int		 i;

	buf_init(&b, 1 << 16);
	if (c->in != NULL)
		buf_adds(&b, c->in);
	else if (strstr(c->name, "b= over") != NULL) {
		buf_adds(&b, "v=1; a=rsa-sha256; d=example.com; s=sel; "
		    "h=From; bh=" BH "; b=");
		for (i = 0; i < 343; i++)	/* 1029 octets */
			buf_adds(&b, "AAAA");
	} else {
		buf_adds(&b, "v=1; a=rsa-sha256; d=example.com; s=sel; "
		    "bh=" BH "; b=" B "; h=From");
		for (i = 1; i < DKIM_SIG_MAXH + 1; i++)
			buf_adds(&b, ":To");
	}
	in = tu_dup(buf_data(&b), buf_len(&b));
	assert_int_equal(dkim_sig_parse(sig, in, buf_len(&b), &why), -1);
	assert_non_null(why);
	assert_string_equal(why, c->why);
	free(in);
	buf_clear(&b);
	free(sig);
}

/* parse - parse a C string (copied to an exact-size buffer) or fail */
static struct dkim_sig *
parse(const char *txt, char **inp)
{
	struct dkim_sig	*sig = xcalloc(1, sizeof(*sig));
	const char	*why = NULL;

	*inp = tu_dup(txt, strlen(txt));
	if (dkim_sig_parse(sig, *inp, strlen(txt), &why) != 0)
		fail_msg("parse failed: %s", why);
	return sig;
}

/* test_defaults - only the required tags: the RFC 6376 3.5 defaults */
static void
test_defaults(void **state)
{
	struct dkim_sig	*s;
	char		*in;

	(void)state;
	s = parse(REQ, &in);
	assert_int_equal(s->alg, DKIM_SIG_RSA_SHA256);
	assert_int_equal(s->keyalg, CRYPTO_ALG_RSA);
	assert_int_equal(s->md, CRYPTO_MD_SHA256);
	assert_int_equal(s->weak, 0);
	assert_int_equal(s->hcanon, DKIM_CANON_SIMPLE);
	assert_int_equal(s->bcanon, DKIM_CANON_SIMPLE);
	assert_string_equal(s->d, "example.com");
	assert_string_equal(s->s, "sel");
	assert_int_equal(s->has_i, 0);
	assert_string_equal(s->i, "@example.com");
	assert_string_equal(s->i + s->idomain, "example.com");
	assert_int_equal(s->nh, 2);
	assert_memory_equal(s->h[0].p, "From", 4);
	assert_memory_equal(s->h[1].p, "To", 2);
	assert_int_equal(s->blen, 13);
	assert_memory_equal(s->b, "testsignature", 13);
	assert_string_equal(s->bprefix, "dGVzdHNp");
	assert_int_equal(s->bhlen, 32);
	assert_int_equal(s->l, -1);
	assert_int_equal(s->t, -1);
	assert_int_equal(s->x, -1);
	free(s);
	free(in);
}

/* test_every_tag - all tags set, folded, in an unusual order */
static void
test_every_tag(void **state)
{
	struct dkim_sig	*s;
	char		*in;

	(void)state;
	s = parse(" b=dGVz\r\n\tdHNp Z25h\r\n dHVyZQ==;\tz=From:foo|To:bar;"
	    " x=2000000000 ; t=1000000000;\r\n q = DNS/TXT:other/thing;"
	    " l=0; i=jo=3Bhn=40x@Sub.Example.COM; h = from\r\n\t: to :"
	    "FROM ; foo=ignored; d=Example.COM; c=Relaxed/relaxed; bh="
	    BH "; a=ed25519-sha256; s=brisbane.2024; v=1", &in);
	assert_int_equal(s->alg, DKIM_SIG_ED25519_SHA256);
	assert_int_equal(s->keyalg, CRYPTO_ALG_ED25519);
	assert_int_equal(s->md, CRYPTO_MD_SHA256);
	assert_int_equal(s->hcanon, DKIM_CANON_RELAXED);
	assert_int_equal(s->bcanon, DKIM_CANON_RELAXED);
	assert_string_equal(s->d, "Example.COM");
	assert_string_equal(s->s, "brisbane.2024");
	assert_int_equal(s->has_i, 1);
	assert_string_equal(s->i, "jo;hn@x@Sub.Example.COM");
	assert_string_equal(s->i + s->idomain, "Sub.Example.COM");
	assert_int_equal(s->nh, 3);
	assert_int_equal(s->h[0].len, 4);
	assert_memory_equal(s->h[0].p, "from", 4);
	assert_memory_equal(s->h[1].p, "to", 2);
	assert_memory_equal(s->h[2].p, "FROM", 4);
	/* the names point into the input */
	assert_true(s->h[0].p > in && s->h[0].p < s->h[2].p);
	assert_int_equal(s->blen, 13);
	assert_string_equal(s->bprefix, "dGVzdHNp");
	assert_int_equal(s->l, 0);
	assert_int_equal(s->t, 1000000000);
	assert_int_equal(s->x, 2000000000);
	free(s);
	free(in);
}

/* test_alg_sha1 - rsa-sha1 is recognised and flagged (RFC 8301) */
static void
test_alg_sha1(void **state)
{
	struct dkim_sig	*s;
	char		*in;

	(void)state;
	s = parse("v=1; a=RSA-SHA1; d=example.com; s=sel; h=From; "
	    "bh=uoq1oCgLlTqpdDX/iUbLy7J1Wic=; b=" B, &in);
	assert_int_equal(s->alg, DKIM_SIG_RSA_SHA1);
	assert_int_equal(s->md, CRYPTO_MD_SHA1);
	assert_int_equal(s->keyalg, CRYPTO_ALG_RSA);
	assert_int_equal(s->weak, 1);
	assert_int_equal(s->bhlen, 20);
	free(s);
	free(in);
}

/*
 * test_numbers - l= clamps past LLONG_MAX; t=/x= over 12 digits are
 * infinite (RFC 6376 3.5); x= equal to t= is accepted.
 */
static void
test_numbers(void **state)
{
	struct dkim_sig	*s;
	char		*in;

	(void)state;
	s = parse(REQ "; l=99999999999999999999999999; t=5; x=5", &in);
	assert_int_equal(s->l, LLONG_MAX);
	assert_int_equal(s->t, 5);
	assert_int_equal(s->x, 5);
	free(s);
	free(in);
	s = parse(REQ "; t=1234567890123; x=99999999999999", &in);
	assert_int_equal(s->t, DKIM_TIME_INFINITE);
	assert_int_equal(s->x, DKIM_TIME_INFINITE);
	free(s);
	free(in);
	s = parse(REQ "; t=000000000001; l=007", &in);
	assert_int_equal(s->t, 1);
	assert_int_equal(s->l, 7);
	free(s);
	free(in);
}

/* test_i_forms - i= variants within d= */
static void
test_i_forms(void **state)
{
	static const struct {
		const char	*i;
		const char	*dec;
		const char	*dom;
	} c[] = {
		{ "@example.com", "@example.com", "example.com" },
		{ "@EXAMPLE.com", "@EXAMPLE.com", "EXAMPLE.com" },
		{ "user@a.b.example.com", "user@a.b.example.com",
		    "a.b.example.com" },
		{ "\"a b\"=40c@example.com", "\"ab\"@c@example.com",
		    "example.com" },
		{ "\"a=20b\"@example.com", "\"a b\"@example.com",
		    "example.com" },
		{ "us\r\n er@exa mple.com", "user@example.com", "example.com" },
		{ "=75ser@example.com", "user@example.com", "example.com" },
		{ "=c3=a4@example.com", "\xc3\xa4@example.com",
		    "example.com" },
	};
	struct dkim_sig	*s;
	char		 txt[512], *in;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(txt, sizeof(txt), REQ "; i=%s", c[i].i);
		s = parse(txt, &in);
		assert_string_equal(s->i, c[i].dec);
		assert_string_equal(s->i + s->idomain, c[i].dom);
		free(s);
		free(in);
	}
}

/* test_helpers - keyname, expiry, algorithm names */
static void
test_helpers(void **state)
{
	struct dkim_sig	*s;
	char		 name[300], *in;
	enum dkim_sig_alg a;

	(void)state;
	s = parse(REQ "; x=100", &in);
	assert_int_equal(dkim_sig_keyname(s, name, sizeof(name)), 0);
	assert_string_equal(name, "sel._domainkey.example.com");
	assert_int_equal(dkim_sig_keyname(s, name, 26), -1);
	assert_int_equal(dkim_sig_keyname(s, name, 27), 0);
	assert_int_equal(dkim_sig_expired(s, 99), 0);
	assert_int_equal(dkim_sig_expired(s, 100), 0);
	assert_int_equal(dkim_sig_expired(s, 101), 1);
	s->x = -1;
	assert_int_equal(dkim_sig_expired(s, 1LL << 40), 0);
	/* a selector and a domain that fit alone but not together */
	memset(s->s, 'a', 63);
	s->s[63] = '.';
	memcpy(s->s + 64, s->s, 64);
	memcpy(s->s + 128, s->s, 64);
	s->s[191] = '\0';
	memset(s->d, 'b', 63);
	memcpy(s->d + 63, ".com", 5);
	assert_int_equal(dkim_sig_keyname(s, name, sizeof(name)), -1);
	free(s);
	free(in);
	assert_string_equal(dkim_sig_alg_name(DKIM_SIG_RSA_SHA256),
	    "rsa-sha256");
	assert_string_equal(dkim_sig_alg_name(DKIM_SIG_ED25519_SHA256),
	    "ed25519-sha256");
	assert_string_equal(dkim_sig_alg_name(DKIM_SIG_RSA_SHA1), "rsa-sha1");
	assert_int_equal(dkim_sig_alg_parse("ed25519-sha256", 14, &a), 0);
	assert_int_equal(a, DKIM_SIG_ED25519_SHA256);
	assert_int_equal(dkim_sig_alg_parse("ed25519-sha2567", 15, &a), -1);
	assert_int_equal(dkim_sig_alg_parse("ed25519-sha25", 13, &a), -1);
	assert_int_equal(dkim_sig_alg_key(DKIM_SIG_ED25519_SHA256),
	    CRYPTO_ALG_ED25519);
	assert_int_equal(dkim_sig_alg_md(DKIM_SIG_RSA_SHA1), CRYPTO_MD_SHA1);
}

static const unsigned char bh32[32] = {
	0xda, 0x55, 0x14, 0x38, 0x7f, 0x4d, 0x86, 0xdb, 0x54, 0x09, 0x5b,
	0x5a, 0xf4, 0x1a, 0xc4, 0x0f, 0x7a, 0xde, 0x78, 0xa2, 0x3b, 0x43,
	0xa4, 0xa6, 0xed, 0x72, 0x24, 0x7c, 0x95, 0x4e, 0x3b, 0xfc
};

static const struct dkim_name std_h[] = {
	{ "From", 4 }, { "To", 2 }, { "Subject", 7 }
};

/* spec_init - a valid spec to vary */
static void
spec_init(struct dkim_sig_spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->alg = DKIM_SIG_RSA_SHA256;
	sp->hcanon = sp->bcanon = DKIM_CANON_RELAXED;
	sp->d = "example.com";
	sp->s = "sel";
	sp->t = 1700000000;
	sp->x = -1;
	sp->h = std_h;
	sp->nh = 3;
	sp->bh = bh32;
	sp->bhlen = 32;
}

/* test_build_exact - the text of a small signature, tag order and all */
static void
test_build_exact(void **state)
{
	struct dkim_sig_spec sp;
	struct buf	 b;
	static const unsigned char sig[13] = "testsignature";

	(void)state;
	spec_init(&sp);
	buf_init(&b, 4096);
	assert_int_equal(dkim_sig_build(&sp, &b), 0);
	assert_string_equal(buf_data(&b),
	    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; "
	    "d=example.com; s=sel;\r\n"
	    "\tt=1700000000; h=From:To:Subject;\r\n"
	    "\tbh=2lUUOH9NhttUCVta9BrED3reeKI7Q6Sm7XIkfJVOO/w=; b=");
	assert_int_equal(dkim_sig_add_b(&b, sig, sizeof(sig)), 0);
	assert_string_equal(buf_data(&b) + buf_len(&b) - 24,
	    "b=dGVzdHNpZ25hdHVyZQ==\r\n");
	buf_reset(&b);
	sp.i = "a;b =c@sub.example.com";
	sp.q = 1;
	sp.x = 1700086400;
	sp.bcanon = DKIM_CANON_SIMPLE;
	sp.alg = DKIM_SIG_ED25519_SHA256;
	assert_int_equal(dkim_sig_build(&sp, &b), 0);
	assert_string_equal(buf_data(&b),
	    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/simple; "
	    "d=example.com;\r\n"
	    "\ti=a=3Bb=20=3Dc@sub.example.com; q=dns/txt; s=sel; "
	    "t=1700000000; x=1700086400;\r\n"
	    "\th=From:To:Subject; "
	    "bh=2lUUOH9NhttUCVta9BrED3reeKI7Q6Sm7XIkfJVOO/w=;\r\n"
	    "\tb=");
	buf_clear(&b);
}

/*
 * test_build_roundtrip - long fields fold at 78 columns with CRLF TAB,
 * and the result parses back to what was asked for.
 */
static void
test_build_roundtrip(void **state)
{
	struct dkim_sig_spec sp;
	struct dkim_name h[DKIM_SIG_MAXH];
	struct dkim_sig	*s;
	struct buf	 b;
	unsigned char	 sig[512];
	const char	*why, *colon, *line, *nl;
	char		 names[DKIM_SIG_MAXH][32];
	size_t		 i, n;
	int		 sep;

	(void)state;
	for (i = 0; i < sizeof(sig); i++)
		sig[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < DKIM_SIG_MAXH; i++) {
		if (i == 0)
			n = snprintf(names[i], sizeof(names[i]), "From");
		else
			n = snprintf(names[i], sizeof(names[i]),
			    "X-Header-Name-%zu", i);
		h[i].p = names[i];
		h[i].len = n;
	}
	for (sep = 0; sep < 3; sep++) {
		spec_init(&sp);
		sp.h = h;
		sp.nh = DKIM_SIG_MAXH;
		sp.d = "a-rather-long-subdomain.of-a-long-domain.example.com";
		sp.s = "selector-2026-11";
		sp.i = "someone.with.a.long.name@mail.a-rather-long-subdomain"
		    ".of-a-long-domain.example.com";
		sp.x = 1800000000;
		sp.hsep = sep == 0 ? NULL : sep == 1 ? " : " : ": ";
		buf_init(&b, 1 << 16);
		assert_int_equal(dkim_sig_build(&sp, &b), 0);
		assert_int_equal(dkim_sig_add_b(&b, sig, sizeof(sig)), 0);
		/* every line at most 78 columns; continuations start TAB */
		for (line = buf_data(&b); *line != '\0'; line = nl + 1) {
			nl = strchr(line, '\n');
			assert_non_null(nl);
			assert_true(nl > line && nl[-1] == '\r');
			assert_true(nl - 1 - line <= 78);
			if (line != buf_data(&b))
				assert_int_equal(line[0], '\t');
		}
		colon = strchr(buf_data(&b), ':');
		s = xcalloc(1, sizeof(*s));
		why = NULL;
		if (dkim_sig_parse(s, colon + 1, buf_len(&b) - 2 -
		    (colon + 1 - buf_data(&b)), &why) != 0)
			fail_msg("re-parse: %s", why);
		assert_string_equal(s->d, sp.d);
		assert_string_equal(s->s, sp.s);
		assert_string_equal(s->i, sp.i);
		assert_int_equal(s->t, sp.t);
		assert_int_equal(s->x, sp.x);
		assert_int_equal(s->nh, DKIM_SIG_MAXH);
		for (i = 0; i < s->nh; i++) {
			assert_int_equal(s->h[i].len, h[i].len);
			assert_memory_equal(s->h[i].p, h[i].p, h[i].len);
		}
		assert_int_equal(s->bhlen, 32);
		assert_memory_equal(s->bh, bh32, 32);
		assert_int_equal(s->blen, sizeof(sig));
		assert_memory_equal(s->b, sig, sizeof(sig));
		free(s);
		buf_clear(&b);
	}
}

/* test_build_invalid - specs that would not make a valid signature */
static void
test_build_invalid(void **state)
{
	static const struct dkim_name no_from[] = { { "To", 2 } };
	static const struct dkim_name bad_name[] = { { "From", 4 },
	    { "Sub ject", 8 } };
	struct dkim_sig_spec sp;
	struct buf	 b;
	int		 i;

	(void)state;
	buf_init(&b, 4096);
	for (i = 0; i < 14; i++) {
		spec_init(&sp);
		switch (i) {
		case 0: sp.d = "com"; break;
		case 1: sp.d = "exa mple.com"; break;
		case 2: sp.s = "a;b"; break;
		case 3: sp.h = no_from; sp.nh = 1; break;
		case 4: sp.h = bad_name; sp.nh = 2; break;
		case 5: sp.nh = 0; break;
		case 6: sp.bhlen = 20; break;
		case 7: sp.alg = DKIM_SIG_RSA_SHA1; break;
		case 8: sp.i = "user@example.net"; break;
		case 9: sp.i = "no-at-sign"; break;
		case 10: sp.hsep = "x"; break;
		case 11: sp.hsep = "::"; break;
		case 12: sp.x = sp.t - 1; break;
		case 13: sp.i = "a\001@example.com"; break;
		}
		assert_int_equal(dkim_sig_build(&sp, &b), -1);
		assert_int_equal(buf_len(&b), 0);
	}
	buf_clear(&b);
	/* the buffer cap */
	spec_init(&sp);
	buf_init(&b, 40);
	assert_int_equal(dkim_sig_build(&sp, &b), -1);
	buf_clear(&b);
}

/* a header block for the hash input tests */
static const char hdr_block[] =
    "Received: from c\r\n"
    "Received: from b\r\n"
    "DKIM-Signature: v=1; d=other.example; b=OLD\r\n"
    "From: Joe <joe@example.com>\r\n"
    "Subject :  Hello\r\n"
    "  world \r\n"
    "DKIM-Signature: v=1; d=example.com; h=from;\r\n b=SIG\r\n  GGG;"
    " x=1\r\n"
    "To: a@example.org\r\n"
    "Received: from a\r\n"
    "\r\n"
    "body\r\n";

/* one header-input case */
struct hin_case {
	const char	*name;
	enum dkim_canon	 canon;
	const char	*h;		/* colon list of names */
	size_t		 sigidx;	/* in hdr_block, or SIZE_MAX */
	const char	*sig;		/* NULL: field sigidx */
	const char	*want;		/* NULL: must fail */
};

static const struct hin_case hin_cases[] = {
	{ "simple, b= deleted in place", DKIM_CANON_SIMPLE, "From", 5, NULL,
	    "From: Joe <joe@example.com>\r\n"
	    "DKIM-Signature: v=1; d=example.com; h=from;\r\n b=; x=1" },
	{ "relaxed, b= deleted", DKIM_CANON_RELAXED, "From", 5, NULL,
	    "from:Joe <joe@example.com>\r\n"
	    "dkim-signature:v=1; d=example.com; h=from; b=; x=1" },
	{ "bottom-up instances", DKIM_CANON_SIMPLE,
	    "Received:Received:Received:From", 5, NULL,
	    "Received: from a\r\nReceived: from b\r\nReceived: from c\r\n"
	    "From: Joe <joe@example.com>\r\n"
	    "DKIM-Signature: v=1; d=example.com; h=from;\r\n b=; x=1" },
	{ "oversigning adds nothing", DKIM_CANON_RELAXED,
	    "From:To:From:To:Reply-To", 5, NULL,
	    "from:Joe <joe@example.com>\r\nto:a@example.org\r\n"
	    "dkim-signature:v=1; d=example.com; h=from; b=; x=1" },
	{ "names match any case, WSP before colon", DKIM_CANON_RELAXED,
	    "FROM:subject", 5, NULL,
	    "from:Joe <joe@example.com>\r\nsubject:Hello world\r\n"
	    "dkim-signature:v=1; d=example.com; h=from; b=; x=1" },
	{ "simple keeps obsolete field as is", DKIM_CANON_SIMPLE,
	    "Subject", 5, NULL,
	    "Subject :  Hello\r\n  world \r\n"
	    "DKIM-Signature: v=1; d=example.com; h=from;\r\n b=; x=1" },
	{ "signature being verified never selected", DKIM_CANON_SIMPLE,
	    "DKIM-Signature:DKIM-Signature:From", 5, NULL,
	    "DKIM-Signature: v=1; d=other.example; b=OLD\r\n"
	    "From: Joe <joe@example.com>\r\n"
	    "DKIM-Signature: v=1; d=example.com; h=from;\r\n b=; x=1" },
	{ "signing: nothing excluded", DKIM_CANON_RELAXED,
	    "DKIM-Signature:DKIM-Signature:From", SIZE_MAX,
	    "DKIM-Signature: v=1; a=x; b=",
	    "dkim-signature:v=1; d=example.com; h=from; b=SIG GGG; x=1\r\n"
	    "dkim-signature:v=1; d=other.example; b=OLD\r\n"
	    "from:Joe <joe@example.com>\r\n"
	    "dkim-signature:v=1; a=x; b=" },
	{ "b= last, WSP around it deleted", DKIM_CANON_SIMPLE, "To",
	    SIZE_MAX, "DKIM-Signature: a=1; b= \r\n abc \t\r\n",
	    "To: a@example.org\r\nDKIM-Signature: a=1; b=" },
	{ "bh= is not b=", DKIM_CANON_SIMPLE, "To", SIZE_MAX,
	    "DKIM-Signature: bh=X; b=Y; bb=Z",
	    "To: a@example.org\r\nDKIM-Signature: bh=X; b=; bb=Z" },
	{ "no b= tag", DKIM_CANON_SIMPLE, "From", SIZE_MAX,
	    "DKIM-Signature: v=1; bh=x", NULL },
	{ "no colon", DKIM_CANON_SIMPLE, "From", SIZE_MAX,
	    "DKIM-Signature v=1; b=x", NULL },
	{ "bad tag-list", DKIM_CANON_SIMPLE, "From", SIZE_MAX,
	    "DKIM-Signature: b=1; b=2", NULL },
};

/* test_header_input - RFC 6376 3.7 step 2 input for one case */
static void
test_header_input(void **state)
{
	const struct hin_case *c = *state;
	struct dkim_name h[16];
	struct tu_msg	 m;
	struct buf	 out;
	const char	*p, *q, *sig;
	char		*sigcopy;
	size_t		 nh = 0, siglen;
	int		 r;

	assert_int_equal(tu_msg_parse(&m, hdr_block, sizeof(hdr_block) - 1),
	    0);
	assert_int_equal(m.hdr.nfields, 8);
	for (p = c->h; *p != '\0'; p = *q == ':' ? q + 1 : q) {
		q = strchr(p, ':');
		if (q == NULL)
			q = p + strlen(p);
		h[nh].p = p;
		h[nh].len = q - p;
		nh++;
	}
	if (c->sig != NULL) {
		sig = c->sig;
		siglen = strlen(sig);
	} else {
		sig = m.hdr.fields[c->sigidx].raw;
		siglen = m.hdr.fields[c->sigidx].rawlen;
	}
	sigcopy = tu_dup(sig, siglen);
	buf_init(&out, 4096);
	r = dkim_sig_header_input(c->canon, &m.hdr, c->sigidx, h, nh,
	    sigcopy, siglen, &out);
	if (c->want == NULL)
		assert_int_equal(r, -1);
	else {
		assert_int_equal(r, 0);
		assert_string_equal(buf_data(&out), c->want);
	}
	/* the same through a buffer that is too small */
	if (c->want != NULL) {
		buf_clear(&out);
		buf_init(&out, strlen(c->want) - 1);
		assert_int_equal(dkim_sig_header_input(c->canon, &m.hdr,
		    c->sigidx, h, nh, sigcopy, siglen, &out), -1);
	}
	buf_clear(&out);
	free(sigcopy);
	tu_msg_free(&m);
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

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))

int
main(void)
{
	const struct CMUnitTest good[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_tag),
		cmocka_unit_test(test_alg_sha1),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_i_forms),
		cmocka_unit_test(test_helpers),
	};
	const struct CMUnitTest build[] = {
		cmocka_unit_test(test_build_exact),
		cmocka_unit_test(test_build_roundtrip),
		cmocka_unit_test(test_build_invalid),
	};
	int	 rc = 0;

	rc += run_table("malformed signatures", test_bad, bad_cases,
	    sizeof(bad_cases[0]), NROWS(bad_cases));
	rc += cmocka_run_group_tests_name("valid signatures", good, NULL,
	    NULL);
	rc += cmocka_run_group_tests_name("builder", build, NULL, NULL);
	rc += run_table("header hash input", test_header_input, hin_cases,
	    sizeof(hin_cases[0]), NROWS(hin_cases));
	return rc;
}
