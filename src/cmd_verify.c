/*
 * cmd_verify.c - "dkimgate verify" and "dkimgate testkey" (dkimgate(8),
 * and the command-line contract in DESIGN.md).
 *
 * verify runs the message through the daemon's own verify mode
 * (mode_verify_ops) on a standalone worker, so what it prints is the
 * Authentication-Results field a verify listener would prepend.
 *
 * Options are table-driven: each entry names its long option and the
 * struct verify_opts field it sets, so further options (SPF/DMARC inputs)
 * are one table row and one field each.
 */
#include "autoconf.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "crypto.h"
#include "dkim_key.h"
#include "dns.h"
#include "log.h"
#include "mode.h"
#include "msgfile.h"
#include "rfc5322.h"
#include "worker.h"
#include "xmalloc.h"

#define VERIFY_INPUT_DEFAULT_MAX	(64LL * 1024 * 1024)
#define VERIFY_CHUNK			(16 * 1024)	/* body() call size */
#define VERIFY_MAX_FIELDS		10000	/* as the relay */

struct verify_opts {
	const char	*config;	/* -c FILE */
	const char	*resolver;	/* --resolver ADDR[@PORT] */
	const char	*trust_anchor;	/* --trust-anchor FILE */
	const char	*authserv_id;	/* --authserv-id ID */
	const char	*domain;	/* testkey --domain */
	const char	*selector;	/* testkey --selector */
	const char	*key;		/* testkey --key */
	/* SPF inputs (verify): without --client-ip SPF is not evaluated */
	const char	*client_ip;	/* --client-ip ADDR */
	const char	*helo;		/* --helo NAME */
	const char	*mail_from;	/* --mail-from ADDR; "<>": null */
};

#define VOPT(f)		offsetof(struct verify_opts, f)

/* one option: its long name, short letter (or 0) and target field */
struct verify_optdef {
	const char	*name;
	int		 letter;
	size_t		 off;
};

static const struct verify_optdef verify_optdefs[] = {
	{ "config",		'c',	VOPT(config) },
	{ "resolver",		0,	VOPT(resolver) },
	{ "trust-anchor",	0,	VOPT(trust_anchor) },
	{ "authserv-id",	0,	VOPT(authserv_id) },
	{ "client-ip",		0,	VOPT(client_ip) },
	{ "helo",		0,	VOPT(helo) },
	{ "mail-from",		0,	VOPT(mail_from) },
	{ NULL,			0,	0 }
};

static const struct verify_optdef testkey_optdefs[] = {
	{ "config",		'c',	VOPT(config) },
	{ "resolver",		0,	VOPT(resolver) },
	{ "trust-anchor",	0,	VOPT(trust_anchor) },
	{ "domain",		0,	VOPT(domain) },
	{ "selector",		0,	VOPT(selector) },
	{ "key",		0,	VOPT(key) },
	{ NULL,			0,	0 }
};

static int	verify_parse_opts(int, char **, const struct verify_optdef *,
		    struct verify_opts *, const char *);
static struct config *verify_config(const char *, const struct verify_opts *,
		    struct config *);
static void	verify_done(void *);
static void	testkey_cb(void *, const struct dns_answer *);

/*
 * verify_parse_opts - getopt_long over a table; the remaining arguments
 * start at optind. Returns 0, or the usage error status.
 */
static int
verify_parse_opts(int argc, char **argv, const struct verify_optdef *defs,
    struct verify_opts *o, const char *usage)
{
	struct option	 lo[16];
	char		 shortopts[16];
	size_t		 i, ns = 0;
	int		 ch, idx;

	for (i = 0; defs[i].name != NULL && i < 15; i++) {
		lo[i].name = defs[i].name;
		lo[i].has_arg = required_argument;
		lo[i].flag = NULL;
		lo[i].val = defs[i].letter != 0 ? defs[i].letter :
		    256 + (int)i;
		if (defs[i].letter != 0 && ns + 2 < sizeof(shortopts)) {
			shortopts[ns++] = (char)defs[i].letter;
			shortopts[ns++] = ':';
		}
	}
	memset(&lo[i], 0, sizeof(lo[i]));
	shortopts[ns] = '\0';
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, lo, &idx)) != -1) {
		for (i = 0; defs[i].name != NULL; i++)
			if (ch == (defs[i].letter != 0 ? defs[i].letter :
			    256 + (int)i))
				break;
		if (defs[i].name == NULL)
			return cmd_usage_error(argv[0], "bad option %s; usage: "
			    "%s", argv[optind - 1], usage);
		*(const char **)(void *)((char *)o + defs[i].off) = optarg;
	}
	return 0;
}

/*
 * verify_config - the configuration (file or built-in defaults) with the
 * command-line overrides applied to a shallow copy (cc), which borrows
 * the loaded config's strings. Returns the loaded config (to free), or
 * NULL after printing the error.
 */
static struct config *
verify_config(const char *cmd, const struct verify_opts *o, struct config *cc)
{
	struct config	*conf;
	char		 err[1024];

	if ((conf = config_load(o->config, err, sizeof(err))) == NULL) {
		cmd_usage_error(cmd, "%s", err);
		return NULL;
	}
	*cc = *conf;
	if (o->resolver != NULL)
		cc->dns_resolver = (char *)o->resolver;
	if (o->trust_anchor != NULL)
		cc->dns_trust_anchor = (char *)o->trust_anchor;
	if (o->authserv_id != NULL)
		cc->authserv_id = (char *)o->authserv_id;
	/*
	 * Without the SMTP facts the field carries the DKIM results only:
	 * DMARC on DKIM alone would say "fail" where SPF might pass, and its
	 * policy look-ups (a tree walk under the From domain) would ask a
	 * test resolver for names it may never answer.
	 */
	if (o->client_ip == NULL)
		cc->spf_enable = cc->dmarc_enable = 0;
	return conf;
}

/*
 * verify_done - the mode's completion callback: set the flag the loop
 * waits on.
 */
static void
verify_done(void *arg)
{
	*(int *)arg = 1;
}

/*
 * cmd_verify - dkimgate verify [--resolver ADDR[@PORT]] [--trust-anchor
 * FILE] [--authserv-id ID] [--client-ip ADDR [--helo NAME]
 * [--mail-from ADDR]] [-c FILE] [FILE]
 */
int
cmd_verify(int argc, char **argv)
{
	const char		*cmd = argv[0];
	struct verify_opts	 o;
	struct config		*conf = NULL, cc;
	struct event_base	*base = NULL;
	struct worker		*w = NULL;
	const struct mode_ops	*ops = &mode_verify_ops;
	struct mode_env		 env;
	struct mode_result	 res;
	struct rfc5322_hdr	 hdr, out;
	struct buf		 in, msg;
	const char		*input;
	void			*tx = NULL;
	char			*mail_from = NULL;
	char			 err[1024];
	size_t			 hlen, boff, off, n, i, j;
	int			 rc, lf, done = 0, have_res = 0;

	memset(&o, 0, sizeof(o));
	if ((rc = verify_parse_opts(argc, argv, verify_optdefs, &o,
	    "dkimgate verify [--resolver ADDR[@PORT]] [--trust-anchor FILE] "
	    "[--authserv-id ID] [--client-ip ADDR [--helo NAME] "
	    "[--mail-from ADDR]] [-c FILE] [FILE]")) != 0)
		return rc;
	/* SPF needs the client address; HELO and MAIL FROM alone are
	 * meaningless (dkimgate(8)) */
	if (o.client_ip == NULL && (o.helo != NULL || o.mail_from != NULL))
		return cmd_usage_error(cmd, "--helo and --mail-from need "
		    "--client-ip");
	if (argc - optind > 1)
		return cmd_usage_error(cmd, "only one input file");
	input = optind < argc ? argv[optind] : NULL;
	if (o.mail_from != NULL && o.mail_from[0] == '<' &&
	    strlen(o.mail_from) >= 2 &&
	    o.mail_from[strlen(o.mail_from) - 1] == '>') {
		/* a reverse-path as written in MAIL FROM: <a@b>, <> */
		mail_from = xstrndup(o.mail_from + 1, strlen(o.mail_from) - 2);
		o.mail_from = mail_from;
	}

	buf_init(&in, 0);
	buf_init(&msg, 0);
	rfc5322_hdr_init(&hdr);
	rfc5322_hdr_init(&out);
	rc = 1;
	log_init(1, "dkimgate", 0);
	if ((conf = verify_config(cmd, &o, &cc)) == NULL) {
		rc = 2;
		goto out;
	}
	if (cc.authserv_id[0] == '\0') {
		rc = cmd_usage_error(cmd, "empty --authserv-id");
		goto out;
	}
	if (msgfile_read(input, conf->message_size_limit > 0 ?
	    conf->message_size_limit : VERIFY_INPUT_DEFAULT_MAX, &in, err,
	    sizeof(err)) == -1) {
		cmd_usage_error(cmd, "%s", err);
		goto out;
	}
	lf = msgfile_is_lf(in.data, in.len);
	buf_init(&msg, in.len * 2 + 2);
	msgfile_to_crlf(in.data, in.len, &msg);
	hlen = msgfile_header_end(msg.data, msg.len, &boff);
	(void)rfc5322_parse(&hdr, msg.data, hlen, VERIFY_MAX_FIELDS);

	if ((base = event_base_new()) == NULL) {
		cmd_usage_error(cmd, "event_base_new failed");
		goto out;
	}
	w = worker_new(base, &cc, NULL);
	if (worker_dns(w) == NULL) {
		/* the reason was logged just before */
		cmd_usage_error(cmd, "cannot set up the DNS resolver");
		goto out;
	}
	memset(&env, 0, sizeof(env));
	env.session_id = "verify";
	env.helo = o.helo != NULL ? o.helo : "";
	env.client_addr = o.client_ip != NULL ? o.client_ip : "";
	env.client_name = "";
	env.mail_from = o.mail_from != NULL ? o.mail_from : "";
	env.queue_id = "";
	mode_result_init(&res);
	have_res = 1;
	tx = ops->tx_new(w, &env);
	ops->headers(tx, msg.data, hlen, &hdr);
	for (off = boff; off < msg.len; off += n) {
		n = msg.len - off < VERIFY_CHUNK ? msg.len - off :
		    VERIFY_CHUNK;
		ops->body(tx, msg.data + off, n);
	}
	ops->eom(tx, &res, verify_done, &done);
	while (!done && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	if (!done) {
		cmd_usage_error(cmd, "verification did not complete");
		goto out;
	}
	/* print the Authentication-Results field only (a mode may prepend
	 * others), in the input's line-end convention */
	(void)rfc5322_parse(&out, res.prepend.data, res.prepend.len, 64);
	for (i = 0; i < out.nfields; i++) {
		if (!rfc5322_name_eq(&out.fields[i], "Authentication-Results"))
			continue;
		for (j = 0; j < out.fields[i].rawlen; j++) {
			char	 c = out.fields[i].raw[j];

			if (lf && c == '\r' && j + 1 < out.fields[i].rawlen &&
			    out.fields[i].raw[j + 1] == '\n')
				continue;
			putchar(c);
		}
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_usage_error(cmd, "write: %s", strerror(errno));
		goto out;
	}
	rc = 0;
 out:
	if (tx != NULL)
		ops->tx_free(tx);
	if (have_res)
		mode_result_clear(&res);
	worker_free(w);
	if (base != NULL)
		event_base_free(base);
	rfc5322_hdr_clear(&hdr);
	rfc5322_hdr_clear(&out);
	buf_clear(&in);
	buf_clear(&msg);
	config_free(conf);
	free(mail_from);
	return rc;
}

/* testkey's look-up result */
struct testkey_answer {
	int		 done;
	enum dns_status	 status;
	enum dns_sec	 sec;
	char		*why_bogus;
	unsigned char	*rr[16];
	size_t		 rrlen[16];
	size_t		 nrr;
};

/*
 * testkey_cb - copy the answer out (it is only valid during the call).
 */
static void
testkey_cb(void *arg, const struct dns_answer *a)
{
	struct testkey_answer	*t = arg;
	size_t			 i;

	t->done = 1;
	t->status = a->status;
	t->sec = a->sec;
	if (a->why_bogus != NULL)
		t->why_bogus = xstrdup(a->why_bogus);
	for (i = 0; i < a->nrr && i < 16; i++) {
		t->rr[i] = xmemdup(a->rr[i].data, a->rr[i].len > 0 ?
		    a->rr[i].len : 1);
		t->rrlen[i] = a->rr[i].len;
	}
	t->nrr = i;
}

/*
 * cmd_testkey - dkimgate testkey --domain D --selector S --key FILE
 * [--resolver ..] [--trust-anchor ..] [-c FILE]: does the published key
 * record hold the public half of FILE, and was the answer DNSSEC-secure?
 * Exit 0: it matches; 1: it does not, or no usable record; 2: usage.
 */
int
cmd_testkey(int argc, char **argv)
{
	const char		*cmd = argv[0];
	struct verify_opts	 o;
	struct config		*conf = NULL, cc;
	struct event_base	*base = NULL;
	struct worker		*w = NULL;
	struct crypto_key	*priv = NULL;
	struct testkey_answer	 t;
	struct dkim_key		 k;
	char			 err[1024], name[600], esc[256], *txt = NULL;
	const char		*why = NULL;
	ssize_t			 n;
	size_t			 i;
	int			 rc;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	if ((rc = verify_parse_opts(argc, argv, testkey_optdefs, &o,
	    "dkimgate testkey --domain D --selector S --key FILE "
	    "[--resolver ADDR[@PORT]] [--trust-anchor FILE] [-c FILE]")) != 0)
		return rc;
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument %s",
		    argv[optind]);
	if (o.domain == NULL || o.selector == NULL || o.key == NULL)
		return cmd_usage_error(cmd, "--domain, --selector and --key "
		    "are required");
	if (snprintf(name, sizeof(name), "%s._domainkey.%s", o.selector,
	    o.domain) >= (int)sizeof(name) || strlen(name) > 253)
		return cmd_usage_error(cmd, "key record name too long");

	rc = 1;
	log_init(1, "dkimgate", 0);
	if ((conf = verify_config(cmd, &o, &cc)) == NULL)
		return 2;
	if ((priv = crypto_key_load(o.key, err, sizeof(err))) == NULL) {
		cmd_usage_error(cmd, "%s: %s", o.key, err);
		goto out;
	}
	if ((base = event_base_new()) == NULL) {
		cmd_usage_error(cmd, "event_base_new failed");
		goto out;
	}
	w = worker_new(base, &cc, NULL);
	if (worker_dns(w) == NULL) {
		cmd_usage_error(cmd, "cannot set up the DNS resolver");
		goto out;
	}
	if (dns_lookup(worker_dns(w), name, DNS_T_TXT, testkey_cb,
	    &t) == NULL) {
		cmd_usage_error(cmd, "%s: cannot start the look-up", name);
		goto out;
	}
	while (!t.done && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	if (!t.done || t.status == DNS_TEMPFAIL) {
		printf("%s: DNS look-up failed (%s)\n", name,
		    t.done ? "timeout or server failure" : "no answer");
		goto out;
	}
	if (t.status == DNS_BOGUS || t.sec == DNS_SEC_BOGUS) {
		printf("%s: DNSSEC validation failed (bogus): %s\n", name,
		    t.why_bogus != NULL ? log_escape(esc, sizeof(esc),
		    t.why_bogus, strlen(t.why_bogus)) : "no reason given");
		goto out;
	}
	if (t.status != DNS_OK) {
		printf("%s: no key record (%s; DNSSEC %s)\n", name,
		    dns_status_name(t.status), dns_sec_name(t.sec));
		goto out;
	}
	txt = xmalloc(DKIM_KEY_TXT_MAX);
	for (i = 0; i < t.nrr; i++) {
		dkim_key_init(&k);
		n = dkim_key_txt_concat(t.rr[i], t.rrlen[i], txt,
		    DKIM_KEY_TXT_MAX);
		if (n < 0) {
			why = "malformed or too large TXT record";
			continue;
		}
		if (dkim_key_parse(&k, txt, (size_t)n, &why) == -1)
			continue;
		if (k.revoked) {
			why = "key revoked (empty p=)";
			dkim_key_clear(&k);
			continue;
		}
		if (crypto_key_same_public(k.key, priv)) {
			printf("%s: key matches %s (%u-bit %s key; DNSSEC "
			    "%s)\n", name, o.key, k.bits,
			    k.alg == CRYPTO_ALG_ED25519 ? "ed25519" : "rsa",
			    dns_sec_name(t.sec));
			dkim_key_clear(&k);
			rc = 0;
			goto out;
		}
		why = "published key differs from the private key";
		dkim_key_clear(&k);
	}
	printf("%s: key does NOT match %s: %s (DNSSEC %s)\n", name, o.key,
	    why != NULL ? why : "no key record", dns_sec_name(t.sec));
 out:
	fflush(stdout);
	free(txt);
	for (i = 0; i < t.nrr; i++)
		free(t.rr[i]);
	free(t.why_bogus);
	crypto_key_free(priv);
	worker_free(w);
	if (base != NULL)
		event_base_free(base);
	config_free(conf);
	return rc;
}
