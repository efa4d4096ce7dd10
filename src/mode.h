/*
 * mode.h - the seam between the SMTP relay and what a listener does with a
 * message (pass, sign, verify).
 *
 * The session calls a mode at exactly two points that matter:
 *   - headers(): the header block is complete (parse it, pick keys, start
 *     DNS look-ups so they overlap the body transfer);
 *   - eom(): the final dot has arrived (finish hashes, sign or verify,
 *     produce header fields to prepend, or a reject/tempfail reply).
 * In between, body() streams the body bytes: everything after the empty
 * line that ends the header block (that line itself is in neither). A
 * mode never touches a socket; it may use the worker's DNS resolver
 * (dns.h) and keys.
 *
 * Bytes given to a mode have dot-stuffing removed and every line ending
 * in CRLF (a bare LF in the input has become CRLF, exactly as it is
 * forwarded), so what a mode hashes is what the return port receives.
 *
 * Life cycle, all on the worker's event loop:
 *   tx = ops->tx_new(w, env)          after the upstream DATA command
 *   ops->headers(tx, block, len, hdr) once (also for a message that has
 *                                     no body; hdr may be NULL if the
 *                                     header block passed the size cap)
 *   ops->body(tx, p, len)             zero or more times
 *   ops->eom(tx, res, done, arg)      once; done(arg) must be called
 *                                     exactly once when res is final,
 *                                     either before eom returns or later
 *                                     from the event loop
 *   ops->tx_free(tx)                  always; also mid-way (session lost,
 *                                     message aborted): it must cancel
 *                                     pending DNS and then done is never
 *                                     called
 * The env, block and hdr pointers stay valid until tx_free.
 */
#ifndef DKIMGATE_MODE_H
#define DKIMGATE_MODE_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "rfc5322.h"

struct worker;

/* Transaction facts, owned by the session. Strings are never NULL. */
struct mode_env {
	const struct listener_conf *listener;
	const char	*session_id;	/* hex, for log lines */
	const char	*helo;		/* XFORWARD HELO, else upstream EHLO */
	const char	*client_addr;	/* XFORWARD ADDR, else peer; may be
					 * "" when unknown */
	const char	*client_name;	/* XFORWARD NAME or "" */
	const char	*mail_from;	/* reverse-path without <>; "" = null */
	const char	*queue_id;	/* XFORWARD IDENT or "" */
	size_t		 nrcpt;
	int		 before_queue;	/* listener queue=before */
};

enum mode_action {
	MODE_ACCEPT = 0,	/* forward, with res->prepend */
	MODE_REJECT,		/* answer res->reply (5xx), forward nothing */
	MODE_TEMPFAIL		/* answer res->reply (4xx), forward nothing */
};

#define MODE_REPLY_MAX		512
#define MODE_SUMMARY_MAX	512

struct mode_result {
	enum mode_action action;
	/* header fields to put before the message, each ending in CRLF */
	struct buf	 prepend;
	/*
	 * Header fields to remove when forwarding, by index into the
	 * rfc5322_hdr given to headers() (e.g. forged Authentication-Results
	 * that carry our authserv-id); ndrop entries, mode-allocated with
	 * malloc, freed by the session.
	 */
	size_t		*drop;
	size_t		 ndrop;
	/* for REJECT/TEMPFAIL: "550 5.7.1 text" (no CRLF) */
	char		 reply[MODE_REPLY_MAX];
	/* for the per-message log line, e.g. "dkim=pass spf=none" */
	char		 summary[MODE_SUMMARY_MAX];
};

typedef void (*mode_done_fn)(void *arg);

struct mode_ops {
	const char	*name;
	void		*(*tx_new)(struct worker *, const struct mode_env *);
	void		 (*headers)(void *tx, const char *block, size_t len,
			    const struct rfc5322_hdr *hdr);
	void		 (*body)(void *tx, const char *p, size_t len);
	void		 (*eom)(void *tx, struct mode_result *res,
			    mode_done_fn done, void *arg);
	void		 (*tx_free)(void *tx);
};

/* mode_ops_get - the ops for a listener mode (never NULL) */
const struct mode_ops	*mode_ops_get(enum listen_mode);

/* mode_result_init/clear - embedded struct life cycle */
void	mode_result_init(struct mode_result *);
void	mode_result_clear(struct mode_result *);

/* per-mode ops tables, defined by mode.c, mode_sign.c, mode_verify.c */
extern const struct mode_ops mode_pass_ops;
extern const struct mode_ops mode_sign_ops;
extern const struct mode_ops mode_verify_ops;

#endif
