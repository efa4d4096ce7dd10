/*
 * dnsstub.h - a stand-in for dns.h for harnesses that run the
 * verifier: it defines dns_new, dns_free, dns_lookup and dns_cancel, so
 * dns.c (libunbound) is never linked in, and answers TXT queries from a
 * table of (name, record text) pairs the harness provides.
 *
 * It keeps the dns.h contract: dns_lookup never calls back before it
 * returns; the harness calls fuzz_dns_answer_all() where the event loop
 * would deliver the answers. Include it in exactly one file of a
 * harness. Nothing here allocates.
 */
#ifndef DKIMGATE_FUZZ_DNSSTUB_H
#define DKIMGATE_FUZZ_DNSSTUB_H

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "fuzz.h"

#define FUZZ_DNS_MAXQ	64

struct fuzz_dns_record {
	const char	*name;		/* owner name, no final dot */
	const char	*txt;		/* record text, split into strings
					 * of 255 bytes on the wire */
};

struct dns_query {
	int		 used;		/* queued, not answered yet */
	int		 cancelled;
	char		 name[300];
	int		 qtype;
	dns_cb		 cb;
	void		*arg;
};

static struct dns_query	 fuzz_dns_q[FUZZ_DNS_MAXQ];
static size_t		 fuzz_dns_nq;
static const struct fuzz_dns_record *fuzz_dns_table;
static size_t		 fuzz_dns_ntable;
static enum dns_sec	 fuzz_dns_sec;	/* DNS_SEC_BOGUS: every answer
					 * bogus */

struct dns	*dns_new(struct event_base *, const struct dns_conf *, char *,
		    size_t);
void		 dns_free(struct dns *);
struct dns_query *dns_lookup(struct dns *, const char *, int, dns_cb,
		    void *);
void		 dns_cancel(struct dns_query *);

/* dns_new - stand-in: there is no resolver */
struct dns *
dns_new(struct event_base *base, const struct dns_conf *conf, char *err,
    size_t errlen)
{
	(void)base;
	(void)conf;
	snprintf(err, errlen, "no resolver in the fuzz harness");
	return NULL;
}

/* dns_free - stand-in */
void
dns_free(struct dns *d)
{
	(void)d;
}

/* dns_lookup - stand-in: queue the query, answer later */
struct dns_query *
dns_lookup(struct dns *d, const char *name, int qtype, dns_cb cb,
    void *arg)
{
	struct dns_query	*q;

	FUZZ_CHECK(d != NULL && name != NULL && cb != NULL);
	if (fuzz_dns_nq >= FUZZ_DNS_MAXQ)
		return NULL;
	q = &fuzz_dns_q[fuzz_dns_nq++];
	memset(q, 0, sizeof(*q));
	q->used = 1;
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->qtype = qtype;
	q->cb = cb;
	q->arg = arg;
	return q;
}

/* dns_cancel - stand-in (NULL is fine, as in dns.c); never after the
 * answer was delivered */
void
dns_cancel(struct dns_query *q)
{
	if (q == NULL)
		return;
	FUZZ_CHECK(q->used && !q->cancelled);
	q->cancelled = 1;
}

/* fuzz_dns_reset - forget every query; set the table and DNSSEC status */
static inline void
fuzz_dns_reset(const struct fuzz_dns_record *t, size_t n, enum dns_sec sec)
{
	fuzz_dns_nq = 0;
	fuzz_dns_table = t;
	fuzz_dns_ntable = n;
	fuzz_dns_sec = sec;
}

/* fuzz_dns_name_eq - owner name equal to q (a final dot ignored) */
static inline int
fuzz_dns_name_eq(const char *owner, const char *q)
{
	size_t	 n = strlen(owner);

	return strncasecmp(owner, q, n) == 0 &&
	    (q[n] == '\0' || (q[n] == '.' && q[n + 1] == '\0'));
}

/*
 * fuzz_dns_answer_all - deliver every queued answer: the table's record
 * for the name, else NXDOMAIN; everything bogus when so configured.
 */
static inline void
fuzz_dns_answer_all(void)
{
	struct dns_answer	 a;
	struct dns_rr		 rr;
	unsigned char		 rdata[2048];
	size_t			 i, k, n, len, off, l;
	const char		*txt;

	for (i = 0; i < fuzz_dns_nq; i++) {
		struct dns_query	*q = &fuzz_dns_q[i];

		if (!q->used || q->cancelled)
			continue;
		q->used = 0;
		memset(&a, 0, sizeof(a));
		a.qtype = q->qtype;
		a.qname = q->name;
		a.sec = fuzz_dns_sec;
		a.status = fuzz_dns_sec == DNS_SEC_BOGUS ? DNS_BOGUS :
		    DNS_NXDOMAIN;
		a.rcode = 3;
		for (k = 0; fuzz_dns_sec != DNS_SEC_BOGUS &&
		    k < fuzz_dns_ntable; k++) {
			if (q->qtype != DNS_T_TXT ||
			    !fuzz_dns_name_eq(fuzz_dns_table[k].name, q->name))
				continue;
			txt = fuzz_dns_table[k].txt;
			len = strlen(txt);
			for (off = 0, n = 0; off < len &&
			    n + 256 <= sizeof(rdata); off += l) {
				l = len - off > 255 ? 255 : len - off;
				rdata[n++] = (unsigned char)l;
				memcpy(rdata + n, txt + off, l);
				n += l;
			}
			rr.data = rdata;
			rr.len = n;
			rr.pref = 0;
			rr.name = NULL;
			a.rr = &rr;
			a.nrr = 1;
			a.status = DNS_OK;
			a.rcode = 0;
			break;
		}
		q->cb(q->arg, &a);
	}
}

#endif
