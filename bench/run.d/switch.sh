#!/bin/sh
# switch.sh: frames per second that the switch app forwards between two
# net-tap ports, against switch_copy (plain read()/write() between the
# same two tap fds), in the same run, for 64-byte (60 + FCS) and
# 1500-byte-payload (1514) frames.  switch_gen sends the frames into tap
# A's kernel side and counts what tap B's kernel side receives.  The
# forwarder runs on CPU 1, the generator on CPU 0; each repetition runs
# both paths back to back, alternating which goes first.  Medians; the
# ratio is switch / copy (target >= 0.80).
#
# Usage: bench/run.d/switch.sh [--quick] BUILDDIR   (needs root)
set -u

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--quick] BUILDDIR" >&2
	exit 2
fi
b=$(cd "$1" && pwd) || exit 2
if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null; then
	echo "switch.sh: needs root, /dev/net/tun and ip (tap devices)" >&2
	exit 2
fi
if [ ! -e "$b/plugins/.libs/net-tap.so" ]; then
	echo "switch.sh: the net-tap provider is not built" >&2
	exit 2
fi
: "${DEVMGR_PLUGIN_PATH:=$b/plugins/.libs}"
export DEVMGR_PLUGIN_PATH
if [ $quick = 1 ]; then reps=1; secs=0.5; else reps=${SWITCH_BENCH_REPS:-7}; secs=2; fi

# The real binary, not libtool's wrapper script.
if [ -x "$b/apps/switch/.libs/switch" ]; then
	switch=$b/apps/switch/.libs/switch
	LD_LIBRARY_PATH=$b/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
else
	switch=$b/apps/switch/switch
fi
copy=$b/bench/switch_copy
gen=$b/bench/switch_gen
for p in "$copy" "$gen" "$b/bench/switch_engine"; do
	[ -x "$p" ] || { echo "switch.sh: $p missing (make bench)" >&2; exit 2; }
done
pin0= pin1=
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	pin0="taskset -c 0" pin1="taskset -c 1"
fi
# The machine may be shared: the generator and both forwarders run at
# real-time priority (the generator for SECONDS at a time; the forwarders
# sleep in poll/epoll when idle), so that other programs' load disturbs
# the comparison less.  SWITCH_BENCH_RT=0 turns this off.
if [ "${SWITCH_BENCH_RT:-1}" = 1 ] && command -v chrt >/dev/null; then
	pin0="$pin0 chrt -f 5" pin1="$pin1 chrt -f 10"
fi

A=swbA$$ B=swbB$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/switch-bench.XXXXXX") || exit 2
fwd=
cleanup() {
	[ -n "$fwd" ] && kill "$fwd" 2>/dev/null && wait "$fwd" 2>/dev/null
	ip link del "$A" 2>/dev/null
	ip link del "$B" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

for t in $A $B; do
	ip tuntap add dev "$t" mode tap || exit 2
	sysctl -qw "net.ipv6.conf.$t.disable_ipv6=1" 2>/dev/null
	ip link set "$t" up || exit 2
done
cat >"$tmp/switch.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "log": { "provider": "console-file", "path": "$tmp/console.log" },
    "a": { "provider": "net-tap", "name": "$A" },
    "b": { "provider": "net-tap", "name": "$B" }
  },
  "app": { "name": "switch", "bind": { "log": "log", "ports": ["a", "b"] } }
}
JSON

# wait_for FILE TEXT: up to 5 s
wait_for() {
	n=0
	until grep -q "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 50 ] || ! kill -0 "$fwd" 2>/dev/null; then
			echo "switch.sh: forwarder did not start:" >&2
			cat "$1" "$tmp/err" >&2
			exit 2
		fi
		sleep 0.1
	done
}

# measure raw|switch LEN: one timed run; prints frames per second
measure() {
	rm -f "$tmp/console.log" "$tmp/copy.out"
	if [ "$1" = raw ]; then
		$pin1 "$copy" "$A" "$B" >"$tmp/copy.out" 2>"$tmp/err" &
		fwd=$!
		wait_for "$tmp/copy.out" ready
	else
		$pin1 "$switch" -q -c "$tmp/switch.json" 2>"$tmp/err" &
		fwd=$!
		wait_for "$tmp/console.log" "switch: started"
	fi
	out=$($pin0 "$gen" "$A" "$B" "$2" "$secs") || { echo "switch.sh: switch_gen failed" >&2; exit 2; }
	kill "$fwd"
	wait "$fwd"
	fwd=
	echo "$out" | sed -n 's/.*fps=\([0-9]*\).*/\1/p'
}

# The app's own cost per frame, without I/O.
if [ $quick = 1 ]; then "$b/bench/switch_engine" --quick; else "$b/bench/switch_engine"; fi || exit 2

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for len in 60 1514; do
	: >"$tmp/raw" && : >"$tmp/sw"
	i=0
	while [ $i -lt $reps ]; do
		if [ $((i % 2)) = 0 ]; then
			measure raw $len >>"$tmp/raw" && measure switch $len >>"$tmp/sw"
		else
			measure switch $len >>"$tmp/sw" && measure raw $len >>"$tmp/raw"
		fi
		i=$((i + 1))
	done
	r=$(median <"$tmp/raw") s=$(median <"$tmp/sw")
	rr=$(sort -g "$tmp/raw" | sed -n '1p;$p' | tr '\n' ' ')
	sr=$(sort -g "$tmp/sw" | sed -n '1p;$p' | tr '\n' ' ')
	[ $len = 60 ] && name="64-byte" || name="1514-byte"
	awk -v n="$name" -v r="$r" -v s="$s" -v k=$reps -v rr="$rr" -v sr="$sr" 'BEGIN {
		ratio = s / r
		split(rr, a, " "); split(sr, b, " ")
		printf "switch %s frames: switch %.0f fps [%.0f..%.0f], tap copy %.0f fps [%.0f..%.0f] (median of %d), ratio %.3f (target >= 0.80) %s\n",
			n, s, b[1], b[2], r, a[1], a[2], k, ratio, (ratio >= 0.80 ? "OK" : "MISSED") }'
done
exit 0
