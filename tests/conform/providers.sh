#!/bin/sh
# providers.sh: the project's blk and console providers pass the
# conformance kit ("devmgr conform", docs/conform.md), in text and JSON;
# bad command lines exit 2.
. "$top_srcdir/tests/conform/lib.sh"

img="$tmp/disk.img"
truncate -s 1M "$img" || exit 99

# conform NAME PROVIDER [PARAM=VALUE]...: exit 0, valid JSON, no failure.
conform() {
	name=$1
	shift
	t "$name" 0 "$DEVMGR" conform "$@" --json || return
	schema "$name"
	[ -z "$(failed_cases)" ] && ok "$name: no case failed" ||
		ko "$name: failed cases: $(failed_cases | tr '\n' ' ')"
}

conform "blk-ram" blk-ram size=1M
conform "blk-ram 4096-byte sectors" blk-ram size=1M sector_size=4096
conform "blk-ram read-only" blk-ram size=64K read_only=true
conform "blk-file" blk-file path="$img"
conform "blk-file read-only" blk-file path="$img" read_only=true
conform "blk-debug on blk-ram" blk-debug on.provider=blk-ram on.size=1M
conform "blk-part on blk-file" blk-part offset=64K size=512K \
	on.provider=blk-file on.path="$img"
conform "blk-debug on blk-part on blk-ram" blk-debug on.provider=blk-part \
	on.offset=4096 on.size=256K on.on.provider=blk-ram on.on.size=1M
conform "console-stdio" console-stdio
conform "console-file" console-file path="$tmp/console.log"

# fs: fs-fat on a RAM copy of an image and on the image itself, FAT12 and
# FAT32 (which
# fsck.fat then finds clean and empty: every case removes what it made),
# read-only, and fs-host on a folder.
if command -v mkfs.fat >/dev/null 2>&1; then
	fat="$tmp/fat.img"
	mkfs.fat -C "$fat" 4096 >/dev/null || exit 99
	conform "fs-fat on blk-ram" fs-fat on.provider=blk-ram on.image="$fat"
	conform "fs-fat on blk-file" fs-fat on.provider=blk-file on.path="$fat"
	if fsck.fat -n "$fat" >"$tmp/fsck" 2>&1 &&
		grep -q ' 0 files, ' "$tmp/fsck"; then
		ok "fs-fat on blk-file: fsck.fat -n clean, no file left"
	else
		cat "$tmp/fsck" >"$tmp/err"
		ko "fs-fat on blk-file: fsck.fat -n clean, no file left"
	fi
	conform "fs-fat read-only" fs-fat read_only=true on.provider=blk-file \
		on.path="$fat" on.read_only=true
	mkfs.fat -C -F 32 "$tmp/fat32.img" 40000 >/dev/null || exit 99
	conform "fs-fat on FAT32" fs-fat \
		on.provider=blk-file on.path="$tmp/fat32.img"
	rm -f "$tmp/fat32.img"
else
	echo "SKIP: fs-fat: no mkfs.fat (dosfstools)"
fi
mkdir "$tmp/host"
conform "fs-host" fs-host path="$tmp/host" read_only=false
[ -z "$(ls -A "$tmp/host")" ] && ok "fs-host: the cases left nothing behind" ||
	ko "fs-host: the cases left nothing behind"
conform "fs-host read-only" fs-host path="$tmp/host"
t "fs-host read-only, text" 0 "$DEVMGR" conform fs-host path="$tmp/host"
grep -q '^skip  fs.create: the filesystem is read-only$' "$tmp/out" &&
	grep -q '^pass  fs.read_only$' "$tmp/out" &&
	ok "read-only fs: write cases skipped, refusals checked" ||
	ko "read-only fs: write cases skipped, refusals checked"

# net: net-link ports of one hub (the peer another port), and net-debug
# stacked on one; without a peer the receive cases are skipped.
conform "net-link" net-link hub=c peer.provider=net-link peer.hub=c
conform "net-link mtu 9000" net-link hub=j mtu=9000 peer.provider=net-link \
	peer.hub=j peer.mtu=9000
conform "net-debug on net-link" net-debug on.provider=net-link on.hub=d \
	peer.provider=net-link peer.hub=d
t "net-link without a peer" 0 "$DEVMGR" conform net-link
grep -q '^skip  net.receive: no peer on the same wire (peer.provider=NAME peer.PARAM=VALUE)$' "$tmp/out" &&
	ok "net.receive skipped without a peer, with the reason" ||
	ko "net.receive skipped without a peer, with the reason"

# stack: each stack talks to itself (its own addresses); stack-lwip on
# a net-link port, with its IPv6 address looped back too.
conform "net-socket" net-socket
conform "net-socket without IPv6" net-socket address6=
conform "stack-lwip on net-link" stack-lwip address=10.9.0.1 ipv6=fd00::1 \
	on.provider=net-link on.hub=s
t "stack-lwip without IPv6, text" 0 "$DEVMGR" conform stack-lwip \
	address=10.9.0.2 on.provider=net-link on.hub=s
grep -q '^skip  stack.ipv6: the stack has no IPv6 address$' "$tmp/out" &&
	grep -q '^12 cases: 10 passed, 0 failed, 2 skipped$' "$tmp/out" &&
	ok "stack.ipv6 skipped without IPv6, with the reason" ||
	ko "stack.ipv6 skipped without IPv6, with the reason"

# Read-only: the refusal case runs on the device itself.
t "blk-ram read-only, text" 0 "$DEVMGR" conform blk-ram size=64K read_only=true
grep -q '^pass  blk.read_only$' "$tmp/out" && ok "read-only device: refusals checked" ||
	ko "read-only device: refusals checked"
grep -q '^skip  blk.readback: the device is read-only$' "$tmp/out" &&
	ok "read-only device: write cases skipped with the reason" ||
	ko "read-only device: write cases skipped with the reason"
# A writable device without read_only: the refusal case is skipped.
t "blk-ram text" 0 "$DEVMGR" conform blk-ram size=64K
grep -q '^13 cases: 13 passed, 0 failed, 0 skipped$' "$tmp/out" &&
	ok "text summary" || ko "text summary"
# Whatever console-stdio writes stays out of the report.
t "console-stdio text" 0 "$DEVMGR" conform console-stdio
[ "$(wc -l <"$tmp/out")" -eq 7 ] && ok "console-stdio: the report alone on stdout" ||
	ko "console-stdio: the report alone on stdout"
# The file console got what the cases wrote.
[ -s "$tmp/console.log" ] && ok "console-file: the writes reached the file" ||
	ko "console-file: the writes reached the file"

# Usage and configuration errors: 2, with a message.
usage() {
	msg=$1
	shift
	t "usage: $*" 2 "$DEVMGR" "$@" || return
	grep -qF "$msg" "$tmp/err" && ok "usage: $* says \"$msg\"" ||
		ko "usage: $* does not say \"$msg\""
}
usage 'conform takes a provider name' conform
usage 'unknown provider "nope"' conform nope
usage '"size" is not PARAM=VALUE' conform blk-ram size
usage '"=1" is not PARAM=VALUE' conform blk-ram =1
usage '"size=2M" given twice' conform blk-ram size=1M size=2M
usage 'needs on.provider=NAME' conform blk-debug on.size=1M
usage 'the provider is the first operand' conform blk-ram provider=blk-file
usage 'expected an integer' conform blk-ram size=1M sector_size=4k
usage 'give the device below as on.provider=NAME' conform blk-debug on=x
usage 'unknown parameter "sise" for provider blk-ram' conform blk-ram sise=1
usage 'missing parameter "size" or "image"' conform blk-ram
usage 'cannot create a blk-file device' conform blk-file path="$tmp/missing.img"
usage 'address "10.9.0.300" is not an IPv4 address' conform stack-lwip \
	address=10.9.0.300 on.provider=net-link
usage 'cannot create a stack-lwip device' conform stack-lwip address=10.9.0.1 \
	on.provider=net-tap on.name=no/such
usage 'the peer needs peer.provider=NAME' conform net-link peer.hub=x
usage 'cannot create a net-tap device' conform net-tap name=no/such

finish
