#!/bin/sh
# contrib/quickstart.sh - on a fresh Debian 12 machine, as root: install what
# the build needs, build dkimgate in ./build, create the system user
# "dkimgate" if it is missing, and run the daemon in the foreground with the
# default configuration: it listens on 127.0.0.1:10027 (mode pass) and hands
# every message back to 127.0.0.1:10028 (see postfix-examples/ for the
# Postfix side).  Stop it with Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
contrib/install-deps.sh build
autoreconf -fi
mkdir -p build
cd build
"$src/configure"
make -j"$(nproc)"
if ! getent passwd dkimgate >/dev/null; then
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin dkimgate
fi
# contrib/dkimgate.conf is the shipped configuration; it equals the
# built-in defaults
exec ./dkimgate serve -f -c "$src/contrib/dkimgate.conf"
