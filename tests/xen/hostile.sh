#!/bin/sh
# hostile.sh: everything in xenstore is written by someone else.  Each
# hostile or impossible value below gets exactly one error event that
# names the xenstore path, even when written again; the device does not
# come up, and the other devices carry on (the good disk is never
# unplugged, a disk attached afterwards comes up, extra keys are ignored).
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
xsd_init
xsd_start
xsd_domain 7
D=$XSD_DIR
dd if=/dev/zero of="$D/disk.img" bs=1k count=64 2>/dev/null
cat >"$D/conf.json" <<JSON
{ "devmgr": 1, "devices": {},
  "xenstore": { "domain_path": "/local/domain/7", "incomplete_timeout_ms": 400,
    "map": {
      "vbd": { "provider": "blk-file", "path": "{backend.params}" },
      "vif": { "provider": "console-file", "path": "$D/vif-{devid}-{backend.mac}.log" } } } }
JSON
F=/local/domain/7/device B=/local/domain/0/backend
up() { vbd_attach 7 "$1" "$D/disk.img" w; states 7 vbd "$1" 4 4; }
# bad_back DEVID KEY VALUE / bad_front DEVID KEY VALUE: a complete,
# Connected vbd whose entries hold one bad value from the start.
bad_back() {
	b=$B/vbd/7/$1
	xsw "$b/frontend" "$F/vbd/$1" "$b/frontend-id" 7 "$b/state" 4 \
		"$b/params" "$D/disk.img" "$b/mode" w -- "$b/$2" "$3"
	good_front "$1"
}
good_front() {
	f=$F/vbd/$1
	xsw "$f/backend" "$B/vbd/7/$1" "$f/backend-id" 0 "$f/state" 4 \
		"$f/virtual-device" "$1"
}
bad_front() {
	id=$1 k=$2 v=$3
	b=$B/vbd/7/$id
	xsw "$b/frontend" "$F/vbd/$id" "$b/frontend-id" 7 "$b/state" 4 \
		"$b/params" "$D/disk.img" "$b/mode" w
	f=$F/vbd/$id
	xsw "$f/backend" "$B/vbd/7/$id" "$f/backend-id" 0 "$f/state" 4 \
		"$f/virtual-device" "$id" -- "$f/$k" "$v"
}

up 51712
W="$D/watch.out"
bg_start "$W" "$D/watch.err" "$DEVMGR" watch --xenstore -c "$D/conf.json"
poll "$W" '"event":"plug","id":"vbd-51712"' && ok "good disk up" || ko "good disk up"

# Each case: a device that is complete but for one bad value.
bad_front 51728 backend $B/vbd/8/51728
bad_front 51744 backend $B/vbd/7/../7/51744
bad_front 51760 state 4x
bad_front 51776 state 04
bad_front 51792 backend-id -1
bad_front 51808 backend-id 99999
xsw $F/vbd/abc/state 4 $F/vbd/abc/backend-id 0 $F/vbd/abc/backend $B/vbd/7/abc
long=$(head -c 2000 /dev/zero | tr '\0' x)
bad_back 51824 params "$long"
bad_back 51840 params "$(printf 'a\001b')"
bad_back 51856 frontend-id 8
bad_back 51872 frontend $F/vbd/51712
set --
i=0
while [ $i -lt 70 ]; do set -- "$@" "$F/vbd/51888/junk$i" x; i=$((i + 1)); done
xsw "$@"
bad_front 51888 junk x
bad_front 51904 state 99
vf=$F/vif/1 vb=$B/vif/7/1
xsw "$vb/frontend" "$vf" "$vb/frontend-id" 7 "$vb/state" 4
xsw "$vf/backend" "$vb" "$vf/backend-id" 0 "$vf/state" 4 "$vf/mac" 00:16:3e:00:00:01
xsw $F/vbd/51920/state 1
# The same bad values again: still one error each.
xsw $F/vbd/51760/state 4x
xsw -- $F/vbd/51792/backend-id -1
xsw $F/vbd/51888/junk3 y
xsw $B/vbd/7/51856/frontend-id 8
# Extra keys are no surprise; a disk attached now comes up.
up 51952
xsw $F/vbd/51952/foo bar $B/vbd/7/51952/hotplug-status connected $B/vbd/7/51952/x/y z
poll "$W" '"event":"plug","id":"vbd-51952"' && ok "a good disk comes up among bad ones" ||
	ko "a good disk comes up among bad ones"
poll "$W" 'incomplete for 400 ms' 1 30 && ok "incomplete entry reported after the timeout" ||
	ko "incomplete entry reported after the timeout"
sleep 0.5

"$PY" - "$W" <<'PY' && ok "one error event per hostile value, naming its path" || ko "hostile value errors"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
errors = [l for l in lines if l["event"] == "error"]
F, B = "/local/domain/7/device/vbd", "/local/domain/0/backend/vbd/7"
cases = [
    ("vbd-51728", F + "/51728", F + '/51728/backend: "/local/domain/0/backend/vbd/8/51728" is not ' + B + "/51728"),
    ("vbd-51744", F + "/51744", F + '/51744/backend: "/local/domain/0/backend/vbd/7/../7/51744" is not ' + B + "/51744"),
    ("vbd-51760", F + "/51760", F + '/51760/state: "4x" is not an integer from 0 to 8'),
    ("vbd-51776", F + "/51776", F + '/51776/state: "04" is not an integer from 0 to 8'),
    ("vbd-51792", F + "/51792", F + '/51792/backend-id: "-1" is not an integer from 0 to 32751'),
    ("vbd-51808", F + "/51808", F + '/51808/backend-id: "99999" is not an integer from 0 to 32751'),
    ("vbd-abc", F + "/abc", F + '/abc: device id "abc" is not an integer'),
    ("vbd-51824", B + "/51824", B + "/51824/params: value is not printable text of at most 1024 bytes"),
    ("vbd-51840", B + "/51840", B + "/51840/params: value is not printable text of at most 1024 bytes"),
    ("vbd-51856", B + "/51856", B + "/51856/frontend-id: 8 is not this domain (7)"),
    ("vbd-51872", B + "/51872", B + '/51872/frontend: "' + F + '/51712" is not ' + F + "/51872"),
    ("vbd-51888", F + "/51888", F + "/51888: more than 64 keys"),
    ("vbd-51904", F + "/51904", F + '/51904/state: "99" is not an integer from 0 to 8'),
    ("vif-1", "/local/domain/0/backend/vif/7/1", "backend /local/domain/0/backend/vif/7/1 has no mac"),
    ("vbd-51920", F + "/51920", F + "/51920 has no backend-id (incomplete for 400 ms)"),
]
bad = 0
for id_, src, text in cases:
    got = [e for e in errors if e.get("id") == id_ and e.get("source") == src]
    if len(got) != 1 or got[0]["error"] != text:
        print("case", id_, src, "expected one error:", text, "got:", got)
        bad += 1
if len(errors) != len(cases):
    print("expected", len(cases), "errors, got", len(errors))
    bad += 1
plugged = {l["id"] for l in lines if l["event"] == "plug"}
if plugged != {"vbd-51712", "vbd-51952"}:
    print("plugged:", plugged)
    bad += 1
if any(l["event"] == "unplug" for l in lines):
    print("unexpected unplug")
    bad += 1

sys.exit(1 if bad else 0)
PY
"$PY" "$SCHEMA_CHECK" "$top_srcdir" --instance watch-event "$W" --lines >"$D/schema" 2>&1 &&
	ok "every watch line matches its schema" || { ko "watch lines schema"; cat "$D/schema"; }
# Fixing a bad value brings the device up.
xsw $F/vbd/51760/state 4
poll "$W" '"event":"plug","id":"vbd-51760"' && ok "fixed value: device comes up" || ko "fixed value: device comes up"
bg_stop
check "watch: SIGINT ends it with 0" [ "$BG_RC" -eq 0 ]
[ "$fail" -eq 0 ] || cat "$W" "$D/watch.err"
finish
