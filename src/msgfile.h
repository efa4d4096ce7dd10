/*
 * msgfile.h - a message read from a file or the standard input, for the
 * command-line tools (dkimgate sign and verify), which run the daemon's
 * modes on it: reading with a size cap, line-end conversion to the CRLF
 * form the relay hands to a mode, and the header/body split.
 */
#ifndef DKIMGATE_MSGFILE_H
#define DKIMGATE_MSGFILE_H

#include <stddef.h>

struct buf;

/*
 * msgfile_read - read path (NULL or "-": standard input) into b, which
 * it initializes with cap max. Returns 0, or -1 with "FILE: reason" in
 * err; the caller clears b either way.
 */
int	msgfile_read(const char *path, long long max, struct buf *b,
	    char *err, size_t errlen);

/* msgfile_is_lf - 1 if the first line end is a bare LF (LF-style input) */
int	msgfile_is_lf(const char *, size_t);

/* msgfile_to_crlf - append p to out with every bare LF made CRLF */
void	msgfile_to_crlf(const char *, size_t, struct buf *out);

/*
 * msgfile_header_end - length of the header block of a CRLF message
 * (without the empty line that ends it); *bodyoff gets where the body
 * starts. A message with no empty line is all header.
 */
size_t	msgfile_header_end(const char *, size_t, size_t *bodyoff);

/* msgfile_write_all - write everything to fd; 0 or -1 */
int	msgfile_write_all(int fd, const void *, size_t);

#endif
