/*
 * test_dkim_sign.c - the signer: header selection and oversigning,
 * repeated, folded and 8-bit fields, several signatures sharing one body
 * hash, t=/x=, never l=; every signature is checked by parsing it and
 * verifying it with the primitives (dkim_sig, dkim_canon, crypto). Also
 * the sign mode (mode_sign_ops): From checks, bad_from_action, no key.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_sig.h"
#include "dkim_sign.h"
#include "keytable.h"
#include "log.h"
#include "mode.h"
#include "rfc5322.h"
#include "worker.h"

#define DATA	TEST_DATADIR "/sign"
#define NOW	1795800000LL

static struct crypto_key *rsa, *ed;
static char	 lastlog[1024];
/* the message verify_all() parsed last: its sigs' h= names point here */
static struct buf all;

/* capture_log - keep the last log line */
static void
capture_log(int prio, const char *line)
{
	(void)prio;
	snprintf(lastlog, sizeof(lastlog), "%s", line);
}

static int
setup(void **state)
{
	char	 err[256];

	(void)state;
	rsa = crypto_key_load(DATA "/rsa2048.pem", err, sizeof(err));
	assert_non_null(rsa);
	ed = crypto_key_load(DATA "/ed25519.pem", err, sizeof(err));
	assert_non_null(ed);
	log_set_hook(capture_log);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_set_hook(NULL);
	buf_clear(&all);
	crypto_key_free(rsa);
	crypto_key_free(ed);
	return 0;
}

/* split - header block (without the empty line) and body of a message */
static void
split(const char *msg, size_t *hlen, const char **body, size_t *blen)
{
	const char	*e = strstr(msg, "\r\n\r\n");

	assert_non_null(e);
	*hlen = (size_t)(e - msg) + 2;
	*body = e + 4;
	*blen = strlen(*body);
}

/* pubkey - the public half of k, the way a verifier gets it from DNS */
static struct crypto_key *
pubkey(const struct crypto_key *k)
{
	unsigned char	 der[2048];
	char		*b64, err[256];
	ssize_t		 n;
	struct crypto_key *pk;

	b64 = crypto_key_public_b64(k);
	assert_non_null(b64);
	n = crypto_b64_decode(b64, strlen(b64), der, sizeof(der));
	assert_true(n > 0);
	free(b64);
	pk = crypto_pubkey_from_dkim(crypto_key_alg(k), der, (size_t)n, err,
	    sizeof(err));
	assert_non_null(pk);
	return pk;
}

/*
 * verify_all - verify every DKIM-Signature in fields+message (fields is
 * what the signer prepended); sigs[] gets the parsed signatures (valid
 * until the next call: their h= names point into a copy). Returns
 * the number that verified; nsig gets how many there were.
 */
static int
verify_all(const char *fields, const char *msg, struct dkim_sig *sigs,
    size_t maxsigs, size_t *nsig)
{
	struct rfc5322_hdr	 hdr;
	struct buf		 input;
	struct dkim_bodyhash	*bh;
	struct crypto_hash	*h;
	struct crypto_key	*pk;
	unsigned char		 d[CRYPTO_MAX_MD], bd[CRYPTO_MAX_MD];
	const char		*why, *body;
	size_t			 hlen, blen, i, dl, n = 0;
	int			 ok = 0;

	buf_clear(&all);
	buf_init(&all, 1 << 22);
	buf_adds(&all, fields);
	buf_adds(&all, msg);
	split(all.data, &hlen, &body, &blen);
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, all.data, hlen, 10000), 0);
	buf_init(&input, 1 << 22);
	h = crypto_hash_new(CRYPTO_MD_SHA256);
	for (i = 0; i < hdr.nfields; i++) {
		const struct rfc5322_field *f = &hdr.fields[i];
		struct dkim_sig *s;

		if (!rfc5322_name_eq(f, "DKIM-Signature"))
			continue;
		assert_true(n < maxsigs);
		s = &sigs[n++];
		if (dkim_sig_parse(s, f->value, f->valuelen, &why) == -1)
			fail_msg("signature does not parse: %s", why);
		bh = dkim_bodyhash_new(s->bcanon, CRYPTO_MD_SHA256, -1);
		dkim_bodyhash_update(bh, body, blen);
		dl = dkim_bodyhash_final(bh, bd, NULL);
		dkim_bodyhash_free(bh);
		if (dl != s->bhlen || memcmp(bd, s->bh, dl) != 0)
			continue;
		buf_reset(&input);
		assert_int_equal(dkim_sig_header_input(s->hcanon, &hdr, i,
		    s->h, s->nh, f->raw, f->rawlen, &input), 0);
		crypto_hash_update(h, input.data, input.len);
		dl = crypto_hash_final(h, d);
		pk = pubkey(s->keyalg == CRYPTO_ALG_RSA ? rsa : ed);
		if (crypto_verify(pk, CRYPTO_MD_SHA256, d, dl, s->b,
		    s->blen) == 1)
			ok++;
		crypto_key_free(pk);
	}
	crypto_hash_free(h);
	buf_clear(&input);
	rfc5322_hdr_clear(&hdr);
	*nsig = n;
	return ok;
}

/*
 * sign_msg - sign msg with the given keys (rsa and/or ed) under pol;
 * the new fields go to out. body is fed in chunks of step bytes.
 */
static void
sign_msg(const struct dkim_sign_policy *pol, const char *msg, int use_rsa,
    int use_ed, size_t step, const char *ident, struct buf *out)
{
	struct dkim_signer	*s;
	struct rfc5322_hdr	 hdr;
	const char		*body;
	size_t			 hlen, blen, off, n;
	char			 err[256];

	split(msg, &hlen, &body, &blen);
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, msg, hlen, 10000), 0);
	s = dkim_signer_new(pol);
	if (use_rsa)
		assert_int_equal(dkim_signer_add(s, rsa, "example.com", 11,
		    "rsa", ident, err, sizeof(err)), 0);
	if (use_ed)
		assert_int_equal(dkim_signer_add(s, ed, "example.com", 11,
		    "ed", ident, err, sizeof(err)), 0);
	for (off = 0; off < blen; off += n) {
		n = blen - off < step ? blen - off : step;
		dkim_signer_body(s, body + off, n);
	}
	buf_init(out, 1 << 20);
	if (dkim_signer_finish(s, &hdr, (time_t)NOW, out, err,
	    sizeof(err)) == -1)
		fail_msg("finish: %s", err);
	dkim_signer_free(s);
	rfc5322_hdr_clear(&hdr);
}

/* names - the h= names of a parsed signature joined with ':' */
static const char *
names(const struct dkim_sig *s)
{
	static char	 out[2048];
	size_t		 i, n = 0;

	out[0] = '\0';
	for (i = 0; i < s->nh; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%.*s",
		    i > 0 ? ":" : "", (int)s->h[i].len, s->h[i].p);
	return out;
}

static const char MSG1[] =
    "Received: from x by y; Fri, 27 Nov 2026 10:00:00 +0000\r\n"
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.net\r\n"
    "Subject: hello\r\n"
    "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
    "X-Other: not signed\r\n"
    "Message-ID: <1@example.com>\r\n"
    "\r\n"
    "Hello  Bob \r\n"
    "\r\n"
    "\r\n";

/* The default list: present names once each, oversigned ones once more,
 * absent oversigned names once; Received and X-Other are not signed. */
static void
select_default(void **state)
{
	struct dkim_sign_policy	*pol;
	struct rfc5322_hdr	 hdr;
	struct dkim_name	 h[DKIM_SIG_MAXH];
	char			 err[256], got[1024];
	size_t			 hlen, blen, n, i, len = 0;
	const char		*body;

	(void)state;
	pol = dkim_sign_policy_new(NULL, NULL, NULL, 0, err, sizeof(err));
	assert_non_null(pol);
	split(MSG1, &hlen, &body, &blen);
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, MSG1, hlen, 100), 0);
	n = dkim_sign_select(pol, &hdr, h, DKIM_SIG_MAXH);
	got[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%.*s",
		    i > 0 ? ":" : "", (int)h[i].len, h[i].p);
	assert_string_equal(got, "From:From:Reply-To:Subject:Subject:Date:"
	    "Date:To:To:Cc:Message-ID");
	rfc5322_hdr_clear(&hdr);
	dkim_sign_policy_free(pol);
}

/* A field that occurs twice is listed twice, plus once if oversigned. */
static void
select_repeated(void **state)
{
	static const char msg[] =
	    "From: a@example.com\r\nTo: b@example.net\r\nTo: c@example.net\r\n"
	    "Subject: one\r\nsubject: two\r\nKeywords: k\r\n\r\nbody\r\n";
	struct dkim_sign_policy	*pol;
	struct buf		 out;
	struct dkim_sig		 sigs[2];
	char			 err[256];
	size_t			 nsig;

	(void)state;
	pol = dkim_sign_policy_new("relaxed/relaxed", "To Subject Keywords",
	    "To", 0, err, sizeof(err));
	assert_non_null(pol);
	sign_msg(pol, msg, 1, 0, 1000, NULL, &out);
	assert_int_equal(verify_all(out.data, msg, sigs, 2, &nsig), 1);
	assert_int_equal(nsig, 1);
	assert_string_equal(names(&sigs[0]),
	    "From:To:To:To:Subject:Subject:Keywords");
	buf_clear(&out);
	dkim_sign_policy_free(pol);
}

/* Policy errors: DKIM-Signature and bad names are refused. */
static void
policy_errors(void **state)
{
	struct dkim_sign_policy	*pol;
	char			 err[256];

	(void)state;
	assert_null(dkim_sign_policy_new(NULL, "From, DKIM-Signature", "", 0,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "DKIM-Signature cannot be signed"));
	assert_null(dkim_sign_policy_new(NULL, "From, Bad\001Name", "", 0,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "bad header field name"));
	assert_null(dkim_sign_policy_new("relaxed/loose", NULL, NULL, 0,
	    err, sizeof(err)));
	assert_null(dkim_sign_policy_new(NULL, NULL, NULL, -1, err,
	    sizeof(err)));
	/* From is added when missing; an oversign-only name is signed */
	pol = dkim_sign_policy_new("simple", "Subject", "X-Extra", 0, err,
	    sizeof(err));
	assert_non_null(pol);
	assert_int_equal(pol->nnames, 3);
	assert_string_equal(pol->names[0], "From");
	assert_string_equal(pol->names[2], "X-Extra");
	assert_int_equal(pol->over[2], 1);
	assert_int_equal(pol->hcanon, DKIM_CANON_SIMPLE);
	assert_int_equal(pol->bcanon, DKIM_CANON_SIMPLE);
	dkim_sign_policy_free(pol);
}

/* RSA and Ed25519 on one message: both verify, share one body hash;
 * t= is the signing time, no x= without a lifetime, never l= or i=. */
static void
two_signatures(void **state)
{
	struct dkim_sign_policy	*pol;
	struct buf		 out;
	struct dkim_sig		 sigs[2];
	char			 err[256];
	size_t			 nsig;

	(void)state;
	pol = dkim_sign_policy_new(NULL, NULL, NULL, 0, err, sizeof(err));
	sign_msg(pol, MSG1, 1, 1, 7, NULL, &out);
	assert_int_equal(verify_all(out.data, MSG1, sigs, 2, &nsig), 2);
	assert_int_equal(nsig, 2);
	assert_int_equal(sigs[0].alg, DKIM_SIG_RSA_SHA256);
	assert_int_equal(sigs[1].alg, DKIM_SIG_ED25519_SHA256);
	assert_string_equal(sigs[0].s, "rsa");
	assert_string_equal(sigs[1].s, "ed");
	assert_string_equal(sigs[0].d, "example.com");
	assert_int_equal(sigs[0].hcanon, DKIM_CANON_RELAXED);
	assert_int_equal(sigs[0].bcanon, DKIM_CANON_RELAXED);
	assert_int_equal(sigs[0].bhlen, 32);
	assert_memory_equal(sigs[0].bh, sigs[1].bh, 32);
	assert_int_equal(sigs[0].t, NOW);
	assert_int_equal(sigs[0].x, -1);
	assert_int_equal(sigs[0].l, -1);
	assert_int_equal(sigs[1].l, -1);
	assert_int_equal(sigs[0].has_i, 0);
	assert_null(strstr(out.data, "l="));
	/* each field ends in CRLF and lines stay within 78 columns */
	assert_memory_equal(out.data + out.len - 2, "\r\n", 2);
	{
		const char	*p = out.data, *e;

		while ((e = strstr(p, "\r\n")) != NULL) {
			assert_true(e - p <= 78);
			p = e + 2;
		}
	}
	buf_clear(&out);
	dkim_sign_policy_free(pol);
}

/* x= = t= + signature_ttl; i= only when given. */
static void
ttl_and_identity(void **state)
{
	struct dkim_sign_policy	*pol;
	struct buf		 out;
	struct dkim_sig		 sigs[2];
	char			 err[256];
	size_t			 nsig;

	(void)state;
	pol = dkim_sign_policy_new(NULL, NULL, NULL, 86400, err, sizeof(err));
	sign_msg(pol, MSG1, 0, 1, 1000, "alice@mail.example.com", &out);
	assert_int_equal(verify_all(out.data, MSG1, sigs, 2, &nsig), 1);
	assert_int_equal(sigs[0].t, NOW);
	assert_int_equal(sigs[0].x, NOW + 86400);
	assert_int_equal(sigs[0].has_i, 1);
	assert_string_equal(sigs[0].i, "alice@mail.example.com");
	buf_clear(&out);
	dkim_sign_policy_free(pol);
}

/* Every canonicalization pair, folded and 8-bit fields, odd bodies, and
 * bodies fed in chunks of every size from 1 byte: all verify. */
static void
canon_and_chunks(void **state)
{
	static const char *msgs[] = {
		"From: =?utf-8?q?J=C3=B6rg?= <j@example.com>\r\n"
		"Subject: Gr\xc3\xbc\xc3\x9f""e aus K\xc3\xb6ln,\r\n"
		"\tfolded  over\r\n  three lines \r\n"
		"To: \xe7\x94\xa8\xe6\x88\xb7@example.net\r\n"
		"\r\n"
		"\xc3\x9c""nic\xc3\xb6""de  \t body \r\n\r\n \r\n",
		"From: a@example.com\r\nSubject: empty body\r\n\r\n",
		"From: a@example.com\r\nSubject:\r\n\r\n\r\n\r\n\r\n",
		"FROM:a@example.com\r\nsubject :x\r\nDATE:  now \r\n\r\n"
		"no final line end",
		"From: a@example.com\r\nX-Long: "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"\r\n\r\nline\twith\t\ttabs  \r\n.\r\n..dots\r\n",
	};
	static const char *canons[] = {
		"simple/simple", "simple/relaxed", "relaxed/simple",
		"relaxed/relaxed"
	};
	static const size_t steps[] = { 1, 2, 3, 5, 64, 100000 };
	struct dkim_sign_policy	*pol;
	struct buf		 out, first;
	struct dkim_sig		 sigs[2];
	char			 err[256];
	size_t			 m, c, st, nsig;

	(void)state;
	for (c = 0; c < 4; c++) {
		pol = dkim_sign_policy_new(canons[c], NULL, NULL, 0, err,
		    sizeof(err));
		assert_non_null(pol);
		for (m = 0; m < sizeof(msgs) / sizeof(msgs[0]); m++) {
			memset(&first, 0, sizeof(first));
			for (st = 0; st < sizeof(steps) / sizeof(steps[0]);
			    st++) {
				sign_msg(pol, msgs[m], 1, 1, steps[st], NULL,
				    &out);
				if (verify_all(out.data, msgs[m], sigs, 2,
				    &nsig) != 2)
					fail_msg("message %zu canon %s step "
					    "%zu does not verify", m,
					    canons[c], steps[st]);
				/* RSA is deterministic: same field whatever
				 * the chunking */
				if (st == 0)
					first = out;
				else {
					assert_int_equal(out.len, first.len);
					assert_memory_equal(out.data,
					    first.data, out.len);
					buf_clear(&out);
				}
			}
			buf_clear(&first);
		}
		dkim_sign_policy_free(pol);
	}
}

/* Oversigning at work: an added From or Subject breaks the signature,
 * as does a change to a signed field; an unsigned field may change. */
static void
oversign_protects(void **state)
{
	static const char base[] =
	    "From: a@example.com\r\nSubject: s\r\nX-Free: 1\r\n\r\nb\r\n";
	static const char added_from[] =
	    "From: evil@example.org\r\n"
	    "From: a@example.com\r\nSubject: s\r\nX-Free: 1\r\n\r\nb\r\n";
	static const char added_subject[] =
	    "From: a@example.com\r\nSubject: s\r\nX-Free: 1\r\n"
	    "Subject: second\r\n\r\nb\r\n";
	static const char changed_free[] =
	    "From: a@example.com\r\nSubject: s\r\nX-Free: 2\r\n\r\nb\r\n";
	static const char changed_subject[] =
	    "From: a@example.com\r\nSubject: S\r\nX-Free: 1\r\n\r\nb\r\n";
	struct dkim_sign_policy	*pol;
	struct buf		 out;
	struct dkim_sig		 sigs[2];
	char			 err[256];
	size_t			 nsig;

	(void)state;
	pol = dkim_sign_policy_new("simple/simple", NULL, NULL, 0, err,
	    sizeof(err));
	sign_msg(pol, base, 1, 0, 1000, NULL, &out);
	assert_int_equal(verify_all(out.data, base, sigs, 2, &nsig), 1);
	assert_int_equal(verify_all(out.data, changed_free, sigs, 2, &nsig),
	    1);
	assert_int_equal(verify_all(out.data, added_from, sigs, 2, &nsig), 0);
	assert_int_equal(verify_all(out.data, added_subject, sigs, 2, &nsig),
	    0);
	assert_int_equal(verify_all(out.data, changed_subject, sigs, 2,
	    &nsig), 0);
	buf_clear(&out);
	dkim_sign_policy_free(pol);
}

/* --canon style override: two signatures, different body canons, two
 * body hashes. */
static void
mixed_canon(void **state)
{
	static const char msg[] = "From: a@example.com\r\n\r\nx  \r\n\r\n";
	struct dkim_sign_policy	*pol;
	struct dkim_signer	*s;
	struct rfc5322_hdr	 hdr;
	struct dkim_sig		 sigs[2];
	struct buf		 out;
	char			 err[256];
	size_t			 hlen, blen, nsig;
	const char		*body;

	(void)state;
	pol = dkim_sign_policy_new(NULL, NULL, NULL, 0, err, sizeof(err));
	split(msg, &hlen, &body, &blen);
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, msg, hlen, 100), 0);
	s = dkim_signer_new(pol);
	assert_int_equal(dkim_signer_add(s, rsa, "example.com", 11, "r",
	    NULL, err, sizeof(err)), 0);
	dkim_signer_set_canon(s, DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE);
	assert_int_equal(dkim_signer_add(s, ed, "example.com", 11, "e",
	    NULL, err, sizeof(err)), 0);
	assert_int_equal(dkim_signer_count(s), 2);
	dkim_signer_body(s, body, blen);
	buf_init(&out, 1 << 16);
	assert_int_equal(dkim_signer_finish(s, &hdr, (time_t)NOW, &out, err,
	    sizeof(err)), 0);
	assert_int_equal(verify_all(out.data, msg, sigs, 2, &nsig), 2);
	assert_int_equal(sigs[0].bcanon, DKIM_CANON_RELAXED);
	assert_int_equal(sigs[1].bcanon, DKIM_CANON_SIMPLE);
	assert_memory_not_equal(sigs[0].bh, sigs[1].bh, 32);
	buf_clear(&out);
	dkim_signer_free(s);
	rfc5322_hdr_clear(&hdr);
	dkim_sign_policy_free(pol);
}

/* Bad d=/s= and too many signatures are refused. */
static void
signer_limits(void **state)
{
	struct dkim_sign_policy	*pol;
	struct dkim_signer	*s;
	char			 err[256];
	int			 i;

	(void)state;
	pol = dkim_sign_policy_new(NULL, NULL, NULL, 0, err, sizeof(err));
	s = dkim_signer_new(pol);
	assert_int_equal(dkim_signer_add(s, rsa, "exa mple.com", 12, "r",
	    NULL, err, sizeof(err)), -1);
	assert_int_equal(dkim_signer_add(s, rsa, "example.com", 11, "r;x",
	    NULL, err, sizeof(err)), -1);
	for (i = 0; i < DKIM_SIGN_MAX_SIGS; i++)
		assert_int_equal(dkim_signer_add(s, ed, "example.com", 11,
		    "e", NULL, err, sizeof(err)), 0);
	assert_int_equal(dkim_signer_add(s, ed, "example.com", 11, "e",
	    NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	dkim_signer_free(s);
	dkim_sign_policy_free(pol);
}

/* mode_done - the mode's completion callback */
static void
mode_done(void *arg)
{
	(*(int *)arg)++;
}

/* run_mode - one message through mode_sign_ops into res */
static void
run_mode(const struct config *conf, struct keytable *kt, const char *msg,
    struct mode_result *res)
{
	const struct mode_ops	*ops = &mode_sign_ops;
	struct worker		*w;
	struct mode_env		 env;
	struct rfc5322_hdr	 hdr;
	const char		*body;
	size_t			 hlen, blen;
	void			*tx;
	int			 done = 0;

	/* a standalone worker, as the command line uses: no event loop */
	w = worker_new(NULL, conf, kt);
	memset(&env, 0, sizeof(env));
	env.session_id = "t1";
	env.helo = env.client_addr = env.client_name = "";
	env.mail_from = env.queue_id = "";
	split(msg, &hlen, &body, &blen);
	rfc5322_hdr_init(&hdr);
	assert_int_equal(rfc5322_parse(&hdr, msg, hlen, 100), 0);
	memset(res, 0, sizeof(*res));
	buf_init(&res->prepend, 1 << 16);
	tx = ops->tx_new(w, &env);
	ops->headers(tx, msg, hlen, &hdr);
	ops->body(tx, body, blen);
	ops->eom(tx, res, mode_done, &done);
	assert_int_equal(done, 1);
	ops->tx_free(tx);
	rfc5322_hdr_clear(&hdr);
	worker_free(w);
}

/* mode_table - a key table signing *@example.com with RSA and Ed25519 */
static struct keytable *
mode_table(const struct config *conf, char *dir, size_t dirsz)
{
	struct config	 c = *conf;
	struct keytable	*kt;
	char		 path[600], cmd[1400], err[512];
	FILE		*fp;

	snprintf(dir, dirsz, "/tmp/test_dkim_sign.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp '%s/rsa2048.pem' '%s/ed25519.pem' "
	    "'%s' && chmod 600 '%s'/*.pem", DATA, DATA, dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/keys", dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "*@example.com example.com rsa %s/rsa2048.pem\n", dir);
	fprintf(fp, "*@example.com example.com ed %s/ed25519.pem\n", dir);
	fclose(fp);
	c.key_table = path;
	c.key_list = c.signing_table = (char *)"";
	kt = keytable_load(&c, err, sizeof(err));
	if (kt == NULL)
		fail_msg("%s", err);
	return kt;
}

/* The sign mode: signs by From; bad From and unknown senders pass
 * unsigned with the reason; bad_from_action=reject refuses with 5.6.0. */
static void
sign_mode(void **state)
{
	static const struct {
		const char	*name;
		const char	*msg;
		const char	*summary;	/* relay */
		int		 reject;	/* with bad_from_action=reject */
	} cases[] = {
		{ "signed", "From: A <a@example.com>\r\nSubject: s\r\n\r\nb\r\n",
		    "dkim=signed d=example.com s=rsa, d=example.com s=ed", 0 },
		{ "no key", "From: a@example.org\r\n\r\nb\r\n",
		    "dkim=unsigned (no key for a@example.org)", 0 },
		{ "no From", "Subject: s\r\n\r\nb\r\n",
		    "dkim=unsigned (no From field)", 1 },
		{ "two From", "From: a@example.com\r\nFrom: b@example.com\r\n"
		    "\r\nb\r\n", "dkim=unsigned (several From fields)", 1 },
		{ "two mailboxes", "From: a@example.com, b@example.com\r\n"
		    "\r\nb\r\n",
		    "dkim=unsigned (several addresses in the From field)", 1 },
		{ "unparsable", "From: <<<@@@\r\n\r\nb\r\n",
		    "dkim=unsigned (unparsable From field)", 1 },
	};
	struct config		*conf, rc;
	struct keytable		*kt;
	struct mode_result	 res;
	struct dkim_sig		 sigs[4];
	char			 err[256], dir[256], cmd[300];
	size_t			 i, nsig;

	(void)state;
	assert_non_null(conf = config_load(NULL, err, sizeof(err)));
	kt = mode_table(conf, dir, sizeof(dir));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_mode(conf, kt, cases[i].msg, &res);
		assert_int_equal(res.action, MODE_ACCEPT);
		if (strcmp(res.summary, cases[i].summary) != 0)
			fail_msg("%s: summary \"%s\", want \"%s\"",
			    cases[i].name, res.summary, cases[i].summary);
		if (i == 0) {
			assert_int_equal(verify_all(res.prepend.data,
			    cases[i].msg, sigs, 4, &nsig), 2);
			assert_int_equal(nsig, 2);
		} else
			assert_int_equal(res.prepend.len, 0);
		buf_clear(&res.prepend);
	}
	assert_non_null(strstr(lastlog, "unparsable From: \"<<<@@@\""));

	rc = *conf;
	rc.bad_from_action = BADFROM_REJECT;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_mode(&rc, kt, cases[i].msg, &res);
		if (cases[i].reject) {
			assert_int_equal(res.action, MODE_REJECT);
			assert_true(strncmp(res.reply, "550 5.6.0 ", 10) == 0);
			assert_int_equal(res.prepend.len, 0);
		} else
			assert_int_equal(res.action, MODE_ACCEPT);
		buf_clear(&res.prepend);
	}
	keytable_free(kt);
	config_free(conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* No header block (over the size cap) or no key table: unsigned. */
static void
sign_mode_no_header(void **state)
{
	const struct mode_ops	*ops = &mode_sign_ops;
	struct config		*conf;
	struct worker		*w;
	struct mode_env		 env;
	struct mode_result	 res;
	char			 err[256];
	void			*tx;
	int			 done = 0;

	(void)state;
	assert_non_null(conf = config_load(NULL, err, sizeof(err)));
	w = worker_new(NULL, conf, NULL);
	memset(&env, 0, sizeof(env));
	env.session_id = "t2";
	memset(&res, 0, sizeof(res));
	buf_init(&res.prepend, 1024);
	tx = ops->tx_new(w, &env);
	ops->headers(tx, "", 0, NULL);
	ops->body(tx, "x\r\n", 3);
	ops->eom(tx, &res, mode_done, &done);
	assert_int_equal(done, 1);
	assert_int_equal(res.action, MODE_ACCEPT);
	assert_string_equal(res.summary,
	    "dkim=unsigned (header block too large)");
	ops->tx_free(tx);
	buf_clear(&res.prepend);
	worker_free(w);
	config_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(select_default),
		cmocka_unit_test(select_repeated),
		cmocka_unit_test(policy_errors),
		cmocka_unit_test(two_signatures),
		cmocka_unit_test(ttl_and_identity),
		cmocka_unit_test(canon_and_chunks),
		cmocka_unit_test(oversign_protects),
		cmocka_unit_test(mixed_canon),
		cmocka_unit_test(signer_limits),
		cmocka_unit_test(sign_mode),
		cmocka_unit_test(sign_mode_no_header),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
