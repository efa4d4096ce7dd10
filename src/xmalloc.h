/*
 * xmalloc.h - allocators that never return NULL.
 *
 * On allocation failure they log and exit (fatal): a worker that cannot
 * allocate is restarted by the supervisor, and Postfix retries the
 * messages it held. The caller frees what they return with free().
 */
#ifndef DKIMGATE_XMALLOC_H
#define DKIMGATE_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
