/*
 * spool.c - message store: memory up to a threshold, then an unlinked
 * temporary file.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "log.h"
#include "spool.h"
#include "xmalloc.h"

#define SPOOL_WBUF	65536	/* file writes are batched to this size */

struct spool {
	struct evbuffer	*mem;		/* while in memory */
	int		 fd;		/* once spilled, else -1 */
	char		*wbuf;		/* pending file bytes */
	size_t		 wlen;
	off_t		 size;		/* bytes appended in all */
	off_t		 max;
	size_t		 threshold;
	char		*dir;
	int		 error;		/* errno of the first failure */
};

static int	spool_open_file(struct spool *);
static int	spool_flush(struct spool *);
static int	write_all(int, const void *, size_t);

struct spool *
spool_new(size_t threshold, off_t max, const char *dir)
{
	struct spool	*s;

	s = xcalloc(1, sizeof(*s));
	if ((s->mem = evbuffer_new()) == NULL)
		fatalx("spool_new: evbuffer_new");
	s->fd = -1;
	s->threshold = threshold;
	s->max = max;
	s->dir = xstrdup(dir);
	return s;
}

void
spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->mem != NULL)
		evbuffer_free(s->mem);
	if (s->fd != -1)
		close(s->fd);
	free(s->wbuf);
	free(s->dir);
	free(s);
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;

	while (n > 0) {
		ssize_t	 w = write(fd, c, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= w;
	}
	return 0;
}

/*
 * spool_open_file - an anonymous file in dir: O_TMPFILE where the file
 * system has it, else mkstemp + unlink. Nobody else can open it, and it
 * disappears with the last descriptor, also when the worker is killed.
 */
static int
spool_open_file(struct spool *s)
{
	char	*tmpl;
	int	 fd;

#if HAVE_DECL_O_TMPFILE
	fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -1;
#endif
	xasprintf(&tmpl, "%s/dkimgate.XXXXXXXXXX", s->dir);
	fd = mkstemp(tmpl);
	if (fd != -1) {
		unlink(tmpl);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	free(tmpl);
	return fd;
}

/*
 * spool_flush - write the pending file bytes.
 */
static int
spool_flush(struct spool *s)
{
	if (s->wlen == 0)
		return 0;
	if (write_all(s->fd, s->wbuf, s->wlen) == -1) {
		s->error = errno;
		return -1;
	}
	s->wlen = 0;
	return 0;
}

int
spool_write(struct spool *s, const void *p, size_t n)
{
	if (s->error)
		return -1;
	if ((off_t)n > s->max - s->size) {
		s->error = EFBIG;
		return -1;
	}
	if (s->fd == -1 && (size_t)s->size + n <= s->threshold) {
		if (evbuffer_add(s->mem, p, n) == -1)
			fatalx("spool_write: evbuffer_add");
		s->size += n;
		return 0;
	}
	if (s->fd == -1) {
		/* spill: move what is in memory to the file */
		struct evbuffer_iovec	 v[16];
		int			 i, nv;

		if ((s->fd = spool_open_file(s)) == -1) {
			s->error = errno;
			log_warn("spool: cannot create a file in %s", s->dir);
			return -1;
		}
		while (evbuffer_get_length(s->mem) > 0) {
			size_t	 done = 0;

			nv = evbuffer_peek(s->mem, -1, NULL, v, 16);
			if (nv > 16)
				nv = 16;
			for (i = 0; i < nv; i++) {
				if (write_all(s->fd, v[i].iov_base,
				    v[i].iov_len) == -1) {
					s->error = errno;
					return -1;
				}
				done += v[i].iov_len;
			}
			evbuffer_drain(s->mem, done);
		}
		evbuffer_free(s->mem);
		s->mem = NULL;
		s->wbuf = xmalloc(SPOOL_WBUF);
	}
	if (s->wlen + n > SPOOL_WBUF) {
		if (spool_flush(s) == -1)
			return -1;
		if (n >= SPOOL_WBUF) {
			if (write_all(s->fd, p, n) == -1) {
				s->error = errno;
				return -1;
			}
			s->size += n;
			return 0;
		}
	}
	memcpy(s->wbuf + s->wlen, p, n);
	s->wlen += n;
	s->size += n;
	return 0;
}

off_t
spool_size(const struct spool *s)
{
	return s->size;
}

int
spool_error(const struct spool *s)
{
	return s->error;
}

int
spool_on_disk(const struct spool *s)
{
	return s->fd != -1;
}

/*
 * spool_send - hand [off, size) to out.
 */
int
spool_send(struct spool *s, off_t off, struct evbuffer *out)
{
	struct evbuffer_file_segment	*seg;
	int				 fd;

	if (s->error) {
		errno = s->error;
		return -1;
	}
	if (off > s->size) {
		errno = EINVAL;
		return -1;
	}
	if (s->fd == -1) {
		if (off > 0)
			evbuffer_drain(s->mem, off);
		return evbuffer_add_buffer(out, s->mem);
	}
	if (spool_flush(s) == -1) {
		errno = s->error;
		return -1;
	}
	if (off == s->size)
		return 0;
	/* the segment owns a duplicate, so it outlives spool_free() */
	if ((fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	seg = evbuffer_file_segment_new(fd, off, s->size - off,
	    EVBUF_FS_CLOSE_ON_FREE);
	if (seg == NULL) {
		close(fd);
		errno = EIO;
		return -1;
	}
	if (evbuffer_add_file_segment(out, seg, 0, -1) == -1) {
		evbuffer_file_segment_free(seg);
		errno = EIO;
		return -1;
	}
	evbuffer_file_segment_free(seg);	/* out holds a reference */
	return 0;
}

ssize_t
spool_read(struct spool *s, off_t off, void *dst, size_t n)
{
	if (off >= s->size)
		return 0;
	if ((off_t)n > s->size - off)
		n = s->size - off;
	if (s->fd == -1) {
		struct evbuffer_ptr	 pos;

		if (evbuffer_ptr_set(s->mem, &pos, off, EVBUFFER_PTR_SET) == -1)
			return -1;
		return evbuffer_copyout_from(s->mem, &pos, dst, n);
	}
	if (spool_flush(s) == -1)
		return -1;
	return pread(s->fd, dst, n, off);
}
