/*
 * netio.h - one non-blocking TCP connection on an event_base, with an input
 * and an output evbuffer, for the SMTP session and the return-port client.
 *
 * Why not a bufferevent: libevent 2.1's socket bufferevent reads at most
 * 4 KiB per read(2) and asks FIONREAD before each, and it arms and disarms
 * the write event around every write, so a 4 KB message cost dozens of
 * system calls and a 25 MB one tens of thousands (bench/README.md). Here:
 *   - reads take up to NETIO_READ_MAX bytes at a time, straight into the
 *     input evbuffer (evbuffer_reserve_space: no copy);
 *   - output is written once per event-loop iteration (netio_flush()
 *     schedules it), so the replies to a pipelined group leave in one
 *     write, and the write event is only armed while the socket is full;
 *   - file segments in the output go out with sendfile (evbuffer_write).
 *
 * Reading pauses by itself while the input holds inmax bytes or more; the
 * owner calls netio_read_enable() after consuming input (cheap when
 * nothing changes).
 *
 * Callbacks: read (new input), drained (all output written), closed (EOF
 * or error: err is 0 for EOF, else an errno value), connected (outgoing
 * connection established; closed with err set if it failed). The owner
 * may call netio_free() from inside any callback.
 */
#ifndef DKIMGATE_NETIO_H
#define DKIMGATE_NETIO_H

#include <sys/socket.h>
#include <stddef.h>

struct event_base;
struct evbuffer;
struct netio;

#define NETIO_READ_MAX	65536

struct netio_cb {
	void	(*read)(void *arg);
	void	(*drained)(void *arg);
	void	(*closed)(void *arg, int err);
	void	(*connected)(void *arg);
};

/*
 * netio_new - take over the connected socket fd (made non-blocking).
 * netio_connect - start connecting to sa; NULL if no socket could be made
 * (errno set); a failure to connect is reported through closed().
 */
struct netio	*netio_new(struct event_base *, int fd,
		    const struct netio_cb *, void *arg, size_t inmax);
struct netio	*netio_connect(struct event_base *, const struct sockaddr *,
		    socklen_t, const struct netio_cb *, void *arg,
		    size_t inmax);
void		 netio_free(struct netio *);	/* closes the socket */

struct evbuffer	*netio_input(struct netio *);
struct evbuffer	*netio_output(struct netio *);
int		 netio_fd(const struct netio *);

/* netio_flush - write the output at the end of this loop iteration */
void		 netio_flush(struct netio *);

/* netio_read_enable - resume (1) or stop (0) reading */
void		 netio_read_enable(struct netio *, int);

/* netio_pending_output - bytes not yet written */
size_t		 netio_pending_output(const struct netio *);

#endif
