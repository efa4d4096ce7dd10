/*
 * mode_sign.c - the "sign" listener mode: pick keys by the RFC5322.From
 * address when the header block is complete, hash the body as it
 * arrives, and prepend DKIM-Signature fields at the end of DATA.
 *
 * A message that cannot be signed (no From, several From fields or
 * addresses, unparsable From, no key) is relayed unsigned and logged
 * with the reason; with bad_from_action = reject a bad From is refused
 * with 550 5.6.0 instead (RFC 3463 3.7, X.6.0 "Other or undefined media
 * error": the message content is what is wrong, and RFC 7372 has no
 * code for a malformed author field). An internal failure while signing
 * answers 451 4.3.0 so Postfix retries (zero-loss rule, DESIGN.md).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "dkim_sign.h"
#include "keytable.h"
#include "log.h"
#include "metrics.h"
#include "mode.h"
#include "rfc5322.h"
#include "worker.h"
#include "xmalloc.h"

enum sign_state {
	SIGN_S_NEW = 0,		/* waiting for the header block */
	SIGN_S_SIGNING,		/* keys chosen, hashing the body */
	SIGN_S_UNSIGNED,	/* relaying unsigned (reason set) */
	SIGN_S_BADFROM		/* unsigned because of the From field */
};

static const char *sign_state_names[] = {
	"new", "signing", "unsigned", "badfrom"
};

struct sign_tx {
	struct worker		*w;
	const struct config	*conf;
	struct keytable		*kt;
	const struct listener_conf *lc;		/* for metrics.h */
	char			*sid;		/* session id, for logs */
	enum sign_state		 state;
	struct dkim_signer	*signer;
	const struct rfc5322_hdr *hdr;
	char			 from[256];	/* the author address */
	char			 reason[160];	/* why unsigned */
	char			 sigs[400];	/* d=/s= list, for logs */
	int			 algs[KEYTABLE_MAX_MATCH];	/* per sig. */
	size_t			 nalgs;
};

static void	*sign_tx_new(struct worker *, const struct mode_env *);
static void	 sign_headers(void *, const char *, size_t,
		    const struct rfc5322_hdr *);
static void	 sign_body(void *, const char *, size_t);
static void	 sign_eom(void *, struct mode_result *, mode_done_fn, void *);
static void	 sign_tx_free(void *);
static void	 sign_enter_state(struct sign_tx *, enum sign_state,
		    const char *);
static int	 sign_check_from(struct sign_tx *,
		    const struct rfc5322_hdr *);
static void	 sign_pick_keys(struct sign_tx *);

const struct mode_ops mode_sign_ops = {
	"sign",
	sign_tx_new,
	sign_headers,
	sign_body,
	sign_eom,
	sign_tx_free
};

/*
 * sign_enter_state - the only place the state changes; logs why.
 */
static void
sign_enter_state(struct sign_tx *tx, enum sign_state st, const char *why)
{
	log_debug("%s sign state %s -> %s%s%s", tx->sid,
	    sign_state_names[tx->state], sign_state_names[st],
	    why != NULL ? ": " : "", why != NULL ? why : "");
	tx->state = st;
	if (why != NULL && st != SIGN_S_SIGNING)
		snprintf(tx->reason, sizeof(tx->reason), "%s", why);
}

/*
 * sign_tx_new - a transaction for one message.
 */
static void *
sign_tx_new(struct worker *w, const struct mode_env *env)
{
	struct sign_tx	*tx;

	tx = xcalloc(1, sizeof(*tx));
	tx->w = w;
	tx->conf = worker_config(w);
	tx->kt = worker_keys(w);
	tx->sid = xstrdup(env != NULL && env->session_id != NULL ?
	    env->session_id : "-");
	tx->lc = env != NULL ? env->listener : NULL;
	tx->state = SIGN_S_NEW;
	return tx;
}

/*
 * sign_check_from - find the one author address (RFC 5322 3.6.2: exactly
 * one From field; RFC 6376 5.4 signs it). 0 with tx->from set, or -1
 * with the reason in tx->reason.
 */
static int
sign_check_from(struct sign_tx *tx, const struct rfc5322_hdr *hdr)
{
	char			 addrs[2][256];
	char			 esc[128];
	const struct rfc5322_field *f;
	size_t			 nfrom;
	ssize_t			 i;
	int			 n;

	nfrom = rfc5322_count(hdr, "From");
	if (nfrom == 0) {
		sign_enter_state(tx, SIGN_S_BADFROM, "no From field");
		return -1;
	}
	if (nfrom > 1) {
		sign_enter_state(tx, SIGN_S_BADFROM, "several From fields");
		return -1;
	}
	if ((i = rfc5322_find(hdr, "From", 0)) < 0) {
		sign_enter_state(tx, SIGN_S_BADFROM, "no From field");
		return -1;
	}
	f = &hdr->fields[i];
	n = rfc5322_parse_mailboxes(f->value, f->valuelen, addrs, 2);
	if (n < 0) {
		const char	*v = f->value;
		size_t		 vl = f->valuelen;

		while (vl > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		log_escape(esc, sizeof(esc), v, vl);
		log_info("%s sign unparsable From: \"%s\"", tx->sid, esc);
		sign_enter_state(tx, SIGN_S_BADFROM, "unparsable From field");
		return -1;
	}
	if (n == 0) {
		sign_enter_state(tx, SIGN_S_BADFROM,
		    "no address in the From field");
		return -1;
	}
	if (n > 1) {
		sign_enter_state(tx, SIGN_S_BADFROM,
		    "several addresses in the From field");
		return -1;
	}
	if (rfc5322_addr_domain(addrs[0]) == NULL) {
		sign_enter_state(tx, SIGN_S_BADFROM,
		    "From address has no domain");
		return -1;
	}
	snprintf(tx->from, sizeof(tx->from), "%s", addrs[0]);
	return 0;
}

/*
 * sign_pick_keys - look the author up in the signing table and set up
 * the signer with every matching key.
 */
static void
sign_pick_keys(struct sign_tx *tx)
{
	struct keytable_match	 m[KEYTABLE_MAX_MATCH];
	struct buf		 sl;
	char			 ident[512], err[256], esc[200];
	const char		*ip;
	size_t			 n, i;

	n = keytable_lookup(tx->kt, tx->from, m, KEYTABLE_MAX_MATCH);
	if (n == 0) {
		log_escape(esc, sizeof(esc), tx->from, strlen(tx->from));
		snprintf(err, sizeof(err), "no key for %s", esc);
		sign_enter_state(tx, SIGN_S_UNSIGNED, err);
		return;
	}
	tx->signer = dkim_signer_new(keytable_policy(tx->kt));
	buf_init(&sl, sizeof(tx->sigs) - 1);
	for (i = 0; i < n; i++) {
		ip = NULL;
		if (m[i].signer != NULL) {
			if (keytable_identity(m[i].signer, tx->from,
			    m[i].domain, m[i].domainlen, ident,
			    sizeof(ident)) == 0)
				ip = ident;
			else
				log_warnx("%s sign i= from \"%s\" is not "
				    "within d=%.*s; signing without i=",
				    tx->sid, m[i].signer, (int)m[i].domainlen,
				    m[i].domain);
		}
		if (dkim_signer_add(tx->signer, m[i].key->key, m[i].domain,
		    m[i].domainlen, m[i].key->selector, ip, err,
		    sizeof(err)) == -1) {
			log_warnx("%s sign key %s: %s", tx->sid,
			    m[i].key->where, err);
			continue;
		}
		buf_printf(&sl, "%sd=%.*s s=%s", sl.len > 0 ? ", " : "",
		    (int)m[i].domainlen, m[i].domain, m[i].key->selector);
		if (tx->nalgs < KEYTABLE_MAX_MATCH)
			tx->algs[tx->nalgs++] = (int)m[i].key->alg;
	}
	snprintf(tx->sigs, sizeof(tx->sigs), "%s",
	    sl.data != NULL ? sl.data : "");
	buf_clear(&sl);
	if (dkim_signer_count(tx->signer) == 0) {
		dkim_signer_free(tx->signer);
		tx->signer = NULL;
		sign_enter_state(tx, SIGN_S_UNSIGNED, "no usable key");
		return;
	}
	sign_enter_state(tx, SIGN_S_SIGNING, NULL);
}

/*
 * sign_headers - the header block is complete: choose the keys.
 */
static void
sign_headers(void *arg, const char *block, size_t len,
    const struct rfc5322_hdr *hdr)
{
	struct sign_tx	*tx = arg;

	(void)block;
	(void)len;
	if (tx->state != SIGN_S_NEW)
		return;
	tx->hdr = hdr;
	if (hdr == NULL) {
		sign_enter_state(tx, SIGN_S_UNSIGNED,
		    "header block too large");
		return;
	}
	if (tx->kt == NULL) {
		sign_enter_state(tx, SIGN_S_UNSIGNED, "no key table");
		return;
	}
	if (sign_check_from(tx, hdr) == -1)
		return;
	sign_pick_keys(tx);
}

/*
 * sign_body - body bytes: into the body hash(es).
 */
static void
sign_body(void *arg, const char *p, size_t len)
{
	struct sign_tx	*tx = arg;

	if (tx->state == SIGN_S_SIGNING)
		dkim_signer_body(tx->signer, p, len);
}

/*
 * sign_eom - end of DATA: sign, or relay unsigned, or refuse.
 */
static void
sign_eom(void *arg, struct mode_result *res, mode_done_fn done,
    void *donearg)
{
	struct sign_tx	*tx = arg;
	struct metrics	*mx = worker_metrics(tx->w);
	char		 err[256];
	size_t		 i;

	if (tx->state == SIGN_S_NEW)
		sign_enter_state(tx, SIGN_S_UNSIGNED, "no header block");
	switch (tx->state) {
	case SIGN_S_SIGNING:
		if (dkim_signer_finish(tx->signer, tx->hdr, time(NULL),
		    &res->prepend, err, sizeof(err)) == -1) {
			log_warnx("%s sign failed: %s", tx->sid, err);
			res->action = MODE_TEMPFAIL;
			snprintf(res->reply, sizeof(res->reply),
			    "451 4.3.0 DKIM signing failed, try again later");
			snprintf(res->summary, sizeof(res->summary),
			    "dkim=tempfail (signing failed)");
			metrics_sign(mx, tx->lc, "tempfail");
			break;
		}
		res->action = MODE_ACCEPT;
		snprintf(res->summary, sizeof(res->summary), "dkim=signed %s",
		    tx->sigs);
		log_debug("%s sign signed %s", tx->sid, tx->sigs);
		metrics_sign(mx, tx->lc, "signed");
		for (i = 0; i < tx->nalgs; i++)
			metrics_signature(mx, tx->lc, tx->algs[i]);
		break;
	case SIGN_S_BADFROM:
		if (tx->conf != NULL &&
		    tx->conf->bad_from_action == BADFROM_REJECT) {
			res->action = MODE_REJECT;
			snprintf(res->reply, sizeof(res->reply),
			    "550 5.6.0 Message not signed: %s", tx->reason);
			snprintf(res->summary, sizeof(res->summary),
			    "dkim=reject (%s)", tx->reason);
			log_debug("%s sign reject: %s", tx->sid, tx->reason);
			metrics_sign(mx, tx->lc, "rejected");
			break;
		}
		/* FALLTHROUGH */
	default:
		res->action = MODE_ACCEPT;
		snprintf(res->summary, sizeof(res->summary),
		    "dkim=unsigned (%s)", tx->reason);
		log_debug("%s sign unsigned: %s", tx->sid, tx->reason);
		metrics_sign(mx, tx->lc, "unsigned");
		break;
	}
	done(donearg);
}

/*
 * sign_tx_free - release a transaction (nothing is ever pending).
 */
static void
sign_tx_free(void *arg)
{
	struct sign_tx	*tx = arg;

	if (tx == NULL)
		return;
	dkim_signer_free(tx->signer);
	free(tx->sid);
	free(tx);
}
