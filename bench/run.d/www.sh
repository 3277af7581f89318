#!/bin/sh
# www.sh [--quick] BUILDDIR: requests per second of the www app against
# nginx (Debian's nginx-light) tuned as a performance-minded user would
# (sendfile with tcp_nopush, open_file_cache, a buffered access log,
# reuseport) and lighttpd, in the same run, with wrk at 10 and 100
# connections, on 1 KiB and 64 KiB files, with one worker each and then
# two: www on its built-in configuration (net-socket, fs-fat on a RAM disk
# holding a FAT image of the files; net-socket's reuseport for two
# workers), nginx and lighttpd serving the same files from a local
# folder, all on 127.0.0.1, all writing an access log to a file.  Runs
# rotate over the servers; figures are medians, with the CPU time each
# server spent per request (from /proc/PID/stat of all its processes),
# which the machine's load disturbs less than req/s.
# Then www on stack-lwip over net-tap inside a network namespace (root
# only), wrk on the kernel side, alternating with the net-socket server.
#
# www runs twice in each rotation: as built (zero_copy: bodies of 16 KiB
# and more sent from the RAM disk's bytes) and with zero_copy false (each
# body copied into the connection's buffer first); the "-copy" rows give
# the second and the ratio of the two.  A third www serves the same
# folder as nginx through fs-host (bodies of 16 KiB and more by sendfile):
# the "-host" rows.
# Targets (www/nginx): one worker >= 1.3 at 1 KiB and >= 1.0 at 64 KiB;
# two workers >= 1.0 at both.  lighttpd, zero_copy false and lwIP:
# reported.
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
for p in blk-ram fs-fat fs-host net-socket console; do
	[ -f "$DEVMGR_PLUGIN_PATH/$p.so" ] ||
		{ echo "www.sh: plugin $p is not built" >&2; exit 2; }
done
[ -x "$WWW" ] || { echo "www.sh: $WWW is not built" >&2; exit 2; }
have_lighttpd=
command -v lighttpd >/dev/null 2>&1 && have_lighttpd=1

# --quick: one short run of each server, one worker, 10 connections
if [ -n "$quick" ]; then runs=1 secs=1 conn_list=10 worker_list=1
else runs=5 secs=2 conn_list="10 100" worker_list="1 2"; fi
# WWW_BENCH_RUNS, WWW_BENCH_SECS: more (or fewer) repetitions on a noisy machine
runs=${WWW_BENCH_RUNS:-$runs} secs=${WWW_BENCH_SECS:-$secs}
# WWW_BENCH_SIZES: "64k" runs the 64 KiB rows only
size_list=${WWW_BENCH_SIZES:-1k 64k}

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
# nginx's workers drop root for "nobody": they must be able to read them
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

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_200 PORT WHAT
wait_200() {
	i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$1/64k.bin")" = "200 65536" ]; do
		i=$((i + 1))
		[ $i -gt 50 ] && { echo "www.sh: $2 did not start" >&2; return 1; }
		sleep 0.1
	done
}

# nginx_conf DIR PORT WORKERS: tuned as nginx's documentation and the
# usual tuning advice say for static files
nginx_conf() {
	mkdir -p "$1"
	cat >"$1/nginx.conf" <<EOF
worker_processes $3;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 4096; }
http {
	access_log $1/access.log combined buffer=64k flush=1s;
	client_body_temp_path $1/body;
	proxy_temp_path $1/proxy;
	fastcgi_temp_path $1/fastcgi;
	uwsgi_temp_path $1/uwsgi;
	scgi_temp_path $1/scgi;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	open_file_cache max=1000 inactive=60s;
	open_file_cache_valid 60s;
	open_file_cache_errors on;
	keepalive_requests 10000000;
	keepalive_timeout 60;
	types { application/octet-stream bin; }
	server {
		listen 127.0.0.1:$2 reuseport;
		root $tmp/htdocs;
	}
}
EOF
}

# lighttpd_conf DIR PORT WORKERS: sendfile, keep-alive without a cap wrk
# would reach, an access log
lighttpd_conf() {
	mkdir -p "$1"
	cat >"$1/lighttpd.conf" <<EOF
server.document-root = "$tmp/htdocs"
server.bind = "127.0.0.1"
server.port = $2
server.pid-file = "$1/lighttpd.pid"
server.errorlog = "$1/error.log"
server.max-worker = $(($3 > 1 ? $3 : 0))
server.network-backend = "sendfile"
server.max-fds = 8192
server.max-connections = 4096
server.max-keep-alive-requests = 10000000
server.max-keep-alive-idle = 60
server.modules = ( "mod_accesslog" )
accesslog.filename = "$1/access.log"
mimetype.assign = ( ".bin" => "application/octet-stream" )
EOF
}

# pids_of PID: the process and its children (workers)
pids_of() { echo "$1 $(pgrep -P "$1" | tr '\n' ' ')"; }
# ticks PID...: CPU time (user + system, clock ticks) used so far
ticks() { for p in "$@"; do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null; done | awk '{ s += $1 } END { print s + 0 }'; }
hz=$(getconf CLK_TCK)

# rps [PREFIX...] URL: wrk's requests per second; nothing when a response
# was not 2xx or a socket failed, so a broken server cannot look fast
rps() {
	"$@" -d "${secs}s" >"$tmp/wrk.out" 2>&1
	if grep -q -e 'Non-2xx' -e 'Socket errors' "$tmp/wrk.out"; then
		echo "www.sh: $*: $(grep -e 'Non-2xx' -e 'Socket errors' "$tmp/wrk.out")" >&2
		return 0
	fi
	sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$tmp/wrk.out"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# one "PIDS" URL CONNS OUT: one wrk run; appends "REQ/S CPU-US-PER-REQUEST"
one() {
	t0=$(ticks $1)
	got=$(rps wrk -t1 -c"$3" "$2")
	t1=$(ticks $1)
	awk -v r="${got:-0}" -v t="$((t1 - t0))" -v hz="$hz" -v s="$secs" 'BEGIN {
		printf "%s %.2f\n", r, (r > 0) ? t * 1e6 / hz / (r * s) : 0 }' >>"$4"
}

# bench WORKERS SIZE CONNS TARGET: rotate the servers, print the figures
bench() {
	wk=$1 size=$2 c=$3 target=$4
	servers="w c h n${have_lighttpd:+ l}"
	for x in $servers; do : >"$tmp/$x"; done
	r=0
	while [ $r -lt $runs ]; do
		# a different server first each run
		order=$(echo $servers | awk -v r=$r '{ for (i = 0; i < NF; i++) printf "%s ", $((i + r) % NF + 1) }')
		for x in $order; do
			case $x in
			w) one "$wpids" "http://127.0.0.1:$wport/$size.bin" "$c" "$tmp/w" ;;
			c) one "$cpids" "http://127.0.0.1:$cport/$size.bin" "$c" "$tmp/c" ;;
			h) one "$hpids" "http://127.0.0.1:$hport/$size.bin" "$c" "$tmp/h" ;;
			n) one "$npids" "http://127.0.0.1:$nport/$size.bin" "$c" "$tmp/n" ;;
			l) one "$lpids" "http://127.0.0.1:$lport/$size.bin" "$c" "$tmp/l" ;;
			esac
		done
		r=$((r + 1))
	done
	tag="www-$size-c$c-w$wk"
	w=$(cut -d' ' -f1 "$tmp/w" | median) n=$(cut -d' ' -f1 "$tmp/n" | median)
	wc=$(cut -d' ' -f2 "$tmp/w" | median) nc=$(cut -d' ' -f2 "$tmp/n" | median)
	echo "  $tag runs (req/s, CPU us/req): www $(tr '\n' ',' <"$tmp/w") www-copy $(tr '\n' ',' <"$tmp/c") www-host $(tr '\n' ',' <"$tmp/h") nginx $(tr '\n' ',' <"$tmp/n")${have_lighttpd:+ lighttpd $(tr '\n' ',' <"$tmp/l")}" >&2
	awk -v w="$w" -v n="$n" -v t="$target" -v s="$tag" -v runs="$runs" 'BEGIN {
		ratio = (n > 0) ? w / n : 0
		printf "%s: www %.0f req/s, nginx %.0f req/s (median of %d), ratio %.3f (target >= %s) %s\n",
			s, w, n, runs, ratio, t, (ratio >= t) ? "OK" : "MISSED" }'
	awk -v w="$wc" -v n="$nc" -v s="$tag" 'BEGIN {
		printf "%s-cpu: www %.2f us, nginx %.2f us of CPU per request (medians), ratio %.3f INFO\n",
			s, w, n, (w > 0) ? n / w : 0 }'
	cr=$(cut -d' ' -f1 "$tmp/c" | median) cc=$(cut -d' ' -f2 "$tmp/c" | median)
	awk -v w="$w" -v cr="$cr" -v cc="$cc" -v n="$n" -v s="$tag" 'BEGIN {
		printf "%s-copy: www zero_copy false %.0f req/s, %.2f us of CPU per request; copy/nginx %.3f, zero_copy on/off %.3f INFO\n",
			s, cr, cc, (n > 0) ? cr / n : 0, (cr > 0) ? w / cr : 0 }'
	hr=$(cut -d' ' -f1 "$tmp/h" | median) hc=$(cut -d' ' -f2 "$tmp/h" | median)
	awk -v hr="$hr" -v hc="$hc" -v n="$n" -v s="$tag" 'BEGIN {
		printf "%s-host: www on fs-host %.0f req/s, %.2f us of CPU per request; host/nginx %.3f INFO\n",
			s, hr, hc, (n > 0) ? hr / n : 0 }'
	if [ -n "$have_lighttpd" ]; then
		l=$(cut -d' ' -f1 "$tmp/l" | median) lc=$(cut -d' ' -f2 "$tmp/l" | median)
		awk -v w="$w" -v l="$l" -v lc="$lc" -v s="$tag" 'BEGIN {
			printf "%s-lighttpd: lighttpd %.0f req/s, %.2f us of CPU per request; www/lighttpd %.3f INFO\n",
				s, l, lc, (l > 0) ? w / l : 0 }'
	fi
}

[ -n "$have_lighttpd" ] || echo "www-lighttpd: not run (lighttpd is not installed) INFO"
for wk in $worker_list; do
	nport=$(free_port)
	nginx_conf "$tmp/nginx$wk" "$nport" "$wk"
	nginx -c "$tmp/nginx$wk/nginx.conf" -p "$tmp/nginx$wk" 2>"$tmp/nginx$wk/stderr" &
	nmaster=$!
	pids="$pids $!"
	wait_200 "$nport" nginx || exit 2
	npids=$(pgrep -P "$nmaster" | tr '\n' ' ')
	[ -n "$npids" ] || { echo "www.sh: no nginx worker" >&2; exit 2; }
	lmaster=
	if [ -n "$have_lighttpd" ]; then
		lport=$(free_port)
		lighttpd_conf "$tmp/lighttpd$wk" "$lport" "$wk"
		lighttpd -D -f "$tmp/lighttpd$wk/lighttpd.conf" >"$tmp/lighttpd$wk/stderr" 2>&1 &
		lmaster=$!
		pids="$pids $!"
		wait_200 "$lport" lighttpd || exit 2
		lpids=$(pids_of "$lmaster")
	fi
	www_conf "$tmp/socket$wk.json" \
		'{"net": {"provider": "net-socket", "address": "127.0.0.1", "reuseport": true}}' \
		'{"port": 0, "workers": '"$wk"'}'
	start_www "$tmp/socket$wk.json" "$tmp/www$wk.log" || exit 2
	wport=$port
	wpid=$last_pid
	wait_200 "$wport" www || exit 2
	www_conf "$tmp/copy$wk.json" \
		'{"net": {"provider": "net-socket", "address": "127.0.0.1", "reuseport": true}}' \
		'{"port": 0, "workers": '"$wk"', "zero_copy": false}'
	start_www "$tmp/copy$wk.json" "$tmp/copy$wk.log" || exit 2
	cport=$port
	cpid=$last_pid
	wait_200 "$cport" "www (zero_copy false)" || exit 2
	www_conf "$tmp/host$wk.json" \
		'{"net": {"provider": "net-socket", "address": "127.0.0.1", "reuseport": true},
		  "htdocs": {"provider": "fs-host", "path": "'"$tmp/htdocs"'"}}' \
		'{"port": 0, "workers": '"$wk"'}'
	start_www "$tmp/host$wk.json" "$tmp/host$wk.log" || exit 2
	hport=$port
	hpid=$last_pid
	wait_200 "$hport" "www (fs-host)" || exit 2
	sleep 0.3
	wpids=$(pids_of "$wpid")
	cpids=$(pids_of "$cpid")
	hpids=$(pids_of "$hpid")
	if [ "$wk" = 1 ]; then t1k=1.3 t64k=1.0; else t1k=1.0 t64k=1.0; fi
	for c in $conn_list; do
		for size in $size_list; do
			if [ "$size" = 1k ]; then t=$t1k; else t=$t64k; fi
			bench "$wk" "$size" "$c" "$t"
		done
	done
	kill $wpid $cpid $hpid $nmaster $lmaster 2>/dev/null
	wait $wpid $cpid $hpid $nmaster $lmaster 2>/dev/null
done
# the lwIP comparison below runs against a one-worker net-socket server
www_conf "$tmp/socket.json" '{}' '{"port": 0}'
start_www "$tmp/socket.json" "$tmp/www.log" || exit 2
wport=$port
wpid=$last_pid
conns=32

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
: >"$tmp/l" && : >"$tmp/s"
r=0
while [ $r -lt $runs ]; do
	t0=$(ticks "$lpid")
	got=$(rps ip netns exec "$ns" wrk -t1 -c"$conns" "http://10.78.0.2/1k.bin")
	t1=$(ticks "$lpid")
	awk -v r="${got:-0}" -v t="$((t1 - t0))" -v hz="$hz" -v s="$secs" 'BEGIN {
		printf "%s %.2f\n", r, (r > 0) ? t * 1e6 / hz / (r * s) : 0 }' >>"$tmp/l"
	one "$wpid" "http://127.0.0.1:$wport/1k.bin" "$conns" "$tmp/s"
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
