/*
 * smtp_server.h - the inbound SMTP session from Postfix, relayed to the
 * return port in lock-step.
 *
 * A session owns its connection to the return port (smtp_client.h), the
 * current transaction's message store (spool.h) and the mode's per-message
 * state (mode.h). Every command is passed to the return port in order
 * (pipelined groups stay grouped) and its reply comes back verbatim, except
 * EHLO, whose reply dkimgate writes itself; commands dkimgate answers
 * itself (syntax errors, VRFY, HELP, BDAT ...) keep their place in the
 * order of replies. The end of DATA is answered only once the return port
 * has answered it; any failure before that gives a 4xx, so Postfix keeps
 * the message (the zero-loss rule in DESIGN.md).
 *
 * Sessions live on the worker's event loop; nothing here blocks.
 */
#ifndef DKIMGATE_SMTP_SERVER_H
#define DKIMGATE_SMTP_SERVER_H

#include <sys/socket.h>

struct worker;
struct listener_conf;

/*
 * smtp_session_new - take over an accepted connection fd from peer.
 */
void	smtp_session_new(struct worker *, const struct listener_conf *, int fd,
	    const struct sockaddr *, socklen_t);

/*
 * smtp_server_drain - stop taking new transactions: idle sessions get
 * "421 4.3.2" and close now, busy ones after their current transaction.
 */
void	smtp_server_drain(void);

/* smtp_server_sessions - sessions open in this process */
int	smtp_server_sessions(void);

/* smtp_server_abort_all - close every session at once (shutdown timeout) */
void	smtp_server_abort_all(void);

#endif
