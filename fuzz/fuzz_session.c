/*
 * fuzz_session.c - libFuzzer harness for the inbound SMTP session
 * (smtp_server.h) with its relay to the return port (smtp_client.h), the
 * DATA decoder, the message store (spool.h) and the pass mode: the input
 * is what Postfix's smtp client sends, written into one end of a
 * socketpair whose other end the session owns; a fake return port on
 * 127.0.0.1 (same event_base) answers every command at once.
 *
 * Invariants, at the system level:
 *   - every line dkimgate sends upstream is an SMTP reply line
 *     (smtp_reply_line), ending in CRLF;
 *   - every command line the return port receives parses as a command
 *     (smtp_parse_command) and holds no CR or LF of its own: peer garbage
 *     is answered by dkimgate, never relayed raw;
 *   - every message line the return port receives ends in CRLF with no
 *     bare LF inside (DESIGN.md: a bare LF goes out as CRLF), and its
 *     DATA ends only at CRLF.CRLF (no smuggling);
 *   - once the peer has closed its side, the session closes without
 *     waiting for a timeout (within SESSION_ROUNDS loop rounds, some of
 *     them waiting 1 ms), and LeakSanitizer finds nothing left.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "smtp_proto.h"
#include "smtp_server.h"
#include "worker.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SESSION_ROUNDS	20000

struct fake {
	int	 in_data;
	int	 open;
};

static struct event_base	*base;
static struct config		*conf;
static struct worker		*worker;
static int			 fakes_open;
static int			 relayed, delivered;	/* FUZZ_VERBOSE */

static void	fake_write(struct bufferevent *, const char *);
static void	fake_read_cb(struct bufferevent *, void *);
static void	fake_event_cb(struct bufferevent *, short, void *);
static void	fake_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	check_replies(const char *, size_t);

/* fake_write - queue a reply on the fake return port */
static void
fake_write(struct bufferevent *bev, const char *s)
{
	bufferevent_write(bev, s, strlen(s));
}

/*
 * fake_read_cb - the return port: answer each command, collect DATA
 * lines, and check both.
 */
static void
fake_read_cb(struct bufferevent *bev, void *arg)
{
	struct fake		*f = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct smtp_cmdline	 cl;
	char			*line;
	size_t			 n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF_STRICT)) !=
	    NULL) {
		/* a CR or LF inside a CRLF-terminated line is a bare one */
		FUZZ_CHECK(memchr(line, '\n', n) == NULL);
		if (f->in_data) {
			if (n == 1 && line[0] == '.') {
				f->in_data = 0;
				delivered++;
				fake_write(bev, "250 2.0.0 Ok: queued as F1\r\n");
			}
			free(line);
			continue;
		}
		FUZZ_CHECK(memchr(line, '\r', n) == NULL);
		FUZZ_CHECK(smtp_parse_command(line, n, &cl) == 0);
		relayed++;
		switch (cl.cmd) {
		case SMTP_CMD_EHLO:
			fake_write(bev, "250-fake.example\r\n250-PIPELINING\r\n"
			    "250-SIZE 100000000\r\n250-8BITMIME\r\n"
			    "250-XFORWARD NAME ADDR PROTO HELO IDENT SOURCE\r\n"
			    "250 ENHANCEDSTATUSCODES\r\n");
			break;
		case SMTP_CMD_DATA:
			fake_write(bev, "354 go ahead\r\n");
			f->in_data = 1;
			break;
		case SMTP_CMD_QUIT:
			fake_write(bev, "221 2.0.0 Bye\r\n");
			break;
		case SMTP_CMD_RCPT:
			if (cl.arglen > 4 && memcmp(cl.arg + cl.arglen - 4,
			    "bad>", 4) == 0)
				fake_write(bev, "550-5.1.1 no\r\n550 5.1.1 "
				    "such user\r\n");
			else
				fake_write(bev, "250 2.1.5 Ok\r\n");
			break;
		default:
			fake_write(bev, "250 2.0.0 Ok\r\n");
			break;
		}
		free(line);
	}
}

/* fake_event_cb - the relay closed its return connection */
static void
fake_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fake	*f = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(bev);
		free(f);
		fakes_open--;
	}
}

/* fake_accept_cb - a new return connection: greet it */
static void
fake_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct bufferevent	*bev;
	struct fake		*f;

	(void)sa;
	(void)salen;
	(void)arg;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		abort();
	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, fake_read_cb, NULL, fake_event_cb, f);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	fakes_open++;
	fake_write(bev, "220 fake.example ESMTP\r\n");
}

/* check_replies - every line sent upstream is a reply line */
static void
check_replies(const char *p, size_t n)
{
	const char	*e;
	int		 code, more;

	while (n > 0) {
		e = memchr(p, '\n', n);
		if (e == NULL)
			break;	/* cut off by the close: not checked */
		FUZZ_CHECK(e > p && e[-1] == '\r');
		FUZZ_CHECK(smtp_reply_line(p, (size_t)(e - p) - 1, &code,
		    &more) == 0);
		n -= (size_t)(e - p) + 1;
		p = e + 1;
	}
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 err[256];
	int			 fd, one = 1;

	(void)argc;
	(void)argv;
	fuzz_log_init();
	if ((base = event_base_new()) == NULL ||
	    (conf = config_load(NULL, err, sizeof(err))) == NULL)
		abort();
	/* the fake return port */
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		abort();
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		abort();
	evutil_make_socket_nonblocking(fd);
	if (evconnlistener_new(base, fake_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE, 0, fd) == NULL)
		abort();
	memcpy(&conf->listeners[0].ret, &sin, sizeof(sin));
	conf->listeners[0].retlen = sizeof(sin);
	conf->message_size_limit = 64 * 1024;
	conf->spool_threshold = 4096;
	free(conf->spool_directory);
	if ((conf->spool_directory = strdup("/tmp")) == NULL)
		abort();
	worker = worker_new(base, conf, NULL);
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in	 peer;
	struct timeval		 tv = { 0, 1000 };
	char			*up, buf[4096];
	size_t			 off = 0, uplen = 0, upcap = 64 * 1024;
	ssize_t			 n;
	int			 sv[2], round, eof = 0;

	if (size > 16 * 1024)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(0x7f000001);
	peer.sin_port = htons(40000);
	smtp_session_new(worker, &conf->listeners[0], sv[0],
	    (struct sockaddr *)&peer, sizeof(peer));
	if ((up = malloc(upcap)) == NULL)
		abort();

	for (round = 0; round < SESSION_ROUNDS; round++) {
		if (off < size) {
			n = write(sv[1], data + off, size - off);
			if (n > 0)
				off += (size_t)n;
		} else if (off == size) {
			shutdown(sv[1], SHUT_WR);
			off++;
		}
		/* mostly non-blocking rounds; every 64th waits for up to
		 * 1 ms, so a session that waits on a timer shows up */
		if (round % 64 == 63) {
			event_base_loopexit(base, &tv);
			event_base_dispatch(base);
		} else
			event_base_loop(base, EVLOOP_NONBLOCK);
		while ((n = read(sv[1], buf, sizeof(buf))) > 0)
			if (uplen + (size_t)n <= upcap) {
				memcpy(up + uplen, buf, (size_t)n);
				uplen += (size_t)n;
			}
		if (n == 0)
			eof = 1;
		if (off > size && eof && smtp_server_sessions() == 0 &&
		    fakes_open == 0)
			break;
	}
	if (round == SESSION_ROUNDS) {
		fprintf(stderr, "session still open %d rounds after the peer "
		    "closed (sessions %d, return connections %d)\n",
		    SESSION_ROUNDS, smtp_server_sessions(), fakes_open);
		abort();
	}
	check_replies(up, uplen);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_session: %d commands relayed, %d messages"
		    " delivered, %zu reply bytes\n", relayed, delivered, uplen);
	free(up);
	close(sv[1]);
	return 0;
}
