## Signing area: key and signing tables, signer, sign mode, sign/keygen CLI.
libdkimgate_a_SOURCES += \
	src/keytable.c src/keytable.h \
	src/dkim_sign.c src/dkim_sign.h \
	src/mode_sign.c \
	src/cmd_sign.c

UNIT_TESTS += tests/unit/test_keytable
tests_unit_test_keytable_SOURCES = tests/unit/test_keytable.c
tests_unit_test_keytable_CFLAGS = $(UT_FLAGS)
tests_unit_test_keytable_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_dkim_sign
tests_unit_test_dkim_sign_SOURCES = tests/unit/test_dkim_sign.c
tests_unit_test_dkim_sign_CFLAGS = $(UT_FLAGS)
tests_unit_test_dkim_sign_LDADD = $(UT_LIBS)

## Test keys (generated for this project with openssl, see
## tests/unit/data/sign/README); tests copy them and set mode 0600.
SIGN_TEST_FILES = \
	tests/unit/data/sign/README \
	tests/unit/data/sign/rsa2048.pem \
	tests/unit/data/sign/rsa1024.pem \
	tests/unit/data/sign/rsa512.pem \
	tests/unit/data/sign/ed25519.pem \
	tests/unit/data/sign/garbage.pem

## Signing interop: corpus signed by "dkimgate sign", verified by
## python3-dkim and Mail::DKIM against NSD on loopback.
SIGN_INTEROP = \
	tests/interop/README \
	tests/interop/run-sign.sh \
	tests/interop/run-sign-daemon.sh \
	tests/interop/make-corpus.py \
	tests/interop/verify_dkimpy.py \
	tests/interop/verify_maildkim.pl \
	tests/interop/corpus/01-simple-crlf.eml \
	tests/interop/corpus/02-simple-lf.eml \
	tests/interop/corpus/03-folded-subject.eml \
	tests/interop/corpus/04-folded-to-many.eml \
	tests/interop/corpus/05-trailing-ws-headers.eml \
	tests/interop/corpus/06-trailing-ws-body.eml \
	tests/interop/corpus/07-empty-body.eml \
	tests/interop/corpus/08-header-only.eml \
	tests/interop/corpus/09-only-blank-lines.eml \
	tests/interop/corpus/10-trailing-blank-lines.eml \
	tests/interop/corpus/11-no-final-newline.eml \
	tests/interop/corpus/12-utf8-subject.eml \
	tests/interop/corpus/13-utf8-body.eml \
	tests/interop/corpus/14-smtputf8-address.eml \
	tests/interop/corpus/15-line-998.eml \
	tests/interop/corpus/16-mime-multipart.eml \
	tests/interop/corpus/17-mime-nested.eml \
	tests/interop/corpus/18-no-date.eml \
	tests/interop/corpus/19-duplicate-subject.eml \
	tests/interop/corpus/20-many-to.eml \
	tests/interop/corpus/21-received-chain.eml \
	tests/interop/corpus/22-mixed-case-names.eml \
	tests/interop/corpus/23-no-space-after-colon.eml \
	tests/interop/corpus/24-space-after-colon.eml \
	tests/interop/corpus/25-tabs-in-body.eml \
	tests/interop/corpus/26-mixed-line-ends.eml \
	tests/interop/corpus/27-dot-lines.eml \
	tests/interop/corpus/28-long-header-line.eml \
	tests/interop/corpus/29-empty-header-value.eml \
	tests/interop/corpus/30-reply-to.eml \
	tests/interop/corpus/31-resent-fields.eml \
	tests/interop/corpus/32-list-fields.eml \
	tests/interop/corpus/33-base64-body.eml \
	tests/interop/corpus/34-quoted-printable.eml \
	tests/interop/corpus/35-html-only.eml \
	tests/interop/corpus/36-display-name-quoted.eml \
	tests/interop/corpus/37-from-comment.eml \
	tests/interop/corpus/38-bare-cr-in-body.eml \
	tests/interop/corpus/39-whitespace-only-lines.eml \
	tests/interop/corpus/40-large-body.eml \
	tests/interop/corpus/41-8bit-folded-header.eml \
	tests/interop/corpus/42-body-leading-ws.eml \
	tests/interop/corpus/43-single-blank-body.eml \
	tests/interop/corpus/44-many-fields.eml \
	tests/interop/corpus/45-references.eml \
	tests/interop/corpus/46-lf-trailing-ws.eml \
	tests/interop/corpus/47-lf-empty-body.eml \
	tests/interop/corpus/48-lf-8bit.eml \
	tests/interop/corpus/49-content-headers-folded.eml \
	tests/interop/corpus/50-header-wsp-continuation-only.eml

## dkimgate(8): created by the signing area; every area adds its sections.
dist_man_MANS += man/dkimgate.8

## tests/lib/nsd.sh: shared NSD test helper (signing interop, verify tests)
EXTRA_DIST += tests/lib/nsd.sh $(SIGN_TEST_FILES) $(SIGN_INTEROP)

## make check-interop: interop suites (others add prerequisites to it).
check-interop: check-interop-sign
check-interop-sign: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/interop/run-sign.sh
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/interop/run-sign-daemon.sh

.PHONY: check-interop check-interop-sign

## End-to-end: signing through Postfix's submission service.
EXTRA_DIST += tests/e2e/sign_after_queue/pre \
	tests/e2e/sign_after_queue/test \
	tests/e2e/sign_after_queue/post
