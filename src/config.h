/*
 * config.h - dkimgate.conf: Postfix-style "name = value" parameters.
 *
 * config_load() reads a file (or, with path NULL, the built-in defaults,
 * which equal the shipped example file) into a new struct config that the
 * caller frees with config_free(). A bad file is reported as
 * "FILE:LINE: what is wrong" through the err buffer and NULL is returned;
 * the previous configuration, if any, stays untouched, which is what makes
 * SIGHUP reloads safe.
 *
 * Every parameter lives in one table in config.c ({name, type, default,
 * min, max, offset}); dkimgate.conf(5) documents each one, and
 * tests/doc-check.sh fails the build if one is missing from the page.
 *
 * The struct is read-only after loading; workers get a copy through fork.
 */
#ifndef DKIMGATE_CONFIG_H
#define DKIMGATE_CONFIG_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdio.h>

#include "netaddr.h"

#define CONFIG_DEFAULT_FILE	SYSCONFDIR "/dkimgate/dkimgate.conf"

enum listen_mode {
	MODE_PASS = 0,
	MODE_SIGN,
	MODE_VERIFY,
	MODE_COUNT
};

enum listen_queue {
	QUEUE_AFTER = 0,	/* content_filter: annotate, never bounce */
	QUEUE_BEFORE		/* smtpd_proxy_filter: may reject at SMTP */
};

struct listener_conf {
	char			*text;		/* as written, for logs */
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	enum listen_mode	 mode;
	enum listen_queue	 queue;
	struct sockaddr_storage	 ret;		/* return port */
	socklen_t		 retlen;
	char			*ret_text;
};

enum dns_fail_action {
	DNSFAIL_ACCEPT = 0,	/* temperror in A-R, deliver */
	DNSFAIL_TEMPFAIL	/* 451 4.7.5, Postfix retries */
};

enum bad_from_action {
	BADFROM_RELAY = 0,	/* relay unsigned, log the reason */
	BADFROM_REJECT		/* 550 5.7.x */
};

struct config {
	char		*path;		/* file read, or "(defaults)" */

	/* processes and identity */
	struct listener_conf *listeners;
	size_t		 nlisteners;
	char		*return_address;
	int		 workers;	/* 0: one per CPU */
	char		*user;
	int		 user_is_default;
	char		*myhostname;
	char		*pid_file;
	char		*syslog_name;
	char		*syslog_facility;
	int		 facility;	/* LOG_MAIL etc. */
	int		 verbose;
	char		*client_networks_text;
	struct netlist	 client_networks;

	/* limits and timeouts (seconds, bytes) */
	int		 max_sessions;	/* whole daemon */
	int		 max_errors;
	int		 command_timeout;
	int		 data_timeout;
	int		 return_connect_timeout;
	int		 return_timeout;
	int		 return_data_timeout;
	int		 drain_timeout;
	long long	 message_size_limit;
	long long	 header_size_limit;
	long long	 spool_threshold;
	char		*spool_directory;

	/* signing */
	char		*key_table;		/* file: OpenDKIM KeyTable or ours */
	char		*signing_table;		/* file */
	char		*key_list;		/* file: dkim-filter KeyList */
	char		*sign_canonicalization;	/* "relaxed/relaxed" */
	char		*sign_headers;		/* list */
	char		*oversign_headers;	/* list */
	int		 signature_ttl;		/* x= = t= + ttl; 0 = no x= */
	int		 bad_from_action;	/* enum bad_from_action */
	int		 min_key_bits;		/* refuse smaller RSA keys */
	int		 key_check_interval;	/* rotation: re-check DNS */
	char		*successor_table;	/* file: successor keys */
	int		 rotation_overlap;	/* sign with both keys */

	/* verification and DNS */
	char		*authserv_id;
	int		 max_signatures;
	char		*dns_resolver;		/* "" or ADDR[@PORT][, ...] */
	char		*dns_trust_anchor;	/* file, replaces the default */
	char		*dns_unbound_config;	/* unbound.conf to load */
	int		 dns_timeout;
	int		 dns_failure_action;	/* enum dns_fail_action */
	int		 dkim_min_rsa_bits;	/* RFC 8301: 1024 */
	int		 spf_enable;
	int		 dmarc_enable;
	int		 dmarc_reject;		/* before-queue only */
	char		*dmarc_quarantine_header;	/* "" = none */

	/* observability */
	char		*metrics_listen;	/* "" = off */
};

/*
 * config_load - read path (NULL: built-in defaults) into a new config.
 * On error returns NULL with "FILE:LINE: message" in err.
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
void		 config_free(struct config *);

/*
 * config_print - write the effective configuration as "name = value"
 * lines that config_load() reads back to the same values.
 */
void		 config_print(const struct config *, FILE *);

/*
 * config_warnings - print loud warnings (e.g. a sign listener on a
 * non-loopback address) to fp; returns how many were printed.
 */
int		 config_warnings(const struct config *, FILE *);

/*
 * config_parse_time/size - "300", "300s", "5m", "1h", "1d"; "10k",
 * "64M", "1G". Return 0, or -1 on syntax error or overflow.
 */
int		 config_parse_time(const char *, int *);
int		 config_parse_size(const char *, long long *);

/*
 * config_list_next - iterate a comma/space separated list value: returns
 * the next item's start and length, advancing *pos; NULL at the end.
 */
const char	*config_list_next(const char *s, size_t *pos, size_t *len);

const char	*config_mode_name(enum listen_mode);

/*
 * config_authserv_id_problem - why v cannot be an authserv_id ("not a
 * token (RFC 8601 section 2.2)", "longer than 255 characters", "only
 * dots", "empty"), or NULL when it can. Shared with import-opendkim, so
 * that what it writes loads.
 */
const char	*config_authserv_id_problem(const char *v);

#endif
