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

UNIT_TESTS += tests/unit/test_rfc8463
tests_unit_test_rfc8463_SOURCES = tests/unit/test_rfc8463.c $(DKIM_TU)
tests_unit_test_rfc8463_CFLAGS = $(UT_FLAGS)
tests_unit_test_rfc8463_LDADD = $(UT_LIBS)

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
