#!/bin/sh
# contrib/debian-setup.sh - put the Debian packaging kept in contrib/debian/
# in place as debian/, for dpkg-buildpackage:
#
#   contrib/debian-setup.sh [-f] [DIR]
#   cd DIR && dpkg-buildpackage -us -uc -b      (the .deb lands in DIR/..)
#
# DIR is the top of a dkimgate source tree (default: the one this script is
# in); dpkg-buildpackage builds inside it, so point it at a copy if the tree
# must stay clean (tests/pkg/deb.sh does). An existing DIR/debian is
# replaced only with -f. The package version (debian/changelog) must be the
# one in configure.ac: the script stops if they differ. Build dependencies:
# contrib/install-deps.sh installs them (debhelper and its tools included).
set -eu

force=0
if [ "${1:-}" = -f ]; then
	force=1
	shift
fi
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/..}
dir=$(cd "$dir" && pwd)

if [ ! -f "$dir/configure.ac" ] || [ ! -d "$here/debian" ]; then
	echo "debian-setup.sh: $dir is not a dkimgate source tree" >&2
	exit 1
fi
want=$(sed -n 's/^AC_INIT(\[dkimgate\], \[\([^]]*\)\].*/\1/p' \
    "$dir/configure.ac")
have=$(sed -n '1s/^dkimgate (\([^)]*\)).*/\1/p' "$here/debian/changelog")
if [ -z "$want" ] || [ "$want" != "$have" ]; then
	echo "debian-setup.sh: configure.ac says version '$want' but" \
	    "contrib/debian/changelog says '$have': add a changelog entry" >&2
	exit 1
fi
if [ -e "$dir/debian" ]; then
	if [ $force = 0 ]; then
		echo "debian-setup.sh: $dir/debian exists (-f replaces it)" >&2
		exit 1
	fi
	rm -rf "$dir/debian"
fi
cp -R "$here/debian" "$dir/debian"
chmod 755 "$dir/debian/rules" "$dir/debian/dkimgate.postinst"
echo "debian-setup.sh: $dir/debian is in place (dkimgate $have);" \
    "now: cd $dir && dpkg-buildpackage -us -uc -b"
