/*
 * test_dkim_tag.c - RFC 6376 3.2 tag=value lexer (src/dkim_tag.c), with
 * erratum 5070: every ABNF corner as a named case, duplicates, FWS rules,
 * bad names, the b= span that RFC 6376 3.7 deletes, the colon-separated
 * lists inside values, and FWS helpers. Every input is an exact-size
 * heap copy, so a read past its end shows up under AddressSanitizer.
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
#include "dkim_tag.h"
#include "dkim_testutil.h"
#include "xmalloc.h"

#define S(x)	x, (sizeof(x) - 1)
#define MAXT	8

struct tag_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*why;		/* NULL: must parse */
	const char	*tags[2 * MAXT + 1];	/* name, value, ..., NULL */
};

static const struct tag_case tag_cases[] = {
	/* tag-list */
	{ "one tag", S("a=1"), NULL, { "a", "1" } },
	{ "two tags", S("a=1;b=2"), NULL, { "a", "1", "b", "2" } },
	{ "blank after ;", S("a=1; b=2"), NULL, { "a", "1", "b", "2" } },
	{ "trailing ;", S("a=1;"), NULL, { "a", "1" } },
	{ "trailing ; then FWS", S("a=1; \r\n "), NULL, { "a", "1" } },
	{ "empty list", S(""), "empty tag list", { NULL } },
	{ "only FWS", S(" \t\r\n "), "empty tag list", { NULL } },
	{ "only ;", S(";"), "empty tag", { NULL } },
	{ "leading ;", S(";a=1"), "empty tag", { NULL } },
	{ "double ;", S("a=1;;b=2"), "empty tag", { NULL } },
	{ "double ; at end", S("a=1;;"), "empty tag", { NULL } },
	/* tag-spec and FWS */
	{ "WSP before name", S(" \ta=1"), NULL, { "a", "1" } },
	{ "WSP around =", S("a \t= \t1"), NULL, { "a", "1" } },
	{ "folded around =", S("a\r\n =\r\n\t1"), NULL, { "a", "1" } },
	{ "fold before name", S("a=1;\r\n\tb=2"), NULL,
	    { "a", "1", "b", "2" } },
	{ "WSP then fold", S("a=1; \t\r\n b=2"), NULL,
	    { "a", "1", "b", "2" } },
	{ "WSP before ;", S("a=1 \t;b=2"), NULL, { "a", "1", "b", "2" } },
	{ "fold before ;", S("a=1\r\n ;b=2"), NULL, { "a", "1", "b", "2" } },
	{ "FWS at the very end", S("a=1 \r\n "), NULL, { "a", "1" } },
	{ "CRLF without WSP", S("a=1\r\nb=2"), "bad character in tag value",
	    { NULL } },
	{ "CRLF at the end", S("a=1\r\n"), "bad character in tag value",
	    { NULL } },
	{ "two FWS folds in a row", S("a=1\r\n \r\n ;"),
	    "bad character in tag value", { NULL } },
	{ "bare LF", S("a=1\n b=2"), "bad character in tag value", { NULL } },
	{ "bare CR", S("a=1\r b=2"), "bad character in tag value", { NULL } },
	{ "CR at end of input", S("a=\r"), "bad character in tag value",
	    { NULL } },
	/* tag-value (erratum 5070) */
	{ "empty value", S("a=;b=2"), NULL, { "a", "", "b", "2" } },
	{ "empty value, WSP", S("a= \t;b=2"), NULL, { "a", "", "b", "2" } },
	{ "empty value, folded", S("a=\r\n ;b=2"), NULL,
	    { "a", "", "b", "2" } },
	{ "empty value at the end", S("a=1; b="), NULL,
	    { "a", "1", "b", "" } },
	{ "empty value, two FWS (5070)", S("a= \r\n \r\n ;"),
	    "bad character in tag value", { NULL } },
	{ "inner WSP kept", S("a=x  y\tz"), NULL, { "a", "x  y\tz" } },
	{ "inner fold kept", S("b=abc\r\n def"), NULL,
	    { "b", "abc\r\n def" } },
	{ "inner double fold kept", S("b=abc\r\n \r\n def"), NULL,
	    { "b", "abc\r\n \r\n def" } },
	{ "value with = and :", S("b=x==; h=from:to"), NULL,
	    { "b", "x==", "h", "from:to" } },
	{ "value looks like a tag", S("a=1 b=2"), NULL, { "a", "1 b=2" } },
	{ "8-bit value (UTF-8 allowed)", S("n=\xc3\xa4\xc3\xb6"), NULL,
	    { "n", "\xc3\xa4\xc3\xb6" } },
	{ "NUL in value", S("a=x\0y"), "bad character in tag value",
	    { NULL } },
	{ "control octet in value", S("a=x\001"),
	    "bad character in tag value", { NULL } },
	{ "DEL in value", S("a=\177"), "bad character in tag value",
	    { NULL } },
	/* tag-name */
	{ "name with digits and _", S("x_1Z=v"), NULL, { "x_1Z", "v" } },
	{ "name starting with digit", S("1a=v"), "bad tag name", { NULL } },
	{ "name starting with _", S("_a=v"), "bad tag name", { NULL } },
	{ "name with hyphen", S("a-b=v"), "tag without \"=\"", { NULL } },
	{ "name with blank inside", S("a b=1"), "tag without \"=\"",
	    { NULL } },
	{ "8-bit name", S("\xc3\xa4=1"), "bad tag name", { NULL } },
	{ "missing =", S("a"), "tag without \"=\"", { NULL } },
	{ "missing = before ;", S("a;b=1"), "tag without \"=\"", { NULL } },
	{ "= without name", S("=1"), "bad tag name", { NULL } },
	/* duplicates */
	{ "duplicate", S("a=1; a=2"), "duplicate tag", { NULL } },
	{ "duplicate, empty values", S("b=; b="), "duplicate tag", { NULL } },
	{ "names are case-sensitive", S("a=1; A=2"), NULL,
	    { "a", "1", "A", "2" } },
	{ "prefix is no duplicate", S("b=1; bh=2"), NULL,
	    { "b", "1", "bh", "2" } },
};

/* test_tag_case - lex one case and compare every (name, value) */
static void
test_tag_case(void **state)
{
	const struct tag_case *c = *state;
	struct dkim_taglist tl;
	const char	*why = NULL;
	char		*in = tu_dup(c->in, c->len);
	size_t		 i;
	int		 r;

	r = dkim_tag_parse(&tl, in, c->len, &why);
	if (c->why != NULL) {
		assert_int_equal(r, -1);
		assert_non_null(why);
		assert_string_equal(why, c->why);
		free(in);
		return;
	}
	if (r != 0)
		fail_msg("%s: %s", c->name, why);
	for (i = 0; c->tags[2 * i] != NULL; i++) {
		assert_true(i < tl.ntags);
		assert_int_equal(tl.tag[i].namelen, strlen(c->tags[2 * i]));
		assert_memory_equal(tl.tag[i].name, c->tags[2 * i],
		    tl.tag[i].namelen);
		assert_int_equal(tl.tag[i].valuelen,
		    strlen(c->tags[2 * i + 1]));
		assert_memory_equal(tl.tag[i].value, c->tags[2 * i + 1],
		    tl.tag[i].valuelen);
		/* the value always lies inside the span */
		assert_true(tl.tag[i].value >= tl.tag[i].span);
		assert_true(tl.tag[i].value + tl.tag[i].valuelen <=
		    tl.tag[i].span + tl.tag[i].spanlen);
		assert_ptr_equal(dkim_tag_find(&tl, c->tags[2 * i]),
		    &tl.tag[i]);
		assert_true(dkim_tag_is(&tl.tag[i], c->tags[2 * i]));
	}
	assert_int_equal(tl.ntags, i);
	free(in);
}

/*
 * test_span - the span is everything between "=" and ";" (RFC 6376 3.7:
 * "the value of the b= tag (including all surrounding whitespace)").
 */
static void
test_span(void **state)
{
	static const char txt[] = "v=1; b= \r\n abc\r\n def \t; bh=x;b2= ;z=";
	struct dkim_taglist tl;
	const struct dkim_tag *t;
	const char	*why;
	char		*in = tu_dup(txt, sizeof(txt) - 1);

	(void)state;
	assert_int_equal(dkim_tag_parse(&tl, in, sizeof(txt) - 1, &why), 0);
	t = dkim_tag_find(&tl, "b");
	assert_non_null(t);
	assert_int_equal(t->spanlen, strlen(" \r\n abc\r\n def \t"));
	assert_memory_equal(t->span, " \r\n abc\r\n def \t", t->spanlen);
	assert_int_equal(t->valuelen, strlen("abc\r\n def"));
	assert_memory_equal(t->value, "abc\r\n def", t->valuelen);
	assert_ptr_equal(t->span, in + 7);
	t = dkim_tag_find(&tl, "b2");
	assert_int_equal(t->spanlen, 1);
	assert_int_equal(t->valuelen, 0);
	t = dkim_tag_find(&tl, "z");
	assert_int_equal(t->spanlen, 0);
	assert_ptr_equal(t->span, in + sizeof(txt) - 1);
	assert_null(dkim_tag_find(&tl, "bh2"));
	assert_null(dkim_tag_find(&tl, "B"));
	free(in);
}

/* test_tag_limit - DKIM_TAG_MAX tags parse, one more does not */
static void
test_tag_limit(void **state)
{
	struct dkim_taglist tl;
	struct buf	 b;
	const char	*why;
	char		*in;
	int		 i;

	(void)state;
	buf_init(&b, 65536);
	for (i = 0; i < DKIM_TAG_MAX; i++)
		buf_printf(&b, "t%d=%d;", i, i);
	in = tu_dup(buf_data(&b), buf_len(&b));
	assert_int_equal(dkim_tag_parse(&tl, in, buf_len(&b), &why), 0);
	assert_int_equal(tl.ntags, DKIM_TAG_MAX);
	free(in);
	buf_adds(&b, "x=1");
	in = tu_dup(buf_data(&b), buf_len(&b));
	assert_int_equal(dkim_tag_parse(&tl, in, buf_len(&b), &why), -1);
	assert_string_equal(why, "too many tags");
	free(in);
	buf_clear(&b);
}

/* one colon-separated list */
struct list_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 ok;		/* 0: list parses, -1: error */
	const char	*items[MAXT];
};

static const struct list_case list_cases[] = {
	{ "single", S("from"), 0, { "from" } },
	{ "plain", S("from:to:subject"), 0, { "from", "to", "subject" } },
	{ "blanks around colons", S("from : to\t:\tsubject"), 0,
	    { "from", "to", "subject" } },
	{ "fold before colon (degenerate)", S("from\r\n\t:to"), 0,
	    { "from", "to" } },
	{ "fold after colon", S("from:\r\n to"), 0, { "from", "to" } },
	{ "leading FWS", S(" \r\n from"), 0, { "from" } },
	{ "empty list", S(""), 0, { NULL } },
	{ "empty item", S("from::to"), -1, { NULL } },
	{ "leading colon", S(":from"), -1, { NULL } },
	{ "trailing colon", S("from:"), -1, { NULL } },
	{ "trailing colon and FWS", S("from: "), -1, { NULL } },
	{ "blank inside item", S("fr om"), -1, { NULL } },
	{ "only FWS", S(" "), -1, { NULL } },
	{ "bad octet", S("from:t\001o"), -1, { NULL } },
	{ "items with / and *", S("dns/txt:*"), 0, { "dns/txt", "*" } },
};

/* test_list_case - iterate one list with dkim_tag_list_next */
static void
test_list_case(void **state)
{
	const struct list_case *c = *state;
	char		*in = tu_dup(c->in, c->len);
	const char	*pos = in, *end = in + c->len, *item;
	size_t		 len, n = 0;
	int		 r;

	while ((r = dkim_tag_list_next(&pos, end, &item, &len)) == 1) {
		assert_true(n < MAXT);
		if (c->ok == 0) {
			assert_non_null(c->items[n]);
			assert_int_equal(len, strlen(c->items[n]));
			assert_memory_equal(item, c->items[n], len);
		}
		n++;
	}
	if (c->ok == 0) {
		assert_int_equal(r, 0);
		assert_null(n < MAXT ? c->items[n] : NULL);
	} else
		assert_int_equal(r, -1);
	free(in);
}

/* test_fws - FWS = [*WSP CRLF] 1*WSP and 1*(WSP / FWS) lengths */
static void
test_fws(void **state)
{
	static const struct {
		const char	*in;
		size_t		 fws;
		size_t		 many;
	} c[] = {
		{ "", 0, 0 },
		{ "x", 0, 0 },
		{ " x", 1, 1 },
		{ " \t x", 3, 3 },
		{ "\r\n x", 3, 3 },
		{ "  \r\n\t\tx", 6, 6 },
		{ "\r\nx", 0, 0 },
		{ " \r\nx", 1, 1 },
		{ "\r\n", 0, 0 },
		{ " \r\n \r\n x", 4, 7 },
		{ "\n x", 0, 0 },
	};
	size_t	 i, n;
	char	*in;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = strlen(c[i].in);
		in = tu_dup(c[i].in, n);
		assert_int_equal(dkim_tag_fws(in, in + n), c[i].fws);
		assert_int_equal(dkim_tag_wsp_or_fws(in, in + n), c[i].many);
		free(in);
	}
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
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_tag_limit),
		cmocka_unit_test(test_fws),
	};
	int	 rc = 0;

	rc += run_table("tag-list", test_tag_case, tag_cases,
	    sizeof(tag_cases[0]), NROWS(tag_cases));
	rc += run_table("colon lists", test_list_case, list_cases,
	    sizeof(list_cases[0]), NROWS(list_cases));
	rc += cmocka_run_group_tests_name("spans and limits", misc, NULL,
	    NULL);
	return rc;
}
