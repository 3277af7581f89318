#!/bin/sh
# storm.sh: concurrent writers attach, detach and flap STORM_DEVICES vbds
# in random order with the real xenstore tools while "devmgr watch
# --xenstore" follows; xenstored is killed and restarted (empty) in the
# middle.  At the end the devices devmgr holds (replayed from its plug
# and unplug lines) equal the devices the store describes as up, every
# plug has the unplug it needs (no duplicates), and devmgr ends with 0
# (in the sanitizer build, LeakSanitizer makes a leak a failure).
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
: "${STORM_DEVICES:=400}" "${STORM_WRITERS:=4}" "${STORM_OPS:=800}"
xsd_init
xsd_start
xsd_domain 7
D=$XSD_DIR
cat >"$D/conf.json" <<JSON
{ "devmgr": 1, "devices": {},
  "xenstore": { "domain_path": "/local/domain/7",
    "map": { "vbd": { "provider": "blk-ram", "size": "4K" } } } }
JSON
W="$D/watch.out"
bg_start "$W" "$D/watch.err" "$DEVMGR" watch --xenstore -c "$D/conf.json"
sleep 0.3

# writer K: STORM_OPS random operations on devices K, K+WRITERS, ...
# Errors are expected while xenstored is down.
writer() {
	awk -v k="$1" -v n="$STORM_DEVICES" -v w="$STORM_WRITERS" -v ops="$STORM_OPS" \
		'BEGIN { srand(k * 7919 + 1); for (i = 0; i < ops; i++) {
			d = k + w * int(rand() * (n / w)); print int(rand() * 4), 1000 + d } }' |
	while read -r op id; do
		f=/local/domain/7/device/vbd/$id b=/local/domain/0/backend/vbd/7/$id
		case $op in
		0|1) xenstore-write "$b/frontend" "$f" "$b/frontend-id" 7 "$b/state" 4 \
			"$b/mode" w "$b/params" x &&
		     xenstore-write "$f/backend" "$b" "$f/backend-id" 0 "$f/state" 4 ;;
		2) xenstore-rm "$f"; xenstore-rm "$b" ;;
		3) xenstore-write "$f/state" 5 && xenstore-write "$f/state" 4 ;;
		esac
	done 2>/dev/null
}
start=$(date +%s)
pids=
k=0
while [ $k -lt "$STORM_WRITERS" ]; do
	writer $k &
	pids="$pids $!"
	k=$((k + 1))
done
sleep 1
xsd_kill
sleep 0.3
xsd_start
up_after_restart=$(date +%s)
for p in $pids; do wait "$p"; done
echo "writers done in $(($(date +%s) - start)) s, $(($(date +%s) - up_after_restart)) s after the restart"

# What the store says is up, and what devmgr holds, until they agree.
store_up() {
	xenstore-ls -f /local/domain 2>/dev/null | "$PY" -c '
import re, sys
kv = {}
for line in sys.stdin:
    m = re.match(r"^(\S+) = \"(.*)\"$", line.rstrip("\n"))
    if m:
        kv[m.group(1)] = m.group(2)
up = set()
for k, v in kv.items():
    m = re.match(r"^/local/domain/7/device/vbd/(\d+)/state$", k)
    if not m or v != "4":
        continue
    d = m.group(1)
    f, b = "/local/domain/7/device/vbd/" + d, "/local/domain/0/backend/vbd/7/" + d
    if (kv.get(f + "/backend") == b and kv.get(f + "/backend-id") == "0" and
            kv.get(b + "/state") == "4" and kv.get(b + "/frontend") == f and
            kv.get(b + "/frontend-id") == "7"):
        up.add("vbd-" + d)
print(" ".join(sorted(up)))'
}
held() {
	"$PY" -c '
import json, sys
held = set()
bad = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "plug":
        bad += e["id"] in held
        held.add(e["id"])
    elif e["event"] == "unplug":
        bad += e["id"] not in held
        held.discard(e["id"])
print(" ".join(sorted(held)) + ("" if not bad else " DUPLICATE-OR-GHOST"))' "$W"
}
i=0
while [ $i -lt 150 ]; do
	s=$(store_up) h=$(held)
	[ "$s" = "$h" ] && break
	sleep 0.1
	i=$((i + 1))
done
echo "store: $(echo "$s" | wc -w) devices up; devmgr: $(echo "$h" | wc -w)"
if [ "$s" = "$h" ]; then
	ok "devmgr holds exactly the devices the store describes"
else
	ko "devmgr holds exactly the devices the store describes"
	echo "store:  $s"
	echo "devmgr: $h"
fi
check "some devices are up at the end" [ -n "$s" ]
check "plugs and unplugs alternate per device" sh -c "! echo '$h' | grep -q DUPLICATE"
grep -q 'reconnected' "$D/watch.err" && ok "reconnected after the restart" || ko "reconnected after the restart"
bg_stop
check "devmgr ends with 0 (no leaks under LeakSanitizer)" [ "$BG_RC" -eq 0 ]
[ "$BG_RC" -eq 0 ] || tail -30 "$D/watch.err"
echo "$(wc -l <"$W") event lines"
finish
