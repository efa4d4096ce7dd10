/*
 * config.c - dkimgate.conf: Postfix-style "name = value" parameters.
 *
 * Syntax (as Postfix main.cf, see dkimgate.conf(5)): one "name = value"
 * per logical line; a line that starts with white space continues the
 * previous value; lines that are empty or whose first non-blank byte is
 * "#" are ignored (they do not end a value that continues after them).
 * Leading and trailing white space of a value is dropped, continuation
 * lines are joined with one space.
 *
 * Every parameter is one row of params[] below: name, type, default text,
 * range, and where the value lives in struct config. Loading collects the
 * raw text of each parameter (from the file, else the row's default), then
 * converts every row in table order, then runs the per-row checks (those
 * that depend on other parameters last). So the built-in defaults go
 * through exactly the same code as a file, and config_print() writes the
 * rows back in the same order, in a form that reads back to the same
 * values.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "netaddr.h"
#include "xmalloc.h"

#define CONFIG_FILE_MAX		(1024 * 1024)	/* bytes per file */
#define CONFIG_VALUE_MAX	(64 * 1024)	/* bytes per logical value */
#define CONFIG_LISTENERS_MAX	64
#define CONFIG_HOSTNAME_MAX	253		/* RFC 1035 section 2.3.4 */

#define KB	1024LL
#define MB	(1024LL * 1024)
#define GB	(1024LL * 1024 * 1024)
#define MINUTE	60
#define HOUR	3600
#define DAY	86400

enum ptype {
	PT_STRING,	/* char *, any text (checked by a hook if any) */
	PT_INT,		/* int, decimal */
	PT_BOOL,	/* int, yes/no */
	PT_TIME,	/* int seconds, s/m/h/d suffix */
	PT_SIZE,	/* long long bytes, k/M/G suffix */
	PT_ENUM,	/* int index into names[] */
	PT_LIST,	/* char *, items normalized to "a, b, c" */
	PT_LISTENERS,	/* the listen parameter: listeners[] */
	PT_NETWORKS	/* char * text plus a struct netlist */
};

struct cfgload;

struct param {
	const char	 *name;
	enum ptype	  type;
	const char	 *def;		/* default, in config_print form */
	long long	  min, max;	/* PT_INT, PT_TIME, PT_SIZE */
	size_t		  off;		/* target in struct config */
	const char *const *names;	/* PT_ENUM, NULL-terminated */
	/* check: validate/derive after all values are in; late ones last */
	int		(*check)(struct cfgload *, const struct param *);
	int		  late;
};

/* state of one config_load() */
struct cfgload {
	struct config	*cfg;
	const char	*file;		/* name used in messages */
	char		*err;
	size_t		 errlen;
	char		**val;		/* raw text per param, or NULL */
	int		*line;		/* line per param, 0 = default */
	int		 failed;
};

static int	cfg_error(struct cfgload *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static const char *cfg_esc(char *, size_t, const char *);
static int	cfg_param_index(const char *, size_t);
static int	cfg_read_file(struct cfgload *, const char *, struct buf *);
static int	cfg_parse_text(struct cfgload *, const char *, size_t);
static int	cfg_set_raw(struct cfgload *, const char *, size_t,
		    const char *, size_t, int);
static int	cfg_convert(struct cfgload *, int);
static int	cfg_parse_int(const char *, long long *);
static char	*cfg_normalize_list(const char *);
static void	cfg_format_value(const struct config *, const struct param *,
		    struct buf *);
static void	cfg_format_time(long long, char *, size_t);
static void	cfg_format_size(long long, char *, size_t);
static int	cfg_range_error(struct cfgload *, const struct param *, int,
		    const char *);
static int	cfg_line_of(struct cfgload *, const char *);
static int	cfg_is_hostname(const char *);
static char	*cfg_default_hostname(void);
static int	cfg_field_name_ok(const char *, size_t);
static int	cfg_addr_equal(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
static int	cfg_addr_covers(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
static int	cfg_parse_listener(struct cfgload *, const char *, size_t,
		    struct listener_conf *);

static int	check_return_address(struct cfgload *, const struct param *);
static int	check_listen(struct cfgload *, const struct param *);
static int	check_user(struct cfgload *, const struct param *);
static int	check_myhostname(struct cfgload *, const struct param *);
static int	check_abs_path(struct cfgload *, const struct param *);
static int	check_syslog_name(struct cfgload *, const struct param *);
static int	check_syslog_facility(struct cfgload *, const struct param *);
static int	check_networks(struct cfgload *, const struct param *);
static int	check_sizes(struct cfgload *, const struct param *);
static int	check_canon(struct cfgload *, const struct param *);
static int	check_header_list(struct cfgload *, const struct param *);
static int	check_authserv_id(struct cfgload *, const struct param *);
static int	check_resolvers(struct cfgload *, const struct param *);
static int	check_header_line(struct cfgload *, const struct param *);
static int	check_metrics(struct cfgload *, const struct param *);

static const char *const bad_from_names[] = { "relay", "reject", NULL };
static const char *const dns_fail_names[] = { "accept", "tempfail", NULL };
static const char *const mode_names[] = { "pass", "sign", "verify", NULL };
static const char *const queue_names[] = { "after", "before", NULL };

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "mail", LOG_MAIL },
	{ "daemon", LOG_DAEMON },
	{ "user", LOG_USER },
	{ "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

/*
 * The default header list to sign: RFC 6376 section 5.4.1 recommends
 * these fields; From is mandatory (section 5.4). Keep in step with the
 * signer's built-in list (keytable/dkim_sign).
 */
#define DEF_SIGN_HEADERS \
	"From, Reply-To, Subject, Date, To, Cc, Resent-Date, Resent-From, " \
	"Resent-To, Resent-Cc, In-Reply-To, References, Message-ID, " \
	"MIME-Version, Content-Type, Content-Transfer-Encoding, List-Id, " \
	"List-Help, List-Unsubscribe, List-Subscribe, List-Post, " \
	"List-Owner, List-Archive"
#define DEF_OVERSIGN_HEADERS	"From, Subject, Date, To, Cc, Reply-To"

#define OFF(f)	offsetof(struct config, f)

/*
 * params - THE parameter table. Defaults are written as config_print()
 * prints them (largest exact time/size unit, lists as "a, b"), except
 * listen, whose printed form spells out every attribute (the default
 * listener's return port follows return_address), and myhostname and
 * authserv_id, which are resolved at load time.
 */
static const struct param params[] = {
	/* processes and identity */
	{ "listen", PT_LISTENERS, "127.0.0.1:10027 mode=pass", 0, 0,
	    OFF(listeners), NULL, check_listen, 1 },
	{ "return_address", PT_STRING, "127.0.0.1:10028", 0, 0,
	    OFF(return_address), NULL, check_return_address, 0 },
	{ "workers", PT_INT, "0", 0, 64, OFF(workers), NULL, NULL, 0 },
	{ "user", PT_STRING, "dkimgate", 0, 0, OFF(user), NULL,
	    check_user, 0 },
	{ "myhostname", PT_STRING, "", 0, 0, OFF(myhostname), NULL,
	    check_myhostname, 0 },
	{ "pid_file", PT_STRING, "", 0, 0, OFF(pid_file), NULL,
	    check_abs_path, 0 },
	{ "syslog_name", PT_STRING, "dkimgate", 0, 0, OFF(syslog_name), NULL,
	    check_syslog_name, 0 },
	{ "syslog_facility", PT_STRING, "mail", 0, 0, OFF(syslog_facility),
	    NULL, check_syslog_facility, 0 },
	{ "verbose", PT_BOOL, "no", 0, 1, OFF(verbose), NULL, NULL, 0 },
	{ "client_networks", PT_NETWORKS, "127.0.0.0/8, [::1]/128", 0, 0,
	    OFF(client_networks_text), NULL, check_networks, 0 },

	/* limits and timeouts */
	{ "max_sessions", PT_INT, "1000", 1, 100000, OFF(max_sessions), NULL,
	    NULL, 0 },
	{ "max_errors", PT_INT, "20", 1, 1000, OFF(max_errors), NULL,
	    NULL, 0 },
	{ "command_timeout", PT_TIME, "5m", 1, DAY, OFF(command_timeout),
	    NULL, NULL, 0 },
	{ "data_timeout", PT_TIME, "5m", 1, DAY, OFF(data_timeout), NULL,
	    NULL, 0 },
	{ "return_connect_timeout", PT_TIME, "30s", 1, HOUR,
	    OFF(return_connect_timeout), NULL, NULL, 0 },
	{ "return_timeout", PT_TIME, "5m", 1, DAY, OFF(return_timeout), NULL,
	    NULL, 0 },
	{ "return_data_timeout", PT_TIME, "10m", 1, DAY,
	    OFF(return_data_timeout), NULL, NULL, 0 },
	{ "drain_timeout", PT_TIME, "10m", 0, DAY, OFF(drain_timeout), NULL,
	    NULL, 0 },
	{ "message_size_limit", PT_SIZE, "64M", KB, 4 * GB,
	    OFF(message_size_limit), NULL, NULL, 0 },
	{ "header_size_limit", PT_SIZE, "256k", KB, 64 * MB,
	    OFF(header_size_limit), NULL, check_sizes, 0 },
	{ "spool_threshold", PT_SIZE, "1M", 0, 4 * GB, OFF(spool_threshold),
	    NULL, check_sizes, 0 },
	{ "spool_directory", PT_STRING, "/var/tmp", 0, 0,
	    OFF(spool_directory), NULL, check_abs_path, 0 },

	/* signing */
	{ "key_table", PT_STRING, "", 0, 0, OFF(key_table), NULL, NULL, 0 },
	{ "signing_table", PT_STRING, "", 0, 0, OFF(signing_table), NULL,
	    NULL, 0 },
	{ "key_list", PT_STRING, "", 0, 0, OFF(key_list), NULL, NULL, 0 },
	{ "sign_canonicalization", PT_STRING, "relaxed/relaxed", 0, 0,
	    OFF(sign_canonicalization), NULL, check_canon, 0 },
	{ "sign_headers", PT_LIST, DEF_SIGN_HEADERS, 0, 0, OFF(sign_headers),
	    NULL, check_header_list, 0 },
	{ "oversign_headers", PT_LIST, DEF_OVERSIGN_HEADERS, 0, 0,
	    OFF(oversign_headers), NULL, check_header_list, 0 },
	{ "signature_ttl", PT_TIME, "0", 0, 365 * DAY, OFF(signature_ttl),
	    NULL, NULL, 0 },
	{ "bad_from_action", PT_ENUM, "relay", 0, 0, OFF(bad_from_action),
	    bad_from_names, NULL, 0 },
	{ "min_key_bits", PT_INT, "1024", 1024, 16384, OFF(min_key_bits),
	    NULL, NULL, 0 },
	{ "key_check_interval", PT_TIME, "1h", 0, 7 * DAY,
	    OFF(key_check_interval), NULL, NULL, 0 },
	{ "successor_table", PT_STRING, "", 0, 0, OFF(successor_table), NULL,
	    NULL, 0 },
	{ "rotation_overlap", PT_TIME, "0", 0, 30 * DAY,
	    OFF(rotation_overlap), NULL, NULL, 0 },

	/* verification and DNS */
	{ "authserv_id", PT_STRING, "", 0, 0, OFF(authserv_id), NULL,
	    check_authserv_id, 1 },
	{ "max_signatures", PT_INT, "8", 1, 64, OFF(max_signatures), NULL,
	    NULL, 0 },
	{ "dns_resolver", PT_LIST, "", 0, 0, OFF(dns_resolver), NULL,
	    check_resolvers, 0 },
	{ "dns_trust_anchor", PT_STRING, "", 0, 0, OFF(dns_trust_anchor),
	    NULL, NULL, 0 },
	{ "dns_unbound_config", PT_STRING, "", 0, 0, OFF(dns_unbound_config),
	    NULL, NULL, 0 },
	{ "dns_timeout", PT_TIME, "10s", 1, 300, OFF(dns_timeout), NULL,
	    NULL, 0 },
	{ "dns_failure_action", PT_ENUM, "accept", 0, 0,
	    OFF(dns_failure_action), dns_fail_names, NULL, 0 },
	{ "dkim_min_rsa_bits", PT_INT, "1024", 1024, 16384,
	    OFF(dkim_min_rsa_bits), NULL, NULL, 0 },
	{ "spf_enable", PT_BOOL, "yes", 0, 1, OFF(spf_enable), NULL, NULL, 0 },
	{ "dmarc_enable", PT_BOOL, "yes", 0, 1, OFF(dmarc_enable), NULL,
	    NULL, 0 },
	{ "dmarc_reject", PT_BOOL, "no", 0, 1, OFF(dmarc_reject), NULL,
	    NULL, 0 },
	{ "dmarc_quarantine_header", PT_STRING, "", 0, 0,
	    OFF(dmarc_quarantine_header), NULL, check_header_line, 0 },

	/* observability */
	{ "metrics_listen", PT_STRING, "", 0, 0, OFF(metrics_listen), NULL,
	    check_metrics, 1 },
};

#define NPARAMS	(sizeof(params) / sizeof(params[0]))

/*
 * cfg_error - format "FILE:LINE: message" into the error buffer (the
 * first error wins). Line 0 means a built-in default (a bug). Returns -1.
 */
static int
cfg_error(struct cfgload *ld, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	if (ld->failed)
		return -1;
	ld->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->err == NULL || ld->errlen == 0)
		return -1;
	if (line > 0)
		snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->file, line, msg);
	else
		snprintf(ld->err, ld->errlen, "%s: built-in default: %s",
		    ld->file, msg);
	return -1;
}

/*
 * cfg_esc - a value quoted for an error message: escaped, cut to fit.
 */
static const char *
cfg_esc(char *dst, size_t dstsz, const char *s)
{
	return log_escape(dst, dstsz, s, strlen(s));
}

/*
 * cfg_param_index - the table row of the name (len bytes), or -1.
 */
static int
cfg_param_index(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < NPARAMS; i++)
		if (strlen(params[i].name) == len &&
		    memcmp(params[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/*
 * cfg_line_of - the line where the named parameter was set (0: default).
 */
static int
cfg_line_of(struct cfgload *ld, const char *name)
{
	int	 i = cfg_param_index(name, strlen(name));

	return i < 0 ? 0 : ld->line[i];
}

/*
 * cfg_read_file - read the whole file (at most CONFIG_FILE_MAX bytes)
 * into b. Returns 0 or -1 with the error set.
 */
static int
cfg_read_file(struct cfgload *ld, const char *path, struct buf *b)
{
	char	 chunk[4096];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(ld->err, ld->errlen, "%s: %s", path, strerror(errno));
		ld->failed = 1;
		return -1;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(ld->err, ld->errlen, "%s: read: %s", path,
			    strerror(errno));
			ld->failed = 1;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (buf_add(b, chunk, (size_t)n) == -1) {
			snprintf(ld->err, ld->errlen,
			    "%s: file is larger than %d bytes", path,
			    CONFIG_FILE_MAX);
			ld->failed = 1;
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/*
 * cfg_set_raw - record "name = value" seen at line: unknown names and
 * repeated names are errors.
 */
static int
cfg_set_raw(struct cfgload *ld, const char *name, size_t namelen,
    const char *value, size_t valuelen, int line)
{
	char	 esc[128];
	int	 i;

	if ((i = cfg_param_index(name, namelen)) == -1) {
		log_escape(esc, sizeof(esc), name, namelen);
		return cfg_error(ld, line, "unknown parameter \"%s\"", esc);
	}
	if (ld->val[i] != NULL)
		return cfg_error(ld, line, "parameter %s already set at line "
		    "%d", params[i].name, ld->line[i]);
	ld->val[i] = xstrndup(value, valuelen);
	ld->line[i] = line;
	return 0;
}

/*
 * cfg_parse_text - split the file text into logical "name = value"
 * lines (see the top of this file) and record each.
 */
static int
cfg_parse_text(struct cfgload *ld, const char *text, size_t len)
{
	struct buf	 value;
	const char	*line, *nl, *p, *end, *eq;
	const char	*name = NULL;
	size_t		 pos = 0, linelen, namelen = 0, i;
	int		 lineno = 0, nameline = 0, rc = -1;

	buf_init(&value, CONFIG_VALUE_MAX);
	while (pos < len) {
		line = text + pos;
		nl = memchr(line, '\n', len - pos);
		linelen = nl != NULL ? (size_t)(nl - line) : len - pos;
		pos += linelen + (nl != NULL ? 1 : 0);
		lineno++;
		if (linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		for (i = 0; i < linelen; i++) {
			unsigned char	 c = (unsigned char)line[i];

			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				cfg_error(ld, lineno, "control character "
				    "0x%02x in line", c);
				goto out;
			}
		}
		end = line + linelen;
		for (p = line; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		if (p == end || *p == '#')
			continue;	/* blank or comment line */
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;

		if (p > line) {
			/* continuation of the previous value */
			if (name == NULL) {
				cfg_error(ld, lineno, "continuation line "
				    "without a parameter before it");
				goto out;
			}
			if (buf_len(&value) > 0)
				buf_addc(&value, ' ');
			buf_add(&value, p, (size_t)(end - p));
			if (buf_error(&value)) {
				cfg_error(ld, nameline, "value of %.*s is "
				    "longer than %d bytes", (int)namelen, name,
				    CONFIG_VALUE_MAX);
				goto out;
			}
			continue;
		}

		/* a new "name = value": finish the previous one first */
		if (name != NULL && cfg_set_raw(ld, name, namelen,
		    buf_data(&value), buf_len(&value), nameline) == -1)
			goto out;
		name = NULL;
		buf_reset(&value);

		for (i = 0; p + i < end && (p[i] == '_' ||
		    (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' &&
		    p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')); i++)
			;
		eq = p + i;
		while (eq < end && (*eq == ' ' || *eq == '\t'))
			eq++;
		if (i == 0 || eq == end || *eq != '=') {
			cfg_error(ld, lineno, "syntax error: expected "
			    "\"name = value\"");
			goto out;
		}
		name = p;
		namelen = i;
		nameline = lineno;
		for (eq++; eq < end && (*eq == ' ' || *eq == '\t'); eq++)
			;
		buf_add(&value, eq, (size_t)(end - eq));
		if (buf_error(&value)) {
			cfg_error(ld, nameline, "value of %.*s is longer than "
			    "%d bytes", (int)namelen, name, CONFIG_VALUE_MAX);
			goto out;
		}
	}
	if (name != NULL && cfg_set_raw(ld, name, namelen, buf_data(&value),
	    buf_len(&value), nameline) == -1)
		goto out;
	rc = 0;
 out:
	buf_clear(&value);
	return rc;
}

/*
 * cfg_parse_int - strict decimal integer (optional "-"), no blanks, no
 * trailing garbage. Returns 0 or -1 (syntax or overflow).
 */
static int
cfg_parse_int(const char *s, long long *v)
{
	char	*end;

	if (*s == '\0' || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

/*
 * config_parse_time - "300", "300s", "5m", "1h", "1d" into seconds.
 */
int
config_parse_time(const char *s, int *secs)
{
	unsigned long long	 v = 0, mult = 1;
	const char		*p;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > INT_MAX)
			return -1;
	}
	switch (*p) {
	case '\0':
		break;
	case 's':
		p++;
		break;
	case 'm':
		mult = MINUTE;
		p++;
		break;
	case 'h':
		mult = HOUR;
		p++;
		break;
	case 'd':
		mult = DAY;
		p++;
		break;
	default:
		return -1;
	}
	if (*p != '\0' || v > INT_MAX / mult)
		return -1;
	*secs = (int)(v * mult);
	return 0;
}

/*
 * config_parse_size - "1000", "10k", "64M", "1G" into bytes (binary
 * multiples; the suffix letter in either case).
 */
int
config_parse_size(const char *s, long long *bytes)
{
	unsigned long long	 v = 0, mult = 1;
	const char		*p;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > LLONG_MAX)
			return -1;
	}
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = KB;
		p++;
		break;
	case 'm':
	case 'M':
		mult = MB;
		p++;
		break;
	case 'g':
	case 'G':
		mult = GB;
		p++;
		break;
	default:
		return -1;
	}
	if (*p != '\0' || v > (unsigned long long)LLONG_MAX / mult)
		return -1;
	*bytes = (long long)(v * mult);
	return 0;
}

/*
 * config_list_next - next item of a comma and/or blank separated list:
 * returns its start and stores its length, advancing *pos; NULL at the
 * end.
 */
const char *
config_list_next(const char *s, size_t *pos, size_t *len)
{
	size_t	 p = *pos, start;

	if (s == NULL)
		return NULL;
	while (s[p] == ',' || s[p] == ' ' || s[p] == '\t' || s[p] == '\r' ||
	    s[p] == '\n')
		p++;
	if (s[p] == '\0') {
		*pos = p;
		return NULL;
	}
	start = p;
	while (s[p] != '\0' && s[p] != ',' && s[p] != ' ' && s[p] != '\t' &&
	    s[p] != '\r' && s[p] != '\n')
		p++;
	*pos = p;
	*len = p - start;
	return s + start;
}

/*
 * config_mode_name - "pass", "sign" or "verify".
 */
const char *
config_mode_name(enum listen_mode m)
{
	if ((int)m < 0 || m >= MODE_COUNT)
		return "?";
	return mode_names[m];
}

/*
 * cfg_normalize_list - the items of a list joined by ", " (new string).
 */
static char *
cfg_normalize_list(const char *s)
{
	struct buf	 b;
	const char	*item;
	size_t		 pos = 0, len;

	buf_init(&b, CONFIG_VALUE_MAX);
	while ((item = config_list_next(s, &pos, &len)) != NULL) {
		if (buf_len(&b) > 0)
			buf_adds(&b, ", ");
		buf_add(&b, item, len);
	}
	/* the input was at most CONFIG_VALUE_MAX and ", " replaces >= 1 */
	return buf_steal(&b, NULL);
}

/*
 * cfg_range_error - report a value outside [min, max].
 */
static int
cfg_range_error(struct cfgload *ld, const struct param *p, int line,
    const char *text)
{
	char	 lo[32], hi[32], esc[128];

	if (p->type == PT_TIME) {
		cfg_format_time(p->min, lo, sizeof(lo));
		cfg_format_time(p->max, hi, sizeof(hi));
	} else if (p->type == PT_SIZE) {
		cfg_format_size(p->min, lo, sizeof(lo));
		cfg_format_size(p->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%lld", p->min);
		snprintf(hi, sizeof(hi), "%lld", p->max);
	}
	return cfg_error(ld, line, "%s = %s is out of range (%s..%s)",
	    p->name, cfg_esc(esc, sizeof(esc), text), lo, hi);
}

/*
 * cfg_convert - convert the raw text of row i into its struct field.
 */
static int
cfg_convert(struct cfgload *ld, int i)
{
	const struct param	*p = &params[i];
	const char		*text;
	char			*base = (char *)ld->cfg;
	char			 esc[128];
	long long		 v;
	int			 line = ld->line[i], t, k;

	text = ld->val[i] != NULL ? ld->val[i] : p->def;
	switch (p->type) {
	case PT_STRING:
	case PT_NETWORKS:
		*(char **)(base + p->off) = xstrdup(text);
		break;
	case PT_LIST:
		*(char **)(base + p->off) = cfg_normalize_list(text);
		break;
	case PT_LISTENERS:
		/* parsed by check_listen once return_address is known */
		break;
	case PT_INT:
		if (cfg_parse_int(text, &v) == -1)
			return cfg_error(ld, line, "%s: bad number \"%s\"",
			    p->name, cfg_esc(esc, sizeof(esc), text));
		if (v < p->min || v > p->max)
			return cfg_range_error(ld, p, line, text);
		*(int *)(base + p->off) = (int)v;
		break;
	case PT_BOOL:
		if (strcasecmp(text, "yes") == 0)
			*(int *)(base + p->off) = 1;
		else if (strcasecmp(text, "no") == 0)
			*(int *)(base + p->off) = 0;
		else
			return cfg_error(ld, line, "%s: expected yes or no, "
			    "not \"%s\"", p->name,
			    cfg_esc(esc, sizeof(esc), text));
		break;
	case PT_TIME:
		if (config_parse_time(text, &t) == -1)
			return cfg_error(ld, line, "%s: bad time \"%s\" "
			    "(use a number with an optional s, m, h or d "
			    "suffix)", p->name,
			    cfg_esc(esc, sizeof(esc), text));
		if (t < p->min || t > p->max)
			return cfg_range_error(ld, p, line, text);
		*(int *)(base + p->off) = t;
		break;
	case PT_SIZE:
		if (config_parse_size(text, &v) == -1)
			return cfg_error(ld, line, "%s: bad size \"%s\" "
			    "(use a number with an optional k, M or G "
			    "suffix)", p->name,
			    cfg_esc(esc, sizeof(esc), text));
		if (v < p->min || v > p->max)
			return cfg_range_error(ld, p, line, text);
		*(long long *)(base + p->off) = v;
		break;
	case PT_ENUM:
		for (k = 0; p->names[k] != NULL; k++)
			if (strcasecmp(text, p->names[k]) == 0)
				break;
		if (p->names[k] == NULL) {
			struct buf	 b;

			buf_init(&b, 256);
			for (k = 0; p->names[k] != NULL; k++)
				buf_printf(&b, "%s%s", k > 0 ? ", " : "",
				    p->names[k]);
			cfg_error(ld, line, "%s: \"%s\" is not one of %s",
			    p->name, cfg_esc(esc, sizeof(esc), text),
			    buf_data(&b));
			buf_clear(&b);
			return -1;
		}
		*(int *)(base + p->off) = k;
		break;
	}
	return 0;
}

/*
 * cfg_is_hostname - letters, digits, "-" in dot-separated labels of 1..63
 * bytes, no label starting or ending with "-" (RFC 1123 section 2.1).
 */
static int
cfg_is_hostname(const char *s)
{
	size_t	 len = strlen(s), i, label = 0;

	if (len == 0 || len > CONFIG_HOSTNAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		char	 c = s[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-') {
			if (label == 0 && c == '-')
				return 0;
			label++;
		} else
			return 0;
	}
	return 1;
}

/*
 * cfg_default_hostname - gethostname(), made fully qualified through the
 * resolver's canonical name when it has no dot (as Postfix does for its
 * myhostname). Looked up once per process, so reloads do not repeat it.
 * Returns a new string.
 */
static char *
cfg_default_hostname(void)
{
	static char	 cached[CONFIG_HOSTNAME_MAX + 2];
	struct addrinfo	 hints, *res = NULL;
	char		 host[CONFIG_HOSTNAME_MAX + 2];

	if (cached[0] != '\0')
		return xstrdup(cached);
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') == NULL) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_CANONNAME;
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
		    res->ai_canonname != NULL &&
		    strchr(res->ai_canonname, '.') != NULL &&
		    cfg_is_hostname(res->ai_canonname))
			snprintf(host, sizeof(host), "%s", res->ai_canonname);
		if (res != NULL)
			freeaddrinfo(res);
	}
	snprintf(cached, sizeof(cached), "%s", host);
	return xstrdup(cached);
}

/*
 * cfg_field_name_ok - RFC 5322 section 3.6.8 field-name: 1*ftext.
 */
static int
cfg_field_name_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c < 33 || c > 126 || c == ':')
			return 0;
	}
	return 1;
}

/*
 * cfg_addr_equal - same family, address and port?
 */
static int
cfg_addr_equal(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port &&
		    memcmp(&x->sin_addr, &y->sin_addr, 4) == 0;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return 0;
}

/*
 * check_return_address - the default return port must be ADDR:PORT.
 */
/*
 * cfg_addr_covers - do a and b name the same socket, or does one of them
 * (a wildcard address, 0.0.0.0 or ::) cover the other's port?
 */
static int
cfg_addr_covers(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	static const unsigned char zero[16];

	if (cfg_addr_equal(a, b))
		return 1;
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port &&
		    (memcmp(&x->sin_addr, zero, 4) == 0 ||
		    memcmp(&y->sin_addr, zero, 4) == 0);
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return x->sin6_port == y->sin6_port &&
		    (memcmp(&x->sin6_addr, zero, 16) == 0 ||
		    memcmp(&y->sin6_addr, zero, 16) == 0);
	}
	return 0;
}

/*
 * check_return_address - the default return port must be ADDR:PORT.
 */
static int
check_return_address(struct cfgload *ld, const struct param *p)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 esc[128];
	const char		*v = ld->cfg->return_address;

	if (netaddr_parse_hostport(v, &ss, &len) == -1)
		return cfg_error(ld, cfg_line_of(ld, p->name), "%s: bad "
		    "address \"%s\" (expected ADDR:PORT, IPv6 as [ADDR]:PORT, "
		    "numeric only)", p->name, cfg_esc(esc, sizeof(esc), v));
	return 0;
}

/*
 * cfg_parse_listener - one listener spec: "ADDR:PORT [mode=M]
 * [queue=Q] [return=ADDR:PORT]" (blank separated) into lc.
 */
static int
cfg_parse_listener(struct cfgload *ld, const char *spec, size_t speclen,
    struct listener_conf *lc)
{
	struct buf	 text;
	char		 tok[256], esc[300], addrbuf[64];
	const char	*s = spec, *end = spec + speclen, *t;
	size_t		 n;
	int		 line = cfg_line_of(ld, "listen"), ntok = 0, k;
	int		 seen_mode = 0, seen_queue = 0, seen_ret = 0;

	buf_init(&text, CONFIG_VALUE_MAX);
	lc->mode = MODE_PASS;
	lc->queue = QUEUE_AFTER;
	for (;;) {
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s == end)
			break;
		for (t = s; t < end && *t != ' ' && *t != '\t'; t++)
			;
		n = (size_t)(t - s);
		if (n >= sizeof(tok)) {
			buf_clear(&text);
			return cfg_error(ld, line, "listen: item too long");
		}
		memcpy(tok, s, n);
		tok[n] = '\0';
		s = t;
		if (buf_len(&text) > 0)
			buf_addc(&text, ' ');
		buf_adds(&text, tok);
		cfg_esc(esc, sizeof(esc), tok);

		if (ntok++ == 0) {
			if (netaddr_parse_hostport(tok, &lc->addr,
			    &lc->addrlen) == -1) {
				buf_clear(&text);
				return cfg_error(ld, line, "listen: bad "
				    "address \"%s\" (expected ADDR:PORT, IPv6 "
				    "as [ADDR]:PORT, numeric only)", esc);
			}
		} else if (strncmp(tok, "mode=", 5) == 0 && !seen_mode) {
			seen_mode = 1;
			for (k = 0; mode_names[k] != NULL; k++)
				if (strcmp(tok + 5, mode_names[k]) == 0)
					break;
			if (mode_names[k] == NULL) {
				buf_clear(&text);
				return cfg_error(ld, line, "listen: \"%s\": "
				    "mode must be pass, sign or verify", esc);
			}
			lc->mode = (enum listen_mode)k;
		} else if (strncmp(tok, "queue=", 6) == 0 && !seen_queue) {
			seen_queue = 1;
			for (k = 0; queue_names[k] != NULL; k++)
				if (strcmp(tok + 6, queue_names[k]) == 0)
					break;
			if (queue_names[k] == NULL) {
				buf_clear(&text);
				return cfg_error(ld, line, "listen: \"%s\": "
				    "queue must be after or before", esc);
			}
			lc->queue = (enum listen_queue)k;
		} else if (strncmp(tok, "return=", 7) == 0 && !seen_ret) {
			seen_ret = 1;
			if (netaddr_parse_hostport(tok + 7, &lc->ret,
			    &lc->retlen) == -1) {
				buf_clear(&text);
				return cfg_error(ld, line, "listen: \"%s\": "
				    "bad return address", esc);
			}
		} else if (strncmp(tok, "mode=", 5) == 0 ||
		    strncmp(tok, "queue=", 6) == 0 ||
		    strncmp(tok, "return=", 7) == 0) {
			buf_clear(&text);
			return cfg_error(ld, line, "listen: \"%s\": attribute "
			    "given twice for one listener", esc);
		} else {
			buf_clear(&text);
			return cfg_error(ld, line, "listen: unknown attribute "
			    "\"%s\" (expected mode=, queue= or return=)", esc);
		}
	}
	if (ntok == 0) {
		buf_clear(&text);
		return cfg_error(ld, line, "listen: empty listener (stray "
		    "comma?)");
	}
	if (!seen_ret) {
		/* return_address was checked before (not a late row) */
		if (netaddr_parse_hostport(ld->cfg->return_address, &lc->ret,
		    &lc->retlen) == -1) {
			buf_clear(&text);
			return -1;
		}
	}
	lc->text = buf_steal(&text, NULL);
	lc->ret_text = xstrdup(netaddr_format((struct sockaddr *)&lc->ret,
	    addrbuf, sizeof(addrbuf)));
	return 0;
}

/*
 * check_listen - parse the comma-separated listener specs; two
 * listeners on one address, or a return port that is one of our own
 * listeners (a mail loop), are errors.
 */
static int
check_listen(struct cfgload *ld, const struct param *p)
{
	struct config	*cfg = ld->cfg;
	const char	*s, *comma, *end;
	char		 a[64], b[64];
	size_t		 i, j;
	int		 line = cfg_line_of(ld, p->name);

	s = ld->val[p - params] != NULL ? ld->val[p - params] : p->def;
	end = s + strlen(s);
	cfg->listeners = xcalloc(CONFIG_LISTENERS_MAX,
	    sizeof(*cfg->listeners));
	cfg->nlisteners = 0;
	for (;;) {
		comma = memchr(s, ',', (size_t)(end - s));
		if (comma == NULL)
			comma = end;
		if (cfg->nlisteners == CONFIG_LISTENERS_MAX)
			return cfg_error(ld, line, "listen: more than %d "
			    "listeners", CONFIG_LISTENERS_MAX);
		if (cfg_parse_listener(ld, s, (size_t)(comma - s),
		    &cfg->listeners[cfg->nlisteners]) == -1)
			return -1;
		cfg->nlisteners++;
		if (comma == end)
			break;
		s = comma + 1;
	}
	for (i = 0; i < cfg->nlisteners; i++) {
		for (j = 0; j < cfg->nlisteners; j++) {
			if (j > i && cfg_addr_equal(&cfg->listeners[i].addr,
			    &cfg->listeners[j].addr))
				return cfg_error(ld, line, "listen: %s is "
				    "given twice", netaddr_format((struct
				    sockaddr *)&cfg->listeners[i].addr, a,
				    sizeof(a)));
			if (j > i && cfg_addr_covers(&cfg->listeners[i].addr,
			    &cfg->listeners[j].addr)) {
				netaddr_format((struct sockaddr *)
				    &cfg->listeners[j].addr, b, sizeof(b));
				return cfg_error(ld, line, "listen: %s and %s "
				    "overlap (a wildcard address covers every "
				    "address of its port)", netaddr_format(
				    (struct sockaddr *)&cfg->listeners[i].addr,
				    a, sizeof(a)), b);
			}
			if (cfg_addr_covers(&cfg->listeners[i].ret,
			    &cfg->listeners[j].addr))
				return cfg_error(ld, line > 0 ? line :
				    cfg_line_of(ld, "return_address"),
				    "listen: listener %s returns mail to %s, "
				    "which is one of our own listeners (mail "
				    "would loop)", netaddr_format((struct
				    sockaddr *)&cfg->listeners[i].addr, a,
				    sizeof(a)), cfg->listeners[i].ret_text);
		}
	}
	return 0;
}

/*
 * check_user - a plausible user name; remember whether it was set.
 */
static int
check_user(struct cfgload *ld, const struct param *p)
{
	const char	*u = ld->cfg->user;
	char		 esc[128];
	size_t		 i;
	int		 line = cfg_line_of(ld, p->name);

	ld->cfg->user_is_default = line == 0;
	if (u[0] == '\0' || u[0] == '-' || strlen(u) > 32)
		goto bad;
	for (i = 0; u[i] != '\0'; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') ||
		    (u[i] >= 'A' && u[i] <= 'Z') ||
		    (u[i] >= '0' && u[i] <= '9') ||
		    u[i] == '_' || u[i] == '-' || u[i] == '.'))
			goto bad;
	return 0;
 bad:
	return cfg_error(ld, line, "user: bad user name \"%s\"",
	    cfg_esc(esc, sizeof(esc), u));
}

/*
 * check_myhostname - empty: the system's name; else a valid host name.
 */
static int
check_myhostname(struct cfgload *ld, const struct param *p)
{
	char	 esc[128];

	if (ld->cfg->myhostname[0] == '\0') {
		free(ld->cfg->myhostname);
		ld->cfg->myhostname = cfg_default_hostname();
		return 0;
	}
	if (!cfg_is_hostname(ld->cfg->myhostname))
		return cfg_error(ld, cfg_line_of(ld, p->name), "myhostname: "
		    "\"%s\" is not a valid host name",
		    cfg_esc(esc, sizeof(esc), ld->cfg->myhostname));
	return 0;
}

/*
 * check_abs_path - empty, or an absolute path.
 */
static int
check_abs_path(struct cfgload *ld, const struct param *p)
{
	const char	*v = *(char **)((char *)ld->cfg + p->off);
	char		 esc[128];

	if (v[0] == '\0') {
		if (strcmp(p->name, "spool_directory") == 0)
			return cfg_error(ld, cfg_line_of(ld, p->name),
			    "%s must not be empty", p->name);
		return 0;
	}
	if (v[0] != '/')
		return cfg_error(ld, cfg_line_of(ld, p->name), "%s: \"%s\" is "
		    "not an absolute path", p->name,
		    cfg_esc(esc, sizeof(esc), v));
	return 0;
}

/*
 * check_syslog_name - 1 to 64 printable characters, no blanks.
 */
static int
check_syslog_name(struct cfgload *ld, const struct param *p)
{
	const char	*v = ld->cfg->syslog_name;
	char		 esc[128];
	size_t		 i;

	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			break;
	if (i == 0 || v[i] != '\0' || i > 64)
		return cfg_error(ld, cfg_line_of(ld, p->name), "syslog_name: "
		    "\"%s\" must be 1 to 64 printable characters without "
		    "blanks", cfg_esc(esc, sizeof(esc), v));
	return 0;
}

/*
 * check_syslog_facility - a known facility name; sets cfg->facility.
 */
static int
check_syslog_facility(struct cfgload *ld, const struct param *p)
{
	char	 esc[128];
	size_t	 i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (strcasecmp(ld->cfg->syslog_facility,
		    facilities[i].name) == 0) {
			ld->cfg->facility = facilities[i].facility;
			/* print the canonical (lower-case) name */
			free(ld->cfg->syslog_facility);
			ld->cfg->syslog_facility =
			    xstrdup(facilities[i].name);
			return 0;
		}
	}
	return cfg_error(ld, cfg_line_of(ld, p->name), "syslog_facility: "
	    "\"%s\" is not one of mail, daemon, user, local0 .. local7",
	    cfg_esc(esc, sizeof(esc), ld->cfg->syslog_facility));
}

/*
 * check_networks - parse client_networks; normalize its text.
 */
static int
check_networks(struct cfgload *ld, const struct param *p)
{
	struct config	*cfg = ld->cfg;
	char		 bad[64], esc[128];
	char		*norm;

	if (netlist_parse(&cfg->client_networks, cfg->client_networks_text,
	    bad, sizeof(bad)) == -1)
		return cfg_error(ld, cfg_line_of(ld, p->name), "%s: bad "
		    "network \"%s\" (expected ADDR or ADDR/PREFIX with the "
		    "host bits zero)", p->name, cfg_esc(esc, sizeof(esc), bad));
	norm = cfg_normalize_list(cfg->client_networks_text);
	free(cfg->client_networks_text);
	cfg->client_networks_text = norm;
	return 0;
}

/*
 * check_sizes - header_size_limit and spool_threshold may not exceed
 * message_size_limit.
 */
static int
check_sizes(struct cfgload *ld, const struct param *p)
{
	long long	 v = *(long long *)((char *)ld->cfg + p->off);
	char		 a[32], b[32];
	int		 line, l2;

	if (v <= ld->cfg->message_size_limit)
		return 0;
	line = cfg_line_of(ld, p->name);
	l2 = cfg_line_of(ld, "message_size_limit");
	cfg_format_size(v, a, sizeof(a));
	cfg_format_size(ld->cfg->message_size_limit, b, sizeof(b));
	return cfg_error(ld, line > l2 ? line : l2, "%s = %s is larger "
	    "than message_size_limit = %s", p->name, a, b);
}

/*
 * check_canon - c= syntax of RFC 6376 section 3.5: header[/body], each
 * simple or relaxed; stored in the full "header/body" form (a lone
 * algorithm means "/simple" for the body, as the RFC says).
 */
static int
check_canon(struct cfgload *ld, const struct param *p)
{
	char	*v = ld->cfg->sign_canonicalization, *slash, esc[128];
	char	*full;
	int	 okh, okb;

	slash = strchr(v, '/');
	if (slash != NULL)
		*slash = '\0';
	okh = strcmp(v, "simple") == 0 || strcmp(v, "relaxed") == 0;
	okb = slash == NULL || strcmp(slash + 1, "simple") == 0 ||
	    strcmp(slash + 1, "relaxed") == 0;
	if (slash != NULL)
		*slash = '/';
	if (!okh || !okb)
		return cfg_error(ld, cfg_line_of(ld, p->name), "%s: \"%s\" is "
		    "not simple or relaxed, optionally followed by /simple or "
		    "/relaxed", p->name, cfg_esc(esc, sizeof(esc), v));
	if (slash == NULL) {
		xasprintf(&full, "%s/simple", v);
		free(ld->cfg->sign_canonicalization);
		ld->cfg->sign_canonicalization = full;
	}
	return 0;
}

/*
 * check_header_list - every item a field name; sign_headers must name
 * From (RFC 6376 section 5.4: the From field MUST be signed).
 */
static int
check_header_list(struct cfgload *ld, const struct param *p)
{
	const char	*v = *(char **)((char *)ld->cfg + p->off), *item;
	char		 esc[128];
	size_t		 pos = 0, len;
	int		 from = 0, line = cfg_line_of(ld, p->name);

	while ((item = config_list_next(v, &pos, &len)) != NULL) {
		if (!cfg_field_name_ok(item, len)) {
			log_escape(esc, sizeof(esc), item, len);
			return cfg_error(ld, line, "%s: \"%s\" is not a header "
			    "field name", p->name, esc);
		}
		if (len == 4 && strncasecmp(item, "from", 4) == 0)
			from = 1;
	}
	if (strcmp(p->name, "sign_headers") == 0 && !from)
		return cfg_error(ld, line, "sign_headers must include From "
		    "(RFC 6376 section 5.4)");
	return 0;
}

/*
 * check_authserv_id - empty means myhostname; otherwise an RFC 2045
 * token (RFC 8601 section 2.2 authserv-id = value), so it can be written
 * into Authentication-Results without quoting.
 */
static int
check_authserv_id(struct cfgload *ld, const struct param *p)
{
	const char	*v = ld->cfg->authserv_id, *why;
	char		 esc[128];

	if (v[0] == '\0') {
		free(ld->cfg->authserv_id);
		ld->cfg->authserv_id = xstrdup(ld->cfg->myhostname);
		return 0;
	}
	if ((why = config_authserv_id_problem(v)) == NULL)
		return 0;
	if (strlen(v) > 255)	/* too long to quote usefully */
		return cfg_error(ld, cfg_line_of(ld, p->name),
		    "authserv_id: %s", why);
	return cfg_error(ld, cfg_line_of(ld, p->name),
	    "authserv_id: \"%s\" is %s", cfg_esc(esc, sizeof(esc), v), why);
}

const char *
config_authserv_id_problem(const char *v)
{
	size_t	 i;

	for (i = 0; v[i] != '\0'; i++) {
		unsigned char	 c = (unsigned char)v[i];

		if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=",
		    c) != NULL)
			return "not a token (RFC 8601 section 2.2)";
	}
	if (i == 0)
		return "empty";
	/* authres.c writes at most 255 characters of it: a longer id would
	 * not match the fields we write, nor forged copies of them */
	if (i > 255)
		return "longer than 255 characters";
	/* authres.c ignores a final dot when it compares ids: "." would
	 * compare as empty and match nothing */
	if (strspn(v, ".") == i)
		return "only dots";
	return NULL;
}

/*
 * check_resolvers - each item ADDR or ADDR@PORT (libunbound's forwarder
 * syntax; IPv6 without brackets).
 */
static int
check_resolvers(struct cfgload *ld, const struct param *p)
{
	const char	*v = ld->cfg->dns_resolver, *item, *at;
	struct netmask	 nm;
	char		 esc[128];
	size_t		 pos = 0, len, alen, i;
	int		 port;

	while ((item = config_list_next(v, &pos, &len)) != NULL) {
		at = memchr(item, '@', len);
		alen = at != NULL ? (size_t)(at - item) : len;
		if (alen == 0 || item[0] == '[' ||
		    memchr(item, '/', alen) != NULL ||
		    netaddr_parse_cidr(item, alen, &nm) == -1)
			goto bad;
		if (at != NULL) {
			port = 0;
			if (len - alen - 1 == 0 || len - alen - 1 > 5)
				goto bad;
			for (i = alen + 1; i < len; i++) {
				if (item[i] < '0' || item[i] > '9')
					goto bad;
				port = port * 10 + (item[i] - '0');
			}
			if (port < 1 || port > 65535)
				goto bad;
		}
	}
	return 0;
 bad:
	log_escape(esc, sizeof(esc), item, len);
	return cfg_error(ld, cfg_line_of(ld, p->name), "%s: bad resolver "
	    "\"%s\" (expected ADDR or ADDR@PORT, numeric)", p->name, esc);
}

/*
 * check_header_line - empty, or "Name: value" to add as it is.
 */
static int
check_header_line(struct cfgload *ld, const struct param *p)
{
	const char	*v = *(char **)((char *)ld->cfg + p->off), *colon;
	char		 esc[128];
	size_t		 i;

	if (v[0] == '\0')
		return 0;
	colon = strchr(v, ':');
	if (colon == NULL || !cfg_field_name_ok(v, (size_t)(colon - v)))
		goto bad;
	for (i = 0; v[i] != '\0'; i++)
		if (((unsigned char)v[i] < ' ' && v[i] != '\t') ||
		    (unsigned char)v[i] == 0x7f)
			goto bad;
	return 0;
 bad:
	return cfg_error(ld, cfg_line_of(ld, p->name), "%s: \"%s\" is not "
	    "a header line \"Name: value\"", p->name,
	    cfg_esc(esc, sizeof(esc), v));
}

/*
 * check_metrics - empty (off) or ADDR:PORT, not one of the listeners.
 */
static int
check_metrics(struct cfgload *ld, const struct param *p)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*v = ld->cfg->metrics_listen;
	char			 esc[128];
	size_t			 i;
	int			 line = cfg_line_of(ld, p->name);

	if (v[0] == '\0')
		return 0;
	if (netaddr_parse_hostport(v, &ss, &len) == -1)
		return cfg_error(ld, line, "%s: bad address \"%s\" (expected "
		    "ADDR:PORT, IPv6 as [ADDR]:PORT, numeric only)", p->name,
		    cfg_esc(esc, sizeof(esc), v));
	for (i = 0; i < ld->cfg->nlisteners; i++)
		if (cfg_addr_covers(&ss, &ld->cfg->listeners[i].addr))
			return cfg_error(ld, line, "%s: %s is also a mail "
			    "listener", p->name, cfg_esc(esc, sizeof(esc), v));
	return 0;
}

/*
 * config_load - read path (NULL: built-in defaults) into a new config.
 */
struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct cfgload	 ld;
	struct buf	 file;
	size_t		 i;
	int		 late;

	memset(&ld, 0, sizeof(ld));
	ld.err = err;
	ld.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	ld.file = path != NULL ? path : "(defaults)";
	ld.cfg = xcalloc(1, sizeof(*ld.cfg));
	ld.cfg->path = xstrdup(ld.file);
	ld.val = xcalloc(NPARAMS, sizeof(*ld.val));
	ld.line = xcalloc(NPARAMS, sizeof(*ld.line));

	if (path != NULL) {
		buf_init(&file, CONFIG_FILE_MAX);
		if (cfg_read_file(&ld, path, &file) == 0)
			cfg_parse_text(&ld, buf_data(&file), buf_len(&file));
		buf_clear(&file);
	}
	for (i = 0; i < NPARAMS && !ld.failed; i++)
		cfg_convert(&ld, (int)i);
	for (late = 0; late <= 1; late++)
		for (i = 0; i < NPARAMS && !ld.failed; i++)
			if (params[i].check != NULL && params[i].late == late)
				params[i].check(&ld, &params[i]);

	for (i = 0; i < NPARAMS; i++)
		free(ld.val[i]);
	free(ld.val);
	free(ld.line);
	if (ld.failed) {
		config_free(ld.cfg);
		return NULL;
	}
	return ld.cfg;
}

/*
 * config_free - free everything the config owns; accepts NULL.
 */
void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NPARAMS; i++) {
		switch (params[i].type) {
		case PT_STRING:
		case PT_LIST:
		case PT_NETWORKS:
			free(*(char **)((char *)cfg + params[i].off));
			break;
		default:
			break;
		}
	}
	if (cfg->listeners != NULL) {
		for (i = 0; i < cfg->nlisteners; i++) {
			free(cfg->listeners[i].text);
			free(cfg->listeners[i].ret_text);
		}
		free(cfg->listeners);
	}
	netlist_clear(&cfg->client_networks);
	free(cfg->path);
	free(cfg);
}

/*
 * cfg_format_time - seconds in the largest unit that is exact.
 */
static void
cfg_format_time(long long v, char *buf, size_t sz)
{
	if (v == 0)
		snprintf(buf, sz, "0");
	else if (v % DAY == 0)
		snprintf(buf, sz, "%lldd", v / DAY);
	else if (v % HOUR == 0)
		snprintf(buf, sz, "%lldh", v / HOUR);
	else if (v % MINUTE == 0)
		snprintf(buf, sz, "%lldm", v / MINUTE);
	else
		snprintf(buf, sz, "%llds", v);
}

/*
 * cfg_format_size - bytes in the largest binary unit that is exact.
 */
static void
cfg_format_size(long long v, char *buf, size_t sz)
{
	if (v == 0)
		snprintf(buf, sz, "0");
	else if (v % GB == 0)
		snprintf(buf, sz, "%lldG", v / GB);
	else if (v % MB == 0)
		snprintf(buf, sz, "%lldM", v / MB);
	else if (v % KB == 0)
		snprintf(buf, sz, "%lldk", v / KB);
	else
		snprintf(buf, sz, "%lld", v);
}

/*
 * cfg_format_value - the value of row p as config_print writes it.
 */
static void
cfg_format_value(const struct config *cfg, const struct param *p,
    struct buf *b)
{
	const char	*base = (const char *)cfg;
	char		 tmp[64], a[64];
	size_t		 i;

	switch (p->type) {
	case PT_STRING:
	case PT_LIST:
	case PT_NETWORKS:
		buf_adds(b, *(char *const *)(base + p->off));
		break;
	case PT_INT:
		buf_printf(b, "%d", *(const int *)(base + p->off));
		break;
	case PT_BOOL:
		buf_adds(b, *(const int *)(base + p->off) ? "yes" : "no");
		break;
	case PT_TIME:
		cfg_format_time(*(const int *)(base + p->off), tmp,
		    sizeof(tmp));
		buf_adds(b, tmp);
		break;
	case PT_SIZE:
		cfg_format_size(*(const long long *)(base + p->off), tmp,
		    sizeof(tmp));
		buf_adds(b, tmp);
		break;
	case PT_ENUM:
		buf_adds(b, p->names[*(const int *)(base + p->off)]);
		break;
	case PT_LISTENERS:
		for (i = 0; i < cfg->nlisteners; i++) {
			const struct listener_conf *lc = &cfg->listeners[i];

			buf_printf(b, "%s%s mode=%s queue=%s return=%s",
			    i > 0 ? ", " : "", netaddr_format((const struct
			    sockaddr *)&lc->addr, a, sizeof(a)),
			    config_mode_name(lc->mode),
			    queue_names[lc->queue], lc->ret_text);
		}
		break;
	}
}

/*
 * config_print - every parameter as "name = value", in table order.
 */
void
config_print(const struct config *cfg, FILE *fp)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 4 * CONFIG_VALUE_MAX);
	for (i = 0; i < NPARAMS; i++) {
		buf_reset(&b);
		cfg_format_value(cfg, &params[i], &b);
		/* as postconf: no trailing blank after an empty value */
		fprintf(fp, "%s =%s%s\n", params[i].name,
		    buf_len(&b) > 0 ? " " : "", buf_data(&b));
	}
	buf_clear(&b);
}

/*
 * config_warnings - loud warnings about risky but valid settings.
 */
int
config_warnings(const struct config *cfg, FILE *fp)
{
	size_t		 i, j;
	char		 a[64];
	int		 n = 0, sign = 0, before_verify = 0;
	int		 keys = cfg->key_table[0] != '\0' ||
			    cfg->key_list[0] != '\0';

	for (i = 0; i < cfg->nlisteners; i++) {
		const struct listener_conf *lc = &cfg->listeners[i];
		const struct sockaddr *sa = (const struct sockaddr *)&lc->addr;

		if (lc->mode == MODE_VERIFY && lc->queue == QUEUE_BEFORE)
			before_verify = 1;
		if (lc->mode != MODE_SIGN)
			continue;
		sign = 1;
		netaddr_format(sa, a, sizeof(a));
		if (!netaddr_is_loopback(sa)) {
			fprintf(fp, "WARNING: listener %s signs mail and "
			    "listens on a non-loopback address: anyone who "
			    "can connect can get mail signed with your "
			    "domains' keys. Listen on 127.0.0.1 or [::1] "
			    "unless client_networks and a firewall restrict "
			    "who may connect.\n", a);
			n++;
		}
		if (!keys) {
			fprintf(fp, "WARNING: listener %s is in sign mode but "
			    "neither key_table nor key_list is set: mail "
			    "passes unsigned.\n", a);
			n++;
		}
	}
	if (sign) {
		for (j = 0; j < cfg->client_networks.n; j++) {
			const struct netmask *nm =
			    &cfg->client_networks.nets[j];
			static const unsigned char lo4[4] = { 127, 0, 0, 0 };
			static const unsigned char lo6[16] = {
				0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
			};
			static const unsigned char lomap[16] = {
				0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
				127, 0, 0, 0
			};
			int	 loop;

			if (nm->family == AF_INET)
				loop = nm->prefix >= 8 &&
				    memcmp(nm->addr, lo4, 1) == 0;
			else
				loop = (nm->prefix == 128 &&
				    memcmp(nm->addr, lo6, 16) == 0) ||
				    (nm->prefix >= 104 &&
				    memcmp(nm->addr, lomap, 13) == 0);
			if (!loop) {
				fprintf(fp, "WARNING: client_networks (%s) "
				    "admits clients beyond loopback, and a "
				    "listener signs mail: every host in those "
				    "networks can get mail signed with your "
				    "domains' keys.\n",
				    cfg->client_networks_text);
				n++;
				break;
			}
		}
	}
	if (cfg->dmarc_reject && !before_verify) {
		fprintf(fp, "WARNING: dmarc_reject = yes has no effect: no "
		    "verify listener has queue=before (after the queue, "
		    "mail is never rejected).\n");
		n++;
	}
	if (strcmp(cfg->user, "root") == 0) {
		fprintf(fp, "WARNING: user = root: the workers that parse "
		    "untrusted mail would keep root privileges.\n");
		n++;
	}
	if (cfg->metrics_listen[0] != '\0') {
		struct sockaddr_storage	 ss;
		socklen_t		 len;

		if (netaddr_parse_hostport(cfg->metrics_listen, &ss,
		    &len) == 0 &&
		    !netaddr_is_loopback((struct sockaddr *)&ss)) {
			fprintf(fp, "WARNING: metrics_listen %s is not a "
			    "loopback address: anyone who can connect can "
			    "read the counters.\n", cfg->metrics_listen);
			n++;
		}
	}
	return n;
}
