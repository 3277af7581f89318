#!/bin/sh
# slow.sh: www against slow and greedy clients, and its ways of ending.
#  - the header timeout closes clients that trickle a request head (or
#    send nothing), although they keep making progress;
#  - max_connections_per_client: a crowd of slow clients from one address
#    gets 503s past its cap while a client from another loopback address
#    (127.0.0.2) is served at once;
#  - at the descriptor limit (ulimit -n) accept backs off: little CPU, at
#    most about one warning a second, and service comes back;
#  - SIGTERM drains: new connections refused, idle kept connections
#    closed, a download in flight finishes byte-exact; drain_timeout
#    bounds it;
#  - the built-in configuration listens on ::1 as well (curl -g [::1]).
set -u
. "$top_srcdir/tests/www/lib.sh"

need_tools curl mkfs.fat mcopy cmp
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins blk-ram fs-fat net-socket console

tmp=$(mktemp -d "$top_builddir/www-slow.XXXXXX") || exit 99
trap 'stop_www; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
C="curl -s -S --max-time 10"

head -c 8388608 /dev/urandom >"$tmp/big.bin"
make_image "$tmp/site.img" 20480 "$tmp/big.bin" ||
	{ echo "cannot make the test image"; exit 99; }

# ---- header timeout ------------------------------------------------------
www_config "$tmp/a.json" "$tmp/site.img" \
	'{"header_timeout": 2, "idle_timeout": 30, "max_connections_per_client": 1000}'
start_www "$tmp/a.json" "$tmp/a.log" || exit 1
got=$("$PY" "$CLIENT" slow 127.0.0.1 "$www_port" 40 3.2)
echo "  slow clients: $got"
check "header timeout: all 40 slow clients closed" \
	"$(echo "$got" | sed 's/^refused=\([0-9]*\) closed=\([0-9]*\) open=\([0-9]*\).*/\1 \2 \3/')" "0 40 0"
first=$(echo "$got" | sed 's/.*first=\([0-9.]*\).*/\1/')
last=$(echo "$got" | sed 's/.*last=\([0-9.]*\)$/\1/')
awk -v a="$first" -v b="$last" 'BEGIN { exit !(a >= 1.5 && b <= 3.6) }' &&
	ok "header timeout: closed between 2 and 3 s (first $first, last $last)" ||
	ko "header timeout: closes at $first..$last s, expected 2..3.5"
check "header timeout: the server still answers" "$($C -o /dev/null -w '%{http_code}' "http://127.0.0.1:$www_port/")" 200
stop_www

# ---- a cap per client address ---------------------------------------------
www_config "$tmp/b.json" "$tmp/site.img" \
	'{"max_connections": 64, "max_connections_per_client": 16, "header_timeout": 10}'
start_www "$tmp/b.json" "$tmp/b.log" || exit 1
"$PY" "$CLIENT" slow 127.0.0.1 "$www_port" 200 2.5 >"$tmp/slow.out" &
slow_pid=$!
sleep 1
worst=0 codes=""
for i in 1 2 3 4 5; do
	r=$($C --interface 127.0.0.2 -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$www_port/")
	codes="$codes${r%% *} "
	worst=$(awk -v a="$worst" -v b="${r#* }" 'BEGIN { print (b > a ? b : a) }')
done
check "per-client cap: another address is served" "$codes" "200 200 200 200 200 "
awk -v t="$worst" 'BEGIN { exit !(t < 1) }' &&
	ok "per-client cap: at once (slowest ${worst}s)" ||
	ko "per-client cap: another address waited ${worst}s"
check "per-client cap: the crowded address gets 503" \
	"$($C -o /dev/null -w '%{http_code}' "http://127.0.0.1:$www_port/")" 503
wait "$slow_pid"
got=$(cat "$tmp/slow.out")
echo "  slow clients: $got"
check "per-client cap: 16 of 200 held, the rest refused" \
	"$(echo "$got" | sed 's/^refused=\([0-9]*\) closed=\([0-9]*\) open=\([0-9]*\).*/\1 \3/')" "184 16"
n=$(grep -c 'max_connections_per_client' "$tmp/b.log.err")
[ "$n" -ge 1 ] && [ "$n" -le 6 ] && ok "per-client cap: $n warnings (at most one a second)" ||
	ko "per-client cap: $n warnings for 2.5 s"
stop_www

# ---- the descriptor limit ---------------------------------------------------
www_config "$tmp/c.json" "$tmp/site.img" '{"max_connections_per_client": 1000}'
(ulimit -n 48 && exec "$WWW" -c "$tmp/c.json") >"$tmp/c.log" 2>"$tmp/c.log.err" &
www_pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^www: serving' "$tmp/c.log"; do sleep 0.1; i=$((i + 1)); done
www_port=$(sed -n 's|^www: serving .* on http://[0-9.]*:\([0-9]*\)/$|\1|p' "$tmp/c.log")
if [ -z "$www_port" ]; then
	ko "www did not start with ulimit -n 48"
	sed 's/^/  | /' "$tmp/c.log.err"
else
	cpu() { awk '{ print $14 + $15 }' "/proc/$www_pid/stat"; }
	"$PY" "$CLIENT" hold 127.0.0.1 "$www_port" 120 2.5 127.0.0.2 &
	hold_pid=$!
	sleep 0.5
	c0=$(cpu)
	sleep 1.5
	c1=$(cpu)
	ticks=$((c1 - c0))
	hz=$(getconf CLK_TCK)
	[ "$ticks" -le $((hz / 10)) ] && ok "EMFILE: the server idles ($ticks ticks of CPU in 1.5 s)" ||
		ko "EMFILE: the server spins ($ticks ticks of $hz a second in 1.5 s)"
	n=$(grep -c 'Too many open files' "$tmp/c.log.err")
	[ "$n" -ge 1 ] && [ "$n" -le 4 ] && ok "EMFILE: $n warnings in about 2.5 s" ||
		ko "EMFILE: $n warnings in 2.5 s (expected 1..4)"
	wait "$hold_pid"
	check "EMFILE: served again once the clients left" \
		"$($C --retry 3 --retry-connrefused -o /dev/null -w '%{http_code}' "http://127.0.0.1:$www_port/")" 200
fi
stop_www

# ---- SIGTERM drains ------------------------------------------------------------
www_config "$tmp/d.json" "$tmp/site.img" '{"drain_timeout": 10}'
start_www "$tmp/d.json" "$tmp/d.log" || exit 1
url="http://127.0.0.1:$www_port"
"$PY" "$CLIENT" slowread 127.0.0.1 "$www_port" /big.bin 4000000 10 "$tmp/big.out" >"$tmp/dl.out" &
dl_pid=$!
"$PY" "$CLIENT" keep 127.0.0.1 "$www_port" 8 >"$tmp/keep.out" &
keep_pid=$!
i=0
while [ $i -lt 50 ] && ! grep -q ready "$tmp/keep.out"; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
t0=$(date +%s.%N)
kill -TERM "$www_pid"
sleep 0.3
$C -o /dev/null "$url/" 2>/dev/null
check "drain: a new connection is refused" "$?" 7
wait "$keep_pid"
k=$(tail -n 1 "$tmp/keep.out")
case $k in
open) ko "drain: an idle kept connection stays open" ;;
*) awk -v t="$k" 'BEGIN { exit !(t < 1) }' && ok "drain: an idle kept connection closed (${k}s)" ||
	ko "drain: an idle kept connection closed after ${k}s" ;;
esac
wait "$dl_pid"
check "drain: the download in flight completes" "$(cat "$tmp/dl.out")" "done 8388608"
cmp -s "$tmp/big.out" "$tmp/big.bin" && ok "drain: byte-exact" || ko "drain: the download differs"
wait "$www_pid"
rc=$?
t1=$(date +%s.%N)
www_pid=
check "drain: exit status" "$rc" 0
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 6) }' &&
	ok "drain: ended when the download did" || ko "drain: took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')s"

www_config "$tmp/e.json" "$tmp/site.img" '{"drain_timeout": 1}'
start_www "$tmp/e.json" "$tmp/e.log" || exit 1
"$PY" "$CLIENT" slowread 127.0.0.1 "$www_port" /big.bin 500000 3 "$tmp/cut.out" >"$tmp/cut.txt" &
dl_pid=$!
sleep 0.5
t0=$(date +%s.%N)
kill -TERM "$www_pid"
wait "$www_pid"
t1=$(date +%s.%N)
www_pid=
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.9 && b - a < 2.5) }' &&
	ok "drain_timeout 1: the server ends after the grace period ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s)" ||
	ko "drain_timeout 1: took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')s"
wait "$dl_pid"
# what the kernel already holds for the client still arrives after the
# close; the rest of the file never does
case $(cat "$tmp/cut.txt") in
"done "*) ko "drain_timeout 1: the whole file was sent" ;;
*) ok "drain_timeout 1: the download is cut ($(cat "$tmp/cut.txt") bytes)" ;;
esac

www_config "$tmp/h.json" "$tmp/site.img" '{"drain_timeout": 30}'
start_www "$tmp/h.json" "$tmp/h.log" || exit 1
"$PY" "$CLIENT" slowread 127.0.0.1 "$www_port" /big.bin 500000 3 "$tmp/cut.out" >/dev/null &
dl_pid=$!
sleep 0.5
kill -TERM "$www_pid"
sleep 0.3
kill -0 "$www_pid" 2>/dev/null && ok "drain: still running after one SIGTERM" ||
	ko "drain: one SIGTERM stopped it at once"
t0=$(date +%s.%N)
kill -TERM "$www_pid"
wait "$www_pid"
t1=$(date +%s.%N)
www_pid=
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 0.5) }' &&
	ok "drain: a second SIGTERM stops at once" ||
	ko "drain: a second SIGTERM took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')s"
wait "$dl_pid"

# ---- IPv6 in the built-in configuration ----------------------------------------
www_config "$tmp/f.json" "$top_builddir/apps/www/site.img" '{}'
start_www "$tmp/f.json" "$tmp/f.log" || exit 1
check_grep "the built-in configuration serves ::1 too" "$tmp/f.log" "^www: serving / on http://\[::1\]:$www_port/\$"
check "curl over IPv6: 200" "$($C -g -o /dev/null -w '%{http_code}' "http://[::1]:$www_port/")" 200
check "curl over IPv4: 200" "$($C -o /dev/null -w '%{http_code}' "http://127.0.0.1:$www_port/")" 200
sleep 1.2
check_grep "access log: the IPv6 client" "$tmp/f.log" '^::1 - - \[.*\] "GET / HTTP/1.1" 200 '
stop_www
www_config "$tmp/g.json" "$top_builddir/apps/www/site.img" '{"address6": ""}'
start_www "$tmp/g.json" "$tmp/g.log" || exit 1
if grep -q '\[::1\]' "$tmp/g.log"; then ko "address6 \"\": still on ::1"; else ok "address6 \"\": IPv4 only"; fi
$C -g -o /dev/null "http://[::1]:$www_port/" 2>/dev/null
check "address6 \"\": curl over IPv6 is refused" "$?" 7
stop_www
finish
