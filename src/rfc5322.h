/*
 * rfc5322.h - split a header block into fields; parse the From field.
 *
 * Pure functions over (ptr, len); nothing relies on a NUL terminator.
 * The field array points into the caller's block, which must outlive it;
 * rfc5322_hdr_clear() frees only the array.
 *
 * Input is the header block as the mode sees it: dot-stuffing removed,
 * every line ending in CRLF, the terminating empty line excluded.
 */
#ifndef DKIMGATE_RFC5322_H
#define DKIMGATE_RFC5322_H

#include <stddef.h>
#include <sys/types.h>

struct rfc5322_field {
	const char	*name;		/* field name (no colon) */
	size_t		 namelen;
	const char	*raw;		/* whole field incl. folding and CRLF */
	size_t		 rawlen;
	const char	*value;		/* after the colon, up to final CRLF */
	size_t		 valuelen;
};

struct rfc5322_hdr {
	struct rfc5322_field *fields;
	size_t		 nfields;
	size_t		 cap;
	size_t		 nbad;		/* lines that are not a field */
};

void	rfc5322_hdr_init(struct rfc5322_hdr *);
void	rfc5322_hdr_clear(struct rfc5322_hdr *);

/*
 * rfc5322_parse - split block into fields (at most maxfields; more sets
 * nbad). A line without a colon, or a continuation line before any field,
 * is counted in nbad and skipped. Returns 0, or -1 when maxfields was hit.
 */
int	rfc5322_parse(struct rfc5322_hdr *, const char *block, size_t len,
	    size_t maxfields);

/* rfc5322_find - next field named name (case-insensitive) at or after
 * index from; returns its index or -1 */
ssize_t	rfc5322_find(const struct rfc5322_hdr *, const char *name,
	    size_t from);
size_t	rfc5322_count(const struct rfc5322_hdr *, const char *name);

/* rfc5322_name_eq - case-insensitive compare of a field name */
int	rfc5322_name_eq(const struct rfc5322_field *, const char *name);

/*
 * rfc5322_parse_mailboxes - parse an address field value (From, Sender,
 * ...): mailbox-list or address-list with display names, quoted strings,
 * comments, angle addresses, groups and obsolete forms. For each mailbox
 * found, its addr-spec (comments and folding removed, local part kept as
 * written, domain lower-cased) is stored, NUL-terminated, in addrs[i]
 * (each of size addrsz). Returns the number of mailboxes found (may
 * exceed maxaddrs: only the first maxaddrs are stored), or -1 if the
 * value does not parse (then no slot holds a partial result: slots are
 * untouched or hold ""). An addr-spec longer than 255 bytes is an error,
 * never cut. addrs may be NULL when maxaddrs is 0 (just count).
 */
int	rfc5322_parse_mailboxes(const char *value, size_t len,
	    char addrs[][256], int maxaddrs);

/*
 * rfc5322_addr_domain - pointer to the domain part of an addr-spec
 * stored by rfc5322_parse_mailboxes (after the last '@'), or NULL.
 */
const char *rfc5322_addr_domain(const char *addr);

#endif
