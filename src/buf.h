/*
 * buf.h - growable byte buffer with a hard cap and a sticky error bit.
 *
 * Every append checks the cap first, unconditionally; an append that would
 * pass the cap appends nothing and sets the sticky error bit, which only
 * buf_reset() clears. After an error, further appends are ignored, so a
 * caller may append many pieces and check buf_error() once at the end.
 *
 * The buffer always keeps a NUL after the last byte (not counted in len),
 * so text built in it can be used as a C string; binary content may hold
 * NULs of its own. Never keep a pointer into the data across an append:
 * the storage may move.
 *
 * struct buf is embedded in its owner: buf_init()/buf_clear().
 */
#ifndef DKIMGATE_BUF_H
#define DKIMGATE_BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* NUL-terminated, owned */
	size_t	 len;		/* bytes used, excluding the NUL */
	size_t	 size;		/* bytes allocated */
	size_t	 max;		/* hard cap on len */
	int	 error;		/* sticky: an append hit the cap */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_clear(struct buf *);		/* frees the storage */
void	 buf_reset(struct buf *);		/* len = 0, error = 0 */
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_addc(struct buf *, int);
int	 buf_adds(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_truncate(struct buf *, size_t);
/* buf_steal - hand the storage to the caller (free() it); buf is reset */
char	*buf_steal(struct buf *, size_t *lenp);

#define buf_error(b)	((b)->error)
#define buf_len(b)	((b)->len)
#define buf_data(b)	((b)->data)

#endif
