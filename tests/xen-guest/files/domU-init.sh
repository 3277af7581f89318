#!/bin/sh
# /init of the domU.  After bringing up the kernel's frontends it is an
# agent: dom0 writes a shell command to data/cmd/N in this domain's own
# xenstore home, the agent runs it and answers with data/out/N (the
# output's last 1900 bytes: a guest's xenstore value is at most 2048) and
# then data/rc/N (its status).  Relative paths follow the domain when a
# restore gives it a new id, so the agent needs no domain id.  The
# commands see /etc/xg-lib.sh (wait_for, ...).
export PATH=/usr/local/bin:/usr/bin:/usr/sbin LD_LIBRARY_PATH=/usr/local/lib
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo "@@GUEST init up=$(cut -d' ' -f1 /proc/uptime)"
while read -r ko; do insmod "$ko" || echo "insmod $ko failed"; done </etc/modules.list
ip link set lo up
xenstore-write data/agent ready
n=1
while :; do
	c=$(xenstore-read -R "data/cmd/$n" 2>/dev/null) || {
		usleep 100000
		continue
	}
	echo "@@GUEST $n: $c" | head -c 300
	echo
	sh -c ". /etc/xg-lib.sh; $c" >/tmp/agent.out 2>&1 </dev/null
	rc=$?
	xenstore-write -R "data/out/$n" "$(tail -c 1900 /tmp/agent.out)"
	xenstore-write "data/rc/$n" "$rc"
	n=$((n + 1))
done
