/*
 * fuzz_config.c - libFuzzer harness for config.h: config_load() on a
 * file holding the input (an anonymous memfd read through /proc, so no
 * disk is touched), then the round trip config.h promises: the output of
 * config_print() loads again, and prints the same text. Also the value
 * helpers config_parse_time, config_parse_size and config_list_next on
 * each input line.
 *
 * config.c reads files only (cfg_parse_text is internal), hence the
 * memfd. Errors must come back as one "FILE:LINE: message" string. A
 * loaded configuration's authserv_id must be claimed by the A-R field
 * authres.c writes with it.
 */
#include "autoconf.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authres.h"
#include "buf.h"
#include "config.h"
#include "fuzz.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static FILE	*devnull;

static struct config *fuzz_load(const char *, size_t, char *, size_t);
static char	*fuzz_print(const struct config *, size_t *);
static void	fuzz_values(const char *, size_t);
static void	fuzz_own_field(const struct config *);

/*
 * fuzz_own_field - the Authentication-Results field written with the
 * configured authserv_id claims that id (RFC 8601 5: else forged copies
 * of our fields would not be removed).
 */
static void
fuzz_own_field(const struct config *cfg)
{
	struct authres	*ar;
	struct buf	 b;
	size_t		 skip = sizeof(AUTHRES_FIELD ":") - 1;

	ar = authres_new(cfg->authserv_id);
	buf_init(&b, 4096);
	FUZZ_CHECK(authres_finish(ar, &b, "\r\n") == 0);
	FUZZ_CHECK(buf_len(&b) > skip + 2);
	FUZZ_CHECK(authres_claims(buf_data(&b) + skip, buf_len(&b) - skip - 2,
	    cfg->authserv_id) == 1);
	buf_clear(&b);
	authres_free(ar);
}

/*
 * fuzz_load - config_load() on a memfd holding text.
 */
static struct config *
fuzz_load(const char *text, size_t len, char *err, size_t errlen)
{
	struct config	*cfg;
	char		 path[64];
	int		 fd;

	if ((fd = memfd_create("fuzz.conf", MFD_CLOEXEC)) == -1)
		abort();
	if (len > 0 && write(fd, text, len) != (ssize_t)len)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	cfg = config_load(path, err, errlen);
	close(fd);
	return cfg;
}

/* fuzz_print - config_print() into a malloc'ed string */
static char *
fuzz_print(const struct config *cfg, size_t *lenp)
{
	FILE	*fp;
	char	*out = NULL;

	if ((fp = open_memstream(&out, lenp)) == NULL)
		abort();
	config_print(cfg, fp);
	if (fclose(fp) != 0)
		abort();
	return out;
}

/*
 * fuzz_values - the value parsers on one line (as a C string: that is
 * their interface).
 */
static void
fuzz_values(const char *p, size_t len)
{
	long long	 bytes;
	const char	*item;
	char		*s;
	size_t		 pos = 0, ilen, n = 0;
	int		 secs;

	s = fuzz_dupz(p, len);
	if (config_parse_time(s, &secs) == 0)
		FUZZ_CHECK(secs >= 0);
	if (config_parse_size(s, &bytes) == 0)
		FUZZ_CHECK(bytes >= 0);
	while ((item = config_list_next(s, &pos, &ilen)) != NULL) {
		FUZZ_CHECK(ilen > 0);
		FUZZ_CHECK(fuzz_within(item, ilen, s, strlen(s)));
		FUZZ_CHECK(pos <= strlen(s));
		FUZZ_CHECK(++n <= len);
	}
	free(s);
}

/* LLVMFuzzerInitialize - libFuzzer start-up: logging and fixed state */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	return 0;
}

/* LLVMFuzzerTestOneInput - run one input; see the top of this file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	 in = { data, size };
	struct fuzz_in	 line;
	struct config	*cfg, *cfg2;
	char		 err[512], *text, *out1, *out2;
	size_t		 len1, len2;

	if (size > 64 * 1024)
		return 0;
	text = fuzz_dup(data, size);
	cfg = fuzz_load(text, size, err, sizeof(err));
	if (cfg == NULL) {
		/* "PATH:LINE: message" or "PATH: message", one line */
		FUZZ_CHECK(strncmp(err, "/proc/self/fd/", 14) == 0);
		FUZZ_CHECK(strchr(err, '\n') == NULL);
	} else {
		FUZZ_CHECK(config_warnings(cfg, devnull) >= 0);
		fuzz_own_field(cfg);
		out1 = fuzz_print(cfg, &len1);
		cfg2 = fuzz_load(out1, len1, err, sizeof(err));
		if (cfg2 == NULL) {
			fprintf(stderr, "reload of printed config failed: "
			    "%s\n", err);
			abort();
		}
		out2 = fuzz_print(cfg2, &len2);
		FUZZ_CHECK(len1 == len2 && memcmp(out1, out2, len1) == 0);
		free(out1);
		free(out2);
		config_free(cfg2);
		config_free(cfg);
	}
	free(text);

	while (in.n > 0) {
		line = fuzz_part(&in, '\n');
		fuzz_values((const char *)line.p, line.n);
	}
	return 0;
}
