/*
 * worker.c - one worker process: an event loop serving the listeners the
 * supervisor bound, until it is told to drain.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "dns.h"
#include "log.h"
#include "metrics.h"
#include "smtp_server.h"
#include "worker.h"
#include "xmalloc.h"

struct worker {
	struct event_base	*base;
	const struct config	*conf;
	struct keytable		*keys;
	struct dns		*dns;
	int			 dns_failed;
	struct metrics		*metrics;
	int			 id;
	int			 max_sessions;
	int			 nsessions;
	int			 draining;
	struct evconnlistener	**lev;
	const struct listener_conf **lconf;
	size_t			 nlev;
	struct event		*ev_term;
	struct event		*ev_int;
	struct event		*ev_hup;
	struct event		*drain_timer;
	struct event		*resume_timer;
	pid_t			 parent;
	struct event		*parent_timer;
};

struct accept_ctx {
	struct worker			*w;
	const struct listener_conf	*lc;
};

static void	worker_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	worker_accept_error_cb(struct evconnlistener *, void *);
static void	worker_signal_cb(evutil_socket_t, short, void *);
static void	worker_drain(struct worker *);
static void	worker_drain_timeout_cb(evutil_socket_t, short, void *);
static void	worker_resume_cb(evutil_socket_t, short, void *);
static void	worker_parent_cb(evutil_socket_t, short, void *);
static void	worker_check_done(struct worker *);

/*
 * worker_new - the per-process context, also used by the command-line
 * tools around their own event_base.
 */
struct worker *
worker_new(struct event_base *base, const struct config *conf,
    struct keytable *keys)
{
	struct worker	*w;

	w = xcalloc(1, sizeof(*w));
	w->base = base;
	w->conf = conf;
	w->keys = keys;
	w->max_sessions = conf->max_sessions;
	return w;
}

void
worker_free(struct worker *w)
{
	size_t	 i;

	if (w == NULL)
		return;
	dns_free(w->dns);
	for (i = 0; i < w->nlev; i++)
		if (w->lev[i] != NULL)
			evconnlistener_free(w->lev[i]);
	free(w->lev);
	free(w->lconf);
	if (w->ev_term != NULL)
		event_free(w->ev_term);
	if (w->ev_int != NULL)
		event_free(w->ev_int);
	if (w->ev_hup != NULL)
		event_free(w->ev_hup);
	if (w->drain_timer != NULL)
		event_free(w->drain_timer);
	if (w->resume_timer != NULL)
		event_free(w->resume_timer);
	if (w->parent_timer != NULL)
		event_free(w->parent_timer);
	free(w);
}

struct event_base *
worker_base(struct worker *w)
{
	return w->base;
}

const struct config *
worker_config(struct worker *w)
{
	return w->conf;
}

struct keytable *
worker_keys(struct worker *w)
{
	return w->keys;
}

struct metrics *
worker_metrics(struct worker *w)
{
	return w->metrics;
}

int
worker_max_sessions(struct worker *w)
{
	return w->max_sessions;
}

/*
 * worker_dns - the resolver, made on first use: libunbound must be set up
 * in the process that uses it (after the fork), and a worker that only
 * signs never needs one.
 */
struct dns *
worker_dns(struct worker *w)
{
	struct dns_conf	 dc;
	char		 err[256];

	if (w->dns != NULL || w->dns_failed)
		return w->dns;
	memset(&dc, 0, sizeof(dc));
	dc.resolver = w->conf->dns_resolver;
	dc.trust_anchor = w->conf->dns_trust_anchor[0] != '\0' ?
	    w->conf->dns_trust_anchor : NULL;
	dc.unbound_config = w->conf->dns_unbound_config[0] != '\0' ?
	    w->conf->dns_unbound_config : NULL;
	dc.timeout = w->conf->dns_timeout;
	if ((w->dns = dns_new(w->base, &dc, err, sizeof(err))) == NULL) {
		log_warnx("dns: cannot set up the resolver: %s", err);
		w->dns_failed = 1;
	}
	return w->dns;
}

void
worker_session_opened(struct worker *w)
{
	w->nsessions++;
}

void
worker_session_closed(struct worker *w)
{
	w->nsessions--;
	if (w->draining)
		worker_check_done(w);
}

static void
worker_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct accept_ctx	*a = arg;

	if (a->w->draining) {
		close(fd);
		return;
	}
	smtp_session_new(a->w, a->lc, fd, sa, salen);
}

/*
 * worker_accept_error_cb - out of descriptors (or similar): stop accepting
 * for a second instead of spinning; the connections wait in the backlog.
 */
static void
worker_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct accept_ctx	*a = arg;
	struct worker		*w = a->w;
	struct timeval		 tv = { 1, 0 };
	size_t			 i;
	int			 err = EVUTIL_SOCKET_ERROR();

	if (err == EINTR || err == EAGAIN || err == ECONNABORTED)
		return;
	log_warnx("accept on %s: %s; pausing for a second", a->lc->text,
	    evutil_socket_error_to_string(err));
	for (i = 0; i < w->nlev; i++)
		evconnlistener_disable(w->lev[i]);
	evtimer_add(w->resume_timer, &tv);
}

static void
worker_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;
	size_t		 i;

	if (w->draining)
		return;
	for (i = 0; i < w->nlev; i++)
		evconnlistener_enable(w->lev[i]);
}

static void
worker_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct worker	*w = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		worker_drain(w);
		break;
	case SIGHUP:
		/* the supervisor reloads by replacing workers */
		break;
	}
}

/*
 * worker_parent_cb - if the supervisor is gone, drain: a new supervisor
 * can then take the listening ports over (SO_REUSEPORT) while we finish.
 */
static void
worker_parent_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;

	if (getppid() != w->parent) {
		log_warnx("supervisor gone: draining");
		worker_drain(w);
	}
}

/*
 * worker_drain - stop accepting, let sessions finish their transactions,
 * exit when the last one is gone or drain_timeout passed.
 */
static void
worker_drain(struct worker *w)
{
	struct timeval	 tv;
	size_t		 i;

	if (w->draining)
		return;
	w->draining = 1;
	log_info("draining: %d session(s) open", w->nsessions);
	for (i = 0; i < w->nlev; i++) {
		evconnlistener_free(w->lev[i]);	/* closes our copy */
		w->lev[i] = NULL;
	}
	w->nlev = 0;
	smtp_server_drain();
	tv.tv_sec = w->conf->drain_timeout;
	tv.tv_usec = 0;
	evtimer_add(w->drain_timer, &tv);
	worker_check_done(w);
}

static void
worker_check_done(struct worker *w)
{
	if (smtp_server_sessions() == 0)
		event_base_loopexit(w->base, NULL);
}

static void
worker_drain_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;

	log_warnx("drain timeout: closing %d session(s)",
	    smtp_server_sessions());
	smtp_server_abort_all();
	event_base_loopexit(w->base, NULL);
}

/*
 * worker_main - the life of a worker process.
 */
int
worker_main(int id, const struct config *conf, struct keytable *keys,
    struct worker_listener *wl, size_t nwl, int max_sessions)
{
	struct event_base	*base;
	struct worker		*w;
	struct timeval		 tv = { 1, 0 };
	static char		 procname[32];
	size_t			 i;

	snprintf(procname, sizeof(procname), "worker %d", id);
	log_set_procname(procname);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	w = worker_new(base, conf, keys);
	w->metrics = metrics_self();	/* metrics.h: the slot of this child */
	w->id = id;
	w->max_sessions = max_sessions;
	w->parent = getppid();
	w->lev = xcalloc(nwl, sizeof(*w->lev));
	w->lconf = xcalloc(nwl, sizeof(*w->lconf));
	for (i = 0; i < nwl; i++) {
		struct accept_ctx	*a = xcalloc(1, sizeof(*a));

		a->w = w;
		a->lc = wl[i].conf;
		/* accept must never block: other workers share the socket */
		(void)evutil_make_socket_nonblocking(wl[i].fd);
		w->lev[i] = evconnlistener_new(base, worker_accept_cb, a,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0,
		    wl[i].fd);
		if (w->lev[i] == NULL)
			fatalx("evconnlistener_new on %s", wl[i].conf->text);
		evconnlistener_set_error_cb(w->lev[i],
		    worker_accept_error_cb);
		w->lconf[i] = wl[i].conf;
	}
	w->nlev = nwl;
	w->ev_term = evsignal_new(base, SIGTERM, worker_signal_cb, w);
	w->ev_int = evsignal_new(base, SIGINT, worker_signal_cb, w);
	w->ev_hup = evsignal_new(base, SIGHUP, worker_signal_cb, w);
	w->drain_timer = evtimer_new(base, worker_drain_timeout_cb, w);
	w->resume_timer = evtimer_new(base, worker_resume_cb, w);
	w->parent_timer = event_new(base, -1, EV_PERSIST, worker_parent_cb,
	    w);
	if (w->ev_term == NULL || w->ev_int == NULL || w->ev_hup == NULL ||
	    w->drain_timer == NULL || w->resume_timer == NULL ||
	    w->parent_timer == NULL)
		fatalx("worker: libevent allocation");
	evsignal_add(w->ev_term, NULL);
	evsignal_add(w->ev_int, NULL);
	evsignal_add(w->ev_hup, NULL);
	evtimer_add(w->parent_timer, &tv);
	if (getppid() != w->parent)
		worker_drain(w);
	log_debug("started, %zu listener(s), at most %d sessions", nwl,
	    max_sessions);
	event_base_dispatch(base);
	log_debug("exiting");
	/* the accept contexts and listeners go with the process */
	return 0;
}
