#!/bin/sh
# tap.sh: net-tap passes the net kit, its peer net-packet on the tap's
# kernel side, in a network namespace of its own; with offload=true too;
# and net-packet on a tap made beforehand, with net-tap as its peer.
# net.receive, net.send and net.csum (set_offload) must run and pass.
# Needs root: skipped (77) otherwise.
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, taps)"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: ip (iproute2) is not installed"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: /dev/net/tun is missing"; exit 77; }
. "$top_srcdir/tests/conform/lib.sh"

NS="conform$$"
ip netns add "$NS" || exit 99
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
ip -n "$NS" link set lo up

conform() {
	name=$1
	shift
	t "$name" 0 ip netns exec "$NS" "$DEVMGR" conform "$@" --json || return
	schema "$name"
	[ -z "$(failed_cases)" ] && ok "$name: no case failed" ||
		ko "$name: failed cases: $(failed_cases | tr '\n' ' ')"
	for k in net.receive net.send net.csum; do
		[ "$(case_result $k)" = pass ] && ok "$name: $k ran and passed" ||
			ko "$name: $k did not pass"
	done
}

conform "net-tap, net-packet peer" net-tap name=cft0 up=true \
	peer.provider=net-packet peer.interface=cft0
conform "net-tap offload, net-packet peer" net-tap name=cft1 up=true \
	offload=true peer.provider=net-packet peer.interface=cft1
# net-packet on a tap made beforehand, the tap's own fd the peer.
ip -n "$NS" tuntap add dev cft2 mode tap || exit 99
ip -n "$NS" link set cft2 up
conform "net-packet, net-tap peer" net-packet interface=cft2 \
	peer.provider=net-tap peer.name=cft2
finish
