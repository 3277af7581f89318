#!/bin/sh
# net-packet on one end of a veth pair in a namespace made here; the other
# end has 10.98.0.1/24.  The responder, on net-packet, answers ARP and ICMP
# echo, and the kernel's ping must get replies: once with the interface
# chosen by name, once by MAC.  Then the refusals: missing interface, no
# interface with the MAC, name and MAC disagreeing, not Ethernet, no
# CAP_NET_RAW.
. "$top_srcdir/tests/net/lib.sh"
need_root_netns
command -v ping >/dev/null || skip "ping (iputils-ping) is not installed"

make_netns pkt
A="vpa$$"
B="vpb$$"
in_ns ip link add "$A" type veth peer name "$B" || fail "ip link add veth"
in_ns ip addr add 10.98.0.1/24 dev "$B"
in_ns ip link set "$A" up
in_ns ip link set "$B" up
AMAC=$(in_ns cat "/sys/class/net/$A/address")
BMAC=$(in_ns cat "/sys/class/net/$B/address")

cfg() { # cfg FILE DEVICE-JSON
	printf '{"devmgr": 1, "devices": {"net0": %s}}\n' "$2" >"$WORK/$1"
}

ping_through() { # ping_through CONFIG ADDRESS
	in_ns "$RESPONDER" "$WORK/$1" net0 "$2" --replies 3 --seconds 20 \
		>"$WORK/resp" 2>&1 &
	PIDS="$!"
	wait_for ready "$WORK/resp"
	in_ns ping -c 3 -i 0.2 -W 2 "$2" >"$WORK/ping" 2>&1 ||
		fail "ping $2 through $1: $(cat "$WORK/ping") / $(cat "$WORK/resp")"
	wait $PIDS || fail "responder: $(cat "$WORK/resp")"
	PIDS=""
	grep -q "icmp 3 " "$WORK/resp" || fail "not 3 replies: $(cat "$WORK/resp")"
	grep -Eq "arp [1-9]" "$WORK/resp" || fail "no ARP: $(cat "$WORK/resp")"
	in_ns ip neigh show "$2" | grep -q "$AMAC" ||
		fail "the kernel did not learn $AMAC for $2"
	echo "ok: ping $2 through net-packet ($1)"
}

cfg name.json "{\"provider\": \"net-packet\", \"interface\": \"$A\"}"
ping_through name.json 10.98.0.2
cfg mac.json "{\"provider\": \"net-packet\", \"mac\": \"$AMAC\"}"
ping_through mac.json 10.98.0.3
cfg both.json "{\"provider\": \"net-packet\", \"interface\": \"$A\", \"mac\": \"$AMAC\"}"
in_ns "$DEVMGR" probe -c "$WORK/both.json" >"$WORK/out" 2>&1 ||
	fail "name and MAC that agree: $(cat "$WORK/out")"
grep -q "mac=$AMAC mtu=1500 link_up=true" "$WORK/out" ||
	fail "probe: $(cat "$WORK/out")"

cfg missing.json "{\"provider\": \"net-packet\", \"interface\": \"nosuch$$\"}"
expect_refusal "$WORK/missing.json" "interface \"nosuch$$\" does not exist"
cfg nomac.json '{"provider": "net-packet", "mac": "02:00:00:00:de:ad"}'
expect_refusal "$WORK/nomac.json" "no interface has MAC 02:00:00:00:de:ad"
cfg badmac.json '{"provider": "net-packet", "mac": "02:00:00:00:de"}'
expect_refusal "$WORK/badmac.json" "mac \"02:00:00:00:de\" is not a MAC address"
cfg other.json "{\"provider\": \"net-packet\", \"interface\": \"$A\", \"mac\": \"$BMAC\"}"
expect_refusal "$WORK/other.json" "MAC $BMAC is interface $B, not \"$A\""
# Neither: a configuration error, found before anything is created.
cfg none.json '{"provider": "net-packet"}'
"$DEVMGR" validate -c "$WORK/none.json" >"$WORK/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -qF '/devices/net0: missing parameter "interface" or "mac" for provider net-packet' \
	"$WORK/out" || fail "neither interface nor mac: exit $rc: $(cat "$WORK/out")"
echo "ok: neither interface nor mac refused by validate"
cfg lo.json '{"provider": "net-packet", "interface": "lo"}'
expect_refusal "$WORK/lo.json" "interface lo is not an Ethernet interface"
if command -v setpriv >/dev/null; then
	in_ns setpriv --bounding-set -net_raw --inh-caps -net_raw \
		"$DEVMGR" probe -c "$WORK/name.json" >"$WORK/out" 2>&1
	rc=$?
	[ $rc = 1 ] && grep -qF "no permission to open a packet socket (needs CAP_NET_RAW)" \
		"$WORK/out" || fail "no CAP_NET_RAW: exit $rc: $(cat "$WORK/out")"
	echo "ok: refused without CAP_NET_RAW"
fi
# The Xen area maps vifs by this class.
"$DEVMGR" inspect net-packet | grep -q "vif" || fail "xen class vif not shown"
exit 0
