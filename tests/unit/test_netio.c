/*
 * test_netio.c - the connection layer under the session and the client:
 * large writes (text and a file segment sent with sendfile) to a slow
 * reader arrive complete and in order, a full socket arms the write event
 * instead of failing, drained/closed are reported, input stops at its cap.
 * A real event_base over a socketpair.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "netio.h"
#include "spool.h"

struct peer {
	int		 fd;
	struct event	*ev;
	char		*got;
	size_t		 len, size;
	int		 eof;
};

struct ctx {
	int	 drained;
	int	 closed;
	int	 closed_err;
	int	 reads;
};

static void
cb_read(void *arg)
{
	((struct ctx *)arg)->reads++;
}

static void
cb_drained(void *arg)
{
	((struct ctx *)arg)->drained++;
}

static void
cb_closed(void *arg, int err)
{
	struct ctx	*c = arg;

	c->closed++;
	c->closed_err = err;
}

static const struct netio_cb cbs = { cb_read, cb_drained, cb_closed, NULL };

/* a slow reader: at most 4 KiB per wake-up */
static void
peer_read(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;
	ssize_t		 n;

	if (p->len + 4096 > p->size) {
		p->size = (p->size + 4096) * 2;
		p->got = realloc(p->got, p->size);
	}
	n = read(fd, p->got + p->len, 4096);
	if (n > 0)
		p->len += n;
	else if (n == 0) {
		p->eof = 1;
		event_del(p->ev);
	}
}

static void
test_big_output_to_slow_reader(void **state)
{
	struct event_base	*base = event_base_new();
	struct ctx		 c = { 0 };
	struct peer		 p = { 0 };
	struct spool		*sp;
	struct netio		*io;
	char			*data;
	size_t			 n = 3 * 1024 * 1024 + 17, i;
	int			 sv[2], sndbuf = 4096;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* a small send buffer makes the socket fill up quickly */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	data = malloc(n);
	for (i = 0; i < n; i++)
		data[i] = (char)(i * 7 + i / 1000);
	/* the same bytes as a spooled file, sent with sendfile */
	sp = spool_new(0, 1 << 30, "/tmp");
	assert_int_equal(spool_write(sp, data, n), 0);
	assert_true(spool_on_disk(sp));

	io = netio_new(base, sv[0], &cbs, &c, 1024);
	evbuffer_add(netio_output(io), "HEAD\r\n", 6);
	assert_int_equal(spool_send(sp, 0, netio_output(io)), 0);
	evbuffer_add(netio_output(io), ".\r\n", 3);
	netio_flush(io);
	spool_free(sp);

	p.fd = sv[1];
	evutil_make_socket_nonblocking(sv[1]);
	p.ev = event_new(base, sv[1], EV_READ | EV_PERSIST, peer_read, &p);
	event_add(p.ev, NULL);
	while (p.len < n + 9 && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	assert_int_equal(p.len, n + 9);
	assert_memory_equal(p.got, "HEAD\r\n", 6);
	assert_memory_equal(p.got + 6, data, n);
	assert_memory_equal(p.got + 6 + n, ".\r\n", 3);
	assert_int_equal(c.closed, 0);
	assert_true(c.drained >= 1);
	assert_int_equal(netio_pending_output(io), 0);

	/* the peer goes away: reported once, as EOF */
	close(sv[1]);
	while (c.closed == 0 && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	assert_int_equal(c.closed, 1);
	assert_int_equal(c.closed_err, 0);
	netio_free(io);
	event_free(p.ev);
	event_base_free(base);
	free(p.got);
	free(data);
}

static void
test_input_cap(void **state)
{
	struct event_base	*base = event_base_new();
	struct ctx		 c = { 0 };
	struct netio		*io;
	char			 buf[8192];
	int			 sv[2], i;

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	io = netio_new(base, sv[0], &cbs, &c, 10000);
	/* more than one read can take (NETIO_READ_MAX) */
	evutil_make_socket_nonblocking(sv[1]);
	for (i = 0; i < 24; i++)
		if (write(sv[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
	assert_true(i * sizeof(buf) > NETIO_READ_MAX + 10000);
	/*
	 * Reads stop once the unconsumed input reaches the cap: one read
	 * may pass it, by less than a read's size, then no more.
	 */
	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_true(evbuffer_get_length(netio_input(io)) >= 10000);
	assert_true(evbuffer_get_length(netio_input(io)) <
	    10000 + NETIO_READ_MAX);
	/* consumed: reading resumes and the rest arrives */
	evbuffer_drain(netio_input(io), evbuffer_get_length(netio_input(io)));
	netio_read_enable(io, 1);
	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_true(evbuffer_get_length(netio_input(io)) > 0);
	assert_true(c.reads >= 2);
	netio_free(io);
	close(sv[1]);
	event_base_free(base);
}

static void
test_connect_refused(void **state)
{
	struct event_base	*base = event_base_new();
	struct ctx		 c = { 0 };
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct netio		*io;
	int			 fd;

	/* a port that was just free: bind, read it back, close */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	close(fd);
	io = netio_connect(base, (struct sockaddr *)&sin, sizeof(sin), &cbs,
	    &c, 1024);
	assert_non_null(io);
	/* never reported from inside netio_connect */
	assert_int_equal(c.closed, 0);
	while (c.closed == 0 && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	assert_int_equal(c.closed, 1);
	assert_int_equal(c.closed_err, ECONNREFUSED);
	netio_free(io);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_output_to_slow_reader),
		cmocka_unit_test(test_input_cap),
		cmocka_unit_test(test_connect_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
