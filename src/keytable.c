/*
 * keytable.c - key table and signing table (dkim-filter's KeyList,
 * OpenDKIM's KeyTable/SigningTable, and dkimgate's own table).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "dkim_sign.h"
#include "keytable.h"
#include "log.h"
#include "xmalloc.h"

#define KT_KEYFILE_MAX	(64 * 1024)	/* a PEM key is a few KiB */
#define KT_BYDOMAIN	((size_t)-1)	/* OpenDKIM "%" key name */
#define KT_DEFAULT_MIN_BITS	1024
#define KT_NONE		((size_t)-1)	/* no successor */

enum kt_order {
	KT_KEYED = 0,	/* most specific key first (plain files, ours) */
	KT_ORDERED	/* wildcard patterns in file order (refile, KeyList) */
};

/* a key file, parsed once even if several entries name it */
struct kt_file {
	char			*path;
	struct crypto_key	*key;
};

struct kt_rule {
	char		*pattern;	/* lower-cased, as written */
	char		*lookup;	/* KT_KEYED: the key looked up */
	int		 glob;		/* matched as a wildcard pattern */
	size_t		 key;		/* index in keys, or KT_BYDOMAIN */
	char		*signer;	/* i= template or NULL */
	size_t		 order;
};

struct keytable {
	struct dkim_sign_policy	*policy;
	unsigned		 min_bits;
	enum kt_order		 order;

	struct kt_file		*files;
	size_t			 nfiles;
	struct keytable_key	*keys;
	size_t			 nkeys;
	size_t			*byname;	/* key indexes sorted by name */

	struct kt_rule		*rules;
	size_t			 nrules;
	size_t			*sorted;	/* KT_KEYED non-glob rules */
	size_t			 nsorted;

	/* key rotation */
	int			 overlap;	/* rotation_overlap, seconds */
	size_t			*succ;		/* per key: successor or
						 * KT_NONE (while loading) */
	struct kt_pending	*pend;		/* successor-of= lines */
	size_t			 npend;
};

/* a "successor-of=" line of dkimgate's own table, resolved at the end */
struct kt_pending {
	size_t		 key;		/* the successor (the line's key) */
	char		*oldsel;	/* the selector it succeeds */
	char		*pattern;	/* the line's pattern, lower case */
};

/* a table file being read, for FILE:LINE messages */
struct kt_reader {
	const char	*path;
	FILE		*fp;
	size_t		 lineno;
	char		*line;
	char		*err;
	size_t		 errlen;
};

static void	kt_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	kt_rerr(struct kt_reader *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static struct keytable *kt_alloc(const struct config *, char *, size_t);
static int	kt_open(struct kt_reader *, const char *, char *, size_t);
static void	kt_close(struct kt_reader *);
static int	kt_next(struct kt_reader *, char **);
static size_t	kt_split(char *, char **, size_t);
static void	kt_lower(char *);
static const char *kt_strip_prefix(const char *, int *);
static int	kt_read_keyfile(const char *, int, unsigned char **, size_t *,
		    char *, size_t);
static struct crypto_key *kt_file_key(struct keytable *, const char *, int,
		    char *, size_t);
static int	kt_key_new(struct keytable *, const char *, const char *,
		    const char *, const char *, const char *, int, size_t *,
		    char *, size_t);
static int	kt_check_domain(const char *);
static int	kt_check_selector(const char *);
static void	kt_rule_add(struct keytable *, const char *, size_t,
		    const char *);
static int	kt_load_keylist(struct keytable *, const char *, char *,
		    size_t);
static int	kt_load_ours(struct keytable *, const char *, char *, size_t);
static int	kt_load_opendkim_keys(struct keytable *, const char *, char *,
		    size_t);
static int	kt_load_opendkim_sign(struct keytable *, const char *, int,
		    char *, size_t);
static size_t	kt_find_name(const struct keytable *, const char *);
static void	kt_index(struct keytable *);
static int	kt_glob(const char *, const char *);
static ssize_t	kt_find_lookup(const struct keytable *, const char *);
static size_t	kt_emit(const struct keytable *, const struct kt_rule *,
		    const char *, struct keytable_match *, size_t, size_t);
static size_t	kt_emit_key(const struct keytable_key *,
		    const struct kt_rule *, const char *,
		    struct keytable_match *, size_t, size_t);
static int64_t	kt_switched(const struct keytable_key *);
static int	kt_is_pending(const struct keytable *, size_t);
static int	kt_resolve_ours(struct keytable *, char *, size_t);
static int	kt_load_successors(struct keytable *, const char *, int,
		    char *, size_t);
static int	kt_link(struct keytable *, char *, size_t);

/*
 * kt_err - format an error message into err.
 */
static void
kt_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * kt_rerr - error at the reader's current line: "FILE:LINE: message".
 */
static void
kt_rerr(struct kt_reader *r, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kt_err(r->err, r->errlen, "%s:%zu: %s", r->path, r->lineno, msg);
}

/*
 * kt_open - open a table file for reading.
 */
static int
kt_open(struct kt_reader *r, const char *path, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->err = err;
	r->errlen = errlen;
	if ((r->fp = fopen(path, "r")) == NULL) {
		kt_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r->line = xmalloc(KEYTABLE_LINE_MAX + 2);
	return 0;
}

/*
 * kt_close - release a reader.
 */
static void
kt_close(struct kt_reader *r)
{
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->line);
	r->fp = NULL;
	r->line = NULL;
}

/*
 * kt_next - the next line that is not blank or a comment, with the
 * comment ("#" to the end) and surrounding white space removed.
 * Returns 1 with *linep set, 0 at the end, -1 on error.
 */
static int
kt_next(struct kt_reader *r, char **linep)
{
	char	*p, *e;
	size_t	 n;

	for (;;) {
		if (fgets(r->line, KEYTABLE_LINE_MAX + 2, r->fp) == NULL) {
			if (ferror(r->fp)) {
				kt_err(r->err, r->errlen, "%s: read error",
				    r->path);
				return -1;
			}
			return 0;
		}
		r->lineno++;
		if (r->lineno > KEYTABLE_MAX_ENTRIES) {
			kt_rerr(r, "too many lines (limit %d)",
			    KEYTABLE_MAX_ENTRIES);
			return -1;
		}
		n = strlen(r->line);
		if (n > 0 && r->line[n - 1] == '\n')
			r->line[--n] = '\0';
		else if (!feof(r->fp)) {
			kt_rerr(r, "line longer than %d bytes",
			    KEYTABLE_LINE_MAX);
			return -1;
		}
		if (n > KEYTABLE_LINE_MAX) {
			kt_rerr(r, "line longer than %d bytes",
			    KEYTABLE_LINE_MAX);
			return -1;
		}
		if (memchr(r->line, '\0', n) != NULL ||
		    strlen(r->line) != n) {
			kt_rerr(r, "NUL byte in line");
			return -1;
		}
		if ((p = strchr(r->line, '#')) != NULL)
			*p = '\0';
		p = r->line;
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			*--e = '\0';
		if (*p == '\0')
			continue;
		*linep = p;
		return 1;
	}
}

/*
 * kt_split - split s in place at runs of white space into at most max
 * fields; returns the number of fields (max + 1 means "too many").
 */
static size_t
kt_split(char *s, char **f, size_t max)
{
	size_t	 n = 0;

	while (*s != '\0') {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (n == max)
			return max + 1;
		f[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

/*
 * kt_lower - lower-case an ASCII string in place.
 */
static void
kt_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = tolower((unsigned char)*s);
}

/*
 * kt_strip_prefix - OpenDKIM data set prefixes: "file:" (plain) and
 * "refile:" (wildcard patterns). *re is set for refile.
 */
static const char *
kt_strip_prefix(const char *path, int *re)
{
	*re = 0;
	if (strncmp(path, "refile:", 7) == 0) {
		*re = 1;
		return path + 7;
	}
	if (strncmp(path, "file:", 5) == 0)
		return path + 5;
	return path;
}

/*
 * kt_read_keyfile - read a private key file after checking what it is:
 * a regular file, and (with KEYTABLE_F_PERMS) not accessible to group or
 * others. The check is made on the descriptor that is read (no race).
 * On success *datap (caller frees, after explicit_bzero) and *lenp.
 */
static int
kt_read_keyfile(const char *path, int flags, unsigned char **datap,
    size_t *lenp, char *err, size_t errlen)
{
	struct stat	 st;
	unsigned char	*data;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)) == -1) {
		kt_err(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		kt_err(err, errlen, "key file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		kt_err(err, errlen, "key file %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((flags & KEYTABLE_F_PERMS) && (st.st_mode & 077) != 0) {
		kt_err(err, errlen, "key file %s: mode %04o lets group or "
		    "others access the private key (chmod 600)", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	if (st.st_size > KT_KEYFILE_MAX) {
		kt_err(err, errlen, "key file %s: larger than %d bytes", path,
		    KT_KEYFILE_MAX);
		close(fd);
		return -1;
	}
	data = xmalloc(KT_KEYFILE_MAX + 1);
	while (len < KT_KEYFILE_MAX) {
		n = read(fd, data + len, KT_KEYFILE_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			kt_err(err, errlen, "key file %s: %s", path,
			    strerror(errno));
			close(fd);
			explicit_bzero(data, KT_KEYFILE_MAX + 1);
			free(data);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len == 0) {
		kt_err(err, errlen, "key file %s: empty", path);
		free(data);
		return -1;
	}
	*datap = data;
	*lenp = len;
	return 0;
}

/*
 * kt_file_key - the parsed key for path, loading it on first use.
 */
static struct crypto_key *
kt_file_key(struct keytable *kt, const char *path, int flags, char *err,
    size_t errlen)
{
	struct crypto_key	*key;
	unsigned char		*data;
	char			 why[256];
	size_t			 i, len;

	for (i = 0; i < kt->nfiles; i++) {
		if (strcmp(kt->files[i].path, path) != 0)
			continue;
		if ((flags & KEYTABLE_F_PERMS) &&
		    kt_read_keyfile(path, flags, &data, &len, err,
		    errlen) == -1)
			return NULL;
		if (flags & KEYTABLE_F_PERMS) {
			explicit_bzero(data, len);
			free(data);
		}
		return kt->files[i].key;
	}
	if (kt_read_keyfile(path, flags, &data, &len, err, errlen) == -1)
		return NULL;
	why[0] = '\0';
	key = crypto_key_parse(data, len, why, sizeof(why));
	explicit_bzero(data, len);
	free(data);
	if (key == NULL) {
		kt_err(err, errlen, "key file %s: not a usable private key%s%s",
		    path, why[0] != '\0' ? ": " : "", why);
		return NULL;
	}
	if (!crypto_key_is_private(key)) {
		kt_err(err, errlen, "key file %s: holds no private key", path);
		crypto_key_free(key);
		return NULL;
	}
	if (crypto_key_alg(key) == CRYPTO_ALG_RSA &&
	    crypto_key_bits(key) < kt->min_bits) {
		kt_err(err, errlen, "key file %s: RSA key of %u bits is "
		    "shorter than min_key_bits (%u)", path,
		    crypto_key_bits(key), kt->min_bits);
		crypto_key_free(key);
		return NULL;
	}
	kt->files = xreallocarray(kt->files, kt->nfiles + 1,
	    sizeof(*kt->files));
	kt->files[kt->nfiles].path = xstrdup(path);
	kt->files[kt->nfiles].key = key;
	kt->nfiles++;
	return key;
}

/*
 * kt_check_domain - 0 if s can be a d= value: dot-separated labels of
 * letters, digits, hyphens and underscores (RFC 6376 3.5, domain-name;
 * "%" stands for the From domain).
 */
static int
kt_check_domain(const char *s)
{
	size_t	 lablen = 0, n = 0;

	if (strcmp(s, "%") == 0)
		return 0;
	for (; *s != '\0'; s++, n++) {
		if (*s == '.') {
			if (lablen == 0)
				return -1;
			lablen = 0;
			continue;
		}
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return -1;
		if (++lablen > 63)
			return -1;
	}
	return (n == 0 || n > 253 || lablen == 0) ? -1 : 0;
}

/*
 * kt_check_selector - 0 if s is a selector (RFC 6376 3.1: sub-domain
 * labels separated by dots).
 */
static int
kt_check_selector(const char *s)
{
	if (strcmp(s, "%") == 0)
		return -1;
	return kt_check_domain(s);
}

/*
 * kt_key_new - add a key entry (loading its file); *idx gets its index.
 */
static int
kt_key_new(struct keytable *kt, const char *name, const char *domain,
    const char *selector, const char *path, const char *where, int flags,
    size_t *idx, char *err, size_t errlen)
{
	struct keytable_key	*k;
	struct crypto_key	*key;
	char			 why[512];

	if (kt_check_domain(domain) == -1) {
		kt_err(err, errlen, "%s: bad signing domain \"%s\"", where,
		    domain);
		return -1;
	}
	if (kt_check_selector(selector) == -1) {
		kt_err(err, errlen, "%s: bad selector \"%s\"", where,
		    selector);
		return -1;
	}
	if (kt->nkeys >= KEYTABLE_MAX_ENTRIES) {
		kt_err(err, errlen, "%s: too many keys", where);
		return -1;
	}
	if ((key = kt_file_key(kt, path, flags, why, sizeof(why))) == NULL) {
		kt_err(err, errlen, "%s: %s", where, why);
		return -1;
	}
	kt->keys = xreallocarray(kt->keys, kt->nkeys + 1, sizeof(*kt->keys));
	kt->succ = xreallocarray(kt->succ, kt->nkeys + 1, sizeof(*kt->succ));
	kt->succ[kt->nkeys] = KT_NONE;
	k = &kt->keys[kt->nkeys];
	memset(k, 0, sizeof(*k));
	k->name = xstrdup(name);
	k->domain = xstrdup(domain);
	kt_lower(k->domain);
	k->selector = xstrdup(selector);
	k->path = xstrdup(path);
	k->where = xstrdup(where);
	k->key = key;
	k->alg = crypto_key_alg(key);
	k->bits = crypto_key_bits(key);
	*idx = kt->nkeys++;
	return 0;
}

/*
 * kt_rule_add - add a signing rule: pattern (as written) -> key.
 * In KT_KEYED tables the pattern becomes the key looked up:
 * "*@d" -> "d", "*@*.d" -> ".d", others unchanged; a pattern with any
 * other "*" is a wildcard tried in file order.
 */
static void
kt_rule_add(struct keytable *kt, const char *pattern, size_t key,
    const char *signer)
{
	struct kt_rule	*r;
	const char	*p;

	kt->rules = xreallocarray(kt->rules, kt->nrules + 1,
	    sizeof(*kt->rules));
	r = &kt->rules[kt->nrules];
	memset(r, 0, sizeof(*r));
	r->pattern = xstrdup(pattern);
	kt_lower(r->pattern);
	r->key = key;
	r->signer = signer != NULL ? xstrdup(signer) : NULL;
	r->order = kt->nrules;
	p = r->pattern;
	if (kt->order == KT_ORDERED)
		r->glob = 1;
	else if (strcmp(p, "*") == 0)
		r->lookup = xstrdup(p);
	else if (strncmp(p, "*@*.", 4) == 0 && strchr(p + 4, '*') == NULL)
		r->lookup = xstrdup(p + 3);
	else if (strncmp(p, "*@", 2) == 0 && strchr(p + 2, '*') == NULL)
		r->lookup = xstrdup(p + 2);
	else {
		/* user@* is an OpenDKIM key, not a wildcard */
		size_t	 n = strlen(p);
		const char *star = strchr(p, '*');

		if (star == NULL || (n >= 2 && star == p + n - 1 &&
		    p[n - 2] == '@' && strchr(p, '@') == p + n - 2))
			r->lookup = xstrdup(p);
		else
			r->glob = 1;
	}
	kt->nrules++;
}

/*
 * kt_alloc - an empty table with the policy compiled from conf.
 */
static struct keytable *
kt_alloc(const struct config *conf, char *err, size_t errlen)
{
	struct keytable	*kt;

	kt = xcalloc(1, sizeof(*kt));
	kt->min_bits = KT_DEFAULT_MIN_BITS;
	if (conf != NULL && conf->min_key_bits > 0)
		kt->min_bits = (unsigned)conf->min_key_bits;
	if (conf != NULL && conf->rotation_overlap > 0)
		kt->overlap = conf->rotation_overlap;
	kt->policy = dkim_sign_policy_new(
	    conf != NULL ? conf->sign_canonicalization : NULL,
	    conf != NULL ? conf->sign_headers : NULL,
	    conf != NULL ? conf->oversign_headers : NULL,
	    conf != NULL ? conf->signature_ttl : 0, err, errlen);
	if (kt->policy == NULL) {
		free(kt);
		return NULL;
	}
	return kt;
}

/*
 * keytable_new - an empty table for the command line.
 */
struct keytable *
keytable_new(const struct config *conf, char *err, size_t errlen)
{
	return kt_alloc(conf, err, errlen);
}

/*
 * keytable_add_key - a key signing every message (the command line).
 */
int
keytable_add_key(struct keytable *kt, const char *domain,
    const char *selector, const char *path, const char *ident,
    const char *where, int flags, char *err, size_t errlen)
{
	char	 name[512];
	size_t	 idx;

	if (kt_check_domain(domain) == -1 || strcmp(domain, "%") == 0) {
		kt_err(err, errlen, "%s: bad signing domain \"%s\"", where,
		    domain);
		return -1;
	}
	snprintf(name, sizeof(name), "%s@%s", selector, domain);
	if (kt_key_new(kt, name, domain, selector, path, where, flags, &idx,
	    err, errlen) == -1)
		return -1;
	kt_rule_add(kt, "*", idx, ident);
	kt_index(kt);
	return 0;
}

/*
 * kt_load_keylist - dkim-filter's KeyList: "sender-pattern:domain:path",
 * the selector being the last path component (dkim-filter's
 * dkim-filter.conf: "Selector will be derived from the key's filename";
 * the seed article's /etc/postfix/dkim/beispiel signs with s=beispiel).
 */
static int
kt_load_keylist(struct keytable *kt, const char *path, char *err,
    size_t errlen)
{
	struct kt_reader r;
	char		*line, *c1, *c2, *sel, where[1024];
	size_t		 idx;
	int		 rc;

	if (kt_open(&r, path, err, errlen) == -1)
		return -1;
	while ((rc = kt_next(&r, &line)) == 1) {
		if ((c1 = strchr(line, ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL) {
			kt_rerr(&r, "expected sender-pattern:domain:keypath");
			goto fail;
		}
		*c1++ = '\0';
		*c2++ = '\0';
		if (*line == '\0' || *c1 == '\0' || *c2 == '\0') {
			kt_rerr(&r, "empty field; expected "
			    "sender-pattern:domain:keypath");
			goto fail;
		}
		if ((sel = strrchr(c2, '/')) != NULL)
			sel++;
		else
			sel = c2;
		if (kt_check_selector(sel) == -1) {
			kt_rerr(&r, "key file name \"%s\" is not a valid "
			    "selector (the selector is the file name)", sel);
			goto fail;
		}
		snprintf(where, sizeof(where), "%s:%zu", path, r.lineno);
		if (kt_key_new(kt, where, c1, sel, c2, where,
		    KEYTABLE_F_PERMS, &idx, err, errlen) == -1)
			goto fail;
		kt_rule_add(kt, line, idx, NULL);
	}
	kt_close(&r);
	return rc;
 fail:
	kt_close(&r);
	return -1;
}

/*
 * kt_load_ours - dkimgate's key table: "pattern domain selector keypath
 * [i=identity] [successor-of=SELECTOR]".
 */
static int
kt_load_ours(struct keytable *kt, const char *path, char *err,
    size_t errlen)
{
	struct kt_reader r;
	char		*line, *f[7], *ident, *prev, where[1024];
	size_t		 n, i, idx;
	int		 rc;

	if (kt_open(&r, path, err, errlen) == -1)
		return -1;
	while ((rc = kt_next(&r, &line)) == 1) {
		n = kt_split(line, f, 6);
		if (n == 2 && strchr(f[1], ':') != NULL) {
			kt_rerr(&r, "this looks like an OpenDKIM KeyTable "
			    "line; set signing_table as well");
			goto fail;
		}
		if (n < 4 || n > 6) {
			kt_rerr(&r, "expected: pattern domain selector "
			    "keypath [i=identity] [successor-of=SELECTOR]");
			goto fail;
		}
		ident = prev = NULL;
		for (i = 4; i < n; i++) {
			if (strncmp(f[i], "i=", 2) == 0 && f[i][2] != '\0' &&
			    ident == NULL)
				ident = f[i] + 2;
			else if (strncmp(f[i], "successor-of=", 13) == 0 &&
			    f[i][13] != '\0' && prev == NULL)
				prev = f[i] + 13;
			else {
				kt_rerr(&r, "%s option \"%s\"",
				    (strncmp(f[i], "i=", 2) == 0 && ident !=
				    NULL) || (strncmp(f[i], "successor-of=",
				    13) == 0 && prev != NULL) ? "repeated" :
				    "unknown", f[i]);
				goto fail;
			}
		}
		if (prev != NULL && ident != NULL) {
			kt_rerr(&r, "a successor-of= line takes no i=: the "
			    "lines of the old key keep theirs");
			goto fail;
		}
		if (prev != NULL && (strcmp(f[1], "%") == 0 ||
		    kt_check_selector(prev) == -1)) {
			kt_rerr(&r, "successor-of=%s needs a fixed domain and "
			    "a valid selector", prev);
			goto fail;
		}
		snprintf(where, sizeof(where), "%s:%zu", path, r.lineno);
		if (strchr(f[0], '@') == NULL && strchr(f[0], '*') == NULL &&
		    f[0][0] != '.' && kt_check_domain(f[0]) == -1) {
			kt_rerr(&r, "bad pattern \"%s\"", f[0]);
			goto fail;
		}
		if (kt_key_new(kt, where, f[1], f[2], f[3], where,
		    KEYTABLE_F_PERMS, &idx, err, errlen) == -1)
			goto fail;
		if (prev != NULL) {
			/* a successor: no rule of its own (kt_resolve_ours) */
			kt->pend = xreallocarray(kt->pend, kt->npend + 1,
			    sizeof(*kt->pend));
			kt->pend[kt->npend].key = idx;
			kt->pend[kt->npend].oldsel = xstrdup(prev);
			kt->pend[kt->npend].pattern = xstrdup(f[0]);
			kt_lower(kt->pend[kt->npend].pattern);
			kt->npend++;
			continue;
		}
		if (ident != NULL && strchr(ident, '%') == NULL &&
		    strcmp(f[1], "%") != 0 &&
		    keytable_identity(ident, "", f[1], strlen(f[1]), where,
		    sizeof(where)) == -1) {
			kt_rerr(&r, "i=%s is not within d=%s (RFC 6376 3.5)",
			    ident, f[1]);
			goto fail;
		}
		kt_rule_add(kt, f[0], idx, ident);
	}
	kt_close(&r);
	return rc;
 fail:
	kt_close(&r);
	return -1;
}

/*
 * kt_load_opendkim_keys - OpenDKIM KeyTable: "name domain:selector:path".
 */
static int
kt_load_opendkim_keys(struct keytable *kt, const char *path, char *err,
    size_t errlen)
{
	struct kt_reader r;
	char		*line, *f[3], *c1, *c2, where[1024];
	size_t		 idx;
	int		 rc;

	if (kt_open(&r, path, err, errlen) == -1)
		return -1;
	while ((rc = kt_next(&r, &line)) == 1) {
		if (kt_split(line, f, 2) != 2 ||
		    (c1 = strchr(f[1], ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL) {
			kt_rerr(&r, "expected: name domain:selector:keypath");
			goto fail;
		}
		*c1++ = '\0';
		*c2++ = '\0';
		if (*c2 != '/' && strncmp(c2, "./", 2) != 0 &&
		    strncmp(c2, "../", 3) != 0) {
			kt_rerr(&r, "inline key data is not supported; put "
			    "the key in a file and give its path");
			goto fail;
		}
		snprintf(where, sizeof(where), "%s:%zu", path, r.lineno);
		if (kt_key_new(kt, f[0], f[1], c1, c2, where,
		    KEYTABLE_F_PERMS, &idx, err, errlen) == -1)
			goto fail;
	}
	kt_close(&r);
	if (rc == -1)
		return -1;
	kt_index(kt);
	for (idx = 1; idx < kt->nkeys; idx++) {
		const struct keytable_key *a = &kt->keys[kt->byname[idx - 1]];
		const struct keytable_key *b = &kt->keys[kt->byname[idx]];

		if (strcmp(a->name, b->name) == 0) {
			kt_err(err, errlen, "%s: key name \"%s\" already "
			    "defined at %s", b->where, b->name, a->where);
			return -1;
		}
	}
	return 0;
 fail:
	kt_close(&r);
	return -1;
}

/*
 * kt_load_opendkim_sign - OpenDKIM SigningTable: "pattern name [signer]";
 * name "%" means the key named like the From domain.
 */
static int
kt_load_opendkim_sign(struct keytable *kt, const char *path, int re,
    char *err, size_t errlen)
{
	struct kt_reader r;
	char		*line, *f[3];
	size_t		 n, idx;
	int		 rc;

	if (kt_open(&r, path, err, errlen) == -1)
		return -1;
	while ((rc = kt_next(&r, &line)) == 1) {
		n = kt_split(line, f, 3);
		if (n < 2 || n > 3) {
			kt_rerr(&r, "expected: pattern keyname [signer]");
			goto fail;
		}
		if (strcmp(f[1], "%") == 0)
			idx = KT_BYDOMAIN;
		else if ((idx = kt_find_name(kt, f[1])) == KT_BYDOMAIN) {
			kt_rerr(&r, "key name \"%s\" is not in the key table",
			    f[1]);
			goto fail;
		}
		if (!re && strchr(f[0], '*') != NULL &&
		    strcmp(f[0], "*") != 0 && strncmp(f[0], "*@", 2) != 0) {
			size_t	 len = strlen(f[0]);

			if (!(len >= 2 && strcmp(f[0] + len - 2, "@*") == 0))
				log_warnx("%s:%zu: wildcard pattern \"%s\" in "
				    "a plain signing table; matched as a "
				    "wildcard, but OpenDKIM needs refile: for "
				    "that", path, r.lineno, f[0]);
		}
		kt_rule_add(kt, f[0], idx, n == 3 ? f[2] : NULL);
	}
	kt_close(&r);
	return rc;
 fail:
	kt_close(&r);
	return -1;
}

/* the table being sorted, for the qsort comparators below */
static const struct keytable *kt_sorting;

/*
 * kt_cmp_name - qsort: key indexes by name.
 */
static int
kt_cmp_name(const void *a, const void *b)
{
	const size_t	*x = a, *y = b;

	return strcmp(kt_sorting->keys[*x].name, kt_sorting->keys[*y].name);
}

/*
 * kt_cmp_rule - qsort: rules by lookup key, then file order.
 */
static int
kt_cmp_rule(const void *a, const void *b)
{
	const struct kt_rule *x = &kt_sorting->rules[*(const size_t *)a];
	const struct kt_rule *y = &kt_sorting->rules[*(const size_t *)b];
	int		 c;

	if ((c = strcmp(x->lookup, y->lookup)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * kt_index - (re)build the sorted indexes after entries were added.
 */
static void
kt_index(struct keytable *kt)
{
	size_t	 i;

	free(kt->byname);
	kt->byname = xreallocarray(NULL, kt->nkeys + 1, sizeof(size_t));
	for (i = 0; i < kt->nkeys; i++)
		kt->byname[i] = i;
	kt_sorting = kt;
	qsort(kt->byname, kt->nkeys, sizeof(size_t), kt_cmp_name);

	free(kt->sorted);
	kt->sorted = xreallocarray(NULL, kt->nrules + 1, sizeof(size_t));
	kt->nsorted = 0;
	for (i = 0; i < kt->nrules; i++)
		if (!kt->rules[i].glob)
			kt->sorted[kt->nsorted++] = i;
	qsort(kt->sorted, kt->nsorted, sizeof(size_t), kt_cmp_rule);
	kt_sorting = NULL;
}

/*
 * kt_find_name - index of the key called name, or KT_BYDOMAIN.
 */
static size_t
kt_find_name(const struct keytable *kt, const char *name)
{
	size_t	 lo = 0, hi = kt->nkeys, mid;
	int	 c;

	if (kt->byname == NULL)
		return KT_BYDOMAIN;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, kt->keys[kt->byname[mid]].name);
		if (c == 0)
			return kt->byname[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return KT_BYDOMAIN;
}

/*
 * kt_is_pending - 1 if key i came from a successor-of= line.
 */
static int
kt_is_pending(const struct keytable *kt, size_t i)
{
	size_t	 j;

	for (j = 0; j < kt->npend; j++)
		if (kt->pend[j].key == i)
			return 1;
	return 0;
}

/*
 * kt_resolve_ours - give every key named by a successor-of= line its
 * successor: each entry with the line's domain and the named selector
 * (however many lines sign with it), at least one of them on a line
 * with the same pattern as the successor's line.
 */
static int
kt_resolve_ours(struct keytable *kt, char *err, size_t errlen)
{
	const struct kt_pending	*p;
	const struct keytable_key *s, *k;
	size_t			 i, j, found, pat;

	for (j = 0; j < kt->npend; j++) {
		p = &kt->pend[j];
		s = &kt->keys[p->key];
		if (strcasecmp(p->oldsel, s->selector) == 0) {
			kt_err(err, errlen, "%s: successor-of=%s names the "
			    "line's own selector", s->where, p->oldsel);
			return -1;
		}
		found = pat = 0;
		for (i = 0; i < kt->nkeys; i++) {
			k = &kt->keys[i];
			if (kt_is_pending(kt, i) ||
			    strcmp(k->domain, s->domain) != 0 ||
			    strcasecmp(k->selector, p->oldsel) != 0)
				continue;
			if (kt->succ[i] != KT_NONE && kt->succ[i] != p->key) {
				kt_err(err, errlen, "%s: d=%s s=%s already has "
				    "a successor (%s)", s->where, s->domain,
				    p->oldsel, kt->keys[kt->succ[i]].where);
				return -1;
			}
			kt->succ[i] = p->key;
			found++;
			if (!pat) {
				size_t	 r;

				for (r = 0; r < kt->nrules; r++)
					if (kt->rules[r].key == i &&
					    strcmp(kt->rules[r].pattern,
					    p->pattern) == 0)
						pat = 1;
			}
		}
		if (found == 0) {
			kt_err(err, errlen, "%s: successor-of=%s: no line "
			    "signs with d=%s s=%s", s->where, p->oldsel,
			    s->domain, p->oldsel);
			return -1;
		}
		if (!pat) {
			kt_err(err, errlen, "%s: successor-of=%s: no line with "
			    "pattern %s signs with d=%s s=%s", s->where,
			    p->oldsel, p->pattern, s->domain, p->oldsel);
			return -1;
		}
	}
	return 0;
}

/*
 * kt_load_successors - successor_table: "OLD NEW" per line; OpenDKIM
 * KeyTable names, or (keylist) KeyList key paths, the new key being made
 * for every domain the old path signs for, its selector the file name.
 */
static int
kt_load_successors(struct keytable *kt, const char *path, int keylist,
    char *err, size_t errlen)
{
	struct kt_reader r;
	char		*line, *f[3], *sel, *dom, where[1024];
	size_t		 i, j, o, nw, nold, first;
	int		 rc, found;

	if (kt_open(&r, path, err, errlen) == -1)
		return -1;
	while ((rc = kt_next(&r, &line)) == 1) {
		if (kt_split(line, f, 2) != 2) {
			kt_rerr(&r, "expected: %s", keylist ?
			    "old-keyfile new-keyfile" : "old-keyname "
			    "new-keyname");
			goto fail;
		}
		snprintf(where, sizeof(where), "%s:%zu", path, r.lineno);
		if (!keylist) {
			o = kt_find_name(kt, f[0]);
			nw = kt_find_name(kt, f[1]);
			if (o == KT_BYDOMAIN || nw == KT_BYDOMAIN) {
				kt_rerr(&r, "key name \"%s\" is not in the "
				    "key table", o == KT_BYDOMAIN ? f[0] :
				    f[1]);
				goto fail;
			}
			if (o == nw || strcmp(kt->keys[o].domain, "%") == 0 ||
			    strcmp(kt->keys[o].domain,
			    kt->keys[nw].domain) != 0) {
				kt_rerr(&r, "%s must be another key of the "
				    "same fixed domain as %s (d=%s)", f[1],
				    f[0], kt->keys[o].domain);
				goto fail;
			}
			if (kt->succ[o] != KT_NONE) {
				kt_rerr(&r, "%s already has a successor", f[0]);
				goto fail;
			}
			kt->succ[o] = nw;
			continue;
		}
		if ((sel = strrchr(f[1], '/')) != NULL)
			sel++;
		else
			sel = f[1];
		if (kt_check_selector(sel) == -1) {
			kt_rerr(&r, "key file name \"%s\" is not a valid "
			    "selector (the selector is the file name)", sel);
			goto fail;
		}
		if (strcmp(f[0], f[1]) == 0) {
			kt_rerr(&r, "a key cannot succeed itself");
			goto fail;
		}
		found = 0;
		first = kt->nkeys;
		nold = kt->nkeys;
		for (i = 0; i < nold; i++) {
			if (strcmp(kt->keys[i].path, f[0]) != 0 ||
			    strcmp(kt->keys[i].path, f[1]) == 0)
				continue;
			/* one successor per domain, made on first use */
			for (j = first; j < kt->nkeys; j++)
				if (strcmp(kt->keys[j].domain,
				    kt->keys[i].domain) == 0)
					break;
			if (j == kt->nkeys) {
				dom = xstrdup(kt->keys[i].domain);
				rc = kt_key_new(kt, where, dom, sel, f[1],
				    where, KEYTABLE_F_PERMS, &j, err, errlen);
				free(dom);
				if (rc == -1)
					goto fail;
			}
			if (kt->succ[i] != KT_NONE && kt->succ[i] != j) {
				kt_rerr(&r, "%s (%s) already has a successor",
				    f[0], kt->keys[i].where);
				goto fail;
			}
			kt->succ[i] = j;
			found = 1;
		}
		if (!found) {
			kt_rerr(&r, "no KeyList line uses the key file %s",
			    f[0]);
			goto fail;
		}
	}
	kt_close(&r);
	return rc;
 fail:
	kt_close(&r);
	return -1;
}

/*
 * kt_link - check the successor relation (one step: a successor has no
 * successor of its own) and turn it into pointers.
 */
static int
kt_link(struct keytable *kt, char *err, size_t errlen)
{
	size_t	 i, j, k;

	/* the same d= and s= on other lines is the same key */
	for (i = 0; i < kt->nkeys; i++) {
		if ((j = kt->succ[i]) == KT_NONE)
			continue;
		for (k = 0; k < kt->nkeys; k++) {
			if (kt->succ[k] == KT_NONE ||
			    strcmp(kt->keys[k].domain,
			    kt->keys[j].domain) != 0 ||
			    strcasecmp(kt->keys[k].selector,
			    kt->keys[j].selector) != 0)
				continue;
			kt_err(err, errlen, "%s: the successor of d=%s s=%s "
			    "has a successor itself (%s); rotate one key at "
			    "a time", kt->keys[j].where, kt->keys[i].domain,
			    kt->keys[i].selector,
			    kt->keys[kt->succ[k]].where);
			return -1;
		}
	}
	for (i = 0; i < kt->nkeys; i++) {
		if ((j = kt->succ[i]) == KT_NONE)
			continue;
		kt->keys[i].successor = &kt->keys[j];
		if (kt->keys[j].predecessor == NULL)
			kt->keys[j].predecessor = &kt->keys[i];
	}
	return 0;
}

/*
 * keytable_rotation_bind - attach a successor to its shared word.
 */
void
keytable_rotation_bind(struct keytable *kt, size_t i, int64_t *switched)
{
	if (kt != NULL && i < kt->nkeys)
		kt->keys[i].switched = switched;
}

/*
 * keytable_overlap - the double-signing time after a switch.
 */
int
keytable_overlap(const struct keytable *kt)
{
	return kt != NULL ? kt->overlap : 0;
}

/*
 * keytable_load - read the configured tables and their keys.
 */
struct keytable *
keytable_load(const struct config *conf, char *err, size_t errlen)
{
	struct keytable	*kt;
	const char	*kl, *ktab, *stab, *succ;
	int		 re = 0, dummy;

	if ((kt = kt_alloc(conf, err, errlen)) == NULL)
		return NULL;
	kl = conf->key_list != NULL ? conf->key_list : "";
	ktab = conf->key_table != NULL ? conf->key_table : "";
	stab = conf->signing_table != NULL ? conf->signing_table : "";
	succ = conf->successor_table != NULL ? conf->successor_table : "";
	if (*kl != '\0' && (*ktab != '\0' || *stab != '\0')) {
		kt_err(err, errlen, "%s: key_list cannot be combined with "
		    "key_table or signing_table", conf->path != NULL ?
		    conf->path : "config");
		goto fail;
	}
	if (*stab != '\0' && *ktab == '\0') {
		kt_err(err, errlen, "%s: signing_table needs key_table",
		    conf->path != NULL ? conf->path : "config");
		goto fail;
	}
	if (*kl != '\0') {
		kt->order = KT_ORDERED;
		if (kt_load_keylist(kt, kl, err, errlen) == -1)
			goto fail;
	} else if (*stab != '\0') {
		stab = kt_strip_prefix(stab, &re);
		ktab = kt_strip_prefix(ktab, &dummy);
		kt->order = re ? KT_ORDERED : KT_KEYED;
		if (kt_load_opendkim_keys(kt, ktab, err, errlen) == -1 ||
		    kt_load_opendkim_sign(kt, stab, re, err, errlen) == -1)
			goto fail;
	} else if (*ktab != '\0') {
		kt->order = KT_KEYED;
		if (*succ != '\0') {
			kt_err(err, errlen, "%s: successor_table is for "
			    "OpenDKIM tables and key_list; in dkimgate's own "
			    "key_table mark the new key's line with "
			    "successor-of=",
			    conf->path != NULL ? conf->path : "config");
			goto fail;
		}
		if (kt_load_ours(kt, kt_strip_prefix(ktab, &dummy), err,
		    errlen) == -1 || kt_resolve_ours(kt, err, errlen) == -1)
			goto fail;
	}
	if (*succ != '\0' && *kl == '\0' && *stab == '\0') {
		kt_err(err, errlen, "%s: successor_table needs key_list or "
		    "key_table with signing_table", conf->path != NULL ?
		    conf->path : "config");
		goto fail;
	}
	if (*succ != '\0') {
		kt_index(kt);
		if (kt_load_successors(kt, succ, *kl != '\0', err,
		    errlen) == -1)
			goto fail;
	}
	if (kt_link(kt, err, errlen) == -1)
		goto fail;
	kt_index(kt);
	return kt;
 fail:
	keytable_free(kt);
	return NULL;
}

/*
 * keytable_free - release a table and its keys.
 */
void
keytable_free(struct keytable *kt)
{
	size_t	 i;

	if (kt == NULL)
		return;
	for (i = 0; i < kt->nfiles; i++) {
		free(kt->files[i].path);
		crypto_key_free(kt->files[i].key);
	}
	free(kt->files);
	for (i = 0; i < kt->nkeys; i++) {
		free(kt->keys[i].name);
		free(kt->keys[i].domain);
		free(kt->keys[i].selector);
		free(kt->keys[i].path);
		free(kt->keys[i].where);
	}
	free(kt->keys);
	free(kt->byname);
	for (i = 0; i < kt->nrules; i++) {
		free(kt->rules[i].pattern);
		free(kt->rules[i].lookup);
		free(kt->rules[i].signer);
	}
	free(kt->rules);
	free(kt->sorted);
	free(kt->succ);
	for (i = 0; i < kt->npend; i++) {
		free(kt->pend[i].oldsel);
		free(kt->pend[i].pattern);
	}
	free(kt->pend);
	dkim_sign_policy_free(kt->policy);
	free(kt);
}

/*
 * keytable_nkeys - number of key entries.
 */
size_t
keytable_nkeys(const struct keytable *kt)
{
	return kt->nkeys;
}

/*
 * keytable_key_at - the i-th key entry (0 <= i < keytable_nkeys).
 */
const struct keytable_key *
keytable_key_at(const struct keytable *kt, size_t i)
{
	return i < kt->nkeys ? &kt->keys[i] : NULL;
}

/*
 * keytable_policy - the sign policy compiled with the table.
 */
const struct dkim_sign_policy *
keytable_policy(const struct keytable *kt)
{
	return kt->policy;
}

/*
 * kt_glob - 1 if s matches pattern p, where "*" matches any run of
 * bytes (including none) and every other byte matches itself ignoring
 * ASCII case. Linear backtracking on the last star.
 */
static int
kt_glob(const char *p, const char *s)
{
	const char	*star = NULL, *mark = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p != '\0' && tolower((unsigned char)*p) ==
		    tolower((unsigned char)*s)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++mark;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/*
 * kt_find_lookup - position in sorted of the first rule whose lookup
 * key equals k, or -1.
 */
static ssize_t
kt_find_lookup(const struct keytable *kt, const char *k)
{
	size_t	 lo = 0, hi = kt->nsorted, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(kt->rules[kt->sorted[mid]].lookup, k);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < kt->nsorted && strcmp(kt->rules[kt->sorted[lo]].lookup,
	    k) == 0)
		return (ssize_t)lo;
	return -1;
}

/*
 * kt_emit - add the match for rule r to out[n] (if there is room and the
 * key exists); returns the new count.
 */
static size_t
kt_emit(const struct keytable *kt, const struct kt_rule *r,
    const char *fromdom, struct keytable_match *out, size_t n, size_t max)
{
	const struct keytable_key *k;
	size_t		 idx = r->key;
	int64_t		 since;

	if (n >= max)
		return n;
	if (idx == KT_BYDOMAIN &&
	    (idx = kt_find_name(kt, fromdom)) == KT_BYDOMAIN) {
		log_debug("signing table: no key named \"%s\" for %%",
		    fromdom);
		return n;
	}
	k = &kt->keys[idx];
	if (k->successor != NULL && (since = kt_switched(k->successor)) != 0) {
		/* the successor took over; both sign during the overlap */
		if (kt->overlap > 0 &&
		    (int64_t)time(NULL) < since + kt->overlap)
			n = kt_emit_key(k, r, fromdom, out, n, max);
		return kt_emit_key(k->successor, r, fromdom, out, n, max);
	}
	return kt_emit_key(k, r, fromdom, out, n, max);
}

/*
 * kt_emit_key - add the match for key k under rule r to out[n] if there
 * is room; returns the new count.
 */
static size_t
kt_emit_key(const struct keytable_key *k, const struct kt_rule *r,
    const char *fromdom, struct keytable_match *out, size_t n, size_t max)
{
	if (n >= max)
		return n;
	out[n].key = k;
	out[n].signer = r->signer;
	if (strcmp(k->domain, "%") == 0) {
		out[n].domain = fromdom;
		out[n].domainlen = strlen(fromdom);
	} else {
		out[n].domain = k->domain;
		out[n].domainlen = strlen(k->domain);
	}
	return n + 1;
}

/*
 * kt_switched - when a successor took over (0: not, or not bound); the
 * supervisor writes the word in shared memory at any time.
 */
static int64_t
kt_switched(const struct keytable_key *k)
{
	if (k->switched == NULL)
		return 0;
	return __atomic_load_n(k->switched, __ATOMIC_ACQUIRE);
}

/*
 * keytable_lookup - the signatures for a From address.
 */
size_t
keytable_lookup(const struct keytable *kt, const char *addr,
    struct keytable_match *out, size_t max)
{
	char		 a[520], cand[600];
	const char	*at, *dom, *p, *winner = NULL;
	size_t		 i, n = 0, llen;
	ssize_t		 pos;
	int		 step;

	if (kt == NULL || addr == NULL || strlen(addr) >= 512 ||
	    (at = strrchr(addr, '@')) == NULL || at[1] == '\0')
		return 0;
	snprintf(a, sizeof(a), "%s", addr);
	kt_lower(a);
	llen = (size_t)(at - addr);
	dom = a + llen + 1;

	if (kt->order == KT_ORDERED) {
		for (i = 0; i < kt->nrules && winner == NULL; i++)
			if (kt_glob(kt->rules[i].pattern, a))
				winner = kt->rules[i].pattern;
		if (winner == NULL)
			return 0;
		for (i = 0; i < kt->nrules; i++)
			if (strcmp(kt->rules[i].pattern, winner) == 0)
				n = kt_emit(kt, &kt->rules[i],
				    addr + llen + 1, out, n, max);
		return n;
	}

	/*
	 * OpenDKIM's order for non-regex tables: user@host, host,
	 * user@.parent (nearest first), .parent, user@*, *; wildcard
	 * patterns are tried right after the exact address.
	 */
	for (step = 0; step < 7 && winner == NULL; step++) {
		switch (step) {
		case 0:
			if ((pos = kt_find_lookup(kt, a)) >= 0)
				winner = kt->rules[kt->sorted[pos]].lookup;
			break;
		case 1:
			for (i = 0; i < kt->nrules && winner == NULL; i++)
				if (kt->rules[i].glob &&
				    kt_glob(kt->rules[i].pattern, a))
					winner = kt->rules[i].pattern;
			break;
		case 2:
			if ((pos = kt_find_lookup(kt, dom)) >= 0)
				winner = kt->rules[kt->sorted[pos]].lookup;
			break;
		case 3:
		case 4:
			for (p = strchr(dom, '.'); p != NULL && winner == NULL;
			    p = strchr(p + 1, '.')) {
				if (step == 3)
					snprintf(cand, sizeof(cand), "%.*s@%s",
					    (int)llen, a, p);
				else
					snprintf(cand, sizeof(cand), "%s", p);
				if ((pos = kt_find_lookup(kt, cand)) >= 0)
					winner = kt->rules[
					    kt->sorted[pos]].lookup;
			}
			break;
		case 5:
			snprintf(cand, sizeof(cand), "%.*s@*", (int)llen, a);
			if ((pos = kt_find_lookup(kt, cand)) >= 0)
				winner = kt->rules[kt->sorted[pos]].lookup;
			break;
		case 6:
			if ((pos = kt_find_lookup(kt, "*")) >= 0)
				winner = kt->rules[kt->sorted[pos]].lookup;
			break;
		}
		if (winner != NULL && step == 1) {
			for (i = 0; i < kt->nrules; i++)
				if (kt->rules[i].glob &&
				    strcmp(kt->rules[i].pattern, winner) == 0)
					n = kt_emit(kt, &kt->rules[i],
					    addr + llen + 1, out, n, max);
			return n;
		}
	}
	if (winner == NULL)
		return 0;
	for (pos = kt_find_lookup(kt, winner); pos >= 0 &&
	    (size_t)pos < kt->nsorted &&
	    strcmp(kt->rules[kt->sorted[pos]].lookup, winner) == 0; pos++)
		n = kt_emit(kt, &kt->rules[kt->sorted[pos]],
		    addr + llen + 1, out, n, max);
	return n;
}

/*
 * keytable_identity - expand a signer (i=) template for a From address.
 */
int
keytable_identity(const char *tpl, const char *addr, const char *d,
    size_t dlen, char *out, size_t outsz)
{
	const char	*fromdom, *at, *p;
	size_t		 n = 0, fl, il;

	if ((at = strrchr(addr, '@')) != NULL)
		fromdom = at + 1;
	else
		fromdom = "";
	fl = strlen(fromdom);
	for (p = tpl; *p != '\0'; p++) {
		if (*p == '%') {
			if (n + fl >= outsz)
				return -1;
			memcpy(out + n, fromdom, fl);
			n += fl;
		} else {
			if (n + 1 >= outsz)
				return -1;
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	/* RFC 6376 3.5 i=: [local-part] "@" domain, domain = d or below */
	if ((at = strrchr(out, '@')) == NULL)
		return -1;
	at++;
	il = strlen(at);
	if (il == dlen && strncasecmp(at, d, dlen) == 0)
		return 0;
	if (il > dlen && at[il - dlen - 1] == '.' &&
	    strncasecmp(at + il - dlen, d, dlen) == 0)
		return 0;
	return -1;
}
