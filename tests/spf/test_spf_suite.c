/*
 * test_spf_suite.c - run every case of the openspf.org RFC 7208
 * conformance suite (tests/vectors/spf/rfc7208-tests.yml, converted to
 * rfc7208-tests.txt by tests/spf/yaml2txt.py) through spf_check(), with
 * each scenario's zone data served by the mock resolver
 * (tests/unit/mock_dns.c) under the suite's own DNS rules
 * (tests/vectors/spf/README): SPF entries double as TXT unless the name
 * has TXT entries, "TXT: NONE" suppresses that, a bare TIMEOUT makes a
 * query time out unless a record of its type came first, "TYPE: TIMEOUT"
 * makes that type time out, CNAMEs are followed.
 *
 * Where the suite allows several results, any of them is accepted. For
 * "fail" cases with an explanation the text is compared; the suite's
 * driver uses the literal "DEFAULT" when the record gave no exp=, which
 * for spf_check() is an empty explanation.
 *
 * One deviation, listed in deviations[] below: in "v-macro-ip6" the
 * suite expects the nibbles of %{i} for an IPv6 <ip> in upper case
 * (pyspf's choice). RFC 7208 7.3 does not fix their case and the examples
 * of RFC 7208 7.4 write them in lower case ("1.0.b.c.0.0...8.b.d.0.1.0.0.2
 * .ip6._spf.example.com"), which spf.c follows; that case's explanation
 * is therefore compared ignoring ASCII case (RFC 4343: DNS names are
 * case-insensitive anyway). The result itself is compared as usual.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dns.h"
#include "mock_dns.h"
#include "spf.h"
#include "xmalloc.h"

#define SUITE_FILE	TEST_VECDIR "/spf/rfc7208-tests.txt"
#define MAXF		16
#define CNAME_DEPTH	8

struct field {
	char	*p;		/* NUL-terminated, may hold NULs too */
	size_t	 len;
};

struct zent {
	char		*owner;
	char		*type;		/* A AAAA MX PTR TXT SPF CNAME TIMEOUT
					 * NONE */
	struct field	 f[MAXF];
	int		 nf;
};

struct scen;

struct tcase {
	struct scen	*sc;
	char		*name;
	char		*spec;
	char		*helo;
	char		*host;
	char		*mailfrom;
	char		*results;
	char		*expl;		/* NULL: not checked */
	char		*title;
};

struct scen {
	char		*desc;
	struct zent	*z;
	size_t		 nz;
};

struct answer {
	enum dns_status	 status;
	struct zent	*rr[64];
	size_t		 nrr;
};

/* cases whose explanation is compared ignoring case (see above) */
static const char *const deviations[] = { "v-macro-ip6" };

static struct scen	*scens;
static size_t		 nscens;
static struct tcase	*cases;
static size_t		 ncases;

static void	 unescape(const char *, size_t, struct field *);
static void	 load_suite(void);
static int	 name_eq(const char *, const char *);
static int	 type_code(const char *);
static void	 resolve(struct scen *, const char *, int, int,
		    struct answer *);
static void	 load_zone(struct scen *);
static void	 done_cb(void *, const struct spf_result *);
static void	 run_case(void **);

/*
 * unescape - a field of the .txt format: \\ \t \n \r \0 \xHH.
 */
static void
unescape(const char *s, size_t n, struct field *out)
{
	size_t	 i, o = 0;
	char	*p = xmalloc(n + 1);
	unsigned v;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			p[o++] = s[i];
			continue;
		}
		i++;
		switch (s[i]) {
		case 't': p[o++] = '\t'; break;
		case 'n': p[o++] = '\n'; break;
		case 'r': p[o++] = '\r'; break;
		case '0': p[o++] = '\0'; break;
		case 'x':
			if (i + 2 < n + 1 &&
			    sscanf(s + i + 1, "%2x", &v) == 1) {
				p[o++] = (char)v;
				i += 2;
			}
			break;
		default: p[o++] = s[i]; break;
		}
	}
	p[o] = '\0';
	out->p = p;
	out->len = o;
}

/*
 * load_suite - read the converted suite into scens[] and cases[].
 */
static void
load_suite(void)
{
	FILE		*fp;
	char		*line = NULL, *s, *tab;
	size_t		 cap = 0, nf;
	ssize_t		 len;
	struct field	 f[MAXF + 8];
	struct scen	*sc = NULL;
	struct zent	*z;
	struct tcase	*t;
	int		 i;

	if ((fp = fopen(SUITE_FILE, "r")) == NULL) {
		fprintf(stderr, "cannot open %s\n", SUITE_FILE);
		exit(1);
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		nf = 0;
		s = line;
		for (;;) {
			tab = strchr(s, '\t');
			if (nf < MAXF + 8)
				unescape(s, tab != NULL ? (size_t)(tab - s) :
				    strlen(s), &f[nf++]);
			if (tab == NULL)
				break;
			s = tab + 1;
		}
		if (strcmp(f[0].p, "S") == 0) {
			scens = xreallocarray(scens, nscens + 1,
			    sizeof(*scens));
			sc = &scens[nscens++];
			memset(sc, 0, sizeof(*sc));
			sc->desc = xstrdup(nf > 1 ? f[1].p : "");
		} else if (strcmp(f[0].p, "Z") == 0 && sc != NULL && nf >= 3) {
			sc->z = xreallocarray(sc->z, sc->nz + 1,
			    sizeof(*sc->z));
			z = &sc->z[sc->nz++];
			memset(z, 0, sizeof(*z));
			z->owner = xstrdup(f[1].p);
			z->type = xstrdup(f[2].p);
			for (i = 3; i < (int)nf; i++) {
				if (z->nf < MAXF)
					z->f[z->nf++] = f[i];
				else
					free(f[i].p);
			}
			for (i = 0; i < 3; i++)
				free(f[i].p);
			continue;
		} else if (strcmp(f[0].p, "T") == 0 && sc != NULL && nf >= 7) {
			cases = xreallocarray(cases, ncases + 1,
			    sizeof(*cases));
			t = &cases[ncases++];
			memset(t, 0, sizeof(*t));
			t->sc = (struct scen *)(uintptr_t)(nscens - 1);
			t->name = xstrdup(f[1].p);
			t->spec = xstrdup(f[2].p);
			t->helo = xstrdup(f[3].p);
			t->host = xstrdup(f[4].p);
			t->mailfrom = xstrdup(f[5].p);
			t->results = xstrdup(f[6].p);
			t->expl = nf > 7 ? xstrdup(f[7].p) : NULL;
		}
		for (i = 0; i < (int)nf; i++)
			free(f[i].p);
	}
	free(line);
	fclose(fp);
	/* scens may have moved while growing: fix the back pointers */
	for (i = 0; i < (int)ncases; i++) {
		cases[i].sc = &scens[(uintptr_t)cases[i].sc];
		if (xasprintf(&cases[i].title, "%s: %s (%s)",
		    cases[i].sc->desc, cases[i].name, cases[i].spec) == -1)
			exit(1);
	}
}

/*
 * name_eq - DNS names equal, ignoring case and a trailing dot.
 */
static int
name_eq(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static int
type_code(const char *t)
{
	if (strcmp(t, "A") == 0)
		return DNS_T_A;
	if (strcmp(t, "AAAA") == 0)
		return DNS_T_AAAA;
	if (strcmp(t, "MX") == 0)
		return DNS_T_MX;
	if (strcmp(t, "PTR") == 0)
		return DNS_T_PTR;
	if (strcmp(t, "TXT") == 0)
		return DNS_T_TXT;
	return -1;
}

/*
 * resolve - the suite's DNS rules for (name, qtype) in scenario sc.
 */
static void
resolve(struct scen *sc, const char *name, int qtype, int depth,
    struct answer *ans)
{
	size_t	 i;
	int	 found = 0, has_txt = 0;

	ans->nrr = 0;
	for (i = 0; i < sc->nz; i++) {
		if (!name_eq(sc->z[i].owner, name))
			continue;
		found = 1;
		if (strcmp(sc->z[i].type, "CNAME") == 0) {
			if (depth >= CNAME_DEPTH) {
				ans->status = DNS_TEMPFAIL;	/* loop */
				return;
			}
			resolve(sc, sc->z[i].f[0].p, qtype, depth + 1, ans);
			return;
		}
		if (strcmp(sc->z[i].type, "TXT") == 0 ||
		    (strcmp(sc->z[i].type, "NONE") == 0))
			has_txt = 1;
	}
	if (!found) {
		ans->status = DNS_NXDOMAIN;
		return;
	}
	for (i = 0; i < sc->nz; i++) {
		struct zent	*z = &sc->z[i];

		if (!name_eq(z->owner, name))
			continue;
		if (strcmp(z->type, "TIMEOUT") == 0) {
			if (z->nf == 0) {
				if (ans->nrr == 0) {
					ans->status = DNS_TEMPFAIL;
					return;
				}
				break;
			}
			if (type_code(z->f[0].p) == qtype) {
				ans->status = DNS_TEMPFAIL;
				return;
			}
			continue;
		}
		if (type_code(z->type) == qtype ||
		    (qtype == DNS_T_TXT && !has_txt &&
		    strcmp(z->type, "SPF") == 0)) {
			if (ans->nrr < sizeof(ans->rr) / sizeof(ans->rr[0]))
				ans->rr[ans->nrr++] = z;
		}
	}
	ans->status = ans->nrr > 0 ? DNS_OK : DNS_NODATA;
}

/*
 * load_zone - give the mock every (owner, type) answer of the scenario;
 * other names get the mock's default, NXDOMAIN.
 */
static void
load_zone(struct scen *sc)
{
	static const int types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX,
	    DNS_T_PTR, DNS_T_TXT };
	struct answer		 ans;
	struct mock_dns_entry	*e;
	unsigned char		 rd[4096];
	size_t			 i, j, k, o;
	int			 t;

	for (i = 0; i < sc->nz; i++) {
		/* once per distinct owner */
		for (j = 0; j < i; j++)
			if (name_eq(sc->z[j].owner, sc->z[i].owner))
				break;
		if (j < i)
			continue;
		for (t = 0; t < 5; t++) {
			resolve(sc, sc->z[i].owner, types[t], 0, &ans);
			e = mock_dns_add(sc->z[i].owner, types[t], ans.status,
			    DNS_SEC_INSECURE, 0);
			for (j = 0; j < ans.nrr; j++) {
				struct zent *z = ans.rr[j];

				switch (types[t]) {
				case DNS_T_TXT:
					o = 0;
					for (k = 0; k < (size_t)z->nf; k++) {
						rd[o++] = (unsigned char)
						    z->f[k].len;
						memcpy(rd + o, z->f[k].p,
						    z->f[k].len);
						o += z->f[k].len;
					}
					mock_dns_add_rr(e, rd, o);
					break;
				case DNS_T_A:
				case DNS_T_AAAA:
					mock_dns_add_addr(e, z->f[0].p);
					break;
				case DNS_T_MX:
					mock_dns_add_name(e,
					    (unsigned)atoi(z->f[0].p),
					    z->f[1].p);
					break;
				case DNS_T_PTR:
					mock_dns_add_name(e, 0, z->f[0].p);
					break;
				}
			}
		}
	}
}

struct outcome {
	int			 called;
	struct spf_result	 res;
};

static void
done_cb(void *arg, const struct spf_result *res)
{
	struct outcome	*o = arg;

	o->called++;
	o->res = *res;
}

/*
 * run_case - one suite case.
 */
static void
run_case(void **state)
{
	struct tcase		*tc = *state;
	struct event_base	*base;
	struct dns		*dns;
	struct dns_conf		 conf;
	struct spf_input	 in;
	struct spf_req		*req;
	struct outcome		 out;
	char			 err[256], *list, *r, *save = NULL;
	const char		*want;
	size_t			 i;
	int			 ok = 0, nocase;

	mock_dns_reset();
	load_zone(tc->sc);
	assert_non_null(base = event_base_new());
	memset(&conf, 0, sizeof(conf));
	conf.timeout = 5;
	assert_non_null(dns = dns_new(base, &conf, err, sizeof(err)));
	memset(&in, 0, sizeof(in));
	in.client_ip = tc->host;
	in.helo = tc->helo;
	in.mail_from = tc->mailfrom;
	in.receiver = "receiver.example";
	in.identity = SPF_ID_MAILFROM;
	in.now = 1400000000;
	memset(&out, 0, sizeof(out));
	req = spf_check(base, dns, &in, done_cb, &out);
	assert_non_null(req);
	assert_int_equal(out.called, 0);	/* never before returning */
	event_base_dispatch(base);
	assert_int_equal(out.called, 1);
	assert_int_equal(mock_dns_pending(), 0);

	list = xstrdup(tc->results);
	for (r = strtok_r(list, ",", &save); r != NULL;
	    r = strtok_r(NULL, ",", &save))
		if (strcmp(r, spf_result_name(out.res.result)) == 0)
			ok = 1;
	free(list);
	if (!ok)
		fail_msg("%s: got %s (%s), expected %s", tc->title,
		    spf_result_name(out.res.result), out.res.reason,
		    tc->results);
	if (tc->expl != NULL && out.res.result == SPF_RES_FAIL) {
		want = strcmp(tc->expl, "DEFAULT") == 0 ? "" : tc->expl;
		nocase = 0;
		for (i = 0; i < sizeof(deviations) / sizeof(deviations[0]);
		    i++)
			if (strcmp(tc->name, deviations[i]) == 0)
				nocase = 1;
		if ((nocase ? strcasecmp(want, out.res.explanation) :
		    strcmp(want, out.res.explanation)) != 0)
			fail_msg("%s: explanation '%s', expected '%s'",
			    tc->title, out.res.explanation, want);
	}
	dns_free(dns);
	event_base_free(base);
}

int
main(void)
{
	struct CMUnitTest	*tests;
	size_t			 i;
	int			 rv;

	load_suite();
	if (ncases == 0) {
		fprintf(stderr, "no cases in %s\n", SUITE_FILE);
		return 1;
	}
	tests = xcalloc(ncases, sizeof(*tests));
	for (i = 0; i < ncases; i++) {
		tests[i].name = cases[i].title;
		tests[i].test_func = run_case;
		tests[i].initial_state = &cases[i];
	}
	rv = _cmocka_run_group_tests("rfc7208-suite", tests, ncases, NULL,
	    NULL);
	free(tests);
	return rv;
}
