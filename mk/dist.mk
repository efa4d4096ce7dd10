## packaging area (engineer K1): install rules, the OpenDKIM / dkim-filter
## importer ("dkimgate import-opendkim"), the Debian packaging in
## contrib/debian/ and its tests (tests/pkg, tests/migrate, tests/scale).

## dkimgate import-opendkim
libdkimgate_a_SOURCES += src/import_opendkim.c src/import_opendkim.h

UNIT_TESTS += tests/unit/test_import_opendkim
tests_unit_test_import_opendkim_SOURCES = tests/unit/test_import_opendkim.c
tests_unit_test_import_opendkim_CFLAGS = $(UT_FLAGS)
tests_unit_test_import_opendkim_LDADD = $(UT_LIBS)

## make install: besides the program and the man pages (sbin_PROGRAMS,
## dist_man_MANS), an example configuration in $(sysconfdir)/dkimgate
## (never overwriting one that is there), the systemd unit with the
## installed paths, the sysusers.d(5) entry for the "dkimgate" user, and
## the Postfix examples under $(docdir). DESTDIR is honoured throughout;
## the unit and sysusers directories can be overridden on the make
## command line (the Debian package sets systemdsystemunitdir).
dkimgateconfdir = $(sysconfdir)/dkimgate
systemdsystemunitdir = $(prefix)/lib/systemd/system
sysusersdir = $(prefix)/lib/sysusers.d
postfixexamplesdir = $(docdir)/postfix-examples

nodist_systemdsystemunit_DATA = dkimgate.service
dist_sysusers_DATA = contrib/sysusers.d/dkimgate.conf
dist_doc_DATA = README.md NEWS
postfixexamples_DATA = \
	postfix-examples/README \
	postfix-examples/main.cf.dkimgate \
	postfix-examples/master.cf.verify \
	postfix-examples/master.cf.sign \
	postfix-examples/master.cf.return \
	postfix-examples/master.cf.before-queue \
	postfix-examples/dkimgate.conf.after-queue \
	postfix-examples/dkimgate.conf.before-queue

## the unit names the installed program and configuration file
dkimgate.service: $(srcdir)/contrib/dkimgate.service Makefile
	$(AM_V_GEN)sed -e 's|/usr/sbin/dkimgate|$(sbindir)/dkimgate|g' \
	    -e 's|/etc/dkimgate/|$(dkimgateconfdir)/|g' \
	    $(srcdir)/contrib/dkimgate.service >$@.tmp && mv $@.tmp $@
CLEANFILES += dkimgate.service dkimgate.service.tmp

install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(dkimgateconfdir)'
	@f='$(DESTDIR)$(dkimgateconfdir)/dkimgate.conf'; \
	if test -f "$$f"; then \
	    echo "keeping the existing $$f"; \
	else \
	    echo " $(INSTALL_DATA) contrib/dkimgate.conf '$$f'"; \
	    $(INSTALL_DATA) '$(srcdir)/contrib/dkimgate.conf' "$$f"; \
	fi

## the configuration is removed only if it is still the shipped one
uninstall-local:
	@f='$(DESTDIR)$(dkimgateconfdir)/dkimgate.conf'; \
	if test -f "$$f" && cmp -s "$$f" '$(srcdir)/contrib/dkimgate.conf'; then \
	    echo " rm -f '$$f'"; rm -f "$$f"; \
	elif test -f "$$f"; then \
	    echo "keeping the changed $$f"; \
	fi; \
	rmdir '$(DESTDIR)$(dkimgateconfdir)' 2>/dev/null || :

## Debian packaging: contrib/debian-setup.sh copies contrib/debian/ to
## debian/ for dpkg-buildpackage (see README, "Installing").
EXTRA_DIST += LICENSE \
	contrib/debian-setup.sh \
	contrib/debian/changelog \
	contrib/debian/control \
	contrib/debian/copyright \
	contrib/debian/rules \
	contrib/debian/dkimgate.postinst \
	contrib/debian/README.Debian \
	contrib/debian/source/format

## Script suites (tests/run-all.sh runs tests/*/run*.sh): the .deb built,
## installed and purged (root); migration from OpenDKIM / dkim-filter.
PKG_TEST_FILES = \
	tests/pkg/run.sh tests/pkg/deb.sh \
	tests/migrate/run.sh tests/migrate/signed.py
EXTRA_DIST += $(PKG_TEST_FILES)

## make check-pkg, check-migrate: the suites above, one at a time
check-pkg:
	bash $(abs_top_srcdir)/tests/pkg/deb.sh
check-migrate: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/migrate/run.sh

.PHONY: check-pkg check-migrate

## Scaling beyond one host: postfix-examples/*.scale and *.shared-dns
## (README.scale), installed with the other examples; tests/scale/run.sh
## runs two instances behind one Postfix next hop (root, Postfix).
SCALE_EXAMPLES = \
	postfix-examples/README.scale \
	postfix-examples/hosts.scale \
	postfix-examples/master.cf.scale \
	postfix-examples/main.cf.scale \
	postfix-examples/dkimgate.conf.scale \
	postfix-examples/dkimgate.conf.shared-dns \
	postfix-examples/unbound.conf.shared-dns
postfixexamples_DATA += $(SCALE_EXAMPLES)
EXTRA_DIST += $(SCALE_EXAMPLES) tests/scale/run.sh

check-scale: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/scale/run.sh

.PHONY: check-scale
