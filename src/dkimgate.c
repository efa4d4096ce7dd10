/*
 * dkimgate.c - main: subcommand dispatch.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "keytable.h"
#include "supervisor.h"

static void	usage(void) __attribute__((noreturn));

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "serve",		cmd_serve },
	{ "sign",		cmd_sign },
	{ "verify",		cmd_verify },
	{ "keygen",		cmd_keygen },
	{ "testkey",		cmd_testkey },
	{ "check-config",	cmd_check_config },
	{ "import-opendkim",	cmd_import_opendkim },
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dkimgate [serve] [-c FILE] [-f] [-v]\n"
	    "       dkimgate sign --domain D --selector S --key FILE "
	    "[--algorithm A] [--canon C] [-c FILE] [FILE]\n"
	    "       dkimgate verify [--resolver ADDR[@PORT]] "
	    "[--trust-anchor FILE] [--authserv-id ID] [-c FILE] [FILE]\n"
	    "       dkimgate keygen --domain D --selector S [--type rsa|ed25519] "
	    "[--bits N] [--directory DIR]\n"
	    "       dkimgate testkey --domain D --selector S --key FILE "
	    "[--resolver ..] [--trust-anchor ..]\n"
	    "       dkimgate check-config [-c FILE] [-q]\n"
	    "       dkimgate import-opendkim [-o FILE] [-k FILE] FILE\n");
	exit(2);
}

int
cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "dkimgate %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/*
 * cmd_serve - dkimgate [serve] [-c FILE] [-f] [-v]
 */
int
cmd_serve(int argc, char **argv)
{
	const char	*path = NULL;
	int		 ch, foreground = 0, verbose = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:fv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	return supervisor_run(path, foreground, verbose);
}

/*
 * cmd_check_config - validate the configuration and the keys it names,
 * print the effective configuration and any warnings.
 */
int
cmd_check_config(int argc, char **argv)
{
	const char	*path = NULL;
	struct config	*conf;
	struct keytable	*keys;
	char		 err[512];
	int		 ch, quiet = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:qv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (path == NULL && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		path = CONFIG_DEFAULT_FILE;
	if ((conf = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dkimgate: %s\n", err);
		return 1;
	}
	if ((keys = keytable_load(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dkimgate: %s\n", err);
		config_free(conf);
		return 1;
	}
	(void)config_warnings(conf, stderr);
	if (!quiet)
		config_print(conf, stdout);
	keytable_free(keys);
	config_free(conf);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t	 i;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		usage();
	if (argc >= 2 && argv[1][0] != '-') {
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return commands[i].fn(argc - 1, argv + 1);
		fprintf(stderr, "dkimgate: unknown command: %s\n", argv[1]);
		usage();
	}
	/* no subcommand: serve, with argv[0] standing for "serve" */
	argv[0] = (char *)"serve";
	return cmd_serve(argc, argv);
}
