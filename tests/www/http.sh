#!/bin/sh
# http.sh: curl against www for the parts of HTTP beyond plain GET: byte
# ranges (206, 416, If-Range, curl -C -), the ETag and If-None-Match with
# its precedence over If-Modified-Since, Host, version and method errors
# (400, 505, 501), Expect: 100-continue, the query kept by a 301,
# Last-Modified never after Date, a precompressed FILE.gz, the combined
# log format, and the log reopened on SIGUSR1.
set -u
. "$top_srcdir/tests/www/lib.sh"

need_tools curl mkfs.fat mcopy cmp gzip
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins blk-ram fs-fat net-socket console

tmp=$(mktemp -d "$top_builddir/www-http.XXXXXX") || exit 99
trap 'stop_www; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM

head -c 3000000 /dev/urandom >"$tmp/media.bin"
seq 1 2000 >"$tmp/text.txt"
gzip -9 -c "$tmp/text.txt" >"$tmp/text.txt.gz"
echo "from the future" >"$tmp/future.txt"
touch -d '+2 days' "$tmp/future.txt"
: >"$tmp/empty.txt"
make_image "$tmp/site.img" 20480 "$tmp/media.bin" "$tmp/text.txt" \
	"$tmp/text.txt.gz" "$tmp/future.txt" "$tmp/empty.txt" ||
	{ echo "cannot make the test image"; exit 99; }
www_config "$tmp/www.json" "$tmp/site.img" '{}' \
	'{"log": {"provider": "console-file", "path": "'"$tmp/access.log"'", "append": true}}'
serving_log=$tmp/access.log start_www "$tmp/www.json" "$tmp/start.log" || exit 1
url="http://127.0.0.1:$www_port"
C="curl -s -S --max-time 20"
# hdr NAME FILE: a header's value from a curl -D file
hdr() { tr -d '\r' <"$2" | sed -n "s/^$1: //Ip" | head -n 1; }
status() { head -n 1 "$1" | tr -d '\r'; }
code() {
	u=$1
	shift
	$C -o /dev/null -w '%{http_code}' "$@" "$url$u"
}

# ---- ranges ------------------------------------------------------------
$C -D "$tmp/h" -o /dev/null "$url/media.bin"
check "200 says Accept-Ranges: bytes" "$(hdr Accept-Ranges "$tmp/h")" bytes
$C -D "$tmp/h" -o "$tmp/out" -r 0-99 "$url/media.bin"
check "bytes=0-99: 206" "$(status "$tmp/h")" "HTTP/1.1 206 Partial Content"
check "bytes=0-99: Content-Range" "$(hdr Content-Range "$tmp/h")" "bytes 0-99/3000000"
check "bytes=0-99: Content-Length" "$(hdr Content-Length "$tmp/h")" 100
head -c 100 "$tmp/media.bin" >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok "bytes=0-99: the first 100 bytes" ||
	ko "bytes=0-99: wrong bytes"
$C -D "$tmp/h" -o "$tmp/out" -r 2999000- "$url/media.bin"
check "bytes=2999000-: Content-Range" "$(hdr Content-Range "$tmp/h")" "bytes 2999000-2999999/3000000"
tail -c 1000 "$tmp/media.bin" >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok "bytes=2999000-: the last 1000 bytes" ||
	ko "bytes=2999000-: wrong bytes"
$C -D "$tmp/h" -o "$tmp/out" -r -777 "$url/media.bin"
check "bytes=-777: Content-Range" "$(hdr Content-Range "$tmp/h")" "bytes 2999223-2999999/3000000"
tail -c 777 "$tmp/media.bin" >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok "bytes=-777: the last 777 bytes" ||
	ko "bytes=-777: wrong bytes"
# a range larger than one chunk goes out streamed from its offset
$C -o "$tmp/out" -r 100001-2500000 "$url/media.bin"
tail -c +100002 "$tmp/media.bin" | head -c 2400000 >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok "bytes=100001-2500000: streamed, byte-exact" ||
	ko "bytes=100001-2500000: wrong bytes"
check "bytes=0-5000000: clamped to the file" \
	"$($C -D - -o /dev/null -r 0-5000000 "$url/media.bin" | tr -d '\r' | sed -n 's/^Content-Range: //p')" \
	"bytes 0-2999999/3000000"
$C -D "$tmp/h" -o "$tmp/out" -r 3000000- "$url/media.bin"
check "bytes=3000000-: 416" "$(status "$tmp/h")" "HTTP/1.1 416 Range Not Satisfiable"
check "416: Content-Range bytes */LEN" "$(hdr Content-Range "$tmp/h")" "bytes */3000000"
check "bytes=-0: 416" "$(code /media.bin -H 'Range: bytes=-0')" 416
check "a range of an empty file: 416" "$(code /empty.txt -r 0-)" 416
check "several ranges: the whole file (200)" "$(code /media.bin -r 0-1,5-6)" 200
check "bytes=5-4 (invalid): ignored, 200" "$(code /media.bin -H 'Range: bytes=5-4')" 200
check "a unit other than bytes: ignored, 200" "$(code /media.bin -H 'Range: items=0-1')" 200
check "HEAD with Range: 200" "$($C -I -o /dev/null -w '%{http_code}' -r 0-9 "$url/media.bin")" 200
$C -D "$tmp/h" -o /dev/null "$url/media.bin"
etag=$(hdr ETag "$tmp/h")
lm=$(hdr Last-Modified "$tmp/h")
case $etag in
'"'*'"') ok "a strong ETag ($etag)" ;;
*) ko "ETag missing or weak: '$etag'" ;;
esac
check "If-Range with the ETag: 206" "$(code /media.bin -r 0-9 -H "If-Range: $etag")" 206
check "If-Range with another ETag: 200" "$(code /media.bin -r 0-9 -H 'If-Range: "0-0"')" 200
check "If-Range with a weak ETag: 200" "$(code /media.bin -r 0-9 -H "If-Range: W/$etag")" 200
check "If-Range with the Last-Modified date: 206" "$(code /media.bin -r 0-9 -H "If-Range: $lm")" 206
check "If-Range with another date: 200" \
	"$(code /media.bin -r 0-9 -H 'If-Range: Sun, 06 Nov 1994 08:49:37 GMT')" 200
head -c 1234567 "$tmp/media.bin" >"$tmp/resume"
$C -C - -o "$tmp/resume" "$url/media.bin"
cmp -s "$tmp/resume" "$tmp/media.bin" && ok "curl -C - resumes a download byte-exact" ||
	ko "curl -C - gave a different file"

# ---- validators ----------------------------------------------------------
rm -f "$tmp/out"
$C -D "$tmp/h" -o "$tmp/out" -H "If-None-Match: $etag" "$url/media.bin"
check "If-None-Match with the ETag: 304" "$(status "$tmp/h")" "HTTP/1.1 304 Not Modified"
check "304 carries the ETag" "$(hdr ETag "$tmp/h")" "$etag"
check "304 has no Content-Length" "$(hdr Content-Length "$tmp/h")" ""
check "304 has no body" "$(cat "$tmp/out" 2>/dev/null | wc -c | tr -d ' ')" 0
check "If-None-Match: *: 304" "$(code /media.bin -H 'If-None-Match: *')" 304
check "If-None-Match: a list holding it: 304" \
	"$(code /media.bin -H "If-None-Match: \"x\", W/$etag")" 304
check "If-None-Match: two fields, the second holding it: 304" \
	"$(code /media.bin -H 'If-None-Match: "x"' -H "If-None-Match: $etag")" 304
check "If-None-Match not matching: 200" "$(code /media.bin -H 'If-None-Match: "x"')" 200
check "If-None-Match not matching wins over If-Modified-Since: 200" \
	"$(code /media.bin -H 'If-None-Match: "x"' -H "If-Modified-Since: $lm")" 200
check "If-Modified-Since alone: 304" "$(code /media.bin -H "If-Modified-Since: $lm")" 304
check "If-None-Match: * on a missing file: 404" "$(code /nope -H 'If-None-Match: *')" 404
check "HEAD with If-None-Match: 304" \
	"$($C -I -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/media.bin")" 304

# ---- Last-Modified never after Date --------------------------------------
$C -D "$tmp/h" -o /dev/null "$url/future.txt"
lm=$(date -u -d "$(hdr Last-Modified "$tmp/h")" +%s)
dt=$(date -u -d "$(hdr Date "$tmp/h")" +%s)
[ "$lm" -le "$dt" ] && ok "a file from the future: Last-Modified <= Date" ||
	ko "Last-Modified $(hdr Last-Modified "$tmp/h") is after Date $(hdr Date "$tmp/h")"

# ---- status codes --------------------------------------------------------
raw() { "$PY" "$CLIENT" raw 127.0.0.1 "$www_port" "$1" | head -n 1 | tr -d '\r'; }
check "two Host fields: 400" "$(raw 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "two Host fields in HTTP/1.0: 400" "$(raw 'GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "HTTP/1.1 without Host: 400" "$(raw 'GET / HTTP/1.1\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "HTTP/1.0 without Host: 200" "$(raw 'GET / HTTP/1.0\r\n\r\n')" "HTTP/1.1 200 OK"
check "HTTP/2.0: 505" "$(raw 'GET / HTTP/2.0\r\nHost: a\r\n\r\n')" "HTTP/1.1 505 HTTP Version Not Supported"
check "HTTP/3.1: 505" "$(raw 'GET / HTTP/3.1\r\nHost: a\r\n\r\n')" "HTTP/1.1 505 HTTP Version Not Supported"
check "method BREW: 501" "$(code / -X BREW)" 501
check "method get (methods are case-sensitive): 501" "$(raw 'get / HTTP/1.1\r\nHost: a\r\n\r\n')" "HTTP/1.1 501 Not Implemented"
got=$("$PY" "$CLIENT" raw 127.0.0.1 "$www_port" 'BREW / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' | tr -d '\r' | tr '\n' ' ')
check "501 keeps the connection, its body read and dropped" "$got" "HTTP/1.1 501 Not Implemented HTTP/1.1 200 OK "
check "a known method other than GET and HEAD: 405" "$(code / -X PUT)" 405
check "not HTTP at all: 400" "$(raw 'HELLO\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "Expect: something else: 417" "$(code / -H 'Expect: tea')" 417

# ---- Expect: 100-continue ----------------------------------------------
head -c 10000 /dev/zero >"$tmp/body"
$C -v -o /dev/null -w '%{http_code} %{time_total}\n' -X POST \
	-H 'Expect: 100-continue' --expect100-timeout 15 \
	--data-binary @"$tmp/body" "$url/" >"$tmp/out" 2>"$tmp/err"
check_grep "Expect: 100-continue: 100 Continue comes" "$tmp/err" '^< HTTP/1.1 100 Continue'
got=$(cut -d' ' -f1 "$tmp/out")
t=$(cut -d' ' -f2 "$tmp/out")
check "Expect: 100-continue: then the final answer" "$got" 405
awk -v t="$t" 'BEGIN { exit !(t < 5) }' && ok "Expect: 100-continue: no wait for curl's timeout (${t}s)" ||
	ko "Expect: 100-continue: ${t}s, curl waited for its timeout"

# ---- 301 keeps the query -------------------------------------------------
$C -D "$tmp/h" -o /dev/null "$url/about?x=1&y=%22two%22"
check "301 Location keeps the query" "$(hdr Location "$tmp/h")" "/about/?x=1&y=%22two%22"
$C -D "$tmp/h" -o /dev/null "$url/about?q=1#frag"
check "301 without the fragment" "$(hdr Location "$tmp/h")" "/about/?q=1"

# ---- precompressed FILE.gz ------------------------------------------------
$C -D "$tmp/h" -o "$tmp/out" --compressed "$url/text.txt"
check "gzip accepted: Content-Encoding" "$(hdr Content-Encoding "$tmp/h")" gzip
check "gzip accepted: Vary" "$(hdr Vary "$tmp/h")" Accept-Encoding
check "gzip accepted: the type is the file's" "$(hdr Content-Type "$tmp/h")" "text/plain; charset=utf-8"
check "gzip accepted: Content-Length is the .gz's" "$(hdr Content-Length "$tmp/h")" "$(wc -c <"$tmp/text.txt.gz" | tr -d ' ')"
cmp -s "$tmp/out" "$tmp/text.txt" && ok "gzip accepted: curl decodes the file" ||
	ko "gzip accepted: decoded body differs"
$C -D "$tmp/h" -o "$tmp/out" "$url/text.txt"
check "gzip not asked for: no Content-Encoding" "$(hdr Content-Encoding "$tmp/h")" ""
cmp -s "$tmp/out" "$tmp/text.txt" && ok "gzip not asked for: the file itself" ||
	ko "gzip not asked for: body differs"
check "gzip;q=0: no Content-Encoding" \
	"$($C -D - -o /dev/null -H 'Accept-Encoding: gzip;q=0, br' "$url/text.txt" | tr -d '\r' | sed -n 's/^Content-Encoding: //p')" ""
check "gzip asked for, no .gz beside: identity" \
	"$($C -D - -o /dev/null -H 'Accept-Encoding: gzip' "$url/media.bin" | tr -d '\r' | sed -n 's/^Content-Encoding: //p')" ""
$C -o "$tmp/out" -H 'Accept-Encoding: gzip' -r 0-9 "$url/text.txt"
head -c 10 "$tmp/text.txt.gz" >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok "a range of the gzip representation" ||
	ko "range of the .gz differs"

# ---- the combined log, reopened on SIGUSR1 ----------------------------------
$C -o /dev/null -e 'http://ref.example/a "q"' -A 'tester/1.0 (x)' "$url/text.txt"
sleep 1.2
check_grep "combined log: Referer and User-Agent" "$tmp/access.log" \
	'^127\.0\.0\.1 - - \[[^]]*\] "GET /text.txt HTTP/1.1" 200 [0-9]* "http://ref\.example/a\\x20\\x22q\\x22" "tester/1\.0\\x20(x)"$'
check_grep "combined log: '-' for none" "$tmp/access.log" '"GET / HTTP/1.0" 200 [0-9]* "-" "-"$'
check_grep "combined log: a 206 logs the bytes sent" "$tmp/access.log" '"GET /media.bin HTTP/1.1" 206 100 '
check_grep "combined log: 501 with its method" "$tmp/access.log" '"BREW / HTTP/1.1" 501 '
mv "$tmp/access.log" "$tmp/access.log.1"
kill -USR1 "$www_pid"
sleep 0.3
$C -o /dev/null "$url/after-rotation"
sleep 1.2
check_grep "SIGUSR1: a new log file" "$tmp/access.log" '"GET /after-rotation HTTP/1.1" 404 '
if grep -q after-rotation "$tmp/access.log.1"; then
	ko "SIGUSR1: the old file still written"
else
	ok "SIGUSR1: the old file left alone"
fi
kill -0 "$www_pid" 2>/dev/null && ok "server still running" || ko "server died"
stop_www
[ -s "$tmp/start.log.err" ] && { echo "stderr:"; sed 's/^/  | /' "$tmp/start.log.err"; }
finish
