/*
 * dkim_tag.c - RFC 6376 3.2 tag=value list lexer, one function per ABNF
 * rule (with verified erratum 5070 for tag-spec and tag-value). Each rule
 * function takes the current position and the end of the input and
 * returns the position after what it matched, or NULL when the rule does
 * not match.
 */
#include "autoconf.h"

#include <string.h>

#include "dkim_tag.h"

static int	 is_wsp(unsigned char);
static int	 is_alpha(unsigned char);
static int	 is_alnumpunc(unsigned char);
static int	 is_valchar(unsigned char);
static const char *lex_fws(const char *, const char *);
static const char *lex_opt_fws(const char *, const char *);
static const char *lex_tag_name(const char *, const char *);
static const char *lex_tval(const char *, const char *);
static const char *lex_tag_value(const char *, const char *);
static const char *lex_tag_spec(const char *, const char *,
		    struct dkim_tag *, const char **);

/* is_wsp - WSP = SP / HTAB */
static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* is_alpha - ALPHA (RFC 5234) */
static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* is_alnumpunc - ALNUMPUNC = ALPHA / DIGIT / "_" */
static int
is_alnumpunc(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/*
 * is_valchar - VALCHAR = %x21-3A / %x3C-7E, plus octets >= 0x80 so that
 * UTF-8 is not precluded (RFC 6376 3.2, implementation note).
 */
static int
is_valchar(unsigned char c)
{
	return (c >= 0x21 && c <= 0x7e && c != ';') || c >= 0x80;
}

/*
 * lex_fws - FWS = [*WSP CRLF] 1*WSP (RFC 6376 2.8: no obs-FWS). At most
 * one CRLF, and it must be followed by WSP.
 */
static const char *
lex_fws(const char *p, const char *end)
{
	const char	*q = p;

	while (q < end && is_wsp((unsigned char)*q))
		q++;
	if (end - q >= 3 && q[0] == '\r' && q[1] == '\n' &&
	    is_wsp((unsigned char)q[2])) {
		q += 3;
		while (q < end && is_wsp((unsigned char)*q))
			q++;
	}
	return q == p ? NULL : q;
}

/* lex_opt_fws - [FWS]: never fails */
static const char *
lex_opt_fws(const char *p, const char *end)
{
	const char	*q;

	return (q = lex_fws(p, end)) != NULL ? q : p;
}

/* lex_tag_name - tag-name = ALPHA *ALNUMPUNC */
static const char *
lex_tag_name(const char *p, const char *end)
{
	if (p == end || !is_alpha((unsigned char)*p))
		return NULL;
	p++;
	while (p < end && is_alnumpunc((unsigned char)*p))
		p++;
	return p;
}

/* lex_tval - tval = 1*VALCHAR */
static const char *
lex_tval(const char *p, const char *end)
{
	const char	*q = p;

	while (q < end && is_valchar((unsigned char)*q))
		q++;
	return q == p ? NULL : q;
}

/*
 * lex_tag_value - tag-value = tval *( 1*(WSP / FWS) tval ): whitespace
 * is taken only when another tval follows it, so the value never ends in
 * whitespace.
 */
static const char *
lex_tag_value(const char *p, const char *end)
{
	const char	*q, *ws;

	if ((q = lex_tval(p, end)) == NULL)
		return NULL;
	for (;;) {
		ws = q + dkim_tag_wsp_or_fws(q, end);
		if (ws == q)
			return q;
		if ((p = lex_tval(ws, end)) == NULL)
			return q;
		q = p;
	}
}

/*
 * lex_tag_spec - tag-spec = [FWS] tag-name [FWS] "=" [FWS]
 * [tag-value [FWS]] (erratum 5070). Fills t; the span runs from after
 * "=" to the end of the tag-spec.
 */
static const char *
lex_tag_spec(const char *p, const char *end, struct dkim_tag *t,
    const char **why)
{
	const char	*q, *v;

	p = lex_opt_fws(p, end);
	if ((q = lex_tag_name(p, end)) == NULL) {
		*why = p == end || *p == ';' ? "empty tag" : "bad tag name";
		return NULL;
	}
	t->name = p;
	t->namelen = q - p;
	p = lex_opt_fws(q, end);
	if (p == end || *p != '=') {
		*why = "tag without \"=\"";
		return NULL;
	}
	p++;
	t->span = p;
	v = lex_opt_fws(p, end);
	if ((q = lex_tag_value(v, end)) != NULL) {
		t->value = v;
		t->valuelen = q - v;
		p = lex_opt_fws(q, end);
	} else {
		/* empty value: the FWS after "=" is the only one allowed */
		t->value = v;
		t->valuelen = 0;
		p = v;
	}
	t->spanlen = p - t->span;
	if (p < end && *p != ';') {
		*why = "bad character in tag value";
		return NULL;
	}
	return p;
}

/*
 * dkim_tag_parse - tag-list = tag-spec *( ";" tag-spec ) [ ";" ], then
 * optional FWS; duplicate names are an error (RFC 6376 3.2).
 */
int
dkim_tag_parse(struct dkim_taglist *tl, const char *p, size_t len,
    const char **why)
{
	const char	*end = p + len, *q;
	size_t		 i;
	struct dkim_tag	*t;

	tl->ntags = 0;
	if (lex_opt_fws(p, end) == end) {
		*why = "empty tag list";
		return -1;
	}
	for (;;) {
		if (tl->ntags == DKIM_TAG_MAX) {
			*why = "too many tags";
			return -1;
		}
		t = &tl->tag[tl->ntags];
		if ((p = lex_tag_spec(p, end, t, why)) == NULL)
			return -1;
		for (i = 0; i < tl->ntags; i++)
			if (tl->tag[i].namelen == t->namelen &&
			    memcmp(tl->tag[i].name, t->name, t->namelen) == 0) {
				*why = "duplicate tag";
				return -1;
			}
		tl->ntags++;
		if (p == end)
			return 0;
		/* *p == ';' here */
		p++;
		q = lex_opt_fws(p, end);
		if (q == end)
			return 0;	/* trailing ";" (and FWS) */
	}
}

/* dkim_tag_is - exact, case-sensitive name match (RFC 6376 3.2) */
int
dkim_tag_is(const struct dkim_tag *t, const char *name)
{
	size_t	 n = strlen(name);

	return t->namelen == n && memcmp(t->name, name, n) == 0;
}

/* dkim_tag_find - the tag called name, or NULL */
const struct dkim_tag *
dkim_tag_find(const struct dkim_taglist *tl, const char *name)
{
	size_t	 i;

	for (i = 0; i < tl->ntags; i++)
		if (dkim_tag_is(&tl->tag[i], name))
			return &tl->tag[i];
	return NULL;
}

/* dkim_tag_fws - length of FWS at p, 0 if none */
size_t
dkim_tag_fws(const char *p, const char *end)
{
	const char	*q;

	return (q = lex_fws(p, end)) != NULL ? (size_t)(q - p) : 0;
}

/* dkim_tag_wsp_or_fws - length of 1*(WSP / FWS) at p, 0 if none */
size_t
dkim_tag_wsp_or_fws(const char *p, const char *end)
{
	const char	*q = p, *r;

	for (;;) {
		if (q < end && is_wsp((unsigned char)*q))
			q++;
		else if ((r = lex_fws(q, end)) != NULL)
			q = r;
		else
			return q - p;
	}
}

/*
 * dkim_tag_list_next - item *( [FWS] ":" [FWS] item ), an item being a
 * run of VALCHAR other than ":". The value handed in is already trimmed
 * of FWS at both ends (dkim_tag_parse), but leading FWS is skipped here
 * too.
 */
int
dkim_tag_list_next(const char **pos, const char *end, const char **item,
    size_t *itemlen)
{
	const char	*p = *pos, *q;

	if (p == end)
		return 0;
	p = lex_opt_fws(p, end);
	if (p == end)
		return -1;
	q = p;
	while (q < end && *q != ':' && is_valchar((unsigned char)*q))
		q++;
	if (q == p)
		return -1;
	*item = p;
	*itemlen = q - p;
	p = lex_opt_fws(q, end);
	if (p < end) {
		if (*p != ':')
			return -1;
		p++;
		p = lex_opt_fws(p, end);
		if (p == end)
			return -1;	/* list ends in ":" */
	}
	*pos = p;
	return 1;
}

/*
 * dkim_ci_eqn - case-insensitive ASCII comparison of two byte ranges.
 */
int
dkim_ci_eqn(const char *a, size_t an, const char *b, size_t bn)
{
	size_t	 i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

/* dkim_ci_eq - (p, n) equals the C string s, ignoring ASCII case */
int
dkim_ci_eq(const char *p, size_t n, const char *s)
{
	return dkim_ci_eqn(p, n, s, strlen(s));
}
