/* cmd_sign.c - dkimgate sign / keygen (placeholder until signing lands) */
#include "autoconf.h"
#include "cmd.h"

int
cmd_sign(int argc, char **argv)
{
	(void)argc;
	return cmd_usage_error(argv[0], "not built yet");
}

int
cmd_keygen(int argc, char **argv)
{
	(void)argc;
	return cmd_usage_error(argv[0], "not built yet");
}
