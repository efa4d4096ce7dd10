/*
 * fuzz_dns.c - libFuzzer harness for the DNS wire-format parser of
 * dns.h (dns_parse_packet), which reads what comes back from the
 * network through libunbound.
 *
 * Input: one byte selecting the query type and the array sizes, then
 * the packet. Invariants: the count is -1 or at most maxrr; RDATA lies
 * inside the packet; A and AAAA RDATA have their fixed sizes; MX/PTR
 * names are NUL-terminated inside namebuf, lower case, without a
 * trailing dot; TXT RDATA that the parser passed joins without error
 * through dkim_key_txt_concat (the key-record path) and satisfies
 * spf_record_is_spf / dmarc_record_parse without crashing.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_key.h"
#include "dmarc.h"
#include "dns.h"
#include "fuzz.h"
#include "spf.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define DNS_FUZZ_MAXRR	32

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
	static const int	 types[] = { DNS_T_TXT, DNS_T_MX, DNS_T_PTR,
				    DNS_T_A, DNS_T_AAAA, 99, 255, 0 };
	struct dns_rr		 rr[DNS_FUZZ_MAXRR];
	struct dmarc_record	 dr;
	unsigned char		*pkt;
	char			*names, *txt;
	size_t			 maxrr, namesz, i, nlen;
	ssize_t			 tn;
	int			 qtype, n, rcode = -1;

	if (size < 1)
		return 0;
	qtype = types[data[0] & 7];
	maxrr = (data[0] >> 3) & 1 ? DNS_FUZZ_MAXRR : 1 + (data[0] >> 4);
	namesz = (data[0] >> 3) & 1 ? 4096 : 1 + 16 * (data[0] >> 4);
	pkt = (unsigned char *)fuzz_dup(data + 1, size - 1);
	names = fuzz_dup("", namesz);

	n = dns_parse_packet(pkt, size - 1, qtype, rr, maxrr, names, namesz,
	    &rcode);
	FUZZ_CHECK(n >= -1 && n <= (int)maxrr);
	if (n >= 0)
		FUZZ_CHECK(rcode >= 0 && rcode <= 15);
	for (i = 0; n > 0 && i < (size_t)n; i++) {
		FUZZ_CHECK(fuzz_within(rr[i].data, rr[i].len, pkt, size - 1));
		if (qtype == DNS_T_A)
			FUZZ_CHECK(rr[i].len == 4);
		if (qtype == DNS_T_AAAA)
			FUZZ_CHECK(rr[i].len == 16);
		if (qtype == DNS_T_MX || qtype == DNS_T_PTR) {
			FUZZ_CHECK(rr[i].name != NULL);
			FUZZ_CHECK(rr[i].name >= names &&
			    rr[i].name < names + namesz);
			FUZZ_CHECK(memchr(rr[i].name, '\0',
			    names + namesz - rr[i].name) != NULL);
			nlen = strlen(rr[i].name);
			FUZZ_CHECK(nlen == 0 || rr[i].name[nlen - 1] != '.');
			while (nlen-- > 0)
				FUZZ_CHECK(!(rr[i].name[nlen] >= 'A' &&
				    rr[i].name[nlen] <= 'Z'));
		} else
			FUZZ_CHECK(rr[i].name == NULL);
		if (qtype == DNS_T_TXT) {
			txt = fuzz_dup("", rr[i].len);
			tn = dkim_key_txt_concat(rr[i].data, rr[i].len, txt,
			    rr[i].len);
			FUZZ_CHECK(tn >= 0 && (size_t)tn < rr[i].len + 1);
			(void)spf_record_is_spf(txt, (size_t)tn);
			(void)dmarc_record_parse(txt, (size_t)tn, &dr);
			free(txt);
		}
	}
	free(names);
	free(pkt);
	return 0;
}
