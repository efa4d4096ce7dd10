/*
 * smtp_client.c - the connection to the return port.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "netio.h"
#include "smtp_client.h"
#include "smtp_proto.h"
#include "xmalloc.h"

#define EXPECT_MAX	512	/* pipelined replies outstanding */

struct smtp_client {
	struct netio		*io;
	struct event		*timer;
	const struct smtp_client_cb *cb;
	void			*arg;
	int			 connected;
	int			 connect_errno;
	int			 failed;
	int			 in_callback;
	int			 free_pending;
	int			 timeouts[EXPECT_MAX];	/* ring */
	size_t			 thead, tcount;
	struct smtp_reply	 cur;			/* being collected */
};

static void	client_read_cb(void *);
static void	client_closed_cb(void *, int);
static void	client_connected_cb(void *);
static void	client_timeout_cb(evutil_socket_t, short, void *);
static void	client_fail(struct smtp_client *, enum smtp_client_err,
		    const char *);
static void	client_arm(struct smtp_client *);
static void	client_push_expect(struct smtp_client *, int);

static const struct netio_cb client_io_cb = {
	client_read_cb,
	NULL,
	client_closed_cb,
	client_connected_cb
};

struct smtp_client *
smtp_client_new(struct event_base *base, const struct sockaddr *sa,
    socklen_t salen, const struct smtp_client_cb *cb, void *arg,
    int connect_timeout)
{
	struct smtp_client	*c;

	c = xcalloc(1, sizeof(*c));
	c->cb = cb;
	c->arg = arg;
	buf_init(&c->cur.text, SMTP_REPLY_MAX);
	c->timer = evtimer_new(base, client_timeout_cb, c);
	if (c->timer == NULL)
		fatalx("smtp_client_new: libevent allocation");
	client_push_expect(c, connect_timeout);		/* the greeting */
	/* replies are short: a pipelined group's fit in 64 KiB */
	c->io = netio_connect(base, sa, salen, &client_io_cb, c,
	    SMTP_REPLY_MAX);
	if (c->io == NULL) {
		/* reported from the loop, like every other failure */
		struct timeval	 now = { 0, 0 };

		c->connect_errno = errno;
		c->connected = -1;
		evtimer_add(c->timer, &now);
	}
	return c;
}

/*
 * smtp_client_free - close at once; pending output is discarded.
 */
void
smtp_client_free(struct smtp_client *c)
{
	if (c == NULL)
		return;
	if (c->in_callback) {
		/* the owner freed us from inside a callback: finish later */
		c->free_pending = 1;
		return;
	}
	if (c->timer != NULL)
		event_free(c->timer);
	netio_free(c->io);
	buf_clear(&c->cur.text);
	free(c);
}

static void
client_push_expect(struct smtp_client *c, int timeout)
{
	if (c->tcount == EXPECT_MAX)
		fatalx("smtp_client: too many outstanding replies");
	c->timeouts[(c->thead + c->tcount) % EXPECT_MAX] = timeout;
	c->tcount++;
	if (c->tcount == 1)
		client_arm(c);
}

/*
 * client_arm - (re)start the timer for the oldest outstanding reply.
 */
static void
client_arm(struct smtp_client *c)
{
	struct timeval	 tv;

	if (c->failed)
		return;
	if (c->tcount == 0) {
		event_del(c->timer);
		return;
	}
	tv.tv_sec = c->timeouts[c->thead];
	tv.tv_usec = 0;
	evtimer_add(c->timer, &tv);
}

void
smtp_client_command(struct smtp_client *c, const char *line, size_t len,
    int timeout)
{
	struct evbuffer	*out;

	if (c->failed || c->io == NULL)
		return;
	out = netio_output(c->io);
	evbuffer_add(out, line, len);
	evbuffer_add(out, "\r\n", 2);
	netio_flush(c->io);	/* one write for the whole pipelined group */
	client_push_expect(c, timeout);
}

struct evbuffer *
smtp_client_output(struct smtp_client *c)
{
	return netio_output(c->io);
}

void
smtp_client_expect(struct smtp_client *c, int timeout)
{
	if (c->failed || c->io == NULL)
		return;
	netio_flush(c->io);
	client_push_expect(c, timeout);
}

size_t
smtp_client_pending(const struct smtp_client *c)
{
	return c->tcount;
}

const char *
smtp_client_errname(enum smtp_client_err e)
{
	switch (e) {
	case SMTP_CLIENT_CONNECT:
		return "connect failed";
	case SMTP_CLIENT_LOST:
		return "connection lost";
	case SMTP_CLIENT_TIMEOUT:
		return "timeout";
	case SMTP_CLIENT_PROTOCOL:
		return "protocol error";
	}
	return "error";
}

/*
 * client_fail - report the first failure and go quiet.
 */
static void
client_fail(struct smtp_client *c, enum smtp_client_err e, const char *why)
{
	if (c->failed)
		return;
	c->failed = 1;
	event_del(c->timer);
	if (c->io != NULL)
		netio_read_enable(c->io, 0);
	c->in_callback++;
	c->cb->error(c->arg, e, why);
	if (--c->in_callback == 0 && c->free_pending) {
		c->free_pending = 0;
		smtp_client_free(c);
	}
}

static void
client_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct smtp_client	*c = arg;

	if (c->connected == -1)
		client_fail(c, SMTP_CLIENT_CONNECT,
		    strerror(c->connect_errno));
	else
		client_fail(c, SMTP_CLIENT_TIMEOUT, c->connected ?
		    "no reply in time" : "no connection in time");
}

/*
 * client_connected_cb - connected: no Nagle, commands go out at once.
 */
static void
client_connected_cb(void *arg)
{
	struct smtp_client	*c = arg;
	int			 one = 1;

	c->connected = 1;
	(void)setsockopt(netio_fd(c->io), IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
}

/*
 * client_closed_cb - the connection ended (err 0: the peer closed it).
 */
static void
client_closed_cb(void *arg, int err)
{
	struct smtp_client	*c = arg;

	client_fail(c, c->connected ? SMTP_CLIENT_LOST : SMTP_CLIENT_CONNECT,
	    err != 0 ? strerror(err) : "connection closed");
}

/*
 * client_read_cb - collect reply lines; deliver each complete reply.
 */
static void
client_read_cb(void *arg)
{
	struct smtp_client	*c = arg;
	struct evbuffer		*in = netio_input(c->io);

	c->in_callback++;
	while (!c->failed && !c->free_pending) {
		struct evbuffer_ptr	 eol;
		size_t			 eol_len, n;
		char			 line[SMTP_REPLY_LINE_MAX];
		int			 code, more;

		eol = evbuffer_search_eol(in, NULL, &eol_len,
		    EVBUFFER_EOL_CRLF);
		if (eol.pos < 0) {
			if (evbuffer_get_length(in) > SMTP_REPLY_LINE_MAX)
				goto protocol;
			break;
		}
		n = eol.pos;
		if (n >= sizeof(line))
			goto protocol;
		evbuffer_remove(in, line, n);
		evbuffer_drain(in, eol_len);
		if (smtp_reply_line(line, n, &code, &more) == -1)
			goto protocol;
		if (c->cur.nlines > 0 && code != c->cur.code)
			goto protocol;
		if (c->cur.nlines == SMTP_REPLY_MAXLINES)
			goto protocol;
		c->cur.code = code;
		c->cur.nlines++;
		buf_add(&c->cur.text, line, n);
		buf_add(&c->cur.text, "\r\n", 2);
		if (buf_error(&c->cur.text))
			goto protocol;
		if (more)
			continue;
		if (c->tcount == 0)
			goto protocol;		/* a reply nobody asked for */
		c->thead = (c->thead + 1) % EXPECT_MAX;
		c->tcount--;
		client_arm(c);
		c->cb->reply(c->arg, &c->cur);
		buf_reset(&c->cur.text);
		c->cur.nlines = 0;
		c->cur.code = 0;
	}
	if (!c->failed && !c->free_pending)
		netio_read_enable(c->io, 1);	/* input consumed */
	if (--c->in_callback == 0 && c->free_pending) {
		c->free_pending = 0;
		smtp_client_free(c);
	}
	return;
protocol:
	client_fail(c, SMTP_CLIENT_PROTOCOL, "malformed reply");
	if (--c->in_callback == 0 && c->free_pending) {
		c->free_pending = 0;
		smtp_client_free(c);
	}
}
