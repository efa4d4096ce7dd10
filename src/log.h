/*
 * log.h - logging to syslog or stderr.
 *
 * One process-wide logger. log_init() picks the destination: stderr in the
 * foreground (-f), syslog otherwise. log_warn() and fatal() append the text
 * of errno; log_warnx() and fatalx() do not. fatal*() exit the process and
 * are meant for start-up errors, broken invariants and allocation failure
 * only; a session error never ends the process.
 *
 * Nothing here allocates on the heap; lines longer than LOG_LINE_MAX are
 * truncated. Callers escape peer-supplied text with log_escape() first.
 */
#ifndef DKIMGATE_LOG_H
#define DKIMGATE_LOG_H

#include <stdarg.h>
#include <stddef.h>

#define LOG_LINE_MAX	2048

/*
 * Optional hook for tests: when set, every formatted line (without the
 * level prefix) is passed to it as well.
 */
typedef void (*log_hook_fn)(int prio, const char *line);

void	log_init(int foreground, const char *ident, int facility);
void	log_set_verbose(int verbose);
int	log_get_verbose(void);
void	log_set_procname(const char *name);
void	log_set_hook(log_hook_fn fn);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int, const char *, va_list) __attribute__((format(printf, 2, 0)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * log_escape - copy at most len bytes of untrusted text into dst (size
 * dstsz, always NUL-terminated), replacing CR, LF, other control bytes,
 * backslash, double quote and bytes >= 0x7f with C-style escapes. Output
 * longer than dstsz is cut and ends in "...". Returns dst.
 */
char	*log_escape(char *dst, size_t dstsz, const char *src, size_t len);

#endif
