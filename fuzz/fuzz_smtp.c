/*
 * fuzz_smtp.c - libFuzzer harness for the SMTP line parsers of
 * smtp_proto.h: commands, MAIL/RCPT paths with ESMTP parameters, SIZE,
 * XFORWARD attributes, reply lines, EHLO keywords, enhanced status codes,
 * and log_escape() on the same peer text.
 *
 * The input is split at LF; each line (a trailing CR removed, as the
 * line reader does) is copied into its own exactly sized buffer and fed
 * to every parser. Invariants: every result points inside the line,
 * lengths are in range, decoded XFORWARD values are NUL-terminated.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "smtp_proto.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_path(const char *, size_t, const char *, const char *,
		    size_t);
static void	fuzz_xforward(const char *, size_t);
static void	fuzz_line(const char *, size_t);

/*
 * fuzz_path - smtp_parse_path on an argument with the given prefix;
 * line/linelen is the whole line the argument lies in.
 */
static void
fuzz_path(const char *arg, size_t arglen, const char *prefix,
    const char *line, size_t linelen)
{
	struct smtp_path		 path;
	const struct smtp_param		*sz;
	const char			*why = NULL;
	unsigned long long		 size;
	size_t				 i;

	if (smtp_parse_path(arg, arglen, prefix, &path, &why) == -1) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(fuzz_within(path.addr, path.addrlen, line, linelen));
	FUZZ_CHECK(path.nparams <= SMTP_MAX_PARAMS);
	for (i = 0; i < path.nparams; i++) {
		FUZZ_CHECK(path.params[i].keylen > 0);
		FUZZ_CHECK(fuzz_within(path.params[i].key,
		    path.params[i].keylen, line, linelen));
		if (path.params[i].val != NULL)
			FUZZ_CHECK(fuzz_within(path.params[i].val,
			    path.params[i].vallen, line, linelen));
	}
	if ((sz = smtp_param_find(&path, "SIZE")) != NULL &&
	    sz->val != NULL &&
	    smtp_parse_size(sz->val, sz->vallen, &size) == 0)
		FUZZ_CHECK(sz->vallen >= 1 && sz->vallen <= 20);
}

/*
 * fuzz_xforward - smtp_parse_xforward; the decoded values must be C
 * strings within their arrays.
 */
static void
fuzz_xforward(const char *arg, size_t arglen)
{
	struct xforward	 xf;
	const char	*why = NULL;

	memset(&xf, 0, sizeof(xf));
	if (smtp_parse_xforward(arg, arglen, &xf, &why) == -1) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(memchr(xf.name, '\0', sizeof(xf.name)) != NULL);
	FUZZ_CHECK(memchr(xf.addr, '\0', sizeof(xf.addr)) != NULL);
	FUZZ_CHECK(memchr(xf.port, '\0', sizeof(xf.port)) != NULL);
	FUZZ_CHECK(memchr(xf.proto, '\0', sizeof(xf.proto)) != NULL);
	FUZZ_CHECK(memchr(xf.helo, '\0', sizeof(xf.helo)) != NULL);
	FUZZ_CHECK(memchr(xf.ident, '\0', sizeof(xf.ident)) != NULL);
	FUZZ_CHECK(memchr(xf.source, '\0', sizeof(xf.source)) != NULL);
}

/*
 * fuzz_line - every parser on one line (no CRLF), in its own buffer.
 */
static void
fuzz_line(const char *line, size_t len)
{
	static const char *const kws[] = { "PIPELINING", "SIZE", "8BITMIME",
	    "XFORWARD", "SMTPUTF8", "DSN", "" };
	struct smtp_cmdline	 cl;
	const char		*args;
	char			 esc[64];
	size_t			 argslen, i, n;
	int			 code, more;

	if (smtp_parse_command(line, len, &cl) == 0) {
		FUZZ_CHECK(cl.verblen >= 1 && cl.verblen <= 16);
		FUZZ_CHECK(fuzz_within(cl.verb, cl.verblen, line, len));
		FUZZ_CHECK(fuzz_within(cl.arg, cl.arglen, line, len));
		FUZZ_CHECK(cl.cmd >= SMTP_CMD_UNKNOWN &&
		    cl.cmd < SMTP_CMD_COUNT);
		FUZZ_CHECK(smtp_cmd_name(cl.cmd) != NULL);
		fuzz_path(cl.arg, cl.arglen, "FROM:", line, len);
		fuzz_path(cl.arg, cl.arglen, "TO:", line, len);
		fuzz_xforward(cl.arg, cl.arglen);
	}
	fuzz_xforward(line, len);

	code = -1;
	more = -1;
	if (smtp_reply_line(line, len, &code, &more) == 0) {
		FUZZ_CHECK(code >= 200 && code <= 599);
		FUZZ_CHECK(more == 0 || more == 1);
		n = smtp_enhanced_status(line + 4 > line + len ? line + len :
		    line + 4, len >= 4 ? len - 4 : 0);
		FUZZ_CHECK(n <= (len >= 4 ? len - 4 : 0));
	}
	n = smtp_enhanced_status(line, len);
	FUZZ_CHECK(n <= len);

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		args = NULL;
		argslen = 0;
		if (smtp_ehlo_keyword(line, len, kws[i], &args, &argslen))
			FUZZ_CHECK(args != NULL &&
			    fuzz_within(args, argslen, line, len));
	}

	/* peer text as the session logs it: no control bytes may remain */
	log_escape(esc, sizeof(esc), line, len);
	FUZZ_CHECK(strlen(esc) < sizeof(esc));
	for (i = 0; esc[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)esc[i] >= 0x20 &&
		    (unsigned char)esc[i] < 0x7f);
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	 in = { data, size };
	struct fuzz_in	 part;
	char		*line;
	size_t		 n;

	while (in.n > 0) {
		part = fuzz_part(&in, '\n');
		n = part.n;
		if (n > 0 && part.p[n - 1] == '\r')
			n--;
		line = fuzz_dup(part.p, n);
		fuzz_line(line, n);
		free(line);
	}
	return 0;
}
