#!/bin/bash
# tests/pkg/run.sh - the packaging suite, found by tests/run-all.sh through
# its tests/<area>/run*.sh convention: runs tests/pkg/deb.sh (build the
# Debian package, install it with dpkg, check-config, remove and purge).
# Exit status and summary line are deb.sh's: 0 pass, 1 fail, 77 skip.
exec bash "$(dirname "$0")/deb.sh" "$@"
