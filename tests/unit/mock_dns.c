/*
 * mock_dns.c - link-time replacement of src/dns.c for unit tests; see
 * mock_dns.h.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dns.h"
#include "mock_dns.h"
#include "xmalloc.h"

#define MOCK_MAX_RR	64

struct mock_dns_rrdata {
	unsigned char	*data;
	size_t		 len;
	unsigned	 pref;
	char		*name;
};

struct mock_dns_entry {
	char			*name;	/* normalised: lower case, no dot */
	int			 qtype;
	enum dns_status		 status;
	enum dns_sec		 sec;
	long			 delay_ms;
	char			*why;
	struct mock_dns_rrdata	 rr[MOCK_MAX_RR];
	size_t			 nrr;
};

struct dns {
	struct event_base	*base;
	long			 timeout_ms;
	TAILQ_HEAD(, dns_query)	 queries;
};

struct dns_query {
	TAILQ_ENTRY(dns_query)	 entry;
	struct dns		*dns;
	struct event		*ev;
	dns_cb			 cb;
	void			*arg;
	size_t			 rec;	/* index into the query log */
	int			 timeout;
	int			 delivering;
	char			*qname;
	int			 qtype;
};

struct mock_dns_expectation {
	char	*name;
	int	 qtype;
};

static struct mock_dns_entry	**mock_entries;
static size_t			  mock_nentries;
static struct mock_dns_query_rec *mock_log;
static size_t			  mock_nlog;
static struct mock_dns_expectation *mock_expect;
static size_t			  mock_nexpect;
static int			  mock_strict_on;
static enum dns_status		  mock_default_status = DNS_NXDOMAIN;
static enum dns_sec		  mock_default_sec = DNS_SEC_INSECURE;
static long			  mock_timeout_ms = -1;
static char			 *mock_new_error;
static char			 *mock_lookup_fail;
static size_t			  mock_ncontexts;
static size_t			  mock_npending;

static char	*mock_norm(const char *);
static int	 mock_name_eq(const char *, const char *);
static struct mock_dns_entry *mock_find(const char *, int);
static void	 mock_query_cb(evutil_socket_t, short, void *);
static void	 mock_query_free(struct dns_query *);

/*
 * mock_norm - lower-cased copy without a trailing dot.
 */
static char *
mock_norm(const char *name)
{
	char	*s = xstrdup(name);
	size_t	 i, n = strlen(s);

	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = '\0';
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = s[i] - 'A' + 'a';
	return s;
}

/*
 * mock_name_eq - names equal ignoring case and a trailing dot.
 */
static int
mock_name_eq(const char *a, const char *b)
{
	char	*na = mock_norm(a), *nb = mock_norm(b);
	int	 eq = strcmp(na, nb) == 0;

	free(na);
	free(nb);
	return eq;
}

/*
 * mock_dns_reset - forget the table, the query log, expectations and
 * settings.
 */
void
mock_dns_reset(void)
{
	size_t	 i, j;

	for (i = 0; i < mock_nentries; i++) {
		for (j = 0; j < mock_entries[i]->nrr; j++) {
			free(mock_entries[i]->rr[j].data);
			free(mock_entries[i]->rr[j].name);
		}
		free(mock_entries[i]->name);
		free(mock_entries[i]->why);
		free(mock_entries[i]);
	}
	free(mock_entries);
	mock_entries = NULL;
	mock_nentries = 0;
	for (i = 0; i < mock_nlog; i++)
		free(mock_log[i].name);
	free(mock_log);
	mock_log = NULL;
	mock_nlog = 0;
	for (i = 0; i < mock_nexpect; i++)
		free(mock_expect[i].name);
	free(mock_expect);
	mock_expect = NULL;
	mock_nexpect = 0;
	mock_strict_on = 0;
	mock_default_status = DNS_NXDOMAIN;
	mock_default_sec = DNS_SEC_INSECURE;
	mock_timeout_ms = -1;
	free(mock_new_error);
	mock_new_error = NULL;
	free(mock_lookup_fail);
	mock_lookup_fail = NULL;
}

/*
 * mock_dns_add - a table entry for name/type (the latest one wins).
 */
struct mock_dns_entry *
mock_dns_add(const char *name, int qtype, enum dns_status st,
    enum dns_sec sec, long delay_ms)
{
	struct mock_dns_entry	*e;

	e = xcalloc(1, sizeof(*e));
	e->name = mock_norm(name);
	e->qtype = qtype;
	e->status = st;
	e->sec = sec;
	e->delay_ms = delay_ms;
	mock_entries = xreallocarray(mock_entries, mock_nentries + 1,
	    sizeof(*mock_entries));
	mock_entries[mock_nentries++] = e;
	return e;
}

/*
 * mock_dns_add_rr - one raw RDATA for an entry.
 */
void
mock_dns_add_rr(struct mock_dns_entry *e, const void *p, size_t len)
{
	if (e->nrr >= MOCK_MAX_RR)
		fail_msg("mock_dns: more than %d RRs", MOCK_MAX_RR);
	e->rr[e->nrr].data = xmemdup(p, len > 0 ? len : 1);
	e->rr[e->nrr].len = len;
	e->nrr++;
}

/*
 * mock_dns_add_txt_parts - TXT RDATA made of the given strings.
 */
void
mock_dns_add_txt_parts(struct mock_dns_entry *e, const char **parts,
    size_t n)
{
	unsigned char	*rd;
	size_t		 i, len = 0, o = 0, pl;

	for (i = 0; i < n; i++)
		len += 1 + strlen(parts[i]);
	rd = xmalloc(len + 1);
	for (i = 0; i < n; i++) {
		pl = strlen(parts[i]);
		if (pl > 255)
			fail_msg("mock_dns: TXT string over 255 bytes");
		rd[o++] = (unsigned char)pl;
		memcpy(rd + o, parts[i], pl);
		o += pl;
	}
	mock_dns_add_rr(e, rd, o);
	free(rd);
}

/*
 * mock_dns_add_txt - TXT RDATA from text, cut into 255-byte strings.
 */
void
mock_dns_add_txt(struct mock_dns_entry *e, const char *text)
{
	unsigned char	*rd;
	size_t		 len = strlen(text), o = 0, i = 0, n;

	rd = xmalloc(len + len / 255 + 2);
	do {
		n = len - i > 255 ? 255 : len - i;
		rd[o++] = (unsigned char)n;
		memcpy(rd + o, text + i, n);
		o += n;
		i += n;
	} while (i < len);
	mock_dns_add_rr(e, rd, o);
	free(rd);
}

/*
 * mock_dns_add_addr - A or AAAA RDATA from an address in text.
 */
void
mock_dns_add_addr(struct mock_dns_entry *e, const char *text)
{
	unsigned char	 a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		mock_dns_add_rr(e, a, 4);
	else if (inet_pton(AF_INET6, text, a) == 1)
		mock_dns_add_rr(e, a, 16);
	else
		fail_msg("mock_dns: bad address %s", text);
}

/*
 * mock_dns_add_name - an MX or PTR RR, given as the parser leaves it (pref
 * and name).
 */
void
mock_dns_add_name(struct mock_dns_entry *e, unsigned pref, const char *name)
{
	unsigned char	 rd[2] = { (unsigned char)(pref >> 8),
			    (unsigned char)pref };

	/* RDATA as the real parser leaves it: the wire form is not needed
	 * by callers of MX/PTR, so only the preference is kept in data */
	mock_dns_add_rr(e, rd, 2);
	e->rr[e->nrr - 1].pref = pref;
	e->rr[e->nrr - 1].name = mock_norm(name);
}

/*
 * mock_dns_set_why - the why_bogus text of an entry.
 */
void
mock_dns_set_why(struct mock_dns_entry *e, const char *why)
{
	free(e->why);
	e->why = xstrdup(why);
}

/*
 * mock_dns_txt - shorthand: an immediate OK answer with one TXT RR.
 */
struct mock_dns_entry *
mock_dns_txt(const char *name, enum dns_sec sec, const char *text)
{
	struct mock_dns_entry	*e;

	e = mock_dns_add(name, DNS_T_TXT, DNS_OK, sec, 0);
	mock_dns_add_txt(e, text);
	return e;
}

/*
 * mock_dns_status - shorthand: an immediate answer without RRs.
 */
struct mock_dns_entry *
mock_dns_status(const char *name, int qtype, enum dns_status st,
    enum dns_sec sec)
{
	return mock_dns_add(name, qtype, st, sec, 0);
}

/*
 * mock_dns_set_default - the answer for names not in the table.
 */
void
mock_dns_set_default(enum dns_status st, enum dns_sec sec)
{
	mock_default_status = st;
	mock_default_sec = sec;
}

/*
 * mock_dns_set_timeout_ms - override the look-up timeout.
 */
void
mock_dns_set_timeout_ms(long ms)
{
	mock_timeout_ms = ms;
}

/*
 * mock_dns_fail_new - the next dns_new() fails with this message.
 */
void
mock_dns_fail_new(const char *err)
{
	free(mock_new_error);
	mock_new_error = xstrdup(err);
}

/*
 * mock_dns_fail_lookup - dns_lookup() returns NULL for this name.
 */
void
mock_dns_fail_lookup(const char *name)
{
	free(mock_lookup_fail);
	mock_lookup_fail = mock_norm(name);
}

/*
 * mock_dns_nqueries - queries made since the last reset.
 */
size_t
mock_dns_nqueries(void)
{
	return mock_nlog;
}

/*
 * mock_dns_query - the record of query i.
 */
const struct mock_dns_query_rec *
mock_dns_query(size_t i)
{
	if (i >= mock_nlog)
		fail_msg("mock_dns: no query %zu (only %zu)", i, mock_nlog);
	return &mock_log[i];
}

/*
 * mock_dns_count - how often name/type was asked.
 */
size_t
mock_dns_count(const char *name, int qtype)
{
	size_t	 i, n = 0;

	for (i = 0; i < mock_nlog; i++)
		if (mock_log[i].qtype == qtype &&
		    mock_name_eq(mock_log[i].name, name))
			n++;
	return n;
}

/*
 * mock_dns_pending - queries neither answered nor cancelled.
 */
size_t
mock_dns_pending(void)
{
	return mock_npending;
}

/*
 * mock_dns_contexts - dns_new() calls not yet matched by dns_free().
 */
size_t
mock_dns_contexts(void)
{
	return mock_ncontexts;
}

/*
 * mock_dns_expect - name/type must be asked before mock_dns_check().
 */
void
mock_dns_expect(const char *name, int qtype)
{
	mock_expect = xreallocarray(mock_expect, mock_nexpect + 1,
	    sizeof(*mock_expect));
	mock_expect[mock_nexpect].name = mock_norm(name);
	mock_expect[mock_nexpect].qtype = qtype;
	mock_nexpect++;
}

/*
 * mock_dns_strict - with on, a query not expected fails the test.
 */
void
mock_dns_strict(int on)
{
	mock_strict_on = on;
}

/*
 * mock_dns_check - fail the test if an expected query was not made.
 */
void
mock_dns_check(void)
{
	size_t	 i;

	for (i = 0; i < mock_nexpect; i++)
		if (mock_dns_count(mock_expect[i].name,
		    mock_expect[i].qtype) == 0)
			fail_msg("mock_dns: expected query %s/%d not made",
			    mock_expect[i].name, mock_expect[i].qtype);
}

/*
 * mock_find - the latest entry for name/type, or NULL.
 */
static struct mock_dns_entry *
mock_find(const char *name, int qtype)
{
	char	*n = mock_norm(name);
	size_t	 i;

	for (i = mock_nentries; i > 0; i--)
		if (mock_entries[i - 1]->qtype == qtype &&
		    strcmp(mock_entries[i - 1]->name, n) == 0) {
			free(n);
			return mock_entries[i - 1];
		}
	free(n);
	return NULL;
}

/* replacements for src/dns.c */

/*
 * dns_new - mock: a context on base (or the error set by
 * mock_dns_fail_new).
 */
struct dns *
dns_new(struct event_base *base, const struct dns_conf *conf, char *err,
    size_t errlen)
{
	struct dns	*dns;

	if (mock_new_error != NULL) {
		snprintf(err, errlen, "%s", mock_new_error);
		free(mock_new_error);
		mock_new_error = NULL;
		return NULL;
	}
	dns = xcalloc(1, sizeof(*dns));
	dns->base = base;
	dns->timeout_ms = (conf->timeout > 0 ? conf->timeout : 1) * 1000L;
	TAILQ_INIT(&dns->queries);
	mock_ncontexts++;
	return dns;
}

/*
 * dns_free - mock: cancel every pending query, free the context.
 */
void
dns_free(struct dns *dns)
{
	struct dns_query	*q;

	if (dns == NULL)
		return;
	while ((q = TAILQ_FIRST(&dns->queries)) != NULL)
		dns_cancel(q);
	free(dns);
	mock_ncontexts--;
}

/*
 * dns_lookup - mock: record the query and arm its answer (or timeout) on
 * the loop.
 */
struct dns_query *
dns_lookup(struct dns *dns, const char *name, int qtype, dns_cb cb,
    void *arg)
{
	struct dns_query	*q;
	struct mock_dns_entry	*e;
	struct mock_dns_query_rec *r;
	struct timeval		 tv;
	long			 timeout, delay;
	size_t			 i;
	char			*n;
	int			 expected;

	if (dns == NULL || name == NULL || cb == NULL)
		return NULL;
	mock_log = xreallocarray(mock_log, mock_nlog + 1, sizeof(*mock_log));
	r = &mock_log[mock_nlog];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	r->qtype = qtype;
	if (mock_strict_on) {
		expected = 0;
		for (i = 0; i < mock_nexpect; i++)
			if (mock_expect[i].qtype == qtype &&
			    mock_name_eq(mock_expect[i].name, name))
				expected = 1;
		if (!expected)
			fail_msg("mock_dns: unexpected query %s/%d", name,
			    qtype);
	}
	n = mock_norm(name);
	if (mock_lookup_fail != NULL && strcmp(n, mock_lookup_fail) == 0) {
		free(n);
		r->cancelled = 1;
		mock_nlog++;
		return NULL;
	}
	free(n);
	mock_nlog++;

	q = xcalloc(1, sizeof(*q));
	q->dns = dns;
	q->cb = cb;
	q->arg = arg;
	q->rec = mock_nlog - 1;
	q->qname = xstrdup(name);
	q->qtype = qtype;
	e = mock_find(name, qtype);
	delay = e != NULL ? e->delay_ms : 0;
	r->status = e != NULL ? e->status : mock_default_status;
	timeout = mock_timeout_ms >= 0 ? mock_timeout_ms : dns->timeout_ms;
	if (delay == MOCK_DNS_HANG || delay > timeout) {
		delay = timeout;
		q->timeout = 1;
		r->status = DNS_TEMPFAIL;
	}
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	if ((q->ev = evtimer_new(dns->base, mock_query_cb, q)) == NULL ||
	    evtimer_add(q->ev, &tv) == -1)
		fail_msg("mock_dns: cannot arm the timer");
	TAILQ_INSERT_TAIL(&dns->queries, q, entry);
	mock_npending++;
	return q;
}

/*
 * mock_query_cb - deliver the table's answer (or the timeout).
 */
static void
mock_query_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_query	*q = arg;
	struct mock_dns_entry	*e;
	struct dns_answer	 ans;
	struct dns_rr		 rr[MOCK_MAX_RR];
	size_t			 i;

	(void)fd;
	(void)what;
	memset(&ans, 0, sizeof(ans));
	ans.qname = q->qname;
	ans.qtype = q->qtype;
	e = mock_find(q->qname, q->qtype);
	if (q->timeout) {
		ans.status = DNS_TEMPFAIL;
		ans.rcode = 2;
		ans.sec = DNS_SEC_INSECURE;
	} else if (e == NULL) {
		ans.status = mock_default_status;
		ans.sec = mock_default_sec;
	} else {
		ans.status = e->status;
		ans.sec = e->sec;
		ans.why_bogus = e->why;
		if (e->status == DNS_BOGUS)
			ans.sec = DNS_SEC_BOGUS;
		if (e->status == DNS_OK) {
			for (i = 0; i < e->nrr; i++) {
				rr[i].data = e->rr[i].data;
				rr[i].len = e->rr[i].len;
				rr[i].pref = e->rr[i].pref;
				rr[i].name = e->rr[i].name;
			}
			ans.rr = rr;
			ans.nrr = e->nrr;
		}
	}
	if (ans.status == DNS_NXDOMAIN)
		ans.rcode = 3;
	else if (ans.status == DNS_TEMPFAIL && ans.rcode == 0)
		ans.rcode = 2;
	if (q->rec < mock_nlog) {
		mock_log[q->rec].answered = 1;
		mock_log[q->rec].status = ans.status;
	}
	TAILQ_REMOVE(&q->dns->queries, q, entry);
	mock_npending--;
	q->delivering = 1;
	q->cb(q->arg, &ans);
	mock_query_free(q);
}

/*
 * dns_cancel - mock: forget a query; its callback will not run.
 */
void
dns_cancel(struct dns_query *q)
{
	if (q == NULL || q->delivering)
		return;
	if (q->rec < mock_nlog)
		mock_log[q->rec].cancelled = 1;
	TAILQ_REMOVE(&q->dns->queries, q, entry);
	mock_npending--;
	mock_query_free(q);
}

/*
 * mock_query_free - free a query that is in no list.
 */
static void
mock_query_free(struct dns_query *q)
{
	if (q->ev != NULL)
		event_free(q->ev);
	free(q->qname);
	free(q);
}
