/*
 * fuzz_signverify.c - libFuzzer harness for the signer/verifier pair:
 * any message that dkim_sign signs must verify with dkim_verify (the
 * signer and the verifier share the canonicalizers and
 * dkim_sig_header_input, and this checks that they agree on every
 * header and body the fuzzer can build).
 *
 * Input: a flags byte (key type, canonicalization, chunking, oversigning
 * list), then a message (CRLF line ends; the header block ends at the
 * first empty line). The signing keys are generated once (Ed25519 and
 * RSA-1024) and published through the dns.h stand-in
 * (dnsstub.h). When the signer produced a signature, the message
 * with the DKIM-Signature field prepended must verify: the first result
 * (the top field) must be pass, unless the verifier has a documented reason not
 * to: the From field missing or repeated (RFC 6376 6.1.1), or a header
 * block that parses differently once the signature is prepended (it
 * starts with a continuation line, or holds lines that are not fields).
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "dns.h"
#include "fuzz.h"
#include "dnsstub.h"
#include "rfc5322.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SV_CAP		(1024 * 1024)
#define SV_NOW		1700000000LL

static struct crypto_key	*key_ed, *key_rsa;
static char			 txt_ed[256], txt_rsa[512];
static struct fuzz_dns_record	 records[2] = {
	{ "ed._domainkey.example.com", txt_ed, DNS_T_TXT },
	{ "rsa._domainkey.example.com", txt_rsa, DNS_T_TXT },
};
static struct dkim_sign_policy	*policies[4];

static void	fuzz_done(void *);

/* fuzz_done - the verifier's end-of-message callback */
static void
fuzz_done(void *arg)
{
	(*(int *)arg)++;
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const canon[4] = { "relaxed/relaxed",
	    "simple/simple", "relaxed/simple", "simple/relaxed" };
	char	 err[256], *b64;
	int	 i;

	(void)argc;
	(void)argv;
	fuzz_log_init();
	if ((key_ed = crypto_key_generate(CRYPTO_ALG_ED25519, 0, err,
	    sizeof(err))) == NULL ||
	    (key_rsa = crypto_key_generate(CRYPTO_ALG_RSA, 1024, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_signverify: %s\n", err);
		abort();
	}
	b64 = crypto_key_public_b64(key_ed);
	snprintf(txt_ed, sizeof(txt_ed), "v=DKIM1; k=ed25519; p=%s", b64);
	free(b64);
	b64 = crypto_key_public_b64(key_rsa);
	snprintf(txt_rsa, sizeof(txt_rsa), "v=DKIM1; k=rsa; p=%s", b64);
	free(b64);
	/* the default header lists, and one that oversigns odd names */
	for (i = 0; i < 4; i++)
		if ((policies[i] = dkim_sign_policy_new(canon[i],
		    i < 2 ? NULL : "From, Subject, X-A, x-b, Received",
		    i < 2 ? NULL : "From, X-A, Cc", 0, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "fuzz_signverify: %s\n", err);
			abort();
		}
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in			 in = { data, size };
	struct dkim_verify_conf		 conf;
	const struct dkim_verify_result	*r;
	struct dkim_signer		*s;
	struct dkim_verify		*v;
	struct rfc5322_hdr		 hdr, hdr2;
	struct buf			 sig, block;
	const uint8_t			*sep;
	char				*msg, *blk, *piece, err[256];
	size_t				 hlen, blen, off, chunk;
	unsigned			 flags;
	uint32_t			 seed;
	int				 ed, done = 0, expect;

	if (size > 64 * 1024)
		return 0;
	flags = fuzz_byte(&in);
	ed = !(flags & 1);
	seed = flags | 0x100;
	sep = in.n >= 4 ? memmem(in.p, in.n, "\r\n\r\n", 4) : NULL;
	hlen = sep != NULL ? (size_t)(sep - in.p) + 2 : in.n;
	blen = sep != NULL ? in.n - hlen - 2 : 0;
	msg = fuzz_dup(in.p, in.n);

	/* sign */
	rfc5322_hdr_init(&hdr);
	(void)rfc5322_parse(&hdr, msg, hlen, 1000);
	s = dkim_signer_new(policies[(flags >> 1) & 3]);
	if (dkim_signer_add(s, ed ? key_ed : key_rsa, "example.com", 11,
	    ed ? "ed" : "rsa", flags & 0x10 ? "@mail.example.com" : NULL, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "dkim_signer_add: %s\n", err);
		abort();
	}
	for (off = 0; off < blen; off += chunk) {
		chunk = flags & 0x20 ? blen - off : 1 + fuzz_rng(&seed) % 11;
		if (chunk > blen - off)
			chunk = blen - off;
		piece = fuzz_dup(msg + hlen + 2 + off, chunk);
		dkim_signer_body(s, piece, chunk);
		free(piece);
	}
	buf_init(&sig, SV_CAP);
	if (dkim_signer_finish(s, &hdr, (time_t)SV_NOW, &sig, err,
	    sizeof(err)) == -1) {
		dkim_signer_free(s);
		goto out;
	}
	dkim_signer_free(s);
	FUZZ_CHECK(buf_len(&sig) > 2 &&
	    memcmp(buf_data(&sig) + buf_len(&sig) - 2, "\r\n", 2) == 0);

	/* verify: the signature field, then the original header block */
	buf_init(&block, SV_CAP * 2);
	buf_add(&block, buf_data(&sig), buf_len(&sig));
	buf_add(&block, msg, hlen);
	FUZZ_CHECK(!buf_error(&block));
	blk = fuzz_dup(buf_data(&block), buf_len(&block));
	rfc5322_hdr_init(&hdr2);
	(void)rfc5322_parse(&hdr2, blk, buf_len(&block), 1001);

	fuzz_dns_reset(records, 2, flags & 0x40 ? DNS_SEC_SECURE :
	    DNS_SEC_INSECURE);
	memset(&conf, 0, sizeof(conf));
	conf.max_signatures = 4;
	conf.min_rsa_bits = 1024;
	conf.now = SV_NOW + 10;
	conf.skew = -1;
	v = dkim_verify_new((struct dns *)records, &conf);
	dkim_verify_headers(v, &hdr2);
	fuzz_dns_answer_all();
	for (off = 0; off < blen; off += chunk) {
		chunk = flags & 0x80 ? blen - off : 1 + fuzz_rng(&seed) % 7;
		if (chunk > blen - off)
			chunk = blen - off;
		piece = fuzz_dup(msg + hlen + 2 + off, chunk);
		dkim_verify_body(v, piece, chunk);
		free(piece);
	}
	dkim_verify_eom(v, fuzz_done, &done);
	fuzz_dns_answer_all();
	FUZZ_CHECK(done == 1);

	/* what the verifier may legitimately refuse */
	expect = rfc5322_count(&hdr, "From") == 1 && hdr.nbad == 0 &&
	    hdr2.nfields == hdr.nfields + 1 && hdr2.nbad == 0 &&
	    hdr2.fields[0].rawlen == buf_len(&sig);
	r = dkim_verify_count(v) > 0 ? dkim_verify_result(v, 0) : NULL;
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_signverify: expect %d, %zu results, "
		    "first %s\n", expect, dkim_verify_count(v),
		    r != NULL ? dkim_result_name(r->result) : "-");
	if (expect) {
		/* ours is the top field, so the first result */
		FUZZ_CHECK(r != NULL && r->field == 0);
		if (r->result != DKIM_RESULT_PASS) {
			fprintf(stderr, "signed message does not verify: "
			    "%s (%s)\n", dkim_result_name(r->result),
			    r->reason != NULL ? r->reason : "");
			abort();
		}
	}
	dkim_verify_free(v);
	rfc5322_hdr_clear(&hdr2);
	free(blk);
	buf_clear(&block);
 out:
	buf_clear(&sig);
	rfc5322_hdr_clear(&hdr);
	free(msg);
	return 0;
}
