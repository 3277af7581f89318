# common.sh: what the xen tests share besides the daemon (xsd.sh): pass
# and fail counting, a devmgr watch in the background, polling its lines.
pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] || exit 1
	exit 0
}
check() { # check NAME COMMAND...: ok or ko by the command's status
	name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}

DEVMGR="$top_builddir/apps/devmgr/devmgr"
PY=${PYTHON3_SYS:-/usr/bin/python3}
SCHEMA_CHECK="$top_srcdir/tests/schema/check_schemas.py"
export DEVMGR_PLUGIN_PATH="${DEVMGR_PLUGIN_PATH:-$top_builddir/plugins/.libs}"

BG_PID=
XSD_TRAP_EXTRA='bg_stop'
# bg_start OUT ERR COMMAND...: run a command in the background
bg_start() {
	out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" &
	BG_PID=$!
}
bg_stop() {
	if [ -n "$BG_PID" ]; then
		kill -INT "$BG_PID" 2>/dev/null
		wait "$BG_PID"
		BG_RC=$?
		BG_PID=
	fi
}
# poll FILE REGEX [COUNT [TENTHS]]: wait for COUNT lines matching REGEX
poll() {
	pn=0
	while [ "$pn" -lt "${4:-50}" ]; do
		[ "$(count "$1" "$2")" -ge "${3:-1}" ] && return 0
		sleep 0.1
		pn=$((pn + 1))
	done
	return 1
}
count() { if [ -f "$1" ]; then grep -c -e "$2" "$1"; else echo 0; fi; }
