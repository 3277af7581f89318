#!/bin/sh
# net-tap in a network namespace made here: the kernel side of a tap gets
# 10.99.0.1/24; the responder, on the devmgr side through net-tap, answers
# ARP and ICMP echo for 10.99.0.2, and the kernel's ping must get replies.
# Also: frames of a bad length refused with EMSGSIZE (by the responder),
# and each refusal with its one clear error: interface busy, MAC in use,
# bad MAC, not a tap, and no permission (CAP_NET_ADMIN dropped).
. "$top_srcdir/tests/net/lib.sh"
need_root_netns
command -v ping >/dev/null || skip "ping (iputils-ping) is not installed"

make_netns tap
TAP="ntap$$"
in_ns ip tuntap add dev "$TAP" mode tap || fail "ip tuntap add"
in_ns ip addr add 10.99.0.1/24 dev "$TAP"
in_ns ip link set "$TAP" up

cfg() { # cfg FILE DEVICE-JSON
	printf '{"devmgr": 1, "devices": {"net0": %s}}\n' "$2" >"$WORK/$1"
}
cfg tap.json "{\"provider\": \"net-tap\", \"name\": \"$TAP\", \"mac\": \"02:99:00:00:00:02\"}"

in_ns "$RESPONDER" "$WORK/tap.json" net0 10.99.0.2 --replies 3 \
	--seconds 20 --linger 1500 >"$WORK/resp" 2>&1 &
PIDS="$!"
wait_for ready "$WORK/resp"
grep -q "oversize refused: EMSGSIZE" "$WORK/resp" || fail "no EMSGSIZE check"

# While the responder holds the tap, a second device on it is refused.
expect_refusal "$WORK/tap.json" "interface busy: tap \"$TAP\""

in_ns ping -c 3 -i 0.2 -W 2 10.99.0.2 >"$WORK/ping" 2>&1 ||
	fail "ping through net-tap: $(cat "$WORK/ping") / $(cat "$WORK/resp")"
# Checked while the responder holds the tap (the carrier drops with it).
in_ns ip neigh show 10.99.0.2 dev "$TAP" | grep -q "02:99:00:00:00:02" ||
	fail "the kernel did not learn the responder MAC: $(in_ns ip neigh show)"
wait $PIDS || fail "responder: $(cat "$WORK/resp")"
PIDS=""
cat "$WORK/resp"
grep -q "icmp 3 " "$WORK/resp" || fail "responder did not answer 3 pings"
# The kernel asked for the address (ARP) and sent the pings: received.
grep -Eq "arp [1-9]" "$WORK/resp" || fail "no ARP request received"
echo "ok: ping through net-tap"

# A new tap, created by the provider, then gone with the device.
cfg new.json "{\"provider\": \"net-tap\", \"name\": \"ntapn$$\", \"mtu\": 9000, \"up\": true}"
in_ns "$DEVMGR" probe -c "$WORK/new.json" >"$WORK/out" 2>&1 ||
	fail "create a new tap: $(cat "$WORK/out")"
grep -q "mtu=9000 link_up=true" "$WORK/out" || fail "new tap: $(cat "$WORK/out")"
in_ns ip link show "ntapn$$" >/dev/null 2>&1 && fail "created tap outlived its device"
echo "ok: new tap created and removed"

# Refusals, one clear error each.
KMAC=$(in_ns cat "/sys/class/net/$TAP/address")
cfg inuse.json "{\"provider\": \"net-tap\", \"mac\": \"$KMAC\"}"
expect_refusal "$WORK/inuse.json" "MAC in use: $KMAC is the address of interface $TAP"
cfg badmac.json '{"provider": "net-tap", "mac": "02:00:00:00:00"}'
expect_refusal "$WORK/badmac.json" "mac \"02:00:00:00:00\" is not a MAC address"
cfg mcast.json '{"provider": "net-tap", "mac": "01:00:5e:00:00:01"}'
expect_refusal "$WORK/mcast.json" "is a multicast address"
cfg lo.json '{"provider": "net-tap", "name": "lo"}'
expect_refusal "$WORK/lo.json" "interface \"lo\" exists and is not a tap"
cfg long.json '{"provider": "net-tap", "name": "abcdefghijklmnopq"}'
expect_refusal "$WORK/long.json" "is not an interface name"
if command -v setpriv >/dev/null; then
	cfg perm.json "{\"provider\": \"net-tap\", \"name\": \"ntapp$$\"}"
	in_ns setpriv --bounding-set -net_admin --inh-caps -net_admin \
		"$DEVMGR" probe -c "$WORK/perm.json" >"$WORK/out" 2>&1
	[ $? = 1 ] || fail "no CAP_NET_ADMIN: not refused: $(cat "$WORK/out")"
	grep -qF "no permission to create a tap device (needs CAP_NET_ADMIN)" \
		"$WORK/out" || fail "no CAP_NET_ADMIN: $(cat "$WORK/out")"
	echo "ok: refused without CAP_NET_ADMIN"
	# As an unprivileged user: creating a tap, and attaching to a
	# persistent tap that root owns ("ip tuntap add ... user 0"; one
	# made without an owner is open to every user, as the kernel
	# decides).
	chmod 755 "$WORK"
	in_ns ip tuntap add dev "ntapo$$" mode tap user 0 ||
		fail "ip tuntap add user 0"
	cfg owned.json "{\"provider\": \"net-tap\", \"name\": \"ntapo$$\"}"
	for c in perm:"no permission to create a tap device" \
		owned:"no permission to attach to tap \"ntapo$$\""; do
		in_ns setpriv --reuid 65534 --regid 65534 --clear-groups \
			--inh-caps -all --bounding-set -all \
			"$DEVMGR" probe -c "$WORK/${c%%:*}.json" >"$WORK/out" 2>&1
		rc=$?
		[ $rc = 1 ] && grep -qF "${c#*:}" "$WORK/out" ||
			fail "unprivileged ${c%%:*}: exit $rc: $(cat "$WORK/out")"
		echo "ok: unprivileged user refused: ${c#*:}"
	done
fi
exit 0
