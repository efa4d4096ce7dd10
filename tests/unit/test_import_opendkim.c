/*
 * test_import_opendkim.c - "dkimgate import-opendkim": OpenDKIM and
 * dkim-filter configurations converted to dkimgate.conf. Every converted
 * file is loaded back with config_load() (and, where keys are involved,
 * keytable_load()), so the tests check what dkimgate makes of the output,
 * not only its text: listeners, the SAME table files, canonicalization,
 * header lists, client_networks from InternalHosts, DNS settings, the
 * single-key form's generated key table, a comment for every option not
 * mapped, warnings, the Postfix note, and hostile input.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "import_opendkim.h"
#include "keytable.h"
#include "netaddr.h"

#define KEYS	TEST_DATADIR "/sign"

static char	 tmpdir[256];

/* path - a file name in tmpdir (four rotating slots) */
static const char *
path(const char *name)
{
	static char	 p[4][512];
	static int	 slot;
	char		*s = p[slot++ % 4];

	snprintf(s, 512, "%s/%s", tmpdir, name);
	return s;
}

/* put - write text to tmpdir/name; "@D@" becomes tmpdir; return path */
static const char *
put(const char *name, const char *text)
{
	const char	*p = path(name), *t;
	FILE		*fp;

	assert_non_null(fp = fopen(p, "w"));
	for (t = text; *t != '\0'; t++) {
		if (strncmp(t, "@D@", 3) == 0) {
			fputs(tmpdir, fp);
			t += 2;
		} else
			fputc(*t, fp);
	}
	fclose(fp);
	return p;
}

/* subst - text with "@D@" replaced by tmpdir (caller frees) */
static char *
subst(const char *text)
{
	struct buf	 b;
	const char	*t;

	buf_init(&b, 1 << 20);
	for (t = text; *t != '\0'; t++) {
		if (strncmp(t, "@D@", 3) == 0) {
			buf_adds(&b, tmpdir);
			t += 2;
		} else
			buf_addc(&b, *t);
	}
	return buf_steal(&b, NULL);
}

/* copy_key - copy a test key into tmpdir, mode 0600 */
static void
copy_key(const char *name, const char *as)
{
	char	 src[512], buf[8192];
	FILE	*in, *out;
	size_t	 n;

	snprintf(src, sizeof(src), "%s/%s", KEYS, name);
	assert_non_null(in = fopen(src, "r"));
	assert_non_null(out = fopen(path(as), "w"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	assert_int_equal(chmod(path(as), 0600), 0);
}

/* convert - run the converter on text (with @D@), expect rc */
static void
convert(const char *text, struct import_result *res, int want_rc,
    char *err, size_t errlen)
{
	char	*t = subst(text);
	int	 rc;

	import_result_init(res);
	err[0] = '\0';
	rc = import_opendkim_convert("opendkim.conf", t, strlen(t),
	    path("key.table"), res, err, errlen);
	free(t);
	if (rc != want_rc)
		fail_msg("convert returned %d, want %d (%s)", rc, want_rc,
		    err);
}

/* load_back - write the converted file and config_load() it */
static struct config *
load_back(const struct import_result *res)
{
	struct config	*c;
	const char	*p = path("dkimgate.conf");
	char		 err[512];
	FILE		*fp;

	assert_non_null(fp = fopen(p, "w"));
	assert_int_equal(fwrite(res->conf.data, 1, res->conf.len, fp),
	    res->conf.len);
	fclose(fp);
	c = config_load(p, err, sizeof(err));
	if (c == NULL)
		fail_msg("converted file does not load: %s\n%s", err,
		    res->conf.data);
	return c;
}

/*
 * flat - b's text with comment lines joined: each line end followed by
 * "#" and blanks becomes one space, undoing the wrapping of comments
 * (caller frees)
 */
static char *
flat(const struct buf *b)
{
	char		*out = malloc(b->len + 1), *o = out;
	const char	*s = b->data;

	assert_non_null(out);
	while (*s != '\0') {
		if (s[0] == '\n' && s[1] == '#') {
			s += 2;
			while (*s == ' ')
				s++;
			*o++ = ' ';
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* contains - b's text, as is or with its comments joined, holds s */
static int
contains(const struct buf *b, const char *s)
{
	char	*f;
	int	 found;

	if (strstr(b->data, s) != NULL)
		return 1;
	f = flat(b);
	found = strstr(f, s) != NULL;
	free(f);
	return found;
}

/* has - the converted text contains s */
static void
has(const struct buf *b, const char *s)
{
	if (!contains(b, s))
		fail_msg("missing \"%s\" in:\n%s", s, b->data);
}

/* lacks - the converted text does not contain s */
static void
lacks(const struct buf *b, const char *s)
{
	if (strstr(b->data, s) != NULL)
		fail_msg("unexpected \"%s\" in:\n%s", s, b->data);
}

/* count_lines - how many lines of b start with prefix */
static size_t
count_lines(const struct buf *b, const char *prefix)
{
	const char	*s = b->data;
	size_t		 n = 0;

	while (s != NULL && *s != '\0') {
		if (strncmp(s, prefix, strlen(prefix)) == 0)
			n++;
		if ((s = strchr(s, '\n')) != NULL)
			s++;
	}
	return n;
}

/* net_allowed - does client_networks let addr (numeric) connect? */
static int
net_allowed(const struct config *c, const char *addr)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr),
		    1);
		sin6->sin6_family = AF_INET6;
	}
	return netlist_match(&c->client_networks, (struct sockaddr *)&ss);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_import.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	copy_key("rsa2048.pem", "beispiel");
	copy_key("rsa2048.pem", "mail.private");
	copy_key("ed25519.pem", "ed.private");
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/*
 * A realistic Debian-style opendkim.conf with KeyTable/SigningTable
 * (refile:), InternalHosts from a file with a host name and a negation,
 * and most of the options the task names.
 */
static void
full_opendkim(void **state)
{
	struct import_result	 res;
	struct config		*c;
	char			 err[512];
	const char		*s;

	(void)state;
	put("TrustedHosts", "# trusted\n127.0.0.1\n::1\nlocalhost\n"
	    "192.168.1.0/24\n10.1.2.3   # the backup MX\n!10.0.0.5\n"
	    "*.example.com\n2001:db8::/32\n");
	convert("# opendkim.conf\n"
	    "Syslog\t\t\tyes\n"
	    "UMask\t\t\t007\n"
	    "Mode\t\t\tsv\n"
	    "Canonicalization\trelaxed/simple\n"
	    "OversignHeaders\t\tFrom\n"
	    "SignHeaders\t\tTo,Subject,Date\n"
	    "AuthservID\t\tmx.example.com\n"
	    "TrustAnchorFile\t\t/usr/share/dns/root.key\n"
	    "KeyTable\t\trefile:/etc/opendkim/key.table\n"
	    "SigningTable\t\trefile:/etc/opendkim/signing.table\n"
	    "InternalHosts\t\t@D@/TrustedHosts\n"
	    "MinimumKeyBits\t\t2048\n"
	    "Socket\t\t\tinet:8891@localhost\n"
	    "UserID\t\t\topendkim\n"
	    "Selector\t\tmail\n"
	    "Nameservers\t\t127.0.0.1, 192.0.2.53\n"
	    "DNSTimeout\t\t7\n"
	    "SignatureTTL\t\t86400\n"
	    "AlwaysAddARHeader\tyes\n"
	    "FrobnicateHeaders\tyes\n", &res, 0, err, sizeof(err));

	c = load_back(&res);
	/* Mode sv: both listeners, postfix-examples ports, one return */
	assert_int_equal(c->nlisteners, 2);
	assert_int_equal(c->listeners[0].mode, MODE_SIGN);
	assert_string_equal(c->listeners[0].text,
	    "127.0.0.1:10027 mode=sign");
	assert_int_equal(c->listeners[1].mode, MODE_VERIFY);
	assert_string_equal(c->return_address, "127.0.0.1:10028");
	/* the very same OpenDKIM tables */
	assert_string_equal(c->key_table, "refile:/etc/opendkim/key.table");
	assert_string_equal(c->signing_table,
	    "refile:/etc/opendkim/signing.table");
	assert_string_equal(c->key_list, "");
	assert_string_equal(c->sign_canonicalization, "relaxed/simple");
	/* From added to SignHeaders (RFC 6376 5.4) */
	assert_string_equal(c->sign_headers, "To, Subject, Date, From");
	assert_string_equal(c->oversign_headers, "From");
	assert_string_equal(c->authserv_id, "mx.example.com");
	assert_string_equal(c->dns_trust_anchor, "/usr/share/dns/root.key");
	assert_string_equal(c->dns_resolver, "127.0.0.1, 192.0.2.53");
	assert_int_equal(c->dkim_min_rsa_bits, 2048);
	assert_int_equal(c->min_key_bits, 1024);	/* untouched */
	assert_int_equal(c->dns_timeout, 7);
	assert_int_equal(c->signature_ttl, 86400);
	/* client_networks: loopback plus the literal InternalHosts */
	assert_true(net_allowed(c, "127.0.0.1"));
	assert_true(net_allowed(c, "::1"));
	assert_true(net_allowed(c, "192.168.1.77"));
	assert_true(net_allowed(c, "10.1.2.3"));
	assert_true(net_allowed(c, "2001:db8::25"));
	assert_false(net_allowed(c, "10.1.2.4"));
	assert_false(net_allowed(c, "10.0.0.5"));
	assert_false(net_allowed(c, "192.0.2.1"));
	config_free(c);

	/* warnings for what InternalHosts could not give */
	has(&res.warnings, "\"localhost\" is not an address or network");
	has(&res.warnings, "\"*.example.com\" is not an address");
	has(&res.warnings, "\"!10.0.0.5\": exceptions are not converted");
	/* one comment per option not mapped, with its line and reason */
	has(&res.conf, "#   Syslog yes (line 2): dkimgate always logs");
	has(&res.conf, "#   UMask 007 (line 3): there is no socket file");
	has(&res.conf, "#   Socket inet:8891@localhost (line 14): dkimgate "
	    "is not a milter");
	has(&res.conf, "#   UserID opendkim (line 15)");
	has(&res.conf, "#   Selector mail (line 16): ignored when a key "
	    "table is used");
	has(&res.conf, "#   AlwaysAddARHeader yes (line 20)");
	has(&res.conf, "#   FrobnicateHeaders yes (line 21): not known to "
	    "dkimgate");
	assert_int_equal(res.nunmapped, 7);
	/* mapped ones are not in that list */
	lacks(&res.conf, "#   KeyTable");
	lacks(&res.conf, "#   Canonicalization");
	/* each parameter says where it comes from */
	has(&res.conf, "# KeyTable refile:/etc/opendkim/key.table "
	    "(opendkim.conf line 10)\n");
	/* the Postfix note: the milter to remove, content_filter, FILTER */
	has(&res.conf, "remove the OpenDKIM milter (inet:localhost:8891)");
	has(&res.conf, "-o content_filter=dkimgate-sign:[127.0.0.1]:10027");
	has(&res.conf, "-o content_filter=dkimgate-verify:[127.0.0.1]:10026");
	has(&res.conf, "#      192.168.1.0/24 FILTER "
	    "dkimgate-sign:[127.0.0.1]:10027\n");
	has(&res.conf, "#      2001:db8::/32 FILTER ");
	/* nothing for the operator to save by hand */
	assert_int_equal(res.keytable.len, 0);
	/* lines fit in 80 columns */
	for (s = res.conf.data; *s != '\0'; ) {
		const char	*nl = strchr(s, '\n');

		assert_non_null(nl);
		if (nl - s > 79)
			fail_msg("line too long: %.*s", (int)(nl - s), s);
		s = nl + 1;
	}
	import_result_clear(&res);
}

/*
 * The seed article's dkim-filter.conf: only a KeyList. The KeyList file
 * is named unchanged, and the keys it names sign with s=beispiel.
 */
static void
keylist_seed(void **state)
{
	struct import_result	 res;
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct config		*c;
	struct keytable		*kt;
	char			 err[512];

	(void)state;
	put("dkim-keys.conf", "*@beispiel.de:beispiel.de:@D@/beispiel\n");
	convert("# /etc/dkim-filter.conf\nKeyList @D@/dkim-keys.conf\n",
	    &res, 0, err, sizeof(err));
	c = load_back(&res);
	assert_string_equal(c->key_list, path("dkim-keys.conf"));
	assert_string_equal(c->key_table, "");
	assert_int_equal(c->nlisteners, 2);	/* dkim-filter's sv */
	kt = keytable_load(c, err, sizeof(err));
	if (kt == NULL)
		fail_msg("keytable_load: %s", err);
	assert_int_equal(keytable_lookup(kt, "info@beispiel.de", m,
	    KEYTABLE_MAX_MATCH), 1);
	assert_string_equal(m[0].key->selector, "beispiel");
	keytable_free(kt);
	config_free(c);
	has(&res.conf, "Mode not set: OpenDKIM signs and verifies (sv)");
	has(&res.conf, "Canonicalization not set: OpenDKIM used "
	    "simple/simple");
	has(&res.conf, "remove the OpenDKIM milter from smtpd_milters");
	assert_int_equal(res.nunmapped, 0);
	assert_int_equal(res.warnings.len, 0);
	import_result_clear(&res);
}

/*
 * The single-key form: Domain (a list), Selector, KeyFile, SubDomains
 * become a dkimgate key table at the path given; it loads and signs
 * the domains and their subdomains with d= the listed domain.
 */
static void
single_key(void **state)
{
	struct import_result	 res;
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct config		*c;
	struct keytable		*kt;
	char			 err[512], *want;
	FILE			*fp;

	(void)state;
	convert("Domain\t\texample.com, example.org\n"
	    "Selector\tmail\n"
	    "KeyFile\t\t@D@/mail.private\n"
	    "SubDomains\tyes\n"
	    "Mode\t\ts\n", &res, 0, err, sizeof(err));
	want = subst("*@example.com\texample.com\tmail\t@D@/mail.private\n"
	    "*@*.example.com\texample.com\tmail\t@D@/mail.private\n"
	    "*@example.org\texample.org\tmail\t@D@/mail.private\n"
	    "*@*.example.org\texample.org\tmail\t@D@/mail.private\n");
	has(&res.keytable, want);
	free(want);
	assert_int_equal(count_lines(&res.keytable, "*@"), 4);
	assert_non_null(fp = fopen(path("key.table"), "w"));
	fwrite(res.keytable.data, 1, res.keytable.len, fp);
	fclose(fp);
	c = load_back(&res);
	assert_int_equal(c->nlisteners, 1);
	assert_int_equal(c->listeners[0].mode, MODE_SIGN);
	assert_string_equal(c->key_table, path("key.table"));
	assert_string_equal(c->signing_table, "");
	kt = keytable_load(c, err, sizeof(err));
	if (kt == NULL)
		fail_msg("keytable_load: %s", err);
	assert_int_equal(keytable_lookup(kt, "a@example.org", m,
	    KEYTABLE_MAX_MATCH), 1);
	assert_string_equal(m[0].key->selector, "mail");
	assert_int_equal(keytable_lookup(kt, "a@lists.example.com", m,
	    KEYTABLE_MAX_MATCH), 1);
	assert_memory_equal(m[0].domain, "example.com", 11);
	assert_int_equal(keytable_lookup(kt, "a@example.net", m,
	    KEYTABLE_MAX_MATCH), 0);
	keytable_free(kt);
	config_free(c);
	assert_int_equal(res.nunmapped, 0);
	/* a verify-only note has no sign steps, a sign-only none to verify */
	lacks(&res.conf, "dkimgate-verify");
	has(&res.conf, "dkimgate-sign:[127.0.0.1]:10027");
	import_result_clear(&res);
}

/* The single-key form needs all three; a part alone is reported. */
static void
single_key_incomplete(void **state)
{
	struct import_result	 res;
	struct config		*c;
	char			 err[512];

	(void)state;
	convert("Selector mail\nKeyFile relative/mail.private\n", &res, 0,
	    err, sizeof(err));
	c = load_back(&res);
	assert_string_equal(c->key_table, "");
	config_free(c);
	has(&res.warnings, "KeyFile, Selector and Domain must all be set");
	has(&res.conf, "#   Selector mail (line 1): needs KeyFile and Domain");
	has(&res.conf, "No signing keys in opendkim.conf");
	assert_int_equal(res.keytable.len, 0);
	import_result_clear(&res);

	convert("Domain example.com\nSelector mail\nKeyFile rel/mail.pem\n",
	    &res, 0, err, sizeof(err));
	has(&res.warnings, "KeyFile rel/mail.pem: give an absolute path");
	assert_int_equal(res.keytable.len, 0);
	import_result_clear(&res);
}

/* Mode: s, v, sv, absent, and nonsense */
static void
modes(void **state)
{
	static const struct {
		const char	*text;
		size_t		 n;
		enum listen_mode first;
		int		 warn;
	} cases[] = {
		{ "Mode v\n", 1, MODE_VERIFY, 0 },
		{ "Mode s\n", 1, MODE_SIGN, 1 },	/* no keys: warning */
		{ "mode SV\n", 2, MODE_SIGN, 1 },
		{ "Mode vs\n", 2, MODE_SIGN, 1 },
		{ "# nothing\n", 2, MODE_SIGN, 1 },
		{ "Mode x\n", 2, MODE_SIGN, 1 },
	};
	struct import_result	 res;
	struct config		*c;
	char			 err[512];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		convert(cases[i].text, &res, 0, err, sizeof(err));
		c = load_back(&res);
		if (c->nlisteners != cases[i].n ||
		    c->listeners[0].mode != cases[i].first)
			fail_msg("case %zu (%s): %zu listeners", i,
			    cases[i].text, c->nlisteners);
		assert_int_equal(res.warnings.len > 0, cases[i].warn);
		config_free(c);
		import_result_clear(&res);
	}
	convert("Mode x\n", &res, 0, err, sizeof(err));
	has(&res.warnings, "Mode x: neither s nor v; converted as sv");
	import_result_clear(&res);
}

/* data sets: csl:, bare lists, refile:, databases, missing files */
static void
datasets(void **state)
{
	struct import_result	 res;
	struct config		*c;
	char			 err[512];

	(void)state;
	convert("Mode v\nInternalHosts csl:10.0.0.0/8, mail.example.net,"
	    "[2001:db8::1]\n", &res, 0, err, sizeof(err));
	c = load_back(&res);
	assert_true(net_allowed(c, "10.9.9.9"));
	assert_true(net_allowed(c, "2001:db8::1"));
	config_free(c);
	has(&res.warnings, "\"mail.example.net\" is not an address");
	import_result_clear(&res);

	convert("Mode v\nInternalHosts refile:@D@/hosts.re\n", &res, 0, err,
	    sizeof(err));
	has(&res.warnings, "refile: patterns are not converted");
	has(&res.conf, "#   InternalHosts refile:");
	lacks(&res.conf, "client_networks =");
	import_result_clear(&res);

	convert("Mode v\nInternalHosts db:/etc/opendkim/hosts.db\n"
	    "KeyTable ldap://ldap.example/dc=example\n"
	    "SigningTable /etc/opendkim/signing.table\n", &res, 0, err,
	    sizeof(err));
	has(&res.warnings, "InternalHosts: not converted: "
	    "db:/etc/opendkim/hosts.db is a database data set");
	has(&res.warnings, "KeyTable ldap://ldap.example/dc=example: not a "
	    "file; no keys converted");
	has(&res.conf, "(line 2): database data sets are not converted");
	lacks(&res.conf, "key_table =");
	import_result_clear(&res);

	convert("Mode v\nInternalHosts @D@/no-such-file\n", &res, 0, err,
	    sizeof(err));
	has(&res.warnings, "InternalHosts: not converted: ");
	has(&res.warnings, "No such file or directory");
	import_result_clear(&res);

	/* a KeyTable without SigningTable selects nothing */
	convert("KeyTable /etc/opendkim/key.table\n", &res, 0, err,
	    sizeof(err));
	has(&res.warnings, "KeyTable without SigningTable: no keys converted");
	lacks(&res.conf, "key_table =");
	import_result_clear(&res);

	/* header lists from a flat file */
	put("oversign", "From\nSubject   # and the subject\n\n");
	convert("Mode s\nOversignHeaders file:@D@/oversign\n", &res, 0, err,
	    sizeof(err));
	c = load_back(&res);
	assert_string_equal(c->oversign_headers, "From, Subject");
	config_free(c);
	import_result_clear(&res);
}

/* an authserv-id of 259 characters: over authres's 255 */
#define LONG_ID								\
	"m.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"	\
	".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"	\
	".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"	\
	".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"	\
	".example"

/* duplicates, case, unknown options, values checked and converted */
static void
values(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;		/* in the output */
		const char	*reason;	/* in the not-mapped list */
	} cases[] = {
		{ "MinimumKeyBits 512\n", "dkim_min_rsa_bits = 1024\n",
		    NULL },
		{ "MinimumKeyBits lots\n", NULL, "not a number" },
		{ "MaximumSignaturesToVerify 100\n", "max_signatures = 64\n",
		    NULL },
		{ "MaximumSignaturesToVerify 5\n", "max_signatures = 5\n",
		    NULL },
		{ "AuthservID HOSTNAME\n", NULL, "host name too" },
		{ "AuthservID a;b\n", NULL, "not a token" },
		/* what config_load refuses is not written (fuzz_import) */
		{ "AuthservID ...\n", NULL, "only dots" },
		{ "AuthservID " LONG_ID "\n", NULL,
		    "longer than 255 characters" },
		{ "Canonicalization relaxed\n",
		    "sign_canonicalization = relaxed\n", NULL },
		{ "Canonicalization strict/simple\n", NULL,
		    "not simple or relaxed" },
		{ "On-DNSError reject\n", NULL, "only accept and tempfail" },
		{ "On-DNSError tempfail\n", "dns_failure_action = tempfail\n",
		    NULL },
		{ "DNSTimeout 10\n", "dns_timeout = 10s\n", NULL },
		{ "DNSTimeout 0\n", NULL, "from 1 to 300" },
		{ "Nameservers 127.0.0.1/8\n", NULL, "not a list of IP" },
		{ "SyslogFacility LOCAL3\n", "syslog_facility = local3\n",
		    NULL },
		{ "SyslogFacility kern\n", NULL, "not one of mail" },
		{ "MaximumHeaders 65536\n", "header_size_limit = 65536\n",
		    NULL },
		{ "TemporaryDirectory /var/tmp/dkim\n",
		    "spool_directory = /var/tmp/dkim\n", NULL },
		{ "TemporaryDirectory tmp\n", NULL, "not an absolute path" },
		{ "ResolverConfiguration /etc/unbound/dkim.conf\n",
		    "dns_unbound_config = /etc/unbound/dkim.conf\n", NULL },
		{ "SignHeaders From:X\n", NULL, "not a header field name" },
		{ "Mode v\nMode s\n", "mode=sign\n", "set again at line 2" },
		{ "cAnOnIcAlIzAtIoN simple/relaxed\n",
		    "sign_canonicalization = simple/relaxed\n", NULL },
		{ "Canonicalization\n", NULL, "no value" },
	};
	struct import_result	 res;
	struct config		*c;
	char			 err[512];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		convert(cases[i].text, &res, 0, err, sizeof(err));
		if (cases[i].want != NULL && !contains(&res.conf,
		    cases[i].want))
			fail_msg("case %zu (%s): no \"%s\" in\n%s", i,
			    cases[i].text, cases[i].want, res.conf.data);
		if (cases[i].reason != NULL &&
		    (!contains(&res.conf, cases[i].reason) ||
		    res.nunmapped == 0))
			fail_msg("case %zu (%s): no \"%s\" in\n%s", i,
			    cases[i].text, cases[i].reason, res.conf.data);
		c = load_back(&res);
		config_free(c);
		import_result_clear(&res);
	}
}

/* the Postfix milter form of every OpenDKIM Socket syntax */
static void
sockets(void **state)
{
	static const struct {
		const char	*socket;
		const char	*milter;
	} cases[] = {
		{ "inet:8891@localhost", "(inet:localhost:8891)" },
		{ "inet:8891@127.0.0.1", "(inet:127.0.0.1:8891)" },
		{ "inet:12345", "(inet:localhost:12345)" },
		{ "inet6:8891@::1", "(inet:[::1]:8891)" },
		{ "local:/run/opendkim/opendkim.sock",
		    "(unix:/run/opendkim/opendkim.sock)" },
		{ "/var/run/dkim.sock", "(unix:/var/run/dkim.sock)" },
	};
	struct import_result	 res;
	char			 err[512], text[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "Mode v\nSocket %s\n",
		    cases[i].socket);
		convert(text, &res, 0, err, sizeof(err));
		has(&res.conf, cases[i].milter);
		import_result_clear(&res);
	}
}

/* hostile input: NUL bytes, overlong lines, control bytes */
static void
hostile(void **state)
{
	struct import_result	 res;
	struct config		*c;
	struct buf		 big;
	char			 err[512];
	size_t			 i;

	(void)state;
	import_result_init(&res);
	assert_int_equal(import_opendkim_convert("x.conf", "Mode v\0x\n", 9,
	    "/k", &res, err, sizeof(err)), -1);
	assert_string_equal(err, "x.conf: NUL byte in the file: not an "
	    "OpenDKIM configuration");
	import_result_clear(&res);

	buf_init(&big, 1 << 20);
	buf_adds(&big, "Mode v\nAuthservID ");
	for (i = 0; i < IMPORT_LINE_MAX + 10; i++)
		buf_addc(&big, 'a');
	buf_addc(&big, '\n');
	import_result_init(&res);
	assert_int_equal(import_opendkim_convert("x.conf", big.data, big.len,
	    "/k", &res, err, sizeof(err)), -1);
	assert_string_equal(err, "x.conf:2: line longer than 4096 bytes");
	import_result_clear(&res);
	buf_clear(&big);

	/* control bytes and CRLF: nothing raw gets into the output */
	convert("Mode v\r\nX-Weird\tva\x01lue\x1b[31m\r\n"
	    "AuthservID mx\x7f\r\n", &res, 0, err, sizeof(err));
	for (i = 0; i < res.conf.len; i++)
		if ((unsigned char)res.conf.data[i] < ' ' &&
		    res.conf.data[i] != '\n' && res.conf.data[i] != '\t')
			fail_msg("control byte 0x%02x at %zu",
			    (unsigned char)res.conf.data[i], i);
	has(&res.conf, "X-Weird va?lue?[31m (line 2)");
	has(&res.conf, "(line 3): not a token");
	c = load_back(&res);
	assert_int_equal(c->nlisteners, 1);
	config_free(c);
	import_result_clear(&res);

	/* a file with no newline at the end, and an empty file */
	convert("Mode v", &res, 0, err, sizeof(err));
	has(&res.conf, "mode=verify\n");
	lacks(&res.conf, "mode=sign");
	import_result_clear(&res);
	convert("", &res, 0, err, sizeof(err));
	c = load_back(&res);
	assert_int_equal(c->nlisteners, 2);
	config_free(c);
	import_result_clear(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_opendkim),
		cmocka_unit_test(keylist_seed),
		cmocka_unit_test(single_key),
		cmocka_unit_test(single_key_incomplete),
		cmocka_unit_test(modes),
		cmocka_unit_test(datasets),
		cmocka_unit_test(values),
		cmocka_unit_test(sockets),
		cmocka_unit_test(hostile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
