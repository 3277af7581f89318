#!/bin/bash
# The real Xen guest: boots Debian's Xen 4.17 under QEMU (TCG, no
# virtualisation extensions needed), the Debian kernel as PV dom0 and as
# a PV domU holding devmgr's build, runs the scenarios with the real
# toolstack and checks what they report.
#
# Usage: tests/xen-guest/run.sh [-s a,b,...] [-k] BUILD
#   -s   scenarios (default a,f,b,c,d,e,g; see docs/xen.md)
#   -k   keep the serial log and images in $XG_OUT
#   BUILD a configured and built devmgr tree (prefix /usr/local)
# Env: XG_WORK (setup.sh's folder), XG_OUT (default: a temporary folder),
#      XG_TIMEOUT (seconds for the whole boot, default 1500),
#      XG_REQUIRE=1 (fail instead of skipping when QEMU, root or the
#      downloads are missing; CI sets it).
# Exit: 0 every scenario passed, 1 one failed, 77 skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
scen=a,f,b,c,d,e,g
keep=0
while getopts s:k o; do
	case $o in
	s) scen=$OPTARG ;;
	k) keep=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-s a,b,...] [-k] BUILD" >&2; exit 2; }
build=$1
skip() {
	if [ "${XG_REQUIRE:-0}" = 1 ]; then
		echo "xen-guest: FAIL: $*"
		exit 1
	fi
	echo "xen-guest: SKIP: $*"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (loop devices and modules in the image build)"
command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64 (package qemu-system-x86)"
[ -x /usr/lib/xen-4.17/bin/xl ] || skip "no xl (package xen-utils-4.17)"
work=$(XG_WORK=${XG_WORK:-} sh "$here/setup.sh") || skip "setup.sh could not fetch Xen and the kernel"
export XG_WORK=$work
out=${XG_OUT:-$(mktemp -d /tmp/xen-guest.XXXXXX)}
mkdir -p "$out"
log=$out/serial.log
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	if [ "$keep" = 0 ] && [ -z "${XG_OUT:-}" ]; then rm -rf "$out"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash "$here/build.sh" "$build" "$out" >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; echo "xen-guest: FAIL: the images could not be built"; exit 1; }

# -cpu qemu64: with "max" dom0 dies on SMAP, and "max,-smap" corrupted
# dom0's processes now and then (TCG and the newer CPU features).
xen_cmd="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 loglvl=all guest_loglvl=all noreboot console_timestamps=boot"
# QEMU separates -initrd modules with commas: the list goes with "+".
dom0_cmd="console=hvc0 earlyprintk=xen loglevel=4 xg_scenarios=$(echo "$scen" | tr , +)"
rm -f "$log"
t0=$(date +%s.%N)
nice -n 5 qemu-system-x86_64 -accel tcg -cpu qemu64 -m 2048 -smp 1 \
	-nographic -no-reboot -monitor none -serial "file:$log" -net none \
	-kernel "$work/xen.elf" -append "$xen_cmd" \
	-initrd "$work/vmlinuz $dom0_cmd,$out/dom0-initrd.cpio" >"$out/qemu.log" 2>&1 &
qpid=$!
limit=${XG_TIMEOUT:-1500}
tck=$(getconf CLK_TCK)
cpu=0
seen=0
end=
while :; do
	el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
	[ -r "/proc/$qpid/stat" ] &&
		cpu=$(awk -v t="$tck" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / t }' "/proc/$qpid/stat")
	# progress: each scenario's result as it comes
	n=$(grep -ac '^@@RESULT' "$log" 2>/dev/null)
	if [ "${n:-0}" -gt "$seen" ]; then
		grep -a '^@@RESULT' "$log" | sed -n "$((seen + 1)),${n}p" |
			while read -r _ s r _; do echo "xen-guest: scenario $s $r (T+${el}s, QEMU cpu ${cpu}s)"; done
		seen=$n
	fi
	if grep -qa '^@@DONE' "$log" 2>/dev/null; then end=done; break; fi
	if grep -qaE 'Kernel panic|Dom0 crashed|\(XEN\) Panic' "$log" 2>/dev/null; then end=crash; break; fi
	kill -0 "$qpid" 2>/dev/null || { end=exited; break; }
	[ "$el" -lt "$limit" ] || { end=timeout; break; }
	sleep 1
done
sleep 1
kill "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
qpid=
echo "xen-guest: boot ended ($end) after ${el}s wall, ${cpu}s of QEMU CPU"
python3 "$here/check.py" "$log" "$scen" "$top" "$end"
rc=$?
[ "$rc" = 0 ] || [ "$keep" = 1 ] || [ -n "${XG_OUT:-}" ] || { keep=1; echo "xen-guest: serial log kept: $log"; }
exit $rc
