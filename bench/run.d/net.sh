#!/bin/sh
# net.sh [--quick] BUILDDIR: net-tap frames per second against plain tap
# fds (bench/net_tap.c), in a network namespace made here and removed on
# exit.  Needs root; exits 2 when it cannot run.
set -u
quick=
if [ "${1:-}" = "--quick" ]; then quick=--quick; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--quick] BUILDDIR" >&2; exit 2; }
b=$1
[ "$(id -u)" = 0 ] || { echo "net.sh: needs root (network namespace)" >&2; exit 2; }
command -v ip >/dev/null || { echo "net.sh: ip is not installed" >&2; exit 2; }
[ -x "$b/bench/net_tap" ] || make -s -C "$b" bench/net_tap >/dev/null ||
	exit 2

ns="netbench$$"
ip netns add "$ns" || exit 2
trap 'ip netns del "$ns"' EXIT
trap 'exit 2' INT TERM
n() { ip -n "$ns" "$@"; }
# No IPv6 autoconfiguration chatter during the run.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
n link add nbbr type bridge || exit 2
for t in nbsd nbsr nbsrc nbrd nbrr; do
	n tuntap add dev $t mode tap || exit 2
	n link set $t txqueuelen 4096
done
for t in nbsrc nbrd nbrr; do
	n link set $t master nbbr || exit 2
done
for t in nbbr nbsd nbsr nbsrc nbrd nbrr; do
	n link set $t up
done
DEVMGR_PLUGIN_PATH=${DEVMGR_PLUGIN_PATH:-$(cd "$b" && pwd)/plugins/.libs} \
	ip netns exec "$ns" "$b/bench/net_tap" $quick nbsd nbsr nbsrc nbrd nbrr
rc=$?
[ $rc -le 1 ] && exit 0 # a missed target is in the figure lines
exit 2
