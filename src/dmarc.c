/*
 * dmarc.c - DMARC (RFC 9989) on the asynchronous DNS of dns.h. See
 * dmarc.h.
 *
 * Every _dmarc TXT look-up goes through a per-message cache, so the Tree
 * Walks from the Author Domain and from each authenticated identifier
 * (RFC 9989 4.10.2) share their answers (they usually meet at the
 * Organizational Domain and above). A walk issues its (at most eight)
 * queries together but consumes the answers in order, from the longest
 * name to the shortest, and stops at a record with psd=y or psd=n (RFC
 * 9989 4.10 steps 2 and 6), so its outcome is that of the sequential
 * walk. After every answer dmarc_progress() recomputes what can be
 * decided; the result is delivered from the event loop through a timer.
 */
#include "autoconf.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "dmarc.h"
#include "dns.h"
#include "log.h"
#include "xmalloc.h"

#define DMARC_NWALK	(1 + DMARC_MAX_IDS)
#define DMARC_CACHE_MAX	(DMARC_NWALK * DMARC_WALK_MAX)

enum dmarc_cstate {
	CE_FREE = 0,
	CE_PENDING,
	CE_DONE
};

/* one _dmarc.<name> TXT look-up */
struct dmarc_centry {
	struct dmarc_req	*req;
	struct dns_query	*q;
	enum dmarc_cstate	 state;
	char			 name[DMARC_DOMAIN_MAX];
	enum dns_status		 status;
	enum dns_sec		 sec;
	int			 found;	/* exactly one DMARC record */
	struct dmarc_record	 rec;
};

struct dmarc_walk {
	char	 start[DMARC_DOMAIN_MAX];
	int	 tgt[DMARC_WALK_MAX];	/* cache indices, longest first */
	int	 ntgt;
	int	 next;			/* next answer to consume */
	int	 done;
	int	 error;			/* a DNS error before the end */
	char	 org[DMARC_DOMAIN_MAX];	/* when done without error */
};

/* policy discovery states */
enum dmarc_pstate {
	PS_UNKNOWN = 0,
	PS_KNOWN,
	PS_NONE,		/* no record: DMARC does not apply */
	PS_TEMPERROR,
	PS_PERMERROR
};

static const char *const dmarc_pstate_names[] = {
	"unknown", "known", "none", "temperror", "permerror"
};

/* alignment states of one identifier */
enum dmarc_astate {
	AS_UNDECIDED = 0,
	AS_ALIGNED,
	AS_NOT,
	AS_WALK,		/* waiting for its Tree Walk */
	AS_ERROR
};

static const char *const dmarc_astate_names[] = {
	"undecided", "aligned", "not-aligned", "walking", "error"
};

struct dmarc_id {
	char			 domain[DMARC_DOMAIN_MAX];
	int			 is_spf;
	int			 tempfail;	/* temperror, not a pass */
	enum dmarc_astate	 state;
	int			 walk;
};

struct dmarc_req {
	struct event_base	*base;
	struct dns		*dns;
	struct event		*timer;
	dmarc_done_fn		 done;
	void			*arg;
	int			 evaluated;
	int			 finished;
	struct dmarc_result	 res;
	enum dns_sec		 sec;

	char			 author[DMARC_DOMAIN_MAX];
	struct dmarc_centry	 cache[DMARC_CACHE_MAX];
	int			 ncache;
	struct dmarc_walk	 walks[DMARC_NWALK];
	int			 nwalks;

	/* existence of the Author Domain, for np (RFC 9989 4.10.1, A.4) */
	struct dns_query	*exq;
	int			 ex_state;	/* 0 no, 1 asked, 2 done */
	enum dns_status		 ex_status;

	/* policy discovery */
	enum dmarc_pstate	 pstate;
	char			 preason[DMARC_REASON_MAX];
	struct dmarc_record	 prec;

	struct dmarc_id		 ids[DMARC_MAX_IDS];
	int			 nids;
};

static int	 dmarc_name_norm(const char *, char *);
static int	 dmarc_utf8_label(const unsigned char *, size_t, char *,
		    size_t);
static uint32_t	 dmarc_adapt(uint32_t, uint32_t, int);
static int	 dmarc_nlabels(const char *);
static const char *dmarc_suffix(const char *, int);
static int	 dmarc_is_suffix(const char *, const char *);
static int	 dmarc_policy_value(const char *, size_t);
static int	 dmarc_uri_one(const char *, size_t);
static int	 dmarc_uri_ok(const char *, size_t);
static int	 dmarc_ieq(const char *, size_t, const char *);
static void	 dmarc_safe_copy(char *, size_t, const char *);
static int	 dmarc_cache_get(struct dmarc_req *, const char *);
static void	 dmarc_txt_cb(void *, const struct dns_answer *);
static void	 dmarc_exist_cb(void *, const struct dns_answer *);
static int	 dmarc_walk_start(struct dmarc_req *, const char *);
static void	 dmarc_walk_advance(struct dmarc_req *, struct dmarc_walk *);
static void	 dmarc_walk_org(struct dmarc_req *, struct dmarc_walk *);
static void	 dmarc_policy_step(struct dmarc_req *);
static void	 dmarc_align_step(struct dmarc_req *, struct dmarc_id *, int);
static void	 dmarc_progress(struct dmarc_req *);
static void	 dmarc_finish(struct dmarc_req *, enum dmarc_res,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static void	 dmarc_cancel_all(struct dmarc_req *);
static void	 dmarc_preason(struct dmarc_req *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 dmarc_timer_cb(evutil_socket_t, short, void *);
static void	 dmarc_note_sec(struct dmarc_req *, enum dns_status,
		    enum dns_sec);

static const char *const dmarc_res_names[] = {
	"none", "pass", "fail", "temperror", "permerror"
};

static const char *const dmarc_policy_names[] = {
	"none", "quarantine", "reject"
};

const char *
dmarc_result_name(enum dmarc_res r)
{
	if ((size_t)r >= sizeof(dmarc_res_names) / sizeof(dmarc_res_names[0]))
		return "permerror";
	return dmarc_res_names[r];
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	if ((size_t)p >= sizeof(dmarc_policy_names) /
	    sizeof(dmarc_policy_names[0]))
		return "none";
	return dmarc_policy_names[p];
}

/* ---------------------------------------------------------------- */
/* the record parser (pure)                                          */

/*
 * dmarc_ieq - p/n equals the lower-case word w, ignoring ASCII case
 * (ABNF strings are case-insensitive, RFC 5234 2.3).
 */
static int
dmarc_ieq(const char *p, size_t n, const char *w)
{
	size_t	 i;
	int	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if (w[i] == '\0' || c != w[i])
			return 0;
	}
	return w[n] == '\0';
}

/* dmarc_policy_value - dmarc-request, or -2 */
static int
dmarc_policy_value(const char *v, size_t n)
{
	if (dmarc_ieq(v, n, "none"))
		return DMARC_POLICY_NONE;
	if (dmarc_ieq(v, n, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (dmarc_ieq(v, n, "reject"))
		return DMARC_POLICY_REJECT;
	return -2;
}

/*
 * dmarc_uri_one - is v/n one dmarc-uri, or an obs-dmarc-uri (with RFC
 * 7489's "!size" suffix), of RFC 9989 4.8: an RFC 3986 URI (section 3:
 * scheme ":" then the characters a URI may hold, percent-encodings well
 * formed, at most one "#"), in which "," and "!" are percent-encoded?
 */
static int
dmarc_uri_one(const char *v, size_t n)
{
	static const char	 other[] = "-._~$&'()*+;=:/?[]@";
	size_t			 i, e, d;
	int			 c, hash = 0;

#define ALPHA(c)	(((c) >= 'a' && (c) <= 'z') || \
			    ((c) >= 'A' && (c) <= 'Z'))
#define DIGIT(c)	((c) >= '0' && (c) <= '9')
#define HEXDIG(c)	(DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || \
			    ((c) >= 'A' && (c) <= 'F'))
	/* obs-dmarc-report-size = "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] */
	for (e = 0; e < n && v[e] != '!'; e++)
		;
	if (e < n) {
		for (d = e + 1; d < n && DIGIT(v[d]); d++)
			;
		if (d == e + 1)
			return 0;
		if (d < n && strchr("kmgtKMGT", v[d]) != NULL)
			d++;
		if (d != n)
			return 0;
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (e == 0 || !ALPHA(v[0]))
		return 0;
	for (i = 1; i < e && (ALPHA(v[i]) || DIGIT(v[i]) || v[i] == '+' ||
	    v[i] == '-' || v[i] == '.'); i++)
		;
	if (i >= e || v[i] != ':')
		return 0;
	for (i++; i < e; i++) {
		c = (unsigned char)v[i];
		if (c == '%') {
			if (i + 2 >= e || !HEXDIG(v[i + 1]) ||
			    !HEXDIG(v[i + 2]))
				return 0;
			i += 2;
		} else if (c == '#') {
			if (hash++)
				return 0;
		} else if (!ALPHA(c) && !DIGIT(c) &&
		    (c == '\0' || strchr(other, c) == NULL))
			return 0;
	}
#undef ALPHA
#undef DIGIT
#undef HEXDIG
	return 1;
}

/*
 * dmarc_uri_ok - does a dmarc-urilist (RFC 9989 4.8: URIs separated by
 * *WSP "," *WSP) hold at least one syntactically valid reporting URI (RFC
 * 9989 4.10.1)?
 */
static int
dmarc_uri_ok(const char *v, size_t n)
{
	size_t	 i = 0, s, e;

	while (i <= n) {
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (s < e && (v[s] == ' ' || v[s] == '\t'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (dmarc_uri_one(v + s, e - s))
			return 1;
		i++;
	}
	return 0;
}

/*
 * dmarc_record_parse - RFC 9989 4.7, 4.8:
 *   dmarc-record  = dmarc-version *(dmarc-sep dmarc-tag) [dmarc-sep]
 *   dmarc-version = "v" equals %s"DMARC1"
 *   dmarc-sep = *WSP ";" *WSP; equals = *WSP "=" *WSP
 *   dmarc-tag = 1*ALPHA equals 1*dmarc-value
 * A record that does not start with v=DMARC1 is not a DMARC record (4.7:
 * "v" first; the tag name is an ABNF string, so "V" too, RFC 5234 2.3;
 * the value is case-sensitive, RFC 7405). In the rest, unknown tags are
 * ignored (4.7), and so are pct, rf and ri, which RFC 9989 removed (C.5.2;
 * pct is only reported); a tag with a syntax error is discarded in favour
 * of its default (4.8); for p, sp and np that is noted (-2), since 4.10.1
 * treats such records specially. The first of duplicate tags counts.
 */
int
dmarc_record_parse(const char *p, size_t len, struct dmarc_record *rec)
{
	size_t	 i = 0, ns, ne, vs, ve;
	int	 seen = 0, bit, v;

	memset(rec, 0, sizeof(*rec));
	rec->p = rec->sp = rec->np = -1;
	rec->pct = -1;
	rec->adkim = rec->aspf = 'r';
	rec->psd = 'u';
	rec->t = 'n';

#define WSP(c)	((c) == ' ' || (c) == '\t')
	if (len == 0 || (p[0] != 'v' && p[0] != 'V'))
		return -1;
	i++;
	while (i < len && WSP(p[i]))
		i++;
	if (i >= len || p[i] != '=')
		return -1;
	i++;
	while (i < len && WSP(p[i]))
		i++;
	if (len - i < 6 || memcmp(p + i, "DMARC1", 6) != 0)
		return -1;
	i += 6;
	while (i < len && WSP(p[i]))
		i++;
	if (i < len && p[i] != ';')
		return -1;

	while (i < len) {
		/* at a ";" */
		i++;
		while (i < len && WSP(p[i]))
			i++;
		if (i >= len)
			break;
		ns = i;
		while (i < len && ((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z')))
			i++;
		ne = i;
		while (i < len && WSP(p[i]))
			i++;
		if (ne == ns || i >= len || p[i] != '=') {
			/* not a tag: discard up to the next separator */
			while (i < len && p[i] != ';')
				i++;
			continue;
		}
		i++;
		while (i < len && WSP(p[i]))
			i++;
		vs = i;
		while (i < len && p[i] != ';')
			i++;
		ve = i;
		while (ve > vs && WSP(p[ve - 1]))
			ve--;
		/*
		 * dmarc-value = %x20-3A / %x3C-7E, and the WSP the value
		 * rule of a tag may hold (dmarc-urilist: HTAB)
		 */
		for (v = 0; vs + (size_t)v < ve; v++)
			if (((unsigned char)p[vs + v] < 0x20 &&
			    p[vs + v] != '\t') ||
			    (unsigned char)p[vs + v] > 0x7e)
				break;
		if (vs + (size_t)v < ve || ve == vs)
			ve = vs = 0;	/* no usable value */

		if (dmarc_ieq(p + ns, ne - ns, "p"))
			bit = 1;
		else if (dmarc_ieq(p + ns, ne - ns, "sp"))
			bit = 2;
		else if (dmarc_ieq(p + ns, ne - ns, "np"))
			bit = 4;
		else if (dmarc_ieq(p + ns, ne - ns, "adkim"))
			bit = 8;
		else if (dmarc_ieq(p + ns, ne - ns, "aspf"))
			bit = 16;
		else if (dmarc_ieq(p + ns, ne - ns, "psd"))
			bit = 32;
		else if (dmarc_ieq(p + ns, ne - ns, "t"))
			bit = 64;
		else if (dmarc_ieq(p + ns, ne - ns, "pct"))
			bit = 128;
		else if (dmarc_ieq(p + ns, ne - ns, "rua"))
			bit = 256;
		else
			continue;	/* fo, ruf, rf, ri, unknown */
		if (seen & bit)
			continue;
		seen |= bit;
		switch (bit) {
		case 1:
			rec->p = dmarc_policy_value(p + vs, ve - vs);
			break;
		case 2:
			rec->sp = dmarc_policy_value(p + vs, ve - vs);
			break;
		case 4:
			rec->np = dmarc_policy_value(p + vs, ve - vs);
			break;
		case 8:
		case 16:
			if (ve - vs == 1 && (dmarc_ieq(p + vs, 1, "r") ||
			    dmarc_ieq(p + vs, 1, "s"))) {
				if (bit == 8)
					rec->adkim = (char)(p[vs] | 0x20);
				else
					rec->aspf = (char)(p[vs] | 0x20);
			}
			break;
		case 32:
			if (ve - vs == 1 && (dmarc_ieq(p + vs, 1, "y") ||
			    dmarc_ieq(p + vs, 1, "n") ||
			    dmarc_ieq(p + vs, 1, "u")))
				rec->psd = (char)(p[vs] | 0x20);
			break;
		case 64:
			if (ve - vs == 1 && (dmarc_ieq(p + vs, 1, "y") ||
			    dmarc_ieq(p + vs, 1, "n")))
				rec->t = (char)(p[vs] | 0x20);
			break;
		case 128:
			/* RFC 7489 6.3: 0..100; reported, never applied */
			rec->pct = -2;
			if (ve > vs && ve - vs <= 3) {
				int	 n = 0;
				size_t	 k;

				for (k = vs; k < ve; k++) {
					if (p[k] < '0' || p[k] > '9')
						break;
					n = n * 10 + (p[k] - '0');
				}
				if (k == ve && n <= 100)
					rec->pct = n;
			}
			break;
		case 256:
			rec->rua_valid = dmarc_uri_ok(p + vs, ve - vs);
			break;
		}
	}
#undef WSP
	return 0;
}

/* ---------------------------------------------------------------- */
/* names                                                             */

/*
 * dmarc_name_norm - the name as DMARC compares and looks it up, into out
 * (DMARC_DOMAIN_MAX bytes): ASCII lower case, no trailing dot, and every
 * label holding UTF-8 converted to its A-label (RFC 9989 5.3.1: U-labels
 * MUST be converted, RFC 5890 2.3.2.1); -1 if the input is not UTF-8 or
 * the result is no usable DNS name (labels of 1..63 bytes, 253 in all).
 */
static int
dmarc_name_norm(const char *in, char *out)
{
	const unsigned char	*u = (const unsigned char *)in;
	size_t			 n = strlen(in), s, e, i, o = 0;
	int			 l, ascii;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > 4 * 253)
		return -1;
	for (s = 0; s <= n; s = e + 1) {
		for (e = s; e < n && u[e] != '.'; e++)
			;
		if (e == s)
			return -1;
		ascii = 1;
		for (i = s; i < e; i++)
			if (u[i] >= 0x80)
				ascii = 0;
			else if (u[i] <= 0x20 || u[i] == 0x7f || u[i] == '[' ||
			    u[i] == ']' || u[i] == '@')
				return -1;
		if (o > 0) {
			if (o + 2 > 253)
				return -1;
			out[o++] = '.';
		}
		if (ascii) {
			if (e - s > 63 || o + (e - s) > 253)
				return -1;
			for (i = s; i < e; i++)
				out[o++] = (char)(u[i] >= 'A' && u[i] <= 'Z' ?
				    u[i] - 'A' + 'a' : u[i]);
		} else {
			if ((l = dmarc_utf8_label(u + s, e - s, out + o,
			    253 - o)) == -1)
				return -1;
			o += (size_t)l;
		}
	}
	out[o] = '\0';
	return 0;
}

/*
 * dmarc_adapt - the bias adaptation function of RFC 3492 6.1 (Punycode:
 * base 36, tmin 1, tmax 26, skew 38, damp 700).
 */
static uint32_t
dmarc_adapt(uint32_t delta, uint32_t npoints, int first)
{
	uint32_t	 k = 0;

	delta = first ? delta / 700 : delta / 2;
	delta += delta / npoints;
	while (delta > ((36 - 1) * 26) / 2) {
		delta /= 36 - 1;
		k += 36;
	}
	return k + (36 * delta) / (delta + 38);
}

/*
 * dmarc_utf8_label - the A-label of the UTF-8 label u/n: "xn--" and the
 * Punycode encoding (RFC 3492 6.3) of its code points, ASCII letters
 * lowered, into out (room bytes, not terminated). Returns its length, or
 * -1 for bad UTF-8 (RFC 3629 3: no overlong forms, no surrogates) or an
 * A-label longer than 63 bytes or than room.
 */
static int
dmarc_utf8_label(const unsigned char *u, size_t n, char *out, size_t room)
{
	uint32_t	 cp[64], c, m, delta, bias, h, b, q, k, t, d, min;
	size_t		 i, j, len, ncp = 0, o;
	char		 a[64];

	for (i = 0; i < n; i += len) {
		c = u[i];
		if (c < 0x80) {
			len = 1;
			min = 0;
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			c &= 0x07;
			min = 0x10000;
		} else
			return -1;
		if (len > n - i)
			return -1;
		for (j = 1; j < len; j++) {
			if ((u[i + j] & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (u[i + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
		if (ncp == sizeof(cp) / sizeof(cp[0]))
			return -1;	/* more than 63 bytes anyway */
		cp[ncp++] = c;
	}

#define EMIT(x)	do {							\
		if (o >= 63)						\
			return -1;					\
		a[o++] = (char)(x);					\
	} while (0)
#define DIGIT36(x)	((x) < 26 ? 'a' + (x) : '0' + (x) - 26)
	memcpy(a, "xn--", 4);
	o = 4;
	for (j = 0; j < ncp; j++)
		if (cp[j] < 0x80)
			EMIT(cp[j]);
	h = b = (uint32_t)(o - 4);
	if (b > 0)
		EMIT('-');
	c = 0x80;
	delta = 0;
	bias = 72;
	/* at most 64 code points up to 0x10ffff: no overflow in 32 bits */
	while (h < ncp) {
		for (m = UINT32_MAX, j = 0; j < ncp; j++)
			if (cp[j] >= c && cp[j] < m)
				m = cp[j];
		delta += (m - c) * (h + 1);
		c = m;
		for (j = 0; j < ncp; j++) {
			if (cp[j] < c)
				delta++;
			if (cp[j] != c)
				continue;
			for (q = delta, k = 36;; k += 36) {
				t = k <= bias ? 1 : k >= bias + 26 ? 26 :
				    k - bias;
				if (q < t)
					break;
				d = t + (q - t) % (36 - t);
				EMIT(DIGIT36(d));
				q = (q - t) / (36 - t);
			}
			EMIT(DIGIT36(q));
			bias = dmarc_adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		c++;
	}
#undef EMIT
#undef DIGIT36
	if (o > room)
		return -1;
	memcpy(out, a, o);
	return (int)o;
}

/* dmarc_nlabels - number of labels of a normalized name */
static int
dmarc_nlabels(const char *s)
{
	int	 n = 1;

	for (; *s != '\0'; s++)
		if (*s == '.')
			n++;
	return n;
}

/* dmarc_suffix - the right-most k labels of s (a pointer into s) */
static const char *
dmarc_suffix(const char *s, int k)
{
	int	 n = dmarc_nlabels(s);

	while (n > k && (s = strchr(s, '.')) != NULL) {
		s++;
		n--;
	}
	return s;
}

/* dmarc_is_suffix - is name equal to dom, or below it? */
static int
dmarc_is_suffix(const char *name, const char *dom)
{
	size_t	 n = strlen(name), d = strlen(dom);

	if (d == 0 || n < d || strcmp(name + n - d, dom) != 0)
		return 0;
	return n == d || name[n - d - 1] == '.';
}

/*
 * dmarc_safe_copy - text for A-R comments and logs: printable ASCII
 * without parentheses, backslash and double quote.
 */
static void
dmarc_safe_copy(char *dst, size_t sz, const char *src)
{
	size_t	 i;
	int	 c;

	for (i = 0; src[i] != '\0' && i + 1 < sz; i++) {
		c = (unsigned char)src[i];
		if (c < 0x20 || c > 0x7e || c == '(' || c == ')' ||
		    c == '\\' || c == '"')
			c = '?';
		dst[i] = (char)c;
	}
	dst[i] = '\0';
}

/* ---------------------------------------------------------------- */
/* requests                                                          */

struct dmarc_req *
dmarc_new(struct event_base *base, struct dns *dns, const char *const *from,
    size_t nfrom)
{
	struct dmarc_req	*r;
	char			 a[DMARC_DOMAIN_MAX], b[DMARC_DOMAIN_MAX];
	size_t			 i;

	if (base == NULL || dns == NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->dns = dns;
	r->sec = DNS_SEC_SECURE;
	r->res.sec = DNS_SEC_INSECURE;
	r->res.adkim = r->res.aspf = 'r';
	if ((r->timer = evtimer_new(base, dmarc_timer_cb, r)) == NULL)
		fatalx("dmarc: cannot create a timer");

	/* RFC 9989 5.3.1: exactly one Author Domain */
	if (nfrom == 0 || from == NULL || from[0] == NULL ||
	    from[0][0] == '\0') {
		r->pstate = PS_PERMERROR;
		dmarc_preason(r, "no From domain");
		return r;
	}
	if (dmarc_name_norm(from[0], a) == -1) {
		dmarc_safe_copy(r->res.from_domain,
		    sizeof(r->res.from_domain), from[0]);
		r->pstate = PS_PERMERROR;
		dmarc_preason(r, "unusable From domain");
		return r;
	}
	memcpy(r->author, a, sizeof(a));
	memcpy(r->res.from_domain, a, sizeof(a));
	for (i = 1; i < nfrom; i++)
		if (from[i] == NULL || dmarc_name_norm(from[i], b) == -1 ||
		    strcmp(a, b) != 0) {
			r->pstate = PS_PERMERROR;
			dmarc_preason(r, "several From domains");
			return r;
		}
	/* RFC 9989 4.10.1: the walk from the Author Domain */
	(void)dmarc_walk_start(r, r->author);
	return r;
}

void
dmarc_evaluate(struct dmarc_req *r, const struct dmarc_auth *auth,
    dmarc_done_fn done, void *arg)
{
	struct dmarc_id	*id;
	char		 n[DMARC_DOMAIN_MAX];
	size_t		 i;
	int		 k, dup, pass;

	if (r == NULL || r->evaluated)
		return;
	r->evaluated = 1;
	r->done = done;
	r->arg = arg;
	/*
	 * RFC 9989 4.3, 4.4: SPF (MAIL FROM identity) pass, DKIM passes; and
	 * the inconclusive ones (temperror), which matter if aligned
	 */
	if (auth != NULL && (auth->spf == SPF_RES_PASS ||
	    auth->spf == SPF_RES_TEMPERROR) && auth->spf_domain != NULL &&
	    dmarc_name_norm(auth->spf_domain, n) == 0) {
		id = &r->ids[r->nids++];
		memcpy(id->domain, n, sizeof(n));
		id->is_spf = 1;
		id->tempfail = auth->spf != SPF_RES_PASS;
	}
	/* passes first, so that they win the slots */
	for (pass = 1; pass >= 0; pass--)
		for (i = 0; auth != NULL && i < auth->ndkim &&
		    r->nids < DMARC_MAX_IDS; i++) {
			if ((pass ? !auth->dkim[i].pass :
			    auth->dkim[i].pass || !auth->dkim[i].temperror) ||
			    auth->dkim[i].domain == NULL ||
			    dmarc_name_norm(auth->dkim[i].domain, n) == -1)
				continue;
			dup = 0;
			for (k = 0; k < r->nids; k++)
				if (!r->ids[k].is_spf &&
				    strcmp(r->ids[k].domain, n) == 0)
					dup = 1;
			if (dup)
				continue;
			id = &r->ids[r->nids++];
			memcpy(id->domain, n, sizeof(n));
			id->tempfail = !pass;
		}
	dmarc_progress(r);
}

struct dmarc_req *
dmarc_check(struct event_base *base, struct dns *dns, const char *from,
    const struct dmarc_auth *auth, dmarc_done_fn done, void *arg)
{
	struct dmarc_req	*r;

	if ((r = dmarc_new(base, dns, &from, from != NULL ? 1 : 0)) == NULL)
		return NULL;
	dmarc_evaluate(r, auth, done, arg);
	return r;
}

void
dmarc_free(struct dmarc_req *r)
{
	if (r == NULL)
		return;
	dmarc_cancel_all(r);
	if (r->timer != NULL)
		event_free(r->timer);
	free(r);
}

/*
 * dmarc_preason - note why policy discovery ended as it did.
 */
static void
dmarc_preason(struct dmarc_req *r, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->preason, sizeof(r->preason), fmt, ap);
	va_end(ap);
}

/*
 * dmarc_cancel_all - cancel every query still pending.
 */
static void
dmarc_cancel_all(struct dmarc_req *r)
{
	int	 i;

	for (i = 0; i < r->ncache; i++)
		if (r->cache[i].state == CE_PENDING && r->cache[i].q != NULL) {
			dns_cancel(r->cache[i].q);
			r->cache[i].q = NULL;
			r->cache[i].state = CE_DONE;
			r->cache[i].status = DNS_TEMPFAIL;
		}
	if (r->ex_state == 1 && r->exq != NULL) {
		dns_cancel(r->exq);
		r->exq = NULL;
		r->ex_state = 2;
		r->ex_status = DNS_TEMPFAIL;
	}
}

/*
 * dmarc_cache_get - the cache entry for _dmarc.<name>, started if new;
 * -1 if the cache is full (cannot happen within the bounds).
 */
static int
dmarc_cache_get(struct dmarc_req *r, const char *name)
{
	struct dmarc_centry	*e;
	char			 q[DMARC_DOMAIN_MAX + 8];
	int			 i;

	for (i = 0; i < r->ncache; i++)
		if (strcmp(r->cache[i].name, name) == 0)
			return i;
	if (r->ncache >= DMARC_CACHE_MAX)
		return -1;
	e = &r->cache[r->ncache];
	memset(e, 0, sizeof(*e));
	e->req = r;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(q, sizeof(q), "_dmarc.%s", name);
	e->state = CE_PENDING;
	e->q = dns_lookup(r->dns, q, DNS_T_TXT, dmarc_txt_cb, e);
	if (e->q == NULL) {
		e->state = CE_DONE;
		e->status = DNS_TEMPFAIL;
	}
	return r->ncache++;
}

/*
 * dmarc_txt_cb - a _dmarc answer: keep the single DMARC record, if
 * there is exactly one (RFC 9989 4.10 steps 2, 6: records not starting
 * with v=DMARC1 are discarded, several are all discarded). Records of
 * any length count (no RDATA exceeds DMARC_RECORD_MAX).
 */
static void
dmarc_txt_cb(void *arg, const struct dns_answer *a)
{
	struct dmarc_centry	*e = arg;
	struct dmarc_record	 rec;
	char			*buf;
	size_t			 i, j, o, l, max = 0;
	int			 n = 0, bad;

	e->q = NULL;
	e->state = CE_DONE;
	e->status = a->status;
	e->sec = a->sec;
	if (a->status == DNS_OK && a->nrr == 0)
		e->status = DNS_NODATA;
	if (e->status == DNS_OK) {
		for (i = 0; i < a->nrr; i++)
			if (a->rr[i].len > max)
				max = a->rr[i].len;
		if (max > DMARC_RECORD_MAX)
			max = DMARC_RECORD_MAX;
		buf = xmalloc(max + 1);
		for (i = 0; i < a->nrr; i++) {
			/* RFC 9989 4.5: the strings joined, in order */
			o = 0;
			bad = 0;
			for (j = 0; j < a->rr[i].len; j += 1 + l) {
				l = a->rr[i].data[j];
				if (j + 1 + l > a->rr[i].len || o + l > max) {
					bad = 1;
					break;
				}
				memcpy(buf + o, a->rr[i].data + j + 1, l);
				o += l;
			}
			if (bad || dmarc_record_parse(buf, o, &rec) == -1)
				continue;
			if (n++ == 0)
				e->rec = rec;
		}
		free(buf);
		e->found = n == 1;
	}
	dmarc_progress(e->req);
}

/*
 * dmarc_walk_start - RFC 9989 4.10: the targets of a Tree Walk from start:
 * start itself, then (eight or fewer labels) its parent, or (more) its
 * right-most seven labels, then one label less each time down to the
 * top-level domain. All queries are issued now. Returns the walk index.
 */
static int
dmarc_walk_start(struct dmarc_req *r, const char *start)
{
	struct dmarc_walk	*w;
	int			 i, x, k, c;

	for (i = 0; i < r->nwalks; i++)
		if (strcmp(r->walks[i].start, start) == 0)
			return i;
	if (r->nwalks >= DMARC_NWALK)
		return -1;
	w = &r->walks[r->nwalks];
	memset(w, 0, sizeof(*w));
	snprintf(w->start, sizeof(w->start), "%s", start);
	x = dmarc_nlabels(start);
	if ((c = dmarc_cache_get(r, start)) == -1)
		return -1;
	w->tgt[w->ntgt++] = c;
	for (k = x - 1 < 7 ? x - 1 : 7; k >= 1; k--) {
		if ((c = dmarc_cache_get(r, dmarc_suffix(start, k))) == -1)
			return -1;
		w->tgt[w->ntgt++] = c;
	}
	return r->nwalks++;
}

/*
 * dmarc_note_sec - fold an answer into the DNSSEC aggregate.
 */
static void
dmarc_note_sec(struct dmarc_req *r, enum dns_status st, enum dns_sec sec)
{
	if (st == DNS_BOGUS || sec == DNS_SEC_BOGUS)
		r->sec = DNS_SEC_BOGUS;
	else if (sec != DNS_SEC_SECURE && r->sec == DNS_SEC_SECURE)
		r->sec = DNS_SEC_INSECURE;
}

/*
 * dmarc_walk_advance - consume the answers that are in, in order; a
 * record with psd=y or psd=n ends the walk (RFC 9989 4.10 steps 2, 6), a DNS
 * error makes its outcome unknown.
 */
static void
dmarc_walk_advance(struct dmarc_req *r, struct dmarc_walk *w)
{
	struct dmarc_centry	*e;

	while (!w->done && w->next < w->ntgt) {
		e = &r->cache[w->tgt[w->next]];
		if (e->state != CE_DONE)
			return;
		dmarc_note_sec(r, e->status, e->sec);
		if (e->status == DNS_TEMPFAIL || e->status == DNS_BOGUS) {
			w->error = 1;
			w->done = 1;
			return;
		}
		w->next++;
		if (e->found && (e->rec.psd == 'y' || e->rec.psd == 'n'))
			w->done = 1;
	}
	w->done = 1;
	if (!w->error)
		dmarc_walk_org(r, w);
}

/*
 * dmarc_walk_org - RFC 9989 4.10.2: the Organizational Domain from the
 * records the walk found, longest name first: psd=n names it; psd=y
 * (other than at the start) names the domain one label below; else the
 * record with the fewest labels; without records, the start.
 */
static void
dmarc_walk_org(struct dmarc_req *r, struct dmarc_walk *w)
{
	struct dmarc_centry	*e;
	const char		*org = w->start;
	int			 i;

	for (i = 0; i < w->next; i++) {
		e = &r->cache[w->tgt[i]];
		if (!e->found)
			continue;
		if (e->rec.psd == 'n') {
			org = e->name;
			break;
		}
		if (e->rec.psd == 'y' && i > 0) {
			org = dmarc_suffix(w->start,
			    dmarc_nlabels(e->name) + 1);
			break;
		}
		org = e->name;
	}
	snprintf(w->org, sizeof(w->org), "%s", org);
}

/*
 * dmarc_exist_cb - answer to the existence test of the Author Domain
 * (RFC 9989 A.4: NXDOMAIN means it does not exist, anything else that it
 * does).
 */
static void
dmarc_exist_cb(void *arg, const struct dns_answer *a)
{
	struct dmarc_req	*r = arg;

	r->exq = NULL;
	r->ex_state = 2;
	r->ex_status = a->status;
	dmarc_note_sec(r, a->status, a->sec);
	dmarc_progress(r);
}

/*
 * dmarc_policy_step - RFC 9989 4.10.1: the record of the Author Domain; else
 * that of its Organizational Domain; else that of its Public Suffix
 * Domain. For a subdomain, sp applies if the Author Domain exists and np
 * if it does not, each falling back to p.
 */
static void
dmarc_policy_step(struct dmarc_req *r)
{
	struct dmarc_walk	*w = &r->walks[0];
	struct dmarc_centry	*e0, *e, *use = NULL, *psd = NULL;
	const struct dmarc_record *rec;
	int			 i, tag = DMARC_TAG_P, pol;

	if (r->nwalks == 0) {
		r->pstate = PS_TEMPERROR;
		dmarc_preason(r, "internal error");
		return;
	}
	e0 = &r->cache[w->tgt[0]];
	if (e0->state != CE_DONE)
		return;
	if (e0->status == DNS_TEMPFAIL || e0->status == DNS_BOGUS) {
		r->pstate = PS_TEMPERROR;
		dmarc_preason(r, "%s looking up "
		    "_dmarc.%s", e0->status == DNS_BOGUS ? "DNSSEC failure" :
		    "DNS error", r->author);
		return;
	}
	if (e0->found)
		use = e0;
	else {
		if (!w->done)
			return;
		if (w->error) {
			r->pstate = PS_TEMPERROR;
			dmarc_preason(r, "DNS error during the tree walk");
			return;
		}
		for (i = 0; i < w->next; i++) {
			e = &r->cache[w->tgt[i]];
			if (!e->found)
				continue;
			if (strcmp(e->name, w->org) == 0)
				use = e;
			if (e->rec.psd == 'y')
				psd = e;
		}
		if (use == NULL)
			use = psd;
		if (use == NULL) {
			/* RFC 9989 4.10.1: no record, DMARC does not apply */
			r->pstate = PS_NONE;
			dmarc_preason(r, "no policy record");
			return;
		}
		snprintf(r->res.org_domain, sizeof(r->res.org_domain), "%s",
		    w->org);
	}
	rec = &use->rec;

	/* RFC 9989 4.10.1: an invalid p, sp or np */
	if (rec->p == -2 || rec->sp == -2 || rec->np == -2) {
		if (!rec->rua_valid) {
			r->pstate = PS_PERMERROR;
			dmarc_preason(r,
			    "invalid policy in record at _dmarc.%s",
			    use->name);
			return;
		}
		r->prec = *rec;
		r->prec.p = DMARC_POLICY_NONE;
		r->prec.sp = r->prec.np = -1;
	} else
		r->prec = *rec;
	if (r->prec.p == -1)
		r->prec.p = DMARC_POLICY_NONE;	/* RFC 9989 4.7 */

	pol = r->prec.p;
	if (use != e0) {
		if (r->prec.np >= 0) {
			/* np needs to know whether the domain exists */
			if (r->ex_state == 0) {
				r->ex_state = 1;
				r->exq = dns_lookup(r->dns, r->author, DNS_T_A,
				    dmarc_exist_cb, r);
				if (r->exq == NULL) {
					r->ex_state = 2;
					r->ex_status = DNS_TEMPFAIL;
				}
			}
			if (r->ex_state != 2)
				return;
			if (r->ex_status == DNS_TEMPFAIL ||
			    r->ex_status == DNS_BOGUS) {
				r->pstate = PS_TEMPERROR;
				dmarc_preason(r, "DNS error looking up %s",
				    r->author);
				return;
			}
		}
		if (r->prec.np >= 0 && r->ex_status == DNS_NXDOMAIN) {
			pol = r->prec.np;
			tag = DMARC_TAG_NP;
		} else if (r->prec.sp >= 0) {
			pol = r->prec.sp;
			tag = DMARC_TAG_SP;
		}
	}
	r->res.policy = (enum dmarc_policy)pol;
	r->res.policy_tag = (enum dmarc_policy_tag)tag;
	r->res.adkim = r->prec.adkim;
	r->res.aspf = r->prec.aspf;
	snprintf(r->res.policy_domain, sizeof(r->res.policy_domain), "%s",
	    use->name);
	r->pstate = PS_KNOWN;
}

/*
 * dmarc_align_step - RFC 9989 4.4, 4.10.2: strict alignment is equality;
 * relaxed alignment is equality of the Organizational Domains, which may
 * need a Tree Walk from the identifier (started only if may_walk).
 */
static void
dmarc_align_step(struct dmarc_req *r, struct dmarc_id *id, int may_walk)
{
	struct dmarc_walk	*aw = &r->walks[0], *w;
	char			 mode;

	if (id->state == AS_ALIGNED || id->state == AS_NOT ||
	    id->state == AS_ERROR)
		return;
	mode = id->is_spf ? r->prec.aspf : r->prec.adkim;
	if (id->state == AS_UNDECIDED) {
		if (strcmp(id->domain, r->author) == 0) {
			id->state = AS_ALIGNED;
			return;
		}
		if (mode == 's') {
			id->state = AS_NOT;
			return;
		}
		/* the Author Domain's Organizational Domain */
		if (!aw->done)
			return;
		if (aw->error) {
			id->state = AS_ERROR;
			return;
		}
		if (r->res.org_domain[0] == '\0')
			snprintf(r->res.org_domain, sizeof(r->res.org_domain),
			    "%s", aw->org);
		/* the org domain is a suffix of the domain it belongs to */
		if (!dmarc_is_suffix(id->domain, aw->org)) {
			id->state = AS_NOT;
			return;
		}
		if (!may_walk)
			return;
		if ((id->walk = dmarc_walk_start(r, id->domain)) == -1) {
			id->state = AS_ERROR;
			return;
		}
		id->state = AS_WALK;
	}
	w = &r->walks[id->walk];
	dmarc_walk_advance(r, w);
	if (!w->done)
		return;
	if (w->error)
		id->state = AS_ERROR;
	else
		id->state = strcmp(w->org, aw->org) == 0 ? AS_ALIGNED :
		    AS_NOT;
}

/*
 * dmarc_progress - decide whatever the answers so far allow.
 */
static void
dmarc_progress(struct dmarc_req *r)
{
	struct dmarc_id	*id;
	int		 i, pending = 0, error = 0;

	if (r->finished)
		return;
	for (i = 0; i < r->nwalks; i++)
		dmarc_walk_advance(r, &r->walks[i]);
	if (r->pstate == PS_UNKNOWN)
		dmarc_policy_step(r);
	if (!r->evaluated || r->pstate == PS_UNKNOWN)
		return;
	switch (r->pstate) {
	case PS_NONE:
		dmarc_finish(r, DMARC_RES_NONE, "%s", r->preason);
		return;
	case PS_TEMPERROR:
		dmarc_finish(r, DMARC_RES_TEMPERROR, "%s", r->preason);
		return;
	case PS_PERMERROR:
		dmarc_finish(r, DMARC_RES_PERMERROR, "%s", r->preason);
		return;
	default:
		break;
	}
	for (i = 0; i < r->nids; i++) {
		id = &r->ids[i];
		/* once one is aligned, no new walks for the others */
		dmarc_align_step(r, id, !r->res.spf_aligned &&
		    !r->res.dkim_aligned);
		if (id->state == AS_ALIGNED && id->tempfail)
			error = 1;	/* RFC 9989 5.3.6: unknown, not fail */
		else if (id->state == AS_ALIGNED) {
			if (id->is_spf)
				r->res.spf_aligned = 1;
			else if (!r->res.dkim_aligned) {
				r->res.dkim_aligned = 1;
				snprintf(r->res.dkim_domain,
				    sizeof(r->res.dkim_domain), "%s",
				    id->domain);
			}
		} else if (id->state == AS_ERROR)
			error = 1;
		else if (id->state != AS_NOT)
			pending = 1;
	}
	/* RFC 9989 5.3.5: one aligned identifier suffices */
	if (r->res.spf_aligned || r->res.dkim_aligned) {
		dmarc_finish(r, DMARC_RES_PASS, "%s aligned",
		    r->res.dkim_aligned ? "DKIM" : "SPF");
		return;
	}
	if (pending)
		return;
	/* RFC 9989 5.3.6: a DNS error leaves neither pass nor fail */
	if (error) {
		dmarc_finish(r, DMARC_RES_TEMPERROR,
		    "an aligned identifier could not be checked");
		return;
	}
	dmarc_finish(r, DMARC_RES_FAIL, "%s", r->nids == 0 ?
	    "no authenticated identifier" : "no aligned identifier");
}

/*
 * dmarc_finish - set the result (with the disposition: RFC 9989 4.7,
 * the t tag; RFC 7489's pct is not applied, C.5.2) and deliver it from
 * the event loop.
 */
static void
dmarc_finish(struct dmarc_req *r, enum dmarc_res res, const char *fmt, ...)
{
	struct timeval	 tv = { 0, 0 };
	char		 buf[DMARC_REASON_MAX];
	va_list		 ap;

	if (r->finished)
		return;
	r->finished = 1;
	dmarc_cancel_all(r);
	r->res.result = res;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dmarc_safe_copy(r->res.reason, sizeof(r->res.reason), buf);
	if (res != DMARC_RES_PASS && res != DMARC_RES_FAIL)
		r->res.policy = DMARC_POLICY_NONE;
	r->res.disposition = DMARC_POLICY_NONE;
	if (res == DMARC_RES_FAIL) {
		/* RFC 9989 4.7 t=y: one level below, no effect on none */
		r->res.disposition = r->res.policy;
		if (r->prec.t == 'y' && r->res.policy != DMARC_POLICY_NONE) {
			r->res.disposition = (enum dmarc_policy)
			    (r->res.policy - 1);
			r->res.testing = 1;
		}
	}
	r->res.sec = r->sec;
	if (r->sec == DNS_SEC_SECURE && (res == DMARC_RES_PERMERROR &&
	    r->ncache == 0))
		r->res.sec = DNS_SEC_INSECURE;
	if (log_get_verbose() > 0) {
		int	 i;

		log_debug("dmarc: %s from=%s discovery=%s policy=%s/%s "
		    "queries=%d walks=%d", dmarc_result_name(res),
		    r->res.from_domain, dmarc_pstate_names[r->pstate],
		    r->res.policy_domain, dmarc_policy_name(r->res.policy),
		    r->ncache, r->nwalks);
		if (r->pstate == PS_KNOWN && r->prec.pct != -1)
			log_debug("dmarc: pct ignored (RFC 9989 C.5.2)");
		for (i = 0; i < r->nids; i++)
			log_debug("dmarc: identifier %s (%s%s) %s",
			    r->ids[i].domain, r->ids[i].is_spf ? "spf" : "dkim",
			    r->ids[i].tempfail ? ", temperror" : "",
			    dmarc_astate_names[r->ids[i].state]);
	}
	if (evtimer_add(r->timer, &tv) == -1)
		fatalx("dmarc: cannot arm a timer");
}

/*
 * dmarc_timer_cb - deliver the result; the callee may free the request.
 */
static void
dmarc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dmarc_req	*r = arg;

	(void)fd;
	(void)what;
	if (r->done != NULL)
		r->done(r->arg, &r->res);
}
