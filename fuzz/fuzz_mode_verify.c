/*
 * fuzz_mode_verify.c - libFuzzer harness for the verify mode
 * (mode_verify_ops of mode.h) end to end: forged Authentication-Results
 * removal, DKIM, SPF and DMARC on one message, on a real event_base, with
 * every DNS answer coming from a zone in the input (dnsstub.h), exactly
 * as a worker drives the mode (tx_new, headers, body, eom, tx_free).
 *
 * Input: a flags byte (before-queue listener, dmarc_reject, quarantine
 * header, chunking, DNSSEC status, free the transaction early), a line
 * "CLIENT-IP HELO MAIL-FROM", zone lines "NAME TYPE DATA" (as in
 * fuzz_spf_check), a line ".", then the message (CRLF line ends).
 * Invariants (mode.h, config.h enum listen_queue): done runs exactly
 * once, unless the transaction is freed first, and then never; after
 * queue the action is always accept (annotate, never bounce); a reject
 * carries a 5xx reply and a tempfail a 4xx reply; the prepended text is
 * whole header fields (CRLF, folded, no bare LF) named
 * Authentication-Results or the quarantine header; every dropped index
 * names an Authentication-Results field, and every such field that
 * claims our authserv-id is dropped (RFC 8601 5); the summary is a
 * printable C string.
 */
#include "autoconf.h"

#include <sys/mman.h>

#include <event2/event.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authres.h"
#include "buf.h"
#include "config.h"
#include "dns.h"
#include "dnsstub.h"
#include "fuzz.h"
#include "mode.h"
#include "rfc5322.h"
#include "worker.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MV_MAXREC	64
#define MV_ID		"mx.example.org"
#define MV_QHDR		"X-DMARC-Quarantine"

static struct event_base	*base;
static struct config		*conf[4];
static struct worker		*workers[4];

static void	mv_done(void *);
static int	mv_type(const char *, size_t);
static struct config *mv_conf(const char *);
static void	mv_check_prepend(const struct buf *);

/* mv_done - the mode's end-of-message callback */
static void
mv_done(void *arg)
{
	(*(int *)arg)++;
}

/* mv_type - record type from its name, or 0 */
static int
mv_type(const char *p, size_t n)
{
	static const struct {
		const char	*name;
		int		 type;
	} types[] = { { "TXT", DNS_T_TXT }, { "A", DNS_T_A },
	    { "AAAA", DNS_T_AAAA }, { "MX", DNS_T_MX }, { "PTR", DNS_T_PTR },
	    { "FAIL", FUZZ_DNS_TEMPFAIL } };
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == n &&
		    memcmp(types[i].name, p, n) == 0)
			return types[i].type;
	return 0;
}

/* mv_conf - a configuration from text, through a memfd */
static struct config *
mv_conf(const char *text)
{
	struct config	*c;
	char		 path[64], err[512];
	int		 fd;

	if ((fd = memfd_create("mode.conf", MFD_CLOEXEC)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((c = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_mode_verify: %s\n", err);
		abort();
	}
	close(fd);
	return c;
}

/*
 * mv_check_prepend - whole header fields, each Authentication-Results
 * or the quarantine header.
 */
static void
mv_check_prepend(const struct buf *b)
{
	struct rfc5322_hdr	 hdr;
	const char		*d = buf_data(b);
	size_t			 i, n = buf_len(b);

	FUZZ_CHECK(!buf_error(b));
	if (n == 0)
		return;
	FUZZ_CHECK(n >= 2 && d[n - 2] == '\r' && d[n - 1] == '\n');
	for (i = 0; i < n; i++)
		if (d[i] == '\n')
			FUZZ_CHECK(i > 0 && d[i - 1] == '\r');
	rfc5322_hdr_init(&hdr);
	FUZZ_CHECK(rfc5322_parse(&hdr, d, n, 16) == 0);
	FUZZ_CHECK(hdr.nbad == 0 && hdr.nfields >= 1);
	for (i = 0; i < hdr.nfields; i++)
		FUZZ_CHECK(rfc5322_name_eq(&hdr.fields[i], AUTHRES_FIELD) ||
		    rfc5322_name_eq(&hdr.fields[i], MV_QHDR));
	rfc5322_hdr_clear(&hdr);
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	 i;
	char	 text[512];

	(void)argc;
	(void)argv;
	fuzz_log_init();
	if ((base = event_base_new()) == NULL)
		abort();
	/* bit 0: dmarc_reject, bit 1: quarantine header */
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "myhostname = mx.example.org\n"
		    "authserv_id = %s\nspf_enable = yes\ndmarc_enable = yes\n"
		    "dmarc_reject = %s\ndmarc_quarantine_header = %s\n"
		    "max_signatures = 4\n", MV_ID, i & 1 ? "yes" : "no",
		    i & 2 ? MV_QHDR ": yes" : "");
		conf[i] = mv_conf(text);
		workers[i] = worker_new(base, conf[i], NULL);
	}
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 names[MV_MAXREC][256];
	static struct fuzz_dns_record recs[MV_MAXREC];
	const struct mode_ops	*ops = &mode_verify_ops;
	struct fuzz_in		 in = { data, size }, line, w;
	struct listener_conf	 lc;
	struct mode_env		 env;
	struct mode_result	 res;
	struct rfc5322_hdr	 hdr;
	const uint8_t		*sep;
	const char		*ip, *helo, *mailfrom;
	char			*text, *msg, *piece;
	size_t			 nrec = 0, hlen, blen, off, chunk, i, j, iter;
	uint32_t		 seed;
	unsigned		 flags;
	int			 type, done = 0, k;
	void			*tx;

	if (size > 64 * 1024)
		return 0;
	flags = fuzz_byte(&in);
	seed = flags | 0x200;
	text = fuzz_dupz(in.p, in.n);
	in.p = (const uint8_t *)text;
	line = fuzz_part(&in, '\n');
	((char *)line.p)[line.n] = '\0';
	w = fuzz_part(&line, ' ');
	((char *)w.p)[w.n] = '\0';
	ip = (const char *)w.p;
	w = fuzz_part(&line, ' ');
	((char *)w.p)[w.n] = '\0';
	helo = (const char *)w.p;
	mailfrom = (const char *)line.p;
	while (in.n > 0) {
		line = fuzz_part(&in, '\n');
		if (line.n == 1 && line.p[0] == '.')
			break;
		w = fuzz_part(&line, ' ');
		if (nrec >= MV_MAXREC || w.n == 0 ||
		    w.n >= sizeof(names[0]))
			continue;
		memcpy(names[nrec], w.p, w.n);
		names[nrec][w.n] = '\0';
		w = fuzz_part(&line, ' ');
		if ((type = mv_type((const char *)w.p, w.n)) == 0)
			continue;
		((char *)line.p)[line.n] = '\0';
		recs[nrec].name = names[nrec];
		recs[nrec].type = type;
		recs[nrec].txt = (const char *)line.p;
		nrec++;
	}
	/* the message, in its own exactly sized buffer */
	msg = fuzz_dup(in.p, in.n);
	sep = in.n >= 4 ? memmem(msg, in.n, "\r\n\r\n", 4) : NULL;
	hlen = sep != NULL ? (size_t)((const char *)sep - msg) + 2 : in.n;
	blen = sep != NULL ? in.n - hlen - 2 : 0;

	fuzz_dns_reset(recs, nrec, flags & 0x40 ? DNS_SEC_SECURE :
	    DNS_SEC_INSECURE);
	k = (int)(flags >> 1) & 3;
	memset(&lc, 0, sizeof(lc));
	lc.text = (char *)"127.0.0.1:10026";
	lc.mode = MODE_VERIFY;
	lc.queue = flags & 1 ? QUEUE_BEFORE : QUEUE_AFTER;
	lc.ret_text = (char *)"127.0.0.1:10028";
	memset(&env, 0, sizeof(env));
	env.listener = &lc;
	env.session_id = "1f2e3d";
	env.helo = helo;
	env.client_addr = ip;
	env.client_name = "";
	env.mail_from = mailfrom;
	env.queue_id = "4ABC";
	env.nrcpt = 1;
	env.before_queue = lc.queue == QUEUE_BEFORE;

	rfc5322_hdr_init(&hdr);
	(void)rfc5322_parse(&hdr, msg, hlen, 1000);
	tx = ops->tx_new(workers[k], &env);
	FUZZ_CHECK(tx != NULL);
	ops->headers(tx, msg, hlen, &hdr);
	for (off = 0; off < blen; off += chunk) {
		chunk = flags & 8 ? blen - off : 1 + fuzz_rng(&seed) % 17;
		if (chunk > blen - off)
			chunk = blen - off;
		piece = fuzz_dup(msg + hlen + 2 + off, chunk);
		ops->body(tx, piece, chunk);
		free(piece);
		if (fuzz_rng(&seed) % 4 == 0) {
			fuzz_dns_answer_all();
			event_base_loop(base, EVLOOP_NONBLOCK);
		}
	}
	mode_result_init(&res);
	if (flags & 0x80) {
		/* the session is lost before the verdict: done never runs */
		ops->eom(tx, &res, mv_done, &done);
		ops->tx_free(tx);
		tx = NULL;
		fuzz_dns_answer_all();
		event_base_loop(base, EVLOOP_NONBLOCK);
		FUZZ_CHECK(done <= 1);
		FUZZ_CHECK(fuzz_dns_pending() == 0);
		goto out;
	}
	ops->eom(tx, &res, mv_done, &done);
	iter = 0;
	while (done == 0) {
		FUZZ_CHECK(iter++ < 10000);
		fuzz_dns_answer_all();
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	FUZZ_CHECK(done == 1);

	FUZZ_CHECK(res.action == MODE_ACCEPT || res.action == MODE_REJECT ||
	    res.action == MODE_TEMPFAIL);
	if (lc.queue == QUEUE_AFTER)
		FUZZ_CHECK(res.action == MODE_ACCEPT);
	if (res.action == MODE_REJECT)
		FUZZ_CHECK(res.reply[0] == '5' && strlen(res.reply) >= 3);
	if (res.action == MODE_TEMPFAIL)
		FUZZ_CHECK(res.reply[0] == '4' && strlen(res.reply) >= 3);
	FUZZ_CHECK(memchr(res.reply, '\0', sizeof(res.reply)) != NULL);
	FUZZ_CHECK(memchr(res.summary, '\0', sizeof(res.summary)) != NULL);
	for (i = 0; res.summary[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)res.summary[i] >= 0x20 &&
		    (unsigned char)res.summary[i] < 0x7f);
	if (res.action == MODE_ACCEPT)
		mv_check_prepend(&res.prepend);
	for (i = 0; i < res.ndrop; i++) {
		FUZZ_CHECK(res.drop[i] < hdr.nfields);
		FUZZ_CHECK(rfc5322_name_eq(&hdr.fields[res.drop[i]],
		    AUTHRES_FIELD));
	}
	/* RFC 8601 5: every field that claims our id goes */
	if (res.action == MODE_ACCEPT)
		for (i = 0; i < hdr.nfields; i++) {
			if (!rfc5322_name_eq(&hdr.fields[i], AUTHRES_FIELD) ||
			    !authres_claims(hdr.fields[i].value,
			    hdr.fields[i].valuelen, MV_ID))
				continue;
			for (j = 0; j < res.ndrop && res.drop[j] != i; j++)
				;
			FUZZ_CHECK(j < res.ndrop);
		}
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_mode_verify: action %d [%s] %s\n",
		    res.action, res.summary, res.reply);
 out:
	if (tx != NULL)
		ops->tx_free(tx);
	FUZZ_CHECK(fuzz_dns_pending() == 0);
	mode_result_clear(&res);
	rfc5322_hdr_clear(&hdr);
	free(msg);
	free(text);
	return 0;
}
