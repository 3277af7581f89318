# lib.sh: shared by the fs-fat test scripts (sourced).  Needs top_builddir
# and DEVMGR_PLUGIN_PATH (make check exports them); skips (77) without
# dosfstools or mtools.
: "${top_builddir:?}" "${top_srcdir:?}"
for t in mkfs.fat fsck.fat mcopy mmd mdel mdir mtype python3; do
	if ! command -v "$t" >/dev/null 2>&1 &&
	   ! [ -x "/usr/sbin/$t" ] && ! [ -x "/sbin/$t" ]; then
		echo "SKIP: $t is not installed"
		exit 77
	fi
done
PATH=$PATH:/usr/sbin:/sbin
export MTOOLS_SKIP_CHECK=1 LANG=C.UTF-8 LC_ALL=C.UTF-8
shell=$top_builddir/tests/fs/fat_shell
mdir_list=$top_srcdir/tests/fs/mdir_list.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fs-fat.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

# fsck.fat -n IMAGE must exit 0 (no change needed).
fsck_ok() { # IMAGE WHAT
	if fsck_out=$(fsck.fat -n "$1" 2>&1); then
		ok "fsck.fat -n: $2"
	else
		fail "fsck.fat -n: $2"
		echo "$fsck_out" | head -20
	fi
}

# A file of N bytes from /dev/urandom.
rand_file() { # PATH BYTES
	head -c "$2" /dev/urandom >"$1"
}

# "D /path" and "F /path size" for every entry, as mdir shows them.
mdir_tree() { # IMAGE
	mdir -i "$1" -/ -a ::/ | python3 "$mdir_list" | LC_ALL=C sort
}

shell_tree() { # SECTOR_SIZE IMAGE
	"$shell" -s "$1" -r "$2" tree | LC_ALL=C sort
}

# Everything below the root, as mtools reads it, against fs-fat's export.
same_content() { # SECTOR_SIZE IMAGE WHAT
	rm -rf "$tmp/m" "$tmp/f"
	mkdir "$tmp/m" "$tmp/f"
	mcopy -s -n -i "$2" '::*' "$tmp/m/" 2>/dev/null
	if ! "$shell" -s "$1" -r "$2" export "$tmp/f" >/dev/null; then
		fail "$3: fs-fat export failed"
	elif diff -r "$tmp/m" "$tmp/f" >"$tmp/diff" 2>&1; then
		ok "$3: every file reads as mtools reads it"
	else
		fail "$3: fs-fat and mtools read different bytes"
		head -20 "$tmp/diff"
	fi
}

same_listing() { # SECTOR_SIZE IMAGE WHAT
	mdir_tree "$2" >"$tmp/l.m"
	shell_tree "$1" "$2" >"$tmp/l.f"
	if cmp -s "$tmp/l.m" "$tmp/l.f"; then
		ok "$3: listing agrees with mdir ($(wc -l <"$tmp/l.m") entries)"
	else
		fail "$3: listing differs from mdir (- mdir, + fs-fat)"
		diff -u "$tmp/l.m" "$tmp/l.f" | head -20
	fi
}
