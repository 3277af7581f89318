#!/bin/sh
# host.sh: www serving a host folder through fs-host, and htdocs swapped
# by SIGHUP.  Edits, new and deleted files show at once (no restart); a
# symlink that leaves the folder is 403.  A SIGHUP that points htdocs at
# another folder, or at another FAT image, serves the new content on a
# connection kept open across it; a SIGHUP to a folder that cannot be
# opened gives 503 until the next one fixes it.
set -u
. "$top_srcdir/tests/www/lib.sh"

need_tools curl mkfs.fat mcopy
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins fs-host blk-file fs-fat net-socket console

tmp=$(mktemp -d "$top_builddir/www-host.XXXXXX") || exit 99
trap 'stop_www; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
C="curl -s -S --max-time 10"

# conf OUT HTDOCS-JSON: the built-in configuration with htdocs replaced
conf() {
	"$WWW" --print-config | "$PY" -c '
import json, sys
c = json.load(sys.stdin)
del c["devices"]["disk"]
c["devices"].update(json.loads(sys.argv[2]))
c["app"]["args"]["port"] = int(sys.argv[3])
json.dump(c, open(sys.argv[1], "w"), indent=1)
' "$1" "$2" "${3:-0}"
}

mkdir -p "$tmp/one/sub" "$tmp/two"
echo "one" >"$tmp/one/index.html"
echo "two" >"$tmp/two/index.html"
echo "secret" >"$tmp/secret.txt"
ln -s ../secret.txt "$tmp/one/leak.txt"
ln -s index.html "$tmp/one/alias.html"
conf "$tmp/www.json" '{"htdocs": {"provider": "fs-host", "path": "'"$tmp/one"'"}}'
start_www "$tmp/www.json" "$tmp/log" || exit 1
url="http://127.0.0.1:$www_port"
check "a host folder: /" "$($C "$url/")" one
etag1=$($C -D - -o /dev/null "$url/" | tr -d '\r' | sed -n 's/^ETag: //p')
echo "edited, and longer" >"$tmp/one/index.html"
check "an edit shows at once" "$($C "$url/")" "edited, and longer"
etag2=$($C -D - -o /dev/null "$url/" | tr -d '\r' | sed -n 's/^ETag: //p')
[ -n "$etag1" ] && [ "$etag1" != "$etag2" ] && ok "the ETag changes with the edit" ||
	ko "ETag $etag1 then $etag2"
echo "new file" >"$tmp/one/sub/new.txt"
check "a new file shows at once" "$($C "$url/sub/new.txt")" "new file"
rm "$tmp/one/sub/new.txt"
check "a deleted file is 404 at once" "$($C -o /dev/null -w '%{http_code}' "$url/sub/new.txt")" 404
check "a symlink inside the folder is served" "$($C "$url/alias.html")" "edited, and longer"
check "a symlink leaving the folder: 403" "$($C -o /dev/null -w '%{http_code}' "$url/leak.txt")" 403
check "a folder without its slash: 301" "$($C -o /dev/null -w '%{http_code}' "$url/sub")" 301

# SIGHUP: another folder, under a kept connection
"$PY" "$CLIENT" twice 127.0.0.1 "$www_port" / "$tmp/flag" >"$tmp/twice.out" &
tw=$!
sleep 0.5
port=$www_port
conf "$tmp/www.json" '{"htdocs": {"provider": "fs-host", "path": "'"$tmp/two"'"}}' "$port"
kill -HUP "$www_pid"
sleep 0.5
touch "$tmp/flag"
wait "$tw"
check "SIGHUP to another folder: the kept connection gets the new content" \
	"$(tr '\n' ' ' <"$tmp/twice.out")" "edited, and longer two "
check "SIGHUP: new connections too" "$($C "$url/")" two
if grep -q "reload refused" "$tmp/log.err"; then ko "the reload was refused"; sed 's/^/  | /' "$tmp/log.err"; else ok "the reload was taken"; fi

# SIGHUP: a folder that cannot be opened, then a FAT image
conf "$tmp/www.json" '{"htdocs": {"provider": "fs-host", "path": "'"$tmp/none"'"}}' "$port"
kill -HUP "$www_pid"
sleep 0.5
check "htdocs failed: 503" "$($C -o /dev/null -w '%{http_code}' "$url/")" 503
kill -0 "$www_pid" 2>/dev/null && ok "htdocs failed: www keeps running" || ko "www died"
mkdir "$tmp/img"
echo "from the image" >"$tmp/img/index.html"
rm -f "$tmp/site.img"
mkfs.fat -C -n HOSTTEST "$tmp/site.img" 2048 >/dev/null && mcopy -i "$tmp/site.img" -m "$tmp/img/index.html" ::/
conf "$tmp/www.json" '{"disk": {"provider": "blk-file", "path": "'"$tmp/site.img"'", "read_only": true},
	"htdocs": {"provider": "fs-fat", "on": "disk"}}' "$port"
kill -HUP "$www_pid"
sleep 0.5
check "SIGHUP to a FAT image: served" "$($C "$url/")" "from the image"
cp "$tmp/site.img" "$tmp/site2.img"
echo "second image" >"$tmp/img/index.html"
mcopy -o -i "$tmp/site2.img" -m "$tmp/img/index.html" ::/
conf "$tmp/www.json" '{"disk": {"provider": "blk-file", "path": "'"$tmp/site2.img"'", "read_only": true},
	"htdocs": {"provider": "fs-fat", "on": "disk"}}' "$port"
kill -HUP "$www_pid"
sleep 0.5
check "SIGHUP swapping the image: the new one" "$($C "$url/")" "second image"
kill -0 "$www_pid" 2>/dev/null && ok "server still running" || ko "server died"
stop_www
finish
