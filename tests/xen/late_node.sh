#!/bin/sh
# late_node.sh: xen-blkfront makes the frontend Connected, then adds the
# disk, so /dev/xvdX may appear a moment after state 4.  A xenstore
# device whose creation finds no node is tried again, quietly, for 5 s:
# a node that appears within that time gives a plug and no error; one
# that never appears gives one error event after the wait.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
xsd_init
xsd_start
xsd_domain 7
D=$XSD_DIR
cat >"$D/conf.json" <<JSON
{ "devmgr": 1, "devices": {},
  "xenstore": { "domain_path": "/local/domain/7",
    "map": { "vbd": { "provider": "blk-file", "path": "$D/{vdev}.img" } } } }
JSON
W="$D/watch.out"
bg_start "$W" "$D/watch.err" "$DEVMGR" watch --xenstore -c "$D/conf.json"
sleep 0.3
# xvdb's node comes 0.8 s after both ends are Connected.
vbd_attach 7 51728 unused w
states 7 vbd 51728 4 4
sleep 0.8
dd if=/dev/zero of="$D/xvdb.img" bs=1k count=64 2>/dev/null
poll "$W" '"event":"plug","id":"vbd-51728"' 1 50 &&
	ok "a node that appears after state 4 is plugged" || ko "late node plugged"
check "no error while the node was missing" [ "$(count "$W" '"event":"error"')" -eq 0 ]
# xvdc's node never comes: one error, after the wait.
vbd_attach 7 51744 unused w
states 7 vbd 51744 4 4
sleep 3
check "no error within the wait" [ "$(count "$W" '"id":"vbd-51744"')" -eq 0 ]
poll "$W" '"event":"error","id":"vbd-51744","error":"open '"$D"'/xvdc.img: No such file or directory"' 1 50 &&
	ok "a node that never comes: an error after the wait" || ko "missing node error"
sleep 1
check "that error once" [ "$(count "$W" '"id":"vbd-51744"')" -eq 1 ]
check "the disk that came is not disturbed" [ "$(count "$W" '"event":"unplug"')" -eq 0 ]
bg_stop
check "watch: SIGINT ends it with 0" [ "$BG_RC" -eq 0 ]
[ "$fail" -eq 0 ] || cat "$W" "$D/watch.err"
finish
