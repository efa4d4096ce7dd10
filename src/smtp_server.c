/*
 * smtp_server.c - the inbound session from Postfix, relayed to the return
 * port.
 *
 * Replies to the client are kept in a queue of "pending" entries, one per
 * command, in the order the commands arrived. An entry is either answered
 * here (syntax errors and the like: done at once) or by the return port
 * (remote: done when its reply arrives). The queue is flushed from the
 * head as entries become done, so replies always go out in command order,
 * and replies to a pipelined group go out together.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "metrics.h"
#include "mode.h"
#include "netaddr.h"
#include "netio.h"
#include "rfc5322.h"
#include "smtp_client.h"
#include "smtp_proto.h"
#include "smtp_server.h"
#include "spool.h"
#include "worker.h"
#include "xmalloc.h"

#ifndef TAILQ_FOREACH_SAFE	/* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

#define LINE_MAX_CMD	4096	/* command line cap (RFC 5321: 512 + ext.) */
#define PENDING_MAX	128	/* pipelined commands in flight */
#define HEADER_FIELDS_MAX 10000
/*
 * Inside DATA every read moves the deadline on by one second per
 * DATA_MIN_RATE bytes, never beyond data_timeout from then: a client that
 * drips bytes is cut after about data_timeout (the rule of Postfix's
 * smtpd_min_data_rate, whose default this is).
 */
#define DATA_MIN_RATE	500	/* bytes per second */

enum sstate {
	S_CONNECT = 0,	/* waiting for the return port's greeting */
	S_CMD,		/* reading commands */
	S_DATA,		/* reading the message */
	S_EOM,		/* final dot seen: mode, then return port */
	S_QUIT,		/* closing once the replies are out */
	S_DEAD
};

static const char *strstate[] = {
	"CONNECT", "CMD", "DATA", "EOM", "QUIT", "DEAD"
};

enum pkind {
	P_BANNER = 0,	/* greeting of a (re)connection: internal */
	P_EHLO_INT,	/* EHLO after a reconnection: internal */
	P_CMD,		/* a client command, relayed */
	P_LOCAL,	/* a client command answered here */
	P_DATAEND	/* the final dot, relayed */
};

struct pending {
	TAILQ_ENTRY(pending)	 entry;
	enum pkind		 kind;
	enum smtp_cmd		 cmd;
	int			 done;
	struct buf		 reply;		/* CRLF lines for the client */
	char			*arg;		/* MAIL/RCPT address, for the tx */
	int			 close_after;	/* 421: close after sending */
};
TAILQ_HEAD(pendingq, pending);

struct tx {
	char			*mail_from;	/* reverse-path, no <> */
	size_t			 nrcpt;		/* accepted by the return port */
	struct spool		*spool;
	struct dot_decoder	 dec;
	struct dot_decoder_cb	 deccb;
	struct buf		 hdr;		/* header block, decoded */
	int			 hdr_done;
	int			 hdr_overflow;
	int			 sep_skip;	/* CRLF of the empty line */
	off_t			 store_hdr_end;
	struct rfc5322_hdr	 fields;
	const struct mode_ops	*ops;
	void			*mtx;
	struct mode_env		 env;
	struct mode_result	 res;
	int			 eom_waiting;
	int			 error;		/* sticky: reply below */
	char			 errreply[256];
	char			 outcome[32];
	struct timespec		 start;
	long long		 size;		/* wire bytes received */
};

struct session {
	TAILQ_ENTRY(session)	 entry;
	struct worker		*w;
	const struct config	*conf;
	const struct listener_conf *lc;
	struct netio		*io;
	struct smtp_client	*cl;
	struct event		*timer;
	struct event		*reaper;
	enum sstate		 state;
	char			 id[17];
	char			 peer[64];
	char			 helo[256];
	int			 have_helo;
	int			 esmtp;
	/* what the return port announced */
	int			 down_xforward;
	char			 down_xfwd_attrs[128];
	int			 down_8bitmime, down_smtputf8, down_dsn;
	unsigned long long	 down_size;
	struct xforward		 xf;
	struct pendingq		 pq;
	size_t			 npending;
	int			 skipping;	/* discarding an over-long line */
	int			 errors;
	int			 draining;
	int			 greeted;
	unsigned		 ntx;
	struct tx		*tx;
	struct tx		*lasttx;	/* replied, waiting for the log */
	struct timespec		 data_deadline;	/* S_DATA, see DATA_MIN_RATE */
};
TAILQ_HEAD(sessionq, session);

static struct sessionq	 sessions = TAILQ_HEAD_INITIALIZER(sessions);
static int		 nsessions;
static int		 server_draining;

static void	session_enter_state(struct session *, enum sstate);
static void	session_close(struct session *, const char *);
static void	session_reap_cb(evutil_socket_t, short, void *);
static void	session_free(struct session *);
static void	session_read_cb(void *);
static void	session_drained_cb(void *);
static void	session_closed_cb(void *, int);
static struct evbuffer *session_out(struct session *);
static void	session_timeout_cb(evutil_socket_t, short, void *);
static void	session_arm_timer(struct session *);
static void	session_data_progress(struct session *, size_t);
static int	session_read_commands(struct session *);
static void	session_progress(struct session *);
static void	session_read_data(struct session *);
static void	session_command(struct session *, const char *, size_t);
static void	session_flush(struct session *);
static int	session_ensure_client(struct session *);
static void	session_client_lost(struct session *, const char *);

static struct pending *pending_push(struct session *, enum pkind,
		    enum smtp_cmd);
static void	pending_free(struct pending *);
static void	reply_local(struct session *, enum smtp_cmd, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	reply_error(struct session *, enum smtp_cmd, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	relay_command(struct session *, enum smtp_cmd, const char *,
		    size_t, const char *, size_t);

static void	client_reply_cb(void *, const struct smtp_reply *);
static void	client_error_cb(void *, enum smtp_client_err, const char *);
static void	ehlo_reply(struct session *, struct pending *,
		    const struct smtp_reply *);
static void	down_caps(struct session *, const struct smtp_reply *);

static void	tx_begin(struct session *);
static void	tx_free(struct tx *);
static void	tx_dec_store(void *, const char *, size_t);
static void	tx_dec_content(void *, const char *, size_t);
static void	tx_dec_header_end(void *);
static void	tx_headers_done(struct session *);
static void	tx_eom(struct session *);
static void	tx_mode_done(void *);
static void	tx_forward(struct session *);
static void	tx_finish(struct session *, const char *);
static void	tx_log(struct session *, struct tx *, const char *);
static void	tx_end(struct session *, struct tx *, const char *);

static const struct smtp_client_cb client_cb = {
	client_reply_cb,
	client_error_cb
};

/* bytes of unprocessed input before we stop reading from the client */
#define INPUT_MAX	(256 * 1024)

static const struct netio_cb session_io_cb = {
	session_read_cb,
	session_drained_cb,
	session_closed_cb,
	NULL
};

/*
 * session_enter_state - the only place the state changes.
 */
static void
session_enter_state(struct session *s, enum sstate st)
{
	if (s->state == st)
		return;
	log_debug("%s state %s -> %s", s->id, strstate[s->state],
	    strstate[st]);
	s->state = st;
	session_arm_timer(s);
}

/*
 * smtp_session_new - a new connection from Postfix.
 */
void
smtp_session_new(struct worker *w, const struct listener_conf *lc, int fd,
    const struct sockaddr *sa, socklen_t salen)
{
	struct session		*s;
	const struct config	*conf = worker_config(w);
	struct event_base	*base = worker_base(w);
	uint64_t		 rnd;
	int			 one = 1;

	s = xcalloc(1, sizeof(*s));
	s->w = w;
	s->conf = conf;
	s->lc = lc;
	TAILQ_INIT(&s->pq);
	if (crypto_random(&rnd, sizeof(rnd)) == -1)
		rnd = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^
		    (uint64_t)(uintptr_t)s;
	snprintf(s->id, sizeof(s->id), "%016" PRIx64, rnd);
	netaddr_ntop(sa, s->peer, sizeof(s->peer));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* a stalled reader must not make us buffer without bound */
	s->io = netio_new(base, fd, &session_io_cb, s, INPUT_MAX);
	netio_read_enable(s->io, 0);	/* not before our greeting */
	s->timer = evtimer_new(base, session_timeout_cb, s);
	s->reaper = evtimer_new(base, session_reap_cb, s);
	if (s->timer == NULL || s->reaper == NULL)
		fatalx("smtp_session_new: libevent allocation");
	TAILQ_INSERT_TAIL(&sessions, s, entry);
	nsessions++;
	worker_session_opened(w);
	metrics_session(worker_metrics(w), lc);

	if (!netlist_match(&conf->client_networks, sa)) {
		log_warnx("%s reject client=%s reason=\"not in client_networks\"",
		    s->id, s->peer);
		evbuffer_add_printf(session_out(s),
		    "554 5.7.1 %s: access denied\r\n", conf->myhostname);
		session_enter_state(s, S_QUIT);
		return;
	}
	if (nsessions > worker_max_sessions(w)) {
		log_warnx("%s reject client=%s reason=\"too many sessions\"",
		    s->id, s->peer);
		evbuffer_add_printf(session_out(s),
		    "421 4.7.0 %s Error: too many sessions, try again "
		    "later\r\n", conf->myhostname);
		session_enter_state(s, S_QUIT);
		return;
	}
	if (server_draining) {
		evbuffer_add_printf(session_out(s),
		    "421 4.3.2 %s Service shutting down\r\n",
		    conf->myhostname);
		session_enter_state(s, S_QUIT);
		return;
	}
	log_debug("%s connect client=%s listener=%s mode=%s", s->id, s->peer,
	    lc->text, config_mode_name(lc->mode));
	/* greet only once the return port has greeted us */
	s->state = S_CONNECT;
	(void)session_ensure_client(s);
}

/*
 * session_out - the output to the client; what is added there is written
 * at the end of this loop iteration, all in one write.
 */
static struct evbuffer *
session_out(struct session *s)
{
	netio_flush(s->io);
	return netio_output(s->io);
}

/*
 * session_ensure_client - connect to the return port if not connected;
 * the greeting (and, on a reconnection, an EHLO) become internal pending
 * entries ahead of whatever the caller queues next.
 */
static int
session_ensure_client(struct session *s)
{
	struct pending	*p;

	if (s->cl != NULL)
		return 0;
	s->cl = smtp_client_new(worker_base(s->w),
	    (const struct sockaddr *)&s->lc->ret, s->lc->retlen, &client_cb,
	    s, s->conf->return_connect_timeout);
	p = pending_push(s, P_BANNER, SMTP_CMD_UNKNOWN);
	if (s->greeted && s->have_helo) {
		char	*line;
		int	 n;

		n = xasprintf(&line, "EHLO %s", s->helo);
		smtp_client_command(s->cl, line, n, s->conf->return_timeout);
		free(line);
		p = pending_push(s, P_EHLO_INT, SMTP_CMD_EHLO);
	}
	(void)p;
	return 0;
}

static struct pending *
pending_push(struct session *s, enum pkind kind, enum smtp_cmd cmd)
{
	struct pending	*p;

	p = xcalloc(1, sizeof(*p));
	p->kind = kind;
	p->cmd = cmd;
	buf_init(&p->reply, SMTP_REPLY_MAX + 1024);
	TAILQ_INSERT_TAIL(&s->pq, p, entry);
	s->npending++;
	return p;
}

static void
pending_free(struct pending *p)
{
	buf_clear(&p->reply);
	free(p->arg);
	free(p);
}

/*
 * reply_local - queue a reply made here, in order with relayed ones.
 */
static void
reply_local(struct session *s, enum smtp_cmd cmd, const char *fmt, ...)
{
	struct pending	*p;
	va_list		 ap;
	char		 line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p = pending_push(s, P_LOCAL, cmd);
	buf_adds(&p->reply, line);
	buf_add(&p->reply, "\r\n", 2);
	p->done = 1;
	if (strncmp(line, "421", 3) == 0)
		p->close_after = 1;
}

/*
 * reply_error - a local 5xx for a client error; counts toward max_errors.
 */
static void
reply_error(struct session *s, enum smtp_cmd cmd, const char *fmt, ...)
{
	va_list		 ap;
	char		 line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (++s->errors >= s->conf->max_errors) {
		log_warnx("%s too many errors client=%s", s->id, s->peer);
		reply_local(s, cmd, "421 4.7.0 %s Error: too many errors",
		    s->conf->myhostname);
		return;
	}
	reply_local(s, cmd, "%s", line);
}

/*
 * relay_command - pass a command to the return port; its reply will be
 * relayed. arg is kept for the transaction bookkeeping (MAIL/RCPT).
 */
static void
relay_command(struct session *s, enum smtp_cmd cmd, const char *line,
    size_t len, const char *arg, size_t arglen)
{
	struct pending	*p;
	int		 timeout = s->conf->return_timeout;

	if (session_ensure_client(s) == -1)
		return;
	smtp_client_command(s->cl, line, len, timeout);
	p = pending_push(s, P_CMD, cmd);
	if (arg != NULL)
		p->arg = xstrndup(arg, arglen);
}

/*
 * session_flush - send the replies that are ready, from the head.
 */
static void
session_flush(struct session *s)
{
	struct evbuffer	*out = session_out(s);
	struct pending	*p;
	int		 close_now = 0;

	while ((p = TAILQ_FIRST(&s->pq)) != NULL && p->done) {
		TAILQ_REMOVE(&s->pq, p, entry);
		s->npending--;
		if (buf_len(&p->reply) > 0)
			evbuffer_add(out, buf_data(&p->reply),
			    buf_len(&p->reply));
		if (p->close_after)
			close_now = 1;
		if (p->cmd == SMTP_CMD_QUIT && p->kind != P_BANNER)
			close_now = 1;
		pending_free(p);
		if (close_now)
			break;
	}
	if (close_now) {
		session_enter_state(s, S_QUIT);
		return;
	}
	if (s->state == S_CMD && s->draining && s->tx == NULL &&
	    TAILQ_EMPTY(&s->pq)) {
		evbuffer_add_printf(out, "421 4.3.2 %s Service shutting down\r\n",
		    s->conf->myhostname);
		session_enter_state(s, S_QUIT);
		return;
	}
}

/*
 * session_progress - send what is ready, then act on buffered input that
 * a lifted barrier (a DATA, a final dot) may have held back.
 */
static void
session_progress(struct session *s)
{
	struct evbuffer	*in = netio_input(s->io);

	for (;;) {
		session_flush(s);
		if (s->state == S_DATA && evbuffer_get_length(in) > 0) {
			session_read_data(s);
			continue;
		}
		if (s->state != S_CMD || session_read_commands(s) == 0)
			break;
	}
	/* input was consumed: read again if it had reached its cap */
	if (s->state == S_CMD || s->state == S_DATA || s->state == S_EOM)
		netio_read_enable(s->io, 1);
}

/*
 * session_read_cb - bytes from Postfix.
 */
static void
session_read_cb(void *arg)
{
	struct session	*s = arg;

	switch (s->state) {
	case S_CMD:
		session_progress(s);
		break;
	case S_DATA:
		session_data_progress(s,
		    evbuffer_get_length(netio_input(s->io)));
		session_read_data(s);
		session_progress(s);
		break;
	default:
		/* pipelined bytes wait until their turn */
		break;
	}
}

/*
 * session_read_commands - drain every complete command line we may act on
 * now. A DATA or QUIT waiting for its reply is a barrier: bytes after it
 * are not commands until then (RFC 2920 3.1).
 */
static int
session_read_commands(struct session *s)
{
	struct evbuffer	*in = netio_input(s->io);
	char		 line[LINE_MAX_CMD + 1];
	int		 ncmd = 0;

	while (s->state == S_CMD) {
		struct evbuffer_ptr	 eol;
		struct pending		*last;
		size_t			 eol_len, n;

		last = TAILQ_LAST(&s->pq, pendingq);
		if (last != NULL && (last->cmd == SMTP_CMD_DATA ||
		    last->cmd == SMTP_CMD_QUIT || last->close_after))
			break;
		if (s->npending >= PENDING_MAX)
			break;
		eol = evbuffer_search_eol(in, NULL, &eol_len,
		    EVBUFFER_EOL_CRLF);
		if (eol.pos < 0) {
			if (evbuffer_get_length(in) > LINE_MAX_CMD) {
				/* discard, answer once the line ends */
				evbuffer_drain(in, evbuffer_get_length(in));
				s->skipping = 1;
			}
			break;
		}
		n = eol.pos;
		if (n > LINE_MAX_CMD || s->skipping) {
			evbuffer_drain(in, n + eol_len);
			s->skipping = 0;
			reply_error(s, SMTP_CMD_UNKNOWN,
			    "500 5.5.2 Error: line too long");
			ncmd++;
			continue;
		}
		evbuffer_remove(in, line, n);
		evbuffer_drain(in, eol_len);
		line[n] = '\0';
		ncmd++;
		session_arm_timer(s);	/* only whole lines count as activity */
		session_command(s, line, n);
	}
	return ncmd;
}

/*
 * session_command - act on one command line (CRLF removed, NUL-terminated
 * copy, but the length is what counts: a NUL inside is an error).
 */
static void
session_command(struct session *s, const char *line, size_t n)
{
	struct smtp_cmdline	 c;
	struct smtp_path	 path;
	struct xforward		 xf;
	const char		*why = NULL;

	if (memchr(line, '\0', n) != NULL) {
		reply_error(s, SMTP_CMD_UNKNOWN,
		    "500 5.5.2 Error: NUL character in command");
		return;
	}
	if (smtp_parse_command(line, n, &c) == -1) {
		reply_error(s, SMTP_CMD_UNKNOWN,
		    "500 5.5.2 Error: bad syntax");
		return;
	}
	switch (c.cmd) {
	case SMTP_CMD_HELO:
	case SMTP_CMD_EHLO: {
		char	*cmd;
		size_t	 i;
		int	 len;

		if (c.arglen == 0) {
			reply_error(s, c.cmd, "501 5.5.4 Syntax: %s hostname",
			    c.cmd == SMTP_CMD_EHLO ? "EHLO" : "HELO");
			return;
		}
		for (i = 0; i < c.arglen; i++)
			if ((unsigned char)c.arg[i] < 0x21 ||
			    (unsigned char)c.arg[i] == 0x7f)
				break;
		if (i < c.arglen || c.arglen >= sizeof(s->helo)) {
			reply_error(s, c.cmd,
			    "501 5.5.4 Error: bad hostname");
			return;
		}
		memcpy(s->helo, c.arg, c.arglen);
		s->helo[c.arglen] = '\0';
		s->have_helo = 1;
		s->esmtp = c.cmd == SMTP_CMD_EHLO;
		/* EHLO downstream either way: we need its extensions */
		len = xasprintf(&cmd, "EHLO %s", s->helo);
		relay_command(s, c.cmd, cmd, len, NULL, 0);
		free(cmd);
		return;
	}
	case SMTP_CMD_XFORWARD:
		if (!s->down_xforward) {
			reply_error(s, c.cmd,
			    "502 5.5.1 Error: command not implemented");
			return;
		}
		xf = s->xf;
		if (smtp_parse_xforward(c.arg, c.arglen, &xf, &why) == -1) {
			reply_error(s, c.cmd, "501 5.5.4 %s", why);
			return;
		}
		relay_command(s, c.cmd, line, n, c.arg, c.arglen);
		return;
	case SMTP_CMD_MAIL: {
		const struct smtp_param	*sz;
		unsigned long long	 size;

		if (smtp_parse_path(c.arg, c.arglen, "FROM:", &path,
		    &why) == -1) {
			reply_error(s, c.cmd, "501 5.5.4 %s", why);
			return;
		}
		if ((sz = smtp_param_find(&path, "SIZE")) != NULL) {
			if (sz->val == NULL || smtp_parse_size(sz->val,
			    sz->vallen, &size) == -1) {
				reply_error(s, c.cmd,
				    "501 5.5.4 Bad SIZE parameter");
				return;
			}
			if (size > (unsigned long long)
			    s->conf->message_size_limit) {
				reply_local(s, c.cmd, "552 5.3.4 Message size "
				    "exceeds fixed limit");
				return;
			}
		}
		relay_command(s, c.cmd, line, n, path.addr, path.addrlen);
		return;
	}
	case SMTP_CMD_RCPT:
		if (smtp_parse_path(c.arg, c.arglen, "TO:", &path,
		    &why) == -1 || path.addrlen == 0) {
			reply_error(s, c.cmd, "501 5.1.3 %s", why == NULL ?
			    "Bad recipient address syntax" : why);
			return;
		}
		relay_command(s, c.cmd, line, n, path.addr, path.addrlen);
		return;
	case SMTP_CMD_DATA:
		if (c.arglen > 0) {
			reply_error(s, c.cmd, "501 5.5.4 Syntax: DATA");
			return;
		}
		relay_command(s, c.cmd, "DATA", 4, NULL, 0);
		return;
	case SMTP_CMD_RSET:
	case SMTP_CMD_NOOP:
	case SMTP_CMD_QUIT:
		if (c.cmd != SMTP_CMD_NOOP && c.arglen > 0) {
			reply_error(s, c.cmd, "501 5.5.4 Syntax: %s",
			    smtp_cmd_name(c.cmd));
			return;
		}
		if (s->cl == NULL) {
			/* nothing downstream to keep in step */
			if (c.cmd == SMTP_CMD_QUIT)
				reply_local(s, c.cmd, "221 2.0.0 Bye");
			else
				reply_local(s, c.cmd, "250 2.0.0 Ok");
			if (c.cmd == SMTP_CMD_RSET) {
				tx_free(s->tx);
				s->tx = NULL;
				memset(&s->xf, 0, sizeof(s->xf));
			}
			return;
		}
		relay_command(s, c.cmd, smtp_cmd_name(c.cmd),
		    strlen(smtp_cmd_name(c.cmd)), NULL, 0);
		return;
	case SMTP_CMD_VRFY:
		reply_local(s, c.cmd, "502 5.5.1 VRFY command is disabled");
		return;
	case SMTP_CMD_HELP:
		reply_local(s, c.cmd, "214 2.0.0 https://www.rfc-editor.org/"
		    "rfc/rfc5321");
		return;
	case SMTP_CMD_BDAT:
		reply_error(s, c.cmd, "502 5.5.1 Error: CHUNKING is not "
		    "supported, use DATA");
		return;
	case SMTP_CMD_EXPN:
	case SMTP_CMD_STARTTLS:
	case SMTP_CMD_AUTH:
	case SMTP_CMD_ETRN:
		reply_error(s, c.cmd, "502 5.5.1 Error: command not "
		    "implemented");
		return;
	case SMTP_CMD_UNKNOWN:
	default:
		reply_error(s, c.cmd, "500 5.5.2 Error: command not "
		    "recognized");
		return;
	}
}

/*
 * down_caps - remember what the return port's EHLO reply announced.
 */
static void
down_caps(struct session *s, const struct smtp_reply *r)
{
	const char	*p = buf_data(&r->text), *end = p + buf_len(&r->text);

	s->down_xforward = s->down_8bitmime = s->down_smtputf8 = 0;
	s->down_dsn = 0;
	s->down_size = 0;
	s->down_xfwd_attrs[0] = '\0';
	while (p < end) {
		const char	*lf = memchr(p, '\n', end - p);
		size_t		 n = lf - p, alen;
		const char	*args;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (smtp_ehlo_keyword(p, n, "XFORWARD", &args, &alen)) {
			s->down_xforward = 1;
			if (alen >= sizeof(s->down_xfwd_attrs))
				alen = sizeof(s->down_xfwd_attrs) - 1;
			memcpy(s->down_xfwd_attrs, args, alen);
			s->down_xfwd_attrs[alen] = '\0';
		} else if (smtp_ehlo_keyword(p, n, "8BITMIME", NULL, NULL))
			s->down_8bitmime = 1;
		else if (smtp_ehlo_keyword(p, n, "SMTPUTF8", NULL, NULL))
			s->down_smtputf8 = 1;
		else if (smtp_ehlo_keyword(p, n, "DSN", NULL, NULL))
			s->down_dsn = 1;
		else if (smtp_ehlo_keyword(p, n, "SIZE", &args, &alen))
			(void)smtp_parse_size(args, alen, &s->down_size);
		p = lf + 1;
	}
}

/*
 * ehlo_reply - our EHLO/HELO reply, built from our own extensions and the
 * ones of the return port that must hold end to end.
 */
static void
ehlo_reply(struct session *s, struct pending *p, const struct smtp_reply *r)
{
	unsigned long long	 size = s->conf->message_size_limit;
	struct buf		*b = &p->reply;

	if (r->code / 100 != 2) {
		/* the return port refused: its reply is the answer */
		buf_add(b, buf_data(&r->text), buf_len(&r->text));
		return;
	}
	down_caps(s, r);
	if (p->cmd == SMTP_CMD_HELO) {
		buf_printf(b, "250 %s\r\n", s->conf->myhostname);
		return;
	}
	if (s->down_size != 0 && s->down_size < size)
		size = s->down_size;
	buf_printf(b, "250-%s\r\n", s->conf->myhostname);
	buf_printf(b, "250-PIPELINING\r\n");
	buf_printf(b, "250-SIZE %llu\r\n", size);
	if (s->down_8bitmime)
		buf_printf(b, "250-8BITMIME\r\n");
	if (s->down_smtputf8)
		buf_printf(b, "250-SMTPUTF8\r\n");
	if (s->down_dsn)
		buf_printf(b, "250-DSN\r\n");
	if (s->down_xforward)
		buf_printf(b, "250-XFORWARD %s\r\n", s->down_xfwd_attrs);
	buf_printf(b, "250 ENHANCEDSTATUSCODES\r\n");
}

/*
 * client_reply_cb - a reply from the return port, for the oldest pending
 * entry that waits for one.
 */
static void
client_reply_cb(void *arg, const struct smtp_reply *r)
{
	struct session	*s = arg;
	struct pending	*p;

	if (s->state == S_DEAD)
		return;
	TAILQ_FOREACH(p, &s->pq, entry)
		if (!p->done && p->kind != P_LOCAL)
			break;
	if (p == NULL) {
		log_warnx("%s unexpected reply from return port", s->id);
		session_client_lost(s, "unexpected reply");
		return;
	}
	p->done = 1;
	switch (p->kind) {
	case P_BANNER:
		if (r->code != 220) {
			char	 esc[256];

			log_warnx("%s return port %s refused: %s", s->id,
			    s->lc->ret_text, log_escape(esc, sizeof(esc),
			    buf_data(&r->text), buf_len(&r->text)));
			session_client_lost(s, "refused the connection");
			return;
		}
		if (!s->greeted) {
			s->greeted = 1;
			buf_printf(&p->reply, "220 %s ESMTP dkimgate\r\n",
			    s->conf->myhostname);
			session_enter_state(s, S_CMD);
			netio_read_enable(s->io, 1);
		}
		break;
	case P_EHLO_INT:
		if (r->code / 100 != 2) {
			session_client_lost(s, "refused EHLO");
			return;
		}
		down_caps(s, r);
		break;
	case P_CMD:
		switch (p->cmd) {
		case SMTP_CMD_EHLO:
		case SMTP_CMD_HELO:
			ehlo_reply(s, p, r);
			if (r->code / 100 == 2) {
				tx_free(s->tx);
				s->tx = NULL;
			}
			break;
		case SMTP_CMD_XFORWARD:
			if (r->code / 100 == 2) {
				const char	*why;

				(void)smtp_parse_xforward(p->arg,
				    strlen(p->arg), &s->xf, &why);
			}
			buf_add(&p->reply, buf_data(&r->text),
			    buf_len(&r->text));
			break;
		case SMTP_CMD_MAIL:
			if (r->code / 100 == 2) {
				tx_free(s->tx);
				s->tx = xcalloc(1, sizeof(*s->tx));
				s->tx->mail_from = p->arg;
				p->arg = NULL;
				clock_gettime(CLOCK_MONOTONIC, &s->tx->start);
			}
			buf_add(&p->reply, buf_data(&r->text),
			    buf_len(&r->text));
			break;
		case SMTP_CMD_RCPT:
			if (r->code / 100 == 2 && s->tx != NULL)
				s->tx->nrcpt++;
			buf_add(&p->reply, buf_data(&r->text),
			    buf_len(&r->text));
			break;
		case SMTP_CMD_RSET:
			if (r->code / 100 == 2) {
				tx_free(s->tx);
				s->tx = NULL;
				memset(&s->xf, 0, sizeof(s->xf));
			}
			buf_add(&p->reply, buf_data(&r->text),
			    buf_len(&r->text));
			break;
		case SMTP_CMD_QUIT:
			/* done with the return port: its close is no news */
			smtp_client_free(s->cl);
			s->cl = NULL;
			buf_add(&p->reply, buf_data(&r->text),
			    buf_len(&r->text));
			break;
		case SMTP_CMD_DATA:
			buf_add(&p->reply, buf_data(&r->text),
			    buf_len(&r->text));
			if (r->code == 354) {
				if (s->tx == NULL) {
					/* cannot happen with an honest peer */
					session_client_lost(s,
					    "354 without a transaction");
					return;
				}
				tx_begin(s);
			}
			break;
		default:
			buf_add(&p->reply, buf_data(&r->text),
			    buf_len(&r->text));
			break;
		}
		break;
	case P_DATAEND:
		buf_add(&p->reply, buf_data(&r->text), buf_len(&r->text));
		{
			char	 rep[256];
			size_t	 n = buf_len(&r->text);

			if (n >= 2)
				n -= 2;	/* first line without CRLF */
			{
				const char *lf = memchr(buf_data(&r->text),
				    '\r', n);

				if (lf != NULL)
					n = lf - buf_data(&r->text);
			}
			log_escape(rep, sizeof(rep), buf_data(&r->text), n);
			metrics_return_reply(worker_metrics(s->w), s->lc,
			    r->code);
			tx_finish(s, r->code / 100 == 2 ? "delivered" :
			    r->code / 100 == 4 ? "deferred" : "rejected");
			tx_end(s, s->lasttx, rep);
			s->lasttx = NULL;
		}
		session_enter_state(s, S_CMD);
		break;
	case P_LOCAL:
		break;
	}
	session_progress(s);
}

/*
 * client_error_cb - the return port connection failed. Every pending
 * relayed command gets a 4xx; the session goes on only if a message was
 * being received (its sender gets 451 at the end of DATA).
 */
static void
client_error_cb(void *arg, enum smtp_client_err e, const char *why)
{
	struct session	*s = arg;
	char		 esc[128];

	if (s->state == S_DEAD)
		return;
	log_warnx("%s return port %s: %s: %s", s->id, s->lc->ret_text,
	    smtp_client_errname(e), log_escape(esc, sizeof(esc), why,
	    strlen(why)));
	session_client_lost(s, smtp_client_errname(e));
}

/*
 * session_client_lost - drop the return port connection and answer every
 * pending relayed command with a temporary failure.
 */
static void
session_client_lost(struct session *s, const char *why)
{
	struct pending	*p;
	int		 closing = 0;

	smtp_client_free(s->cl);
	s->cl = NULL;
	TAILQ_FOREACH(p, &s->pq, entry) {
		if (p->done || p->kind == P_LOCAL)
			continue;
		p->done = 1;
		buf_reset(&p->reply);
		switch (p->kind) {
		case P_DATAEND:
			buf_printf(&p->reply, "451 4.4.2 %s Error: return port "
			    "%s\r\n", s->conf->myhostname, why);
			metrics_return_reply(worker_metrics(s->w), s->lc, 0);
			tx_finish(s, "deferred");
			tx_end(s, s->lasttx, "return port failed");
			s->lasttx = NULL;
			session_enter_state(s, S_CMD);
			break;
		case P_BANNER:
		case P_EHLO_INT:
		case P_CMD:
		default:
			if (!closing)
				buf_printf(&p->reply, "421 4.4.2 %s Error: "
				    "return port %s\r\n", s->conf->myhostname,
				    why);
			p->close_after = 1;
			closing = 1;
			break;
		}
	}
	if (s->state == S_DATA && s->tx != NULL && !s->tx->error) {
		/* read the rest of the message, then answer 451 */
		s->tx->error = 1;
		snprintf(s->tx->errreply, sizeof(s->tx->errreply),
		    "451 4.4.2 %s Error: return port %s",
		    s->conf->myhostname, why);
		snprintf(s->tx->outcome, sizeof(s->tx->outcome), "deferred");
	}
	if (s->state == S_CONNECT) {
		/* no greeting yet: ours is the 421 */
		p = TAILQ_FIRST(&s->pq);
		s->greeted = 1;
		session_enter_state(s, S_CMD);
	}
	session_progress(s);
}

/*
 * tx_begin - the return port said 354: start receiving the message.
 */
static void
tx_begin(struct session *s)
{
	struct tx		*t = s->tx;
	const struct config	*conf = s->conf;

	t->spool = spool_new(conf->spool_threshold, conf->message_size_limit,
	    conf->spool_directory);
	buf_init(&t->hdr, conf->header_size_limit);
	rfc5322_hdr_init(&t->fields);
	t->deccb.store = tx_dec_store;
	t->deccb.content = tx_dec_content;
	t->deccb.header_end = tx_dec_header_end;
	t->deccb.arg = s;
	dot_decoder_init(&t->dec, &t->deccb);
	mode_result_init(&t->res);
	t->ops = mode_ops_get(s->lc->mode);
	t->env.listener = s->lc;
	t->env.session_id = s->id;
	t->env.helo = s->xf.helo[0] != '\0' ? s->xf.helo : s->helo;
	t->env.client_addr = s->xf.addr[0] != '\0' ? s->xf.addr : s->peer;
	t->env.client_name = s->xf.name;
	t->env.mail_from = t->mail_from != NULL ? t->mail_from : "";
	t->env.queue_id = s->xf.ident;
	t->env.nrcpt = t->nrcpt;
	t->env.before_queue = s->lc->queue == QUEUE_BEFORE;
	t->mtx = t->ops->tx_new(s->w, &t->env);
	s->ntx++;
	clock_gettime(CLOCK_MONOTONIC, &s->data_deadline);
	s->data_deadline.tv_sec += conf->data_timeout;
	session_enter_state(s, S_DATA);
}

static void
tx_free(struct tx *t)
{
	if (t == NULL)
		return;
	if (t->mtx != NULL)
		t->ops->tx_free(t->mtx);
	mode_result_clear(&t->res);
	spool_free(t->spool);
	buf_clear(&t->hdr);
	rfc5322_hdr_clear(&t->fields);
	free(t->mail_from);
	free(t);
}

static void
tx_dec_store(void *arg, const char *p, size_t n)
{
	struct session	*s = arg;
	struct tx	*t = s->tx;

	t->size += n;
	if (t->error)
		return;
	if (spool_write(t->spool, p, n) == -1) {
		t->error = 1;
		if (spool_error(t->spool) == EFBIG) {
			snprintf(t->errreply, sizeof(t->errreply),
			    "552 5.3.4 Message size exceeds fixed limit");
			snprintf(t->outcome, sizeof(t->outcome), "too-big");
		} else {
			log_warnx("%s spool write failed: %s", s->id,
			    strerror(spool_error(t->spool)));
			snprintf(t->errreply, sizeof(t->errreply),
			    "451 4.3.0 %s Error: cannot store the message: %s",
			    s->conf->myhostname,
			    strerror(spool_error(t->spool)));
			snprintf(t->outcome, sizeof(t->outcome),
			    "spool-error");
		}
	}
}

static void
tx_dec_content(void *arg, const char *p, size_t n)
{
	struct session	*s = arg;
	struct tx	*t = s->tx;

	if (t->error)
		return;
	if (!t->hdr_done) {
		if (!t->hdr_overflow && buf_add(&t->hdr, p, n) == -1)
			t->hdr_overflow = 1;
		return;
	}
	/*
	 * The empty line that ends the header block belongs to neither:
	 * the body starts after it (RFC 5322 2.1, RFC 6376 3.7).
	 */
	while (t->sep_skip > 0 && n > 0) {
		t->sep_skip--;
		p++;
		n--;
	}
	if (n > 0)
		t->ops->body(t->mtx, p, n);
}

static void
tx_dec_header_end(void *arg)
{
	struct session	*s = arg;

	if (s->tx->error)
		return;
	s->tx->store_hdr_end = spool_size(s->tx->spool);
	s->tx->sep_skip = 2;
	tx_headers_done(s);
}

/*
 * tx_headers_done - the header block is complete: parse it and hand it to
 * the mode (which may start DNS look-ups now, while the body arrives).
 */
static void
tx_headers_done(struct session *s)
{
	struct tx	*t = s->tx;

	t->hdr_done = 1;
	if (t->hdr_overflow) {
		log_warnx("%s header block larger than header_size_limit "
		    "(%zu bytes): not examined", s->id, t->hdr.max);
		t->ops->headers(t->mtx, NULL, 0, NULL);
		return;
	}
	if (rfc5322_parse(&t->fields, buf_data(&t->hdr), buf_len(&t->hdr),
	    HEADER_FIELDS_MAX) == -1)
		log_warnx("%s more than %d header fields", s->id,
		    HEADER_FIELDS_MAX);
	t->ops->headers(t->mtx, buf_data(&t->hdr), buf_len(&t->hdr),
	    &t->fields);
}

/*
 * session_read_data - feed the message bytes through the DATA decoder.
 */
static void
session_read_data(struct session *s)
{
	struct evbuffer	*in = netio_input(s->io);

	while (s->state == S_DATA && evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec	 v;
		size_t			 used;
		int			 done;

		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		used = dot_decode(&s->tx->dec, v.iov_base, v.iov_len, &done);
		evbuffer_drain(in, used);
		if (done)
			tx_eom(s);
	}
}

/*
 * tx_eom - the final dot: answer at once if the message was broken,
 * otherwise let the mode finish.
 */
static void
tx_eom(struct session *s)
{
	struct tx	*t = s->tx;

	session_enter_state(s, S_EOM);
	if (!t->error && !t->hdr_done) {
		/* no empty line: the whole message is header */
		t->store_hdr_end = spool_size(t->spool);
		tx_headers_done(s);
	}
	if (t->error) {
		/* abort downstream without the final dot */
		smtp_client_free(s->cl);
		s->cl = NULL;
		reply_local(s, SMTP_CMD_DATA, "%s", t->errreply);
		s->tx = NULL;
		tx_end(s, t, t->errreply);
		session_enter_state(s, S_CMD);
		return;		/* session_progress() runs in our caller */
	}
	t->eom_waiting = 1;
	t->ops->eom(t->mtx, &t->res, tx_mode_done, s);
}

/*
 * tx_mode_done - the mode has its result (maybe after DNS).
 */
static void
tx_mode_done(void *arg)
{
	struct session	*s = arg;
	struct tx	*t = s->tx;

	if (s->state == S_DEAD || t == NULL || !t->eom_waiting)
		return;
	t->eom_waiting = 0;
	if (t->res.action != MODE_ACCEPT) {
		smtp_client_free(s->cl);
		s->cl = NULL;
		if (t->res.reply[0] == '\0')
			snprintf(t->res.reply, sizeof(t->res.reply),
			    "451 4.3.0 %s Error: internal error",
			    s->conf->myhostname);
		snprintf(t->outcome, sizeof(t->outcome), "%s",
		    t->res.action == MODE_REJECT ? "rejected" : "deferred");
		reply_local(s, SMTP_CMD_DATA, "%s", t->res.reply);
		s->tx = NULL;
		tx_end(s, t, t->res.reply);
		session_enter_state(s, S_CMD);
		session_progress(s);
		return;
	}
	tx_forward(s);
}

/*
 * tx_forward - send the new header fields, the stored message and the
 * final dot to the return port, and wait for its verdict.
 */
static void
tx_forward(struct session *s)
{
	struct tx	*t = s->tx;
	struct evbuffer	*out;
	off_t		 from = 0;

	if (s->cl == NULL) {
		/* lost while the mode worked: the sticky path handles it */
		reply_local(s, SMTP_CMD_DATA, "451 4.4.2 %s Error: return "
		    "port connection lost", s->conf->myhostname);
		metrics_return_reply(worker_metrics(s->w), s->lc, 0);
		s->tx = NULL;
		tx_end(s, t, "return port lost");
		session_enter_state(s, S_CMD);
		session_progress(s);
		return;
	}
	out = smtp_client_output(s->cl);
	if (buf_len(&t->res.prepend) > 0) {
		struct buf	 stuffed;
		int		 bol = 1;

		buf_init(&stuffed, 4 * buf_len(&t->res.prepend) + 16);
		dot_stuff(&stuffed, buf_data(&t->res.prepend),
		    buf_len(&t->res.prepend), &bol);
		evbuffer_add(out, buf_data(&stuffed), buf_len(&stuffed));
		buf_clear(&stuffed);
	}
	if (t->res.ndrop > 0 && t->hdr_done && !t->hdr_overflow) {
		/* re-send the header block without the dropped fields */
		struct buf	 hb;
		const char	*blk = buf_data(&t->hdr);
		size_t		 pos = 0, i, j;
		int		 bol = 1;

		buf_init(&hb, 2 * buf_len(&t->hdr) + 16);
		for (i = 0; i < t->fields.nfields; i++) {
			const struct rfc5322_field *f = &t->fields.fields[i];
			size_t	 fstart = f->raw - blk;
			int	 drop = 0;

			for (j = 0; j < t->res.ndrop; j++)
				if (t->res.drop[j] == i)
					drop = 1;
			if (!drop)
				continue;
			dot_stuff(&hb, blk + pos, fstart - pos, &bol);
			pos = fstart + f->rawlen;
		}
		dot_stuff(&hb, blk + pos, buf_len(&t->hdr) - pos, &bol);
		evbuffer_add(out, buf_data(&hb), buf_len(&hb));
		buf_clear(&hb);
		from = t->store_hdr_end;
	}
	if (spool_send(t->spool, from, out) == -1) {
		/* the last buffered write to the spool file happens here:
		 * a full file system shows up now, not while receiving */
		int	 saved = errno;

		log_warn("%s cannot send the stored message", s->id);
		smtp_client_free(s->cl);
		s->cl = NULL;
		snprintf(t->outcome, sizeof(t->outcome), "spool-error");
		reply_local(s, SMTP_CMD_DATA, "451 4.3.0 %s Error: cannot "
		    "store the message: %s", s->conf->myhostname,
		    strerror(saved));
		s->tx = NULL;
		tx_end(s, t, "spool error");
		session_enter_state(s, S_CMD);
		session_progress(s);
		return;
	}
	evbuffer_add(out, ".\r\n", 3);
	smtp_client_expect(s->cl, s->conf->return_data_timeout);
	pending_push(s, P_DATAEND, SMTP_CMD_DATA);
	/* the transaction is over for the client once it gets the reply */
	s->lasttx = t;
	s->tx = NULL;
}

/*
 * tx_finish - the outcome for the log line.
 */
static void
tx_finish(struct session *s, const char *outcome)
{
	if (s->lasttx != NULL && s->lasttx->outcome[0] == '\0')
		snprintf(s->lasttx->outcome, sizeof(s->lasttx->outcome), "%s",
		    outcome);
}

/*
 * tx_end - a transaction is over (the client got its final reply): log
 * it, free it, and forget the XFORWARD attributes, which hold for one
 * transaction only (Postfix XFORWARD_README).
 */
static void
tx_end(struct session *s, struct tx *t, const char *reply)
{
	tx_log(s, t, reply);
	tx_free(t);
	memset(&s->xf, 0, sizeof(s->xf));
}

/*
 * tx_log - the one line per message an admin greps by queue id.
 */
static void
tx_log(struct session *s, struct tx *t, const char *reply)
{
	struct timespec	 now;
	long		 ms;
	char		 from[300], qid[80], rep[300], helo[300], sum[600];

	if (t == NULL)
		return;
	metrics_message(worker_metrics(s->w), s->lc, t->outcome, t->size,
	    t->spool != NULL && spool_on_disk(t->spool));
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - t->start.tv_sec) * 1000 +
	    (now.tv_nsec - t->start.tv_nsec) / 1000000;
	log_escape(from, sizeof(from), t->mail_from ? t->mail_from : "",
	    t->mail_from ? strlen(t->mail_from) : 0);
	log_escape(qid, sizeof(qid), s->xf.ident, strlen(s->xf.ident));
	log_escape(rep, sizeof(rep), reply, strlen(reply));
	log_escape(helo, sizeof(helo), t->env.helo ? t->env.helo : s->helo,
	    strlen(t->env.helo ? t->env.helo : s->helo));
	log_escape(sum, sizeof(sum), t->res.summary, strlen(t->res.summary));
	log_info("%s message queue_id=%s client=%s helo=%s from=<%s> nrcpt=%zu "
	    "size=%lld mode=%s outcome=%s%s%s reply=\"%s\" elapsed_ms=%ld",
	    s->id, qid[0] ? qid : "-",
	    s->xf.addr[0] ? s->xf.addr : s->peer, helo, from, t->nrcpt,
	    t->size, config_mode_name(s->lc->mode),
	    t->outcome[0] ? t->outcome : "unknown",
	    sum[0] ? " " : "", sum, rep, ms);
}

/*
 * session_arm_timer - the client's timeout for the current state.
 */
static void
session_arm_timer(struct session *s)
{
	struct timeval	 tv = { 0, 0 };

	switch (s->state) {
	case S_CMD:
		tv.tv_sec = s->conf->command_timeout;
		break;
	case S_DATA: {
		struct timespec	 now;
		long long	 ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (long long)(s->data_deadline.tv_sec - now.tv_sec) * 1000 +
		    (s->data_deadline.tv_nsec - now.tv_nsec) / 1000000;
		if (ms > 0) {
			tv.tv_sec = ms / 1000;
			tv.tv_usec = (ms % 1000) * 1000;
		}
		break;
	}
	case S_QUIT:
		tv.tv_sec = 10;		/* time to write the last reply */
		break;
	default:
		event_del(s->timer);
		return;
	}
	evtimer_add(s->timer, &tv);
}

/*
 * session_data_progress - n more bytes of message data arrived: move the
 * DATA deadline on by n / DATA_MIN_RATE seconds, at most to data_timeout
 * from now, and re-arm the timer.
 */
static void
session_data_progress(struct session *s, size_t n)
{
	struct timespec	*d = &s->data_deadline, now;
	long long	 ms, max = (long long)s->conf->data_timeout * 1000;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(d->tv_sec - now.tv_sec) * 1000 +
	    (d->tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		ms = 0;
	ms += (long long)n * 1000 / DATA_MIN_RATE;
	if (ms > max)
		ms = max;
	d->tv_sec = now.tv_sec + ms / 1000;
	d->tv_nsec = now.tv_nsec + (ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
	session_arm_timer(s);
}

static void
session_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct session	*s = arg;

	if (s->state == S_QUIT) {
		session_close(s, "timeout writing the last reply");
		return;
	}
	log_warnx("%s timeout client=%s state=%s", s->id, s->peer,
	    strstate[s->state]);
	evbuffer_add_printf(session_out(s),
	    "421 4.4.2 %s Error: timeout exceeded\r\n", s->conf->myhostname);
	session_enter_state(s, S_QUIT);
}

/*
 * session_drained_cb - everything written: after the last reply, close.
 */
static void
session_drained_cb(void *arg)
{
	struct session	*s = arg;

	if (s->state == S_QUIT)
		session_close(s, NULL);
}

/*
 * session_closed_cb - the client closed the connection, or it failed.
 */
static void
session_closed_cb(void *arg, int err)
{
	struct session	*s = arg;

	if (err == 0)
		session_close(s, s->state == S_QUIT ? NULL :
		    "client disconnected");
	else
		session_close(s, strerror(err));
}

/*
 * session_close - tear down soon (from the loop, so no caller up the stack
 * uses a freed session).
 */
static void
session_close(struct session *s, const char *why)
{
	struct timeval	 now = { 0, 0 };

	if (s->state == S_DEAD)
		return;
	if (why != NULL)
		log_debug("%s close client=%s: %s", s->id, s->peer, why);
	if (s->tx != NULL && s->tx->spool != NULL && why != NULL)
		log_warnx("%s message aborted client=%s: %s", s->id, s->peer,
		    why);
	s->state = S_DEAD;
	event_del(s->timer);
	netio_read_enable(s->io, 0);
	evtimer_add(s->reaper, &now);
}

static void
session_reap_cb(evutil_socket_t fd, short ev, void *arg)
{
	session_free(arg);
}

static void
session_free(struct session *s)
{
	struct pending	*p;

	TAILQ_REMOVE(&sessions, s, entry);
	nsessions--;
	while ((p = TAILQ_FIRST(&s->pq)) != NULL) {
		TAILQ_REMOVE(&s->pq, p, entry);
		pending_free(p);
	}
	smtp_client_free(s->cl);
	tx_free(s->tx);
	tx_free(s->lasttx);
	event_free(s->timer);
	event_free(s->reaper);
	netio_free(s->io);
	worker_session_closed(s->w);
	free(s);
}

void
smtp_server_drain(void)
{
	struct session	*s, *next;

	server_draining = 1;
	TAILQ_FOREACH_SAFE(s, &sessions, entry, next) {
		s->draining = 1;
		if (s->state == S_CMD && s->tx == NULL &&
		    TAILQ_EMPTY(&s->pq))
			session_progress(s);
	}
}

int
smtp_server_sessions(void)
{
	return nsessions;
}

void
smtp_server_abort_all(void)
{
	struct session	*s, *next;

	TAILQ_FOREACH_SAFE(s, &sessions, entry, next)
		if (s->state != S_DEAD)
			session_close(s, "shutting down");
}
