# lib.sh: sourced by the switch's root tests (netns.sh, xen.sh).  The
# switch runs in this namespace with net-tap ports t<i> that it creates;
# each test namespace n<i> gets the kernel side of tap t<i> as
# 10.77.0.<i+1>/24.  Names carry the test's pid, so runs can go side by
# side; sw_cleanup removes everything, also on failure.
#
#   sw_need            skip (77) without root, ip, ping, tun, python3, net-tap
#   sw_start CMD...    start the switch (console in $LOG), wait for "started"
#   join I             move tap t<I> (or $2) into namespace n<I>, address it
#   ping_from I J [S]  one ping from n<I> to n<J>, waiting at most S s
#   mac_of I           the MAC of n<I>'s interface
#   table              SIGUSR2; the report's lines in $tmp/table
#   poll REGEX [N]     wait up to 10 s for N console lines matching REGEX
#   ms                 milliseconds on a monotonic-enough clock (date)
#   within_1s WHAT T0  PASS if less than 1000 ms went by since T0

skip() { echo "SKIP: $*"; exit 77; }
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
DEVMGR_PLUGIN_PATH=${DEVMGR_PLUGIN_PATH:-$top_builddir/plugins/.libs}
export DEVMGR_PLUGIN_PATH
PY=${PYTHON3_SYS:-/usr/bin/python3}
SWITCH="$top_builddir/apps/switch/switch"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
XFER="$top_srcdir/tests/switch/tcp_xfer.py"
P="sw$$" # namespaces sw<pid>n<i>, taps sw<pid>t<i>

sw_need() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tap devices)"
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	command -v ping >/dev/null || skip "ping (iputils-ping) is not installed"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	[ -x "$PY" ] || skip "python3 is not installed"
	[ -e "$DEVMGR_PLUGIN_PATH/net-tap.so" ] || skip "the net-tap provider is not built"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/switch-test.XXXXXX") || exit 99
LOG="$tmp/console.log"
pid=
sw_cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
	for i in 0 1 2 3; do ip netns del "${P}n$i" 2>/dev/null; done
	for t in t0 t1 t2 t3 x3 v4; do ip link del "$P$t" 2>/dev/null; done
	rm -rf "$tmp"
}
trap sw_cleanup EXIT
trap 'exit 99' INT TERM

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }
dump() { echo "  --- console:"; sed 's/^/  /' "$LOG"; echo "  --- stderr:"; sed 's/^/  /' "$tmp/err"; }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] || exit 1
	exit 0
}
poll() {
	n=0
	while [ "$n" -lt 100 ]; do
		[ "$(cat "$LOG" 2>/dev/null | grep -c -e "$1")" -ge "${2:-1}" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
reports=0
table() {
	reports=$((reports + 1))
	kill -USR2 "$pid"
	poll "switch: end of report" "$reports" || return 1
	awk -v n="$reports" '/switch: counters / { r++ } r == n' "$LOG" >"$tmp/table"
}
ms() { echo $(($(date +%s%N) / 1000000)); }
within_1s() {
	d=$(($(ms) - $2))
	if [ "$d" -lt 1000 ]; then ok "$1 within a second ($d ms)"; else ko "$1 within a second ($d ms)"; fi
}
sw_start() {
	"$@" 2>"$tmp/err" &
	pid=$!
	poll "switch: started"
}
join() {
	ns="${P}n$1" tap=${2:-${P}t$1}
	ip netns add "$ns" &&
		ip link set "$tap" netns "$ns" &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" addr add "10.77.0.$(($1 + 1))/24" dev "$tap" &&
		ip -n "$ns" link set "$tap" up || return 1
	# The kernel gives an interface its queue only when the link watch
	# runs, up to a second after "up": until then what is sent on it is
	# dropped without a trace.
	n=0
	while ip -n "$ns" link show "$tap" | grep -q 'qdisc noop' && [ $n -lt 30 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}
mac_of() { ip -n "${P}n$1" -o link show | sed -n "s/.*${P}[tx]$1.*link\/ether \([0-9a-f:]*\).*/\1/p"; }
ping_from() {
	ip netns exec "${P}n$1" ping -c 1 -W "${3:-2}" "10.77.0.$(($2 + 1))" >/dev/null 2>&1
}
