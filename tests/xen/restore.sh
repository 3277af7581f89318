#!/bin/sh
# restore.sh: a guest that is saved and restored (or migrated) comes back
# as another domain.  devmgr, which found its domain from "domid", must
# follow the new home instead of taking the old one's disappearance for
# the removal of every device.  As in a real guest, devmgr does not run
# while the toolstack moves the domain (SIGSTOP here, suspension there),
# and then sees the events of its old, re-registered watches.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
xsd_init
xsd_start
D=$XSD_DIR
for f in xvda xvdb xvdc; do
	dd if=/dev/zero of="$D/$f.img" bs=1k count=64 2>/dev/null
done
cat >"$D/conf.json" <<JSON
{ "devmgr": 1, "devices": {},
  "xenstore": { "map": { "vbd": { "provider": "blk-file", "path": "$D/{vdev}.img" } } } }
JSON
# domain N with the disk 51712, both ends Connected; devmgr's "domid"
# (relative: dom0's home over the socket) says N.
guest() {
	xsd_domain "$1"
	vbd_attach "$1" 51712 unused w
	states "$1" vbd 51712 4 4
	xsw /local/domain/0/domid "$1"
}
guest 7
W="$D/watch.out"
bg_start "$W" "$D/watch.err" "$DEVMGR" watch --xenstore -c "$D/conf.json"
poll "$W" '"event":"plug","id":"vbd-51712"' && ok "disk up in domain 7" || ko "disk up in domain 7"

# Save (the old domain goes) and restore (domain 8 with the same disk).
kill -STOP "$BG_PID"
xenstore-rm /local/domain/7
xenstore-rm /local/domain/0/backend/vbd/7
guest 8
kill -CONT "$BG_PID"
poll "$D/watch.err" 'this domain is now 8 (was 7' &&
	ok "the move to domain 8 is noticed" || ko "the move to domain 8 is noticed"
vbd_attach 8 51728 unused w
states 8 vbd 51728 4 4
poll "$W" '"event":"plug","id":"vbd-51728","signature":"blk","provider":"blk-file","source":"/local/domain/8/device/vbd/51728"' &&
	ok "a disk attached after the restore is plugged" || ko "a disk attached after the restore is plugged"
check "the disk that stayed is not unplugged" [ "$(count "$W" '"event":"unplug"')" -eq 0 ]

# A move no watch event tells of (nothing changes under the old home):
# the tick's own look at "domid" finds it.
kill -STOP "$BG_PID"
guest 9
kill -CONT "$BG_PID"
poll "$D/watch.err" 'this domain is now 9 (was 8' 1 50 &&
	ok "a move without events is noticed" || ko "a move without events is noticed"
vbd_attach 9 51744 unused w
states 9 vbd 51744 4 4
poll "$W" '"event":"plug","id":"vbd-51744",.*"source":"/local/domain/9/device/vbd/51744"' &&
	ok "a disk attached in domain 9 is plugged" || ko "a disk attached in domain 9 is plugged"
poll "$W" '"event":"unplug","id":"vbd-51728","reason":"removed"' &&
	ok "a disk the new domain lacks is unplugged" || ko "a disk the new domain lacks is unplugged"
check "vbd-51712, in every home, stays" [ "$(count "$W" '"event":"unplug","id":"vbd-51712"')" -eq 0 ]

# With domain_path given, devmgr stays where it was told.
cat >"$D/pinned.json" <<JSON
{ "devmgr": 1, "devices": {},
  "xenstore": { "domain_path": "/local/domain/9",
    "map": { "vbd": { "provider": "blk-file", "path": "$D/{vdev}.img" } } } }
JSON
bg_stop
check "watch: SIGINT ends it with 0" [ "$BG_RC" -eq 0 ]
bg_start "$W.2" "$D/watch2.err" "$DEVMGR" watch --xenstore -c "$D/pinned.json"
poll "$W.2" '"event":"plug","id":"vbd-51744"' && ok "pinned: disk up in domain 9" || ko "pinned: disk up"
xsw /local/domain/0/domid 10
sleep 0.6
check "pinned: domid is not followed" [ "$(count "$D/watch2.err" 'this domain is now')" -eq 0 ]
check "pinned: nothing unplugged" [ "$(count "$W.2" '"event":"unplug"')" -eq 0 ]
bg_stop
[ "$fail" -eq 0 ] || cat "$W" "$D/watch.err" "$W.2" "$D/watch2.err"
finish
