/*
 * mode_verify.c - the "verify" listener mode (mode.h): DKIM verification
 * of every signature (dkim_verify.h), one Authentication-Results field
 * prepended (authres.h), forged Authentication-Results fields that carry
 * our authserv-id dropped (RFC 8601 section 5).
 *
 * headers(): parse the signatures and start the key look-ups, so DNS
 * overlaps the body transfer; body(): stream the body hashes; eom():
 * decide once every look-up has answered or timed out (dns_timeout), then
 * write the field. DNS trouble is a temperror in the field and the
 * message is delivered; with dns_failure_action = tempfail a temperror
 * gives 451 4.7.5 instead, so Postfix retries later.
 *
 * The checks run as independent stages that each count down tx->waiting
 * (today only DKIM; SPF and DMARC join here); verify_write() runs when
 * the last one is done.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "config.h"
#include "dkim_verify.h"
#include "dns.h"
#include "log.h"
#include "mode.h"
#include "rfc5322.h"
#include "worker.h"
#include "xmalloc.h"

#define VERIFY_CACHE_KEYS	256	/* parsed key records per process */

struct verify_tx {
	struct worker		*w;
	const struct mode_env	*env;
	const struct config	*conf;
	const struct rfc5322_hdr *hdr;
	struct dkim_verify	*dkim;
	int			 waiting;	/* stages not yet done */
	int			 eom;
	struct mode_result	*res;
	mode_done_fn		 done;
	void			*done_arg;
};

static void	*verify_tx_new(struct worker *, const struct mode_env *);
static void	 verify_headers(void *, const char *, size_t,
		    const struct rfc5322_hdr *);
static void	 verify_body(void *, const char *, size_t);
static void	 verify_eom(void *, struct mode_result *, mode_done_fn,
		    void *);
static void	 verify_tx_free(void *);
static void	 verify_dkim_done(void *);
static void	 verify_stage_done(struct verify_tx *);
static void	 verify_write(struct verify_tx *);

const struct mode_ops mode_verify_ops = {
	"verify",
	verify_tx_new,
	verify_headers,
	verify_body,
	verify_eom,
	verify_tx_free
};

/* parsed key records, shared by every message of this process */
static struct dkim_verify_cache *verify_cache;

/*
 * verify_tx_new - per-message state; the worker's resolver is made on
 * first use (NULL if it cannot be: signatures then give temperror).
 */
static void *
verify_tx_new(struct worker *w, const struct mode_env *env)
{
	struct verify_tx	*tx;
	struct dkim_verify_conf	 dc;

	if (verify_cache == NULL)
		verify_cache = dkim_verify_cache_new(VERIFY_CACHE_KEYS);
	tx = xcalloc(1, sizeof(*tx));
	tx->w = w;
	tx->env = env;
	tx->conf = worker_config(w);
	memset(&dc, 0, sizeof(dc));
	dc.max_signatures = (size_t)tx->conf->max_signatures;
	dc.min_rsa_bits = (unsigned)tx->conf->dkim_min_rsa_bits;
	dc.skew = -1;
	dc.cache = verify_cache;
	tx->dkim = dkim_verify_new(worker_dns(w), &dc);
	return tx;
}

static void
verify_headers(void *arg, const char *block, size_t len,
    const struct rfc5322_hdr *hdr)
{
	struct verify_tx	*tx = arg;

	(void)block;
	(void)len;
	tx->hdr = hdr;
	dkim_verify_headers(tx->dkim, hdr);
	tx->waiting++;		/* the DKIM stage */
}

static void
verify_body(void *arg, const char *p, size_t len)
{
	struct verify_tx	*tx = arg;

	dkim_verify_body(tx->dkim, p, len);
}

static void
verify_eom(void *arg, struct mode_result *res, mode_done_fn done,
    void *done_arg)
{
	struct verify_tx	*tx = arg;

	tx->res = res;
	tx->done = done;
	tx->done_arg = done_arg;
	tx->eom = 1;
	if (tx->waiting == 0) {
		/* headers() was never called: nothing to examine */
		tx->waiting++;
		verify_stage_done(tx);
		return;
	}
	dkim_verify_eom(tx->dkim, verify_dkim_done, tx);
}

/*
 * verify_dkim_done - every signature has its result.
 */
static void
verify_dkim_done(void *arg)
{
	struct verify_tx			*tx = arg;
	const struct dkim_verify_result		*r;
	char					 d[128], s[128];
	size_t					 i;

	for (i = 0; i < dkim_verify_count(tx->dkim); i++) {
		r = dkim_verify_result(tx->dkim, i);
		if (r->result == DKIM_RESULT_PASS)
			continue;
		log_info("%s dkim=%s d=%s s=%s reason=\"%s\"",
		    tx->env->session_id, dkim_result_name(r->result),
		    log_escape(d, sizeof(d), r->d, strlen(r->d)),
		    log_escape(s, sizeof(s), r->s, strlen(r->s)),
		    r->reason != NULL ? r->reason : "");
	}
	verify_stage_done(tx);
}

/*
 * verify_stage_done - one stage finished; write the result after the
 * last one.
 */
static void
verify_stage_done(struct verify_tx *tx)
{
	if (--tx->waiting > 0 || !tx->eom)
		return;
	verify_write(tx);
	tx->done(tx->done_arg);
}

/*
 * verify_write - the Authentication-Results field, the forged fields to
 * drop, the summary, and the DNS failure policy.
 */
static void
verify_write(struct verify_tx *tx)
{
	struct mode_result	*res = tx->res;
	struct authres		*ar;
	size_t			 i;
	int			 temperror = 0;

	ar = authres_new(tx->conf->authserv_id);
	if (dkim_verify_authres(tx->dkim, ar) == -1)
		log_warnx("%s too many results for one "
		    "Authentication-Results field", tx->env->session_id);
	if (authres_finish(ar, &res->prepend, "\r\n") == -1)
		log_warnx("%s Authentication-Results field too large",
		    tx->env->session_id);
	authres_free(ar);
	authres_forged(tx->hdr, tx->conf->authserv_id, &res->drop,
	    &res->ndrop);
	if (res->ndrop > 0)
		log_info("%s removed %zu Authentication-Results field(s) "
		    "claiming %s", tx->env->session_id, res->ndrop,
		    tx->conf->authserv_id);
	dkim_verify_summary(tx->dkim, res->summary, sizeof(res->summary));

	for (i = 0; i < dkim_verify_count(tx->dkim); i++)
		if (dkim_verify_result(tx->dkim, i)->result ==
		    DKIM_RESULT_TEMPERROR)
			temperror = 1;
	if (temperror && tx->conf->dns_failure_action == DNSFAIL_TEMPFAIL) {
		res->action = MODE_TEMPFAIL;
		snprintf(res->reply, sizeof(res->reply), "451 4.7.5 "
		    "Temporary failure verifying DKIM signatures, try again "
		    "later");
	}
}

static void
verify_tx_free(void *arg)
{
	struct verify_tx	*tx = arg;

	if (tx == NULL)
		return;
	dkim_verify_free(tx->dkim);
	free(tx);
}
