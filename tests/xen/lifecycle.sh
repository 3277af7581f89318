#!/bin/sh
# lifecycle.sh: the Xenbus state protocol against the real xenstored and
# the real xenstore tools, seen through "devmgr watch --xenstore", "devmgr
# probe --xenstore --json" and the xendisks app: a vbd attached step by
# step (1 -> 2 -> 3 -> 4) comes up only when both ends are Connected, goes
# on Closing, comes back when reattached; {vdev} names the disk file
# (xvd, hd, sd majors and an extended id); read_only follows the backend's
# mode; a console and a vif (mapped to console-file: the net-packet
# provider that declares "vif" is not in this tree yet) come and go.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
xsd_init
D=$XSD_DIR
# No daemon yet: a clear error, exit 1.
"$DEVMGR" probe --xenstore >"$D/nod.out" 2>"$D/nod.err"
check "no xenstored: probe exits 1" [ $? -eq 1 ]
grep -q "^devmgr: xenstore: cannot connect to xenstore: " "$D/nod.err" &&
	ok "no xenstored: the error says so" || { ko "no xenstored error"; cat "$D/nod.err"; }
xsd_start
xsd_domain 7
for f in xvda xvdb xvdc xvdab; do
	dd if=/dev/zero of="$D/$f.img" bs=1k count=64 2>/dev/null
done
cat >"$D/conf.json" <<JSON
{ "devmgr": 1, "devices": {},
  "xenstore": { "domain_path": "/local/domain/7",
    "map": {
      "vbd": { "provider": "blk-file", "path": "$D/{vdev}.img" },
      "vif": { "provider": "console-file", "path": "$D/vif-{devid}-{frontend.mac}.log" },
      "console": { "provider": "console-file", "path": "$D/console-{devid}.log" } } } }
JSON
"$PY" "$SCHEMA_CHECK" "$top_srcdir" --instance devmgr-config "$D/conf.json" >"$D/schema" 2>&1 &&
	ok "configuration matches its schema" || { ko "configuration schema"; cat "$D/schema"; }

"$DEVMGR" probe --xenstore --json -c "$D/conf.json" >"$D/probe0" 2>&1
check "probe of an empty store: exit 0" [ $? -eq 0 ]
check "probe of an empty store: no devices" grep -q -x '{"devices":\[\]}' "$D/probe0"

W="$D/watch.out"
bg_start "$W" "$D/watch.err" "$DEVMGR" watch --xenstore -c "$D/conf.json"
sleep 0.3
plugs() { count "$W" "\"event\":\"plug\",\"id\":\"$1\""; }
unplugs() { count "$W" "\"event\":\"unplug\",\"id\":\"$1\""; }

# Step by step, as the drivers would: nothing comes up before 4/4.
vbd_attach 7 51712 unused w
states 7 vbd 51712 1 2
states 7 vbd 51712 3 2
states 7 vbd 51712 3 4
sleep 0.3
check "vbd not up before both ends are Connected" [ "$(plugs vbd-51712)" -eq 0 ]
states 7 vbd 51712 4 4
poll "$W" '"event":"plug","id":"vbd-51712"' &&
	ok "vbd up when both ends are Connected" || ko "vbd up at 4/4"
grep -q -F '{"event":"plug","id":"vbd-51712","signature":"blk","provider":"blk-file","source":"/local/domain/7/device/vbd/51712"}' "$W" &&
	ok "plug line carries the source" || ko "plug line carries the source"

# Probe from a second client while watch holds the device.
vbd_attach 7 51728 unused r
states 7 vbd 51728 4 4
"$DEVMGR" probe --xenstore --json -c "$D/conf.json" >"$D/probe1" 2>"$D/probe1.err"
check "probe: exit 0" [ $? -eq 0 ]
"$PY" "$SCHEMA_CHECK" "$top_srcdir" --instance probe "$D/probe1" >"$D/schema" 2>&1 &&
	ok "probe output matches its schema" || { ko "probe schema"; cat "$D/schema" "$D/probe1"; }
"$PY" - "$D/probe1" "$D" <<'PY' && ok "probe: vdev, read_only and source" || ko "probe: vdev, read_only and source"
import json, sys
devs = {d["id"]: d for d in json.load(open(sys.argv[1]))["devices"]}
a, b = devs["vbd-51712"], devs["vbd-51728"]
assert a["info"]["read_only"] is False and b["info"]["read_only"] is True, devs
assert a["source"] == "/local/domain/7/device/vbd/51712", a
assert a["info"]["sectors"] == 128, a
PY

# Closing takes it down; Closed and removal bring nothing more.
states 7 vbd 51712 5 4
poll "$W" '"event":"unplug","id":"vbd-51712","reason":"closed"' &&
	ok "Closing: unplug, reason closed" || ko "Closing: unplug, reason closed"
states 7 vbd 51712 6 6
xenstore-rm /local/domain/7/device/vbd/51712
xenstore-rm /local/domain/0/backend/vbd/7/51712
sleep 0.3
check "one unplug for one detach" [ "$(unplugs vbd-51712)" -eq 1 ]
# Reattach: it comes back.
vbd_attach 7 51712 unused w
states 7 vbd 51712 4 4
poll "$W" '"event":"plug","id":"vbd-51712"' 2 && ok "reattached vbd comes back" || ko "reattach"
# A reconnect (4 -> 5 -> 4 seen apart) goes down and up once each.
states 7 vbd 51712 5 5
poll "$W" '"event":"unplug","id":"vbd-51712"' 2 || true
states 7 vbd 51712 4 4
poll "$W" '"event":"plug","id":"vbd-51712"' 3 && ok "reconnect: up again" || ko "reconnect: up again"

# {vdev}: hd (major 22 -> xvdc), sd (major 8 minor 16 -> xvdb), extended.
for v in 5632 2064 268442368; do
	vbd_attach 7 $v unused w
	states 7 vbd $v 4 4
done
poll "$W" '"event":"plug","id":"vbd-268442368"' && poll "$W" '"event":"plug","id":"vbd-5632"' &&
	poll "$W" '"event":"plug","id":"vbd-2064"' &&
	ok "hd, sd and extended ids name the right disks" || { ko "vdev names"; cat "$D/watch.err"; }

# A console and a vif.
c=/local/domain/7/device/console/1 cb=/local/domain/0/backend/console/7/1
xsw "$cb/frontend" "$c" "$cb/frontend-id" 7 "$cb/state" 4 "$cb/protocol" vt100
xsw "$c/backend" "$cb" "$c/backend-id" 0 "$c/state" 4 "$c/type" ioemu
poll "$W" '"event":"plug","id":"console-1","signature":"console","provider":"console-file"' &&
	ok "console up" || ko "console up"
check "console file created" [ -f "$D/console-1.log" ]
vf=/local/domain/7/device/vif/0 vb=/local/domain/0/backend/vif/7/0
xsw "$vb/frontend" "$vf" "$vb/frontend-id" 7 "$vb/state" 4 "$vb/mac" 00:16:3e:00:00:07 \
	"$vb/bridge" xenbr0 "$vb/script" /etc/xen/scripts/vif-bridge
xsw "$vf/backend" "$vb" "$vf/backend-id" 0 "$vf/state" 4 "$vf/mac" 00:16:3e:00:00:07 "$vf/handle" 0
poll "$W" '"event":"plug","id":"vif-0"' && ok "vif up" || ko "vif up"
check "vif mapped with {frontend.mac}" [ -f "$D/vif-0-00:16:3e:00:00:07.log" ]
xenstore-rm "$vf"
poll "$W" '"event":"unplug","id":"vif-0","reason":"removed"' && ok "vif removed" || ko "vif removed"

"$PY" "$SCHEMA_CHECK" "$top_srcdir" --instance watch-event "$W" --lines >"$D/schema" 2>&1 &&
	ok "every watch line matches its schema" || { ko "watch lines schema"; cat "$D/schema"; }
bg_stop
check "watch: SIGINT ends it with 0" [ "$BG_RC" -eq 0 ]
if [ "$fail" -ne 0 ]; then cat "$W" "$D/watch.err"; fi

# Without domain_path devmgr finds its domain as a guest does: "domid"
# (relative, so under its home; over the socket that is dom0's), then the
# store's path for it.  A hostile device makes probe exit 1.
xsw /local/domain/0/domid 0
b0=/local/domain/0/backend/vbd/0/51712 f0=/local/domain/0/device/vbd/51712
xsw "$b0/frontend" "$f0" "$b0/frontend-id" 0 "$b0/state" 4 "$b0/params" "$D/xvda.img" "$b0/mode" r
xsw "$f0/backend" "$b0" "$f0/backend-id" 0 "$f0/state" 4 "$f0/virtual-device" 51712
echo '{ "devmgr": 1, "devices": {}, "xenstore": { "map": { "vbd": { "provider": "blk-file" } } } }' >"$D/dom0.json"
"$DEVMGR" probe --xenstore --json -c "$D/dom0.json" >"$D/probe2" 2>"$D/probe2.err"
check "probe without domain_path: exit 0" [ $? -eq 0 ]
grep -q '"id":"vbd-51712".*"read_only":true},"source":"/local/domain/0/device/vbd/51712"' "$D/probe2" &&
	ok "probe without domain_path finds the domain from domid" || { ko "domain from domid"; cat "$D/probe2" "$D/probe2.err"; }
xsw "$f0/state" 4x
"$DEVMGR" probe --xenstore -c "$D/dom0.json" >"$D/probe3" 2>"$D/probe3.err"
check "probe with a hostile entry: exit 1" [ $? -eq 1 ]
grep -q "warning: xenstore: /local/domain/0/device/vbd/51712/state: \"4x\" is not an integer from 0 to 8" "$D/probe3.err" &&
	ok "probe names the hostile entry on stderr" || { ko "probe names the hostile entry"; cat "$D/probe3.err"; }
xenstore-rm /local/domain/0/domid
"$DEVMGR" probe --xenstore -c "$D/dom0.json" >"$D/probe4" 2>"$D/probe4.err"
check "probe with no domid and no domain_path: exit 1" [ $? -eq 1 ]
grep -q "cannot find this domain's id in xenstore; set xenstore.domain_path" "$D/probe4.err" &&
	ok "no domid: the error says what to set" || { ko "no domid error"; cat "$D/probe4.err"; }

# The xendisks app: disks present at start, then plugged and unplugged.
X="$D/xendisks.out"
bg_start "$X" "$D/xendisks.err" "$top_builddir/apps/xendisks/xendisks" -c "$D/conf.json"
poll "$X" '^started ' && ok "xendisks started" || { ko "xendisks started"; cat "$D/xendisks.err"; }
grep -q '^disk vbd-51728 sectors=128 sector_size=512 read_only=true$' "$X" &&
	ok "xendisks: a disk present at start" || ko "xendisks: a disk present at start"
vbd_attach 7 51744 unused w
states 7 vbd 51744 4 4
poll "$X" '^plug vbd-51744 ' && ok "xendisks: disk plugged" || ko "xendisks: disk plugged"
detach 7 vbd 51728
poll "$X" '^unplug vbd-51728$' && ok "xendisks: disk unplugged" || ko "xendisks: disk unplugged"
bg_stop
check "xendisks: SIGINT ends it with 0" [ "$BG_RC" -eq 0 ]
if [ "$fail" -ne 0 ]; then cat "$X" "$D/xendisks.err"; fi
finish
