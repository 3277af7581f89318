#!/bin/sh
# out_of_tree.sh: a plugin built outside the tree with nothing but
# "pkg-config --cflags --libs devmgr" (examples/plugin-hello) loads, and
# exports only devmgr_plugin_entry; each header of the provider kit
# (devmgr/provider/*.h) compiles alone with those flags.  (The blk-foo
# tutorial, tests/guide/tutorials.sh, builds a provider on the installed
# kit and runs it.)
#
# Not against an installed copy: "make install DESTDIR=..." from inside
# "make check" re-enters the build (and fails whenever any part of the tree
# is not installable at that moment), so instead this builds against the
# source headers and the built library, through a devmgr.pc generated in a
# temporary folder from the build's own devmgr.pc with only libdir and
# includedir changed.  The Cflags and Libs lines are the real ones.

: "${top_builddir:?}" "${top_srcdir:?}"
umask 022
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
if ! command -v "$PKG_CONFIG" >/dev/null 2>&1; then
	echo "out_of_tree.sh: no pkg-config" >&2
	exit 77
fi
MAKE=${MAKE:-make}
case $MAKE in */*) ;; *) command -v "$MAKE" >/dev/null 2>&1 || exit 77 ;; esac
DEVMGR=$top_builddir/apps/devmgr/devmgr
PC=$top_builddir/devmgr.pc
EXAMPLE=$top_srcdir/examples/plugin-hello
for f in "$DEVMGR" "$PC" "$top_builddir/core/.libs/libdevmgr.so" \
	"$EXAMPLE/Makefile" "$EXAMPLE/hello.c"; do
	if [ ! -e "$f" ]; then
		echo "out_of_tree.sh: $f is missing" >&2
		exit 99
	fi
done

tmp=$top_builddir/tests/integration/out_of_tree.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp/pkgconfig" "$tmp/hello" || exit 99
tmp=$(cd "$tmp" && pwd -P)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }

sed -e "s|^libdir=.*|libdir=$top_builddir/core/.libs|" \
	-e "s|^includedir=.*|includedir=$top_srcdir/core/include|" \
	"$PC" >"$tmp/pkgconfig/devmgr.pc" || exit 99
cp "$EXAMPLE/Makefile" "$EXAMPLE/hello.c" "$tmp/hello/" || exit 99

# Only the example's Makefile and pkg-config: no flags of this build leak
# in (MAKEFLAGS, CPPFLAGS, CFLAGS of the outer make are dropped).
if (
	cd "$tmp/hello" &&
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CPPFLAGS -u CFLAGS \
			-u LDFLAGS PKG_CONFIG="$PKG_CONFIG" \
			PKG_CONFIG_PATH="$tmp/pkgconfig" \
			PKG_CONFIG_LIBDIR="$tmp/pkgconfig" \
			"$MAKE" hello.so
) >"$tmp/build.log" 2>&1 && [ -f "$tmp/hello/hello.so" ]; then
	ok "examples/plugin-hello builds with pkg-config devmgr"
else
	fail "examples/plugin-hello does not build"
	sed 's/^/  make: /' "$tmp/build.log"
	echo "$passed passed, $failed failed"
	exit 1
fi

# The provider kit's headers, each alone, with the same pkg-config flags:
# a provider outside the tree includes one and nothing else of devmgr.
for h in "$top_srcdir"/core/include/devmgr/provider/*.h; do
	name=devmgr/provider/${h##*/}
	printf '#include <%s>\nint kit_probe(void);\nint kit_probe(void) { return 0; }\n' \
		"$name" >"$tmp/kit.c"
	if env PKG_CONFIG_PATH="$tmp/pkgconfig" PKG_CONFIG_LIBDIR="$tmp/pkgconfig" \
		${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -c -o "$tmp/kit.o" \
		"$tmp/kit.c" $(PKG_CONFIG_PATH="$tmp/pkgconfig" \
		PKG_CONFIG_LIBDIR="$tmp/pkgconfig" "$PKG_CONFIG" --cflags devmgr) \
		>"$tmp/kit.log" 2>&1; then
		ok "<$name> compiles alone with pkg-config devmgr"
	else
		fail "<$name> does not compile alone"
		sed 's/^/  cc: /' "$tmp/kit.log"
	fi
done

got=$(nm -D --defined-only "$tmp/hello/hello.so" | awk 'NF >= 3 { print $NF }' |
	tr '\n' ' ')
if [ "$got" = "devmgr_plugin_entry " ]; then
	ok "hello.so exports only devmgr_plugin_entry"
else
	fail "hello.so exports: $got"
fi

env -u DEVMGR_PLUGIN_PATH "$DEVMGR" plugins --plugin-path "$tmp/hello" \
	>"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st -eq 0 ] && [ ! -s "$tmp/err" ] &&
	grep -q "^  $tmp/hello/hello.so\$" "$tmp/out" &&
	grep -q "^  provider console-hello  *console 1\.[0-9]" "$tmp/out"; then
	ok "devmgr loads hello.so and lists console-hello"
else
	fail "devmgr plugins --plugin-path $tmp/hello (exit $st)"
	sed 's/^/  stdout: /' "$tmp/out"
	sed 's/^/  stderr: /' "$tmp/err"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
