#!/bin/sh
# contrib/install-deps.sh - install, from Debian's own archive, every package
# that building dkimgate and running all of its tests need (Debian 12).
# Run as root: contrib/install-deps.sh [build|all]   (default: all)
#   build  only what "configure && make" needs
#   all    also the unit, end-to-end, interop and lint tools
# The lists are the one place where the project's packages are named: add a
# package to the list that needs it, with the reason in a comment.
set -eu

# autotools, compilers and the libraries dkimgate links against;
# autoconf-archive provides AX_CHECK_COMPILE_FLAG/AX_CHECK_LINK_FLAG, which
# configure.ac uses and m4/ does not carry
BUILD_PKGS="
	build-essential autoconf autoconf-archive automake pkgconf
	libevent-dev libssl-dev libunbound-dev libsystemd-dev
"
# clang: second compiler build, sanitizers and libFuzzer harnesses
# libcmocka-dev: unit tests; valgrind: unit tests under valgrind
# mandoc: man page lint; systemd: systemd-analyze for the unit check
# debhelper, devscripts: tests/pkg/deb.sh builds the Debian package
CHECK_PKGS="
	clang libcmocka-dev valgrind mandoc systemd debhelper devscripts
"
# end-to-end tests: a private Postfix on loopback (smtp-source/smtp-sink
# come with it), the Debian python3 with python3-dkim and dnspython, Perl's
# Mail::DKIM, NSD + ldns tools for DNSSEC-signed test zones, dig to poll NSD,
# iproute2 (ss), util-linux (setsid), bsdutils (script), procps, openssl CLI;
# python3-prometheus-client parses the metrics endpoint (tests/ops)
E2E_PKGS="
	postfix swaks
	python3 python3-dkim python3-dnspython python3-yaml
	python3-prometheus-client
	libmail-dkim-perl libnet-dns-perl
	nsd ldnsutils bind9-dnsutils dns-root-data
	iproute2 util-linux bsdutils procps openssl ca-certificates
"

what=${1:-all}
case $what in
build)	pkgs=$BUILD_PKGS ;;
all)	pkgs="$BUILD_PKGS $CHECK_PKGS $E2E_PKGS" ;;
*)	echo "usage: $0 [build|all]" >&2; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Postfix must not start a system instance or ask questions: the tests run
# private instances on loopback ports.
echo "postfix postfix/main_mailer_type select No configuration" |
    debconf-set-selections
# install only what is missing; refresh the package lists when needed
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps.sh: installing$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
# If this run installed Postfix and the package started a system instance,
# stop it: the tests run private instances of their own on loopback ports.
# (A Postfix that was installed before is never touched.)
case " $missing " in
*" postfix "*)
	if [ -f /etc/postfix/main.cf ]; then
		postfix stop >/dev/null 2>&1 || true
	fi ;;
esac
exit 0
