/*
 * fuzz.h - helpers shared by the libFuzzer harnesses in fuzz/.
 *
 * Every harness copies the fuzzer's input into exactly sized malloc'ed
 * buffers (fuzz_dup), so AddressSanitizer catches any read past the end
 * and no parser can lean on a NUL terminator. Invariants are checked
 * with FUZZ_CHECK, which prints the condition and aborts: libFuzzer then
 * saves the input as a crash.
 *
 * Log lines produced by the code under test go through fuzz_log_hook,
 * which aborts on a control byte: untrusted text must be escaped with
 * log_escape() before it is logged (STYLE.md 3). They are then sent to
 * syslog, which keeps the fuzzer's output readable.
 *
 * Ownership: fuzz_dup and fuzz_dupz return memory the caller frees.
 */
#ifndef DKIMGATE_FUZZ_H
#define DKIMGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* a cursor over the input, for harnesses that take parameters from it */
struct fuzz_in {
	const uint8_t	*p;
	size_t		 n;
};

/*
 * fuzz_dup - an exactly sized copy of p (one byte more only when n is 0,
 * so the result is never NULL). No NUL is added.
 */
static inline char *
fuzz_dup(const void *p, size_t n)
{
	char	*d;

	if ((d = malloc(n == 0 ? 1 : n)) == NULL)
		abort();
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

/* fuzz_dupz - a NUL-terminated copy of p (for APIs that take C strings) */
static inline char *
fuzz_dupz(const void *p, size_t n)
{
	char	*d;

	if ((d = malloc(n + 1)) == NULL)
		abort();
	if (n > 0)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

/* fuzz_byte - take one byte from the front of in (0 when it is empty) */
static inline unsigned
fuzz_byte(struct fuzz_in *in)
{
	unsigned	 b;

	if (in->n == 0)
		return 0;
	b = in->p[0];
	in->p++;
	in->n--;
	return b;
}

/*
 * fuzz_part - take the bytes up to the next separator sep (or the end)
 * from the front of in; the separator is consumed.
 */
static inline struct fuzz_in
fuzz_part(struct fuzz_in *in, int sep)
{
	struct fuzz_in	 part;
	const uint8_t	*e;

	part.p = in->p;
	e = in->n > 0 ? memchr(in->p, sep, in->n) : NULL;
	if (e == NULL) {
		part.n = in->n;
		in->p += in->n;
		in->n = 0;
	} else {
		part.n = (size_t)(e - in->p);
		in->p = e + 1;
		in->n -= part.n + 1;
	}
	return part;
}

/*
 * fuzz_rng - a small deterministic generator (xorshift32) for chunk
 * sizes, seeded from the input so every run is reproducible.
 */
static inline uint32_t
fuzz_rng(uint32_t *s)
{
	uint32_t	 x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* fuzz_within - is [q, q + qn) inside [p, p + n)? */
static inline int
fuzz_within(const void *q, size_t qn, const void *p, size_t n)
{
	const char	*a = q, *b = p;

	return a >= b && a <= b + n && qn <= (size_t)(b + n - a);
}

/*
 * fuzz_log_hook - abort on a log line holding a control byte (an
 * unescaped CR or LF would let peer text forge log lines).
 */
static inline void
fuzz_log_hook(int prio, const char *line)
{
	const unsigned char	*s;

	(void)prio;
	for (s = (const unsigned char *)line; *s != '\0'; s++)
		FUZZ_CHECK(*s >= 0x20 && *s != 0x7f);
}

/* fuzz_log_init - log to syslog (quiet) through fuzz_log_hook */
static inline void
fuzz_log_init(void)
{
	log_init(0, "dkimgate-fuzz", LOG_LOCAL7);
	log_set_hook(fuzz_log_hook);
}

#endif
