/*
 * log.c - logging to syslog or stderr.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static void	logit(int, const char *);
static void	vlog_errno(int, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static int	 log_foreground = 1;
static int	 log_verbose;
static const char *log_procname = "main";
static const char *log_ident = "dkimgate";
static log_hook_fn log_hook;

/*
 * log_init - choose stderr (foreground) or syslog.
 */
void
log_init(int foreground, const char *ident, int facility)
{
	log_foreground = foreground;
	if (ident != NULL)
		log_ident = ident;
	if (!foreground)
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

int
log_get_verbose(void)
{
	return log_verbose;
}

/*
 * log_set_procname - name shown in foreground log lines ("main",
 * "worker 1"); the string must outlive its use.
 */
void
log_set_procname(const char *name)
{
	log_procname = name;
}

void
log_set_hook(log_hook_fn fn)
{
	log_hook = fn;
}

/*
 * logit - send one finished line to the destination.
 */
static void
logit(int prio, const char *line)
{
	int		 saved_errno = errno;

	if (log_hook != NULL)
		log_hook(prio, line);
	if (log_foreground) {
		struct timespec	 ts;
		struct tm	 tm;
		char		 stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%ld] %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_ident, (long)getpid(),
		    log_procname, line);
		fflush(stderr);
	} else
		syslog(prio, "%s", line);
	errno = saved_errno;
}

/*
 * vlog - format one line and log it.
 */
void
vlog(int prio, const char *fmt, va_list ap)
{
	char		 line[LOG_LINE_MAX];

	vsnprintf(line, sizeof(line), fmt, ap);
	logit(prio, line);
}

/*
 * vlog_errno - format one line, append ": strerror(errno)" and log it.
 */
static void
vlog_errno(int prio, const char *fmt, va_list ap)
{
	char		 line[LOG_LINE_MAX];
	int		 saved_errno = errno;
	int		 n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ": %s",
		    strerror(saved_errno));
	logit(prio, line);
}

void
log_warn(const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list		 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * log_escape - make untrusted bytes safe for one log line or a quoted
 * header value: no CR, LF, NUL or other control byte survives.
 */
char *
log_escape(char *dst, size_t dstsz, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 i, o = 0;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)src[i];
		char		 esc[5];
		size_t		 n;

		if (c == '\\' || c == '"') {
			esc[0] = '\\';
			esc[1] = (char)c;
			n = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 0xf];
			n = 4;
		} else {
			esc[0] = (char)c;
			n = 1;
		}
		if (o + n + 4 > dstsz) {
			/* no room for this and "..." plus NUL: cut here */
			if (o + 4 <= dstsz) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, esc, n);
		o += n;
	}
	dst[o] = '\0';
	return dst;
}
