#!/bin/sh
# www.sh: curl against the www app on its built-in configuration (blk-ram
# holding a FAT image, fs-fat, net-socket on 127.0.0.1, console-stdio),
# moved to a free port and to an image the test makes: the demo site, a
# 32 MiB file of random bytes, and a folder served on its own (root) to
# try to climb out of.  Every response code, HEAD, 304, keep-alive,
# pipelining, the big file byte-exact, traversal attempts, the access log.
set -u
. "$top_srcdir/tests/www/lib.sh"

need_tools curl mkfs.fat mcopy cmp
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins blk-ram fs-fat net-socket console

tmp=$(mktemp -d "$top_builddir/www-test.XXXXXX") || exit 99
trap 'stop_www; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM

# ---- the built-in configuration and where it finds the image --------
"$WWW" --print-config >"$tmp/default.json"
check_grep "built-in configuration: the build's image" "$tmp/default.json" \
	"\"image\": \"$(cd "$top_builddir" && pwd -P)/apps/www/site.img\""
check_grep "built-in configuration: net-socket on 127.0.0.1" "$tmp/default.json" \
	'"provider": "net-socket", "address": "127.0.0.1"'
check_grep "built-in configuration: port 8080" "$tmp/default.json" '"port": 8080'
DEVMGR_WWW_IMAGE="$tmp/x \"y\".img" "$WWW" --print-config >"$tmp/env.json"
check_grep "DEVMGR_WWW_IMAGE wins, JSON-escaped" "$tmp/env.json" \
	"\"image\": \"$tmp/x \\\\\"y\\\\\".img\""
"$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/env.json" &&
	ok "--print-config is JSON" || ko "--print-config is not JSON"
DEVMGR_WWW_IMAGE="$tmp/none.img" "$WWW" >"$tmp/out" 2>&1
rc=$?
check "a missing image: exit status" "$rc" 1
check_grep "a missing image: the error names it" "$tmp/out" "none.img"

# ---- bad arguments: refused at start, naming the argument ------------
# bad_arg NAME ARGS-JSON MESSAGE
bad_arg() {
	www_config "$tmp/bad.json" "$top_builddir/apps/www/site.img" "$2"
	"$WWW" -c "$tmp/bad.json" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q -e "$3" "$tmp/out"; then
		ok "bad argument refused: $1 (exit $rc)"
	else
		ko "bad argument $1: exit $rc, no /$3/"
		sed 's/^/  | /' "$tmp/out"
	fi
}
bad_arg "relative root" '{"root": "x"}' '/app/args/root: "x" is not an absolute path'
bad_arg "root above the fs" '{"root": "/../x"}' '/app/args/root: "/\.\./x" climbs above'
bad_arg "root with %00" '{"root": "/a%00"}' '/app/args/root: .* is not a plain path'
bad_arg "index with a /" '{"index": "a/b"}' '/app/args/index: "a/b" is not a file name'
bad_arg "address not IPv4" '{"address": "nope"}' '/app/args/address: "nope" is not an IPv4 address'
bad_arg "address not the stack's" '{"address": "10.9.9.9"}' 'listen on 10.9.9.9:0'
bad_arg "chunk_size too small" '{"chunk_size": "1K"}' '/app/args/chunk_size: 1024 is out of range'
bad_arg "unknown argument" '{"prot": 80}' '/app/args.*prot'

head -c 33554432 /dev/urandom >"$tmp/big.bin"
mkdir -p "$tmp/inner"
echo "inner page" >"$tmp/inner/index.html"
make_image "$tmp/site.img" 40960 "$tmp/big.bin" "$tmp/inner" ||
	{ echo "cannot make the test image"; exit 99; }
www_config "$tmp/www.json" "$tmp/site.img" '{}'
start_www "$tmp/www.json" "$tmp/log" || exit 1
url="http://127.0.0.1:$www_port"
C="curl -s -S --max-time 20 --path-as-is"

# code URL [CURL-ARGS...]: the status of one request
code() {
	u=$1
	shift
	$C -o /dev/null -w '%{http_code}' "$@" "$url$u"
}

# ---- 200 and what comes with it ---------------------------------------
$C -D "$tmp/h" -o "$tmp/body" "$url/"
check "GET / status" "$(head -n 1 "$tmp/h" | tr -d '\r')" "HTTP/1.1 200 OK"
if cmp -s "$tmp/body" "$top_srcdir/site/index.html"; then
	ok "GET / is site/index.html"
else
	ko "GET / differs from site/index.html"
fi
check_grep "GET / Content-Type" "$tmp/h" "^Content-Type: text/html; charset=utf-8"
check_grep "GET / Content-Length" "$tmp/h" "^Content-Length: $(wc -c <"$top_srcdir/site/index.html")"
check_grep "GET / Last-Modified" "$tmp/h" "^Last-Modified: [A-Z][a-z][a-z], [0-9][0-9] [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]* GMT"
check_grep "GET / Date" "$tmp/h" "^Date: .* GMT"
for pair in style.css:text/css data.json:application/json \
	img/logo.svg:image/svg+xml docs/notes.txt:text/plain \
	big.bin:application/octet-stream; do
	f=${pair%%:*} type=${pair#*:}
	got=$($C -I -o /dev/null -w '%{content_type}' "$url/$f")
	case $got in
	"$type"*) ok "Content-Type of $f" ;;
	*) ko "Content-Type of $f: '$got', expected $type" ;;
	esac
done
check "Content-Type ignores case of the name (/INDEX.HTML)" \
	"$($C -o /dev/null -w '%{http_code} %{content_type}' "$url/INDEX.HTML")" \
	"200 text/html; charset=utf-8"

# ---- folders ------------------------------------------------------------
$C -o "$tmp/body" "$url/about/"
if cmp -s "$tmp/body" "$top_srcdir/site/about/index.html"; then
	ok "GET /about/ serves about/index.html"
else
	ko "GET /about/ is not about/index.html"
fi
$C -D "$tmp/h" -o /dev/null "$url/about"
check "GET /about redirects" "$(head -n 1 "$tmp/h" | tr -d '\r')" "HTTP/1.1 301 Moved Permanently"
check_grep "redirect Location" "$tmp/h" "^Location: /about/"
check "a folder without index.html is 404" "$(code /img/)" 404

# ---- HEAD ---------------------------------------------------------------
size=$($C -I -D "$tmp/h" -o /dev/null -w '%{size_download}' "$url/docs/notes.txt")
check "HEAD status" "$(head -n 1 "$tmp/h" | tr -d '\r')" "HTTP/1.1 200 OK"
check_grep "HEAD Content-Length is the file's" "$tmp/h" "^Content-Length: $(wc -c <"$top_srcdir/site/docs/notes.txt")"
check "HEAD has no body" "$size" 0
check "HEAD of the big file: Content-Length" \
	"$($C -I "$url/big.bin" | tr -d '\r' | sed -n 's/^Content-Length: //p')" 33554432

# ---- 304 ----------------------------------------------------------------
lm=$($C -I "$url/style.css" | tr -d '\r' | sed -n 's/^Last-Modified: //p')
size=$($C -D "$tmp/h" -o /dev/null -w '%{size_download}' -H "If-Modified-Since: $lm" "$url/style.css")
check "If-Modified-Since = Last-Modified: 304" "$(head -n 1 "$tmp/h" | tr -d '\r')" "HTTP/1.1 304 Not Modified"
check "304 has no body" "$size" 0
check_grep "304 has Last-Modified" "$tmp/h" "^Last-Modified: $lm"
check "If-Modified-Since in the future: 304" \
	"$(code /style.css -H 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT')" 304
check "If-Modified-Since long ago: 200" \
	"$(code /style.css -H 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT')" 200
check "If-Modified-Since in asctime form: 304" \
	"$(code /style.css -H 'If-Modified-Since: Fri Jan  1 00:00:00 2100')" 304
check "If-Modified-Since not a date: 200" \
	"$(code /style.css -H 'If-Modified-Since: tomorrow')" 200
check "HEAD with If-Modified-Since: 304" \
	"$($C -I -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $lm" "$url/style.css")" 304

# ---- keep-alive and pipelining ----------------------------------------
got=$($C -w '%{http_code}:%{num_connects} ' -o /dev/null -o /dev/null \
	-o /dev/null -o /dev/null "$url/" "$url/style.css" "$url/nope" \
	"$url/data.json")
check "four requests on one connection (status:new connections)" \
	"$got" "200:1 200:0 404:0 200:0 "
size() { $C -o /dev/null -w '%{size_download}' "$url$1"; }
want="200 $(size /) 200 $(size /style.css) 404 $(size /nope) 301 $(size /about)"
want="$want 200 33554432 200 $(size /data.json) "
got=$("$PY" "$CLIENT" pipeline 127.0.0.1 "$www_port" / /style.css /nope \
	/about /big.bin /data.json 2>&1 | tr '\n' ' ')
check "six pipelined requests answered in order" "$got" "$want"
got=$("$PY" "$CLIENT" raw 127.0.0.1 "$www_port" \
	'GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n' | tr -d '\r' | tr '\n' ' ')
check "HTTP/1.0 without keep-alive: one answer, then close" "$got" "HTTP/1.1 200 OK "
got=$("$PY" "$CLIENT" raw 127.0.0.1 "$www_port" \
	'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nHEAD / HTTP/1.0\r\n\r\n' |
	tr -d '\r' | tr '\n' ' ')
check "HTTP/1.0 keep-alive: two answers" "$got" "HTTP/1.1 200 OK HTTP/1.1 200 OK "

# ---- the big file ------------------------------------------------------
$C -o "$tmp/big.out" "$url/big.bin"
if cmp "$tmp/big.out" "$tmp/big.bin"; then
	ok "32 MiB file byte-exact"
else
	ko "32 MiB file differs"
fi
rm -f "$tmp/big.out"

# ---- errors ------------------------------------------------------------
check "404 for a missing file" "$(code /nope.html)" 404
check "404 below a file" "$(code /index.html/x)" 404
$C -D "$tmp/h" -o /dev/null -X POST -d x "$url/"
check "POST: 405" "$(head -n 1 "$tmp/h" | tr -d '\r')" "HTTP/1.1 405 Method Not Allowed"
check_grep "405 says Allow" "$tmp/h" "^Allow: GET, HEAD"
check "DELETE: 405" "$(code / -X DELETE)" 405
check "OPTIONS: 405" "$(code / -X OPTIONS)" 405
head -c 65536 /dev/zero >"$tmp/body64k"
check "64 KiB body: 413" "$(code / -X POST --data-binary @"$tmp/body64k")" 413
long=$(head -c 9000 /dev/zero | tr '\0' a)
check "9000-byte target: 414" "$(code "/$long")" 414
check "4000-byte target is not 414" "$(code "/$(echo "$long" | cut -c 1-4000)")" 404
check "20000-byte header: 431" "$(code / -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' b)")" 431
raw() { "$PY" "$CLIENT" raw 127.0.0.1 "$www_port" "$1" | head -n 1 | tr -d '\r'; }
check "HTTP/1.1 without Host: 400" "$(raw 'GET / HTTP/1.1\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "not HTTP: 400" "$(raw 'HELLO\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "bad %-escape: 400" "$(code /a%zz)" 400
check "space in a header name: 400" "$(raw 'GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "two Content-Lengths: 400" "$(raw 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx')" "HTTP/1.1 400 Bad Request"
check "after a 400 the connection ends" \
	"$("$PY" "$CLIENT" raw 127.0.0.1 "$www_port" 'HELLO\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n' | wc -l | tr -d ' ')" 1

# ---- traversal ---------------------------------------------------------
for t in '/../index.html' '/%2e%2e/index.html' '/.%2e/index.html' \
	'/docs/../../index.html' '/..%2findex.html' '/docs%2f..%2f..%2findex.html' \
	'/index.html%00.txt' '/%00' '/docs%5c..%5c..%5cindex.html' '/..\index.html'; do
	check "traversal $t refused" "$(code "$t")" 400
done
check "/docs/../index.html stays inside: 200" "$(code /docs/../index.html)" 200

# A second server on the same image serves only /inner (app arg root).
www_config "$tmp/inner.json" "$tmp/site.img" '{"root": "/inner"}' \
	'{"disk": {"provider": "blk-file", "path": "'"$tmp/site.img"'", "read_only": true}}'
main_pid=$www_pid main_port=$www_port
start_www "$tmp/inner.json" "$tmp/inner.log" || exit 1
check "root /inner: / is inner/index.html" "$($C "http://127.0.0.1:$www_port/")" "inner page"
for t in '/../index.html' '/%2e%2e/index.html' '/..%2findex.html' \
	'/../style.css' '/%2E%2E/%2E%2E/style.css' '/a/../../style.css'; do
	check "root /inner: $t refused" \
		"$($C -o /dev/null -w '%{http_code}' "http://127.0.0.1:$www_port$t")" 400
done
check "root /inner: /style.css is not there" \
	"$($C -o /dev/null -w '%{http_code}' "http://127.0.0.1:$www_port/style.css")" 404
stop_www
www_pid=$main_pid www_port=$main_port

# ---- the access log ----------------------------------------------------
$C -o /dev/null "$url/docs/notes.txt?q=%22x%22"
sleep 0.3
check_grep "access log line" "$tmp/log" \
	'^127\.0\.0\.1 - - \[[0-9][0-9]/[A-Z][a-z][a-z]/20[0-9][0-9]:[0-9:]* +0000\] "GET /docs/notes.txt?q=%22x%22 HTTP/1.1" 200 '"$(wc -c <"$top_srcdir/site/docs/notes.txt")"' "-" "curl/[^"]*"$'
check_grep "access log: the big file" "$tmp/log" '"GET /big.bin HTTP/1.1" 200 33554432 "-" "curl/[^"]*"$'
check_grep "access log: 405" "$tmp/log" '"POST / HTTP/1.1" 405 '
check_grep "access log: 414, the target cut short" "$tmp/log" '"GET /aaaaaaaa*" 414 '
check_grep "access log: traversal" "$tmp/log" '"GET /\.\./index.html HTTP/1.1" 400 '
check_grep "access log escapes a backslash" "$tmp/log" '"GET /\.\.\\x5cindex.html HTTP/1.1" 400 '
lines=$(grep -c '^127\.0\.0\.1 - - ' "$tmp/log")
[ "$lines" -ge 60 ] && ok "one log line per request ($lines)" ||
	ko "only $lines access log lines"
kill -0 "$www_pid" 2>/dev/null && ok "server still running" || ko "server died"
stop_www
[ -s "$tmp/log.err" ] && { echo "stderr:"; sed 's/^/  | /' "$tmp/log.err"; }
finish
