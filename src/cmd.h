/*
 * cmd.h - the subcommands of the dkimgate binary (see dkimgate(8) and the
 * fixed command-line contract in DESIGN.md). Each takes argc/argv with
 * argv[0] the subcommand name and returns the process exit status.
 */
#ifndef DKIMGATE_CMD_H
#define DKIMGATE_CMD_H

int	cmd_serve(int, char **);		/* dkimgate.c */
int	cmd_check_config(int, char **);		/* dkimgate.c */
int	cmd_sign(int, char **);			/* cmd_sign.c */
int	cmd_keygen(int, char **);		/* cmd_sign.c */
int	cmd_verify(int, char **);		/* cmd_verify.c */
int	cmd_testkey(int, char **);		/* cmd_verify.c */
int	cmd_import_opendkim(int, char **);	/* import_opendkim.c */

/* cmd_usage_error - print "dkimgate CMD: msg" to stderr, return 2 */
int	cmd_usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
