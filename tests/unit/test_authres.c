/*
 * test_authres.c - the Authentication-Results builder (formatting,
 * escaping of hostile values, folding) and the detection of forged
 * fields that claim our authserv-id.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authres.h"
#include "buf.h"
#include "rfc5322.h"

#define P(t, p, v)	{ t, p, v, AUTHRES_STRLEN }

/* finish - the field as text with "\n" line ends (freed by caller) */
static char *
finish(struct authres *ar)
{
	struct buf	 b;

	buf_init(&b, 65536);
	assert_int_equal(authres_finish(ar, &b, "\n"), 0);
	return buf_steal(&b, NULL);
}

/* unfold - join folded lines with one space, drop the final newline */
static void
unfold(const char *in, char *out, size_t outsz)
{
	size_t	 o = 0;

	for (; *in != '\0' && o + 1 < outsz; in++) {
		if (*in == '\n' && in[1] == '\t') {
			out[o++] = ' ';
			in++;
		} else if (*in != '\n')
			out[o++] = *in;
	}
	out[o] = '\0';
}

static void
test_none(void **state)
{
	struct authres	*ar;
	char		*s;

	(void)state;
	ar = authres_new("mx.example.org");
	s = finish(ar);
	assert_string_equal(s,
	    "Authentication-Results: mx.example.org; none\n");
	free(s);
	authres_free(ar);
	authres_free(NULL);
}

static void
test_basic(void **state)
{
	struct authres		*ar;
	const struct authres_prop pass[] = {
		P("header", "d", "example.com"),
		P("header", "s", "sel"),
		P("header", "b", "dGVzdA=="),
	};
	const struct authres_prop fail[] = {
		P("header", "d", "example.net"),
		P("header", "i", "@example.net"),
		P("header", "s", "s1"),
		P("header", "b", "AbC/1+xy"),
	};
	char			*s;

	(void)state;
	ar = authres_new("mx.example.org");
	assert_int_equal(authres_add(ar, "dkim", "pass", NULL,
	    "2048-bit key; secure", pass, 3), 0);
	assert_int_equal(authres_add(ar, "dkim", "fail", "body hash mismatch",
	    "1024-bit key; insecure", fail, 4), 0);
	assert_int_equal(authres_add(ar, "dkim", "none", NULL, NULL, NULL, 0),
	    0);
	assert_int_equal(authres_count(ar), 3);
	s = finish(ar);
	assert_string_equal(s,
	    "Authentication-Results: mx.example.org;\n"
	    "\tdkim=pass (2048-bit key; secure) header.d=example.com header.s=sel\n"
	    "\theader.b=\"dGVzdA==\";\n"
	    "\tdkim=fail (1024-bit key; insecure) reason=\"body hash mismatch\"\n"
	    "\theader.d=example.net header.i=@example.net header.s=s1\n"
	    "\theader.b=\"AbC/1+xy\";\n"
	    "\tdkim=none\n");
	free(s);
	authres_free(ar);
}

struct esc_case {
	const char	*name;
	const char	*ptype;
	const char	*prop;
	const char	*value;
	size_t		 len;
	const char	*want;		/* the propspec as written */
};

static const struct esc_case esc_cases[] = {
	{ "token", "header", "d", "example.com", AUTHRES_STRLEN,
	    "header.d=example.com" },
	{ "injection", "header", "d", "x; dkim=pass", AUTHRES_STRLEN,
	    "header.d=\"x; dkim=pass\"" },
	{ "quote and backslash", "header", "s", "a\"b\\c", AUTHRES_STRLEN,
	    "header.s=\"a\\\"b\\\\c\"" },
	{ "CRLF", "header", "d", "ex\r\nX-Evil: 1", AUTHRES_STRLEN,
	    "header.d=\"ex??X-Evil: 1\"" },
	{ "NUL inside", "header", "d", "ex\0mple", 7,
	    "header.d=\"ex?mple\"" },
	{ "identity", "header", "i", "user.name@example.com", AUTHRES_STRLEN,
	    "header.i=user.name@example.com" },
	{ "identity, empty local part", "header", "i", "@example.com",
	    AUTHRES_STRLEN, "header.i=@example.com" },
	{ "identity, local part quoted", "header", "i",
	    "a b;\"c@example.com", AUTHRES_STRLEN,
	    "header.i=\"a b;\\\"c\"@example.com" },
	{ "at sign, not a domain", "header", "i", "a@b@", AUTHRES_STRLEN,
	    "header.i=\"a@b@\"" },
	{ "UTF-8 kept", "header", "i", "J\xc3\xb6rg@example.com",
	    AUTHRES_STRLEN, "header.i=\"J\xc3\xb6rg\"@example.com" },
	{ "bad UTF-8", "header", "d", "a\xc3(\xff", AUTHRES_STRLEN,
	    "header.d=\"a?(?\"" },
	{ "overlong UTF-8", "header", "d", "a\xc0\xaf", AUTHRES_STRLEN,
	    "header.d=\"a??\"" },
	{ "empty", "header", "d", "", AUTHRES_STRLEN, "header.d=\"\"" },
	{ "smtp mailfrom", "smtp", "mailfrom", "sender@example.com",
	    AUTHRES_STRLEN, "smtp.mailfrom=sender@example.com" },
};

static void
test_escaping(void **state)
{
	struct authres		*ar;
	struct authres_prop	 p;
	char			*s, want[512];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		ar = authres_new("mx");
		p.ptype = esc_cases[i].ptype;
		p.property = esc_cases[i].prop;
		p.value = esc_cases[i].value;
		p.len = esc_cases[i].len;
		assert_int_equal(authres_add(ar, "dkim", "pass", NULL, NULL,
		    &p, 1), 0);
		s = finish(ar);
		snprintf(want, sizeof(want), "Authentication-Results: mx;\n"
		    "\tdkim=pass %s\n", esc_cases[i].want);
		if (strcmp(s, want) != 0)
			fail_msg("case \"%s\": got [%s] want [%s]",
			    esc_cases[i].name, s, want);
		free(s);
		authres_free(ar);
	}
}

static void
test_comment_reason_escaping(void **state)
{
	struct authres	*ar;
	char		*s;

	(void)state;
	ar = authres_new("mx");
	assert_int_equal(authres_add(ar, "spf", "fail",
	    "says \"no\"\r\n", "evil) (x\\ \x01", NULL, 0), 0);
	s = finish(ar);
	assert_string_equal(s, "Authentication-Results: mx;\n"
	    "\tspf=fail (evil\\) \\(x\\\\ ?) reason=\"says \\\"no\\\"??\"\n");
	free(s);
	authres_free(ar);

	/* an authserv-id that is not a token is quoted */
	ar = authres_new("my host");
	s = finish(ar);
	assert_string_equal(s, "Authentication-Results: \"my host\"; none\n");
	free(s);
	authres_free(ar);
}

static void
test_keywords(void **state)
{
	struct authres		*ar;
	struct authres_prop	 p = P("header", "d", "x.example");

	(void)state;
	ar = authres_new("mx");
	assert_int_equal(authres_add(ar, "dk im", "pass", NULL, NULL, NULL,
	    0), -1);
	assert_int_equal(authres_add(ar, "dkim", "pass;", NULL, NULL, NULL,
	    0), -1);
	assert_int_equal(authres_add(ar, "dkim", "", NULL, NULL, NULL, 0),
	    -1);
	assert_int_equal(authres_add(ar, "-dkim", "pass", NULL, NULL, NULL,
	    0), -1);
	p.property = "d=";
	assert_int_equal(authres_add(ar, "dkim", "pass", NULL, NULL, &p, 1),
	    -1);
	p.property = "d";
	p.ptype = NULL;
	assert_int_equal(authres_add(ar, "dkim", "pass", NULL, NULL, &p, 1),
	    -1);
	assert_int_equal(authres_count(ar), 0);
	/* a prop with a NULL value is skipped */
	p.ptype = "header";
	p.value = NULL;
	assert_int_equal(authres_add(ar, "dkim", "pass", NULL, NULL, &p, 1),
	    0);
	authres_free(ar);
}

static void
test_folding(void **state)
{
	struct authres		*ar;
	struct authres_prop	 p[8];
	char			*s, *line, *save, flat[8192];
	char			 longv[300];
	size_t			 i;

	(void)state;
	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	ar = authres_new("mail-gateway.example.org");
	for (i = 0; i < 8; i++) {
		p[i].ptype = "header";
		p[i].property = "d";
		p[i].value = i == 5 ? longv :
		    "a-rather-long-subdomain.of.an-example-domain.example";
		p[i].len = AUTHRES_STRLEN;
	}
	assert_int_equal(authres_add(ar, "dkim", "pass", NULL,
	    "2048-bit key; secure", p, 8), 0);
	assert_int_equal(authres_add(ar, "dkim", "fail", "x", NULL, p, 2), 0);
	s = finish(ar);
	unfold(s, flat, sizeof(flat));
	assert_non_null(strstr(flat, "mail-gateway.example.org; dkim=pass "
	    "(2048-bit key; secure) header.d=a-rather-long"));
	assert_non_null(strstr(flat, "; dkim=fail reason=\"x\" header.d="));
	i = 0;
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		size_t	 col = line[0] == '\t' ? 8 + strlen(line) - 1 :
		    strlen(line);

		if (i > 0)
			assert_int_equal(line[0], '\t');
		/* only the one over-long word may pass the width */
		if (strstr(line, longv) == NULL && col > AUTHRES_WIDTH)
			fail_msg("line %zu is %zu columns: %s", i, col, line);
	}
	assert_true(i >= 8);
	free(s);
	authres_free(ar);
}

static void
test_max_results(void **state)
{
	struct authres	*ar;
	size_t		 i;

	(void)state;
	ar = authres_new("mx");
	for (i = 0; i < AUTHRES_MAX_RESULTS; i++)
		assert_int_equal(authres_add(ar, "dkim", "neutral", NULL, NULL,
		    NULL, 0), 0);
	assert_int_equal(authres_add(ar, "dkim", "neutral", NULL, NULL, NULL,
	    0), -1);
	assert_int_equal(authres_count(ar), AUTHRES_MAX_RESULTS);
	authres_free(ar);
}

struct claim_case {
	const char	*value;
	int		 claims;
	const char	*id;		/* strict parse; NULL: fails */
};

static const struct claim_case claim_cases[] = {
	{ " mx.example.org; dkim=pass header.d=example.com", 1,
	    "mx.example.org" },
	{ " MX.Example.ORG.; dkim=pass", 1, "MX.Example.ORG." },
	{ " (forged) mx.example.org 1; spf=pass", 1, "mx.example.org" },
	{ "\r\n\t(a (nested) comment)\r\n mx.example.org;none", 1,
	    "mx.example.org" },
	{ " \"mx.example.org\"; dkim=pass", 1, "mx.example.org" },
	{ " \"mx.example.org; dkim=pass", 1, NULL },
	{ " mx.example.org", 1, "mx.example.org" },
	{ " other.example.org; dkim=pass (mx.example.org)", 0,
	    "other.example.org" },
	{ " mx.example.org.evil.example; dkim=pass", 0,
	    "mx.example.org.evil.example" },
	{ " x-mx.example.org; dkim=pass", 0, "x-mx.example.org" },
	{ " ; dkim=pass", 0, NULL },
	{ "", 0, NULL },
	{ " (unterminated mx.example.org; dkim=pass", 0, NULL },
	{ " mx.example.org\x01; dkim=pass", 0, NULL },
	{ " mx.example.org/x; dkim=pass", 0, NULL },
};

static void
test_claims(void **state)
{
	char	 id[256];
	size_t	 i, n;
	int	 r;

	(void)state;
	for (i = 0; i < sizeof(claim_cases) / sizeof(claim_cases[0]); i++) {
		n = strlen(claim_cases[i].value);
		if (authres_claims(claim_cases[i].value, n, "mx.example.org") !=
		    claim_cases[i].claims)
			fail_msg("case %zu [%s]: claims != %d", i,
			    claim_cases[i].value, claim_cases[i].claims);
		r = authres_id_of(claim_cases[i].value, n, id, sizeof(id));
		if (claim_cases[i].id == NULL) {
			if (r != -1)
				fail_msg("case %zu: id parsed as [%s]", i, id);
		} else {
			assert_int_equal(r, 0);
			assert_string_equal(id, claim_cases[i].id);
		}
	}
	/* too small for the id */
	assert_int_equal(authres_id_of(" mx.example.org;", 16, id, 4), -1);
}

/*
 * test_claims_nul - a NUL after our id (found by fuzz/fuzz_authres): a
 * consumer that reads the value as a C string sees our id, so the field
 * must count as claiming it, quoted, unterminated or not.
 */
static void
test_claims_nul(void **state)
{
	static const char	 plain[] = " mx.example.org\0junk; dkim=pass";
	static const char	 quoted[] = " \"mx.example.org\0junk; dkim=pass";
	static const char	 other[] = " other.example\0mx.example.org;";

	(void)state;
	assert_int_equal(authres_claims(plain, sizeof(plain) - 1,
	    "mx.example.org"), 1);
	assert_int_equal(authres_claims(quoted, sizeof(quoted) - 1,
	    "mx.example.org"), 1);
	assert_int_equal(authres_claims(other, sizeof(other) - 1,
	    "mx.example.org"), 0);
}

static void
add_field(struct rfc5322_hdr *h, const char *raw)
{
	struct rfc5322_field	*f = &h->fields[h->nfields++];
	const char		*colon = strchr(raw, ':');

	f->name = raw;
	f->namelen = (size_t)(colon - raw);
	f->raw = raw;
	f->rawlen = strlen(raw);
	f->value = colon + 1;
	f->valuelen = strlen(colon + 1) - 2;	/* without CRLF */
}

static void
test_forged(void **state)
{
	struct rfc5322_field	 fields[8];
	struct rfc5322_hdr	 h;
	size_t			*drop, ndrop;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.fields = fields;
	h.cap = 8;
	add_field(&h, "Received: from x by mx.example.org\r\n");
	add_field(&h, "Authentication-Results: mx.example.org; "
	    "dkim=pass header.d=bank.example\r\n");
	add_field(&h, "Authentication-Results: upstream.example.net; "
	    "spf=pass\r\n");
	add_field(&h, "authentication-results: (x) MX.EXAMPLE.ORG.;\r\n"
	    "\tdkim=pass\r\n");
	add_field(&h, "X-Authentication-Results: mx.example.org; none\r\n");
	add_field(&h, "ARC-Authentication-Results: i=1; mx.example.org; "
	    "none\r\n");
	add_field(&h, "From: a@example.com\r\n");
	assert_int_equal(authres_forged(&h, "mx.example.org", &drop, &ndrop),
	    2);
	assert_int_equal(ndrop, 2);
	assert_int_equal(drop[0], 1);
	assert_int_equal(drop[1], 3);
	free(drop);
	assert_int_equal(authres_forged(&h, "other.example", &drop, &ndrop),
	    0);
	assert_null(drop);
	assert_int_equal(authres_forged(NULL, "x", &drop, &ndrop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_comment_reason_escaping),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_max_results),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_claims_nul),
		cmocka_unit_test(test_forged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
