#!/bin/sh
# www.sh: a device of the configuration file stacked on a device that
# xenstore brings.  fs-fat sits "on" vbd-51712 (blk-file on the FAT image
# the backend's params name) and the www app binds htdocs to it: www does
# not serve before the vbd is Connected, serves the image's file once it
# is, is stopped cleanly when the vbd goes (Closing, Closed, removal),
# and serves again on reattach.  devmgr validate accepts
# examples/www-xen.json and refuses an "on" that cannot be a xenstore id.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
PATH="$PATH:/usr/sbin:/sbin"
export MTOOLS_SKIP_CHECK=1
for t in mkfs.fat mcopy curl; do
	command -v "$t" >/dev/null 2>&1 || xsd_skip "$t is not installed"
done
for p in fs-fat blk-file net-socket console www; do
	[ -f "$DEVMGR_PLUGIN_PATH/$p.so" ] || xsd_skip "plugin $p is not built"
done
xsd_init
D=$XSD_DIR

"$DEVMGR" validate -c "$top_srcdir/examples/www-xen.json" >"$D/v0" 2>&1
check "validate accepts examples/www-xen.json" [ $? -eq 0 ]
sed 's/"vbd-51712"/"vbd-xvda"/' "$top_srcdir/examples/www-xen.json" >"$D/bad.json"
"$DEVMGR" validate -c "$D/bad.json" >"$D/v1" 2>&1
check "validate refuses an \"on\" that cannot be a xenstore id" [ $? -eq 2 ]
grep -q -F '/devices/htdocs/on: unknown device "vbd-xvda" (not in the file, and not a xenstore device id' "$D/v1" &&
	ok "the error says why" || { ko "the error says why"; cat "$D/v1"; }
sed 's/"vbd-51712"/"vif-0"/' "$top_srcdir/examples/www-xen.json" >"$D/vif.json"
"$DEVMGR" validate -c "$D/vif.json" >"$D/v2" 2>&1
grep -q -F '/devices/htdocs/on: xenstore device "vif-0" would be a net' "$D/v2" &&
	ok "validate refuses a xenstore device of the wrong signature" || { ko "vif under fs-fat"; cat "$D/v2"; }

echo "hello from a xen disk" >"$D/hello.txt"
mkfs.fat -C -n XENWWW "$D/site.img" 1024 >/dev/null &&
	mcopy -i "$D/site.img" -m -Q "$D/hello.txt" ::/hello.txt ||
	{ echo "cannot make the FAT image"; exit 99; }
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$D/conf.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "htdocs": { "provider": "fs-fat", "on": "vbd-51712" },
    "net":    { "provider": "net-socket", "address": "127.0.0.1" },
    "log":    { "provider": "console-stdio" } },
  "app": { "name": "www",
           "bind": { "net": "net", "htdocs": "htdocs", "log": "log" },
           "args": { "port": $PORT } },
  "xenstore": { "domain_path": "/local/domain/7",
    "map": { "vbd": { "provider": "blk-file" } } } }
JSON
"$PY" "$SCHEMA_CHECK" "$top_srcdir" --instance devmgr-config "$D/conf.json" >"$D/schema" 2>&1 &&
	ok "configuration matches its schema" || { ko "configuration schema"; cat "$D/schema"; }

xsd_start
xsd_domain 7
URL="http://127.0.0.1:$PORT/hello.txt"
get() { curl -s -m 2 -o "$D/body" -w '%{http_code}' "$URL" 2>/dev/null; }
serves() { # serves [TENTHS]: the file comes back within the time
	n=0
	while [ $n -lt "${1:-50}" ]; do
		[ "$(get)" = 200 ] && grep -q -x "hello from a xen disk" "$D/body" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
refused() { # refused [TENTHS]: nothing listens within the time
	n=0
	while [ $n -lt "${1:-50}" ]; do
		[ "$(get)" = 000 ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# watch: htdocs waits (said once), comes up above the vbd, goes first.
W="$D/watch.out"
bg_start "$W" "$D/watch.err" "$DEVMGR" watch --xenstore -c "$D/conf.json"
poll "$W" '^{"event":"waiting","id":"htdocs","for":"vbd-51712"}$' &&
	ok "watch: htdocs waits for vbd-51712" || ko "watch: waiting line"
vbd_attach 7 51712 "$D/site.img" r
states 7 vbd 51712 4 4
poll "$W" '"event":"plug","id":"htdocs","signature":"fs","provider":"fs-fat"' &&
	ok "watch: htdocs plugged when the vbd is up" || ko "watch: htdocs plugged"
line_of() { grep -n -e "$1" "$W" | head -n 1 | cut -d: -f1; }
check "watch: vbd plugged before htdocs" \
	[ "$(line_of '"event":"plug","id":"vbd-51712"')" -lt "$(line_of '"event":"plug","id":"htdocs"')" ]
detach 7 vbd 51712
poll "$W" '"event":"unplug","id":"vbd-51712"' && ok "watch: vbd unplugged" || ko "watch: vbd unplugged"
poll "$W" '"event":"waiting","id":"htdocs"' 2 && ok "watch: htdocs waits again" || ko "watch: waits again"
check "watch: htdocs unplugged first, as waiting" \
	[ "$(grep '"event":"unplug"' "$W" | head -n 1)" = '{"event":"unplug","id":"htdocs","reason":"waiting"}' ]
check "watch: htdocs waiting said once per wait" [ "$(count "$W" '"event":"waiting"')" -eq 2 ]
"$PY" "$SCHEMA_CHECK" "$top_srcdir" --instance watch-event "$W" --lines >"$D/schema" 2>&1 &&
	ok "every watch line matches its schema" || { ko "watch lines schema"; cat "$D/schema"; }
bg_stop
[ "$fail" -eq 0 ] || cat "$W" "$D/watch.err"

# run: www starts when the disk is up, stops when it goes, starts again.
O="$D/run.out"
bg_start "$O" "$D/run.err" "$DEVMGR" run --xenstore -c "$D/conf.json"
sleep 0.5
check "run: devmgr waits for the disk" kill -0 "$BG_PID"
refused 1 && ok "www does not serve before the vbd exists" || ko "served before the vbd"
vbd_attach 7 51712 "$D/site.img" r
states 7 vbd 51712 3 2
sleep 0.3
refused 1 && ok "www does not serve before the vbd is Connected" || ko "served before Connected"
states 7 vbd 51712 4 4
serves && ok "www serves the disk's file once the vbd is Connected" || ko "www serves after Connected"
states 7 vbd 51712 5 4
refused && ok "Closing: www stops serving" || ko "Closing: www stops serving"
check "run: devmgr goes on (waiting for the disk)" kill -0 "$BG_PID"
states 7 vbd 51712 6 6
xenstore-rm /local/domain/7/device/vbd/51712
xenstore-rm /local/domain/0/backend/vbd/7/51712
sleep 0.3
refused 1 && ok "Closed and removed: still not serving" || ko "served after removal"
vbd_attach 7 51712 "$D/site.img" r
states 7 vbd 51712 4 4
serves && ok "reattached: www serves again" || ko "reattached: www serves again"
bg_stop
check "run: SIGINT ends it with 0" [ "$BG_RC" -eq 0 ]
check "www was started twice" [ "$(grep -c 'serving' "$O" "$D/run.err" | awk -F: '{s += $2} END {print s}')" -ge 2 ]
grep -q "app www starts again when device htdocs is up" "$D/run.err" &&
	ok "run: says why www stopped and when it starts" || ko "run: stop message"
[ "$fail" -eq 0 ] || cat "$O" "$D/run.err"
finish
