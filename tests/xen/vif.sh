#!/bin/sh
# vif.sh: a vif goes, with no map entry, to the provider that declares the
# class "vif" (net-packet), its mac picking the interface ({frontend.mac},
# the class default): devmgr runs in a network namespace made here, with a
# veth end that has the vif's MAC.  A vif whose MAC matches no interface
# is one error event; removal unplugs.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
[ "$(id -u)" -eq 0 ] || xsd_skip "needs root for a network namespace"
command -v ip >/dev/null 2>&1 || xsd_skip "no ip (iproute2)"
[ -f "$DEVMGR_PLUGIN_PATH/net-packet.so" ] || xsd_skip "no net-packet provider in this build"
xsd_init
NS=xen$$
XSD_TRAP_EXTRA='bg_stop; ip netns del "$NS" 2>/dev/null'
ip netns add "$NS" || xsd_skip "ip netns add failed"
ip -n "$NS" link add "xva$$" type veth peer name "xvb$$" || { echo "veth"; exit 99; }
ip -n "$NS" link set "xva$$" address 00:16:3e:00:00:09
ip -n "$NS" link set "xva$$" up
ip -n "$NS" link set "xvb$$" up
xsd_start
xsd_domain 7
D=$XSD_DIR
echo '{ "devmgr": 1, "devices": {}, "xenstore": { "domain_path": "/local/domain/7" } }' >"$D/conf.json"

vif() { # vif DEVID MAC
	f=/local/domain/7/device/vif/$1 b=/local/domain/0/backend/vif/7/$1
	xsw "$b/frontend" "$f" "$b/frontend-id" 7 "$b/state" 4 "$b/mac" "$2" \
		"$b/bridge" xenbr0 "$b/handle" "$1"
	xsw "$f/backend" "$b" "$f/backend-id" 0 "$f/state" 4 "$f/mac" "$2" "$f/handle" "$1"
}
W="$D/watch.out"
bg_start "$W" "$D/watch.err" ip netns exec "$NS" "$DEVMGR" watch --xenstore -c "$D/conf.json"
sleep 0.3
vif 0 00:16:3e:00:00:09
poll "$W" '"event":"plug","id":"vif-0","signature":"net","provider":"net-packet"' &&
	ok "vif served by the provider that declares vif (net-packet)" || ko "vif -> net-packet"
ip netns exec "$NS" "$DEVMGR" probe --xenstore --json -c "$D/conf.json" >"$D/probe" 2>"$D/probe.err"
grep -q '"id":"vif-0","signature":"net","provider":"net-packet","state":"ok".*"mac":"00:16:3e:00:00:09"' "$D/probe" &&
	ok "probe: the vif's MAC" || { ko "probe: the vif's MAC"; cat "$D/probe" "$D/probe.err"; }
vif 1 00:16:3e:00:00:0a
poll "$W" '"event":"error","id":"vif-1"' && ok "a vif with no such interface: an error event" ||
	ko "a vif with no such interface: an error event"
xenstore-rm /local/domain/7/device/vif/0
poll "$W" '"event":"unplug","id":"vif-0","reason":"removed"' && ok "vif removed" || ko "vif removed"
bg_stop
check "watch: SIGINT ends it with 0" [ "$BG_RC" -eq 0 ]
[ "$fail" -eq 0 ] || cat "$W" "$D/watch.err"
finish
