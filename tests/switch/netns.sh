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
. "$top_srcdir/tests/switch/lib.sh"
sw_need

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

write_conf 0 1 2
if sw_start "$SWITCH" -c "$tmp/conf.json" && poll "switch: started, 3 ports"; then
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
t0=$(ms)
kill -HUP "$pid"
if poll "switch: port p3 joined"; then within_1s "reload: p3 joined" "$t0"; else ko "reload: p3 joined"; dump; finish; fi
join 3 || { ko "namespace 3 set up"; dump; finish; }
t1=$(ms)
for j in 0 1 2; do
	if ping_from 3 "$j" 1; then
		ok "new port: 3 -> $j within a second"
	else
		ko "new port: 3 -> $j within a second"
	fi
done
ping_from 0 3 1 && ok "new port: 0 -> 3 within a second" || ko "new port: 0 -> 3 within a second"
echo "reload to joined, then namespace up to four pings answered: $((t1 - t0)) ms + $(($(ms) - t1)) ms"
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
