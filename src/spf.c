/*
 * spf.c - Sender Policy Framework, RFC 7208: record parser, macro
 * expander and an asynchronous check_host() on dns.h. See spf.h.
 *
 * The evaluator is a small machine: a stack of frames (one per record
 * being evaluated: the top one, plus one per "include" being followed;
 * "redirect" replaces the frame it occurs in, RFC 7208 6.1), and for the
 * term in progress at most one set of outstanding DNS queries. Queries
 * that may run in parallel (the address look-ups of the MX hosts, the
 * validation of PTR names) are issued together, but their answers are
 * consumed in order, so the outcome is exactly that of the sequential
 * algorithm of RFC 7208 5.4 and 5.5 (the first error or match, in order,
 * decides). Every result is delivered from the event loop through the
 * request's timer, which also enforces the overall deadline.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "dns.h"
#include "log.h"
#include "spf.h"
#include "xmalloc.h"

#define SPF_MAX_DEPTH	(SPF_MAX_DNS_MECH + 2)
#define SPF_NSUB	(SPF_MAX_NAMES + 1)
#define SPF_IPTEXT_MAX	80	/* 32 nibbles * 2 + slack */
#define SPF_HELO_MAX	256
#define SPF_VALUE_MAX	1024	/* longest macro letter value expanded */
#define SPF_EXPTXT_MAX	1024	/* longest exp= TXT text considered */

/* frame states */
enum spf_fstate {
	FS_FETCH = 0,		/* look up the record */
	FS_WAIT_TXT,		/* record query in flight */
	FS_TERMS,		/* evaluate f->term */
	FS_WAIT_MECH,		/* the term's queries are in flight */
	FS_WAIT_CHILD,		/* an include frame runs above */
	FS_EXP_START,		/* fail: expand and fetch exp= */
	FS_EXP_WAIT,		/* exp TXT query in flight */
	FS_EXP_TEXT		/* expand the explanation text */
};

static const char *const spf_fstate_names[] = {
	"fetch", "wait-txt", "terms", "wait-mech", "wait-child",
	"exp-start", "exp-wait", "exp-text"
};

/* what the outstanding queries are for */
enum spf_wait {
	SW_NONE = 0,
	SW_TXT,			/* the record of the top frame */
	SW_A,			/* "a" address look-up */
	SW_MX,			/* "mx" MX look-up */
	SW_MXADDR,		/* addresses of the MX hosts */
	SW_EXISTS,		/* "exists" A look-up */
	SW_PTR,			/* PTR of <ip> (ptr / %{p}) */
	SW_PTRADDR,		/* validation of the PTR names */
	SW_EXP			/* exp= TXT */
};

static const char *const spf_wait_names[] = {
	"none", "txt", "a", "mx", "mx-addr", "exists", "ptr", "ptr-addr",
	"exp"
};

struct spf_req;

struct spf_sub {
	struct spf_req		*req;
	struct dns_query	*q;
	int			 active;	/* issued, not answered */
	int			 done;		/* answered */
	enum dns_status		 status;
	int			 match;		/* address matched <ip> */
	size_t			 nrr;
};

struct spf_frame {
	char			 domain[SPF_DOMAIN_MAX];
	int			 redirected;	/* reached through redirect= */
	enum spf_fstate		 state;
	char			*record;	/* copy of the TXT text */
	size_t			 reclen;
	struct spf_term		*terms;
	struct spf_record	 rec;
	size_t			 term;		/* term being evaluated */
};

struct spf_req {
	struct event_base	*base;
	struct dns		*dns;
	spf_done_fn		 done;
	void			*arg;
	struct event		*timer;
	int			 finishing;	/* result set, callback due */
	long			 deadline_ms;

	/* <ip> */
	int			 family;	/* AF_INET / AF_INET6 */
	unsigned char		 ip[16];
	char			 ip_i[SPF_IPTEXT_MAX];	/* %{i} */
	char			 ip_c[SPF_IPTEXT_MAX];	/* %{c} */

	/* identities */
	char			 local[SPF_SENDER_MAX];
	char			 sdomain[SPF_SENDER_MAX];
	char			 helo[SPF_HELO_MAX];
	char			 receiver[SPF_HELO_MAX];
	long long		 now;

	struct spf_result	 res;
	enum dns_sec		 sec;		/* aggregate so far */

	struct spf_frame	*frames[SPF_MAX_DEPTH];
	int			 depth;

	/* the term in progress */
	enum spf_wait		 wait;
	struct spf_sub		 subs[SPF_NSUB];
	int			 nsubs;
	int			 npending;
	int			 nextsub;	/* next answer to consume */
	int			 cidr4, cidr6;
	char			 names[SPF_MAX_NAMES][SPF_DOMAIN_MAX];
	int			 nnames;

	/* PTR names of <ip> and their validation, shared by ptr and %{p} */
	int			 ptr_state;	/* 0 no, 1 running, 2 done */
	enum dns_status		 ptr_status;
	char			 ptr_names[SPF_MAX_NAMES][SPF_DOMAIN_MAX];
	int			 ptr_valid[SPF_MAX_NAMES];
	int			 nptr;

	/* exp= text */
	char			 exptext[SPF_EXPTXT_MAX];
	size_t			 exptextlen;
};

/* pure helpers */
static int	 spf_isalpha(int);
static int	 spf_isdigit(int);
static int	 spf_isalnum(int);
static int	 spf_lower(int);
static int	 spf_ieq(const char *, size_t, const char *);
static int	 spf_toplabel_ok(const char *, size_t);
static int	 spf_macro_scan(const char *, size_t, enum spf_macro_ctx_kind,
		    size_t *, int, int *);
static int	 spf_parse_cidr(const char *, size_t, int, int *);
static int	 spf_parse_ip4(const char *, size_t, unsigned char *);
static int	 spf_parse_ip6(const char *, size_t, unsigned char *);
static int	 spf_parse_term(const char *, size_t, struct spf_term *,
		    char *, size_t);
static int	 spf_parse_dual_cidr(const char *, size_t *,
		    struct spf_term *);
static const char *spf_macro_value(const struct spf_macro_vars *, int);
static void	 spf_safe_copy(char *, size_t, const char *, size_t);
static void	 spf_copy(char *, size_t, const char *);
static int	 spf_ipmatch(const unsigned char *, const unsigned char *,
		    int, int);
static int	 spf_name_suffix(const char *, const char *);

/* evaluator */
static void	 spf_run(struct spf_req *);
static void	 spf_finish(struct spf_req *, enum spf_res, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static void	 spf_timer_cb(evutil_socket_t, short, void *);
static void	 spf_deliver(struct spf_req *);
static void	 spf_req_free(struct spf_req *);
static void	 spf_cancel_subs(struct spf_req *);
static int	 spf_issue(struct spf_req *, int, const char *, int);
static void	 spf_sub_cb(void *, const struct dns_answer *);
static void	 spf_note_sec(struct spf_req *, const struct dns_answer *);
static struct spf_frame *spf_frame_new(const char *);
static void	 spf_frame_free(struct spf_frame *);
static void	 spf_frame_set_domain(struct spf_frame *, const char *);
static void	 spf_fetch(struct spf_req *, struct spf_frame *);
static void	 spf_on_txt(struct spf_req *, const struct dns_answer *);
static void	 spf_step(struct spf_req *, struct spf_frame *);
static void	 spf_frame_done(struct spf_req *, enum spf_res,
		    const char *);
static void	 spf_match(struct spf_req *, struct spf_frame *,
		    const struct spf_term *);
static int	 spf_count_lookup(struct spf_req *);
static int	 spf_count_void(struct spf_req *);
static int	 spf_need_ptr(struct spf_req *, const struct spf_term *);
static void	 spf_ptr_start(struct spf_req *);
static void	 spf_ptr_names_done(struct spf_req *);
static void	 spf_ptr_valid_done(struct spf_req *);
static const char *spf_p_value(struct spf_req *, const char *);
static void	 spf_vars(struct spf_req *, const char *,
		    struct spf_macro_vars *);
static int	 spf_expand_target(struct spf_req *, struct spf_frame *,
		    const struct spf_term *, char *);
static void	 spf_mech_answer(struct spf_req *, struct spf_sub *,
		    const struct dns_answer *);
static void	 spf_mxaddr_consume(struct spf_req *);
static void	 spf_mech_result(struct spf_req *, int);
static void	 spf_exp_start(struct spf_req *, struct spf_frame *);
static void	 spf_exp_text(struct spf_req *, struct spf_frame *);
static int	 spf_txt_concat(const struct dns_rr *, char *, size_t,
		    size_t *);
static void	 spf_reverse_name(struct spf_req *, char *, size_t);

static const char *const spf_res_names[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror",
	"permerror"
};

/*
 * spf_result_name - the RFC 8601 / RFC 7208 8 name of a result.
 */
const char *
spf_result_name(enum spf_res r)
{
	if ((size_t)r >= sizeof(spf_res_names) / sizeof(spf_res_names[0]))
		return "permerror";
	return spf_res_names[r];
}

/* ---------------------------------------------------------------- */
/* pure helpers                                                      */

/* spf_isalpha - ASCII letter, independent of the locale */
static int
spf_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* spf_isdigit - ASCII digit */
static int
spf_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* spf_isalnum - ASCII letter or digit */
static int
spf_isalnum(int c)
{
	return spf_isalpha(c) || spf_isdigit(c);
}

/* spf_lower - ASCII lower case */
static int
spf_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/*
 * spf_ieq - does p/n equal the lower-case word w, ignoring ASCII case?
 */
static int
spf_ieq(const char *p, size_t n, const char *w)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || spf_lower((unsigned char)p[i]) != w[i])
			return 0;
	return w[n] == '\0';
}

/*
 * spf_toplabel_ok - RFC 7208 7.1 toplabel: ( *alphanum ALPHA *alphanum )
 * / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ), i.e. letters, digits
 * and dashes, not starting or ending in a dash, and not all digits.
 */
static int
spf_toplabel_ok(const char *p, size_t n)
{
	size_t	 i;
	int	 alpha = 0, dash = 0;

	if (n == 0 || p[0] == '-' || p[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (spf_isalpha((unsigned char)p[i]))
			alpha = 1;
		else if (p[i] == '-')
			dash = 1;
		else if (!spf_isdigit((unsigned char)p[i]))
			return 0;
	}
	return alpha || dash;
}

/*
 * spf_macro_scan - check the macro-string grammar of RFC 7208 7.1:
 *   macro-string = *( macro-expand / macro-literal )
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
 *                  / "%%" / "%_" / "%-"
 *   macro-literal = %x21-24 / %x26-7E
 * plus SP in an explain-string (6.2). In a domain-spec the letters c, r
 * and t are not allowed (7.1/8, "only in exp text"). Stores where the
 * last macro-expand ended in *lastend, and sets *uses when the letter
 * (if not 0) is expanded. Returns 0 or -1.
 */
static int
spf_macro_scan(const char *p, size_t len, enum spf_macro_ctx_kind ctx,
    size_t *lastend, int letter, int *uses)
{
	size_t	 i = 0, ndig;
	int	 c, l, allzero;

	if (lastend != NULL)
		*lastend = 0;
	if (uses != NULL)
		*uses = 0;
	while (i < len) {
		c = (unsigned char)p[i];
		if (c != '%') {
			if (c == ' ' && ctx == SPF_MACRO_EXPLAIN) {
				i++;
				continue;
			}
			if (c < 0x21 || c > 0x7e)
				return -1;
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;
		c = (unsigned char)p[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			i += 2;
			if (lastend != NULL)
				*lastend = i;
			continue;
		}
		if (c != '{')
			return -1;
		i += 2;
		if (i >= len)
			return -1;
		l = spf_lower((unsigned char)p[i]);
		if (strchr("slodiphcrtv", l) == NULL || l == '\0')
			return -1;
		if (ctx == SPF_MACRO_DOMAIN && (l == 'c' || l == 'r' ||
		    l == 't'))
			return -1;
		if (uses != NULL && letter != 0 && l == letter)
			*uses = 1;
		i++;
		/* transformers = *DIGIT [ "r" ]; a DIGIT value is nonzero */
		ndig = 0;
		allzero = 1;
		while (i < len && spf_isdigit((unsigned char)p[i])) {
			if (p[i] != '0')
				allzero = 0;
			ndig++;
			i++;
		}
		if (ndig > 0 && allzero)
			return -1;
		if (i < len && (p[i] == 'r' || p[i] == 'R'))
			i++;
		while (i < len && strchr(".-+,/_=", p[i]) != NULL &&
		    p[i] != '\0')
			i++;
		if (i >= len || p[i] != '}')
			return -1;
		i++;
		if (lastend != NULL)
			*lastend = i;
	}
	return 0;
}

int
spf_macro_check(const char *p, size_t len, enum spf_macro_ctx_kind ctx)
{
	return spf_macro_scan(p, len, ctx, NULL, 0, NULL);
}

int
spf_macro_uses(const char *p, size_t len, int letter)
{
	int	 uses;

	if (spf_macro_scan(p, len, SPF_MACRO_EXPLAIN, NULL,
	    spf_lower(letter), &uses) == -1)
		return 0;
	return uses;
}

/*
 * spf_domain_spec_check - RFC 7208 7.1:
 *   domain-spec = macro-string domain-end
 *   domain-end  = ( "." toplabel [ "." ] ) / macro-expand
 */
int
spf_domain_spec_check(const char *p, size_t len)
{
	size_t	 lastend, end, dot;

	if (len == 0)
		return -1;
	if (spf_macro_scan(p, len, SPF_MACRO_DOMAIN, &lastend, 0,
	    NULL) == -1)
		return -1;
	if (lastend == len)
		return 0;		/* ends in a macro-expand */
	/* the literal tail after the last macro-expand */
	end = len;
	if (p[end - 1] == '.')
		end--;
	if (end <= lastend)
		return -1;
	for (dot = end; dot > lastend; dot--)
		if (p[dot - 1] == '.')
			break;
	if (dot == lastend)
		return -1;		/* no "." before the top label */
	return spf_toplabel_ok(p + dot, end - dot) ? 0 : -1;
}

/*
 * spf_parse_cidr - a CIDR length after its "/": "0" or a number without
 * a leading zero (RFC 7208 5.6 ip4-cidr-length, ip6-cidr-length), at
 * most max. Returns 0 or -1.
 */
static int
spf_parse_cidr(const char *p, size_t n, int max, int *out)
{
	size_t	 i;
	int	 v = 0;

	if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!spf_isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * spf_parse_ip4 - ip4-network (RFC 7208 5.6): four qnums without leading
 * zeros. Returns 0 or -1.
 */
static int
spf_parse_ip4(const char *p, size_t n, unsigned char *out)
{
	size_t	 i = 0, k, start;
	int	 v;

	for (k = 0; k < 4; k++) {
		if (k > 0) {
			if (i >= n || p[i] != '.')
				return -1;
			i++;
		}
		start = i;
		v = 0;
		while (i < n && spf_isdigit((unsigned char)p[i]) &&
		    i - start < 3) {
			v = v * 10 + (p[i] - '0');
			i++;
		}
		if (i == start || (i - start > 1 && p[start] == '0') ||
		    v > 255)
			return -1;
		out[k] = (unsigned char)v;
	}
	return i == n ? 0 : -1;
}

/*
 * spf_parse_ip6 - ip6-network (RFC 4291 2.2 text forms), via inet_pton
 * on a bounded copy.
 */
static int
spf_parse_ip6(const char *p, size_t n, unsigned char *out)
{
	char	 buf[INET6_ADDRSTRLEN + 1];
	size_t	 i;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++)
		if (!(spf_isalnum((unsigned char)p[i]) || p[i] == ':' ||
		    p[i] == '.'))
			return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

/*
 * spf_parse_dual_cidr - strip dual-cidr-length = [ ip4-cidr-length ]
 * [ "/" ip6-cidr-length ] from the end of p (length *n), storing the
 * values in t. Returns 0 or -1 on a malformed length.
 */
static int
spf_parse_dual_cidr(const char *p, size_t *n, struct spf_term *t)
{
	size_t	 end = *n, j;

	/* "//" ip6 */
	j = end;
	while (j > 0 && spf_isdigit((unsigned char)p[j - 1]))
		j--;
	if (j < end && j >= 2 && p[j - 1] == '/' && p[j - 2] == '/') {
		if (spf_parse_cidr(p + j, end - j, 128, &t->cidr6) == -1)
			return -1;
		end = j - 2;
	}
	/* "/" ip4 */
	j = end;
	while (j > 0 && spf_isdigit((unsigned char)p[j - 1]))
		j--;
	if (j < end && j >= 1 && p[j - 1] == '/') {
		if (spf_parse_cidr(p + j, end - j, 32, &t->cidr4) == -1)
			return -1;
		end = j - 1;
	}
	*n = end;
	return 0;
}

/*
 * spf_parse_term - one directive or modifier (RFC 7208 4.6.1, 5, 6,
 * 12). Returns 0 or -1 with a message in err.
 */
static int
spf_parse_term(const char *p, size_t n, struct spf_term *t, char *err,
    size_t errlen)
{
	char		 shown[64];
	size_t		 i, j, rest;
	const char	*r, *sl;

	memset(t, 0, sizeof(*t));
	t->text = p;
	t->textlen = n;
	t->qualifier = '+';
	t->cidr4 = 32;
	t->cidr6 = 128;
	spf_safe_copy(shown, sizeof(shown), p, n);

	/* modifier: name "=" ..., name = ALPHA *( ALPHA / DIGIT / "-" /
	 * "_" / "." ) */
	if (spf_isalpha((unsigned char)p[0])) {
		for (j = 1; j < n; j++)
			if (!(spf_isalnum((unsigned char)p[j]) ||
			    p[j] == '-' || p[j] == '_' || p[j] == '.'))
				break;
		if (j < n && p[j] == '=') {
			t->arg = p + j + 1;
			t->arglen = n - j - 1;
			if (spf_ieq(p, j, "redirect") ||
			    spf_ieq(p, j, "exp")) {
				t->kind = spf_ieq(p, j, "exp") ?
				    SPF_T_EXP : SPF_T_REDIRECT;
				/* 6.1, 6.2: domain-spec, never empty */
				if (spf_domain_spec_check(t->arg,
				    t->arglen) == -1) {
					snprintf(err, errlen,
					    "bad domain-spec in '%s'", shown);
					return -1;
				}
				return 0;
			}
			t->kind = SPF_T_UNKNOWN_MOD;
			if (spf_macro_check(t->arg, t->arglen,
			    SPF_MACRO_MODIFIER) == -1) {
				snprintf(err, errlen, "bad macro in '%s'",
				    shown);
				return -1;
			}
			return 0;
		}
	}

	i = 0;
	if (p[0] == '+' || p[0] == '-' || p[0] == '~' || p[0] == '?') {
		t->qualifier = p[0];
		i = 1;
	}
	for (j = i; j < n && spf_isalnum((unsigned char)p[j]); j++)
		;
	r = p + j;
	rest = n - j;
	if (spf_ieq(p + i, j - i, "all")) {
		t->kind = SPF_T_ALL;
		if (rest != 0)
			goto bad;
		return 0;
	}
	if (spf_ieq(p + i, j - i, "include") ||
	    spf_ieq(p + i, j - i, "exists")) {
		t->kind = spf_ieq(p + i, j - i, "include") ? SPF_T_INCLUDE :
		    SPF_T_EXISTS;
		if (rest < 2 || r[0] != ':' ||
		    spf_domain_spec_check(r + 1, rest - 1) == -1)
			goto bad;
		t->arg = r + 1;
		t->arglen = rest - 1;
		return 0;
	}
	if (spf_ieq(p + i, j - i, "ptr")) {
		t->kind = SPF_T_PTR;
		if (rest == 0)
			return 0;
		if (r[0] != ':' ||
		    spf_domain_spec_check(r + 1, rest - 1) == -1)
			goto bad;
		t->arg = r + 1;
		t->arglen = rest - 1;
		return 0;
	}
	if (spf_ieq(p + i, j - i, "a") || spf_ieq(p + i, j - i, "mx")) {
		t->kind = spf_ieq(p + i, j - i, "a") ? SPF_T_A : SPF_T_MX;
		if (spf_parse_dual_cidr(r, &rest, t) == -1)
			goto bad;
		if (rest == 0)
			return 0;
		if (r[0] != ':' ||
		    spf_domain_spec_check(r + 1, rest - 1) == -1)
			goto bad;
		t->arg = r + 1;
		t->arglen = rest - 1;
		return 0;
	}
	if (spf_ieq(p + i, j - i, "ip4") || spf_ieq(p + i, j - i, "ip6")) {
		t->kind = spf_ieq(p + i, j - i, "ip4") ? SPF_T_IP4 :
		    SPF_T_IP6;
		if (rest < 2 || r[0] != ':')
			goto bad;
		r++;
		rest--;
		sl = memchr(r, '/', rest);
		if (sl != NULL) {
			if (spf_parse_cidr(sl + 1, rest - (size_t)(sl - r) - 1,
			    t->kind == SPF_T_IP4 ? 32 : 128,
			    t->kind == SPF_T_IP4 ? &t->cidr4 :
			    &t->cidr6) == -1)
				goto bad;
			rest = (size_t)(sl - r);
		}
		if (t->kind == SPF_T_IP4 ?
		    spf_parse_ip4(r, rest, t->addr) == -1 :
		    spf_parse_ip6(r, rest, t->addr) == -1)
			goto bad;
		return 0;
	}
	snprintf(err, errlen, "unknown mechanism '%s'", shown);
	return -1;
 bad:
	snprintf(err, errlen, "syntax error in '%s'", shown);
	return -1;
}

int
spf_record_is_spf(const char *p, size_t len)
{
	if (len < 6 || !spf_ieq(p, 6, "v=spf1"))
		return 0;
	return len == 6 || p[6] == ' ';
}

size_t
spf_record_count_terms(const char *p, size_t len)
{
	size_t	 i, n = 1;

	for (i = 0; i < len; i++)
		if (p[i] == ' ')
			n++;
	return n;
}

/*
 * spf_record_parse - record = version terms *SP; terms = *( 1*SP (
 * directive / modifier ) ) (RFC 7208 4.6.1, 12). The whole record is
 * checked before anything is evaluated (4.6: "any syntax errors anywhere
 * in the record"); redirect= and exp= may appear once each (6).
 */
int
spf_record_parse(const char *p, size_t len, struct spf_record *rec,
    struct spf_term *terms, size_t maxterms, char *err, size_t errlen)
{
	size_t	 i, start;

	memset(rec, 0, sizeof(*rec));
	rec->terms = terms;
	rec->redirect = rec->exp = -1;
	if (errlen > 0)
		err[0] = '\0';
	if (!spf_record_is_spf(p, len)) {
		snprintf(err, errlen, "not an SPF record");
		return -1;
	}
	i = 6;
	while (i < len) {
		if (p[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < len && p[i] != ' ')
			i++;
		if (rec->nterms >= maxterms) {
			snprintf(err, errlen, "too many terms");
			return -1;
		}
		if (spf_parse_term(p + start, i - start,
		    &terms[rec->nterms], err, errlen) == -1)
			return -1;
		switch (terms[rec->nterms].kind) {
		case SPF_T_REDIRECT:
			if (rec->redirect != -1) {
				snprintf(err, errlen, "redirect= twice");
				return -1;
			}
			rec->redirect = (int)rec->nterms;
			break;
		case SPF_T_EXP:
			if (rec->exp != -1) {
				snprintf(err, errlen, "exp= twice");
				return -1;
			}
			rec->exp = (int)rec->nterms;
			break;
		case SPF_T_ALL:
			rec->has_all = 1;
			break;
		default:
			break;
		}
		rec->nterms++;
	}
	return 0;
}

/*
 * spf_macro_value - the value of a macro letter (lower case).
 */
static const char *
spf_macro_value(const struct spf_macro_vars *v, int l)
{
	const char	*s = NULL;

	switch (l) {
	case 's': s = v->s; break;
	case 'l': s = v->l; break;
	case 'o': s = v->o; break;
	case 'd': s = v->d; break;
	case 'i': s = v->i; break;
	case 'p': s = v->p; break;
	case 'v': s = v->v; break;
	case 'h': s = v->h; break;
	case 'c': s = v->c; break;
	case 'r': s = v->r; break;
	default: break;
	}
	return s != NULL ? s : "";
}

/* output helper for the expander */
struct spf_out {
	char	*p;
	size_t	 sz;
	size_t	 len;
	int	 over;
};

/* spf_put - append one byte, or mark the overflow */
static void
spf_put(struct spf_out *o, int c)
{
	if (o->len + 1 >= o->sz) {
		o->over = 1;
		return;
	}
	o->p[o->len++] = (char)c;
}

/*
 * spf_put_esc - append one byte of a macro's value, URL-escaped for an
 * upper-case macro letter: everything outside RFC 3986 "unreserved"
 * (ALPHA DIGIT "-" "." "_" "~") becomes %XX (RFC 7208 7.3).
 */
static void
spf_put_esc(struct spf_out *o, int c, int esc)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!esc || spf_isalnum(c) || c == '-' || c == '.' || c == '_' ||
	    c == '~') {
		spf_put(o, c);
		return;
	}
	spf_put(o, '%');
	spf_put(o, hex[(c >> 4) & 0xf]);
	spf_put(o, hex[c & 0xf]);
}

/*
 * spf_macro_expand - RFC 7208 7.3: for each %{ letter transformers
 * delimiters }, the value is split at every delimiter (default "."),
 * optionally reversed, reduced to its right-most DIGIT parts and joined
 * with "."; an upper-case letter is then URL-escaped. "%%" is "%", "%_"
 * a space, "%-" "%20".
 */
int
spf_macro_expand(const char *p, size_t len, enum spf_macro_ctx_kind ctx,
    const struct spf_macro_vars *vars, char *out, size_t outsz,
    size_t *outlen)
{
	struct spf_out	 o = { out, outsz, 0, 0 };
	char		 tbuf[32];
	const char	*val, *delims;
	size_t		 i = 0, vlen, ndelims, k, nparts, keep, part, a, b;
	size_t		 digits;
	int		 c, l, esc, rev, havedig;

	if (outlen != NULL)
		*outlen = 0;
	if (outsz == 0)
		return -2;
	out[0] = '\0';
	if (spf_macro_check(p, len, ctx) == -1)
		return -1;
	while (i < len) {
		c = (unsigned char)p[i];
		if (c != '%') {
			spf_put(&o, c);
			i++;
			continue;
		}
		c = (unsigned char)p[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			if (c == '%')
				spf_put(&o, '%');
			else if (c == '_')
				spf_put(&o, ' ');
			else {
				spf_put(&o, '%');
				spf_put(&o, '2');
				spf_put(&o, '0');
			}
			i += 2;
			continue;
		}
		/* "%{" letter transformers delimiters "}" (syntax checked) */
		i += 2;
		l = spf_lower((unsigned char)p[i]);
		esc = p[i] != l;
		i++;
		digits = 0;
		havedig = 0;
		while (spf_isdigit((unsigned char)p[i])) {
			havedig = 1;
			if (digits < 1000)
				digits = digits * 10 + (size_t)(p[i] - '0');
			i++;
		}
		rev = 0;
		if (p[i] == 'r' || p[i] == 'R') {
			rev = 1;
			i++;
		}
		delims = p + i;
		while (p[i] != '}')
			i++;
		ndelims = (size_t)(p + i - delims);
		i++;
		if (ndelims == 0) {
			delims = ".";
			ndelims = 1;
		}
		if (l == 't') {
			snprintf(tbuf, sizeof(tbuf), "%lld", vars->t);
			val = tbuf;
		} else
			val = spf_macro_value(vars, l);
		vlen = strlen(val);
		if (vlen > SPF_VALUE_MAX)
			return -2;
		/* parts of the value */
		nparts = 1;
		for (k = 0; k < vlen; k++)
			if (memchr(delims, val[k], ndelims) != NULL)
				nparts++;
		keep = havedig && digits < nparts ? digits : nparts;
		if (!rev) {
			/* right-most keep parts: from part nparts-keep on */
			part = 0;
			for (a = 0; a < vlen && part < nparts - keep; a++)
				if (memchr(delims, val[a], ndelims) != NULL)
					part++;
			for (k = a; k < vlen; k++) {
				c = (unsigned char)val[k];
				if (memchr(delims, c, ndelims) != NULL)
					spf_put(&o, '.');
				else
					spf_put_esc(&o, c, esc);
			}
		} else {
			/*
			 * reversed, right-most keep parts = the first keep
			 * parts of the value, last one first
			 */
			part = 0;
			for (b = 0; b < vlen; b++) {
				if (memchr(delims, val[b], ndelims) == NULL)
					continue;
				if (++part == keep)
					break;
			}
			/* val[0..b) holds parts 0..keep-1; emit backwards */
			while (1) {
				a = b;
				while (a > 0 && memchr(delims, val[a - 1],
				    ndelims) == NULL)
					a--;
				for (k = a; k < b; k++)
					spf_put_esc(&o,
					    (unsigned char)val[k], esc);
				if (a == 0)
					break;
				spf_put(&o, '.');
				b = a - 1;
			}
		}
		if (o.over)
			break;
	}
	out[o.len < outsz ? o.len : outsz - 1] = '\0';
	if (o.over)
		return -2;
	if (outlen != NULL)
		*outlen = o.len;
	return 0;
}

size_t
spf_domain_truncate(char *s)
{
	size_t	 len = strlen(s);
	char	*dot;

	if (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
	while (len > SPF_DOMAIN_MAX - 1) {
		if ((dot = strchr(s, '.')) == NULL)
			break;
		len -= (size_t)(dot - s) + 1;
		memmove(s, dot + 1, len + 1);
	}
	return len;
}

int
spf_domain_ok(const char *s, size_t len)
{
	size_t	 i, lab = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_DOMAIN_MAX - 1)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0')
			return 0;
		if (s[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (++lab > 63)
			return 0;
	}
	return lab > 0;
}

int
spf_domain_valid_identity(const char *s, size_t len)
{
	size_t	 i, last = 0, nlab = 1;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (!spf_domain_ok(s, len))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			nlab++;
			last = i + 1;
		} else if (!(spf_isalnum((unsigned char)s[i]) ||
		    s[i] == '-' || s[i] == '_'))
			return 0;
	}
	return nlab >= 2 && spf_toplabel_ok(s + last, len - last);
}

/*
 * spf_copy - copy a C string into dst (size dstsz), cut to fit.
 */
static void
spf_copy(char *dst, size_t dstsz, const char *src)
{
	size_t	 n;

	if (dstsz == 0)
		return;
	n = strlen(src);
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * spf_safe_copy - copy untrusted text for logs and A-R comments: bytes
 * outside printable ASCII, parentheses, backslash and double quote
 * become '?', the result is cut to fit.
 */
static void
spf_safe_copy(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t	 i, o = 0;
	int	 c;

	if (dstsz == 0)
		return;
	for (i = 0; i < len && o + 1 < dstsz; i++) {
		c = (unsigned char)src[i];
		if (c < 0x20 || c > 0x7e || c == '(' || c == ')' ||
		    c == '\\' || c == '"')
			c = '?';
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

/*
 * spf_ipmatch - do the first cidr bits of a and b agree? (n = 4 or 16)
 */
static int
spf_ipmatch(const unsigned char *a, const unsigned char *b, int n,
    int cidr)
{
	int	 full, rem;
	unsigned char mask;

	if (cidr > n * 8)
		cidr = n * 8;
	full = cidr / 8;
	rem = cidr % 8;
	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rem == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rem));
	return (a[full] & mask) == (b[full] & mask);
}

/*
 * spf_name_suffix - is name equal to dom or a subdomain of it (both lower
 * case, no trailing dot)?
 */
static int
spf_name_suffix(const char *name, const char *dom)
{
	size_t	 n = strlen(name), d = strlen(dom);

	if (d == 0 || n < d)
		return 0;
	if (strcasecmp(name + n - d, dom) != 0)
		return 0;
	return n == d || name[n - d - 1] == '.';
}

/* ---------------------------------------------------------------- */
/* evaluator                                                         */

/*
 * spf_check - set up the request, work out the identity and <ip> (RFC
 * 7208 2.3, 2.4, 4.1, 4.3) and start with the record look-up of <domain>.
 */
struct spf_req *
spf_check(struct event_base *base, struct dns *dns,
    const struct spf_input *in, spf_done_fn done, void *arg)
{
	struct spf_req	*r;
	struct timeval	 tv;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*mf, *ip, *at, *sd;
	size_t		 i, n;
	char		*s;

	if (base == NULL || dns == NULL || in == NULL || done == NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->dns = dns;
	r->done = done;
	r->arg = arg;
	r->sec = DNS_SEC_SECURE;
	r->res.sec = DNS_SEC_INSECURE;
	r->res.result = SPF_RES_NONE;
	for (i = 0; i < SPF_NSUB; i++)
		r->subs[i].req = r;
	if ((r->timer = evtimer_new(base, spf_timer_cb, r)) == NULL)
		fatalx("spf: cannot create a timer");
	r->deadline_ms = in->deadline_ms > 0 ? in->deadline_ms :
	    SPF_DEADLINE_MS;
	tv.tv_sec = r->deadline_ms / 1000;
	tv.tv_usec = (r->deadline_ms % 1000) * 1000;
	if (evtimer_add(r->timer, &tv) == -1)
		fatalx("spf: cannot arm a timer");
	r->now = in->now != 0 ? (long long)in->now : (long long)time(NULL);
	spf_copy(r->helo, sizeof(r->helo), in->helo != NULL ? in->helo : "");
	spf_copy(r->receiver, sizeof(r->receiver),
	    in->receiver != NULL && in->receiver[0] != '\0' ?
	    in->receiver : "unknown");

	/* the identity: MAIL FROM, or postmaster@HELO (RFC 7208 2.4) */
	mf = in->mail_from != NULL ? in->mail_from : "";
	if (in->identity == SPF_ID_MAILFROM && mf[0] != '\0') {
		r->res.identity = SPF_ID_MAILFROM;
		if (strlen(mf) >= SPF_SENDER_MAX) {
			spf_finish(r, SPF_RES_NONE, "MAIL FROM too long");
			return r;
		}
		if ((at = strrchr(mf, '@')) == NULL) {
			/* 4.3: no local-part: "postmaster" */
			snprintf(r->local, sizeof(r->local), "postmaster");
			sd = mf;
		} else {
			n = (size_t)(at - mf);
			if (n == 0)
				snprintf(r->local, sizeof(r->local),
				    "postmaster");
			else
				snprintf(r->local, sizeof(r->local), "%.*s",
				    (int)n, mf);
			sd = at + 1;
		}
	} else {
		r->res.identity = SPF_ID_HELO;
		snprintf(r->local, sizeof(r->local), "postmaster");
		sd = r->helo;
	}
	spf_copy(r->sdomain, sizeof(r->sdomain), sd);
	if (snprintf(r->res.sender, sizeof(r->res.sender), "%s@%s",
	    r->local, r->sdomain) >= (int)sizeof(r->res.sender)) {
		spf_finish(r, SPF_RES_NONE, "MAIL FROM too long");
		return r;
	}

	/* <ip>: a v4-mapped IPv6 address is IPv4 (RFC 7208 5 / 4.1) */
	ip = in->client_ip != NULL ? in->client_ip : "";
	if (strncasecmp(ip, "IPv6:", 5) == 0)
		ip += 5;
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		r->family = AF_INET;
		memcpy(r->ip, &a4, 4);
	} else if (inet_pton(AF_INET6, ip, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			r->family = AF_INET;
			memcpy(r->ip, a6.s6_addr + 12, 4);
		} else {
			r->family = AF_INET6;
			memcpy(r->ip, a6.s6_addr, 16);
		}
	} else {
		spf_finish(r, SPF_RES_NONE, "no usable client address");
		return r;
	}
	if (r->family == AF_INET) {
		snprintf(r->ip_i, sizeof(r->ip_i), "%u.%u.%u.%u", r->ip[0],
		    r->ip[1], r->ip[2], r->ip[3]);
		spf_copy(r->ip_c, sizeof(r->ip_c), r->ip_i);
	} else {
		/*
		 * 7.3: "i" is dot-separated nibbles, in lower case as in
		 * the examples of 7.4; "c" the RFC 5952 text
		 */
		s = r->ip_i;
		for (i = 0; i < 16; i++) {
			*s++ = "0123456789abcdef"[r->ip[i] >> 4];
			*s++ = '.';
			*s++ = "0123456789abcdef"[r->ip[i] & 0xf];
			*s++ = i < 15 ? '.' : '\0';
		}
		if (inet_ntop(AF_INET6, r->ip, r->ip_c, sizeof(r->ip_c)) ==
		    NULL)
			snprintf(r->ip_c, sizeof(r->ip_c), "unknown");
	}

	/* 4.3: a malformed or single-label <domain> gives "none" */
	n = strlen(r->sdomain);
	if (!spf_domain_valid_identity(r->sdomain, n)) {
		spf_finish(r, SPF_RES_NONE, "malformed domain");
		return r;
	}
	for (i = 0; i < n && i + 1 < sizeof(r->res.domain); i++)
		r->res.domain[i] = (char)spf_lower((unsigned char)
		    r->sdomain[i]);
	r->res.domain[i] = '\0';
	if (i > 0 && r->res.domain[i - 1] == '.')
		r->res.domain[i - 1] = '\0';

	r->frames[0] = spf_frame_new(r->res.domain);
	r->depth = 1;
	spf_run(r);
	return r;
}

void
spf_cancel(struct spf_req *r)
{
	if (r == NULL)
		return;
	spf_req_free(r);
}

/*
 * spf_req_free - cancel what is pending and free everything.
 */
static void
spf_req_free(struct spf_req *r)
{
	int	 i;

	spf_cancel_subs(r);
	if (r->timer != NULL)
		event_free(r->timer);
	for (i = 0; i < r->depth; i++)
		spf_frame_free(r->frames[i]);
	free(r);
}

/*
 * spf_cancel_subs - cancel every outstanding query of the term.
 */
static void
spf_cancel_subs(struct spf_req *r)
{
	int	 i;

	for (i = 0; i < SPF_NSUB; i++) {
		if (r->subs[i].active && r->subs[i].q != NULL)
			dns_cancel(r->subs[i].q);
		r->subs[i].q = NULL;
		r->subs[i].active = 0;
	}
	r->npending = 0;
}

/*
 * spf_finish - the result is final: stop all queries and deliver it
 * from the event loop (never from inside spf_check()).
 */
static void
spf_finish(struct spf_req *r, enum spf_res res, const char *fmt, ...)
{
	struct timeval	 tv = { 0, 0 };
	char		 buf[SPF_REASON_MAX];
	va_list		 ap;

	if (r->finishing)
		return;
	r->finishing = 1;
	spf_cancel_subs(r);
	r->res.result = res;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	spf_safe_copy(r->res.reason, sizeof(r->res.reason), buf,
	    strlen(buf));
	r->res.sec = r->sec;
	if (res == SPF_RES_TEMPERROR && r->sec == DNS_SEC_SECURE)
		r->res.sec = DNS_SEC_INSECURE;
	if (log_get_verbose() > 0)
		log_debug("spf: %s for %s (%s) lookups=%d voids=%d "
		    "depth=%d waiting-for=%s", spf_result_name(res),
		    r->res.domain, r->res.reason, r->res.lookups,
		    r->res.voids, r->depth, spf_wait_names[r->wait]);
	if (res != SPF_RES_FAIL)
		r->res.explanation[0] = '\0';
	if (evtimer_add(r->timer, &tv) == -1)
		fatalx("spf: cannot arm a timer");
}

/*
 * spf_timer_cb - deliver a final result, or enforce the deadline
 * (RFC 7208 4.6.4: temperror; while fetching the explanation the result
 * is already fail, only the explanation is given up).
 */
static void
spf_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spf_req		*r = arg;
	struct spf_frame	*f;
	char			 reason[SPF_REASON_MAX];

	(void)fd;
	(void)what;
	if (!r->finishing) {
		f = r->depth > 0 ? r->frames[r->depth - 1] : NULL;
		if (f != NULL && (f->state == FS_EXP_START ||
		    f->state == FS_EXP_WAIT || f->state == FS_EXP_TEXT)) {
			r->res.explanation[0] = '\0';
			spf_copy(reason, sizeof(reason), r->res.reason);
			spf_finish(r, SPF_RES_FAIL, "%s", reason);
		} else
			spf_finish(r, SPF_RES_TEMPERROR,
			    "time limit of %ld ms exceeded", r->deadline_ms);
	}
	spf_deliver(r);
}

/*
 * spf_deliver - call the user, then free the request.
 */
static void
spf_deliver(struct spf_req *r)
{
	r->done(r->arg, &r->res);
	spf_req_free(r);
}

/*
 * spf_issue - start query idx of the current set.
 */
static int
spf_issue(struct spf_req *r, int idx, const char *name, int qtype)
{
	struct spf_sub	*s = &r->subs[idx];

	s->done = 0;
	s->match = 0;
	s->nrr = 0;
	s->status = DNS_TEMPFAIL;
	if (idx >= r->nsubs)
		r->nsubs = idx + 1;
	s->q = dns_lookup(r->dns, name, qtype, spf_sub_cb, s);
	if (s->q == NULL) {
		s->done = 1;
		return -1;
	}
	s->active = 1;
	r->npending++;
	return 0;
}

/*
 * spf_note_sec - fold an answer's DNSSEC status into the aggregate: the
 * result is secure only if every answer it used was.
 */
static void
spf_note_sec(struct spf_req *r, const struct dns_answer *a)
{
	if (a->status == DNS_BOGUS || a->sec == DNS_SEC_BOGUS)
		r->sec = DNS_SEC_BOGUS;
	else if (a->sec != DNS_SEC_SECURE && r->sec == DNS_SEC_SECURE)
		r->sec = DNS_SEC_INSECURE;
}

/*
 * spf_addr_match - does an A/AAAA answer hold <ip> within cidr?
 */
static int
spf_addr_match(struct spf_req *r, const struct dns_answer *a, int c4,
    int c6)
{
	size_t	 i;

	if (a->status != DNS_OK)
		return 0;
	for (i = 0; i < a->nrr; i++) {
		if (r->family == AF_INET && a->rr[i].len == 4 &&
		    spf_ipmatch(r->ip, a->rr[i].data, 4, c4))
			return 1;
		if (r->family == AF_INET6 && a->rr[i].len == 16 &&
		    spf_ipmatch(r->ip, a->rr[i].data, 16, c6))
			return 1;
	}
	return 0;
}

/*
 * spf_sub_cb - an answer for one query of the current set. The answer
 * is consumed here, while it is valid.
 */
static void
spf_sub_cb(void *arg, const struct dns_answer *a)
{
	struct spf_sub	*s = arg;
	struct spf_req	*r = s->req;
	char		 reason[SPF_REASON_MAX];
	size_t		 i;

	s->q = NULL;
	s->active = 0;
	s->done = 1;
	s->status = a->status;
	s->nrr = a->nrr;
	if (s->status == DNS_OK && a->nrr == 0)
		s->status = DNS_NODATA;
	r->npending--;
	spf_note_sec(r, a);

	switch (r->wait) {
	case SW_TXT:
		spf_on_txt(r, a);
		break;
	case SW_A:
	case SW_MX:
	case SW_EXISTS:
		spf_mech_answer(r, s, a);
		break;
	case SW_MXADDR:
		s->match = spf_addr_match(r, a, r->cidr4, r->cidr6);
		spf_mxaddr_consume(r);
		break;
	case SW_PTR:
		r->ptr_status = s->status;
		r->nptr = 0;
		if (s->status == DNS_OK)
			for (i = 0; i < a->nrr && r->nptr < SPF_MAX_NAMES;
			    i++) {
				/* 4.6.4: names beyond the 10th are ignored */
				if (a->rr[i].name == NULL ||
				    a->rr[i].name[0] == '\0')
					continue;
				spf_copy(r->ptr_names[r->nptr],
				    SPF_DOMAIN_MAX, a->rr[i].name);
				spf_domain_truncate(r->ptr_names[r->nptr]);
				r->nptr++;
			}
		spf_ptr_names_done(r);
		break;
	case SW_PTRADDR:
		s->match = spf_addr_match(r, a, 32, 128);
		if (r->npending == 0)
			spf_ptr_valid_done(r);
		break;
	case SW_EXP:
		/* 6.2: exactly one TXT record, else no explanation */
		if (s->status == DNS_OK && a->nrr == 1 &&
		    spf_txt_concat(&a->rr[0], r->exptext, sizeof(r->exptext),
		    &r->exptextlen) == 0 &&
		    r->exptextlen < sizeof(r->exptext)) {
			r->frames[r->depth - 1]->state = FS_EXP_TEXT;
			break;
		}
		r->exptextlen = 0;
		spf_copy(reason, sizeof(reason), r->res.reason);
		spf_finish(r, SPF_RES_FAIL, "%s", reason);
		break;
	default:
		break;
	}
	if (!r->finishing && r->npending == 0)
		spf_run(r);
}

/*
 * spf_run - advance the machine until it waits for DNS or is finished.
 */
static void
spf_run(struct spf_req *r)
{
	struct spf_frame	*f;

	while (!r->finishing && r->npending == 0 && r->depth > 0) {
		f = r->frames[r->depth - 1];
		switch (f->state) {
		case FS_FETCH:
			spf_fetch(r, f);
			break;
		case FS_TERMS:
			spf_step(r, f);
			break;
		case FS_EXP_START:
			spf_exp_start(r, f);
			break;
		case FS_EXP_TEXT:
			spf_exp_text(r, f);
			break;
		default:
			log_warnx("spf: stuck in state %s, waiting for %s",
			    spf_fstate_names[f->state],
			    spf_wait_names[r->wait]);
			spf_finish(r, SPF_RES_TEMPERROR, "internal error");
			break;
		}
	}
}

/*
 * spf_frame_new - a frame that will look up the record of domain.
 */
static struct spf_frame *
spf_frame_new(const char *domain)
{
	struct spf_frame	*f;

	f = xcalloc(1, sizeof(*f));
	spf_copy(f->domain, sizeof(f->domain), domain);
	f->state = FS_FETCH;
	return f;
}

/* spf_frame_free - free a frame and its record; accepts NULL */
static void
spf_frame_free(struct spf_frame *f)
{
	if (f == NULL)
		return;
	free(f->record);
	free(f->terms);
	free(f);
}

/*
 * spf_frame_set_domain - RFC 7208 6.1: redirect= replaces the record
 * being evaluated by that of another domain (and its exp=).
 */
static void
spf_frame_set_domain(struct spf_frame *f, const char *domain)
{
	free(f->record);
	free(f->terms);
	f->record = NULL;
	f->terms = NULL;
	memset(&f->rec, 0, sizeof(f->rec));
	spf_copy(f->domain, sizeof(f->domain), domain);
	f->redirected = 1;
	f->term = 0;
	f->state = FS_FETCH;
}

/*
 * spf_fetch - RFC 7208 4.4: look up the TXT records of the frame's
 * domain.
 */
static void
spf_fetch(struct spf_req *r, struct spf_frame *f)
{
	r->wait = SW_TXT;
	r->nsubs = 0;
	r->nextsub = 0;
	if (spf_issue(r, 0, f->domain, DNS_T_TXT) == -1) {
		spf_finish(r, SPF_RES_TEMPERROR, "cannot query %s",
		    f->domain);
		return;
	}
	f->state = FS_WAIT_TXT;
}

/*
 * spf_txt_concat - the character-strings of a TXT RR joined without
 * separator (RFC 7208 3.3) into out; *len gets the full length, which
 * may exceed outsz - 1 (then out holds a prefix). Returns 0, or -1 on
 * malformed RDATA.
 */
static int
spf_txt_concat(const struct dns_rr *rr, char *out, size_t outsz,
    size_t *len)
{
	size_t	 i = 0, l, o = 0, c;

	while (i < rr->len) {
		l = rr->data[i];
		if (i + 1 + l > rr->len)
			return -1;
		if (o < outsz) {
			c = outsz - 1 - o < l ? outsz - 1 - o : l;
			memcpy(out + o, rr->data + i + 1, c);
		}
		o += l;
		i += 1 + l;
	}
	if (outsz > 0)
		out[o < outsz ? o : outsz - 1] = '\0';
	*len = o;
	return 0;
}

/*
 * spf_on_txt - RFC 7208 4.4, 4.5: select the single "v=spf1" record and
 * parse it; none without one, permerror with several.
 */
static void
spf_on_txt(struct spf_req *r, const struct dns_answer *a)
{
	struct spf_frame	*f = r->frames[r->depth - 1];
	char			*buf, err[128];
	size_t			 i, len, sel = 0, nspf = 0, nterms;

	if (a->status == DNS_TEMPFAIL || a->status == DNS_BOGUS) {
		spf_finish(r, SPF_RES_TEMPERROR, "%s looking up %s",
		    a->status == DNS_BOGUS ? "DNSSEC failure" : "DNS error",
		    f->domain);
		return;
	}
	buf = xmalloc(SPF_RECORD_MAX + 1);
	if (a->status == DNS_OK)
		for (i = 0; i < a->nrr; i++) {
			if (spf_txt_concat(&a->rr[i], buf, SPF_RECORD_MAX + 1,
			    &len) == -1)
				continue;
			if (!spf_record_is_spf(buf, len < SPF_RECORD_MAX ?
			    len : SPF_RECORD_MAX))
				continue;
			nspf++;
			sel = i;
		}
	if (nspf == 0) {
		free(buf);
		if (f->redirected)
			spf_finish(r, SPF_RES_PERMERROR,
			    "redirect target %s has no SPF record",
			    f->domain);
		else
			spf_frame_done(r, SPF_RES_NONE, "no SPF record");
		return;
	}
	if (nspf > 1) {
		free(buf);
		spf_finish(r, SPF_RES_PERMERROR, "%s has %zu SPF records",
		    f->domain, nspf);
		return;
	}
	(void)spf_txt_concat(&a->rr[sel], buf, SPF_RECORD_MAX + 1, &len);
	if (len > SPF_RECORD_MAX) {
		free(buf);
		spf_finish(r, SPF_RES_PERMERROR, "SPF record of %s too long",
		    f->domain);
		return;
	}
	f->record = buf;
	f->reclen = len;
	nterms = spf_record_count_terms(buf, len);
	if (nterms > SPF_MAX_TERMS + 1) {
		spf_finish(r, SPF_RES_PERMERROR, "SPF record of %s has too "
		    "many terms", f->domain);
		return;
	}
	f->terms = xcalloc(nterms, sizeof(*f->terms));
	if (spf_record_parse(buf, len, &f->rec, f->terms,
	    nterms < SPF_MAX_TERMS ? nterms : SPF_MAX_TERMS, err,
	    sizeof(err)) == -1) {
		spf_finish(r, SPF_RES_PERMERROR, "%s", err);
		return;
	}
	f->term = 0;
	f->state = FS_TERMS;
}

/*
 * spf_count_lookup - RFC 7208 4.6.4: a term that causes DNS look-ups;
 * more than 10 is a permerror. Returns 0 when the check ended.
 */
static int
spf_count_lookup(struct spf_req *r)
{
	if (r->res.lookups >= SPF_MAX_DNS_MECH) {
		spf_finish(r, SPF_RES_PERMERROR, "more than %d DNS look-ups",
		    SPF_MAX_DNS_MECH);
		return 0;
	}
	r->res.lookups++;
	return 1;
}

/*
 * spf_count_void - RFC 7208 4.6.4: a look-up that gave NXDOMAIN or no
 * answers; more than 2 is a permerror. Returns 0 when the check ended.
 */
static int
spf_count_void(struct spf_req *r)
{
	if (++r->res.voids > SPF_MAX_VOID) {
		spf_finish(r, SPF_RES_PERMERROR, "more than %d void look-ups",
		    SPF_MAX_VOID);
		return 0;
	}
	return 1;
}

/*
 * spf_vars - the macro values for the current <domain>.
 */
static void
spf_vars(struct spf_req *r, const char *domain, struct spf_macro_vars *v)
{
	memset(v, 0, sizeof(*v));
	v->s = r->res.sender;
	v->l = r->local;
	v->o = r->sdomain;
	v->d = domain;
	v->i = r->ip_i;
	v->p = spf_p_value(r, domain);
	v->v = r->family == AF_INET ? "in-addr" : "ip6";
	v->h = r->helo;
	v->c = r->ip_c;
	v->r = r->receiver;
	v->t = r->now;
}

/*
 * spf_expand_target - the <target-name> of a term: its domain-spec
 * expanded and cut to 253 characters (7.3), or the current <domain>.
 * name has SPF_DOMAIN_MAX bytes. Returns 0 or -1 (expansion too long).
 */
static int
spf_expand_target(struct spf_req *r, struct spf_frame *f,
    const struct spf_term *t, char *name)
{
	struct spf_macro_vars	 v;
	char			*buf;
	size_t			 len;
	int			 rv;

	if (t->arg == NULL) {
		spf_copy(name, SPF_DOMAIN_MAX, f->domain);
		return 0;
	}
	spf_vars(r, f->domain, &v);
	buf = xmalloc(SPF_RECORD_MAX + SPF_VALUE_MAX);
	rv = spf_macro_expand(t->arg, t->arglen, SPF_MACRO_DOMAIN, &v, buf,
	    SPF_RECORD_MAX + SPF_VALUE_MAX, &len);
	if (rv == 0) {
		spf_domain_truncate(buf);
		len = strlen(buf);
		if (len >= SPF_DOMAIN_MAX)	/* a single huge label */
			len = SPF_DOMAIN_MAX - 1;
		memcpy(name, buf, len);
		name[len] = '\0';
		/* keep an over-long label invalid after the cut */
		if (strlen(buf) >= SPF_DOMAIN_MAX)
			name[0] = '.';
	}
	free(buf);
	return rv == 0 ? 0 : -1;
}

/*
 * spf_need_ptr - a term that needs the validated names of <ip> (ptr, or
 * a %{p} macro): start finding them unless known. Returns 1 if the caller
 * must wait.
 */
static int
spf_need_ptr(struct spf_req *r, const struct spf_term *t)
{
	if (r->ptr_state == 2)
		return 0;
	if (t->kind != SPF_T_PTR && (t->arg == NULL ||
	    !spf_macro_uses(t->arg, t->arglen, 'p')))
		return 0;
	spf_ptr_start(r);
	return r->npending > 0;
}

/*
 * spf_reverse_name - the in-addr.arpa / ip6.arpa name of <ip>.
 */
static void
spf_reverse_name(struct spf_req *r, char *buf, size_t sz)
{
	size_t	 i, o = 0;

	if (r->family == AF_INET) {
		snprintf(buf, sz, "%u.%u.%u.%u.in-addr.arpa", r->ip[3],
		    r->ip[2], r->ip[1], r->ip[0]);
		return;
	}
	for (i = 16; i > 0 && o + 4 < sz; i--) {
		buf[o++] = "0123456789abcdef"[r->ip[i - 1] & 0xf];
		buf[o++] = '.';
		buf[o++] = "0123456789abcdef"[r->ip[i - 1] >> 4];
		buf[o++] = '.';
	}
	snprintf(buf + o, sz - o, "ip6.arpa");
}

/*
 * spf_ptr_start - RFC 7208 5.5 first step: the PTR names of <ip>.
 */
static void
spf_ptr_start(struct spf_req *r)
{
	char	 rev[SPF_IPTEXT_MAX + 16];

	r->ptr_state = 1;
	r->nptr = 0;
	spf_reverse_name(r, rev, sizeof(rev));
	r->wait = SW_PTR;
	r->nsubs = 0;
	r->nextsub = 0;
	if (spf_issue(r, 0, rev, DNS_T_PTR) == -1) {
		r->ptr_status = DNS_TEMPFAIL;
		r->ptr_state = 2;
	}
}

/*
 * spf_ptr_names_done - validate each PTR name: look up its addresses
 * (A or AAAA, as <ip>), in parallel.
 */
static void
spf_ptr_names_done(struct spf_req *r)
{
	int	 i, qtype = r->family == AF_INET ? DNS_T_A : DNS_T_AAAA;

	if (r->nptr == 0) {
		r->ptr_state = 2;
		return;
	}
	r->wait = SW_PTRADDR;
	r->nsubs = 0;
	r->nextsub = 0;
	for (i = 0; i < r->nptr; i++)
		(void)spf_issue(r, i, r->ptr_names[i], qtype);
	if (r->npending == 0)
		spf_ptr_valid_done(r);
}

/*
 * spf_ptr_valid_done - a name is validated when its addresses include
 * <ip>; a DNS error skips the name (5.5).
 */
static void
spf_ptr_valid_done(struct spf_req *r)
{
	int	 i;

	for (i = 0; i < r->nptr; i++)
		r->ptr_valid[i] = r->subs[i].done &&
		    r->subs[i].status == DNS_OK && r->subs[i].match;
	r->ptr_state = 2;
	r->wait = SW_NONE;
}

/*
 * spf_p_value - RFC 7208 7.3 "p": the validated name equal to <domain>,
 * else one below it, else any; "unknown" without one.
 */
static const char *
spf_p_value(struct spf_req *r, const char *domain)
{
	int	 i;

	if (r->ptr_state != 2 || r->ptr_status != DNS_OK)
		return "unknown";
	for (i = 0; i < r->nptr; i++)
		if (r->ptr_valid[i] && strcasecmp(r->ptr_names[i],
		    domain) == 0)
			return r->ptr_names[i];
	for (i = 0; i < r->nptr; i++)
		if (r->ptr_valid[i] && spf_name_suffix(r->ptr_names[i],
		    domain))
			return r->ptr_names[i];
	for (i = 0; i < r->nptr; i++)
		if (r->ptr_valid[i])
			return r->ptr_names[i];
	return "unknown";
}

/*
 * spf_step - evaluate the frame's current term (RFC 7208 4.6.2, 5, 6).
 */
static void
spf_step(struct spf_req *r, struct spf_frame *f)
{
	const struct spf_term	*t;
	char			 name[SPF_DOMAIN_MAX];
	int			 i, match, qtype;

	if (f->term >= f->rec.nterms) {
		/* 6.1: redirect= when no mechanism matched and no "all" */
		if (f->rec.redirect >= 0 && !f->rec.has_all) {
			t = &f->terms[f->rec.redirect];
			if (spf_need_ptr(r, t))
				return;
			if (!spf_count_lookup(r))
				return;
			if (spf_expand_target(r, f, t, name) == -1 ||
			    !spf_domain_ok(name, strlen(name))) {
				spf_finish(r, SPF_RES_PERMERROR,
				    "bad redirect= target");
				return;
			}
			spf_frame_set_domain(f, name);
			return;
		}
		/* 4.7: default result */
		spf_frame_done(r, SPF_RES_NEUTRAL, "no mechanism matched");
		return;
	}
	t = &f->terms[f->term];
	switch (t->kind) {
	case SPF_T_REDIRECT:
	case SPF_T_EXP:
	case SPF_T_UNKNOWN_MOD:
		f->term++;		/* 6.3: unknown modifiers ignored */
		return;
	case SPF_T_ALL:
		spf_match(r, f, t);
		return;
	case SPF_T_IP4:
	case SPF_T_IP6:
		/* 5.6: ip4 only matches IPv4, ip6 only IPv6 */
		if ((t->kind == SPF_T_IP4 && r->family == AF_INET &&
		    spf_ipmatch(r->ip, t->addr, 4, t->cidr4)) ||
		    (t->kind == SPF_T_IP6 && r->family == AF_INET6 &&
		    spf_ipmatch(r->ip, t->addr, 16, t->cidr6)))
			spf_match(r, f, t);
		else
			f->term++;
		return;
	default:
		break;
	}

	/* include, a, mx, ptr, exists: they count (4.6.4) */
	if (spf_need_ptr(r, t))
		return;
	if (!spf_count_lookup(r))
		return;
	if (spf_expand_target(r, f, t, name) == -1) {
		spf_finish(r, SPF_RES_PERMERROR, "macro expansion too long");
		return;
	}
	switch (t->kind) {
	case SPF_T_INCLUDE:
		/* 5.2: a malformed target gives none, hence permerror */
		if (!spf_domain_ok(name, strlen(name))) {
			spf_finish(r, SPF_RES_PERMERROR,
			    "include of a malformed name");
			return;
		}
		if (r->depth >= SPF_MAX_DEPTH) {
			spf_finish(r, SPF_RES_PERMERROR,
			    "includes nested too deeply");
			return;
		}
		f->state = FS_WAIT_CHILD;
		r->frames[r->depth++] = spf_frame_new(name);
		return;
	case SPF_T_PTR:
		/* 5.5: a validated name equal to or below the target */
		if ((r->ptr_status == DNS_NXDOMAIN ||
		    r->ptr_status == DNS_NODATA) && !spf_count_void(r))
			return;
		match = 0;
		for (i = 0; i < r->nptr && !match; i++)
			if (r->ptr_valid[i] &&
			    spf_name_suffix(r->ptr_names[i], name))
				match = 1;
		if (match)
			spf_match(r, f, t);
		else
			f->term++;
		return;
	default:
		break;
	}
	/*
	 * a, mx, exists. A target that is no valid DNS name (empty or long
	 * label, e.g. from a macro) is treated as non-existent: RFC 7208
	 * leaves this open (the conformance suite accepts fail or
	 * permerror); analogy with 4.3 and 5/10/3 gives "no match".
	 */
	if (!spf_domain_ok(name, strlen(name))) {
		if (spf_count_void(r))
			f->term++;
		return;
	}
	r->cidr4 = t->cidr4;
	r->cidr6 = t->cidr6;
	r->nsubs = 0;
	r->nextsub = 0;
	if (t->kind == SPF_T_MX) {
		r->wait = SW_MX;
		qtype = DNS_T_MX;
	} else if (t->kind == SPF_T_EXISTS) {
		r->wait = SW_EXISTS;
		qtype = DNS_T_A;	/* 5.7: always A */
	} else {
		r->wait = SW_A;
		qtype = r->family == AF_INET ? DNS_T_A : DNS_T_AAAA;
	}
	if (spf_issue(r, 0, name, qtype) == -1) {
		spf_finish(r, SPF_RES_TEMPERROR, "cannot query %s", name);
		return;
	}
	f->state = FS_WAIT_MECH;
}

/*
 * spf_mech_answer - the answer to an a, mx or exists look-up (5.3, 5.4,
 * 5.7).
 */
static void
spf_mech_answer(struct spf_req *r, struct spf_sub *s,
    const struct dns_answer *a)
{
	size_t	 i;
	int	 qtype;

	if (s->status == DNS_TEMPFAIL || s->status == DNS_BOGUS) {
		spf_finish(r, SPF_RES_TEMPERROR, "%s looking up %s",
		    s->status == DNS_BOGUS ? "DNSSEC failure" : "DNS error",
		    a->qname != NULL ? a->qname : "?");
		return;
	}
	if (s->status != DNS_OK) {
		if (spf_count_void(r))
			spf_mech_result(r, 0);
		return;
	}
	switch (r->wait) {
	case SW_A:
		spf_mech_result(r, spf_addr_match(r, a, r->cidr4,
		    r->cidr6));
		return;
	case SW_EXISTS:
		spf_mech_result(r, 1);
		return;
	case SW_MX:
		/* 4.6.4: more than 10 MX records is a permerror */
		if (a->nrr > SPF_MAX_NAMES) {
			spf_finish(r, SPF_RES_PERMERROR,
			    "more than %d MX records", SPF_MAX_NAMES);
			return;
		}
		r->nnames = 0;
		for (i = 0; i < a->nrr; i++) {
			/* a null MX (RFC 7505) names no host */
			if (a->rr[i].name == NULL || a->rr[i].name[0] == '\0' ||
			    strcmp(a->rr[i].name, ".") == 0)
				continue;
			spf_copy(r->names[r->nnames], SPF_DOMAIN_MAX,
			    a->rr[i].name);
			r->nnames++;
		}
		if (r->nnames == 0) {
			spf_mech_result(r, 0);
			return;
		}
		r->wait = SW_MXADDR;
		r->nsubs = 0;
		r->nextsub = 0;
		qtype = r->family == AF_INET ? DNS_T_A : DNS_T_AAAA;
		for (i = 0; i < (size_t)r->nnames; i++)
			if (spf_issue(r, (int)i, r->names[i], qtype) == -1) {
				spf_finish(r, SPF_RES_TEMPERROR,
				    "cannot query %s", r->names[i]);
				return;
			}
		return;
	default:
		return;
	}
}

/*
 * spf_mxaddr_consume - take the MX hosts' answers in order: the first
 * DNS error is a temperror, the first match a match (5.4).
 */
static void
spf_mxaddr_consume(struct spf_req *r)
{
	struct spf_sub	*s;

	while (r->nextsub < r->nsubs && r->subs[r->nextsub].done) {
		s = &r->subs[r->nextsub];
		if (s->status == DNS_TEMPFAIL || s->status == DNS_BOGUS) {
			spf_finish(r, SPF_RES_TEMPERROR, "%s looking up %s",
			    s->status == DNS_BOGUS ? "DNSSEC failure" :
			    "DNS error", r->names[r->nextsub]);
			return;
		}
		if (s->match) {
			spf_cancel_subs(r);
			spf_mech_result(r, 1);
			return;
		}
		r->nextsub++;
	}
	if (r->nextsub >= r->nsubs)
		spf_mech_result(r, 0);
}

/*
 * spf_mech_result - the current DNS mechanism matched or not.
 */
static void
spf_mech_result(struct spf_req *r, int match)
{
	struct spf_frame	*f = r->frames[r->depth - 1];

	r->wait = SW_NONE;
	f->state = FS_TERMS;
	if (match)
		spf_match(r, f, &f->terms[f->term]);
	else
		f->term++;
}

/*
 * spf_match - a mechanism matched: its qualifier is the result of the
 * frame (4.6.2).
 */
static void
spf_match(struct spf_req *r, struct spf_frame *f, const struct spf_term *t)
{
	char		 reason[SPF_REASON_MAX], shown[64];
	enum spf_res	 res;

	(void)f;
	switch (t->qualifier) {
	case '-':
		res = SPF_RES_FAIL;
		break;
	case '~':
		res = SPF_RES_SOFTFAIL;
		break;
	case '?':
		res = SPF_RES_NEUTRAL;
		break;
	default:
		res = SPF_RES_PASS;
		break;
	}
	spf_safe_copy(shown, sizeof(shown), t->text, t->textlen);
	snprintf(reason, sizeof(reason), "matched %s", shown);
	spf_frame_done(r, res, reason);
}

/*
 * spf_frame_done - the top frame has a result. At depth 1 it is the
 * final one (after exp= for fail, 6.2); for an include frame it decides
 * whether the include matched (5.2: pass matches; fail, softfail and
 * neutral do not; none is a permerror).
 */
static void
spf_frame_done(struct spf_req *r, enum spf_res res, const char *reason)
{
	struct spf_frame	*f = r->frames[r->depth - 1], *p;
	char			 dom[SPF_DOMAIN_MAX];

	if (r->depth == 1) {
		if (res == SPF_RES_FAIL && f->rec.exp >= 0) {
			/* keep the reason while the explanation is fetched */
			spf_copy(r->exptext, sizeof(r->exptext), reason);
			r->res.result = SPF_RES_FAIL;
			spf_copy(r->res.reason, sizeof(r->res.reason), reason);
			f->state = FS_EXP_START;
			return;
		}
		spf_finish(r, res, "%s", reason);
		return;
	}
	spf_copy(dom, sizeof(dom), f->domain);
	spf_frame_free(f);
	r->frames[--r->depth] = NULL;
	p = r->frames[r->depth - 1];
	p->state = FS_TERMS;
	switch (res) {
	case SPF_RES_PASS:
		spf_match(r, p, &p->terms[p->term]);
		break;
	case SPF_RES_NONE:
		spf_finish(r, SPF_RES_PERMERROR, "include:%s has no SPF record",
		    dom);
		break;
	default:
		p->term++;
		break;
	}
}

/*
 * spf_exp_start - RFC 7208 6.2: expand exp= and fetch its TXT record;
 * any problem means no explanation, never another result. Look-ups for
 * exp= do not count against the limits (4.6.4).
 */
static void
spf_exp_start(struct spf_req *r, struct spf_frame *f)
{
	const struct spf_term	*t = &f->terms[f->rec.exp];
	char			 name[SPF_DOMAIN_MAX];

	if (spf_need_ptr(r, t))
		return;
	if (spf_expand_target(r, f, t, name) == -1 ||
	    !spf_domain_ok(name, strlen(name))) {
		spf_finish(r, SPF_RES_FAIL, "%s", r->exptext);
		return;
	}
	/* exptext holds the reason until the TXT text replaces it */
	spf_copy(r->res.reason, sizeof(r->res.reason), r->exptext);
	r->wait = SW_EXP;
	r->nsubs = 0;
	r->nextsub = 0;
	if (spf_issue(r, 0, name, DNS_T_TXT) == -1) {
		spf_finish(r, SPF_RES_FAIL, "%s", r->exptext);
		return;
	}
	f->state = FS_EXP_WAIT;
}

/*
 * spf_exp_text - expand the fetched explain-string (6.2, 7); a syntax
 * error means no explanation.
 */
static void
spf_exp_text(struct spf_req *r, struct spf_frame *f)
{
	struct spf_macro_vars	 v;
	struct spf_term		 fake;
	char			 reason[SPF_REASON_MAX];
	size_t			 i, len;

	spf_copy(reason, sizeof(reason), r->res.reason);
	if (spf_macro_check(r->exptext, r->exptextlen,
	    SPF_MACRO_EXPLAIN) == -1) {
		spf_finish(r, SPF_RES_FAIL, "%s", reason);
		return;
	}
	memset(&fake, 0, sizeof(fake));
	fake.kind = SPF_T_EXP;
	fake.arg = r->exptext;
	fake.arglen = r->exptextlen;
	if (spf_need_ptr(r, &fake))
		return;
	spf_vars(r, f->domain, &v);
	if (spf_macro_expand(r->exptext, r->exptextlen, SPF_MACRO_EXPLAIN,
	    &v, r->res.explanation, sizeof(r->res.explanation), &len) != 0)
		r->res.explanation[0] = '\0';
	/* the values (e.g. the local-part) may hold any byte */
	for (i = 0; r->res.explanation[i] != '\0'; i++)
		if ((unsigned char)r->res.explanation[i] < 0x20 ||
		    (unsigned char)r->res.explanation[i] > 0x7e)
			r->res.explanation[i] = '?';
	spf_finish(r, SPF_RES_FAIL, "%s", reason);
}
