#!/bin/sh
# many.sh: 10,000 devices in one configuration, and (with the test plugin
# providing test-blk-pass) a dependency chain 10,000 devices deep.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
TESTPLUGINS="$top_builddir/tests/plugins/.libs"
N=10000

tmp=$(mktemp -d "$top_builddir/many.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0 fail=0 skip=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); head -n 5 "$tmp/err" | sed 's/^/  /'; }

# count_ok FILE: the number of devices with state ok in probe --json output
count_ok() { grep -o '"state":"ok"' "$1" | wc -l; }

awk -v n="$N" 'BEGIN {
	print "{ \"devmgr\": 1, \"devices\": {"
	for (i = 0; i < n; i++)
		printf "  \"ram%d\": { \"provider\": \"blk-ram\", \"size\": \"4K\" }%s\n", i, i < n - 1 ? "," : ""
	print "} }"
}' >"$tmp/flat.json"

"$DEVMGR" probe --json -c "$tmp/flat.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "probe $N blk-ram devices"; else ko "probe $N blk-ram devices (exit $rc)"; fi
c=$(count_ok "$tmp/out")
if [ "$c" -eq "$N" ]; then ok "$N devices ok"; else ko "$c devices ok, expected $N"; fi
c=$(grep -o '"id":"ram[0-9]*"' "$tmp/out" | sort -u | wc -l)
if [ "$c" -eq "$N" ]; then ok "$N distinct ids"; else ko "$c distinct ids, expected $N"; fi

if [ -f "$TESTPLUGINS/test-blk-pass.so" ]; then
	awk -v n="$N" 'BEGIN {
		print "{ \"devmgr\": 1, \"devices\": {"
		print "  \"disk0\": { \"provider\": \"blk-ram\", \"size\": \"4K\" },"
		for (i = 1; i < n; i++)
			printf "  \"p%d\": { \"provider\": \"test-blk-pass\", \"on\": \"%s\" }%s\n", i, i == 1 ? "disk0" : "p" (i - 1), i < n - 1 ? "," : ""
		print "} }"
	}' >"$tmp/chain.json"
	"$DEVMGR" --plugin-path "$TESTPLUGINS" probe --json -c "$tmp/chain.json" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "probe a chain of $N"; else ko "probe a chain of $N (exit $rc)"; fi
	c=$(count_ok "$tmp/out")
	if [ "$c" -eq "$N" ]; then ok "chain: $N devices ok"; else ko "chain: $c devices ok, expected $N"; fi
	if grep -q '"id":"p9999",[^}]*"on":\["p9998"\]' "$tmp/out"; then ok "chain: p9999 on p9998"; else ko "chain: p9999 on p9998"; fi
else
	echo "SKIP: chain of $N (test-blk-pass not built in $TESTPLUGINS)"
	skip=1
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] || exit 1
exit 0
