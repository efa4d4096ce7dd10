/*
 * fuzz_dkim_tag.c - libFuzzer harness for the RFC 6376 3.2 tag=value
 * lexer of dkim_tag.h: dkim_tag_parse, dkim_tag_find, dkim_tag_is,
 * dkim_tag_list_next and the FWS helpers.
 *
 * Input: a tag-list. Invariants: at most DKIM_TAG_MAX tags; names,
 * values and spans lie inside the input and in order; the value lies
 * inside its span and carries no FWS at either end; no two names are
 * equal (a duplicate is an error) and dkim_tag_find finds each tag; the
 * colon-list iterator advances, stays inside the value and yields
 * non-empty items; FWS lengths never pass the end.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_tag.h"
#include "fuzz.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_is_wsp(int);
static void	fuzz_list(const struct dkim_tag *);

/* fuzz_is_wsp - WSP, CR or LF */
static int
fuzz_is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* fuzz_list - walk the value as a colon-separated list */
static void
fuzz_list(const struct dkim_tag *t)
{
	const char	*pos = t->value, *end = t->value + t->valuelen;
	const char	*item, *last = t->value;
	size_t		 itemlen, n = 0;
	int		 rc;

	while ((rc = dkim_tag_list_next(&pos, end, &item, &itemlen)) == 1) {
		FUZZ_CHECK(itemlen > 0);
		FUZZ_CHECK(fuzz_within(item, itemlen, t->value,
		    t->valuelen));
		FUZZ_CHECK(item >= last);
		last = item + itemlen;
		FUZZ_CHECK(!fuzz_is_wsp((unsigned char)item[0]));
		FUZZ_CHECK(!fuzz_is_wsp((unsigned char)item[itemlen - 1]));
		FUZZ_CHECK(memchr(item, ':', itemlen) == NULL);
		FUZZ_CHECK(pos >= last && pos <= end);
		FUZZ_CHECK(++n <= t->valuelen);
	}
	FUZZ_CHECK(rc == 0 || rc == -1);
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
	struct dkim_taglist	*tl;
	const struct dkim_tag	*t;
	const char		*why = NULL, *prev;
	char			*p, *name;
	size_t			 i, j, n;

	p = fuzz_dup(data, size);
	tl = malloc(sizeof(*tl));
	if (tl == NULL)
		abort();

	n = dkim_tag_fws(p, p + size);
	FUZZ_CHECK(n <= size);
	n = dkim_tag_wsp_or_fws(p, p + size);
	FUZZ_CHECK(n <= size);

	if (dkim_tag_parse(tl, p, size, &why) == -1) {
		FUZZ_CHECK(why != NULL);
		goto out;
	}
	FUZZ_CHECK(tl->ntags <= DKIM_TAG_MAX);
	prev = p;
	for (i = 0; i < tl->ntags; i++) {
		t = &tl->tag[i];
		FUZZ_CHECK(t->namelen > 0);
		FUZZ_CHECK(fuzz_within(t->name, t->namelen, p, size));
		FUZZ_CHECK(t->name >= prev);
		FUZZ_CHECK(fuzz_within(t->span, t->spanlen, p, size));
		FUZZ_CHECK(t->span >= t->name + t->namelen);
		FUZZ_CHECK(fuzz_within(t->value, t->valuelen, t->span,
		    t->spanlen));
		prev = t->span + t->spanlen;
		if (t->valuelen > 0) {
			FUZZ_CHECK(!fuzz_is_wsp((unsigned char)t->value[0]));
			FUZZ_CHECK(!fuzz_is_wsp(
			    (unsigned char)t->value[t->valuelen - 1]));
			FUZZ_CHECK(memchr(t->value, ';', t->valuelen) == NULL);
		}
		for (j = 0; j < i; j++)
			FUZZ_CHECK(tl->tag[j].namelen != t->namelen ||
			    memcmp(tl->tag[j].name, t->name,
			    t->namelen) != 0);
		name = fuzz_dupz(t->name, t->namelen);
		FUZZ_CHECK(dkim_tag_find(tl, name) == t);
		FUZZ_CHECK(dkim_tag_is(t, name));
		free(name);
		fuzz_list(t);
	}
 out:
	free(tl);
	free(p);
	return 0;
}
