/*
 * fuzz_mode_sign.c - libFuzzer harness for the sign mode
 * (mode_sign_ops of mode.h) end to end, checked by the verifier: the
 * mode picks keys by the From address (keytable.h: a catch-all Ed25519
 * key for d=example.com and a per-domain RSA key), hashes the body in
 * random chunks and prepends DKIM-Signature fields; the message as the
 * return port would receive it must then verify (dkim_verify, keys
 * published through dnsstub.h).
 *
 * Input: a flags byte (bad_from_action, chunking), then a message (CRLF
 * line ends). Invariants: done runs exactly once (never after an early
 * tx_free); a reject only with bad_from_action = reject, as 550 5.x.x; a
 * tempfail as 451 4.x.x; prepended text is whole DKIM-Signature fields;
 * when a signature was made and the header block is sound (one From
 * field, every line a field), every signature verifies (pass); the
 * summary is a printable C string.
 */
#include "autoconf.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <event2/event.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "dkim_verify.h"
#include "dns.h"
#include "dnsstub.h"
#include "fuzz.h"
#include "keytable.h"
#include "mode.h"
#include "rfc5322.h"
#include "worker.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MS_NOW		1700000000LL

static struct event_base	*base;
static struct config		*conf[2];
static struct keytable		*kt[2];
static struct worker		*workers[2];
static char			 txt_ed[256], txt_rsa[512];
static struct fuzz_dns_record	 records[2] = {
	{ "ed._domainkey.example.com", txt_ed, DNS_T_TXT },
	{ "rsa._domainkey.example.org", txt_rsa, DNS_T_TXT },
};

static void	ms_done(void *);
static struct config *ms_conf(const char *);
static void	ms_key(enum crypto_alg, const char *, char *, size_t, char *,
		    size_t);

/* ms_done - the mode's end-of-message callback */
static void
ms_done(void *arg)
{
	(*(int *)arg)++;
}

/* ms_conf - a configuration from text, through a memfd */
static struct config *
ms_conf(const char *text)
{
	struct config	*c;
	char		 path[64], err[512];
	int		 fd;

	if ((fd = memfd_create("mode.conf", MFD_CLOEXEC)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((c = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_mode_sign: %s\n", err);
		abort();
	}
	close(fd);
	return c;
}

/*
 * ms_key - generate a key, write it to dir/name (mode 0600) and its
 * record text to txt.
 */
static void
ms_key(enum crypto_alg alg, const char *path, char *pathout,
    size_t pathsz, char *txt, size_t txtsz)
{
	struct crypto_key	*k;
	char			 err[256], *b64;

	if ((k = crypto_key_generate(alg, 1024, err, sizeof(err))) == NULL ||
	    crypto_key_write_private(k, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "fuzz_mode_sign: %s\n", err);
		abort();
	}
	b64 = crypto_key_public_b64(k);
	snprintf(txt, txtsz, "v=DKIM1; k=%s; p=%s",
	    alg == CRYPTO_ALG_ED25519 ? "ed25519" : "rsa", b64);
	free(b64);
	crypto_key_free(k);
	snprintf(pathout, pathsz, "%s", path);
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 dir[] = "/tmp/fuzz_mode_sign.XXXXXX";
	char	 ped[128], prsa[128], p1[128], p2[128], err[512];
	int	 i;

	(void)argc;
	(void)argv;
	fuzz_log_init();
	if ((base = event_base_new()) == NULL || mkdtemp(dir) == NULL)
		abort();
	snprintf(p1, sizeof(p1), "%s/ed.pem", dir);
	snprintf(p2, sizeof(p2), "%s/rsa.pem", dir);
	ms_key(CRYPTO_ALG_ED25519, p1, ped, sizeof(ped), txt_ed,
	    sizeof(txt_ed));
	ms_key(CRYPTO_ALG_RSA, p2, prsa, sizeof(prsa), txt_rsa,
	    sizeof(txt_rsa));
	for (i = 0; i < 2; i++) {
		conf[i] = ms_conf(i ? "bad_from_action = reject\n" :
		    "bad_from_action = relay\nsign_canonicalization = "
		    "simple/relaxed\n");
		if ((kt[i] = keytable_new(conf[i], err, sizeof(err))) ==
		    NULL || keytable_add_key(kt[i], "example.com", "ed", ped,
		    NULL, "fuzz", 0, err, sizeof(err)) == -1 ||
		    keytable_add_key(kt[i], "example.org", "rsa", prsa,
		    i ? "@example.org" : NULL, "fuzz", 0, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "fuzz_mode_sign: %s\n", err);
			abort();
		}
		workers[i] = worker_new(base, conf[i], kt[i]);
	}
	/* the key files were read; nothing on disk is needed any more */
	unlink(ped);
	unlink(prsa);
	rmdir(dir);
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mode_ops		*ops = &mode_sign_ops;
	const struct dkim_verify_result	*r;
	struct fuzz_in			 in = { data, size };
	struct listener_conf		 lc;
	struct mode_env			 env;
	struct mode_result		 res;
	struct rfc5322_hdr		 hdr, hdr2, sigs;
	struct dkim_verify_conf		 vc;
	struct dkim_verify		*v;
	struct buf			 block;
	const char			*sep;
	char				*msg, *piece, *blk;
	size_t				 hlen, blen, off, chunk, i, iter;
	uint32_t			 seed;
	unsigned			 flags;
	int				 k, done = 0, vdone = 0;
	void				*tx;

	if (size > 64 * 1024)
		return 0;
	flags = fuzz_byte(&in);
	seed = flags | 0x300;
	k = flags & 1;
	msg = fuzz_dup(in.p, in.n);
	sep = in.n >= 4 ? memmem(msg, in.n, "\r\n\r\n", 4) : NULL;
	hlen = sep != NULL ? (size_t)(sep - msg) + 2 : in.n;
	blen = sep != NULL ? in.n - hlen - 2 : 0;

	memset(&lc, 0, sizeof(lc));
	lc.text = (char *)"127.0.0.1:10027";
	lc.mode = MODE_SIGN;
	lc.queue = QUEUE_AFTER;
	lc.ret_text = (char *)"127.0.0.1:10028";
	memset(&env, 0, sizeof(env));
	env.listener = &lc;
	env.session_id = "5a5a";
	env.helo = "client.example.com";
	env.client_addr = "127.0.0.1";
	env.client_name = "";
	env.mail_from = "a@example.com";
	env.queue_id = "";
	env.nrcpt = 1;

	rfc5322_hdr_init(&hdr);
	(void)rfc5322_parse(&hdr, msg, hlen, 1000);
	tx = ops->tx_new(workers[k], &env);
	FUZZ_CHECK(tx != NULL);
	ops->headers(tx, msg, hlen, &hdr);
	for (off = 0; off < blen; off += chunk) {
		chunk = flags & 2 ? blen - off : 1 + fuzz_rng(&seed) % 13;
		if (chunk > blen - off)
			chunk = blen - off;
		piece = fuzz_dup(msg + hlen + 2 + off, chunk);
		ops->body(tx, piece, chunk);
		free(piece);
	}
	mode_result_init(&res);
	ops->eom(tx, &res, ms_done, &done);
	iter = 0;
	while (done == 0) {
		FUZZ_CHECK(iter++ < 1000);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	FUZZ_CHECK(done == 1);
	ops->tx_free(tx);
	FUZZ_CHECK(memchr(res.summary, '\0', sizeof(res.summary)) != NULL);
	for (i = 0; res.summary[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)res.summary[i] >= 0x20 &&
		    (unsigned char)res.summary[i] < 0x7f);
	if (res.action == MODE_REJECT)
		FUZZ_CHECK(k == 1 && strncmp(res.reply, "550 5.", 6) == 0);
	if (res.action == MODE_TEMPFAIL)
		FUZZ_CHECK(strncmp(res.reply, "451 4.", 6) == 0);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_mode_sign: action %d [%s] %zu bytes\n",
		    res.action, res.summary, buf_len(&res.prepend));
	if (res.action != MODE_ACCEPT || buf_len(&res.prepend) == 0)
		goto out;

	/* whole DKIM-Signature fields */
	rfc5322_hdr_init(&sigs);
	FUZZ_CHECK(rfc5322_parse(&sigs, buf_data(&res.prepend),
	    buf_len(&res.prepend), 16) == 0);
	FUZZ_CHECK(sigs.nbad == 0 && sigs.nfields >= 1);
	for (i = 0; i < sigs.nfields; i++)
		FUZZ_CHECK(rfc5322_name_eq(&sigs.fields[i], "DKIM-Signature"));

	/* the message as the return port sees it must verify */
	buf_init(&block, 4 * 1024 * 1024);
	buf_add(&block, buf_data(&res.prepend), buf_len(&res.prepend));
	buf_add(&block, msg, hlen);
	FUZZ_CHECK(!buf_error(&block));
	blk = fuzz_dup(buf_data(&block), buf_len(&block));
	rfc5322_hdr_init(&hdr2);
	(void)rfc5322_parse(&hdr2, blk, buf_len(&block), 1100);
	if (rfc5322_count(&hdr, "From") == 1 && hdr.nbad == 0 &&
	    hdr2.nfields == hdr.nfields + sigs.nfields && hdr2.nbad == 0) {
		fuzz_dns_reset(records, 2, DNS_SEC_SECURE);
		memset(&vc, 0, sizeof(vc));
		vc.max_signatures = 8;
		vc.min_rsa_bits = 1024;
		vc.now = (long long)time(NULL) + 5;
		vc.skew = -1;
		v = dkim_verify_new((struct dns *)records, &vc);
		dkim_verify_headers(v, &hdr2);
		fuzz_dns_answer_all();
		if (blen > 0)
			dkim_verify_body(v, msg + hlen + 2, blen);
		dkim_verify_eom(v, ms_done, &vdone);
		fuzz_dns_answer_all();
		FUZZ_CHECK(vdone == 1);
		for (i = 0; i < sigs.nfields; i++) {
			r = dkim_verify_result(v, i);
			FUZZ_CHECK(r != NULL && r->field == i);
			if (r->result != DKIM_RESULT_PASS) {
				fprintf(stderr, "signed message does not "
				    "verify: %s (%s)\n",
				    dkim_result_name(r->result),
				    r->reason != NULL ? r->reason : "");
				abort();
			}
		}
		dkim_verify_free(v);
	}
	rfc5322_hdr_clear(&hdr2);
	rfc5322_hdr_clear(&sigs);
	free(blk);
	buf_clear(&block);
 out:
	mode_result_clear(&res);
	rfc5322_hdr_clear(&hdr);
	free(msg);
	return 0;
}
