/*
 * dkim_tag.h - RFC 6376 3.2 tag=value list lexer (DKIM-Signature values
 * and DKIM key records), with verified erratum 5070 applied:
 *
 *   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] [tag-value [FWS]]
 *   tag-name  = ALPHA *ALNUMPUNC
 *   tag-value = tval *( 1*(WSP / FWS) tval )
 *   tval      = 1*VALCHAR
 *   VALCHAR   = %x21-3A / %x3C-7E
 *   FWS       = [*WSP CRLF] 1*WSP                       (RFC 6376 2.8)
 *
 * Deliberate, documented liberties (everything else is an error):
 *   - octets >= 0x80 are accepted as VALCHAR, so UTF-8 values are not
 *     precluded (the implementation note in RFC 6376 3.2);
 *   - [FWS] is accepted after the final ";" (common in real DNS key
 *     records: "...; p=...; ").
 *
 * Pure functions over (ptr, len): no NUL terminator is assumed and
 * nothing is allocated. Every pointer in a result points into the input,
 * which must outlive the result. Error reasons are static strings, safe
 * to put into Authentication-Results comments and logs as they are.
 */
#ifndef DKIMGATE_DKIM_TAG_H
#define DKIMGATE_DKIM_TAG_H

#include <stddef.h>

/* most tags accepted in one list; a longer list is an error */
#define DKIM_TAG_MAX	48

struct dkim_tag {
	const char	*name;		/* tag-name, case-sensitive */
	size_t		 namelen;
	const char	*value;		/* tag-value, FWS at both ends removed;
					 * inner FWS kept; may be empty */
	size_t		 valuelen;
	const char	*span;		/* all between "=" and the ";" or end:
					 * the value with its surrounding FWS
					 * (what RFC 6376 3.7 deletes for b=) */
	size_t		 spanlen;
};

struct dkim_taglist {
	struct dkim_tag	 tag[DKIM_TAG_MAX];
	size_t		 ntags;
};

/*
 * dkim_tag_parse - lex a whole tag-list. Duplicate tag names make the
 * list invalid (RFC 6376 3.2). Returns 0, or -1 with *why set to a short
 * static reason ("duplicate tag", "bad tag name", ...); on error the
 * contents of tl are unspecified.
 */
int	dkim_tag_parse(struct dkim_taglist *tl, const char *p, size_t len,
	    const char **why);

/* dkim_tag_find - the tag named name (case-sensitive) or NULL */
const struct dkim_tag *dkim_tag_find(const struct dkim_taglist *,
	    const char *name);

/* dkim_tag_is - 1 if the tag's name is name (case-sensitive) */
int	dkim_tag_is(const struct dkim_tag *, const char *name);

/*
 * dkim_tag_list_next - iterate over a colon-separated list inside a tag
 * value (h=, q=, key h=, s=, t=), i.e. item *( [FWS] ":" [FWS] item ).
 * *pos starts at value and advances; end is value + valuelen. Each call
 * stores the next item (FWS-trimmed, never empty) and returns 1; returns
 * 0 at the end of the list, or -1 on a syntax error (empty item, FWS
 * inside an item, bad FWS).
 */
int	dkim_tag_list_next(const char **pos, const char *end,
	    const char **item, size_t *itemlen);

/*
 * dkim_tag_fws - length of the FWS (RFC 6376 2.8) that starts at p, or 0
 * if there is none. dkim_tag_wsp_or_fws - length of 1*(WSP / FWS).
 */
size_t	dkim_tag_fws(const char *p, const char *end);
size_t	dkim_tag_wsp_or_fws(const char *p, const char *end);

/*
 * dkim_ci_eqn - two byte ranges are equal, ignoring ASCII case (tag
 * values such as algorithm and hash names, header field names).
 * dkim_ci_eq - the same against a C string.
 */
int	dkim_ci_eqn(const char *, size_t, const char *, size_t);
int	dkim_ci_eq(const char *, size_t, const char *);

#endif
