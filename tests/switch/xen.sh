#!/bin/sh
# xen.sh: a vif hot-plugged through xenstore joins the running switch as
# a port, and leaves it when the toolstack closes it.  The real xenstored
# (tests/xen/xsd.sh) holds domain 7's devices; "devmgr run --xenstore
# switch" maps class vif to net-tap (tap sw<pid>x<devid>).  Two ports
# from the file (namespaces 0 and 1) are there from the start; vif 3 is
# written as libxl writes it, both ends Connected, and its tap's kernel
# side goes to namespace 3.  Checked:
#   - the vif joins without a restart and namespace 3 reaches the others
#     within a second, and they reach it;
#   - Closing (5) then removal: the port leaves, its MAC is gone from the
#     table, the other ports' entries stay;
#   - SIGTERM: exit 0.
# Then again without a map for vif, so that vif 4 goes to the provider
# that declares the class, net-packet, which finds the interface by the
# vif's MAC: the root side of a veth pair whose other side is in
# namespace 2; it joins, reaches the others, and leaves.
set -u
. "$top_srcdir/tests/switch/lib.sh"
sw_need
. "$top_srcdir/tests/xen/xsd.sh"
xsd_init
XSD_TRAP_EXTRA=sw_cleanup
xsd_start
xsd_domain 7

cat >"$tmp/conf.json" <<JSON
{ "devmgr": 1,
  "devices": {
    "log": { "provider": "console-file", "path": "$LOG" },
    "p0": { "provider": "net-tap", "name": "${P}t0" },
    "p1": { "provider": "net-tap", "name": "${P}t1" }
  },
  "app": { "name": "switch" },
  "xenstore": { "domain_path": "/local/domain/7",
    "map": { "vif": { "provider": "net-tap", "name": "${P}x{devid}" } } }
}
JSON
if sw_start "$DEVMGR" run --xenstore -c "$tmp/conf.json" switch &&
	poll "switch: started, 2 ports"; then
	ok "switch started with two ports, watching xenstore"
else
	ko "switch started with two ports, watching xenstore"; dump; finish
fi
join 0 && join 1 || { ko "namespaces set up"; dump; finish; }
ping_from 0 1 && ok "ping 0 -> 1" || ko "ping 0 -> 1"

# vif 3, as libxl writes it, both ends Connected.
vf=/local/domain/7/device/vif/3 vb=/local/domain/0/backend/vif/7/3
xsw "$vb/frontend" "$vf" "$vb/frontend-id" 7 "$vb/state" 4 "$vb/mac" 00:16:3e:00:00:33 \
	"$vb/handle" 3 "$vb/bridge" xenbr0 "$vb/script" /etc/xen/scripts/vif-bridge
t0=$(ms)
xsw "$vf/backend" "$vb" "$vf/backend-id" 0 "$vf/state" 4 "$vf/mac" 00:16:3e:00:00:33 "$vf/handle" 3
if poll "switch: port vif-3 joined"; then
	within_1s "hot-plugged vif-3 joined" "$t0"
else
	ko "hot-plugged vif-3 joined"; dump; finish
fi
join 3 "${P}x3" || { ko "namespace 3 set up"; dump; finish; }
for j in 0 1; do
	ping_from 3 "$j" 1 && ok "vif: 3 -> $j within a second" || ko "vif: 3 -> $j within a second"
done
ping_from 1 3 1 && ok "vif: 1 -> 3 within a second" || ko "vif: 1 -> 3 within a second"
mac3=$(mac_of 3) mac1=$(mac_of 1)
if table && grep -q "switch: fdb $mac3 port vif-3 " "$tmp/table"; then
	ok "table: $mac3 learned on vif-3"
else
	ko "table: $mac3 learned on vif-3"; cat "$tmp/table"
fi

# The toolstack detaches it: Closing, Closed, removal.
detach 7 vif 3
if poll "switch: port vif-3 left ([1-9][0-9]* table entries forgotten)"; then
	ok "vif-3 left, its entries forgotten"
else
	ko "vif-3 left, its entries forgotten"; dump
fi
if table && ! grep -q "$mac3" "$tmp/table" && grep -q "switch: fdb $mac1 port p1 " "$tmp/table" &&
	grep -q "switch: counters ports=2 " "$tmp/table"; then
	ok "table: $mac3 gone, $mac1 still on p1"
else
	ko "table: $mac3 gone, $mac1 still on p1"; cat "$tmp/table"
fi
ping_from 0 1 && ok "ping 0 -> 1 after the vif left" || ko "ping 0 -> 1 after the vif left"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || ko "SIGTERM: exit $rc"

# Again, with vif left to net-packet.
[ -e "$DEVMGR_PLUGIN_PATH/net-packet.so" ] || { echo "net-packet is not built: vif over net-packet not tested"; finish; }
ip netns del "${P}n0" && ip netns del "${P}n1" || { ko "namespaces 0 and 1 removed"; finish; }
sed '/"map"/d; s/"domain_path": "\/local\/domain\/7",/"domain_path": "\/local\/domain\/7" }/' \
	"$tmp/conf.json" >"$tmp/conf2.json"
ip link add "${P}v4" type veth peer name "${P}w4" &&
	ip link set "${P}v4" address 00:16:3e:00:00:44 &&
	ip link set "${P}v4" up || { ko "veth pair made"; finish; }
rm -f "$LOG"
reports=0
if sw_start "$DEVMGR" run --xenstore -c "$tmp/conf2.json" switch &&
	poll "switch: started, 2 ports"; then
	ok "restarted without a vif map"
else
	ko "restarted without a vif map"; cat "$tmp/conf2.json"; dump; finish
fi
join 0 && join 1 && join 2 "${P}w4" || { ko "namespaces set up"; dump; finish; }
vf=/local/domain/7/device/vif/4 vb=/local/domain/0/backend/vif/7/4
xsw "$vb/frontend" "$vf" "$vb/frontend-id" 7 "$vb/state" 4 "$vb/mac" 00:16:3e:00:00:44 \
	"$vb/handle" 4 "$vb/bridge" xenbr0 "$vb/script" /etc/xen/scripts/vif-bridge
xsw "$vf/backend" "$vb" "$vf/backend-id" 0 "$vf/state" 4 "$vf/mac" 00:16:3e:00:00:44 "$vf/handle" 4
if poll "switch: port vif-4 joined (mac 00:16:3e:00:00:44"; then
	ok "vif-4 joined over net-packet"
else
	ko "vif-4 joined over net-packet"; dump; finish
fi
for j in 0 1; do
	ping_from 2 "$j" 1 && ok "vif over net-packet: 2 -> $j within a second" ||
		ko "vif over net-packet: 2 -> $j within a second"
done
detach 7 vif 4
poll "switch: port vif-4 left" && ok "vif-4 left" || { ko "vif-4 left"; dump; }
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || ko "SIGTERM: exit $rc"
finish
