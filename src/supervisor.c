/*
 * supervisor.c - binds listeners, forks and restarts workers, reloads on
 * SIGHUP and drains on SIGTERM.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "config.h"
#include "daemon.h"
#include "keyrot.h"
#include "keytable.h"
#include "log.h"
#include "metrics.h"
#include "netaddr.h"
#include "supervisor.h"
#include "worker.h"
#include "xmalloc.h"

#define MAX_WORKERS	64
#define RESTART_DELAY	1	/* seconds, for a worker that died young */
#define BIND_TRIES	50	/* 100 ms each: a port still held at start */

struct bound {
	int			 fd;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 used;
};

struct child {
	pid_t		 pid;
	int		 id;
	unsigned	 gen;
	time_t		 started;
};

struct sup {
	struct event_base	*base;
	const char		*path;
	int			 foreground;
	int			 verbose;
	struct config		*conf;
	struct keytable		*keys;
	struct daemon_user	 user;
	struct bound		*bound;
	size_t			 nbound;
	struct child		 children[MAX_WORKERS * 2];
	int			 nworkers;
	int			 per_worker;
	unsigned		 gen;
	int			 stopping;
	int			 restarts;
	struct event		*ev_chld, *ev_hup, *ev_term, *ev_int;
	struct event		*respawn;
	struct metrics		*metrics;	/* metrics.h */
	struct keyrot		*keyrot;	/* keyrot.h */
};

static int	sup_bind(struct sup *, const struct listener_conf *);
static int	sup_bind_all(struct sup *, struct config *, char *, size_t);
static void	sup_spawn(struct sup *, int id);
static void	sup_spawn_all(struct sup *);
static void	sup_sigchld(evutil_socket_t, short, void *);
static void	sup_sighup(evutil_socket_t, short, void *);
static void	sup_sigterm(evutil_socket_t, short, void *);
static void	sup_respawn_cb(evutil_socket_t, short, void *);
static void	sup_notify(const char *);
static int	sup_nworkers(const struct config *);
static int	sup_live(const struct sup *, unsigned gen);
static struct config *sup_load_config(const char *, char *, size_t);

static void
sup_notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	(void)sd_notify(0, state);
#else
	(void)state;
#endif
}

/*
 * sup_load_config - -c FILE, else the default file if present, else the
 * built-in defaults.
 */
static struct config *
sup_load_config(const char *path, char *err, size_t errlen)
{
	if (path == NULL && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		path = CONFIG_DEFAULT_FILE;
	return config_load(path, err, errlen);
}

static int
sup_nworkers(const struct config *conf)
{
	long	 n = conf->workers;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	return (int)n;
}

/*
 * sup_bind - one listening socket. No SO_REUSEPORT: a second dkimgate on
 * the same port must fail, not share it. A supervisor started again after
 * the old one was killed waits a little instead: the old workers close
 * their copies of the socket as soon as they notice (PR_SET_PDEATHSIG).
 */
static int
sup_bind(struct sup *s, const struct listener_conf *lc)
{
	int	 fd, one = 1, tries, bound = 0;

	fd = socket(lc->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lc->addr.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	for (tries = 0; ; tries++) {
		struct timespec	 ts = { 0, 100 * 1000 * 1000 };

		if ((bound = bind(fd, (const struct sockaddr *)&lc->addr,
		    lc->addrlen) == 0))
			break;
		if (errno != EADDRINUSE || tries == BIND_TRIES)
			break;
		if (tries == 0)
			log_info("%s is in use; waiting up to %d s for it",
			    lc->text, BIND_TRIES / 10);
		nanosleep(&ts, NULL);
	}
	if (!bound || listen(fd, 1024) == -1) {
		int	 saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * sup_bind_all - make sure every listener of conf has a socket, reusing
 * the ones already bound; close the ones conf no longer has.
 */
static int
sup_bind_all(struct sup *s, struct config *conf, char *err, size_t errlen)
{
	size_t	 i, j;

	for (j = 0; j < s->nbound; j++)
		s->bound[j].used = 0;
	for (i = 0; i < conf->nlisteners; i++) {
		const struct listener_conf	*lc = &conf->listeners[i];
		int				 fd;

		for (j = 0; j < s->nbound; j++)
			if (s->bound[j].addrlen == lc->addrlen &&
			    memcmp(&s->bound[j].addr, &lc->addr,
			    lc->addrlen) == 0)
				break;
		if (j < s->nbound) {
			s->bound[j].used = 1;
			continue;
		}
		if ((fd = sup_bind(s, lc)) == -1) {
			snprintf(err, errlen, "cannot listen on %s: %s",
			    lc->text, strerror(errno));
			return -1;
		}
		s->bound = xreallocarray(s->bound, s->nbound + 1,
		    sizeof(*s->bound));
		s->bound[s->nbound].fd = fd;
		memcpy(&s->bound[s->nbound].addr, &lc->addr, lc->addrlen);
		s->bound[s->nbound].addrlen = lc->addrlen;
		s->bound[s->nbound].used = 1;
		s->nbound++;
		log_info("listening on %s", lc->text);
	}
	for (j = 0; j < s->nbound; ) {
		if (s->bound[j].used) {
			j++;
			continue;
		}
		close(s->bound[j].fd);
		s->bound[j] = s->bound[--s->nbound];
	}
	return 0;
}

/*
 * sup_spawn - fork worker number id of the current generation.
 */
static void
sup_spawn(struct sup *s, int id)
{
	struct worker_listener	*wl;
	size_t			 i, j;
	pid_t			 pid;
	int			 slot;

	for (slot = 0; slot < MAX_WORKERS * 2; slot++)
		if (s->children[slot].pid == 0)
			break;
	if (slot == MAX_WORKERS * 2) {
		log_warnx("no room to start worker %d", id);
		return;
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		return;
	case 0:
		break;
	default:
		s->children[slot].pid = pid;
		s->children[slot].id = id;
		s->children[slot].gen = s->gen;
		s->children[slot].started = time(NULL);
		log_debug("worker %d started, pid %ld", id, (long)pid);
		return;
	}

	/* the worker */
	wl = xcalloc(s->conf->nlisteners, sizeof(*wl));
	for (i = 0; i < s->conf->nlisteners; i++) {
		const struct listener_conf	*lc = &s->conf->listeners[i];

		for (j = 0; j < s->nbound; j++)
			if (s->bound[j].addrlen == lc->addrlen &&
			    memcmp(&s->bound[j].addr, &lc->addr,
			    lc->addrlen) == 0)
				break;
		if (j == s->nbound)
			fatalx("listener %s lost its socket", lc->text);
		wl[i].fd = s->bound[j].fd;
		wl[i].conf = lc;
	}
	/*
	 * Drop the supervisor's event base (its signal handlers and pipes)
	 * before the worker makes its own. event_reinit() first: the epoll
	 * instance is shared with the parent after fork(), and freeing the
	 * base on it would unregister the parent's events too.
	 */
	if (event_reinit(s->base) == -1)
		fatalx("event_reinit");
	event_base_free(s->base);
	metrics_child(s->metrics, slot);	/* metrics.h: our slot */
	for (j = 0; j < s->nbound; j++) {
		for (i = 0; i < s->conf->nlisteners; i++)
			if (wl[i].fd == s->bound[j].fd)
				break;
		if (i == s->conf->nlisteners)
			close(s->bound[j].fd);
	}
	daemon_drop_privileges(&s->user);
	_exit(worker_main(id, s->conf, s->keys, wl, s->conf->nlisteners,
	    s->per_worker));
}

static void
sup_spawn_all(struct sup *s)
{
	int	 i;

	for (i = 0; i < s->nworkers; i++)
		sup_spawn(s, i + 1);
}

static int
sup_live(const struct sup *s, unsigned gen)
{
	int	 i, n = 0;

	for (i = 0; i < MAX_WORKERS * 2; i++)
		if (s->children[i].pid != 0 && s->children[i].gen == gen)
			n++;
	return n;
}

/*
 * sup_respawn_cb - start the workers of the current generation that are
 * missing (after a delay, so a worker that dies at once does not spin).
 */
static void
sup_respawn_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sup	*s = arg;
	int		 id, i, have;

	if (s->stopping)
		return;
	for (id = 1; id <= s->nworkers; id++) {
		have = 0;
		for (i = 0; i < MAX_WORKERS * 2; i++)
			if (s->children[i].pid != 0 &&
			    s->children[i].gen == s->gen &&
			    s->children[i].id == id)
				have = 1;
		if (!have)
			sup_spawn(s, id);
	}
}

static void
sup_sigchld(evutil_socket_t sig, short ev, void *arg)
{
	struct sup	*s = arg;
	pid_t		 pid;
	int		 status, i, young = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < MAX_WORKERS * 2; i++)
			if (s->children[i].pid == pid)
				break;
		if (i == MAX_WORKERS * 2)
			continue;
		if (s->children[i].gen == s->gen && !s->stopping) {
			if (WIFSIGNALED(status))
				log_warnx("worker %d (pid %ld) killed by "
				    "signal %d; restarting",
				    s->children[i].id, (long)pid,
				    WTERMSIG(status));
			else
				log_warnx("worker %d (pid %ld) exited with "
				    "status %d; restarting",
				    s->children[i].id, (long)pid,
				    WEXITSTATUS(status));
			if (time(NULL) - s->children[i].started < 2)
				young = 1;
			s->restarts++;
			metrics_worker_restart(s->metrics);
		} else
			log_debug("worker %d (pid %ld) finished",
			    s->children[i].id, (long)pid);
		s->children[i].pid = 0;
	}
	if (s->stopping) {
		int	 n = 0;

		for (i = 0; i < MAX_WORKERS * 2; i++)
			if (s->children[i].pid != 0)
				n++;
		if (n == 0)
			event_base_loopexit(s->base, NULL);
		return;
	}
	if (sup_live(s, s->gen) < s->nworkers) {
		struct timeval	 tv = { young ? RESTART_DELAY : 0, 0 };

		evtimer_add(s->respawn, &tv);
	}
}

/*
 * sup_sighup - reload: new config and keys, then a new generation of
 * workers; the old one drains. Any error keeps everything as it was.
 */
static void
sup_sighup(evutil_socket_t sig, short ev, void *arg)
{
	struct sup		*s = arg;
	struct config		*nconf;
	struct keytable		*nkeys;
	struct daemon_user	 nuser;
	char			 err[512];
	unsigned		 old = s->gen;
	int			 i;

	if (s->stopping)
		return;
	sup_notify("RELOADING=1");
	log_info("reloading");
	if ((nconf = sup_load_config(s->path, err, sizeof(err))) == NULL) {
		log_warnx("reload failed, keeping the old configuration: %s",
		    err);
		sup_notify("READY=1");
		return;
	}
	if ((nkeys = keytable_load(nconf, err, sizeof(err))) == NULL) {
		log_warnx("reload failed, keeping the old configuration and "
		    "keys: %s", err);
		config_free(nconf);
		sup_notify("READY=1");
		return;
	}
	if (daemon_user_resolve(nconf->user, nconf->user_is_default, &nuser,
	    err, sizeof(err)) == -1 ||
	    sup_bind_all(s, nconf, err, sizeof(err)) == -1) {
		log_warnx("reload failed, keeping the old configuration: %s",
		    err);
		/* re-mark the sockets the old config uses */
		(void)sup_bind_all(s, s->conf, err, sizeof(err));
		keytable_free(nkeys);
		config_free(nconf);
		sup_notify("READY=1");
		return;
	}
	config_free(s->conf);
	keytable_free(s->keys);
	daemon_user_clear(&s->user);
	s->conf = nconf;
	s->keys = nkeys;
	s->user = nuser;
	/* the log ident pointed into the old configuration, now freed */
	log_init(s->foreground, s->conf->syslog_name, s->conf->facility);
	log_set_verbose(s->verbose || s->conf->verbose);
	/* metrics.h, keyrot.h: new listeners, endpoint, successor keys */
	if (metrics_configure(s->metrics, s->base, s->conf, err,
	    sizeof(err)) == -1)
		log_warnx("reload: %s", err);
	keyrot_set(s->keyrot, s->conf, s->keys);
	s->nworkers = sup_nworkers(s->conf);
	s->per_worker = (s->conf->max_sessions + s->nworkers - 1) /
	    s->nworkers;
	s->gen++;
	sup_spawn_all(s);
	for (i = 0; i < MAX_WORKERS * 2; i++)
		if (s->children[i].pid != 0 && s->children[i].gen <= old)
			kill(s->children[i].pid, SIGTERM);
	log_info("reloaded: %d worker(s), %zu listener(s)", s->nworkers,
	    s->conf->nlisteners);
	sup_notify("READY=1");
}

static void
sup_sigterm(evutil_socket_t sig, short ev, void *arg)
{
	struct sup	*s = arg;
	int		 i, n = 0;

	if (s->stopping) {
		/* second signal: no more waiting */
		for (i = 0; i < MAX_WORKERS * 2; i++)
			if (s->children[i].pid != 0)
				kill(s->children[i].pid, SIGKILL);
		return;
	}
	s->stopping = 1;
	sup_notify("STOPPING=1");
	log_info("shutting down: draining workers");
	for (i = 0; i < MAX_WORKERS * 2; i++)
		if (s->children[i].pid != 0) {
			kill(s->children[i].pid, SIGTERM);
			n++;
		}
	for (i = 0; i < (int)s->nbound; i++)
		close(s->bound[i].fd);
	s->nbound = 0;
	if (n == 0)
		event_base_loopexit(s->base, NULL);
}

/*
 * supervisor_run - the daemon.
 */
int
supervisor_run(const char *path, int foreground, int verbose)
{
	struct sup	 s;
	char		 err[512];
	long		 nofile;
	int		 i, detach_fd = -1;

	memset(&s, 0, sizeof(s));
	s.path = path;
	s.foreground = foreground;
	s.verbose = verbose;
	log_init(1, "dkimgate", 0);
	if ((s.conf = sup_load_config(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dkimgate: %s\n", err);
		return 1;
	}
	log_init(foreground, s.conf->syslog_name, s.conf->facility);
	log_set_verbose(verbose || s.conf->verbose);
	if ((s.keys = keytable_load(s.conf, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		if (!foreground)
			fprintf(stderr, "dkimgate: %s\n", err);
		return 1;
	}
	if (daemon_user_resolve(s.conf->user, s.conf->user_is_default,
	    &s.user, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	s.nworkers = sup_nworkers(s.conf);
	s.per_worker = (s.conf->max_sessions + s.nworkers - 1) / s.nworkers;
	/* two sockets and a spool file per session, plus some slack */
	nofile = daemon_raise_nofile(3L * s.per_worker + 64);
	if (3L * s.per_worker + 64 > nofile) {
		int	 cap = (int)((nofile - 64) / 3);

		log_warnx("descriptor limit %ld allows only %d sessions per "
		    "worker (max_sessions asks for %d)", nofile, cap,
		    s.per_worker);
		s.per_worker = cap > 1 ? cap : 1;
	}
	if (sup_bind_all(&s, s.conf, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		if (!foreground)
			fprintf(stderr, "dkimgate: %s\n", err);
		return 1;
	}
	/* without -f: background, once the ports are ours */
	if (!foreground)
		detach_fd = daemon_detach();
	if ((s.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	/* metrics.h, keyrot.h: shared counters and rotation state */
	s.metrics = metrics_new();
	if (metrics_configure(s.metrics, s.base, s.conf, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		daemon_detach_done(detach_fd, err);
		return 1;
	}
	s.keyrot = keyrot_new(s.base, s.metrics);
	keyrot_set(s.keyrot, s.conf, s.keys);
	if (daemon_pidfile_write(s.conf->pid_file) == -1)
		log_warn("cannot write pid file %s", s.conf->pid_file);
	s.ev_chld = evsignal_new(s.base, SIGCHLD, sup_sigchld, &s);
	s.ev_hup = evsignal_new(s.base, SIGHUP, sup_sighup, &s);
	s.ev_term = evsignal_new(s.base, SIGTERM, sup_sigterm, &s);
	s.ev_int = evsignal_new(s.base, SIGINT, sup_sigterm, &s);
	s.respawn = evtimer_new(s.base, sup_respawn_cb, &s);
	if (s.ev_chld == NULL || s.ev_hup == NULL || s.ev_term == NULL ||
	    s.ev_int == NULL || s.respawn == NULL)
		fatalx("supervisor: libevent allocation");
	evsignal_add(s.ev_chld, NULL);
	evsignal_add(s.ev_hup, NULL);
	evsignal_add(s.ev_term, NULL);
	evsignal_add(s.ev_int, NULL);
	signal(SIGPIPE, SIG_IGN);
	s.gen = 1;
	sup_spawn_all(&s);
	log_info("dkimgate %s started: %d worker(s)%s%s, config %s",
	    PACKAGE_VERSION, s.nworkers, s.user.valid ? " as user " : "",
	    s.user.valid ? s.user.name : "", s.conf->path);
	sup_notify("READY=1");
	daemon_detach_done(detach_fd, NULL);
	event_base_dispatch(s.base);
	for (i = 0; i < MAX_WORKERS * 2; i++)
		if (s.children[i].pid != 0)
			kill(s.children[i].pid, SIGKILL);
	daemon_pidfile_remove(s.conf->pid_file);
	log_info("stopped");
	event_free(s.ev_chld);
	event_free(s.ev_hup);
	event_free(s.ev_term);
	event_free(s.ev_int);
	event_free(s.respawn);
	keyrot_free(s.keyrot);
	metrics_free(s.metrics);
	event_base_free(s.base);
	keytable_free(s.keys);
	config_free(s.conf);
	daemon_user_clear(&s.user);
	free(s.bound);
	return 0;
}
