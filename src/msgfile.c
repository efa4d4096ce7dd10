/*
 * msgfile.c - messages in files for the command-line tools.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "msgfile.h"
#include "xmalloc.h"

int
msgfile_read(const char *path, long long max, struct buf *b, char *err,
    size_t errlen)
{
	const char	*name = path != NULL ? path : "stdin";
	char		*chunk;
	ssize_t		 n;
	int		 fd;

	buf_init(b, (size_t)max);
	if (path == NULL || strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	chunk = xmalloc(65536);
	for (;;) {
		n = read(fd, chunk, 65536);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (buf_add(b, chunk, (size_t)n) == -1) {
			snprintf(err, errlen, "%s: message larger than %lld "
			    "bytes", name, max);
			n = -1;
			break;
		}
	}
	free(chunk);
	if (fd != STDIN_FILENO)
		close(fd);
	return n == 0 ? 0 : -1;
}

int
msgfile_is_lf(const char *p, size_t len)
{
	const char	*nl = memchr(p, '\n', len);

	return nl != NULL && (nl == p || nl[-1] != '\r');
}

void
msgfile_to_crlf(const char *p, size_t len, struct buf *out)
{
	const char	*nl;
	size_t		 start = 0, i;

	while (start < len &&
	    (nl = memchr(p + start, '\n', len - start)) != NULL) {
		i = (size_t)(nl - p);
		if (i > 0 && p[i - 1] == '\r') {
			buf_add(out, p + start, i + 1 - start);
		} else {
			buf_add(out, p + start, i - start);
			buf_add(out, "\r\n", 2);
		}
		start = i + 1;
	}
	buf_add(out, p + start, len - start);
}

size_t
msgfile_header_end(const char *p, size_t len, size_t *bodyoff)
{
	const char	*e;

	if (len >= 2 && p[0] == '\r' && p[1] == '\n') {
		*bodyoff = 2;
		return 0;
	}
	if ((e = memmem(p, len, "\r\n\r\n", 4)) != NULL) {
		*bodyoff = (size_t)(e - p) + 4;
		return (size_t)(e - p) + 2;
	}
	*bodyoff = len;
	return len;
}

int
msgfile_write_all(int fd, const void *p, size_t len)
{
	const char	*c = p;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, c, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}
