/*
 * mode.c - the mode table, the mode_result life cycle, and mode "pass",
 * which forwards every message untouched (the relay core on its own).
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "mode.h"

static void	*pass_tx_new(struct worker *, const struct mode_env *);
static void	 pass_headers(void *, const char *, size_t,
		    const struct rfc5322_hdr *);
static void	 pass_body(void *, const char *, size_t);
static void	 pass_eom(void *, struct mode_result *, mode_done_fn, void *);
static void	 pass_tx_free(void *);

/* pass has no per-message state; any non-NULL pointer will do */
static int	 pass_token;

const struct mode_ops mode_pass_ops = {
	"pass",
	pass_tx_new,
	pass_headers,
	pass_body,
	pass_eom,
	pass_tx_free
};

/*
 * mode_ops_get - the operations of a listener mode.
 */
const struct mode_ops *
mode_ops_get(enum listen_mode m)
{
	switch (m) {
	case MODE_SIGN:
		return &mode_sign_ops;
	case MODE_VERIFY:
		return &mode_verify_ops;
	case MODE_PASS:
	default:
		return &mode_pass_ops;
	}
}

#define PREPEND_MAX	(256 * 1024)	/* all added header fields */

void
mode_result_init(struct mode_result *r)
{
	memset(r, 0, sizeof(*r));
	r->action = MODE_ACCEPT;
	buf_init(&r->prepend, PREPEND_MAX);
}

void
mode_result_clear(struct mode_result *r)
{
	buf_clear(&r->prepend);
	free(r->drop);
	r->drop = NULL;
	r->ndrop = 0;
}

static void *
pass_tx_new(struct worker *w, const struct mode_env *env)
{
	return &pass_token;
}

static void
pass_headers(void *tx, const char *block, size_t len,
    const struct rfc5322_hdr *hdr)
{
}

static void
pass_body(void *tx, const char *p, size_t len)
{
}

static void
pass_eom(void *tx, struct mode_result *res, mode_done_fn done, void *arg)
{
	res->action = MODE_ACCEPT;
	done(arg);
}

static void
pass_tx_free(void *tx)
{
}
