#!/bin/sh
# blkxen.sh: blk-xen's Xenbus state machine against the real xenstored.
# The test plays the toolstack and the backend with the xenstore tools;
# blk-xen runs in "devmgr probe" with the hypervisor test double preloaded
# (its grants are anonymous pages and its event channel never fires, so
# there is no I/O here: tests/xen-guest does that against a real blkback).
# Checked: the keys and states the frontend writes, geometry and mode from
# the backend, Closing/Closed on destroy, a frontend left Closed starting
# again, and every way a backend can fail to connect or lie, each refused
# within the timeout with a message naming the path.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/xen/xsd.sh"
. "$top_srcdir/tests/xen/common.sh"
[ -f "$top_builddir/plugins/.libs/blk-xen.so" ] || xsd_skip "blk-xen is not built"
xsd_init
xsd_start
xsd_domain 7
D=$XSD_DIR
F=/local/domain/7/device/vbd/51728
B=/local/domain/0/backend/vbd/7/51728
cat >"$D/conf.json" <<JSON
{ "devmgr": 1, "devices": {
  "d": { "provider": "blk-xen", "devid": 51728, "domain_path": "/local/domain/7",
         "timeout_ms": 1000 } } }
JSON
probe() { # OUT: devmgr probe --json with blk-xen; its status
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD="$XSSTUB" \
		"$DEVMGR" probe --json -c "$D/conf.json" >"$1" 2>"$1.err"
}
# backend FSTATE KEY=VALUE...: once the frontend reaches FSTATE, write the
# backend's keys (the last one is usually its state).
backend() {
	_want=$1
	shift
	(
		n=0
		while [ "$(xenstore-read "$F/state" 2>/dev/null)" != "$_want" ] && [ $n -lt 100 ]; do
			sleep 0.02
			n=$((n + 1))
		done
		for kv; do xenstore-write -- "$B/${kv%%=*}" "${kv#*=}"; done
	) &
	BPID=$!
}
fresh() { # a vbd in state 1/1, as libxl writes it
	xenstore-rm "$F" 2>/dev/null
	xenstore-rm "$B" 2>/dev/null
	vbd_attach 7 51728 /dev/null w
}
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# A backend that connects: the frontend's keys, then the device.
fresh
xsw "$B/state" 2 "$B/feature-flush-cache" 1
backend 3 sectors=4096 sector-size=512 info=0 mode=r state=4
probe "$D/ok"
rc=$?
wait $BPID
check "a backend that connects: probe exits 0" [ $rc -eq 0 ]
check "ring-ref is a number" sh -c "xenstore-read $F/ring-ref | grep -qx '[0-9][0-9]*'"
check "event-channel is a number" sh -c "xenstore-read $F/event-channel | grep -qx '[0-9][0-9]*'"
check "protocol is x86_64-abi" [ "$(xenstore-read "$F/protocol")" = x86_64-abi ]
check "geometry and mode r from the backend" grep -q '"sector_size": *512, *"sectors": *4096, *"read_only": *true' "$D/ok"
check "destroy leaves the frontend Closed" [ "$(xenstore-read "$F/state")" = 6 ]

# A frontend left Closed starts again from Initialising; 4096-byte sectors.
xsw "$B/state" 2 "$B/mode" w
backend 3 sector-size=4096 sectors=100 state=4
probe "$D/again"
rc=$?
wait $BPID
check "a Closed frontend connects again" [ $rc -eq 0 ]
check "4096-byte sectors, writable" grep -q '"sector_size": *4096, *"sectors": *100, *"read_only": *false' "$D/again"

# A frontend and backend left Closed (6/6, as a detach-less destroy leaves
# them): the backend goes to InitWait when the frontend is Initialising.
xsw "$B/state" 6
backend 1 state=2
B1=$BPID
backend 3 state=4
probe "$D/reopen"
rc=$?
wait $B1 $BPID
check "a Closed backend that goes to InitWait again connects" [ $rc -eq 0 ]

# refused NAME TEXT: probe fails (exit 1) within 3 s (timeout 1 s), with
# TEXT and the frontend's path in the message.
refused() {
	_t0=$(date +%s.%N)
	probe "$D/bad"
	_rc=$?
	_dt=$(elapsed "$_t0")
	[ -n "${BPID:-}" ] && wait $BPID
	BPID=
	if [ $_rc -eq 1 ] && grep -qF -- "$2" "$D/bad.err" && grep -qF "$F" "$D/bad.err" &&
		awk -v t="$_dt" 'BEGIN { exit !(t < 3) }'; then
		ok "$1"
	else
		ko "$1 (exit $_rc after $_dt s; expected: $2)"
		cat "$D/bad.err"
	fi
}
BPID=
fresh
refused "a backend that never waits for a frontend" "did not wait for a frontend (InitWait) within 1000 ms (its state: 1)"
check "... and the frontend is left Closed" [ "$(xenstore-read "$F/state")" = 6 ]
fresh
xsw "$B/state" 2
refused "a backend that never connects" "did not connect within 1000 ms"
fresh
xsw "$B/state" 2
backend 3 state=6
refused "a backend that closes instead" "closed or has a bad state instead of connecting"
for v in yes 2 01 ""; do
	fresh
	xsw "$B/state" 2 "$B/feature-discard" "$v"
	refused "feature-discard \"$v\"" "$B/feature-discard: \"$v\" is not 0 or 1"
done
for kv in sectors=0 sectors=12x sectors=-1 sector-size=1000 sector-size=256 sector-size=131072 info=x; do
	fresh
	xsw "$B/state" 2
	backend 3 sectors=100 "$kv" state=4
	refused "backend $kv" "$B/${kv%%=*}"
done
fresh
xsw "$B/state" 2
backend 3 state=4
refused "a backend without sectors" "$B/sectors is missing"
fresh
xsw "$B/state" 4x
refused "a backend state that is not a number" "has a bad state"
xenstore-write "$F/backend" /local/domain/0/backend/vbd/8/51728
refused "a backend path of another guest" "/local/domain/0/backend/vbd/8/51728/frontend is not this frontend"
xenstore-write "$F/backend" /local/domain/0/backend/vbd/7/../7/51728
refused "a backend path with .." "$F/backend is not under /local/domain/0/backend/vbd/"
xenstore-rm "$F"
refused "a vbd that does not exist" "$F: no such vbd"

# devmgr conform runs blk-xen's cases in a forked child of the process
# that made the device, and libxenstore's reader thread is not in the
# child.  The backend's state is written again and again while the cases
# wait for answers (which never come here), so that the child's waits see
# watch events: each must end in blk-xen's own I/O timeout (-EIO), not
# hang on the inherited handle until conform's 30 s limit kills the case.
fresh
xsw "$B/state" 2
backend 3 sectors=4096 sector-size=512 info=0 mode=w state=4
(
	n=0
	while [ $n -lt 150 ] && [ ! -e "$D/conform.done" ]; do
		[ "$(xenstore-read "$B/state" 2>/dev/null)" = 4 ] && xenstore-write "$B/state" 4
		sleep 0.1
		n=$((n + 1))
	done
) &
KICK=$!
_t0=$(date +%s.%N)
ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD="$XSSTUB" \
	timeout 120 "$DEVMGR" conform blk-xen devid=51728 domain_path=/local/domain/7 \
	timeout_ms=1000 io_timeout_ms=700 >"$D/conform" 2>&1
rc=$?
_dt=$(elapsed "$_t0")
: >"$D/conform.done"
wait $BPID $KICK
check "conform in a forked child: the cases fail (no I/O here), exit 1" [ $rc -eq 1 ]
check "... the first transfer ends in blk-xen's own timeout" \
	grep -q 'fail  blk.sector0: .*got -EIO' "$D/conform"
check "... no case hangs until conform's time limit" \
	sh -c "! grep -q 'killed by signal' '$D/conform'"
check "... within 20 s (took $_dt s)" awk -v t="$_dt" 'BEGIN { exit !(t < 20) }'
[ $rc -eq 1 ] || cat "$D/conform"
finish
