#!/bin/sh
# signals.sh: SIGTERM, SIGINT and SIGHUP sent while "devmgr run" or an
# app's own executable is still starting are handled by the loop once it
# runs: TERM and INT end the program with status 0, HUP re-reads the
# configuration and the program goes on.  None of them kills it.  Each is
# sent while a device's creation sleeps two seconds (test-blk-pass
# create_ms, in devmgr_run()), and again while the loading of
# test-blk-pass sleeps (DEVMGR_TEST_LOAD_MS, before devmgr_run(): only
# main()'s first line has blocked them then).
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

# fast.json still names test-blk-pass, without create_ms: devmgr loads
# only the plugins a configuration uses, and the "load" case needs it
# loaded (its constructor sleeps with DEVMGR_TEST_LOAD_MS).
sed 's/, "create_ms": 2000//' "$tmp/slow.json" >"$tmp/fast.json"

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

# is_blocked PID: PID blocks SIGHUP, SIGINT and SIGTERM now
is_blocked() {
	m=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
	m=${m#????????}
	[ -n "$m" ] && [ $((0x$m & 0x4003)) -eq $((0x4003)) ]
}

# blocked PID: wait up to 10 s for PID to block SIGHUP, SIGINT and
# SIGTERM (bits 1, 2 and 15 of its SigBlk: 0x4003)
blocked() {
	i=0
	while [ $i -lt 200 ]; do
		is_blocked "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# early WHEN NAME SIGNAL COMMAND...: SIGNAL while the program starts.
# WHEN is "create": while the slow device is created (in devmgr_run());
# "load": while test-blk-pass is loaded, before devmgr_run(), when only
# main()'s own first line can have blocked them.
early() {
	when=$1 what="$2 ($1)" sig=$3
	shift 3
	: >"$tmp/err"
	rm -f "$tmp/mark"
	if [ "$when" = load ]; then
		DEVMGR_TEST_LOAD_MS=2000 DEVMGR_TEST_LOAD_MARK=$tmp/mark \
			"$@" -v --plugin-path "$TESTPLUGINS" -c "$tmp/fast.json" 2>"$tmp/err" &
		pid=$!
		# Loading sleeps after making the mark: the mask seen now is
		# the one main() set before loading.
		i=0
		while [ ! -e "$tmp/mark" ] && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		[ -e "$tmp/mark" ] && is_blocked "$pid"
	else
		"$@" -v --plugin-path "$TESTPLUGINS" -c "$tmp/slow.json" 2>"$tmp/err" &
		pid=$!
		# Once the program has blocked them (before, $pid may still
		# be libtool's wrapper script, which a signal kills).
		blocked "$pid"
	fi
	if [ $? -ne 0 ]; then
		ko "$what: SIG$sig: signals not blocked"
		kill -9 "$pid"
		wait "$pid"
		pid=
		return
	fi
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

for when in create load; do
	for sig in TERM INT HUP; do
		early $when "devmgr run" "$sig" "$DEVMGR" run
		early $when "echo executable" "$sig" "$ECHO"
	done
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
exit 0
