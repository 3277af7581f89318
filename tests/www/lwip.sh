#!/bin/sh
# lwip.sh: the www app on stack-lwip over net-tap, inside a network
# namespace that the test creates; the same page set fetched by curl from
# the kernel's side of the tap.  Needs root, /dev/net/tun, iproute2 and
# the net-tap, stack-lwip and fs-fat plugins; skipped (77) otherwise.
set -u
. "$top_srcdir/tests/www/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (network namespace, tap device)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
need_tools ip curl mkfs.fat mcopy cmp
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins blk-ram fs-fat net-tap net-lwip console

ns="wwwns$$"
tap="wwwt$$"
tmp=$(mktemp -d "$top_builddir/www-lwip.XXXXXX") || exit 99
cleanup() {
	stop_www
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$ns" || { echo "ip netns add $ns failed"; exit 99; }
ip -n "$ns" link set lo up

head -c 4194304 /dev/urandom >"$tmp/big.bin"
make_image "$tmp/site.img" 8192 "$tmp/big.bin" ||
	{ echo "cannot make the test image"; exit 99; }
www_config "$tmp/www.json" "$tmp/site.img" '{"port": 80}' '{
	"tap": { "provider": "net-tap", "name": "'"$tap"'", "up": true },
	"net": { "provider": "stack-lwip", "on": "tap",
		 "address": "10.77.0.2", "netmask": "255.255.255.0" } }'
start_www "$tmp/www.json" "$tmp/log" ip netns exec "$ns" || exit 1
check "listening on lwIP's address" "$(sed -n 's|^www: serving / on \(.*\)$|\1|p' "$tmp/log")" \
	"http://10.77.0.2:80/"
# The kernel's end of the tap gets the other address of the subnet.
ip -n "$ns" addr add 10.77.0.1/24 dev "$tap" &&
	ip -n "$ns" link set "$tap" up || { echo "cannot set up $tap"; exit 99; }

url="http://10.77.0.2"
C="ip netns exec $ns curl -s -S --max-time 20"
code() {
	u=$1
	shift
	$C -o /dev/null -w '%{http_code}' "$@" "$url$u"
}
# The first request may wait for ARP.
$C -o "$tmp/body" --retry 3 --retry-connrefused "$url/"
if cmp -s "$tmp/body" "$top_srcdir/site/index.html"; then
	ok "GET / over lwIP is site/index.html"
else
	ko "GET / over lwIP differs from site/index.html"
fi
for f in style.css data.json about/index.html docs/notes.txt img/logo.svg; do
	$C -o "$tmp/body" "$url/$f"
	cmp -s "$tmp/body" "$top_srcdir/site/$f" && ok "GET /$f" || ko "GET /$f differs"
done
check "folder: /about/" "$($C "$url/about/" | cmp -s - "$top_srcdir/site/about/index.html" && echo same)" same
check "folder without /: 301" "$(code /about)" 301
check "404" "$(code /nope)" 404
check "405" "$(code / -X POST -d x)" 405
check "400 traversal" "$(code /%2e%2e/index.html --path-as-is)" 400
check "HEAD" "$($C -I -o /dev/null -w '%{http_code} %{size_download}' "$url/style.css")" "200 0"
lm=$($C -I "$url/style.css" | tr -d '\r' | sed -n 's/^Last-Modified: //p')
check "304" "$(code /style.css -H "If-Modified-Since: $lm")" 304
check "keep-alive: three requests, one connection" \
	"$($C -w '%{http_code}:%{num_connects} ' -o /dev/null -o /dev/null -o /dev/null \
		"$url/" "$url/style.css" "$url/nope")" "200:1 200:0 404:0 "
$C -o "$tmp/big.out" "$url/big.bin"
cmp -s "$tmp/big.out" "$tmp/big.bin" && ok "4 MiB file over lwIP byte-exact" ||
	ko "4 MiB file over lwIP differs"
check_grep "access log from the kernel's address" "$tmp/log" \
	'^10\.77\.0\.1 - - \[.*\] "GET /big.bin HTTP/1.1" 200 4194304 "-" "curl/[^"]*"$'
kill -0 "$www_pid" 2>/dev/null && ok "server still running" || ko "server died"
stop_www
finish
