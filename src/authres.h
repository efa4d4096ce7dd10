/*
 * authres.h - the Authentication-Results header field (RFC 8601): a small
 * builder that collects one result per method evaluation (dkim, spf,
 * dmarc, ...) and writes one folded field, and the detection of forged
 * fields that claim our authserv-id (RFC 8601 section 5), which the
 * verify mode drops when forwarding.
 *
 * Everything that comes from a message or from DNS (domains, selectors,
 * identities, reasons) is untrusted: the builder writes each value as an
 * RFC 2045 token, an RFC 5322 local-part "@" domain-name, or a quoted-
 * string (RFC 8601 2.2, RFC 6532 3.2), and each comment with "(", ")"
 * and "\" escaped, so no input can end a value, a comment or the field
 * early. CR, LF, other control bytes and invalid UTF-8 become "?".
 * Method, result, ptype and property names are the caller's constants
 * and must be RFC 5321 Keywords; anything else is refused.
 *
 * Usage (verify mode; SPF and DMARC add theirs to the same builder):
 *   ar = authres_new(authserv_id);
 *   authres_add(ar, "dkim", "pass", NULL, "2048-bit key; secure",
 *       props, nprops);
 *   authres_finish(ar, &out, "\r\n");
 *   authres_free(ar);
 *
 * Ownership: the builder copies what it is given; authres_free() frees
 * it. authres_finish() appends to the caller's capped buffer.
 */
#ifndef DKIMGATE_AUTHRES_H
#define DKIMGATE_AUTHRES_H

#include <stddef.h>

#include "buf.h"
#include "rfc5322.h"

#define AUTHRES_FIELD		"Authentication-Results"
#define AUTHRES_WIDTH		78	/* fold lines at this many columns */
#define AUTHRES_MAX_RESULTS	64	/* more are counted and dropped */
#define AUTHRES_VALUE_MAX	512	/* untrusted values are cut here */

struct authres;

/* one property: ptype "." property "=" value, e.g. header.d=example.com */
struct authres_prop {
	const char	*ptype;		/* "header", "smtp", "policy", ... */
	const char	*property;	/* "d", "s", "b", "mailfrom", ... */
	const char	*value;		/* untrusted text, not NUL-terminated
					 * when len is given */
	size_t		 len;		/* AUTHRES_STRLEN: use strlen(value) */
};
#define AUTHRES_STRLEN	((size_t)-1)

/*
 * authres_new - a builder for the field our authserv-id (RFC 8601 2.5,
 * usually the host name) heads.
 */
struct authres	*authres_new(const char *authserv_id);
void		 authres_free(struct authres *);

/*
 * authres_add - add one resinfo:
 *   method "=" result [ "(" comment ")" ] [ reason="..." ] props
 * reason and comment may be NULL; props may be NULL with nprops 0; a prop
 * whose value is NULL is skipped. Returns 0, or -1 if a name is not a
 * Keyword or AUTHRES_MAX_RESULTS results are already there (nothing is
 * added).
 */
int		 authres_add(struct authres *, const char *method,
		    const char *result, const char *reason,
		    const char *comment, const struct authres_prop *,
		    size_t nprops);

/* authres_count - results added so far */
size_t		 authres_count(const struct authres *);

/*
 * authres_finish - append the whole field, "Authentication-Results: "
 * authserv-id ";" resinfo... with eol ("\r\n" on the wire, "\n" for a
 * terminal) after each line, folded at AUTHRES_WIDTH columns (each
 * resinfo starts a new line; long ones continue on further lines). With
 * no results the field says "none" (RFC 8601 2.2 no-result). Returns 0,
 * or -1 if out hit its cap. May be called more than once.
 */
int		 authres_finish(const struct authres *, struct buf *out,
		    const char *eol);

/*
 * authres_id_of - extract the authserv-id of an existing A-R field value
 * (the text after the colon) into id (idsz bytes, NUL-terminated,
 * unquoted). Returns 0, or -1 if the value does not start with a valid
 * authserv-id.
 */
int		 authres_id_of(const char *value, size_t len, char *id,
		    size_t idsz);

/*
 * authres_claims - 1 if an existing A-R field value claims authserv_id
 * (case-insensitive, a final dot ignored). A field whose authserv-id does
 * not parse is also checked with a lenient reading (the first word, as a
 * careless consumer would take it), so a malformed forgery cannot slip
 * through.
 */
int		 authres_claims(const char *value, size_t len,
		    const char *authserv_id);

/*
 * authres_forged - indices of every Authentication-Results field in hdr
 * that claims authserv_id (RFC 8601 section 5), for mode_result.drop:
 * *drop is malloc'ed (NULL when there are none; the caller frees it) and
 * *ndrop set. Returns *ndrop.
 */
size_t		 authres_forged(const struct rfc5322_hdr *,
		    const char *authserv_id, size_t **drop, size_t *ndrop);

#endif
