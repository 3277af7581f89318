#!/bin/sh
# exports.sh: what the shared objects export (as jansson's check-exports).
# libdevmgr.so exports exactly the list in exports.txt (sorted; the public
# DEVMGR_API functions of core/include/devmgr), and every plugin module of
# the build exports exactly devmgr_plugin_entry (-fvisibility=hidden).
# Update exports.txt on purpose when the public API grows.

: "${top_builddir:?}" "${top_srcdir:?}"
NM=${NM:-nm}
if ! command -v "$NM" >/dev/null 2>&1; then
	echo "exports.sh: no nm" >&2
	exit 77
fi
LIB=$top_builddir/core/.libs/libdevmgr.so
PLUGINS=$top_builddir/plugins/.libs
tmp=${TMPDIR:-/tmp}/devmgr-exports.$$
trap 'rm -f "$tmp".*' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }

# defined dynamic symbols of $1, one name a line, sorted
exports() {
	"$NM" -D --defined-only "$1" | awk 'NF >= 3 { print $NF }' |
		LC_ALL=C sort
}

if [ ! -e "$LIB" ]; then
	echo "exports.sh: $LIB is missing" >&2
	exit 99
fi
exports "$LIB" >"$tmp.lib"
if diff -u "$top_srcdir/tests/integration/exports.txt" "$tmp.lib"; then
	ok "libdevmgr.so exports exactly exports.txt"
else
	fail "libdevmgr.so exports differ from exports.txt (- expected, + built)"
fi

n=0
for so in "$PLUGINS"/*.so; do
	[ -e "$so" ] || continue
	n=$((n + 1))
	got=$(exports "$so" | tr '\n' ' ')
	if [ "$got" = "devmgr_plugin_entry " ]; then
		ok "$(basename "$so") exports only devmgr_plugin_entry"
	else
		fail "$(basename "$so") exports: $got"
	fi
done
if [ "$n" -eq 0 ]; then
	fail "no plugin module in $PLUGINS"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
