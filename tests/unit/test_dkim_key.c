/*
 * test_dkim_key.c - DKIM key records (src/dkim_key.c): every tag,
 * revoked keys, bad base64, unknown k=, t=y and t=s, h= without sha256,
 * v= not first, s= service types; the key/signature checks of RFC 6376
 * 6.1.2; and TXT RDATA joining by length (RDATA may hold NUL). Records
 * are exact-size heap copies.
 */
#include "autoconf.h"

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_key.h"
#include "dkim_sig.h"
#include "dkim_testutil.h"
#include "log.h"
#include "xmalloc.h"

#define VPY	TEST_VECDIR "/dkimpy"

/* RFC 8463 A.2 keys: RSA-1024 SubjectPublicKeyInfo, Ed25519 raw */
#define RSA_SPKI \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3" \
	"idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/" \
	"BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3" \
	"G+2kryOTIKT+l/K4w3QIDAQAB"
#define ED_RAW	"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
/* dkimpy 1024_testkey: a bare PKCS#1 RSAPublicKey */
#define RSA_PKCS1 "MIGJAoGBALppqRbOu5gApf05051Icx6apV0ZC6s1gsLUfs79PYtAgdVuQo" \
	"XooqOWAUzuWvyyR9kyEl78pEYy9WMJXllqRkgZ4/ceLWpcIS+aNLgSWkw8w/I+tmKC3" \
	"3mKmrLA9hklYdtGInTzlV2RIK0tS+jmzKkDSdMl7KcSi4A37/AFoI7pAgMBAAE="

#define H_ALL	DKIM_KEY_H_ALL
#define H_256	DKIM_KEY_H_SHA256
#define H_1	DKIM_KEY_H_SHA1

struct key_case {
	const char	*name;
	const char	*txt;
	const char	*why;		/* NULL: must parse */
	enum crypto_alg	 alg;
	unsigned	 bits;
	int		 revoked;
	int		 testing;
	int		 strict;
	int		 hashes;
	int		 service_ok;
};

/* a record that must be refused, and why */
#define ERR(name, txt, why)	{ name, txt, why, 0, 0, 0, 0, 0, 0, 0 }

static const struct key_case key_cases[] = {
	{ "rfc8463 rsa record", "v=DKIM1; k=rsa; p=" RSA_SPKI, NULL,
	    CRYPTO_ALG_RSA, 1024, 0, 0, 0, H_ALL, 1 },
	{ "rfc8463 ed25519 record", "v=DKIM1; k=ed25519; p=" ED_RAW, NULL,
	    CRYPTO_ALG_ED25519, 256, 0, 0, 0, H_ALL, 1 },
	{ "only p= (all defaults)", "p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA, 1024,
	    0, 0, 0, H_ALL, 1 },
	{ "bare RSAPublicKey p=", "v=DKIM1; g=*; k=rsa; p=" RSA_PKCS1, NULL,
	    CRYPTO_ALG_RSA, 1024, 0, 0, 0, H_ALL, 1 },
	{ "p= folded", "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQD\r\n"
	    "\tkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/"
	    "byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5"
	    "QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3 QIDAQAB", NULL,
	    CRYPTO_ALG_RSA, 1024, 0, 0, 0, H_ALL, 1 },
	{ "k= is case-insensitive", "k=ED25519; p=" ED_RAW, NULL,
	    CRYPTO_ALG_ED25519, 256, 0, 0, 0, H_ALL, 1 },
	{ "trailing ; and blank", "v=DKIM1; k=rsa; p=" RSA_SPKI "; ", NULL,
	    CRYPTO_ALG_RSA, 1024, 0, 0, 0, H_ALL, 1 },
	{ "revoked", "v=DKIM1; p=", NULL, CRYPTO_ALG_RSA, 0, 1, 0, 0, H_ALL,
	    1 },
	{ "revoked, blanks", "v=DKIM1; k=ed25519; p= ;", NULL,
	    CRYPTO_ALG_ED25519, 0, 1, 0, 0, H_ALL, 1 },
	{ "h=sha256", "h=sha256; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA, 1024, 0,
	    0, 0, H_256, 1 },
	{ "h=sha1", "h=sha1; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA, 1024, 0, 0,
	    0, H_1, 1 },
	{ "h= both, folded", "h=sha1 :\r\n sha256; p=" RSA_SPKI, NULL,
	    CRYPTO_ALG_RSA, 1024, 0, 0, 0, H_ALL, 1 },
	{ "h= unknown hash ignored", "h=sha512:SHA256; p=" RSA_SPKI, NULL,
	    CRYPTO_ALG_RSA, 1024, 0, 0, 0, H_256, 1 },
	{ "h= only unknown", "h=sha512; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA,
	    1024, 0, 0, 0, 0, 1 },
	{ "s=email", "s=email; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA, 1024, 0, 0,
	    0, H_ALL, 1 },
	{ "s=*", "s=*; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA, 1024, 0, 0, 0,
	    H_ALL, 1 },
	{ "s=tlsrpt only", "s=tlsrpt; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA,
	    1024, 0, 0, 0, H_ALL, 0 },
	{ "s=tlsrpt:email", "s=tlsrpt:email; p=" RSA_SPKI, NULL,
	    CRYPTO_ALG_RSA, 1024, 0, 0, 0, H_ALL, 1 },
	{ "t=y", "t=y; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA, 1024, 0, 1, 0,
	    H_ALL, 1 },
	{ "t=s", "t=s; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA, 1024, 0, 0, 1,
	    H_ALL, 1 },
	{ "t=y:s, unknown flags ignored", "t=x : y:s:zz; p=" RSA_SPKI, NULL,
	    CRYPTO_ALG_RSA, 1024, 0, 1, 1, H_ALL, 1 },
	{ "n= and unknown tags ignored", "v=DKIM1; n=a=20note; g=*; "
	    "foo=bar baz; p=" RSA_SPKI, NULL, CRYPTO_ALG_RSA, 1024, 0, 0, 0,
	    H_ALL, 1 },
	/* errors */
	ERR("missing p=", "v=DKIM1; k=rsa", "missing p= tag"),
	ERR("v= not first", "k=rsa; v=DKIM1; p=" RSA_SPKI,
	    "v= is not the first tag"),
	ERR("v=DKIM2", "v=DKIM2; p=" RSA_SPKI,
	    "unsupported key record version"),
	ERR("v=dkim1 (case matters)", "v=dkim1; p=" RSA_SPKI,
	    "unsupported key record version"),
	ERR("v=DKIM1.0", "v=DKIM1.0; p=" RSA_SPKI,
	    "unsupported key record version"),
	ERR("v= empty", "v=; p=" RSA_SPKI, "unsupported key record version"),
	ERR("unknown k=", "k=dsa; p=" RSA_SPKI, "unknown key type"),
	ERR("k= empty", "k=; p=" RSA_SPKI, "unknown key type"),
	ERR("k=ed25519 with RSA data", "k=ed25519; p=" RSA_SPKI,
	    "unusable public key"),
	ERR("k=rsa with Ed25519 data", "k=rsa; p=" ED_RAW,
	    "unusable public key"),
	ERR("RSA key with trailing octets", "p=" RSA_SPKI "AAAA",
	    "unusable public key"),
	ERR("bad base64", "p=MIGf!MA0", "bad base64 in p= tag"),
	ERR("8-bit octet in p=", "p=MIGf\xc3\xa4MA0", "bad base64 in p= tag"),
	ERR("misplaced padding", "p=MI=GfMA0", "bad base64 in p= tag"),
	ERR("h= empty", "h=; p=" RSA_SPKI, "bad h= tag in key record"),
	ERR("h= empty item", "h=sha1::sha256; p=" RSA_SPKI,
	    "bad h= tag in key record"),
	ERR("s= empty", "s=; p=" RSA_SPKI, "bad s= tag in key record"),
	ERR("t= empty", "t=; p=" RSA_SPKI, "bad t= tag in key record"),
	ERR("duplicate p=", "p=; p=" RSA_SPKI, "duplicate tag"),
	ERR("tag-list syntax", "v=DKIM1;; p=" RSA_SPKI, "empty tag"),
	ERR("NUL in record", "v=DKIM1; p=\0AAA", "bad character in tag value"),
	ERR("empty record", "", "empty tag list"),
};

/* run_case - parse txt of exactly len octets, check the result */
static void
run_case(const struct key_case *c, const char *txt, size_t len)
{
	struct dkim_key	 k;
	const char	*why = NULL;
	char		*in = tu_dup(txt, len);
	int		 r;

	dkim_key_init(&k);
	r = dkim_key_parse(&k, in, len, &why);
	if (c->why != NULL) {
		assert_int_equal(r, -1);
		assert_non_null(why);
		assert_string_equal(why, c->why);
		assert_null(k.key);
		assert_int_equal(k.revoked, 0);
	} else {
		if (r != 0)
			fail_msg("%s: %s", c->name, why);
		assert_int_equal(k.alg, c->alg);
		assert_int_equal(k.bits, c->bits);
		assert_int_equal(k.revoked, c->revoked);
		assert_int_equal(k.testing, c->testing);
		assert_int_equal(k.strict, c->strict);
		assert_int_equal(k.hashes, c->hashes);
		assert_int_equal(k.service_ok, c->service_ok);
		if (c->revoked)
			assert_null(k.key);
		else {
			assert_non_null(k.key);
			assert_int_equal(crypto_key_alg(k.key), c->alg);
			assert_int_equal(crypto_key_is_private(k.key), 0);
		}
	}
	dkim_key_clear(&k);
	assert_null(k.key);
	free(in);
}

/* test_key_case - one record from the table */
static void
test_key_case(void **state)
{
	const struct key_case *c = *state;
	size_t	 len = strlen(c->txt);

	if (strcmp(c->name, "NUL in record") == 0)
		len = sizeof("v=DKIM1; p=\0AAA") - 1;
	run_case(c, c->txt, len);
}

/* a stored record file and what it must give */
struct file_case {
	const char	*name;
	const char	*file;
	const char	*why;
};

static const struct file_case file_cases[] = {
	{ "dkimpy test_bad.txt: truncated DER", "test_bad.txt",
	    "unusable public key" },
	{ "dkimpy badk.txt: k=ed25519-sha256", "badk.txt",
	    "unknown key type" },
	{ "dkimpy badversion.txt: v=DKIM1:", "badversion.txt",
	    "unsupported key record version" },
	{ "dkimpy PKCS#8 2048 record", "2048_testkey_PKCS8.key.pub.txt", NULL },
	{ "dkimpy ed25519test.dns", "ed25519test.dns", NULL },
	{ "dkimpy test_tlsrpt.txt parses", "test_tlsrpt.txt", NULL },
};

/* test_file_case - a dkimpy record file */
static void
test_file_case(void **state)
{
	const struct file_case *c = *state;
	struct dkim_key	 k;
	const char	*why = NULL;
	char		*txt, *in;
	size_t		 len;
	int		 r;

	txt = tu_read(VPY, c->file, &len);
	while (len > 0 && (txt[len - 1] == '\n' || txt[len - 1] == '\r'))
		len--;
	in = tu_dup(txt, len);
	dkim_key_init(&k);
	r = dkim_key_parse(&k, in, len, &why);
	if (c->why == NULL) {
		if (r != 0)
			fail_msg("%s: %s", c->name, why);
		assert_non_null(k.key);
	} else {
		assert_int_equal(r, -1);
		assert_string_equal(why, c->why);
	}
	dkim_key_clear(&k);
	free(in);
	free(txt);
}

/* saw_log - log lines seen through the hook */
static char	 last_log[LOG_LINE_MAX];

static void
log_hook(int prio, const char *line)
{
	(void)prio;
	snprintf(last_log, sizeof(last_log), "%s", line);
}

/*
 * test_unusable_key_logged - the OpenSSL reason for an unusable p= goes
 * to the debug log (escaped), the static reason to the caller.
 */
static void
test_unusable_key_logged(void **state)
{
	static const char txt[] = "k=rsa; p=" ED_RAW;
	struct dkim_key	 k;
	const char	*why = NULL;

	(void)state;
	log_init(1, "test", LOG_MAIL);
	log_set_verbose(1);
	log_set_hook(log_hook);
	last_log[0] = '\0';
	dkim_key_init(&k);
	assert_int_equal(dkim_key_parse(&k, txt, sizeof(txt) - 1, &why), -1);
	assert_string_equal(why, "unusable public key");
	assert_true(strncmp(last_log, "dkim key: cannot decode RSA public key",
	    38) == 0);
	log_set_hook(NULL);
	log_set_verbose(0);
}

/* test_record_too_long - records over DKIM_KEY_TXT_MAX are refused */
static void
test_record_too_long(void **state)
{
	struct dkim_key	 k;
	const char	*why = NULL;
	char		*txt;

	(void)state;
	txt = xmalloc(DKIM_KEY_TXT_MAX + 1);
	memcpy(txt, "p=", 2);
	memset(txt + 2, 'A', DKIM_KEY_TXT_MAX - 1);
	dkim_key_init(&k);
	assert_int_equal(dkim_key_parse(&k, txt, DKIM_KEY_TXT_MAX + 1, &why),
	    -1);
	assert_string_equal(why, "key record too long");
	/* at the limit it is just a (too large) key */
	assert_int_equal(dkim_key_parse(&k, txt, DKIM_KEY_TXT_MAX - 2, &why),
	    -1);
	assert_string_equal(why, "bad base64 in p= tag");
	free(txt);
}

/* a key/signature pairing */
struct check_case {
	const char	*name;
	const char	*key;
	const char	*sig;
	const char	*why;		/* NULL: usable */
};

#define SIG_RSA	"v=1; a=rsa-sha256; d=example.com; s=s; h=From; " \
	"bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA"
#define SIG_SHA1 "v=1; a=rsa-sha1; d=example.com; s=s; h=From; " \
	"bh=uoq1oCgLlTqpdDX/iUbLy7J1Wic=; b=AAAA"
#define SIG_ED	"v=1; a=ed25519-sha256; d=example.com; s=s; h=From; " \
	"bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA"

static const struct check_case check_cases[] = {
	{ "rsa key, rsa-sha256", "p=" RSA_SPKI, SIG_RSA, NULL },
	{ "ed25519 key, ed25519-sha256", "k=ed25519; p=" ED_RAW, SIG_ED,
	    NULL },
	{ "rsa key, rsa-sha1 allowed by default", "p=" RSA_SPKI, SIG_SHA1,
	    NULL },
	{ "h=sha256 refuses rsa-sha1", "h=sha256; p=" RSA_SPKI, SIG_SHA1,
	    "inappropriate hash algorithm" },
	{ "h=sha1 refuses rsa-sha256", "h=sha1; p=" RSA_SPKI, SIG_RSA,
	    "inappropriate hash algorithm" },
	{ "h=sha1 refuses ed25519-sha256", "k=ed25519; h=sha1; p=" ED_RAW,
	    SIG_ED, "inappropriate hash algorithm" },
	{ "revoked", "p=", SIG_RSA, "key revoked" },
	{ "rsa key, ed25519 signature", "p=" RSA_SPKI, SIG_ED,
	    "inappropriate key algorithm" },
	{ "ed25519 key, rsa signature", "k=ed25519; p=" ED_RAW, SIG_RSA,
	    "inappropriate key algorithm" },
	{ "s=tlsrpt", "s=tlsrpt; p=" RSA_SPKI, SIG_RSA, "key not for email" },
	{ "t=s, no i=", "t=s; p=" RSA_SPKI, SIG_RSA, NULL },
	{ "t=s, i= same domain other case", "t=s; p=" RSA_SPKI,
	    SIG_RSA "; i=u@EXAMPLE.com", NULL },
	{ "t=s, i= subdomain", "t=s; p=" RSA_SPKI,
	    SIG_RSA "; i=u@mail.example.com",
	    "i= domain differs from d= (t=s)" },
	{ "no t=s, i= subdomain", "p=" RSA_SPKI,
	    SIG_RSA "; i=u@mail.example.com", NULL },
	{ "t=y still usable", "t=y; p=" RSA_SPKI, SIG_RSA, NULL },
};

/* test_check_case - dkim_key_check for one pairing */
static void
test_check_case(void **state)
{
	const struct check_case *c = *state;
	struct dkim_key	 k;
	struct dkim_sig	*sig = xcalloc(1, sizeof(*sig));
	const char	*why = NULL;

	dkim_key_init(&k);
	assert_int_equal(dkim_key_parse(&k, c->key, strlen(c->key), &why),
	    0);
	assert_int_equal(dkim_sig_parse(sig, c->sig, strlen(c->sig), &why),
	    0);
	why = NULL;
	if (c->why == NULL)
		assert_int_equal(dkim_key_check(&k, sig, &why), 0);
	else {
		assert_int_equal(dkim_key_check(&k, sig, &why), -1);
		assert_string_equal(why, c->why);
	}
	dkim_key_clear(&k);
	free(sig);
}

/* one RDATA */
struct txt_case {
	const char	*name;
	const char	*rdata;
	size_t		 len;
	size_t		 outsz;
	ssize_t		 want;
	const char	*out;
};

#define R(x)	x, (sizeof(x) - 1)

static const struct txt_case txt_cases[] = {
	{ "two strings", R("\005hello\005world"), 64, 10, "helloworld" },
	{ "one string", R("\003abc"), 64, 3, "abc" },
	{ "empty RDATA", R(""), 64, 0, "" },
	{ "empty strings", R("\000\003abc\000"), 64, 3, "abc" },
	{ "NUL inside", R("\003a\0b\001c"), 64, 4, "a\0bc" },
	{ "string runs past end", R("\005hel"), 64, -1, NULL },
	{ "second string runs past end", R("\001a\002b"), 64, -1, NULL },
	{ "exactly fits", R("\002ab\002cd"), 4, 4, "abcd" },
	{ "does not fit", R("\002ab\002cd"), 3, -1, NULL },
	{ "no room at all", R("\001a"), 0, -1, NULL },
};

/* test_txt_case - dkim_key_txt_concat */
static void
test_txt_case(void **state)
{
	const struct txt_case *c = *state;
	unsigned char	*rd = (unsigned char *)tu_dup(c->rdata, c->len);
	char		*out = xmalloc(c->outsz + 1);
	ssize_t		 n;

	n = dkim_key_txt_concat(rd, c->len, out, c->outsz);
	assert_int_equal(n, c->want);
	if (n > 0)
		assert_memory_equal(out, c->out, (size_t)n);
	free(out);
	free(rd);
}

/*
 * test_txt_rfc8463 - the RSA record of RFC 8463 A.2, as the four
 * character-strings the zone file gives, joins to the stored value.
 */
static void
test_txt_rfc8463(void **state)
{
	static const char *parts[] = {
		"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkH"
		"lOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Q"
		"vx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM"
		"3rG4hstT5QjvHO9Pz",
		"oxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
	};
	unsigned char	 rd[512];
	char		 out[512], *want;
	size_t		 i, n = 0, wlen;
	ssize_t		 r;
	struct dkim_key	 k;
	const char	*why;

	(void)state;
	for (i = 0; i < 2; i++) {
		rd[n++] = (unsigned char)strlen(parts[i]);
		memcpy(rd + n, parts[i], strlen(parts[i]));
		n += strlen(parts[i]);
	}
	r = dkim_key_txt_concat(rd, n, out, sizeof(out));
	want = tu_read(TEST_VECDIR "/rfc8463",
	    "test._domainkey.football.example.com.txt", &wlen);
	assert_int_equal(r, (ssize_t)wlen - 1);
	assert_memory_equal(out, want, wlen - 1);
	dkim_key_init(&k);
	assert_int_equal(dkim_key_parse(&k, out, (size_t)r, &why), 0);
	assert_int_equal(k.bits, 1024);
	dkim_key_clear(&k);
	free(want);
}

/* run_table - one named cmocka test per table row */
static int
run_table(const char *group, CMUnitTestFunction fn, const void *rows,
    size_t rowsize, size_t n)
{
	struct CMUnitTest *t;
	size_t		 i;
	int		 rc;

	t = xcalloc(n, sizeof(*t));
	for (i = 0; i < n; i++) {
		const void *row = (const char *)rows + i * rowsize;

		t[i].name = *(const char *const *)row;
		t[i].test_func = fn;
		t[i].initial_state = (void *)(uintptr_t)row;
	}
	rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return rc;
}

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))

int
main(void)
{
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_unusable_key_logged),
		cmocka_unit_test(test_record_too_long),
		cmocka_unit_test(test_txt_rfc8463),
	};
	int	 rc = 0;

	rc += run_table("key records", test_key_case, key_cases,
	    sizeof(key_cases[0]), NROWS(key_cases));
	rc += run_table("dkimpy records", test_file_case, file_cases,
	    sizeof(file_cases[0]), NROWS(file_cases));
	rc += run_table("key and signature", test_check_case, check_cases,
	    sizeof(check_cases[0]), NROWS(check_cases));
	rc += run_table("TXT RDATA", test_txt_case, txt_cases,
	    sizeof(txt_cases[0]), NROWS(txt_cases));
	rc += cmocka_run_group_tests_name("misc", misc, NULL, NULL);
	return rc;
}
