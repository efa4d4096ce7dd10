/*
 * smtp_proto.h - SMTP protocol pieces with no I/O: command and parameter
 * parsing (RFC 5321 4.1, ESMTP parameters), XFORWARD attributes, reply
 * lines, and the streamed DATA decoder (dot-stuffing, line ends, the
 * end-of-data mark).
 *
 * All parsers take (ptr, len) and never rely on a NUL terminator; results
 * point into the caller's input, which must outlive them.
 */
#ifndef DKIMGATE_SMTP_PROTO_H
#define DKIMGATE_SMTP_PROTO_H

#include <stddef.h>

enum smtp_cmd {
	SMTP_CMD_UNKNOWN = 0,
	SMTP_CMD_HELO,
	SMTP_CMD_EHLO,
	SMTP_CMD_MAIL,
	SMTP_CMD_RCPT,
	SMTP_CMD_DATA,
	SMTP_CMD_RSET,
	SMTP_CMD_NOOP,
	SMTP_CMD_QUIT,
	SMTP_CMD_VRFY,
	SMTP_CMD_EXPN,
	SMTP_CMD_HELP,
	SMTP_CMD_XFORWARD,
	SMTP_CMD_BDAT,
	SMTP_CMD_STARTTLS,
	SMTP_CMD_AUTH,
	SMTP_CMD_ETRN,
	SMTP_CMD_COUNT
};

struct smtp_cmdline {
	enum smtp_cmd	 cmd;
	const char	*verb;		/* as sent */
	size_t		 verblen;
	const char	*arg;		/* after the verb and one SP; may be "" */
	size_t		 arglen;
};

/*
 * smtp_parse_command - split a command line (CRLF removed) into verb and
 * argument. Verbs are case-insensitive. Returns 0, or -1 for an empty
 * line or a verb that is not 1-16 letters followed by SP or the end.
 */
int	smtp_parse_command(const char *, size_t, struct smtp_cmdline *);
const char *smtp_cmd_name(enum smtp_cmd);

#define SMTP_MAX_PARAMS	16

struct smtp_param {
	const char	*key;
	size_t		 keylen;
	const char	*val;		/* NULL when the parameter has no '=' */
	size_t		 vallen;
};

struct smtp_path {
	const char	*addr;		/* inside the angle brackets */
	size_t		 addrlen;
	struct smtp_param params[SMTP_MAX_PARAMS];
	size_t		 nparams;
};

/*
 * smtp_parse_path - parse the argument of MAIL ("FROM:") or RCPT ("TO:"):
 * the prefix (case-insensitive), optional spaces, an angle-bracketed path
 * (quoted local parts and source routes allowed; "<>" only for MAIL), then
 * SP-separated ESMTP parameters (RFC 5321 4.1.2: esmtp-keyword
 * [= esmtp-value], value bytes 33-126 except '=' plus UTF-8 for SMTPUTF8).
 * Returns 0, or -1 with a short reason in *why.
 */
int	smtp_parse_path(const char *, size_t, const char *prefix,
	    struct smtp_path *, const char **why);

/* smtp_param_find - parameter by keyword (case-insensitive), or NULL */
const struct smtp_param *smtp_param_find(const struct smtp_path *,
	    const char *);

/*
 * smtp_parse_size - the SIZE= value: 1-20 digits, no overflow. 0 or -1.
 */
int	smtp_parse_size(const char *, size_t, unsigned long long *);

/* XFORWARD attributes (Postfix XFORWARD_README), xtext-decoded */
#define XFWD_VALUE_MAX	256

struct xforward {
	char	 name[XFWD_VALUE_MAX];
	char	 addr[XFWD_VALUE_MAX];
	char	 port[16];
	char	 proto[16];
	char	 helo[XFWD_VALUE_MAX];
	char	 ident[XFWD_VALUE_MAX];
	char	 source[16];
};

/*
 * smtp_parse_xforward - apply "NAME=v ADDR=v ..." to xf. Values are xtext
 * (RFC 3461 4): "+XX" hex escapes are decoded; "[UNAVAILABLE]" and
 * "[TEMPUNAVAIL]" clear the attribute; an IPv6 ADDR loses its "IPV6:"
 * prefix. Unknown attribute names are an error (as in Postfix).
 * Returns 0, or -1 with a reason in *why.
 */
int	smtp_parse_xforward(const char *, size_t, struct xforward *,
	    const char **why);

/*
 * smtp_reply_line - check one reply line (CRLF removed): three digits
 * 2xx-5xx followed by SP, '-' or the end. Sets *code and *more (1 for
 * '-'). Returns 0 or -1.
 */
int	smtp_reply_line(const char *, size_t, int *code, int *more);

/*
 * smtp_ehlo_keyword - does an EHLO reply line ("250-PIPELINING",
 * "250 SIZE 1000") announce keyword kw? On a match, *args and *argslen get
 * what follows the keyword (may be empty).
 */
int	smtp_ehlo_keyword(const char *, size_t, const char *kw,
	    const char **args, size_t *argslen);

/*
 * smtp_enhanced_status - if text starts with an RFC 3463 enhanced status
 * code (class.subject.detail), return its length, else 0.
 */
size_t	smtp_enhanced_status(const char *, size_t);

/*
 * The DATA decoder. It reads the bytes after the 354 reply in chunks of
 * any size and drives three callbacks, in order:
 *   store(p, n)    the wire bytes to forward downstream: as received
 *                  (still dot-stuffed) except that a bare LF becomes CRLF
 *                  and a lone "." line that does not end the data becomes
 *                  ".." (so forwarding cannot end the data early: no SMTP
 *                  smuggling)
 *   content(p, n)  the message itself: dot-stuffing removed, CRLF line
 *                  ends (what the return port will see after it decodes)
 *   header_end()   once, when the empty line ending the header block
 *                  starts (its CRLF comes after the call, in both
 *                  streams); not called if there is no such line
 * Only CRLF "." CRLF ends the data (RFC 5321 4.1.1.4); a "." line after a
 * bare LF, or a ".\n" line, is ordinary content.
 */
struct dot_decoder_cb {
	void	(*store)(void *, const char *, size_t);
	void	(*content)(void *, const char *, size_t);
	void	(*header_end)(void *);
	void	*arg;
};

struct dot_decoder {
	int	 state;
	int	 crlf_before;		/* previous line ended in real CRLF */
	int	 in_header;
	const struct dot_decoder_cb *cb;
};

void	dot_decoder_init(struct dot_decoder *, const struct dot_decoder_cb *);

/*
 * dot_decode - feed n bytes. Returns how many were consumed: n, or fewer
 * when the end-of-data mark was found (it is consumed; *done is set and
 * the remaining bytes belong to the next command).
 */
size_t	dot_decode(struct dot_decoder *, const char *, size_t, int *done);

/*
 * dot_stuff - append text (CRLF lines) to out with a '.' added before
 * every line that starts with '.' (RFC 5321 4.5.2). *bol tracks whether
 * the next byte starts a line across calls (start with 1).
 */
struct buf;
int	dot_stuff(struct buf *, const char *, size_t, int *bol);

#endif
