/*
 * test_metrics.c - the shared counters and the Prometheus text exposition:
 * escaping of label values and HELP text, HELP/TYPE lines, every family's
 * samples after counting, histogram buckets, slots of several processes
 * (a real fork), counters that stay monotonic when a slot is reused, the
 * listener table across reloads, NULL safety, and the HTTP endpoint.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "dns.h"
#include "log.h"
#include "metrics.h"

static char	 tmpdir[256];
static char	 lastlog[1024];

/* capture_log - keep the last log line for assertions */
static void
capture_log(int prio, const char *line)
{
	(void)prio;
	snprintf(lastlog, sizeof(lastlog), "%s", line);
}

/* conf_from - a configuration from text (written to a file in tmpdir) */
static struct config *
conf_from(const char *text)
{
	static int	 n;
	char		 path[512], err[512];
	struct config	*c;
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/conf%d", tmpdir, n++);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	c = config_load(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("config: %s", err);
	return c;
}

/* render - the exposition as a NUL-terminated string (caller frees) */
static char *
render(struct metrics *m)
{
	struct buf	 b;

	buf_init(&b, METRICS_OUTPUT_MAX);
	assert_int_equal(metrics_render(m, &b), 0);
	return buf_steal(&b, NULL);
}

/* has_line - 1 if text holds exactly this line */
static int
has_line(const char *text, const char *line)
{
	size_t		 n = strlen(line);
	const char	*p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

/* expect_line - fail with the text when a line is missing */
static void
expect_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("missing line: %s\n--- exposition:\n%s", line, text);
}

/*
 * check_format - every line is a HELP, a TYPE or a sample of the family
 * typed last (histograms: _bucket, _sum, _count), names and label names
 * are [a-zA-Z_:][a-zA-Z0-9_:]*, label values are quoted with only \\,
 * \" and \n escapes, the value is a number; the text ends in a newline.
 * Returns the number of samples.
 */
static int
check_format(const char *text)
{
	char		 fam[128] = "", type[32] = "", name[128];
	const char	*p = text, *e, *q;
	size_t		 n;
	int		 samples = 0;

	assert_true(text[0] != '\0');
	assert_int_equal(text[strlen(text) - 1], '\n');
	while (*p != '\0') {
		e = strchr(p, '\n');
		assert_non_null(e);
		if (strncmp(p, "# HELP ", 7) == 0) {
			q = p + 7;
			n = strcspn(q, " \n");
			assert_true(n > 0 && n < sizeof(fam));
			memcpy(fam, q, n);
			fam[n] = '\0';
			/* no raw newline or lone backslash in HELP text */
			for (q += n; q < e; q++) {
				if (*q != '\\')
					continue;
				assert_true(q[1] == '\\' || q[1] == 'n');
				q++;
			}
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			q = p + 7;
			n = strlen(fam);
			assert_memory_equal(q, fam, n);
			assert_int_equal(q[n], ' ');
			q += n + 1;
			assert_true((size_t)(e - q) < sizeof(type));
			memcpy(type, q, e - q);
			type[e - q] = '\0';
			assert_true(strcmp(type, "counter") == 0 ||
			    strcmp(type, "gauge") == 0 ||
			    strcmp(type, "histogram") == 0);
		} else {
			assert_true(*p != '#');
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");
			assert_true(n > 0 && n < sizeof(name));
			memcpy(name, p, n);
			name[n] = '\0';
			if (strcmp(type, "histogram") == 0) {
				size_t	 fl = strlen(fam);

				assert_memory_equal(name, fam, fl);
				assert_true(strcmp(name + fl, "_bucket") == 0 ||
				    strcmp(name + fl, "_sum") == 0 ||
				    strcmp(name + fl, "_count") == 0);
			} else
				assert_string_equal(name, fam);
			q = p + n;
			if (*q == '{') {
				q++;
				while (*q != '}') {
					n = strspn(q, "abcdefghijklmnopqrstuvw"
					    "xyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
					    "456789_");
					assert_true(n > 0);
					q += n;
					assert_int_equal(*q++, '=');
					assert_int_equal(*q++, '"');
					while (*q != '"') {
						assert_true(*q != '\n' &&
						    *q != '\0');
						if (*q == '\\') {
							assert_true(q[1] ==
							    '\\' || q[1] ==
							    '"' || q[1] ==
							    'n');
							q++;
						}
						q++;
					}
					q++;
					if (*q == ',')
						q++;
				}
				q++;
			}
			assert_int_equal(*q++, ' ');
			assert_true(q < e);
			{
				char	*end;
				char	 num[64];

				assert_true((size_t)(e - q) < sizeof(num));
				memcpy(num, q, e - q);
				num[e - q] = '\0';
				(void)strtod(num, &end);
				assert_true(*end == '\0' ||
				    strcmp(num, "+Inf") == 0);
			}
			samples++;
		}
		p = e + 1;
	}
	return samples;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_metrics.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	log_set_hook(capture_log);
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[600];

	(void)state;
	log_set_hook(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

#define TWO_LISTENERS							\
	"listen = 127.0.0.1:10027 mode=sign, "				\
	"127.0.0.1:10026 mode=verify queue=before\n"

/* escaping: label values escape \ " and newline; HELP escapes \ and nl */
static void
text_escaping(void **state)
{
	struct buf		 b;
	const char *const	 lab[] = { "a", "x\\y\"z\nw", "b", "", NULL };

	(void)state;
	buf_init(&b, 4096);
	metrics_text_escape(&b, "a\\b\"c\nd", 1);
	assert_string_equal(buf_data(&b), "a\\\\b\\\"c\\nd");
	buf_reset(&b);
	metrics_text_escape(&b, "a\\b\"c\nd", 0);
	assert_string_equal(buf_data(&b), "a\\\\b\"c\\nd");
	buf_reset(&b);
	metrics_text_sample(&b, "m_total", lab, "%d", 7);
	assert_string_equal(buf_data(&b),
	    "m_total{a=\"x\\\\y\\\"z\\nw\",b=\"\"} 7\n");
	buf_reset(&b);
	metrics_text_sample(&b, "m", NULL, "%s", "1.5");
	assert_string_equal(buf_data(&b), "m 1.5\n");
	buf_clear(&b);
}

/* HELP and TYPE lines */
static void
text_family(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 4096);
	metrics_text_family(&b, "dkimgate_x_total", "counter",
	    "Two\nlines, a \\ and \"quotes\".");
	assert_string_equal(buf_data(&b),
	    "# HELP dkimgate_x_total Two\\nlines, a \\\\ and \"quotes\".\n"
	    "# TYPE dkimgate_x_total counter\n");
	assert_int_equal(check_format(buf_data(&b)), 0);
	buf_clear(&b);
}

/* the families, zero and after counting, in one slot */
static void
counting(void **state)
{
	struct metrics	*m;
	struct config	*c;
	char		*t, err[256];
	const struct listener_conf *sl, *vl;

	(void)state;
	assert_non_null(m = metrics_new());
	assert_ptr_equal(metrics_self(), m);
	c = conf_from(TWO_LISTENERS);
	assert_int_equal(metrics_configure(m, NULL, c, err, sizeof(err)), 0);
	sl = &c->listeners[0];
	vl = &c->listeners[1];

	t = render(m);
	assert_true(check_format(t) > 40);
	expect_line(t, "# TYPE dkimgate_sessions_total counter");
	expect_line(t, "dkimgate_sessions_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\"} 0");
	expect_line(t, "dkimgate_results_total{listener=\"127.0.0.1:10026\","
	    "mode=\"verify\",kind=\"spf\",result=\"softfail\"} 0");
	/* no SPF "policy", no DKIM "softfail", no results on sign */
	assert_null(strstr(t, "kind=\"spf\",result=\"policy\""));
	assert_null(strstr(t, "kind=\"dkim\",result=\"softfail\""));
	assert_null(strstr(t, "dkimgate_results_total{listener=\"127.0.0.1:"
	    "10027\""));
	assert_null(strstr(t, "dkimgate_signing_total{listener=\"127.0.0.1:"
	    "10026\""));
	expect_line(t, "dkimgate_dns_lookup_duration_seconds_bucket"
	    "{le=\"+Inf\"} 0");
	expect_line(t, "dkimgate_worker_restarts_total 0");
	free(t);

	metrics_attach(m, 3);
	metrics_session(m, sl);
	metrics_session(m, sl);
	metrics_session(m, vl);
	metrics_message(m, sl, "delivered", 1000, 0);
	metrics_message(m, sl, "delivered", 24, 1);
	metrics_message(m, sl, "too-big", 5, 0);
	metrics_message(m, sl, "", 0, 0);
	metrics_message(m, vl, "strange", 7, 0);
	metrics_return_reply(m, sl, 250);
	metrics_return_reply(m, sl, 451);
	metrics_return_reply(m, sl, 554);
	metrics_return_reply(m, sl, 0);
	metrics_return_reply(m, sl, 354);
	metrics_result(m, vl, METRICS_DKIM, "pass");
	metrics_result(m, vl, METRICS_DKIM, "pass");
	metrics_result(m, vl, METRICS_DKIM, "softfail");	/* not DKIM */
	metrics_result(m, vl, METRICS_SPF, "softfail");
	metrics_result(m, vl, METRICS_DMARC, "fail");
	metrics_result(m, vl, METRICS_DMARC, "bogus-word");
	metrics_result(m, vl, METRICS_KINDS, "pass");
	metrics_sign(m, sl, "signed");
	metrics_sign(m, sl, "unsigned");
	metrics_sign(m, sl, "other");
	metrics_signature(m, sl, CRYPTO_ALG_RSA);
	metrics_signature(m, sl, CRYPTO_ALG_ED25519);
	metrics_signature(m, sl, CRYPTO_ALG_ED25519);
	metrics_signature(m, sl, 9);
	metrics_worker_restart(m);

	t = render(m);
	check_format(t);
	expect_line(t, "dkimgate_sessions_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\"} 2");
	expect_line(t, "dkimgate_sessions_total{listener=\"127.0.0.1:10026\","
	    "mode=\"verify\"} 1");
	expect_line(t, "dkimgate_messages_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\",outcome=\"delivered\"} 2");
	expect_line(t, "dkimgate_messages_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\",outcome=\"too-big\"} 1");
	expect_line(t, "dkimgate_messages_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\",outcome=\"other\"} 1");
	expect_line(t, "dkimgate_messages_total{listener=\"127.0.0.1:10026\","
	    "mode=\"verify\",outcome=\"other\"} 1");
	expect_line(t, "dkimgate_received_bytes_total{listener=\"127.0.0.1:"
	    "10027\",mode=\"sign\"} 1029");
	expect_line(t, "dkimgate_spooled_messages_total{listener=\"127.0.0.1:"
	    "10027\",mode=\"sign\"} 1");
	expect_line(t, "dkimgate_return_replies_total{listener=\"127.0.0.1:"
	    "10027\",mode=\"sign\",class=\"2xx\"} 1");
	expect_line(t, "dkimgate_return_replies_total{listener=\"127.0.0.1:"
	    "10027\",mode=\"sign\",class=\"4xx\"} 1");
	expect_line(t, "dkimgate_return_replies_total{listener=\"127.0.0.1:"
	    "10027\",mode=\"sign\",class=\"5xx\"} 1");
	expect_line(t, "dkimgate_return_replies_total{listener=\"127.0.0.1:"
	    "10027\",mode=\"sign\",class=\"failure\"} 2");
	expect_line(t, "dkimgate_results_total{listener=\"127.0.0.1:10026\","
	    "mode=\"verify\",kind=\"dkim\",result=\"pass\"} 2");
	expect_line(t, "dkimgate_results_total{listener=\"127.0.0.1:10026\","
	    "mode=\"verify\",kind=\"spf\",result=\"softfail\"} 1");
	expect_line(t, "dkimgate_results_total{listener=\"127.0.0.1:10026\","
	    "mode=\"verify\",kind=\"dmarc\",result=\"fail\"} 1");
	expect_line(t, "dkimgate_signing_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\",result=\"signed\"} 1");
	expect_line(t, "dkimgate_signing_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\",result=\"unsigned\"} 1");
	expect_line(t, "dkimgate_signatures_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\",algorithm=\"rsa-sha256\"} 1");
	expect_line(t, "dkimgate_signatures_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\",algorithm=\"ed25519-sha256\"} 2");
	expect_line(t, "dkimgate_worker_restarts_total 1");
	free(t);
	metrics_free(m);
	assert_null(metrics_self());
	config_free(c);
}

/* the DNS families: status x DNSSEC status, cumulative buckets, sum */
static void
dns_histogram(void **state)
{
	struct metrics	*m;
	char		*t;

	(void)state;
	assert_non_null(m = metrics_new());
	metrics_dns(m, DNS_OK, DNS_SEC_SECURE, 0);
	metrics_dns(m, DNS_OK, DNS_SEC_SECURE, 5);
	metrics_dns(m, DNS_NXDOMAIN, DNS_SEC_INSECURE, 6);
	metrics_dns(m, DNS_TEMPFAIL, DNS_SEC_INSECURE, 10000);
	metrics_dns(m, DNS_BOGUS, DNS_SEC_BOGUS, 20001);
	metrics_dns(m, 99, DNS_SEC_SECURE, 1);		/* ignored */
	metrics_dns(m, DNS_OK, -1, 1);			/* ignored */
	t = render(m);
	check_format(t);
	expect_line(t, "dkimgate_dns_lookups_total{status=\"ok\","
	    "dnssec=\"secure\"} 2");
	expect_line(t, "dkimgate_dns_lookups_total{status=\"ok\","
	    "dnssec=\"insecure\"} 0");
	expect_line(t, "dkimgate_dns_lookups_total{status=\"nxdomain\","
	    "dnssec=\"insecure\"} 1");
	expect_line(t, "dkimgate_dns_lookups_total{status=\"bogus\","
	    "dnssec=\"bogus\"} 1");
	/* impossible pairs are left out while they are 0 */
	assert_null(strstr(t, "status=\"ok\",dnssec=\"bogus\""));
	expect_line(t, "# TYPE dkimgate_dns_lookup_duration_seconds "
	    "histogram");
	expect_line(t, "dkimgate_dns_lookup_duration_seconds_bucket"
	    "{le=\"0.005\"} 2");
	expect_line(t, "dkimgate_dns_lookup_duration_seconds_bucket"
	    "{le=\"0.01\"} 3");
	expect_line(t, "dkimgate_dns_lookup_duration_seconds_bucket"
	    "{le=\"5\"} 3");
	expect_line(t, "dkimgate_dns_lookup_duration_seconds_bucket"
	    "{le=\"10\"} 4");
	expect_line(t, "dkimgate_dns_lookup_duration_seconds_bucket"
	    "{le=\"+Inf\"} 5");
	expect_line(t, "dkimgate_dns_lookup_duration_seconds_sum 30.012");
	expect_line(t, "dkimgate_dns_lookup_duration_seconds_count 5");
	free(t);
	metrics_free(m);
}

/*
 * Workers are processes: counts made in a forked child's slot show in
 * the parent's sum, and a child started again in another slot (or the
 * same one) adds to what is there, so counters never go down.
 */
static void
fork_slots(void **state)
{
	struct metrics	*m;
	struct config	*c;
	char		*t, err[256];
	pid_t		 pid;
	int		 st, round;

	(void)state;
	assert_non_null(m = metrics_new());
	c = conf_from(TWO_LISTENERS);
	assert_int_equal(metrics_configure(m, NULL, c, err, sizeof(err)), 0);
	metrics_session(m, &c->listeners[0]);	/* the supervisor's slot */
	for (round = 0; round < 3; round++) {
		if ((pid = fork()) == 0) {
			metrics_child(m, round == 2 ? 0 : 5 + round);
			metrics_session(metrics_self(), &c->listeners[0]);
			metrics_message(metrics_self(), &c->listeners[0],
			    "delivered", 100, 0);
			/* leave nothing for valgrind's leak check */
			metrics_free(m);
			config_free(c);
			_exit(0);
		}
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		metrics_worker_restart(m);
	}
	/* a child slot out of range counts nothing (and says so) */
	if ((pid = fork()) == 0) {
		metrics_child(m, METRICS_WORKER_SLOTS);
		metrics_session(metrics_self(), &c->listeners[0]);
		st = strstr(lastlog, "no counter slot") != NULL ? 0 : 1;
		metrics_free(m);
		config_free(c);
		_exit(st);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	t = render(m);
	expect_line(t, "dkimgate_sessions_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\"} 4");
	expect_line(t, "dkimgate_messages_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\",outcome=\"delivered\"} 3");
	expect_line(t, "dkimgate_received_bytes_total{listener=\"127.0.0.1:"
	    "10027\",mode=\"sign\"} 300");
	expect_line(t, "dkimgate_worker_restarts_total 3");
	free(t);
	metrics_free(m);
	config_free(c);
}

/*
 * Listener identities are added, never removed: after a reload the old
 * listeners keep their counts, a mode change is a new identity, and past
 * METRICS_LISTENERS nothing more is counted (logged once).
 */
static void
listener_table(void **state)
{
	struct metrics	*m;
	struct config	*c1, *c2, *c3;
	struct buf	 big;
	char		*t, err[256];
	int		 i;

	(void)state;
	assert_non_null(m = metrics_new());
	c1 = conf_from(TWO_LISTENERS);
	assert_int_equal(metrics_configure(m, NULL, c1, err, sizeof(err)),
	    0);
	metrics_session(m, &c1->listeners[1]);
	c2 = conf_from("listen = 127.0.0.1:10026 mode=pass, "
	    "[::1]:10029 mode=verify\n");
	assert_int_equal(metrics_configure(m, NULL, c2, err, sizeof(err)),
	    0);
	metrics_session(m, &c2->listeners[0]);
	metrics_session(m, &c2->listeners[1]);
	metrics_session(m, &c2->listeners[1]);
	t = render(m);
	check_format(t);
	expect_line(t, "dkimgate_sessions_total{listener=\"127.0.0.1:10026\","
	    "mode=\"verify\"} 1");
	expect_line(t, "dkimgate_sessions_total{listener=\"127.0.0.1:10026\","
	    "mode=\"pass\"} 1");
	expect_line(t, "dkimgate_sessions_total{listener=\"[::1]:10029\","
	    "mode=\"verify\"} 2");
	expect_line(t, "dkimgate_sessions_total{listener=\"127.0.0.1:10027\","
	    "mode=\"sign\"} 0");
	free(t);

	/* 60 more listeners fill the table; the 61st is not counted */
	buf_init(&big, 64 * 1024);
	buf_adds(&big, "listen = ");
	for (i = 0; i < 61; i++)
		buf_printf(&big, "%s127.0.0.2:%d mode=pass", i > 0 ? ", " : "",
		    11000 + i);
	buf_adds(&big, "\n");
	c3 = conf_from(buf_data(&big));
	buf_clear(&big);
	lastlog[0] = '\0';
	assert_int_equal(metrics_configure(m, NULL, c3, err, sizeof(err)),
	    0);
	assert_non_null(strstr(lastlog, "more than 64 listeners"));
	assert_non_null(strstr(lastlog, "127.0.0.2:11060"));
	metrics_session(m, &c3->listeners[59]);
	metrics_session(m, &c3->listeners[60]);
	t = render(m);
	check_format(t);
	expect_line(t, "dkimgate_sessions_total{listener=\"127.0.0.2:11059\","
	    "mode=\"pass\"} 1");
	assert_null(strstr(t, "127.0.0.2:11060"));
	free(t);
	metrics_free(m);
	config_free(c1);
	config_free(c2);
	config_free(c3);
}

/* without a handle (command-line tools) nothing happens */
static void
null_safe(void **state)
{
	struct config	*c;
	struct buf	 b;
	char		 err[64];

	(void)state;
	assert_null(metrics_self());
	c = conf_from(TWO_LISTENERS);
	metrics_session(NULL, &c->listeners[0]);
	metrics_message(NULL, &c->listeners[0], "delivered", 1, 1);
	metrics_return_reply(NULL, NULL, 250);
	metrics_result(NULL, NULL, METRICS_DKIM, "pass");
	metrics_sign(NULL, NULL, "signed");
	metrics_signature(NULL, NULL, CRYPTO_ALG_RSA);
	metrics_dns(NULL, DNS_OK, DNS_SEC_SECURE, 1);
	metrics_worker_restart(NULL);
	metrics_child(NULL, 1);
	metrics_set_extra(NULL, NULL, NULL);
	assert_int_equal(metrics_configure(NULL, NULL, c, err, sizeof(err)),
	    0);
	buf_init(&b, 16);
	assert_int_equal(metrics_render(NULL, &b), 0);
	assert_int_equal(buf_len(&b), 0);
	buf_clear(&b);
	metrics_free(NULL);
	config_free(c);
}

/* extra families come after the shared ones; a full buffer is -1 */
static void
extra_fn(struct buf *b, void *arg)
{
	const char *const	 lab[] = { "who", arg, NULL };

	metrics_text_family(b, "dkimgate_extra", "gauge", "An extra.");
	metrics_text_sample(b, "dkimgate_extra", lab, "%d", 42);
}

static void
extra_and_cap(void **state)
{
	struct metrics	*m;
	struct buf	 b;
	char		*t;

	(void)state;
	assert_non_null(m = metrics_new());
	metrics_set_extra(m, extra_fn, (void *)"a\"b");
	t = render(m);
	check_format(t);
	expect_line(t, "dkimgate_extra{who=\"a\\\"b\"} 42");
	assert_true(strstr(t, "dkimgate_extra") >
	    strstr(t, "dkimgate_start_time_seconds"));
	free(t);
	buf_init(&b, 100);
	assert_int_equal(metrics_render(m, &b), -1);
	buf_clear(&b);
	metrics_free(m);
}

/* free_port - a TCP port on 127.0.0.1 that was free a moment ago */
static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, port;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/*
 * http_get - send request to 127.0.0.1:port and run base until the
 * server has closed the connection; returns the response (caller frees).
 */
static char *
http_get(struct event_base *base, int port, const char *request)
{
	struct sockaddr_in	 sin;
	struct buf		 resp;
	char			 chunk[4096];
	ssize_t			 n;
	int			 fd, i;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(write(fd, request, strlen(request)),
	    (ssize_t)strlen(request));
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	buf_init(&resp, METRICS_OUTPUT_MAX);
	for (i = 0; i < 20000; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0)
			break;
		if (n > 0)
			buf_add(&resp, chunk, n);
		else {
			assert_true(errno == EAGAIN);
			usleep(500);
		}
	}
	close(fd);
	assert_true(i < 20000);
	return buf_steal(&resp, NULL);
}

/* the endpoint: GET /metrics, HEAD, 404, refused methods, reconfigure */
static void
http_endpoint(void **state)
{
	struct event_base	*base;
	struct metrics		*m;
	struct config		*c, *c2, *c3;
	char			 text[256], err[256], *r, *t, *body;
	int			 port, port2;

	(void)state;
	assert_non_null(base = event_base_new());
	assert_non_null(m = metrics_new());
	port = free_port();
	snprintf(text, sizeof(text), TWO_LISTENERS
	    "metrics_listen = 127.0.0.1:%d\n", port);
	c = conf_from(text);
	assert_int_equal(metrics_configure(m, base, c, err, sizeof(err)), 0);
	assert_non_null(strstr(lastlog, "metrics on http://127.0.0.1:"));
	metrics_session(m, &c->listeners[0]);

	r = http_get(base, port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_true(strncmp(r, "HTTP/1.0 200", 12) == 0 ||
	    strncmp(r, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strstr(r, "Content-Type: text/plain; version=0.0.4; "
	    "charset=utf-8\r\n"));
	assert_non_null(body = strstr(r, "\r\n\r\n"));
	body += 4;
	t = render(m);
	if (strcmp(body, t) != 0)
		fail_msg("body %zu bytes, render %zu bytes; head:\n%.*s",
		    strlen(body), strlen(t), (int)(body - r), r);
	check_format(body);
	expect_line(body, "dkimgate_sessions_total{listener=\"127.0.0.1:"
	    "10027\",mode=\"sign\"} 1");
	free(t);
	free(r);

	r = http_get(base, port, "HEAD /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 200 "));
	assert_non_null(body = strstr(r, "\r\n\r\n"));
	assert_string_equal(body + 4, "");
	free(r);
	r = http_get(base, port, "GET / HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 404 "));
	free(r);
	r = http_get(base, port, "POST /metrics HTTP/1.0\r\n"
	    "Content-Length: 0\r\n\r\n");
	assert_null(strstr(r, " 200 "));
	free(r);

	/* an unchanged address keeps the socket; a new one moves it */
	assert_int_equal(metrics_configure(m, base, c, err, sizeof(err)), 0);
	port2 = free_port();
	snprintf(text, sizeof(text), "metrics_listen = 127.0.0.1:%d\n",
	    port2);
	c2 = conf_from(text);
	assert_int_equal(metrics_configure(m, base, c2, err, sizeof(err)),
	    0);
	r = http_get(base, port2, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 200 "));
	free(r);
	/* a port that cannot be bound: error, the old endpoint stays */
	c3 = conf_from("metrics_listen = 192.0.2.1:9\n");
	assert_int_equal(metrics_configure(m, base, c3, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "cannot listen on 192.0.2.1:9"));
	r = http_get(base, port2, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 200 "));
	free(r);
	/* empty: off */
	assert_int_equal(metrics_configure(m, base, c, err, sizeof(err)), 0);
	config_free(c3);
	c3 = conf_from("metrics_listen =\n");
	assert_int_equal(metrics_configure(m, base, c3, err, sizeof(err)),
	    0);
	metrics_free(m);
	event_base_free(base);
	config_free(c);
	config_free(c2);
	config_free(c3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_escaping),
		cmocka_unit_test(text_family),
		cmocka_unit_test(counting),
		cmocka_unit_test(dns_histogram),
		cmocka_unit_test(fork_slots),
		cmocka_unit_test(listener_table),
		cmocka_unit_test(null_safe),
		cmocka_unit_test(extra_and_cap),
		cmocka_unit_test(http_endpoint),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
