/*
 * canon_ref.h - the reference body canonicalizer for the differential
 * tests: src/dkim_canon.c's streamed body hash as it was before the
 * vector scanner (commit 049eab3), kept here unchanged but for the names.
 * Same contract as dkim_bodyhash_* in dkim_canon.h; owned by the tests
 * (tests/unit/test_dkim_canon.c, fuzz/fuzz_canon_diff.c).
 */
#ifndef DKIMGATE_CANON_REF_H
#define DKIMGATE_CANON_REF_H

#include <stddef.h>

#include "crypto.h"
#include "dkim_canon.h"

struct ref_bodyhash;

struct ref_bodyhash *ref_bodyhash_new(enum dkim_canon, enum crypto_md,
	    long long limit);
void	ref_bodyhash_update(struct ref_bodyhash *, const char *, size_t);
size_t	ref_bodyhash_final(struct ref_bodyhash *,
	    unsigned char out[CRYPTO_MAX_MD], long long *total);
void	ref_bodyhash_free(struct ref_bodyhash *);
void	ref_bodyhash_tap(struct ref_bodyhash *, dkim_canon_tap_fn,
	    void *arg);

#endif
