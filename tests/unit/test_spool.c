/*
 * test_spool.c - the message store across the memory/file threshold, the
 * size cap, and sending from memory and from the file.
 */
#include "autoconf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "spool.h"

static void
fill(char *p, size_t n, unsigned seed)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = (char)(seed >> 16);
	}
}

/*
 * roundtrip - write total bytes in pieces of piece bytes with the given
 * threshold; check size, where it lives, and what spool_send yields.
 */
static void
roundtrip(size_t threshold, size_t total, size_t piece, off_t from,
    int want_disk)
{
	struct spool	*s;
	struct evbuffer	*out;
	char		*data, *got;
	size_t		 off;

	data = malloc(total + 1);
	fill(data, total, (unsigned)(threshold + total));
	s = spool_new(threshold, 1 << 30, "/tmp");
	for (off = 0; off < total; off += piece) {
		size_t	 n = total - off < piece ? total - off : piece;

		assert_int_equal(spool_write(s, data + off, n), 0);
	}
	assert_int_equal(spool_size(s), (off_t)total);
	assert_int_equal(spool_on_disk(s), want_disk);
	/* random access reads see the same bytes */
	if (total > 10) {
		char	 small[10];

		assert_int_equal(spool_read(s, total / 2, small, 10), 10);
		assert_memory_equal(small, data + total / 2, 10);
	}
	out = evbuffer_new();
	assert_int_equal(spool_send(s, from, out), 0);
	spool_free(s);		/* what was handed over outlives the spool */
	assert_int_equal(evbuffer_get_length(out), total - from);
	got = malloc(total + 1);
	assert_int_equal(evbuffer_remove(out, got, total - from),
	    (int)(total - from));
	assert_memory_equal(got, data + from, total - from);
	evbuffer_free(out);
	free(got);
	free(data);
}

static void
test_memory_only(void **state)
{
	roundtrip(4096, 4096, 100, 0, 0);
	roundtrip(4096, 1000, 1000, 10, 0);
	roundtrip(4096, 0, 1, 0, 0);
}

static void
test_spill_to_file(void **state)
{
	roundtrip(4096, 4097, 100, 0, 1);
	roundtrip(4096, 300000, 777, 0, 1);
	roundtrip(0, 10, 1, 0, 1);
	roundtrip(1000, 200000, 100000, 12345, 1);	/* big single writes */
}

static void
test_size_cap(void **state)
{
	struct spool	*s;
	char		 buf[100];

	memset(buf, 'x', sizeof(buf));
	s = spool_new(50, 250, "/tmp");
	assert_int_equal(spool_write(s, buf, 100), 0);
	assert_int_equal(spool_write(s, buf, 100), 0);
	assert_int_equal(spool_write(s, buf, 100), -1);
	assert_int_equal(spool_error(s), EFBIG);
	/* sticky: even a small write now fails */
	assert_int_equal(spool_write(s, buf, 1), -1);
	assert_int_equal(spool_size(s), 200);
	spool_free(s);
}

static void
test_bad_directory(void **state)
{
	struct spool	*s;
	char		 buf[100];

	memset(buf, 'x', sizeof(buf));
	s = spool_new(10, 1000, "/nonexistent/dkimgate-test");
	assert_int_equal(spool_write(s, buf, 5), 0);
	assert_int_equal(spool_write(s, buf, 50), -1);
	assert_int_equal(spool_error(s), ENOENT);
	spool_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_only),
		cmocka_unit_test(test_spill_to_file),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_bad_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
