/*
 * keytable.h - signing keys and the signing table: which key(s) sign a
 * message, chosen by its RFC5322.From address.
 *
 * Formats read (see dkimgate.conf(5), "KEY AND SIGNING TABLES"):
 *   - key_list: dkim-filter's KeyList, "sender-pattern:domain:keypath",
 *     the selector being the file name part of keypath, as dkim-filter
 *     did; lines tried in file order.
 *   - key_table + signing_table: OpenDKIM's KeyTable ("name
 *     domain:selector:keypath") and SigningTable ("pattern name
 *     [signer]"); "refile:" before the signing table path makes its
 *     patterns wildcards tried in file order, otherwise the keys are
 *     looked up as OpenDKIM does for plain files: user@host, host,
 *     user@.parent..., .parent..., user@*, *.
 *   - key_table alone: dkimgate's own table, "pattern domain selector
 *     keypath [i=identity]", looked up like a plain signing table (most
 *     specific pattern first: address, domain, nearest parent domain, *).
 * In every format, all entries that carry the winning pattern apply, so
 * listing a pattern twice (RSA and Ed25519 keys, say) signs twice.
 *
 * Life cycle: the supervisor calls keytable_load() before dropping
 * privileges and again on SIGHUP; a failed reload keeps the old table.
 * Every key is parsed once here; lookups allocate nothing. A table is
 * read-only once loaded and is shared by the workers through fork.
 * The sign policy (header list, canonicalization, x=) compiled from the
 * same configuration lives in the table too, so both change together.
 *
 * Key rotation: a key may have a successor key, named in the table
 * (dkimgate's own format: a line with "successor-of=SELECTOR", which
 * adds no rule of its own) or in successor_table (OpenDKIM: "OLDNAME
 * NEWNAME" KeyTable names; KeyList: "OLDKEYPATH NEWKEYPATH", the new
 * selector being the new file's name). A successor has the same fixed
 * domain as its key, has no successor itself, and takes over wherever
 * its key would sign once the supervisor found its record published
 * (keyrot.h). That decision reaches the workers through a shared word
 * per successor (keytable_rotation_bind): 0 = not yet, else the time it
 * took over; for rotation_overlap seconds after that time lookups
 * return both keys, later the successor alone. An unbound successor
 * (the command line) never takes over.
 */
#ifndef DKIMGATE_KEYTABLE_H
#define DKIMGATE_KEYTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "crypto.h"

struct dkim_sign_policy;

#define KEYTABLE_MAX_MATCH	8	/* signatures per message */
#define KEYTABLE_LINE_MAX	4096	/* longest table line */
#define KEYTABLE_MAX_ENTRIES	1000000	/* lines per table */

/* one signing key, read-only after loading */
struct keytable_key {
	char			*name;		/* KeyTable name, or "sel@dom" */
	char			*domain;	/* d=; "%" = the From domain */
	char			*selector;	/* s= */
	char			*path;		/* key file */
	char			*where;		/* "FILE:LINE" it came from */
	struct crypto_key	*key;
	enum crypto_alg		 alg;
	unsigned		 bits;
	/* key rotation (set by keytable_load, read-only after it) */
	const struct keytable_key *successor;	/* or NULL */
	const struct keytable_key *predecessor;	/* of a successor, or NULL */
	int64_t			*switched;	/* successor: shared word, or
						 * NULL (see above) */
};

/* one signature to make, as returned by keytable_lookup() */
struct keytable_match {
	const struct keytable_key *key;
	const char		*domain;	/* d= to use (never "%") */
	size_t			 domainlen;
	const char		*signer;	/* i= template or NULL; "%" in
						 * it stands for the From
						 * domain (keytable_identity) */
};

/*
 * keytable_load - read the tables named in conf (key_list, key_table,
 * signing_table) and every key they name; compile the sign policy from
 * conf. NULL on error with "FILE:LINE: message" in err. A table with no
 * file configured is valid and empty (nothing is signed).
 * The caller frees the result with keytable_free(); conf need not
 * outlive it.
 */
struct keytable	*keytable_load(const struct config *conf, char *err,
		    size_t errlen);

/*
 * keytable_new - an empty table with the sign policy from conf (NULL:
 * built-in defaults), for the command line (dkimgate sign), to be filled
 * with keytable_add_key(). NULL with err set if the policy is invalid.
 */
struct keytable	*keytable_new(const struct config *conf, char *err,
		    size_t errlen);

#define KEYTABLE_F_PERMS	0x01	/* refuse group/world-accessible */

/*
 * keytable_add_key - load the key at path for domain/selector and add a
 * catch-all rule for it (every From address), signer i= if ident is not
 * NULL. where names the origin for messages ("--key", "FILE:LINE").
 * Returns 0, or -1 with a reason in err.
 */
int		 keytable_add_key(struct keytable *, const char *domain,
		    const char *selector, const char *path, const char *ident,
		    const char *where, int flags, char *err, size_t errlen);

void		 keytable_free(struct keytable *);

/* keytable_nkeys - number of distinct keys loaded */
size_t		 keytable_nkeys(const struct keytable *);
const struct keytable_key *keytable_key_at(const struct keytable *,
		    size_t);

/*
 * keytable_rotation_bind - let successor key i follow the shared word
 * *switched (0: not taken over; else the time it took over), which the
 * supervisor writes and lookups read atomically. The word must outlive
 * the table (it lives in a shared mapping, keyrot.c). Call before the
 * workers fork.
 */
void		 keytable_rotation_bind(struct keytable *, size_t i,
		    int64_t *switched);

/* keytable_overlap - rotation_overlap in seconds, as loaded */
int		 keytable_overlap(const struct keytable *);

/* keytable_policy - the sign policy; never NULL; owned by the table */
const struct dkim_sign_policy *keytable_policy(const struct keytable *);

/*
 * keytable_lookup - the signatures for From address addr (an addr-spec:
 * local@domain; matching ignores case). Fills at most max entries of
 * out and returns how many; 0 = do not sign. The domain and signer
 * pointers point into the table or into addr, so addr must outlive out.
 */
size_t		 keytable_lookup(const struct keytable *, const char *addr,
		    struct keytable_match *out, size_t max);

/*
 * keytable_identity - expand a signer template for a From address into
 * out (size outsz): "%" becomes the From domain. Returns 0, or -1 if it
 * does not fit or the result is not an identity within domain d (RFC
 * 6376 3.5, i=: the domain part must be d or a subdomain of it).
 */
int		 keytable_identity(const char *tpl, const char *addr,
		    const char *d, size_t dlen, char *out, size_t outsz);

#endif
