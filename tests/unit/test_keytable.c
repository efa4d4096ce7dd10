/*
 * test_keytable.c - key and signing tables: dkim-filter KeyList, OpenDKIM
 * KeyTable + SigningTable (plain and refile:), dkimgate's own table;
 * pattern precedence, several keys per pattern, bad lines with FILE:LINE
 * errors, key file checks (missing, malformed, too short, permissions).
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "crypto.h"
#include "dkim_sign.h"
#include "keytable.h"
#include "log.h"

#define DATA	TEST_DATADIR "/sign"

static char		 tmpdir[256];
static struct config	*defconf;
static char		 lastlog[1024];

/* capture_log - keep the last log line for assertions */
static void
capture_log(int prio, const char *line)
{
	(void)prio;
	snprintf(lastlog, sizeof(lastlog), "%s", line);
}

/* copy_key - copy a test key into tmpdir with the given mode */
static void
copy_key(const char *name, const char *as, mode_t mode)
{
	char	 src[512], dst[512], buf[8192];
	FILE	*in, *out;
	size_t	 n;

	snprintf(src, sizeof(src), "%s/%s", DATA, name);
	snprintf(dst, sizeof(dst), "%s/%s", tmpdir, as);
	assert_non_null(in = fopen(src, "r"));
	assert_non_null(out = fopen(dst, "w"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	assert_int_equal(chmod(dst, mode), 0);
}

/* put - write a table file in tmpdir; "@D@" in text becomes tmpdir */
static const char *
put(const char *name, const char *text)
{
	static char	 path[4][512];
	static int	 slot;
	char		*p;
	FILE		*fp;
	const char	*t;

	p = path[slot++ % 4];
	snprintf(p, 512, "%s/%s", tmpdir, name);
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

static int
setup(void **state)
{
	char	 err[256];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_keytable.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	copy_key("rsa2048.pem", "beispiel", 0600);
	copy_key("rsa2048.pem", "rsa.pem", 0600);
	copy_key("rsa1024.pem", "rsa1024.pem", 0600);
	copy_key("ed25519.pem", "ed.pem", 0600);
	copy_key("rsa512.pem", "short.pem", 0600);
	copy_key("garbage.pem", "garbage.pem", 0600);
	copy_key("rsa2048.pem", "open.pem", 0644);
	copy_key("rsa2048.pem", "group.pem", 0640);
	defconf = config_load(NULL, err, sizeof(err));
	assert_non_null(defconf);
	log_set_hook(capture_log);
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[600];

	(void)state;
	log_set_hook(NULL);
	config_free(defconf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* load - keytable_load with the given table parameters */
static struct keytable *
load(const char *keylist, const char *keytable, const char *signtable,
    char *err, size_t errlen)
{
	struct config	 c = *defconf;

	c.key_list = (char *)(keylist != NULL ? keylist : "");
	c.key_table = (char *)(keytable != NULL ? keytable : "");
	c.signing_table = (char *)(signtable != NULL ? signtable : "");
	err[0] = '\0';
	return keytable_load(&c, err, errlen);
}

/* one - look addr up; expect n matches; return the first's selector */
static const char *
look(const struct keytable *kt, const char *addr, size_t want,
    struct keytable_match *m)
{
	size_t	 n;

	n = keytable_lookup(kt, addr, m, KEYTABLE_MAX_MATCH);
	if (n != want)
		fail_msg("%s: %zu matches, want %zu", addr, n, want);
	return n > 0 ? m[0].key->selector : NULL;
}

/* The seed article's KeyList line signs as d=beispiel.de s=beispiel. */
static void
keylist_seed(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512];

	(void)state;
	kt = load(put("keys.conf", "# dkim-filter KeyList\n\n"
	    "*@beispiel.de:beispiel.de:@D@/beispiel\n"), NULL, NULL, err,
	    sizeof(err));
	assert_non_null(kt);
	assert_int_equal(keytable_nkeys(kt), 1);
	assert_string_equal(look(kt, "info@beispiel.de", 1, m), "beispiel");
	assert_int_equal(m[0].domainlen, strlen("beispiel.de"));
	assert_memory_equal(m[0].domain, "beispiel.de", m[0].domainlen);
	assert_int_equal(m[0].key->alg, CRYPTO_ALG_RSA);
	assert_int_equal(m[0].key->bits, 2048);
	assert_null(m[0].signer);
	/* matching ignores case; other domains are not signed */
	assert_string_equal(look(kt, "Info@BEISPIEL.de", 1, m), "beispiel");
	assert_null(look(kt, "info@example.de", 0, m));
	assert_null(look(kt, "info@sub.beispiel.de", 0, m));
	assert_null(look(kt, "no-at-sign", 0, m));
	keytable_free(kt);
}

/* KeyList lines are tried in order; a repeated pattern signs twice */
static void
keylist_order(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512];

	(void)state;
	kt = load(put("keys.conf",
	    "boss@example.com:example.com:@D@/rsa1024.pem\n"
	    "*@example.com:example.com:@D@/rsa.pem\n"
	    "*@example.com:example.com:@D@/ed.pem\n"
	    "*:fallback.example:@D@/rsa.pem\n"), NULL, NULL, err,
	    sizeof(err));
	assert_non_null(kt);
	assert_string_equal(look(kt, "boss@example.com", 1, m),
	    "rsa1024.pem");
	look(kt, "staff@example.com", 2, m);
	assert_string_equal(m[0].key->selector, "rsa.pem");
	assert_string_equal(m[1].key->selector, "ed.pem");
	assert_int_equal(m[1].key->alg, CRYPTO_ALG_ED25519);
	look(kt, "x@elsewhere.org", 1, m);
	assert_memory_equal(m[0].domain, "fallback.example", 16);
	keytable_free(kt);
}

/* A KeyList line without three fields names the file and line. */
static void
keylist_bad_line(void **state)
{
	char	 err[512], want[600];
	const char *p;

	(void)state;
	p = put("bad.conf", "# comment\n*@example.com:example.com\n");
	assert_null(load(p, NULL, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: expected", p);
	assert_non_null(strstr(err, want));
	p = put("bad2.conf", "*@example.com:exa mple.com:@D@/rsa.pem\n");
	assert_null(load(p, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: bad signing domain"));
}

/* OpenDKIM plain SigningTable: user@host, host, user@.parent, .parent,
 * user@*, * in that order, whatever the file order. */
static void
opendkim_plain_precedence(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512];
	const char		*k, *s;

	(void)state;
	k = put("KeyTable",
	    "any     example.com:any:@D@/rsa.pem\n"
	    "user    example.com:user:@D@/rsa.pem\n"
	    "host    example.com:host:@D@/rsa.pem\n"
	    "userpar example.com:userpar:@D@/rsa.pem\n"
	    "parent  example.com:parent:@D@/rsa.pem\n"
	    "userany example.com:userany:@D@/rsa.pem\n"
	    "org     example.org:org:@D@/ed.pem\n");
	s = put("SigningTable",
	    "*                  any\n"
	    "bob@*              userany\n"
	    ".example.com       parent\n"
	    "bob@.example.com   userpar\n"
	    "example.com        host\n"
	    "alice@example.com  user\n"
	    "*@example.org      org\n");
	kt = load(NULL, k, s, err, sizeof(err));
	assert_non_null(kt);
	assert_int_equal(keytable_nkeys(kt), 7);
	assert_string_equal(look(kt, "alice@example.com", 1, m), "user");
	assert_string_equal(look(kt, "carol@example.com", 1, m), "host");
	assert_string_equal(look(kt, "bob@a.b.example.com", 1, m), "userpar");
	assert_string_equal(look(kt, "carol@a.b.example.com", 1, m),
	    "parent");
	/* ".example.com" is for subdomains only */
	assert_string_equal(look(kt, "bob@example.net", 1, m), "userany");
	assert_string_equal(look(kt, "carol@example.net", 1, m), "any");
	/* "*@domain" in a plain table means the domain (an extension) */
	assert_string_equal(look(kt, "dan@example.org", 1, m), "org");
	assert_string_equal(look(kt, "dan@sub.example.org", 1, m), "any");
	keytable_free(kt);
}

/* An empty signing table is fine; a KeyTable alone is not ours. */
static void
opendkim_empty_and_alone(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512];
	const char		*k;

	(void)state;
	k = put("KeyTable", "main example.com:main:@D@/rsa.pem\n");
	kt = load(NULL, k, put("x", "# nothing\n"), err, sizeof(err));
	assert_non_null(kt);
	assert_int_equal(keytable_nkeys(kt), 1);
	assert_null(look(kt, "a@example.com", 0, m));
	keytable_free(kt);
	assert_null(load(NULL, k, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: this looks like an OpenDKIM "
	    "KeyTable line; set signing_table as well"));
}

/* refile: wildcard patterns in file order; "%" and signer fields. */
static void
opendkim_refile_order(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512], id[256], sp[600];
	const char		*k, *s;

	(void)state;
	k = put("KeyTable",
	    "sub    example.com:sub:@D@/rsa.pem\n"
	    "main   example.com:main:@D@/rsa.pem\n"
	    "mained example.com:mained:@D@/ed.pem\n"
	    "example.net %:bydomain:@D@/rsa.pem\n");
	s = put("SigningTable",
	    "*@*.example.com  sub   @%\n"
	    "*@example.com    main\n"
	    "*@example.com    mained\n"
	    "*-bounces@*      main\n"
	    "*                %\n");
	snprintf(sp, sizeof(sp), "refile:%s", s);
	kt = load(NULL, k, sp, err, sizeof(err));
	assert_non_null(kt);
	assert_string_equal(look(kt, "a@x.example.com", 1, m), "sub");
	assert_non_null(m[0].signer);
	assert_int_equal(keytable_identity(m[0].signer, "a@x.example.com",
	    m[0].domain, m[0].domainlen, id, sizeof(id)), 0);
	assert_string_equal(id, "@x.example.com");
	look(kt, "a@example.com", 2, m);
	assert_string_equal(m[0].key->selector, "main");
	assert_string_equal(m[1].key->selector, "mained");
	assert_string_equal(look(kt, "list-bounces@lists.example", 1, m),
	    "main");
	/* "%" key name: the key called like the From domain, and a
	 * KeyTable domain of "%" signs as the From domain */
	assert_string_equal(look(kt, "a@example.net", 1, m), "bydomain");
	assert_memory_equal(m[0].domain, "example.net", 11);
	assert_int_equal(m[0].domainlen, 11);
	assert_null(look(kt, "a@example.org", 0, m));
	keytable_free(kt);
}

/* dkimgate's own table: most specific pattern first. */
static void
ours_precedence(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512], id[256];

	(void)state;
	kt = load(NULL, put("keys",
	    "# pattern          domain       selector keyfile\n"
	    "*                  example.com  catch    @D@/rsa.pem\n"
	    "*@*.example.com    example.com  sub      @D@/rsa.pem\n"
	    ".deep.example.com  example.com  deep     @D@/rsa.pem\n"
	    "*@example.com      example.com  dom      @D@/rsa.pem\n"
	    "*@example.com      example.com  domed    @D@/ed.pem\n"
	    "ceo@example.com    example.com  ceo      @D@/rsa.pem  "
	    "i=ceo@example.com\n"
	    "*-news@example.com example.com  news     @D@/rsa.pem\n"
	    "*@example.net      %            pct      @D@/rsa.pem  i=@%\n"),
	    NULL, err, sizeof(err));
	assert_non_null(kt);
	assert_string_equal(look(kt, "ceo@example.com", 1, m), "ceo");
	assert_string_equal(m[0].signer, "ceo@example.com");
	assert_string_equal(look(kt, "weekly-news@example.com", 1, m),
	    "news");
	look(kt, "staff@example.com", 2, m);
	assert_string_equal(m[0].key->selector, "dom");
	assert_string_equal(m[1].key->selector, "domed");
	assert_string_equal(look(kt, "a@x.example.com", 1, m), "sub");
	assert_string_equal(look(kt, "a@x.deep.example.com", 1, m), "deep");
	assert_string_equal(look(kt, "a@deep.example.com", 1, m), "sub");
	assert_string_equal(look(kt, "a@example.org", 1, m), "catch");
	assert_string_equal(look(kt, "a@example.net", 1, m), "pct");
	assert_memory_equal(m[0].domain, "example.net", 11);
	assert_int_equal(keytable_identity(m[0].signer, "a@example.net",
	    m[0].domain, m[0].domainlen, id, sizeof(id)), 0);
	assert_string_equal(id, "@example.net");
	/* the same key file is read once however often it is named */
	assert_int_equal(keytable_nkeys(kt), 8);
	keytable_free(kt);
}

/* Bad lines in each format: FILE:LINE and what is wrong. */
static void
bad_lines(void **state)
{
	char		 err[512], want[600];
	const char	*p, *k;

	(void)state;
	p = put("keys", "*@example.com example.com sel\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:1: expected", p);
	assert_non_null(strstr(err, want));

	p = put("keys", "\n# x\n*@example.com example.com sel @D@/rsa.pem "
	    "z=1\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, ":3: unknown option \"z=1\""));

	p = put("keys", "*@example.com example.com sel @D@/rsa.pem "
	    "i=@other.com\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: i=@other.com is not within"));

	p = put("keys", "k1 example.com:sel:@D@/rsa.pem\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "looks like an OpenDKIM KeyTable"));

	p = put("keys", "*@example.com ex_ample..com sel @D@/rsa.pem\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: bad signing domain"));

	k = put("KeyTable", "k1 example.com:sel:@D@/rsa.pem\n"
	    "k1 example.com:sel2:@D@/rsa.pem\n");
	assert_null(load(NULL, k, put("SigningTable", "* k1\n"), err,
	    sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: key name \"k1\" already defined "
	    "at %s:1", k, k);
	assert_non_null(strstr(err, want));

	k = put("KeyTable", "k1 example.com:sel:@D@/rsa.pem\n");
	p = put("SigningTable", "*@example.com k1\n*@example.org k2\n");
	assert_null(load(NULL, k, p, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: key name \"k2\" is not in the "
	    "key table", p);
	assert_non_null(strstr(err, want));

	k = put("KeyTable", "k1 example.com:sel\n");
	assert_null(load(NULL, k, p, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: expected: name "
	    "domain:selector:keypath"));

	k = put("KeyTable", "k1 example.com:sel:MIIEpAIBAAKCAQEA\n");
	assert_null(load(NULL, k, p, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: inline key data"));

	/* key_list and key_table are exclusive; signing_table needs keys */
	assert_null(load(put("kl", ""), put("kt", ""), NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "cannot be combined"));
	assert_null(load(NULL, NULL, put("st", ""), err, sizeof(err)));
	assert_non_null(strstr(err, "signing_table needs key_table"));
	assert_null(load(NULL, "/nonexistent/keys", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/keys: No such file"));
}

/* A plain table with a wildcard pattern loads with a warning. */
static void
plain_wildcard_warns(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512];

	(void)state;
	lastlog[0] = '\0';
	kt = load(NULL, put("KeyTable", "k1 example.com:sel:@D@/rsa.pem\n"),
	    put("SigningTable", "*-list@example.com k1\n"), err,
	    sizeof(err));
	assert_non_null(kt);
	assert_non_null(strstr(lastlog, "OpenDKIM needs refile:"));
	assert_string_equal(look(kt, "x-list@example.com", 1, m), "sel");
	keytable_free(kt);
}

/* Key files: each problem stops loading and names the file and line. */
static void
key_file_checks(void **state)
{
	char		 err[512], want[700];
	const char	*p;
	char		 dirkey[600];

	(void)state;
	p = put("keys", "*@example.com example.com s @D@/open.pem\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:1: key file %s/open.pem: mode 0644",
	    p, tmpdir);
	assert_non_null(strstr(err, want));

	p = put("keys", "*@example.com example.com s @D@/group.pem\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "mode 0640 lets group or others"));

	p = put("keys", "\n*@example.com example.com s @D@/missing.pem\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: key file %s/missing.pem: No such "
	    "file", p, tmpdir);
	assert_non_null(strstr(err, want));

	p = put("keys", "*@example.com example.com s @D@/garbage.pem\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "garbage.pem: not a usable private key"));

	p = put("keys", "*@example.com example.com s @D@/short.pem\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "RSA key of 512 bits is shorter than "
	    "min_key_bits (1024)"));

	snprintf(dirkey, sizeof(dirkey), "%s/adir", tmpdir);
	assert_int_equal(mkdir(dirkey, 0700), 0);
	p = put("keys", "*@example.com example.com s @D@/adir\n");
	assert_null(load(NULL, p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "adir: not a regular file"));

	/* dkim-filter KeyList and OpenDKIM KeyTable check the same way */
	p = put("kl", "*@example.com:example.com:@D@/open.pem\n");
	assert_null(load(p, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: key file"));
	assert_non_null(strstr(err, "open.pem: mode 0644"));
	p = put("KeyTable", "k example.com:s:@D@/open.pem\n");
	assert_null(load(NULL, p, put("SigningTable", "* k\n"), err,
	    sizeof(err)));
	assert_non_null(strstr(err, "open.pem: mode 0644"));
}

/* min_key_bits is honoured; a higher minimum refuses 1024-bit keys. */
static void
min_key_bits(void **state)
{
	struct config	 c = *defconf;
	struct keytable	*kt;
	char		 err[512];

	(void)state;
	c.key_table = (char *)put("keys",
	    "*@example.com example.com s @D@/rsa1024.pem\n");
	c.key_list = (char *)"";
	c.signing_table = (char *)"";
	c.min_key_bits = 1024;
	kt = keytable_load(&c, err, sizeof(err));
	assert_non_null(kt);
	keytable_free(kt);
	c.min_key_bits = 2048;
	assert_null(keytable_load(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "shorter than min_key_bits (2048)"));
}

/* No table configured: an empty table, nothing signed. */
static void
empty_config(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512];

	(void)state;
	kt = load(NULL, NULL, NULL, err, sizeof(err));
	assert_non_null(kt);
	assert_int_equal(keytable_nkeys(kt), 0);
	assert_null(look(kt, "a@example.com", 0, m));
	assert_non_null(keytable_policy(kt));
	keytable_free(kt);
}

/* The command line's table: one catch-all entry per key. */
static void
cli_table(void **state)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct keytable		*kt;
	char			 err[512], path[600];

	(void)state;
	kt = keytable_new(NULL, err, sizeof(err));
	assert_non_null(kt);
	snprintf(path, sizeof(path), "%s/rsa.pem", tmpdir);
	assert_int_equal(keytable_add_key(kt, "example.com", "r", path, NULL,
	    "--key", 0, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/ed.pem", tmpdir);
	assert_int_equal(keytable_add_key(kt, "example.org", "e", path, NULL,
	    "--key", 0, err, sizeof(err)), 0);
	/* without KEYTABLE_F_PERMS a 0644 key is accepted */
	snprintf(path, sizeof(path), "%s/open.pem", tmpdir);
	assert_int_equal(keytable_add_key(kt, "example.net", "o", path, NULL,
	    "--key", 0, err, sizeof(err)), 0);
	assert_int_equal(keytable_add_key(kt, "example.net", "o", path, NULL,
	    "--key", KEYTABLE_F_PERMS, err, sizeof(err)), -1);
	look(kt, "anyone@anywhere.test", 3, m);
	assert_string_equal(m[0].key->selector, "r");
	assert_string_equal(m[1].key->selector, "e");
	assert_string_equal(m[2].key->selector, "o");
	assert_int_equal(keytable_add_key(kt, "bad domain", "r", path, NULL,
	    "--key", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--key: bad signing domain"));
	keytable_free(kt);
}

/* keytable_identity: "%" expansion and the i= within d= rule. */
static void
identity(void **state)
{
	char	 out[64];

	(void)state;
	assert_int_equal(keytable_identity("@%", "u@mail.example.com",
	    "example.com", 11, out, sizeof(out)), 0);
	assert_string_equal(out, "@mail.example.com");
	assert_int_equal(keytable_identity("u@example.com", "x@y",
	    "example.com", 11, out, sizeof(out)), 0);
	assert_int_equal(keytable_identity("@notexample.com", "x@y",
	    "example.com", 11, out, sizeof(out)), -1);
	assert_int_equal(keytable_identity("@example.org", "x@y",
	    "example.com", 11, out, sizeof(out)), -1);
	assert_int_equal(keytable_identity("no-at", "x@y", "example.com", 11,
	    out, sizeof(out)), -1);
	assert_int_equal(keytable_identity("@%", "x@a-very-long-domain-name-"
	    "that-does-not-fit-into-the-buffer.example.com", "example.com",
	    11, out, 16), -1);
}

/* The policy compiled into the table follows the configuration. */
static void
policy_from_config(void **state)
{
	struct config		 c = *defconf;
	struct keytable		*kt;
	const struct dkim_sign_policy *pol;
	char			 err[512];

	(void)state;
	c.key_list = c.key_table = c.signing_table = (char *)"";
	c.sign_canonicalization = (char *)"simple/relaxed";
	c.sign_headers = (char *)"Subject, To";
	c.oversign_headers = (char *)"Subject";
	c.signature_ttl = 3600;
	kt = keytable_load(&c, err, sizeof(err));
	assert_non_null(kt);
	pol = keytable_policy(kt);
	assert_int_equal(pol->hcanon, DKIM_CANON_SIMPLE);
	assert_int_equal(pol->bcanon, DKIM_CANON_RELAXED);
	assert_int_equal(pol->ttl, 3600);
	assert_int_equal(pol->nnames, 3);
	assert_string_equal(pol->names[0], "From");
	assert_string_equal(pol->names[1], "Subject");
	assert_int_equal(pol->over[1], 1);
	assert_int_equal(pol->over[2], 0);
	keytable_free(kt);
	c.sign_canonicalization = (char *)"loose/relaxed";
	assert_null(keytable_load(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "bad canonicalization"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keylist_seed),
		cmocka_unit_test(keylist_order),
		cmocka_unit_test(keylist_bad_line),
		cmocka_unit_test(opendkim_plain_precedence),
		cmocka_unit_test(opendkim_empty_and_alone),
		cmocka_unit_test(opendkim_refile_order),
		cmocka_unit_test(ours_precedence),
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(plain_wildcard_warns),
		cmocka_unit_test(key_file_checks),
		cmocka_unit_test(min_key_bits),
		cmocka_unit_test(empty_config),
		cmocka_unit_test(cli_table),
		cmocka_unit_test(identity),
		cmocka_unit_test(policy_from_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
