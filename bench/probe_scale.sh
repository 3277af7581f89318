#!/bin/sh
# probe_scale.sh: "devmgr probe --json" on generated configurations of N1
# and N2 blk-ram devices (size "4K").  Reports the median wall time of each
# size, the growth ratio (target <= 12x for 1,000 -> 10,000), and the core
# bookkeeping per device = (peak RSS at N2 - peak RSS at N1) / (N2 - N1)
# (target <= 2048 bytes).  Wall time and peak RSS come from bench/maxrss
# (wait4() rusage), so GNU time is not needed.
#
# Usage: bench/probe_scale.sh [--quick] BUILDDIR
#   (plugins from DEVMGR_PLUGIN_PATH, default BUILDDIR/plugins/.libs)
set -eu

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--quick] BUILDDIR" >&2
	exit 2
fi
b=$(cd "$1" && pwd)

if [ $quick = 1 ]; then n1=100; n2=1000; reps=3; else n1=1000; n2=10000; reps=9; fi
: "${DEVMGR_PLUGIN_PATH:=$b/plugins/.libs}"
export DEVMGR_PLUGIN_PATH

# Run the real binary, not libtool's wrapper script (whose shell would be
# timed too).
if [ -x "$b/apps/devmgr/.libs/devmgr" ]; then
	devmgr=$b/apps/devmgr/.libs/devmgr
	LD_LIBRARY_PATH=$b/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
else
	devmgr=$b/apps/devmgr/devmgr
fi
maxrss=$b/bench/maxrss

tmp=$(mktemp -d "${TMPDIR:-/tmp}/devmgr-probe.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

gen() { # N FILE
	awk -v n="$1" 'BEGIN {
		print "{\"devmgr\": 1, \"devices\": {"
		for (i = 0; i < n; i++)
			printf "  \"d%d\": {\"provider\": \"blk-ram\", \"size\": \"4K\"}%s\n", i, (i < n - 1 ? "," : "")
		print "}}"
	}' >"$2"
}

median() { # numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

measure() { # N -> sets wall_med rss_med (kB)
	cfg=$tmp/probe-$1.json
	gen "$1" "$cfg"
	: >"$tmp/m-$1"
	i=0
	while [ $i -lt $reps ]; do
		if ! "$maxrss" "$devmgr" probe -c "$cfg" --json >/dev/null 2>>"$tmp/m-$1"; then
			echo "probe_scale: devmgr probe failed on $1 devices:" >&2
			cat "$tmp/m-$1" >&2
			exit 2
		fi
		i=$((i + 1))
	done
	wall_med=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' "$tmp/m-$1" | median)
	rss_med=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$tmp/m-$1" | median)
}

measure $n1; w1=$wall_med; r1=$rss_med
measure $n2; w2=$wall_med; r2=$rss_med

awk -v n1=$n1 -v n2=$n2 -v w1="$w1" -v w2="$w2" -v r1="$r1" -v r2="$r2" 'BEGIN {
	g = w2 / w1; per = (r2 - r1) * 1024 / (n2 - n1)
	printf "probe scale: %d devices %.1f ms, %d devices %.1f ms, growth %.2fx (target <= 12.00x) %s\n",
		n1, w1 * 1000, n2, w2 * 1000, g, (g <= 12 ? "OK" : "MISSED")
	printf "probe memory: peak RSS %d kB at %d, %d kB at %d, %.0f bytes/device (target <= 2048) %s\n",
		r1, n1, r2, n2, per, (per <= 2048 ? "OK" : "MISSED")
	exit (g <= 12 && per <= 2048) ? 0 : 1
}'
