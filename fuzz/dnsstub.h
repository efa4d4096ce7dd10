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
 *
 * Records: TXT (text, split into 255-byte strings), A and AAAA (numeric
 * text), MX ("PREF NAME"), PTR (a name), and FUZZ_DNS_TEMPFAIL (any
 * query for the name fails temporarily). All records of a name and type
 * form one answer; a name with records of other types only is NODATA,
 * an unknown name NXDOMAIN.
 */
#ifndef DKIMGATE_FUZZ_DNSSTUB_H
#define DKIMGATE_FUZZ_DNSSTUB_H

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "fuzz.h"

#define FUZZ_DNS_MAXQ		256
#define FUZZ_DNS_MAXRR		16
#define FUZZ_DNS_TEMPFAIL	(-1)

struct fuzz_dns_record {
	const char	*name;		/* owner name, no final dot */
	const char	*txt;		/* record data as text (see above) */
	int		 type;		/* DNS_T_*; 0 means DNS_T_TXT */
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

/* dns_new - stand-in: a handle that only this file looks at */
struct dns *
dns_new(struct event_base *base, const struct dns_conf *conf, char *err,
    size_t errlen)
{
	(void)base;
	(void)conf;
	(void)err;
	(void)errlen;
	return (struct dns *)fuzz_dns_q;
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
 * fuzz_dns_rdata - wire RDATA (and MX/PTR name) of one record into rr,
 * using buf (bufsz bytes). Returns 0, or -1 if the text does not fit
 * its type (the record is skipped).
 */
static inline int
fuzz_dns_rdata(const struct fuzz_dns_record *rec, int type,
    struct dns_rr *rr, unsigned char *buf, size_t bufsz)
{
	const char	*txt = rec->txt;
	size_t		 len = strlen(txt), off, n = 0, l;
	char		*end;
	unsigned long	 pref;

	memset(rr, 0, sizeof(*rr));
	rr->data = buf;
	switch (type) {
	case DNS_T_TXT:
		for (off = 0; off < len && n + 256 <= bufsz; off += l) {
			l = len - off > 255 ? 255 : len - off;
			buf[n++] = (unsigned char)l;
			memcpy(buf + n, txt + off, l);
			n += l;
		}
		if (len == 0 && bufsz > 0)
			buf[n++] = 0;
		rr->len = n;
		return 0;
	case DNS_T_A:
		rr->len = 4;
		return bufsz >= 4 && inet_pton(AF_INET, txt, buf) == 1 ? 0 : -1;
	case DNS_T_AAAA:
		rr->len = 16;
		return bufsz >= 16 && inet_pton(AF_INET6, txt, buf) == 1 ?
		    0 : -1;
	case DNS_T_MX:
		pref = strtoul(txt, &end, 10);
		if (end == txt || *end != ' ' || pref > 65535)
			return -1;
		rr->pref = (unsigned)pref;
		rr->name = end + 1;
		rr->len = 0;
		return 0;
	case DNS_T_PTR:
		rr->name = txt;
		rr->len = 0;
		return 0;
	}
	return -1;
}

/*
 * fuzz_dns_answer_all - deliver every queued answer from the table;
 * everything bogus when so configured.
 */
static inline void
fuzz_dns_answer_all(void)
{
	static unsigned char	 rdata[FUZZ_DNS_MAXRR][1024];
	struct dns_rr		 rr[FUZZ_DNS_MAXRR];
	struct dns_answer	 a;
	size_t			 i, k, nrr;
	int			 known, tempfail, type;

	for (i = 0; i < fuzz_dns_nq; i++) {
		struct dns_query	*q = &fuzz_dns_q[i];

		if (!q->used || q->cancelled)
			continue;
		q->used = 0;
		memset(&a, 0, sizeof(a));
		a.qtype = q->qtype;
		a.qname = q->name;
		a.sec = fuzz_dns_sec;
		known = tempfail = 0;
		nrr = 0;
		for (k = 0; k < fuzz_dns_ntable; k++) {
			if (!fuzz_dns_name_eq(fuzz_dns_table[k].name, q->name))
				continue;
			known = 1;
			type = fuzz_dns_table[k].type == 0 ? DNS_T_TXT :
			    fuzz_dns_table[k].type;
			if (type == FUZZ_DNS_TEMPFAIL)
				tempfail = 1;
			if (type != q->qtype || nrr >= FUZZ_DNS_MAXRR)
				continue;
			if (fuzz_dns_rdata(&fuzz_dns_table[k], type, &rr[nrr],
			    rdata[nrr], sizeof(rdata[nrr])) == 0)
				nrr++;
		}
		if (fuzz_dns_sec == DNS_SEC_BOGUS) {
			a.status = DNS_BOGUS;
			a.rcode = 2;
		} else if (tempfail) {
			a.status = DNS_TEMPFAIL;
			a.rcode = 2;
		} else if (nrr > 0) {
			a.status = DNS_OK;
			a.rr = rr;
			a.nrr = nrr;
		} else if (known)
			a.status = DNS_NODATA;
		else {
			a.status = DNS_NXDOMAIN;
			a.rcode = 3;
		}
		q->cb(q->arg, &a);
	}
}

/* fuzz_dns_pending - queries asked and not yet answered or cancelled */
static inline size_t
fuzz_dns_pending(void)
{
	size_t	 i, n = 0;

	for (i = 0; i < fuzz_dns_nq; i++)
		if (fuzz_dns_q[i].used && !fuzz_dns_q[i].cancelled)
			n++;
	return n;
}

#endif
