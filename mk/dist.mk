## packaging area (engineer K1): install rules, the OpenDKIM / dkim-filter
## importer ("dkimgate import-opendkim"), the Debian packaging in
## contrib/debian/ and its tests (tests/pkg, tests/migrate, tests/scale).

## dkimgate import-opendkim
libdkimgate_a_SOURCES += src/import_opendkim.c src/import_opendkim.h

UNIT_TESTS += tests/unit/test_import_opendkim
tests_unit_test_import_opendkim_SOURCES = tests/unit/test_import_opendkim.c
tests_unit_test_import_opendkim_CFLAGS = $(UT_FLAGS)
tests_unit_test_import_opendkim_LDADD = $(UT_LIBS)
