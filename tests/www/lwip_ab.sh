#!/bin/sh
# lwip_ab.sh: short connections over stack-lwip.  ab sends 30,000
# requests, 10 at a time, without keep-alive, from the kernel's side of a
# tap to the www app on stack-lwip, in a network namespace the test
# creates.  www closes each connection first, so lwIP holds each port
# pair in TIME_WAIT for 2 MSL, and the kernel's client wraps through its
# ephemeral ports within that time: a new SYN for a pair in TIME_WAIT
# must start a new connection (RFC 6191, as Linux does), not be answered
# with an ACK until ab gives up.  Every request must succeed.  Needs root,
# /dev/net/tun, iproute2, ab and curl; skipped (77) otherwise.
set -u
. "$top_srcdir/tests/www/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (network namespace, tap device)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
need_tools ip curl ab mkfs.fat mcopy
need_plugins blk-ram fs-fat net-tap net-lwip console

ns="wwwab$$"
tap="wwab$$"
tmp=$(mktemp -d "$top_builddir/www-ab.XXXXXX") || exit 99
cleanup() {
	stop_www
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$ns" || { echo "ip netns add $ns failed"; exit 99; }
ip -n "$ns" link set lo up

make_image "$tmp/site.img" 2048 ||
	{ echo "cannot make the test image"; exit 99; }
www_config "$tmp/www.json" "$tmp/site.img" '{"port": 80}' '{
	"tap": { "provider": "net-tap", "name": "'"$tap"'", "up": true },
	"net": { "provider": "stack-lwip", "on": "tap",
		 "address": "10.78.0.2", "netmask": "255.255.255.0" } }'
start_www "$tmp/www.json" "$tmp/log" ip netns exec "$ns" || exit 1
ip -n "$ns" addr add 10.78.0.1/24 dev "$tap" &&
	ip -n "$ns" link set "$tap" up || { echo "cannot set up $tap"; exit 99; }
url="http://10.78.0.2"
C="ip netns exec $ns curl -s -S --max-time 20"
# The first request may wait for ARP.
check "GET / over lwIP" "$($C -o /dev/null -w '%{http_code}' --retry 3 \
	--retry-connrefused "$url/")" 200

ip netns exec "$ns" ab -n 30000 -c 10 -s 20 -r "$url/" >"$tmp/ab" 2>&1
check "ab: 30,000 requests complete" \
	"$(sed -n 's/^Complete requests: *//p' "$tmp/ab")" 30000
check "ab: no failed requests" \
	"$(sed -n 's/^Failed requests: *//p' "$tmp/ab")" 0
check "ab: no non-2xx answers" \
	"$(sed -n 's/^Non-2xx responses: *//p' "$tmp/ab")" ""
check "ab: no errors" \
	"$(grep -c -i '^apr_\|error' "$tmp/ab")" 0
[ "$fail" = 0 ] || cat "$tmp/ab"
kill -0 "$www_pid" 2>/dev/null && ok "server still running" || ko "server died"
stop_www
finish
