#!/bin/sh
# A slot whose field is not of the slot's handle type must not compile
# (DEVMGR_SLOT's static assertion), nor may a DEVMGR_SLOT_IS test of a
# field the record does not have; the correct record must.
# Environment: CC (default cc), top_srcdir (default: this script's ../..).
: "${CC:=cc}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
src="$top_srcdir/tests/unit/slot_typecheck_bad.c"
inc="-I$top_srcdir/core/include"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail=0

# shellcheck disable=SC2086
if ! $CC -std=gnu11 $inc -fsyntax-only "$src" >"$out" 2>&1; then
	echo "FAIL: the correct record does not compile:"; cat "$out"; fail=1
fi
if $CC -std=gnu11 $inc -DBAD -fsyntax-only "$src" >"$out" 2>&1; then
	echo "FAIL: a struct devmgr_console * field in a blk slot compiled"; fail=1
elif ! grep -Eq "slot [\\\\]?'disk[\\\\]?' must be a struct devmgr_blk \\*" "$out"; then
	echo "FAIL: no static assertion message for slot disk:"; cat "$out"; fail=1
fi
if $CC -std=gnu11 $inc -DBAD_SET -fsyntax-only "$src" >"$out" 2>&1; then
	echo "FAIL: a single handle in a set slot compiled"; fail=1
elif ! grep -Eq "slot [\\\\]?'log[\\\\]?' must be a devmgr_console_set" "$out"; then
	echo "FAIL: no static assertion message for set slot log:"; cat "$out"; fail=1
fi
if $CC -std=gnu11 $inc -DBAD_IS -fsyntax-only "$src" >"$out" 2>&1; then
	echo "FAIL: DEVMGR_SLOT_IS of a field the record lacks compiled"; fail=1
elif ! grep -Eq "no member named .{0,3}disks" "$out"; then
	echo "FAIL: no error naming the missing field disks:"; cat "$out"; fail=1
fi
[ $fail = 0 ] && echo "PASS: slot type checks"
exit $fail
