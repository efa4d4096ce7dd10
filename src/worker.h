/*
 * worker.h - one worker process: an event loop, its sessions, and the
 * per-worker resources a mode may use (config, keys, DNS resolver).
 *
 * The supervisor forks workers after binding the listeners and loading the
 * keys; each worker runs worker_main() until it is told to drain.
 * The command-line tools (dkimgate sign/verify/testkey) build a standalone
 * worker with worker_new() around their own event_base to run the same
 * mode code outside the daemon.
 *
 * Nothing returned by the accessors is owned by the caller.
 */
#ifndef DKIMGATE_WORKER_H
#define DKIMGATE_WORKER_H

#include "config.h"

struct event_base;
struct worker;
struct keytable;
struct dns;
struct metrics;

struct worker_listener {
	int				 fd;
	const struct listener_conf	*conf;
};

/*
 * worker_new - a worker on base, with conf and keys (either may be shared
 * with the caller; the worker does not free them).
 */
struct worker	*worker_new(struct event_base *, const struct config *,
		    struct keytable *);
void		 worker_free(struct worker *);

/*
 * worker_main - run a worker process: listen on the given fds, serve until
 * SIGTERM (drain) and return the exit status. Never returns to the
 * supervisor's code paths with the supervisor's state.
 */
int		 worker_main(int id, const struct config *, struct keytable *,
		    struct worker_listener *, size_t, int max_sessions);

struct event_base	*worker_base(struct worker *);
const struct config	*worker_config(struct worker *);
struct keytable		*worker_keys(struct worker *);
struct metrics		*worker_metrics(struct worker *);

/*
 * worker_dns - the worker's resolver, created on first use from the
 * config's dns_* parameters; NULL if it could not be created (logged; a
 * mode then reports temperror).
 */
struct dns		*worker_dns(struct worker *);

/* session bookkeeping, used by smtp_server.c */
int	worker_max_sessions(struct worker *);
void	worker_session_opened(struct worker *);
void	worker_session_closed(struct worker *);

#endif
