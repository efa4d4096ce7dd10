## fuzz area: libFuzzer harnesses (fuzz/fuzz_*.c), seed corpora
## (fuzz/corpus/<harness>/), regression inputs (fuzz/regressions/<harness>/),
## dictionaries (fuzz/*.dict), the CI smoke run and the valgrind runner.
##
## "make fuzz" builds every harness with clang ($(FUZZ_CC), found by
## configure) into fuzz/ of the build directory. The library is built with
## the configured compiler (gcc), so the sources the harnesses need are
## compiled again here with -fsanitize=fuzzer-no-link,address,undefined
## into fuzz/obj/libfuzzsrc.a; each harness links it with
## -fsanitize=fuzzer. Loops instead of pattern rules keep this portable
## make. tests/fuzz-smoke.sh runs "make fuzz" itself when needed.

FUZZ_SRCS = fuzz/fuzz_smtp.c fuzz/fuzz_dot.c fuzz/fuzz_rfc5322.c \
	fuzz/fuzz_config.c fuzz/fuzz_dkim_tag.c fuzz/fuzz_dkim_sig.c \
	fuzz/fuzz_dkim_key.c fuzz/fuzz_dkim_canon.c fuzz/fuzz_dns.c \
	fuzz/fuzz_authres.c fuzz/fuzz_spf_record.c fuzz/fuzz_spf_macro.c \
	fuzz/fuzz_dmarc.c fuzz/fuzz_netaddr.c fuzz/fuzz_verify.c \
	fuzz/fuzz_import.c fuzz/fuzz_signverify.c fuzz/fuzz_spf_check.c \
	fuzz/fuzz_dmarc_check.c fuzz/fuzz_mode_verify.c fuzz/fuzz_mode_sign.c \
	fuzz/fuzz_session.c fuzz/fuzz_canon_diff.c
FUZZ_HARNESSES = $(FUZZ_SRCS:.c=)

## The archive holds every src/*.c but dkimgate.c (main): the linker
## takes only what a harness needs, and new dependencies between modules
## never break the fuzz build.

FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror \
	-Wno-unused-parameter
FUZZ_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/fuzz \
	$(LIBEVENT_CFLAGS) $(LIBUNBOUND_CFLAGS) $(LIBCRYPTO_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS) \
	-DSYSCONFDIR='"$(sysconfdir)"' -DLOCALSTATEDIR='"$(localstatedir)"'
FUZZ_LIBS = $(LIBEVENT_LIBS) $(LIBUNBOUND_LIBS) $(LIBCRYPTO_LIBS) \
	$(LIBSYSTEMD_LIBS)

fuzz: fuzz/obj/libfuzzsrc.a
	@if test -z "$(FUZZ_CC)"; then \
	    echo "make fuzz: no clang found (FUZZ_CC)" >&2; exit 1; fi
	@for h in $(FUZZ_HARNESSES); do \
	    src=$(top_srcdir)/$$h.c; \
	    if test ! -f $$h || test $$src -nt $$h || \
	        test fuzz/obj/libfuzzsrc.a -nt $$h || \
	        test $(top_srcdir)/fuzz/fuzz.h -nt $$h || \
	        test $(top_srcdir)/fuzz/dnsstub.h -nt $$h; then \
	        echo "  FUZZCC   $$h"; \
	        $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) $(FUZZ_SAN) \
	            -fsanitize=fuzzer -o $$h $$src \
	            fuzz/obj/libfuzzsrc.a $(FUZZ_LIBS) || exit 1; \
	    fi; \
	done

fuzz/obj/libfuzzsrc.a: $(top_srcdir)/src/*.c $(top_srcdir)/src/*.h \
	    autoconf.h
	@if test -z "$(FUZZ_CC)"; then \
	    echo "make fuzz: no clang found (FUZZ_CC)" >&2; exit 1; fi
	@$(MKDIR_P) fuzz/obj
	@rm -f $@
	@rm -f fuzz/obj/*.o
	@for s in $(top_srcdir)/src/*.c; do \
	    case $$s in */dkimgate.c) continue ;; esac; \
	    o=fuzz/obj/`basename $$s .c`.o; \
	    echo "  FUZZCC   $$o"; \
	    $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) $(FUZZ_SAN) \
	        -fsanitize=fuzzer-no-link -c -o $$o $$s || exit 1; \
	done
	@$(AR) rc $@ fuzz/obj/*.o && $(RANLIB) $@

CLEANFILES += $(FUZZ_HARNESSES) fuzz/obj/*.o fuzz/obj/libfuzzsrc.a

## make fuzz-smoke: every harness for FUZZ_SECONDS (default 10) seconds
fuzz-smoke:
	BUILDDIR=$(abs_top_builddir) bash $(abs_top_srcdir)/tests/fuzz-smoke.sh

## make valgrind-unit: every built unit test program under valgrind
valgrind-unit: $(UNIT_TESTS)
	BUILDDIR=$(abs_top_builddir) bash $(abs_top_srcdir)/tests/valgrind-unit.sh

.PHONY: fuzz fuzz-smoke valgrind-unit

EXTRA_DIST += fuzz/README.md fuzz/RESULTS.md fuzz/make-seeds.py fuzz/long-run.sh \
	fuzz/fuzz.h fuzz/dnsstub.h $(FUZZ_SRCS) \
	fuzz/corpus fuzz/regressions fuzz/dict \
	tests/fuzz-smoke.sh tests/valgrind-unit.sh
