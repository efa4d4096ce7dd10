/*
 * fuzz_import.c - libFuzzer harness for import_opendkim.h: the
 * conversion of an opendkim.conf / dkim-filter.conf into dkimgate.conf
 * text ("dkimgate import-opendkim").
 *
 * Input: the configuration text. Invariants: on success conf, keytable
 * and warnings are empty or end in "\n" and hold no NUL; a conf that was
 * produced loads with config_load() (the converter writes dkimgate.conf
 * syntax and values it accepts), checked through a memfd as in
 * fuzz_config; on failure the error is one line naming the file.
 */
#include "autoconf.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "fuzz.h"
#include "import_opendkim.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_lines(const struct buf *);
static void	fuzz_load(const struct buf *);

/* fuzz_lines - empty, or text ending in "\n" without NUL */
static void
fuzz_lines(const struct buf *b)
{
	FUZZ_CHECK(!buf_error(b));
	if (buf_len(b) == 0)
		return;
	FUZZ_CHECK(buf_data(b)[buf_len(b) - 1] == '\n');
	FUZZ_CHECK(memchr(buf_data(b), '\0', buf_len(b)) == NULL);
}

/* fuzz_load - config_load() the converted dkimgate.conf */
static void
fuzz_load(const struct buf *conf)
{
	struct config	*cfg;
	char		 path[64], err[512];
	int		 fd;

	if ((fd = memfd_create("import.conf", MFD_CLOEXEC)) == -1)
		abort();
	if (buf_len(conf) > 0 && write(fd, buf_data(conf), buf_len(conf)) !=
	    (ssize_t)buf_len(conf))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "converted configuration does not load: %s\n",
		    err);
		abort();
	}
	config_free(cfg);
	close(fd);
}

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
	struct import_result	 res;
	char			*text, err[512];

	if (size > 64 * 1024)
		return 0;
	text = fuzz_dup(data, size);
	import_result_init(&res);
	err[0] = '\0';
	if (import_opendkim_convert("opendkim.conf", text, size,
	    "/etc/dkimgate/keytable", &res, err, sizeof(err)) == -1) {
		FUZZ_CHECK(strncmp(err, "opendkim.conf", 13) == 0);
		FUZZ_CHECK(strchr(err, '\n') == NULL);
	} else {
		fuzz_lines(&res.conf);
		fuzz_lines(&res.keytable);
		fuzz_lines(&res.warnings);
		fuzz_load(&res.conf);
	}
	import_result_clear(&res);
	free(text);
	return 0;
}
