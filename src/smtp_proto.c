/*
 * smtp_proto.c - SMTP parsing without I/O, and the streamed DATA decoder.
 */
#include "autoconf.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "smtp_proto.h"

static int	path_addr_end(const char *, size_t, size_t *);
static int	param_keyword_ok(const char *, size_t);
static int	param_value_ok(const char *, size_t);
static int	xtext_decode(const char *, size_t, char *, size_t);
static int	hexval(int);

static const struct {
	const char	*name;
	enum smtp_cmd	 cmd;
} smtp_verbs[] = {
	{ "HELO",	SMTP_CMD_HELO },
	{ "EHLO",	SMTP_CMD_EHLO },
	{ "MAIL",	SMTP_CMD_MAIL },
	{ "RCPT",	SMTP_CMD_RCPT },
	{ "DATA",	SMTP_CMD_DATA },
	{ "RSET",	SMTP_CMD_RSET },
	{ "NOOP",	SMTP_CMD_NOOP },
	{ "QUIT",	SMTP_CMD_QUIT },
	{ "VRFY",	SMTP_CMD_VRFY },
	{ "EXPN",	SMTP_CMD_EXPN },
	{ "HELP",	SMTP_CMD_HELP },
	{ "XFORWARD",	SMTP_CMD_XFORWARD },
	{ "BDAT",	SMTP_CMD_BDAT },
	{ "STARTTLS",	SMTP_CMD_STARTTLS },
	{ "AUTH",	SMTP_CMD_AUTH },
	{ "ETRN",	SMTP_CMD_ETRN },
};

/*
 * smtp_parse_command - verb and argument of one command line.
 */
int
smtp_parse_command(const char *line, size_t len, struct smtp_cmdline *c)
{
	size_t	 i, n;

	memset(c, 0, sizeof(*c));
	for (n = 0; n < len && line[n] != ' '; n++)
		if (!isalpha((unsigned char)line[n]))
			return -1;
	if (n == 0 || n > 16)
		return -1;
	c->verb = line;
	c->verblen = n;
	if (n < len) {
		c->arg = line + n + 1;
		c->arglen = len - n - 1;
	} else {
		c->arg = line + len;
		c->arglen = 0;
	}
	c->cmd = SMTP_CMD_UNKNOWN;
	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (strlen(smtp_verbs[i].name) == n &&
		    strncasecmp(smtp_verbs[i].name, line, n) == 0) {
			c->cmd = smtp_verbs[i].cmd;
			break;
		}
	return 0;
}

const char *
smtp_cmd_name(enum smtp_cmd cmd)
{
	size_t	 i;

	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (smtp_verbs[i].cmd == cmd)
			return smtp_verbs[i].name;
	return "UNKNOWN";
}

/*
 * path_addr_end - given s[0] == '<', find the matching '>' while honouring
 * quoted strings and quoted pairs in the local part. Sets *end to the
 * index of '>'. Returns 0 or -1.
 */
static int
path_addr_end(const char *s, size_t len, size_t *end)
{
	size_t	 i;
	int	 quoted = 0;

	for (i = 1; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return -1;
		if (quoted) {
			if (c == '\\') {
				if (++i >= len)
					return -1;
			} else if (c == '"')
				quoted = 0;
			continue;
		}
		if (c == '"')
			quoted = 1;
		else if (c == '<' || c == ' ')
			return -1;
		else if (c == '>') {
			*end = i;
			return 0;
		}
	}
	return -1;
}

/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
static int
param_keyword_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/*
 * esmtp-value = 1*(%d33-60 / %d62-126), extended by RFC 6531 3.3 to
 * UTF-8 (we accept any byte >= 0x80 and leave checking to the return
 * port, which gets the parameter untouched).
 */
static int
param_value_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c == '=' || c <= 32 || c == 127)
			return 0;
	}
	return 1;
}

/*
 * smtp_parse_path - "FROM:<addr> PARAM=V ..." / "TO:<addr> ...".
 */
int
smtp_parse_path(const char *s, size_t len, const char *prefix,
    struct smtp_path *p, const char **why)
{
	size_t	 plen = strlen(prefix), i, end;

	memset(p, 0, sizeof(*p));
	if (len < plen || strncasecmp(s, prefix, plen) != 0) {
		*why = "Syntax: MAIL FROM:<address> or RCPT TO:<address>";
		return -1;
	}
	i = plen;
	while (i < len && s[i] == ' ')	/* tolerated, as Postfix does */
		i++;
	if (i >= len || s[i] != '<') {
		*why = "Bad address syntax: angle brackets required";
		return -1;
	}
	if (path_addr_end(s + i, len - i, &end) == -1) {
		*why = "Bad address syntax";
		return -1;
	}
	p->addr = s + i + 1;
	p->addrlen = end - 1;
	i += end + 1;
	while (i < len) {
		size_t	 start, eq, stop;

		if (s[i] != ' ') {
			*why = "Bad address syntax: junk after address";
			return -1;
		}
		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		stop = i;
		for (eq = start; eq < stop && s[eq] != '='; eq++)
			;
		if (p->nparams == SMTP_MAX_PARAMS) {
			*why = "Too many parameters";
			return -1;
		}
		if (!param_keyword_ok(s + start, eq - start)) {
			*why = "Bad parameter keyword";
			return -1;
		}
		p->params[p->nparams].key = s + start;
		p->params[p->nparams].keylen = eq - start;
		if (eq < stop) {
			if (!param_value_ok(s + eq + 1, stop - eq - 1)) {
				*why = "Bad parameter value";
				return -1;
			}
			p->params[p->nparams].val = s + eq + 1;
			p->params[p->nparams].vallen = stop - eq - 1;
		}
		p->nparams++;
	}
	return 0;
}

const struct smtp_param *
smtp_param_find(const struct smtp_path *p, const char *key)
{
	size_t	 i, n = strlen(key);

	for (i = 0; i < p->nparams; i++)
		if (p->params[i].keylen == n &&
		    strncasecmp(p->params[i].key, key, n) == 0)
			return &p->params[i];
	return NULL;
}

int
smtp_parse_size(const char *s, size_t n, unsigned long long *out)
{
	unsigned long long	 v = 0;
	size_t			 i;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		if (v > (ULLONG_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * xtext_decode - RFC 3461 4: "+" followed by two upper-case hex digits
 * stands for that byte. The decoded value must not contain control
 * bytes. Writes a NUL-terminated string; -1 if it does not fit or is bad.
 */
static int
xtext_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		int	 c = (unsigned char)s[i];

		if (c == '+') {
			int	 hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/*
 * smtp_parse_xforward - attributes of one XFORWARD command.
 */
int
smtp_parse_xforward(const char *s, size_t len, struct xforward *xf,
    const char **why)
{
	static const struct {
		const char	*name;
		size_t		 off;
		size_t		 size;
	} attrs[] = {
		{ "NAME", offsetof(struct xforward, name),
		    sizeof(((struct xforward *)0)->name) },
		{ "ADDR", offsetof(struct xforward, addr),
		    sizeof(((struct xforward *)0)->addr) },
		{ "PORT", offsetof(struct xforward, port),
		    sizeof(((struct xforward *)0)->port) },
		{ "PROTO", offsetof(struct xforward, proto),
		    sizeof(((struct xforward *)0)->proto) },
		{ "HELO", offsetof(struct xforward, helo),
		    sizeof(((struct xforward *)0)->helo) },
		{ "IDENT", offsetof(struct xforward, ident),
		    sizeof(((struct xforward *)0)->ident) },
		{ "SOURCE", offsetof(struct xforward, source),
		    sizeof(((struct xforward *)0)->source) },
	};
	size_t	 i = 0, a, nattr = 0;

	while (i < len) {
		size_t	 start, eq, stop;
		char	*dst;

		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		stop = i;
		for (eq = start; eq < stop && s[eq] != '='; eq++)
			;
		if (eq == stop) {
			*why = "Syntax: XFORWARD attribute=value...";
			return -1;
		}
		for (a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++)
			if (strlen(attrs[a].name) == eq - start &&
			    strncasecmp(attrs[a].name, s + start,
			    eq - start) == 0)
				break;
		if (a == sizeof(attrs) / sizeof(attrs[0])) {
			*why = "Bad XFORWARD attribute name";
			return -1;
		}
		dst = (char *)xf + attrs[a].off;
		if ((stop - eq - 1 == 13 &&
		    strncasecmp(s + eq + 1, "[UNAVAILABLE]", 13) == 0) ||
		    (stop - eq - 1 == 12 &&
		    strncasecmp(s + eq + 1, "[TEMPUNAVAIL]", 12) == 0)) {
			dst[0] = '\0';
		} else if (xtext_decode(s + eq + 1, stop - eq - 1, dst,
		    attrs[a].size) == -1) {
			*why = "Bad XFORWARD attribute value";
			return -1;
		}
		if (strcmp(attrs[a].name, "ADDR") == 0 &&
		    strncasecmp(dst, "IPV6:", 5) == 0)
			memmove(dst, dst + 5, strlen(dst + 5) + 1);
		nattr++;
	}
	if (nattr == 0) {
		*why = "Syntax: XFORWARD attribute=value...";
		return -1;
	}
	return 0;
}

/*
 * smtp_reply_line - one line of a reply: "DDD", "DDD text", "DDD-text".
 */
int
smtp_reply_line(const char *s, size_t n, int *code, int *more)
{
	if (n < 3 || s[0] < '2' || s[0] > '5' ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
		return -1;
	if (n > 3 && s[3] != ' ' && s[3] != '-')
		return -1;
	*code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	*more = n > 3 && s[3] == '-';
	return 0;
}

/*
 * smtp_ehlo_keyword - match an EHLO extension keyword in a reply line.
 */
int
smtp_ehlo_keyword(const char *s, size_t n, const char *kw,
    const char **args, size_t *argslen)
{
	size_t	 kl = strlen(kw), i;

	if (n < 4)
		return 0;
	s += 4;
	n -= 4;
	if (n < kl || strncasecmp(s, kw, kl) != 0)
		return 0;
	if (n > kl && s[kl] != ' ' && s[kl] != '=')
		return 0;
	i = kl;
	while (i < n && (s[i] == ' ' || s[i] == '='))
		i++;
	if (args != NULL) {
		*args = s + i;
		*argslen = n - i;
	}
	return 1;
}

/*
 * smtp_enhanced_status - length of a leading "X.Y.Z" (RFC 3463 2:
 * class 2/4/5, subject 1-3 digits, detail 1-3 digits), or 0.
 */
size_t
smtp_enhanced_status(const char *s, size_t n)
{
	size_t	 i = 0, d;
	int	 part;

	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (d = 0; i < n && isdigit((unsigned char)s[i]); i++)
			d++;
		if (d == 0 || d > 3)
			return 0;
		if (part == 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && s[i] != ' ')
		return 0;
	return i;
}

/* DATA decoder states */
enum {
	DD_BOL = 0,	/* at the start of a line */
	DD_MID,		/* inside a line */
	DD_CR,		/* inside a line, a CR held back */
	DD_DOT,		/* a '.' at the start of a line, held back */
	DD_DOTCR,	/* ".\r" at the start of a line, held back */
	DD_HDRCR	/* header block: "\r" at the start of a line */
};

void
dot_decoder_init(struct dot_decoder *d, const struct dot_decoder_cb *cb)
{
	d->state = DD_BOL;
	d->crlf_before = 1;	/* the 354 reply counts as a CRLF */
	d->in_header = 1;
	d->cb = cb;
}

#define EMIT_BOTH(d, p, n) do {						\
	(d)->cb->store((d)->cb->arg, (p), (n));				\
	(d)->cb->content((d)->cb->arg, (p), (n));			\
} while (0)

/*
 * dot_decode - the DATA state machine. Ordinary lines are passed on in
 * spans as long as possible (one callback for many lines); only line
 * starts with a '.', bare LFs, the header/body boundary and chunk ends
 * split a span.
 */
size_t
dot_decode(struct dot_decoder *d, const char *p, size_t n, int *done)
{
	size_t	 i = 0;

	*done = 0;
	while (i < n) {
		switch (d->state) {
		case DD_BOL:
			if (p[i] == '.') {
				d->state = DD_DOT;
				i++;
				break;
			}
			if (d->in_header) {
				if (p[i] == '\n') {
					/* empty line ended by a bare LF */
					d->cb->header_end(d->cb->arg);
					d->in_header = 0;
					EMIT_BOTH(d, "\r\n", 2);
					d->crlf_before = 0;
					i++;
					break;
				}
				if (p[i] == '\r') {
					d->state = DD_HDRCR;
					i++;
					break;
				}
			}
			d->state = DD_MID;
			break;
		case DD_HDRCR:
			if (p[i] == '\n') {
				d->cb->header_end(d->cb->arg);
				d->in_header = 0;
				EMIT_BOTH(d, "\r\n", 2);
				d->crlf_before = 1;
				d->state = DD_BOL;
				i++;
			} else {
				/* a line that starts with a bare CR */
				EMIT_BOTH(d, "\r", 1);
				d->state = DD_MID;
			}
			break;
		case DD_CR:
			if (p[i] == '\n') {
				EMIT_BOTH(d, "\r\n", 2);
				d->crlf_before = 1;
				d->state = DD_BOL;
				i++;
			} else {
				EMIT_BOTH(d, "\r", 1);
				d->state = DD_MID;
			}
			break;
		case DD_DOT:
			if (p[i] == '\r') {
				d->state = DD_DOTCR;
				i++;
			} else if (p[i] == '\n') {
				/* ".\n" never ends the data: keep the dot */
				d->cb->store(d->cb->arg, "..\r\n", 4);
				d->cb->content(d->cb->arg, ".\r\n", 3);
				d->crlf_before = 0;
				d->state = DD_BOL;
				i++;
			} else {
				/* a stuffed line: the dot is transparency */
				d->cb->store(d->cb->arg, ".", 1);
				d->state = DD_MID;
			}
			break;
		case DD_DOTCR:
			if (p[i] == '\n') {
				i++;
				if (d->crlf_before) {
					*done = 1;
					d->state = DD_BOL;
					return i;
				}
				/* "." after a bare LF: content, not the end */
				d->cb->store(d->cb->arg, "..\r\n", 4);
				d->cb->content(d->cb->arg, ".\r\n", 3);
				d->crlf_before = 1;
				d->state = DD_BOL;
			} else {
				d->cb->store(d->cb->arg, ".\r", 2);
				d->cb->content(d->cb->arg, "\r", 1);
				d->state = DD_MID;
			}
			break;
		case DD_MID: {
			size_t		 start = i;
			const char	*lf;

			for (;;) {
				size_t	 k;

				lf = memchr(p + i, '\n', n - i);
				if (lf == NULL) {
					size_t	 end = n;

					if (p[n - 1] == '\r') {
						end--;
						d->state = DD_CR;
					}
					if (end > start)
						EMIT_BOTH(d, p + start,
						    end - start);
					i = n;
					break;
				}
				k = lf - p;
				if (k > start && p[k - 1] == '\r') {
					i = k + 1;
					d->crlf_before = 1;
					/*
					 * Keep the span going over the next
					 * line unless it needs a look.
					 */
					if (i < n && p[i] != '.' &&
					    !d->in_header)
						continue;
					EMIT_BOTH(d, p + start, i - start);
					d->state = DD_BOL;
					break;
				}
				/* bare LF: forwarded as CRLF */
				if (k > start)
					EMIT_BOTH(d, p + start, k - start);
				EMIT_BOTH(d, "\r\n", 2);
				d->crlf_before = 0;
				d->state = DD_BOL;
				i = k + 1;
				break;
			}
			break;
		}
		}
	}
	return i;
}

/*
 * dot_stuff - re-apply dot-stuffing to CRLF text.
 */
int
dot_stuff(struct buf *out, const char *p, size_t n, int *bol)
{
	size_t	 i = 0;

	while (i < n) {
		const char	*lf;
		size_t		 end;

		if (*bol && p[i] == '.')
			buf_addc(out, '.');
		lf = memchr(p + i, '\n', n - i);
		end = lf == NULL ? n : (size_t)(lf - p) + 1;
		buf_add(out, p + i, end - i);
		*bol = lf != NULL;
		i = end;
	}
	return buf_error(out) ? -1 : 0;
}
