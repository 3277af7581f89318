#!/bin/sh
# loop.sh: folder entries that lead back up.  A folder entry pointing at
# the root cluster (FAT32) or at a folder on its own path is refused with
# ELOOP and a log line naming the entry, so that `devmgr-fat rm -r /DIR1`
# on such an image changes nothing outside /DIR1 (loopcheck.py compares
# every byte outside it), also when each of its writes fails in turn
# (blk-debug).  The images are made by mkfs.fat and mtools, then one entry
# is pointed elsewhere by corrupt.py; fsck.fat confirms they are corrupt.
# The FAT16 root has no cluster: a folder entry with cluster 0 (what
# ".." holds for the root) is the root, and a loop too.
. "$top_srcdir/tests/fs/lib.sh"
corrupt=$top_srcdir/tests/fs/corrupt.py
loopcheck=$top_srcdir/tests/fs/loopcheck.py
fattool=$top_builddir/apps/devmgr-fat/devmgr-fat
[ -x "$fattool" ] || { echo "SKIP: devmgr-fat is not built"; exit 77; }

rand_file "$tmp/keep" 5000
rand_file "$tmp/a" 3000
rand_file "$tmp/b" 9000

base() { # KIND IMAGE: KEEP.TXT, OTHER/B.TXT and DIR1/{A.TXT,SUB/C.TXT,UP/,SELF/}
	case $1 in
	16) mkfs.fat -C -F 16 "$2" 16384 ;;
	32) mkfs.fat -C -F 32 "$2" 36864 ;;
	esac >/dev/null 2>&1 || { fail "mkfs.fat -F $1"; exit 1; }
	mcopy -i "$2" "$tmp/keep" ::/KEEP.TXT
	mmd -i "$2" ::/DIR1 ::/OTHER ::/DIR1/SUB ::/DIR1/UP ::/DIR1/SELF \
		::/DIR1/SUB/BACK
	mcopy -i "$2" "$tmp/a" ::/DIR1/A.TXT
	mcopy -i "$2" "$tmp/a" ::/DIR1/SUB/C.TXT
	mcopy -i "$2" "$tmp/b" ::/OTHER/B.TXT
}

outside_same() { # WHAT BEFORE AFTER
	if python3 "$loopcheck" "$2" "$3" /DIR1 >"$tmp/lc" 2>&1; then
		ok "$1: nothing outside /DIR1 changed ($(tail -1 "$tmp/lc"))"
	else
		fail "$1: $(head -3 "$tmp/lc" | tr '\n' ' ')"
	fi
	if [ "$(mtype -i "$3" ::/KEEP.TXT | cksum)" = "$(cksum <"$tmp/keep")" ] &&
	   [ "$(mtype -i "$3" ::/OTHER/B.TXT | cksum)" = "$(cksum <"$tmp/b")" ]; then
		ok "$1: mtools reads /KEEP.TXT and /OTHER/B.TXT as before"
	else
		fail "$1: /KEEP.TXT or /OTHER/B.TXT is not intact for mtools"
	fi
}

# CASE KIND ENTRY TARGET ERRNO LOGGED
check_case() {
	name=$1 kind=$2 entry=$3 target=$4 errno=$5 logged=$6
	img=$tmp/$name.img
	base "$kind" "$img"
	python3 "$corrupt" "$img" point "$entry" "$target"
	cp "$img" "$tmp/before.img"
	if fsck.fat -n "$img" >"$tmp/fsck" 2>&1; then
		fail "$name: fsck.fat -n finds nothing wrong with the corrupt image"
	else
		ok "$name: fsck.fat -n finds the image corrupt: $(grep -m1 -i 'loop\|cluster\|dir' "$tmp/fsck")"
	fi
	timeout 20 "$fattool" --image "$img" rm -r /DIR1 >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st = 1 ] && grep -q "($errno)" "$tmp/err" &&
	   grep -qF -- "$logged" "$tmp/err"; then
		ok "$name: rm -r /DIR1 stops with $errno, logged: $(grep -m1 -F -- "$logged" "$tmp/err" | sed 's/.*: folder/folder/')"
	else
		fail "$name: rm -r /DIR1: status $st, wanted 1, $errno and \"$logged\": $(head -5 "$tmp/err" | tr '\n' ' ')"
	fi
	outside_same "$name: rm -r /DIR1" "$tmp/before.img" "$img"
	for p in "$entry" "$entry/KEEP.TXT"; do
		cp "$tmp/before.img" "$img"
		timeout 20 "$fattool" --image "$img" ls "$p" >"$tmp/out" 2>"$tmp/err"
		st=$?
		if [ $st = 1 ] && grep -q "($errno)" "$tmp/err"; then
			ok "$name: ls $p is $errno"
		else
			fail "$name: ls $p: status $st: $(head -3 "$tmp/err" | tr '\n' ' ')"
		fi
	done
	cp "$tmp/before.img" "$img"
	timeout 20 "$fattool" --image "$img" put "$tmp/a" "$entry/KEEP.TXT" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st = 1 ] && grep -q "($errno)" "$tmp/err"; then
		ok "$name: put into $entry is $errno"
	else
		fail "$name: put into $entry: status $st: $(head -3 "$tmp/err" | tr '\n' ' ')"
	fi
	outside_same "$name: put into $entry" "$tmp/before.img" "$img"
}

check_case up-root 32 /DIR1/UP / ELOOP \
	'folder entry "/DIR1/UP" points to cluster 2, the root folder: a loop'
check_case self32 32 /DIR1/SELF /DIR1 ELOOP \
	'folder entry "/DIR1/SELF" points to cluster'
check_case back32 32 /DIR1/SUB/BACK /DIR1 ELOOP \
	'the folder "/DIR1" on its own path: a loop'
check_case self16 16 /DIR1/SELF /DIR1 ELOOP \
	'the folder "/DIR1" on its own path: a loop'
check_case up-root16 16 /DIR1/UP / ELOOP \
	'folder entry "/DIR1/UP" points to cluster 0, the root folder: a loop'

# Faults: blk-debug fails each write of `rm -r /DIR1` in turn on the
# FAT32 reproducer; whatever is lost, nothing outside /DIR1 changes.
if [ -e "$DEVMGR_PLUGIN_PATH/blk-debug.so" ]; then
	base 32 "$tmp/f.img"
	python3 "$corrupt" "$tmp/f.img" point /DIR1/UP /
	cp "$tmp/f.img" "$tmp/fbase.img"
	cfg() { # FAIL_WRITE
		cat >"$tmp/cfg.json" <<EOC
{"devmgr": 1, "devices": {
  "file": {"provider": "blk-file", "path": "$tmp/f.img"},
  "dbg": {"provider": "blk-debug", "on": "file", "trace": "$tmp/trace", "fail_write": $1},
  "fs": {"provider": "fs-fat", "on": "dbg"}}}
EOC
	}
	cfg 0
	timeout 20 "$fattool" -c "$tmp/cfg.json" rm -r /DIR1 >/dev/null 2>&1
	n=$(grep -c ' write ' "$tmp/trace")
	if [ "$n" -gt 2 ]; then
		ok "faults: rm -r /DIR1 makes $n writes"
	else
		fail "faults: rm -r /DIR1 made only $n writes"
	fi
	bad=0
	for k in $(seq 1 "$n"); do
		cp "$tmp/fbase.img" "$tmp/f.img"
		cfg "$k"
		timeout 20 "$fattool" -c "$tmp/cfg.json" rm -r /DIR1 >/dev/null 2>"$tmp/err"
		st=$?
		if [ $st = 0 ]; then
			fail "faults: write $k failed and rm -r /DIR1 exited 0"
			bad=1
		fi
		if ! python3 "$loopcheck" "$tmp/fbase.img" "$tmp/f.img" /DIR1 >"$tmp/lc" 2>&1; then
			fail "faults: write $k failed: $(head -3 "$tmp/lc" | tr '\n' ' ')"
			bad=1
		fi
	done
	[ $bad = 0 ] && ok "faults: each of the $n writes failed in turn: nothing outside /DIR1 changed"
else
	echo "SKIP: blk-debug is not built: no fault-injection run"
fi
exit $failed
