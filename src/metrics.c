/*
 * metrics.c - shared counters (one slot per process in an anonymous
 * MAP_SHARED mapping) and the Prometheus text endpoint (evhttp).
 *
 * Exposition format: Prometheus text format 0.0.4 ("# HELP", "# TYPE",
 * one "name{label="value"} number" line per sample; label values escape
 * backslash, double quote and line feed, HELP text escapes backslash and
 * line feed).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "netaddr.h"
#include "xmalloc.h"

#define M_SLOTS		(1 + METRICS_WORKER_SLOTS)
#define M_ADDR_MAX	64
#define M_MODE_MAX	8
#define M_MAGIC		0x646b6d31	/* "dkm1" */

/* messages_total's outcome label */
enum m_outcome {
	MO_DELIVERED = 0,
	MO_DEFERRED,
	MO_REJECTED,
	MO_TOOBIG,
	MO_SPOOLERR,
	MO_OTHER,
	MO_N
};
static const char *const m_outcome_names[MO_N] = {
	"delivered", "deferred", "rejected", "too-big", "spool-error", "other"
};

/* return_replies_total's class label */
enum m_rclass {
	RC_2XX = 0,
	RC_4XX,
	RC_5XX,
	RC_FAIL,
	RC_N
};
static const char *const m_rclass_names[RC_N] = {
	"2xx", "4xx", "5xx", "failure"
};

/* results_total's result label: the RFC 8601 result words */
#define MR_N	8
static const char *const m_result_names[MR_N] = {
	"none", "pass", "fail", "neutral", "policy", "softfail", "temperror",
	"permerror"
};
static const char *const m_kind_names[METRICS_KINDS] = {
	"dkim", "spf", "dmarc"
};
/*
 * The results each kind can have, as bits of m_result_names: dkim
 * (RFC 8601 2.7.1), spf (RFC 8601 2.7.2, RFC 7208 2.6), dmarc (RFC 7489
 * 11.2); only these are exposed (as 0 until they happen).
 */
#define MRB(i)	(1u << (i))
static const unsigned m_kind_results[METRICS_KINDS] = {
	MRB(0) | MRB(1) | MRB(2) | MRB(3) | MRB(4) | MRB(6) | MRB(7),
	MRB(0) | MRB(1) | MRB(2) | MRB(3) | MRB(5) | MRB(6) | MRB(7),
	MRB(0) | MRB(1) | MRB(2) | MRB(6) | MRB(7)
};

/* signing_total's result label */
#define MS_N	4
static const char *const m_sign_names[MS_N] = {
	"signed", "unsigned", "rejected", "tempfail"
};

/* signatures_total's algorithm label, by enum crypto_alg - 1 */
#define MA_N	2
static const char *const m_alg_names[MA_N] = {
	"rsa-sha256", "ed25519-sha256"
};

/* DNS: enum dns_status and enum dns_sec (dns.h), in their order */
#define MD_STATUS	5
#define MD_SEC		3
static const char *const m_dns_status[MD_STATUS] = {
	"ok", "nxdomain", "nodata", "tempfail", "bogus"
};
static const char *const m_dns_sec[MD_SEC] = {
	"insecure", "secure", "bogus"
};
/* latency histogram bucket bounds, in milliseconds, and as le labels */
#define MB_N	12
static const long m_bucket_ms[MB_N - 1] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};
static const char *const m_bucket_le[MB_N] = {
	"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
	"5", "10", "+Inf"
};

/* the counters of one listener in one slot */
struct m_listener {
	uint64_t	 sessions;
	uint64_t	 messages[MO_N];
	uint64_t	 bytes;
	uint64_t	 spooled;
	uint64_t	 replies[RC_N];
	uint64_t	 results[METRICS_KINDS][MR_N];
	uint64_t	 sign[MS_N];
	uint64_t	 sigs[MA_N];
};

/* one process's counters */
struct m_slot {
	uint64_t	 dns[MD_STATUS][MD_SEC];
	uint64_t	 dns_bucket[MB_N];	/* per bucket, not cumulative */
	uint64_t	 dns_ms;		/* sum of elapsed_ms */
	struct m_listener l[METRICS_LISTENERS];
};

/* a listener identity: the numeric address and the mode */
struct m_ident {
	char		 addr[M_ADDR_MAX];
	char		 mode[M_MODE_MAX];
};

/* the shared mapping */
struct m_shared {
	uint32_t	 magic;
	uint32_t	 nlisteners;		/* entries of lst in use */
	struct m_ident	 lst[METRICS_LISTENERS];
	uint64_t	 restarts;
	int64_t		 started;
	unsigned char	 used[M_SLOTS];		/* slot ever attached */
	struct m_slot	 slot[M_SLOTS];
};

struct metrics {
	struct m_shared		*sh;
	size_t			 mapsize;
	struct m_slot		*slot;		/* ours, or NULL */
	/* listener_conf -> identity index, per process */
	const struct listener_conf *clc[METRICS_LISTENERS];
	int			 cmode[METRICS_LISTENERS];
	int			 cid[METRICS_LISTENERS];
	size_t			 ncache;
	int			 warned_full;
	/* the endpoint (supervisor only) */
	struct evhttp		*http;
	int			 http_fd;
	char			*listen;	/* its metrics_listen text */
	metrics_extra_fn	 extra;
	void			*extra_arg;
};

static struct metrics	*metrics_proc;	/* this process's handle */

static void	 m_add(uint64_t *, uint64_t);
static uint64_t	 m_get(const uint64_t *);
static int	 m_lid(struct metrics *, const struct listener_conf *);
static struct m_listener *m_lslot(struct metrics *,
		    const struct listener_conf *);
static int	 m_name_index(const char *const *, size_t, const char *);
static void	 m_register(struct metrics *, const struct config *);
static void	 m_sum(const struct metrics *, struct m_slot *);
static void	 m_labels2(struct buf *, const char *, const struct m_ident *,
		    const char *, const char *, const char *, const char *,
		    uint64_t);
static int	 m_http_start(struct metrics *, struct event_base *,
		    const char *, char *, size_t);
static void	 m_http_stop(struct metrics *);
static void	 m_http_cb(struct evhttp_request *, void *);

/*
 * m_add - add n to a counter of our own slot: single writer, so a
 * relaxed load and store suffice (readers see whole values).
 */
static void
m_add(uint64_t *p, uint64_t n)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
	    __ATOMIC_RELAXED);
}

/*
 * m_get - read a counter that another process may be writing.
 */
static uint64_t
m_get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * metrics_new - map the shared counters; this process owns slot 0.
 */
struct metrics *
metrics_new(void)
{
	struct metrics	*m;
	void		*p;
	size_t		 sz, pg;

	pg = (size_t)sysconf(_SC_PAGESIZE);
	sz = (sizeof(struct m_shared) + pg - 1) / pg * pg;
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED) {
		log_warn("metrics: cannot map %zu bytes of shared counters",
		    sz);
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->sh = p;
	m->mapsize = sz;
	m->http_fd = -1;
	m->sh->magic = M_MAGIC;
	m->sh->started = (int64_t)time(NULL);
	metrics_attach(m, -1);
	metrics_proc = m;
	return m;
}

/*
 * metrics_free - release the mapping and the endpoint.
 */
void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	m_http_stop(m);
	free(m->listen);
	munmap(m->sh, m->mapsize);
	if (metrics_proc == m)
		metrics_proc = NULL;
	free(m);
}

/*
 * metrics_self - this process's handle.
 */
struct metrics *
metrics_self(void)
{
	return metrics_proc;
}

/*
 * metrics_attach - count into worker slot n (n < 0: slot 0); a slot out
 * of range counts nothing.
 */
void
metrics_attach(struct metrics *m, int n)
{
	int	 i = n < 0 ? 0 : n + 1;

	if (m == NULL)
		return;
	m->ncache = 0;
	if (i >= M_SLOTS) {
		log_warnx("metrics: no counter slot %d; not counting", n);
		m->slot = NULL;
		return;
	}
	m->slot = &m->sh->slot[i];
	__atomic_store_n(&m->sh->used[i], 1, __ATOMIC_RELEASE);
}

/*
 * metrics_child - a freshly forked child of child slot n: its own slot;
 * the endpoint's socket stays with the supervisor. The parent's evhttp
 * is left alone (its event_base belongs to the parent; the child frees
 * its copy of the base itself).
 */
void
metrics_child(struct metrics *m, int n)
{
	if (m == NULL)
		return;
	if (m->http_fd != -1)
		close(m->http_fd);
	m->http_fd = -1;
	m->http = NULL;
	metrics_attach(m, n);
}

/*
 * metrics_set_extra - more families at scrape time.
 */
void
metrics_set_extra(struct metrics *m, metrics_extra_fn fn, void *arg)
{
	if (m == NULL)
		return;
	m->extra = fn;
	m->extra_arg = arg;
}

/*
 * metrics_worker_restart - count a worker restart (supervisor).
 */
void
metrics_worker_restart(struct metrics *m)
{
	if (m != NULL)
		m_add(&m->sh->restarts, 1);
}

/*
 * m_register - add the listeners of conf to the identity table (append
 * only: entries are written before the count that publishes them).
 */
static void
m_register(struct metrics *m, const struct config *conf)
{
	struct m_shared	*sh = m->sh;
	char		 addr[M_ADDR_MAX];
	const char	*mode;
	uint32_t	 n, i;
	size_t		 j;

	for (j = 0; j < conf->nlisteners; j++) {
		const struct listener_conf *lc = &conf->listeners[j];

		netaddr_format((const struct sockaddr *)&lc->addr, addr,
		    sizeof(addr));
		mode = config_mode_name(lc->mode);
		n = __atomic_load_n(&sh->nlisteners, __ATOMIC_ACQUIRE);
		for (i = 0; i < n; i++)
			if (strcmp(sh->lst[i].addr, addr) == 0 &&
			    strcmp(sh->lst[i].mode, mode) == 0)
				break;
		if (i < n)
			continue;
		if (n == METRICS_LISTENERS) {
			if (!m->warned_full)
				log_warnx("metrics: more than %d listeners "
				    "seen; %s is not counted",
				    METRICS_LISTENERS, addr);
			m->warned_full = 1;
			continue;
		}
		snprintf(sh->lst[n].addr, sizeof(sh->lst[n].addr), "%s",
		    addr);
		snprintf(sh->lst[n].mode, sizeof(sh->lst[n].mode), "%s",
		    mode);
		__atomic_store_n(&sh->nlisteners, n + 1, __ATOMIC_RELEASE);
	}
}

/*
 * m_lid - the identity index of a listener (cached per listener_conf),
 * or -1 if it was never registered.
 */
static int
m_lid(struct metrics *m, const struct listener_conf *lc)
{
	struct m_shared	*sh = m->sh;
	char		 addr[M_ADDR_MAX];
	const char	*mode;
	uint32_t	 n, i;
	size_t		 c;
	int		 id;

	for (c = 0; c < m->ncache; c++)
		if (m->clc[c] == lc && m->cmode[c] == (int)lc->mode)
			return m->cid[c];
	netaddr_format((const struct sockaddr *)&lc->addr, addr,
	    sizeof(addr));
	mode = config_mode_name(lc->mode);
	n = __atomic_load_n(&sh->nlisteners, __ATOMIC_ACQUIRE);
	id = -1;
	for (i = 0; i < n; i++)
		if (strcmp(sh->lst[i].addr, addr) == 0 &&
		    strcmp(sh->lst[i].mode, mode) == 0) {
			id = (int)i;
			break;
		}
	if (id >= 0 && m->ncache < METRICS_LISTENERS) {
		m->clc[m->ncache] = lc;
		m->cmode[m->ncache] = (int)lc->mode;
		m->cid[m->ncache] = id;
		m->ncache++;
	}
	return id;
}

/*
 * m_lslot - our counters for listener lc, or NULL (not counting).
 */
static struct m_listener *
m_lslot(struct metrics *m, const struct listener_conf *lc)
{
	int	 id;

	if (m == NULL || m->slot == NULL || lc == NULL)
		return NULL;
	if ((id = m_lid(m, lc)) < 0)
		return NULL;
	return &m->slot->l[id];
}

/*
 * m_name_index - index of s in names[0..n), or -1.
 */
static int
m_name_index(const char *const *names, size_t n, const char *s)
{
	size_t	 i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

/*
 * metrics_session - a connection was accepted on lc.
 */
void
metrics_session(struct metrics *m, const struct listener_conf *lc)
{
	struct m_listener	*l;

	if ((l = m_lslot(m, lc)) != NULL)
		m_add(&l->sessions, 1);
}

/*
 * metrics_message - a transaction ended.
 */
void
metrics_message(struct metrics *m, const struct listener_conf *lc,
    const char *outcome, long long bytes, int spooled)
{
	struct m_listener	*l;
	int			 o;

	if ((l = m_lslot(m, lc)) == NULL)
		return;
	if ((o = m_name_index(m_outcome_names, MO_N - 1, outcome)) < 0)
		o = MO_OTHER;
	m_add(&l->messages[o], 1);
	if (bytes > 0)
		m_add(&l->bytes, (uint64_t)bytes);
	if (spooled)
		m_add(&l->spooled, 1);
}

/*
 * metrics_return_reply - the return port's answer to a message's data.
 */
void
metrics_return_reply(struct metrics *m, const struct listener_conf *lc,
    int code)
{
	struct m_listener	*l;
	int			 c;

	if ((l = m_lslot(m, lc)) == NULL)
		return;
	switch (code / 100) {
	case 2:
		c = RC_2XX;
		break;
	case 4:
		c = RC_4XX;
		break;
	case 5:
		c = RC_5XX;
		break;
	default:
		c = RC_FAIL;
		break;
	}
	m_add(&l->replies[c], 1);
}

/*
 * metrics_result - one check result of kind.
 */
void
metrics_result(struct metrics *m, const struct listener_conf *lc,
    enum metrics_kind kind, const char *result)
{
	struct m_listener	*l;
	int			 r;

	if ((unsigned)kind >= METRICS_KINDS ||
	    (l = m_lslot(m, lc)) == NULL)
		return;
	if ((r = m_name_index(m_result_names, MR_N, result)) < 0 ||
	    (m_kind_results[kind] & MRB(r)) == 0) {
		log_debug("metrics: no %s result \"%s\"", m_kind_names[kind],
		    result != NULL ? result : "(null)");
		return;
	}
	m_add(&l->results[kind][r], 1);
}

/*
 * metrics_sign - the sign listener's outcome for one message.
 */
void
metrics_sign(struct metrics *m, const struct listener_conf *lc,
    const char *outcome)
{
	struct m_listener	*l;
	int			 o;

	if ((l = m_lslot(m, lc)) == NULL)
		return;
	if ((o = m_name_index(m_sign_names, MS_N, outcome)) >= 0)
		m_add(&l->sign[o], 1);
}

/*
 * metrics_signature - one signature made (alg: enum crypto_alg).
 */
void
metrics_signature(struct metrics *m, const struct listener_conf *lc,
    int alg)
{
	struct m_listener	*l;

	if (alg < 1 || alg > MA_N || (l = m_lslot(m, lc)) == NULL)
		return;
	m_add(&l->sigs[alg - 1], 1);
}

/*
 * metrics_dns - one answered look-up (status, sec: dns.h enums).
 */
void
metrics_dns(struct metrics *m, int status, int sec, long elapsed_ms)
{
	struct m_slot	*s;
	int		 b;

	if (m == NULL || (s = m->slot) == NULL)
		return;
	if (status < 0 || status >= MD_STATUS || sec < 0 || sec >= MD_SEC)
		return;
	if (elapsed_ms < 0)
		elapsed_ms = 0;
	m_add(&s->dns[status][sec], 1);
	for (b = 0; b < MB_N - 1; b++)
		if (elapsed_ms <= m_bucket_ms[b])
			break;
	m_add(&s->dns_bucket[b], 1);
	m_add(&s->dns_ms, (uint64_t)elapsed_ms);
}

/*
 * m_sum - add up every slot that was ever attached into tot (zeroed
 * here).
 */
static void
m_sum(const struct metrics *m, struct m_slot *tot)
{
	const struct m_shared	*sh = m->sh;
	const uint64_t		*src;
	uint64_t		*dst;
	size_t			 i, j, n = sizeof(*tot) / sizeof(uint64_t);

	memset(tot, 0, sizeof(*tot));
	dst = (uint64_t *)tot;
	for (i = 0; i < M_SLOTS; i++) {
		if (!__atomic_load_n(&sh->used[i], __ATOMIC_ACQUIRE))
			continue;
		src = (const uint64_t *)&sh->slot[i];
		for (j = 0; j < n; j++)
			dst[j] += m_get(&src[j]);
	}
}

/*
 * metrics_text_escape - label value (quote) or HELP text escaping.
 */
void
metrics_text_escape(struct buf *b, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_add(b, "\\\\", 2);
		else if (*s == '\n')
			buf_add(b, "\\n", 2);
		else if (*s == '"' && quote)
			buf_add(b, "\\\"", 2);
		else
			buf_addc(b, (unsigned char)*s);
	}
}

/*
 * metrics_text_family - the HELP and TYPE lines.
 */
void
metrics_text_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s ", name);
	metrics_text_escape(b, help, 0);
	buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

/*
 * metrics_text_sample - one sample line.
 */
void
metrics_text_sample(struct buf *b, const char *name,
    const char *const *labels, const char *fmt, ...)
{
	va_list	 ap;
	char	 val[64];
	size_t	 i;

	buf_adds(b, name);
	if (labels != NULL && labels[0] != NULL) {
		buf_addc(b, '{');
		for (i = 0; labels[i] != NULL && labels[i + 1] != NULL;
		    i += 2) {
			buf_printf(b, "%s%s=\"", i > 0 ? "," : "", labels[i]);
			metrics_text_escape(b, labels[i + 1], 1);
			buf_addc(b, '"');
		}
		buf_addc(b, '}');
	}
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	buf_printf(b, " %s\n", val);
}

/*
 * m_labels2 - a per-listener sample with up to two more labels (k1/v1,
 * k2/v2; NULL to leave out).
 */
static void
m_labels2(struct buf *b, const char *name, const struct m_ident *id,
    const char *k1, const char *v1, const char *k2, const char *v2,
    uint64_t v)
{
	const char	*lab[9];
	size_t		 n = 0;

	lab[n++] = "listener";
	lab[n++] = id->addr;
	lab[n++] = "mode";
	lab[n++] = id->mode;
	if (k1 != NULL) {
		lab[n++] = k1;
		lab[n++] = v1;
	}
	if (k2 != NULL) {
		lab[n++] = k2;
		lab[n++] = v2;
	}
	lab[n] = NULL;
	metrics_text_sample(b, name, lab, "%llu", (unsigned long long)v);
}

/*
 * metrics_render - the whole exposition.
 */
int
metrics_render(struct metrics *m, struct buf *b)
{
	struct m_slot		*t;
	const struct m_ident	*ids;
	const char		*lab[5];
	uint32_t		 n, i;
	uint64_t		 cum;
	int			 j, k;

	if (m == NULL)
		return 0;
	t = xmalloc(sizeof(*t));
	m_sum(m, t);
	/* entries below the published count never change */
	n = __atomic_load_n(&m->sh->nlisteners, __ATOMIC_ACQUIRE);
	ids = m->sh->lst;

	metrics_text_family(b, "dkimgate_sessions_total", "counter",
	    "SMTP connections accepted, per listener.");
	for (i = 0; i < n; i++)
		m_labels2(b, "dkimgate_sessions_total", &ids[i], NULL, NULL,
		    NULL, NULL, t->l[i].sessions);
	metrics_text_family(b, "dkimgate_messages_total", "counter",
	    "Transactions that reached DATA, by outcome (delivered: the "
	    "return port accepted it).");
	for (i = 0; i < n; i++)
		for (j = 0; j < MO_N; j++)
			m_labels2(b, "dkimgate_messages_total", &ids[i],
			    "outcome", m_outcome_names[j], NULL, NULL,
			    t->l[i].messages[j]);
	metrics_text_family(b, "dkimgate_received_bytes_total", "counter",
	    "Message bytes received in DATA (as on the wire).");
	for (i = 0; i < n; i++)
		m_labels2(b, "dkimgate_received_bytes_total", &ids[i], NULL,
		    NULL, NULL, NULL, t->l[i].bytes);
	metrics_text_family(b, "dkimgate_spooled_messages_total", "counter",
	    "Messages larger than spool_threshold, kept in a temporary "
	    "file.");
	for (i = 0; i < n; i++)
		m_labels2(b, "dkimgate_spooled_messages_total", &ids[i], NULL,
		    NULL, NULL, NULL, t->l[i].spooled);
	metrics_text_family(b, "dkimgate_return_replies_total", "counter",
	    "Answers of the return port to the end of a message's data, by "
	    "class; failure: the connection failed before an answer.");
	for (i = 0; i < n; i++)
		for (j = 0; j < RC_N; j++)
			m_labels2(b, "dkimgate_return_replies_total", &ids[i],
			    "class", m_rclass_names[j], NULL, NULL,
			    t->l[i].replies[j]);
	metrics_text_family(b, "dkimgate_results_total", "counter",
	    "Results of verify listeners: one per DKIM signature (none for "
	    "an unsigned message), one SPF and one DMARC result per "
	    "message checked.");
	for (i = 0; i < n; i++) {
		if (strcmp(ids[i].mode, "verify") != 0)
			continue;
		for (k = 0; k < METRICS_KINDS; k++)
			for (j = 0; j < MR_N; j++)
				if (m_kind_results[k] & MRB(j))
					m_labels2(b, "dkimgate_results_total",
					    &ids[i], "kind", m_kind_names[k],
					    "result", m_result_names[j],
					    t->l[i].results[k][j]);
	}
	metrics_text_family(b, "dkimgate_signing_total", "counter",
	    "Outcome of sign listeners per message.");
	for (i = 0; i < n; i++) {
		if (strcmp(ids[i].mode, "sign") != 0)
			continue;
		for (j = 0; j < MS_N; j++)
			m_labels2(b, "dkimgate_signing_total", &ids[i],
			    "result", m_sign_names[j], NULL, NULL,
			    t->l[i].sign[j]);
	}
	metrics_text_family(b, "dkimgate_signatures_total", "counter",
	    "DKIM-Signature fields added, by algorithm.");
	for (i = 0; i < n; i++) {
		if (strcmp(ids[i].mode, "sign") != 0)
			continue;
		for (j = 0; j < MA_N; j++)
			m_labels2(b, "dkimgate_signatures_total", &ids[i],
			    "algorithm", m_alg_names[j], NULL, NULL,
			    t->l[i].sigs[j]);
	}

	metrics_text_family(b, "dkimgate_dns_lookups_total", "counter",
	    "DNS look-ups answered, by status and DNSSEC status.");
	for (j = 0; j < MD_STATUS; j++)
		for (k = 0; k < MD_SEC; k++) {
			/* bogus goes with bogus only */
			if ((j == MD_STATUS - 1) != (k == MD_SEC - 1) &&
			    t->dns[j][k] == 0)
				continue;
			lab[0] = "status";
			lab[1] = m_dns_status[j];
			lab[2] = "dnssec";
			lab[3] = m_dns_sec[k];
			lab[4] = NULL;
			metrics_text_sample(b, "dkimgate_dns_lookups_total",
			    lab, "%llu", (unsigned long long)t->dns[j][k]);
		}
	metrics_text_family(b, "dkimgate_dns_lookup_duration_seconds",
	    "histogram", "Time from a DNS query to its answer.");
	cum = 0;
	for (j = 0; j < MB_N; j++) {
		cum += t->dns_bucket[j];
		lab[0] = "le";
		lab[1] = m_bucket_le[j];
		lab[2] = NULL;
		metrics_text_sample(b,
		    "dkimgate_dns_lookup_duration_seconds_bucket", lab, "%llu",
		    (unsigned long long)cum);
	}
	metrics_text_sample(b, "dkimgate_dns_lookup_duration_seconds_sum",
	    NULL, "%llu.%03llu", (unsigned long long)(t->dns_ms / 1000),
	    (unsigned long long)(t->dns_ms % 1000));
	metrics_text_sample(b, "dkimgate_dns_lookup_duration_seconds_count",
	    NULL, "%llu", (unsigned long long)cum);

	metrics_text_family(b, "dkimgate_worker_restarts_total", "counter",
	    "Workers that died and were started again.");
	metrics_text_sample(b, "dkimgate_worker_restarts_total", NULL, "%llu",
	    (unsigned long long)m_get(&m->sh->restarts));
	metrics_text_family(b, "dkimgate_start_time_seconds", "gauge",
	    "When the supervisor started, in seconds since the epoch.");
	metrics_text_sample(b, "dkimgate_start_time_seconds", NULL, "%lld",
	    (long long)m->sh->started);
	free(t);
	if (m->extra != NULL)
		m->extra(b, m->extra_arg);
	return buf_error(b) ? -1 : 0;
}

/*
 * m_http_cb - GET/HEAD /metrics; everything else is 404.
 */
static void
m_http_cb(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*path = u != NULL ? evhttp_uri_get_path(u) :
				    NULL;
	struct evkeyvalq	*hdrs;
	struct evbuffer		*eb;
	struct buf		 out;
	char			 len[32];

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "Not Found: try "
		    "/metrics");
		return;
	}
	buf_init(&out, METRICS_OUTPUT_MAX);
	if (metrics_render(m, &out) == -1 ||
	    (eb = evbuffer_new()) == NULL) {
		log_warnx("metrics: exposition larger than %d bytes",
		    METRICS_OUTPUT_MAX);
		buf_clear(&out);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	hdrs = evhttp_request_get_output_headers(req);
	evhttp_add_header(hdrs, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* the headers of the GET answer, without its body */
		snprintf(len, sizeof(len), "%zu", buf_len(&out));
		evhttp_add_header(hdrs, "Content-Length", len);
	} else
		evbuffer_add(eb, buf_data(&out), buf_len(&out));
	buf_clear(&out);
	evhttp_send_reply(req, HTTP_OK, "OK", eb);
	evbuffer_free(eb);
}

/*
 * m_http_start - bind text (ADDR:PORT) and serve on base.
 */
static int
m_http_start(struct metrics *m, struct event_base *base, const char *text,
    char *err, size_t errlen)
{
	struct sockaddr_storage		 ss;
	struct evhttp_bound_socket	*bs;
	socklen_t			 len;
	int				 fd, one = 1;

	if (netaddr_parse_hostport(text, &ss, &len) == -1) {
		snprintf(err, errlen, "metrics_listen: bad address %s", text);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(err, errlen, "metrics_listen %s: %s", text,
		    strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 64) == -1) {
		snprintf(err, errlen, "cannot listen on %s (metrics_listen): "
		    "%s", text, strerror(errno));
		close(fd);
		return -1;
	}
	if ((m->http = evhttp_new(base)) == NULL ||
	    (bs = evhttp_accept_socket_with_handle(m->http, fd)) == NULL) {
		snprintf(err, errlen, "metrics_listen %s: evhttp setup "
		    "failed", text);
		if (m->http != NULL)
			evhttp_free(m->http);
		m->http = NULL;
		close(fd);
		return -1;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, 1024);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_gencb(m->http, m_http_cb, m);
	m->http_fd = fd;
	free(m->listen);
	m->listen = xstrdup(text);
	log_info("metrics on http://%s/metrics", text);
	return 0;
}

/*
 * m_http_stop - close the endpoint (its socket goes with it).
 */
static void
m_http_stop(struct metrics *m)
{
	if (m->http != NULL)
		evhttp_free(m->http);
	m->http = NULL;
	m->http_fd = -1;
	free(m->listen);
	m->listen = NULL;
}

/*
 * metrics_configure - listeners and endpoint for a configuration.
 */
int
metrics_configure(struct metrics *m, struct event_base *base,
    const struct config *conf, char *err, size_t errlen)
{
	char	*old;
	char	 err2[256];
	int	 rc;

	if (m == NULL)
		return 0;
	m_register(m, conf);
	if (m->listen != NULL && strcmp(m->listen, conf->metrics_listen) == 0)
		return 0;
	if (m->listen == NULL && conf->metrics_listen[0] == '\0')
		return 0;
	/* the old socket may hold the port: let it go first */
	old = m->listen != NULL ? xstrdup(m->listen) : NULL;
	m_http_stop(m);
	if (conf->metrics_listen[0] == '\0') {
		free(old);
		return 0;
	}
	rc = m_http_start(m, base, conf->metrics_listen, err, errlen);
	if (rc == -1 && old != NULL &&
	    m_http_start(m, base, old, err2, sizeof(err2)) == -1)
		log_warnx("metrics: %s", err2);
	free(old);
	return rc;
}
