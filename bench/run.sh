#!/bin/sh
# run.sh: build the benchmarks ("make bench") and run all four, each of
# which compares devmgr with the raw system path in the same run, then print
# a table of the figures against their targets.
#
# Usage: bench/run.sh [--quick] BUILDDIR
#   --quick  tiny sizes and few repetitions (CI smoke, well under 60 s);
#            figures are then too noisy to judge, so a missed target does
#            not fail the run, only a benchmark that cannot run does.
# Exit status: 0, 1 when a target is missed (full run only), 2 on error.
set -u

quick=
if [ "${1:-}" = "--quick" ]; then quick=--quick; shift; fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--quick] BUILDDIR" >&2
	exit 2
fi
b=$(cd "$1" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd)

make -s -C "$b" bench >/dev/null || { echo "run.sh: make bench failed" >&2; exit 2; }

DEVMGR_PLUGIN_PATH=$b/plugins/.libs
export DEVMGR_PLUGIN_PATH

out=$(mktemp "${TMPDIR:-/tmp}/devmgr-bench.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT INT TERM

err=0
run() { # NAME COMMAND...
	name=$1; shift
	echo "== $name" >&2
	"$@" >>"$out"
	rc=$?
	if [ $rc -ge 2 ]; then
		echo "run.sh: $name failed (status $rc)" >&2
		err=1
	fi
}

start=$(date +%s)
run blk_ram "$b/bench/blk_ram" $quick
run blk_file "$b/bench/blk_file" $quick
run probe_scale "$here/probe_scale.sh" $quick "$b"
run plugin_load "$b/bench/plugin_load" $quick "$DEVMGR_PLUGIN_PATH"
# Each area's benchmarks (bench/run.d/README).
for s in "$here"/run.d/*.sh; do
	[ -x "$s" ] || continue
	n=${s##*/}
	run "${n%.sh}" "$s" $quick "$b"
done
end=$(date +%s)

echo
cat "$out"
echo
# The table: one row per figure line ("NAME: ..., ratio R (target T) OK").
awk '
function row(n, f, t, v) { printf "%-24s %-16s %-14s %s\n", n, f, t, v }
BEGIN { row("benchmark", "measured", "target", "result")
	row("---------", "--------", "------", "------") }
/\(target / {
	name = $0; sub(/:.*/, "", name)
	fig = $0; sub(/ *\(target.*/, "", fig)
	n = split(fig, w, " ")
	if (fig ~ /bytes\/device$/) fig = w[n - 1] " B/device"
	else fig = w[n]
	tgt = $0; sub(/.*\(target /, "", tgt); sub(/\).*/, "", tgt)
	res = $NF
	row(name, fig, tgt, res)
	if (res == "MISSED") missed++
}
END { printf "\n%s\n", missed ? missed " target(s) missed" : "all targets met" }' "$out"
echo "(${quick:+quick run, }$((end - start)) s)"

[ $err = 0 ] || exit 2
if [ -z "$quick" ] && grep -q 'MISSED$' "$out"; then exit 1; fi
exit 0
