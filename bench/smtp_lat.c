/*
 * smtp_lat.c - benchmark SMTP client for dkimgate's bench/run.sh.
 *
 * smtp-source (Postfix) drives the throughput runs but reports no
 * per-message latency; this client does two things smtp-source cannot:
 *
 *   smtp-lat lat [-k] [-n COUNT] [-w WARMUP] [-p MS] [-f FROM] [-t TO]
 *                [-o FILE] MESSAGE ADDR:PORT
 *	send COUNT copies of MESSAGE, one at a time, over one session (-k,
 *	"many per session") or a new session per message, and time each one
 *	from the moment the final "." is written to the moment its reply
 *	arrives (RFC 5321 section 4.1.1.4: the reply to the end of mail data
 *	is the one that commits the transaction).  The first WARMUP messages
 *	are sent but not counted.  With -p, the header block (up to and
 *	including the empty line) is written, then the client pauses MS
 *	milliseconds before the body: a sender or a link slower than
 *	loopback, which lets a filter that starts its DNS look-ups at the
 *	end of the header block overlap them with the body transfer.  Prints
 *	one line of key=value pairs:
 *	n, min, p50, p90, p99, max and mean in microseconds; with -o, every
 *	sample goes to FILE, one per line.
 *
 *   smtp-lat idle -n COUNT ADDR:PORT
 *	open COUNT sessions, send EHLO on each and wait for the reply, print
 *	"ready COUNT" and hold the sessions open until standard input reaches
 *	end of file; then QUIT them all.  Used to measure the memory that an
 *	idle session costs.
 *
 * MESSAGE is a file with LF or CRLF line ends; it is converted once to
 * the wire form (CRLF, dot-stuffed as RFC 5321 section 4.5.2 requires)
 * before the first message is sent, so the timed part is only the
 * final dot and the reply.  Exits 0 when every reply was positive,
 * 1 otherwise, with a one-line message on standard error.
 */
#define _GNU_SOURCE	/* memmem */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN	4096	/* longest reply line kept (RFC 5321 4.5.3.1.5: 512) */
#define MAX_COUNT	10000000

struct conn {
	int	 fd;
	char	 buf[LINE_MAX_LEN];	/* unread reply bytes */
	size_t	 len;
};

struct wire {
	char	*data;		/* CRLF, dot-stuffed, ends in CRLF */
	size_t	 len;
};

static void	 die(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void	*xmalloc(size_t);
static int	 parse_addr(const char *, struct sockaddr_in *);
static void	 wire_load(struct wire *, const char *);
static void	 conn_open(struct conn *, const struct sockaddr_in *);
static void	 conn_close(struct conn *);
static void	 conn_write(struct conn *, const char *, size_t);
static void	 conn_printf(struct conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static int	 conn_reply(struct conn *, char *, size_t);
static void	 conn_expect(struct conn *, int, const char *);
static double	 now_us(void);
static int	 cmp_double(const void *, const void *);
static double	 pct(const double *, size_t, double);
static int	 cmd_lat(int, char **);
static int	 cmd_idle(int, char **);
static void	 usage(void) __attribute__((noreturn));

/*
 * die - print a one-line error and exit 1
 */
static void
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("smtp-lat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * xmalloc - malloc that exits on failure
 */
static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		die("out of memory (%zu bytes)", n);
	return p;
}

/*
 * parse_addr - "A.B.C.D:PORT" into sa; returns 0, or -1 on a syntax error
 */
static int
parse_addr(const char *s, struct sockaddr_in *sa)
{
	char		 host[64];
	const char	*colon;
	char		*end;
	long		 port;
	size_t		 hl;

	if ((colon = strrchr(s, ':')) == NULL)
		return -1;
	hl = (size_t)(colon - s);
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port <= 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	return 0;
}

/*
 * wire_load - read path and build its wire form: every line ends in CRLF
 * (a bare LF becomes CRLF), a line that starts with "." gets another "."
 * (RFC 5321 4.5.2), and a last line without a line end gets one.
 */
static void
wire_load(struct wire *w, const char *path)
{
	struct stat	 st;
	char		*in;
	size_t		 n, i, o;
	ssize_t		 r;
	int		 fd, bol;

	if ((fd = open(path, O_RDONLY)) == -1)
		die("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1)
		die("%s: %s", path, strerror(errno));
	n = (size_t)st.st_size;
	in = xmalloc(n);
	for (i = 0; i < n; i += (size_t)r) {
		r = read(fd, in + i, n - i);
		if (r == -1 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			die("%s: short read", path);
	}
	close(fd);
	/* worst case: every byte a "\n" that becomes "\r\n", or a "." */
	w->data = xmalloc(2 * n + 3);
	o = 0;
	bol = 1;
	for (i = 0; i < n; i++) {
		if (bol && in[i] == '.')
			w->data[o++] = '.';
		bol = 0;
		if (in[i] == '\n') {
			if (i == 0 || in[i - 1] != '\r')
				w->data[o++] = '\r';
			bol = 1;
		}
		w->data[o++] = in[i];
	}
	if (!bol) {
		w->data[o++] = '\r';
		w->data[o++] = '\n';
	}
	w->len = o;
	free(in);
}

/*
 * conn_open - connect to sa with TCP_NODELAY (so the final dot is not held
 * back by Nagle's algorithm) and read the greeting
 */
static void
conn_open(struct conn *c, const struct sockaddr_in *sa)
{
	int	 one = 1;

	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) == -1)
		die("connect: %s", strerror(errno));
	c->len = 0;
	conn_expect(c, 2, "greeting");
}

/*
 * conn_close - send QUIT, read its reply if one comes, close
 */
static void
conn_close(struct conn *c)
{
	char	 line[LINE_MAX_LEN];

	conn_write(c, "QUIT\r\n", 6);
	(void)conn_reply(c, line, sizeof(line));
	close(c->fd);
	c->fd = -1;
}

/*
 * conn_write - write all of buf, retrying on EINTR and short writes
 */
static void
conn_write(struct conn *c, const char *buf, size_t len)
{
	ssize_t	 r;

	while (len > 0) {
		r = write(c->fd, buf, len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			die("write: %s", r == 0 ? "closed" : strerror(errno));
		buf += r;
		len -= (size_t)r;
	}
}

/*
 * conn_printf - format one command line and write it
 */
static void
conn_printf(struct conn *c, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		die("command too long");
	conn_write(c, line, (size_t)n);
}

/*
 * conn_reply - read one complete (possibly multi-line) reply; its last
 * line, without CRLF, goes to last.  Returns the reply code, or -1 when
 * the connection closed or sent garbage.  Lines longer than the buffer
 * are an error.
 */
static int
conn_reply(struct conn *c, char *last, size_t lastsz)
{
	char	*eol;
	size_t	 ll;
	ssize_t	 r;
	int	 code;

	for (;;) {
		eol = memchr(c->buf, '\n', c->len);
		if (eol == NULL) {
			if (c->len == sizeof(c->buf))
				return -1;
			r = read(c->fd, c->buf + c->len,
			    sizeof(c->buf) - c->len);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			c->len += (size_t)r;
			continue;
		}
		ll = (size_t)(eol - c->buf) + 1;
		if (ll < 5 || c->buf[0] < '2' || c->buf[0] > '5')
			return -1;
		code = (c->buf[0] - '0') * 100 + (c->buf[1] - '0') * 10 +
		    (c->buf[2] - '0');
		if (c->buf[3] == ' ' || ll == 5) {
			/* last line of the reply */
			snprintf(last, lastsz, "%.*s",
			    (int)(ll > 2 ? ll - 2 : 0), c->buf);
			memmove(c->buf, c->buf + ll, c->len - ll);
			c->len -= ll;
			return code;
		}
		memmove(c->buf, c->buf + ll, c->len - ll);
		c->len -= ll;
	}
}

/*
 * conn_expect - read a reply and die unless its first digit is want
 */
static void
conn_expect(struct conn *c, int want, const char *what)
{
	char	 line[LINE_MAX_LEN];
	int	 code;

	code = conn_reply(c, line, sizeof(line));
	if (code / 100 != want)
		die("%s: unexpected reply: %s", what,
		    code == -1 ? "(connection lost)" : line);
}

/*
 * now_us - monotonic clock in microseconds
 */
static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * cmp_double - qsort comparator
 */
static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * pct - the p-th percentile of sorted v[n], nearest-rank method
 */
static double
pct(const double *v, size_t n, double p)
{
	size_t	 rank;

	rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/*
 * cmd_lat - the "lat" command: sequential messages, timed final dot
 */
static int
cmd_lat(int argc, char **argv)
{
	struct sockaddr_in	 sa;
	struct conn		 c;
	struct wire		 w;
	const char		*from = "bench@bench.test", *to = "sink@sink.test";
	const char		*out = NULL;
	double			*v, t0, sum = 0;
	char			 line[LINE_MAX_LEN];
	long			 count = 100, warm = 0, pause_ms = 0, i;
	int			 ch, keep = 0, code, open_ = 0;
	size_t			 hdr = 0;
	struct timespec		 pause;
	FILE			*fp;

	while ((ch = getopt(argc, argv, "f:kn:o:p:t:w:")) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			pause_ms = strtol(optarg, NULL, 10);
			break;
		case 't':
			to = optarg;
			break;
		case 'w':
			warm = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || count < 1 || count > MAX_COUNT || warm < 0 ||
	    warm > MAX_COUNT || pause_ms < 0 || pause_ms > 60000)
		usage();
	pause.tv_sec = pause_ms / 1000;
	pause.tv_nsec = (pause_ms % 1000) * 1000000L;
	if (parse_addr(argv[1], &sa) == -1)
		die("bad address %s (want A.B.C.D:PORT)", argv[1]);
	wire_load(&w, argv[0]);
	if (pause_ms > 0) {
		/* the header block ends with the first empty line */
		const char	*e = memmem(w.data, w.len, "\r\n\r\n", 4);

		hdr = e != NULL ? (size_t)(e - w.data) + 4 : w.len;
	}
	v = xmalloc(sizeof(*v) * (size_t)count);
	c.fd = -1;
	for (i = 0; i < warm + count; i++) {
		if (!open_) {
			conn_open(&c, &sa);
			conn_printf(&c, "EHLO bench.test\r\n");
			conn_expect(&c, 2, "EHLO");
			open_ = 1;
		}
		conn_printf(&c, "MAIL FROM:<%s>\r\n", from);
		conn_expect(&c, 2, "MAIL");
		conn_printf(&c, "RCPT TO:<%s>\r\n", to);
		conn_expect(&c, 2, "RCPT");
		conn_printf(&c, "DATA\r\n");
		conn_expect(&c, 3, "DATA");
		if (hdr > 0) {
			conn_write(&c, w.data, hdr);
			while (nanosleep(&pause, &pause) == -1 &&
			    errno == EINTR)
				;
			pause.tv_sec = pause_ms / 1000;
			pause.tv_nsec = (pause_ms % 1000) * 1000000L;
			conn_write(&c, w.data + hdr, w.len - hdr);
		} else
			conn_write(&c, w.data, w.len);
		/* timed: from the final dot to its reply */
		t0 = now_us();
		conn_write(&c, ".\r\n", 3);
		code = conn_reply(&c, line, sizeof(line));
		if (i >= warm)
			v[i - warm] = now_us() - t0;
		if (code / 100 != 2)
			die("end of data: unexpected reply: %s",
			    code == -1 ? "(connection lost)" : line);
		if (!keep) {
			conn_close(&c);
			open_ = 0;
		}
	}
	if (open_)
		conn_close(&c);
	if (out != NULL) {
		if ((fp = fopen(out, "w")) == NULL)
			die("%s: %s", out, strerror(errno));
		for (i = 0; i < count; i++)
			fprintf(fp, "%.1f\n", v[i]);
		if (fclose(fp) != 0)
			die("%s: %s", out, strerror(errno));
	}
	for (i = 0; i < count; i++)
		sum += v[i];
	qsort(v, (size_t)count, sizeof(*v), cmp_double);
	printf("n=%ld min_us=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f "
	    "max_us=%.1f mean_us=%.1f\n", count, v[0],
	    pct(v, (size_t)count, 50), pct(v, (size_t)count, 90),
	    pct(v, (size_t)count, 99), v[count - 1], sum / (double)count);
	free(v);
	free(w.data);
	return 0;
}

/*
 * cmd_idle - the "idle" command: COUNT sessions that said EHLO and wait
 */
static int
cmd_idle(int argc, char **argv)
{
	struct sockaddr_in	 sa;
	struct conn		*c;
	char			 b[256];
	long			 count = 100, i;
	int			 ch;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || count < 1 || count > 100000)
		usage();
	if (parse_addr(argv[0], &sa) == -1)
		die("bad address %s (want A.B.C.D:PORT)", argv[0]);
	c = xmalloc(sizeof(*c) * (size_t)count);
	for (i = 0; i < count; i++) {
		conn_open(&c[i], &sa);
		conn_printf(&c[i], "EHLO idle%ld.bench.test\r\n", i);
		conn_expect(&c[i], 2, "EHLO");
	}
	printf("ready %ld\n", count);
	fflush(stdout);
	while (read(STDIN_FILENO, b, sizeof(b)) > 0)
		;
	for (i = 0; i < count; i++)
		conn_close(&c[i]);
	free(c);
	return 0;
}

/*
 * usage - print the synopsis and exit 1
 */
static void
usage(void)
{
	fprintf(stderr, "usage: smtp-lat lat [-k] [-n count] [-w warmup] "
	    "[-p ms] [-f from] [-t to] [-o file] message addr:port\n"
	    "       smtp-lat idle [-n count] addr:port\n");
	exit(1);
}

/*
 * main - dispatch the subcommand
 */
int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "lat") == 0)
		return cmd_lat(argc - 1, argv + 1);
	if (strcmp(argv[1], "idle") == 0)
		return cmd_idle(argc - 1, argv + 1);
	usage();
}
