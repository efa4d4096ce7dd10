/*
 * spool.h - the store for one message's wire bytes: in memory up to a
 * threshold, then in an unlinked temporary file, with a hard size cap.
 *
 * Bytes are appended in order and later handed to an evbuffer for
 * sending: from memory by moving the chains (no copy), from the file as a
 * file segment (sendfile where the kernel can), so a large message is never
 * read back into user space.
 *
 * Errors are sticky: after a failed append (cap reached, disk full, temp
 * file not creatable) further appends are ignored and spool_error() tells
 * which (errno value: EFBIG for the cap, or the system error).
 * The owner frees the spool with spool_free(); bytes already handed to an
 * evbuffer stay valid after that (the file descriptor is duplicated).
 */
#ifndef DKIMGATE_SPOOL_H
#define DKIMGATE_SPOOL_H

#include <sys/types.h>
#include <stddef.h>

struct evbuffer;
struct spool;

/*
 * spool_new - threshold: bytes kept in memory before spilling to a file in
 * dir; max: the cap on the total size.
 */
struct spool	*spool_new(size_t threshold, off_t max, const char *dir);
void		 spool_free(struct spool *);

/* spool_write - append; 0, or -1 on (sticky) error */
int		 spool_write(struct spool *, const void *, size_t);
off_t		 spool_size(const struct spool *);
int		 spool_error(const struct spool *);
int		 spool_on_disk(const struct spool *);

/*
 * spool_send - append bytes [off, end) to out (memory: moved, so call it
 * at most once per spool; file: a file segment). 0 or -1 (errno set).
 */
int		 spool_send(struct spool *, off_t off, struct evbuffer *out);

/*
 * spool_read - copy up to n bytes at off into dst (for tools and tests);
 * returns bytes copied or -1.
 */
ssize_t		 spool_read(struct spool *, off_t off, void *dst, size_t n);

#endif
