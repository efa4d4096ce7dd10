/*
 * netio.c - a non-blocking TCP connection with few system calls per
 * message (see netio.h for why this is not a bufferevent).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "netio.h"
#include "xmalloc.h"

struct netio {
	int			 fd;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_flush;
	struct evbuffer		*in;
	struct evbuffer		*out;
	size_t			 inmax;
	const struct netio_cb	*cb;
	void			*arg;
	int			 connecting;
	int			 reading;	/* ev_read added */
	int			 read_off;	/* owner said stop */
	int			 writing;	/* ev_write added */
	int			 dead;		/* closed() was called */
	int			 in_cb;
	int			 free_pending;
};

static void	netio_read_cb(evutil_socket_t, short, void *);
static void	netio_write_cb(evutil_socket_t, short, void *);
static void	netio_flush_cb(evutil_socket_t, short, void *);
static void	netio_write_now(struct netio *);
static void	netio_closed(struct netio *, int);
static void	netio_update_read(struct netio *);
static void	netio_cb_enter(struct netio *);
static int	netio_cb_leave(struct netio *);
static struct netio *netio_setup(struct event_base *, int,
		    const struct netio_cb *, void *, size_t);

static struct netio *
netio_setup(struct event_base *base, int fd, const struct netio_cb *cb,
    void *arg, size_t inmax)
{
	struct netio	*io;

	io = xcalloc(1, sizeof(*io));
	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
	io->inmax = inmax;
	io->in = evbuffer_new();
	io->out = evbuffer_new();
	io->ev_read = event_new(base, fd, EV_READ | EV_PERSIST, netio_read_cb,
	    io);
	io->ev_write = event_new(base, fd, EV_WRITE | EV_PERSIST,
	    netio_write_cb, io);
	io->ev_flush = event_new(base, -1, 0, netio_flush_cb, io);
	if (io->in == NULL || io->out == NULL || io->ev_read == NULL ||
	    io->ev_write == NULL || io->ev_flush == NULL)
		fatalx("netio: libevent allocation");
	/*
	 * The output drains to a socket: file segments added to it stay
	 * file references sent with sendfile, instead of being mapped or
	 * read into memory (a 25 MB message would cost 25 MB of RSS).
	 */
	evbuffer_set_flags(io->out, EVBUFFER_FLAG_DRAINS_TO_FD);
	return io;
}

/*
 * netio_new - an accepted connection: start reading at once.
 */
struct netio *
netio_new(struct event_base *base, int fd, const struct netio_cb *cb,
    void *arg, size_t inmax)
{
	struct netio	*io;

	(void)evutil_make_socket_nonblocking(fd);
	(void)evutil_make_socket_closeonexec(fd);
	io = netio_setup(base, fd, cb, arg, inmax);
	netio_update_read(io);
	return io;
}

/*
 * netio_connect - an outgoing connection; completion (or failure) is
 * reported from the loop, never from here.
 */
struct netio *
netio_connect(struct event_base *base, const struct sockaddr *sa,
    socklen_t salen, const struct netio_cb *cb, void *arg, size_t inmax)
{
	struct netio	*io;
	int		 fd;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return NULL;
	io = netio_setup(base, fd, cb, arg, inmax);
	io->connecting = 1;
	if (connect(fd, sa, salen) == -1 && errno != EINPROGRESS) {
		/* immediate failure (refused on loopback): report later */
		io->dead = errno;	/* remembered; reported by the flush */
		event_active(io->ev_flush, EV_TIMEOUT, 0);
		return io;
	}
	event_add(io->ev_write, NULL);	/* writable = connected */
	io->writing = 1;
	return io;
}

void
netio_free(struct netio *io)
{
	if (io == NULL)
		return;
	if (io->in_cb) {
		io->free_pending = 1;
		return;
	}
	event_free(io->ev_read);
	event_free(io->ev_write);
	event_free(io->ev_flush);
	evbuffer_free(io->in);
	evbuffer_free(io->out);
	close(io->fd);
	free(io);
}

struct evbuffer *
netio_input(struct netio *io)
{
	return io->in;
}

struct evbuffer *
netio_output(struct netio *io)
{
	return io->out;
}

int
netio_fd(const struct netio *io)
{
	return io->fd;
}

size_t
netio_pending_output(const struct netio *io)
{
	return evbuffer_get_length(io->out);
}

static void
netio_cb_enter(struct netio *io)
{
	io->in_cb++;
}

/*
 * netio_cb_leave - after a callback: 1 if the connection was freed by its
 * owner meanwhile (the caller must return without touching io).
 */
static int
netio_cb_leave(struct netio *io)
{
	if (--io->in_cb == 0 && io->free_pending) {
		io->free_pending = 0;
		netio_free(io);
		return 1;
	}
	return 0;
}

/*
 * netio_closed - report EOF (err 0) or an error once, then go quiet.
 */
static void
netio_closed(struct netio *io, int err)
{
	if (io->dead == -1)
		return;
	io->dead = -1;
	if (io->reading)
		event_del(io->ev_read);
	if (io->writing)
		event_del(io->ev_write);
	io->reading = io->writing = 0;
	netio_cb_enter(io);
	io->cb->closed(io->arg, err);
	(void)netio_cb_leave(io);
}

/*
 * netio_update_read - read while the owner wants input and the input is
 * below its cap.
 */
static void
netio_update_read(struct netio *io)
{
	int	 want;

	if (io->dead || io->connecting)
		return;
	want = !io->read_off && evbuffer_get_length(io->in) < io->inmax;
	if (want && !io->reading)
		event_add(io->ev_read, NULL);
	else if (!want && io->reading)
		event_del(io->ev_read);
	io->reading = want;
}

void
netio_read_enable(struct netio *io, int on)
{
	io->read_off = !on;
	netio_update_read(io);
}

static void
netio_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct netio		*io = arg;
	struct evbuffer_iovec	 v;
	ssize_t			 n;
	int			 err = 0, eof = 0;

	if (evbuffer_reserve_space(io->in, NETIO_READ_MAX, &v, 1) < 1)
		fatalx("netio: evbuffer_reserve_space");
	if (v.iov_len > NETIO_READ_MAX)
		v.iov_len = NETIO_READ_MAX;
	n = read(fd, v.iov_base, v.iov_len);
	if (n > 0) {
		v.iov_len = n;
		evbuffer_commit_space(io->in, &v, 1);
	} else if (n == 0)
		eof = 1;
	else if (errno != EAGAIN && errno != EINTR)
		err = errno;
	if (eof || err) {
		netio_closed(io, err);
		return;
	}
	if (n <= 0)
		return;
	netio_update_read(io);
	netio_cb_enter(io);
	io->cb->read(io->arg);
	(void)netio_cb_leave(io);
}

/*
 * netio_write_now - write what we can; arm the write event only if the
 * socket is full.
 */
static void
netio_write_now(struct netio *io)
{
	int	 n;

	while (evbuffer_get_length(io->out) > 0) {
		n = evbuffer_write(io->out, io->fd);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		/*
		 * Would block. libevent's sendfile path says so with 0 and
		 * errno EAGAIN; writev with -1 and EAGAIN.
		 */
		if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!io->writing) {
				event_add(io->ev_write, NULL);
				io->writing = 1;
			}
			return;
		}
		netio_closed(io, errno);
		return;
	}
	if (io->writing) {
		event_del(io->ev_write);
		io->writing = 0;
	}
	netio_cb_enter(io);
	if (io->cb->drained != NULL)
		io->cb->drained(io->arg);
	(void)netio_cb_leave(io);
}

void
netio_flush(struct netio *io)
{
	if (io->dead || io->connecting || io->writing)
		return;
	event_active(io->ev_flush, EV_TIMEOUT, 0);
}

static void
netio_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct netio	*io = arg;

	if (io->dead > 0) {
		/* connect() failed at once */
		int	 err = io->dead;

		io->dead = 0;
		io->connecting = 0;
		netio_closed(io, err);
		return;
	}
	if (io->dead || io->connecting || io->writing)
		return;
	netio_write_now(io);
}

static void
netio_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct netio	*io = arg;

	if (io->connecting) {
		int		 err = 0;
		socklen_t	 len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err == EINPROGRESS)
			return;
		io->connecting = 0;
		event_del(io->ev_write);
		io->writing = 0;
		if (err != 0) {
			netio_closed(io, err);
			return;
		}
		netio_update_read(io);
		netio_cb_enter(io);
		if (io->cb->connected != NULL)
			io->cb->connected(io->arg);
		if (netio_cb_leave(io))
			return;
		/* anything queued while connecting goes now */
		if (evbuffer_get_length(io->out) > 0 && !io->dead)
			netio_write_now(io);
		return;
	}
	netio_write_now(io);
}
