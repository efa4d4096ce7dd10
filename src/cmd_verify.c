/* cmd_verify.c - dkimgate verify / testkey (placeholder) */
#include "autoconf.h"
#include "cmd.h"

int
cmd_verify(int argc, char **argv)
{
	(void)argc;
	return cmd_usage_error(argv[0], "not built yet");
}

int
cmd_testkey(int argc, char **argv)
{
	(void)argc;
	return cmd_usage_error(argv[0], "not built yet");
}
