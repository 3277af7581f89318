# lib.sh: what the devmgr-fat tests share (sourced, not run): the tools
# they need, images made by mkfs.fat, checks with fsck.fat and mtools, and
# PASS/FAIL bookkeeping.  Each test sets $tmp before using it.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
FATTOOL="$top_builddir/apps/devmgr-fat/devmgr-fat"
PLUGINS="$top_builddir/plugins/.libs"
PY=${PYTHON3_SYS:-/usr/bin/python3}
MDIR_LIST="$top_srcdir/tests/fat-tool/mdir_list.py"
FSCK_FILTER="$top_srcdir/tests/fat-tool/fsck_filter.py"
MTOOLS_SKIP_CHECK=1
export MTOOLS_SKIP_CHECK
# mtools names in UTF-8, whatever the caller's locale.
LC_ALL=C.UTF-8
export LC_ALL

# mktmp NAME: a private folder for images.  In memory when /dev/shm is
# there: every write command ends in fdatasync, which on a busy disk costs
# more than everything else the tests do.
mktmp() {
	d=/dev/shm
	[ -d "$d" ] && [ -w "$d" ] || d=$top_builddir
	mktemp -d "$d/devmgr-$1.XXXXXX"
}

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() {
	echo "FAIL: $1"
	fail=$((fail + 1))
	for f in "$tmp/out" "$tmp/err" "$tmp/fsck"; do
		[ -s "$f" ] && { echo "  --- ${f##*/}:"; head -n 20 "$f" | sed 's/^/  /'; }
	done
	rm -f "$tmp/fsck" # shown once, with the failure it belongs to
	return 0
}
errsays() { # errsays NAME TEXT: stderr of the last command holds TEXT
	if grep -qF -- "$2" "$tmp/err"; then ok "$1 says \"$2\""; else ko "$1 does not say \"$2\""; fi
}
skip() { echo "SKIP: $1"; exit 77; }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

need_tools() {
	for t in mkfs.fat fsck.fat mcopy mmd mdel mdir mtype "$PY"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

# fs-fat comes from another part of the tree; until it is built, these
# tests cannot run at all.
need_fsfat() {
	[ -e "$PLUGINS/fs-fat.so" ] ||
		skip "the fs-fat provider is not built ($PLUGINS/fs-fat.so)"
}

# The same, for a build of fs-fat that only reads.
need_fsfat_write() {
	need_fsfat
	mkimg 12 "$tmp/probe.img"
	"$FATTOOL" --image "$tmp/probe.img" mkdir /probe >"$tmp/out" 2>"$tmp/err"
	case $? in
	0) rm -f "$tmp/probe.img" ;;
	*) grep -q EROFS "$tmp/err" &&
		skip "fs-fat cannot write yet: $(head -n 1 "$tmp/err")"
		rm -f "$tmp/probe.img" ;;
	esac
}

# fat ARGS...: devmgr-fat with stdout/stderr in $tmp/out and $tmp/err.
fat() {
	"$FATTOOL" "$@" >"$tmp/out" 2>"$tmp/err"
}

# t NAME EXPECTED-STATUS COMMAND...: run, PASS or FAIL on the exit status.
t() {
	name=$1 want=$2
	shift 2
	rm -f "$tmp/fsck"
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$name"
		return 0
	fi
	ko "$name (exit $rc, expected $want)"
	return 1
}

# mkimg 12|16|32 FILE: a fresh, empty FAT image of a size that makes that
# FAT type proper (FAT32 needs 65525 clusters: 40 MiB of 512-byte ones).
mkimg() {
	rm -f "$2"
	case $1 in
	12) mkfs.fat -C -F 12 -n "FAT12 TEST" "$2" 2048 ;;
	16) mkfs.fat -C -F 16 -n "FAT16 TEST" "$2" 16384 ;;
	32) mkfs.fat -C -F 32 -s 1 -n "FAT32 TEST" "$2" 40960 ;;
	esac >/dev/null || { echo "mkfs.fat -F $1 $2 failed"; exit 99; }
}

# fsck_clean NAME IMAGE: fsck.fat -n finds nothing to fix.
fsck_clean() {
	if fsck.fat -n "$2" >"$tmp/fsck" 2>&1; then
		ok "$1: fsck.fat -n is clean"
	else
		ko "$1: fsck.fat -n found problems"
	fi
}

# mtools_same NAME IMAGE FSPATH HOSTFILE: mtools reads back exactly HOSTFILE.
mtools_same() {
	rm -f "$tmp/mt"
	if ! mcopy -n -i "$2" "::$3" "$tmp/mt" 2>"$tmp/err"; then
		ko "$1: mcopy cannot read $3"
	elif cmp -s "$tmp/mt" "$4"; then
		ok "$1: mtools reads $3 as written"
	else
		ko "$1: mtools reads $3 differently ($(wc -c <"$tmp/mt") bytes, expected $(wc -c <"$4"))"
	fi
}

# ls_like_mdir NAME IMAGE FOLDER: devmgr-fat ls -l and mdir agree on the
# names, kinds and sizes of FOLDER's entries.
ls_like_mdir() {
	rm -f "$tmp/fsck"
	if ! "$FATTOOL" --image "$2" ls -l "$3" >"$tmp/ls.raw" 2>"$tmp/err"; then
		ko "$1: ls -l $3 failed"
		return
	fi
	# "K ATTR SIZE DATE TIME NAME" -> "K SIZE NAME"; a folder's size is 0.
	sed -E 's/^(.) [-rhsa]{4} +([0-9]+) [^ ]+ [^ ]+ (.*)$/\1 \2 \3/; s/^d [0-9]+ /d 0 /' \
		"$tmp/ls.raw" | LC_ALL=C sort >"$tmp/ls"
	if ! mdir -a -i "$2" "::$3" >"$tmp/mdir.raw" 2>"$tmp/err"; then
		ko "$1: mdir $3 failed"
		return
	fi
	"$PY" "$MDIR_LIST" <"$tmp/mdir.raw" | LC_ALL=C sort >"$tmp/mdir"
	if cmp -s "$tmp/ls" "$tmp/mdir"; then
		ok "$1: ls -l $3 agrees with mdir ($(wc -l <"$tmp/ls") entries)"
	else
		diff "$tmp/mdir" "$tmp/ls" >"$tmp/out"
		ko "$1: ls -l $3 and mdir differ (< mdir, > ls)"
	fi
}

# mkfile FILE BYTES [SEED]: deterministic, incompressible-looking content.
mkfile() {
	"$PY" -c '
import random, sys
r = random.Random(int(sys.argv[3]))
n = int(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    f.write(r.getrandbits(8 * n).to_bytes(n, "little") if n else b"")
' "$1" "$2" "${3:-1}"
}
