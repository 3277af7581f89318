#!/bin/sh
# netns_l2.sh: what the switch does with tagged frames, link-local
# frames and a loop, between kernel network stacks in namespaces made
# here.  Ports: p0 and p1 net-tap (the kernel sides in n0 and n1), p2
# net-packet on a veth whose other end is in n2, p3 and p4 net-tap whose
# kernel sides are both in n3, in one Linux bridge: a loop.  Checked:
#   - 1518-byte 802.1Q and 1522-byte QinQ frames (MTU 1500) sent from n0
#     arrive in n1 byte for byte, tags and all; 802.1Q from n2 through
#     the net-packet port too, and both ways through it;
#   - frames to 01:80:c2:00:00:00 and 0e (STP, LLDP) go nowhere;
#   - the loop through the bridge: one port is blocked within seconds,
#     with its line on the console, and the storm ends there (the
#     loop's counters stay still); the other ports still forward; after
#     storm_hold the port is let go, and blocked again on the next
#     storm.
set -u
. "$top_srcdir/tests/switch/lib.sh"
sw_need
[ -e "$DEVMGR_PLUGIN_PATH/net-packet.so" ] || skip "the net-packet provider is not built"
FR="$top_srcdir/tests/switch/vlan_frames.py"
V="${P}v2" W="${P}w2" # the veth: V in this namespace (p2), W in n2
cleanup() {
	sw_cleanup
	ip link del "$V" 2>/dev/null
	ip link del "${P}t4" 2>/dev/null
}
trap cleanup EXIT
ip link add "$V" type veth peer name "$W" || skip "no veth devices"
ip link set "$V" up

cat >"$tmp/conf.json" <<EOF
{ "devmgr": 1,
  "devices": {
    "log": { "provider": "console-file", "path": "$LOG" },
    "p0": { "provider": "net-tap", "name": "${P}t0" },
    "p1": { "provider": "net-tap", "name": "${P}t1" },
    "p2": { "provider": "net-packet", "interface": "$V" },
    "p3": { "provider": "net-tap", "name": "${P}t3" },
    "p4": { "provider": "net-tap", "name": "${P}t4" }
  },
  "app": { "name": "switch",
    "args": { "storm_limit": 300, "storm_hold": 5 },
    "bind": { "log": "log", "ports": ["p0", "p1", "p2", "p3", "p4"] } }
}
EOF
if sw_start "$SWITCH" -c "$tmp/conf.json" && poll "switch: started, 5 ports"; then
	ok "switch started on five ports"
else
	ko "switch started on five ports"; dump; finish
fi
for i in 0 1; do
	join "$i" || { ko "namespace $i set up"; dump; finish; }
done
join 2 "$W" || { ko "namespace 2 set up"; dump; finish; }
# The kernel lets a packet socket send more than mtu + 14 bytes only
# behind an 802.1Q tag, and 4 more at that: to send a 1522-byte QinQ
# frame, n0's side needs an MTU of 1508.  The switch's port keeps the
# 1500 it read when it made the tap.
ip -n "${P}n0" link set "${P}t0" mtu 1508

# across FROM_NS FROM_IF TO_NS TO_IF KIND LEN: one frame sent, the same
# bytes received.  A frame the sending kernel loses now and then (it
# never leaves its interface) is sent again, twice at most: a switch that
# drops or changes such a frame fails every time.
send_one() {
	if [ "$1" = - ]; then
		"$PY" "$FR" send "$2" "$3" "$4"
	else
		ip netns exec "${P}n$1" "$PY" "$FR" send "$2" "$3" "$4"
	fi
}
across() {
	ip netns exec "${P}n$3" "$PY" "$FR" recv "$4" 10 >"$tmp/got" 2>&1 &
	rpid=$!
	n=0
	until grep -q listening "$tmp/got" 2>/dev/null || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
	for try in 1 2 3; do
		send_one "$1" "$2" "$5" "$6" >"$tmp/sent" 2>&1
		n=0
		until [ "$(grep -vc listening "$tmp/got")" -gt 0 ] || [ $n -ge 20 ]; do sleep 0.1; n=$((n + 1)); done
		[ "$(grep -vc listening "$tmp/got")" -gt 0 ] && break
	done
	wait "$rpid"
	if [ "$(grep -vc listening "$tmp/got")" -ge 1 ] &&
		[ "$(grep -v listening "$tmp/got" | grep -vcx "$(cat "$tmp/sent")")" = 0 ]; then
		ok "$5 frame of $6 bytes: n$1 -> n$3 byte for byte"
	else
		ko "$5 frame of $6 bytes: n$1 -> n$3 byte for byte"
		echo "  sent: $(cat "$tmp/sent")"; sed 's/^/  got: /' "$tmp/got"
		table && sed 's/^/  /' "$tmp/table"
	fi
}
across 0 "${P}t0" 1 "${P}t1" q 1518
across 0 "${P}t0" 1 "${P}t1" qinq 1522
across 0 "${P}t0" 1 "${P}t1" untagged 1514
across 2 "$W" 1 "${P}t1" q 1518
across 2 "$W" 1 "${P}t1" qinq 1000
across 1 "${P}t1" 2 "$W" q 1518
across 1 "${P}t1" 2 "$W" qinq 1000

# Link-local: seen by the switch, sent nowhere.
for last in 00 0e; do
	ip netns exec "${P}n1" "$PY" -c '
import select, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 3))
print("listening", flush=True)
end = time.monotonic() + 3
while select.select([s], [], [], max(0, end - time.monotonic()))[0]:
    f = s.recv(2048)
    if f[:6] == bytes.fromhex("0180c20000" + sys.argv[2]):
        print("got")
' "${P}t1" "$last" >"$tmp/ll" 2>&1 &
	rpid=$!
	n=0
	until grep -q listening "$tmp/ll" 2>/dev/null || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
	ip netns exec "${P}n0" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 3))
s.send(bytes.fromhex("0180c20000" + sys.argv[2] + "027700000001" + "88cc") + bytes(46))
' "${P}t0" "$last"
	wait "$rpid"
	if ! grep -q got "$tmp/ll"; then
		ok "01:80:c2:00:00:$last not forwarded"
	else
		ko "01:80:c2:00:00:$last not forwarded"
	fi
done
if table && grep -q "switch: port p0 .* reserved=2 " "$tmp/table"; then
	ok "p0 counts reserved=2"
else
	ko "p0 counts reserved=2"; cat "$tmp/table"
fi

# The loop: p3 and p4 in one bridge (no STP) in n3.  Any broadcast or
# multicast (the kernel's own IPv6 ones will do) goes round.
blocked="switch: port p[34] blocked for 5 s: more than 300 flooded frames in a second (a loop?)"
ip netns add "${P}n3" &&
	ip link set "${P}t3" netns "${P}n3" &&
	ip link set "${P}t4" netns "${P}n3" &&
	ip -n "${P}n3" link add br0 type bridge stp_state 0 &&
	ip -n "${P}n3" link set "${P}t3" master br0 &&
	ip -n "${P}n3" link set "${P}t4" master br0 &&
	ip -n "${P}n3" link set "${P}t3" up &&
	ip -n "${P}n3" link set "${P}t4" up &&
	ip -n "${P}n3" link set br0 up || { ko "namespace 3 (the loop) set up"; dump; finish; }
t0=$(ms)
ip netns exec "${P}n0" ping -c 1 -W 1 10.77.0.99 >/dev/null 2>&1 &
if poll "$blocked"; then
	ok "loop: a port blocked after $(($(ms) - t0)) ms"
else
	ko "loop: a port blocked"; dump; finish
fi
loop_rx() {
	table || return 1
	sed -n 's/^switch: port p[34] rx_frames=\([0-9]*\) .*/\1/p' "$tmp/table" |
		awk '{ s += $1 } END { print s }'
}
a=$(loop_rx)
grep -q "storms=1 (blocked)" "$tmp/table" && ok "report: the port marked blocked" ||
	{ ko "report: the port marked blocked"; cat "$tmp/table"; }
sleep 1
b=$(loop_rx)
if [ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -lt 50 ]; then
	ok "loop: the storm ended ($a then $b frames in from the loop)"
else
	ko "loop: the storm ended ($a then $b frames in from the loop)"
fi
ping_from 0 1 && ok "while blocked: ping 0 -> 1" || ko "while blocked: ping 0 -> 1"
[ "$(grep -c "blocked for" "$LOG")" -le 2 ] && ok "loop: at most both loop ports blocked" ||
	{ ko "loop: at most both loop ports blocked"; dump; }
n1=$(grep -c "blocked for" "$LOG")
# After the hold: let go, and blocked again at the next storm.
sleep 5
ip netns exec "${P}n0" ping -c 1 -W 1 10.77.0.98 >/dev/null 2>&1
if poll "switch: port p[34] unblocked" && poll "$blocked" $((n1 + 1)); then
	ok "after storm_hold: let go, and blocked again by the loop"
else
	ko "after storm_hold: let go, and blocked again by the loop"; dump
fi

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || ko "SIGTERM: exit $rc"
[ -s "$tmp/err" ] && { echo "  stderr:"; sed 's/^/  /' "$tmp/err"; }
finish
