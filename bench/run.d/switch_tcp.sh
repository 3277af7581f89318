#!/bin/sh
# switch_tcp.sh: iperf3 TCP between two kernel stacks through the switch
# app on net-tap ports, against the same through a Linux bridge over
# veths, in the same run, with the same offloads on both paths:
#   - "offloads": net-tap's offload (virtio-net header: partial
#     checksums and TCP super-frames) against veths with the kernel's
#     default offloads;
#   - "no offloads": net-tap without, against veths with tx, tso and gso
#     off on every end.
# The switch runs in a namespace of its own and makes its two taps there;
# each tap is then moved into a peer namespace (the switch keeps its file
# descriptor), where it gets the peer's address.  The bridge path has
# peer namespaces of its own.  Each repetition runs both paths back to
# back, alternating which goes first; medians; the ratio is switch /
# bridge (target >= 0.80).
#
# Usage: bench/run.d/switch_tcp.sh [--quick] BUILDDIR   (needs root)
set -u

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--quick] BUILDDIR" >&2
	exit 2
fi
b=$(cd "$1" && pwd) || exit 2
for c in ip iperf3 ethtool python3; do
	command -v $c >/dev/null || { echo "switch_tcp.sh: $c is not installed" >&2; exit 2; }
done
if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then
	echo "switch_tcp.sh: needs root and /dev/net/tun (namespaces, taps)" >&2
	exit 2
fi
if [ ! -e "$b/plugins/.libs/net-tap.so" ]; then
	echo "switch_tcp.sh: the net-tap provider is not built" >&2
	exit 2
fi
: "${DEVMGR_PLUGIN_PATH:=$b/plugins/.libs}"
export DEVMGR_PLUGIN_PATH
if [ -x "$b/apps/switch/.libs/switch" ]; then
	switch=$b/apps/switch/.libs/switch
	LD_LIBRARY_PATH=$b/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
else
	switch=$b/apps/switch/switch
fi
if [ $quick = 1 ]; then reps=1; secs=1; else reps=${SWITCH_TCP_REPS:-5}; secs=${SWITCH_TCP_SECS:-3}; fi

P=swt$$
S=${P}s  # the switch
BR=${P}b # the bridge
tmp=$(mktemp -d "${TMPDIR:-/tmp}/switch-tcp.XXXXXX") || exit 2
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for n in "$S" "$BR" "${P}t0" "${P}t1" "${P}v0" "${P}v1"; do
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

fail() {
	echo "switch_tcp.sh: $*" >&2
	exit 2
}

# The bridge path: peers ${P}v0 (10.78.1.1) and ${P}v1 (10.78.1.2).
ip netns add "$BR" || fail "no network namespaces"
ip -n "$BR" link add br0 type bridge && ip -n "$BR" link set br0 up || fail "no bridge"
for i in 0 1; do
	ns=${P}v$i
	ip netns add "$ns" &&
		ip -n "$BR" link add "e$i" type veth peer name eth0 netns "$ns" &&
		ip -n "$BR" link set "e$i" master br0 up &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" addr add "10.78.1.$((i + 1))/24" dev eth0 &&
		ip -n "$ns" link set eth0 up || fail "cannot make the bridge's veths"
done

# start_switch OFFLOAD: the switch on two new taps, moved to the peers
# ${P}t0 (10.78.2.1) and ${P}t1 (10.78.2.2).
start_switch() {
	for n in "$S" "${P}t0" "${P}t1"; do ip netns del "$n" 2>/dev/null; done
	ip netns add "$S" && ip netns add "${P}t0" && ip netns add "${P}t1" ||
		fail "no network namespaces"
	cat >"$tmp/switch.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "log": { "provider": "console-file", "path": "$tmp/console.log" },
    "a": { "provider": "net-tap", "name": "tap0", "offload": $1 },
    "b": { "provider": "net-tap", "name": "tap1", "offload": $1 }
  },
  "app": { "name": "switch", "bind": { "log": "log", "ports": ["a", "b"] } }
}
JSON
	rm -f "$tmp/console.log"
	ip netns exec "$S" "$switch" -q -c "$tmp/switch.json" 2>"$tmp/err" &
	pid=$!
	n=0
	until grep -q "switch: started" "$tmp/console.log" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
			cat "$tmp/console.log" "$tmp/err" >&2
			fail "the switch did not start"
		fi
		sleep 0.1
	done
	for i in 0 1; do
		ns=${P}t$i
		ip -n "$S" link set "tap$i" netns "$ns" &&
			ip -n "$ns" link set "tap$i" name eth0 &&
			ip -n "$ns" link set lo up &&
			ip -n "$ns" addr add "10.78.2.$((i + 1))/24" dev eth0 &&
			ip -n "$ns" link set eth0 up || fail "cannot move the taps"
	done
}

stop_switch() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
}

# veth_offloads on|off: the bridge path's ends, all four
veth_offloads() {
	for i in 0 1; do
		ip netns exec "$BR" ethtool -K "e$i" tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
		ip netns exec "${P}v$i" ethtool -K eth0 tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
	done
}

# iperf PEER-PREFIX SUBNET: one run of $secs s from peer 0 to peer 1;
# prints the bits per second received (0 when nothing passed)
iperf() {
	dst=10.78.$2.2
	ip netns exec "${1}1" iperf3 -s -1 -B "$dst" -p 5302 >"$tmp/srv" 2>&1 &
	spid=$!
	n=0
	until ip netns exec "${1}1" ss -ltn 2>/dev/null | grep -q ':5302 ' || [ $n -ge 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	timeout $((secs + 15)) ip netns exec "${1}0" iperf3 -c "$dst" -p 5302 \
		--connect-timeout 3000 -t "$secs" -J >"$tmp/cli.json" 2>&1
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	python3 -c '
import json, sys
try:
    print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))
except Exception:
    print(0)' "$tmp/cli.json"
}

# reach PEER-PREFIX SUBNET: peer 0 pings peer 1 (ARP, the switch learns)
reach() {
	n=0
	until ip netns exec "${1}0" ping -c 1 -W 1 "10.78.$2.2" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -ge 10 ] && fail "peer ${1}0 cannot reach 10.78.$2.2"
	done
}

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

verdict() {
	awk -v r="$1" 'BEGIN { print (r >= 0.80) ? "OK" : "MISSED" }'
}

for mode in offloads none; do
	if [ $mode = offloads ]; then
		start_switch true
		veth_offloads on
		label="switch net-tap (offload) TCP vs bridge (default offloads)"
	else
		start_switch false
		veth_offloads off
		label="switch net-tap TCP vs bridge (offloads off)"
	fi
	reach "${P}t" 2
	reach "${P}v" 1
	: >"$tmp/sw" && : >"$tmp/br"
	i=0
	while [ $i -lt $reps ]; do
		if [ $((i % 2)) = 0 ]; then
			iperf "${P}t" 2 >>"$tmp/sw" && iperf "${P}v" 1 >>"$tmp/br"
		else
			iperf "${P}v" 1 >>"$tmp/br" && iperf "${P}t" 2 >>"$tmp/sw"
		fi
		i=$((i + 1))
	done
	stop_switch
	s=$(median <"$tmp/sw") r=$(median <"$tmp/br")
	if [ "${s%.*}" -le 0 ] || [ "${r%.*}" -le 0 ]; then
		fail "$label: no data (switch $(tr '\n' ' ' <"$tmp/sw"), bridge $(tr '\n' ' ' <"$tmp/br"))"
	fi
	ratio=$(awk -v s="$s" -v r="$r" 'BEGIN { printf "%.3f", s / r }')
	echo "# $label: switch $(awk -v s="$s" 'BEGIN { printf "%.2f", s / 1e9 }') Gbit/s," \
		"bridge $(awk -v r="$r" 'BEGIN { printf "%.2f", r / 1e9 }') Gbit/s," \
		"medians of $reps x ${secs}s; switch runs: $(tr '\n' ' ' <"$tmp/sw")"
	echo "$label: $ratio (target >= 0.80) $(verdict "$ratio")"
done
