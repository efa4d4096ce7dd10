## DKIM verification area: DNS, key records, verify mode, A-R.
libdkimgate_a_SOURCES += src/cmd_verify.c \
	src/dns.c src/dns_packet.c \
	src/authres.c src/authres.h \
	src/dkim_verify.c src/dkim_verify.h \
	src/mode_verify.c

UNIT_TESTS += tests/unit/test_dns
tests_unit_test_dns_SOURCES = tests/unit/test_dns.c
tests_unit_test_dns_CFLAGS = $(UT_FLAGS)
tests_unit_test_dns_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_authres
tests_unit_test_authres_SOURCES = tests/unit/test_authres.c
tests_unit_test_authres_CFLAGS = $(UT_FLAGS)
tests_unit_test_authres_LDADD = $(UT_LIBS)

## verifier and verify mode against the DNS mock (mock_dns.c replaces
## dns.c at link time; D's SPF/DMARC tests link it the same way)
MOCK_DNS = tests/unit/mock_dns.c tests/unit/mock_dns.h
UNIT_TESTS += tests/unit/test_dkim_verify
tests_unit_test_dkim_verify_SOURCES = tests/unit/test_dkim_verify.c \
	$(MOCK_DNS)
tests_unit_test_dkim_verify_CFLAGS = $(UT_FLAGS)
tests_unit_test_dkim_verify_LDADD = $(UT_LIBS)

EXTRA_DIST += tests/unit/data/verify/README \
	tests/unit/data/verify/rsa512.pem \
	tests/unit/data/verify/rsa1024.pem \
	tests/unit/data/verify/rsa2048.pem \
	tests/unit/data/verify/ed25519.pem

## tests/verify/run.sh: verification against NSD on loopback (signed,
## unsigned and bogus zones), messages signed by python3-dkim and
## Mail::DKIM; run by tests/run-all.sh (tests/*/run*.sh) and by
## "make check-interop".
VERIFY_TEST_FILES = \
	tests/verify/run.sh \
	tests/verify/compare.py \
	tests/verify/sign_dkimpy.py \
	tests/verify/sign_maildkim.pl \
	tests/verify/tool_dkimpy.py \
	tests/verify/tool_maildkim.pl \
	tests/verify/msgs/01-plain-crlf.eml \
	tests/verify/msgs/02-lf-folded.eml \
	tests/verify/msgs/03-empty-body.eml \
	tests/verify/msgs/04-utf8-multipart.eml
EXTRA_DIST += $(VERIFY_TEST_FILES)

check-interop: check-interop-verify
check-interop-verify: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/verify/run.sh

.PHONY: check-interop-verify

## the verifier over the published corpora (tests/vectors/dkim)
UNIT_TESTS += tests/unit/test_dkim_verify_corpus
tests_unit_test_dkim_verify_corpus_SOURCES = \
	tests/unit/test_dkim_verify_corpus.c $(MOCK_DNS)
tests_unit_test_dkim_verify_corpus_CFLAGS = $(UT_FLAGS)
tests_unit_test_dkim_verify_corpus_LDADD = $(UT_LIBS)

## published corpora (tests/vectors/dkim/*/README)
VERIFY_VECTORS = \
	tests/vectors/dkim/README \
	tests/vectors/dkim/dkimpy/README \
	tests/vectors/dkim/dkimpy/dns-records-from-tests.txt \
	tests/vectors/dkim/dkimpy/ed25519test2.msg \
	tests/vectors/dkim/dkimpy/eximtest.dns \
	tests/vectors/dkim/dkimpy/rfc6376.signed.msg \
	tests/vectors/dkim/dkimpy/rfc6376.signed.rsa.msg \
	tests/vectors/dkim/dkimpy/test.message.baddomain \
	tests/vectors/dkim/dkimpy/test.txt \
	tests/vectors/dkim/dkimpy/test2.message \
	tests/vectors/dkim/mail-dkim/README \
	tests/vectors/dkim/mail-dkim/FAKE_DNS.dat \
	tests/vectors/dkim/mail-dkim/corpus/bad_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_1878954.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_dk_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_dk_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_dk_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_dk_4.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_dk_5.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_ietf01_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_ietf01_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/bad_ietf01_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey1_ed25519.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey2_ed25519.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey3_ed25519.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey4_ed25519.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey5_ed25519.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_10.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_11.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_12.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_13.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_14.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_15.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_4.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_5.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_6.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_7.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_8.txt \
	tests/vectors/dkim/mail-dkim/corpus/badkey_9.txt \
	tests/vectors/dkim/mail-dkim/corpus/dk_headers_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/dk_headers_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/dk_multiple_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_1878523.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_83176.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_4.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_5.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_6.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_7.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_gmail.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_dk_yahoo.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_ietf00_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_ietf00_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_ietf00_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_ietf00_4.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_ietf00_5.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_ietf01_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_ietf01_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_qp_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_qp_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_qp_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_rfc4871_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/good_rfc4871_4.txt \
	tests/vectors/dkim/mail-dkim/corpus/goodkey_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/goodkey_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/goodkey_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/goodkey_4.txt \
	tests/vectors/dkim/mail-dkim/corpus/goodkey_ed25519.txt \
	tests/vectors/dkim/mail-dkim/corpus/ignore_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/ignore_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/ignore_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/ignore_4.txt \
	tests/vectors/dkim/mail-dkim/corpus/ignore_5.txt \
	tests/vectors/dkim/mail-dkim/corpus/ignore_6.txt \
	tests/vectors/dkim/mail-dkim/corpus/ignore_7.txt \
	tests/vectors/dkim/mail-dkim/corpus/ignore_8.txt \
	tests/vectors/dkim/mail-dkim/corpus/mine_ietf01_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/mine_ietf01_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/mine_ietf01_3.txt \
	tests/vectors/dkim/mail-dkim/corpus/mine_ietf01_4.txt \
	tests/vectors/dkim/mail-dkim/corpus/mine_ietf05_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/multiple_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/multiple_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/no_body_1.txt \
	tests/vectors/dkim/mail-dkim/corpus/no_body_2.txt \
	tests/vectors/dkim/mail-dkim/corpus/no_body_3.txt
EXTRA_DIST += $(VERIFY_VECTORS)

## end-to-end: DKIM verification through Postfix (make check-e2e)
EXTRA_DIST += tests/e2e/verify_after_queue/pre \
	tests/e2e/verify_after_queue/test \
	tests/e2e/verify_after_queue/post
