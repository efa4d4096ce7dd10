#!/bin/bash
# tests/pkg/deb.sh - build the Debian package from contrib/debian/ and
# install it on this machine, then take it away again.
#
# A copy of the source tree gets contrib/debian/ as debian/
# (contrib/debian-setup.sh) and is built with "dpkg-buildpackage -us -uc
# -b" (unit tests skipped with DEB_BUILD_OPTIONS=nocheck: CI runs them in
# its own builds). The .deb must hold the program, both man pages, the
# example configuration as a conffile, the systemd unit, the sysusers.d
# entry and the Postfix examples. "dpkg -i" must work here, where systemd
# is not PID 1: the postinst creates the system user "dkimgate", enables
# the unit without starting anything. Then "dkimgate check-config" must
# accept the installed example configuration (with -c and by default), a
# second "dpkg -i" must work too, "dpkg -r" must keep the changed conffile
# and "dpkg -P" remove everything. The package is purged and a user this
# test created is deleted whatever happens, so no trace is left.
#
# usage: tests/pkg/deb.sh     (as root; needs dpkg-dev, debhelper and the
# build dependencies, see contrib/install-deps.sh)
# Exit 0 pass, 1 fail, 77 skip; one summary line at the end.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/common.sh"

PKG=dkimgate
CONF=/etc/dkimgate/dkimgate.conf
UNIT=/lib/systemd/system/dkimgate.service
WANTS=/etc/systemd/system/multi-user.target.wants/dkimgate.service

summary() {
	echo "pkg-deb: $*"
}

t_need_root
t_need dpkg dpkg-deb dpkg-buildpackage dpkg-checkbuilddeps dh getent \
    tar autoreconf
[ -f /usr/share/perl5/Debian/Debhelper/Sequence/autoreconf.pm ] ||
    t_skip "dh-autoreconf missing"
# never touch a dkimgate that is installed here already
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed ||
    [ -e /usr/sbin/dkimgate ] || [ -e "$CONF" ]; then
	t_skip "a dkimgate is installed on this machine already"
fi

work=$(mktemp -d /tmp/dkimgate-deb.XXXXXX) || exit 1
had_user=0
getent passwd dkimgate >/dev/null && had_user=1
had_group=0
getent group dkimgate >/dev/null && had_group=1
installed=0
fails=0

# cleanup - purge the package, delete the user and group this test made
# shellcheck disable=SC2317  # (called through the EXIT trap)
cleanup() {
	if [ "$installed" = 1 ]; then
		dpkg -P "$PKG" >>"$work/cleanup.log" 2>&1 ||
		    echo "cleanup: dpkg -P failed" >&2
	fi
	if [ "$had_user" = 0 ] && getent passwd dkimgate >/dev/null; then
		userdel dkimgate >>"$work/cleanup.log" 2>&1
	fi
	if [ "$had_group" = 0 ] && getent group dkimgate >/dev/null; then
		groupdel dkimgate >>"$work/cleanup.log" 2>&1
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "pkg-deb: kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# 1. a copy of the source tree: what git tracks (plus new files not
# ignored) in a clone, else the whole tree without build products
t_log "copying the source tree"
mkdir -p "$work/src"
if [ -d "$SRC/.git" ] && command -v git >/dev/null; then
	(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
	    while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	    done | tar -c --null -T - -f -) | tar -x -C "$work/src" ||
	    t_fail "could not copy the source tree"
else
	(cd "$SRC" && tar -c --exclude='./build*' --exclude='*.o' \
	    --exclude=./debian -f - .) | tar -x -C "$work/src" ||
	    t_fail "could not copy the source tree"
fi
"$SRC/contrib/debian-setup.sh" "$work/src" >"$work/setup.log" 2>&1 || {
	cat "$work/setup.log" >&2
	t_fail "contrib/debian-setup.sh failed"
}
(cd "$work/src" && dpkg-checkbuilddeps) >"$work/builddeps.log" 2>&1 || {
	cat "$work/builddeps.log" >&2
	t_skip "build dependencies missing (contrib/install-deps.sh)"
}

# 2. build
t_log "dpkg-buildpackage -us -uc -b (log: $work/build.log)"
if ! (cd "$work/src" && DEB_BUILD_OPTIONS=nocheck \
    dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	t_tail "$work/build.log" 40
	summary "FAIL (dpkg-buildpackage failed)"
	exit 1
fi
deb=$(find "$work" -maxdepth 1 -name "${PKG}_*_*.deb" | head -n 1)
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
	t_fail "no .deb was built"
fi
t_log "built $(basename "$deb")"

# 3. what is in it
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/files"
for f in /usr/sbin/dkimgate /usr/share/man/man8/dkimgate.8.gz \
    /usr/share/man/man5/dkimgate.conf.5.gz "$CONF" "$UNIT" \
    /usr/lib/sysusers.d/dkimgate.conf \
    /usr/share/doc/dkimgate/postfix-examples/master.cf.sign \
    /usr/share/doc/dkimgate/postfix-examples/master.cf.return \
    /usr/share/doc/dkimgate/copyright; do
	grep -qx "$f" "$work/files" || fail "the package lacks $f"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles" \
    2>/dev/null
grep -qx "$CONF" "$work/conffiles" || fail "$CONF is not a conffile"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst >"$work/postinst" \
    2>/dev/null
grep -q 'adduser .*--system' "$work/postinst" ||
    fail "the postinst does not create the system user"
grep -q 'if \[ -d /run/systemd/system \]' "$work/postinst" ||
    fail "the postinst starts the unit without checking for systemd"
depends=$(dpkg-deb -f "$deb" Depends)
case $depends in
*adduser*) ;;
*) fail "Depends lacks adduser: $depends" ;;
esac
# the unit runs the installed program with the installed configuration
dpkg-deb --fsys-tarfile "$deb" | tar -xO ".$UNIT" >"$work/unit" 2>/dev/null
grep -qx "ExecStart=/usr/sbin/dkimgate serve -f -c $CONF" "$work/unit" ||
    fail "the unit does not run /usr/sbin/dkimgate with $CONF"

# 4. install where systemd is not running
if [ -d /run/systemd/system ]; then
	t_log "note: systemd is running here; the postinst may start the unit"
fi
t_log "dpkg -i $(basename "$deb")"
installed=1
if ! dpkg -i "$deb" >"$work/install.log" 2>&1; then
	t_tail "$work/install.log"
	summary "FAIL (dpkg -i failed)"
	exit 1
fi
[ "$(dpkg-query -W -f='${Status}' "$PKG")" = "install ok installed" ] ||
    fail "dpkg does not list $PKG as installed"
uid=$(getent passwd dkimgate | cut -d: -f3)
if [ -z "$uid" ]; then
	fail "no user dkimgate after installing"
else
	[ "$uid" -lt 1000 ] || fail "user dkimgate is not a system user ($uid)"
	shell=$(getent passwd dkimgate | cut -d: -f7)
	case $shell in
	*/nologin|*/false) ;;
	*) fail "user dkimgate has a login shell: $shell" ;;
	esac
fi
[ -x /usr/sbin/dkimgate ] || fail "/usr/sbin/dkimgate is not installed"
[ -f "$CONF" ] || fail "$CONF is not installed"
[ -L "$WANTS" ] || fail "the unit was not enabled ($WANTS missing)"
if [ ! -d /run/systemd/system ]; then
	# nothing was started: no dkimgate process runs the installed program
	for p in /proc/[0-9]*; do
		if [ "$(readlink "$p/exe" 2>/dev/null)" = /usr/sbin/dkimgate ]
		then
			fail "dkimgate was started (pid ${p#/proc/})"
		fi
	done
fi

# 5. the installed example configuration passes check-config
if /usr/sbin/dkimgate check-config -c "$CONF" >"$work/check.out" \
    2>"$work/check.err"; then
	grep -q '^listen = ' "$work/check.out" ||
	    fail "check-config printed no effective configuration"
else
	cat "$work/check.err" >&2
	fail "dkimgate check-config -c $CONF failed"
fi
# without -c the installed program reads the same file
/usr/sbin/dkimgate check-config -q >/dev/null 2>"$work/check2.err" || {
	cat "$work/check2.err" >&2
	fail "dkimgate check-config (default file) failed"
}
echo "bogus_parameter = 1" >"$work/bad.conf"
/usr/sbin/dkimgate check-config -c "$work/bad.conf" >/dev/null 2>&1 &&
    fail "check-config accepted a bad file"
/usr/sbin/dkimgate import-opendkim /dev/null >/dev/null 2>&1 ||
    fail "the installed program lacks import-opendkim"

# 6. installing again over itself (what an upgrade runs) works
dpkg -i "$deb" >"$work/reinstall.log" 2>&1 || {
	t_tail "$work/reinstall.log"
	fail "a second dpkg -i failed"
}

# 7. remove keeps the changed conffile, purge takes everything
echo "# changed by tests/pkg/deb.sh" >>"$CONF"
dpkg -r "$PKG" >"$work/remove.log" 2>&1 || fail "dpkg -r failed"
[ -e /usr/sbin/dkimgate ] && fail "dpkg -r left /usr/sbin/dkimgate"
grep -q 'changed by tests/pkg/deb.sh' "$CONF" 2>/dev/null ||
    fail "dpkg -r did not keep the changed $CONF"
[ "$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null)" = \
    "deinstall ok config-files" ] || fail "not in state config-files"
dpkg -P "$PKG" >"$work/purge.log" 2>&1 || fail "dpkg -P failed"
installed=0
[ -e "$CONF" ] && fail "dpkg -P left $CONF"
[ -e /etc/dkimgate ] && fail "dpkg -P left /etc/dkimgate"
[ -e "$UNIT" ] && fail "dpkg -P left $UNIT"
[ -L "$WANTS" ] && fail "dpkg -P left $WANTS"
dpkg-query -W "$PKG" >/dev/null 2>&1 && fail "dpkg still knows $PKG"

n=$(wc -l <"$work/files")
if [ $fails = 0 ]; then
	summary "PASS (built $(basename "$deb"), $n paths; installed," \
	    "check-config passed, reinstalled, removed, purged)"
	exit 0
fi
summary "FAIL ($fails checks failed)"
exit 1
