# lib.sh: what the conformance kit's tests share.  Sourced; sets DEVMGR,
# FAULTDIR, $tmp, and the helpers ok, ko, t, schema, failed_cases.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
FAULTDIR="$top_builddir/tests/conform/.libs"
PY=${PYTHON3_SYS:-/usr/bin/python3}
CHECK="$top_srcdir/tests/schema/check_schemas.py"

tmp=$(mktemp -d "$top_builddir/conform.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() {
	echo "FAIL: $1"
	fail=$((fail + 1))
	for f in "$tmp/out" "$tmp/err"; do
		[ -s "$f" ] && { echo "  --- ${f##*/}:"; head -n 30 "$f" | sed 's/^/  /'; }
	done
}
# t NAME EXPECTED-STATUS COMMAND...: run with stdout/stderr to $tmp/out|err
t() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$name (exit $rc)"
		return 0
	fi
	ko "$name (exit $rc, expected $want)"
	return 1
}
# schema NAME: $tmp/out validates against schemas/conform.schema.json
schema() {
	if "$PY" "$CHECK" "$top_srcdir" --instance conform "$tmp/out" >"$tmp/schema" 2>&1; then
		ok "$1 matches the conform schema"
	else
		cat "$tmp/schema" >>"$tmp/err"
		ko "$1 does not match the conform schema"
	fi
}
# The names of the failed cases in $tmp/out (--json), one per line.
failed_cases() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for c in d["cases"]:
    if c["result"] == "fail":
        print(c["name"])' "$tmp/out"
}
# The result of case $1 in $tmp/out (--json).
case_result() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(c["result"] for c in d["cases"] if c["name"] == sys.argv[2]))' "$tmp/out" "$1"
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
