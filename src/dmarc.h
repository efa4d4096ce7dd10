/*
 * dmarc.h - DMARC as standardized in RFC 9989 (obsoleting RFC 7489 and
 * RFC 9091): policy discovery and Organizational Domains by the DNS Tree
 * Walk (RFC 9989 4.10; no public suffix list), identifier alignment, the
 * psd, np and t tags, on the asynchronous DNS of dns.h. Section numbers
 * below are those of RFC 9989 unless another RFC is named. The tags RFC
 * 9989 removed (pct, rf, ri: C.5.2, 9.3 "historic") are ignored, so an
 * RFC 7489 record with pct= is applied in full unless it says t=y.
 *
 * Two phases, so that policy discovery overlaps the message transfer:
 *   d = dmarc_new(base, dns, from)   as soon as the From domain is known:
 *                                    starts the Tree Walk from it
 *   dmarc_evaluate(d, auth, done, arg)
 *                                    when SPF and DKIM results are final;
 *                                    done runs exactly once, later, from
 *                                    the event loop (never from inside
 *                                    dmarc_evaluate)
 *   dmarc_free(d)                    always, by the caller, at any time
 *                                    (also from inside done); it cancels
 *                                    every pending query, and done is
 *                                    then never called
 * dmarc_check() does both steps at once.
 *
 * Bounds: at most DMARC_WALK_MAX queries per Tree Walk (4.10), one walk
 * for the From domain and one per distinct authenticated identifier (at
 * most DMARC_MAX_IDS of them), all sharing one cache of answers.
 *
 * Ownership: inputs are copied; the struct dmarc_result given to done
 * belongs to dmarc.c and stays valid until dmarc_free().
 */
#ifndef DKIMGATE_DMARC_H
#define DKIMGATE_DMARC_H

#include <stddef.h>

#include "dns.h"
#include "spf.h"

struct event_base;
struct dmarc_req;

#define DMARC_WALK_MAX		8	/* 4.10: queries per walk */
#define DMARC_MAX_IDS		8	/* identifiers looked at */
/* the longest record: a whole TXT RDATA (16-bit RDLENGTH, RFC 1035 3.2.1) */
#define DMARC_RECORD_MAX	65535
#define DMARC_DOMAIN_MAX	256
#define DMARC_REASON_MAX	160

/* the result names of 9.2 */
enum dmarc_res {
	DMARC_RES_NONE = 0,	/* no policy record applies */
	DMARC_RES_PASS,
	DMARC_RES_FAIL,
	DMARC_RES_TEMPERROR,
	DMARC_RES_PERMERROR
};

enum dmarc_policy {
	DMARC_POLICY_NONE = 0,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT
};

/* which tag the policy came from (4.10.1) */
enum dmarc_policy_tag {
	DMARC_TAG_P = 0,
	DMARC_TAG_SP,
	DMARC_TAG_NP
};

/*
 * A parsed policy record (4.7, 4.8). Tags with a syntax error are
 * reported as invalid (-2) and otherwise ignored; absent tags are -1
 * (policies, pct) or their default (alignment 'r', psd 'u', t 'n').
 * Unknown tags are ignored. pct (RFC 7489 6.3) is only reported: RFC
 * 9989 removed it (C.5.2) and nothing here applies it.
 */
struct dmarc_record {
	int	 p;		/* enum dmarc_policy, -1 absent, -2 invalid */
	int	 sp;
	int	 np;
	char	 adkim;		/* 'r' or 's' */
	char	 aspf;
	char	 psd;		/* 'y', 'n' or 'u' */
	char	 t;		/* 'y' or 'n' (the default) */
	int	 pct;		/* 0..100, -1 absent, -2 invalid; ignored */
	int	 rua_valid;	/* rua= holds a syntactically valid URI */
};

/*
 * A DKIM signature's outcome, as the verifier reports it. A signature
 * whose check failed for a temporary reason (temperror) makes the DMARC
 * result temperror instead of fail when its d= would have been aligned
 * (5.3.6); an unaligned one cannot, so a stray broken signature does
 * not turn a failure into a temperror.
 */
struct dmarc_dkim {
	const char	*domain;	/* d= */
	int		 pass;		/* the signature verified */
	int		 temperror;	/* it could not be checked for now */
};

/*
 * The authenticated identifiers (4.3, 4.4). spf_domain is the domain
 * SPF checked for the MAIL FROM identity: the MAIL FROM domain, or the
 * HELO domain for the null reverse-path (RFC 7208 2.4); it counts only
 * with spf == SPF_RES_PASS (SPF_RES_TEMPERROR: as a DKIM temperror
 * above). Pass spf = SPF_RES_NONE and spf_domain NULL when SPF was not
 * evaluated.
 */
struct dmarc_auth {
	enum spf_res		 spf;
	const char		*spf_domain;
	const struct dmarc_dkim	*dkim;
	size_t			 ndkim;
};

/*
 * The outcome.
 *   from_domain:   the Author Domain (header.from), lower case, A-labels
 *   policy_domain: where the applied record was found ("" for none)
 *   org_domain:    the Organizational Domain of the Author Domain, when
 *                  it was needed and determined ("" otherwise)
 *   policy:        the Domain Owner Assessment Policy that applies (from
 *                  p, sp or np: policy_tag); DMARC_POLICY_NONE with
 *                  result none, temperror or permerror
 *   disposition:   what the policy asks for this message: none for pass,
 *                  else the policy, lowered one step when the record says
 *                  t=y (4.7)
 *   testing:       1 when t=y lowered the disposition
 *   spf_aligned, dkim_aligned: an aligned pass exists
 *   dkim_domain:   the d= of the first aligned DKIM pass, or ""
 *   sec:           DNSSEC status of the answers the result rests on
 *   reason:        short text for logs and A-R comments (printable ASCII,
 *                  no parentheses or backslash)
 */
struct dmarc_result {
	enum dmarc_res		 result;
	char			 from_domain[DMARC_DOMAIN_MAX];
	char			 policy_domain[DMARC_DOMAIN_MAX];
	char			 org_domain[DMARC_DOMAIN_MAX];
	enum dmarc_policy	 policy;
	enum dmarc_policy_tag	 policy_tag;
	enum dmarc_policy	 disposition;
	int			 testing;
	int			 spf_aligned;
	int			 dkim_aligned;
	char			 dkim_domain[DMARC_DOMAIN_MAX];
	char			 adkim;
	char			 aspf;
	enum dns_sec		 sec;
	char			 reason[DMARC_REASON_MAX];
};

typedef void (*dmarc_done_fn)(void *arg, const struct dmarc_result *);

/*
 * dmarc_new - start DMARC for a message whose RFC5322.From field gave
 * the nfrom domains in from[] (5.3.1: exactly one Author Domain is
 * needed; with none, or several different ones, the result is permerror
 * and nothing is looked up). Domain names are compared and looked up as
 * A-labels: a label in UTF-8 is converted (5.3.1, RFC 5890 2.3.2.1,
 * Punycode of RFC 3492; ASCII letters are lowered, nothing else is
 * mapped). Returns the handle (never NULL for non-NULL base and dns).
 */
struct dmarc_req *dmarc_new(struct event_base *, struct dns *,
		    const char *const *from, size_t nfrom);

/*
 * dmarc_evaluate - supply the authenticated identifiers; done is called
 * once with the result. Call at most once per handle.
 */
void		 dmarc_evaluate(struct dmarc_req *, const struct dmarc_auth *,
		    dmarc_done_fn done, void *arg);

/* dmarc_free - cancel and free; accepts NULL */
void		 dmarc_free(struct dmarc_req *);

/* dmarc_check - dmarc_new() for one From domain, then dmarc_evaluate() */
struct dmarc_req *dmarc_check(struct event_base *, struct dns *,
		    const char *from_domain, const struct dmarc_auth *,
		    dmarc_done_fn done, void *arg);

/* dmarc_result_name, dmarc_policy_name - the 9.2 and 9.1 texts */
const char	*dmarc_result_name(enum dmarc_res);
const char	*dmarc_policy_name(enum dmarc_policy);

/*
 * dmarc_record_parse - pure parser (fuzzable): is p/len a DMARC policy
 * record ("v=DMARC1" first, 4.7, 4.8), and what does it say? Returns 0
 * and fills rec, or -1 when it is not a DMARC record.
 */
int		 dmarc_record_parse(const char *p, size_t len,
		    struct dmarc_record *rec);

#endif
