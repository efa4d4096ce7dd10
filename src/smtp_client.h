/*
 * smtp_client.h - the connection to the return port (Postfix's
 * reinjection smtpd).
 *
 * A dumb, ordered pipe: the owner writes command lines (and message data)
 * and announces how many replies it expects; replies come back through
 * cb->reply in the same order, one call per reply (multi-line replies
 * collected). The greeting counts as the first expected reply. Any
 * failure (connect refused, connection lost, reply timeout, a reply that
 * is not SMTP) calls cb->error once; after that no callback comes again and
 * the owner frees the client. Freeing the client closes the connection at
 * once, which is how a transaction is aborted without sending the final
 * dot (Postfix FILTER_README).
 *
 * Every expected reply has its own timeout; the timer runs only while a
 * reply is outstanding. TCP_NODELAY is set: commands of one pipelined group
 * are written together, so Nagle only adds latency.
 */
#ifndef DKIMGATE_SMTP_CLIENT_H
#define DKIMGATE_SMTP_CLIENT_H

#include <sys/socket.h>
#include <stddef.h>

#include "buf.h"

struct event_base;
struct evbuffer;
struct smtp_client;

#define SMTP_REPLY_MAX		65536	/* all lines of one reply */
#define SMTP_REPLY_LINE_MAX	4096
#define SMTP_REPLY_MAXLINES	256

struct smtp_reply {
	int		 code;
	size_t		 nlines;
	struct buf	 text;		/* the lines as received, each + CRLF */
};

enum smtp_client_err {
	SMTP_CLIENT_CONNECT = 1,	/* could not connect */
	SMTP_CLIENT_LOST,		/* closed or reset by the peer */
	SMTP_CLIENT_TIMEOUT,		/* no reply in time */
	SMTP_CLIENT_PROTOCOL		/* not an SMTP reply */
};

struct smtp_client_cb {
	void	(*reply)(void *arg, const struct smtp_reply *);
	void	(*error)(void *arg, enum smtp_client_err, const char *why);
};

/*
 * smtp_client_new - start connecting to addr; the greeting is the first
 * expected reply (timeout: connect_timeout, for connect and greeting).
 */
struct smtp_client *smtp_client_new(struct event_base *,
		    const struct sockaddr *, socklen_t,
		    const struct smtp_client_cb *, void *arg,
		    int connect_timeout);
void		 smtp_client_free(struct smtp_client *);

/*
 * smtp_client_command - queue one command line (CRLF is added) and expect
 * one reply within timeout seconds.
 */
void		 smtp_client_command(struct smtp_client *, const char *,
		    size_t, int timeout);

/*
 * smtp_client_output - the output buffer, for appending message data; the
 * caller then calls smtp_client_expect() for the reply to the final dot.
 */
struct evbuffer	*smtp_client_output(struct smtp_client *);
void		 smtp_client_expect(struct smtp_client *, int timeout);

/* smtp_client_pending - replies expected and not yet received */
size_t		 smtp_client_pending(const struct smtp_client *);

/* smtp_client_errname - text for enum smtp_client_err */
const char	*smtp_client_errname(enum smtp_client_err);

#endif
