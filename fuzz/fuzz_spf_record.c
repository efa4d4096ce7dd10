/*
 * fuzz_spf_record.c - libFuzzer harness for the SPF record parser of
 * spf.h (spf_record_is_spf, spf_record_count_terms, spf_record_parse)
 * and the domain-name checks.
 *
 * Input: the text of a TXT record. Invariants: a parsed record has at
 * most the counted bound of terms, every term lies inside the record in
 * order, its argument inside the term, CIDR lengths in range, the
 * redirect/exp indices point at terms of that kind, modifiers follow
 * the mechanisms' kinds; the error text is a C string that fits and
 * holds no control byte (it is logged).
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spf.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
	struct spf_record	 rec;
	struct spf_term		*terms;
	const struct spf_term	*t;
	const char		*prev;
	char			*p, err[128];
	size_t			 bound, i;
	int			 is, all = 0;

	if (size > 2 * SPF_RECORD_MAX)
		return 0;
	p = fuzz_dup(data, size);
	is = spf_record_is_spf(p, size);
	bound = spf_record_count_terms(p, size);
	if (bound > SPF_MAX_TERMS)
		bound = SPF_MAX_TERMS;
	terms = (struct spf_term *)fuzz_dup("", (bound == 0 ? 1 : bound) *
	    sizeof(*terms));

	memset(err, 'x', sizeof(err));
	if (spf_record_parse(p, size, &rec, terms, bound, err,
	    sizeof(err)) == -1) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(err[0] != '\0');
		for (i = 0; err[i] != '\0'; i++)
			FUZZ_CHECK((unsigned char)err[i] >= 0x20 &&
			    (unsigned char)err[i] < 0x7f);
	} else {
		FUZZ_CHECK(is);
		FUZZ_CHECK(rec.terms == terms);
		FUZZ_CHECK(rec.nterms <= bound);
		prev = p;
		for (i = 0; i < rec.nterms; i++) {
			t = &terms[i];
			FUZZ_CHECK(t->textlen > 0);
			FUZZ_CHECK(fuzz_within(t->text, t->textlen, p, size));
			FUZZ_CHECK(t->text >= prev);
			prev = t->text + t->textlen;
			FUZZ_CHECK(memchr(t->text, ' ', t->textlen) == NULL);
			if (t->arg != NULL)
				FUZZ_CHECK(fuzz_within(t->arg, t->arglen,
				    t->text, t->textlen));
			FUZZ_CHECK(t->cidr4 >= 0 && t->cidr4 <= 32);
			FUZZ_CHECK(t->cidr6 >= 0 && t->cidr6 <= 128);
			FUZZ_CHECK(strchr("+-~?", t->qualifier) != NULL &&
			    t->qualifier != '\0');
			FUZZ_CHECK(t->kind >= SPF_T_ALL &&
			    t->kind <= SPF_T_UNKNOWN_MOD);
			if (t->kind == SPF_T_ALL)
				all = 1;
			if (t->kind == SPF_T_INCLUDE ||
			    t->kind == SPF_T_EXISTS ||
			    t->kind == SPF_T_REDIRECT || t->kind == SPF_T_EXP)
				FUZZ_CHECK(t->arg != NULL && t->arglen > 0);
			if (t->arg != NULL && t->kind != SPF_T_UNKNOWN_MOD &&
			    t->kind != SPF_T_IP4 && t->kind != SPF_T_IP6)
				FUZZ_CHECK(spf_domain_spec_check(t->arg,
				    t->arglen) == 0);
		}
		FUZZ_CHECK(rec.has_all == all);
		FUZZ_CHECK(rec.redirect == -1 ||
		    (rec.redirect >= 0 && (size_t)rec.redirect < rec.nterms &&
		    terms[rec.redirect].kind == SPF_T_REDIRECT));
		FUZZ_CHECK(rec.exp == -1 ||
		    (rec.exp >= 0 && (size_t)rec.exp < rec.nterms &&
		    terms[rec.exp].kind == SPF_T_EXP));
	}
	(void)spf_domain_ok(p, size);
	(void)spf_domain_valid_identity(p, size);
	free(terms);
	free(p);
	return 0;
}
