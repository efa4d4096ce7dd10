/*
 * test_keyrot.c - key rotation: the successor syntax of every table format
 * (dkimgate's successor-of=, successor_table for OpenDKIM tables and
 * KeyLists) and its errors, lookups before, during and after a switch
 * (with and without rotation_overlap), the classification of key record
 * answers, the decision rule, and the supervisor's checks through the DNS
 * mock: no switch before the record is published, the switch, a revert, a
 * failed look-up that changes nothing, the state kept over a reload, the
 * decision seen by a forked worker, log lines and metrics.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "dns.h"
#include "keyrot.h"
#include "keytable.h"
#include "log.h"
#include "metrics.h"
#include "mock_dns.h"

#define DATA	TEST_DATADIR "/sign"
#define NLOG	64

static char		 tmpdir[256];
static struct config	*defconf;
static char		 logs[NLOG][512];
static size_t		 nlogs;

/* capture_log - keep the log lines for assertions */
static void
capture_log(int prio, const char *line)
{
	(void)prio;
	snprintf(logs[nlogs % NLOG], sizeof(logs[0]), "%s", line);
	nlogs++;
}

/* logged - 1 if a line logged since the last clear holds every needle */
static int
logged(const char *n1, const char *n2)
{
	size_t	 i;

	for (i = 0; i < nlogs && i < NLOG; i++)
		if (strstr(logs[i], n1) != NULL &&
		    (n2 == NULL || strstr(logs[i], n2) != NULL))
			return 1;
	return 0;
}

static void
log_clear(void)
{
	nlogs = 0;
}

/* copy_key - copy a test key into tmpdir, mode 0600 */
static void
copy_key(const char *name, const char *as)
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
	assert_int_equal(chmod(dst, 0600), 0);
}

/* put - write a file in tmpdir; "@D@" in text becomes tmpdir */
static const char *
put(const char *name, const char *text)
{
	static char	 path[64][512];
	static int	 slot;
	char		*p;
	FILE		*fp;
	const char	*t;

	/* callers keep the paths of several tables at once */
	p = path[slot++ % 64];
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_keyrot.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	copy_key("rsa2048.pem", "old.pem");
	copy_key("rsa1024.pem", "new.pem");
	copy_key("ed25519.pem", "ed.pem");
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

static int
test_setup(void **state)
{
	(void)state;
	mock_dns_reset();
	log_clear();
	return 0;
}

/* tables - the configuration for a table set (NULL = not set) */
struct tables {
	const char	*key_list;
	const char	*key_table;
	const char	*signing_table;
	const char	*successor_table;
	int		 overlap;
};

/* load - keytable_load with the given tables; NULL with err on error */
static struct keytable *
load(const struct tables *t, char *err, size_t errlen)
{
	struct config	 c = *defconf;

	c.key_list = (char *)(t->key_list != NULL ? t->key_list : "");
	c.key_table = (char *)(t->key_table != NULL ? t->key_table : "");
	c.signing_table = (char *)(t->signing_table != NULL ?
	    t->signing_table : "");
	c.successor_table = (char *)(t->successor_table != NULL ?
	    t->successor_table : "");
	c.rotation_overlap = t->overlap;
	err[0] = '\0';
	return keytable_load(&c, err, errlen);
}

/* sels - the selectors keytable_lookup returns for addr, "a,b" */
static const char *
sels(const struct keytable *kt, const char *addr)
{
	static char		 out[256];
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	size_t			 n, i;

	n = keytable_lookup(kt, addr, m, KEYTABLE_MAX_MATCH);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
		    i > 0 ? "," : "", m[i].key->selector);
	return out;
}

/* key_index - index of the key with this selector and domain */
static size_t
key_index(const struct keytable *kt, const char *sel, const char *dom)
{
	size_t	 i;

	for (i = 0; i < keytable_nkeys(kt); i++)
		if (strcmp(keytable_key_at(kt, i)->selector, sel) == 0 &&
		    strcmp(keytable_key_at(kt, i)->domain, dom) == 0)
			return i;
	fail_msg("no key s=%s d=%s", sel, dom);
	return 0;
}

/* record_for - the DKIM key record text for a key file in tmpdir */
static char *
record_for(const char *file)
{
	char			 path[512], err[256], *pub, *txt;
	struct crypto_key	*k;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	assert_non_null(k = crypto_key_load(path, err, sizeof(err)));
	assert_non_null(pub = crypto_key_public_b64(k));
	assert_true(asprintf(&txt, "v=DKIM1; k=%s; p=%s",
	    crypto_key_alg(k) == CRYPTO_ALG_ED25519 ? "ed25519" : "rsa",
	    pub) > 0);
	free(pub);
	crypto_key_free(k);
	return txt;
}

/* txt_rdata - TXT RDATA (strings of <= 255 bytes) for text into out */
static size_t
txt_rdata(const char *text, unsigned char *out, size_t outsz)
{
	size_t	 len = strlen(text), n = 0, chunk;

	do {
		chunk = len > 255 ? 255 : len;
		assert_true(n + 1 + chunk <= outsz);
		out[n++] = (unsigned char)chunk;
		memcpy(out + n, text, chunk);
		n += chunk;
		text += chunk;
		len -= chunk;
	} while (len > 0);
	return n;
}

/* the successor syntax of dkimgate's own table, and lookups */
static void
ours_lookup(void **state)
{
	struct tables		 t;
	struct keytable		*kt;
	const struct keytable_key *o, *n;
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	char			 err[512];
	int64_t			 word = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.key_table = put("keys",
	    "# rotation of example.com\n"
	    "*@example.com example.com old @D@/old.pem\n"
	    "*@example.com example.com new @D@/new.pem successor-of=old\n"
	    "ceo@example.com example.com old @D@/old.pem i=ceo@example.com\n"
	    "*@example.com example.com ed @D@/ed.pem\n"
	    "*@other.test other.test old @D@/old.pem\n");
	kt = load(&t, err, sizeof(err));
	if (kt == NULL)
		fail_msg("%s", err);
	o = keytable_key_at(kt, key_index(kt, "old", "example.com"));
	n = keytable_key_at(kt, key_index(kt, "new", "example.com"));
	assert_ptr_equal(o->successor, n);
	assert_ptr_equal(n->predecessor, o);
	assert_null(n->successor);
	assert_null(keytable_key_at(kt, key_index(kt, "ed",
	    "example.com"))->successor);
	assert_null(keytable_key_at(kt, key_index(kt, "old",
	    "other.test"))->successor);

	/* not bound (the command line): the old key signs */
	assert_string_equal(sels(kt, "a@example.com"), "old,ed");
	assert_string_equal(sels(kt, "ceo@example.com"), "old");
	keytable_rotation_bind(kt, key_index(kt, "new", "example.com"),
	    &word);
	assert_string_equal(sels(kt, "a@example.com"), "old,ed");
	/* the successor took over: wherever the old key signed */
	word = (int64_t)time(NULL);
	assert_string_equal(sels(kt, "a@example.com"), "new,ed");
	assert_int_equal(keytable_lookup(kt, "ceo@example.com", m,
	    KEYTABLE_MAX_MATCH), 1);
	assert_string_equal(m[0].key->selector, "new");
	assert_string_equal(m[0].signer, "ceo@example.com");
	assert_string_equal(sels(kt, "x@other.test"), "old");
	word = 0;
	assert_string_equal(sels(kt, "a@example.com"), "old,ed");
	keytable_free(kt);

	/* with an overlap both sign, then the successor alone */
	t.overlap = 3600;
	kt = load(&t, err, sizeof(err));
	assert_non_null(kt);
	assert_int_equal(keytable_overlap(kt), 3600);
	keytable_rotation_bind(kt, key_index(kt, "new", "example.com"),
	    &word);
	word = (int64_t)time(NULL) - 10;
	assert_string_equal(sels(kt, "a@example.com"), "old,new,ed");
	assert_int_equal(keytable_lookup(kt, "a@example.com", m, 2), 2);
	word = (int64_t)time(NULL) - 3601;
	assert_string_equal(sels(kt, "a@example.com"), "new,ed");
	keytable_free(kt);
}

struct bad_case {
	const char	*name;
	const char	*table;
	const char	*want;
};

/* errors in successor-of= lines */
static void
ours_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "unknown selector",
		    "*@e.test e.test new @D@/new.pem successor-of=nope\n",
		    "keys:1: successor-of=nope: no line signs with d=e.test "
		    "s=nope" },
		{ "other pattern",
		    "*@e.test e.test old @D@/old.pem\n"
		    "*@f.test e.test new @D@/new.pem successor-of=old\n",
		    "keys:2: successor-of=old: no line with pattern *@f.test "
		    "signs with d=e.test s=old" },
		{ "other domain",
		    "*@e.test e.test old @D@/old.pem\n"
		    "*@e.test f.test new @D@/new.pem successor-of=old\n",
		    "no line signs with d=f.test s=old" },
		{ "own selector",
		    "*@e.test e.test old @D@/old.pem\n"
		    "*@e.test e.test old @D@/new.pem successor-of=old\n",
		    "successor-of=old names the line's own selector" },
		{ "with i=",
		    "*@e.test e.test old @D@/old.pem\n"
		    "*@e.test e.test new @D@/new.pem i=a@e.test "
		    "successor-of=old\n",
		    "keys:2: a successor-of= line takes no i=" },
		{ "percent domain",
		    "*@e.test % old @D@/old.pem\n"
		    "*@e.test % new @D@/new.pem successor-of=old\n",
		    "keys:2: successor-of=old needs a fixed domain" },
		{ "two successors",
		    "*@e.test e.test old @D@/old.pem\n"
		    "*@e.test e.test new @D@/new.pem successor-of=old\n"
		    "*@e.test e.test ed @D@/ed.pem successor-of=old\n",
		    "keys:3: d=e.test s=old already has a successor" },
		{ "chain",
		    "*@e.test e.test old @D@/old.pem\n"
		    "*@e.test e.test new @D@/new.pem successor-of=old\n"
		    "*@e.test e.test new @D@/new.pem\n"
		    "*@e.test e.test ed @D@/ed.pem successor-of=new\n",
		    "has a successor itself" },
		{ "repeated option",
		    "*@e.test e.test old @D@/old.pem\n"
		    "*@e.test e.test new @D@/new.pem successor-of=old "
		    "successor-of=old\n",
		    "keys:2: repeated option \"successor-of=old\"" },
		{ "empty option",
		    "*@e.test e.test new @D@/new.pem successor-of=\n",
		    "keys:1: unknown option \"successor-of=\"" },
		{ "successor_table with ours", NULL,
		    "successor_table is for OpenDKIM tables and key_list" },
	};
	struct tables	 t;
	struct keytable	*kt;
	char		 err[512];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&t, 0, sizeof(t));
		if (cases[i].table != NULL)
			t.key_table = put("keys", cases[i].table);
		else {
			t.key_table = put("keys",
			    "*@e.test e.test old @D@/old.pem\n");
			t.successor_table = put("succ", "old new\n");
		}
		kt = load(&t, err, sizeof(err));
		if (kt != NULL || strstr(err, cases[i].want) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name,
			    kt == NULL ? err : "(loaded)", cases[i].want);
	}
}

/* successor_table with OpenDKIM KeyTable names */
static void
opendkim_successors(void **state)
{
	struct tables	 t;
	struct keytable	*kt;
	char		 err[512];
	int64_t		 word = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.key_table = put("KeyTable",
	    "k-old example.com:old:@D@/old.pem\n"
	    "k-new example.com:new:@D@/new.pem\n"
	    "k-ed example.com:ed:@D@/ed.pem\n"
	    "k-elsewhere other.test:x:@D@/ed.pem\n"
	    "pct %:pct:@D@/old.pem\n");
	t.signing_table = put("SigningTable",
	    "*@example.com k-old\n"
	    "*@example.com k-ed\n");
	t.successor_table = put("Successors", "# old new\nk-old k-new\n");
	kt = load(&t, err, sizeof(err));
	if (kt == NULL)
		fail_msg("%s", err);
	assert_string_equal(sels(kt, "a@example.com"), "old,ed");
	keytable_rotation_bind(kt, key_index(kt, "new", "example.com"),
	    &word);
	word = (int64_t)time(NULL);
	assert_string_equal(sels(kt, "a@example.com"), "new,ed");
	keytable_free(kt);

	t.successor_table = put("Successors", "k-old nosuch\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "Successors:1: key name \"nosuch\" is "
	    "not in the key table"));
	t.successor_table = put("Successors", "k-old k-elsewhere\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "k-elsewhere must be another key of the "
	    "same fixed domain as k-old"));
	t.successor_table = put("Successors", "pct k-new\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "same fixed domain"));
	t.successor_table = put("Successors", "k-old k-new\nk-old k-ed\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "Successors:2: k-old already has a "
	    "successor"));
	t.successor_table = put("Successors", "k-old\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "Successors:1: expected: old-keyname "
	    "new-keyname"));
	t.successor_table = put("Successors", "k-old k-new\nk-new k-ed\n");
	assert_null(load(&t, err, sizeof(err)));
	if (strstr(err, "has a successor itself") == NULL)
		fail_msg("%s", err);
}

/* successor_table with a dkim-filter KeyList: by key file path */
static void
keylist_successors(void **state)
{
	struct tables		 t;
	struct keytable		*kt;
	const struct keytable_key *a, *b;
	char			 err[512];
	int64_t			 wa = 0, wb = 0;

	(void)state;
	copy_key("rsa2048.pem", "beispiel");
	copy_key("rsa1024.pem", "beispiel2027");
	memset(&t, 0, sizeof(t));
	t.key_list = put("KeyList",
	    "*@beispiel.de:beispiel.de:@D@/beispiel\n"
	    "*@example.org:example.org:@D@/beispiel\n");
	t.successor_table = put("Successors",
	    "@D@/beispiel @D@/beispiel2027\n");
	kt = load(&t, err, sizeof(err));
	if (kt == NULL)
		fail_msg("%s", err);
	/* one successor per domain, its selector the file name */
	a = keytable_key_at(kt, key_index(kt, "beispiel2027", "beispiel.de"));
	b = keytable_key_at(kt, key_index(kt, "beispiel2027",
	    "example.org"));
	assert_ptr_not_equal(a, b);
	assert_string_equal(a->predecessor->domain, "beispiel.de");
	assert_string_equal(b->predecessor->domain, "example.org");
	keytable_rotation_bind(kt, key_index(kt, "beispiel2027",
	    "beispiel.de"), &wa);
	keytable_rotation_bind(kt, key_index(kt, "beispiel2027",
	    "example.org"), &wb);
	wa = (int64_t)time(NULL);
	assert_string_equal(sels(kt, "x@beispiel.de"), "beispiel2027");
	assert_string_equal(sels(kt, "x@example.org"), "beispiel");
	keytable_free(kt);

	t.successor_table = put("Successors", "@D@/nosuch @D@/new.pem\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "Successors:1: no KeyList line uses the "
	    "key file"));
	t.successor_table = put("Successors", "@D@/beispiel @D@/beispiel\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "a key cannot succeed itself"));
	t.successor_table = put("Successors", "@D@/beispiel @D@/missing\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "Successors:1: key file"));
	t.successor_table = put("Successors", "@D@/beispiel @D@/bad!name\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "is not a valid selector"));
	t.key_list = NULL;
	t.key_table = NULL;
	t.successor_table = put("Successors", "a b\n");
	assert_null(load(&t, err, sizeof(err)));
	assert_non_null(strstr(err, "successor_table needs key_list or "
	    "key_table with signing_table"));
}

/* what an answer says about a private key */
static void
classify(void **state)
{
	struct crypto_key	*priv;
	struct dns_answer	 a;
	struct dns_rr		 rr[3];
	unsigned char		 d[3][2048];
	char			 path[512], err[256], *mine, *other;

	(void)state;
	snprintf(path, sizeof(path), "%s/new.pem", tmpdir);
	assert_non_null(priv = crypto_key_load(path, err, sizeof(err)));
	mine = record_for("new.pem");
	other = record_for("old.pem");
	memset(&a, 0, sizeof(a));
	a.qname = "new._domainkey.example.com";
	a.qtype = DNS_T_TXT;
	a.rr = rr;

	a.status = DNS_OK;
	a.sec = DNS_SEC_SECURE;
	rr[0].data = d[0];
	rr[0].len = txt_rdata(mine, d[0], sizeof(d[0]));
	a.nrr = 1;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MATCH);
	a.sec = DNS_SEC_INSECURE;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MATCH);
	/* never trust bogus data */
	a.sec = DNS_SEC_BOGUS;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_BOGUS);
	a.sec = DNS_SEC_INSECURE;
	a.status = DNS_BOGUS;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_BOGUS);
	a.status = DNS_OK;
	/* another key; then a stray TXT first and ours second */
	rr[0].len = txt_rdata(other, d[0], sizeof(d[0]));
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MISMATCH);
	rr[0].len = txt_rdata("v=spf1 -all", d[0], sizeof(d[0]));
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MISSING);
	rr[1].data = d[1];
	rr[1].len = txt_rdata(mine, d[1], sizeof(d[1]));
	a.nrr = 2;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MATCH);
	rr[1].len = txt_rdata("v=DKIM1; p=", d[1], sizeof(d[1]));
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_REVOKED);
	rr[2].data = d[2];
	rr[2].len = txt_rdata(other, d[2], sizeof(d[2]));
	a.nrr = 3;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MISMATCH);
	/* a malformed RDATA (a string runs past the end) is no record */
	d[0][0] = 200;
	rr[0].len = 10;
	a.nrr = 1;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MISSING);

	a.nrr = 0;
	a.status = DNS_NXDOMAIN;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MISSING);
	a.status = DNS_NODATA;
	a.sec = DNS_SEC_SECURE;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_MISSING);
	a.status = DNS_TEMPFAIL;
	assert_int_equal(keyrot_classify(&a, priv), KEYROT_DNSERR);

	assert_string_equal(keyrot_result_name(KEYROT_MATCH), "match");
	assert_string_equal(keyrot_result_name(KEYROT_DNSERR), "dns-error");
	assert_string_equal(keyrot_result_name(KEYROT_NRESULTS), "unknown");
	free(mine);
	free(other);
	crypto_key_free(priv);
}

/* the decision rule */
static void
decide(void **state)
{
	(void)state;
	assert_true(keyrot_decide(0, KEYROT_MATCH, 1000) == 1000);
	assert_true(keyrot_decide(500, KEYROT_MATCH, 1000) == 500);
	assert_true(keyrot_decide(0, KEYROT_MATCH, 0) == 1);
	assert_true(keyrot_decide(500, KEYROT_MISSING, 1000) == 0);
	assert_true(keyrot_decide(500, KEYROT_MISMATCH, 1000) == 0);
	assert_true(keyrot_decide(500, KEYROT_REVOKED, 1000) == 0);
	assert_true(keyrot_decide(500, KEYROT_BOGUS, 1000) == 500);
	assert_true(keyrot_decide(500, KEYROT_DNSERR, 1000) == 500);
	assert_true(keyrot_decide(0, KEYROT_BOGUS, 1000) == 0);
	assert_true(keyrot_decide(500, KEYROT_UNKNOWN, 1000) == 500);
}

/* run - run the loop until the round of checks is over */
static void
run(struct event_base *base, struct keyrot *kr)
{
	int	 i;

	for (i = 0; i < 1000 && keyrot_busy(kr); i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_false(keyrot_busy(kr));
}

/* scrape - the metrics exposition (caller frees) */
static char *
scrape(struct metrics *m)
{
	struct buf	 b;

	buf_init(&b, METRICS_OUTPUT_MAX);
	assert_int_equal(metrics_render(m, &b), 0);
	return buf_steal(&b, NULL);
}

#define NEW_NAME	"new._domainkey.example.com"
#define OLD_NAME	"old._domainkey.example.com"
#define ROT_LABELS	"{domain=\"example.com\",selector=\"old\"," \
			"successor=\"new\"}"

/* the supervisor's checks through the DNS mock */
static void
supervisor_flow(void **state)
{
	struct event_base	*base;
	struct metrics		*m;
	struct keyrot		*kr;
	struct keytable		*kt, *kt2;
	struct config		 c = *defconf;
	struct tables		 t;
	char			 err[512], *mine, *other, *s;

	(void)state;
	mine = record_for("new.pem");
	other = record_for("old.pem");
	memset(&t, 0, sizeof(t));
	t.key_table = put("keys",
	    "*@example.com example.com old @D@/old.pem\n"
	    "*@example.com example.com new @D@/new.pem successor-of=old\n");
	assert_non_null(kt = load(&t, err, sizeof(err)));
	assert_non_null(base = event_base_new());
	assert_non_null(m = metrics_new());
	kr = keyrot_new(base, m);
	c.key_check_interval = 3600;

	/* not published: the old key goes on signing */
	mock_dns_status(NEW_NAME, DNS_T_TXT, DNS_NXDOMAIN, DNS_SEC_SECURE);
	keyrot_set(kr, &c, kt);
	assert_true(keyrot_busy(kr));
	run(base, kr);
	assert_int_equal(mock_dns_count(NEW_NAME, DNS_T_TXT), 1);
	/* the start-up round checks successors only */
	assert_int_equal(mock_dns_count(OLD_NAME, DNS_T_TXT), 0);
	assert_string_equal(sels(kt, "a@example.com"), "old");
	assert_true(logged("d=example.com s=new (successor of s=old) waits: "
	    "record missing", NULL));
	s = scrape(m);
	assert_non_null(strstr(s, "dkimgate_key_rotation_state" ROT_LABELS
	    " 0\n"));
	assert_non_null(strstr(s, "dkimgate_key_record_match{domain="
	    "\"example.com\",selector=\"new\",role=\"successor\","
	    "result=\"missing\"} 0\n"));
	assert_non_null(strstr(s, "dkimgate_key_checks_total{result="
	    "\"missing\"} 1\n"));
	free(s);

	/* published with another key: still not */
	mock_dns_txt(NEW_NAME, DNS_SEC_SECURE, other);
	keyrot_check_all(kr);
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "old");
	assert_true(logged("waits: record mismatch", NULL));
	/* the round over every key looked the old key up too */
	assert_int_equal(mock_dns_count(OLD_NAME, DNS_T_TXT), 1);
	assert_true(logged("key check: d=example.com s=old: the published "
	    "record does not match the signing key (missing)", NULL));

	/* bogus data with our key: never */
	mock_dns_txt(NEW_NAME, DNS_SEC_BOGUS, mine);
	keyrot_check_all(kr);
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "old");

	/* published and matching: the successor takes over */
	mock_dns_txt(NEW_NAME, DNS_SEC_SECURE, mine);
	mock_dns_txt(OLD_NAME, DNS_SEC_SECURE, other);
	log_clear();
	keyrot_check_all(kr);
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "new");
	assert_true(logged("key rotation: d=example.com s=new takes over from "
	    "s=old: its record is published and matches (DNSSEC secure)",
	    NULL));
	assert_true(logged("key check: d=example.com s=old: published record "
	    "matches", NULL));
	s = scrape(m);
	assert_non_null(strstr(s, "dkimgate_key_rotation_state" ROT_LABELS
	    " 2\n"));
	assert_non_null(strstr(s, "dkimgate_key_rotation_events_total{event="
	    "\"switch\"} 1\n"));
	assert_null(strstr(s, "dkimgate_key_rotation_switch_time_seconds"
	    ROT_LABELS " 0\n"));
	free(s);

	/* a failed look-up changes nothing */
	mock_dns_status(NEW_NAME, DNS_T_TXT, DNS_TEMPFAIL, DNS_SEC_INSECURE);
	log_clear();
	keyrot_check_all(kr);
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "new");
	assert_true(logged("s=new: check failed (dns-error); keeping it in "
	    "use", NULL));

	/* a reload keeps the state before any look-up */
	assert_non_null(kt2 = load(&t, err, sizeof(err)));
	keyrot_set(kr, &c, kt2);
	keytable_free(kt);
	kt = kt2;
	assert_string_equal(sels(kt, "a@example.com"), "new");
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "new");

	/* the record is gone: back to the old key */
	mock_dns_status(NEW_NAME, DNS_T_TXT, DNS_NXDOMAIN, DNS_SEC_SECURE);
	log_clear();
	keyrot_check_all(kr);
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "old");
	assert_true(logged("key rotation: d=example.com s=new: record "
	    "missing; signing with s=old again", NULL));
	s = scrape(m);
	assert_non_null(strstr(s, "dkimgate_key_rotation_events_total{event="
	    "\"revert\"} 1\n"));
	free(s);

	/* the resolver cannot be made: a dns-error, nothing changes */
	mock_dns_txt(NEW_NAME, DNS_SEC_SECURE, mine);
	mock_dns_fail_new("no resolver today");
	keyrot_set(kr, &c, kt);
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "old");
	assert_true(logged("key checks: cannot set up the resolver: no "
	    "resolver today", NULL));
	keyrot_check_all(kr);
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "new");

	keyrot_free(kr);
	assert_int_equal(mock_dns_contexts(), 0);
	metrics_free(m);
	event_base_free(base);
	keytable_free(kt);
	free(mine);
	free(other);
}

/* overlap: both keys, then the end logged by the supervisor's timer */
static void
overlap_flow(void **state)
{
	struct event_base	*base;
	struct keyrot		*kr;
	struct keytable		*kt;
	struct config		 c = *defconf;
	struct tables		 t;
	struct timeval		 tv = { 0, 100000 };
	char			 err[512], *mine;
	int			 i;

	(void)state;
	mine = record_for("new.pem");
	memset(&t, 0, sizeof(t));
	t.key_table = put("keys",
	    "*@example.com example.com old @D@/old.pem\n"
	    "*@example.com example.com new @D@/new.pem successor-of=old\n");
	t.overlap = 1;
	assert_non_null(kt = load(&t, err, sizeof(err)));
	assert_non_null(base = event_base_new());
	kr = keyrot_new(base, NULL);
	c.key_check_interval = 0;
	c.rotation_overlap = 1;
	mock_dns_txt(NEW_NAME, DNS_SEC_INSECURE, mine);
	keyrot_set(kr, &c, kt);
	run(base, kr);
	assert_true(logged("s=new takes over from s=old: its record is "
	    "published and matches (DNSSEC insecure); s=old signs as well "
	    "for 1 s", NULL));
	assert_string_equal(sels(kt, "a@example.com"), "old,new");
	for (i = 0; i < 50 && !logged("overlap over", NULL); i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	assert_true(logged("key rotation: d=example.com s=new: overlap over, "
	    "s=old no longer signs", NULL));
	assert_string_equal(sels(kt, "a@example.com"), "new");
	keyrot_free(kr);
	event_base_free(base);
	keytable_free(kt);
	free(mine);
}

/* the decision reaches a worker forked before it, with no restart */
static void
forked_worker(void **state)
{
	struct event_base	*base;
	struct keyrot		*kr;
	struct keytable		*kt;
	struct config		 c = *defconf;
	struct tables		 t;
	char			 err[512], *mine, go;
	int			 p[2], q[2], st;
	pid_t			 pid;

	(void)state;
	mine = record_for("new.pem");
	memset(&t, 0, sizeof(t));
	t.key_table = put("keys",
	    "*@example.com example.com old @D@/old.pem\n"
	    "*@example.com example.com new @D@/new.pem successor-of=old\n");
	assert_non_null(kt = load(&t, err, sizeof(err)));
	assert_non_null(base = event_base_new());
	kr = keyrot_new(base, NULL);
	c.key_check_interval = 0;
	mock_dns_status(NEW_NAME, DNS_T_TXT, DNS_NODATA, DNS_SEC_SECURE);
	keyrot_set(kr, &c, kt);
	run(base, kr);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	if ((pid = fork()) == 0) {
		/* the worker: old key before, new key after the switch */
		int	 ok = strcmp(sels(kt, "a@example.com"), "old") == 0;

		if (write(q[1], "r", 1) != 1 || read(p[0], &go, 1) != 1)
			_exit(2);
		ok = ok && strcmp(sels(kt, "a@example.com"), "new") == 0;
		/* leave nothing for valgrind's leak check */
		keyrot_free(kr);
		event_base_free(base);
		keytable_free(kt);
		free(mine);
		_exit(ok ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(read(q[0], &go, 1), 1);
	mock_dns_txt(NEW_NAME, DNS_SEC_SECURE, mine);
	keyrot_check_all(kr);
	run(base, kr);
	assert_string_equal(sels(kt, "a@example.com"), "new");
	assert_int_equal(write(p[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	keyrot_free(kr);
	event_base_free(base);
	keytable_free(kt);
	free(mine);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(ours_lookup, test_setup),
		cmocka_unit_test_setup(ours_errors, test_setup),
		cmocka_unit_test_setup(opendkim_successors, test_setup),
		cmocka_unit_test_setup(keylist_successors, test_setup),
		cmocka_unit_test_setup(classify, test_setup),
		cmocka_unit_test_setup(decide, test_setup),
		cmocka_unit_test_setup(supervisor_flow, test_setup),
		cmocka_unit_test_setup(overlap_flow, test_setup),
		cmocka_unit_test_setup(forked_worker, test_setup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
