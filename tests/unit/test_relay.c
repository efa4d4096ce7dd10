/*
 * test_relay.c - event test of the relay core: a real event_base with a
 * dkimgate worker session between a blocking test client and a scripted
 * return port, all on 127.0.0.1 with ports read back from getsockname.
 *
 * The event loop (dkimgate session + fake return port) runs in a child
 * process; the parent is the client and makes the assertions. The fake
 * return port writes what it received (envelope lines and message bytes)
 * to a file the parent reads afterwards.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "log.h"
#include "netaddr.h"
#include "smtp_server.h"
#include "worker.h"

/* how the fake return port behaves */
enum fake_mode {
	FAKE_OK = 0,		/* accept everything */
	FAKE_EOM_451,		/* 451 to the final dot */
	FAKE_CLOSE_IN_DATA,	/* close after the first data bytes */
	FAKE_STALL_EOM,		/* never answer the final dot */
	FAKE_RCPT_MULTILINE,	/* multi-line 550 for RCPT <bad@x> */
	FAKE_NO_XFORWARD	/* EHLO without XFORWARD */
};

struct fake {
	enum fake_mode	 mode;
	FILE		*rec;		/* record of what arrived */
	int		 in_data;
	struct evbuffer	*msg;
};

static char	 recpath[64];

/* per-test changes to the daemon's configuration, applied in the child */
static void	(*tweak)(struct config *);

/* --- the fake return port (child) ---------------------------------------- */

static void
fake_write(struct bufferevent *bev, const char *s)
{
	bufferevent_write(bev, s, strlen(s));
}

static void
fake_read_cb(struct bufferevent *bev, void *arg)
{
	struct fake	*f = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 n;

	for (;;) {
		if (f->in_data) {
			struct evbuffer_ptr	 end;

			if (f->mode == FAKE_CLOSE_IN_DATA &&
			    evbuffer_get_length(in) > 0) {
				bufferevent_free(bev);
				return;
			}
			end = evbuffer_search(in, "\r\n.\r\n", 5, NULL);
			if (end.pos < 0)
				return;
			evbuffer_remove_buffer(in, f->msg, end.pos + 2);
			evbuffer_drain(in, 3);
			f->in_data = 0;
			fprintf(f->rec, "MESSAGE %zu\n",
			    evbuffer_get_length(f->msg));
			{
				size_t	 len = evbuffer_get_length(f->msg);
				char	*p = malloc(len + 1);

				evbuffer_remove(f->msg, p, len);
				fwrite(p, 1, len, f->rec);
				fputc('\n', f->rec);
				free(p);
			}
			fflush(f->rec);
			if (f->mode == FAKE_EOM_451)
				fake_write(bev, "451 4.3.0 try later\r\n");
			else if (f->mode == FAKE_STALL_EOM)
				;
			else
				fake_write(bev, "250 2.0.0 Ok: queued as "
				    "ABC123\r\n");
			continue;
		}
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF_STRICT);
		if (line == NULL)
			return;
		fprintf(f->rec, "CMD %s\n", line);
		fflush(f->rec);
		if (strncasecmp(line, "EHLO", 4) == 0) {
			fake_write(bev, "250-fake.example\r\n250-PIPELINING\r\n"
			    "250-SIZE 100000000\r\n250-8BITMIME\r\n"
			    "250-SMTPUTF8\r\n250-DSN\r\n");
			if (f->mode != FAKE_NO_XFORWARD)
				fake_write(bev, "250-XFORWARD NAME ADDR PROTO "
				    "HELO IDENT\r\n");
			fake_write(bev, "250 ENHANCEDSTATUSCODES\r\n");
		} else if (strncasecmp(line, "RCPT TO:<bad@x>", 15) == 0 &&
		    f->mode == FAKE_RCPT_MULTILINE)
			fake_write(bev, "550-5.1.1 first line\r\n"
			    "550-5.1.1 second line\r\n550 5.1.1 last line\r\n");
		else if (strncasecmp(line, "DATA", 4) == 0) {
			fake_write(bev, "354 go ahead\r\n");
			f->in_data = 1;
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			fake_write(bev, "221 2.0.0 Bye\r\n");
		} else if (strncasecmp(line, "RCPT", 4) == 0)
			fake_write(bev, "250 2.1.5 Ok\r\n");
		else
			fake_write(bev, "250 2.0.0 Ok\r\n");
		free(line);
	}
}

static void
fake_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
fake_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct fake		*proto = arg;
	struct fake		*f = calloc(1, sizeof(*f));
	struct bufferevent	*bev;

	*f = *proto;
	f->msg = evbuffer_new();
	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, fake_read_cb, NULL, fake_event_cb, f);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	fake_write(bev, "220 fake.example ESMTP\r\n");
}

static void
dg_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct worker	*w = arg;

	smtp_session_new(w, &worker_config(w)->listeners[0], fd, sa, salen);
}

static int
listen_any(struct sockaddr_in *sin)
{
	socklen_t	 len = sizeof(*sin);
	int		 fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	assert_int_equal(listen(fd, 16), 0);
	getsockname(fd, (struct sockaddr *)sin, &len);
	evutil_make_socket_nonblocking(fd);	/* as the supervisor's are */
	return fd;
}

struct env {
	pid_t		 pid;
	int		 port;		/* dkimgate's */
};

/*
 * start - fork the event loop: fake return port (unless no_return) and a
 * dkimgate worker with the given limits. Returns dkimgate's port.
 */
static struct env
start(enum fake_mode mode, long long size_limit, long long threshold,
    int no_return)
{
	struct sockaddr_in	 dg, ret;
	int			 dgfd, retfd;
	struct env		 e;
	char			 err[256];

	snprintf(recpath, sizeof(recpath), "/tmp/test_relay.%ld",
	    (long)getpid());
	dgfd = listen_any(&dg);
	retfd = listen_any(&ret);
	if (no_return)
		close(retfd);	/* the port is then refused */
	e.port = ntohs(dg.sin_port);
	if ((e.pid = fork()) != 0) {
		close(dgfd);
		if (!no_return)
			close(retfd);
		return e;
	}
	/* child: the event loop */
	{
		struct event_base	*base = event_base_new();
		struct config		*conf = config_load(NULL, err,
					    sizeof(err));
		struct worker		*w;
		struct fake		 f;

		conf->message_size_limit = size_limit;
		conf->spool_threshold = threshold;
		conf->spool_directory = strdup("/tmp");
		conf->return_data_timeout = 2;
		conf->return_timeout = 2;
		memcpy(&conf->listeners[0].ret, &ret, sizeof(ret));
		conf->listeners[0].retlen = sizeof(ret);
		if (tweak != NULL)
			tweak(conf);
		if (getenv("TEST_RELAY_VERBOSE") != NULL)
			log_set_verbose(1);
		w = worker_new(base, conf, NULL);
		memset(&f, 0, sizeof(f));
		f.mode = mode;
		f.rec = fopen(recpath, "w");
		if (!no_return)
			evconnlistener_new(base, fake_accept_cb, &f,
			    LEV_OPT_CLOSE_ON_FREE, 0, retfd);
		evconnlistener_new(base, dg_accept_cb, w,
		    LEV_OPT_CLOSE_ON_FREE, 0, dgfd);
		event_base_dispatch(base);
		_exit(0);
	}
}

static void
stop(struct env *e)
{
	kill(e->pid, SIGKILL);
	waitpid(e->pid, NULL, 0);
	tweak = NULL;
}

/* --- the client (parent) ------------------------------------------------- */

static int
client_connect(int port)
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { 10, 0 };
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void
csend(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t	 w = write(fd, s, n);

		assert_true(w > 0);
		s += w;
		n -= w;
	}
}

/*
 * creply - read one whole (multi-line) reply into buf; returns the code.
 */
static int
creply(int fd, char *buf, size_t size)
{
	size_t	 len = 0;

	for (;;) {
		char	*start;
		ssize_t	 r;

		/* complete when the last line is "DDD ..." + CRLF */
		if (len >= 2 && buf[len - 2] == '\r' && buf[len - 1] == '\n') {
			start = buf + len - 2;
			while (start > buf && start[-1] != '\n')
				start--;
			if (buf + len - start >= 4 && start[3] != '-')
				break;
		}
		assert_true(len + 1 < size);
		r = read(fd, buf + len, 1);
		if (r <= 0) {
			buf[len] = '\0';
			return -1;
		}
		len += r;
	}
	buf[len] = '\0';
	return atoi(buf);
}

static int
cmd(int fd, const char *line, char *buf, size_t size)
{
	csend(fd, line, strlen(line));
	return creply(fd, buf, size);
}

static char *
record(void)
{
	FILE	*fp = fopen(recpath, "r");
	char	*p;
	long	 n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = calloc(1, n + 1);
	assert_int_equal(fread(p, 1, n, fp), (size_t)n);
	fclose(fp);
	return p;
}

/* --- cases --------------------------------------------------------------- */

static void
test_pipelined_transaction(void **state)
{
	struct env	 e = start(FAKE_OK, 1 << 20, 1 << 20, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096], *rec;
	const char	*msg = "From: a@example.org\r\nSubject: test\r\n\r\n"
			    "..leading dot\r\nbody\r\n";

	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO client.example\r\n", r, sizeof(r)),
	    250);
	assert_non_null(strstr(r, "PIPELINING"));
	assert_non_null(strstr(r, "XFORWARD NAME ADDR PROTO HELO IDENT"));
	assert_non_null(strstr(r, "SMTPUTF8"));
	assert_non_null(strstr(r, "DSN"));
	assert_null(strstr(r, "CHUNKING"));
	assert_int_equal(cmd(fd, "XFORWARD ADDR=192.0.2.7 IDENT=QID42\r\n",
	    r, sizeof(r)), 250);
	/* one pipelined group */
	csend(fd, "MAIL FROM:<a@example.org> RET=HDRS ENVID=abc+2Bdef "
	    "SIZE=100\r\nRCPT TO:<b@example.net> NOTIFY=SUCCESS,FAILURE "
	    "ORCPT=rfc822;b@example.net\r\nRCPT TO:<c@example.net>\r\n"
	    "DATA\r\n", 0 + strlen("MAIL FROM:<a@example.org> RET=HDRS "
	    "ENVID=abc+2Bdef SIZE=100\r\nRCPT TO:<b@example.net> "
	    "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.net\r\n"
	    "RCPT TO:<c@example.net>\r\nDATA\r\n"));
	assert_int_equal(creply(fd, r, sizeof(r)), 250);
	assert_int_equal(creply(fd, r, sizeof(r)), 250);
	assert_int_equal(creply(fd, r, sizeof(r)), 250);
	assert_int_equal(creply(fd, r, sizeof(r)), 354);
	csend(fd, msg, strlen(msg));
	assert_int_equal(cmd(fd, ".\r\n", r, sizeof(r)), 250);
	assert_non_null(strstr(r, "queued as ABC123"));
	assert_int_equal(cmd(fd, "QUIT\r\n", r, sizeof(r)), 221);
	close(fd);
	usleep(100000);
	rec = record();
	assert_non_null(strstr(rec, "CMD XFORWARD ADDR=192.0.2.7 IDENT=QID42\n"));
	assert_non_null(strstr(rec, "CMD MAIL FROM:<a@example.org> RET=HDRS "
	    "ENVID=abc+2Bdef SIZE=100\n"));
	assert_non_null(strstr(rec, "CMD RCPT TO:<b@example.net> "
	    "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.net\n"));
	assert_non_null(strstr(rec, "CMD DATA\n"));
	/* byte-identical, still dot-stuffed on the wire */
	assert_non_null(strstr(rec, "From: a@example.org\r\nSubject: test\r\n"
	    "\r\n..leading dot\r\nbody\r\n\n"));
	free(rec);
	stop(&e);
}

static void
test_multiline_reply_and_errors(void **state)
{
	struct env	 e = start(FAKE_RCPT_MULTILINE, 1 << 20, 1 << 20, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096];

	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<bad@x>\r\n", r, sizeof(r)), 550);
	assert_string_equal(r, "550-5.1.1 first line\r\n550-5.1.1 second "
	    "line\r\n550 5.1.1 last line\r\n");
	assert_int_equal(cmd(fd, "BDAT 10 LAST\r\n", r, sizeof(r)), 502);
	assert_int_equal(cmd(fd, "NO SUCH THING\r\n", r, sizeof(r)), 500);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b> SIZE=99999999999\r\n", r,
	    sizeof(r)), 552);
	assert_non_null(strstr(r, "5.3.4"));
	csend(fd, "NOOP\0x\r\n", 8);
	assert_int_equal(creply(fd, r, sizeof(r)), 500);
	assert_int_equal(cmd(fd, "RSET\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "QUIT\r\n", r, sizeof(r)), 221);
	close(fd);
	stop(&e);
}

static void
test_return_port_eom_reply_verbatim(void **state)
{
	struct env	 e = start(FAKE_EOM_451, 1 << 20, 1 << 20, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096];

	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<c@d>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "DATA\r\n", r, sizeof(r)), 354);
	assert_int_equal(cmd(fd, "Subject: x\r\n\r\nhi\r\n.\r\n", r,
	    sizeof(r)), 451);
	assert_string_equal(r, "451 4.3.0 try later\r\n");
	close(fd);
	stop(&e);
}

static void
test_return_port_closes_in_data(void **state)
{
	struct env	 e = start(FAKE_CLOSE_IN_DATA, 1 << 20, 1 << 20, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096];

	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<c@d>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "DATA\r\n", r, sizeof(r)), 354);
	/* dkimgate forwards only at the end: the fake closes then */
	assert_int_equal(cmd(fd, "Subject: x\r\n\r\nhi\r\n.\r\n", r,
	    sizeof(r)), 451);
	assert_non_null(strstr(r, "4.4.2"));
	/* the session goes on: a new transaction reconnects */
	assert_int_equal(cmd(fd, "RSET\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "QUIT\r\n", r, sizeof(r)), 221);
	close(fd);
	stop(&e);
}

static void
test_return_port_stalls(void **state)
{
	struct env	 e = start(FAKE_STALL_EOM, 1 << 20, 1 << 20, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096];

	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<c@d>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "DATA\r\n", r, sizeof(r)), 354);
	assert_int_equal(cmd(fd, "Subject: x\r\n\r\nhi\r\n.\r\n", r,
	    sizeof(r)), 451);
	assert_non_null(strstr(r, "4.4.2"));
	close(fd);
	stop(&e);
}

static void
test_return_port_down(void **state)
{
	struct env	 e = start(FAKE_OK, 1 << 20, 1 << 20, 1);
	int		 fd = client_connect(e.port);
	char		 r[4096];

	assert_int_equal(creply(fd, r, sizeof(r)), 421);
	assert_non_null(strstr(r, "4.4.2"));
	close(fd);
	stop(&e);
}

static void
test_oversize(void **state)
{
	struct env	 e = start(FAKE_OK, 2000, 1000, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096], line[101], *rec;
	int		 i;

	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_non_null(strstr(r, "SIZE 2000"));
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<c@d>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "DATA\r\n", r, sizeof(r)), 354);
	memset(line, 'x', 98);
	memcpy(line + 98, "\r\n", 3);
	csend(fd, "Subject: big\r\n\r\n", 16);
	for (i = 0; i < 100; i++)
		csend(fd, line, 100);
	assert_int_equal(cmd(fd, ".\r\n", r, sizeof(r)), 552);
	assert_non_null(strstr(r, "5.3.4"));
	/* the session is still usable */
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "QUIT\r\n", r, sizeof(r)), 221);
	close(fd);
	usleep(100000);
	rec = record();
	assert_null(strstr(rec, "MESSAGE"));
	free(rec);
	stop(&e);
}

static void
test_spooled_message_identical(void **state)
{
	struct env	 e = start(FAKE_OK, 1 << 24, 1024, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096], *rec, *msg, *want;
	size_t		 i, len = 300000;

	msg = malloc(len + 64);
	strcpy(msg, "Subject: big\r\n\r\n");
	for (i = strlen(msg); i < len; i++)
		msg[i] = (i % 80 == 79) ? '\n' : (i % 80 == 78) ? '\r' :
		    (i % 80 == 0) ? '.' : 'a' + i % 26;
	memcpy(msg + len, "\r\n", 3);
	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<c@d>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "DATA\r\n", r, sizeof(r)), 354);
	csend(fd, msg, len + 2);
	assert_int_equal(cmd(fd, ".\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "QUIT\r\n", r, sizeof(r)), 221);
	close(fd);
	usleep(200000);
	rec = record();
	want = malloc(len + 64);
	snprintf(want, 64, "MESSAGE %zu\n", len + 2);
	assert_non_null(strstr(rec, want));
	assert_memory_equal(strstr(rec, want) + strlen(want), msg, len + 2);
	free(want);
	free(msg);
	free(rec);
	stop(&e);
}

static void
test_no_xforward_when_return_lacks_it(void **state)
{
	struct env	 e = start(FAKE_NO_XFORWARD, 1 << 20, 1 << 20, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096];

	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_null(strstr(r, "XFORWARD"));
	assert_int_equal(cmd(fd, "XFORWARD ADDR=1.2.3.4\r\n", r, sizeof(r)),
	    502);
	assert_int_equal(cmd(fd, "QUIT\r\n", r, sizeof(r)), 221);
	close(fd);
	stop(&e);
}

static void
test_two_transactions(void **state)
{
	struct env	 e = start(FAKE_OK, 1 << 20, 1 << 20, 0);
	int		 fd = client_connect(e.port);
	char		 r[4096], *rec;
	int		 t;

	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	for (t = 0; t < 2; t++) {
		assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)),
		    250);
		assert_int_equal(cmd(fd, "RCPT TO:<c@d>\r\n", r, sizeof(r)),
		    250);
		assert_int_equal(cmd(fd, "DATA\r\n", r, sizeof(r)), 354);
		/* the final dot and QUIT in one write (pipelined) */
		if (t == 0)
			assert_int_equal(cmd(fd, "A: 1\r\n\r\none\r\n.\r\n", r,
			    sizeof(r)), 250);
		else {
			csend(fd, "A: 2\r\n\r\ntwo\r\n.\r\nQUIT\r\n", 22);
			assert_int_equal(creply(fd, r, sizeof(r)), 250);
			assert_int_equal(creply(fd, r, sizeof(r)), 221);
		}
	}
	close(fd);
	usleep(100000);
	rec = record();
	assert_non_null(strstr(rec, "A: 1\r\n\r\none\r\n"));
	assert_non_null(strstr(rec, "A: 2\r\n\r\ntwo\r\n"));
	free(rec);
	stop(&e);
}

static void
tweak_one_session(struct config *c)
{
	c->max_sessions = 1;
}

static void
test_session_limit(void **state)
{
	struct env	 e;
	int		 fd1, fd2;
	char		 r[4096];

	tweak = tweak_one_session;
	e = start(FAKE_OK, 1 << 20, 1 << 20, 0);
	fd1 = client_connect(e.port);
	assert_int_equal(creply(fd1, r, sizeof(r)), 220);
	fd2 = client_connect(e.port);
	assert_int_equal(creply(fd2, r, sizeof(r)), 421);
	assert_non_null(strstr(r, "4.7.0"));
	close(fd2);
	assert_int_equal(cmd(fd1, "QUIT\r\n", r, sizeof(r)), 221);
	close(fd1);
	usleep(100000);
	/* the slot is free again */
	fd2 = client_connect(e.port);
	assert_int_equal(creply(fd2, r, sizeof(r)), 220);
	close(fd2);
	stop(&e);
}

static void
tweak_no_loopback(struct config *c)
{
	netlist_clear(&c->client_networks);
	assert_int_equal(netlist_parse(&c->client_networks, "192.0.2.0/24",
	    NULL, 0), 0);
}

static void
test_client_not_allowed(void **state)
{
	struct env	 e;
	int		 fd;
	char		 r[4096], *rec;

	tweak = tweak_no_loopback;
	e = start(FAKE_OK, 1 << 20, 1 << 20, 0);
	fd = client_connect(e.port);
	assert_int_equal(creply(fd, r, sizeof(r)), 554);
	assert_non_null(strstr(r, "5.7.1"));
	close(fd);
	usleep(100000);
	/* nothing was even connected downstream */
	rec = record();
	assert_null(strstr(rec, "CMD"));
	free(rec);
	stop(&e);
}

static void
tweak_short_timeouts(struct config *c)
{
	c->command_timeout = 1;
	c->data_timeout = 1;
}

static void
test_idle_and_slow_clients_time_out(void **state)
{
	struct env	 e;
	int		 fd;
	char		 r[4096];

	tweak = tweak_short_timeouts;
	e = start(FAKE_OK, 1 << 20, 1 << 20, 0);
	fd = client_connect(e.port);
	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	/*
	 * A partial line is not activity: bytes dripped without a line end
	 * do not keep the session (send() may fail once we were cut).
	 */
	{
		struct pollfd	 pfd = { fd, POLLIN, 0 };
		int		 i;

		csend(fd, "EH", 2);
		for (i = 0; i < 30 && poll(&pfd, 1, 300) == 0; i++)
			(void)send(fd, "L", 1, MSG_NOSIGNAL);
		assert_true(i < 30);
	}
	assert_int_equal(creply(fd, r, sizeof(r)), 421);
	assert_non_null(strstr(r, "4.4.2"));
	close(fd);
	/* idle inside DATA */
	fd = client_connect(e.port);
	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<c@d>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "DATA\r\n", r, sizeof(r)), 354);
	csend(fd, "Subject: x\r\n", 12);
	assert_int_equal(creply(fd, r, sizeof(r)), 421);
	close(fd);
	stop(&e);
}

/*
 * test_data_drip_times_out - a client that keeps sending one byte of
 * message data every 100 ms is cut with 421 after about data_timeout
 * (each byte buys 2 ms at DATA_MIN_RATE, not a new data_timeout); found
 * by tests/fault slow_drip.
 */
static void
test_data_drip_times_out(void **state)
{
	struct env	 e;
	struct timeval	 t0, t1;
	struct pollfd	 pfd;
	char		 r[4096];
	int		 fd, i, ms;

	tweak = tweak_short_timeouts;
	e = start(FAKE_OK, 1 << 20, 1 << 20, 0);
	fd = client_connect(e.port);
	assert_int_equal(creply(fd, r, sizeof(r)), 220);
	assert_int_equal(cmd(fd, "EHLO c\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "MAIL FROM:<a@b>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "RCPT TO:<c@d>\r\n", r, sizeof(r)), 250);
	assert_int_equal(cmd(fd, "DATA\r\n", r, sizeof(r)), 354);
	gettimeofday(&t0, NULL);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; i < 150; i++) {
		csend(fd, "x", 1);
		if (poll(&pfd, 1, 100) == 1)
			break;
	}
	assert_true(i < 150);	/* cut, not kept alive by every byte */
	assert_int_equal(creply(fd, r, sizeof(r)), 421);
	assert_non_null(strstr(r, "4.4.2"));
	gettimeofday(&t1, NULL);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	/* data_timeout is 1 s; the upper bound is generous (valgrind, load) */
	assert_true(ms >= 900 && ms < 12000);
	close(fd);
	stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_transaction),
		cmocka_unit_test(test_multiline_reply_and_errors),
		cmocka_unit_test(test_return_port_eom_reply_verbatim),
		cmocka_unit_test(test_return_port_closes_in_data),
		cmocka_unit_test(test_return_port_stalls),
		cmocka_unit_test(test_return_port_down),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_spooled_message_identical),
		cmocka_unit_test(test_no_xforward_when_return_lacks_it),
		cmocka_unit_test(test_two_transactions),
		cmocka_unit_test(test_session_limit),
		cmocka_unit_test(test_client_not_allowed),
		cmocka_unit_test(test_idle_and_slow_clients_time_out),
		cmocka_unit_test(test_data_drip_times_out),
	};
	int	 rc;

	signal(SIGPIPE, SIG_IGN);
	log_init(1, "test_relay", 0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(recpath);
	return rc;
}
