#!/bin/sh
# lwip_mss.sh: stack-lwip's segment sizes, inside a network namespace made
# here (the tap's kernel side is 10.79.0.1/24, lwIP is 10.79.0.2; nothing
# leaves the namespace).  Kernel clients that ask for an MSS of 88, 300
# and 536 (and, through an nftables rewrite of its SYN, of 1) have 1 MiB
# echoed byte for byte, and while such a client does
# not read (its window closed, lwIP's send queue full of small segments)
# devmgr sleeps instead of spinning.  On a 9000-byte MTU lwIP advertises
# an MSS of 8960 and echoes 1 MiB in jumbo frames.
set -u

. "${top_srcdir:?}/tests/stack/lib.sh"
need_netns
stack_init lwip_mss
TAP="mss$$"
ns_tap "mss$$" "$TAP" 10.79.0.1/24

# start MTU: devmgr with echo on stack-lwip, through net-debug's pcap.
start() {
	cat >"$tmp/echo.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "tap": { "provider": "net-tap", "name": "$TAP", "mac": "02:79:00:00:00:02",
             "mtu": $1 },
    "dbg": { "provider": "net-debug", "on": "tap", "pcap": "mtu$1.pcap" },
    "net": { "provider": "stack-lwip", "on": "dbg", "address": "10.79.0.2" } },
  "app": { "name": "echo", "bind": { "net": "net" }, "args": { "port": 7 } } }
JSON
	in_ns ip neigh flush dev "$TAP"
	ip netns exec "$NS" "$DEVMGR" run -v -c "$tmp/echo.json" \
		>"$tmp/echo.out" 2>"$tmp/echo.err" &
	pids="$!"
	try "MTU $1: echo accepts a kernel TCP connection" in_ns "$PY" "$CLIENT" wait 10.79.0.2 7 10
}
stop() {
	kill -TERM $pids
	wait $pids
	pids=
}

start 1500
for mss in 88 300 536; do
	try "MSS $mss: 1 MiB echoed byte for byte" \
		in_ns env ECHO_MSS=$mss "$PY" "$CLIENT" tcp 10.79.0.2 7 1048576
	# ip netns exec, and libtool's wrapper, exec devmgr in the same pid
	if in_ns env ECHO_MSS=$mss ECHO_CPU_PID="$pids" \
		"$PY" "$CLIENT" stall 10.79.0.2 7 67108864 >"$tmp/stall.out" 2>"$tmp/client.err"; then
		ok "MSS $mss: window closed, devmgr idle ($(cat "$tmp/stall.out"))"
	else
		ko "MSS $mss: stall"
	fi
done
# MSS 1: the kernel refuses TCP_MAXSEG below 88, so nftables rewrites
# the client's SYN to offer 1 (the option's value, as a peer may send
# it); lwIP then sends 1-byte segments.
if command -v nft >/dev/null && in_ns nft -f - <<'NFT'
table ip mss1 {
	chain out {
		type filter hook output priority mangle;
		ip daddr 10.79.0.2 tcp dport 7 tcp flags syn tcp option maxseg size set 1
	}
}
NFT
then
	try "MSS 1: 1 MiB echoed byte for byte" \
		in_ns timeout 300 "$PY" "$CLIENT" tcp 10.79.0.2 7 1048576
	# small client buffers: what stalls is echoed back a byte a segment
	if in_ns env ECHO_BUF=16384 ECHO_CPU_PID="$pids" timeout 300 \
		"$PY" "$CLIENT" stall 10.79.0.2 7 67108864 >"$tmp/stall.out" 2>"$tmp/client.err"; then
		ok "MSS 1: window closed, devmgr idle ($(cat "$tmp/stall.out"))"
	else
		ko "MSS 1: stall"
	fi
	in_ns nft delete table ip mss1
else
	ko "MSS 1: nftables cannot rewrite the SYN's MSS option (nft missing?)"
fi
stop
if command -v tshark >/dev/null; then
	n=$(tshark -r "$tmp/mtu1500.pcap" -Y "tcp.srcport == 7 && tcp.len == 1" 2>/dev/null | wc -l)
	if [ "$n" -ge 100000 ]; then ok "pcap: $n segments of 1 byte from lwIP"; else ko "pcap: $n segments of 1 byte from lwIP"; fi
	for mss in 88 300 536; do
		n=$(tshark -r "$tmp/mtu1500.pcap" -Y "tcp.srcport == 7 && tcp.len == $mss" 2>/dev/null | wc -l)
		if [ "$n" -ge 100 ]; then ok "pcap: $n segments of $mss bytes from lwIP"; else ko "pcap: $n segments of $mss bytes from lwIP"; fi
	done
fi

start 9000
try "MTU 9000: 1 MiB echoed byte for byte" in_ns "$PY" "$CLIENT" tcp 10.79.0.2 7 1048576
stop
if command -v tshark >/dev/null; then
	f="$tmp/mtu9000.pcap"
	n=$(tshark -r "$f" -Y "tcp.srcport == 7 && tcp.flags.syn == 1 && tcp.options.mss_val == 8960" 2>/dev/null | wc -l)
	if [ "$n" -ge 1 ]; then ok "pcap: lwIP advertises MSS 8960 on MTU 9000"; else ko "pcap: no SYN-ACK with MSS 8960"; fi
	n=$(tshark -r "$f" -Y "tcp.srcport == 7 && tcp.len > 1460" 2>/dev/null | wc -l)
	if [ "$n" -ge 50 ]; then ok "pcap: $n jumbo segments from lwIP"; else ko "pcap: $n jumbo segments from lwIP"; fi
fi

summary
