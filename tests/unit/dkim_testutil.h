/*
 * dkim_testutil.h - helpers shared by the DKIM primitive unit tests:
 * reading vector files, exact-length copies (so AddressSanitizer sees any
 * read past the end), a small header splitter (independent of rfc5322.c,
 * so these tests check the DKIM code alone), and a reference signer and
 * verifier assembled from the primitives exactly as RFC 6376 3.7 and
 * 6.1.3 describe them.
 *
 * Everything returned is malloc'ed and freed by the caller (tu_msg_free
 * for messages). Failures to read a file fail the calling test.
 */
#ifndef DKIMGATE_DKIM_TESTUTIL_H
#define DKIMGATE_DKIM_TESTUTIL_H

#include <stddef.h>

#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_key.h"
#include "dkim_sig.h"
#include "rfc5322.h"

/* tu_read - whole file dir/name; *len set; fails the test if missing */
char	*tu_read(const char *dir, const char *name, size_t *len);

/* tu_dup - exactly len bytes on the heap, no NUL after them */
char	*tu_dup(const void *p, size_t len);

/* tu_crlf - every bare LF turned into CRLF */
char	*tu_crlf(const char *p, size_t len, size_t *outlen);

struct tu_msg {
	char		*data;		/* whole message, CRLF */
	size_t		 len;
	const char	*body;		/* after the empty line */
	size_t		 bodylen;
	struct rfc5322_hdr hdr;		/* fields point into data */
};

/*
 * tu_msg_parse - split a message (bare LF made CRLF first) into header
 * fields and body. Returns 0 or -1 (no empty line).
 */
int	tu_msg_parse(struct tu_msg *, const char *p, size_t len);
void	tu_msg_free(struct tu_msg *);

/* tu_bodyhash - the body hash with one chunk of the whole body */
size_t	tu_bodyhash(enum dkim_canon, enum crypto_md, long long l,
	    const char *body, size_t len, unsigned char out[CRYPTO_MAX_MD]);

/*
 * tu_verify - verify signature field number sigidx of m with the key
 * record keytxt: 1 pass, 0 fail (body hash or signature), -1 permerror
 * (*why says why).
 */
int	tu_verify(const struct tu_msg *m, size_t sigidx, const char *keytxt,
	    size_t keylen, const char **why);

/*
 * tu_sign - build and sign a DKIM-Signature for m with key and spec
 * (spec->bh is filled in here). Returns the field text with its CRLF
 * (NUL-terminated), or NULL.
 */
char	*tu_sign(const struct tu_msg *m, const struct crypto_key *key,
	    struct dkim_sig_spec *spec);

#endif
