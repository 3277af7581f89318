#!/bin/sh
# host.sh: fs-host (the fs signature over a host folder) against the host
# itself: a tree read through it matches the folder (diff -r, find, stat);
# writes through it match the same steps done by coreutils in a twin
# folder; every refusal of the signature (ENOENT, ENOTDIR, EISDIR,
# EEXIST, ENOTEMPTY, EINVAL for "." and "..", EROFS when read-only, the
# default) and the confinement: symlinks that leave the folder (relative,
# absolute, /proc magic links, through a folder link) refused with EACCES
# while one that stays inside works, a FIFO refused without blocking.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
shell=$top_builddir/tests/fs/fat_shell
devmgr=$top_builddir/apps/devmgr/devmgr
export LANG=C.UTF-8 LC_ALL=C.UTF-8
[ -f "${DEVMGR_PLUGIN_PATH:?}/fs-host.so" ] || { echo "SKIP: fs-host not built"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fs-host.XXXXXX") || exit 99
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
failed=0 passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=1; }
check() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', expected '$3'"; fi
}
# the listing fat_shell's tree prints, made by find on the host
find_tree() { # DIR
	(cd "$1" && find . -mindepth 1 \( -type d -printf 'D /%P\n' \) -o \
		\( -type f -printf 'F /%P %s\n' \)) | LC_ALL=C sort
}

# ---- reading ----------------------------------------------------------------
root=$tmp/root
mkdir -p "$root/Docs/Ünïcödé Sub" "$root/empty dir" "$root/a/b/c/d"
head -c 3000000 /dev/urandom >"$root/big.bin"
: >"$root/empty"
echo "deep" >"$root/a/b/c/d/deep.txt"
for i in $(seq 1 30); do echo "file $i" >"$root/Docs/Ünïcödé Sub/name with spaces $i.txt"; done
touch -d '2001-02-03 04:05:06 UTC' "$root/empty"
mkdir "$tmp/out"
if "$shell" -H -r "$root" export "$tmp/out" >/dev/null && diff -r "$root" "$tmp/out" >/dev/null; then
	ok "every file reads as the host has it (diff -r)"
else
	fail "export differs from the folder"
fi
"$shell" -H -r "$root" tree | LC_ALL=C sort >"$tmp/t.fs"
find_tree "$root" >"$tmp/t.host"
if cmp -s "$tmp/t.fs" "$tmp/t.host"; then
	ok "the listing agrees with find ($(wc -l <"$tmp/t.host") entries)"
else
	fail "listing differs (- find, + fs-host)"
	diff -u "$tmp/t.host" "$tmp/t.fs" | head -20
fi
check "stat: mtime is the host's" "$("$shell" -H -r "$root" stat /empty)" \
	"/empty file 0 mtime $(stat -c %Y "$root/empty")"
check "stat: a folder" "$("$shell" -H -r "$root" stat /Docs | cut -d' ' -f1-3)" "/Docs dir 0"
check "// and a trailing / are one path" "$("$shell" -H -r "$root" cat //a//b/c/d/deep.txt)" deep
"$shell" -H -r "$root" volume >"$tmp/vol"
grep -q "root" "$tmp/vol" && ok "volume: the folder's name as label" || { fail "volume"; cat "$tmp/vol"; }

# read-only is the default
cat >"$tmp/ro.json" <<JSON
{ "devmgr": 1, "devices": { "site": { "provider": "fs-host", "path": "$root" } } }
JSON
"$devmgr" probe --json -c "$tmp/ro.json" >"$tmp/probe.json"
check "read-only unless asked (probe)" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["devices"][0]["info"]["read_only"])' "$tmp/probe.json")" True
check "-r: no write ops" "$("$shell" -H -r "$root" ops)" "write ops: 0 of 7"
check "read-only: open to write" "$("$shell" -H -r "$root" ?open /empty w)" "open EROFS"
check "read-only: mkdir" "$("$shell" -H -r "$root" ?mkdir /x)" "mkdir EROFS"
[ ! -e "$root/x" ] && ok "read-only: nothing created" || fail "read-only: /x created"
echo '{"devmgr": 1, "devices": {"site": {"provider": "fs-host", "path": "'"$tmp/nope"'"}}}' >"$tmp/bad.json"
"$devmgr" probe -c "$tmp/bad.json" >"$tmp/bad.out" 2>&1
grep -q "path: $tmp/nope: No such file or directory" "$tmp/bad.out" &&
	ok "a missing folder: the error names it" || { fail "missing folder"; cat "$tmp/bad.out"; }
echo '{"devmgr": 1, "devices": {"site": {"provider": "fs-host", "path": "'"$root/empty"'"}}}' >"$tmp/bad.json"
"$devmgr" probe -c "$tmp/bad.json" >"$tmp/bad.out" 2>&1
grep -q "path: .*empty: Not a directory" "$tmp/bad.out" &&
	ok "a file as the folder: refused" || { fail "file as folder"; cat "$tmp/bad.out"; }

# ---- refusals ------------------------------------------------------------------
R() { "$shell" -H "$root" "$@"; }
check "open a missing file" "$(R ?open /nope r)" "open ENOENT"
check "open below a file" "$(R ?open /empty/x r)" "open ENOTDIR"
check "open a folder to write" "$(R ?open /Docs w)" "open EISDIR"
check "create exclusive an existing file" "$(R ?open /empty cx)" "open EEXIST"
check "a .. step" "$(R ?stat /Docs/../empty)" "stat EINVAL"
check "a . step" "$(R ?stat /./empty)" "stat EINVAL"
check "mkdir an existing folder" "$(R ?mkdir /Docs)" "mkdir EEXIST"
check "mkdir the root" "$(R ?mkdir /)" "mkdir EEXIST"
check "rmdir a full folder" "$(R ?rmdir /Docs)" "rmdir ENOTEMPTY"
check "unlink a folder" "$(R ?rm /Docs)" "rm EISDIR"
check "rmdir a file" "$(R ?rmdir /empty)" "rmdir ENOTDIR"
check "unlink a missing file" "$(R ?rm /nope)" "rm ENOENT"
check "ls a file" "$(R ?ls /empty)" "ls ENOTDIR"

# ---- writing: the same steps through fs-host and by coreutils ------------------
a=$tmp/a b=$tmp/b
mkdir "$a" "$b"
head -c 100000 /dev/urandom >"$tmp/src1"
head -c 5000 /dev/urandom >"$tmp/src2"
"$shell" -H "$a" mkdir /d \; mkdir "/d/sub ü" \; import "$tmp/src1" "/d/sub ü/one.bin" \; \
	import "$tmp/src2" /two \; mv /two /d/three \; import "$tmp/src1" /trunc \; \
	truncate /trunc 777 \; import "$tmp/src2" /grow \; truncate /grow 9000 \; \
	mkdir /gone \; rmdir /gone \; import "$tmp/src2" /del \; rm /del \; \
	mkdir /m \; mkdir /m/inner \; import "$tmp/src2" /m/inner/f \; mv /m/inner /d/moved \; \
	import "$tmp/src2" /old \; import "$tmp/src1" /new \; mv /old /new \; sync ||
	fail "the write steps through fs-host failed"
mkdir -p "$b/d/sub ü" "$b/d/moved" "$b/m"
cp "$tmp/src1" "$b/d/sub ü/one.bin"
cp "$tmp/src2" "$b/d/three"
head -c 777 "$tmp/src1" >"$b/trunc"
cp "$tmp/src2" "$b/grow" && truncate -s 9000 "$b/grow"
cp "$tmp/src2" "$b/d/moved/f"
cp "$tmp/src2" "$b/new"
if diff -r "$a" "$b" >"$tmp/diff" 2>&1; then
	ok "writes, renames, truncates and deletes match coreutils' (diff -r)"
else
	fail "the written folder differs"
	head -20 "$tmp/diff"
fi
check "rw: all 7 write ops" "$("$shell" -H "$a" ops)" "write ops: 7 of 7"
check "write at an offset" "$("$shell" -H "$a" write /w 10 3 100 \; stat /w | cut -d' ' -f1-3)" "/w file 110"

# ---- confinement -----------------------------------------------------------------
c=$tmp/c
mkdir -p "$c/sub"
echo secret >"$tmp/outside.txt"
echo inside >"$c/sub/file"
ln -s ../outside.txt "$c/up"
ln -s /etc "$c/etc"
ln -s /etc/hostname "$c/abs"
ln -s /proc/self/root "$c/magic"
ln -s sub/file "$c/in"
ln -s sub "$c/subdir"
ln -s loop "$c/loop"
ln -s ../../.. "$c/sub/climb"
mkfifo "$c/fifo"
C() { timeout 5 "$shell" -H "$c" "$@"; }
check "a symlink that stays inside works" "$(C cat /in)" inside
check "a folder symlink inside works" "$(C cat /subdir/file)" inside
check "a relative symlink leaving: EACCES" "$(C ?cat /up)" "cat EACCES"
check "an absolute symlink: EACCES" "$(C ?cat /abs)" "cat EACCES"
check "through an absolute folder link: EACCES" "$(C ?cat /etc/hostname)" "cat EACCES"
check "a /proc magic link: EACCES" "$(C ?cat /magic/etc/hostname)" "cat EACCES"
check "climbing through a link below: EACCES" "$(C ?stat /sub/climb)" "stat EACCES"
check "a symlink loop: ELOOP" "$(C ?stat /loop)" "stat ELOOP"
check "a FIFO: EACCES, without blocking" "$(C ?cat /fifo)" "cat EACCES"
check "writing through a link that leaves: EACCES" "$(timeout 5 "$shell" -H "$c" ?open /etc/x cw)" "open EACCES"
check "renaming into a link that leaves: EACCES" \
	"$(timeout 5 "$shell" -H "$c" ?mv /in /etc/x)" "mv EACCES"
check "a listing leaves out what cannot be opened" \
	"$(C ls / | cut -d' ' -f2 | LC_ALL=C sort | tr '\n' ' ')" "in sub subdir "
[ "$(cat "$tmp/outside.txt")" = secret ] && ok "the file outside is untouched" || fail "outside changed"
echo "$passed passed"
exit $failed
