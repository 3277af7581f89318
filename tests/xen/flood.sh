#!/bin/sh
# flood.sh: a guest that floods its device directory (4200 vbd entries,
# more than the 4096 devices devmgr tracks) gets one error event naming
# the class directory, not unbounded memory; devmgr keeps running and the
# disk attached before the flood stays.  (Removing the flood is left out:
# deleting 8400 nodes takes xenstored itself several seconds.)
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
  "xenstore": { "domain_path": "/local/domain/7", "incomplete_timeout_ms": 600000,
    "map": { "vbd": { "provider": "blk-ram", "size": "4K" } } } }
JSON
vbd_attach 7 51712 x w
states 7 vbd 51712 4 4
W="$D/watch.out"
bg_start "$W" "$D/watch.err" "$DEVMGR" watch --xenstore -c "$D/conf.json"
sleep 0.3
i=0
while [ $i -lt 4200 ]; do
	set --
	j=0
	while [ $j -lt 600 ]; do
		set -- "$@" "/local/domain/7/device/vbd/$((100000 + i + j))/state" 1
		j=$((j + 1))
	done
	xsw "$@"
	i=$((i + 600))
done
poll "$W" '"event":"error","error":"/local/domain/7/device/vbd: more than 4096 devices' 1 200 &&
	ok "a flood past 4096 devices: an error event naming the class directory" ||
	ko "a flood past 4096 devices: an error event"
check "the flood is reported once" [ "$(count "$W" 'more than 4096 devices')" -eq 1 ]
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$BG_PID/status" 2>/dev/null)
echo "devmgr resident set after the flood: ${rss:-?} KiB"
check "the disk attached before stays" [ "$(count "$W" '"event":"unplug"')" -eq 0 ]
check "the disk attached before was up" [ "$(count "$W" '"event":"plug","id":"vbd-51712"')" -eq 1 ]
kill -0 "$BG_PID" 2>/dev/null && ok "devmgr still running" || ko "devmgr still running"
bg_stop
check "watch: SIGINT ends it with 0" [ "$BG_RC" -eq 0 ]
[ "$fail" -eq 0 ] || { tail -5 "$W"; cat "$D/watch.err"; }
finish
