#!/bin/sh
# xen-guest.sh [--quick] BUILDDIR: figures from the real Xen guest
# (tests/xen-guest, as root, with QEMU): the hot-plug latency of a disk
# attached with xl block-attach (bench/xen_guest_plug.c, 20 attaches), the
# time from xl create to www's first answered request, and the pass rate
# of the whole scenario set over XG_RUNS boots (default 5).  Times inside
# the guest are emulated time: the ratio and QEMU's CPU seconds are the
# figures to compare, not milliseconds.  --quick prints nothing: CI boots
# the guest for the scenarios already (scripts/test.sh).
set -u
if [ "${1:-}" = "--quick" ]; then exit 0; fi
[ $# -eq 1 ] || { echo "usage: $0 [--quick] BUILDDIR" >&2; exit 2; }
b=$(cd "$1" && pwd) || exit 2
top=$(cd "$(dirname "$0")/../.." && pwd)
if ! grep -q '^#define HAVE_XENSTORE 1' "$b/config.h"; then
	echo "xen-guest.sh: built without xenstore, skipped" >&2
	exit 0
fi
make -s -C "$b" bench/xen_guest_plug >/dev/null || { echo "xen-guest.sh: cannot build" >&2; exit 2; }
out=$(mktemp -d /tmp/xen-guest-bench.XXXXXX) || exit 2
trap 'rm -rf "$out"' EXIT
XG_OUT=$out/bench bash "$top/tests/xen-guest/run.sh" -s bench "$b" >"$out/bench.out" 2>&1
rc=$?
[ $rc = 77 ] && { echo "xen-guest.sh: skipped (root and QEMU needed)" >&2; exit 2; }
log=$out/bench/serial.log
med=$(grep -a 'median over' "$log" | tail -n 1)
www=$(grep -a '^@@BENCH' "$log" | tail -n 1)
cpu=$(sed -n 's/.*after \([0-9]*\)s wall, \([0-9.]*\)s of QEMU CPU.*/\1 s wall, \2 s QEMU CPU/p' "$out/bench.out")
if [ -z "$med" ] || [ -z "$www" ]; then
	cat "$out/bench.out" >&2
	echo "xen-guest.sh: the bench scenario did not finish" >&2
	exit 2
fi
# "median over N attaches: go_to_plug_ms=A go_to_state4_ms=B go_to_open_ms=C
#  open_to_plug_ms=D ratio_state4=R ratio_open=S"
echo "$med" | sed 's/^.*median over \([0-9]*\) attaches: go_to_plug_ms=\([0-9.-]*\) go_to_state4_ms=\([0-9.-]*\) go_to_open_ms=\([0-9.-]*\) open_to_plug_ms=\([0-9.-]*\) ratio_state4=\([0-9.-]*\) ratio_open=\([0-9.-]*\).*/xen guest hot-plug, medians of \1 xl block-attach: attach returned -> app plug \2 ms; a bare libxenstore client sees state 4 \3 ms, opens the disk \4 ms; ratio \6x to state 4, \7x to open (emulated time; target none) INFO/'
echo "$www" | sed 's/^@@BENCH create_to_agent_s=\([0-9.]*\) create_to_www_s=\([0-9.]*\).*/xen guest xl create -> guest userland up \1 s, -> www answers \2 s (emulated time; target none) INFO/'
echo "xen guest bench boot: $cpu (target none) INFO"
# blk-xen against the kernel's blkfront, twin vbds (bench/xen_guest_blk.c):
# "blk-xen vs blkfront 1M seq read, medians of N: ... ratio R"
grep -a 'blk-xen vs blkfront' "$log" | sed 's/^[ |]*//' | tail -n 2 | awk '{
	n = split($0, p, ", ratio ")
	h = index(p[1], ", ")
	printf "%s: %s (%s; emulated time; target none) INFO\n",
		substr(p[1], 1, h - 1), p[n], substr(p[1], h + 2)
}'
[ -n "$(grep -a 'blk-xen vs blkfront' "$log")" ] ||
	echo "xen-guest.sh: the blk-xen benchmark printed nothing" >&2
# The pass rate of the whole scenario set.
n=${XG_RUNS:-5}
pass=0
i=1
while [ $i -le "$n" ]; do
	XG_OUT=$out/run$i bash "$top/tests/xen-guest/run.sh" "$b" >"$out/run$i.out" 2>&1 && pass=$((pass + 1))
	t=$(sed -n 's/.*after \([0-9]*\)s wall, \([0-9.]*\)s of QEMU CPU.*/\1 s wall, \2 s QEMU CPU/p' "$out/run$i.out")
	echo "xen-guest.sh: run $i: $(tail -n 1 "$out/run$i.out") ($t)" >&2
	[ -f "$out/run$i/serial.log" ] && ! grep -q ' 0 failed' "$out/run$i.out" &&
		cp "$out/run$i/serial.log" "/tmp/xen-guest-failed-run$i.log"
	rm -rf "$out/run$i"
	i=$((i + 1))
done
echo "xen guest scenario set a,f,b,c,d,e: $pass of $n boots passed (target $n of $n) $([ $pass = "$n" ] && echo OK || echo MISSED)"
