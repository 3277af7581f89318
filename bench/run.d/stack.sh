#!/bin/sh
# stack.sh [--quick] BUILDDIR: TCP echo throughput of the stack providers,
# each against the raw system path in the same run (bench/run.d/README).
#
#  1. The echo app on net-socket (127.0.0.1) against stack_echo_plain, the
#     same echo on plain sockets and epoll: bench/stack_client sends
#     256 MiB on one connection while reading the echo back.  Runs
#     alternate between the two servers; the figure is the ratio of the
#     medians (target >= 0.90).
#  2. The echo app on stack-lwip over net-tap, inside a network namespace
#     made here, against stack_echo_plain on the kernel's TCP across a
#     veth pair between two namespaces made here: 64 MiB each way (target
#     >= 0.90; it needs root and skips without).  net-tap has its
#     offloads on (TCP super-frames both ways, as veth has GSO and GRO)
#     and stack-lwip leaves TCP checksums to it (csum_offload, its
#     default); the same with csum_offload=false is held to the same
#     target, and the same without net-tap's offloads is reported too.
#     The four servers' runs alternate.
#  3. The same stack-lwip echo during a random-source SYN flood from
#     hping3 into the tap (bounded: a count and a timeout per run)
#     against the unloaded echo, runs alternating: the ratio of the
#     medians' throughputs, the inverse of the echo's slowdown (target
#     >= 0.33, at most 3x slower; skipped without hping3).
# --quick: 16 MiB and 4 MiB, 3 runs each (the flood: 1 MiB, 3 runs).
set -u
quick=
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
b=${1:?usage: stack.sh [--quick] BUILDDIR}
b=$(cd "$b" && pwd) || exit 2
CLIENT=$b/bench/stack_client
PLAIN=$b/bench/stack_echo_plain
ECHO=$b/apps/echo/echo
DEVMGR=$b/apps/devmgr/devmgr
export DEVMGR_PLUGIN_PATH="$b/plugins/.libs"
for f in "$CLIENT" "$PLAIN" "$ECHO" "$DEVMGR"; do
	[ -x "$f" ] || { echo "stack.sh: $f is not built (make bench)" >&2; exit 2; }
done
if [ -n "$quick" ]; then
	sock_bytes=$((16 << 20)) lwip_bytes=$((4 << 20)) reps=3
else
	sock_bytes=$((256 << 20)) lwip_bytes=$((64 << 20)) reps=7
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stack-bench.XXXXXX") || exit 2
pids= nss=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in $nss; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() { # COMMAND...: retried until it succeeds (5 s at most)
	i=0
	until "$@" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}
# verdict NAME DEVMGR RAW UNIT TARGET
verdict() {
	awk -v n="$1" -v d="$2" -v r="$3" -v u="$4" -v t="$5" 'BEGIN {
		ratio = d / r
		printf "%s: devmgr %.0f %s, raw %.0f %s, ratio %.3f (target >= %.2f) %s\n",
			n, d, u, r, u, ratio, t, (ratio >= t ? "OK" : "MISSED") }'
}

# ---- 1. net-socket against plain sockets, over loopback ---------------
p1=$(free_port)
p2=$(free_port)
cat >"$tmp/sock.json" <<JSON
{ "devmgr": 1,
  "devices": { "net": { "provider": "net-socket", "address": "127.0.0.1" } },
  "app": { "name": "echo", "bind": { "net": "net" }, "args": { "port": $p1, "udp": false } } }
JSON
"$ECHO" -q -c "$tmp/sock.json" >/dev/null 2>"$tmp/echo.err" &
pids="$pids $!"
"$PLAIN" 127.0.0.1 "$p2" >/dev/null &
pids="$pids $!"
wait_port "$CLIENT" 127.0.0.1 "$p1" 1 >/dev/null || { echo "stack.sh: echo on net-socket did not start: $(cat "$tmp/echo.err")" >&2; exit 2; }
wait_port "$CLIENT" 127.0.0.1 "$p2" 1 >/dev/null || { echo "stack.sh: stack_echo_plain did not start" >&2; exit 2; }
: >"$tmp/d" ; : >"$tmp/r"
i=0
while [ $i -lt $reps ]; do
	if [ $((i % 2)) = 0 ]; then
		"$CLIENT" 127.0.0.1 "$p1" $sock_bytes >>"$tmp/d" || exit 2
		"$CLIENT" 127.0.0.1 "$p2" $sock_bytes >>"$tmp/r" || exit 2
	else
		"$CLIENT" 127.0.0.1 "$p2" $sock_bytes >>"$tmp/r" || exit 2
		"$CLIENT" 127.0.0.1 "$p1" $sock_bytes >>"$tmp/d" || exit 2
	fi
	i=$((i + 1))
done
for p in $pids; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
pids=
echo "net-socket echo runs (MB/s): $(tr '\n' ' ' <"$tmp/d")/ plain: $(tr '\n' ' ' <"$tmp/r")" >&2
verdict "stack net-socket TCP echo $((sock_bytes >> 20)) MiB" \
	"$(median <"$tmp/d")" "$(median <"$tmp/r")" MB/s 0.90

# ---- 2. stack-lwip over net-tap against the kernel over veth ----------
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || [ ! -c /dev/net/tun ]; then
	echo "stack-lwip TCP echo: skipped (needs root, ip and /dev/net/tun) INFO"
	exit 0
fi
L="stackbl$$" A="stackba$$" B="stackbb$$"
for n in $L $A $B; do ip netns add "$n" || exit 2; nss="$nss $n"; ip -n "$n" link set lo up; done
ip -n "$L" tuntap add dev "stkb$$" mode tap
ip -n "$L" addr add 10.81.0.1/24 dev "stkb$$"
ip -n "$L" link set "stkb$$" up
ip -n "$L" tuntap add dev "stkc$$" mode tap
ip -n "$L" addr add 10.83.0.1/24 dev "stkc$$"
ip -n "$L" link set "stkc$$" up
ip -n "$L" tuntap add dev "stkd$$" mode tap
ip -n "$L" addr add 10.84.0.1/24 dev "stkd$$"
ip -n "$L" link set "stkd$$" up
ip link add "stkva$$" type veth peer name "stkvb$$" || exit 2
ip link set "stkva$$" netns "$A"
ip link set "stkvb$$" netns "$B"
ip -n "$A" addr add 10.82.0.1/24 dev "stkva$$"
ip -n "$B" addr add 10.82.0.2/24 dev "stkvb$$"
ip -n "$A" link set "stkva$$" up
ip -n "$B" link set "stkvb$$" up
cat >"$tmp/lwip.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "tap": { "provider": "net-tap", "name": "stkb$$", "offload": true },
    "net": { "provider": "stack-lwip", "on": "tap", "address": "10.81.0.2" } },
  "app": { "name": "echo", "bind": { "net": "net" }, "args": { "port": 7, "udp": false } } }
JSON
sed -e "s/stkb$$/stkc$$/" -e 's/10.81.0.2/10.83.0.2/' -e 's/, "offload": true//' \
	"$tmp/lwip.json" >"$tmp/lwip-plain.json"
sed -e "s/stkb$$/stkd$$/" -e 's/10.81.0.2/10.84.0.2/' \
	-e 's/"address": "10.84.0.2"/"address": "10.84.0.2", "csum_offload": false/' \
	"$tmp/lwip.json" >"$tmp/lwip-nocsum.json"
ip netns exec "$L" "$DEVMGR" run -q -c "$tmp/lwip.json" >/dev/null 2>"$tmp/lwip.err" &
pids="$pids $!"
ip netns exec "$L" "$DEVMGR" run -q -c "$tmp/lwip-plain.json" >/dev/null 2>"$tmp/lwip-plain.err" &
pids="$pids $!"
ip netns exec "$L" "$DEVMGR" run -q -c "$tmp/lwip-nocsum.json" >/dev/null 2>"$tmp/lwip-nocsum.err" &
pids="$pids $!"
ip netns exec "$B" "$PLAIN" 10.82.0.2 7 >/dev/null &
pids="$pids $!"
wait_port ip netns exec "$L" "$CLIENT" 10.81.0.2 7 1 >/dev/null || { echo "stack.sh: echo on stack-lwip did not start: $(cat "$tmp/lwip.err")" >&2; exit 2; }
wait_port ip netns exec "$L" "$CLIENT" 10.83.0.2 7 1 >/dev/null || { echo "stack.sh: echo on stack-lwip without offload did not start: $(cat "$tmp/lwip-plain.err")" >&2; exit 2; }
wait_port ip netns exec "$L" "$CLIENT" 10.84.0.2 7 1 >/dev/null || { echo "stack.sh: echo on stack-lwip with csum_offload=false did not start: $(cat "$tmp/lwip-nocsum.err")" >&2; exit 2; }
wait_port ip netns exec "$A" "$CLIENT" 10.82.0.2 7 1 >/dev/null || { echo "stack.sh: plain echo over veth did not start" >&2; exit 2; }
: >"$tmp/d" ; : >"$tmp/r" ; : >"$tmp/p" ; : >"$tmp/n"
i=0
while [ $i -lt $reps ]; do
	ip netns exec "$L" "$CLIENT" 10.81.0.2 7 $lwip_bytes >>"$tmp/d" || exit 2
	ip netns exec "$A" "$CLIENT" 10.82.0.2 7 $lwip_bytes >>"$tmp/r" || exit 2
	ip netns exec "$L" "$CLIENT" 10.83.0.2 7 $lwip_bytes >>"$tmp/p" || exit 2
	ip netns exec "$L" "$CLIENT" 10.84.0.2 7 $lwip_bytes >>"$tmp/n" || exit 2
	i=$((i + 1))
done
echo "stack-lwip echo runs (MB/s), offload: $(tr '\n' ' ' <"$tmp/d")/ offload, csum_offload=false: $(tr '\n' ' ' <"$tmp/n")/ without offload: $(tr '\n' ' ' <"$tmp/p")/ kernel over veth: $(tr '\n' ' ' <"$tmp/r")" >&2
verdict "stack stack-lwip/net-tap (offload) TCP echo $((lwip_bytes >> 20)) MiB vs veth" \
	"$(median <"$tmp/d")" "$(median <"$tmp/r")" MB/s 0.90
verdict "stack stack-lwip/net-tap (offload, csum_offload=false) TCP echo $((lwip_bytes >> 20)) MiB vs veth" \
	"$(median <"$tmp/n")" "$(median <"$tmp/r")" MB/s 0.90
awk -v d="$(median <"$tmp/d")" -v n="$(median <"$tmp/n")" 'BEGIN {
	printf "stack stack-lwip/net-tap checksum offload on vs off: %.0f MB/s vs %.0f MB/s, ratio %.3f INFO\n", d, n, d / n }'
awk -v d="$(median <"$tmp/p")" -v r="$(median <"$tmp/r")" 'BEGIN {
	printf "stack stack-lwip/net-tap without offload vs veth: devmgr %.0f MB/s, raw %.0f MB/s, ratio %.3f INFO\n", d, r, d / r }'

# ---- 3. stack-lwip's echo during a SYN flood --------------------------
if ! command -v hping3 >/dev/null; then
	echo "stack stack-lwip SYN-flood echo: skipped (hping3 is not installed) INFO"
	exit 0
fi
if [ -n "$quick" ]; then flood_bytes=$((1 << 20)); else flood_bytes=$((16 << 20)); fi
: >"$tmp/d" ; : >"$tmp/f"
i=0
while [ $i -lt $reps ]; do
	ip netns exec "$L" "$CLIENT" 10.81.0.2 7 $flood_bytes >>"$tmp/d" || exit 2
	# about 4,000 SYNs a second from random sources, for 10 s at most
	ip netns exec "$L" timeout 10 hping3 -q -S --rand-source -p 7 -i u250 \
		-c 20000 10.81.0.2 >/dev/null 2>&1 &
	flood=$!
	sleep 0.3
	ip netns exec "$L" "$CLIENT" 10.81.0.2 7 $flood_bytes >>"$tmp/f" || exit 2
	kill "$flood" 2>/dev/null
	wait "$flood" 2>/dev/null
	i=$((i + 1))
done
echo "stack-lwip echo runs (MB/s), unloaded: $(tr '\n' ' ' <"$tmp/d")/ during the SYN flood: $(tr '\n' ' ' <"$tmp/f")" >&2
verdict "stack stack-lwip SYN-flood TCP echo $((flood_bytes >> 20)) MiB vs unloaded" \
	"$(median <"$tmp/f")" "$(median <"$tmp/d")" MB/s 0.33
exit 0
