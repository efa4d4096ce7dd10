/*
 * cmd_sign.c - "dkimgate sign" and "dkimgate keygen" (see dkimgate(8)
 * and the command-line contract in DESIGN.md).
 *
 * sign runs the message through the daemon's own sign mode
 * (mode_sign_ops) on a standalone worker, so what the command prints is
 * what a sign listener would prepend.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
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
#include "dkim_canon.h"
#include "keytable.h"
#include "log.h"
#include "mode.h"
#include "msgfile.h"
#include "rfc5322.h"
#include "worker.h"
#include "xmalloc.h"

#define SIGN_MAX_KEYS		KEYTABLE_MAX_MATCH
#define SIGN_INPUT_DEFAULT_MAX	(64LL * 1024 * 1024)
#define SIGN_CHUNK		(16 * 1024)	/* body() call size */
#define SIGN_MAX_FIELDS		10000
#define KEYGEN_MIN_BITS		1024
#define KEYGEN_MAX_BITS		16384

static void	sign_done(void *);
static int	keygen_write_txt(const char *, const char *, const char *,
		    enum crypto_alg, const char *, char *, size_t);

/*
 * sign_done - the mode's completion callback.
 */
static void
sign_done(void *arg)
{
	*(int *)arg = 1;
}

/*
 * cmd_sign - dkimgate sign --domain D --selector S --key FILE
 * [--algorithm A] [--canon C] [-c FILE] [FILE]
 */
int
cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "domain",	required_argument, NULL, 'd' },
		{ "selector",	required_argument, NULL, 's' },
		{ "key",	required_argument, NULL, 'k' },
		{ "algorithm",	required_argument, NULL, 'a' },
		{ "canon",	required_argument, NULL, 'C' },
		{ "config",	required_argument, NULL, 'c' },
		{ NULL,		0,		   NULL, 0 }
	};
	const char		*cmd = argv[0];
	const char		*dom[SIGN_MAX_KEYS], *sel[SIGN_MAX_KEYS];
	const char		*key[SIGN_MAX_KEYS], *alg[SIGN_MAX_KEYS];
	const char		*canon = NULL, *cfile = NULL, *input;
	size_t			 nd = 0, ns = 0, nk = 0, na = 0, i;
	struct config		*conf = NULL, cconf;
	struct keytable		*kt = NULL;
	struct event_base	*base = NULL;
	struct worker		*w = NULL;
	const struct mode_ops	*ops = &mode_sign_ops;
	struct mode_env		 env;
	struct mode_result	 res;
	struct rfc5322_hdr	 hdr;
	struct buf		 in, msg, out;
	enum dkim_canon		 hc, bc;
	void			*tx = NULL;
	char			 err[1024], where[64];
	size_t			 hlen, boff, off, n;
	int			 ch, rc = 1, lf, done = 0, have_res = 0;

	memset(&in, 0, sizeof(in));
	memset(&msg, 0, sizeof(msg));
	memset(&out, 0, sizeof(out));
	rfc5322_hdr_init(&hdr);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (nd == SIGN_MAX_KEYS)
				return cmd_usage_error(cmd, "at most %d keys",
				    SIGN_MAX_KEYS);
			dom[nd++] = optarg;
			break;
		case 's':
			if (ns == SIGN_MAX_KEYS)
				return cmd_usage_error(cmd, "at most %d keys",
				    SIGN_MAX_KEYS);
			sel[ns++] = optarg;
			break;
		case 'k':
			if (nk == SIGN_MAX_KEYS)
				return cmd_usage_error(cmd, "at most %d keys",
				    SIGN_MAX_KEYS);
			key[nk++] = optarg;
			break;
		case 'a':
			if (na == SIGN_MAX_KEYS)
				return cmd_usage_error(cmd, "at most %d keys",
				    SIGN_MAX_KEYS);
			if (strcmp(optarg, "rsa-sha256") != 0 &&
			    strcmp(optarg, "ed25519-sha256") != 0)
				return cmd_usage_error(cmd, "unknown algorithm "
				    "\"%s\" (rsa-sha256 or ed25519-sha256)",
				    optarg);
			alg[na++] = optarg;
			break;
		case 'C':
			canon = optarg;
			break;
		case 'c':
			cfile = optarg;
			break;
		default:
			return cmd_usage_error(cmd, "bad option %s; usage: "
			    "dkimgate sign --domain D --selector S --key FILE "
			    "[--algorithm A] [--canon C] [-c FILE] [FILE]",
			    argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cmd_usage_error(cmd, "only one input file");
	input = optind < argc ? argv[optind] : NULL;
	if (nk == 0 || nd == 0 || ns == 0)
		return cmd_usage_error(cmd, "--domain, --selector and --key "
		    "are required");
	if (nd != nk || ns != nk)
		return cmd_usage_error(cmd, "give --domain, --selector and "
		    "--key the same number of times (they pair in order)");
	if (na > 1 && na != nk)
		return cmd_usage_error(cmd, "give --algorithm once, or once "
		    "per --key");
	if (canon != NULL && dkim_canon_parse(canon, strlen(canon), &hc,
	    &bc) == -1)
		return cmd_usage_error(cmd, "bad --canon \"%s\" (e.g. "
		    "relaxed/relaxed)", canon);

	log_init(1, "dkimgate", 0);
	if ((conf = config_load(cfile, err, sizeof(err))) == NULL) {
		cmd_usage_error(cmd, "%s", err);
		goto out;
	}
	cconf = *conf;
	if (canon != NULL)
		cconf.sign_canonicalization = (char *)canon;
	if ((kt = keytable_new(&cconf, err, sizeof(err))) == NULL) {
		cmd_usage_error(cmd, "%s", err);
		goto out;
	}
	for (i = 0; i < nk; i++) {
		const struct keytable_key *k;
		const char	*want;

		snprintf(where, sizeof(where), "--key %s", key[i]);
		if (keytable_add_key(kt, dom[i], sel[i], key[i], NULL, where,
		    0, err, sizeof(err)) == -1) {
			cmd_usage_error(cmd, "%s", err);
			goto out;
		}
		k = keytable_key_at(kt, keytable_nkeys(kt) - 1);
		want = na == 0 ? NULL : na == 1 ? alg[0] : alg[i];
		if (want != NULL && (strcmp(want, "rsa-sha256") == 0) !=
		    (k->alg == CRYPTO_ALG_RSA)) {
			cmd_usage_error(cmd, "%s: key is %s, not for %s",
			    key[i], k->alg == CRYPTO_ALG_RSA ? "RSA" :
			    "Ed25519", want);
			goto out;
		}
	}

	if (msgfile_read(input, conf->message_size_limit > 0 ?
	    conf->message_size_limit : SIGN_INPUT_DEFAULT_MAX, &in, err,
	    sizeof(err)) == -1) {
		cmd_usage_error(cmd, "%s", err);
		goto out;
	}
	lf = msgfile_is_lf(in.data, in.len);
	buf_init(&msg, in.len * 2 + 2);
	msgfile_to_crlf(in.data, in.len, &msg);
	hlen = msgfile_header_end(msg.data, msg.len, &boff);
	if (rfc5322_parse(&hdr, msg.data, hlen, SIGN_MAX_FIELDS) == -1) {
		cmd_usage_error(cmd, "too many header fields");
		goto out;
	}

	if ((base = event_base_new()) == NULL) {
		cmd_usage_error(cmd, "event_base_new failed");
		goto out;
	}
	w = worker_new(base, conf, kt);
	memset(&env, 0, sizeof(env));
	env.session_id = "sign";
	env.helo = "";
	env.client_addr = "";
	env.client_name = "";
	env.mail_from = "";
	env.queue_id = "";
	mode_result_init(&res);
	have_res = 1;
	tx = ops->tx_new(w, &env);
	ops->headers(tx, msg.data, hlen, &hdr);
	for (off = boff; off < msg.len; off += n) {
		n = msg.len - off < SIGN_CHUNK ? msg.len - off : SIGN_CHUNK;
		ops->body(tx, msg.data + off, n);
	}
	ops->eom(tx, &res, sign_done, &done);
	while (!done && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	if (!done || res.action != MODE_ACCEPT || res.prepend.len == 0) {
		cmd_usage_error(cmd, "message not signed: %s",
		    res.action != MODE_ACCEPT ? res.reply : res.summary);
		rc = 1;
		goto out;
	}
	/* the new fields, in the input's line-end convention */
	buf_init(&out, res.prepend.len + 1);
	if (lf) {
		for (i = 0; i < res.prepend.len; i++)
			if (!(res.prepend.data[i] == '\r' &&
			    i + 1 < res.prepend.len &&
			    res.prepend.data[i + 1] == '\n'))
				buf_addc(&out, res.prepend.data[i]);
	} else
		buf_add(&out, res.prepend.data, res.prepend.len);
	if (msgfile_write_all(STDOUT_FILENO, out.data, out.len) == -1 ||
	    msgfile_write_all(STDOUT_FILENO, in.data, in.len) == -1) {
		cmd_usage_error(cmd, "write: %s", strerror(errno));
		rc = 1;
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
	buf_clear(&in);
	buf_clear(&msg);
	buf_clear(&out);
	keytable_free(kt);
	config_free(conf);
	return rc;
}

/*
 * keygen_write_txt - write the zone-file TXT record for the key to path
 * (O_EXCL), p= split in character-strings of at most 255 bytes
 * (RFC 1035 3.3; RFC 6376 3.6.2.2 joins them back).
 */
static int
keygen_write_txt(const char *path, const char *domain, const char *sel,
    enum crypto_alg alg, const char *p, char *err, size_t errlen)
{
	struct buf	 b;
	const char	*tags;
	size_t		 plen, off, n;
	int		 fd, rc = -1;

	tags = alg == CRYPTO_ALG_RSA ? "v=DKIM1; h=sha256; k=rsa; " :
	    "v=DKIM1; k=ed25519; ";
	buf_init(&b, 64 * 1024);
	buf_printf(&b, "%s._domainkey.%s.\tIN\tTXT\t( \"%s\"", sel, domain,
	    tags);
	plen = strlen(p);
	/* "p=" plus the first 253 bytes of key, then 255-byte strings */
	n = plen < 253 ? plen : 253;
	buf_printf(&b, "\n\t\"p=%.*s\"", (int)n, p);
	for (off = n; off < plen; off += n) {
		n = plen - off < 255 ? plen - off : 255;
		buf_printf(&b, "\n\t\"%.*s\"", (int)n, p + off);
	}
	buf_printf(&b, " )  ; ----- DKIM key %s for %s\n", sel, domain);
	if (buf_error(&b)) {
		snprintf(err, errlen, "%s: record too long", path);
		goto out;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (msgfile_write_all(fd, b.data, b.len) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
 out:
	buf_clear(&b);
	return rc;
}

/*
 * cmd_keygen - dkimgate keygen --domain D --selector S [--type rsa|
 * ed25519] [--bits N] [--directory DIR]
 */
int
cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "domain",	required_argument, NULL, 'd' },
		{ "selector",	required_argument, NULL, 's' },
		{ "type",	required_argument, NULL, 't' },
		{ "bits",	required_argument, NULL, 'b' },
		{ "directory",	required_argument, NULL, 'D' },
		{ NULL,		0,		   NULL, 0 }
	};
	const char		*cmd = argv[0];
	const char		*domain = NULL, *sel = NULL, *dir = ".";
	const char		*type = "rsa";
	enum crypto_alg		 alg;
	struct crypto_key	*key = NULL;
	struct stat		 st;
	char			*priv = NULL, *txt = NULL, *pub = NULL, *end;
	char			 err[1024];
	unsigned long		 bits = 2048;
	int			 ch, rc = 1, have_bits = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			domain = optarg;
			break;
		case 's':
			sel = optarg;
			break;
		case 't':
			type = optarg;
			break;
		case 'b':
			errno = 0;
			bits = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg)
				return cmd_usage_error(cmd, "bad --bits \"%s\"",
				    optarg);
			have_bits = 1;
			break;
		case 'D':
			dir = optarg;
			break;
		default:
			return cmd_usage_error(cmd, "bad option %s; usage: "
			    "dkimgate keygen --domain D --selector S "
			    "[--type rsa|ed25519] [--bits N] "
			    "[--directory DIR]", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage_error(cmd, "unexpected argument \"%s\"",
		    argv[optind]);
	if (domain == NULL || sel == NULL)
		return cmd_usage_error(cmd, "--domain and --selector are "
		    "required");
	if (strchr(sel, '/') != NULL || sel[0] == '.' || sel[0] == '\0')
		return cmd_usage_error(cmd, "bad selector \"%s\"", sel);
	if (strcmp(type, "rsa") == 0)
		alg = CRYPTO_ALG_RSA;
	else if (strcmp(type, "ed25519") == 0)
		alg = CRYPTO_ALG_ED25519;
	else
		return cmd_usage_error(cmd, "unknown --type \"%s\" (rsa or "
		    "ed25519)", type);
	if (alg == CRYPTO_ALG_RSA && (bits < KEYGEN_MIN_BITS ||
	    bits > KEYGEN_MAX_BITS))
		return cmd_usage_error(cmd, "--bits must be %d..%d (RFC 8301 "
		    "3.2: RSA keys of at least 1024 bits)", KEYGEN_MIN_BITS,
		    KEYGEN_MAX_BITS);
	if (alg == CRYPTO_ALG_ED25519 && have_bits)
		return cmd_usage_error(cmd, "--bits does not apply to "
		    "ed25519 keys");

	xasprintf(&priv, "%s/%s.private", dir, sel);
	xasprintf(&txt, "%s/%s.txt", dir, sel);
	if (stat(priv, &st) == 0 || stat(txt, &st) == 0) {
		cmd_usage_error(cmd, "%s exists; not overwriting",
		    stat(priv, &st) == 0 ? priv : txt);
		goto out;
	}
	if ((key = crypto_key_generate(alg, (unsigned)bits, err,
	    sizeof(err))) == NULL) {
		cmd_usage_error(cmd, "key generation failed: %s", err);
		goto out;
	}
	if ((pub = crypto_key_public_b64(key)) == NULL) {
		cmd_usage_error(cmd, "cannot encode the public key");
		goto out;
	}
	if (crypto_key_write_private(key, priv, err, sizeof(err)) == -1) {
		cmd_usage_error(cmd, "%s", err);
		goto out;
	}
	if (keygen_write_txt(txt, domain, sel, alg, pub, err,
	    sizeof(err)) == -1) {
		cmd_usage_error(cmd, "%s", err);
		unlink(priv);
		goto out;
	}
	rc = 0;
 out:
	crypto_key_free(key);
	free(pub);
	free(priv);
	free(txt);
	return rc;
}
