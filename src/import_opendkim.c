/*
 * import_opendkim.c - "dkimgate import-opendkim": OpenDKIM / dkim-filter
 * configuration to dkimgate.conf (see import_opendkim.h).
 *
 * Input syntax, as opendkim.conf(5) and dkim-filter.conf(5) describe it:
 * one "Keyword value" per line, keyword and value separated by white
 * space; a "#" anywhere truncates the line; blank lines are ignored;
 * booleans are judged by their first byte (T t Y y 1 / F f N n 0).
 * Keywords are matched without regard to case, as OpenDKIM does. Data
 * set values (opendkim(8), DATA SETS) are "file:PATH" or a value starting
 * with "/" (a flat file, one entry per line, "#" comments, the first
 * word of a line being the entry), "refile:PATH" (wildcard patterns),
 * "csl:LIST" or a bare value (a comma-separated list), and database types
 * ("db:", "ldap:", ...) which are not converted.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "import_opendkim.h"
#include "netaddr.h"
#include "xmalloc.h"

#define IMP_MAX_OPTIONS		10000	/* option lines per file */
#define IMP_MAX_ITEMS		10000	/* entries per data set */
#define IMP_MAX_NETWORKS	1000	/* InternalHosts networks kept */
#define IMP_COLUMNS		78	/* output lines are wrapped here */

/* the ports of postfix-examples/ (README there) */
#define IMP_SIGN_LISTEN		"127.0.0.1:10027"
#define IMP_VERIFY_LISTEN	"127.0.0.1:10026"
#define IMP_RETURN		"127.0.0.1:10028"

enum imp_state {
	IMP_UNSEEN = 0,		/* not looked at: reason in the table */
	IMP_MAPPED,		/* became a dkimgate parameter */
	IMP_UNMAPPED		/* looked at, not mapped: reason in why */
};

/* one "Keyword value" line of the input */
struct imp_opt {
	char		*name;
	char		*value;
	size_t		 line;
	enum imp_state	 state;
	char		*why;		/* why not mapped; owned */
};

/* a data set's entries */
struct imp_list {
	char		**v;
	size_t		  n;
};

enum imp_dstype {
	DS_LIST,	/* csl: or a bare comma-separated value */
	DS_FILE,	/* file: or a path starting with "/" */
	DS_REFILE,	/* refile: */
	DS_OTHER	/* a database: not converted */
};

/* state of one conversion */
struct imp {
	const char		*name;		/* input file name */
	const char		*keytable_path;
	struct import_result	*res;
	struct imp_opt		*opts;
	size_t			 nopts;
	int			 sign, verify;
	struct imp_list		 nets;		/* added to client_networks */
	char			*milter;	/* Postfix form of Socket */
};

/*
 * Options known by name: what they are, and for those that are not
 * mapped, why (opendkim.conf(5) and dkim-filter.conf(5) names).
 */
static const struct {
	const char	*name;
	const char	*why;		/* NULL: converted */
} imp_known[] = {
	{ "Mode", NULL },
	{ "KeyTable", NULL },
	{ "SigningTable", NULL },
	{ "KeyList", NULL },
	{ "Domain", NULL },
	{ "Selector", NULL },
	{ "KeyFile", NULL },
	{ "SubDomains", NULL },
	{ "InternalHosts", NULL },
	{ "Canonicalization", NULL },
	{ "SignHeaders", NULL },
	{ "OversignHeaders", NULL },
	{ "AuthservID", NULL },
	{ "TrustAnchorFile", NULL },
	{ "Nameservers", NULL },
	{ "ResolverConfiguration", NULL },
	{ "UnboundConfigFile", NULL },
	{ "MinimumKeyBits", NULL },
	{ "SignatureTTL", NULL },
	{ "DNSTimeout", NULL },
	{ "On-DNSError", NULL },
	{ "MaximumSignaturesToVerify", NULL },
	{ "MaximumHeaders", NULL },
	{ "TemporaryDirectory", NULL },
	{ "SyslogFacility", NULL },
	{ "Socket", "dkimgate is not a milter; Postfix hands it mail as a "
	    "content_filter (see the Postfix note at the end)" },
	{ "UserID", "the workers run as the user parameter (default "
	    "dkimgate)" },
	{ "UMask", "there is no socket file to protect" },
	{ "PidFile", "under systemd no PID file is needed; see pid_file" },
	{ "Syslog", "dkimgate always logs (syslog, or stderr with -f)" },
	{ "SyslogSuccess", "dkimgate logs one line per message with its "
	    "outcome" },
	{ "LogWhy", "dkimgate logs one line per message with its outcome" },
	{ "LogResults", "dkimgate logs one line per message with its "
	    "outcome" },
	{ "AutoRestart", "the supervisor restarts any worker that dies" },
	{ "AutoRestartRate", "the supervisor restarts any worker that dies" },
	{ "AutoRestartCount", "the supervisor restarts any worker that "
	    "dies" },
	{ "Background", "run it with systemd: dkimgate serve -f" },
	{ "RequireSafeKeys", "dkimgate always refuses key files that group "
	    "or others can access" },
	{ "SignatureAlgorithm", "the algorithm follows from the key: "
	    "rsa-sha256 or ed25519-sha256" },
	{ "ExternalIgnoreList", "what is signed or verified is chosen by "
	    "the listener Postfix sends the message to" },
	{ "PeerList", "what is signed or verified is chosen by the "
	    "listener Postfix sends the message to" },
	{ "ExemptDomains", "what is signed or verified is chosen by the "
	    "listener Postfix sends the message to" },
	{ "On-BadSignature", "a DKIM result never rejects mail; it is "
	    "recorded in Authentication-Results" },
	{ "On-Default", "a DKIM result never rejects mail; it is recorded "
	    "in Authentication-Results" },
	{ "On-KeyNotFound", "a DKIM result never rejects mail; it is "
	    "recorded in Authentication-Results" },
	{ "On-NoSignature", "a DKIM result never rejects mail; it is "
	    "recorded in Authentication-Results" },
	{ "On-Security", "a DKIM result never rejects mail; it is recorded "
	    "in Authentication-Results" },
	{ "On-SignatureError", "a signing failure always answers 451, so "
	    "Postfix retries" },
	{ "On-InternalError", "an internal error always answers 451, so "
	    "Postfix retries" },
	{ "X-Header", "dkimgate adds no software header field" },
	{ "SoftwareHeader", "dkimgate adds no software header field" },
	{ "AlwaysAddARHeader", "verify listeners always add "
	    "Authentication-Results" },
	{ "AddAllSignatureResults", "every signature gets its own result "
	    "(up to max_signatures)" },
	{ "OmitHeaders", "sign_headers lists what is signed; set it "
	    "instead" },
	{ "MaximumSignedBytes", "dkimgate signs the whole body and never "
	    "sets l=" },
	{ "BodyLengthDB", "dkimgate signs the whole body and never sets l=" },
	{ "RemoveOldSignatures", "dkimgate never removes signatures" },
	{ "SenderHeaders", "the signing key is chosen by the From address" },
	{ "BogusKey", "a DNSSEC-bogus key is never a pass" },
	{ "UnprotectedKey", "the DNSSEC status is shown as secure or "
	    "insecure in Authentication-Results" },
	{ "QueryCache", "point dns_resolver at a caching resolver" },
	{ "ResolverTracing", "no resolver tracing" },
	{ "Diagnostics", "no z= diagnostics" },
	{ "DiagnosticDirectory", "no diagnostics directory" },
	{ "MTA", "what is signed is chosen by the listener" },
	{ "MacroList", "what is signed is chosen by the listener" },
	{ "MilterDebug", "dkimgate is not a milter" },
	{ "DomainKeysCompat", "DomainKeys is obsolete" },
	{ "ADSPAction", "ADSP is historic (RFC 6541 moved to Historic)" },
	{ "ADSPDiscard", "ADSP is historic (RFC 6541 moved to Historic)" },
	{ "ADSPNoSuchDomain", "ADSP is historic (RFC 6541 moved to "
	    "Historic)" },
	{ "SendADSPReports", "ADSP is historic (RFC 6541 moved to "
	    "Historic)" },
	{ "SendReports", "dkimgate sends no failure reports" },
	{ "ReportAddress", "dkimgate sends no failure reports" },
	{ "ReportBccAddress", "dkimgate sends no failure reports" },
	{ "Statistics", "no statistics reports; see metrics_listen" },
	{ "StatisticsName", "no statistics reports; see metrics_listen" },
	{ "StatisticsPrefix", "no statistics reports; see metrics_listen" },
	{ "Quarantine", "a DKIM result never quarantines mail" },
	{ "CaptureUnknownErrors", "no such function" },
	{ "FixCRLF", "line ends are made CRLF as Postfix does" },
	{ "IgnoreMalformedMail", "a malformed From is relayed unsigned; "
	    "see bad_from_action" },
	{ "Version", "dkimgate implements RFC 6376" },
};

static void	imp_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	imp_warn(struct imp *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	imp_unmap(struct imp_opt *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	imp_comment(struct imp *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	imp_param(struct imp *, const char *, const char *);
static void	imp_origin(struct imp *, const struct imp_opt *);
static void	imp_sanitize(struct buf *, const char *);
static int	imp_read_file(const char *, struct buf *, char *, size_t);
static const char *imp_next_line(const char *, size_t, size_t *, size_t *);
static int	imp_write_new(const char *, const char *, size_t, mode_t,
		    char *, size_t);
static int	imp_parse(struct imp *, const char *, size_t, char *, size_t);
static struct imp_opt *imp_get(struct imp *, const char *);
static int	imp_bool(const char *);
static int	imp_number(const char *, long long, long long, long long *);
static enum imp_dstype imp_dstype(const char *, const char **);
static int	imp_dataset(struct imp *, struct imp_opt *, struct imp_list *,
		    enum imp_dstype *);
static void	imp_list_add(struct imp_list *, const char *, size_t);
static void	imp_list_clear(struct imp_list *);
static int	imp_is_name(const char *, const char *);
static int	imp_field_name(const char *);
static int	imp_has_space(const char *);
static void	imp_mode(struct imp *);
static void	imp_keys(struct imp *);
static int	imp_single_key(struct imp *, struct imp_opt *,
		    struct imp_opt *, struct imp_opt *);
static void	imp_networks(struct imp *);
static void	imp_headers(struct imp *);
static void	imp_verify(struct imp *);
static void	imp_misc(struct imp *);
static void	imp_socket(struct imp *);
static void	imp_unmapped(struct imp *);
static void	imp_postfix_note(struct imp *);
static int	imp_usage(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * imp_err - format an error message into err.
 */
static void
imp_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * imp_warn - add one line to the operator's warnings.
 */
static void
imp_warn(struct imp *im, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[1024];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	imp_sanitize(&im->res->warnings, line);
	buf_addc(&im->res->warnings, '\n');
}

/*
 * imp_unmap - mark an option as not mapped, with the reason.
 */
static void
imp_unmap(struct imp_opt *o, const char *fmt, ...)
{
	va_list	 ap;
	char	 why[1024];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	free(o->why);
	o->why = xstrdup(why);
	o->state = IMP_UNMAPPED;
}

/*
 * imp_sanitize - append text with control bytes shown as "?", so that
 * nothing from the input can end a comment line early or put a byte
 * into the output that dkimgate.conf refuses.
 */
static void
imp_sanitize(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		buf_addc(b, ((unsigned char)*s < ' ' && *s != '\t') ||
		    *s == 0x7f ? '?' : *s);
}

/*
 * imp_comment - append "# ..." comment lines to the configuration: text
 * longer than IMP_COLUMNS is broken at spaces. Continuation lines hang
 * under the text of a numbered item ("1. text"), four columns deeper
 * than an indented line, and flush with plain prose.
 */
static void
imp_comment(struct imp *im, const char *fmt, ...)
{
	va_list		 ap;
	char		 line[2048], *piece;
	const char	*s = line, *brk, *p;
	size_t		 indent, hang, width, n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (line[0] == '\0') {
		buf_adds(&im->res->conf, "#\n");
		return;
	}
	indent = strspn(line, " ");
	if (isdigit((unsigned char)line[indent]) && line[indent + 1] == '.' &&
	    line[indent + 2] == ' ')
		hang = indent + 3;
	else if (indent == 3)
		hang = 3;	/* a paragraph under a numbered item */
	else
		hang = indent > 0 ? indent + 4 : 0;
	width = IMP_COLUMNS - 2;
	for (;;) {
		buf_adds(&im->res->conf, "# ");
		if (s != line) {
			buf_printf(&im->res->conf, "%*s", (int)hang, "");
			width = IMP_COLUMNS - 2 - hang;
		}
		brk = NULL;
		if (strlen(s) > width)
			for (p = s + (s == line ? indent : 0); p <= s + width;
			    p++)
				if (*p == ' ')
					brk = p;
		n = brk != NULL ? (size_t)(brk - s) : strlen(s);
		piece = xstrndup(s, n);
		imp_sanitize(&im->res->conf, piece);
		free(piece);
		buf_addc(&im->res->conf, '\n');
		if (brk == NULL)
			return;
		s = brk + 1;
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return;
	}
}

/*
 * imp_param - append a "name = value" line; a long comma-separated value
 * is continued on lines that start with a tab (dkimgate.conf(5)). Values
 * come from the input after checks, or are built here.
 */
static void
imp_param(struct imp *im, const char *name, const char *value)
{
	const char	*p, *comma;
	size_t		 col, n;

	buf_printf(&im->res->conf, "%s = ", name);
	col = strlen(name) + 3;
	for (p = value; ; p = comma + 1) {
		while (*p == ' ')
			p++;
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) + 1 : strlen(p);
		if (p != value) {
			if (col + 1 + n > IMP_COLUMNS) {
				buf_adds(&im->res->conf, "\n\t");
				col = 8;
			} else {
				buf_addc(&im->res->conf, ' ');
				col++;
			}
		}
		{
			char	*piece = xstrndup(p, n);

			imp_sanitize(&im->res->conf, piece);
			free(piece);
		}
		col += n;
		if (comma == NULL)
			break;
	}
	buf_addc(&im->res->conf, '\n');
}

/*
 * imp_origin - the comment that says which OpenDKIM line a parameter
 * comes from, and mark that option mapped.
 */
static void
imp_origin(struct imp *im, const struct imp_opt *o)
{
	imp_comment(im, "%s %s (%s line %zu)", o->name, o->value, im->name,
	    o->line);
}

/*
 * imp_read_file - read a whole file of at most IMPORT_INPUT_MAX bytes
 * into b (initialized here; the caller clears it). 0, or -1 with why.
 */
static int
imp_read_file(const char *path, struct buf *b, char *why, size_t whylen)
{
	char	 chunk[4096];
	ssize_t	 n;
	int	 fd;

	buf_init(b, IMPORT_INPUT_MAX);
	if ((fd = open(path, O_RDONLY | O_NOCTTY)) == -1) {
		imp_err(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			imp_err(why, whylen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (buf_add(b, chunk, (size_t)n) == -1 || buf_error(b)) {
			imp_err(why, whylen, "%s: larger than %d bytes", path,
			    IMPORT_INPUT_MAX);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/*
 * imp_next_line - the next line of (p, len) from *pos, without its line
 * end, "#" comment and surrounding white space. Returns its start, with
 * its length in *outlen, or NULL at the end.
 */
static const char *
imp_next_line(const char *p, size_t len, size_t *pos, size_t *outlen)
{
	const char	*s, *nl, *hash;
	size_t		 n;

	if (*pos >= len)
		return NULL;
	s = p + *pos;
	nl = memchr(s, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - s) : len - *pos;
	*pos += n + (nl != NULL);
	if ((hash = memchr(s, '#', n)) != NULL)
		n = (size_t)(hash - s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	*outlen = n;
	return s;
}

/*
 * imp_parse - split the configuration text into options.
 */
static int
imp_parse(struct imp *im, const char *text, size_t len, char *err,
    size_t errlen)
{
	const char	*s, *sp;
	size_t		 pos = 0, n, k, lineno = 0, start;

	if (memchr(text, '\0', len) != NULL) {
		imp_err(err, errlen, "%s: NUL byte in the file: not an "
		    "OpenDKIM configuration", im->name);
		return -1;
	}
	for (;;) {
		start = pos;
		if ((s = imp_next_line(text, len, &pos, &n)) == NULL)
			break;
		lineno++;
		if (pos - start > IMPORT_LINE_MAX + 1) {
			imp_err(err, errlen, "%s:%zu: line longer than %d "
			    "bytes", im->name, lineno, IMPORT_LINE_MAX);
			return -1;
		}
		if (n == 0)
			continue;
		if (im->nopts >= IMP_MAX_OPTIONS) {
			imp_err(err, errlen, "%s:%zu: more than %d options",
			    im->name, lineno, IMP_MAX_OPTIONS);
			return -1;
		}
		for (k = 0; k < n && s[k] != ' ' && s[k] != '\t'; k++)
			;
		im->opts = xreallocarray(im->opts, im->nopts + 1,
		    sizeof(*im->opts));
		memset(&im->opts[im->nopts], 0, sizeof(*im->opts));
		im->opts[im->nopts].name = xstrndup(s, k);
		sp = s + k;
		while (sp < s + n && (*sp == ' ' || *sp == '\t'))
			sp++;
		im->opts[im->nopts].value = xstrndup(sp, (size_t)(s + n - sp));
		im->opts[im->nopts].line = lineno;
		im->nopts++;
	}
	return 0;
}

/*
 * imp_get - the option called name (any case); the last one wins, the
 * earlier ones are reported as overridden. NULL if not set.
 */
static struct imp_opt *
imp_get(struct imp *im, const char *name)
{
	struct imp_opt	*last = NULL;
	size_t		 i;

	for (i = 0; i < im->nopts; i++) {
		if (strcasecmp(im->opts[i].name, name) != 0)
			continue;
		if (last != NULL)
			imp_unmap(last, "set again at line %zu, which is "
			    "used", im->opts[i].line);
		last = &im->opts[i];
	}
	if (last != NULL && last->value[0] == '\0') {
		imp_unmap(last, "no value");
		return NULL;
	}
	return last;
}

/*
 * imp_bool - an OpenDKIM boolean: 1, 0, or -1 if neither.
 */
static int
imp_bool(const char *v)
{
	if (strchr("TtYy1", v[0]) != NULL && v[0] != '\0')
		return 1;
	if (strchr("FfNn0", v[0]) != NULL && v[0] != '\0')
		return 0;
	return -1;
}

/*
 * imp_number - a decimal number within [min, max] into *out; -1 if the
 * text is not a number, -2 if the number is out of range (*out set).
 */
static int
imp_number(const char *v, long long min, long long max, long long *out)
{
	long long	 n = 0;
	size_t		 i;

	if (v[0] == '\0')
		return -1;
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || i >= 12)
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return n < min || n > max ? -2 : 0;
}

/*
 * imp_dstype - the type of a data set value (opendkim(8), DATA SETS);
 * *rest gets the value without its type prefix.
 */
static enum imp_dstype
imp_dstype(const char *v, const char **rest)
{
	static const char *const dbs[] = { "db:", "dsn:", "ldap:", "ldaps:",
	    "ldapi:", "lua:", "memcache:", "redis:", "mdb:", "erlang:",
	    "sqlite:", NULL };
	size_t		 i, n = strlen(v);

	*rest = v;
	if (strncasecmp(v, "file:", 5) == 0) {
		*rest = v + 5;
		return DS_FILE;
	}
	if (strncasecmp(v, "refile:", 7) == 0) {
		*rest = v + 7;
		return DS_REFILE;
	}
	if (strncasecmp(v, "csl:", 4) == 0) {
		*rest = v + 4;
		return DS_LIST;
	}
	for (i = 0; dbs[i] != NULL; i++)
		if (strncasecmp(v, dbs[i], strlen(dbs[i])) == 0)
			return DS_OTHER;
	if (n > 3 && strcmp(v + n - 3, ".db") == 0)
		return DS_OTHER;
	if (v[0] == '/')
		return DS_FILE;
	return DS_LIST;
}

/*
 * imp_list_add - append a copy of (s, n) to a list (silently capped).
 */
static void
imp_list_add(struct imp_list *l, const char *s, size_t n)
{
	if (l->n >= IMP_MAX_ITEMS)
		return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrndup(s, n);
}

/*
 * imp_list_clear - free a list's entries.
 */
static void
imp_list_clear(struct imp_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * imp_dataset - the entries of a data set option: a list's items, or a
 * flat file's first words (a refile's patterns likewise). *type gets the
 * data set type. Returns 0, or -1 (the option marked not mapped) for a
 * database or an unreadable file.
 */
static int
imp_dataset(struct imp *im, struct imp_opt *o, struct imp_list *out,
    enum imp_dstype *type)
{
	struct buf	 b;
	const char	*rest, *s, *e;
	char		 why[512];
	size_t		 pos = 0, n, k;

	*type = imp_dstype(o->value, &rest);
	switch (*type) {
	case DS_OTHER:
		imp_unmap(o, "database data sets are not converted; export "
		    "the entries to a file");
		imp_warn(im, "%s: not converted: %s is a database data set",
		    o->name, o->value);
		return -1;
	case DS_LIST:
		s = rest;
		while (*s != '\0') {
			e = strchr(s, ',');
			n = e != NULL ? (size_t)(e - s) : strlen(s);
			while (n > 0 && isspace((unsigned char)s[n - 1]))
				n--;
			while (n > 0 && isspace((unsigned char)*s)) {
				s++;
				n--;
			}
			if (n > 0)
				imp_list_add(out, s, n);
			if (e == NULL)
				break;
			s = e + 1;
		}
		return 0;
	case DS_FILE:
	case DS_REFILE:
		break;
	}
	if (imp_read_file(rest, &b, why, sizeof(why)) == -1) {
		imp_unmap(o, "cannot read it: %s", why);
		imp_warn(im, "%s: not converted: %s", o->name, why);
		buf_clear(&b);
		return -1;
	}
	while ((s = imp_next_line(b.data, b.len, &pos, &n)) != NULL) {
		for (k = 0; k < n && s[k] != ' ' && s[k] != '\t'; k++)
			;
		if (k > 0)
			imp_list_add(out, s, k);
	}
	buf_clear(&b);
	return 0;
}

/*
 * imp_is_name - 1 if s is a domain name or selector as the key table
 * takes them (letters, digits, ".", "-" and "_"), or also holds bytes
 * of extra (NULL: none), e.g. "*" for a pattern.
 */
static int
imp_is_name(const char *s, const char *extra)
{
	if (*s == '\0' || strlen(s) > 253)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL &&
		    (extra == NULL || strchr(extra, *s) == NULL))
			return 0;
	return 1;
}

/*
 * imp_field_name - 1 if s is a header field name (RFC 5322 section 3.6.8:
 * printable US-ASCII except ":").
 */
static int
imp_field_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    *s == ':')
			return 0;
	return 1;
}

/*
 * imp_has_space - 1 if s holds white space or a control byte.
 */
static int
imp_has_space(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * imp_mode - Mode (opendkim.conf(5): "s" signer, "v" verifier; the
 * default is both) becomes the listen and return_address parameters.
 */
static void
imp_mode(struct imp *im)
{
	struct imp_opt	*o = imp_get(im, "Mode");
	const char	*p;
	char		 val[256];

	im->sign = im->verify = 1;
	if (o != NULL) {
		im->sign = strchr(o->value, 's') != NULL ||
		    strchr(o->value, 'S') != NULL;
		im->verify = strchr(o->value, 'v') != NULL ||
		    strchr(o->value, 'V') != NULL;
		for (p = o->value; *p != '\0'; p++)
			if (strchr("sSvV", *p) == NULL) {
				imp_warn(im, "Mode %s: only s and v are "
				    "understood", o->value);
				break;
			}
		if (!im->sign && !im->verify) {
			imp_warn(im, "Mode %s: neither s nor v; converted "
			    "as sv", o->value);
			im->sign = im->verify = 1;
		}
		imp_origin(im, o);
		o->state = IMP_MAPPED;
	} else
		imp_comment(im, "Mode not set: OpenDKIM signs and verifies "
		    "(sv)");
	imp_comment(im, "Listeners on the ports of postfix-examples/: 10027 "
	    "signs, 10026 verifies; dkimgate hands every message back to "
	    "Postfix on 10028.");
	snprintf(val, sizeof(val), "%s%s%s",
	    im->sign ? IMP_SIGN_LISTEN " mode=sign" : "",
	    im->sign && im->verify ? ",\n\t" : "",
	    im->verify ? IMP_VERIFY_LISTEN " mode=verify" : "");
	buf_printf(&im->res->conf, "listen = %s\n", val);
	imp_param(im, "return_address", IMP_RETURN);
	buf_addc(&im->res->conf, '\n');
}

/*
 * imp_keys - KeyTable + SigningTable, KeyList, or the single-key form.
 */
static void
imp_keys(struct imp *im)
{
	struct imp_opt	*kt, *st, *kl, *dom, *sel, *kf, *sub;
	const char	*rest;
	int		 done = 0;

	kt = imp_get(im, "KeyTable");
	st = imp_get(im, "SigningTable");
	kl = imp_get(im, "KeyList");
	dom = imp_get(im, "Domain");
	sel = imp_get(im, "Selector");
	kf = imp_get(im, "KeyFile");
	sub = imp_get(im, "SubDomains");

	if (kt != NULL && st != NULL) {
		enum imp_dstype	 tk = imp_dstype(kt->value, &rest);
		enum imp_dstype	 ts = imp_dstype(st->value, &rest);

		if (tk != DS_FILE && tk != DS_REFILE) {
			imp_unmap(kt, "only file tables are read; export it "
			    "to a file");
			imp_unmap(st, "its KeyTable is not a file");
			imp_warn(im, "KeyTable %s: not a file; no keys "
			    "converted", kt->value);
		} else if (ts != DS_FILE && ts != DS_REFILE) {
			imp_unmap(st, "only file tables are read; export it "
			    "to a file");
			imp_unmap(kt, "its SigningTable is not a file");
			imp_warn(im, "SigningTable %s: not a file; no keys "
			    "converted", st->value);
		} else if (imp_has_space(kt->value) ||
		    imp_has_space(st->value)) {
			imp_unmap(kt, "white space in the path");
			imp_unmap(st, "white space in the path");
		} else {
			imp_comment(im, "Signing keys: OpenDKIM's own tables, "
			    "which dkimgate reads unchanged");
			imp_origin(im, kt);
			imp_origin(im, st);
			imp_param(im, "key_table", kt->value);
			imp_param(im, "signing_table", st->value);
			kt->state = st->state = IMP_MAPPED;
			done = 1;
		}
	} else if (kt != NULL || st != NULL) {
		struct imp_opt	*o = kt != NULL ? kt : st;

		imp_unmap(o, "%s without %s selects no key", o->name,
		    kt != NULL ? "SigningTable" : "KeyTable");
		imp_warn(im, "%s without %s: no keys converted", o->name,
		    kt != NULL ? "SigningTable" : "KeyTable");
	}
	if (kl != NULL && done)
		imp_unmap(kl, "KeyTable and SigningTable are used instead");
	else if (kl != NULL) {
		if (imp_dstype(kl->value, &rest) != DS_FILE ||
		    imp_has_space(rest))
			imp_unmap(kl, "not a file path");
		else {
			imp_comment(im, "Signing keys: dkim-filter's KeyList, "
			    "read unchanged (selector = key file name)");
			imp_origin(im, kl);
			imp_param(im, "key_list", rest);
			kl->state = IMP_MAPPED;
			done = 1;
		}
	}
	if (done) {
		if (kf != NULL)
			imp_unmap(kf, "ignored when a key table is used, as "
			    "in OpenDKIM");
		if (sel != NULL)
			imp_unmap(sel, "ignored when a key table is used, "
			    "as in OpenDKIM");
		if (dom != NULL)
			imp_unmap(dom, "the signing table decides what is "
			    "signed");
		if (sub != NULL)
			imp_unmap(sub, "the signing table decides what is "
			    "signed");
	} else if (kf != NULL || sel != NULL) {
		done = imp_single_key(im, dom, sel, kf);
		if (sub != NULL && sub->state == IMP_UNSEEN)
			imp_unmap(sub, "no key was converted");
	} else {
		if (dom != NULL)
			imp_unmap(dom, "no KeyFile and Selector to sign with");
		if (sub != NULL)
			imp_unmap(sub, "no KeyFile and Selector to sign with");
		if (im->sign)
			imp_warn(im, "no signing keys found (KeyTable + "
			    "SigningTable, KeyList or KeyFile + Selector + "
			    "Domain)");
	}
	if (!done && im->sign)
		imp_comment(im, "No signing keys in %s: the sign listener "
		    "relays mail unsigned.", im->name);
	buf_addc(&im->res->conf, '\n');
}

/*
 * imp_single_key - Domain, Selector, KeyFile (and SubDomains) become a
 * dkimgate key table: "*@DOMAIN DOMAIN SELECTOR KEYFILE" per domain,
 * plus "*@*.DOMAIN ..." with SubDomains (opendkim.conf(5), SubDomains:
 * sign subdomains of the listed domains too). Returns 1 if a key table
 * was made, else 0 (with the reasons recorded).
 */
static int
imp_single_key(struct imp *im, struct imp_opt *dom, struct imp_opt *sel,
    struct imp_opt *kf)
{
	struct imp_opt	*sub = imp_get(im, "SubDomains");
	struct imp_list	 doms;
	enum imp_dstype	 type;
	size_t		 i, nlines = 0;
	int		 subdomains = 0;

	memset(&doms, 0, sizeof(doms));
	if (kf == NULL || sel == NULL || dom == NULL) {
		if (kf != NULL)
			imp_unmap(kf, "needs Selector and Domain as well");
		if (sel != NULL)
			imp_unmap(sel, "needs KeyFile and Domain as well");
		if (dom != NULL)
			imp_unmap(dom, "needs KeyFile and Selector as well");
		imp_warn(im, "KeyFile, Selector and Domain must all be set "
		    "to sign with one key; no keys converted");
		return 0;
	}
	if (kf->value[0] != '/' || imp_has_space(kf->value)) {
		imp_unmap(kf, "not an absolute path without white space");
		imp_unmap(sel, "its KeyFile was not converted");
		imp_unmap(dom, "its KeyFile was not converted");
		imp_warn(im, "KeyFile %s: give an absolute path", kf->value);
		return 0;
	}
	if (!imp_is_name(sel->value, NULL)) {
		imp_unmap(sel, "not a valid selector");
		imp_unmap(kf, "its Selector was not converted");
		imp_unmap(dom, "its Selector was not converted");
		imp_warn(im, "Selector %s: not a valid selector", sel->value);
		return 0;
	}
	if (sub != NULL && (subdomains = imp_bool(sub->value)) == -1) {
		imp_unmap(sub, "not a boolean");
		subdomains = 0;
	}
	if (imp_dataset(im, dom, &doms, &type) == -1) {
		imp_unmap(kf, "its Domain was not converted");
		imp_unmap(sel, "its Domain was not converted");
		return 0;
	}
	buf_printf(&im->res->keytable, "# dkimgate key table made by "
	    "\"dkimgate import-opendkim\" from the\n# single-key options "
	    "of ");
	imp_sanitize(&im->res->keytable, im->name);
	buf_adds(&im->res->keytable, " (dkimgate.conf(5), KEY AND SIGNING "
	    "TABLES):\n# pattern  domain  selector  keyfile\n");
	for (i = 0; i < doms.n; i++) {
		const char	*d = doms.v[i];

		if (type == DS_REFILE ? !imp_is_name(d, "*") :
		    !imp_is_name(d, NULL)) {
			imp_warn(im, "Domain %s: \"%s\" is not a domain name; "
			    "skipped", dom->value, d);
			continue;
		}
		buf_printf(&im->res->keytable, "*@%s\t%s\t%s\t%s\n", d,
		    type == DS_REFILE ? "%" : d, sel->value, kf->value);
		nlines++;
		if (subdomains && type != DS_REFILE) {
			buf_printf(&im->res->keytable, "*@*.%s\t%s\t%s\t%s\n",
			    d, d, sel->value, kf->value);
			nlines++;
		}
	}
	imp_list_clear(&doms);
	if (nlines == 0) {
		buf_reset(&im->res->keytable);
		imp_unmap(dom, "no domain name in it");
		imp_unmap(kf, "no domain to sign for");
		imp_unmap(sel, "no domain to sign for");
		imp_warn(im, "Domain %s: no domain to sign for; no keys "
		    "converted", dom->value);
		return 0;
	}
	imp_comment(im, "Signing keys: one key for the listed domains%s, "
	    "in a dkimgate key table", subdomains ? " and their subdomains" :
	    "");
	imp_comment(im, "written by import-opendkim (%zu line%s)", nlines,
	    nlines == 1 ? "" : "s");
	imp_origin(im, dom);
	imp_origin(im, sel);
	imp_origin(im, kf);
	if (sub != NULL && sub->state != IMP_UNMAPPED) {
		imp_origin(im, sub);
		sub->state = IMP_MAPPED;
	}
	imp_param(im, "key_table", im->keytable_path);
	dom->state = sel->state = kf->state = IMP_MAPPED;
	return 1;
}

/*
 * imp_networks - InternalHosts: its literal addresses and networks are
 * added to client_networks, after loopback (Postfix connects from there).
 * Host names, "!" negations, refile: patterns and databases are not.
 */
static void
imp_networks(struct imp *im)
{
	struct imp_opt	*o = imp_get(im, "InternalHosts");
	struct imp_list	 items;
	struct netmask	 nm;
	const char	*rest;
	struct buf	 val;
	enum imp_dstype	 type;
	size_t		 i, skipped = 0;

	memset(&items, 0, sizeof(items));
	if (o == NULL)
		return;
	if (imp_dstype(o->value, &rest) == DS_REFILE) {
		imp_unmap(o, "refile: patterns match host names, which "
		    "client_networks does not take");
		imp_warn(im, "InternalHosts %s: refile: patterns are not "
		    "converted; list the networks in client_networks",
		    o->value);
		return;
	}
	if (imp_dataset(im, o, &items, &type) == -1)
		return;
	buf_init(&val, 60000);
	buf_adds(&val, "127.0.0.0/8, [::1]/128");
	for (i = 0; i < items.n; i++) {
		const char	*it = items.v[i];

		if (it[0] == '!') {
			imp_warn(im, "InternalHosts: \"%s\": exceptions are "
			    "not converted", it);
			skipped++;
			continue;
		}
		if (netaddr_parse_cidr(it, strlen(it), &nm) == -1) {
			imp_warn(im, "InternalHosts: \"%s\" is not an address "
			    "or network (host names are not converted)", it);
			skipped++;
			continue;
		}
		if ((nm.family == AF_INET && nm.addr[0] == 127 &&
		    nm.prefix >= 8) || (nm.family == AF_INET6 &&
		    nm.prefix == 128 && memcmp(nm.addr,
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0))
			continue;	/* loopback is in already */
		if (im->nets.n >= IMP_MAX_NETWORKS) {
			imp_warn(im, "InternalHosts: more than %d networks; "
			    "the rest are not converted", IMP_MAX_NETWORKS);
			break;
		}
		imp_list_add(&im->nets, it, strlen(it));
		buf_printf(&val, ", %s", it);
	}
	imp_list_clear(&items);
	imp_comment(im, "Who may connect to the listeners: loopback, where "
	    "Postfix connects from, and the literal networks of "
	    "InternalHosts%s. Which mail is signed is decided in Postfix: "
	    "see the note at the end.", skipped > 0 ? " (not all of its "
	    "entries: see the warnings)" : "");
	imp_origin(im, o);
	imp_param(im, "client_networks", val.data);
	buf_clear(&val);
	o->state = IMP_MAPPED;
	buf_addc(&im->res->conf, '\n');
}

/*
 * imp_headers - Canonicalization, SignHeaders, OversignHeaders,
 * SignatureTTL.
 */
static void
imp_headers(struct imp *im)
{
	struct imp_opt	*o;
	struct imp_list	 l;
	struct buf	 val;
	enum imp_dstype	 type;
	const char	*names[2] = { "SignHeaders", "OversignHeaders" };
	const char	*params[2] = { "sign_headers", "oversign_headers" };
	char		 canon[64], *slash;
	long long	 n;
	size_t		 i, k;
	int		 from, bad, any = 0;

	if ((o = imp_get(im, "Canonicalization")) != NULL) {
		snprintf(canon, sizeof(canon), "%s", o->value);
		for (i = 0; canon[i] != '\0'; i++)
			canon[i] = tolower((unsigned char)canon[i]);
		slash = strchr(canon, '/');
		if (slash != NULL)
			*slash = '\0';
		bad = strcmp(canon, "simple") != 0 &&
		    strcmp(canon, "relaxed") != 0;
		if (slash != NULL) {
			bad |= strcmp(slash + 1, "simple") != 0 &&
			    strcmp(slash + 1, "relaxed") != 0;
			*slash = '/';
		}
		if (bad || strlen(o->value) >= sizeof(canon))
			imp_unmap(o, "not simple or relaxed, optionally "
			    "followed by /simple or /relaxed");
		else {
			imp_origin(im, o);
			imp_param(im, "sign_canonicalization", canon);
			o->state = IMP_MAPPED;
			any = 1;
		}
	} else if (im->sign) {
		imp_comment(im, "Canonicalization not set: OpenDKIM used "
		    "simple/simple; dkimgate's default is relaxed/relaxed, "
		    "which survives more forwarding.");
		any = 1;
	}

	for (k = 0; k < 2; k++) {
		if ((o = imp_get(im, names[k])) == NULL)
			continue;
		memset(&l, 0, sizeof(l));
		if (imp_dataset(im, o, &l, &type) == -1)
			continue;
		buf_init(&val, 60000);
		from = bad = 0;
		for (i = 0; i < l.n; i++) {
			if (!imp_field_name(l.v[i])) {
				bad = 1;
				break;
			}
			if (strcasecmp(l.v[i], "From") == 0)
				from = 1;
			buf_printf(&val, "%s%s", val.len > 0 ? ", " : "",
			    l.v[i]);
		}
		if (bad || l.n == 0 || type == DS_REFILE)
			imp_unmap(o, "%s", bad ? "an entry is not a header "
			    "field name" : l.n == 0 ? "empty" :
			    "refile: patterns are not converted");
		else {
			/* RFC 6376 5.4: From MUST be signed; OpenDKIM adds
			 * it implicitly */
			if (k == 0 && !from)
				buf_adds(&val, ", From");
			imp_origin(im, o);
			if (k == 0 && !from)
				imp_comment(im, "From added: RFC 6376 section "
				    "5.4 requires it to be signed");
			imp_param(im, params[k], val.data);
			o->state = IMP_MAPPED;
			any = 1;
		}
		buf_clear(&val);
		imp_list_clear(&l);
	}

	if ((o = imp_get(im, "SignatureTTL")) != NULL) {
		switch (imp_number(o->value, 0, 365LL * 86400, &n)) {
		case 0:
			imp_origin(im, o);
			imp_param(im, "signature_ttl", n == 0 ? "0" :
			    o->value);
			o->state = IMP_MAPPED;
			any = 1;
			break;
		default:
			imp_unmap(o, "not a number of seconds up to one year");
			break;
		}
	}
	if (any)
		buf_addc(&im->res->conf, '\n');
}

/*
 * imp_verify - verification and DNS: AuthservID, TrustAnchorFile,
 * Nameservers, ResolverConfiguration, MinimumKeyBits, DNSTimeout,
 * On-DNSError, MaximumSignaturesToVerify.
 */
static void
imp_verify(struct imp *im)
{
	struct imp_opt	*o;
	struct imp_list	 l;
	struct netmask	 nm;
	struct buf	 val;
	enum imp_dstype	 type;
	const char	*why;
	char		 num[32];
	long long	 n;
	size_t		 i;
	int		 any = 0, bad;

	if ((o = imp_get(im, "AuthservID")) != NULL) {
		if (strcmp(o->value, "HOSTNAME") == 0)
			imp_unmap(o, "dkimgate's default authserv_id is "
			    "the host name too");
		else if ((why = config_authserv_id_problem(o->value)) !=
		    NULL)
			imp_unmap(o, "%s", why);
		else {
			imp_origin(im, o);
			imp_param(im, "authserv_id", o->value);
			o->state = IMP_MAPPED;
			any = 1;
		}
	}
	if ((o = imp_get(im, "TrustAnchorFile")) != NULL) {
		if (o->value[0] != '/' || imp_has_space(o->value))
			imp_unmap(o, "not an absolute path");
		else {
			imp_comment(im, "The trust anchor replaces the "
			    "built-in root anchor, as in OpenDKIM");
			imp_origin(im, o);
			imp_param(im, "dns_trust_anchor", o->value);
			o->state = IMP_MAPPED;
			any = 1;
		}
	}
	if ((o = imp_get(im, "Nameservers")) != NULL) {
		memset(&l, 0, sizeof(l));
		(void)imp_dataset(im, o, &l, &type);
		buf_init(&val, 60000);
		bad = l.n == 0 || type != DS_LIST;
		for (i = 0; i < l.n && !bad; i++) {
			if (strchr(l.v[i], '/') != NULL ||
			    l.v[i][0] == '[' || netaddr_parse_cidr(l.v[i],
			    strlen(l.v[i]), &nm) == -1)
				bad = 1;
			buf_printf(&val, "%s%s", i > 0 ? ", " : "", l.v[i]);
		}
		if (bad) {
			if (o->state != IMP_UNMAPPED)
				imp_unmap(o, "not a list of IP addresses");
		} else {
			imp_comment(im, "Every look-up goes to these "
			    "resolvers (DNSSEC is still validated here)");
			imp_origin(im, o);
			imp_param(im, "dns_resolver", val.data);
			o->state = IMP_MAPPED;
			any = 1;
		}
		buf_clear(&val);
		imp_list_clear(&l);
	}
	if ((o = imp_get(im, "ResolverConfiguration")) == NULL)
		o = imp_get(im, "UnboundConfigFile");
	else if (imp_get(im, "UnboundConfigFile") != NULL)
		imp_unmap(imp_get(im, "UnboundConfigFile"),
		    "ResolverConfiguration is used instead");
	if (o != NULL) {
		if (o->value[0] != '/' || imp_has_space(o->value))
			imp_unmap(o, "not an absolute path");
		else {
			imp_origin(im, o);
			imp_param(im, "dns_unbound_config", o->value);
			o->state = IMP_MAPPED;
			any = 1;
		}
	}
	if ((o = imp_get(im, "MinimumKeyBits")) != NULL) {
		switch (imp_number(o->value, 1024, 16384, &n)) {
		case 0:
			imp_comment(im, "MinimumKeyBits is a verifier setting "
			    "in OpenDKIM (signatures made with shorter keys "
			    "fail); dkimgate's min_key_bits is about its own "
			    "signing keys.");
			imp_origin(im, o);
			imp_param(im, "dkim_min_rsa_bits", o->value);
			o->state = IMP_MAPPED;
			any = 1;
			break;
		case -2:
			if (n < 1024) {
				imp_origin(im, o);
				imp_comment(im, "raised to 1024: RFC 8301 "
				    "section 3.2 forbids shorter RSA keys");
				imp_param(im, "dkim_min_rsa_bits", "1024");
				o->state = IMP_MAPPED;
				any = 1;
				break;
			}
			/* FALLTHROUGH */
		default:
			imp_unmap(o, "not a number from 1024 to 16384");
			break;
		}
	}
	if ((o = imp_get(im, "DNSTimeout")) != NULL) {
		if (imp_number(o->value, 1, 300, &n) != 0)
			imp_unmap(o, "not a number of seconds from 1 to 300");
		else {
			imp_origin(im, o);
			snprintf(num, sizeof(num), "%llds", n);
			imp_param(im, "dns_timeout", num);
			o->state = IMP_MAPPED;
			any = 1;
		}
	}
	if ((o = imp_get(im, "On-DNSError")) != NULL) {
		if (strcasecmp(o->value, "accept") == 0 ||
		    strcasecmp(o->value, "a") == 0 ||
		    strcasecmp(o->value, "tempfail") == 0 ||
		    strcasecmp(o->value, "t") == 0) {
			imp_origin(im, o);
			imp_param(im, "dns_failure_action",
			    tolower((unsigned char)o->value[0]) == 'a' ?
			    "accept" : "tempfail");
			o->state = IMP_MAPPED;
			any = 1;
		} else
			imp_unmap(o, "only accept and tempfail are "
			    "supported");
	}
	if ((o = imp_get(im, "MaximumSignaturesToVerify")) != NULL) {
		switch (imp_number(o->value, 1, 64, &n)) {
		case 0:
			imp_origin(im, o);
			imp_param(im, "max_signatures", o->value);
			o->state = IMP_MAPPED;
			any = 1;
			break;
		case -2:
			if (n > 64) {
				imp_origin(im, o);
				imp_comment(im, "lowered to 64, dkimgate's "
				    "maximum");
				imp_param(im, "max_signatures", "64");
				o->state = IMP_MAPPED;
				any = 1;
				break;
			}
			/* FALLTHROUGH */
		default:
			imp_unmap(o, "not a number from 1 to 64");
			break;
		}
	}
	if (any)
		buf_addc(&im->res->conf, '\n');
}

/*
 * imp_misc - MaximumHeaders, TemporaryDirectory, SyslogFacility.
 */
static void
imp_misc(struct imp *im)
{
	static const char *const facs[] = { "mail", "daemon", "user",
	    "local0", "local1", "local2", "local3", "local4", "local5",
	    "local6", "local7", NULL };
	struct imp_opt	*o;
	char		 fac[32];
	long long	 n;
	size_t		 i;
	int		 any = 0;

	if ((o = imp_get(im, "MaximumHeaders")) != NULL) {
		if (imp_number(o->value, 1024, 64LL * 1024 * 1024, &n) != 0)
			imp_unmap(o, "not a number of bytes from 1024 to 64M");
		else {
			imp_origin(im, o);
			imp_param(im, "header_size_limit", o->value);
			o->state = IMP_MAPPED;
			any = 1;
		}
	}
	if ((o = imp_get(im, "TemporaryDirectory")) != NULL) {
		if (o->value[0] != '/' || imp_has_space(o->value))
			imp_unmap(o, "not an absolute path");
		else {
			imp_origin(im, o);
			imp_param(im, "spool_directory", o->value);
			o->state = IMP_MAPPED;
			any = 1;
		}
	}
	if ((o = imp_get(im, "SyslogFacility")) != NULL) {
		snprintf(fac, sizeof(fac), "%s", o->value);
		for (i = 0; fac[i] != '\0'; i++)
			fac[i] = tolower((unsigned char)fac[i]);
		for (i = 0; facs[i] != NULL; i++)
			if (strcmp(fac, facs[i]) == 0)
				break;
		if (facs[i] == NULL)
			imp_unmap(o, "not one of mail, daemon, user, "
			    "local0 to local7");
		else {
			imp_origin(im, o);
			imp_param(im, "syslog_facility", fac);
			o->state = IMP_MAPPED;
			any = 1;
		}
	}
	if (any)
		buf_addc(&im->res->conf, '\n');
}

/*
 * imp_socket - the Postfix milter form of OpenDKIM's Socket, for the
 * note: inet:PORT@HOST -> inet:HOST:PORT, local:PATH -> unix:PATH.
 */
static void
imp_socket(struct imp *im)
{
	struct imp_opt	*o = imp_get(im, "Socket");
	const char	*v, *at;

	if (o == NULL)
		return;
	v = o->value;
	if (strncasecmp(v, "inet:", 5) == 0 ||
	    strncasecmp(v, "inet6:", 6) == 0) {
		v = strchr(v, ':') + 1;
		if ((at = strchr(v, '@')) != NULL)
			xasprintf(&im->milter, "inet:%s%s%s:%.*s",
			    strchr(at + 1, ':') != NULL ? "[" : "", at + 1,
			    strchr(at + 1, ':') != NULL ? "]" : "",
			    (int)(at - v), v);
		else
			xasprintf(&im->milter, "inet:localhost:%s", v);
	} else if (strncasecmp(v, "local:", 6) == 0 ||
	    strncasecmp(v, "unix:", 5) == 0)
		xasprintf(&im->milter, "unix:%s", strchr(v, ':') + 1);
	else if (v[0] == '/')
		xasprintf(&im->milter, "unix:%s", v);
}

/*
 * imp_unmapped - one comment line per option not mapped, in file order.
 */
static void
imp_unmapped(struct imp *im)
{
	struct imp_opt	*o;
	const char	*why;
	size_t		 i, k;
	int		 header = 0;

	for (i = 0; i < im->nopts; i++) {
		o = &im->opts[i];
		if (o->state == IMP_MAPPED)
			continue;
		why = o->why;
		if (why == NULL) {
			why = "not known to dkimgate import-opendkim";
			for (k = 0; k < sizeof(imp_known) /
			    sizeof(imp_known[0]); k++)
				if (strcasecmp(imp_known[k].name,
				    o->name) == 0 && imp_known[k].why != NULL) {
					why = imp_known[k].why;
					break;
				}
		}
		if (!header) {
			imp_comment(im, "OpenDKIM options of %s that are not "
			    "mapped:", im->name);
			header = 1;
		}
		imp_comment(im, "  %s %s (line %zu): %s", o->name, o->value,
		    o->line, why);
		im->res->nunmapped++;
	}
	if (header)
		buf_addc(&im->res->conf, '\n');
}

/*
 * imp_postfix_note - what to change in Postfix: the milter goes, the
 * content_filter set-up of postfix-examples/ comes in.
 */
static void
imp_postfix_note(struct imp *im)
{
	char		 net[128];
	const char	*v;
	size_t		 i, n;
	int		 step = 1;

	imp_comment(im, "Postfix changes. dkimgate is not a milter: Postfix "
	    "hands it mail as a content_filter and takes it back on "
	    "127.0.0.1:10028 (dkimgate(8), POSTFIX SETUP). The files named "
	    "are in postfix-examples/ of the source and of the documentation "
	    "directory (/usr/share/doc/dkimgate/postfix-examples in the "
	    "Debian package).");
	imp_comment(im, "%s", "");
	imp_comment(im, "%d. main.cf: remove the OpenDKIM milter%s%s%s from "
	    "smtpd_milters and non_smtpd_milters, stop the opendkim "
	    "service, add the lines of main.cf.dkimgate.", step++,
	    im->milter != NULL ? " (" : "",
	    im->milter != NULL ? im->milter : "",
	    im->milter != NULL ? ")" : "");
	imp_comment(im, "%d. master.cf: the return smtpd of "
	    "master.cf.return:", step++);
	imp_comment(im, "     127.0.0.1:10028 inet n - n - 64 smtpd");
	imp_comment(im, "       -o content_filter=");
	imp_comment(im, "       (and the other -o lines of "
	    "master.cf.return)");
	if (im->sign) {
		imp_comment(im, "%d. Signing, master.cf.sign: mail submitted "
		    "on port 587, and mail from the sendmail command (what "
		    "non_smtpd_milters signed), goes to 10027:", step++);
		imp_comment(im, "     submission inet n - n - - smtpd");
		imp_comment(im, "       -o content_filter="
		    "dkimgate-sign:[127.0.0.1]:10027");
		imp_comment(im, "     pickup unix n - n 60 1 pickup");
		imp_comment(im, "       -o content_filter="
		    "dkimgate-sign:[127.0.0.1]:10027");
		imp_comment(im, "     dkimgate-sign unix - - n - 20 smtp");
		imp_comment(im, "       -o smtp_send_xforward_command=yes");
		imp_comment(im, "       -o disable_mime_output_conversion="
		    "yes");
	}
	if (im->sign && im->nets.n > 0) {
		imp_comment(im, "   OpenDKIM signed the mail of "
		    "InternalHosts; to sign what these clients send on port "
		    "25, add to main.cf");
		imp_comment(im, "     smtpd_client_restrictions = "
		    "check_client_access");
		imp_comment(im, "       cidr:/etc/postfix/dkimgate-sign.cidr");
		imp_comment(im, "   and write /etc/postfix/dkimgate-sign.cidr "
		    "(access(5), FILTER):");
		for (i = 0; i < im->nets.n; i++) {
			/* cidr_table(5) takes IPv6 without brackets */
			v = im->nets.v[i];
			snprintf(net, sizeof(net), "%s", v + (v[0] == '['));
			n = strcspn(net, "]");
			if (net[n] == ']')
				memmove(net + n, net + n + 1, strlen(net + n));
			imp_comment(im, "     %s FILTER "
			    "dkimgate-sign:[127.0.0.1]:10027", net);
		}
	}
	if (im->verify) {
		imp_comment(im, "%d. Verifying, master.cf.verify: mail "
		    "arriving on port 25 goes to 10026:", step++);
		imp_comment(im, "     smtp inet n - n - - smtpd");
		imp_comment(im, "       -o content_filter="
		    "dkimgate-verify:[127.0.0.1]:10026");
		imp_comment(im, "     dkimgate-verify unix - - n - 20 smtp");
		imp_comment(im, "       -o smtp_send_xforward_command=yes");
		imp_comment(im, "       -o disable_mime_output_conversion="
		    "yes");
	}
	imp_comment(im, "%d. Run \"dkimgate check-config -c\" on this file, "
	    "start dkimgate, then \"postfix reload\".", step);
}

/*
 * import_result_init - empty result buffers.
 */
void
import_result_init(struct import_result *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->conf, IMPORT_OUTPUT_MAX);
	buf_init(&res->keytable, IMPORT_OUTPUT_MAX);
	buf_init(&res->warnings, IMPORT_OUTPUT_MAX);
}

/*
 * import_result_clear - free the result buffers.
 */
void
import_result_clear(struct import_result *res)
{
	buf_clear(&res->conf);
	buf_clear(&res->keytable);
	buf_clear(&res->warnings);
}

/*
 * import_opendkim_convert - the conversion (see import_opendkim.h).
 */
int
import_opendkim_convert(const char *name, const char *text, size_t len,
    const char *keytable_path, struct import_result *res, char *err,
    size_t errlen)
{
	struct imp	 im;
	size_t		 i;
	int		 rc = -1;

	memset(&im, 0, sizeof(im));
	im.name = name;
	im.keytable_path = keytable_path;
	im.res = res;
	if (imp_parse(&im, text, len, err, errlen) == -1)
		goto out;

	imp_comment(&im, "dkimgate.conf - converted by \"dkimgate "
	    "import-opendkim\" from %s.", name);
	imp_comment(&im, "Parameters not set here keep their defaults "
	    "(dkimgate.conf(5)); check the file with \"dkimgate "
	    "check-config -c FILE\". Each parameter follows the OpenDKIM "
	    "option it comes from; the options that are not mapped, and the "
	    "changes to make in Postfix, are listed at the end.");
	buf_addc(&res->conf, '\n');

	imp_mode(&im);
	imp_keys(&im);
	imp_headers(&im);
	imp_networks(&im);
	imp_verify(&im);
	imp_misc(&im);
	imp_socket(&im);
	imp_unmapped(&im);
	imp_postfix_note(&im);

	if (buf_error(&res->conf) || buf_error(&res->keytable) ||
	    buf_error(&res->warnings)) {
		imp_err(err, errlen, "%s: the converted configuration is "
		    "larger than %d bytes", name, IMPORT_OUTPUT_MAX);
		goto out;
	}
	rc = 0;
 out:
	for (i = 0; i < im.nopts; i++) {
		free(im.opts[i].name);
		free(im.opts[i].value);
		free(im.opts[i].why);
	}
	free(im.opts);
	imp_list_clear(&im.nets);
	free(im.milter);
	return rc;
}

/*
 * imp_write_new - write (data, len) to a new file (never overwriting)
 * with the given mode. 0, or -1 with why.
 */
static int
imp_write_new(const char *path, const char *data, size_t len, mode_t mode,
    char *why, size_t whylen)
{
	ssize_t	 n;
	size_t	 off = 0;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY,
	    mode)) == -1) {
		imp_err(why, whylen, "%s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (never overwritten)" : "");
		return -1;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			imp_err(why, whylen, "%s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) == -1) {
		imp_err(why, whylen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * imp_usage - print "dkimgate CMD: msg" to stderr and return 2, as
 * cmd_usage_error() in dkimgate.c does (not called from here, so that
 * this file links into the unit tests without main's file).
 */
static int
imp_usage(const char *cmd, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "dkimgate %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/*
 * cmd_import_opendkim - dkimgate import-opendkim [-o FILE] [-k FILE] FILE
 *
 * Writes the converted configuration to FILE given with -o (a new file),
 * or to standard output. When the single-key form needs a key table, it
 * goes to -k FILE, by default "key.table" beside the -o file; without
 * -o and -k it is printed as comment lines to save by hand, and
 * key_table names SYSCONFDIR/dkimgate/key.table. Warnings go to standard
 * error. Exit 0 when converted (whatever was not mapped), 1 when the
 * input or an output file cannot be read or written, 2 on usage errors.
 */
int
cmd_import_opendkim(int argc, char **argv)
{
	struct import_result	 res;
	struct buf		 in;
	const char		*cmd = argv[0], *out = NULL, *ktab = NULL;
	char			 err[1024], *dir = NULL, *deftab = NULL;
	const char		*s, *e, *d;
	int			 ch, rc = 1, tostdout_table = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt(argc, argv, "k:o:")) != -1) {
		switch (ch) {
		case 'k':
			ktab = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return imp_usage(cmd, "bad option %s; usage: "
			    "dkimgate import-opendkim [-o FILE] [-k FILE] "
			    "FILE", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return imp_usage(cmd, "usage: dkimgate import-opendkim "
		    "[-o FILE] [-k FILE] FILE (opendkim.conf or "
		    "dkim-filter.conf)");
	if (ktab == NULL && out != NULL) {
		char	 cwd[4096];

		dir = xstrdup(out);
		d = dirname(dir);
		if (out[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
			xasprintf(&deftab, "%s%s%s/key.table", cwd,
			    strcmp(d, ".") == 0 ? "" : "/",
			    strcmp(d, ".") == 0 ? "" : d);
		else
			xasprintf(&deftab, "%s/key.table", d);
		ktab = deftab;
	} else if (ktab == NULL) {
		ktab = SYSCONFDIR "/dkimgate/key.table";
		tostdout_table = 1;
	}
	if (ktab[0] != '/' || imp_has_space(ktab)) {
		rc = imp_usage(cmd, "the key table path %s must be "
		    "absolute, without white space", ktab);
		goto done;
	}

	import_result_init(&res);
	if (imp_read_file(argv[optind], &in, err, sizeof(err)) == -1) {
		fprintf(stderr, "dkimgate %s: %s\n", cmd, err);
		goto out;
	}
	if (import_opendkim_convert(argv[optind], in.data, in.len, ktab,
	    &res, err, sizeof(err)) == -1) {
		fprintf(stderr, "dkimgate %s: %s\n", cmd, err);
		goto out;
	}
	for (s = res.warnings.data; s < res.warnings.data +
	    res.warnings.len; s = e + 1) {
		e = memchr(s, '\n', res.warnings.data + res.warnings.len - s);
		if (e == NULL)
			break;
		fprintf(stderr, "dkimgate %s: warning: %.*s\n", cmd,
		    (int)(e - s), s);
	}
	if (res.keytable.len > 0 && tostdout_table) {
		/* no file to put it in: show it, to be saved by hand */
		buf_printf(&res.conf, "\n# Key table for key_table above: "
		    "save the lines below, without\n# the leading \"# \", "
		    "as %s (or run with -k FILE)\n", ktab);
		for (s = res.keytable.data; s < res.keytable.data +
		    res.keytable.len; s = e + 1) {
			e = memchr(s, '\n', res.keytable.data +
			    res.keytable.len - s);
			if (e == NULL)
				break;
			buf_printf(&res.conf, "# %.*s\n", (int)(e - s), s);
		}
		fprintf(stderr, "dkimgate %s: warning: save the key table "
		    "shown at the end of the output as %s\n", cmd, ktab);
	} else if (res.keytable.len > 0 &&
	    imp_write_new(ktab, res.keytable.data, res.keytable.len, 0644,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "dkimgate %s: %s\n", cmd, err);
		goto out;
	}
	if (buf_error(&res.conf)) {
		fprintf(stderr, "dkimgate %s: output too large\n", cmd);
		goto out;
	}
	if (out != NULL) {
		if (imp_write_new(out, res.conf.data, res.conf.len, 0644, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "dkimgate %s: %s\n", cmd, err);
			if (res.keytable.len > 0 && !tostdout_table)
				unlink(ktab);
			goto out;
		}
	} else if (fwrite(res.conf.data, 1, res.conf.len, stdout) !=
	    res.conf.len || fflush(stdout) == EOF) {
		fprintf(stderr, "dkimgate %s: write: %s\n", cmd,
		    strerror(errno));
		goto out;
	}
	if (res.nunmapped > 0)
		fprintf(stderr, "dkimgate %s: %zu option%s not mapped (see "
		    "the comments at the end of the output)\n", cmd,
		    res.nunmapped, res.nunmapped == 1 ? "" : "s");
	if (res.keytable.len > 0 && !tostdout_table)
		fprintf(stderr, "dkimgate %s: key table written to %s\n", cmd,
		    ktab);
	rc = 0;
 out:
	buf_clear(&in);
	import_result_clear(&res);
 done:
	free(dir);
	free(deftab);
	return rc;
}
