#!/bin/sh
# lwip_flood.sh: stack-lwip under floods and bursts, inside a network
# namespace made here (the tap's kernel side is 10.80.0.1/24 and fd80::1,
# lwIP is 10.80.0.2 and fd80::2; nothing leaves the namespace).
#   - During a random-source SYN flood from hping3 (bounded: a count and a
#     timeout; 4,000 SYNs a second), a kernel client's 1 MiB echo takes at most 3 times as long
#     as without the flood (medians of 3).
#   - 1,000 kernel connects at once are all served, none reset, however
#     late the loop comes to their ACKs: a half-open connection past the
#     backlog is kept beyond it, and a SYN that finds the backlog full of
#     connections the app has not accepted is dropped and sent again, as
#     with the kernel.
#   - UDP datagrams of 16,000 bytes and the kernel's ping -s 65000 are
#     answered over IPv4 and IPv6 (reassembly of fragments).
# Everything crosses net-debug, and tshark reads its pcap file: the
# flood's SYNs, no reset sent to the burst's clients (at the stop, only
# to connections both sides had closed), the fragments both ways.
set -u

. "${top_srcdir:?}/tests/stack/lib.sh"
KO_FILES="*.err"
need_netns
command -v ping >/dev/null || skip "ping (iputils-ping) is not installed"
command -v hping3 >/dev/null || skip "hping3 is not installed"
stack_init lwip_flood
TAP="fld$$"
ns_tap "flood$$" "$TAP" 10.80.0.1/24 fd80::1/64
# the burst's 1,000 connections, with room for the client's own files
ulimit -n 4096 2>/dev/null

cat >"$tmp/echo.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "tap": { "provider": "net-tap", "name": "$TAP", "mac": "02:80:00:00:00:02" },
    "dbg": { "provider": "net-debug", "on": "tap", "pcap": "flood.pcap" },
    "net": { "provider": "stack-lwip", "on": "dbg", "address": "10.80.0.2",
             "netmask": "255.255.255.0", "gateway": "10.80.0.1",
             "ipv6": "fd80::2" } },
  "app": { "name": "echo", "bind": { "net": "net" },
           "args": { "port": 7, "ipv6": true } } }
JSON
ip netns exec "$NS" "$DEVMGR" run -v -c "$tmp/echo.json" >"$tmp/echo.out" 2>"$tmp/echo.err" &
pids="$!"
try "echo on stack-lwip accepts a kernel TCP connection" in_ns "$PY" "$CLIENT" wait 10.80.0.2 7 10

# median3 CMD...: the median of three runs of a command that prints seconds.
median3() {
	for i in 1 2 3; do
		"$@" || return 1
	done | sort -n | sed -n 2p
}
echo_time() { in_ns "$PY" "$CLIENT" timed 10.80.0.2 7 1048576 2>>"$tmp/client.err"; }

# ---- SYN flood ----------------------------------------------------------
base=$(median3 echo_time)
# 20,000 SYNs at about 4,000 a second from random sources, to the echo's
# port (a listener's backlog of 128 turns over 5,120 a second); stopped
# after 20 s whatever happens.
in_ns timeout 20 hping3 -q -S --rand-source -p 7 -i u250 -c 20000 10.80.0.2 \
	>"$tmp/hping.out" 2>&1 &
flood=$!
pids="$pids $flood"
sleep 0.5
loaded=$(median3 echo_time)
still=no
kill -0 "$flood" 2>/dev/null && still=yes
wait "$flood"
pids=${pids% $flood}
if [ -z "$base" ] || [ -z "$loaded" ]; then
	ko "SYN flood: 1 MiB echo (unloaded ${base:-failed}, flooded ${loaded:-failed})"
elif [ "$still" != yes ]; then
	ko "SYN flood: the flood was over before the echoes were ($(tail -n 2 "$tmp/hping.out" | tr '\n' ' '))"
elif awk -v b="$base" -v l="$loaded" 'BEGIN { exit !(l <= 3 * b) }'; then
	ok "SYN flood: 1 MiB echo in ${loaded} s, unloaded ${base} s (3x allowed)"
else
	ko "SYN flood: 1 MiB echo in ${loaded} s, unloaded ${base} s: more than 3x"
fi
# The flood's half-open connections time out; the echo is served again.
try "after the flood: 1 MiB echoed byte for byte" in_ns "$PY" "$CLIENT" tcp 10.80.0.2 7 1048576

# ---- a burst of connections ----------------------------------------------
if in_ns "$PY" "$CLIENT" burst 10.80.0.2 7 1000 >"$tmp/burst.out" 2>"$tmp/client.err"; then
	ok "burst: $(cat "$tmp/burst.out"), none reset"
else
	ko "burst: 1,000 connects at once"
fi
try "after the burst: 8 connections at once, 128 KiB each" in_ns "$PY" "$CLIENT" tcp 10.80.0.2 7 131072 8

# ---- large datagrams ------------------------------------------------------
try "UDP: a 16,000-byte datagram echoed exactly (IPv4)" in_ns "$PY" "$CLIENT" udpsize 10.80.0.2 7 16000
try "UDP: a 16,000-byte datagram echoed exactly (IPv6)" in_ns "$PY" "$CLIENT" udpsize fd80::2 7 16000
try "UDP: a 65,000-byte datagram echoed exactly (IPv4)" in_ns "$PY" "$CLIENT" udpsize 10.80.0.2 7 65000
bigping() { # ADDR [-6]
	in_ns ping ${2:-} -s 65000 -c 2 -i 0.3 -W 3 "$1" >"$tmp/ping.err" 2>&1 &&
		grep -q "2 received" "$tmp/ping.err"
	pr=$?
	[ $pr -eq 0 ] && rm -f "$tmp/ping.err"
	return $pr
}
try "ping -s 65000 answered (IPv4)" bigping 10.80.0.2
try "ping -s 65000 answered (IPv6)" bigping fd80::2 -6

# net-debug stamps each frame with the wall clock: what came before this
# is the run, what came after the stop.
stop=$(date +%s.%N)
kill -TERM $pids
wait $pids
rc=$?
pids=
if [ $rc -eq 0 ]; then ok "SIGTERM: exit 0"; else ko "SIGTERM: exit $rc"; fi

# ---- what went over the wire ----------------------------------------------
if ! command -v tshark >/dev/null; then
	echo "SKIP: tshark is not installed (pcap not checked)"
elif [ ! -s "$tmp/flood.pcap" ]; then
	ko "net-debug wrote no pcap file"
else
	count() { tshark -r "$tmp/flood.pcap" -Y "$1" 2>/dev/null | wc -l; }
	check() { # NAME FILTER MIN [MAX]
		n=$(count "$2")
		if [ "$n" -ge "$3" ] && [ "$n" -le "${4:-999999999}" ]; then
			ok "pcap: $1 ($n)"
		else
			ko "pcap: $1: $n, expected ${3}${4:+ to $4}"
		fi
	}
	client4="ip.src == 10.80.0.1"
	check "the flood's SYNs from other sources" \
		"tcp.dstport == 7 && tcp.flags.syn == 1 && tcp.flags.ack == 0 && !($client4)" 1000
	check "SYNs of the kernel's clients" \
		"$client4 && tcp.dstport == 7 && tcp.flags.syn == 1 && tcp.flags.ack == 0" 1000
	rst="ip.dst == 10.80.0.1 && tcp.srcport == 7 && tcp.flags.reset == 1"
	check "resets from lwIP to the kernel's clients before the stop" \
		"$rst && frame.time_epoch < $stop" 0 0
	# At the stop lwIP resets what it still holds.  A connection both
	# sides have closed may be there still, waiting for the ACK of lwIP's
	# FIN (the tap's queue, full in the burst, dropped it; lwIP sends the
	# FIN again after its retransmission timeout, seconds): that reset is
	# the stop's, not the burst's.  Any other is a connection cut.
	tshark -r "$tmp/flood.pcap" -Y "tcp.port == 7 && tcp.flags.fin == 1" \
		-T fields -e tcp.stream -e ip.src >"$tmp/fins" 2>/dev/null
	open=$(tshark -r "$tmp/flood.pcap" -Y "$rst" -T fields -e frame.time_epoch \
		-e tcp.stream 2>/dev/null | awk -v s="$stop" -v fins="$tmp/fins" '
		BEGIN { while ((getline l < fins) > 0) { split(l, x, "\t"); fin[x[1], x[2]] = 1 } }
		$1 >= s && !((($2, "10.80.0.1") in fin) && (($2, "10.80.0.2") in fin)) { c++ }
		END { print c + 0 }')
	if [ "$open" -eq 0 ]; then
		ok "pcap: at the stop, resets only to connections both sides had closed"
	else
		ko "pcap: at the stop, $open resets to connections not closed"
	fi
	check "IPv4 fragments to lwIP" "ip.dst == 10.80.0.2 && ip.flags.mf == 1" 40
	check "IPv4 fragments from lwIP" "ip.src == 10.80.0.2 && ip.flags.mf == 1" 40
	check "IPv6 fragments to lwIP" "ipv6.dst == fd80::2 && ipv6.fraghdr.more == 1" 40
	check "IPv6 fragments from lwIP" "ipv6.src == fd80::2 && ipv6.fraghdr.more == 1" 40
	check "ICMP echo replies of 65,000 bytes from lwIP" \
		"ip.src == 10.80.0.2 && icmp.type == 0 && ip.reassembled.length == 65008" 2
	check "ICMPv6 echo replies of 65,000 bytes from lwIP" \
		"ipv6.src == fd80::2 && icmpv6.type == 129 && data.len == 65000" 2
fi

summary
