/*
 * metrics.h - counters shared by the supervisor and its workers, and the
 * Prometheus text endpoint (libevent's evhttp) that sums them.
 *
 * Workers are separate processes, so the counters live in one anonymous
 * shared mapping (MAP_SHARED) that the supervisor creates before it forks
 * anything: one slot per process (slot 0 is the supervisor's own, slot
 * N + 1 belongs to whichever worker runs in the supervisor's child slot
 * N). A process writes only its own slot, with plain relaxed atomic
 * load + store (no locks, no read-modify-write bus lock on the message
 * path); the supervisor sums every slot that was ever used when the
 * endpoint is scraped. A slot is never cleared, so a restarted worker's
 * counts stay in the sum and every counter is monotonic.
 *
 * Per-listener counters are kept in a table of listener identities
 * (address and mode) in the same mapping; the supervisor adds the
 * listeners of each configuration it loads (metrics_configure) before it
 * forks the workers that use them, and never removes one.
 *
 * Every function that counts accepts a NULL struct metrics (and a NULL
 * listener) and then does nothing: the command-line tools and the unit
 * tests of other modules run the same code without a mapping.
 *
 * Ownership: metrics_new() returns the process's handle, freed by
 * metrics_free() in the process that created it; after fork() the child
 * keeps using the same handle (metrics_child). Strings passed in are
 * copied or only read during the call. Event-loop constraints: the
 * endpoint runs on the supervisor's event_base; the counting functions
 * never block and never allocate.
 */
#ifndef DKIMGATE_METRICS_H
#define DKIMGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"

struct event_base;
struct metrics;

#define METRICS_LISTENERS	64	/* listener identities ever seen */
#define METRICS_WORKER_SLOTS	128	/* the supervisor's child slots */
#define METRICS_OUTPUT_MAX	(8 * 1024 * 1024)	/* one scrape */

/* what a verify listener checked (results_total's kind label) */
enum metrics_kind {
	METRICS_DKIM = 0,
	METRICS_SPF,
	METRICS_DMARC,
	METRICS_KINDS
};

/*
 * metrics_extra_fn - writes more metric families into out at scrape
 * time (the key rotation state, kept by the supervisor); use
 * metrics_text_family() and metrics_text_sample().
 */
typedef void (*metrics_extra_fn)(struct buf *out, void *arg);

/*
 * metrics_new - create the shared counters (before any fork) and make
 * this process the owner of slot 0. Returns NULL (logged) if the mapping
 * cannot be made: the daemon then runs without metrics.
 */
struct metrics	*metrics_new(void);

/* metrics_free - unmap and close the endpoint (accepts NULL) */
void		 metrics_free(struct metrics *);

/*
 * metrics_configure - for a configuration just loaded: add its listeners
 * to the identity table, and (re)start the HTTP endpoint on
 * conf->metrics_listen (stop it when empty; keep it when unchanged).
 * Returns 0, or -1 with a message in err (the endpoint could not be
 * bound); the previous endpoint then stays.
 */
int		 metrics_configure(struct metrics *, struct event_base *,
		    const struct config *, char *err, size_t errlen);

/* metrics_set_extra - the function called for more families */
void		 metrics_set_extra(struct metrics *, metrics_extra_fn, void *);

/*
 * metrics_child - in a child just forked for child slot n: count into
 * worker slot n from now on and close the endpoint's listening socket
 * (the child has no use for it). metrics_attach() only switches slots
 * (n < 0: the supervisor's slot 0), for tests.
 */
void		 metrics_child(struct metrics *, int n);
void		 metrics_attach(struct metrics *, int n);

/* metrics_self - the handle of this process, or NULL (tools, tests) */
struct metrics	*metrics_self(void);

/* metrics_worker_restart - the supervisor restarted a worker */
void		 metrics_worker_restart(struct metrics *);

/*
 * Counting, on the message path. lc is the listener the session came
 * in on (the counts are per listener and mode).
 *
 * metrics_session - a connection was accepted.
 * metrics_message - a transaction ended with outcome ("delivered",
 *	"deferred", "rejected", "too-big", "spool-error"; anything else
 *	counts as "other"), bytes received (the wire bytes of DATA), and
 *	whether it was spooled to a file.
 * metrics_return_reply - the return port answered the end of a
 *	message's data with code (2xx, 4xx, 5xx), or code 0: the
 *	connection failed before an answer (also any other code).
 * metrics_result - one result of a check: result is the RFC 8601 word
 *	("pass", "fail", "none", "neutral", "policy", "softfail",
 *	"temperror", "permerror"); anything else is not counted.
 * metrics_sign - the outcome of a sign listener for one message:
 *	"signed", "unsigned", "rejected", "tempfail".
 * metrics_signature - one DKIM-Signature made with algorithm alg
 *	(CRYPTO_ALG_RSA or CRYPTO_ALG_ED25519, crypto.h).
 * metrics_dns - one DNS look-up answered: status and sec as in dns.h
 *	(enum dns_status, enum dns_sec), and how long it took.
 */
void	metrics_session(struct metrics *, const struct listener_conf *);
void	metrics_message(struct metrics *, const struct listener_conf *,
	    const char *outcome, long long bytes, int spooled);
void	metrics_return_reply(struct metrics *, const struct listener_conf *,
	    int code);
void	metrics_result(struct metrics *, const struct listener_conf *,
	    enum metrics_kind, const char *result);
void	metrics_sign(struct metrics *, const struct listener_conf *,
	    const char *outcome);
void	metrics_signature(struct metrics *, const struct listener_conf *,
	    int alg);
void	metrics_dns(struct metrics *, int status, int sec, long elapsed_ms);

/*
 * metrics_render - the whole exposition (Prometheus text format 0.0.4)
 * appended to out: the summed shared counters, then the extra families.
 * Returns 0, or -1 if out hit its cap.
 */
int	metrics_render(struct metrics *, struct buf *out);

/*
 * Exposition helpers (also for the extra function).
 * metrics_text_family - the "# HELP" and "# TYPE" lines of a family;
 *	help is escaped (backslash, line feed).
 * metrics_text_sample - one sample line: name, labels as a NULL-ended
 *	array of name, value, name, value ... (NULL: no labels; values are
 *	escaped: backslash, double quote, line feed), then the value from
 *	fmt.
 * metrics_text_escape - append s escaped for a label value (quote 1) or
 *	a HELP text (quote 0).
 */
void	metrics_text_family(struct buf *, const char *name, const char *type,
	    const char *help);
void	metrics_text_sample(struct buf *, const char *name,
	    const char *const *labels, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
void	metrics_text_escape(struct buf *, const char *s, int quote);

#endif
