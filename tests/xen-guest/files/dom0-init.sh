#!/bin/sh
# /init of dom0: brings up the real toolstack (xenstored, xenconsoled, xl),
# starts the domU, runs the scenarios named on the kernel command line
# (xg_scenarios=a,b,...; every one by default) from scenarios.sh and
# powers off.  Everything is reported on the console, which is QEMU's
# serial log:
#   @@BEGIN s / @@STEP s.name PASS|FAIL [detail] / @@RESULT s PASS|FAIL
#   @@DONE                                  the run reached its end
# and the domU's console is relayed with a "[domU] " prefix.
export PATH=/usr/sbin:/usr/bin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o size=600m tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /run/netns /var/lib/xen /var/lib/xenstored /var/log/xen/console
. /etc/xg/dom0-lib.sh
. /etc/xg/scenarios.sh
echo "@@DOM0 init up=$(uptime_s)"
while read -r ko; do
	case $ko in
	*/loop.ko*) insmod "$ko" max_loop=64 ;; # every attach takes one
	*) insmod "$ko" ;;
	esac || echo "insmod $ko failed"
done </etc/modules.list
mount -t xenfs xenfs /proc/xen || abort "mount xenfs"
xenstored --pid-file=/run/xenstored.pid || abort xenstored
n=0
while [ ! -S /run/xenstored/socket ] && [ $n -lt 100 ]; do usleep 100000; n=$((n + 1)); done
xen-init-dom0 >/dev/null || abort xen-init-dom0
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || abort xenconsoled
xl list >/dev/null || abort "xl list"
echo "@@DOM0 toolstack up=$(uptime_s)"
ip link set lo up
brctl addbr xenbr0
ip addr add 10.200.0.1/24 dev xenbr0
ip link set xenbr0 up
dd if=/dev/zero of=/tmp/xvda.raw bs=1M count=4 2>/dev/null
guest_create || abort "the domU did not start"
scenarios=$(echo "${xg_scenarios:-a+f+b+c+d+e+g}" | tr + ' ')
for s in $scenarios; do run_scenario "$s"; done
xl destroy guest 2>/dev/null
echo "@@DONE up=$(uptime_s)"
poweroff -f
