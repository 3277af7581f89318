#!/bin/sh
# valgrind.sh: "devmgr probe" has no memory errors and no definite leaks,
# on the built-in configuration and on one with a blk-file.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: valgrind is not installed"; exit 77; }
# A sanitizer build carries its own shadow memory, which valgrind cannot run.
if nm -D "$top_builddir/core/.libs/libdevmgr.so" 2>/dev/null | grep -q '__asan_\|__ubsan_'; then
	echo "SKIP: sanitizer build (valgrind runs in the plain build)"
	exit 77
fi

DEVMGR="$top_builddir/apps/devmgr/devmgr"
LIBTOOL="$top_builddir/libtool"

tmp=$(mktemp -d "$top_builddir/valgrind.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0 fail=0
# vg NAME ARGS...: devmgr ARGS under valgrind through the libtool wrapper
vg() {
	name=$1
	shift
	"$LIBTOOL" --mode=execute valgrind --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --track-fds=no \
		"$DEVMGR" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'ERROR SUMMARY: 0 errors' "$tmp/err"; then
		echo "PASS: $name"
		pass=$((pass + 1))
	else
		echo "FAIL: $name (exit $rc)"
		sed 's/^/  /' "$tmp/err" | head -n 60
		fail=$((fail + 1))
	fi
}

vg "probe (built-in config)" probe
vg "probe --json (built-in config)" probe --json

dd if=/dev/zero of="$tmp/disk.img" bs=512 count=8 2>/dev/null
cat >"$tmp/file.json" <<'JSON'
{ "devmgr": 1,
  "devices": {
    "log":  { "provider": "console-stdio" },
    "disk": { "provider": "blk-file", "path": "disk.img", "read_only": true },
    "ram":  { "provider": "blk-ram", "size": "4K" }
  }
}
JSON
vg "probe (blk-file config)" probe -c "$tmp/file.json"
vg "validate (blk-file config)" validate -c "$tmp/file.json"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
exit 0
