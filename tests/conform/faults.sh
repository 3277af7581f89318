#!/bin/sh
# faults.sh: every case of the conformance kit can fail.  For each line of
# tests/conform/expect/SIG, "devmgr conform" runs against the broken test
# provider with that fault (a drop-in plugin found through --plugin-path)
# and exactly the named case must fail, with exit status 1; fault=none
# must pass with 0.  Every output validates against the conform schema.
. "$top_srcdir/tests/conform/lib.sh"

# test-fs-fault is stacked on fs-fat on a RAM copy of a FAT image.
sigs="blk console"
if command -v mkfs.fat >/dev/null 2>&1; then
	mkfs.fat -C "$tmp/fat.img" 4096 >/dev/null || exit 99
	sigs="$sigs fs"
else
	echo "SKIP: fs faults: no mkfs.fat (dosfstools)"
fi
# test-net-fault's peer is a port of the same hub without a fault;
# test-stack-fault is stacked on net-socket (loopback only).
sigs="$sigs net stack"
for sig in $sigs; do
	set --
	[ "$sig" = fs ] && set -- on.provider=fs-fat on.on.provider=blk-ram \
		"on.on.image=$tmp/fat.img"
	[ "$sig" = net ] && set -- hub=h peer.provider=test-net-fault peer.hub=h
	[ "$sig" = stack ] && set -- on.provider=net-socket
	grep -v '^#' "$top_srcdir/tests/conform/expect/$sig" |
	while read -r fault expect; do
		[ -n "$fault" ] || continue
		name="$sig fault=$fault"
		code=1
		[ "$expect" = - ] && code=0
		t "$name" "$code" "$DEVMGR" --plugin-path "$FAULTDIR" conform \
			"test-$sig-fault" "fault=$fault" "$@" --json || continue
		schema "$name"
		got=$(failed_cases | tr '\n' ' ' | sed 's/ $//')
		[ -n "$got" ] || got=-
		if [ "$got" = "$expect" ]; then
			ok "$name: failed cases: $got"
		else
			ko "$name: failed cases: $got, expected $expect"
		fi
	done >>"$tmp/log"
done
cat "$tmp/log"
pass=$(grep -c '^PASS' "$tmp/log")
fail=$(grep -c '^FAIL' "$tmp/log")

# Each blk fault: the text output names the case and says what came back.
t "text output of a fault" 1 "$DEVMGR" --plugin-path "$FAULTDIR" conform \
	test-blk-fault fault=clamp
if grep -q '^fail  blk.past_end: read(sector 127, 1024 bytes): expected -ERANGE, got 0$' "$tmp/out" &&
	grep -q '^13 cases: 11 passed, 1 failed, 1 skipped$' "$tmp/out"; then
	ok "the failure says what was expected and what came back"
else
	ko "the failure says what was expected and what came back"
fi

# A case that kills the process fails with the signal; the next one runs.
t "crash" 1 "$DEVMGR" --plugin-path "$FAULTDIR" conform test-blk-fault \
	fault=crash
grep -q '^fail  blk.discard: the case: expected an answer, got killed by signal 11 (Segmentation fault)$' "$tmp/out" &&
	grep -q '^pass  blk.read_only$' "$tmp/out" &&
	ok "a crash fails its case alone" || ko "a crash fails its case alone"

# A provider without discard: that case is skipped, with the reason.
t "blk without discard" 0 "$DEVMGR" --plugin-path "$FAULTDIR" conform \
	test-blk-fault discard=false --json && schema "blk without discard"
[ "$(case_result blk.discard)" = skip ] && ok "blk.discard skipped" ||
	ko "blk.discard not skipped"
grep -q '"reason":"the provider does not offer discard"' "$tmp/out" &&
	ok "the skip says why" || ko "the skip says why"

# A device too small for some cases: skipped, not failed.
t "blk of 2 sectors" 0 "$DEVMGR" --plugin-path "$FAULTDIR" conform \
	test-blk-fault size=1024 --json && schema "blk of 2 sectors"
[ "$(case_result blk.iovec)" = skip ] && ok "blk.iovec skipped on 2 sectors" ||
	ko "blk.iovec not skipped on 2 sectors"

finish
