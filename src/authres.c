/*
 * authres.c - Authentication-Results (RFC 8601) builder and the forged-
 * field check; see authres.h.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "buf.h"
#include "rfc5322.h"
#include "xmalloc.h"

#define AUTHRES_RES_MAX		4096	/* one formatted resinfo */
#define AUTHRES_ID_MAX		256

/* one resinfo, kept as NUL-separated words that folding may not split */
struct authres_res {
	char	*words;
	size_t	 len;
};

struct authres {
	char			*id;	/* formatted authserv-id */
	struct authres_res	 res[AUTHRES_MAX_RESULTS];
	size_t			 nres;
};

static int	authres_is_keyword(const char *);
static int	authres_is_tspecial(unsigned char);
static int	authres_is_token(const char *, size_t);
static int	authres_is_atext(unsigned char);
static int	authres_is_dot_atom(const char *, size_t);
static int	authres_is_domain(const char *, size_t);
static size_t	authres_utf8_len(const unsigned char *, size_t);
static void	authres_put_quoted(struct buf *, const char *, size_t);
static void	authres_put_comment(struct buf *, const char *, size_t);
static void	authres_put_value(struct buf *, const char *, size_t);
static size_t	authres_cfws(const char *, size_t, size_t);
static int	authres_id_eq(const char *, size_t, const char *);

/*
 * authres_new - start a field for authserv_id; a non-token id (never the
 * case for a host name) is written as a quoted-string.
 */
struct authres *
authres_new(const char *authserv_id)
{
	struct authres	*ar;
	struct buf	 b;

	ar = xcalloc(1, sizeof(*ar));
	buf_init(&b, AUTHRES_ID_MAX * 4);
	authres_put_value(&b, authserv_id, strnlen(authserv_id,
	    AUTHRES_ID_MAX));
	ar->id = buf_steal(&b, NULL);
	return ar;
}

/*
 * authres_free - free the builder and every result (NULL is fine).
 */
void
authres_free(struct authres *ar)
{
	size_t	 i;

	if (ar == NULL)
		return;
	for (i = 0; i < ar->nres; i++)
		free(ar->res[i].words);
	free(ar->id);
	free(ar);
}

/*
 * authres_count - how many results were added.
 */
size_t
authres_count(const struct authres *ar)
{
	return ar->nres;
}

/*
 * authres_is_keyword - RFC 5321 4.1.2 Keyword (Ldh-str): letters, digits
 * and inner hyphens, starting with a letter or digit.
 */
static int
authres_is_keyword(const char *s)
{
	size_t	 i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return s[0] != '-' && s[n - 1] != '-';
}

/* authres_is_tspecial - RFC 2045 5.1 tspecials */
static int
authres_is_tspecial(unsigned char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/*
 * authres_is_token - RFC 2045 5.1 token: 1*<any US-ASCII CHAR except
 * SPACE, CTLs, or tspecials>.
 */
static int
authres_is_token(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || authres_is_tspecial(c))
			return 0;
	}
	return 1;
}

/* authres_is_atext - RFC 5322 3.2.3 atext */
static int
authres_is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~",
	    c) != NULL);
}

/* authres_is_dot_atom - RFC 5322 3.2.3 dot-atom-text */
static int
authres_is_dot_atom(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!authres_is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/*
 * authres_is_domain - RFC 6376 3.5 domain-name: sub-domain 1*("."
 * sub-domain), sub-domain = Let-dig [Ldh-str].
 */
static int
authres_is_domain(const char *s, size_t n)
{
	size_t	 i, start = 0, labels = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (i == start || s[start] == '-' || s[i - 1] == '-' ||
			    i - start > 63)
				return 0;
			labels++;
			start = i + 1;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return labels >= 2;
}

/*
 * authres_utf8_len - length of the well-formed UTF-8 sequence (RFC 3629
 * 4) of two or more bytes at p, or 0.
 */
static size_t
authres_utf8_len(const unsigned char *p, size_t n)
{
	size_t	 len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong, surrogates, beyond U+10FFFF */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return len;
}

/*
 * authres_put_quoted - an RFC 5322 quoted-string (RFC 6532 3.2: UTF-8
 * allowed): '"' and '\' become quoted-pairs; control bytes, CR, LF and
 * invalid UTF-8 become '?'. At most AUTHRES_VALUE_MAX input bytes.
 */
static void
authres_put_quoted(struct buf *b, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, u;

	if (n > AUTHRES_VALUE_MAX)
		n = AUTHRES_VALUE_MAX;
	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, p[i]);
		} else if (p[i] >= 0x20 && p[i] < 0x7f)
			buf_addc(b, p[i]);
		else if (p[i] >= 0x80 && (u = authres_utf8_len(p + i,
		    n - i)) > 0) {
			buf_add(b, p + i, u);
			i += u - 1;
		} else
			buf_addc(b, '?');
	}
	buf_addc(b, '"');
}

/*
 * authres_put_comment - "(" text ")" with "(", ")" and "\" as quoted-
 * pairs (RFC 5322 3.2.2 ctext), other bytes as in authres_put_quoted.
 */
static void
authres_put_comment(struct buf *b, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, u;

	if (n > AUTHRES_VALUE_MAX)
		n = AUTHRES_VALUE_MAX;
	buf_addc(b, '(');
	for (i = 0; i < n; i++) {
		if (p[i] == '(' || p[i] == ')' || p[i] == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, p[i]);
		} else if (p[i] >= 0x20 && p[i] < 0x7f)
			buf_addc(b, p[i]);
		else if (p[i] >= 0x80 && (u = authres_utf8_len(p + i,
		    n - i)) > 0) {
			buf_add(b, p + i, u);
			i += u - 1;
		} else
			buf_addc(b, '?');
	}
	buf_addc(b, ')');
}

/*
 * authres_put_value - a pvalue (RFC 8601 2.2): a token as it is; an
 * identity "[local-part] @ domain-name" with the local part quoted when
 * it is not a dot-atom (identities MUST use this form); anything else as
 * a quoted-string.
 */
static void
authres_put_value(struct buf *b, const char *s, size_t n)
{
	const char	*at;

	if (n <= AUTHRES_VALUE_MAX && authres_is_token(s, n)) {
		buf_add(b, s, n);
		return;
	}
	at = n > 0 ? memrchr(s, '@', n) : NULL;
	if (at != NULL && n <= AUTHRES_VALUE_MAX &&
	    authres_is_domain(at + 1, n - (size_t)(at + 1 - s))) {
		size_t	 ll = (size_t)(at - s);

		if (ll > 0 && !authres_is_dot_atom(s, ll))
			authres_put_quoted(b, s, ll);
		else
			buf_add(b, s, ll);
		buf_add(b, at, n - ll);
		return;
	}
	authres_put_quoted(b, s, n);
}

/*
 * authres_add - format one resinfo as words; see authres.h.
 */
int
authres_add(struct authres *ar, const char *method, const char *result,
    const char *reason, const char *comment, const struct authres_prop *props,
    size_t nprops)
{
	struct buf	 b;
	size_t		 i, n;

	if (ar->nres >= AUTHRES_MAX_RESULTS || !authres_is_keyword(method) ||
	    !authres_is_keyword(result))
		return -1;
	for (i = 0; i < nprops; i++)
		if (!authres_is_keyword(props[i].ptype) ||
		    !authres_is_keyword(props[i].property))
			return -1;
	buf_init(&b, AUTHRES_RES_MAX);
	buf_printf(&b, "%s=%s", method, result);
	buf_addc(&b, '\0');
	if (comment != NULL) {
		authres_put_comment(&b, comment, strlen(comment));
		buf_addc(&b, '\0');
	}
	if (reason != NULL) {
		buf_adds(&b, "reason=");
		authres_put_quoted(&b, reason, strlen(reason));
		buf_addc(&b, '\0');
	}
	for (i = 0; i < nprops; i++) {
		if (props[i].value == NULL)
			continue;
		n = props[i].len == AUTHRES_STRLEN ? strlen(props[i].value) :
		    props[i].len;
		buf_printf(&b, "%s.%s=", props[i].ptype, props[i].property);
		authres_put_value(&b, props[i].value, n);
		buf_addc(&b, '\0');
	}
	if (buf_error(&b)) {
		buf_clear(&b);
		return -1;
	}
	ar->res[ar->nres].words = buf_steal(&b, &ar->res[ar->nres].len);
	ar->nres++;
	return 0;
}

/*
 * authres_finish - write the field; see authres.h. Every resinfo starts a
 * new line (after the ";" of the one before); its words are joined by a
 * space and folded (CRLF TAB) before a word that would pass the width.
 */
int
authres_finish(const struct authres *ar, struct buf *out, const char *eol)
{
	size_t	 i, o, wl, col;
	int	 first;

	buf_printf(out, "%s: %s", AUTHRES_FIELD, ar->id);
	if (ar->nres == 0) {
		buf_printf(out, "; none%s", eol);
		return buf_error(out) ? -1 : 0;
	}
	for (i = 0; i < ar->nres; i++) {
		buf_printf(out, ";%s\t", eol);
		col = 8;
		first = 1;
		for (o = 0; o < ar->res[i].len; o += wl + 1) {
			const char	*w = ar->res[i].words + o;

			wl = strlen(w);
			if (!first && col + 1 + wl > AUTHRES_WIDTH) {
				buf_printf(out, "%s\t", eol);
				col = 8;
			} else if (!first) {
				buf_addc(out, ' ');
				col++;
			}
			buf_add(out, w, wl);
			col += wl;
			first = 0;
		}
	}
	buf_adds(out, eol);
	return buf_error(out) ? -1 : 0;
}

/*
 * authres_cfws - skip RFC 5322 CFWS from off: blanks, CR, LF and nested
 * comments with quoted-pairs. Returns the new offset; an unterminated
 * comment runs to the end.
 */
static size_t
authres_cfws(const char *s, size_t n, size_t off)
{
	int	 depth = 0;

	while (off < n) {
		char	 c = s[off];

		if (depth > 0 && c == '\\' && off + 1 < n) {
			off += 2;
			continue;
		}
		if (c == '(') {
			if (depth < 64)
				depth++;
		} else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' &&
		    c != '\n')
			break;
		off++;
	}
	return off;
}

/*
 * authres_id_of - see authres.h: [CFWS] value, then end, CFWS or ";".
 */
int
authres_id_of(const char *v, size_t n, char *id, size_t idsz)
{
	size_t	 o, w = 0;

	if (idsz == 0)
		return -1;
	o = authres_cfws(v, n, 0);
	if (o >= n)
		return -1;
	if (v[o] == '"') {
		for (o++; o < n && v[o] != '"'; o++) {
			if (v[o] == '\\' && o + 1 < n)
				o++;
			if (v[o] == '\r' || v[o] == '\n')
				continue;	/* folding inside */
			if (w + 1 >= idsz)
				return -1;
			id[w++] = v[o];
		}
		if (o >= n)
			return -1;
		o++;
	} else {
		while (o < n && (unsigned char)v[o] > 0x20 &&
		    (unsigned char)v[o] < 0x7f &&
		    !authres_is_tspecial((unsigned char)v[o])) {
			if (w + 1 >= idsz)
				return -1;
			id[w++] = v[o++];
		}
	}
	if (w == 0)
		return -1;
	if (o < n && v[o] != ';' && v[o] != ' ' && v[o] != '\t' &&
	    v[o] != '\r' && v[o] != '\n' && v[o] != '(')
		return -1;
	id[w] = '\0';
	return 0;
}

/*
 * authres_id_eq - case-insensitive, a final dot on either side ignored.
 */
static int
authres_id_eq(const char *a, size_t alen, const char *b)
{
	size_t	 blen = strlen(b);

	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	return alen == blen && alen > 0 && strncasecmp(a, b, alen) == 0;
}

/*
 * authres_claims - does an A-R field value claim this authserv-id? (strict
 * parse, then the lenient first word).
 */
int
authres_claims(const char *v, size_t n, const char *authserv_id)
{
	char	 id[AUTHRES_ID_MAX];
	size_t	 o, start;

	if (authres_id_of(v, n, id, sizeof(id)) == 0 &&
	    authres_id_eq(id, strlen(id), authserv_id))
		return 1;
	/* lenient: first run of bytes that are not blank, ";" or "(",
	 * after blanks and comments, without quotes; it also ends at a NUL,
	 * where a consumer reading C strings stops */
	o = authres_cfws(v, n, 0);
	while (o < n && v[o] == '"')
		o++;
	start = o;
	while (o < n && v[o] != ' ' && v[o] != '\t' && v[o] != '\r' &&
	    v[o] != '\n' && v[o] != ';' && v[o] != '(' && v[o] != '"' &&
	    v[o] != '\0')
		o++;
	return authres_id_eq(v + start, o - start, authserv_id);
}

/*
 * authres_forged - indices of the A-R fields that claim our authserv-id
 * (RFC 8601 section 5).
 */
size_t
authres_forged(const struct rfc5322_hdr *hdr, const char *authserv_id,
    size_t **drop, size_t *ndrop)
{
	size_t	 i, n = 0;

	*drop = NULL;
	*ndrop = 0;
	if (hdr == NULL)
		return 0;
	for (i = 0; i < hdr->nfields; i++) {
		const struct rfc5322_field *f = &hdr->fields[i];

		if (f->namelen != sizeof(AUTHRES_FIELD) - 1 ||
		    strncasecmp(f->name, AUTHRES_FIELD, f->namelen) != 0 ||
		    !authres_claims(f->value, f->valuelen, authserv_id))
			continue;
		*drop = xreallocarray(*drop, n + 1, sizeof(**drop));
		(*drop)[n++] = i;
	}
	*ndrop = n;
	return n;
}
