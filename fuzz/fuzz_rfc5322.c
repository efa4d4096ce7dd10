/*
 * fuzz_rfc5322.c - libFuzzer harness for rfc5322.h: the header block
 * splitter (rfc5322_parse, rfc5322_find, rfc5322_count) and the address
 * list parser (rfc5322_parse_mailboxes), plus keytable_identity() on the
 * addresses found, as sign mode uses the From address.
 *
 * Input: a header block. Invariants: fields lie inside the block, in
 * order, without overlap; name and value lie inside the raw field; the
 * field count respects maxfields; find/count agree; every stored
 * mailbox is a C string under 256 bytes whose domain part follows an '@'
 * and holds none, unless it is a domain literal; a failed parse reports
 * -1 and leaves no partial slot.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "keytable.h"
#include "rfc5322.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define R_MAXADDRS	8

static void	fuzz_mailboxes(const char *, size_t);

/*
 * fuzz_mailboxes - parse one address field value held in its own
 * exactly sized buffer.
 */
static void
fuzz_mailboxes(const char *value, size_t len)
{
	char		 addrs[R_MAXADDRS][256];
	char		 ident[300];
	const char	*dom;
	char		*copy;
	int		 n, i, count;

	copy = fuzz_dup(value, len);
	memset(addrs, 0, sizeof(addrs));
	n = rfc5322_parse_mailboxes(copy, len, addrs, R_MAXADDRS);
	count = rfc5322_parse_mailboxes(copy, len, NULL, 0);
	FUZZ_CHECK(n == count);
	FUZZ_CHECK(n >= -1);
	for (i = 0; i < R_MAXADDRS; i++) {
		FUZZ_CHECK(memchr(addrs[i], '\0', sizeof(addrs[i])) != NULL);
		if (n == -1)
			FUZZ_CHECK(addrs[i][0] == '\0');
		if (i >= n)
			continue;
		if ((dom = rfc5322_addr_domain(addrs[i])) != NULL) {
			FUZZ_CHECK(dom > addrs[i] && dom[-1] == '@');
			/* dtext includes '@' (RFC 5322 3.4.1): "[@]" */
			FUZZ_CHECK(dom[0] == '[' || strchr(dom, '@') == NULL);
			if (keytable_identity("%", addrs[i], dom, strlen(dom),
			    ident, sizeof(ident)) == 0)
				FUZZ_CHECK(strlen(ident) < sizeof(ident));
			if (keytable_identity("signer@%", addrs[i], dom,
			    strlen(dom), ident, sizeof(ident)) == 0)
				FUZZ_CHECK(strncmp(ident, "signer@", 7) == 0);
		}
	}
	free(copy);
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
	struct rfc5322_hdr	 hdr;
	const struct rfc5322_field *f;
	const char		*prev_end;
	char			*block, *name;
	size_t			 i, maxfields, cnt;
	ssize_t			 idx;
	int			 rc;

	if (size < 1)
		return 0;
	maxfields = data[0] % 64 == 0 ? 1000 : data[0] % 64;
	block = fuzz_dup(data + 1, size - 1);
	size--;

	rfc5322_hdr_init(&hdr);
	rc = rfc5322_parse(&hdr, block, size, maxfields);
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(hdr.nfields <= maxfields);
	FUZZ_CHECK(hdr.nfields == 0 || hdr.nfields <= hdr.cap);
	prev_end = block;
	for (i = 0; i < hdr.nfields; i++) {
		f = &hdr.fields[i];
		FUZZ_CHECK(fuzz_within(f->raw, f->rawlen, block, size));
		FUZZ_CHECK(f->raw >= prev_end);
		prev_end = f->raw + f->rawlen;
		FUZZ_CHECK(fuzz_within(f->name, f->namelen, f->raw,
		    f->rawlen));
		FUZZ_CHECK(fuzz_within(f->value, f->valuelen, f->raw,
		    f->rawlen));
		FUZZ_CHECK(f->namelen > 0);
		FUZZ_CHECK(memchr(f->name, ':', f->namelen) == NULL);

		/* find and count agree on this field's name */
		name = fuzz_dupz(f->name, f->namelen);
		if (memchr(f->name, '\0', f->namelen) == NULL) {
			FUZZ_CHECK(rfc5322_name_eq(f, name));
			idx = rfc5322_find(&hdr, name, 0);
			FUZZ_CHECK(idx >= 0 && (size_t)idx <= i);
			FUZZ_CHECK(rfc5322_name_eq(&hdr.fields[idx], name));
			FUZZ_CHECK(rfc5322_find(&hdr, name, i) == (ssize_t)i);
			cnt = rfc5322_count(&hdr, name);
			FUZZ_CHECK(cnt >= 1 && cnt <= hdr.nfields);
		}
		free(name);

		if (i < 16)
			fuzz_mailboxes(f->value, f->valuelen);
	}
	FUZZ_CHECK(rfc5322_find(&hdr, "From", hdr.nfields) == -1);
	rfc5322_hdr_clear(&hdr);

	/* the whole input as one address field value, too */
	fuzz_mailboxes(block, size);
	free(block);
	return 0;
}
