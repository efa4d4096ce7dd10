/*
 * dkim_testutil.c - helpers for the DKIM primitive unit tests.
 */
#include "autoconf.h"

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "crypto.h"
#include "dkim_canon.h"
#include "dkim_key.h"
#include "dkim_sig.h"
#include "dkim_testutil.h"
#include "xmalloc.h"

/* tu_read - read dir/name whole */
char *
tu_read(const char *dir, const char *name, size_t *len)
{
	char	 path[1024];
	FILE	*fp;
	char	*p;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "rb")) == NULL) {
		print_error("cannot open %s\n", path);
		fail();
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	assert_true(n >= 0);
	p = xmalloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	p[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return p;
}

/* tu_dup - exact-length heap copy */
char *
tu_dup(const void *p, size_t len)
{
	return xmemdup(p, len);
}

/* tu_crlf - bare LF to CRLF */
char *
tu_crlf(const char *p, size_t len, size_t *outlen)
{
	char	*out = xmalloc(2 * len + 1);
	size_t	 i, o = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = p[i];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/*
 * tu_msg_parse - a field starts at a line that does not begin with WSP
 * and runs to the CRLF before the next such line.
 */
int
tu_msg_parse(struct tu_msg *m, const char *p, size_t len)
{
	size_t	 i, start, hdrend, cap = 16;
	char	*end;

	memset(m, 0, sizeof(*m));
	m->data = tu_crlf(p, len, &m->len);
	if (m->len >= 2 && m->data[0] == '\r' && m->data[1] == '\n') {
		hdrend = 0;		/* no header field at all */
		m->body = m->data + 2;
	} else {
		if ((end = strstr(m->data, "\r\n\r\n")) == NULL)
			return -1;
		hdrend = end + 2 - m->data;
		m->body = end + 4;
	}
	m->bodylen = m->len - (m->body - m->data);
	m->hdr.fields = xcalloc(cap, sizeof(*m->hdr.fields));
	m->hdr.cap = cap;
	for (i = 0; i < hdrend; ) {
		struct rfc5322_field *f;
		const char *colon;

		start = i;
		do {
			while (m->data[i] != '\n')
				i++;
			i++;
		} while (i < hdrend && (m->data[i] == ' ' ||
		    m->data[i] == '\t'));
		if (m->hdr.nfields == m->hdr.cap) {
			m->hdr.cap *= 2;
			m->hdr.fields = xreallocarray(m->hdr.fields,
			    m->hdr.cap, sizeof(*m->hdr.fields));
		}
		f = &m->hdr.fields[m->hdr.nfields++];
		f->raw = m->data + start;
		f->rawlen = i - start;
		colon = memchr(f->raw, ':', f->rawlen);
		assert_non_null(colon);
		f->name = f->raw;
		f->namelen = colon - f->raw;
		f->value = colon + 1;
		f->valuelen = f->raw + f->rawlen - 2 - f->value;
	}
	return 0;
}

/* tu_msg_free - release a parsed message */
void
tu_msg_free(struct tu_msg *m)
{
	free(m->hdr.fields);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

/* tu_bodyhash - canonicalize and hash a body in one chunk */
size_t
tu_bodyhash(enum dkim_canon c, enum crypto_md md, long long l,
    const char *body, size_t len, unsigned char out[CRYPTO_MAX_MD])
{
	struct dkim_bodyhash *bh;
	size_t	 n;

	bh = dkim_bodyhash_new(c, md, l);
	dkim_bodyhash_update(bh, body, len);
	n = dkim_bodyhash_final(bh, out, NULL);
	dkim_bodyhash_free(bh);
	return n;
}

/*
 * tu_verify - RFC 6376 6.1.1 to 6.1.3 for one signature, with the key
 * record given instead of looked up.
 */
int
tu_verify(const struct tu_msg *m, size_t sigidx, const char *keytxt,
    size_t keylen, const char **why)
{
	const struct rfc5322_field *f = &m->hdr.fields[sigidx];
	struct dkim_sig	*sig;
	struct dkim_key	 key;
	struct crypto_hash *h;
	struct buf	 in;
	unsigned char	 d[CRYPTO_MAX_MD];
	size_t		 dl;
	int		 r;

	sig = xcalloc(1, sizeof(*sig));
	dkim_key_init(&key);
	if (dkim_sig_parse(sig, f->value, f->valuelen, why) == -1 ||
	    dkim_key_parse(&key, keytxt, keylen, why) == -1 ||
	    dkim_key_check(&key, sig, why) == -1) {
		r = -1;
		goto done;
	}
	dl = tu_bodyhash(sig->bcanon, sig->md, sig->l, m->body, m->bodylen, d);
	if (dl != sig->bhlen || memcmp(d, sig->bh, dl) != 0) {
		*why = "body hash did not verify";
		r = 0;
		goto done;
	}
	buf_init(&in, 1 << 20);
	if (dkim_sig_header_input(sig->hcanon, &m->hdr, sigidx, sig->h,
	    sig->nh, f->raw, f->rawlen, &in) == -1) {
		buf_clear(&in);
		*why = "header input";
		r = -1;
		goto done;
	}
	h = crypto_hash_new(sig->md);
	crypto_hash_update(h, buf_data(&in), buf_len(&in));
	dl = crypto_hash_final(h, d);
	crypto_hash_free(h);
	buf_clear(&in);
	r = crypto_verify(key.key, sig->md, d, dl, sig->b, sig->blen);
	if (r != 1)
		*why = "signature did not verify";
 done:
	dkim_key_clear(&key);
	free(sig);
	return r;
}

/*
 * tu_sign - RFC 6376 3.7 / 5: body hash, field with empty b=, header
 * hash over the selected fields and that field, signature appended.
 */
char *
tu_sign(const struct tu_msg *m, const struct crypto_key *key,
    struct dkim_sig_spec *spec)
{
	unsigned char	 bh[CRYPTO_MAX_MD], d[CRYPTO_MAX_MD];
	unsigned char	 sig[CRYPTO_MAX_SIG];
	char		 err[256];
	struct crypto_hash *h;
	struct buf	 field, in;
	size_t		 dl, siglen = sizeof(sig);

	spec->bhlen = tu_bodyhash(spec->bcanon, CRYPTO_MD_SHA256, -1, m->body,
	    m->bodylen, bh);
	spec->bh = bh;
	buf_init(&field, 64 * 1024);
	buf_init(&in, 1 << 20);
	if (dkim_sig_build(spec, &field) == -1 ||
	    dkim_sig_header_input(spec->hcanon, &m->hdr, SIZE_MAX, spec->h,
	    spec->nh, buf_data(&field), buf_len(&field), &in) == -1)
		goto fail;
	h = crypto_hash_new(CRYPTO_MD_SHA256);
	crypto_hash_update(h, buf_data(&in), buf_len(&in));
	dl = crypto_hash_final(h, d);
	crypto_hash_free(h);
	if (crypto_sign(key, d, dl, sig, &siglen, err, sizeof(err)) == -1) {
		print_error("crypto_sign: %s\n", err);
		goto fail;
	}
	if (dkim_sig_add_b(&field, sig, siglen) == -1)
		goto fail;
	buf_clear(&in);
	spec->bh = NULL;
	return buf_steal(&field, NULL);
 fail:
	buf_clear(&in);
	buf_clear(&field);
	spec->bh = NULL;
	return NULL;
}
