/*
 * mock_dns.h - link-time replacement of src/dns.c for unit tests.
 *
 * Link tests/unit/mock_dns.c into a test program and its dns_new,
 * dns_free, dns_lookup and dns_cancel replace the libunbound ones (the
 * linker then never pulls dns.o out of libdkimgate.a). The pure half of
 * dns.h (dns_parse_packet, dns_status_name, dns_sec_name) lives in
 * src/dns_packet.c and is the real code.
 *
 * The mock answers from a table of (name, type) -> status, DNSSEC status,
 * RRs, delay. Names compare case-insensitively, with or without the
 * trailing dot. A name/type not in the table gets the default answer
 * (NXDOMAIN, insecure, unless changed). Answers arrive from the event
 * loop given to dns_new() (never before dns_lookup returns), after the
 * entry's delay; a delay beyond the look-up timeout, or MOCK_DNS_HANG,
 * gives DNS_TEMPFAIL at the timeout, as the real resolver does.
 *
 * Every query is recorded (name as asked, type, whether it was answered or
 * cancelled), and expectations can be set: names that must be asked, and
 * optionally a strict mode in which any other query fails the test.
 *
 * Ownership: the mock copies everything it is given; mock_dns_reset()
 * frees it all (call it in each test's setup). Records returned by
 * mock_dns_query() stay valid until the next reset.
 */
#ifndef DKIMGATE_MOCK_DNS_H
#define DKIMGATE_MOCK_DNS_H

#include <stddef.h>

#include "dns.h"

#define MOCK_DNS_HANG	(-1L)	/* delay: never answers */

struct mock_dns_entry;

struct mock_dns_query_rec {
	char		*name;		/* as passed to dns_lookup */
	int		 qtype;
	int		 answered;	/* the callback ran */
	int		 cancelled;	/* dns_cancel / dns_free first */
	enum dns_status	 status;	/* what was (or would be) answered */
};

/* mock_dns_reset - forget the table, the query log and expectations */
void	mock_dns_reset(void);

/*
 * mock_dns_add - answer (name, qtype) with status and sec after delay_ms
 * (0: on the next loop iteration). Returns the entry, to which RRs are
 * added; a later entry for the same name/type replaces an earlier one.
 */
struct mock_dns_entry *mock_dns_add(const char *name, int qtype,
	    enum dns_status, enum dns_sec, long delay_ms);

/* mock_dns_add_rr - raw RDATA (copied) */
void	mock_dns_add_rr(struct mock_dns_entry *, const void *, size_t);
/* mock_dns_add_txt - TXT RDATA from text, split in 255-byte strings */
void	mock_dns_add_txt(struct mock_dns_entry *, const char *);
/* mock_dns_add_txt_parts - TXT RDATA from n given strings (each <= 255) */
void	mock_dns_add_txt_parts(struct mock_dns_entry *, const char **,
	    size_t);
/* mock_dns_add_addr - A or AAAA RDATA from "192.0.2.1" / "2001:db8::1" */
void	mock_dns_add_addr(struct mock_dns_entry *, const char *);
/* mock_dns_add_name - MX (pref) or PTR target (pref ignored) */
void	mock_dns_add_name(struct mock_dns_entry *, unsigned pref,
	    const char *);
/* mock_dns_set_why - why_bogus text given with the answer */
void	mock_dns_set_why(struct mock_dns_entry *, const char *);

/*
 * Shorthands: mock_dns_txt(name, sec, text) = an OK TXT answer with one
 * RR, no delay; mock_dns_status(name, type, status, sec) = no RRs.
 */
struct mock_dns_entry *mock_dns_txt(const char *name, enum dns_sec,
	    const char *text);
struct mock_dns_entry *mock_dns_status(const char *name, int qtype,
	    enum dns_status, enum dns_sec);

/* mock_dns_set_default - answer for names not in the table */
void	mock_dns_set_default(enum dns_status, enum dns_sec);
/* mock_dns_set_timeout_ms - look-up timeout (default: dns_conf timeout) */
void	mock_dns_set_timeout_ms(long);
/* mock_dns_fail_new - make the next dns_new() fail with this message */
void	mock_dns_fail_new(const char *);
/* mock_dns_fail_lookup - make dns_lookup() return NULL for this name */
void	mock_dns_fail_lookup(const char *name);

/* query log */
size_t	mock_dns_nqueries(void);
const struct mock_dns_query_rec *mock_dns_query(size_t);
size_t	mock_dns_count(const char *name, int qtype);	/* times asked */
size_t	mock_dns_pending(void);		/* started, not answered/cancelled */
size_t	mock_dns_contexts(void);	/* dns_new minus dns_free */

/*
 * Expectations: mock_dns_expect(name, type) must be asked at least once
 * by the time mock_dns_check() runs; with mock_dns_strict(1), a query not
 * expected fails the test at once (cmocka fail_msg).
 */
void	mock_dns_expect(const char *name, int qtype);
void	mock_dns_strict(int);
void	mock_dns_check(void);

#endif
