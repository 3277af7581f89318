#!/bin/sh
# www.sh [--quick] BUILDDIR: requests per second of the www app against
# nginx (Debian's nginx-light, one worker) in the same run, with wrk, on
# 1 KiB and 64 KiB files: www on its built-in configuration (net-socket,
# fs-fat on a RAM disk holding a FAT image of the files) and nginx serving
# the same files from a local folder, both on 127.0.0.1, both writing an
# access log to a file.  Runs alternate between the two servers; figures
# are medians, with the CPU time each server spent per request (from
# /proc/PID/stat), which the machine's load disturbs less than req/s.
# Then www on stack-lwip over net-tap inside a network namespace (root
# only), wrk on the kernel side, alternating with the net-socket server.
#
# Targets: www/nginx >= 1.0 for 1 KiB, >= 0.8 for 64 KiB.  lwIP: reported.
set -u
quick=
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--quick] BUILDDIR" >&2; exit 2; }
b=$(cd "$1" && pwd) || exit 2
WWW=$b/apps/www/www
PY=/usr/bin/python3
PATH="$PATH:/usr/sbin:/sbin"
export PATH MTOOLS_SKIP_CHECK=1
: "${DEVMGR_PLUGIN_PATH:=$b/plugins/.libs}"
export DEVMGR_PLUGIN_PATH

for t in wrk nginx mkfs.fat mcopy "$PY"; do
	command -v "$t" >/dev/null 2>&1 || { echo "www.sh: $t is not installed" >&2; exit 2; }
done
for p in blk-ram fs-fat net-socket console; do
	[ -f "$DEVMGR_PLUGIN_PATH/$p.so" ] ||
		{ echo "www.sh: plugin $p is not built" >&2; exit 2; }
done
[ -x "$WWW" ] || { echo "www.sh: $WWW is not built" >&2; exit 2; }

if [ -n "$quick" ]; then runs=1 secs=1 conns=16; else runs=11 secs=2 conns=32; fi
# WWW_BENCH_RUNS, WWW_BENCH_SECS: more (or fewer) repetitions on a noisy machine
runs=${WWW_BENCH_RUNS:-$runs} secs=${WWW_BENCH_SECS:-$secs}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/www-bench.XXXXXX") || exit 2
pids=
ns=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

mkdir -p "$tmp/htdocs"
head -c 1024 /dev/urandom >"$tmp/htdocs/1k.bin"
head -c 65536 /dev/urandom >"$tmp/htdocs/64k.bin"
# nginx's worker drops root for "nobody": it must be able to read them
chmod 755 "$tmp" "$tmp/htdocs" && chmod 644 "$tmp/htdocs/"*.bin
mkfs.fat -C -n WWWBENCH "$tmp/site.img" 4096 >/dev/null &&
	mcopy -i "$tmp/site.img" -m "$tmp/htdocs/1k.bin" "$tmp/htdocs/64k.bin" ::/ ||
	{ echo "www.sh: cannot make the image" >&2; exit 2; }

# www_conf OUT DEVICES-JSON ARGS-JSON: the built-in configuration with
# the bench image and DEVICES/ARGS merged in.
www_conf() {
	"$WWW" --print-config | "$PY" -c '
import json, sys
c = json.load(sys.stdin)
c["devices"]["disk"]["image"] = sys.argv[2]
c["devices"].update(json.loads(sys.argv[3]))
c["app"]["args"].update(json.loads(sys.argv[4]))
json.dump(c, open(sys.argv[1], "w"))
' "$1" "$tmp/site.img" "$2" "$3"
}

# start_www CONF LOG [PREFIX...]: sets port
start_www() {
	conf=$1 log=$2
	shift 2
	"$@" "$WWW" -q -c "$conf" >"$log" 2>&1 &
	last_pid=$!
	pids="$pids $!"
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's|^www: serving .* on http://[0-9.]*:\([0-9]*\)/$|\1|p' "$log" 2>/dev/null)
		[ -n "$port" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "www.sh: www did not start: $(cat "$log")" >&2
	return 1
}

# One worker, keep-alive without a request cap (wrk holds connections),
# sendfile as a packaged nginx has it, an access log like www's.
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
nport=$(free_port)
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log $tmp/nginx/access.log;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	sendfile on;
	keepalive_requests 10000000;
	keepalive_timeout 60;
	types { application/octet-stream bin; }
	server {
		listen 127.0.0.1:$nport;
		root $tmp/htdocs;
	}
}
EOF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" 2>"$tmp/nginx/stderr" &
nmaster=$!
pids="$pids $!"

www_conf "$tmp/socket.json" '{}' '{"port": 0}'
start_www "$tmp/socket.json" "$tmp/www.log" || exit 2
wport=$port
wpid=$last_pid
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$nport/64k.bin")" = "200 65536" ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && { echo "www.sh: nginx did not start: $(cat "$tmp/nginx/stderr")" >&2; exit 2; }
	sleep 0.1
done
npid=$(pgrep -P "$nmaster" | head -n 1)
[ -n "$npid" ] || { echo "www.sh: no nginx worker" >&2; exit 2; }

# rps [PREFIX...] URL: wrk's requests per second (one thread); nothing
# when a response was not 2xx or a socket failed, so a broken server
# cannot look fast
rps() {
	"$@" -d "${secs}s" >"$tmp/wrk.out" 2>&1
	if grep -q -e 'Non-2xx' -e 'Socket errors' "$tmp/wrk.out"; then
		echo "www.sh: $*: $(grep -e 'Non-2xx' -e 'Socket errors' "$tmp/wrk.out")" >&2
		return 0
	fi
	sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$tmp/wrk.out"
}
wrk_cmd() { echo "wrk -t1 -c$conns"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU time (user + system, clock ticks) a process has used so far
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# one SERVER-PID URL OUT: one wrk run; appends "REQ/S CPU-US-PER-REQUEST"
one() {
	t0=$(ticks "$1")
	got=$(rps $(wrk_cmd) "$2")
	t1=$(ticks "$1")
	awk -v r="${got:-0}" -v t="$((t1 - t0))" -v hz="$hz" -v s="$secs" 'BEGIN {
		printf "%s %.2f\n", r, (r > 0) ? t * 1e6 / hz / (r * s) : 0 }' >>"$3"
}

# bench SIZE TARGET: alternate www and nginx runs, print the figure lines
bench() {
	size=$1 target=$2
	: >"$tmp/w" && : >"$tmp/n"
	r=0
	while [ $r -lt $runs ]; do
		if [ $((r % 2)) -eq 0 ]; then
			one "$wpid" "http://127.0.0.1:$wport/$size.bin" "$tmp/w"
			one "$npid" "http://127.0.0.1:$nport/$size.bin" "$tmp/n"
		else
			one "$npid" "http://127.0.0.1:$nport/$size.bin" "$tmp/n"
			one "$wpid" "http://127.0.0.1:$wport/$size.bin" "$tmp/w"
		fi
		r=$((r + 1))
	done
	w=$(cut -d' ' -f1 "$tmp/w" | median) n=$(cut -d' ' -f1 "$tmp/n" | median)
	wc=$(cut -d' ' -f2 "$tmp/w" | median) nc=$(cut -d' ' -f2 "$tmp/n" | median)
	echo "  www-$size runs (req/s, CPU us/req): www $(tr '\n' ',' <"$tmp/w") nginx $(tr '\n' ',' <"$tmp/n")" >&2
	awk -v w="$w" -v n="$n" -v t="$target" -v s="$size" -v runs="$runs" 'BEGIN {
		ratio = (n > 0) ? w / n : 0
		printf "www-%s: www %.0f req/s, nginx %.0f req/s (median of %d), ratio %.3f (target >= %s) %s\n",
			s, w, n, runs, ratio, t, (ratio >= t) ? "OK" : "MISSED" }'
	awk -v w="$wc" -v n="$nc" -v s="$size" 'BEGIN {
		printf "www-%s-cpu: www %.2f us, nginx %.2f us of CPU per request (medians), ratio %.3f INFO\n",
			s, w, n, (w > 0) ? n / w : 0 }'
	echo "$w" >"$tmp/www-$size"
}

bench 1k 1.0
bench 64k 0.8

# ---- stack-lwip over net-tap, inside a namespace ----------------------
# Runs alternate with the net-socket server, still running, for the ratio.
if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null ||
	[ ! -f "$DEVMGR_PLUGIN_PATH/net-lwip.so" ] || [ ! -f "$DEVMGR_PLUGIN_PATH/net-tap.so" ]; then
	echo "www-lwip-1k: not run (needs root, /dev/net/tun, iproute2, net-tap and stack-lwip) INFO"
	exit 0
fi
ns="wwwbench$$"
tap="wwwb$$"
ip netns add "$ns" || exit 2
ip -n "$ns" link set lo up
www_conf "$tmp/lwip.json" '{
	"tap": { "provider": "net-tap", "name": "'"$tap"'", "up": true },
	"net": { "provider": "stack-lwip", "on": "tap", "address": "10.78.0.2" } }' \
	'{"port": 80}'
start_www "$tmp/lwip.json" "$tmp/lwip.log" ip netns exec "$ns" || exit 2
lpid=$last_pid
ip -n "$ns" addr add 10.78.0.1/24 dev "$tap" && ip -n "$ns" link set "$tap" up || exit 2
ip netns exec "$ns" curl -s --retry 3 -o /dev/null "http://10.78.0.2/1k.bin"
wrk_ns() { echo "ip netns exec $ns wrk -t1 -c$conns"; }
: >"$tmp/l" && : >"$tmp/s"
r=0
while [ $r -lt $runs ]; do
	t0=$(ticks "$lpid")
	got=$(rps $(wrk_ns) "http://10.78.0.2/1k.bin")
	t1=$(ticks "$lpid")
	awk -v r="${got:-0}" -v t="$((t1 - t0))" -v hz="$hz" -v s="$secs" 'BEGIN {
		printf "%s %.2f\n", r, (r > 0) ? t * 1e6 / hz / (r * s) : 0 }' >>"$tmp/l"
	one "$wpid" "http://127.0.0.1:$wport/1k.bin" "$tmp/s"
	r=$((r + 1))
done
l=$(cut -d' ' -f1 "$tmp/l" | median) so=$(cut -d' ' -f1 "$tmp/s" | median)
lc=$(cut -d' ' -f2 "$tmp/l" | median) sc=$(cut -d' ' -f2 "$tmp/s" | median)
echo "  www-lwip-1k runs (req/s, CPU us/req): lwip $(tr '\n' ',' <"$tmp/l") socket $(tr '\n' ',' <"$tmp/s")" >&2
awk -v l="$l" -v s="$so" -v lc="$lc" -v sc="$sc" -v runs="$runs" 'BEGIN {
	printf "www-lwip-1k: stack-lwip over net-tap %.0f req/s, net-socket %.0f req/s (medians of %d, alternating), ratio %.3f INFO\n",
		l, s, runs, (s > 0) ? l / s : 0
	printf "www-lwip-1k-cpu: stack-lwip %.2f us, net-socket %.2f us of www CPU per request (medians) INFO\n", lc, sc }'
exit 0
