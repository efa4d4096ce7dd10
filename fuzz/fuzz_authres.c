/*
 * fuzz_authres.c - libFuzzer harness for authres.h: the
 * Authentication-Results builder's escaping (authres_new, authres_add,
 * authres_finish) and the forged-field detection (authres_id_of,
 * authres_claims, authres_forged).
 *
 * Input: parts separated by 0xff (never part of UTF-8): the authserv-id,
 * a method, a result, a reason, a comment, then property values (which
 * may hold NUL: they are passed with their length). Invariants for the
 * built field (RFC 8601 2.2; "no input can end a value, a comment or the
 * field early", authres.h):
 *   - it is one header field named Authentication-Results, ending in the
 *     eol, every inner CRLF followed by a TAB (folding), no other control
 *     byte;
 *   - outside quoted strings and comments there are exactly as many ";"
 *     as results (one for "none"), quotes and comments are closed;
 *   - our own field claims our authserv-id (authres_claims) whenever the
 *     id is a plain token of at most 255 characters (what config.c
 *     accepts).
 * Then the whole input is read as a foreign A-R value: authres_id_of's
 * id is always claimed by authres_claims; a value that claims our id
 * when cut at its first NUL (as a C-string consumer reads it) claims it
 * whole; authres_forged over a header block holding it agrees with
 * authres_claims.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"
#include "fuzz.h"
#include "rfc5322.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define AR_CAP		(256 * 1024)
#define AR_PARTS	11

static void	fuzz_check_field(const char *, size_t, size_t, const char *);
static int	fuzz_plain_id(const char *);
static void	fuzz_detect(const char *, size_t);

/* fuzz_plain_id - letters, digits, '-' and inner dots only */
static int
fuzz_plain_id(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.'))
			return 0;
	return 1;
}

/*
 * fuzz_check_field - the built field f (len bytes, "\r\n" line ends)
 * holds nres results and was made for authserv-id id.
 */
static void
fuzz_check_field(const char *f, size_t len, size_t nres, const char *id)
{
	struct rfc5322_hdr	 hdr;
	const char		*v;
	size_t			 i, semis = 0, vlen;
	int			 quoted = 0, depth = 0;

	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)f[i];

		if (c == '\r') {
			FUZZ_CHECK(i + 1 < len && f[i + 1] == '\n');
			FUZZ_CHECK(i + 2 == len || f[i + 2] == '\t');
			FUZZ_CHECK(!quoted && depth == 0);
			continue;
		}
		if (c == '\n') {
			FUZZ_CHECK(i > 0 && f[i - 1] == '\r');
			continue;
		}
		FUZZ_CHECK(c >= 0x20 || c == '\t');
		FUZZ_CHECK(c != 0x7f);
		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = 0;
		} else if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (c == '"')
			quoted = 1;
		else if (c == '(')
			depth = 1;
		else if (c == ';')
			semis++;
		else
			FUZZ_CHECK(c != ')');
	}
	FUZZ_CHECK(!quoted && depth == 0);
	FUZZ_CHECK(semis == (nres == 0 ? 1 : nres));
	FUZZ_CHECK(len >= 2 && f[len - 2] == '\r' && f[len - 1] == '\n');

	rfc5322_hdr_init(&hdr);
	FUZZ_CHECK(rfc5322_parse(&hdr, f, len, 10) == 0);
	FUZZ_CHECK(hdr.nfields == 1 && hdr.nbad == 0);
	FUZZ_CHECK(rfc5322_name_eq(&hdr.fields[0], AUTHRES_FIELD));
	v = hdr.fields[0].value;
	vlen = hdr.fields[0].valuelen;
	/* config.c accepts ids of at most 255 characters */
	if (fuzz_plain_id(id) && strlen(id) <= 255)
		FUZZ_CHECK(authres_claims(v, vlen, id) == 1);
	rfc5322_hdr_clear(&hdr);
}

/*
 * fuzz_detect - read p as the value of a foreign A-R field.
 */
static void
fuzz_detect(const char *p, size_t len)
{
	struct rfc5322_hdr	 hdr;
	struct buf		 block;
	char			 id[256], *blk;	/* authres.c's AUTHRES_ID_MAX */
	const char		*nul;
	size_t			*drop = NULL, ndrop = 0, i;
	int			 claims;

	if (authres_id_of(p, len, id, sizeof(id)) == 0) {
		FUZZ_CHECK(memchr(id, '\0', sizeof(id)) != NULL);
		if (strlen(id) > 0 && strcmp(id, ".") != 0)
			FUZZ_CHECK(authres_claims(p, len, id) == 1);
	}
	claims = authres_claims(p, len, "mx.example.org");
	/* a consumer reading C strings stops at a NUL: what it would take
	 * for our field must be dropped */
	if ((nul = memchr(p, '\0', len)) != NULL &&
	    authres_claims(p, (size_t)(nul - p), "mx.example.org"))
		FUZZ_CHECK(claims == 1);

	/* a block: the field between two others, as the verify mode sees */
	buf_init(&block, AR_CAP);
	buf_adds(&block, "Received: x\r\nAuthentication-Results:");
	buf_add(&block, p, len);
	buf_adds(&block, "\r\nFrom: a@example.com\r\n");
	if (buf_error(&block) || memchr(p, '\n', len) != NULL ||
	    memchr(p, '\r', len) != NULL) {
		buf_clear(&block);
		return;
	}
	blk = fuzz_dup(buf_data(&block), buf_len(&block));
	rfc5322_hdr_init(&hdr);
	(void)rfc5322_parse(&hdr, blk, buf_len(&block), 100);
	FUZZ_CHECK(hdr.nfields == 3);
	authres_forged(&hdr, "mx.example.org", &drop, &ndrop);
	FUZZ_CHECK(ndrop == (size_t)claims);
	for (i = 0; i < ndrop; i++)
		FUZZ_CHECK(drop[i] == 1);
	free(drop);
	rfc5322_hdr_clear(&hdr);
	free(blk);
	buf_clear(&block);
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
	static const char *const props[][2] = { { "header", "d" },
	    { "header", "s" }, { "header", "i" }, { "smtp", "mailfrom" },
	    { "header", "from" }, { "policy", "dmarc" } };
	struct fuzz_in		 in = { data, size }, part[AR_PARTS];
	struct authres_prop	 pr[AR_PARTS];
	struct authres		*ar;
	struct buf		 out;
	char			*s[AR_PARTS], *z[AR_PARTS], *copy;
	size_t			 i, np = 0, nres = 0;

	if (size > 64 * 1024)
		return 0;
	for (i = 0; i < AR_PARTS; i++) {
		part[i] = fuzz_part(&in, 0xff);
		s[i] = fuzz_dup(part[i].p, part[i].n);	/* exact, no NUL */
		z[i] = fuzz_dupz(part[i].p, part[i].n);	/* C string */
	}

	ar = authres_new(z[0]);
	for (i = 5; i < AR_PARTS; i++) {
		pr[np].ptype = props[np][0];
		pr[np].property = props[np][1];
		pr[np].value = s[i];
		pr[np].len = part[i].n;
		np++;
	}
	if (authres_add(ar, "dkim", "pass", z[3], z[4], pr, np) == 0)
		nres++;
	if (authres_add(ar, z[1], z[2], NULL, z[4], NULL, 0) == 0)
		nres++;
	if (authres_add(ar, "spf", "fail", NULL, NULL, pr, 1) == 0)
		nres++;
	FUZZ_CHECK(authres_count(ar) == nres);
	FUZZ_CHECK(nres >= 2);

	buf_init(&out, AR_CAP);
	if (authres_finish(ar, &out, "\r\n") == 0)
		fuzz_check_field(buf_data(&out), buf_len(&out), nres, z[0]);
	buf_clear(&out);
	authres_free(ar);

	/* an empty builder says "none" */
	ar = authres_new(z[0]);
	buf_init(&out, AR_CAP);
	FUZZ_CHECK(authres_finish(ar, &out, "\r\n") == 0);
	fuzz_check_field(buf_data(&out), buf_len(&out), 0, z[0]);
	buf_clear(&out);
	authres_free(ar);

	for (i = 0; i < AR_PARTS; i++) {
		free(s[i]);
		free(z[i]);
	}

	copy = fuzz_dup(data, size);
	fuzz_detect(copy, size);
	free(copy);
	return 0;
}
