/*
 * buf.c - growable byte buffer with a hard cap and a sticky error bit.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

static int	buf_reserve(struct buf *, size_t);

static char	buf_empty[1];

/*
 * buf_init - start an empty buffer that may hold at most max bytes.
 */
void
buf_init(struct buf *b, size_t max)
{
	b->data = buf_empty;
	b->len = 0;
	b->size = 0;
	b->max = max;
	b->error = 0;
}

/*
 * buf_clear - free the storage; the buffer is empty and reusable.
 */
void
buf_clear(struct buf *b)
{
	if (b->size > 0)
		free(b->data);
	b->data = buf_empty;
	b->len = b->size = 0;
	b->error = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->size > 0)
		b->data[0] = '\0';
	b->error = 0;
}

/*
 * buf_reserve - make room for n more bytes plus the NUL, or fail if that
 * would pass the cap (checked before any arithmetic can overflow).
 */
static int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 need, nsize;

	if (b->error)
		return -1;
	if (n > b->max || b->len > b->max - n) {
		b->error = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->size)
		return 0;
	nsize = b->size < 64 ? 64 : b->size;
	while (nsize < need)
		nsize = nsize > ((size_t)-1) / 2 ? need : nsize * 2;
	if (nsize > b->max + 1)
		nsize = b->max + 1;
	if (b->size == 0) {
		b->data = xmalloc(nsize);
		b->data[0] = '\0';
	} else
		b->data = xreallocarray(b->data, 1, nsize);
	b->size = nsize;
	return 0;
}

/*
 * buf_add - append n bytes; returns 0, or -1 (sticky error) at the cap.
 */
int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_addc(struct buf *b, int c)
{
	char	 ch = (char)c;

	return buf_add(b, &ch, 1);
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	 small[256];

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->error = 1;
		return -1;
	}
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, n);
	if (buf_reserve(b, n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
	return 0;
}

/*
 * buf_truncate - shorten to len bytes (no-op if already shorter).
 */
void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

char *
buf_steal(struct buf *b, size_t *lenp)
{
	char	*p;

	if (lenp != NULL)
		*lenp = b->len;
	if (b->size == 0)
		p = xstrdup("");
	else
		p = b->data;
	b->data = buf_empty;
	b->len = b->size = 0;
	b->error = 0;
	return p;
}
