/*
 * test_crypto.c - src/crypto.c: private keys in every accepted format
 * (PKCS#1 PEM, PKCS#8 PEM for RSA and Ed25519, base64 Ed25519 seed) from
 * tests/vectors, refused keys (EC, encrypted, public, garbage, short
 * seed, too large), public keys from DKIM p= values (SubjectPublicKeyInfo
 * and bare RSAPublicKey), sign/verify round trips with reused contexts,
 * an rsa-sha1 signature made by the openssl command line, SHA-256/SHA-1
 * (FIPS 180 "abc" vectors), base64 (RFC 4648 section 10 vectors and the
 * strict decoder's edge cases), key generation and writing.
 */
#include "autoconf.h"

#include <sys/types.h>
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

#include "crypto.h"
#include "dkim_testutil.h"
#include "xmalloc.h"

#define V8463	TEST_VECDIR "/rfc8463"
#define VPY	TEST_VECDIR "/dkimpy"
#define DCRYPTO	TEST_DATADIR "/crypto"

/* the RFC 8463 A.2 p= values */
#define RSA8463_P \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3" \
	"idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/" \
	"BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3" \
	"G+2kryOTIKT+l/K4w3QIDAQAB"
#define ED8463_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

/* a private key file and what it must be */
struct load_case {
	const char	*name;
	const char	*path;
	enum crypto_alg	 alg;
	unsigned	 bits;
	const char	*pubfile;	/* key record with its p=, or NULL */
	const char	*p;		/* else the expected p= */
};

static const struct load_case load_cases[] = {
	{ "rsa-1024 PKCS#1 (RFC 8463 A.1)", V8463 "/rsa-private.pem",
	    CRYPTO_ALG_RSA, 1024, NULL, RSA8463_P },
	{ "ed25519 seed base64 (RFC 8463 A.1)", V8463 "/ed25519-private.b64",
	    CRYPTO_ALG_ED25519, 256, NULL, ED8463_P },
	{ "ed25519 PKCS#8", V8463 "/ed25519-private.derived-pkcs8.pem",
	    CRYPTO_ALG_ED25519, 256, NULL, ED8463_P },
	{ "rsa-2048 PKCS#8 (dkimpy)", VPY "/2048_testkey_PKCS8.key",
	    CRYPTO_ALG_RSA, 2048, "2048_testkey_PKCS8.key.pub.txt", NULL },
	{ "rsa-1024 PKCS#1 (dkimpy)", VPY "/1024_testkey.key",
	    CRYPTO_ALG_RSA, 1024, "1024_testkey_wo_markers.pub.txt", NULL },
	{ "ed25519 seed (dkimpy)", VPY "/ed25519test.key",
	    CRYPTO_ALG_ED25519, 256, "ed25519test.dns", NULL },
};

/* record_p - the p= value of a one-line key record file (malloc'ed) */
static char *
record_p(const char *file)
{
	char	*txt, *p, *e;
	size_t	 len;

	txt = tu_read(VPY, file, &len);
	p = strstr(txt, "p=");
	assert_non_null(p);
	p += 2;
	for (e = p; *e != '\0' && *e != ';' && *e != '\n' && *e != ' '; e++)
		;
	p = xstrndup(p, e - p);
	free(txt);
	return p;
}

/* pub_from_b64 - crypto_pubkey_from_dkim over a base64 p= */
static struct crypto_key *
pub_from_b64(enum crypto_alg alg, const char *b64)
{
	unsigned char	 der[4096];
	char		 err[512];
	ssize_t		 n;
	struct crypto_key *k;

	n = crypto_b64_decode(b64, strlen(b64), der, sizeof(der));
	assert_true(n > 0);
	k = crypto_pubkey_from_dkim(alg, der, (size_t)n, err, sizeof(err));
	if (k == NULL)
		fail_msg("pubkey: %s", err);
	return k;
}

/*
 * roundtrip - sign digests with priv (context reused many times), each
 * verifies with pub and not after a bit flip in digest or signature.
 */
static void
roundtrip(const struct crypto_key *priv, const struct crypto_key *pub)
{
	unsigned char	 dg[32], sig[CRYPTO_MAX_SIG], sig2[CRYPTO_MAX_SIG];
	size_t		 siglen, siglen2;
	char		 err[512];
	int		 i;

	for (i = 0; i < 20; i++) {
		memset(dg, i, sizeof(dg));
		siglen = sizeof(sig);
		if (crypto_sign(priv, dg, 32, sig, &siglen, err,
		    sizeof(err)) != 0)
			fail_msg("sign: %s", err);
		assert_int_equal(siglen, crypto_key_alg(priv) ==
		    CRYPTO_ALG_ED25519 ? 64 : crypto_key_bits(priv) / 8);
		/* both algorithms are deterministic */
		siglen2 = sizeof(sig2);
		assert_int_equal(crypto_sign(priv, dg, 32, sig2, &siglen2,
		    err, sizeof(err)), 0);
		assert_int_equal(siglen2, siglen);
		assert_memory_equal(sig, sig2, siglen);
		assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA256, dg, 32,
		    sig, siglen), 1);
		assert_int_equal(crypto_verify(priv, CRYPTO_MD_SHA256, dg, 32,
		    sig, siglen), 1);
		dg[i % 32] ^= 0x01;
		assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA256, dg, 32,
		    sig, siglen), 0);
		dg[i % 32] ^= 0x01;
		sig[(i * 7) % siglen] ^= 0x80;
		assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA256, dg, 32,
		    sig, siglen), 0);
		sig[(i * 7) % siglen] ^= 0x80;
		/* wrong lengths are "not valid", not errors */
		assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA256, dg, 32,
		    sig, siglen - 1), 0);
		assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA256, dg, 32,
		    sig, 0), 0);
		/* misuse: a digest that is not the md's length */
		assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA256, dg, 31,
		    sig, siglen), -1);
	}
	/* the verify context still works after all the failures */
	assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA256, dg, 32, sig,
	    siglen), 1);
}

/* test_load - one key file: type, size, public part, round trip */
static void
test_load(void **state)
{
	const struct load_case *c = *state;
	struct crypto_key *k, *pub;
	char		 err[512], *p, *want;

	k = crypto_key_load(c->path, err, sizeof(err));
	if (k == NULL)
		fail_msg("%s: %s", c->path, err);
	assert_int_equal(crypto_key_alg(k), c->alg);
	assert_int_equal(crypto_key_bits(k), c->bits);
	assert_int_equal(crypto_key_is_private(k), 1);
	want = c->pubfile != NULL ? record_p(c->pubfile) : xstrdup(c->p);
	p = crypto_key_public_b64(k);
	assert_non_null(p);
	assert_string_equal(p, want);
	pub = pub_from_b64(c->alg, want);
	assert_int_equal(crypto_key_is_private(pub), 0);
	assert_int_equal(crypto_key_bits(pub), c->bits);
	assert_int_equal(crypto_key_same_public(k, pub), 1);
	assert_int_equal(crypto_key_same_public(pub, k), 1);
	roundtrip(k, pub);
	free(p);
	free(want);
	crypto_key_free(pub);
	crypto_key_free(k);
}

/* a key file that must be refused */
struct bad_load_case {
	const char	*name;
	const char	*path;
	const char	*err;		/* substring of the message */
};

static const struct bad_load_case bad_load_cases[] = {
	{ "missing file", DCRYPTO "/no-such-file", "No such file" },
	{ "directory", DCRYPTO, "not a regular file" },
	{ "EC key", DCRYPTO "/ec-p256.pem", "unsupported key type" },
	{ "encrypted key (never prompts)", DCRYPTO "/rsa-encrypted.pem",
	    "cannot parse PEM private key" },
	{ "public key PEM", DCRYPTO "/rsa-public.pem",
	    "cannot parse PEM private key" },
	{ "garbage", DCRYPTO "/garbage.txt", "not a PEM private key" },
	{ "empty file", DCRYPTO "/empty.txt", "not a PEM private key" },
	{ "31-byte seed", DCRYPTO "/seed31.b64", "not a PEM private key" },
	{ "key record is not a key", V8463
	    "/brisbane._domainkey.football.example.com.txt",
	    "not a PEM private key" },
};

/* test_bad_load - refused, with the path and a reason in err */
static void
test_bad_load(void **state)
{
	const struct bad_load_case *c = *state;
	char	 err[512];

	memset(err, 0, sizeof(err));
	assert_null(crypto_key_load(c->path, err, sizeof(err)));
	if (strstr(err, c->err) == NULL || strstr(err, c->path) == NULL)
		fail_msg("unexpected error text: %s", err);
}

/* test_parse_memory - crypto_key_parse with odd buffers */
static void
test_parse_memory(void **state)
{
	char	 err[64], *data, *big;
	size_t	 len;
	struct crypto_key *k;

	(void)state;
	data = tu_read(V8463, "ed25519-private.b64", &len);
	/* exact-size copy, no NUL: whitespace around is fine */
	big = tu_dup(data, len);
	k = crypto_key_parse(big, len, err, sizeof(err));
	assert_non_null(k);
	crypto_key_free(k);
	free(big);
	free(data);
	data = tu_read(V8463, "rsa-private.pem", &len);
	big = tu_dup(data, len - 40);	/* truncated PEM */
	assert_null(crypto_key_parse(big, len - 40, err, sizeof(err)));
	/* a tiny err buffer is filled, terminated, never overrun */
	assert_true(strlen(err) < sizeof(err));
	free(big);
	free(data);
	big = xcalloc(1, 70000);
	memset(big, 'A', 69999);
	assert_null(crypto_key_parse(big, 69999, err, sizeof(err)));
	assert_string_equal(err, "key data too large");
	free(big);
}

/* test_too_large_file - a file over 64 KiB is not read */
static void
test_too_large_file(void **state)
{
	char	 dir[] = "/tmp/dkimgate-crypto-XXXXXX", path[256], err[512];
	FILE	*fp;
	int	 i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.pem", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (i = 0; i < 70000; i++)
		fputc('A', fp);
	fclose(fp);
	assert_null(crypto_key_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file of at most"));
	unlink(path);
	rmdir(dir);
}

/* a p= that crypto_pubkey_from_dkim must refuse */
struct bad_pub_case {
	const char	*name;
	enum crypto_alg	 alg;
	const char	*b64;
};

static const struct bad_pub_case bad_pub_cases[] = {
	{ "ed25519 31 octets", CRYPTO_ALG_ED25519,
	    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUQ==" },
	{ "ed25519 33 octets", CRYPTO_ALG_ED25519,
	    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoA" },
	{ "rsa: Ed25519 octets", CRYPTO_ALG_RSA, ED8463_P },
	{ "rsa: EC SubjectPublicKeyInfo", CRYPTO_ALG_RSA,
	    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE11/qka8Svmy9GTo5h+00wofBaRmD"
	    "LkMenD9X43XnFzYRrfNEXAD+JX8h1XhHzcsEtRBFWdpXsyh6gLpKhnwMRQ==" },
	{ "rsa: trailing octets", CRYPTO_ALG_RSA, RSA8463_P "AAAA" },
	{ "rsa: truncated", CRYPTO_ALG_RSA,
	    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3" },
	{ "unknown algorithm", 7, ED8463_P },
};

/* test_bad_pub - refused with a message */
static void
test_bad_pub(void **state)
{
	const struct bad_pub_case *c = *state;
	unsigned char	 der[1024];
	char		 err[512];
	ssize_t		 n;

	n = crypto_b64_decode(c->b64, strlen(c->b64), der, sizeof(der));
	assert_true(n > 0);
	err[0] = '\0';
	assert_null(crypto_pubkey_from_dkim(c->alg, der, (size_t)n, err,
	    sizeof(err)));
	assert_true(err[0] != '\0');
	assert_null(crypto_pubkey_from_dkim(c->alg, der, 0, err,
	    sizeof(err)));
}

/*
 * test_bare_rsapublickey - dkimpy's record with a PKCS#1 RSAPublicKey p=
 * gives the same key as its SubjectPublicKeyInfo record.
 */
static void
test_bare_rsapublickey(void **state)
{
	struct crypto_key *a, *b, *priv;
	char		*pa, *pb, err[512];

	(void)state;
	pa = record_p("1024_testkey_wo_markers.pub.rsa.txt");
	pb = record_p("1024_testkey_wo_markers.pub.txt");
	a = pub_from_b64(CRYPTO_ALG_RSA, pa);
	b = pub_from_b64(CRYPTO_ALG_RSA, pb);
	assert_int_equal(crypto_key_same_public(a, b), 1);
	priv = crypto_key_load(VPY "/1024_testkey.key", err, sizeof(err));
	assert_non_null(priv);
	roundtrip(priv, a);
	crypto_key_free(priv);
	crypto_key_free(a);
	crypto_key_free(b);
	free(pa);
	free(pb);
}

/*
 * test_rsa_sha1_verify - a PKCS#1 v1.5 SHA-1 signature of "abc" made by
 * `openssl pkeyutl -sign -pkeyopt digest:sha1` with the RFC 8463 RSA key
 * verifies as SHA-1 (rsa-sha1 must still be recognised, RFC 8301), and
 * not as a SHA-256 signature of the same octets.
 */
static void
test_rsa_sha1_verify(void **state)
{
	static const char sigb64[] =
	    "uGe3gl0rvfTgR7tJ1FJy4ZKVujBc9aUTDwCD2e5b3pjtUevEnX6XOqEZaxRMXVXH"
	    "jgQY4yaeNCLItyOLLovRJYk2oh+K7hLbLCuqOL/RXIP6rnyY2+pIcV/GxyXq4UZP"
	    "kqVol6i1j3wHGzzAQ7erka/XZ5DEpXe58W8AcicEY60=";
	unsigned char	 sig[256], dg[CRYPTO_MAX_MD];
	struct crypto_hash *h;
	struct crypto_key *pub, *ed;
	ssize_t		 n;

	(void)state;
	n = crypto_b64_decode(sigb64, sizeof(sigb64) - 1, sig, sizeof(sig));
	assert_int_equal(n, 128);
	h = crypto_hash_new(CRYPTO_MD_SHA1);
	crypto_hash_update(h, "abc", 3);
	assert_int_equal(crypto_hash_final(h, dg), 20);
	crypto_hash_free(h);
	pub = pub_from_b64(CRYPTO_ALG_RSA, RSA8463_P);
	assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA1, dg, 20, sig, 128),
	    1);
	dg[0] ^= 1;
	assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA1, dg, 20, sig, 128),
	    0);
	dg[0] ^= 1;
	assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA1, dg, 32, sig, 128),
	    -1);
	/* the SHA-256 context was not disturbed by the SHA-1 one */
	memset(dg, 0, sizeof(dg));
	assert_int_equal(crypto_verify(pub, CRYPTO_MD_SHA256, dg, 32, sig,
	    128), 0);
	/* Ed25519 has no SHA-1 form */
	ed = pub_from_b64(CRYPTO_ALG_ED25519, ED8463_P);
	assert_int_equal(crypto_verify(ed, CRYPTO_MD_SHA1, dg, 20, sig, 64),
	    0);
	crypto_key_free(ed);
	crypto_key_free(pub);
}

/* test_sign_misuse - public keys do not sign; only SHA-256 digests */
static void
test_sign_misuse(void **state)
{
	struct crypto_key *pub, *priv;
	unsigned char	 dg[32] = { 0 }, sig[CRYPTO_MAX_SIG];
	size_t		 siglen = sizeof(sig);
	char		 err[512];

	(void)state;
	pub = pub_from_b64(CRYPTO_ALG_ED25519, ED8463_P);
	assert_int_equal(crypto_sign(pub, dg, 32, sig, &siglen, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "not a private key");
	priv = crypto_key_load(V8463 "/rsa-private.pem", err, sizeof(err));
	assert_non_null(priv);
	assert_int_equal(crypto_sign(priv, dg, 20, sig, &siglen, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "digest is not SHA-256");
	siglen = 64;		/* too small for RSA-1024 */
	assert_int_equal(crypto_sign(priv, dg, 32, sig, &siglen, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "RSA signing failed"));
	crypto_key_free(priv);
	crypto_key_free(pub);
	crypto_key_free(NULL);
}

/* test_generate_write - fresh keys, PEM output, reload */
static void
test_generate_write(void **state)
{
	char		 dir[] = "/tmp/dkimgate-crypto-XXXXXX", path[256];
	char		 err[512], *text, *b64;
	struct crypto_key *k, *again, *pub;
	struct stat	 st;
	size_t		 len;
	int		 i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_null(crypto_key_generate(CRYPTO_ALG_RSA, 512, err,
	    sizeof(err)));
	assert_null(crypto_key_generate(9, 0, err, sizeof(err)));
	for (i = 0; i < 2; i++) {
		k = crypto_key_generate(i == 0 ? CRYPTO_ALG_RSA :
		    CRYPTO_ALG_ED25519, 1024, err, sizeof(err));
		assert_non_null(k);
		assert_int_equal(crypto_key_bits(k), i == 0 ? 1024 : 256);
		snprintf(path, sizeof(path), "%s/k%d.private", dir, i);
		assert_int_equal(crypto_key_write_private(k, path, err,
		    sizeof(err)), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		text = tu_read(dir, strrchr(path, '/') + 1, &len);
		assert_true(strncmp(text, i == 0 ?
		    "-----BEGIN RSA PRIVATE KEY-----\n" :
		    "-----BEGIN PRIVATE KEY-----\n", i == 0 ? 32 : 28) == 0);
		free(text);
		/* never overwrites */
		assert_int_equal(crypto_key_write_private(k, path, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "File exists"));
		again = crypto_key_load(path, err, sizeof(err));
		assert_non_null(again);
		assert_int_equal(crypto_key_same_public(k, again), 1);
		b64 = crypto_key_public_b64(again);
		pub = pub_from_b64(crypto_key_alg(k), b64);
		roundtrip(k, pub);
		roundtrip(again, pub);
		assert_int_equal(crypto_key_write_private(pub, path, err,
		    sizeof(err)), -1);
		unlink(path);
		free(b64);
		crypto_key_free(pub);
		crypto_key_free(again);
		crypto_key_free(k);
	}
	/* different keys differ */
	k = crypto_key_generate(CRYPTO_ALG_ED25519, 0, err, sizeof(err));
	again = crypto_key_generate(CRYPTO_ALG_ED25519, 0, err, sizeof(err));
	assert_int_equal(crypto_key_same_public(k, again), 0);
	assert_int_equal(crypto_key_same_public(k, NULL), 0);
	crypto_key_free(k);
	crypto_key_free(again);
	snprintf(path, sizeof(path), "%s/no/such/dir/k", dir);
	k = crypto_key_generate(CRYPTO_ALG_ED25519, 0, err, sizeof(err));
	assert_int_equal(crypto_key_write_private(k, path, err, sizeof(err)),
	    -1);
	crypto_key_free(k);
	rmdir(dir);
}

/* test_hash_vectors - FIPS 180 "abc" and empty-string digests */
static void
test_hash_vectors(void **state)
{
	static const unsigned char sha256_abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
		0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
		0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
		0x15, 0xad };
	static const unsigned char sha1_abc[20] = {
		0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
		0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d };
	static const unsigned char sha256_empty[4] = {
		0xe3, 0xb0, 0xc4, 0x42 };
	unsigned char	 out[CRYPTO_MAX_MD];
	struct crypto_hash *h;

	(void)state;
	assert_int_equal(crypto_md_len(CRYPTO_MD_SHA256), 32);
	assert_int_equal(crypto_md_len(CRYPTO_MD_SHA1), 20);
	h = crypto_hash_new(CRYPTO_MD_SHA256);
	crypto_hash_update(h, "abc", 3);
	assert_int_equal(crypto_hash_final(h, out), 32);
	assert_memory_equal(out, sha256_abc, 32);
	/* reused after final, fed in pieces */
	crypto_hash_update(h, "a", 1);
	crypto_hash_update(h, "", 0);
	crypto_hash_update(h, "bc", 2);
	assert_int_equal(crypto_hash_final(h, out), 32);
	assert_memory_equal(out, sha256_abc, 32);
	assert_int_equal(crypto_hash_final(h, out), 32);
	assert_memory_equal(out, sha256_empty, 4);
	crypto_hash_free(h);
	h = crypto_hash_new(CRYPTO_MD_SHA1);
	crypto_hash_update(h, "abc", 3);
	assert_int_equal(crypto_hash_final(h, out), 20);
	assert_memory_equal(out, sha1_abc, 20);
	crypto_hash_free(h);
	crypto_hash_free(NULL);
}

/* one base64 case: decoded octets and encoded text */
struct b64_case {
	const char	*name;
	const char	*text;		/* input to decode */
	const char	*bin;		/* expected octets, NULL: error */
	size_t		 binlen;
	int		 canonical;	/* encoding bin gives text back */
};

#define BIN(x)	x, (sizeof(x) - 1)

static const struct b64_case b64_cases[] = {
	/* RFC 4648 section 10 */
	{ "rfc4648 empty", "", BIN(""), 1 },
	{ "rfc4648 f", "Zg==", BIN("f"), 1 },
	{ "rfc4648 fo", "Zm8=", BIN("fo"), 1 },
	{ "rfc4648 foo", "Zm9v", BIN("foo"), 1 },
	{ "rfc4648 foob", "Zm9vYg==", BIN("foob"), 1 },
	{ "rfc4648 fooba", "Zm9vYmE=", BIN("fooba"), 1 },
	{ "rfc4648 foobar", "Zm9vYmFy", BIN("foobar"), 1 },
	{ "all 64 characters", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
	    "stuvwxyz0123456789+/", BIN("\x00\x10\x83\x10\x51\x87\x20\x92\x8b"
	    "\x30\xd3\x8f\x41\x14\x93\x51\x55\x97\x61\x96\x9b\x71\xd7\x9f\x82"
	    "\x18\xa3\x92\x59\xa7\xa2\x9a\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d"
	    "\xb7\xe3\x9e\xbb\xf3\xdf\xbf"), 1 },
	{ "octets 00 and ff", "AP8=", BIN("\x00\xff"), 1 },
	/* whitespace (FWS in b=, bh=, p=) */
	{ "blanks anywhere", " Zm 9v\tYm\r\nFy ", BIN("foobar"), 0 },
	{ "FWS between the pads", "Zg=\r\n =", BIN("f"), 0 },
	{ "only whitespace", " \r\n\t", BIN(""), 0 },
	/* strictness */
	{ "no padding", "Zg", NULL, 0, 0 },
	{ "3 chars no padding", "Zm8", NULL, 0, 0 },
	{ "1 char", "Z", NULL, 0, 0 },
	{ "one = short", "Zg=", NULL, 0, 0 },
	{ "pad after full quantum", "Zm9v=", NULL, 0, 0 },
	{ "three pads", "Z===", NULL, 0, 0 },
	{ "four pads", "====", NULL, 0, 0 },
	{ "excess pad", "Zm8==", NULL, 0, 0 },
	{ "data after padding", "Zg==Zg==", NULL, 0, 0 },
	{ "data between pads", "Zg=A=", NULL, 0, 0 },
	{ "URL alphabet", "Zm9-", NULL, 0, 0 },
	{ "bad character", "Zm9v!", NULL, 0, 0 },
	{ "NUL", "Zm\0v", NULL, 0, 0 },
	{ "8-bit", "Zm\xc3\xa4", NULL, 0, 0 },
	{ "vertical tab is not skipped", "Zm9v\v", NULL, 0, 0 },
	{ "non-zero pad bits accepted", "Zh==", BIN("f"), 0 },
};

/* test_b64 - decode (exact-size input), and encode back */
static void
test_b64(void **state)
{
	const struct b64_case *c = *state;
	size_t		 n = strlen(c->text);
	char		*in, enc[256];
	unsigned char	 out[256];
	ssize_t		 r;

	if (strcmp(c->name, "NUL") == 0)
		n = 4;
	in = tu_dup(c->text, n);
	r = crypto_b64_decode(in, n, out, sizeof(out));
	if (c->bin == NULL)
		assert_int_equal(r, -1);
	else {
		assert_int_equal(r, (ssize_t)c->binlen);
		assert_memory_equal(out, c->bin, c->binlen);
		/* exactly enough room, and one octet too little */
		assert_int_equal(crypto_b64_decode(in, n, out, c->binlen),
		    (ssize_t)c->binlen);
		if (c->binlen > 0)
			assert_int_equal(crypto_b64_decode(in, n, out,
			    c->binlen - 1), -1);
	}
	if (c->canonical) {
		assert_int_equal(crypto_b64_encode(c->bin, c->binlen, enc,
		    sizeof(enc)), strlen(c->text));
		assert_string_equal(enc, c->text);
		/* room for the text but not its NUL */
		if (n > 0) {
			assert_int_equal(crypto_b64_encode(c->bin, c->binlen,
			    enc, n), 0);
			assert_string_equal(enc, "");
		}
		assert_int_equal(crypto_b64_encode(c->bin, c->binlen, enc,
		    n + 1), n);
	}
	free(in);
}

/* test_random - fills, differs */
static void
test_random(void **state)
{
	unsigned char	 a[32], b[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(crypto_random(a, 0), 0);
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
		cmocka_unit_test(test_parse_memory),
		cmocka_unit_test(test_too_large_file),
		cmocka_unit_test(test_bare_rsapublickey),
		cmocka_unit_test(test_rsa_sha1_verify),
		cmocka_unit_test(test_sign_misuse),
		cmocka_unit_test(test_generate_write),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_random),
	};
	int	 rc = 0;

	rc += run_table("key files", test_load, load_cases,
	    sizeof(load_cases[0]), NROWS(load_cases));
	rc += run_table("refused key files", test_bad_load, bad_load_cases,
	    sizeof(bad_load_cases[0]), NROWS(bad_load_cases));
	rc += run_table("refused public keys", test_bad_pub, bad_pub_cases,
	    sizeof(bad_pub_cases[0]), NROWS(bad_pub_cases));
	rc += run_table("base64", test_b64, b64_cases, sizeof(b64_cases[0]),
	    NROWS(b64_cases));
	rc += cmocka_run_group_tests_name("crypto", misc, NULL, NULL);
	return rc;
}
