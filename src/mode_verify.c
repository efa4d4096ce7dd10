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
 * (DKIM, SPF, DMARC); verify_write() runs when the last one is done.
 *
 * SPF and DMARC (spf.h, dmarc.h): SPF starts with the transaction (its
 * inputs are the SMTP facts of mode_env), DMARC policy discovery as soon
 * as the From field is known; DMARC evaluation starts once both SPF and
 * DKIM are final. Their results join the same Authentication-Results
 * field; a DMARC failure whose policy is reject is refused with 550 5.7.1
 * on a before-queue listener with dmarc_reject, and otherwise treated as
 * quarantine (RFC 9989 7.4: never reject solely on p=reject unless told
 * to), which adds dmarc_quarantine_header.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "config.h"
#include "dkim_verify.h"
#include "dmarc.h"
#include "dns.h"
#include "log.h"
#include "metrics.h"
#include "mode.h"
#include "rfc5322.h"
#include "spf.h"
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
	int			 dkim_started;	/* headers() ran */
	int			 dkim_done;

	/* SPF and DMARC (spf.h, dmarc.h); states 0 off, 1 running, 2 done */
	int			 spf_state;
	struct spf_req		*spf;
	struct spf_result	 spfres;
	int			 dmarc_state;	/* 1 discovery, 2 evaluating */
	struct dmarc_req	*dmarc;
	const struct dmarc_result *dmarcres;	/* valid until dmarc_free */
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
static void	 verify_spf_start(struct verify_tx *);
static void	 verify_spf_done(void *, const struct spf_result *);
static void	 verify_dmarc_start(struct verify_tx *,
		    const struct rfc5322_hdr *);
static void	 verify_dmarc_eval(struct verify_tx *);
static void	 verify_dmarc_done(void *, const struct dmarc_result *);
static void	 verify_write_spf_dmarc(struct verify_tx *, struct authres *);
static enum dmarc_policy verify_dmarc_applied(const struct verify_tx *);
static void	 verify_finish_spf_dmarc(struct verify_tx *);
static void	 verify_metrics(struct verify_tx *);

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
	verify_spf_start(tx);
	return tx;
}

/*
 * verify_headers - the header block is complete: start the DKIM stage (key
 * look-ups overlap the body).
 */
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
	tx->dkim_started = 1;
	verify_dmarc_start(tx, hdr);
}

/*
 * verify_body - body bytes feed the body hashes.
 */
static void
verify_body(void *arg, const char *p, size_t len)
{
	struct verify_tx	*tx = arg;

	dkim_verify_body(tx->dkim, p, len);
}

/*
 * verify_eom - the final dot: finish the DKIM stage; done runs when every
 * stage is.
 */
static void
verify_eom(void *arg, struct mode_result *res, mode_done_fn done,
    void *done_arg)
{
	struct verify_tx	*tx = arg;

	tx->res = res;
	tx->done = done;
	tx->done_arg = done_arg;
	tx->eom = 1;
	if (!tx->dkim_started) {
		/* headers() was never called: nothing to examine */
		tx->dkim_done = 1;
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
	char					 d[128], s[128], why[256];
	size_t					 i;

	for (i = 0; i < dkim_verify_count(tx->dkim); i++) {
		r = dkim_verify_result(tx->dkim, i);
		if (r->result == DKIM_RESULT_PASS)
			continue;
		log_info("%s dkim=%s d=%s s=%s reason=\"%s\"",
		    tx->env->session_id, dkim_result_name(r->result),
		    log_escape(d, sizeof(d), r->d, strlen(r->d)),
		    log_escape(s, sizeof(s), r->s, strlen(r->s)),
		    log_escape(why, sizeof(why), r->reason != NULL ?
		    r->reason : "", r->reason != NULL ? strlen(r->reason) : 0));
	}
	tx->dkim_done = 1;
	verify_dmarc_eval(tx);
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
	verify_write_spf_dmarc(tx, ar);
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
	verify_metrics(tx);

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
	verify_finish_spf_dmarc(tx);
}

/*
 * verify_tx_free - free the message state, cancelling every pending
 * look-up.
 */
/*
 * verify_metrics - count this message's results (metrics.h): one per
 * DKIM signature ("none" when unsigned), the SPF and the DMARC result.
 */
static void
verify_metrics(struct verify_tx *tx)
{
	struct metrics			*m = worker_metrics(tx->w);
	const struct listener_conf	*lc = tx->env->listener;
	size_t				 i, n = dkim_verify_count(tx->dkim);

	for (i = 0; i < n; i++)
		metrics_result(m, lc, METRICS_DKIM, dkim_result_name(
		    dkim_verify_result(tx->dkim, i)->result));
	if (n == 0)
		metrics_result(m, lc, METRICS_DKIM, "none");
	if (tx->spf_state == 2)
		metrics_result(m, lc, METRICS_SPF,
		    spf_result_name(tx->spfres.result));
	if (tx->dmarcres != NULL)
		metrics_result(m, lc, METRICS_DMARC,
		    dmarc_result_name(tx->dmarcres->result));
}

static void
verify_tx_free(void *arg)
{
	struct verify_tx	*tx = arg;

	if (tx == NULL)
		return;
	dkim_verify_free(tx->dkim);
	spf_cancel(tx->spf);
	dmarc_free(tx->dmarc);
	free(tx);
}

/* ---- SPF and DMARC (spf.h, dmarc.h) ---- */

/*
 * verify_spf_start - RFC 7208 check_host() for the MAIL FROM identity
 * (postmaster@HELO for the null reverse-path, RFC 7208 2.4), from the
 * start of the transaction. Not evaluated when disabled or when the
 * client address is unknown.
 */
static void
verify_spf_start(struct verify_tx *tx)
{
	struct spf_input	 in;
	struct dns		*dns;

	if (!tx->conf->spf_enable || tx->env->client_addr[0] == '\0')
		return;
	memset(&in, 0, sizeof(in));
	in.client_ip = tx->env->client_addr;
	in.helo = tx->env->helo;
	in.mail_from = tx->env->mail_from;
	in.receiver = tx->conf->myhostname[0] != '\0' ?
	    tx->conf->myhostname : tx->conf->authserv_id;
	in.identity = SPF_ID_MAILFROM;
	tx->spf_state = 1;
	if ((dns = worker_dns(tx->w)) == NULL ||
	    (tx->spf = spf_check(worker_base(tx->w), dns, &in,
	    verify_spf_done, tx)) == NULL) {
		tx->spfres.result = SPF_RES_TEMPERROR;
		tx->spfres.identity = tx->env->mail_from[0] != '\0' ?
		    SPF_ID_MAILFROM : SPF_ID_HELO;
		snprintf(tx->spfres.reason, sizeof(tx->spfres.reason),
		    "no DNS resolver");
		tx->spf_state = 2;
		return;
	}
	tx->waiting++;		/* the SPF stage */
}

/*
 * verify_spf_done - the SPF result (the request frees itself after this
 * callback); DMARC may now be able to proceed.
 */
static void
verify_spf_done(void *arg, const struct spf_result *r)
{
	struct verify_tx	*tx = arg;
	char			 d[128], why[256];

	tx->spf = NULL;
	tx->spfres = *r;
	tx->spf_state = 2;
	if (r->result != SPF_RES_PASS)
		log_info("%s spf=%s identity=%s domain=%s reason=\"%s\"",
		    tx->env->session_id, spf_result_name(r->result),
		    r->identity == SPF_ID_HELO ? "helo" : "mailfrom",
		    log_escape(d, sizeof(d), r->domain, strlen(r->domain)),
		    log_escape(why, sizeof(why), r->reason, strlen(r->reason)));
	verify_dmarc_eval(tx);
	verify_stage_done(tx);
}

/*
 * verify_dmarc_start - DMARC policy discovery from the RFC5322.From
 * domain(s), while the body still arrives (RFC 9989 5.3.1, 5.3.2).
 */
static void
verify_dmarc_start(struct verify_tx *tx, const struct rfc5322_hdr *hdr)
{
	char			 addrs[8][256];
	const char		*dom[8];
	const char		*d;
	const struct rfc5322_field *f;
	struct dns		*dns;
	size_t			 i, nd = 0, k;
	int			 n, j;

	if (!tx->conf->dmarc_enable)
		return;
	/* the distinct domains of every From field (at most 8 kept) */
	for (i = 0; hdr != NULL && i < hdr->nfields; i++) {
		f = &hdr->fields[i];
		if (!rfc5322_name_eq(f, "From"))
			continue;
		n = rfc5322_parse_mailboxes(f->value, f->valuelen, addrs, 8);
		if (n > 8 && nd < 8)
			dom[nd++] = "";	/* more than we keep: "several" */
		for (j = 0; j < n && j < 8; j++) {
			if ((d = rfc5322_addr_domain(addrs[j])) == NULL)
				d = "";
			for (k = 0; k < nd; k++)
				if (strcasecmp(dom[k], d) == 0)
					break;
			if (k == nd && nd < 8)
				dom[nd++] = d[0] != '\0' ? xstrdup(d) : "";
		}
	}
	tx->dmarc_state = 1;
	if ((dns = worker_dns(tx->w)) != NULL)
		tx->dmarc = dmarc_new(worker_base(tx->w), dns, dom, nd);
	for (k = 0; k < nd; k++)
		if (dom[k][0] != '\0')
			free((char *)(uintptr_t)dom[k]);
	if (tx->dmarc == NULL) {
		tx->dmarc_state = 0;	/* no resolver: not evaluated */
		return;
	}
	tx->waiting++;		/* the DMARC stage */
}

/*
 * verify_dmarc_eval - with SPF and DKIM final, evaluate DMARC (RFC 9989
 * 5.3.3 to 5.3.5).
 */
static void
verify_dmarc_eval(struct verify_tx *tx)
{
	struct dmarc_dkim	 dk[DKIM_VERIFY_REPORT_MAX];
	struct dmarc_auth	 auth;
	const struct dkim_verify_result *r;
	size_t			 i, n = 0;

	if (tx->dmarc_state != 1 || !tx->dkim_done || tx->spf_state == 1)
		return;
	memset(&auth, 0, sizeof(auth));
	if (tx->spf_state == 2) {
		auth.spf = tx->spfres.result;
		auth.spf_domain = tx->spfres.domain;
	} else
		auth.spf = SPF_RES_NONE;
	for (i = 0; i < dkim_verify_count(tx->dkim) &&
	    n < DKIM_VERIFY_REPORT_MAX; i++) {
		r = dkim_verify_result(tx->dkim, i);
		if (!r->have_tags)
			continue;
		dk[n].domain = r->d;
		/*
		 * A key in test mode (t=y) must not make mail count as
		 * signed (RFC 6376 3.6.1): its pass does not help DMARC.
		 */
		dk[n].pass = r->result == DKIM_RESULT_PASS && !r->testing;
		dk[n].temperror = r->result == DKIM_RESULT_TEMPERROR;
		n++;
	}
	auth.dkim = dk;
	auth.ndkim = n;
	tx->dmarc_state = 2;
	dmarc_evaluate(tx->dmarc, &auth, verify_dmarc_done, tx);
}

/*
 * verify_dmarc_done - the DMARC result (valid until dmarc_free, in
 * verify_tx_free).
 */
static void
verify_dmarc_done(void *arg, const struct dmarc_result *r)
{
	struct verify_tx	*tx = arg;
	char			 d[128], why[256];

	tx->dmarcres = r;
	if (r->result != DMARC_RES_PASS && r->result != DMARC_RES_NONE)
		log_info("%s dmarc=%s from=%s policy=%s disposition=%s "
		    "reason=\"%s\"", tx->env->session_id,
		    dmarc_result_name(r->result), log_escape(d, sizeof(d),
		    r->from_domain, strlen(r->from_domain)),
		    dmarc_policy_name(r->policy),
		    dmarc_policy_name(r->disposition),
		    log_escape(why, sizeof(why), r->reason, strlen(r->reason)));
	verify_stage_done(tx);
}

/*
 * verify_dmarc_applied - what we do about a DMARC result: reject only on
 * a before-queue listener with dmarc_reject; a reject disposition is
 * otherwise handled as quarantine (RFC 9989 7.4).
 */
static enum dmarc_policy
verify_dmarc_applied(const struct verify_tx *tx)
{
	const struct dmarc_result	*r = tx->dmarcres;

	if (r == NULL || r->result != DMARC_RES_FAIL)
		return DMARC_POLICY_NONE;
	if (r->disposition == DMARC_POLICY_REJECT &&
	    !(tx->env->before_queue && tx->conf->dmarc_reject))
		return DMARC_POLICY_QUARANTINE;
	return r->disposition;
}

/*
 * verify_write_spf_dmarc - the spf= and dmarc= results (RFC 8601 2.7.2,
 * RFC 7208 9.1, RFC 9989 9.1) in the Authentication-Results field.
 */
static void
verify_write_spf_dmarc(struct verify_tx *tx, struct authres *ar)
{
	const struct spf_result		*s = &tx->spfres;
	const struct dmarc_result	*r = tx->dmarcres;
	struct authres_prop		 props[2];
	enum dmarc_policy		 applied;
	char				 comment[256];
	size_t				 np = 0;

	if (tx->spf_state == 2) {
		if (tx->env->mail_from[0] != '\0') {
			props[np].ptype = "smtp";
			props[np].property = "mailfrom";
			props[np].value = tx->env->mail_from;
			props[np++].len = AUTHRES_STRLEN;
		}
		if (tx->env->helo[0] != '\0') {
			props[np].ptype = "smtp";
			props[np].property = "helo";
			props[np].value = tx->env->helo;
			props[np++].len = AUTHRES_STRLEN;
		}
		snprintf(comment, sizeof(comment), "%s%s", s->reason,
		    s->domain[0] == '\0' || s->result == SPF_RES_TEMPERROR ?
		    "" : s->sec == DNS_SEC_SECURE ? "; secure" : "; insecure");
		if (authres_add(ar, "spf", spf_result_name(s->result),
		    s->explanation[0] != '\0' ? s->explanation : NULL,
		    comment, props, np) == -1)
			log_warnx("%s cannot add the SPF result",
			    tx->env->session_id);
	}
	applied = verify_dmarc_applied(tx);
	if (r != NULL) {
		if (r->result == DMARC_RES_PASS || r->result == DMARC_RES_FAIL)
			snprintf(comment, sizeof(comment), "p=%s dis=%s%s",
			    dmarc_policy_name(r->policy),
			    dmarc_policy_name(applied),
			    tx->spf_state != 2 ? "; spf not evaluated" : "");
		else
			snprintf(comment, sizeof(comment), "%s", r->reason);
		props[0].ptype = "header";
		props[0].property = "from";
		props[0].value = r->from_domain[0] != '\0' ?
		    r->from_domain : NULL;
		props[0].len = AUTHRES_STRLEN;
		/* RFC 9989 9.1: policy.dmarc, the policy applied (after
		 * t=y; a reject not enforced is quarantine, 7.4) */
		props[1].ptype = "policy";
		props[1].property = "dmarc";
		props[1].value = r->result == DMARC_RES_PASS ||
		    r->result == DMARC_RES_FAIL ? dmarc_policy_name(applied) :
		    NULL;
		props[1].len = AUTHRES_STRLEN;
		if (authres_add(ar, "dmarc", dmarc_result_name(r->result),
		    NULL, comment, props, 2) == -1)
			log_warnx("%s cannot add the DMARC result",
			    tx->env->session_id);
	}

}

/*
 * verify_finish_spf_dmarc - after the field is written: the summary for
 * the log line, the DNS failure policy for SPF and DMARC temperrors, the
 * reply for a DMARC reject (which stands over any tempfail: the DMARC
 * outcome is final) and the quarantine header.
 */
static void
verify_finish_spf_dmarc(struct verify_tx *tx)
{
	const struct spf_result		*s = &tx->spfres;
	const struct dmarc_result	*r = tx->dmarcres;
	struct mode_result		*res = tx->res;
	enum dmarc_policy		 applied = verify_dmarc_applied(tx);
	size_t				 l;

	/* the per-message log line, after "dkim=...": what was evaluated
	 * (dmarc only when a policy applied) */
	l = strlen(res->summary);
	if (tx->spf_state == 2)
		snprintf(res->summary + l, sizeof(res->summary) - l,
		    " spf=%s", spf_result_name(s->result));
	l = strlen(res->summary);
	if (r != NULL && r->result != DMARC_RES_NONE)
		snprintf(res->summary + l, sizeof(res->summary) - l,
		    " dmarc=%s", dmarc_result_name(r->result));

	/* SPF and DMARC temperrors follow the same DNS failure policy */
	if (res->action == MODE_ACCEPT &&
	    tx->conf->dns_failure_action == DNSFAIL_TEMPFAIL &&
	    ((tx->spf_state == 2 && s->result == SPF_RES_TEMPERROR) ||
	    (r != NULL && r->result == DMARC_RES_TEMPERROR))) {
		res->action = MODE_TEMPFAIL;
		snprintf(res->reply, sizeof(res->reply), "451 4.7.5 "
		    "Temporary failure checking %s, try again later",
		    r != NULL && r->result == DMARC_RES_TEMPERROR ? "DMARC" :
		    "SPF");
	}

	if (applied == DMARC_POLICY_REJECT) {
		/* RFC 9989 7.2: say "DMARC" in the reply */
		res->action = MODE_REJECT;
		snprintf(res->reply, sizeof(res->reply), "550 5.7.1 Email "
		    "rejected per DMARC policy for %s", r->from_domain);
	} else if (applied == DMARC_POLICY_QUARANTINE &&
	    tx->conf->dmarc_quarantine_header[0] != '\0') {
		buf_adds(&res->prepend, tx->conf->dmarc_quarantine_header);
		buf_adds(&res->prepend, "\r\n");
	}
}
