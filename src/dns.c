/*
 * dns.c - asynchronous, DNSSEC-validating look-ups through libunbound on
 * the worker's own event_base (ub_ctx_create_event + ub_resolve_event).
 * See dns.h for the contract; the wire-format parser and the status names
 * are in dns_packet.c.
 *
 * Delivery: libunbound may call back from inside ub_resolve_event (local
 * data, cached answers), and its callback runs on libunbound's own stack.
 * We never call the user from there: the answer packet is copied and the
 * query's timer is re-armed with a zero timeout, so the user's callback
 * always runs later, from the event loop, outside libunbound. The same
 * timer bounds the query: when it fires first the query is cancelled in
 * libunbound (ub_cancel: its callback will not run) and reported as
 * DNS_TEMPFAIL.
 *
 * Configuration (all before the first resolve, which finalizes the
 * context; see /work/shared/recipes/dnssec-test-zones.md for the measured
 * behaviour of libunbound 1.17):
 *   - dns_unbound_config: loaded first, our settings go on top;
 *   - forwarders: passed to ub_ctx_set_fwd unchanged (ADDR[@PORT]); with a
 *     forwarder, "test." (RFC 6761 6.2) is made transparent so that test
 *     zones are asked of the forwarder instead of being answered NXDOMAIN
 *     by libunbound's built-in local zone; without one (full recursion)
 *     the built-in zones stay, so .test names never leak to the root;
 *   - trust anchors: the configured file REPLACES the root anchor; without
 *     one, the root anchor is loaded from unbound-anchor's RFC 5011 file
 *     or from dns-root-data, unless an unbound.conf is given (it is then
 *     expected to set its own anchors: adding the root anchor on top of
 *     private anchors turns unsigned private zones bogus);
 *   - do-not-query-localhost: no, so a forwarder on 127.0.0.1 works even
 *     with a daemon-style unbound.conf;
 *   - infra-cache-max-rtt bounded by the timeout, so a dead server is
 *     given up on quickly instead of after libunbound's 120 s back-off;
 *   - infra-host-ttl 10 s, so a server that comes back after an outage
 *     is asked again within seconds, not after 15 minutes.
 * A bad trust-anchor file only shows at the first resolve, so dns_new()
 * checks the file and then finalizes the context at once by resolving
 * "localhost." (answered from local data, no network).
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <unbound.h>
#include <unbound-event.h>

#include "dns.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#ifndef DNS_ROOT_KEY_AUTR
#define DNS_ROOT_KEY_AUTR	"/var/lib/unbound/root.key"
#endif
#ifndef DNS_ROOT_KEY_FILE
#define DNS_ROOT_KEY_FILE	"/usr/share/dns/root.key"
#endif

#define DNS_CLASS_IN		1
#define DNS_MAX_RR		256	/* RRs handed to a callback */
#define DNS_NAME_TEXT		1025	/* one name as \DDD text */
#define DNS_ANCHOR_READ_MAX	(256 * 1024)

enum dns_qstate {
	DNSQ_STARTING = 0,	/* inside ub_resolve_event */
	DNSQ_PENDING,		/* waiting for libunbound or the timer */
	DNSQ_ANSWERED,		/* answer copied, delivery scheduled */
	DNSQ_DELIVERING		/* the user's callback is running */
};

struct dns_query {
	TAILQ_ENTRY(dns_query)	 entry;
	struct dns		*dns;
	struct event		*ev;
	enum dns_qstate		 state;
	int			 async_id;
	dns_cb			 cb;
	void			*arg;
	char			*qname;
	int			 qtype;
	struct timespec		 start;
	/* the answer, copied out of libunbound */
	int			 ub_rcode;
	int			 ub_sec;	/* 1: bogus, 2: secure */
	unsigned char		*pkt;
	size_t			 pktlen;
	char			*why_bogus;
};

TAILQ_HEAD(dns_qlist, dns_query);

struct dns {
	struct event_base	*base;
	struct ub_ctx		*ctx;
	int			 timeout;
	struct dns_qlist	 queries;
};

static int	dns_setup(struct dns *, const struct dns_conf *, char *,
		    size_t);
static int	dns_setup_forwarders(struct dns *, const char *, char *,
		    size_t);
static int	dns_setup_anchor(struct dns *, const struct dns_conf *,
		    char *, size_t);
static int	dns_check_anchor_file(const char *, char *, size_t);
static int	dns_finalize(struct dns *, char *, size_t);
static void	dns_finalize_cb(void *, int, void *, int, int, char *, int);
static void	dns_ub_cb(void *, int, void *, int, int, char *, int);
static void	dns_query_timer(evutil_socket_t, short, void *);
static void	dns_query_deliver(struct dns_query *);
static void	dns_query_free(struct dns_query *);
static long	dns_elapsed_ms(const struct timespec *);
static const char *dns_type_name(int, char *, size_t);

/*
 * dns_new - create the libunbound context on base and configure it.
 */
struct dns *
dns_new(struct event_base *base, const struct dns_conf *conf, char *err,
    size_t errlen)
{
	struct dns	*dns;

	dns = xcalloc(1, sizeof(*dns));
	dns->base = base;
	dns->timeout = conf->timeout > 0 ? conf->timeout : 1;
	TAILQ_INIT(&dns->queries);
	if ((dns->ctx = ub_ctx_create_event(base)) == NULL) {
		snprintf(err, errlen, "cannot create the libunbound context");
		free(dns);
		return NULL;
	}
	if (dns_setup(dns, conf, err, errlen) == -1 ||
	    dns_finalize(dns, err, errlen) == -1) {
		ub_ctx_delete(dns->ctx);
		free(dns);
		return NULL;
	}
	return dns;
}

/*
 * dns_setup - every ub_ctx_* setting, in the order explained at the top.
 */
static int
dns_setup(struct dns *dns, const struct dns_conf *conf, char *err,
    size_t errlen)
{
	char	 rtt[32];
	int	 r, ms;

	if (conf->unbound_config != NULL && conf->unbound_config[0] != '\0') {
		if (access(conf->unbound_config, R_OK) == -1) {
			snprintf(err, errlen, "unbound config %s: %s",
			    conf->unbound_config, strerror(errno));
			return -1;
		}
		if ((r = ub_ctx_config(dns->ctx, conf->unbound_config)) != 0) {
			snprintf(err, errlen, "unbound config %s: %s",
			    conf->unbound_config, ub_strerror(r));
			return -1;
		}
	}
	if ((r = ub_ctx_set_option(dns->ctx, "do-not-query-localhost:",
	    "no")) != 0) {
		snprintf(err, errlen, "libunbound do-not-query-localhost: %s",
		    ub_strerror(r));
		return -1;
	}
	/* at least 1 s, at most half the look-up timeout: a dead server
	 * then costs a bounded number of retries, not minutes */
	ms = dns->timeout * 500;
	if (ms < 1000)
		ms = 1000;
	snprintf(rtt, sizeof(rtt), "%d", ms);
	if ((r = ub_ctx_set_option(dns->ctx, "infra-cache-max-rtt:",
	    rtt)) != 0) {
		snprintf(err, errlen, "libunbound infra-cache-max-rtt: %s",
		    ub_strerror(r));
		return -1;
	}
	/*
	 * With the low maximum RTT above, a server that timed out is "not
	 * useful" and is not asked again until its infra-cache entry
	 * expires, infra-host-ttl (900 s by default) after its last
	 * timeout: every look-up failed at once for 15 minutes after a
	 * short DNS outage (tests/fault, dns_tempfail). 10 s bounds that;
	 * the entries of servers that answer are renewed by every answer.
	 */
	if ((r = ub_ctx_set_option(dns->ctx, "infra-host-ttl:",
	    "10")) != 0) {
		snprintf(err, errlen, "libunbound infra-host-ttl: %s",
		    ub_strerror(r));
		return -1;
	}
	if (conf->resolver != NULL && conf->resolver[0] != '\0' &&
	    dns_setup_forwarders(dns, conf->resolver, err, errlen) == -1)
		return -1;
	return dns_setup_anchor(dns, conf, err, errlen);
}

/*
 * dns_setup_forwarders - "ADDR[@PORT]" items separated by commas or
 * blanks, each given to ub_ctx_set_fwd as written (numeric addresses
 * only: libunbound rejects names and "ADDR:PORT" with UB_SYNTAX).
 */
static int
dns_setup_forwarders(struct dns *dns, const char *list, char *err,
    size_t errlen)
{
	char		 item[128];
	size_t		 i = 0, start, n;
	int		 r, count = 0;

	for (;;) {
		while (list[i] == ',' || list[i] == ' ' || list[i] == '\t')
			i++;
		if (list[i] == '\0')
			break;
		start = i;
		while (list[i] != '\0' && list[i] != ',' && list[i] != ' ' &&
		    list[i] != '\t')
			i++;
		n = i - start;
		if (n >= sizeof(item)) {
			snprintf(err, errlen, "resolver address too long");
			return -1;
		}
		memcpy(item, list + start, n);
		item[n] = '\0';
		if ((r = ub_ctx_set_fwd(dns->ctx, item)) != 0) {
			snprintf(err, errlen, "bad resolver address \"%s\" "
			    "(want ADDR[@PORT]): %s", item, ub_strerror(r));
			return -1;
		}
		count++;
	}
	if (count == 0)
		return 0;
	/* RFC 6761 6.2: test names may be resolved normally; the
	 * configured server decides what they mean (recipe gotcha 1) */
	if ((r = ub_ctx_set_option(dns->ctx, "local-zone:",
	    "test. transparent")) != 0) {
		snprintf(err, errlen, "libunbound local-zone: %s",
		    ub_strerror(r));
		return -1;
	}
	return 0;
}

/*
 * dns_setup_anchor - the configured anchor file, or the root anchor.
 */
static int
dns_setup_anchor(struct dns *dns, const struct dns_conf *conf, char *err,
    size_t errlen)
{
	int	 r;

	if (conf->no_dnssec)
		return 0;
	if (conf->trust_anchor != NULL && conf->trust_anchor[0] != '\0') {
		if (dns_check_anchor_file(conf->trust_anchor, err,
		    errlen) == -1)
			return -1;
		if ((r = ub_ctx_add_ta_file(dns->ctx,
		    conf->trust_anchor)) != 0) {
			snprintf(err, errlen, "trust anchor %s: %s",
			    conf->trust_anchor, ub_strerror(r));
			return -1;
		}
		return 0;
	}
	if (conf->unbound_config != NULL && conf->unbound_config[0] != '\0')
		return 0;	/* the unbound.conf brings its anchors */
	if (access(DNS_ROOT_KEY_AUTR, R_OK) == 0) {
		/*
		 * RFC 5011 tracking rewrites the file: only when we may. A
		 * worker running as an unprivileged user reads it as a plain
		 * anchor file (unbound-anchor, run as root, keeps it fresh).
		 */
		if (access(DNS_ROOT_KEY_AUTR, W_OK) == -1)
			r = ub_ctx_add_ta_file(dns->ctx, DNS_ROOT_KEY_AUTR);
		else
			r = ub_ctx_add_ta_autr(dns->ctx, DNS_ROOT_KEY_AUTR);
		if (r != 0) {
			snprintf(err, errlen, "root trust anchor %s: %s",
			    DNS_ROOT_KEY_AUTR, ub_strerror(r));
			return -1;
		}
		return 0;
	}
	if (access(DNS_ROOT_KEY_FILE, R_OK) == 0) {
		if (dns_check_anchor_file(DNS_ROOT_KEY_FILE, err,
		    errlen) == -1)
			return -1;
		if ((r = ub_ctx_add_ta_file(dns->ctx,
		    DNS_ROOT_KEY_FILE)) != 0) {
			snprintf(err, errlen, "root trust anchor %s: %s",
			    DNS_ROOT_KEY_FILE, ub_strerror(r));
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "no DNSSEC root trust anchor (%s or %s); "
	    "install dns-root-data or set dns_trust_anchor",
	    DNS_ROOT_KEY_AUTR, DNS_ROOT_KEY_FILE);
	return -1;
}

/*
 * dns_check_anchor_file - libunbound only reports a bad anchor file at
 * the first resolve, so check here that it is readable and holds at
 * least one DS or DNSKEY record line (zone-file syntax; ';' comments).
 */
static int
dns_check_anchor_file(const char *path, char *err, size_t errlen)
{
	FILE	*fp;
	char	*line = NULL, *p, *tok, *save;
	size_t	 linesz = 0, total = 0;
	ssize_t	 n;
	int	 found = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "trust anchor %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (!found && (n = getline(&line, &linesz, fp)) != -1) {
		total += (size_t)n;
		if (total > DNS_ANCHOR_READ_MAX)
			break;
		if ((p = strchr(line, ';')) != NULL)
			*p = '\0';
		for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t\r\n", &save))
			if (strcasecmp(tok, "DS") == 0 ||
			    strcasecmp(tok, "DNSKEY") == 0) {
				found = 1;
				break;
			}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "trust anchor %s: %s", path,
		    strerror(errno));
		free(line);
		fclose(fp);
		return -1;
	}
	free(line);
	fclose(fp);
	if (!found) {
		snprintf(err, errlen, "trust anchor %s: no DS or DNSKEY "
		    "record found", path);
		return -1;
	}
	return 0;
}

/*
 * dns_finalize_cb - answer to the start-up resolve; nothing to do.
 */
static void
dns_finalize_cb(void *arg, int rcode, void *pkt, int len, int sec,
    char *why, int ratelimited)
{
	(void)arg;
	(void)rcode;
	(void)pkt;
	(void)len;
	(void)sec;
	(void)why;
	(void)ratelimited;
}

/*
 * dns_finalize - make libunbound apply its configuration now (anchor
 * files, unbound.conf), so an error stops start-up instead of turning
 * every later look-up into a temporary failure. "localhost." is a
 * built-in local zone, answered from memory; should a configuration
 * remove that zone, the query is cancelled right away.
 */
static int
dns_finalize(struct dns *dns, char *err, size_t errlen)
{
	int	 r, id = 0;

	r = ub_resolve_event(dns->ctx, "localhost.", DNS_T_A, DNS_CLASS_IN,
	    NULL, dns_finalize_cb, &id);
	if (r != 0) {
		snprintf(err, errlen, "libunbound initialisation failed "
		    "(trust anchor or unbound config): %s", ub_strerror(r));
		return -1;
	}
	if (id != 0)
		(void)ub_cancel(dns->ctx, id);
	return 0;
}

/*
 * dns_free - cancel every pending query (no callbacks) and free all.
 */
void
dns_free(struct dns *dns)
{
	struct dns_query	*q;

	if (dns == NULL)
		return;
	while ((q = TAILQ_FIRST(&dns->queries)) != NULL)
		dns_cancel(q);
	ub_ctx_delete(dns->ctx);
	free(dns);
}

/*
 * dns_lookup - start a query; see dns.h.
 */
struct dns_query *
dns_lookup(struct dns *dns, const char *name, int qtype, dns_cb cb,
    void *arg)
{
	struct dns_query	*q;
	struct timeval		 tv;
	char			 esc[256], tn[16];
	int			 r;

	if (dns == NULL || name == NULL || cb == NULL)
		return NULL;
	q = xcalloc(1, sizeof(*q));
	q->dns = dns;
	q->cb = cb;
	q->arg = arg;
	q->qname = xstrdup(name);
	q->qtype = qtype;
	q->state = DNSQ_STARTING;
	clock_gettime(CLOCK_MONOTONIC, &q->start);
	if ((q->ev = evtimer_new(dns->base, dns_query_timer, q)) == NULL)
		fatalx("dns: evtimer_new failed");
	tv.tv_sec = dns->timeout;
	tv.tv_usec = 0;
	if (evtimer_add(q->ev, &tv) == -1)
		fatalx("dns: evtimer_add failed");
	TAILQ_INSERT_TAIL(&dns->queries, q, entry);
	r = ub_resolve_event(dns->ctx, name, qtype, DNS_CLASS_IN, q,
	    dns_ub_cb, &q->async_id);
	if (r != 0) {
		log_warnx("dns: cannot look up %s/%s: %s",
		    log_escape(esc, sizeof(esc), name, strlen(name)),
		    dns_type_name(qtype, tn, sizeof(tn)), ub_strerror(r));
		TAILQ_REMOVE(&dns->queries, q, entry);
		dns_query_free(q);
		return NULL;
	}
	if (q->state == DNSQ_STARTING)
		q->state = DNSQ_PENDING;
	return q;
}

/*
 * dns_ub_cb - libunbound's answer: copy what we need, then schedule the
 * delivery on the (already armed) timer with a zero timeout. The packet
 * may only be read when rcode is 0 (unbound-event.h).
 */
static void
dns_ub_cb(void *arg, int rcode, void *pkt, int len, int sec, char *why,
    int ratelimited)
{
	struct dns_query	*q = arg;
	struct timeval		 zero = { 0, 0 };

	(void)ratelimited;
	if (q->state != DNSQ_STARTING && q->state != DNSQ_PENDING)
		return;
	q->ub_rcode = rcode;
	q->ub_sec = sec;
	if (rcode == 0 && pkt != NULL && len > 0) {
		q->pkt = xmemdup(pkt, (size_t)len);
		q->pktlen = (size_t)len;
	}
	if (why != NULL)
		q->why_bogus = xstrdup(why);
	q->async_id = 0;	/* libunbound has forgotten the query */
	q->state = DNSQ_ANSWERED;
	evtimer_del(q->ev);
	if (evtimer_add(q->ev, &zero) == -1)
		fatalx("dns: evtimer_add failed");
}

/*
 * dns_query_timer - either the scheduled delivery of an answer, or the
 * look-up timeout: cancel the query in libunbound and report TEMPFAIL.
 */
static void
dns_query_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dns_query	*q = arg;
	char			 esc[256], tn[16];

	(void)fd;
	(void)what;
	if (q->state != DNSQ_ANSWERED) {
		if (q->async_id != 0)
			(void)ub_cancel(q->dns->ctx, q->async_id);
		q->async_id = 0;
		q->ub_rcode = -1;	/* marks the timeout */
		log_warnx("dns: %s/%s timed out after %d s",
		    log_escape(esc, sizeof(esc), q->qname, strlen(q->qname)),
		    dns_type_name(q->qtype, tn, sizeof(tn)), q->dns->timeout);
	}
	dns_query_deliver(q);
}

/*
 * dns_query_deliver - classify the answer (recipe, "Classifying the
 * answer": bogus first, whatever the rcode; then errors; then NXDOMAIN /
 * NODATA / data), call the user once, free the query.
 */
static void
dns_query_deliver(struct dns_query *q)
{
	struct dns_answer	 ans;
	struct dns_rr		*rr = NULL;
	char			*names = NULL;
	char			 esc[256], why[512], tn[16];
	size_t			 maxrr = 0, namesz = 0;
	unsigned		 an;
	int			 n = -1, rcode = 0;

	memset(&ans, 0, sizeof(ans));
	ans.qname = q->qname;
	ans.qtype = q->qtype;
	ans.why_bogus = q->why_bogus;
	ans.elapsed_ms = dns_elapsed_ms(&q->start);
	ans.sec = q->ub_sec == 2 ? DNS_SEC_SECURE :
	    q->ub_sec == 1 ? DNS_SEC_BOGUS : DNS_SEC_INSECURE;
	if (q->pkt != NULL && q->pktlen >= 12) {
		an = ((unsigned)q->pkt[6] << 8) | q->pkt[7];
		maxrr = an < DNS_MAX_RR ? an : DNS_MAX_RR;
		if (maxrr > 0)
			rr = xcalloc(maxrr, sizeof(*rr));
		if (maxrr > 0 && (q->qtype == DNS_T_MX ||
		    q->qtype == DNS_T_PTR)) {
			namesz = maxrr * DNS_NAME_TEXT;
			names = xmalloc(namesz);
		}
		n = dns_parse_packet(q->pkt, q->pktlen, q->qtype, rr, maxrr,
		    names, namesz, &rcode);
	}
	if (ans.sec == DNS_SEC_BOGUS) {
		ans.status = DNS_BOGUS;
		log_warnx("dns: %s/%s is DNSSEC-bogus: %s",
		    log_escape(esc, sizeof(esc), q->qname, strlen(q->qname)),
		    dns_type_name(q->qtype, tn, sizeof(tn)),
		    q->why_bogus != NULL ? log_escape(why, sizeof(why),
		    q->why_bogus, strlen(q->why_bogus)) : "(no reason)");
	} else if (q->ub_rcode == 3) {
		ans.status = DNS_NXDOMAIN;
		ans.rcode = 3;
	} else if (q->ub_rcode != 0) {
		ans.status = DNS_TEMPFAIL;
		ans.rcode = q->ub_rcode > 0 ? q->ub_rcode : 2;
	} else if (n < 0) {
		ans.status = DNS_TEMPFAIL;
		ans.rcode = 2;
		if (q->pkt != NULL)
			log_warnx("dns: %s/%s: malformed answer packet",
			    log_escape(esc, sizeof(esc), q->qname,
			    strlen(q->qname)),
			    dns_type_name(q->qtype, tn, sizeof(tn)));
	} else {
		ans.rcode = rcode;
		if (rcode == 0)
			ans.status = n > 0 ? DNS_OK : DNS_NODATA;
		else if (rcode == 3)
			ans.status = DNS_NXDOMAIN;
		else
			ans.status = DNS_TEMPFAIL;
	}
	if (ans.status == DNS_OK) {
		ans.rr = rr;
		ans.nrr = (size_t)n;
	}
	log_debug("dns: %s/%s %s %s %ld ms",
	    log_escape(esc, sizeof(esc), q->qname, strlen(q->qname)),
	    dns_type_name(q->qtype, tn, sizeof(tn)),
	    dns_status_name(ans.status), dns_sec_name(ans.sec),
	    ans.elapsed_ms);
	TAILQ_REMOVE(&q->dns->queries, q, entry);
	q->state = DNSQ_DELIVERING;
	metrics_dns(metrics_self(), ans.status, ans.sec, ans.elapsed_ms);
	q->cb(q->arg, &ans);
	free(rr);
	free(names);
	dns_query_free(q);
}

/*
 * dns_cancel - forget a query: libunbound will not call back for it and
 * neither will we. A no-op for NULL and from inside its own callback.
 */
void
dns_cancel(struct dns_query *q)
{
	if (q == NULL || q->state == DNSQ_DELIVERING)
		return;
	if (q->async_id != 0)
		(void)ub_cancel(q->dns->ctx, q->async_id);
	TAILQ_REMOVE(&q->dns->queries, q, entry);
	dns_query_free(q);
}

/*
 * dns_query_free - release a query that is in no list.
 */
static void
dns_query_free(struct dns_query *q)
{
	if (q->ev != NULL)
		event_free(q->ev);
	free(q->pkt);
	free(q->why_bogus);
	free(q->qname);
	free(q);
}

/*
 * dns_elapsed_ms - milliseconds since start (monotonic clock).
 */
static long
dns_elapsed_ms(const struct timespec *start)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * dns_type_name - mnemonic of an RR type for log lines.
 */
static const char *
dns_type_name(int t, char *buf, size_t sz)
{
	switch (t) {
	case DNS_T_A:
		return "A";
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_MX:
		return "MX";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_AAAA:
		return "AAAA";
	}
	snprintf(buf, sz, "TYPE%d", t);
	return buf;
}
