/*
 * dkim_sig.c - DKIM-Signature parser (one handler per tag, RFC 6376 3.5,
 * validation per 6.1.1), builder, and header hash input (3.7, 5.4.2).
 */
#include "autoconf.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_sig.h"
#include "dkim_tag.h"
#include "rfc5322.h"

/* longest line the builder writes, without CRLF (RFC 5322 2.1.1) */
#define SIG_LINE_MAX	78

struct sig_handler {
	const char	*name;
	int		(*fn)(struct dkim_sig *, const struct dkim_tag *,
			    const char **);
	const char	*missing;	/* reason if required and absent */
};

static int	 is_let_dig(unsigned char);
static int	 check_labels(const char *, size_t, int, int);
static int	 check_domain(const char *, size_t);
static int	 check_selector(const char *, size_t);
static int	 check_field_name(const char *, size_t);
static int	 copy_text(char *, size_t, const char *, size_t);
static int	 parse_digits(const char *, size_t, size_t, long long *);
static int	 domain_within(const char *, size_t, const char *, size_t);
static int	 qp_decode(const char *, size_t, char *, size_t, size_t *);
static int	 sigtag_v(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_a(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_b(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_bh(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_c(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_d(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_h(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_i(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_l(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_q(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_s(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_t(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_x(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static int	 sigtag_z(struct dkim_sig *, const struct dkim_tag *,
		    const char **);
static size_t	 line_col(const struct buf *);
static void	 put_token(struct buf *, size_t *, const char *, size_t);
static void	 put_breakable(struct buf *, size_t *, const char *, size_t);
static void	 put_h(struct buf *, size_t *, const struct dkim_sig_spec *);
static void	 put_i(struct buf *, size_t *, const char *);
static int	 spec_check(const struct dkim_sig_spec *);
static int	 field_is(const struct rfc5322_field *,
		    const struct dkim_name *);

/*
 * Tag handlers, in the order required tags are reported missing. Tags
 * not listed here are ignored (RFC 6376 3.5: "Unrecognized tags MUST be
 * ignored").
 */
static const struct sig_handler sig_handlers[] = {
	{ "v",	sigtag_v,	"missing v= tag" },
	{ "a",	sigtag_a,	"missing a= tag" },
	{ "b",	sigtag_b,	"missing b= tag" },
	{ "bh",	sigtag_bh,	"missing bh= tag" },
	{ "d",	sigtag_d,	"missing d= tag" },
	{ "h",	sigtag_h,	"missing h= tag" },
	{ "s",	sigtag_s,	"missing s= tag" },
	{ "c",	sigtag_c,	NULL },
	{ "i",	sigtag_i,	NULL },
	{ "l",	sigtag_l,	NULL },
	{ "q",	sigtag_q,	NULL },
	{ "t",	sigtag_t,	NULL },
	{ "x",	sigtag_x,	NULL },
	{ "z",	sigtag_z,	NULL },
};
#define NHANDLERS	(sizeof(sig_handlers) / sizeof(sig_handlers[0]))

static const struct {
	const char	*name;
	enum dkim_sig_alg alg;
	enum crypto_alg	 key;
	enum crypto_md	 md;
} sig_algs[] = {
	{ "rsa-sha256",		DKIM_SIG_RSA_SHA256,
	    CRYPTO_ALG_RSA,	CRYPTO_MD_SHA256 },
	{ "rsa-sha1",		DKIM_SIG_RSA_SHA1,
	    CRYPTO_ALG_RSA,	CRYPTO_MD_SHA1 },
	{ "ed25519-sha256",	DKIM_SIG_ED25519_SHA256,
	    CRYPTO_ALG_ED25519,	CRYPTO_MD_SHA256 },
};
#define NALGS		(sizeof(sig_algs) / sizeof(sig_algs[0]))

/* is_let_dig - Let-dig = ALPHA / DIGIT (RFC 5321 4.1.2) */
static int
is_let_dig(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * check_labels - dot-separated labels, each sub-domain = Let-dig
 * [Ldh-str] (RFC 5321 4.1.2) of at most 63 octets, at least minlabels of
 * them, at most DKIM_DOMAIN_MAX octets in all. underscore: also allow
 * "_" inside labels. Returns 0 or -1.
 */
static int
check_labels(const char *p, size_t n, int minlabels, int underscore)
{
	size_t	 i, start = 0;
	int	 labels = 0;

	if (n == 0 || n > DKIM_DOMAIN_MAX)
		return -1;
	for (i = 0; i <= n; i++) {
		if (i == n || p[i] == '.') {
			size_t	 len = i - start;

			if (len == 0 || len > 63 ||
			    !is_let_dig((unsigned char)p[start]) ||
			    !is_let_dig((unsigned char)p[i - 1]))
				return -1;
			labels++;
			start = i + 1;
			continue;
		}
		if (!is_let_dig((unsigned char)p[i]) && p[i] != '-' &&
		    !(underscore && p[i] == '_'))
			return -1;
	}
	return labels >= minlabels ? 0 : -1;
}

/*
 * check_domain - domain-name = sub-domain 1*("." sub-domain) (RFC 6376
 * 3.5 d=; A-labels only, so plain LDH).
 */
static int
check_domain(const char *p, size_t n)
{
	return check_labels(p, n, 2, 0);
}

/*
 * check_selector - selector = sub-domain *( "." sub-domain ) (RFC 6376
 * 3.1). "_" is accepted too: a selector only has to be a DNS name, and
 * some signers use underscores.
 */
static int
check_selector(const char *p, size_t n)
{
	return check_labels(p, n, 1, 1);
}

/* check_field_name - field-name = 1*ftext, ftext = %d33-57 / %d59-126 */
static int
check_field_name(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 33 || c > 126 || c == ':')
			return -1;
	}
	return 0;
}

/* copy_text - copy (p, n) to dst as a C string; -1 if it does not fit */
static int
copy_text(char *dst, size_t dstsz, const char *p, size_t n)
{
	if (n >= dstsz)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

/*
 * parse_digits - 1*maxdigits DIGIT as a non-negative number; values over
 * LLONG_MAX are clamped. maxdigits 0: any number of digits. Returns the
 * digit count, or -1.
 */
static int
parse_digits(const char *p, size_t n, size_t maxdigits, long long *v)
{
	size_t	 i;
	long long r = 0;

	if (n == 0 || (maxdigits > 0 && n > maxdigits) || n > INT_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (r > (LLONG_MAX - (p[i] - '0')) / 10)
			r = LLONG_MAX;
		else
			r = r * 10 + (p[i] - '0');
	}
	*v = r;
	return (int)n;
}

/*
 * domain_within - 1 if domain (sub, sn) equals or is below (dom, dn),
 * ignoring case (RFC 6376 6.1.1, 3.10).
 */
static int
domain_within(const char *sub, size_t sn, const char *dom, size_t dn)
{
	if (sn == dn)
		return dkim_ci_eqn(sub, sn, dom, dn);
	if (sn > dn + 1 && sub[sn - dn - 1] == '.')
		return dkim_ci_eqn(sub + sn - dn, dn, dom, dn);
	return 0;
}

/*
 * qp_decode - dkim-quoted-printable (RFC 6376 2.11): FWS is removed,
 * "=XX" decoded (lower-case hex accepted on receipt, as RFC 2045 6.7
 * allows), other octets must be dkim-safe-char. Decoded control octets
 * are refused. Returns 0 with *outlen set, or -1.
 */
static int
qp_decode(const char *p, size_t n, char *out, size_t outsz, size_t *outlen)
{
	const char	*end = p + n;
	size_t		 o = 0, ws;
	unsigned	 v, i;
	unsigned char	 c;

	while (p < end) {
		if ((ws = dkim_tag_wsp_or_fws(p, end)) > 0) {
			p += ws;
			continue;
		}
		c = (unsigned char)*p;
		if (c == '=') {
			if (end - p < 3)
				return -1;
			for (v = 0, i = 1; i <= 2; i++) {
				unsigned char h = (unsigned char)p[i];

				v <<= 4;
				if (h >= '0' && h <= '9')
					v |= h - '0';
				else if (h >= 'A' && h <= 'F')
					v |= h - 'A' + 10;
				else if (h >= 'a' && h <= 'f')
					v |= h - 'a' + 10;
				else
					return -1;
			}
			if (v < 0x20 || v == 0x7f)
				return -1;
			c = (unsigned char)v;
			p += 3;
		} else if (c >= 0x21 && c <= 0x7e && c != ';') {
			p++;
		} else
			return -1;
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* sigtag_v - v= must be "1" (RFC 6376 3.5, 6.1.1 incompatible version) */
static int
sigtag_v(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	(void)sig;
	if (t->valuelen != 1 || t->value[0] != '1') {
		*why = "incompatible version";
		return -1;
	}
	return 0;
}

/* sigtag_a - a=: rsa-sha256, ed25519-sha256, or rsa-sha1 (flagged weak) */
static int
sigtag_a(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	if (dkim_sig_alg_parse(t->value, t->valuelen, &sig->alg) == -1) {
		*why = "unsupported algorithm";
		return -1;
	}
	sig->keyalg = dkim_sig_alg_key(sig->alg);
	sig->md = dkim_sig_alg_md(sig->alg);
	sig->weak = sig->alg == DKIM_SIG_RSA_SHA1;
	return 0;
}

/*
 * sigtag_b - b=: base64 signature (FWS inside ignored); also the first
 * characters of the value for header.b (RFC 6008 2).
 */
static int
sigtag_b(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	ssize_t	 n;
	size_t	 i, o = 0;

	n = crypto_b64_decode(t->value, t->valuelen, sig->b, sizeof(sig->b));
	if (n <= 0) {
		*why = n == 0 ? "empty b= tag" : "bad base64 in b= tag";
		return -1;
	}
	sig->blen = (size_t)n;
	for (i = 0; i < t->valuelen && o < DKIM_SIG_BPREFIX; i++) {
		char	 c = t->value[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			sig->bprefix[o++] = c;
	}
	sig->bprefix[o] = '\0';
	return 0;
}

/* sigtag_bh - bh=: base64 body hash */
static int
sigtag_bh(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	ssize_t	 n;

	n = crypto_b64_decode(t->value, t->valuelen, sig->bh,
	    sizeof(sig->bh));
	if (n <= 0) {
		*why = n == 0 ? "empty bh= tag" : "bad base64 in bh= tag";
		return -1;
	}
	sig->bhlen = (size_t)n;
	return 0;
}

/* sigtag_c - c=: header[/body] canonicalization */
static int
sigtag_c(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	if (dkim_canon_parse(t->value, t->valuelen, &sig->hcanon,
	    &sig->bcanon) == -1) {
		*why = "unsupported canonicalization";
		return -1;
	}
	return 0;
}

/* sigtag_d - d=: the SDID, a domain name of two labels or more */
static int
sigtag_d(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	if (check_domain(t->value, t->valuelen) == -1 ||
	    copy_text(sig->d, sizeof(sig->d), t->value, t->valuelen) == -1) {
		*why = "bad d= domain";
		return -1;
	}
	return 0;
}

/*
 * sigtag_h - h=: colon-separated header field names, at most DKIM_SIG_MAXH;
 * the names point into the parsed text.
 */
static int
sigtag_h(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	const char	*pos = t->value, *end = t->value + t->valuelen, *item;
	size_t		 len;
	int		 r;

	sig->nh = 0;
	while ((r = dkim_tag_list_next(&pos, end, &item, &len)) == 1) {
		if (check_field_name(item, len) == -1) {
			*why = "bad header name in h= tag";
			return -1;
		}
		if (sig->nh == DKIM_SIG_MAXH) {
			*why = "too many names in h= tag";
			return -1;
		}
		sig->h[sig->nh].p = item;
		sig->h[sig->nh].len = len;
		sig->nh++;
	}
	if (r == -1 || sig->nh == 0) {
		*why = "bad h= tag";
		return -1;
	}
	return 0;
}

/*
 * sigtag_i - i=: [Local-part] "@" domain-name in dkim-quoted-printable; the
 * domain is what follows the last "@" (a quoted local part may hold "@").
 */
static int
sigtag_i(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	size_t	 len;
	char	*at;

	if (qp_decode(t->value, t->valuelen, sig->i, sizeof(sig->i),
	    &len) == -1 || (at = strrchr(sig->i, '@')) == NULL ||
	    check_domain(at + 1, len - (at + 1 - sig->i)) == -1) {
		*why = "bad i= tag";
		return -1;
	}
	sig->has_i = 1;
	sig->idomain = at + 1 - sig->i;
	return 0;
}

/* sigtag_l - l=: 1*76DIGIT body length, clamped to LLONG_MAX */
static int
sigtag_l(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	if (parse_digits(t->value, t->valuelen, 76, &sig->l) == -1) {
		*why = "bad l= tag";
		return -1;
	}
	return 0;
}

/*
 * sigtag_q - q=: colon-separated query methods; unknown ones are ignored,
 * but "dns/txt" must be among them (RFC 6376 3.5 q=).
 */
static int
sigtag_q(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	const char	*pos = t->value, *end = t->value + t->valuelen, *item;
	size_t		 len;
	int		 r, found = 0;

	(void)sig;
	while ((r = dkim_tag_list_next(&pos, end, &item, &len)) == 1)
		if (dkim_ci_eq(item, len, "dns/txt"))
			found = 1;
	if (r == -1) {
		*why = "bad q= tag";
		return -1;
	}
	if (!found) {
		*why = "no supported query method";
		return -1;
	}
	return 0;
}

/* sigtag_s - s=: the selector */
static int
sigtag_s(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	if (check_selector(t->value, t->valuelen) == -1 ||
	    copy_text(sig->s, sizeof(sig->s), t->value, t->valuelen) == -1) {
		*why = "bad s= selector";
		return -1;
	}
	return 0;
}

/*
 * sigtag_t / sigtag_x - timestamps, 1*12DIGIT; longer values are taken
 * as infinite, as RFC 6376 3.5 t= allows.
 */
static int
sigtag_t(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	int	 n;

	if ((n = parse_digits(t->value, t->valuelen, 0, &sig->t)) == -1) {
		*why = "bad t= tag";
		return -1;
	}
	if (n > 12)
		sig->t = DKIM_TIME_INFINITE;
	return 0;
}

static int
sigtag_x(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	int	 n;

	if ((n = parse_digits(t->value, t->valuelen, 0, &sig->x)) == -1) {
		*why = "bad x= tag";
		return -1;
	}
	if (n > 12)
		sig->x = DKIM_TIME_INFINITE;
	return 0;
}

/* sigtag_z - z=: copied header fields, diagnostic only: ignored */
static int
sigtag_z(struct dkim_sig *sig, const struct dkim_tag *t, const char **why)
{
	(void)sig;
	(void)t;
	(void)why;
	return 0;
}

/*
 * dkim_sig_alg_parse - a= value; the names are ABNF literals, so case
 * does not matter (RFC 5234 2.3).
 */
int
dkim_sig_alg_parse(const char *p, size_t n, enum dkim_sig_alg *alg)
{
	size_t	 i;

	for (i = 0; i < NALGS; i++)
		if (dkim_ci_eq(p, n, sig_algs[i].name)) {
			*alg = sig_algs[i].alg;
			return 0;
		}
	return -1;
}

/* dkim_sig_alg_name - the a= text of an algorithm */
const char *
dkim_sig_alg_name(enum dkim_sig_alg alg)
{
	size_t	 i;

	for (i = 0; i < NALGS; i++)
		if (sig_algs[i].alg == alg)
			return sig_algs[i].name;
	return "unknown";
}

/* dkim_sig_alg_key - the key type an algorithm needs */
enum crypto_alg
dkim_sig_alg_key(enum dkim_sig_alg alg)
{
	return alg == DKIM_SIG_ED25519_SHA256 ? CRYPTO_ALG_ED25519 :
	    CRYPTO_ALG_RSA;
}

/* dkim_sig_alg_md - the hash an algorithm uses */
enum crypto_md
dkim_sig_alg_md(enum dkim_sig_alg alg)
{
	return alg == DKIM_SIG_RSA_SHA1 ? CRYPTO_MD_SHA1 : CRYPTO_MD_SHA256;
}

/*
 * dkim_sig_parse - lex the tag-list, run the handler of every known tag,
 * then the cross-tag checks of RFC 6376 6.1.1.
 */
int
dkim_sig_parse(struct dkim_sig *sig, const char *value, size_t len,
    const char **why)
{
	struct dkim_taglist tl;
	const struct dkim_tag *t, *v;
	size_t		 i, j;
	int		 from = 0;

	memset(sig, 0, sizeof(*sig));
	sig->hcanon = sig->bcanon = DKIM_CANON_SIMPLE;
	sig->l = sig->t = sig->x = -1;
	if (dkim_tag_parse(&tl, value, len, why) == -1)
		return -1;
	/* a version we do not know says nothing about the other tags */
	if ((v = dkim_tag_find(&tl, "v")) != NULL &&
	    sigtag_v(sig, v, why) == -1)
		return -1;
	for (i = 0; i < NHANDLERS; i++)
		if (sig_handlers[i].missing != NULL &&
		    dkim_tag_find(&tl, sig_handlers[i].name) == NULL) {
			*why = sig_handlers[i].missing;
			return -1;
		}
	for (j = 0; j < tl.ntags; j++) {
		t = &tl.tag[j];
		for (i = 0; i < NHANDLERS; i++)
			if (dkim_tag_is(t, sig_handlers[i].name)) {
				if (sig_handlers[i].fn(sig, t, why) == -1)
					return -1;
				break;
			}
	}
	if (!sig->has_i) {
		/* RFC 6376 6.1.1: no i= means "@" d */
		sig->i[0] = '@';
		memcpy(sig->i + 1, sig->d, strlen(sig->d) + 1);
		sig->idomain = 1;
	} else if (!domain_within(sig->i + sig->idomain,
	    strlen(sig->i + sig->idomain), sig->d, strlen(sig->d))) {
		*why = "i= not within d=";
		return -1;
	}
	for (i = 0; i < sig->nh; i++)
		if (dkim_ci_eq(sig->h[i].p, sig->h[i].len, "from"))
			from = 1;
	if (!from) {
		*why = "From field not signed";
		return -1;
	}
	if (sig->t >= 0 && sig->x >= 0 && sig->x < sig->t) {
		*why = "x= before t=";
		return -1;
	}
	return 0;
}

/* dkim_sig_expired - x= present and in the past (RFC 6376 6.1.1) */
int
dkim_sig_expired(const struct dkim_sig *sig, long long now)
{
	return sig->x >= 0 && sig->x < now;
}

/* dkim_sig_keyname - the TXT name of the key: s._domainkey.d */
int
dkim_sig_keyname(const struct dkim_sig *sig, char *out, size_t outsz)
{
	int	 n;

	n = snprintf(out, outsz, "%s._domainkey.%s", sig->s, sig->d);
	if (n < 0 || (size_t)n >= outsz || n > DKIM_DOMAIN_MAX)
		return -1;
	return 0;
}

/* line_col - length of the last line in out (after the last LF) */
static size_t
line_col(const struct buf *out)
{
	size_t	 i = buf_len(out);

	while (i > 0 && buf_data(out)[i - 1] != '\n')
		i--;
	return buf_len(out) - i;
}

/*
 * put_token - append " " and a token, or fold (CRLF TAB) first when the
 * token would pass the line limit; *col tracks the column.
 */
static void
put_token(struct buf *out, size_t *col, const char *p, size_t n)
{
	if (*col + 1 + n <= SIG_LINE_MAX) {
		buf_addc(out, ' ');
		*col += 1;
	} else {
		buf_add(out, "\r\n\t", 3);
		*col = 1;
	}
	buf_add(out, p, n);
	*col += n;
}

/*
 * put_breakable - append text that may be folded anywhere (base64: FWS
 * is allowed between any two characters, RFC 6376 2.10), filling lines.
 */
static void
put_breakable(struct buf *out, size_t *col, const char *p, size_t n)
{
	size_t	 k;

	while (n > 0) {
		if (*col >= SIG_LINE_MAX) {
			buf_add(out, "\r\n\t", 3);
			*col = 1;
		}
		k = SIG_LINE_MAX - *col;
		if (k > n)
			k = n;
		buf_add(out, p, k);
		*col += k;
		p += k;
		n -= k;
	}
}

/*
 * put_h - the h= tag with its ";": on the current line if it fits, else
 * on a new line if it fits there, else name by name, folding only where
 * the separator allows whitespace ([FWS] ":" [FWS]), in place of the
 * separator's trailing whitespace.
 */
static void
put_h(struct buf *out, size_t *col, const struct dkim_sig_spec *sp)
{
	const char	*sep = sp->hsep != NULL ? sp->hsep : ":";
	size_t		 seplen = strlen(sep), core, total, first, i, n;

	/* the separator without its trailing whitespace */
	core = seplen;
	while (core > 0 && (sep[core - 1] == ' ' || sep[core - 1] == '\t'))
		core--;
	total = 2 + 1;		/* "h=" and ";" */
	for (i = 0; i < sp->nh; i++)
		total += sp->h[i].len + (i + 1 < sp->nh ? seplen : 0);
	first = 2 + sp->h[0].len + (sp->nh > 1 ? core : 1);
	if (*col + 1 + total <= SIG_LINE_MAX ||
	    (1 + total > SIG_LINE_MAX && *col + 1 + first <= SIG_LINE_MAX)) {
		buf_addc(out, ' ');
		*col += 1;
	} else {
		buf_add(out, "\r\n\t", 3);
		*col = 1;
	}
	buf_add(out, "h=", 2);
	*col += 2;
	for (i = 0; i < sp->nh; i++) {
		n = sp->h[i].len + (i + 1 < sp->nh ? core : 1);
		if (i > 0) {
			if (*col + (seplen - core) + n <= SIG_LINE_MAX) {
				buf_add(out, sep + core, seplen - core);
				*col += seplen - core;
			} else {
				buf_add(out, "\r\n\t", 3);
				*col = 1;
			}
		}
		buf_add(out, sp->h[i].p, sp->h[i].len);
		if (i + 1 < sp->nh)
			buf_add(out, sep, core);
		else
			buf_addc(out, ';');
		*col += n;
	}
}

/*
 * put_i - the i= tag in dkim-quoted-printable (RFC 6376 2.11): every
 * octet but dkim-safe-char as "=XX". Placed like any tag when it fits on
 * a line; a longer one is folded between encoded units (FWS may go
 * anywhere in the value, but not inside an "=XX").
 */
static void
put_i(struct buf *out, size_t *col, const char *i)
{
	char		 tok[DKIM_AUID_MAX * 3 + 4], unit[4];
	const char	*s;
	size_t		 o = 0, n, k;

	tok[o++] = 'i';
	tok[o++] = '=';
	for (s = i; *s != '\0' && o + 4 < sizeof(tok); s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x21 && c <= 0x7e && c != ';' && c != '=')
			tok[o++] = c;
		else
			o += snprintf(tok + o, sizeof(tok) - o, "=%02X", c);
	}
	tok[o++] = ';';
	if (1 + o <= SIG_LINE_MAX) {
		put_token(out, col, tok, o);
		return;
	}
	put_token(out, col, "i=", 2);
	for (k = 2; k < o; k += n) {
		n = tok[k] == '=' ? 3 : 1;
		memcpy(unit, tok + k, n);
		/* keep the ";" with the last unit */
		if (k + n == o - 1)
			unit[n++] = ';';
		if (*col + n > SIG_LINE_MAX) {
			buf_add(out, "\r\n\t", 3);
			*col = 1;
		}
		buf_add(out, unit, n);
		*col += n;
	}
}

/*
 * spec_check - what a signer asks for must itself parse: valid d=, s=,
 * i= within d=, From among the names, a body hash of the right size, a
 * separator of the form [WSP] ":" [WSP].
 */
static int
spec_check(const struct dkim_sig_spec *sp)
{
	const char	*at, *sep;
	size_t		 i;
	int		 from = 0, colons = 0;

	if (sp->alg != DKIM_SIG_RSA_SHA256 &&
	    sp->alg != DKIM_SIG_ED25519_SHA256)
		return -1;	/* never sign rsa-sha1 (RFC 8301 3.1) */
	if (sp->d == NULL || check_domain(sp->d, strlen(sp->d)) == -1 ||
	    sp->s == NULL || check_selector(sp->s, strlen(sp->s)) == -1)
		return -1;
	if (sp->i != NULL) {
		if ((at = strrchr(sp->i, '@')) == NULL ||
		    strlen(sp->i) > DKIM_AUID_MAX ||
		    check_domain(at + 1, strlen(at + 1)) == -1 ||
		    !domain_within(at + 1, strlen(at + 1), sp->d,
		    strlen(sp->d)))
			return -1;
		/* what qp_decode() would refuse on the verifying side */
		for (sep = sp->i; *sep != '\0'; sep++)
			if ((unsigned char)*sep < 0x20 || *sep == 0x7f)
				return -1;
	}
	if (sp->nh == 0 || sp->nh > DKIM_SIG_MAXH || sp->h == NULL)
		return -1;
	for (i = 0; i < sp->nh; i++) {
		if (check_field_name(sp->h[i].p, sp->h[i].len) == -1)
			return -1;
		if (dkim_ci_eq(sp->h[i].p, sp->h[i].len, "from"))
			from = 1;
	}
	if (!from)
		return -1;
	if (sp->bh == NULL || sp->bhlen != crypto_md_len(
	    dkim_sig_alg_md(sp->alg)))
		return -1;
	if (sp->t < -1 || sp->x < -1 || (sp->t >= 0 && sp->x >= 0 &&
	    sp->x < sp->t))
		return -1;
	for (sep = sp->hsep != NULL ? sp->hsep : ":"; *sep != '\0'; sep++) {
		if (*sep == ':')
			colons++;
		else if (*sep != ' ' && *sep != '\t')
			return -1;
	}
	return colons == 1 ? 0 : -1;
}

/*
 * dkim_sig_build - the new signature field up to an empty "b=". Tags in
 * the order v a c d i q s t x h bh b.
 */
int
dkim_sig_build(const struct dkim_sig_spec *sp, struct buf *out)
{
	char		 tok[DKIM_DOMAIN_MAX + 16];
	char		 b64[4 * ((CRYPTO_MAX_MD + 2) / 3) + 1];
	size_t		 col, n;

	if (spec_check(sp) == -1)
		return -1;
	col = line_col(out);
	buf_adds(out, "DKIM-Signature: v=1;");
	col += 20;
	n = snprintf(tok, sizeof(tok), "a=%s;", dkim_sig_alg_name(sp->alg));
	put_token(out, &col, tok, n);
	n = snprintf(tok, sizeof(tok), "c=%s/%s;",
	    dkim_canon_name(sp->hcanon), dkim_canon_name(sp->bcanon));
	put_token(out, &col, tok, n);
	n = snprintf(tok, sizeof(tok), "d=%s;", sp->d);
	put_token(out, &col, tok, n);
	if (sp->i != NULL)
		put_i(out, &col, sp->i);
	if (sp->q)
		put_token(out, &col, "q=dns/txt;", 10);
	n = snprintf(tok, sizeof(tok), "s=%s;", sp->s);
	put_token(out, &col, tok, n);
	if (sp->t >= 0) {
		n = snprintf(tok, sizeof(tok), "t=%lld;", sp->t);
		put_token(out, &col, tok, n);
	}
	if (sp->x >= 0) {
		n = snprintf(tok, sizeof(tok), "x=%lld;", sp->x);
		put_token(out, &col, tok, n);
	}
	put_h(out, &col, sp);
	crypto_b64_encode(sp->bh, sp->bhlen, b64, sizeof(b64));
	n = snprintf(tok, sizeof(tok), "bh=%s;", b64);
	if (n + 1 <= SIG_LINE_MAX)
		put_token(out, &col, tok, n);
	else {
		put_token(out, &col, "bh=", 3);
		put_breakable(out, &col, tok + 3, n - 3);
	}
	/* " b=" and at least a few signature characters on this line */
	if (col + 1 + 2 + 8 <= SIG_LINE_MAX)
		buf_add(out, " b=", 3);
	else
		buf_add(out, "\r\n\tb=", 5);
	return buf_error(out) ? -1 : 0;
}

/*
 * dkim_sig_add_b - the signature value, base64, folded at the line
 * limit, then the CRLF that ends the field.
 */
int
dkim_sig_add_b(struct buf *out, const unsigned char *sig, size_t siglen)
{
	char	 b64[4 * ((CRYPTO_MAX_SIG + 2) / 3) + 1];
	size_t	 col, n;

	if (siglen > CRYPTO_MAX_SIG)
		return -1;
	n = crypto_b64_encode(sig, siglen, b64, sizeof(b64));
	col = line_col(out);
	put_breakable(out, &col, b64, n);
	buf_add(out, "\r\n", 2);
	return buf_error(out) ? -1 : 0;
}

/*
 * field_is - the field's name equals name, ignoring case and any WSP
 * before the colon (obsolete syntax).
 */
static int
field_is(const struct rfc5322_field *f, const struct dkim_name *name)
{
	size_t	 n = f->namelen;

	while (n > 0 && (f->name[n - 1] == ' ' || f->name[n - 1] == '\t'))
		n--;
	return dkim_ci_eqn(f->name, n, name->p, name->len);
}

/*
 * dkim_sig_header_input - RFC 6376 3.7 step 2 input: the h= fields
 * selected bottom-up (5.4.2), then the signature field with b= emptied
 * and no final CRLF.
 */
int
dkim_sig_header_input(enum dkim_canon canon, const struct rfc5322_hdr *hdr,
    size_t sigidx, const struct dkim_name *h, size_t nh, const char *sig,
    size_t siglen, struct buf *out)
{
	struct dkim_taglist tl;
	const struct dkim_tag *b;
	const char	*colon, *why;
	struct buf	 tmp;
	size_t		 i, k, want, seen, nfields, before;
	ssize_t		 idx;
	int		 r;

	nfields = hdr != NULL ? hdr->nfields : 0;
	for (i = 0; i < nh; i++) {
		/* the how-many-th use of this name in h= */
		for (want = 0, k = 0; k < i; k++)
			if (dkim_ci_eqn(h[k].p, h[k].len, h[i].p, h[i].len))
				want++;
		seen = 0;
		for (idx = (ssize_t)nfields - 1; idx >= 0; idx--) {
			if ((size_t)idx == sigidx ||
			    !field_is(&hdr->fields[idx], &h[i]))
				continue;
			if (seen++ == want) {
				dkim_canon_header(canon,
				    hdr->fields[idx].raw,
				    hdr->fields[idx].rawlen, out);
				break;
			}
		}
	}

	/* the signature field itself, b= value deleted (RFC 6376 3.7) */
	if (siglen >= 2 && sig[siglen - 2] == '\r' && sig[siglen - 1] == '\n')
		siglen -= 2;
	if ((colon = memchr(sig, ':', siglen)) == NULL)
		return -1;
	if (dkim_tag_parse(&tl, colon + 1, siglen - (colon + 1 - sig),
	    &why) == -1 || (b = dkim_tag_find(&tl, "b")) == NULL)
		return -1;
	buf_init(&tmp, siglen);
	before = b->span - sig;
	buf_add(&tmp, sig, before);
	buf_add(&tmp, b->span + b->spanlen, siglen - before - b->spanlen);
	before = buf_len(out);
	r = dkim_canon_header(canon, buf_data(&tmp), buf_len(&tmp), out);
	buf_clear(&tmp);
	if (r == -1 || buf_error(out))
		return -1;
	/* dkim_canon_header always ends in CRLF: drop it */
	if (buf_len(out) >= before + 2)
		buf_truncate(out, buf_len(out) - 2);
	return 0;
}
