/*
 * test_config.c - unit tests for src/config.c: the built-in defaults,
 * every value type, continuation lines, every error message with its
 * line number, the shipped example file (== the defaults), the
 * print/re-read round trip, and the warnings.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "xmalloc.h"

#define S(x)	x, (sizeof(x) - 1)
/* 32 and 64 characters of a token */
#define ID32	"a123456789b123456789c123456789de"
#define ID64	ID32 ID32

#define EXAMPLE_FILE	TEST_SRCDIR "/contrib/dkimgate.conf"

static char	 tmpdir[64];
static int	 nfiles;

/*
 * write_conf - a new temporary file holding (s, len); returns its path
 * (free it).
 */
static char *
write_conf(const char *s, size_t len)
{
	char	*path;
	FILE	*fp;

	xasprintf(&path, "%s/c%d.conf", tmpdir, nfiles++);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(s, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/*
 * print_config - config_print() into a new string (free it).
 */
static char *
print_config(const struct config *cfg)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	config_print(cfg, fp);
	assert_int_equal(fclose(fp), 0);
	return out;
}

/*
 * warnings_of - config_warnings() text into a new string (free it) and
 * its count.
 */
static char *
warnings_of(const struct config *cfg, int *n)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	*n = config_warnings(cfg, fp);
	assert_int_equal(fclose(fp), 0);
	return out;
}

static struct config *
load_text(const char *s, size_t len, char **pathp)
{
	char		 err[512];
	char		*path = write_conf(s, len);
	struct config	*cfg;

	cfg = config_load(path, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("config_load: %s", err);
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return cfg;
}

static unsigned int
port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* --- config_parse_time / config_parse_size / config_list_next --- */

struct time_case {
	const char	*name;
	const char	*in;
	int		 rc;
	int		 secs;
};

static const struct time_case time_cases[] = {
	{ "bare seconds", "300", 0, 300 },
	{ "seconds", "300s", 0, 300 },
	{ "minutes", "5m", 0, 300 },
	{ "hours", "1h", 0, 3600 },
	{ "days", "1d", 0, 86400 },
	{ "zero", "0", 0, 0 },
	{ "zero with unit", "0m", 0, 0 },
	{ "int max", "2147483647", 0, 2147483647 },
	{ "largest days", "24855d", 0, 24855 * 86400 },
	{ "overflow digits", "2147483648", -1, 0 },
	{ "overflow unit", "24856d", -1, 0 },
	{ "very long", "999999999999999999999999", -1, 0 },
	{ "empty", "", -1, 0 },
	{ "unit only", "s", -1, 0 },
	{ "unknown unit", "5x", -1, 0 },
	{ "weeks unsupported", "1w", -1, 0 },
	{ "two units", "5mm", -1, 0 },
	{ "negative", "-1", -1, 0 },
	{ "plus", "+1", -1, 0 },
	{ "leading blank", " 5", -1, 0 },
	{ "trailing blank", "5 ", -1, 0 },
	{ "upper-case unit", "5M", -1, 0 },
};

static void
test_parse_time(void **state)
{
	const struct time_case	*c = *state;
	int			 secs = -7;

	assert_int_equal(config_parse_time(c->in, &secs), c->rc);
	if (c->rc == 0)
		assert_int_equal(secs, c->secs);
	else
		assert_int_equal(secs, -7);	/* untouched */
}

struct size_case {
	const char	*name;
	const char	*in;
	int		 rc;
	long long	 bytes;
};

static const struct size_case size_cases[] = {
	{ "bytes", "1000", 0, 1000 },
	{ "zero", "0", 0, 0 },
	{ "k", "10k", 0, 10240 },
	{ "K", "10K", 0, 10240 },
	{ "M", "64M", 0, 64LL * 1024 * 1024 },
	{ "m", "64m", 0, 64LL * 1024 * 1024 },
	{ "G", "1G", 0, 1024LL * 1024 * 1024 },
	{ "g", "4g", 0, 4LL * 1024 * 1024 * 1024 },
	{ "llong max", "9223372036854775807", 0, 9223372036854775807LL },
	{ "overflow digits", "9223372036854775808", -1, 0 },
	{ "overflow unit", "8589934592G", -1, 0 },
	{ "empty", "", -1, 0 },
	{ "unit only", "k", -1, 0 },
	{ "terabytes unsupported", "1T", -1, 0 },
	{ "kB", "1kB", -1, 0 },
	{ "negative", "-1", -1, 0 },
	{ "blank", "1 k", -1, 0 },
	{ "fraction", "1.5M", -1, 0 },
};

static void
test_parse_size(void **state)
{
	const struct size_case	*c = *state;
	long long		 v = -7;

	assert_int_equal(config_parse_size(c->in, &v), c->rc);
	if (c->rc == 0)
		assert_true(v == c->bytes);
	else
		assert_true(v == -7);
}

static void
test_list_next(void **state)
{
	const char	*s = " From,To ,\tSubject,, Date ,", *item;
	const char	*want[] = { "From", "To", "Subject", "Date" };
	size_t		 pos = 0, len, n = 0;

	(void)state;
	while ((item = config_list_next(s, &pos, &len)) != NULL) {
		assert_true(n < 4);
		assert_int_equal(len, strlen(want[n]));
		assert_memory_equal(item, want[n], len);
		n++;
	}
	assert_int_equal(n, 4);
	/* at the end it stays at the end */
	assert_null(config_list_next(s, &pos, &len));
	pos = 0;
	assert_null(config_list_next("", &pos, &len));
	pos = 0;
	assert_null(config_list_next(" , ,", &pos, &len));
	assert_null(config_list_next(NULL, &pos, &len));
	assert_string_equal(config_mode_name(MODE_PASS), "pass");
	assert_string_equal(config_mode_name(MODE_SIGN), "sign");
	assert_string_equal(config_mode_name(MODE_VERIFY), "verify");
	assert_string_equal(config_mode_name(MODE_COUNT), "?");
}

/* --- defaults and the example file --- */

static void
test_defaults(void **state)
{
	struct config	*cfg;
	char		 err[256], a[64];
	const struct listener_conf *lc;

	(void)state;
	cfg = config_load(NULL, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(err, "");
	assert_string_equal(cfg->path, "(defaults)");

	assert_int_equal(cfg->nlisteners, 1);
	lc = &cfg->listeners[0];
	assert_int_equal(lc->addr.ss_family, AF_INET);
	assert_int_equal(port_of(&lc->addr), 10027);
	assert_string_equal(inet_ntop(AF_INET, &((struct sockaddr_in *)
	    &lc->addr)->sin_addr, a, sizeof(a)), "127.0.0.1");
	assert_int_equal(lc->addrlen, sizeof(struct sockaddr_in));
	assert_int_equal(lc->mode, MODE_PASS);
	assert_int_equal(lc->queue, QUEUE_AFTER);
	assert_int_equal(port_of(&lc->ret), 10028);
	assert_int_equal(lc->retlen, sizeof(struct sockaddr_in));
	assert_string_equal(lc->ret_text, "127.0.0.1:10028");
	assert_string_equal(lc->text, "127.0.0.1:10027 mode=pass");

	assert_string_equal(cfg->return_address, "127.0.0.1:10028");
	assert_int_equal(cfg->workers, 0);
	assert_string_equal(cfg->user, "dkimgate");
	assert_int_equal(cfg->user_is_default, 1);
	assert_true(cfg->myhostname[0] != '\0');
	assert_string_equal(cfg->pid_file, "");
	assert_string_equal(cfg->syslog_name, "dkimgate");
	assert_string_equal(cfg->syslog_facility, "mail");
	assert_int_equal(cfg->facility, LOG_MAIL);
	assert_int_equal(cfg->verbose, 0);
	assert_string_equal(cfg->client_networks_text,
	    "127.0.0.0/8, [::1]/128");
	assert_int_equal(cfg->client_networks.n, 2);

	assert_int_equal(cfg->max_sessions, 1000);
	assert_int_equal(cfg->max_errors, 20);
	assert_int_equal(cfg->command_timeout, 300);
	assert_int_equal(cfg->data_timeout, 300);
	assert_int_equal(cfg->return_connect_timeout, 30);
	assert_int_equal(cfg->return_timeout, 300);
	assert_int_equal(cfg->return_data_timeout, 600);
	assert_int_equal(cfg->drain_timeout, 600);
	assert_true(cfg->message_size_limit == 64LL * 1024 * 1024);
	assert_true(cfg->header_size_limit == 256LL * 1024);
	assert_true(cfg->spool_threshold == 1024LL * 1024);
	assert_string_equal(cfg->spool_directory, "/var/tmp");

	assert_string_equal(cfg->key_table, "");
	assert_string_equal(cfg->signing_table, "");
	assert_string_equal(cfg->key_list, "");
	assert_string_equal(cfg->sign_canonicalization, "relaxed/relaxed");
	assert_string_equal(cfg->sign_headers, "From, Reply-To, Subject, "
	    "Date, To, Cc, Resent-Date, Resent-From, Resent-To, Resent-Cc, "
	    "In-Reply-To, References, Message-ID, MIME-Version, "
	    "Content-Type, Content-Transfer-Encoding, List-Id, List-Help, "
	    "List-Unsubscribe, List-Subscribe, List-Post, List-Owner, "
	    "List-Archive");
	assert_string_equal(cfg->oversign_headers,
	    "From, Subject, Date, To, Cc, Reply-To");
	assert_int_equal(cfg->signature_ttl, 0);
	assert_int_equal(cfg->bad_from_action, BADFROM_RELAY);
	assert_int_equal(cfg->min_key_bits, 1024);
	assert_int_equal(cfg->key_check_interval, 3600);

	/* authserv_id resolved at load: the host name */
	assert_string_equal(cfg->authserv_id, cfg->myhostname);
	assert_int_equal(cfg->max_signatures, 8);
	assert_string_equal(cfg->dns_resolver, "");
	assert_string_equal(cfg->dns_trust_anchor, "");
	assert_string_equal(cfg->dns_unbound_config, "");
	assert_int_equal(cfg->dns_timeout, 10);
	assert_int_equal(cfg->dns_failure_action, DNSFAIL_ACCEPT);
	assert_int_equal(cfg->dkim_min_rsa_bits, 1024);
	assert_int_equal(cfg->spf_enable, 1);
	assert_int_equal(cfg->dmarc_enable, 1);
	assert_int_equal(cfg->dmarc_reject, 0);
	assert_string_equal(cfg->dmarc_quarantine_header, "");
	assert_string_equal(cfg->metrics_listen, "");
	config_free(cfg);
	config_free(NULL);
}

/*
 * test_example_equals_defaults - what "dkimgate check-config -c
 * contrib/dkimgate.conf" prints equals what it prints with no file.
 */
static void
test_example_equals_defaults(void **state)
{
	struct config	*def, *ex;
	char		 err[256];
	char		*p1, *p2;

	(void)state;
	def = config_load(NULL, err, sizeof(err));
	assert_non_null(def);
	ex = config_load(EXAMPLE_FILE, err, sizeof(err));
	if (ex == NULL)
		fail_msg("%s", err);
	p1 = print_config(def);
	p2 = print_config(ex);
	assert_string_equal(p2, p1);
	/* and what print does not show */
	assert_int_equal(ex->user_is_default, def->user_is_default);
	assert_int_equal(ex->facility, def->facility);
	assert_int_equal(ex->client_networks.n, def->client_networks.n);
	assert_memory_equal(ex->client_networks.nets, def->client_networks.nets,
	    def->client_networks.n * sizeof(struct netmask));
	assert_int_equal(ex->nlisteners, def->nlisteners);
	assert_string_equal(ex->listeners[0].text, def->listeners[0].text);
	free(p1);
	free(p2);
	config_free(def);
	config_free(ex);
}

/* --- every type with non-default values --- */

static const char all_types[] =
    "# every type, CRLF line ends, comments, continuation lines\r\n"
    "listen = 127.0.0.1:10027 mode=sign,\r\n"
    "\t[::1]:10026   mode=verify queue=before return=[::1]:10030 ,\r\n"
    "# a comment between continuation lines does not end the value\r\n"
    "\r\n"
    "  0.0.0.0:10025\r\n"
    "return_address=127.0.0.1:10031\r\n"
    "workers = 4\r\n"
    "user = mailfilter\r\n"
    "myhostname = mx1.example.org\r\n"
    "pid_file = /run/dkimgate.pid\r\n"
    "syslog_name = dkimgate-test\r\n"
    "syslog_facility = LOCAL3\r\n"
    "verbose = YES\r\n"
    "client_networks = 127.0.0.0/8 192.0.2.0/24,,[2001:db8::]/32\r\n"
    "max_sessions = 50\r\n"
    "max_errors = 3\r\n"
    "command_timeout = 90\r\n"
    "data_timeout = 2m\r\n"
    "return_connect_timeout = 5s\r\n"
    "return_timeout = 1h\r\n"
    "return_data_timeout = 1d\r\n"
    "drain_timeout = 0\r\n"
    "message_size_limit = 10M\r\n"
    "header_size_limit = 64k\r\n"
    "spool_threshold = 0\r\n"
    "spool_directory = /var/spool/dkimgate\r\n"
    "key_table = /etc/dkimgate/key.table\r\n"
    "signing_table = refile:/etc/dkimgate/signing.table\r\n"
    "key_list =\r\n"
    "sign_canonicalization = relaxed\r\n"
    "sign_headers = from to\r\n"
    "    subject\r\n"
    "oversign_headers =\r\n"
    "signature_ttl = 7d\r\n"
    "bad_from_action = reject\r\n"
    "min_key_bits = 2048\r\n"
    "key_check_interval = 0\r\n"
    "authserv_id = auth.example.org\r\n"
    "max_signatures = 64\r\n"
    "dns_resolver = 127.0.0.1@53530 ::1\r\n"
    "dns_trust_anchor = /etc/dkimgate/anchor.ds\r\n"
    "dns_unbound_config = /etc/unbound/unbound.conf\r\n"
    "dns_timeout = 300s\r\n"
    "dns_failure_action = TempFail\r\n"
    "dkim_min_rsa_bits = 2048\r\n"
    "spf_enable = no\r\n"
    "dmarc_enable = no\r\n"
    "dmarc_reject = yes\r\n"
    "dmarc_quarantine_header = X-Spam-Flag: YES # kept\r\n"
    "metrics_listen = [::1]:9127\r\n";

static void
test_all_types(void **state)
{
	struct config	*cfg;
	const struct listener_conf *lc;

	(void)state;
	cfg = load_text(all_types, sizeof(all_types) - 1, NULL);
	assert_int_equal(cfg->nlisteners, 3);
	lc = &cfg->listeners[0];
	assert_int_equal(lc->mode, MODE_SIGN);
	assert_int_equal(lc->queue, QUEUE_AFTER);
	assert_string_equal(lc->ret_text, "127.0.0.1:10031");
	assert_string_equal(lc->text, "127.0.0.1:10027 mode=sign");
	lc = &cfg->listeners[1];
	assert_int_equal(lc->addr.ss_family, AF_INET6);
	assert_int_equal(port_of(&lc->addr), 10026);
	assert_int_equal(lc->mode, MODE_VERIFY);
	assert_int_equal(lc->queue, QUEUE_BEFORE);
	assert_int_equal(lc->ret.ss_family, AF_INET6);
	assert_int_equal(port_of(&lc->ret), 10030);
	assert_string_equal(lc->ret_text, "[::1]:10030");
	assert_string_equal(lc->text,
	    "[::1]:10026 mode=verify queue=before return=[::1]:10030");
	lc = &cfg->listeners[2];
	assert_int_equal(lc->mode, MODE_PASS);
	assert_int_equal(port_of(&lc->addr), 10025);
	assert_int_equal(port_of(&lc->ret), 10031);

	assert_string_equal(cfg->return_address, "127.0.0.1:10031");
	assert_int_equal(cfg->workers, 4);
	assert_string_equal(cfg->user, "mailfilter");
	assert_int_equal(cfg->user_is_default, 0);
	assert_string_equal(cfg->myhostname, "mx1.example.org");
	assert_string_equal(cfg->pid_file, "/run/dkimgate.pid");
	assert_string_equal(cfg->syslog_name, "dkimgate-test");
	assert_string_equal(cfg->syslog_facility, "local3");
	assert_int_equal(cfg->facility, LOG_LOCAL3);
	assert_int_equal(cfg->verbose, 1);
	assert_string_equal(cfg->client_networks_text,
	    "127.0.0.0/8, 192.0.2.0/24, [2001:db8::]/32");
	assert_int_equal(cfg->client_networks.n, 3);
	assert_int_equal(cfg->max_sessions, 50);
	assert_int_equal(cfg->max_errors, 3);
	assert_int_equal(cfg->command_timeout, 90);
	assert_int_equal(cfg->data_timeout, 120);
	assert_int_equal(cfg->return_connect_timeout, 5);
	assert_int_equal(cfg->return_timeout, 3600);
	assert_int_equal(cfg->return_data_timeout, 86400);
	assert_int_equal(cfg->drain_timeout, 0);
	assert_true(cfg->message_size_limit == 10LL * 1024 * 1024);
	assert_true(cfg->header_size_limit == 64LL * 1024);
	assert_true(cfg->spool_threshold == 0);
	assert_string_equal(cfg->spool_directory, "/var/spool/dkimgate");
	assert_string_equal(cfg->key_table, "/etc/dkimgate/key.table");
	assert_string_equal(cfg->signing_table,
	    "refile:/etc/dkimgate/signing.table");
	assert_string_equal(cfg->key_list, "");
	/* a lone algorithm means simple for the body (RFC 6376 3.5 c=) */
	assert_string_equal(cfg->sign_canonicalization, "relaxed/simple");
	assert_string_equal(cfg->sign_headers, "from, to, subject");
	assert_string_equal(cfg->oversign_headers, "");
	assert_int_equal(cfg->signature_ttl, 7 * 86400);
	assert_int_equal(cfg->bad_from_action, BADFROM_REJECT);
	assert_int_equal(cfg->min_key_bits, 2048);
	assert_int_equal(cfg->key_check_interval, 0);
	assert_string_equal(cfg->authserv_id, "auth.example.org");
	assert_int_equal(cfg->max_signatures, 64);
	assert_string_equal(cfg->dns_resolver, "127.0.0.1@53530, ::1");
	assert_string_equal(cfg->dns_trust_anchor, "/etc/dkimgate/anchor.ds");
	assert_string_equal(cfg->dns_unbound_config,
	    "/etc/unbound/unbound.conf");
	assert_int_equal(cfg->dns_timeout, 300);
	assert_int_equal(cfg->dns_failure_action, DNSFAIL_TEMPFAIL);
	assert_int_equal(cfg->dkim_min_rsa_bits, 2048);
	assert_int_equal(cfg->spf_enable, 0);
	assert_int_equal(cfg->dmarc_enable, 0);
	assert_int_equal(cfg->dmarc_reject, 1);
	/* "#" inside a value is not a comment */
	assert_string_equal(cfg->dmarc_quarantine_header,
	    "X-Spam-Flag: YES # kept");
	assert_string_equal(cfg->metrics_listen, "[::1]:9127");
	config_free(cfg);
}

/*
 * test_round_trip - print, re-read, print again: the same text; for the
 * defaults and for a file that sets everything.
 */
static void
test_round_trip(void **state)
{
	struct config	*a, *b;
	char		 err[256];
	char		*p1, *p2, *path;
	int		 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		if (i == 0)
			a = config_load(NULL, err, sizeof(err));
		else
			a = load_text(all_types, sizeof(all_types) - 1, NULL);
		assert_non_null(a);
		p1 = print_config(a);
		path = write_conf(p1, strlen(p1));
		b = config_load(path, err, sizeof(err));
		if (b == NULL)
			fail_msg("re-reading the printed config: %s", err);
		p2 = print_config(b);
		assert_string_equal(p2, p1);
		assert_int_equal(b->nlisteners, a->nlisteners);
		assert_int_equal(b->facility, a->facility);
		assert_int_equal(b->client_networks.n, a->client_networks.n);
		free(p1);
		free(p2);
		free(path);
		config_free(a);
		config_free(b);
	}

	/* the printed defaults: one line per parameter, table order */
	a = config_load(NULL, err, sizeof(err));
	p1 = print_config(a);
	assert_non_null(strstr(p1, "listen = 127.0.0.1:10027 mode=pass "
	    "queue=after return=127.0.0.1:10028\nreturn_address = "));
	assert_non_null(strstr(p1, "\ncommand_timeout = 5m\n"));
	assert_non_null(strstr(p1, "\nmessage_size_limit = 64M\n"));
	assert_non_null(strstr(p1, "\nheader_size_limit = 256k\n"));
	assert_non_null(strstr(p1, "\nverbose = no\n"));
	assert_non_null(strstr(p1, "\npid_file =\nsyslog_name = "));
	assert_non_null(strstr(p1, "\nbad_from_action = relay\n"));
	assert_non_null(strstr(p1, "\nmetrics_listen =\n"));
	free(p1);
	config_free(a);
}

/*
 * test_defaults_follow_return_address - the default listener hands mail
 * to return_address, wherever it is set in the file.
 */
static void
test_defaults_follow_return_address(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = load_text(S("return_address = [::1]:2525\n"), NULL);
	assert_int_equal(cfg->nlisteners, 1);
	assert_int_equal(cfg->listeners[0].ret.ss_family, AF_INET6);
	assert_int_equal(port_of(&cfg->listeners[0].ret), 2525);
	assert_string_equal(cfg->listeners[0].ret_text, "[::1]:2525");
	config_free(cfg);

	cfg = load_text(S("listen = 127.0.0.1:2526 mode=verify\n"
	    "return_address = 127.0.0.1:2527\n"), NULL);
	assert_int_equal(port_of(&cfg->listeners[0].ret), 2527);
	config_free(cfg);

	/* empty lines and a file without final newline */
	cfg = load_text(S("\n\n   \n\t\nworkers = 2"), NULL);
	assert_int_equal(cfg->workers, 2);
	config_free(cfg);

	/* an empty file is the defaults */
	cfg = load_text(S(""), NULL);
	assert_int_equal(cfg->workers, 0);
	assert_int_equal(cfg->user_is_default, 1);
	config_free(cfg);

	/* user set explicitly, even to the default name */
	cfg = load_text(S("user = dkimgate\n"), NULL);
	assert_int_equal(cfg->user_is_default, 0);
	config_free(cfg);
}

/* --- errors --- */

struct err_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*msg;	/* "%s" stands for the file name */
};

static const struct err_case err_cases[] = {
	{ "unknown parameter", S("workers = 1\nfoo = 1\n"),
	    "%s:2: unknown parameter \"foo\"" },
	{ "names are case-sensitive", S("Workers = 1\n"),
	    "%s:1: unknown parameter \"Workers\"" },
	{ "duplicate", S("workers = 1\n\nworkers = 2\n"),
	    "%s:3: parameter workers already set at line 1" },
	{ "duplicate after continuation", S("sign_headers = From,\n  To\n"
	    "workers = 1\nsign_headers = From\n"),
	    "%s:4: parameter sign_headers already set at line 1" },
	{ "bad number", S("workers = x\n"),
	    "%s:1: workers: bad number \"x\"" },
	{ "number with garbage", S("workers = 4x\n"),
	    "%s:1: workers: bad number \"4x\"" },
	{ "empty number", S("workers =\n"),
	    "%s:1: workers: bad number \"\"" },
	{ "number out of range", S("workers = 65\n"),
	    "%s:1: workers = 65 is out of range (0..64)" },
	{ "negative number", S("max_errors = -1\n"),
	    "%s:1: max_errors = -1 is out of range (1..1000)" },
	{ "key bits too small", S("min_key_bits = 512\n"),
	    "%s:1: min_key_bits = 512 is out of range (1024..16384)" },
	{ "bad boolean", S("verbose = maybe\n"),
	    "%s:1: verbose: expected yes or no, not \"maybe\"" },
	{ "bad time", S("dns_timeout = 10x\n"),
	    "%s:1: dns_timeout: bad time \"10x\" (use a number with an "
	    "optional s, m, h or d suffix)" },
	{ "time overflow", S("signature_ttl = 99999999999\n"),
	    "%s:1: signature_ttl: bad time \"99999999999\" (use a number "
	    "with an optional s, m, h or d suffix)" },
	{ "time out of range", S("dns_timeout = 301\n"),
	    "%s:1: dns_timeout = 301 is out of range (1s..5m)" },
	{ "zero timeout", S("command_timeout = 0\n"),
	    "%s:1: command_timeout = 0 is out of range (1s..1d)" },
	{ "size out of range", S("message_size_limit = 512\n"),
	    "%s:1: message_size_limit = 512 is out of range (1k..4G)" },
	{ "bad size", S("header_size_limit = 1T\n"),
	    "%s:1: header_size_limit: bad size \"1T\" (use a number with an "
	    "optional k, M or G suffix)" },
	{ "bad enum", S("bad_from_action = drop\n"),
	    "%s:1: bad_from_action: \"drop\" is not one of relay, reject" },
	{ "bad enum 2", S("dns_failure_action = defer\n"),
	    "%s:1: dns_failure_action: \"defer\" is not one of accept, "
	    "tempfail" },
	{ "missing equals", S("# c\nworkers 4\n"),
	    "%s:2: syntax error: expected \"name = value\"" },
	{ "missing name", S("= 4\n"),
	    "%s:1: syntax error: expected \"name = value\"" },
	{ "bad name character", S("work-ers = 4\n"),
	    "%s:1: syntax error: expected \"name = value\"" },
	{ "continuation first", S("  workers = 4\n"),
	    "%s:1: continuation line without a parameter before it" },
	{ "control character", S("workers = 4\x01\n"),
	    "%s:1: control character 0x01 in line" },
	{ "NUL byte", S("workers = 1\nworkers2 = 4\0\n"),
	    "%s:2: control character 0x00 in line" },
	{ "listen bad address", S("listen = localhost:25\n"),
	    "%s:1: listen: bad address \"localhost:25\" (expected ADDR:PORT, "
	    "IPv6 as [ADDR]:PORT, numeric only)" },
	{ "listen unknown attribute",
	    S("listen = 127.0.0.1:10027 mode=sign foo=bar\n"),
	    "%s:1: listen: unknown attribute \"foo=bar\" (expected mode=, "
	    "queue= or return=)" },
	{ "listen attribute twice",
	    S("listen = 127.0.0.1:10027 mode=sign mode=verify\n"),
	    "%s:1: listen: \"mode=verify\": attribute given twice for one "
	    "listener" },
	{ "listen bad mode", S("listen = 127.0.0.1:10027 mode=check\n"),
	    "%s:1: listen: \"mode=check\": mode must be pass, sign or "
	    "verify" },
	{ "listen bad queue", S("listen = 127.0.0.1:10027 queue=middle\n"),
	    "%s:1: listen: \"queue=middle\": queue must be after or before" },
	{ "listen bad return", S("listen = 127.0.0.1:10027 "
	    "return=127.0.0.1\n"),
	    "%s:1: listen: \"return=127.0.0.1\": bad return address" },
	{ "listen twice", S("# x\nlisten = 127.0.0.1:10027 mode=sign,\n"
	    "\t127.0.0.1:10026 mode=verify,\n\t127.0.0.1:10027\n"),
	    "%s:2: listen: 127.0.0.1:10027 is given twice" },
	{ "listen twice v6", S("listen = [::1]:25, [0:0::1]:25\n"),
	    "%s:1: listen: [::1]:25 is given twice" },
	{ "listen wildcard overlap", S("listen = 127.0.0.1:10027 mode=sign, "
	    "0.0.0.0:10027 mode=verify\n"),
	    "%s:1: listen: 127.0.0.1:10027 and 0.0.0.0:10027 overlap (a "
	    "wildcard address covers every address of its port)" },
	{ "listen v6 wildcard overlap", S("listen = [::]:25, [::1]:25\n"),
	    "%s:1: listen: [::]:25 and [::1]:25 overlap (a wildcard address "
	    "covers every address of its port)" },
	{ "listen loop via wildcard", S("listen = 0.0.0.0:10027 "
	    "return=127.0.0.1:10027\n"),
	    "%s:1: listen: listener 0.0.0.0:10027 returns mail to "
	    "127.0.0.1:10027, which is one of our own listeners (mail would "
	    "loop)" },
	{ "metrics inside a wildcard listener", S("listen = 0.0.0.0:9127\n"
	    "metrics_listen = 127.0.0.1:9127\n"),
	    "%s:2: metrics_listen: 127.0.0.1:9127 is also a mail listener" },
	{ "listen stray comma", S("listen = 127.0.0.1:10027,,"
	    "127.0.0.1:10026\n"),
	    "%s:1: listen: empty listener (stray comma?)" },
	{ "listen empty", S("listen =\n"),
	    "%s:1: listen: empty listener (stray comma?)" },
	{ "listen loop via return", S("listen = 127.0.0.1:10027 "
	    "return=127.0.0.1:10027\n"),
	    "%s:1: listen: listener 127.0.0.1:10027 returns mail to "
	    "127.0.0.1:10027, which is one of our own listeners (mail would "
	    "loop)" },
	{ "loop via return_address", S("workers = 1\n"
	    "return_address = 127.0.0.1:10027\n"),
	    "%s:2: listen: listener 127.0.0.1:10027 returns mail to "
	    "127.0.0.1:10027, which is one of our own listeners (mail would "
	    "loop)" },
	{ "bad return_address", S("return_address = 127.0.0.1\n"),
	    "%s:1: return_address: bad address \"127.0.0.1\" (expected "
	    "ADDR:PORT, IPv6 as [ADDR]:PORT, numeric only)" },
	{ "network host bits", S("client_networks = 127.0.0.0/8, "
	    "10.1.0.0/8\n"),
	    "%s:1: client_networks: bad network \"10.1.0.0/8\" (expected ADDR "
	    "or ADDR/PREFIX with the host bits zero)" },
	{ "spool threshold above message size",
	    S("message_size_limit = 512k\n"),
	    "%s:1: spool_threshold = 1M is larger than message_size_limit = "
	    "512k" },
	{ "header size above message size", S("header_size_limit = 2M\n"
	    "spool_threshold = 64k\nmessage_size_limit = 1M\n"),
	    "%s:3: header_size_limit = 2M is larger than message_size_limit "
	    "= 1M" },
	{ "bad canonicalization",
	    S("sign_canonicalization = relaxed/strict\n"),
	    "%s:1: sign_canonicalization: \"relaxed/strict\" is not simple or "
	    "relaxed, optionally followed by /simple or /relaxed" },
	{ "canonicalization three parts",
	    S("sign_canonicalization = simple/simple/simple\n"),
	    "%s:1: sign_canonicalization: \"simple/simple/simple\" is not "
	    "simple or relaxed, optionally followed by /simple or /relaxed" },
	{ "sign_headers without From", S("sign_headers = To, Subject\n"),
	    "%s:1: sign_headers must include From (RFC 6376 section 5.4)" },
	{ "sign_headers bad name", S("sign_headers = From, X:Y\n"),
	    "%s:1: sign_headers: \"X:Y\" is not a header field name" },
	{ "oversign_headers 8-bit name",
	    S("oversign_headers = From, Fr\xc3\xb6m\n"),
	    "%s:1: oversign_headers: \"Fr\\xc3\\xb6m\" is not a header field "
	    "name" },
	{ "authserv_id not a token", S("authserv_id = mx;1\n"),
	    "%s:1: authserv_id: \"mx;1\" is not a token (RFC 8601 section "
	    "2.2)" },
	/* found by fuzz/fuzz_authres: authres.c keeps 255 characters */
	{ "authserv_id too long", S("authserv_id = " ID64 ID64 ID64 ID64
	    "\n"), "%s:1: authserv_id: longer than 255 characters" },
	{ "authserv_id dot", S("authserv_id = .\n"),
	    "%s:1: authserv_id: \".\" is only dots" },
	{ "resolver name", S("dns_resolver = 127.0.0.1@53530, "
	    "resolver.example\n"),
	    "%s:1: dns_resolver: bad resolver \"resolver.example\" (expected "
	    "ADDR or ADDR@PORT, numeric)" },
	{ "resolver port zero", S("dns_resolver = 127.0.0.1@0\n"),
	    "%s:1: dns_resolver: bad resolver \"127.0.0.1@0\" (expected ADDR "
	    "or ADDR@PORT, numeric)" },
	{ "resolver bracketed", S("dns_resolver = [::1]@53\n"),
	    "%s:1: dns_resolver: bad resolver \"[::1]@53\" (expected ADDR or "
	    "ADDR@PORT, numeric)" },
	{ "quarantine header without colon",
	    S("dmarc_quarantine_header = X-Spam-Flag YES\n"),
	    "%s:1: dmarc_quarantine_header: \"X-Spam-Flag YES\" is not a "
	    "header line \"Name: value\"" },
	{ "metrics on a mail listener", S("metrics_listen = "
	    "127.0.0.1:10027\n"),
	    "%s:1: metrics_listen: 127.0.0.1:10027 is also a mail listener" },
	{ "metrics bad address", S("metrics_listen = 9127\n"),
	    "%s:1: metrics_listen: bad address \"9127\" (expected ADDR:PORT, "
	    "IPv6 as [ADDR]:PORT, numeric only)" },
	{ "bad host name", S("myhostname = -bad.example\n"),
	    "%s:1: myhostname: \"-bad.example\" is not a valid host name" },
	{ "host name with empty label", S("myhostname = a..example\n"),
	    "%s:1: myhostname: \"a..example\" is not a valid host name" },
	{ "relative pid_file", S("pid_file = run/dkimgate.pid\n"),
	    "%s:1: pid_file: \"run/dkimgate.pid\" is not an absolute path" },
	{ "empty spool_directory", S("spool_directory =\n"),
	    "%s:1: spool_directory must not be empty" },
	{ "bad facility", S("syslog_facility = kern\n"),
	    "%s:1: syslog_facility: \"kern\" is not one of mail, daemon, "
	    "user, local0 .. local7" },
	{ "syslog_name with blank", S("syslog_name = dk gate\n"),
	    "%s:1: syslog_name: \"dk gate\" must be 1 to 64 printable "
	    "characters without blanks" },
	{ "bad user", S("user = bad user\n"),
	    "%s:1: user: bad user name \"bad user\"" },
};

static void
test_error(void **state)
{
	const struct err_case	*c = *state;
	struct config		*cfg;
	char			 err[512], want[512];
	char			*path;
	const char		*pct;

	path = write_conf(c->in, c->len);
	memset(err, 'x', sizeof(err));
	cfg = config_load(path, err, sizeof(err));
	assert_null(cfg);
	/* the message's "%s" stands for the file name */
	pct = strstr(c->msg, "%s");
	assert_non_null(pct);
	snprintf(want, sizeof(want), "%.*s%s%s", (int)(pct - c->msg), c->msg,
	    path, pct + 2);
	assert_string_equal(err, want);
	free(path);
}

static void
test_error_misc(void **state)
{
	struct config	*cfg;
	char		 err[512], want[512];
	char		*path, *big;
	size_t		 i, n;

	(void)state;
	/* a file that cannot be read */
	cfg = config_load(TEST_DATADIR "/no-such-file.conf", err, sizeof(err));
	assert_null(cfg);
	assert_string_equal(err, TEST_DATADIR "/no-such-file.conf: No such "
	    "file or directory");

	/* a value over 64 KiB, built from continuation lines */
	n = 80000;	/* about 72000 bytes once joined */
	big = xmalloc(n + 64);
	memcpy(big, "workers = 1\nsign_headers = From,\n", 33);
	for (i = 33; i + 10 < n; i += 10)
		memcpy(big + i, "\tX-Abcde,\n", 10);
	path = write_conf(big, i);
	cfg = config_load(path, err, sizeof(err));
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s:2: value of sign_headers is longer "
	    "than 65536 bytes", path);
	assert_string_equal(err, want);
	free(path);
	free(big);

	/* a file over 1 MiB */
	n = 1024 * 1024 + 1;
	big = xmalloc(n);
	memset(big, '\n', n);
	path = write_conf(big, n);
	cfg = config_load(path, err, sizeof(err));
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s: file is larger than 1048576 bytes",
	    path);
	assert_string_equal(err, want);
	free(path);
	free(big);

	/* a tiny error buffer is still terminated; NULL is allowed */
	path = write_conf(S("foo = 1\n"));
	cfg = config_load(path, err, 8);
	assert_null(cfg);
	assert_int_equal(strlen(err), 7);
	assert_null(config_load(path, NULL, 0));
	free(path);
}

/* --- warnings --- */

struct warn_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 count;
	const char	*needle;	/* must appear in the text, or NULL */
};

static const struct warn_case warn_cases[] = {
	{ "defaults", S(""), 0, NULL },
	{ "loopback sign listener with keys", S("listen = 127.0.0.1:10027 "
	    "mode=sign, [::1]:10027 mode=sign\n"
	    "key_table = /etc/dkimgate/key.table\n"), 0, NULL },
	{ "sign listener on any address", S("listen = 0.0.0.0:10027 "
	    "mode=sign\nkey_table = /k\n"), 1,
	    "WARNING: listener 0.0.0.0:10027 signs mail and listens on a "
	    "non-loopback address: anyone who can connect can get mail "
	    "signed" },
	{ "sign listener on v6 address", S("listen = [2001:db8::1]:10027 "
	    "mode=sign\nkey_list = /k\n"), 1, "anyone who can connect can "
	    "get mail signed" },
	{ "sign listener without keys", S("listen = 127.0.0.1:10027 "
	    "mode=sign\n"), 1, "neither key_table nor key_list is set" },
	{ "wide client_networks with sign listener",
	    S("listen = 127.0.0.1:10027 mode=sign\nkey_table = /k\n"
	    "client_networks = 127.0.0.0/8, 192.0.2.0/24\n"), 1,
	    "client_networks (127.0.0.0/8, 192.0.2.0/24) admits clients "
	    "beyond loopback" },
	{ "wide client_networks without sign listener",
	    S("listen = 127.0.0.1:10027 mode=verify\n"
	    "client_networks = 0.0.0.0/0\n"), 0, NULL },
	{ "mapped loopback network is loopback",
	    S("listen = 127.0.0.1:10027 mode=sign\nkey_table = /k\n"
	    "client_networks = 127.0.0.1, ::ffff:127.0.0.0/104, ::1\n"), 0,
	    NULL },
	{ "everything wrong", S("listen = 0.0.0.0:10027 mode=sign\n"
	    "client_networks = ::/0\ndmarc_reject = yes\nuser = root\n"
	    "metrics_listen = 0.0.0.0:9127\n"), 6, "user = root" },
	{ "dmarc_reject after the queue", S("listen = 127.0.0.1:10027 "
	    "mode=verify\ndmarc_reject = yes\n"), 1,
	    "dmarc_reject = yes has no effect" },
	{ "dmarc_reject before the queue", S("listen = 127.0.0.1:10027 "
	    "mode=verify queue=before\ndmarc_reject = yes\n"), 0, NULL },
	{ "metrics on any address", S("metrics_listen = 0.0.0.0:9127\n"), 1,
	    "metrics_listen 0.0.0.0:9127 is not a loopback address" },
};

static void
test_warnings(void **state)
{
	const struct warn_case	*c = *state;
	struct config		*cfg;
	char			*text;
	int			 n;

	cfg = load_text(c->in, c->len, NULL);
	text = warnings_of(cfg, &n);
	if (n != c->count)
		fail_msg("%d warnings, expected %d:\n%s", n, c->count, text);
	if (c->needle != NULL && strstr(text, c->needle) == NULL)
		fail_msg("\"%s\" not in:\n%s", c->needle, text);
	if (c->count == 0)
		assert_string_equal(text, "");
	free(text);
	config_free(cfg);
}

/*
 * run_table - run one test function over a table of named cases.
 */
static int
run_table(const char *group, CMUnitTestFunction fn, const void *cases,
    size_t n, size_t size, size_t nameoff)
{
	struct CMUnitTest	*t;
	size_t			 i;
	int			 rc;

	t = xcalloc(n, sizeof(*t));
	for (i = 0; i < n; i++) {
		const char	*c = (const char *)cases + i * size;

		t[i].name = *(const char *const *)(c + nameoff);
		t[i].test_func = fn;
		t[i].initial_state = (void *)(uintptr_t)c;
	}
	rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return rc;
}

#define RUN_TABLE(group, fn, tab) \
	run_table(group, fn, tab, sizeof(tab) / sizeof(tab[0]), \
	    sizeof(tab[0]), offsetof(__typeof__(tab[0]), name))

/*
 * cleanup - remove the temporary files and directory.
 */
static void
cleanup(void)
{
	char	 path[128];
	int	 i;

	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/c%d.conf", tmpdir, i);
		unlink(path);
	}
	rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_list_next),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example_equals_defaults),
		cmocka_unit_test(test_all_types),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_defaults_follow_return_address),
		cmocka_unit_test(test_error_misc),
	};
	const char	*t = getenv("TMPDIR");
	int		 rc = 0;

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
	    t != NULL && strlen(t) < 32 ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc += RUN_TABLE("config_parse_time", test_parse_time, time_cases);
	rc += RUN_TABLE("config_parse_size", test_parse_size, size_cases);
	rc += RUN_TABLE("config_errors", test_error, err_cases);
	rc += RUN_TABLE("config_warnings", test_warnings, warn_cases);
	rc += cmocka_run_group_tests_name("config", misc, NULL, NULL);
	cleanup();
	return rc != 0;
}
