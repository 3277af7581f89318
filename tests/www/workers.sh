#!/bin/sh
# workers.sh: www with workers 2 on net-socket with reuseport: two
# processes listen on one port (ss), 60 new connections are all served,
# SIGTERM to the first ends both; without reuseport the second worker
# cannot listen and the first says so.
set -u
. "$top_srcdir/tests/www/lib.sh"

need_tools curl ss
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins blk-ram fs-fat net-socket console

tmp=$(mktemp -d "$top_builddir/www-workers.XXXXXX") || exit 99
trap 'stop_www; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
img=$top_builddir/apps/www/site.img

www_config "$tmp/w.json" "$img" '{"workers": 2}' \
	'{"net": {"provider": "net-socket", "address": "127.0.0.1", "reuseport": true}}'
start_www "$tmp/w.json" "$tmp/w.log" || exit 1
sleep 0.5
kids=$(pgrep -P "$www_pid" | tr '\n' ' ')
check "workers 2: one more process" "$(echo $kids | wc -w | tr -d ' ')" 1
n=$(ss -Hltnp "sport = :$www_port" 2>/dev/null | grep -c '127.0.0.1')
check "workers 2: two IPv4 listeners on port $www_port" "$n" 2
codes=$(for i in $(seq 1 60); do curl -s --max-time 5 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$www_port/"; done | sort | uniq -c | tr -s ' ')
check "workers 2: 60 connections served" "$codes" " 60 200"
check "workers 2: one 'serving' line per address" "$(grep -c '^www: serving' "$tmp/w.log")" 2
kill -TERM "$www_pid"
wait "$www_pid"
check "workers 2: SIGTERM: exit 0" "$?" 0
www_pid=
sleep 0.3
left=0
for k in $kids; do kill -0 "$k" 2>/dev/null && left=$((left + 1)); done
check "workers 2: the other worker ended too" "$left" 0

www_config "$tmp/n.json" "$img" '{"workers": 2}'
start_www "$tmp/n.json" "$tmp/n.log" || exit 1
sleep 1.5
check_grep "without reuseport: the worker that cannot listen is named" "$tmp/n.log.err" 'worker 1 (pid [0-9]*) ended (status 1)'
check_grep "without reuseport: its error says why" "$tmp/n.log.err" 'Address already in use'
check "without reuseport: the first still serves" \
	"$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$www_port/")" 200
stop_www
finish
