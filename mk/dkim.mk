## DKIM primitives area: crypto, canonicalization, tag lists, signature
## and key-record parsers.
libdkimgate_a_SOURCES += \
	src/crypto.c \
	src/dkim_canon.c \
	src/dkim_tag.c src/dkim_tag.h \
	src/dkim_sig.c src/dkim_sig.h \
	src/dkim_key.c src/dkim_key.h

## Unit tests. dkim_testutil.[ch]: vector reading, a small header
## splitter and a reference signer/verifier built from the primitives.
DKIM_TU = tests/unit/dkim_testutil.c tests/unit/dkim_testutil.h

UNIT_TESTS += tests/unit/test_crypto
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c $(DKIM_TU)
tests_unit_test_crypto_CFLAGS = $(UT_FLAGS)
tests_unit_test_crypto_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_rfc8463
tests_unit_test_rfc8463_SOURCES = tests/unit/test_rfc8463.c $(DKIM_TU)
tests_unit_test_rfc8463_CFLAGS = $(UT_FLAGS)
tests_unit_test_rfc8463_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_dkim_canon
tests_unit_test_dkim_canon_SOURCES = tests/unit/test_dkim_canon.c \
	tests/unit/canon_ref.c tests/unit/canon_ref.h $(DKIM_TU)
tests_unit_test_dkim_canon_CFLAGS = $(UT_FLAGS)
tests_unit_test_dkim_canon_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_dkim_tag
tests_unit_test_dkim_tag_SOURCES = tests/unit/test_dkim_tag.c $(DKIM_TU)
tests_unit_test_dkim_tag_CFLAGS = $(UT_FLAGS)
tests_unit_test_dkim_tag_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_dkim_sig
tests_unit_test_dkim_sig_SOURCES = tests/unit/test_dkim_sig.c $(DKIM_TU)
tests_unit_test_dkim_sig_CFLAGS = $(UT_FLAGS)
tests_unit_test_dkim_sig_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_dkim_key
tests_unit_test_dkim_key_SOURCES = tests/unit/test_dkim_key.c $(DKIM_TU)
tests_unit_test_dkim_key_CFLAGS = $(UT_FLAGS)
tests_unit_test_dkim_key_LDADD = $(UT_LIBS)

EXTRA_DIST += \
	tests/vectors/rfc8463/README \
	tests/vectors/rfc8463/brisbane._domainkey.football.example.com.txt \
	tests/vectors/rfc8463/test._domainkey.football.example.com.txt \
	tests/vectors/rfc8463/dns-records.zone \
	tests/vectors/rfc8463/ed25519-private.b64 \
	tests/vectors/rfc8463/ed25519-private.derived-pkcs8.pem \
	tests/vectors/rfc8463/rsa-private.pem \
	tests/vectors/rfc8463/signed.eml \
	tests/vectors/rfc8463/unsigned.eml \
	tests/vectors/rfc6376-appendix-a/README \
	tests/vectors/rfc6376-appendix-a/A2-as-published.eml \
	tests/vectors/rfc6376-appendix-a/A2-corrected.eml \
	tests/vectors/rfc6376-appendix-a/brisbane._domainkey.example.com.txt \
	tests/vectors/rfc6376-appendix-a/dns-record.zone \
	tests/vectors/rfc6376-appendix-a/rsa-private.pem \
	tests/vectors/dkimpy/README \
	tests/vectors/dkimpy/20120113._domainkey.gmail.com.txt \
	tests/vectors/dkimpy/test2.message \
	tests/vectors/dkimpy/ed25519test2.msg \
	tests/vectors/dkimpy/eximtest.dns \
	tests/vectors/dkimpy/ed25519test.key \
	tests/vectors/dkimpy/ed25519test.dns \
	tests/vectors/dkimpy/1024_testkey.key \
	tests/vectors/dkimpy/1024_testkey_wo_markers.pub.txt \
	tests/vectors/dkimpy/1024_testkey_wo_markers.pub.rsa.txt \
	tests/vectors/dkimpy/2048_testkey_PKCS8.key \
	tests/vectors/dkimpy/2048_testkey_PKCS8.key.pub.txt \
	tests/vectors/dkimpy/badk.txt \
	tests/vectors/dkimpy/badversion.txt \
	tests/vectors/dkimpy/test_bad.txt \
	tests/vectors/dkimpy/test_tlsrpt.txt

## golden canonicalization files (make-refs.py regenerates the .ref)
EXTRA_DIST += \
	tests/unit/data/canon/binary.in \
	tests/unit/data/canon/binary.relaxed.ref \
	tests/unit/data/canon/binary.simple.ref \
	tests/unit/data/canon/dots.in \
	tests/unit/data/canon/dots.relaxed.ref \
	tests/unit/data/canon/dots.simple.ref \
	tests/unit/data/canon/empty.in \
	tests/unit/data/canon/empty.relaxed.ref \
	tests/unit/data/canon/empty.simple.ref \
	tests/unit/data/canon/ends-in-cr.in \
	tests/unit/data/canon/ends-in-cr.relaxed.ref \
	tests/unit/data/canon/ends-in-cr.simple.ref \
	tests/unit/data/canon/hdr-dkim-signature.in \
	tests/unit/data/canon/hdr-dkim-signature.relaxed.ref \
	tests/unit/data/canon/hdr-dkim-signature.simple.ref \
	tests/unit/data/canon/hdr-empty-value.in \
	tests/unit/data/canon/hdr-empty-value.relaxed.ref \
	tests/unit/data/canon/hdr-empty-value.simple.ref \
	tests/unit/data/canon/hdr-folded.in \
	tests/unit/data/canon/hdr-folded.relaxed.ref \
	tests/unit/data/canon/hdr-folded.simple.ref \
	tests/unit/data/canon/hdr-no-space.in \
	tests/unit/data/canon/hdr-no-space.relaxed.ref \
	tests/unit/data/canon/hdr-no-space.simple.ref \
	tests/unit/data/canon/hdr-received.in \
	tests/unit/data/canon/hdr-received.relaxed.ref \
	tests/unit/data/canon/hdr-received.simple.ref \
	tests/unit/data/canon/hdr-trailing-fold.in \
	tests/unit/data/canon/hdr-trailing-fold.relaxed.ref \
	tests/unit/data/canon/hdr-trailing-fold.simple.ref \
	tests/unit/data/canon/hdr-upper-name.in \
	tests/unit/data/canon/hdr-upper-name.relaxed.ref \
	tests/unit/data/canon/hdr-upper-name.simple.ref \
	tests/unit/data/canon/hdr-utf8.in \
	tests/unit/data/canon/hdr-utf8.relaxed.ref \
	tests/unit/data/canon/hdr-utf8.simple.ref \
	tests/unit/data/canon/hdr-wsp-around-colon.in \
	tests/unit/data/canon/hdr-wsp-around-colon.relaxed.ref \
	tests/unit/data/canon/hdr-wsp-around-colon.simple.ref \
	tests/unit/data/canon/hdr-wsp-value.in \
	tests/unit/data/canon/hdr-wsp-value.relaxed.ref \
	tests/unit/data/canon/hdr-wsp-value.simple.ref \
	tests/unit/data/canon/lone-cr-lf.in \
	tests/unit/data/canon/lone-cr-lf.relaxed.ref \
	tests/unit/data/canon/lone-cr-lf.simple.ref \
	tests/unit/data/canon/long-line.in \
	tests/unit/data/canon/long-line.relaxed.ref \
	tests/unit/data/canon/long-line.simple.ref \
	tests/unit/data/canon/make-refs.py \
	tests/unit/data/canon/mime.in \
	tests/unit/data/canon/mime.relaxed.ref \
	tests/unit/data/canon/mime.simple.ref \
	tests/unit/data/canon/no-final-crlf-after-empty.in \
	tests/unit/data/canon/no-final-crlf-after-empty.relaxed.ref \
	tests/unit/data/canon/no-final-crlf-after-empty.simple.ref \
	tests/unit/data/canon/no-final-crlf.in \
	tests/unit/data/canon/no-final-crlf.relaxed.ref \
	tests/unit/data/canon/no-final-crlf.simple.ref \
	tests/unit/data/canon/only-crlf.in \
	tests/unit/data/canon/only-crlf.relaxed.ref \
	tests/unit/data/canon/only-crlf.simple.ref \
	tests/unit/data/canon/only-wsp-lines.in \
	tests/unit/data/canon/only-wsp-lines.relaxed.ref \
	tests/unit/data/canon/only-wsp-lines.simple.ref \
	tests/unit/data/canon/rfc6376-example.in \
	tests/unit/data/canon/rfc6376-example.relaxed.ref \
	tests/unit/data/canon/rfc6376-example.simple.ref \
	tests/unit/data/canon/single-space.in \
	tests/unit/data/canon/single-space.relaxed.ref \
	tests/unit/data/canon/single-space.simple.ref \
	tests/unit/data/canon/trailing-empty-lines.in \
	tests/unit/data/canon/trailing-empty-lines.relaxed.ref \
	tests/unit/data/canon/trailing-empty-lines.simple.ref \
	tests/unit/data/canon/trailing-whitespace.in \
	tests/unit/data/canon/trailing-whitespace.relaxed.ref \
	tests/unit/data/canon/trailing-whitespace.simple.ref \
	tests/unit/data/canon/whitespace-runs.in \
	tests/unit/data/canon/whitespace-runs.relaxed.ref \
	tests/unit/data/canon/whitespace-runs.simple.ref

## keys the crypto tests must refuse (made with the openssl command line)
EXTRA_DIST += \
	tests/unit/data/crypto/README \
	tests/unit/data/crypto/ec-p256.pem \
	tests/unit/data/crypto/rsa-encrypted.pem \
	tests/unit/data/crypto/rsa-public.pem \
	tests/unit/data/crypto/garbage.txt \
	tests/unit/data/crypto/empty.txt \
	tests/unit/data/crypto/seed31.b64

## bench/canon_speed: CPU time of the body hash against raw SHA-256 and
## the reference canonicalizer (bench/README.md); built with the tree so
## it keeps compiling, never run by make check.
noinst_PROGRAMS += bench/canon_speed
bench_canon_speed_SOURCES = bench/canon_speed.c tests/unit/canon_ref.c \
	tests/unit/canon_ref.h
bench_canon_speed_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
bench_canon_speed_LDADD = $(DKIMGATE_LIBS)
