# lib.sh: shared by the net test scripts (sourced).  Every script makes
# its own network namespace, named after the area and its pid so that
# runs can go side by side, and removes it on exit, failure included.

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

need_root_netns() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
}

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
RESPONDER="$top_builddir/tests/net/responder"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/net-test.XXXXXX")
NS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
PIDS=""
trap cleanup EXIT
trap 'exit 1' INT TERM

make_netns() {
	NS="net$1$$"
	ip netns add "$NS" || fail "ip netns add $NS"
	ip -n "$NS" link set lo up
}

in_ns() { ip netns exec "$NS" "$@"; }

# Wait (up to 10 s) for a line in a file.
wait_for() {
	i=0
	while ! grep -q "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "timed out waiting for \"$1\" in $2: $(cat "$2")"
		sleep 0.1
	done
}

# expect_refusal CONFIG TEXT: devmgr probe fails with exit 1 and says TEXT.
expect_refusal() {
	in_ns "$DEVMGR" probe -c "$1" >"$WORK/out" 2>&1
	rc=$?
	[ $rc = 1 ] || fail "probe of $1 exited $rc, not 1: $(cat "$WORK/out")"
	grep -qF -- "$2" "$WORK/out" ||
		fail "probe of $1 does not say \"$2\": $(cat "$WORK/out")"
	echo "ok: refused with \"$2\""
}
