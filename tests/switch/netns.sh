#!/bin/sh
# netns.sh: the switch between kernel network stacks.  Three network
# namespaces made here each hold the kernel side of a tap whose other end
# is a port of the switch (net-tap creates the tap in this namespace; the
# test then moves its kernel side into its namespace, the switch keeping
# its fd).  Checked:
#   - every namespace pings every other;
#   - 16 MiB over TCP from the first to the third arrive byte for byte;
#   - a fourth namespace's tap, added by a configuration reload (SIGHUP
#     with an edited file), joins without a restart and reaches the
#     others within a second;
#   - removed by another reload, its port leaves and its MAC is gone from
#     the table (SIGUSR2 dump on the console), the others' stay;
#   - SIGTERM: exit 0, counters printed, "switch: stopped".
set -u

skip() { echo "SKIP: $*"; exit 77; }
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tap devices)"
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
command -v ping >/dev/null || skip "ping (iputils-ping) is not installed"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
PY=${PYTHON3_SYS:-/usr/bin/python3}
[ -x "$PY" ] || skip "python3 is not installed"
DEVMGR_PLUGIN_PATH=${DEVMGR_PLUGIN_PATH:-$top_builddir/plugins/.libs}
export DEVMGR_PLUGIN_PATH
PLUGINS=$DEVMGR_PLUGIN_PATH
[ -e "$PLUGINS/net-tap.so" ] || skip "the net-tap provider is not built"

SWITCH="$top_builddir/apps/switch/switch"
XFER="$top_srcdir/tests/switch/tcp_xfer.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/switch-netns.XXXXXX") || exit 99
P="sw$$" # namespace and interface names: sw<pid>n<i>, sw<pid>t<i>
LOG="$tmp/console.log"
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for i in 0 1 2 3; do ip netns del "${P}n$i" 2>/dev/null; done
	for i in 0 1 2 3; do ip link del "${P}t$i" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }
dump() { echo "  --- console:"; sed 's/^/  /' "$LOG"; echo "  --- stderr:"; sed 's/^/  /' "$tmp/err"; }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] || exit 1
	exit 0
}
# poll REGEX [COUNT]: wait up to 10 s for COUNT console lines matching
poll() {
	n=0
	while [ "$n" -lt 100 ]; do
		[ "$(cat "$LOG" 2>/dev/null | grep -c -e "$1")" -ge "${2:-1}" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
reports=0
# table: ask for a report with the table (SIGUSR2); its lines in $tmp/table
table() {
	reports=$((reports + 1))
	kill -USR2 "$pid"
	poll "switch: end of report" "$reports" || return 1
	awk -v n="$reports" '/switch: counters / { r++ } r == n' "$LOG" >"$tmp/table"
}

# write_conf PORT...: the switch on net-tap ports t<i> (atomically)
write_conf() {
	{
		printf '{ "devmgr": 1,\n  "devices": {\n'
		printf '    "log": { "provider": "console-file", "path": "%s" }' "$LOG"
		for i in "$@"; do
			printf ',\n    "p%s": { "provider": "net-tap", "name": "%st%s" }' "$i" "$P" "$i"
		done
		printf '\n  },\n  "app": { "name": "switch", "args": { "ageing": 300 },\n'
		printf '    "bind": { "log": "log", "ports": ['
		sep=
		for i in "$@"; do printf '%s"p%s"' "$sep" "$i"; sep=", "; done
		printf '] } }\n}\n'
	} >"$tmp/conf.json.new" && mv "$tmp/conf.json.new" "$tmp/conf.json"
}

# join I: move tap t<I>'s kernel side into namespace n<I> as 10.77.0.<I+1>
join() {
	ns="${P}n$1" tap="${P}t$1"
	ip netns add "$ns" &&
		ip link set "$tap" netns "$ns" &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" addr add "10.77.0.$(($1 + 1))/24" dev "$tap" &&
		ip -n "$ns" link set "$tap" up
}
mac_of() { ip -n "${P}n$1" -o link show "${P}t$1" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
ping_from() { # FROM TO [WAIT]: one ping, waiting at most WAIT s (2)
	ip netns exec "${P}n$1" ping -c 1 -W "${3:-2}" "10.77.0.$(($2 + 1))" >/dev/null 2>&1
}

write_conf 0 1 2
"$SWITCH" -c "$tmp/conf.json" 2>"$tmp/err" &
pid=$!
if poll "switch: started, 3 ports"; then
	ok "switch started on three net-tap ports"
else
	ko "switch started on three net-tap ports"; dump; finish
fi
for i in 0 1 2; do
	join "$i" || { ko "namespace $i set up"; dump; finish; }
done

for i in 0 1 2; do
	for j in 0 1 2; do
		[ "$i" = "$j" ] && continue
		if ping_from "$i" "$j"; then ok "ping $i -> $j"; else ko "ping $i -> $j"; fi
	done
done

# 16 MiB, byte for byte, from namespace 0 to namespace 2.
head -c 16777216 /dev/urandom >"$tmp/sent"
ip netns exec "${P}n2" "$PY" "$XFER" recv 10.77.0.3 5001 "$tmp/got" >"$tmp/recv.out" 2>&1 &
rpid=$!
n=0
until grep -q listening "$tmp/recv.out" || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
if ip netns exec "${P}n0" "$PY" "$XFER" send 10.77.0.3 5001 "$tmp/sent" &&
	wait "$rpid" && cmp -s "$tmp/sent" "$tmp/got"; then
	ok "16 MiB over TCP arrive byte for byte"
else
	ko "16 MiB over TCP arrive byte for byte ($(wc -c <"$tmp/got" 2>/dev/null) bytes)"
	cat "$tmp/recv.out"
fi
rm -f "$tmp/sent" "$tmp/got"

# A fourth port from a configuration reload.
write_conf 0 1 2 3
kill -HUP "$pid"
if poll "switch: port p3 joined"; then ok "reload: p3 joined"; else ko "reload: p3 joined"; dump; finish; fi
join 3 || { ko "namespace 3 set up"; dump; finish; }
for j in 0 1 2; do
	if ping_from 3 "$j" 1; then
		ok "new port: 3 -> $j within a second"
	else
		ko "new port: 3 -> $j within a second"
	fi
done
ping_from 0 3 1 && ok "new port: 0 -> 3 within a second" || ko "new port: 0 -> 3 within a second"
mac3=$(mac_of 3) mac0=$(mac_of 0)
if table && grep -q "switch: fdb $mac3 port p3 " "$tmp/table"; then
	ok "table: $mac3 learned on p3"
else
	ko "table: $mac3 learned on p3"; cat "$tmp/table"
fi

# ... and removed by another.
write_conf 0 1 2
kill -HUP "$pid"
if poll "switch: port p3 left ([1-9][0-9]* table entries forgotten)"; then
	ok "reload: p3 left, its entries forgotten"
else
	ko "reload: p3 left, its entries forgotten"; dump
fi
if table && ! grep -q "$mac3" "$tmp/table" && grep -q "switch: fdb $mac0 port p0 " "$tmp/table" &&
	grep -q "switch: counters ports=3 " "$tmp/table"; then
	ok "table: $mac3 gone, $mac0 still on p0"
else
	ko "table: $mac3 gone, $mac0 still on p0"; cat "$tmp/table"
fi
ping_from 1 2 && ok "ping 1 -> 2 after the removal" || ko "ping 1 -> 2 after the removal"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || ko "SIGTERM: exit $rc"
if tail -n 5 "$LOG" | grep -q "switch: port p0 rx_frames=[1-9]" && tail -n 1 "$LOG" | grep -q "switch: stopped"; then
	ok "counters printed when stopping"
else
	ko "counters printed when stopping"; dump
fi
[ -s "$tmp/err" ] && { echo "  stderr:"; sed 's/^/  /' "$tmp/err"; }
finish
