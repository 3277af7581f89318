#!/bin/sh
# cli.sh: the switch as its own executable and through "devmgr run
# switch", on net-link ports (no root needed): it starts, reports on
# SIGUSR1, stops with exit 0 on SIGINT/SIGTERM; and every bad
# configuration of the app is refused with exit 2 and an error naming
# where the problem is.
set -u
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
DEVMGR_PLUGIN_PATH=${DEVMGR_PLUGIN_PATH:-$top_builddir/plugins/.libs}
export DEVMGR_PLUGIN_PATH
PLUGINS=$DEVMGR_PLUGIN_PATH
[ -e "$PLUGINS/net-link.so" ] || { echo "SKIP: the net-link provider is not built"; exit 77; }
SWITCH="$top_builddir/apps/switch/switch"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/switch-cli.XXXXXX") || exit 99
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 99' INT TERM

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }

# conf FILE APP-JSON [DEVICES-JSON]: two net-link ports and a console file
conf() {
	cat >"$tmp/$1" <<JSON
{ "devmgr": 1,
  "devices": {
    "log": { "provider": "console-file", "path": "$tmp/console.log" },
    "p0": { "provider": "net-link", "hub": "a" },
    "p1": { "provider": "net-link", "hub": "b" }${3:-}
  },
  "app": $2
}
JSON
}
poll() { # REGEX [COUNT]
	n=0
	while [ $n -lt 100 ]; do
		[ "$(cat "$tmp/console.log" 2>/dev/null | grep -c -e "$1")" -ge "${2:-1}" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

good='{ "name": "switch", "bind": { "log": "log", "ports": ["p0", "p1"] }, "args": { "table_size": 64, "ageing": 10 } }'
conf good.json "$good"

# run WHAT SIGNAL COMMAND...: start, report on SIGUSR1, stop with SIGNAL
run() {
	what=$1 sig=$2
	shift 2
	rm -f "$tmp/console.log"
	"$@" 2>"$tmp/err" &
	pid=$!
	if poll "switch: started, 2 ports, table_size=64 ageing=10s"; then
		ok "$what: started"
	else
		ko "$what: started"; cat "$tmp/err" "$tmp/console.log"; return
	fi
	kill -USR1 "$pid"
	poll "switch: port p1 rx_frames=0 " && ok "$what: SIGUSR1 report" || ko "$what: SIGUSR1 report"
	kill "-$sig" "$pid"
	wait "$pid"
	rc=$?
	pid=
	[ $rc -eq 0 ] && ok "$what: SIG$sig: exit 0" || ko "$what: SIG$sig: exit $rc"
	tail -n 1 "$tmp/console.log" | grep -q "^switch: stopped$" && ok "$what: stopped line" || ko "$what: stopped line"
}
run "switch executable" INT "$SWITCH" -c "$tmp/good.json"
run "devmgr run switch" TERM "$DEVMGR" run -c "$tmp/good.json" switch

# The executable's own options.
"$SWITCH" --help >"$tmp/out" 2>&1 && grep -q "SIGUSR1: counters on the log console; SIGUSR2: counters and table" "$tmp/out" &&
	ok "--help: exit 0, names the signals" || { ko "--help"; cat "$tmp/out"; }
"$SWITCH" --version >"$tmp/out" 2>&1 && grep -q "^switch (devmgr) [0-9]" "$tmp/out" &&
	ok "--version" || { ko "--version"; cat "$tmp/out"; }
"$SWITCH" --bogus >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "unrecognized option '--bogus'" "$tmp/out" && ok "unknown option: exit 2" ||
	{ ko "unknown option: exit $rc"; cat "$tmp/out"; }
"$SWITCH" -c "$tmp/missing.json" >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "missing.json" "$tmp/out" && ok "missing configuration file: exit 2, named" ||
	{ ko "missing configuration file: exit $rc"; cat "$tmp/out"; }

# refused FILE TEXT [COMMAND]: exit 2 and TEXT on stderr
refused() {
	"$SWITCH" -c "$tmp/$1" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$2" "$tmp/out"; then
		ok "refused $1: $2"
	else
		ko "refused $1 (exit $rc, expected 2 and \"$2\"):"; sed 's/^/  /' "$tmp/out"
	fi
	"$DEVMGR" validate -c "$tmp/$1" >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 2 ] && grep -qF -- "$2" "$tmp/out" && ok "validate refuses $1" ||
		{ ko "validate refuses $1 (exit $rc)"; sed 's/^/  /' "$tmp/out"; }
}
conf ageing.json '{ "name": "switch", "bind": { "ports": ["p0", "p1"] }, "args": { "ageing": -1 } }'
refused ageing.json "ageing.json: /app/args/ageing: -1 is out of range (0 to 1000000)"
conf size0.json '{ "name": "switch", "bind": { "ports": ["p0", "p1"] }, "args": { "table_size": 0 } }'
refused size0.json "size0.json: /app/args/table_size: 0 is out of range (1 to 1048576)"
conf sizebig.json '{ "name": "switch", "bind": { "ports": ["p0", "p1"] }, "args": { "table_size": 1048577 } }'
refused sizebig.json "sizebig.json: /app/args/table_size: 1048577 is out of range (1 to 1048576)"
conf sizestr.json '{ "name": "switch", "bind": { "ports": ["p0", "p1"] }, "args": { "table_size": "4K" } }'
refused sizestr.json "sizestr.json: /app/args/table_size: expected an integer, got a string"
conf typo.json '{ "name": "switch", "bind": { "ports": ["p0", "p1"] }, "args": { "aging": 5 } }'
refused typo.json 'typo.json: /app/args/aging: unknown parameter "aging" for app switch (did you mean "ageing"?)'
conf slot.json '{ "name": "switch", "bind": { "port": ["p0", "p1"] } }'
refused slot.json 'slot.json: /app/bind/port: app switch has no slot "port" (did you mean "ports"?)'
conf console.json '{ "name": "switch", "bind": { "ports": ["p0", "log"] } }'
refused console.json 'console.json: /app/bind/ports: device "log" is a console, slot ports of app switch needs a net'
cat >"$tmp/nolog.json" <<'JSON'
{ "devmgr": 1, "devices": { "p0": { "provider": "net-link" } }, "app": { "name": "switch" } }
JSON
refused nolog.json "nolog.json: /app: required slot log (console) of app switch has no device"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
