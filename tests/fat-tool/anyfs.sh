#!/bin/sh
# anyfs.sh: devmgr-fat knows only the fs signature.  Over test-fs-hostdir
# (an fs on a host folder, tests/fat-tool/test_fs_hostdir.c) every command
# must do to the folder what the same command does on the host: the host's
# own view is the reference here.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatany) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

TESTPLUGINS="$top_builddir/tests/fat-tool/.libs"
[ -e "$TESTPLUGINS/test-fs-hostdir.so" ] || skip "test-fs-hostdir is not built"
root="$tmp/root"
mkdir "$root"
cat >"$tmp/cfg.json" <<EOF
{"devmgr": 1, "devices": {"fs": {"provider": "test-fs-hostdir", "root": "root"}}}
EOF
F() { "$FATTOOL" --plugin-path "$TESTPLUGINS" -c "$tmp/cfg.json" "$@"; }
same() { # same NAME HOSTFILE EXPECTED
	if cmp -s "$2" "$3"; then ok "$1"; else ko "$1"; fi
}

mkfile "$tmp/big" 2100000 1
mkfile "$tmp/small" 100 2

t "put" 0 F put "$tmp/big" /big.bin
same "put wrote the file" "$root/big.bin" "$tmp/big"
t "put of a host path with .." 0 F put "$tmp/../${tmp##*/}/small" /dotdot.txt
same "put of a host path with .." "$root/dotdot.txt" "$tmp/small"
t "put without leading /" 0 F put "$tmp/small" small.txt
same "put without leading /" "$root/small.txt" "$tmp/small"
t "mkdir -p" 0 F mkdir -p /d1/d2/d3
[ -d "$root/d1/d2/d3" ] && ok "mkdir -p made every level" || ko "mkdir -p made every level"
t "mkdir without -p, missing parent" 1 F mkdir /x/y && errsays "mkdir missing parent" "mkdir /x/y: No such file or directory (ENOENT)"
t "put into a folder" 0 F put "$tmp/small" /d1/d2
same "put into a folder keeps the name" "$root/d1/d2/small" "$tmp/small"
t "put from stdin" 0 sh -c "\"\$0\" --plugin-path \"\$1\" -c \"\$2\" put - /stdin.bin <\"\$3\"" \
	"$FATTOOL" "$TESTPLUGINS" "$tmp/cfg.json" "$tmp/big"
same "put from stdin" "$root/stdin.bin" "$tmp/big"
t "put of a host folder" 1 F put "$tmp" /big.bin && errsays "put of a host folder" "(EISDIR)"
same "put of a host folder left the file alone" "$root/big.bin" "$tmp/big"
t "overwrite truncates" 0 F put "$tmp/small" /big.bin
same "overwrite truncates" "$root/big.bin" "$tmp/small"

t "cat" 0 F cat /stdin.bin
same "cat streams 2 MB" "$tmp/out" "$tmp/big"
t "get" 0 F get /stdin.bin "$tmp/got"
same "get" "$tmp/got" "$tmp/big"
t "get fails on a folder" 1 F get /d1 "$tmp/got2" && errsays "get a folder" "get /d1: Is a directory (EISDIR)"
[ ! -e "$tmp/got2" ] && ok "failed get leaves no file" || ko "failed get leaves no file"

t "ls -l" 0 F ls -l /
sed -E 's/^(.) [?]{4} +([0-9]+) [^ ]+ [^ ]+ (.*)$/\1 \2 \3/' "$tmp/out" | LC_ALL=C sort >"$tmp/ls"
(cd "$root" && for f in *; do
	if [ -d "$f" ]; then echo "d 0 $f"; else echo "- $(stat -c %s "$f") $f"; fi
done) | LC_ALL=C sort >"$tmp/host"
same "ls -l agrees with the host" "$tmp/ls" "$tmp/host"
t "ls" 0 F ls /d1
[ "$(cat "$tmp/out")" = "d2/" ] && ok "ls marks folders with /" || ko "ls marks folders with /"

t "mv rename" 0 F mv /small.txt /renamed.txt
[ -f "$root/renamed.txt" ] && [ ! -e "$root/small.txt" ] && ok "mv renamed" || ko "mv renamed"
t "mv into a folder" 0 F mv /renamed.txt /d1
[ -f "$root/d1/renamed.txt" ] && ok "mv into a folder" || ko "mv into a folder"
t "mv a folder" 0 F mv /d1/d2 /moved
[ -d "$root/moved/d3" ] && ok "mv a folder" || ko "mv a folder"

t "rm a folder without -r" 1 F rm /moved && errsays "rm folder" "rm /moved: is a folder (use rm -r)"
t "rm -r" 0 F rm -r /moved
[ ! -e "$root/moved" ] && ok "rm -r removed the tree" || ko "rm -r removed the tree"
t "rm a file" 0 F rm /stdin.bin
[ ! -e "$root/stdin.bin" ] && ok "rm removed the file" || ko "rm removed the file"
t "rm -r /" 1 F rm -r /
[ -e "$root/big.bin" ] && ok "rm -r / removed nothing" || ko "rm -r / removed something"
t "rm missing" 1 F rm /none && errsays "rm missing" "rm /none: No such file or directory (ENOENT)"

t "df" 0 F df
grep -qx "type: hostdir" "$tmp/out" && ok "df type" || ko "df type"

# A failure inside rm -r names the entry that could not go.
mkdir -p "$root/locked/inner"
: >"$root/locked/inner/f"
chmod 555 "$root/locked/inner"
if [ "$(id -u)" -ne 0 ]; then
	t "rm -r of a protected tree" 1 F rm -r /locked && errsays "rm -r protected" "rm /locked/inner/f: Permission denied"
fi
chmod 755 "$root/locked/inner"

finish
