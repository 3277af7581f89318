#!/bin/sh
# load.sh: limits of the www app under load, on its built-in configuration
# (net-socket, fs-fat on blk-ram) with a short idle_timeout:
#  - a hundred idle connections (half of them mid-request) do not stop
#    others being served, and are closed after idle_timeout;
#  - clients that ask for a 16 MiB file and never read do not grow the
#    server's memory (RSS from /proc) beyond their fixed buffers;
#  - max_connections holds the rest in the backlog, and they are served
#    once a connection is freed.
set -u
. "$top_srcdir/tests/www/lib.sh"

need_tools curl mkfs.fat mcopy
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins blk-ram fs-fat net-socket console

tmp=$(mktemp -d "$top_builddir/www-load.XXXXXX") || exit 99
trap 'stop_www; rm -rf "$tmp"' EXIT INT TERM

head -c 16777216 /dev/urandom >"$tmp/big.bin"
make_image "$tmp/site.img" 20480 "$tmp/big.bin" ||
	{ echo "cannot make the test image"; exit 99; }
www_config "$tmp/www.json" "$tmp/site.img" \
	'{"idle_timeout": 2, "max_connections": 160}'
start_www "$tmp/www.json" "$tmp/log" || exit 1
url="http://127.0.0.1:$www_port"
C="curl -s -S --max-time 10"

# ---- idle connections ---------------------------------------------------
"$PY" "$CLIENT" idle 127.0.0.1 "$www_port" 100 4 >"$tmp/idle" 2>&1 &
idle_pid=$!
sleep 0.5
slow=0
for i in 1 2 3 4 5; do
	r=$($C -o /dev/null -w '%{http_code} %{time_total}' "$url/style.css")
	case $r in
	"200 0."*) ;;
	*) slow=$((slow + 1)); echo "  request $i with 100 idle connections: $r" ;;
	esac
done
check "served in under a second beside 100 idle connections (they last 4 s)" "$slow" 0
wait "$idle_pid"
check "idle connections closed after idle_timeout (of 100)" "$(cat "$tmp/idle")" 100

# ---- clients that stop reading -----------------------------------------
echo "$www_pid" >"$tmp/pid"
before=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$www_pid/status")
"$PY" "$CLIENT" stall 127.0.0.1 "$www_port" /big.bin 40 "$tmp/pid" 3 >"$tmp/rss" 2>&1
after=$(sort -n "$tmp/rss" | tail -n 1)
echo "  RSS before: $before KiB; with 40 stalled readers of 16 MiB: $(tr '\n' ' ' <"$tmp/rss")"
# 40 clients x (64 KiB chunk + 8 KiB input + 8 KiB target) is 3.2 MiB;
# reading the file ahead for them would be 640 MiB.
grow=$((after - before))
if [ "$after" -gt 0 ] && [ "$grow" -lt 16384 ]; then
	ok "RSS grew by $grow KiB (< 16 MiB) with 40 stalled readers"
else
	ko "RSS grew by $grow KiB with 40 stalled readers"
fi
check "served after the stalled readers left" "$($C -o /dev/null -w '%{http_code}' "$url/")" 200
stop_www

# ---- max_connections ---------------------------------------------------
www_config "$tmp/max.json" "$tmp/site.img" \
	'{"idle_timeout": 2, "max_connections": 10}'
start_www "$tmp/max.json" "$tmp/log2" || exit 1
url="http://127.0.0.1:$www_port"
"$PY" "$CLIENT" idle 127.0.0.1 "$www_port" 10 3 >/dev/null 2>&1 &
idle_pid=$!
sleep 0.5
r=$($C -o /dev/null -w '%{http_code} %{time_total}' "$url/")
wait "$idle_pid"
case $r in
"200 "[1-9]*) ok "the 11th connection waits for a free one, then is served ($r)" ;;
*) ko "the 11th connection beside 10 held ones: '$r', expected 200 after >= 1 s" ;;
esac
check "served once they are gone" "$($C -o /dev/null -w '%{http_code}' "$url/")" 200
stop_www
finish
