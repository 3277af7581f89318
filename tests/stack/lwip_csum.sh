#!/bin/sh
# lwip_csum.sh: stack-lwip leaving TCP and UDP checksums to net-tap's
# checksum offload, inside a network namespace made here (the tap's
# kernel side is 10.81.0.1/24 and fd81::1/64, lwIP is 10.81.0.2 and
# fd81::2; nothing leaves the namespace).  With net-tap's `offload` and
# stack-lwip's default csum_offload, then with csum_offload=false: kernel
# TCP and UDP clients have their data echoed (IPv4 and IPv6, and UDP
# datagrams that leave in fragments); the kernel drops a TCP or UDP packet
# whose sum is wrong, so the echo proves lwIP's frames right once the
# kernel finished them.  tshark, capturing on the tap's kernel side,
# shows what net.h promises: with the offload every whole TCP and UDP
# packet from lwIP holds the pseudo-header sum and its fragmented
# datagrams a full UDP sum; without it every sum verifies.  Last, hping3
# sends packets with a wrong sum: lwIP drops them over a tap without
# offload (it checks them itself) and over the offload (net-tap checks
# what the kernel did not), and answers the same packets with good sums.
set -u

. "${top_srcdir:?}/tests/stack/lib.sh"
KO_FILES="*.err"
need_netns
command -v tshark >/dev/null || skip "tshark is not installed"
stack_init lwip_csum
TAP="cks$$"
ns_tap "csum$$" "$TAP" 10.81.0.1/24 fd81::1/64
PCAP_CSUM="$top_srcdir/tests/stack/pcap_csum.py"

# start NAME TAP_PARAMS LWIP_PARAMS: echo on stack-lwip on net-tap, and
# tshark capturing the tap's kernel side into NAME.pcap.
start() {
	cat >"$tmp/$1.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "tap": { "provider": "net-tap", "name": "$TAP", "mac": "02:81:00:00:00:02"$2 },
    "net": { "provider": "stack-lwip", "on": "tap", "address": "10.81.0.2",
             "ipv6": "fd81::2"$3 } },
  "app": { "name": "echo", "bind": { "net": "net" },
           "args": { "port": 7, "ipv6": true } } }
JSON
	in_ns ip neigh flush dev "$TAP"
	# ip netns exec execs tshark in the same pid (a function in the
	# background would be a subshell, and the signal would miss tshark)
	ip netns exec "$NS" tshark -i "$TAP" -w "$tmp/$1.pcap" >/dev/null 2>"$tmp/tshark.log" &
	tshark_pid=$!
	pids="$tshark_pid"
	i=0
	until grep -q "Capturing on" "$tmp/tshark.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || break
		sleep 0.1
	done
	ip netns exec "$NS" "$DEVMGR" run -v -c "$tmp/$1.json" >/dev/null 2>"$tmp/$1.err" &
	devmgr_pid=$!
	pids="$pids $devmgr_pid"
	try "$1: echo accepts a kernel TCP connection" in_ns "$PY" "$CLIENT" wait 10.81.0.2 7 10
}

# stop NAME: devmgr ends on SIGTERM; the capture is flushed.
stop() {
	kill -TERM "$devmgr_pid"
	wait "$devmgr_pid"
	rc=$?
	if [ $rc -eq 0 ]; then ok "$1: SIGTERM: exit 0"; else ko "$1: SIGTERM: exit $rc"; fi
	sleep 0.5
	kill -TERM "$tshark_pid"
	wait "$tshark_pid"
	pids=
}

traffic() {
	try "$1: 1 MiB echoed byte for byte over TCP" in_ns "$PY" "$CLIENT" tcp 10.81.0.2 7 1048576
	try "$1: 4 TCP connections at once, 128 KiB each" in_ns "$PY" "$CLIENT" tcp 10.81.0.2 7 131072 4
	try "$1: 100 UDP datagrams echoed exactly" in_ns "$PY" "$CLIENT" udp 10.81.0.2 7 100
	try "$1: a 16,000-byte UDP datagram (fragments) echoed exactly" in_ns "$PY" "$CLIENT" udpsize 10.81.0.2 7 16000
	try "$1: IPv6: 256 KiB echoed byte for byte over TCP" in_ns "$PY" "$CLIENT" tcp fd81::2 7 262144
	try "$1: IPv6: 20 UDP datagrams echoed exactly" in_ns "$PY" "$CLIENT" udp fd81::2 7 20
	try "$1: IPv6: a 16,000-byte UDP datagram (fragments) echoed exactly" in_ns "$PY" "$CLIENT" udpsize fd81::2 7 16000
	try "$1: the kernel's ping gets 2 replies" pings 2 10.81.0.2
}

from_lwip="(ip.src == 10.81.0.2 || ipv6.src == fd81::2)"
whole="!(ip.flags.mf == 1 || ip.frag_offset > 0) && !ipv6.fraghdr"
# sums PCAP FILTER: "PSEUDO OTHER" of lwIP's whole TCP and UDP packets
sums() {
	tshark -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-Y "$from_lwip && (tcp || udp) && $whole && $2" -T fields \
		-e frame.len -e ip.src -e ip.dst -e ip.hdr_len -e ip.len \
		-e ipv6.src -e ipv6.dst -e ipv6.plen -e tcp.checksum \
		-e udp.checksum 2>/dev/null | "$PY" "$PCAP_CSUM"
}
# count PCAP FILTER: packets tshark shows, their sums checked
count() {
	tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y "$2" 2>/dev/null | wc -l
}

# net-tap's offload, stack-lwip's csum_offload at its default (true).
start offload ', "offload": true' ''
traffic offload
stop offload
pc="$tmp/offload.pcap"
set -- $(sums "$pc" tcp)
if [ "$1" -ge 100 ] && [ "$2" -eq 0 ]; then
	ok "offload: pcap: $1 TCP packets from lwIP hold the pseudo-header sum, none anything else"
else
	ko "offload: pcap: $1 TCP packets from lwIP hold the pseudo-header sum, $2 something else"
fi
set -- $(sums "$pc" udp)
if [ "$1" -ge 120 ] && [ "$2" -eq 0 ]; then
	ok "offload: pcap: $1 UDP packets from lwIP hold the pseudo-header sum, none anything else"
else
	ko "offload: pcap: $1 UDP packets from lwIP hold the pseudo-header sum, $2 something else"
fi
n=$(count "$pc" "$from_lwip && udp && udp.checksum.status == 1 && (ip.frag_offset > 0 || ipv6.fraghdr)")
bad=$(count "$pc" "$from_lwip && udp && udp.checksum.status == 0 && (ip.frag_offset > 0 || ipv6.fraghdr)")
if [ "$n" -ge 2 ] && [ "$bad" -eq 0 ]; then
	ok "offload: pcap: lwIP's $n fragmented UDP datagrams carry a full, good sum"
else
	ko "offload: pcap: lwIP's fragmented UDP datagrams: $n good sums, $bad bad"
fi
n=$(count "$pc" "$from_lwip && (icmp || icmpv6) && (icmp.checksum.status == 1 || icmpv6.checksum.status == 1)")
if [ "$n" -ge 2 ]; then ok "offload: pcap: lwIP's ICMP sums are its own ($n good)"; else ko "offload: pcap: $n good ICMP sums from lwIP"; fi

# The same with csum_offload=false: lwIP makes every sum.
start nocsum ', "offload": true' ', "csum_offload": false'
traffic nocsum
stop nocsum
pc="$tmp/nocsum.pcap"
small="frame.len <= 1514"
good=$(count "$pc" "$from_lwip && $small && ((tcp && tcp.checksum.status == 1) || (udp && udp.checksum.status == 1))")
bad=$(count "$pc" "$from_lwip && $small && ((tcp && tcp.checksum.status == 0) || (udp && udp.checksum.status == 0))")
if [ "$good" -ge 150 ] && [ "$bad" -eq 0 ]; then
	ok "nocsum: pcap: $good TCP and UDP sums from lwIP verify, none bad"
else
	ko "nocsum: pcap: $good TCP and UDP sums from lwIP verify, $bad bad"
fi
set -- $(sums "$pc" "$small")
if [ "$1" -eq 0 ]; then ok "nocsum: pcap: no packet from lwIP holds a pseudo-header sum"; else ko "nocsum: pcap: $1 packets from lwIP hold a pseudo-header sum"; fi

# hping3: 3 UDP datagrams and 3 TCP SYNs to port 7 with wrong sums, then
# the same with right ones, on each kind of tap; lwIP's answers counted
# in the capture (the replies go to hping3's ports, which the kernel
# answers with ICMP or a reset: only lwIP's replies matter).
if ! command -v hping3 >/dev/null; then
	echo "SKIP: hping3 is not installed (wrong sums not sent)"
	summary
	exit
fi
hp() { # NAME ARGS: 3 probes from hping3
	in_ns hping3 -q -c 3 -i u100000 "$@" 10.81.0.2 >/dev/null 2>>"$tmp/hping.err"
}
bad_sums() { # NAME: the probes, then what lwIP answered to each kind
	hp --udp -p 7 -s 4000 -d 32 -b
	hp -S -p 7 -s 5000 -b
	hp --udp -p 7 -s 6000 -d 32
	hp -S -p 7 -s 7000
	sleep 0.5
}
answered() { # PCAP PORT-LOW PORT-HIGH PROTO
	count "$1" "ip.src == 10.81.0.2 && $4.srcport == 7 && $4.dstport >= $2 && $4.dstport < $3"
}
check_drops() { # NAME
	pc="$tmp/$1.pcap"
	u_bad=$(answered "$pc" 4000 4100 udp) t_bad=$(answered "$pc" 5000 5100 tcp)
	u_ok=$(answered "$pc" 6000 6100 udp) t_ok=$(answered "$pc" 7000 7100 tcp)
	if [ "$u_bad" -eq 0 ] && [ "$u_ok" -ge 3 ]; then
		ok "$1: UDP with a wrong sum dropped, with a right one echoed ($u_ok)"
	else
		ko "$1: UDP answers: $u_bad to wrong sums, $u_ok to right ones"
	fi
	if [ "$t_bad" -eq 0 ] && [ "$t_ok" -ge 3 ]; then
		ok "$1: a TCP SYN with a wrong sum dropped, with a right one answered ($t_ok)"
	else
		ko "$1: TCP answers: $t_bad to wrong sums, $t_ok to right ones"
	fi
}
# A tap without offload offers no CSUM_RX: lwIP checks every sum.
start plain '' ''
bad_sums
stop plain
check_drops plain
# With the offload on, net-tap checks what the kernel did not verify.
start offload-rx ', "offload": true' ''
bad_sums
stop offload-rx
check_drops offload-rx
summary
