#!/bin/sh
# signals.sh: SIGTERM, SIGINT and SIGHUP sent while "devmgr run" or an
# app's own executable is still starting (a device whose creation takes
# two seconds: test-blk-pass create_ms) are handled by the loop once it
# runs: TERM and INT end the program with status 0, HUP re-reads the
# configuration and the program goes on.  None of them kills it.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
B=$top_builddir
DEVMGR=$B/apps/devmgr/devmgr
ECHO=$B/apps/echo/echo
TESTPLUGINS=$B/tests/plugins/.libs
tmp=$(mktemp -d "$B/signals.XXXXXX") || exit 99
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 99' INT TERM

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() {
	echo "FAIL: $1"
	fail=$((fail + 1))
	[ -s "$tmp/err" ] && { echo "  --- err:"; head -n 20 "$tmp/err" | sed 's/^/  /'; }
	return 0
}

# A free TCP and UDP port on loopback for the echo app.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	exit 99
cat >"$tmp/slow.json" <<EOF
{ "devmgr": 1,
  "devices": {
    "ram":  { "provider": "blk-ram", "size": "4K" },
    "slow": { "provider": "test-blk-pass", "on": "ram", "create_ms": 2000 },
    "net":  { "provider": "net-socket", "address": "127.0.0.1" }
  },
  "app": { "name": "echo", "bind": { "net": "net" }, "args": { "port": $port } }
}
EOF

# poll FILE REGEX: wait up to 10 s for REGEX in FILE
poll() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# early NAME SIGNAL COMMAND...: SIGNAL while the slow device is created
early() {
	what=$1 sig=$2
	shift 2
	: >"$tmp/err"
	"$@" -v --plugin-path "$TESTPLUGINS" -c "$tmp/slow.json" 2>"$tmp/err" &
	pid=$!
	sleep 0.5
	if grep -q "echo: TCP" "$tmp/err"; then
		ko "$what: SIG$sig: the app started before the signal (too fast to test)"
	fi
	kill "-$sig" "$pid"
	if [ "$sig" = HUP ]; then
		# Not killed: it finishes starting, the app runs, HUP re-reads.
		poll "$tmp/err" "echo: TCP" && ok "$what: SIGHUP while starting: the app starts" ||
			ko "$what: SIGHUP while starting: the app starts"
		kill -0 "$pid" 2>/dev/null && ok "$what: SIGHUP while starting: still running" ||
			ko "$what: SIGHUP while starting: still running"
		kill -TERM "$pid"
	fi
	wait "$pid"
	rc=$?
	pid=
	[ "$rc" -eq 0 ] && ok "$what: SIG$sig while starting: exit 0" ||
		ko "$what: SIG$sig while starting: exit $rc (128 + signal is death by it)"
}

for sig in TERM INT HUP; do
	early "devmgr run" "$sig" "$DEVMGR" run
	early "echo executable" "$sig" "$ECHO"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
exit 0
