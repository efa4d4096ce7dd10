/*
 * rfc5322.c - split a header block into fields; parse address lists.
 *
 * Everything works on (ptr, len) and never looks for a NUL terminator.
 *
 * Header splitting follows RFC 5322 section 2.2 and 3.6.8: a field is
 * a name of printable US-ASCII other than ':' (ftext), a colon and a
 * value; a line starting with SP or HTAB continues the previous field
 * (folding, section 2.2.3). Whitespace between the name and the colon
 * (obs-optional, section 4.5.8) is tolerated and trimmed from the name.
 *
 * The address parser implements the address-list and mailbox-list
 * grammar of RFC 5322 section 3.4 and 3.4.1 with the obsolete forms of
 * section 4.4 (obs-route, obs-local-part, obs-domain, obs-phrase, empty
 * list elements of obs-mbox-list/obs-addr-list/obs-group-list) and the
 * UTF-8 extensions of RFC 6532 section 3.2 (UTF8-non-ascii in atext,
 * qtext, ctext, dtext and after a backslash). It is deliberately strict
 * because its result decides which key signs a message and which domain
 * DMARC evaluates:
 *   - UTF-8 must be well-formed (RFC 3629 section 4: no overlong forms,
 *     no surrogates, nothing past U+10FFFF);
 *   - control characters (obs-NO-WS-CTL, obs-qp, obs-dtext controls)
 *     and NUL are refused everywhere; CR and LF only as CRLF WSP folding;
 *   - an addr-spec that does not fit in 255 bytes is an error, never
 *     truncated (a cut domain could select another key).
 * The recursive-descent parser backtracks only at the start of an
 * address (addr-spec, angle-addr or phrase), so its work is linear in
 * the input; comments nest by a counter, not by recursion.
 */
#include "autoconf.h"

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "rfc5322.h"
#include "xmalloc.h"

#define ADDR_MAX	256	/* bytes per stored addr-spec, with NUL */

/* parser state for one address field value */
struct mbparse {
	const unsigned char *p;
	size_t		 len;
	size_t		 pos;
	char		 out[ADDR_MAX];	/* addr-spec being built */
	size_t		 outlen;
	int		 outerr;	/* addr-spec too long */
	int		 emit;		/* copy tokens into out? */
	int		 lower;		/* lower-case what is emitted */
	char		(*addrs)[256];
	int		 maxaddrs;
	int		 count;
};

static int	ascii_lower(int);
static int	is_wsp(int);
static int	is_atext(int);
static size_t	utf8_seq(const unsigned char *, size_t, size_t);
static int	mb_peek(const struct mbparse *);
static void	mb_emit(struct mbparse *, const unsigned char *, size_t);
static void	mb_skip_fws(struct mbparse *, int);
static int	mb_comment(struct mbparse *);
static int	mb_cfws(struct mbparse *);
static int	mb_quoted_pair(struct mbparse *, int);
static int	mb_atext_run(struct mbparse *);
static int	mb_quoted_string(struct mbparse *);
static int	mb_word(struct mbparse *);
static int	mb_local_part(struct mbparse *);
static int	mb_domain_literal(struct mbparse *);
static int	mb_domain(struct mbparse *);
static int	mb_addr_spec(struct mbparse *);
static int	mb_obs_route(struct mbparse *);
static int	mb_angle_addr(struct mbparse *);
static int	mb_phrase(struct mbparse *);
static int	mb_store(struct mbparse *);
static int	mb_at_list_end(const struct mbparse *, int);
static int	mb_address(struct mbparse *, int);
static int	mb_list(struct mbparse *, int);

/*
 * ascii_lower - locale-independent tolower for US-ASCII letters.
 */
static int
ascii_lower(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

/*
 * is_wsp - SP or HTAB (RFC 5234 WSP).
 */
static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * is_atext - RFC 5322 section 3.2.3 atext, US-ASCII part.
 */
static int
is_atext(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * utf8_seq - length (2..4) of the well-formed UTF-8 sequence for a
 * non-ASCII character at p[pos], or 0 (RFC 3629 section 4, UTF8-2,
 * UTF8-3, UTF8-4).
 */
static size_t
utf8_seq(const unsigned char *p, size_t len, size_t pos)
{
	unsigned char	 c = p[pos], lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else
		return 0;
	if (len - pos < n)
		return 0;
	if (p[pos + 1] < lo || p[pos + 1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[pos + i] < 0x80 || p[pos + i] > 0xbf)
			return 0;
	return n;
}

/*
 * mb_peek - the byte at the cursor, or -1 at the end.
 */
static int
mb_peek(const struct mbparse *ps)
{
	if (ps->pos >= ps->len)
		return -1;
	return ps->p[ps->pos];
}

/*
 * mb_emit - append bytes to the addr-spec being built (when emitting);
 * overflow sets the sticky outerr instead of cutting silently.
 */
static void
mb_emit(struct mbparse *ps, const unsigned char *s, size_t n)
{
	size_t	 i;

	if (!ps->emit || ps->outerr)
		return;
	if (n > sizeof(ps->out) - 1 - ps->outlen) {
		ps->outerr = 1;
		return;
	}
	for (i = 0; i < n; i++)
		ps->out[ps->outlen++] = ps->lower ? (char)ascii_lower(s[i]) :
		    (char)s[i];
}

/*
 * mb_skip_fws - skip FWS: WSP, and CRLF only when WSP follows (RFC 5322
 * section 3.2.2 FWS and 4.2 obs-FWS). With keep_wsp the WSP bytes are
 * emitted (unfolding removes only the CRLF, section 3.2.4). Anything
 * else, a lone CR or LF included, is left for the caller to refuse.
 */
static void
mb_skip_fws(struct mbparse *ps, int keep_wsp)
{
	while (ps->pos < ps->len) {
		unsigned char	 c = ps->p[ps->pos];

		if (is_wsp(c)) {
			if (keep_wsp)
				mb_emit(ps, &c, 1);
			ps->pos++;
		} else if (c == '\r' && ps->len - ps->pos >= 3 &&
		    ps->p[ps->pos + 1] == '\n' && is_wsp(ps->p[ps->pos + 2]))
			ps->pos += 2;
		else
			break;
	}
}

/*
 * mb_quoted_pair - at a backslash: consume "\" (VCHAR / WSP), VCHAR
 * including UTF8-non-ascii (RFC 6532 section 3.2); obs-qp is refused.
 * Emits the pair as written when emit is set. Returns 0 or -1.
 */
static int
mb_quoted_pair(struct mbparse *ps, int emit)
{
	size_t	 n;
	int	 c;

	if (ps->len - ps->pos < 2)
		return -1;
	c = ps->p[ps->pos + 1];
	if ((c >= 0x21 && c <= 0x7e) || is_wsp(c))
		n = 1;
	else if (c >= 0x80)
		n = utf8_seq(ps->p, ps->len, ps->pos + 1);
	else
		n = 0;
	if (n == 0)
		return -1;
	if (emit)
		mb_emit(ps, ps->p + ps->pos, 1 + n);
	ps->pos += 1 + n;
	return 0;
}

/*
 * mb_comment - at "(": skip a comment (section 3.2.2), nested comments
 * counted rather than recursed into. Returns 0 or -1.
 */
static int
mb_comment(struct mbparse *ps)
{
	size_t	 depth = 0, n;
	int	 c;

	for (;;) {
		mb_skip_fws(ps, 0);
		if ((c = mb_peek(ps)) == -1)
			return -1;	/* unterminated */
		if (c == '(') {
			depth++;
			ps->pos++;
		} else if (c == ')') {
			if (depth == 0)
				return -1;
			ps->pos++;
			if (--depth == 0)
				return 0;
		} else if (c == '\\') {
			if (mb_quoted_pair(ps, 0) == -1)
				return -1;
		} else if ((c >= 33 && c <= 39) || (c >= 42 && c <= 91) ||
		    (c >= 93 && c <= 126))
			ps->pos++;	/* ctext */
		else if (c >= 0x80 &&
		    (n = utf8_seq(ps->p, ps->len, ps->pos)) > 0)
			ps->pos += n;	/* RFC 6532 ctext */
		else
			return -1;
		if (depth == 0)
			return -1;	/* did not start at "(" */
	}
}

/*
 * mb_cfws - skip optional CFWS (comments and folding white space).
 * Returns 0, or -1 on a malformed comment.
 */
static int
mb_cfws(struct mbparse *ps)
{
	for (;;) {
		mb_skip_fws(ps, 0);
		if (mb_peek(ps) != '(')
			return 0;
		if (mb_comment(ps) == -1)
			return -1;
	}
}

/*
 * mb_atext_run - consume 1*atext (UTF-8 allowed, RFC 6532), emitting it.
 * Returns 0, or -1 if there was none.
 */
static int
mb_atext_run(struct mbparse *ps)
{
	size_t	 start = ps->pos, n;
	int	 c;

	while ((c = mb_peek(ps)) != -1) {
		if (c < 0x80)
			n = is_atext(c) ? 1 : 0;
		else
			n = utf8_seq(ps->p, ps->len, ps->pos);
		if (n == 0)
			break;
		ps->pos += n;
	}
	if (ps->pos == start)
		return -1;
	mb_emit(ps, ps->p + start, ps->pos - start);
	return 0;
}

/*
 * mb_quoted_string - at DQUOTE: a quoted-string (section 3.2.4),
 * emitted as written with the quotes, folding CRLFs removed.
 * Returns 0 or -1.
 */
static int
mb_quoted_string(struct mbparse *ps)
{
	size_t	 n;
	int	 c;

	if (mb_peek(ps) != '"')
		return -1;
	mb_emit(ps, ps->p + ps->pos, 1);
	ps->pos++;
	for (;;) {
		mb_skip_fws(ps, 1);
		if ((c = mb_peek(ps)) == -1)
			return -1;
		if (c == '"') {
			mb_emit(ps, ps->p + ps->pos, 1);
			ps->pos++;
			return 0;
		}
		if (c == '\\') {
			if (mb_quoted_pair(ps, 1) == -1)
				return -1;
			continue;
		}
		if (c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126))
			n = 1;	/* qtext */
		else if (c >= 0x80)
			n = utf8_seq(ps->p, ps->len, ps->pos);
		else
			n = 0;
		if (n == 0)
			return -1;
		mb_emit(ps, ps->p + ps->pos, n);
		ps->pos += n;
	}
}

/*
 * mb_word - word = atom / quoted-string, with the surrounding CFWS
 * (section 3.2.5). Returns 0 or -1.
 */
static int
mb_word(struct mbparse *ps)
{
	if (mb_cfws(ps) == -1)
		return -1;
	if (mb_peek(ps) == '"') {
		if (mb_quoted_string(ps) == -1)
			return -1;
	} else if (mb_atext_run(ps) == -1)
		return -1;
	return mb_cfws(ps);
}

/*
 * mb_local_part - local-part (section 3.4.1); obs-local-part = word
 * *("." word) covers dot-atom and quoted-string too. Emits the words
 * and dots without CFWS.
 */
static int
mb_local_part(struct mbparse *ps)
{
	static const unsigned char dot = '.';

	if (mb_word(ps) == -1)
		return -1;
	while (mb_peek(ps) == '.') {
		ps->pos++;
		mb_emit(ps, &dot, 1);
		if (mb_word(ps) == -1)
			return -1;
	}
	return 0;
}

/*
 * mb_domain_literal - at "[": domain-literal (section 3.4.1) with dtext
 * (UTF-8 allowed); folding white space inside is dropped, obs-dtext
 * refused.
 */
static int
mb_domain_literal(struct mbparse *ps)
{
	size_t	 n;
	int	 c;

	mb_emit(ps, ps->p + ps->pos, 1);
	ps->pos++;
	for (;;) {
		mb_skip_fws(ps, 0);
		if ((c = mb_peek(ps)) == -1)
			return -1;
		if (c == ']') {
			mb_emit(ps, ps->p + ps->pos, 1);
			ps->pos++;
			return 0;
		}
		if ((c >= 33 && c <= 90) || (c >= 94 && c <= 126))
			n = 1;	/* dtext */
		else if (c >= 0x80)
			n = utf8_seq(ps->p, ps->len, ps->pos);
		else
			n = 0;
		if (n == 0)
			return -1;
		mb_emit(ps, ps->p + ps->pos, n);
		ps->pos += n;
	}
}

/*
 * mb_domain - domain = dot-atom / domain-literal / obs-domain (sections
 * 3.4.1, 4.4), with surrounding CFWS; emitted lower-cased, without CFWS.
 */
static int
mb_domain(struct mbparse *ps)
{
	static const unsigned char dot = '.';
	int	 rc = -1;

	ps->lower = 1;
	if (mb_cfws(ps) == -1)
		goto out;
	if (mb_peek(ps) == '[') {
		if (mb_domain_literal(ps) == -1)
			goto out;
		rc = mb_cfws(ps);
		goto out;
	}
	if (mb_atext_run(ps) == -1 || mb_cfws(ps) == -1)
		goto out;
	while (mb_peek(ps) == '.') {
		ps->pos++;
		mb_emit(ps, &dot, 1);
		if (mb_cfws(ps) == -1 || mb_atext_run(ps) == -1 ||
		    mb_cfws(ps) == -1)
			goto out;
	}
	rc = 0;
 out:
	ps->lower = 0;
	return rc;
}

/*
 * mb_addr_spec - addr-spec = local-part "@" domain into out.
 */
static int
mb_addr_spec(struct mbparse *ps)
{
	static const unsigned char at = '@';

	ps->outlen = 0;
	ps->outerr = 0;
	ps->emit = 1;
	if (mb_local_part(ps) == -1 || mb_peek(ps) != '@')
		return -1;
	ps->pos++;
	mb_emit(ps, &at, 1);
	if (mb_domain(ps) == -1 || ps->outerr)
		return -1;
	return 0;
}

/*
 * mb_obs_route - obs-route = obs-domain-list ":" (section 4.4), after
 * "<"; parsed and discarded. Returns 0 or -1 (the caller backtracks).
 */
static int
mb_obs_route(struct mbparse *ps)
{
	int	 c;

	ps->emit = 0;
	/* *(CFWS / ",") "@" domain */
	for (;;) {
		if (mb_cfws(ps) == -1)
			return -1;
		if (mb_peek(ps) != ',')
			break;
		ps->pos++;
	}
	if (mb_peek(ps) != '@')
		return -1;
	ps->pos++;
	if (mb_domain(ps) == -1)
		return -1;
	/* *("," [CFWS] ["@" domain]) */
	while (mb_peek(ps) == ',') {
		ps->pos++;
		if (mb_cfws(ps) == -1)
			return -1;
		if (mb_peek(ps) == '@') {
			ps->pos++;
			if (mb_domain(ps) == -1)
				return -1;
		}
	}
	c = mb_peek(ps);
	if (c != ':')
		return -1;
	ps->pos++;
	return 0;
}

/*
 * mb_angle_addr - at "<": angle-addr or obs-angle-addr (sections 3.4,
 * 4.4) with trailing CFWS; the addr-spec is left in out.
 */
static int
mb_angle_addr(struct mbparse *ps)
{
	size_t	 save;

	ps->pos++;
	save = ps->pos;
	if (mb_obs_route(ps) == -1)
		ps->pos = save;
	if (mb_addr_spec(ps) == -1 || mb_peek(ps) != '>')
		return -1;
	ps->pos++;
	return mb_cfws(ps);
}

/*
 * mb_phrase - display-name: phrase = 1*word / obs-phrase, where
 * obs-phrase = word *(word / "." / CFWS) (sections 3.2.5, 4.1).
 */
static int
mb_phrase(struct mbparse *ps)
{
	size_t	 save;

	ps->emit = 0;
	if (mb_word(ps) == -1)
		return -1;
	for (;;) {
		if (mb_peek(ps) == '.') {
			ps->pos++;
			if (mb_cfws(ps) == -1)
				return -1;
			continue;
		}
		save = ps->pos;
		if (mb_word(ps) == -1) {
			ps->pos = save;
			return 0;
		}
	}
}

/*
 * mb_store - count the mailbox in out; store it if there is room.
 */
static int
mb_store(struct mbparse *ps)
{
	if (ps->outerr || ps->outlen == 0)
		return -1;
	if (ps->count < ps->maxaddrs) {
		memcpy(ps->addrs[ps->count], ps->out, ps->outlen);
		ps->addrs[ps->count][ps->outlen] = '\0';
	}
	if (ps->count == 0x7fffffff)
		return -1;
	ps->count++;
	return 0;
}

/*
 * mb_at_list_end - does the cursor sit where an address may end: the
 * end, a ",", or inside a group a ";"?
 */
static int
mb_at_list_end(const struct mbparse *ps, int in_group)
{
	int	 c = mb_peek(ps);

	return c == -1 || c == ',' || (in_group && c == ';');
}

/*
 * mb_address - one address (a group only when not in_group), stored.
 * Tries, from the same start: a bare addr-spec, an angle-addr without
 * display name, then a display name followed by an angle-addr or ":"
 * (group).
 */
static int
mb_address(struct mbparse *ps, int in_group)
{
	size_t	 start = ps->pos;

	if (mb_addr_spec(ps) == 0 && mb_at_list_end(ps, in_group))
		return mb_store(ps);

	ps->pos = start;
	if (mb_cfws(ps) == -1)
		return -1;
	if (mb_peek(ps) == '<') {
		if (mb_angle_addr(ps) == -1)
			return -1;
		return mb_store(ps);
	}

	ps->pos = start;
	if (mb_phrase(ps) == -1)
		return -1;
	if (mb_peek(ps) == '<') {
		if (mb_angle_addr(ps) == -1)
			return -1;
		return mb_store(ps);
	}
	if (mb_peek(ps) == ':' && !in_group) {
		/* group = display-name ":" [group-list] ";" [CFWS] */
		ps->pos++;
		if (mb_list(ps, 1) == -1 || mb_peek(ps) != ';')
			return -1;
		ps->pos++;
		return mb_cfws(ps);
	}
	return -1;
}

/*
 * mb_list - address-list (top level) or group-list (in_group), with the
 * empty elements the obsolete list forms allow (section 4.4). At the top
 * level at least one address is required and the list runs to the end;
 * in a group it stops before the ";".
 */
static int
mb_list(struct mbparse *ps, int in_group)
{
	int	 c, naddr = 0;

	for (;;) {
		if (mb_cfws(ps) == -1)
			return -1;
		c = mb_peek(ps);
		if (c == -1)
			break;
		if (c == ';' && in_group)
			break;
		if (c == ',') {
			ps->pos++;
			continue;
		}
		if (mb_address(ps, in_group) == -1)
			return -1;
		naddr++;
		c = mb_peek(ps);
		if (c == ',')
			ps->pos++;
		else if (c == -1 || (c == ';' && in_group))
			break;
		else
			return -1;
	}
	if (in_group)
		return 0;
	return naddr > 0 && mb_peek(ps) == -1 ? 0 : -1;
}

/*
 * rfc5322_parse_mailboxes - parse an address field value; see rfc5322.h.
 * On -1, the slots that were filled before the error are emptied.
 */
int
rfc5322_parse_mailboxes(const char *value, size_t len, char addrs[][256],
    int maxaddrs)
{
	struct mbparse	 ps;
	int		 i;

	memset(&ps, 0, sizeof(ps));
	ps.p = (const unsigned char *)value;
	ps.len = value == NULL ? 0 : len;
	ps.addrs = addrs;
	ps.maxaddrs = addrs == NULL || maxaddrs < 0 ? 0 : maxaddrs;
	if (mb_list(&ps, 0) == 0)
		return ps.count;
	/* leave no partial result behind for a careless caller */
	for (i = 0; i < ps.count && i < ps.maxaddrs; i++)
		addrs[i][0] = '\0';
	return -1;
}

/*
 * rfc5322_addr_domain - the domain of a stored addr-spec: after the
 * first "@" that is not inside a quoted string of the local part (a
 * domain literal may itself contain "@").
 */
const char *
rfc5322_addr_domain(const char *addr)
{
	const char	*s;
	int		 quoted = 0;

	if (addr == NULL)
		return NULL;
	for (s = addr; *s != '\0'; s++) {
		if (quoted && *s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (!quoted && *s == '@')
			return s[1] != '\0' ? s + 1 : NULL;
	}
	return NULL;
}

/*
 * rfc5322_hdr_init - start an empty header.
 */
void
rfc5322_hdr_init(struct rfc5322_hdr *h)
{
	memset(h, 0, sizeof(*h));
}

/*
 * rfc5322_hdr_clear - free the field array (not the block it points
 * into); the header is empty and reusable.
 */
void
rfc5322_hdr_clear(struct rfc5322_hdr *h)
{
	if (h == NULL)
		return;
	free(h->fields);
	memset(h, 0, sizeof(*h));
}

/*
 * rfc5322_parse - split a header block into fields; see rfc5322.h. Any
 * earlier content of h is replaced (its array is reused). Lines end in
 * LF with an optional CR before it; a last line without LF is accepted.
 * Each skipped line (no colon, bad name, a continuation of a skipped
 * line, a field past maxfields) counts once in nbad.
 */
int
rfc5322_parse(struct rfc5322_hdr *h, const char *block, size_t len,
    size_t maxfields)
{
	const char		*line, *nl, *colon, *end;
	struct rfc5322_field	*f;
	size_t			 pos = 0, linelen, contentlen, namelen, i;
	int			 cur = 0, rc = 0;	/* cur: in a field */

	h->nfields = 0;
	h->nbad = 0;
	while (pos < len) {
		line = block + pos;
		nl = memchr(line, '\n', len - pos);
		linelen = nl != NULL ? (size_t)(nl - line) + 1 : len - pos;
		contentlen = nl != NULL ? (size_t)(nl - line) : linelen;
		if (nl != NULL && contentlen > 0 &&
		    line[contentlen - 1] == '\r')
			contentlen--;
		end = line + contentlen;
		pos += linelen;

		if (is_wsp((unsigned char)line[0])) {
			/* folding (section 2.2.3): extends the last field */
			if (cur) {
				f = &h->fields[h->nfields - 1];
				f->rawlen = (size_t)(line + linelen - f->raw);
				f->valuelen = (size_t)(end - f->value);
			} else
				h->nbad++;
			continue;
		}

		cur = 0;
		colon = memchr(line, ':', contentlen);
		if (colon == NULL) {
			h->nbad++;
			continue;
		}
		namelen = (size_t)(colon - line);
		while (namelen > 0 && is_wsp((unsigned char)line[namelen - 1]))
			namelen--;	/* obs-optional, section 4.5.8 */
		for (i = 0; i < namelen; i++)
			if ((unsigned char)line[i] < 33 ||
			    (unsigned char)line[i] > 126)
				break;
		if (namelen == 0 || i < namelen) {
			h->nbad++;
			continue;
		}
		if (h->nfields >= maxfields) {
			h->nbad++;
			rc = -1;
			continue;
		}
		if (h->nfields == h->cap) {
			size_t	 ncap = h->cap == 0 ? 32 : h->cap * 2;

			if (ncap > maxfields)
				ncap = maxfields;
			h->fields = xreallocarray(h->fields, ncap,
			    sizeof(*h->fields));
			h->cap = ncap;
		}
		f = &h->fields[h->nfields++];
		f->name = line;
		f->namelen = namelen;
		f->raw = line;
		f->rawlen = linelen;
		f->value = colon + 1;
		f->valuelen = (size_t)(end - f->value);
		cur = 1;
	}
	return rc;
}

/*
 * rfc5322_name_eq - case-insensitive (US-ASCII) compare of the field's
 * name with a NUL-terminated name.
 */
int
rfc5322_name_eq(const struct rfc5322_field *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->namelen; i++) {
		if (name[i] == '\0' ||
		    ascii_lower((unsigned char)f->name[i]) !=
		    ascii_lower((unsigned char)name[i]))
			return 0;
	}
	return name[i] == '\0';
}

/*
 * rfc5322_find - index of the next field called name at or after from,
 * or -1.
 */
ssize_t
rfc5322_find(const struct rfc5322_hdr *h, const char *name, size_t from)
{
	size_t	 i;

	for (i = from; i < h->nfields; i++)
		if (rfc5322_name_eq(&h->fields[i], name))
			return (ssize_t)i;
	return -1;
}

/*
 * rfc5322_count - how many fields are called name.
 */
size_t
rfc5322_count(const struct rfc5322_hdr *h, const char *name)
{
	size_t	 i, n = 0;

	for (i = 0; i < h->nfields; i++)
		if (rfc5322_name_eq(&h->fields[i], name))
			n++;
	return n;
}
