/*
 * fuzz_dot.c - libFuzzer harness for the DATA decoder of smtp_proto.h
 * (dot_decode) and the dot-stuffer (dot_stuff).
 *
 * Input: 4 bytes seed the chunk sizes, the rest is the DATA stream as a
 * peer sends it after 354. The stream is fed in random chunks (1 byte to
 * the whole rest); if it holds no end-of-data mark, "\r\n.\r\n" follows,
 * which must always end it. Invariants (RFC 5321 4.1.1.4, 4.5.2; the
 * store/content contract of smtp_proto.h):
 *   - the stored bytes and the content hold only CRLF line ends;
 *   - stored + ".\r\n" decodes, in one piece, to the same content and
 *     header boundary, ending exactly at its last byte (so forwarding
 *     the stored bytes can never end the data early: no smuggling);
 *   - dot_stuff(content) + ".\r\n" decodes to the same content again;
 *   - the bytes consumed never exceed what was fed.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "smtp_proto.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define DOT_CAP	(1024 * 1024)

struct dot_out {
	struct buf	 store;
	struct buf	 content;
	long		 hdr_at;	/* content length at header_end */
	int		 nhdr;
};

static void	dot_out_init(struct dot_out *);
static void	dot_out_clear(struct dot_out *);
static void	dot_cb_store(void *, const char *, size_t);
static void	dot_cb_content(void *, const char *, size_t);
static void	dot_cb_header_end(void *);
static int	dot_only_crlf(const struct buf *);
static void	dot_redecode(const char *, size_t, const struct dot_out *);

/* dot_out_init - empty capture buffers */
static void
dot_out_init(struct dot_out *o)
{
	buf_init(&o->store, DOT_CAP);
	buf_init(&o->content, DOT_CAP);
	o->hdr_at = -1;
	o->nhdr = 0;
}

/* dot_out_clear - free the capture buffers */
static void
dot_out_clear(struct dot_out *o)
{
	buf_clear(&o->store);
	buf_clear(&o->content);
}

/* dot_cb_store - capture the bytes to forward */
static void
dot_cb_store(void *arg, const char *p, size_t n)
{
	struct dot_out	*o = arg;

	FUZZ_CHECK(n > 0);
	buf_add(&o->store, p, n);
}

/* dot_cb_content - capture the decoded message */
static void
dot_cb_content(void *arg, const char *p, size_t n)
{
	struct dot_out	*o = arg;

	FUZZ_CHECK(n > 0);
	buf_add(&o->content, p, n);
}

/* dot_cb_header_end - note where the header block ended */
static void
dot_cb_header_end(void *arg)
{
	struct dot_out	*o = arg;

	o->nhdr++;
	o->hdr_at = (long)buf_len(&o->content);
}

/* dot_only_crlf - 1 if every LF in b follows a CR */
static int
dot_only_crlf(const struct buf *b)
{
	size_t	 i;

	for (i = 0; i < buf_len(b); i++)
		if (buf_data(b)[i] == '\n' &&
		    (i == 0 || buf_data(b)[i - 1] != '\r'))
			return 0;
	return 1;
}

/*
 * dot_redecode - decode wire (which must end in the end-of-data mark) in
 * one piece and compare with the first decode.
 */
static void
dot_redecode(const char *wire, size_t len, const struct dot_out *first)
{
	struct dot_decoder_cb	 cb;
	struct dot_decoder	 dd;
	struct dot_out		 o;
	size_t			 used;
	int			 done = 0;
	char			*copy;

	dot_out_init(&o);
	cb.store = dot_cb_store;
	cb.content = dot_cb_content;
	cb.header_end = dot_cb_header_end;
	cb.arg = &o;
	dot_decoder_init(&dd, &cb);
	copy = fuzz_dup(wire, len);
	used = dot_decode(&dd, copy, len, &done);
	FUZZ_CHECK(done == 1);
	FUZZ_CHECK(used == len);
	FUZZ_CHECK(!buf_error(&o.content));
	FUZZ_CHECK(buf_len(&o.content) == buf_len(&first->content));
	FUZZ_CHECK(memcmp(buf_data(&o.content), buf_data(&first->content),
	    buf_len(&o.content)) == 0);
	FUZZ_CHECK(o.nhdr == first->nhdr);
	FUZZ_CHECK(o.hdr_at == first->hdr_at);
	free(copy);
	dot_out_clear(&o);
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
	static const char	 term[] = "\r\n.\r\n";
	struct fuzz_in		 in = { data, size };
	struct dot_decoder_cb	 cb;
	struct dot_decoder	 dd;
	struct dot_out		 o;
	struct buf		 wire;
	uint32_t		 seed;
	size_t			 off, chunk, used;
	char			*msg, *piece;
	int			 done = 0, bol;

	if (size > DOT_CAP / 4)
		return 0;
	seed = fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);
	seed = seed << 8 | fuzz_byte(&in);

	dot_out_init(&o);
	cb.store = dot_cb_store;
	cb.content = dot_cb_content;
	cb.header_end = dot_cb_header_end;
	cb.arg = &o;
	dot_decoder_init(&dd, &cb);

	msg = fuzz_dup(in.p, in.n);
	for (off = 0; off < in.n && !done; off += used) {
		chunk = fuzz_rng(&seed) % 4 == 0 ? in.n - off :
		    1 + fuzz_rng(&seed) % 16;
		if (chunk > in.n - off)
			chunk = in.n - off;
		/* each chunk in its own buffer, as evbuffer pieces are */
		piece = fuzz_dup(msg + off, chunk);
		used = dot_decode(&dd, piece, chunk, &done);
		free(piece);
		FUZZ_CHECK(used <= chunk);
		FUZZ_CHECK(done || used == chunk);
	}
	if (!done) {
		piece = fuzz_dup(term, sizeof(term) - 1);
		used = dot_decode(&dd, piece, sizeof(term) - 1, &done);
		free(piece);
		FUZZ_CHECK(done == 1);
		FUZZ_CHECK(used <= sizeof(term) - 1);
	}
	free(msg);
	FUZZ_CHECK(o.nhdr <= 1);
	FUZZ_CHECK(!buf_error(&o.store) && !buf_error(&o.content));
	FUZZ_CHECK(dot_only_crlf(&o.store));
	FUZZ_CHECK(dot_only_crlf(&o.content));

	/* the forwarded bytes, then the end mark Postfix's client adds */
	buf_init(&wire, DOT_CAP * 2);
	buf_add(&wire, buf_data(&o.store), buf_len(&o.store));
	buf_add(&wire, ".\r\n", 3);
	FUZZ_CHECK(!buf_error(&wire));
	dot_redecode(buf_data(&wire), buf_len(&wire), &o);

	/* the decoded content stuffed again (as a return-side client does) */
	buf_reset(&wire);
	bol = 1;
	FUZZ_CHECK(dot_stuff(&wire, buf_data(&o.content),
	    buf_len(&o.content), &bol) == 0);
	FUZZ_CHECK(bol == 1 || buf_len(&o.content) > 0);
	buf_add(&wire, ".\r\n", 3);
	FUZZ_CHECK(!buf_error(&wire));
	dot_redecode(buf_data(&wire), buf_len(&wire), &o);

	buf_clear(&wire);
	dot_out_clear(&o);
	return 0;
}
