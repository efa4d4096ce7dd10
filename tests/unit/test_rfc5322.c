/*
 * test_rfc5322.c - unit tests for src/rfc5322.c: header block splitting
 * (folding, obsolete forms, lines that are not fields), field look-up,
 * and the RFC 5322 section 3.4 address parser (the many From forms,
 * obsolete syntax, RFC 6532 UTF-8, hostile input).
 *
 * Every input is handed to the code under test in a heap buffer of
 * exactly its length, with no NUL after it, so a read past the end is
 * caught by AddressSanitizer in the sanitizer build.
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

#include "rfc5322.h"
#include "xmalloc.h"

#define S(x)	x, (sizeof(x) - 1)
#define MAXA	4

/* a value for rfc5322_parse_mailboxes and what it must give */
struct mb_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 count;		/* -1: must not parse */
	const char	*addr[MAXA];	/* the first min(count, MAXA) */
};

static const struct mb_case mb_cases[] = {
	/* plain forms */
	{ "addr-spec", S("user@example.com"), 1, { "user@example.com" } },
	{ "leading blank", S(" user@example.com"), 1,
	    { "user@example.com" } },
	{ "trailing blank", S("user@example.com \t"), 1,
	    { "user@example.com" } },
	{ "domain lower-cased, local part kept", S("John.Smith@EXAMPLE.Com"),
	    1, { "John.Smith@example.com" } },
	{ "angle only", S("<user@example.com>"), 1, { "user@example.com" } },
	{ "display name", S("John Doe <jdoe@example.com>"), 1,
	    { "jdoe@example.com" } },
	{ "display name no blank", S("John<jdoe@example.com>"), 1,
	    { "jdoe@example.com" } },
	{ "quoted display name", S("\"Doe, John\" <jdoe@example.com>"), 1,
	    { "jdoe@example.com" } },
	{ "quoted-pair in display name",
	    S("\"John \\\"JD\\\" Doe\" <jd@example.com>"), 1,
	    { "jd@example.com" } },
	{ "display name looks like address",
	    S("\"ceo@bank.example\" <attacker@evil.example>"), 1,
	    { "attacker@evil.example" } },
	{ "encoded-word display name",
	    S("=?utf-8?q?J=C3=B6rg?= <joerg@example.com>"), 1,
	    { "joerg@example.com" } },
	{ "obs-phrase with dot", S("John Q. Public <jqp@example.com>"), 1,
	    { "jqp@example.com" } },
	{ "tab separated", S("John\tDoe\t<jd@example.com>\t"), 1,
	    { "jd@example.com" } },

	/* comments */
	{ "trailing comment", S("jdoe@example.com (John Doe)"), 1,
	    { "jdoe@example.com" } },
	{ "nested comment", S("jdoe@example.com (a (nested (deep)) one)"),
	    1, { "jdoe@example.com" } },
	{ "comments everywhere",
	    S("(c0) john (c1) @ (c2) example.com (c3)"), 1,
	    { "john@example.com" } },
	{ "comment with quoted-pair", S("(a \\) b) jd@example.com"), 1,
	    { "jd@example.com" } },
	{ "comment before angle", S("John (x) <j@example.com> (y)"), 1,
	    { "j@example.com" } },
	{ "comment between phrase words", S("Pete(A nice \\) chap) "
	    "<pete(his account)@silly.test(his host)>"), 1,
	    { "pete@silly.test" } },

	/* folding */
	{ "folded before angle", S("John Doe\r\n <jdoe@example.com>"), 1,
	    { "jdoe@example.com" } },
	{ "folded at start", S("\r\n\tuser@example.com"), 1,
	    { "user@example.com" } },
	{ "folded in quoted local part", S("\"john\r\n doe\"@example.com"), 1,
	    { "\"john doe\"@example.com" } },
	{ "folded in comment", S("a@example.com (one\r\n two)"), 1,
	    { "a@example.com" } },
	{ "folded list", S("a@example.com,\r\n b@example.org"), 2,
	    { "a@example.com", "b@example.org" } },

	/* local parts */
	{ "quoted local part", S("\"john doe\"@example.com"), 1,
	    { "\"john doe\"@example.com" } },
	{ "quoted local part with at", S("\"a@b\"@example.com"), 1,
	    { "\"a@b\"@example.com" } },
	{ "quoted-pair in local part", S("\"a\\\"b\"@example.com"), 1,
	    { "\"a\\\"b\"@example.com" } },
	{ "atext specials", S("!#$%&'*+-/=?^_`{|}~@example.com"), 1,
	    { "!#$%&'*+-/=?^_`{|}~@example.com" } },
	{ "obs-local-part blanks around dots",
	    S("john . doe@example.com"), 1, { "john.doe@example.com" } },
	{ "obs-local-part mixed words", S("\"john\".doe@example.com"), 1,
	    { "\"john\".doe@example.com" } },

	/* domains */
	{ "domain literal v4", S("user@[192.0.2.1]"), 1,
	    { "user@[192.0.2.1]" } },
	{ "domain literal v6", S("user@[IPv6:2001:DB8::1]"), 1,
	    { "user@[ipv6:2001:db8::1]" } },
	{ "domain literal blanks dropped", S("user@[ 192.0.2.1 ]"), 1,
	    { "user@[192.0.2.1]" } },
	{ "obs-domain blanks around dots", S("user@example . com"), 1,
	    { "user@example.com" } },
	{ "single-label domain", S("root@localhost"), 1,
	    { "root@localhost" } },

	/* RFC 6532 UTF-8 */
	{ "utf8 local and domain", S("J\xc3\xb6rg <j\xc3\xb6rg@B\xc3\xbc"
	    "cher.EXAMPLE>"), 1, { "j\xc3\xb6rg@b\xc3\xbc" "cher.example" } },
	{ "utf8 quoted display name", S("\"J\xc3\xb6rg\" <j@example.com>"),
	    1, { "j@example.com" } },
	{ "utf8 4-byte", S("\xf0\x9f\x93\xa7@example.com"), 1,
	    { "\xf0\x9f\x93\xa7@example.com" } },
	{ "utf8 comment", S("a@example.com (\xe2\x82\xac)"), 1,
	    { "a@example.com" } },
	{ "utf8 quoted-pair", S("\"\\\xc3\xa9\"@example.com"), 1,
	    { "\"\\\xc3\xa9\"@example.com" } },

	/* lists and groups */
	{ "two mailboxes", S("a@example.com, B <b@Example.ORG>"), 2,
	    { "a@example.com", "b@example.org" } },
	{ "obs empty elements", S(", a@example.com, , b@example.com,"), 2,
	    { "a@example.com", "b@example.com" } },
	{ "empty group", S("undisclosed-recipients:;"), 0, { NULL } },
	{ "empty group with cfws", S("team: (nobody) ;"), 0, { NULL } },
	{ "obs-group-list", S("team: , ,;"), 0, { NULL } },
	{ "group with members",
	    S("friends: a@x.example, Bee <b@y.example>;, c@z.example"), 3,
	    { "a@x.example", "b@y.example", "c@z.example" } },
	{ "group then comment", S("g: a@example.com; (end)"), 1,
	    { "a@example.com" } },
	{ "more than stored", S("a@e.x, b@e.x, c@e.x, d@e.x, e@e.x, f@e.x"),
	    6, { "a@e.x", "b@e.x", "c@e.x", "d@e.x" } },

	/* obs-route */
	{ "obs-route", S("<@relay1.example,@relay2.example:user@example.com>"),
	    1, { "user@example.com" } },
	{ "obs-route with name", S("Joe <@a.example:joe@b.example>"), 1,
	    { "joe@b.example" } },
	{ "obs-route empty elements",
	    S("<,@a.example,,@b.example:u@example.com>"), 1,
	    { "u@example.com" } },

	/* malformed */
	{ "empty", S(""), -1, { NULL } },
	{ "only blanks", S("   "), -1, { NULL } },
	{ "only comment", S("(nobody)"), -1, { NULL } },
	{ "only commas", S(" , ,"), -1, { NULL } },
	{ "phrase only", S("John Doe"), -1, { NULL } },
	{ "no domain", S("john@"), -1, { NULL } },
	{ "no local part", S("@example.com"), -1, { NULL } },
	{ "trailing dot", S("john@example.com."), -1, { NULL } },
	{ "leading dot in domain", S("john@.example.com"), -1, { NULL } },
	{ "double dot", S("john..doe@example.com"), -1, { NULL } },
	{ "leading dot", S(".john@example.com"), -1, { NULL } },
	{ "two at signs", S("a@b@example.com"), -1, { NULL } },
	{ "two addr-specs", S("a@example.com b@example.com"), -1, { NULL } },
	{ "unquoted address as display name",
	    S("ceo@bank.example <attacker@evil.example>"), -1, { NULL } },
	{ "two angle-addrs", S("John <a@example.com> <b@example.com>"), -1,
	    { NULL } },
	{ "garbage after angle", S("<a@example.com> x"), -1, { NULL } },
	{ "unterminated angle", S("<john@example.com"), -1, { NULL } },
	{ "stray closing angle", S("john@example.com>"), -1, { NULL } },
	{ "empty angle", S("<>"), -1, { NULL } },
	{ "two at in angle", S("<a@b@example.com>"), -1, { NULL } },
	{ "unterminated quote", S("\"john@example.com"), -1, { NULL } },
	{ "unterminated comment", S("(john john@example.com"), -1, { NULL } },
	{ "extra closing paren", S("john@example.com (x))"), -1, { NULL } },
	{ "backslash at end of quote", S("\"a\\"), -1, { NULL } },
	{ "nested group", S("a: b: c@example.com;;"), -1, { NULL } },
	{ "unterminated group", S("a: b@example.com"), -1, { NULL } },
	{ "stray semicolon", S("a@example.com;"), -1, { NULL } },
	{ "garbage after group", S("g: a@example.com; x"), -1, { NULL } },
	{ "bad obs-route", S("<@:a@example.com>"), -1, { NULL } },
	{ "bad domain literal", S("a@[a[b]"), -1, { NULL } },
	{ "quoted-pair in domain literal", S("a@[\\a]"), -1, { NULL } },
	{ "bare LF", S("john@exa\nmple.com"), -1, { NULL } },
	{ "bare CR", S("john@example.com\r"), -1, { NULL } },
	{ "CRLF without WSP", S("a@example.com\r\nb"), -1, { NULL } },
	{ "trailing CRLF", S("a@example.com\r\n"), -1, { NULL } },
	{ "NUL in local part", S("jo\0hn@example.com"), -1, { NULL } },
	{ "NUL after address", S("john@example.com\0"), -1, { NULL } },
	{ "NUL in quoted string", S("\"a\0\"@example.com"), -1, { NULL } },
	{ "NUL in comment", S("a@example.com (\0)"), -1, { NULL } },
	{ "control in atom", S("jo\x01hn@example.com"), -1, { NULL } },
	{ "control in quoted string", S("\"a\x7f\"@example.com"), -1,
	    { NULL } },
	{ "obs-qp control", S("\"a\\\x01\"@example.com"), -1, { NULL } },
	{ "DEL in comment", S("a@example.com (\x7f)"), -1, { NULL } },
	{ "utf8 overlong", S("\xc0\xaf@example.com"), -1, { NULL } },
	{ "utf8 surrogate", S("\xed\xa0\x80@example.com"), -1, { NULL } },
	{ "utf8 past U+10FFFF", S("\xf4\x90\x80\x80@example.com"), -1,
	    { NULL } },
	{ "utf8 lone continuation", S("\x80@example.com"), -1, { NULL } },
	{ "utf8 truncated at end", S("a@example.\xc3"), -1, { NULL } },
	{ "utf8 truncated inside", S("a\xe2\x82@example.com"), -1, { NULL } },
	{ "latin-1 byte", S("j\xf6rg@example.com"), -1, { NULL } },
	{ "comma in local part", S("a,b@example.com"), -1, { NULL } },
	{ "bracket in local part", S("a[b]@example.com"), -1, { NULL } },
};

static void
test_mailboxes(void **state)
{
	const struct mb_case	*c = *state;
	char			 addrs[MAXA][256];
	char			*exact;
	int			 n, i;

	memset(addrs, 0xa5, sizeof(addrs));
	exact = xmemdup(c->in, c->len);
	n = rfc5322_parse_mailboxes(exact, c->len, addrs, MAXA);
	free(exact);
	assert_int_equal(n, c->count);
	for (i = 0; i < n && i < MAXA; i++)
		assert_string_equal(addrs[i], c->addr[i]);
	/* slots past the stored ones are not touched; on an error, a slot
	 * is untouched or emptied, never left with a partial result */
	for (; i < MAXA; i++) {
		if (n == -1 && addrs[i][0] == '\0')
			continue;
		assert_int_equal((unsigned char)addrs[i][0], 0xa5);
	}
}

/*
 * test_mailbox_prefixes - every prefix of every case: no read past the
 * end, no crash, and a parse result that is consistent (each stored
 * address has a domain, fits, and is NUL-terminated).
 */
static void
test_mailbox_prefixes(void **state)
{
	char	 addrs[MAXA][256];
	char	*exact;
	size_t	 i, len;
	int	 n, k;

	(void)state;
	for (i = 0; i < sizeof(mb_cases) / sizeof(mb_cases[0]); i++) {
		for (len = 0; len <= mb_cases[i].len; len++) {
			exact = xmemdup(mb_cases[i].in, len);
			n = rfc5322_parse_mailboxes(exact, len, addrs, MAXA);
			free(exact);
			assert_true(n >= -1);
			for (k = 0; k < n && k < MAXA; k++) {
				assert_non_null(memchr(addrs[k], '\0', 256));
				assert_non_null(rfc5322_addr_domain(addrs[k]));
			}
		}
	}
}

/*
 * test_mailbox_random - pseudo-random bytes from the address alphabet:
 * whatever parses yields well-formed stored addresses.
 */
static void
test_mailbox_random(void **state)
{
	static const char alpha[] = "aZ0.@<>\"\\(),:; \t\r\n[]\xc3\xa9\x80";
	char		 in[64], addrs[MAXA][256];
	char		*exact;
	uint32_t	 x = 12345;
	size_t		 len, j;
	int		 iter, n, k, parsed = 0;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		x = x * 1103515245 + 12345;
		len = (x >> 16) % sizeof(in);
		for (j = 0; j < len; j++) {
			x = x * 1103515245 + 12345;
			in[j] = alpha[(x >> 16) % (sizeof(alpha) - 1)];
		}
		exact = xmemdup(in, len);
		n = rfc5322_parse_mailboxes(exact, len, addrs, MAXA);
		free(exact);
		assert_true(n >= -1);
		if (n > 0)
			parsed++;
		for (k = 0; k < n && k < MAXA; k++) {
			assert_true(strlen(addrs[k]) < 256);
			assert_non_null(rfc5322_addr_domain(addrs[k]));
		}
	}
	/* the alphabet is rich enough that some inputs do parse */
	assert_true(parsed > 0);
}

static void
test_mailbox_limits(void **state)
{
	char	 in[600], addrs[1][256];
	int	 n;

	(void)state;
	/* an addr-spec of exactly 255 bytes fits */
	memset(in, 'a', 243);
	memcpy(in + 243, "@example.com", 12);
	assert_int_equal(rfc5322_parse_mailboxes(in, 255, addrs, 1), 1);
	assert_int_equal(strlen(addrs[0]), 255);
	/* one more byte is an error, never a cut address */
	memset(in, 'a', 244);
	memcpy(in + 244, "@example.com", 12);
	assert_int_equal(rfc5322_parse_mailboxes(in, 256, addrs, 1), -1);
	/* a long domain likewise */
	memcpy(in, "a@", 2);
	memset(in + 2, 'b', 500);
	assert_int_equal(rfc5322_parse_mailboxes(in, 502, addrs, 1), -1);
	/* but a long display name is fine */
	memset(in, 'x', 500);
	memcpy(in + 500, " <a@example.com>", 16);
	assert_int_equal(rfc5322_parse_mailboxes(in, 516, addrs, 1), 1);
	assert_string_equal(addrs[0], "a@example.com");

	/* count without storage */
	n = rfc5322_parse_mailboxes("a@b.example, c@d.example", 24, NULL, 0);
	assert_int_equal(n, 2);
	assert_int_equal(rfc5322_parse_mailboxes(NULL, 0, NULL, 0), -1);
}

static void
test_mailbox_deep_comment(void **state)
{
	size_t	 depth = 100000, i;
	char	*in, addrs[1][256];

	(void)state;
	/* deep nesting is counted, not recursed: no stack exhaustion */
	in = xmalloc(2 * depth + 20);
	memcpy(in, "a@example.com ", 14);
	for (i = 0; i < depth; i++)
		in[14 + i] = '(';
	for (i = 0; i < depth; i++)
		in[14 + depth + i] = ')';
	assert_int_equal(rfc5322_parse_mailboxes(in, 14 + 2 * depth, addrs,
	    1), 1);
	assert_string_equal(addrs[0], "a@example.com");
	/* one paren short: unterminated */
	assert_int_equal(rfc5322_parse_mailboxes(in, 14 + 2 * depth - 1,
	    addrs, 1), -1);
	free(in);
}

static void
test_addr_domain(void **state)
{
	(void)state;
	assert_string_equal(rfc5322_addr_domain("a@example.com"),
	    "example.com");
	assert_string_equal(rfc5322_addr_domain("\"a@b\"@example.com"),
	    "example.com");
	assert_string_equal(rfc5322_addr_domain("\"a\\\"@b\"@example.com"),
	    "example.com");
	assert_string_equal(rfc5322_addr_domain("a@[x@y]"), "[x@y]");
	assert_null(rfc5322_addr_domain("nodomain"));
	assert_null(rfc5322_addr_domain("a@"));
	assert_null(rfc5322_addr_domain(NULL));
}

/* a header block and the fields it must split into */
struct hdr_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 maxfields;
	int		 rc;
	size_t		 nbad;
	size_t		 nfields;
	struct {
		const char	*name;
		const char	*value;
		const char	*raw;
	} f[4];
};

static const struct hdr_case hdr_cases[] = {
	{ "simple", S("From: a@example.com\r\nTo: b@example.com\r\n"
	    "Subject: hi\r\n"), 100, 0, 0, 3, {
		{ "From", " a@example.com", "From: a@example.com\r\n" },
		{ "To", " b@example.com", "To: b@example.com\r\n" },
		{ "Subject", " hi", "Subject: hi\r\n" } } },
	{ "folded", S("Subject: one\r\n two\r\n\tthree\r\nTo: x\r\n"), 100,
	    0, 0, 2, {
		{ "Subject", " one\r\n two\r\n\tthree",
		    "Subject: one\r\n two\r\n\tthree\r\n" },
		{ "To", " x", "To: x\r\n" } } },
	{ "no blank after colon", S("X-A:1\r\nX-B:\r\n"), 100, 0, 0, 2, {
		{ "X-A", "1", "X-A:1\r\n" },
		{ "X-B", "", "X-B:\r\n" } } },
	{ "obs-optional blank before colon", S("Subject \t: x\r\n"), 100, 0,
	    0, 1, { { "Subject", " x", "Subject \t: x\r\n" } } },
	{ "colon in value", S("Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"),
	    100, 0, 0, 1, { { "Date", " Mon, 1 Jan 2024 10:00:00 +0000",
		"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n" } } },
	{ "whitespace-only continuation", S("A: 1\r\n \r\nB: 2\r\n"), 100, 0,
	    0, 2, { { "A", " 1\r\n ", "A: 1\r\n \r\n" },
		{ "B", " 2", "B: 2\r\n" } } },
	{ "no colon", S("From: a@b.example\r\nnot a field\r\nTo: c\r\n"),
	    100, 0, 1, 2, { { "From", " a@b.example", "From: a@b.example\r\n" },
		{ "To", " c", "To: c\r\n" } } },
	{ "continuation first", S(" leading\r\nA: 1\r\n"), 100, 0, 1, 1, {
		{ "A", " 1", "A: 1\r\n" } } },
	{ "continuation of a bad line",
	    S("bad line\r\n still bad\r\nA: 1\r\n"), 100, 0, 2, 1, {
		{ "A", " 1", "A: 1\r\n" } } },
	{ "empty name", S(": x\r\nA: 1\r\n"), 100, 0, 1, 1, {
		{ "A", " 1", "A: 1\r\n" } } },
	{ "blank inside name", S("Bad Name: x\r\nA: 1\r\n"), 100, 0, 1, 1, {
		{ "A", " 1", "A: 1\r\n" } } },
	{ "8-bit name", S("Fr\xc3\xb6m: x\r\nA: 1\r\n"), 100, 0, 1, 1, {
		{ "A", " 1", "A: 1\r\n" } } },
	{ "control in name", S("A\x01: x\r\nA: 1\r\n"), 100, 0, 1, 1, {
		{ "A", " 1", "A: 1\r\n" } } },
	{ "empty line", S("A: 1\r\n\r\nB: 2\r\n"), 100, 0, 1, 2, {
		{ "A", " 1", "A: 1\r\n" }, { "B", " 2", "B: 2\r\n" } } },
	{ "bare LF lines", S("A: 1\nB: 2\n"), 100, 0, 0, 2, {
		{ "A", " 1", "A: 1\n" }, { "B", " 2", "B: 2\n" } } },
	{ "last line without CRLF", S("A: 1\r\nB: 2"), 100, 0, 0, 2, {
		{ "A", " 1", "A: 1\r\n" }, { "B", " 2", "B: 2" } } },
	{ "8-bit and NUL in value", S("X: \xc3\xa9\0z\r\n"), 100, 0, 0, 1, {
		{ "X", " \xc3\xa9\0z", "X: \xc3\xa9\0z\r\n" } } },
	{ "CR inside value", S("X: a\rb\r\n"), 100, 0, 0, 1, {
		{ "X", " a\rb", "X: a\rb\r\n" } } },
	{ "maxfields hit", S("A: 1\r\nB: 2\r\n C\r\nD: 4\r\n"), 1, -1, 3, 1, {
		{ "A", " 1", "A: 1\r\n" } } },
	{ "maxfields zero", S("A: 1\r\n"), 0, -1, 1, 0, { { NULL, NULL,
		NULL } } },
	{ "empty block", S(""), 100, 0, 0, 0, { { NULL, NULL, NULL } } },
};

static void
test_hdr(void **state)
{
	const struct hdr_case	*c = *state;
	struct rfc5322_hdr	 h;
	char			*exact;
	size_t			 i;

	exact = xmemdup(c->in, c->len);
	rfc5322_hdr_init(&h);
	assert_int_equal(rfc5322_parse(&h, exact, c->len, c->maxfields),
	    c->rc);
	assert_int_equal(h.nbad, c->nbad);
	assert_int_equal(h.nfields, c->nfields);
	for (i = 0; i < h.nfields && i < 4; i++) {
		const struct rfc5322_field *f = &h.fields[i];

		assert_int_equal(f->namelen, strlen(c->f[i].name));
		assert_memory_equal(f->name, c->f[i].name, f->namelen);
		/* pointers into the caller's block */
		assert_true(f->raw >= exact && f->raw + f->rawlen <=
		    exact + c->len);
		assert_true(f->value >= f->raw && f->value + f->valuelen <=
		    f->raw + f->rawlen);
	}
	/* values and raw may hold NUL: compare by the case's lengths */
	for (i = 0; i < h.nfields && i < 4; i++) {
		const struct rfc5322_field *f = &h.fields[i];
		const char *cv = c->f[i].value, *cr = c->f[i].raw;
		size_t vlen = strlen(cv), rlen = strlen(cr);

		if (strcmp(c->name, "8-bit and NUL in value") == 0) {
			vlen = 5;	/* " " C3 A9 NUL "z" */
			rlen = 9;
		}
		assert_int_equal(f->valuelen, vlen);
		assert_memory_equal(f->value, cv, vlen);
		assert_int_equal(f->rawlen, rlen);
		assert_memory_equal(f->raw, cr, rlen);
	}
	rfc5322_hdr_clear(&h);
	assert_null(h.fields);
	free(exact);
}

static void
test_hdr_lookup(void **state)
{
	static const char block[] = "Received: x\r\nFROM: a@example.com\r\n"
	    "Subject: s\r\nfrom: b@example.com\r\nFrom : c@example.com\r\n"
	    "Fromage: no\r\n";
	struct rfc5322_hdr	 h;
	char			*exact;
	size_t			 len = sizeof(block) - 1;

	(void)state;
	exact = xmemdup(block, len);
	rfc5322_hdr_init(&h);
	assert_int_equal(rfc5322_parse(&h, exact, len, 10), 0);
	assert_int_equal(h.nfields, 6);
	assert_int_equal(rfc5322_count(&h, "From"), 3);
	assert_int_equal(rfc5322_count(&h, "subject"), 1);
	assert_int_equal(rfc5322_count(&h, "Fro"), 0);
	assert_int_equal(rfc5322_count(&h, "DKIM-Signature"), 0);
	assert_int_equal(rfc5322_find(&h, "from", 0), 1);
	assert_int_equal(rfc5322_find(&h, "from", 2), 3);
	assert_int_equal(rfc5322_find(&h, "from", 4), 4);
	assert_int_equal(rfc5322_find(&h, "from", 5), -1);
	assert_int_equal(rfc5322_find(&h, "from", 99), -1);
	assert_int_equal(rfc5322_find(&h, "FROMAGE", 0), 5);
	assert_true(rfc5322_name_eq(&h.fields[0], "RECEIVED"));
	assert_false(rfc5322_name_eq(&h.fields[0], "Receive"));
	assert_false(rfc5322_name_eq(&h.fields[0], "Received2"));
	assert_false(rfc5322_name_eq(&h.fields[0], ""));

	/* the value of a From field goes straight to the address parser */
	{
		char	 addrs[1][256];
		const struct rfc5322_field *f = &h.fields[4];

		assert_int_equal(rfc5322_parse_mailboxes(f->value,
		    f->valuelen, addrs, 1), 1);
		assert_string_equal(addrs[0], "c@example.com");
	}

	/* parsing again replaces the fields */
	assert_int_equal(rfc5322_parse(&h, exact, 13, 10), 0);
	assert_int_equal(h.nfields, 1);
	assert_int_equal(h.nbad, 0);
	rfc5322_hdr_clear(&h);
	rfc5322_hdr_clear(NULL);
	free(exact);
}

static void
test_hdr_many(void **state)
{
	struct rfc5322_hdr	 h;
	char			*block, *p;
	size_t			 i, n = 10000;

	(void)state;
	block = xmalloc(n * 16);
	p = block;
	for (i = 0; i < n; i++)
		p += snprintf(p, 16, "X-%05zu: v\r\n", i);
	rfc5322_hdr_init(&h);
	assert_int_equal(rfc5322_parse(&h, block, (size_t)(p - block),
	    20000), 0);
	assert_int_equal(h.nfields, n);
	assert_memory_equal(h.fields[n - 1].name, "X-09999", 7);
	/* the cap holds and the rest is counted */
	assert_int_equal(rfc5322_parse(&h, block, (size_t)(p - block), 100),
	    -1);
	assert_int_equal(h.nfields, 100);
	assert_int_equal(h.nbad, n - 100);
	rfc5322_hdr_clear(&h);
	free(block);
}

/*
 * test_hdr_prefixes - every prefix of every header case splits without
 * reading past the end, and the fields stay inside the block.
 */
static void
test_hdr_prefixes(void **state)
{
	struct rfc5322_hdr	 h;
	char			*exact;
	size_t			 i, len, k;

	(void)state;
	rfc5322_hdr_init(&h);
	for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		for (len = 0; len <= hdr_cases[i].len; len++) {
			exact = xmemdup(hdr_cases[i].in, len);
			rfc5322_parse(&h, exact, len, 100);
			for (k = 0; k < h.nfields; k++)
				assert_true(h.fields[k].raw +
				    h.fields[k].rawlen <= exact + len);
			free(exact);
		}
	}
	rfc5322_hdr_clear(&h);
}

/*
 * run_table - run one test function over a table of named cases.
 */
static int
run_table(const char *group, CMUnitTestFunction fn, const void *cases,
    size_t n, size_t size, size_t nameoff)
{
	struct CMUnitTest	*t;
	size_t			 i;
	int			 rc;

	t = xcalloc(n, sizeof(*t));
	for (i = 0; i < n; i++) {
		const char	*c = (const char *)cases + i * size;

		t[i].name = *(const char *const *)(c + nameoff);
		t[i].test_func = fn;
		t[i].initial_state = (void *)(uintptr_t)c;
	}
	rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return rc;
}

#define RUN_TABLE(group, fn, tab) \
	run_table(group, fn, tab, sizeof(tab) / sizeof(tab[0]), \
	    sizeof(tab[0]), offsetof(__typeof__(tab[0]), name))

int
main(void)
{
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_mailbox_prefixes),
		cmocka_unit_test(test_mailbox_random),
		cmocka_unit_test(test_mailbox_limits),
		cmocka_unit_test(test_mailbox_deep_comment),
		cmocka_unit_test(test_addr_domain),
		cmocka_unit_test(test_hdr_lookup),
		cmocka_unit_test(test_hdr_many),
		cmocka_unit_test(test_hdr_prefixes),
	};
	int	 rc = 0;

	rc += RUN_TABLE("rfc5322_parse_mailboxes", test_mailboxes, mb_cases);
	rc += RUN_TABLE("rfc5322_parse", test_hdr, hdr_cases);
	rc += cmocka_run_group_tests_name("rfc5322_misc", misc, NULL, NULL);
	return rc != 0;
}
