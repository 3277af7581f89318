#!/bin/sh
# pinned.sh: an app whose required disk does not take hot-plug (the test
# app xenpin) runs on a vbd from xenstore; when the toolstack detaches
# it, the app is stopped cleanly (its stop runs) and "devmgr run" ends
# with status 1, naming what the app lost.
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
    "map": { "vbd": { "provider": "blk-ram", "size": "4K" } } } }
JSON
vbd_attach 7 51712 x w
states 7 vbd 51712 4 4
O="$D/run.out"
bg_start "$O" "$D/run.err" "$DEVMGR" run --xenstore --plugin-path "$top_builddir/tests/xen/.libs" \
	-c "$D/conf.json" xenpin
poll "$O" '^start vbd-51712$' && ok "app started on the xenstore disk" || ko "app started"
detach 7 vbd 51712
poll "$O" '^stop$' && ok "losing the pinned disk stops the app" || ko "losing the pinned disk stops the app"
n=0
while kill -0 "$BG_PID" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
wait "$BG_PID"
rc=$?
BG_PID=
check "devmgr run ends with status 1" [ "$rc" -eq 1 ]
grep -E -q '(required slot disk \(blk\) of app xenpin has no device|device vbd-51712 is bound to a slot of app xenpin).*; stopping app xenpin' "$D/run.err" &&
	ok "the error names the slot and the app" || ko "the error names the slot and the app"
[ "$fail" -eq 0 ] || cat "$O" "$D/run.err"
finish
