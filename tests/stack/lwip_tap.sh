#!/bin/sh
# lwip_tap.sh: the echo app on stack-lwip over net-tap, inside a network
# namespace made here (the tap's kernel side is 10.78.0.1/24, lwIP is
# 10.78.0.2; nothing leaves the namespace).  The kernel's ping gets
# replies from lwIP, a kernel TCP client has 1 MiB echoed byte for byte
# (and 8 connections at once), UDP datagrams come back exact, and the
# same over IPv6 (fd78::2).  Then the
# same through net-debug with 5% loss and reordering, and tshark reads
# the pcap file that net-debug wrote.  Last, net-tap's offloads: TCP
# super-frames both ways, through net-debug, then through its faults.
set -u

. "${top_srcdir:?}/tests/stack/lib.sh"
KO_FILES="*.err *.out"
need_netns
command -v ping >/dev/null || skip "ping (iputils-ping) is not installed"
stack_init lwip_tap
TAP="stk$$"
ns_tap "stack$$" "$TAP" 10.78.0.1/24 fd78::1/64

cat >"$tmp/echo.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "tap": { "provider": "net-tap", "name": "$TAP", "mac": "02:78:00:00:00:02" },
    "net": { "provider": "stack-lwip", "on": "tap", "address": "10.78.0.2",
             "netmask": "255.255.255.0", "gateway": "10.78.0.1",
             "ipv6": "fd78::2" } },
  "app": { "name": "echo", "bind": { "net": "net" },
           "args": { "port": 7, "ipv6": true } } }
JSON
ip netns exec "$NS" "$DEVMGR" run -v -c "$tmp/echo.json" >"$tmp/echo.out" 2>"$tmp/echo.err" &
pids="$!"

try "echo on stack-lwip accepts a kernel TCP connection" in_ns "$PY" "$CLIENT" wait 10.78.0.2 7 10
try "the kernel's ping gets 3 replies from lwIP" pings 3 10.78.0.2
if in_ns ip neigh show 10.78.0.2 dev "$TAP" | grep -q "02:78:00:00:00:02"; then
	ok "the kernel learnt lwIP's MAC through ARP"
else
	ko "ARP: $(in_ns ip neigh show)"
fi
try "kernel TCP client: 1 MiB echoed byte for byte" in_ns "$PY" "$CLIENT" tcp 10.78.0.2 7 1048576
try "8 kernel TCP connections at once, 128 KiB each" in_ns "$PY" "$CLIENT" tcp 10.78.0.2 7 131072 8
if in_ns "$PY" "$CLIENT" stall 10.78.0.2 7 67108864 >"$tmp/stall.out" 2>"$tmp/client.err"; then
	ok "back-pressure: lwIP's window closes on a client that does not read ($(cat "$tmp/stall.out"))"
else
	ko "back-pressure through lwIP"
fi
rm -f "$tmp/stall.out"
try "100 UDP datagrams echoed exactly" in_ns "$PY" "$CLIENT" udp 10.78.0.2 7 100
try "IPv6: the kernel's ping gets replies from lwIP's fd78::2" pings 2 fd78::2 -6
try "IPv6: 256 KiB echoed byte for byte over TCP" in_ns "$PY" "$CLIENT" tcp fd78::2 7 262144
try "IPv6: 20 UDP datagrams echoed exactly" in_ns "$PY" "$CLIENT" udp fd78::2 7 20
# A closed port answers with a reset: the kernel client is refused at once.
if in_ns "$PY" -c 'import socket,sys
try:
    socket.create_connection(("10.78.0.2", 9), timeout=5)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)' 2>"$tmp/client.err"; then
	ok "a closed lwIP port refuses the connection"
else
	ko "a closed lwIP port refuses the connection"
fi
kill -TERM $pids
wait $pids
rc=$?
pids=
if [ $rc -eq 0 ]; then ok "SIGTERM: exit 0"; else ko "SIGTERM: exit $rc"; fi
rm -f "$tmp"/*.err "$tmp"/*.out

# The same through net-debug: 5% loss and 5% reordering both ways, every
# frame recorded in a pcap file that tshark then reads.
cat >"$tmp/debug.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "tap": { "provider": "net-tap", "name": "$TAP", "mac": "02:78:00:00:00:02" },
    "dbg": { "provider": "net-debug", "on": "tap", "pcap": "trace.pcap",
             "loss": "5%", "reorder": "5%", "seed": 5 },
    "net": { "provider": "stack-lwip", "on": "dbg", "address": "10.78.0.2" } },
  "app": { "name": "echo", "bind": { "net": "net" }, "args": { "port": 7 } } }
JSON
# The kernel forgets lwIP's MAC, so that ARP crosses net-debug again.
in_ns ip neigh flush dev "$TAP"
ip netns exec "$NS" "$DEVMGR" run -v -c "$tmp/debug.json" >"$tmp/debug.out" 2>"$tmp/debug.err" &
pids="$!"
if in_ns "$PY" "$CLIENT" wait 10.78.0.2 7 10 2>"$tmp/client.err"; then
	ok "net-debug: echo accepts a kernel TCP connection"
else
	ko "net-debug: echo accepts a kernel TCP connection"
fi
# With 5% loss each way, most of 20 pings come back.
in_ns ping -c 20 -i 0.05 -W 1 10.78.0.2 >"$tmp/ping.out" 2>&1
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/ping.out")
if [ "${got:-0}" -ge 12 ]; then
	ok "net-debug: $got of 20 pings answered through 5% loss"
else
	ko "net-debug: ${got:-0} of 20 pings answered"
fi
rm -f "$tmp/ping.out"
if in_ns "$PY" "$CLIENT" tcp 10.78.0.2 7 1048576 2>"$tmp/client.err"; then
	ok "net-debug: 1 MiB echoed byte for byte through 5% loss and reordering"
else
	ko "net-debug: 1 MiB through 5% loss and reordering"
fi
# More handshakes, for the initial sequence numbers below.
for i in 1 2 3 4 5 6; do
	in_ns "$PY" "$CLIENT" wait 10.78.0.2 7 10 2>"$tmp/client.err" ||
		ko "net-debug: connection $i for the sequence numbers"
done
kill -TERM $pids
wait $pids
pids=

# tshark finds what crossed net-debug: ICMP both ways, the TCP handshake,
# the echo's data both ways, and the retransmissions the losses caused.
if ! command -v tshark >/dev/null; then
	echo "SKIP: tshark is not installed (pcap not checked)"
elif [ ! -s "$tmp/trace.pcap" ]; then
	ko "net-debug wrote no pcap file"
else
	count() { tshark -r "$tmp/trace.pcap" -Y "$1" 2>/dev/null | wc -l; }
	check() { # NAME FILTER MIN
		n=$(count "$2")
		if [ "$n" -ge "$3" ]; then ok "pcap: $1 ($n)"; else ko "pcap: $1: $n, expected $3 or more"; fi
	}
	check "ICMP echo requests to lwIP" "icmp.type == 8 && ip.dst == 10.78.0.2" 12
	check "ICMP echo replies from lwIP" "icmp.type == 0 && ip.src == 10.78.0.2" 10
	# lwIP may announce itself (gratuitous ARP) or ask for the kernel's
	# MAC before the kernel asks for its own: the kernel then learns it
	# from that request and never needs a reply.  Either way ARP from
	# lwIP's MAC crossed net-debug.
	check "ARP from lwIP's MAC" "arp && arp.src.hw_mac == 02:78:00:00:00:02" 1
	check "TCP SYN to port 7" "tcp.dstport == 7 && tcp.flags.syn == 1 && tcp.flags.ack == 0" 2
	check "TCP SYN-ACK from lwIP" "tcp.srcport == 7 && tcp.flags.syn == 1 && tcp.flags.ack == 1" 2
	check "TCP data segments to lwIP" "tcp.dstport == 7 && tcp.len > 0" 700
	check "TCP data segments from lwIP" "tcp.srcport == 7 && tcp.len > 0" 700
	check "TCP retransmissions (the losses)" "tcp.analysis.retransmission" 1
	check "FIN from lwIP" "tcp.srcport == 7 && tcp.flags.fin == 1" 1
	# lwIP's own build: a window scaled by 2^5 (1 MiB), the MSS of the
	# tap's MTU of 1500, and a window beyond 16 bits once data flows.
	synack="tcp.srcport == 7 && tcp.flags.syn == 1 && tcp.flags.ack == 1"
	check "SYN-ACK from lwIP with window scale 5" "$synack && tcp.options.wscale.shift == 5" 8
	check "SYN-ACK from lwIP with MSS 1460 (MTU 1500)" "$synack && tcp.options.mss_val == 1460" 8
	check "lwIP advertises a window above 64 KiB" "tcp.srcport == 7 && tcp.window_size > 65535" 1
	# RFC 6528: each connection's ISN is its own, not a small step from
	# the one before (lwIP's stock ISN adds its tick count).
	tshark -r "$tmp/trace.pcap" -Y "$synack" -T fields -e tcp.stream \
		-e tcp.seq_raw 2>/dev/null | sort -un -k1,1 >"$tmp/isn.out"
	if awk 'BEGIN { n = 0; bad = 0 }
		{ isn[n++] = $2; seen[$2]++ }
		END {
			for (i = 1; i < n; i++) {
				d = (isn[i] - isn[i - 1] + 4294967296) % 4294967296
				if (d < 65536 || d > 4294967296 - 65536) bad++
			}
			for (v in seen) if (seen[v] > 1) bad++
			exit !(n >= 8 && bad == 0)
		}' "$tmp/isn.out"; then
		ok "pcap: $(wc -l <"$tmp/isn.out") ISNs from lwIP, distinct and far apart"
	else
		ko "pcap: ISNs from lwIP: $(tr '\n' ' ' <"$tmp/isn.out")"
	fi
fi

# net-tap with offload (virtio-net header): the kernel hands lwIP TCP
# super-frames and stack-lwip joins its segments into super-frames that
# the kernel cuts again.  net-debug sits between them, so the pcap file
# shows the super-frames both ways, and the tap's own counters (the
# kernel's side: rx is what devmgr sent) show far fewer frames than the
# 718 that 1 MiB takes at an MSS of 1460.
cat >"$tmp/offload.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "tap": { "provider": "net-tap", "name": "$TAP", "mac": "02:78:00:00:00:02",
             "offload": true },
    "dbg": { "provider": "net-debug", "on": "tap", "pcap": "offload.pcap" },
    "net": { "provider": "stack-lwip", "on": "dbg", "address": "10.78.0.2",
             "ipv6": "fd78::2" } },
  "app": { "name": "echo", "bind": { "net": "net" },
           "args": { "port": 7, "ipv6": true } } }
JSON
rm -f "$tmp"/*.err "$tmp"/*.out
ip netns exec "$NS" "$DEVMGR" run -v -c "$tmp/offload.json" >"$tmp/offload.out" 2>"$tmp/offload.err" &
pids="$!"
counter() { in_ns cat "/sys/class/net/$TAP/statistics/$1"; }
try "offload: echo accepts a kernel TCP connection" in_ns "$PY" "$CLIENT" wait 10.78.0.2 7 10
rx0=$(counter rx_packets) tx0=$(counter tx_packets)
try "offload: 1 MiB echoed byte for byte" in_ns "$PY" "$CLIENT" tcp 10.78.0.2 7 1048576
rx=$(($(counter rx_packets) - rx0)) tx=$(($(counter tx_packets) - tx0))
if [ "$rx" -lt 360 ] && [ "$tx" -lt 360 ]; then
	ok "offload: 1 MiB both ways in $tx frames to lwIP and $rx from it"
else
	ko "offload: $tx frames to lwIP and $rx from it, expected fewer than 360 each"
fi
try "offload: 8 connections at once, 128 KiB each" in_ns "$PY" "$CLIENT" tcp 10.78.0.2 7 131072 8
try "offload: IPv6: 256 KiB echoed byte for byte" in_ns "$PY" "$CLIENT" tcp fd78::2 7 262144
try "offload: 100 UDP datagrams echoed exactly" in_ns "$PY" "$CLIENT" udp 10.78.0.2 7 100
try "offload: the kernel's ping gets 2 replies" pings 2 10.78.0.2
kill -TERM $pids
wait $pids
rc=$?
pids=
if [ $rc -eq 0 ]; then ok "offload: SIGTERM: exit 0"; else ko "offload: SIGTERM: exit $rc"; fi
if command -v tshark >/dev/null && [ -s "$tmp/offload.pcap" ]; then
	big() { tshark -r "$tmp/offload.pcap" -Y "frame.len > 1514 && $1" 2>/dev/null | wc -l; }
	n=$(big "ip.dst == 10.78.0.2 && tcp.dstport == 7")
	if [ "$n" -ge 1 ]; then ok "pcap: $n TCP super-frames to lwIP (LRO)"; else ko "pcap: no TCP super-frame to lwIP"; fi
	n=$(big "ip.src == 10.78.0.2 && tcp.srcport == 7")
	if [ "$n" -ge 1 ]; then ok "pcap: $n TCP super-frames from lwIP (TSO)"; else ko "pcap: no TCP super-frame from lwIP"; fi
	n=$(big "ipv6.dst == fd78::2 && tcp.dstport == 7")
	if [ "$n" -ge 1 ]; then ok "pcap: $n IPv6 TCP super-frames to lwIP"; else ko "pcap: no IPv6 TCP super-frame to lwIP"; fi
	n=$(big "ipv6.src == fd78::2 && tcp.srcport == 7")
	if [ "$n" -ge 1 ]; then ok "pcap: $n IPv6 TCP super-frames from lwIP"; else ko "pcap: no IPv6 TCP super-frame from lwIP"; fi
	# lwIP's super-frames carry the pseudo-header sum for the kernel to
	# finish; every other TCP checksum (net-tap finishes the kernel's
	# before lwIP sees them) must verify.
	sums() { tshark -r "$tmp/offload.pcap" -o tcp.check_checksum:TRUE -Y "tcp.checksum.status == $1 && !(frame.len > 1514 && tcp.srcport == 7)" 2>/dev/null | wc -l; }
	bad=$(sums 0) good=$(sums 1)
	if [ "$bad" -eq 0 ] && [ "$good" -ge 100 ]; then
		ok "pcap: $good TCP checksums verified, none bad"
	else
		ko "pcap: $bad bad TCP checksums, $good good"
	fi
elif command -v tshark >/dev/null; then
	ko "offload: net-debug wrote no pcap file"
fi

# Offload through 5% loss and reordering: a lost super-frame is up to
# 64 KiB that TCP must send again.
sed -e 's/"pcap": "offload.pcap"/"loss": "5%", "reorder": "5%", "seed": 9/' \
	"$tmp/offload.json" >"$tmp/lossy.json"
ip netns exec "$NS" "$DEVMGR" run -v -c "$tmp/lossy.json" >"$tmp/lossy.out" 2>"$tmp/lossy.err" &
pids="$!"
try "offload, 5% loss: echo accepts a kernel TCP connection" in_ns "$PY" "$CLIENT" wait 10.78.0.2 7 10
try "offload, 5% loss and reordering: 1 MiB echoed byte for byte" in_ns "$PY" "$CLIENT" tcp 10.78.0.2 7 1048576
kill -TERM $pids
wait $pids
pids=

summary
