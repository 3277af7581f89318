# tests/stack/lib.sh: what the stack tests share, sourced after set -u.
#
#   stack_init NAME     DEVMGR, ECHO, PY, CLIENT; $tmp, a folder in the
#                       build tree removed on exit with the namespace;
#                       $pids, killed on exit
#   ok NAME, ko NAME    one check passed or failed (ko shows the tail of
#                       the files in $tmp matching $KO_FILES, "*.err" by
#                       default); summary prints the counts and fails
#                       when a check did
#   try NAME CMD...     one check, passed when CMD succeeds
#   need_netns          skip (77) unless root with ip and /dev/net/tun
#   ns_tap NS TAP ADDR4/LEN [ADDR6/LEN]
#                       make namespace NS with tap TAP up at the kernel's
#                       addresses; the namespace is deleted on exit
#   in_ns CMD...        CMD inside the namespace
#   pings N ADDR [-6]   the kernel's ping in the namespace gets N replies
#
# Every namespace is the test's own: no traffic leaves it.

skip() {
	echo "SKIP: $*"
	exit 77
}

stack_init() {
	: "${top_srcdir:?}" "${top_builddir:?}"
	DEVMGR="$top_builddir/apps/devmgr/devmgr"
	ECHO="$top_builddir/apps/echo/echo"
	PY=${PYTHON3_SYS:-/usr/bin/python3}
	CLIENT="$top_srcdir/tests/stack/echo_client.py"
	KO_FILES=${KO_FILES:-*.err}
	NS=
	pids=
	pass=0 fail=0
	tmp=$(mktemp -d "$top_builddir/$1.XXXXXX") || exit 99
	trap stack_cleanup EXIT
	trap 'exit 1' INT TERM
}

stack_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$tmp"
}

ok() {
	echo "PASS: $1"
	pass=$((pass + 1))
}

ko() {
	echo "FAIL: $1"
	fail=$((fail + 1))
	for f in $(cd "$tmp" && ls $KO_FILES 2>/dev/null); do
		[ -s "$tmp/$f" ] || continue
		echo "  --- $f:"
		tail -n 10 "$tmp/$f" | sed 's/^/  /'
	done
}

try() {
	tname=$1
	shift
	if "$@" 2>"$tmp/client.err"; then ok "$tname"; else ko "$tname"; fi
}

summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

need_netns() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tap)"
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
}

in_ns() {
	ip netns exec "$NS" "$@"
}

ns_tap() {
	ip netns add "$1" || {
		echo "FAIL: ip netns add $1"
		exit 1
	}
	NS=$1
	in_ns ip link set lo up
	in_ns ip tuntap add dev "$2" mode tap || {
		echo "FAIL: ip tuntap add"
		exit 1
	}
	in_ns ip addr add "$3" dev "$2"
	[ $# -lt 4 ] || in_ns ip addr add "$4" dev "$2" nodad
	in_ns ip link set "$2" up
}

pings() {
	in_ns ping ${3:-} -c "$1" -i 0.2 -W 2 "$2" >"$tmp/ping.out" 2>&1 &&
		grep -q "$1 received" "$tmp/ping.out"
	pr=$?
	rm -f "$tmp/ping.out"
	return $pr
}
