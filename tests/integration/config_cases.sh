#!/bin/sh
# config_cases.sh: every tests/config/invalid/<case> is refused by
# "devmgr validate" with exit 2 and the message in its `error` file;
# every tests/config/valid/*/config.json and examples/*.json is accepted.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
TESTPLUGINS="$top_builddir/tests/plugins/.libs"

tmp=$(mktemp -d "$top_builddir/config_cases.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

cd "$top_srcdir" || exit 99

pass=0 fail=0 skip=0

for dir in tests/config/invalid/*/; do
	dir=${dir%/}
	case=${dir##*/}
	file="$dir/config.json"
	[ -f "$file" ] || continue
	set --
	if [ -f "$dir/requires" ]; then
		if [ ! -f "$TESTPLUGINS/test-blk-pass.so" ]; then
			echo "SKIP: $case (needs test-blk-pass, not built in $TESTPLUGINS)"
			skip=$((skip + 1))
			continue
		fi
		set -- --plugin-path "$TESTPLUGINS"
	fi
	"$DEVMGR" "$@" validate -c "$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expected="devmgr: $(sed "s|@FILE@|$file|g" "$dir/error" | head -n 1)"
	actual=$(head -n 1 "$tmp/err")
	# jansson's flag names mean nothing to a user: never in a message.
	if printf '%s\n' "$actual" | grep -q 'JSON_[A-Z]'; then
		echo "FAIL: $case (the message names a jansson flag)"
		echo "  actual:   $actual"
		fail=$((fail + 1))
		continue
	fi
	if [ "$rc" -eq 2 ] && [ "$actual" = "$expected" ]; then
		echo "PASS: $case"
		pass=$((pass + 1))
	else
		echo "FAIL: $case (exit $rc, expected 2)"
		echo "  expected: $expected"
		echo "  actual:   $actual"
		fail=$((fail + 1))
	fi
done

for file in tests/config/valid/*/config.json examples/*.json; do
	[ -f "$file" ] || continue
	if "$DEVMGR" validate -c "$file" >"$tmp/out" 2>"$tmp/err"; then
		echo "PASS: valid $file"
		pass=$((pass + 1))
	else
		echo "FAIL: valid $file (exit $?)"
		sed 's/^/  /' "$tmp/err"
		fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed${skip:+, $skip skipped}"
[ "$fail" -eq 0 ] || exit 1
exit 0
