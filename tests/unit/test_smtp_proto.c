/*
 * test_smtp_proto.c - SMTP command, parameter, XFORWARD and reply
 * parsing, and the DATA decoder (dot-stuffing, line ends, end of data).
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "smtp_proto.h"

/* --- commands ---------------------------------------------------------- */

static void
test_command_verbs(void **state)
{
	static const struct {
		const char	*line;
		int		 rc;
		enum smtp_cmd	 cmd;
		const char	*arg;
	} cases[] = {
		{ "EHLO mx.example", 0, SMTP_CMD_EHLO, "mx.example" },
		{ "ehlo mx", 0, SMTP_CMD_EHLO, "mx" },
		{ "HELO x", 0, SMTP_CMD_HELO, "x" },
		{ "MAIL FROM:<a@b>", 0, SMTP_CMD_MAIL, "FROM:<a@b>" },
		{ "RCPT TO:<c@d> NOTIFY=NEVER", 0, SMTP_CMD_RCPT,
		    "TO:<c@d> NOTIFY=NEVER" },
		{ "DATA", 0, SMTP_CMD_DATA, "" },
		{ "rset", 0, SMTP_CMD_RSET, "" },
		{ "NOOP hello", 0, SMTP_CMD_NOOP, "hello" },
		{ "QUIT", 0, SMTP_CMD_QUIT, "" },
		{ "XFORWARD NAME=x", 0, SMTP_CMD_XFORWARD, "NAME=x" },
		{ "BDAT 100 LAST", 0, SMTP_CMD_BDAT, "100 LAST" },
		{ "FOO bar", 0, SMTP_CMD_UNKNOWN, "bar" },
		{ "", -1, SMTP_CMD_UNKNOWN, NULL },
		{ " EHLO x", -1, SMTP_CMD_UNKNOWN, NULL },
		{ "EH1O x", -1, SMTP_CMD_UNKNOWN, NULL },
		{ "ABCDEFGHIJKLMNOPQ x", -1, SMTP_CMD_UNKNOWN, NULL },
		{ "MAIL\tFROM:<a@b>", -1, SMTP_CMD_UNKNOWN, NULL },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_cmdline	 c;
		int			 rc;

		rc = smtp_parse_command(cases[i].line, strlen(cases[i].line),
		    &c);
		assert_int_equal(rc, cases[i].rc);
		if (rc != 0)
			continue;
		assert_int_equal(c.cmd, cases[i].cmd);
		assert_int_equal(c.arglen, strlen(cases[i].arg));
		assert_memory_equal(c.arg, cases[i].arg, c.arglen);
	}
}

/* --- MAIL/RCPT paths and ESMTP parameters -------------------------------- */

static void
test_paths(void **state)
{
	static const struct {
		const char	*arg;
		const char	*prefix;
		int		 rc;
		const char	*addr;
		size_t		 nparams;
	} cases[] = {
		{ "FROM:<a@example.org>", "FROM:", 0, "a@example.org", 0 },
		{ "from:<a@example.org>", "FROM:", 0, "a@example.org", 0 },
		{ "FROM: <a@example.org>", "FROM:", 0, "a@example.org", 0 },
		{ "FROM:<>", "FROM:", 0, "", 0 },
		{ "FROM:<a@b> SIZE=1000 BODY=8BITMIME", "FROM:", 0, "a@b", 2 },
		{ "FROM:<a@b> SMTPUTF8", "FROM:", 0, "a@b", 1 },
		{ "FROM:<a@b> RET=HDRS ENVID=QQ314159", "FROM:", 0, "a@b", 2 },
		{ "FROM:<\"a b\"@c>", "FROM:", 0, "\"a b\"@c", 0 },
		{ "FROM:<\"a>b\"@c>", "FROM:", 0, "\"a>b\"@c", 0 },
		{ "FROM:<\"a\\\"b\"@c>", "FROM:", 0, "\"a\\\"b\"@c", 0 },
		{ "FROM:<@r1,@r2:a@b>", "FROM:", 0, "@r1,@r2:a@b", 0 },
		{ "FROM:<j\xc3\xb6rg@b\xc3\xa4r.de> SMTPUTF8", "FROM:", 0,
		    "j\xc3\xb6rg@b\xc3\xa4r.de", 1 },
		{ "TO:<c@d> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d", "TO:",
		    0, "c@d", 2 },
		{ "TO:<c@d>  NOTIFY=NEVER", "TO:", 0, "c@d", 1 },
		{ "FROM:a@b", "FROM:", -1, NULL, 0 },
		{ "FROM:<a@b", "FROM:", -1, NULL, 0 },
		{ "FROM:<a@b>X", "FROM:", -1, NULL, 0 },
		{ "FROM:<a b@c>", "FROM:", -1, NULL, 0 },
		{ "FROM:<a@b> =x", "FROM:", -1, NULL, 0 },
		{ "FROM:<a@b> SIZE=", "FROM:", -1, NULL, 0 },
		{ "FROM:<a@b> SIZE=1=2", "FROM:", -1, NULL, 0 },
		{ "TO:<c@d>", "FROM:", -1, NULL, 0 },
		{ "FROM:<a\x01@b>", "FROM:", -1, NULL, 0 },
		{ "FROM:<\"unterminated@b>", "FROM:", -1, NULL, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_path	 p;
		const char		*why = NULL;
		int			 rc;

		rc = smtp_parse_path(cases[i].arg, strlen(cases[i].arg),
		    cases[i].prefix, &p, &why);
		if (rc != cases[i].rc)
			fail_msg("case %zu (%s): rc %d", i, cases[i].arg, rc);
		if (rc != 0) {
			assert_non_null(why);
			continue;
		}
		assert_int_equal(p.addrlen, strlen(cases[i].addr));
		assert_memory_equal(p.addr, cases[i].addr, p.addrlen);
		assert_int_equal(p.nparams, cases[i].nparams);
	}
}

static void
test_params(void **state)
{
	const char		*arg = "TO:<c@d> NOTIFY=SUCCESS,DELAY "
				    "ORCPT=rfc822;c+40d@e X-FLAG";
	struct smtp_path	 p;
	const struct smtp_param	*pp;
	const char		*why;
	unsigned long long	 sz;

	assert_int_equal(smtp_parse_path(arg, strlen(arg), "TO:", &p, &why),
	    0);
	pp = smtp_param_find(&p, "notify");
	assert_non_null(pp);
	assert_int_equal(pp->vallen, strlen("SUCCESS,DELAY"));
	assert_memory_equal(pp->val, "SUCCESS,DELAY", pp->vallen);
	pp = smtp_param_find(&p, "ORCPT");
	assert_non_null(pp);
	assert_memory_equal(pp->val, "rfc822;c+40d@e", pp->vallen);
	pp = smtp_param_find(&p, "X-FLAG");
	assert_non_null(pp);
	assert_null(pp->val);
	assert_null(smtp_param_find(&p, "SIZE"));

	assert_int_equal(smtp_parse_size("0", 1, &sz), 0);
	assert_int_equal(sz, 0);
	assert_int_equal(smtp_parse_size("10240000", 8, &sz), 0);
	assert_int_equal(sz, 10240000ULL);
	assert_int_equal(smtp_parse_size("18446744073709551615", 20, &sz), 0);
	assert_int_equal(smtp_parse_size("18446744073709551616", 20, &sz),
	    -1);
	assert_int_equal(smtp_parse_size("12a", 3, &sz), -1);
	assert_int_equal(smtp_parse_size("", 0, &sz), -1);
}

static void
test_too_many_params(void **state)
{
	struct buf		 b;
	struct smtp_path	 p;
	const char		*why;
	int			 i;

	buf_init(&b, 4096);
	buf_adds(&b, "FROM:<a@b>");
	for (i = 0; i <= SMTP_MAX_PARAMS; i++)
		buf_printf(&b, " P%d=v", i);
	assert_int_equal(smtp_parse_path(buf_data(&b), buf_len(&b), "FROM:",
	    &p, &why), -1);
	buf_clear(&b);
}

/* --- XFORWARD ------------------------------------------------------------ */

static void
test_xforward(void **state)
{
	struct xforward	 xf;
	const char	*why;
	const char	*a = "NAME=mail.example.com ADDR=192.0.2.1 PORT=4711 "
			    "PROTO=ESMTP HELO=mail.example.com";
	const char	*b = "IDENT=4Xyz12 SOURCE=REMOTE ADDR=IPV6:2001:db8::1";
	const char	*c = "NAME=[UNAVAILABLE] HELO=a+2Bb";

	memset(&xf, 0, sizeof(xf));
	assert_int_equal(smtp_parse_xforward(a, strlen(a), &xf, &why), 0);
	assert_string_equal(xf.name, "mail.example.com");
	assert_string_equal(xf.addr, "192.0.2.1");
	assert_string_equal(xf.port, "4711");
	assert_string_equal(xf.proto, "ESMTP");
	assert_int_equal(smtp_parse_xforward(b, strlen(b), &xf, &why), 0);
	assert_string_equal(xf.ident, "4Xyz12");
	assert_string_equal(xf.source, "REMOTE");
	assert_string_equal(xf.addr, "2001:db8::1");
	assert_string_equal(xf.name, "mail.example.com");	/* kept */
	assert_int_equal(smtp_parse_xforward(c, strlen(c), &xf, &why), 0);
	assert_string_equal(xf.name, "");
	assert_string_equal(xf.helo, "a+b");

	assert_int_equal(smtp_parse_xforward("FOO=1", 5, &xf, &why), -1);
	assert_int_equal(smtp_parse_xforward("NAME", 4, &xf, &why), -1);
	assert_int_equal(smtp_parse_xforward("", 0, &xf, &why), -1);
	assert_int_equal(smtp_parse_xforward("HELO=a+0Db", 10, &xf, &why),
	    -1);			/* CR in a value */
	assert_int_equal(smtp_parse_xforward("HELO=a+4", 8, &xf, &why), -1);
	assert_int_equal(smtp_parse_xforward("HELO=a+", 7, &xf, &why), -1);
}

static void
test_xforward_overlong(void **state)
{
	struct xforward	 xf;
	struct buf	 b;
	const char	*why;
	int		 i;

	memset(&xf, 0, sizeof(xf));
	buf_init(&b, 8192);
	buf_adds(&b, "HELO=");
	for (i = 0; i < XFWD_VALUE_MAX; i++)
		buf_addc(&b, 'x');
	assert_int_equal(smtp_parse_xforward(buf_data(&b), buf_len(&b), &xf,
	    &why), -1);
	buf_clear(&b);
}

/* --- replies ------------------------------------------------------------- */

static void
test_reply_lines(void **state)
{
	static const struct {
		const char	*line;
		int		 rc, code, more;
	} cases[] = {
		{ "250 Ok", 0, 250, 0 },
		{ "250-PIPELINING", 0, 250, 1 },
		{ "354", 0, 354, 0 },
		{ "421 4.4.2 bye", 0, 421, 0 },
		{ "550-5.1.1 line one", 0, 550, 1 },
		{ "199 x", -1, 0, 0 },
		{ "600 x", -1, 0, 0 },
		{ "25 x", -1, 0, 0 },
		{ "2500 x", -1, 0, 0 },
		{ "25a x", -1, 0, 0 },
		{ "", -1, 0, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int	 code = 0, more = 0, rc;

		rc = smtp_reply_line(cases[i].line, strlen(cases[i].line),
		    &code, &more);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0) {
			assert_int_equal(code, cases[i].code);
			assert_int_equal(more, cases[i].more);
		}
	}
}

static void
test_ehlo_keywords(void **state)
{
	const char	*args;
	size_t		 n;

	assert_true(smtp_ehlo_keyword("250-PIPELINING", 14, "PIPELINING",
	    NULL, NULL));
	assert_true(smtp_ehlo_keyword("250 SIZE 10240000", 17, "SIZE", &args,
	    &n));
	assert_int_equal(n, 8);
	assert_memory_equal(args, "10240000", 8);
	assert_true(smtp_ehlo_keyword("250-XFORWARD NAME ADDR PROTO HELO", 33,
	    "XFORWARD", &args, &n));
	assert_memory_equal(args, "NAME ADDR PROTO HELO", n);
	assert_false(smtp_ehlo_keyword("250-SIZEX", 9, "SIZE", NULL, NULL));
	assert_false(smtp_ehlo_keyword("250-DSN", 7, "8BITMIME", NULL, NULL));
	assert_true(smtp_ehlo_keyword("250-dsn", 7, "DSN", NULL, NULL));
	assert_false(smtp_ehlo_keyword("250", 3, "DSN", NULL, NULL));
}

static void
test_enhanced_status(void **state)
{
	assert_int_equal(smtp_enhanced_status("2.0.0 Ok", 8), 5);
	assert_int_equal(smtp_enhanced_status("5.7.1", 5), 5);
	assert_int_equal(smtp_enhanced_status("4.4.20 x", 8), 6);
	assert_int_equal(smtp_enhanced_status("3.0.0 x", 7), 0);
	assert_int_equal(smtp_enhanced_status("5.1234.1 x", 10), 0);
	assert_int_equal(smtp_enhanced_status("5.1.1x", 6), 0);
	assert_int_equal(smtp_enhanced_status("Ok", 2), 0);
}

/* --- the DATA decoder ---------------------------------------------------- */

struct dec_out {
	struct buf	 store;
	struct buf	 content;
	long		 hdr_end_store;		/* -1: not seen */
	long		 hdr_end_content;
	int		 nhdr_end;
};

static void
out_store(void *arg, const char *p, size_t n)
{
	struct dec_out	*o = arg;

	buf_add(&o->store, p, n);
}

static void
out_content(void *arg, const char *p, size_t n)
{
	struct dec_out	*o = arg;

	buf_add(&o->content, p, n);
}

static void
out_header_end(void *arg)
{
	struct dec_out	*o = arg;

	o->hdr_end_store = (long)buf_len(&o->store);
	o->hdr_end_content = (long)buf_len(&o->content);
	o->nhdr_end++;
}

static const struct dot_decoder_cb dec_cb = {
	out_store, out_content, out_header_end, NULL
};

/*
 * decode - run the decoder over in, split into chunks of at most chunk
 * bytes (0: one piece); returns bytes consumed up to the end mark, or -1
 * if the end mark was never seen.
 */
static long
decode(const char *in, size_t len, size_t chunk, struct dec_out *o)
{
	struct dot_decoder_cb	 cb = dec_cb;
	struct dot_decoder	 d;
	size_t			 off = 0;

	buf_init(&o->store, 1 << 20);
	buf_init(&o->content, 1 << 20);
	o->hdr_end_store = o->hdr_end_content = -1;
	o->nhdr_end = 0;
	cb.arg = o;
	dot_decoder_init(&d, &cb);
	while (off < len) {
		size_t	 n = chunk == 0 ? len - off : chunk;
		size_t	 used;
		int	 done;
		char	*piece;

		if (n > len - off)
			n = len - off;
		/* an exactly sized copy: nothing may read past the chunk */
		piece = malloc(n);
		memcpy(piece, in + off, n);
		used = dot_decode(&d, piece, n, &done);
		free(piece);
		off += used;
		if (done)
			return (long)off;
		assert_int_equal(used, n);
	}
	return -1;
}

static void
dec_free(struct dec_out *o)
{
	buf_clear(&o->store);
	buf_clear(&o->content);
}

static void
test_decoder_cases(void **state)
{
	static const struct {
		const char	*name;
		const char	*in;
		long		 consumed;	/* -1: no end mark */
		const char	*store;
		const char	*content;
		long		 hdr_end;	/* content offset, -1 none */
	} cases[] = {
		{ "plain",
		    "Subject: x\r\n\r\nbody\r\n.\r\n", 23,
		    "Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n",
		    12 },
		{ "stuffed dot line",
		    "A: b\r\n\r\n..x\r\n..\r\n.\r\n", 20,
		    "A: b\r\n\r\n..x\r\n..\r\n", "A: b\r\n\r\n.x\r\n.\r\n", 6 },
		{ "bare LF becomes CRLF",
		    "A: b\n\nline\n.\r\n", -1,
		    "A: b\r\n\r\nline\r\n..\r\n", "A: b\r\n\r\nline\r\n.\r\n",
		    6 },
		{ "dot after bare LF is no end (smuggling)",
		    "A: b\r\n\r\nx\n.\r\nMAIL FROM:<e@vil>\r\n.\r\n", 35,
		    "A: b\r\n\r\nx\r\n..\r\nMAIL FROM:<e@vil>\r\n",
		    "A: b\r\n\r\nx\r\n.\r\nMAIL FROM:<e@vil>\r\n", 6 },
		{ "dot LF is no end",
		    "A: b\r\n\r\nx\r\n.\nMAIL FROM:<e@vil>\r\n.\r\n", 35,
		    "A: b\r\n\r\nx\r\n..\r\nMAIL FROM:<e@vil>\r\n",
		    "A: b\r\n\r\nx\r\n.\r\nMAIL FROM:<e@vil>\r\n", 6 },
		{ "dot CR x is a dot line",
		    "A: b\r\n\r\n.\rx\r\n.\r\n", 16,
		    "A: b\r\n\r\n.\rx\r\n", "A: b\r\n\r\n\rx\r\n", 6 },
		{ "bare CR kept",
		    "A: b\r\n\r\na\rb\r\r\n.\r\n", 17,
		    "A: b\r\n\r\na\rb\r\r\n", "A: b\r\n\r\na\rb\r\r\n", 6 },
		{ "empty message",
		    ".\r\n", 3, "", "", -1 },
		{ "headers only",
		    "A: b\r\nC: d\r\n.\r\n", 15,
		    "A: b\r\nC: d\r\n", "A: b\r\nC: d\r\n", -1 },
		{ "empty header block",
		    "\r\nbody\r\n.\r\n", 11, "\r\nbody\r\n", "\r\nbody\r\n", 0 },
		{ "data after end mark stays",
		    "A: b\r\n\r\nx\r\n.\r\nQUIT\r\n", 14,
		    "A: b\r\n\r\nx\r\n", "A: b\r\n\r\nx\r\n", 6 },
		{ "dot-x header line",
		    ".A: b\r\n\r\nx\r\n.\r\n", 15,
		    ".A: b\r\n\r\nx\r\n", "A: b\r\n\r\nx\r\n", 6 },
		{ "no end",
		    "A: b\r\n\r\nx\r\n", -1, "A: b\r\n\r\nx\r\n",
		    "A: b\r\n\r\nx\r\n", 6 },
		{ "end without final CRLF is no end",
		    "A: b\r\n\r\nx\r\n.", -1, "A: b\r\n\r\nx\r\n",
		    "A: b\r\n\r\nx\r\n", 6 },
		{ "body line starting with CR LF",
		    "A: b\r\n\r\n\r\n\r\nz\r\n.\r\n", 18,
		    "A: b\r\n\r\n\r\n\r\nz\r\n", "A: b\r\n\r\n\r\n\r\nz\r\n", 6 },
		{ "header line with bare CR start",
		    "A: b\r\n\rX: y\r\n\r\nz\r\n.\r\n", 21,
		    "A: b\r\n\rX: y\r\n\r\nz\r\n", "A: b\r\n\rX: y\r\n\r\nz\r\n",
		    13 },
		{ "header end by bare LF",
		    "A: b\r\n\nz\r\n.\r\n", 13,
		    "A: b\r\n\r\nz\r\n", "A: b\r\n\r\nz\r\n", 6 },
		{ "NUL bytes pass",
		    "A: b\r\n\r\na\0b\r\n.\r\n", 16,
		    "A: b\r\n\r\na\0b\r\n", "A: b\r\n\r\na\0b\r\n", 6 },
	};
	size_t	 i, chunk;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the inputs may hold NUL: measure with the known sizes */
		size_t	 len = strlen(cases[i].in);
		size_t	 slen = strlen(cases[i].store);
		size_t	 clen = strlen(cases[i].content);

		if (strcmp(cases[i].name, "NUL bytes pass") == 0) {
			len = 16;
			slen = clen = 13;
		}
		for (chunk = 0; chunk <= len; chunk++) {
			struct dec_out	 o;
			long		 used;

			used = decode(cases[i].in, len, chunk, &o);
			if (used != cases[i].consumed)
				fail_msg("%s chunk %zu: consumed %ld want %ld",
				    cases[i].name, chunk, used,
				    cases[i].consumed);
			if (buf_len(&o.store) != slen ||
			    memcmp(buf_data(&o.store), cases[i].store,
			    slen) != 0)
				fail_msg("%s chunk %zu: store differs",
				    cases[i].name, chunk);
			if (buf_len(&o.content) != clen ||
			    memcmp(buf_data(&o.content), cases[i].content,
			    clen) != 0)
				fail_msg("%s chunk %zu: content differs",
				    cases[i].name, chunk);
			if (o.hdr_end_content != cases[i].hdr_end)
				fail_msg("%s chunk %zu: header end %ld want "
				    "%ld", cases[i].name, chunk,
				    o.hdr_end_content, cases[i].hdr_end);
			assert_true(o.nhdr_end <= 1);
			dec_free(&o);
		}
	}
}

/*
 * Whatever arrives, what is stored must decode (as the return port will
 * decode it) to exactly the content the mode saw, and must not end early.
 */
static void
test_decoder_roundtrip_random(void **state)
{
	static const char	 alphabet[] = { '.', '\r', '\n', 'a', ' ' };
	unsigned		 seed = 12345;
	int			 iter;

	for (iter = 0; iter < 20000; iter++) {
		char		 in[64];
		size_t		 len, i, rlen;
		struct dec_out	 o, o2;
		long		 used, used2;

		rlen = 1 + (seed = seed * 1103515245 + 12345) % 40;
		for (i = 0; i < rlen; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = alphabet[(seed >> 16) % sizeof(alphabet)];
		}
		/* always terminate; random content may end it earlier */
		memcpy(in + rlen, "\r\n.\r\n", 5);
		len = rlen + 5;
		used = decode(in, len, 1 + (seed >> 20) % 7, &o);
		assert_true(used > 0);
		/* the stored bytes, terminated, decode to the same content */
		buf_add(&o.store, ".\r\n", 3);
		used2 = decode(buf_data(&o.store), buf_len(&o.store), 0, &o2);
		assert_int_equal(used2, (long)buf_len(&o.store));
		assert_int_equal(buf_len(&o2.content), buf_len(&o.content));
		assert_memory_equal(buf_data(&o2.content),
		    buf_data(&o.content), buf_len(&o.content));
		/* stored bytes have only CRLF line ends */
		for (i = 0; i < buf_len(&o2.store); i++)
			if (buf_data(&o2.store)[i] == '\n')
				assert_true(i > 0 &&
				    buf_data(&o2.store)[i - 1] == '\r');
		(void)used;
		dec_free(&o);
		dec_free(&o2);
	}
}

static void
test_dot_stuff(void **state)
{
	struct buf	 b;
	int		 bol = 1;

	buf_init(&b, 1024);
	assert_int_equal(dot_stuff(&b, ".a\r\nb\r\n.\r\n", 10, &bol), 0);
	assert_string_equal(buf_data(&b), "..a\r\nb\r\n..\r\n");
	buf_reset(&b);
	bol = 1;
	/* a line split across calls is stuffed once, at its start */
	dot_stuff(&b, "x\r\n.", 4, &bol);
	dot_stuff(&b, ".y\r\n", 4, &bol);
	assert_string_equal(buf_data(&b), "x\r\n...y\r\n");
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_verbs),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_too_many_params),
		cmocka_unit_test(test_xforward),
		cmocka_unit_test(test_xforward_overlong),
		cmocka_unit_test(test_reply_lines),
		cmocka_unit_test(test_ehlo_keywords),
		cmocka_unit_test(test_enhanced_status),
		cmocka_unit_test(test_decoder_cases),
		cmocka_unit_test(test_decoder_roundtrip_random),
		cmocka_unit_test(test_dot_stuff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
