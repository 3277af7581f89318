# lib.sh: what the www tests share (sourced).  Test helpers in the style of
# tests/integration/cli.sh, and the server's start: a configuration made
# from the executable's own built-in one ("www --print-config") with the
# image, port and arguments of the test.
: "${top_srcdir:?}" "${top_builddir:?}"
WWW="$top_builddir/apps/www/www"
CLIENT="$top_srcdir/tests/www/client.py"
PY=${PYTHON3_SYS:-/usr/bin/python3}
PATH="$PATH:/usr/sbin:/sbin"
export PATH MTOOLS_SKIP_CHECK=1

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }
skip() { echo "SKIP: $1"; exit 77; }
# check NAME GOT WANT
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got '$2', expected '$3'"; fi
}
# check_grep NAME FILE REGEX
check_grep() {
	if grep -q -e "$3" "$2"; then ok "$1"; else
		ko "$1: no /$3/ in ${2##*/}"
		sed 's/^/  | /' "$2" | head -n 20
	fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

need_tools() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}
# need_plugins NAME...: the providers' plugins must be built
need_plugins() {
	for p in "$@"; do
		[ -f "${DEVMGR_PLUGIN_PATH:?}/$p.so" ] ||
			skip "plugin $p is not built ($DEVMGR_PLUGIN_PATH/$p.so)"
	done
}

# make_image IMAGE KIB FILE...: a FAT image holding the demo site and the
# given files at its root.
make_image() {
	img=$1 kib=$2
	shift 2
	rm -f "$img"
	mkfs.fat -C -n WWWTEST "$img" "$kib" >/dev/null || return 1
	mcopy -i "$img" -s -m -Q "$top_srcdir"/site/* ::/ || return 1
	for f in "$@"; do
		mcopy -i "$img" -s -m -Q "$f" ::/ || return 1
	done
}

# www_config OUT IMAGE ARGS-JSON [DEVICES-JSON]: the built-in configuration
# with another image, port 0 and ARGS merged into app.args; DEVICES-JSON
# replaces or adds devices.
www_config() {
	"$WWW" --print-config | "$PY" -c '
import json, sys
c = json.load(sys.stdin)
c["devices"]["disk"]["image"] = sys.argv[2]
c["app"]["args"]["port"] = 0
c["app"]["args"].update(json.loads(sys.argv[3]))
c["devices"].update(json.loads(sys.argv[4] or "{}"))
json.dump(c, open(sys.argv[1], "w"), indent=1)
' "$1" "$2" "$3" "${4:-}"
}

# start_www CONFIG LOG [PREFIX...]: start the server (under PREFIX, e.g.
# "ip netns exec NS"), wait for its "serving" line (in LOG, or in
# $serving_log when the log console is a file); sets www_pid and www_port.
start_www() {
	conf=$1 log=$2
	shift 2
	"$@" "$WWW" -c "$conf" >"$log" 2>"$log.err" &
	www_pid=$!
	i=0
	while [ $i -lt 100 ]; do
		www_port=$(sed -n 's|^www: serving .* on http://[0-9.]*:\([0-9]*\)/$|\1|p' "${serving_log:-$log}" 2>/dev/null)
		[ -n "$www_port" ] && return 0
		kill -0 "$www_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "www did not start:"
	sed 's/^/  | /' "$log" "$log.err"
	return 1
}
stop_www() {
	[ -n "${www_pid:-}" ] || return 0
	kill "$www_pid" 2>/dev/null
	wait "$www_pid" 2>/dev/null
	www_pid=
}
