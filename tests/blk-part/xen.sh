#!/bin/sh
# xen.sh: Xen's xvda with partitions.  A vbd whose disk (blk-file, named
# by the backend's params) has a GPT made by sgdisk and a FAT volume in
# its second partition made by mkfs.fat --offset and filled by mtools;
# blk-part on vbd-51712 takes partition "site", fs-fat sits on it, and
# www serves the volume's file once the vbd is Connected (curl).
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
PATH="$PATH:/usr/sbin:/sbin"
export MTOOLS_SKIP_CHECK=1
for t in mkfs.fat mcopy curl sgdisk; do
	command -v "$t" >/dev/null 2>&1 || xsd_skip "$t is not installed"
done
for p in fs-fat blk-file blk-part net-socket console www; do
	[ -f "$DEVMGR_PLUGIN_PATH/$p.so" ] || xsd_skip "plugin $p is not built"
done
xsd_init
D=$XSD_DIR

"$DEVMGR" validate -c "$top_srcdir/examples/www-xen-part.json" >"$D/v0" 2>&1
check "validate accepts examples/www-xen-part.json" [ $? -eq 0 ]

echo "hello from a xen partition" >"$D/hello.txt"
truncate -s 16M "$D/disk.img"
sgdisk -n 1:2048:+2M -c 1:boot -n 2:0:+8M -c 2:site "$D/disk.img" >/dev/null &&
	mkfs.fat --offset 6144 "$D/disk.img" 8192 >/dev/null 2>&1 &&
	mcopy -i "$D/disk.img@@$((6144 * 512))" "$D/hello.txt" ::/hello.txt ||
	{ echo "cannot make the partitioned disk"; exit 99; }
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$D/conf.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "site":   { "provider": "blk-part", "on": "vbd-51712", "name": "site" },
    "htdocs": { "provider": "fs-fat", "on": "site", "read_only": true },
    "net":    { "provider": "net-socket", "address": "127.0.0.1" },
    "log":    { "provider": "console-stdio" } },
  "app": { "name": "www",
           "bind": { "net": "net", "htdocs": "htdocs", "log": "log" },
           "args": { "port": $PORT } },
  "xenstore": { "domain_path": "/local/domain/7",
    "map": { "vbd": { "provider": "blk-file" } } } }
JSON
xsd_start
xsd_domain 7
URL="http://127.0.0.1:$PORT/hello.txt"
O="$D/run.out"
bg_start "$O" "$D/run.err" "$DEVMGR" run -v --xenstore -c "$D/conf.json"
vbd_attach 7 51712 "$D/disk.img" r
states 7 vbd 51712 4 4
n=0 served=false
while [ $n -lt 50 ]; do
	if [ "$(curl -s -m 2 -o "$D/body" -w '%{http_code}' "$URL" 2>/dev/null)" = 200 ] &&
	   grep -q -x "hello from a xen partition" "$D/body"; then
		served=true
		break
	fi
	sleep 0.1
	n=$((n + 1))
done
check "www serves the file of the vbd's partition \"site\"" $served
grep -q 'blk-part site: vbd-51712: GPT table, 2 partitions (primary header)' "$D/run.err" &&
	ok "blk-part logs the vbd's table" || ko "blk-part's table line"
grep -q 'using GPT partition 2: sectors 6144..22527' "$D/run.err" &&
	ok "blk-part uses partition 2 (\"site\")" || ko "blk-part's choice"
bg_stop
[ "$fail" -eq 0 ] || cat "$O" "$D/run.err"
finish
