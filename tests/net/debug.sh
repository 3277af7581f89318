#!/bin/sh
# net-debug stacked on net-tap, in a namespace made here: the responder
# runs on the net-debug device, the kernel pings it, and tshark reads the
# pcap file twice: while the program runs (records are flushed within
# flush_ms) and after it ends.  Both directions must be there: the
# kernel's ARP request and echo requests, the responder's ARP reply and
# echo replies.
. "$top_srcdir/tests/net/lib.sh"
need_root_netns
command -v ping >/dev/null || skip "ping (iputils-ping) is not installed"
command -v tshark >/dev/null || skip "tshark is not installed"

make_netns dbg
TAP="ntapd$$"
in_ns ip tuntap add dev "$TAP" mode tap || fail "ip tuntap add"
in_ns ip addr add 10.97.0.1/24 dev "$TAP"
in_ns ip link set "$TAP" up
PCAP="$WORK/trace.pcap"
cat >"$WORK/debug.json" <<JSON
{"devmgr": 1, "devices": {
  "tap0": {"provider": "net-tap", "name": "$TAP"},
  "net0": {"provider": "net-debug", "on": "tap0", "pcap": "$PCAP",
           "flush_ms": 50}
}}
JSON

count() { # count FILTER: frames in the pcap matching a display filter
	tshark -r "$PCAP" -Y "$1" 2>/dev/null | wc -l
}

in_ns "$RESPONDER" "$WORK/debug.json" net0 10.97.0.2 --replies 3 \
	--seconds 20 --linger 3000 >"$WORK/resp" 2>&1 &
PIDS="$!"
wait_for ready "$WORK/resp"
in_ns ping -c 3 -i 0.2 -W 2 10.97.0.2 >"$WORK/ping" 2>&1 ||
	fail "ping through net-debug: $(cat "$WORK/ping") / $(cat "$WORK/resp")"
sleep 0.3 # two flush periods
kill -0 $PIDS 2>/dev/null || fail "the responder ended too early"
n=$(count "icmp.type == 8")
[ "$n" -ge 3 ] || fail "pcap read while running has $n echo requests"
echo "ok: read while running: $n echo requests"
wait $PIDS || fail "responder: $(cat "$WORK/resp")"
PIDS=""

req=$(count "icmp.type == 8 && ip.dst == 10.97.0.2")
rep=$(count "icmp.type == 0 && ip.src == 10.97.0.2")
arpq=$(count "arp.opcode == 1 && arp.dst.proto_ipv4 == 10.97.0.2")
arpr=$(count "arp.opcode == 2 && arp.src.proto_ipv4 == 10.97.0.2")
echo "pcap: $req echo requests, $rep echo replies, $arpq ARP requests, $arpr ARP replies"
[ "$req" = 3 ] && [ "$rep" = 3 ] && [ "$arpq" -ge 1 ] && [ "$arpr" -ge 1 ] ||
	fail "pcap does not hold both directions: $(tshark -r "$PCAP" 2>&1)"
# tshark found no damaged records either.
tshark -r "$PCAP" >/dev/null 2>"$WORK/tshark.err" ||
	fail "tshark: $(cat "$WORK/tshark.err")"
capinfos_link=$(tshark -r "$PCAP" -T fields -e frame.encap_type -c 1)
[ "$capinfos_link" = 1 ] || fail "encapsulation $capinfos_link, not Ethernet (1)"
echo "ok: pcap in both directions"
exit 0
