/*
 * test_dkim_verify.c - the DKIM verifier and the verify mode with the DNS
 * mock (tests/unit/mock_dns.c): every RFC 8601 result, l=, x=, t=, i=,
 * t=s, duplicate From, rsa-sha1, a 512-bit key, bogus and timed-out key
 * look-ups, several signatures, max_signatures, the key cache, and the
 * mode's Authentication-Results field, forged-field removal and DNS
 * failure policy.
 *
 * Test messages are signed here with a small signer assembled from the
 * primitives (dkim_canon, dkim_sig_header_input, crypto_sign), so each
 * case controls every tag, including ones a real signer never writes.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "authres.h"
#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_sig.h"
#include "dkim_verify.h"
#include "dns.h"
#include "log.h"
#include "mock_dns.h"
#include "mode.h"
#include "rfc5322.h"
#include "worker.h"

#define NOW	1795000000LL		/* fixed "now" for t=/x= cases */

static struct crypto_key *k512, *k1024, *k2048, *ked;
static char	*txt512, *txt1024, *txt2048, *txted;

static const char base_msg[] =
    "From: Alice <alice@example.com>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: quarterly figures\r\n"
    "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <123@example.com>\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "\r\n"
    "the figures  are attached.   \r\n"
    "\r\n"
    "\r\n";

/* ---- helpers ---- */

static char *
read_file(const char *name, size_t *len)
{
	char	 path[512];
	FILE	*fp;
	char	*p;
	long	 n;

	snprintf(path, sizeof(path), "%s/verify/%s", TEST_DATADIR, name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	p[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return p;
}

static struct crypto_key *
load_key(const char *name, char **txt)
{
	struct crypto_key	*k;
	char			 err[256], *pem, *b64;
	size_t			 len;

	pem = read_file(name, &len);
	k = crypto_key_parse(pem, len, err, sizeof(err));
	if (k == NULL)
		fail_msg("%s: %s", name, err);
	free(pem);
	b64 = crypto_key_public_b64(k);
	assert_non_null(b64);
	*txt = malloc(strlen(b64) + 64);
	assert_non_null(*txt);
	sprintf(*txt, "v=DKIM1; k=%s; p=%s",
	    crypto_key_alg(k) == CRYPTO_ALG_RSA ? "rsa" : "ed25519", b64);
	free(b64);
	return k;
}

static int
group_setup(void **state)
{
	(void)state;
	k512 = load_key("rsa512.pem", &txt512);
	k1024 = load_key("rsa1024.pem", &txt1024);
	k2048 = load_key("rsa2048.pem", &txt2048);
	ked = load_key("ed25519.pem", &txted);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	crypto_key_free(k512);
	crypto_key_free(k1024);
	crypto_key_free(k2048);
	crypto_key_free(ked);
	free(txt512);
	free(txt1024);
	free(txt2048);
	free(txted);
	return 0;
}

static int
case_setup(void **state)
{
	(void)state;
	mock_dns_reset();
	return 0;
}

static int
case_teardown(void **state)
{
	(void)state;
	assert_int_equal(mock_dns_pending(), 0);
	assert_int_equal(mock_dns_contexts(), 0);
	mock_dns_reset();
	return 0;
}

/* header_len - the header block of a CRLF message, without the empty
 * line; *body gets the body offset */
static size_t
header_len(const char *m, size_t len, size_t *body)
{
	const char	*e = memmem(m, len, "\r\n\r\n", 4);

	if (e == NULL) {
		*body = len;
		return len;
	}
	*body = (size_t)(e - m) + 4;
	return (size_t)(e - m) + 2;
}

struct sign_opts {
	struct crypto_key *key;
	const char	*a;		/* default from the key */
	const char	*c;		/* default relaxed/relaxed */
	const char	*d;		/* default example.com */
	const char	*s;		/* default sel */
	const char	*h;		/* default from:to:subject:date */
	const char	*extra;		/* more tags, e.g. "l=10; " */
	long long	 l;		/* body length for the hash; -1 all */
};

/*
 * sign - prepend a DKIM-Signature to msg (CRLF text) made as RFC 6376
 * 3.7 says, with every tag under the caller's control. Returns a new
 * malloc'ed message.
 */
static char *
sign(const char *msg, const struct sign_opts *o)
{
	struct rfc5322_hdr	 hdr;
	struct dkim_bodyhash	*bh;
	struct crypto_hash	*h;
	struct buf		 f, hin;
	struct dkim_name	 names[16];
	enum dkim_canon		 hc, bc;
	unsigned char		 bhd[CRYPTO_MAX_MD], dig[CRYPTO_MAX_MD];
	unsigned char		 sig[CRYPTO_MAX_SIG];
	char			 b64[2048], err[256], *out;
	const char		*c = o->c != NULL ? o->c : "relaxed/relaxed";
	const char		*hl = o->h != NULL ? o->h :
				    "from:to:subject:date";
	const char		*a = o->a != NULL ? o->a :
				    crypto_key_alg(o->key) == CRYPTO_ALG_RSA ?
				    "rsa-sha256" : "ed25519-sha256";
	size_t			 len = strlen(msg), hlen, boff, bhlen, siglen;
	size_t			 nn = 0, dlen;
	const char		*p, *colon;

	assert_int_equal(dkim_canon_parse(c, strlen(c), &hc, &bc), 0);
	hlen = header_len(msg, len, &boff);
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, msg, hlen, 100), 0);
	bh = dkim_bodyhash_new(bc, CRYPTO_MD_SHA256, o->l);
	dkim_bodyhash_update(bh, msg + boff, len - boff);
	bhlen = dkim_bodyhash_final(bh, bhd, NULL);
	dkim_bodyhash_free(bh);
	crypto_b64_encode(bhd, bhlen, b64, sizeof(b64));

	buf_init(&f, 65536);
	buf_printf(&f, "DKIM-Signature: v=1; a=%s; c=%s; d=%s; s=%s;\r\n"
	    "\t%sh=%s; bh=%s;\r\n\tb=", a, c, o->d != NULL ? o->d :
	    "example.com", o->s != NULL ? o->s : "sel",
	    o->extra != NULL ? o->extra : "", hl, b64);
	for (p = hl; *p != '\0'; p = colon + (*colon != '\0')) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		names[nn].p = p;
		names[nn].len = (size_t)(colon - p);
		nn++;
	}
	buf_init(&hin, 1 << 20);
	assert_int_equal(dkim_sig_header_input(hc, &hdr, SIZE_MAX, names, nn,
	    f.data, f.len, &hin), 0);
	h = crypto_hash_new(CRYPTO_MD_SHA256);
	crypto_hash_update(h, hin.data, hin.len);
	dlen = crypto_hash_final(h, dig);
	crypto_hash_free(h);
	siglen = sizeof(sig);
	if (crypto_sign(o->key, dig, dlen, sig, &siglen, err,
	    sizeof(err)) == -1)
		fail_msg("crypto_sign: %s", err);
	crypto_b64_encode(sig, siglen, b64, sizeof(b64));
	buf_printf(&f, "%s\r\n", b64);
	out = malloc(f.len + len + 1);
	assert_non_null(out);
	memcpy(out, f.data, f.len);
	memcpy(out + f.len, msg, len + 1);
	buf_clear(&f);
	buf_clear(&hin);
	rfc5322_hdr_clear(&hdr);
	return out;
}

/* key - publish a key record for sel._domainkey.example.com */
static void
key(const char *sel, const char *dom, enum dns_sec sec, const char *txt)
{
	char	 name[256];

	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, dom);
	mock_dns_txt(name, sec, txt);
}

struct run {
	struct event_base	*base;
	struct dns		*dns;
	struct dkim_verify	*v;
	struct rfc5322_hdr	 hdr;
	char			*msg;
	int			 done;
	char			 ar[4096];
};

static void
run_done(void *arg)
{
	((struct run *)arg)->done++;
}

static void
flag_done(void *arg)
{
	(*(int *)arg)++;
}

/*
 * run_verify - verify msg as the mode would (header block, the body in
 * small chunks, end of message), run the loop until done.
 */
static void
run_verify(struct run *r, const char *msg, const struct dkim_verify_conf *cf)
{
	struct dkim_verify_conf	 c;
	struct dns_conf		 dc;
	struct authres		*ar;
	struct buf		 out;
	char			 err[128];
	size_t			 len = strlen(msg), hlen, boff, off, n;

	memset(r, 0, sizeof(*r));
	if (cf != NULL)
		c = *cf;
	else {
		memset(&c, 0, sizeof(c));
		c.max_signatures = 8;
		c.min_rsa_bits = 1024;
		c.now = NOW;
		c.skew = -1;
	}
	r->base = event_base_new();
	memset(&dc, 0, sizeof(dc));
	dc.timeout = 5;
	r->dns = dns_new(r->base, &dc, err, sizeof(err));
	assert_non_null(r->dns);
	r->msg = strdup(msg);
	hlen = header_len(r->msg, len, &boff);
	rfc5322_hdr_init(&r->hdr);
	assert_int_equal(rfc5322_parse(&r->hdr, r->msg, hlen, 10000), 0);
	r->v = dkim_verify_new(r->dns, &c);
	dkim_verify_headers(r->v, &r->hdr);
	for (off = boff; off < len; off += n) {
		n = len - off < 7 ? len - off : 7;
		dkim_verify_body(r->v, r->msg + off, n);
	}
	dkim_verify_eom(r->v, run_done, r);
	while (!r->done && event_base_loop(r->base, EVLOOP_ONCE) == 0)
		;
	assert_int_equal(r->done, 1);
	assert_int_equal(dkim_verify_pending(r->v), 0);
	ar = authres_new("mx.example.org");
	assert_int_equal(dkim_verify_authres(r->v, ar), 0);
	buf_init(&out, sizeof(r->ar) - 1);
	assert_int_equal(authres_finish(ar, &out, "\n"), 0);
	memcpy(r->ar, out.data, out.len + 1);
	buf_clear(&out);
	authres_free(ar);
}

static void
run_free(struct run *r)
{
	dkim_verify_free(r->v);
	dns_free(r->dns);
	rfc5322_hdr_clear(&r->hdr);
	free(r->msg);
	event_base_free(r->base);
}

/* expect - result i is res with reason containing why (NULL: any) */
static void
expect(struct run *r, size_t i, enum dkim_result res, const char *why)
{
	const struct dkim_verify_result *vr = dkim_verify_result(r->v, i);

	assert_non_null(vr);
	if (vr->result != res)
		fail_msg("result %zu is %s (%s), want %s", i,
		    dkim_result_name(vr->result),
		    vr->reason != NULL ? vr->reason : "-",
		    dkim_result_name(res));
	if (why != NULL && (vr->reason == NULL ||
	    strstr(vr->reason, why) == NULL))
		fail_msg("result %zu reason \"%s\", want \"%s\"", i,
		    vr->reason != NULL ? vr->reason : "(null)", why);
}

/* unfold - the field on one line */
static void
unfold(const char *in, char *out, size_t outsz)
{
	size_t	 o = 0;

	for (; *in != '\0' && o + 1 < outsz; in++) {
		if (*in == '\n' && in[1] == '\t') {
			out[o++] = ' ';
			in++;
		} else if (*in != '\n')
			out[o++] = *in;
	}
	out[o] = '\0';
}

static void
expect_ar(struct run *r, const char *want)
{
	char	 flat[4096];

	unfold(r->ar, flat, sizeof(flat));
	if (strstr(flat, want) == NULL)
		fail_msg("A-R [%s] lacks [%s]", flat, want);
}

/* ---- cases ---- */

static void
test_unsigned(void **state)
{
	struct run	 r;

	(void)state;
	run_verify(&r, base_msg, NULL);
	assert_int_equal(dkim_verify_count(r.v), 0);
	assert_string_equal(r.ar,
	    "Authentication-Results: mx.example.org;\n\tdkim=none\n");
	assert_int_equal(mock_dns_nqueries(), 0);
	run_free(&r);
}

static void
test_pass_rsa2048_secure(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct run	 r;
	char		*m, want[256];
	const struct dkim_verify_result *vr;

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	mock_dns_expect("sel._domainkey.example.com", DNS_T_TXT);
	mock_dns_strict(1);
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	mock_dns_check();
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	vr = dkim_verify_result(r.v, 0);
	assert_int_equal(vr->bits, 2048);
	assert_int_equal(vr->sec, DNS_SEC_SECURE);
	assert_string_equal(vr->d, "example.com");
	assert_string_equal(vr->s, "sel");
	assert_null(vr->reason);
	snprintf(want, sizeof(want), "dkim=pass (2048-bit key; secure) "
	    "header.d=example.com header.s=sel header.b=");
	expect_ar(&r, want);
	/* header.b: the first 8 characters of b=, quoted when needed */
	{
		const char	*b = strstr(m, "\tb=") + 3;
		char		 b8[9], tok[32];

		memcpy(b8, b, 8);
		b8[8] = '\0';
		if (strpbrk(b8, "/=") != NULL)
			snprintf(tok, sizeof(tok), "header.b=\"%s\"", b8);
		else
			snprintf(tok, sizeof(tok), "header.b=%s", b8);
		expect_ar(&r, tok);
		assert_string_equal(vr->b, b8);
	}
	free(m);
	run_free(&r);
}

/* every canonicalization, both algorithms, insecure answers */
static void
test_pass_canon_alg(void **state)
{
	static const char *const canons[] = { "simple/simple",
	    "simple/relaxed", "relaxed/simple", "relaxed/relaxed", "relaxed" };
	struct sign_opts o = { .l = -1 };
	struct run	 r;
	char		*m;
	size_t		 i, j;

	(void)state;
	key("sel", "example.com", DNS_SEC_INSECURE, txt1024);
	key("ed", "example.com", DNS_SEC_INSECURE, txted);
	for (i = 0; i < sizeof(canons) / sizeof(canons[0]); i++)
		for (j = 0; j < 2; j++) {
			o.key = j == 0 ? k1024 : ked;
			o.s = j == 0 ? "sel" : "ed";
			o.c = canons[i];
			m = sign(base_msg, &o);
			run_verify(&r, m, NULL);
			expect(&r, 0, DKIM_RESULT_PASS, NULL);
			expect_ar(&r, j == 0 ? "(1024-bit key; insecure)" :
			    "(256-bit key; insecure)");
			free(m);
			run_free(&r);
		}
}

static void
test_tampered(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct run	 r;
	char		*m, *p;

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	m = sign(base_msg, &o);
	p = strstr(m, "figures  are");
	p[0] = 'F';
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_FAIL, "body hash mismatch");
	expect_ar(&r, "dkim=fail (2048-bit key; secure) reason=\"body hash "
	    "mismatch\" header.d=example.com header.s=sel");
	run_free(&r);
	p[0] = 'f';
	p = strstr(m, "quarterly");
	p[0] = 'Q';
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_FAIL, "did not verify");
	run_free(&r);
	/* relaxed tolerates whitespace changes in the body */
	p[0] = 'q';
	p = strstr(m, "attached.   ");
	p[9] = '\t';
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	free(m);
	/* simple does not */
	o.c = "simple/simple";
	m = sign(base_msg, &o);
	p = strstr(m, "attached.   ");
	p[9] = '\t';
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_FAIL, "body hash mismatch");
	run_free(&r);
	free(m);
}

static void
test_length_tag(void **state)
{
	struct sign_opts o = { .key = k2048, .extra = "l=12; ", .l = 12 };
	struct run	 r;
	char		*m, *m2;

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	o.c = "simple/simple";
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	/* text appended after the signed length still passes (RFC 6376
	 * 8.2 is why signers should not use l=) */
	m2 = malloc(strlen(m) + 64);
	sprintf(m2, "%sappended by a list\r\n", m);
	run_verify(&r, m2, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	free(m2);
	free(m);
	/* l= beyond the body: RFC 6376 6.1.3 */
	o.extra = "l=100000; ";
	o.l = -1;
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_FAIL, "l= is longer than the body");
	run_free(&r);
	free(m);
}

static void
test_times(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct run	 r;
	char		*m, extra[128];

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	/* x= in the past */
	snprintf(extra, sizeof(extra), "t=%lld; x=%lld; ", NOW - 7200,
	    NOW - 3600);
	o.extra = extra;
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, "expired");
	assert_int_equal(mock_dns_nqueries(), 0);	/* no look-up */
	run_free(&r);
	free(m);
	/* x= ahead */
	snprintf(extra, sizeof(extra), "t=%lld; x=%lld; ", NOW - 10,
	    NOW + 3600);
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	free(m);
	/* t= far in the future */
	snprintf(extra, sizeof(extra), "t=%lld; ", NOW + 86400);
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, "future");
	run_free(&r);
	free(m);
	/* t= a little ahead: clocks differ, within the allowance */
	snprintf(extra, sizeof(extra), "t=%lld; ", NOW + 60);
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	free(m);
}

static void
test_identity(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct run	 r;
	char		*m, *txt;

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	o.extra = "i=alice@mail.example.com; ";
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	expect_ar(&r, "header.i=alice@mail.example.com");
	run_free(&r);
	free(m);
	/* i= outside d= */
	o.extra = "i=alice@example.net; ";
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, "i= not within d=");
	expect_ar(&r, "header.d=example.com header.s=sel");
	run_free(&r);
	free(m);
	/* t=s: the i= domain must be d= itself (RFC 6376 3.6.1) */
	txt = malloc(strlen(txt2048) + 16);
	sprintf(txt, "t=s; %s", txt2048 + strlen("v=DKIM1; "));
	mock_dns_reset();
	key("sel", "example.com", DNS_SEC_SECURE, txt);
	o.extra = "i=alice@mail.example.com; ";
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, NULL);
	run_free(&r);
	free(m);
	o.extra = "i=alice@example.com; ";
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	free(m);
	free(txt);
}

static void
test_from_rules(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct run	 r;
	char		*m, *m2;

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	/* a second From added after signing: the signature still
	 * verifies cryptographically (h= picks the bottom one), but a
	 * repeated From never passes */
	m = sign(base_msg, &o);
	m2 = malloc(strlen(m) + 64);
	sprintf(m2, "From: Mallory <ceo@example.com>\r\n%s", m);
	run_verify(&r, m2, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, "more than one From");
	run_free(&r);
	free(m2);
	free(m);
	/* signed with both From fields: still no pass */
	m2 = malloc(strlen(base_msg) + 64);
	sprintf(m2, "From: Mallory <ceo@example.com>\r\n%s", base_msg);
	o.h = "from:from:to:subject";
	m = sign(m2, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, "more than one From");
	run_free(&r);
	free(m);
	free(m2);
	/* no From at all */
	m2 = strdup(strstr(base_msg, "To:"));
	o.h = "from:to:subject";
	m = sign(m2, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, "no From");
	run_free(&r);
	free(m);
	free(m2);
	/* h= without From */
	o.h = "to:subject";
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, "From");
	run_free(&r);
	free(m);
}

static void
test_rfc8301(void **state)
{
	struct sign_opts o = { .l = -1 };
	struct run	 r;
	char		*m;

	(void)state;
	key("weak", "example.com", DNS_SEC_SECURE, txt512);
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	/* a 512-bit key, correctly signed, never passes */
	o.key = k512;
	o.s = "weak";
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_POLICY, "RFC 8301");
	expect_ar(&r, "dkim=policy (512-bit key; secure)");
	run_free(&r);
	free(m);
	/* rsa-sha1 is recognised and refused */
	o.key = k2048;
	o.s = "sel";
	o.a = "rsa-sha1";
	m = sign(base_msg, &o);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_POLICY, "rsa-sha1");
	expect_ar(&r, "dkim=policy reason=\"rsa-sha1 is not accepted "
	    "(RFC 8301)\" header.d=example.com");
	run_free(&r);
	free(m);
	/* a 1024-bit key passes at the default minimum, not at 2048 */
	{
		struct dkim_verify_conf	 c = { .max_signatures = 8,
		    .min_rsa_bits = 2048, .now = NOW, .skew = -1 };

		mock_dns_reset();
		key("sel", "example.com", DNS_SEC_SECURE, txt1024);
		o.a = NULL;
		o.key = k1024;
		m = sign(base_msg, &o);
		run_verify(&r, m, NULL);
		expect(&r, 0, DKIM_RESULT_PASS, NULL);
		run_free(&r);
		run_verify(&r, m, &c);
		expect(&r, 0, DKIM_RESULT_POLICY, NULL);
		run_free(&r);
		free(m);
	}
}

static void
test_dns_failures(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct mock_dns_entry *e;
	struct run	 r;
	char		*m;

	(void)state;
	m = sign(base_msg, &o);
	/* bogus: never a pass, even though the record is right */
	e = mock_dns_txt("sel._domainkey.example.com", DNS_SEC_BOGUS,
	    txt2048);
	mock_dns_set_why(e, "signature expired");
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_TEMPERROR, "DNSSEC");
	expect_ar(&r, "dkim=temperror (bogus)");
	run_free(&r);
	mock_dns_reset();
	mock_dns_status("sel._domainkey.example.com", DNS_T_TXT, DNS_BOGUS,
	    DNS_SEC_BOGUS);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_TEMPERROR, "DNSSEC");
	run_free(&r);
	/* bogus NXDOMAIN is not "no key" */
	mock_dns_reset();
	mock_dns_status("sel._domainkey.example.com", DNS_T_TXT, DNS_NXDOMAIN,
	    DNS_SEC_BOGUS);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_TEMPERROR, "DNSSEC");
	run_free(&r);
	/* SERVFAIL */
	mock_dns_reset();
	mock_dns_status("sel._domainkey.example.com", DNS_T_TXT, DNS_TEMPFAIL,
	    DNS_SEC_INSECURE);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_TEMPERROR, "look-up failed");
	expect_ar(&r, "dkim=temperror reason=");
	run_free(&r);
	/* no answer at all: the look-up timeout (200 ms here) */
	mock_dns_reset();
	mock_dns_set_timeout_ms(200);
	mock_dns_add("sel._domainkey.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_SECURE, MOCK_DNS_HANG);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_TEMPERROR, "timed out");
	assert_int_equal(mock_dns_query(0)->status, DNS_TEMPFAIL);
	run_free(&r);
	/* a slow answer inside the timeout is fine */
	mock_dns_reset();
	mock_dns_set_timeout_ms(500);
	e = mock_dns_add("sel._domainkey.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_SECURE, 50);
	mock_dns_add_txt(e, txt2048);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	/* NXDOMAIN and NODATA: no key record */
	mock_dns_reset();
	run_verify(&r, m, NULL);	/* default answer: NXDOMAIN */
	expect(&r, 0, DKIM_RESULT_PERMERROR, "no key record");
	expect_ar(&r, "dkim=permerror (insecure) reason=\"no key record\"");
	run_free(&r);
	mock_dns_status("sel._domainkey.example.com", DNS_T_TXT, DNS_NODATA,
	    DNS_SEC_SECURE);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, "no key record");
	expect_ar(&r, "dkim=permerror (secure)");
	run_free(&r);
	/* the look-up cannot even start */
	mock_dns_reset();
	mock_dns_fail_lookup("sel._domainkey.example.com");
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_TEMPERROR, NULL);
	run_free(&r);
	free(m);
}

static void
test_no_resolver(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct dkim_verify_conf c = { .max_signatures = 8, .now = NOW,
	    .skew = -1 };
	struct dkim_verify *v;
	struct rfc5322_hdr hdr;
	char		*m;
	size_t		 hlen, boff;
	int		 done = 0;

	(void)state;
	m = sign(base_msg, &o);
	hlen = header_len(m, strlen(m), &boff);
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, m, hlen, 100), 0);
	v = dkim_verify_new(NULL, &c);
	dkim_verify_headers(v, &hdr);
	dkim_verify_body(v, m + boff, strlen(m) - boff);
	dkim_verify_eom(v, flag_done, &done);
	assert_int_equal(done, 1);
	assert_int_equal(dkim_verify_count(v), 1);
	assert_int_equal(dkim_verify_result(v, 0)->result,
	    DKIM_RESULT_TEMPERROR);
	assert_string_equal(dkim_verify_result(v, 0)->reason,
	    "no DNS resolver");
	dkim_verify_free(v);
	rfc5322_hdr_clear(&hdr);
	free(m);
}

static void
test_key_records(void **state)
{
	static const struct {
		const char	*name;
		const char	*fmt;	/* "@": the p= value */
		enum dkim_result res;
	} cases[] = {
		{ "plain", "v=DKIM1; k=rsa; p=@", DKIM_RESULT_PASS },
		{ "no v=", "k=rsa; p=@", DKIM_RESULT_PASS },
		{ "unknown tags", "v=DKIM1; zz=top; p=@; n=note",
		    DKIM_RESULT_PASS },
		{ "h=sha256", "v=DKIM1; h=sha256; p=@", DKIM_RESULT_PASS },
		{ "s=email", "v=DKIM1; s=email; p=@", DKIM_RESULT_PASS },
		{ "h=sha1 only", "v=DKIM1; h=sha1; p=@",
		    DKIM_RESULT_PERMERROR },
		{ "k=ed25519", "v=DKIM1; k=ed25519; p=@",
		    DKIM_RESULT_PERMERROR },
		{ "unknown k=", "v=DKIM1; k=dsa; p=@",
		    DKIM_RESULT_PERMERROR },
		{ "s=other", "v=DKIM1; s=tlsrpt; p=@",
		    DKIM_RESULT_PERMERROR },
		{ "v=DKIM2", "v=DKIM2; p=@", DKIM_RESULT_PERMERROR },
		{ "v= not first", "k=rsa; v=DKIM1; p=@",
		    DKIM_RESULT_PERMERROR },
		{ "revoked", "v=DKIM1; p=", DKIM_RESULT_PERMERROR },
		{ "bad base64", "v=DKIM1; p=!!@", DKIM_RESULT_PERMERROR },
		{ "syntax", "v=DKIM1; p=@; ;;", DKIM_RESULT_PERMERROR },
		{ "t=y", "v=DKIM1; t=y; p=@", DKIM_RESULT_PASS },
	};
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct run	 r;
	char		*m, txt[2048];
	const char	*p = strstr(txt2048, "p=") + 2;
	size_t		 i;

	(void)state;
	m = sign(base_msg, &o);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mock_dns_reset();
		{
			const char	*f = cases[i].fmt, *at = strchr(f, '@');

			if (at == NULL)
				snprintf(txt, sizeof(txt), "%s", f);
			else
				snprintf(txt, sizeof(txt), "%.*s%s%s",
				    (int)(at - f), f, p, at + 1);
		}
		key("sel", "example.com", DNS_SEC_INSECURE, txt);
		run_verify(&r, m, NULL);
		if (dkim_verify_result(r.v, 0)->result != cases[i].res)
			fail_msg("key case \"%s\": %s (%s)", cases[i].name,
			    dkim_result_name(dkim_verify_result(r.v,
			    0)->result), dkim_verify_result(r.v, 0)->reason);
		if (strcmp(cases[i].name, "t=y") == 0) {
			assert_int_equal(dkim_verify_result(r.v, 0)->testing,
			    1);
			expect_ar(&r, "(2048-bit key; insecure; test mode)");
		}
		run_free(&r);
	}
	free(m);
}

/* several TXT records: the first usable one is the key */
static void
test_several_txt(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct mock_dns_entry *e;
	struct run	 r;
	char		*m;

	(void)state;
	m = sign(base_msg, &o);
	e = mock_dns_add("sel._domainkey.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_SECURE, 0);
	mock_dns_add_txt(e, "v=spf1 -all");
	mock_dns_add_txt(e, txt2048);
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	/* a record in several strings, as DNS carries 2048-bit keys */
	mock_dns_reset();
	{
		const char	*parts[3];
		char		 a[256], b[256];
		size_t		 n = strlen(txt2048);

		assert_true(n > 300 && n - 300 < 255);
		memcpy(a, txt2048, 150);
		a[150] = '\0';
		memcpy(b, txt2048 + 150, 150);
		b[150] = '\0';
		parts[0] = a;
		parts[1] = b;
		parts[2] = txt2048 + 300;
		e = mock_dns_add("sel._domainkey.example.com", DNS_T_TXT,
		    DNS_OK, DNS_SEC_SECURE, 0);
		mock_dns_add_txt_parts(e, parts, 3);
	}
	run_verify(&r, m, NULL);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	free(m);
}

static void
test_several_signatures(void **state)
{
	struct sign_opts o1 = { .key = k2048, .l = -1 };
	struct sign_opts o2 = { .key = ked, .s = "ed", .l = -1 };
	struct sign_opts o3 = { .key = k1024, .s = "other", .d = "example.net",
	    .l = -1 };
	struct run	 r;
	char		*m1, *m2, *m3, *p;

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	key("ed", "example.com", DNS_SEC_SECURE, txted);
	/* the third signer's key record holds a different key: bad */
	key("other", "example.net", DNS_SEC_INSECURE, txt2048);
	m1 = sign(base_msg, &o1);
	m2 = sign(m1, &o2);
	m3 = sign(m2, &o3);
	run_verify(&r, m3, NULL);
	assert_int_equal(dkim_verify_count(r.v), 3);
	/* top to bottom: o3's, o2's, o1's */
	expect(&r, 0, DKIM_RESULT_FAIL, "did not verify");
	expect(&r, 1, DKIM_RESULT_PASS, NULL);
	expect(&r, 2, DKIM_RESULT_PASS, NULL);
	assert_string_equal(dkim_verify_result(r.v, 0)->d, "example.net");
	assert_string_equal(dkim_verify_result(r.v, 1)->s, "ed");
	expect_ar(&r, "dkim=fail (2048-bit key; insecure) reason=\"signature "
	    "did not verify\" header.d=example.net header.s=other");
	expect_ar(&r, "; dkim=pass (256-bit key; secure) header.d=example.com "
	    "header.s=ed");
	expect_ar(&r, "; dkim=pass (2048-bit key; secure) header.d=example.com "
	    "header.s=sel");
	{
		char	 sum[128];

		dkim_verify_summary(r.v, sum, sizeof(sum));
		assert_string_equal(sum, "dkim=fail,pass,pass");
	}
	run_free(&r);
	/* a syntax error in one does not affect the others */
	p = strstr(m3, "bh=");
	p[0] = 'x';
	run_verify(&r, m3, NULL);
	expect(&r, 0, DKIM_RESULT_PERMERROR, NULL);
	expect_ar(&r, "dkim=permerror reason=");
	expect_ar(&r, "header.d=example.net header.s=other");
	expect(&r, 1, DKIM_RESULT_PASS, NULL);
	expect(&r, 2, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	free(m1);
	free(m2);
	free(m3);
}

static void
test_max_signatures(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct dkim_verify_conf c = { .max_signatures = 2, .min_rsa_bits =
	    1024, .now = NOW, .skew = -1 };
	struct run	 r;
	char		*m[5];
	size_t		 i;

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	m[0] = strdup(base_msg);
	for (i = 1; i < 5; i++)
		m[i] = sign(m[i - 1], &o);
	run_verify(&r, m[4], &c);
	assert_int_equal(dkim_verify_count(r.v), 4);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	expect(&r, 1, DKIM_RESULT_PASS, NULL);
	expect(&r, 2, DKIM_RESULT_NEUTRAL, "not checked");
	expect(&r, 3, DKIM_RESULT_NEUTRAL, "not checked");
	expect_ar(&r, "dkim=neutral reason=\"not checked: more than "
	    "max_signatures\" header.d=example.com header.s=sel");
	/* one key look-up for all signatures that share s= and d= */
	assert_int_equal(mock_dns_count("sel._domainkey.example.com",
	    DNS_T_TXT), 1);
	run_free(&r);
	for (i = 0; i < 5; i++)
		free(m[i]);
}

/* more signatures than can be reported: bounded work and output */
static void
test_signature_flood(void **state)
{
	struct run	 r;
	char		*m, *p;
	size_t		 i;

	(void)state;
	m = malloc(200 * 100 + sizeof(base_msg));
	p = m;
	for (i = 0; i < 200; i++)
		p += sprintf(p, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=x%zu.example; s=s; h=from; bh=; b=\r\n", i);
	strcpy(p, base_msg);
	run_verify(&r, m, NULL);
	assert_int_equal(dkim_verify_count(r.v), DKIM_VERIFY_REPORT_MAX);
	assert_true(mock_dns_nqueries() <= 8);
	run_free(&r);
	free(m);
}

static void
test_key_cache(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct dkim_verify_conf c = { .max_signatures = 8, .min_rsa_bits =
	    1024, .now = NOW, .skew = -1 };
	struct run	 r;
	unsigned long	 parsed, hits;
	char		*m;
	int		 i;

	(void)state;
	c.cache = dkim_verify_cache_new(2);
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	m = sign(base_msg, &o);
	for (i = 0; i < 3; i++) {
		run_verify(&r, m, &c);
		expect(&r, 0, DKIM_RESULT_PASS, NULL);
		run_free(&r);
	}
	dkim_verify_cache_stats(c.cache, &parsed, &hits);
	assert_int_equal(parsed, 1);
	assert_int_equal(hits, 2);
	/* each message still asks DNS: the DNSSEC status is per answer */
	assert_int_equal(mock_dns_count("sel._domainkey.example.com",
	    DNS_T_TXT), 3);
	/* a changed record is parsed again, and the old one not used */
	mock_dns_reset();
	key("sel", "example.com", DNS_SEC_SECURE, txt1024);
	run_verify(&r, m, &c);
	expect(&r, 0, DKIM_RESULT_FAIL, "did not verify");
	run_free(&r);
	dkim_verify_cache_stats(c.cache, &parsed, &hits);
	assert_int_equal(parsed, 2);
	/* eviction keeps at most 2 entries and keeps working */
	mock_dns_reset();
	key("sel", "example.com", DNS_SEC_SECURE, txted);
	run_verify(&r, m, &c);
	expect(&r, 0, DKIM_RESULT_PERMERROR, NULL);
	run_free(&r);
	mock_dns_reset();
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	run_verify(&r, m, &c);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	run_free(&r);
	dkim_verify_cache_free(c.cache);
	free(m);
}

/* freed mid-way (session lost): pending look-ups are cancelled */
static void
test_free_pending(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct dkim_verify_conf c = { .max_signatures = 8, .now = NOW,
	    .skew = -1 };
	struct event_base	*base;
	struct dns_conf		 dc = { .timeout = 5 };
	struct dns		*dns;
	struct dkim_verify	*v;
	struct rfc5322_hdr	 hdr;
	char			*m, err[64];
	size_t			 hlen, boff;
	int			 done = 0;

	(void)state;
	mock_dns_add("sel._domainkey.example.com", DNS_T_TXT, DNS_OK,
	    DNS_SEC_SECURE, 100);
	m = sign(base_msg, &o);
	base = event_base_new();
	dns = dns_new(base, &dc, err, sizeof(err));
	hlen = header_len(m, strlen(m), &boff);
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, m, hlen, 100), 0);
	v = dkim_verify_new(dns, &c);
	dkim_verify_headers(v, &hdr);
	assert_int_equal(dkim_verify_pending(v), 1);
	assert_int_equal(mock_dns_pending(), 1);
	dkim_verify_eom(v, flag_done, &done);
	assert_int_equal(done, 0);
	dkim_verify_free(v);
	assert_int_equal(mock_dns_pending(), 0);
	assert_int_equal(mock_dns_query(0)->cancelled, 1);
	event_base_dispatch(base);
	assert_int_equal(done, 0);
	dns_free(dns);
	event_base_free(base);
	rfc5322_hdr_clear(&hdr);
	free(m);
}

/* the header block was too large to be split */
static void
test_header_missing(void **state)
{
	struct dkim_verify_conf c = { .max_signatures = 8, .now = NOW,
	    .skew = -1 };
	struct dkim_verify	*v;
	struct authres		*ar;
	struct buf		 b;
	int			 done = 0;

	(void)state;
	v = dkim_verify_new(NULL, &c);
	dkim_verify_headers(v, NULL);
	dkim_verify_body(v, "x\r\n", 3);
	dkim_verify_eom(v, flag_done, &done);
	assert_int_equal(done, 1);
	assert_int_equal(dkim_verify_count(v), 1);
	assert_int_equal(dkim_verify_result(v, 0)->result,
	    DKIM_RESULT_NEUTRAL);
	ar = authres_new("mx");
	assert_int_equal(dkim_verify_authres(v, ar), 0);
	buf_init(&b, 4096);
	authres_finish(ar, &b, "\n");
	assert_non_null(strstr(b.data, "dkim=neutral reason=\"header block "
	    "too large to verify\""));
	buf_clear(&b);
	authres_free(ar);
	dkim_verify_free(v);
}

/* RFC 8463 Appendix A: the published message and records */
static void
test_rfc8463_vector(void **state)
{
	struct dkim_verify_conf c = { .max_signatures = 8, .now = 1528637909,
	    .skew = -1 };
	struct run	 r;
	char		 path[512], *msg, *txt;
	size_t		 len;
	FILE		*fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/rfc8463/signed.eml", TEST_VECDIR);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	msg = calloc(1, 65536);
	len = fread(msg, 1, 65535, fp);
	fclose(fp);
	assert_true(len > 0);
	mock_dns_txt("brisbane._domainkey.football.example.com",
	    DNS_SEC_INSECURE, "v=DKIM1; k=ed25519; "
	    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	snprintf(path, sizeof(path), "%s/rfc8463/"
	    "test._domainkey.football.example.com.txt", TEST_VECDIR);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	txt = calloc(1, 4096);
	assert_true(fread(txt, 1, 4095, fp) > 0);
	fclose(fp);
	txt[strcspn(txt, "\r\n")] = '\0';
	mock_dns_txt("test._domainkey.football.example.com",
	    DNS_SEC_INSECURE, txt);
	run_verify(&r, msg, &c);
	assert_int_equal(dkim_verify_count(r.v), 2);
	expect(&r, 0, DKIM_RESULT_PASS, NULL);
	expect(&r, 1, DKIM_RESULT_PASS, NULL);
	expect_ar(&r, "dkim=pass (256-bit key; insecure) "
	    "header.d=football.example.com header.s=brisbane "
	    "header.b=\"/gCrinpc\" header.i=@football.example.com");
	run_free(&r);
	free(txt);
	free(msg);
}

/* ---- the verify mode, through a standalone worker ---- */

struct mode_run {
	struct event_base	*base;
	struct config		*conf;
	struct worker		*w;
	struct mode_result	 res;
	struct rfc5322_hdr	 hdr;
	int			 done;
};

static void
mode_done(void *arg)
{
	((struct mode_run *)arg)->done++;
}

static int	mode_dmarc;	/* mode_run: with DMARC (no SPF) */

static void
mode_run(struct mode_run *mr, const char *msg, int tempfail)
{
	const struct mode_ops	*ops = &mode_verify_ops;
	struct mode_env		 env;
	char			 err[256];
	size_t			 len = strlen(msg), hlen, boff;
	void			*tx;

	memset(mr, 0, sizeof(*mr));
	mr->conf = config_load(NULL, err, sizeof(err));
	if (mr->conf == NULL)
		fail_msg("config_load: %s", err);
	free(mr->conf->authserv_id);
	mr->conf->authserv_id = strdup("mx.example.org");
	mr->conf->dns_failure_action = tempfail ? DNSFAIL_TEMPFAIL :
	    DNSFAIL_ACCEPT;
	/* DKIM only here: SPF and DMARC in the mode are tested in
	 * test_dmarc.c */
	mr->conf->spf_enable = 0;
	mr->conf->dmarc_enable = mode_dmarc;
	mr->base = event_base_new();
	mr->w = worker_new(mr->base, mr->conf, NULL);
	memset(&env, 0, sizeof(env));
	env.session_id = "t1";
	env.helo = env.client_addr = env.client_name = env.mail_from =
	    env.queue_id = "";
	mode_result_init(&mr->res);
	hlen = header_len(msg, len, &boff);
	rfc5322_hdr_init(&mr->hdr);
	assert_int_equal(rfc5322_parse(&mr->hdr, msg, hlen, 100), 0);
	assert_string_equal(ops->name, "verify");
	tx = ops->tx_new(mr->w, &env);
	ops->headers(tx, msg, hlen, &mr->hdr);
	ops->body(tx, msg + boff, len - boff);
	ops->eom(tx, &mr->res, mode_done, mr);
	while (!mr->done && event_base_loop(mr->base, EVLOOP_ONCE) == 0)
		;
	assert_int_equal(mr->done, 1);
	ops->tx_free(tx);
}

static void
mode_free(struct mode_run *mr)
{
	mode_result_clear(&mr->res);
	rfc5322_hdr_clear(&mr->hdr);
	worker_free(mr->w);
	config_free(mr->conf);
	event_base_free(mr->base);
}

static void
test_mode_verify(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct mode_run	 mr;
	char		*m, *m2;

	(void)state;
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	m = sign(base_msg, &o);
	/* forged results claiming our authserv-id, added after signing */
	m2 = malloc(strlen(m) + 256);
	sprintf(m2, "Authentication-Results: mx.example.org; dkim=pass "
	    "header.d=bank.example\r\n"
	    "Authentication-Results: other.example; dkim=fail\r\n"
	    "Authentication-Results: (sneaky) MX.EXAMPLE.ORG.;\r\n spf=pass\r\n"
	    "%s", m);
	mode_run(&mr, m2, 0);
	assert_int_equal(mr.res.action, MODE_ACCEPT);
	assert_non_null(strstr(mr.res.prepend.data,
	    "Authentication-Results: mx.example.org;\r\n"
	    "\tdkim=pass (2048-bit key; secure) header.d=example.com "
	    "header.s=sel\r\n"));
	assert_int_equal(mr.res.prepend.data[mr.res.prepend.len - 1], '\n');
	assert_int_equal(mr.res.ndrop, 2);
	assert_int_equal(mr.res.drop[0], 0);
	assert_int_equal(mr.res.drop[1], 2);
	assert_string_equal(mr.res.summary, "dkim=pass");
	mode_free(&mr);
	free(m2);

	/* unsigned */
	mode_run(&mr, base_msg, 0);
	assert_non_null(strstr(mr.res.prepend.data, "\tdkim=none\r\n"));
	assert_int_equal(mr.res.ndrop, 0);
	mode_free(&mr);

	/* DNS down: temperror and delivered, or 451 4.7.5 by policy */
	mock_dns_reset();
	mock_dns_status("sel._domainkey.example.com", DNS_T_TXT, DNS_TEMPFAIL,
	    DNS_SEC_INSECURE);
	mode_run(&mr, m, 0);
	assert_int_equal(mr.res.action, MODE_ACCEPT);
	assert_non_null(strstr(mr.res.prepend.data, "dkim=temperror"));
	mode_free(&mr);
	mode_run(&mr, m, 1);
	assert_int_equal(mr.res.action, MODE_TEMPFAIL);
	assert_int_equal(strncmp(mr.res.reply, "451 4.7.5 ", 10), 0);
	mode_free(&mr);
	/* a pass is never held back by the policy */
	mock_dns_reset();
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	mode_run(&mr, m, 1);
	assert_int_equal(mr.res.action, MODE_ACCEPT);
	mode_free(&mr);
	free(m);
}

/*
 * A pass under a key in test mode (t=y) is reported, but DMARC must treat
 * the message as unsigned (RFC 6376 3.6.1): with p=reject it fails.
 */
static void
test_mode_testing_key_no_dmarc_pass(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct mode_run	 mr;
	char		*m, *txt;

	(void)state;
	mock_dns_reset();
	/* v= must stay first: "v=DKIM1; t=y; ..." */
	txt = malloc(strlen(txt2048) + 16);
	assert_int_equal(strncmp(txt2048, "v=DKIM1;", 8), 0);
	sprintf(txt, "v=DKIM1; t=y;%s", txt2048 + 8);
	key("sel", "example.com", DNS_SEC_SECURE, txt);
	mock_dns_txt("_dmarc.example.com", DNS_SEC_SECURE,
	    "v=DMARC1; p=reject");
	m = sign(base_msg, &o);
	mode_dmarc = 1;
	mode_run(&mr, m, 0);
	mode_dmarc = 0;
	assert_non_null(strstr(mr.res.prepend.data, "dkim=pass"));
	assert_non_null(strstr(mr.res.prepend.data, "test mode"));
	assert_non_null(strstr(mr.res.prepend.data, "dmarc=fail"));
	mode_free(&mr);
	/* the same key without t=y: DMARC passes */
	mock_dns_reset();
	key("sel", "example.com", DNS_SEC_SECURE, txt2048);
	mock_dns_txt("_dmarc.example.com", DNS_SEC_SECURE,
	    "v=DMARC1; p=reject");
	mode_dmarc = 1;
	mode_run(&mr, m, 0);
	mode_dmarc = 0;
	assert_non_null(strstr(mr.res.prepend.data, "dmarc=pass"));
	mode_free(&mr);
	free(m);
	free(txt);
}

/* the mode when the resolver cannot be made: temperror, delivered */
static void
test_mode_no_dns(void **state)
{
	struct sign_opts o = { .key = k2048, .l = -1 };
	struct mode_run	 mr;
	char		*m;

	(void)state;
	mock_dns_fail_new("no trust anchor");
	m = sign(base_msg, &o);
	mode_run(&mr, m, 0);
	assert_int_equal(mr.res.action, MODE_ACCEPT);
	assert_non_null(strstr(mr.res.prepend.data, "dkim=temperror "
	    "reason=\"no DNS resolver\""));
	mode_free(&mr);
	free(m);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, case_setup, case_teardown)
	const struct CMUnitTest tests[] = {
		T(test_unsigned),
		T(test_pass_rsa2048_secure),
		T(test_pass_canon_alg),
		T(test_tampered),
		T(test_length_tag),
		T(test_times),
		T(test_identity),
		T(test_from_rules),
		T(test_rfc8301),
		T(test_dns_failures),
		T(test_no_resolver),
		T(test_key_records),
		T(test_several_txt),
		T(test_several_signatures),
		T(test_max_signatures),
		T(test_signature_flood),
		T(test_key_cache),
		T(test_free_pending),
		T(test_header_missing),
		T(test_rfc8463_vector),
		T(test_mode_verify),
		T(test_mode_testing_key_no_dmarc_pass),
		T(test_mode_no_dns),
	};

	log_init(1, "test_dkim_verify", 0);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
