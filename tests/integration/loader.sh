#!/bin/sh
# loader.sh: the plugin loader's refusals, seen through "devmgr plugins".
# Every refusal must be exactly one warning on stderr naming the file and
# the reason, make the command exit 1, and leave the good plugins of the
# same run loaded.  The broken modules come from tests/plugins/bad (built
# by make check); the rest (a text file, bad modes, bad search paths) are
# made here in a temporary folder under the build tree.
# Needs: top_builddir, top_srcdir, PYTHON3_SYS (tests/local.mk exports them).

: "${top_builddir:?}" "${top_srcdir:?}"
umask 022

DEVMGR=$top_builddir/apps/devmgr/devmgr
GOOD=$top_builddir/plugins/.libs
BAD=$top_builddir/tests/plugins/bad/.libs
PASS_DIR=$top_builddir/tests/plugins/.libs
PY=${PYTHON3_SYS:-python3}
CHECK_SCHEMAS=$top_srcdir/tests/schema/check_schemas.py

for f in "$DEVMGR" "$GOOD/blk-ram.so" "$PASS_DIR/test-blk-pass.so" \
	"$BAD/bad-magic.so" \
	"$top_builddir/tests/plugins/badtable/.libs/bad-nullname.so"; do
	if [ ! -e "$f" ]; then
		echo "loader.sh: $f is missing (run make check)" >&2
		exit 99
	fi
done

tmp=$top_builddir/tests/integration/loader.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp" || exit 99
tmp=$(cd "$tmp" && pwd -P) # the loader reports real paths
GOOD=$(cd "$GOOD" && pwd -P)
trap 'chmod -R u+w,go-w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
unset DEVMGR_PLUGIN_PATH

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	if [ -s "$tmp/out" ]; then sed 's/^/  stdout: /' "$tmp/out"; fi
	if [ -s "$tmp/err" ]; then sed 's/^/  stderr: /' "$tmp/err"; fi
}

# check NAME STATUS WARNINGS: the last command's exit status and the
# number of lines on its stderr.
check_status() {
	if [ "$st" -ne "$2" ]; then
		fail "$1: exit status $st, expected $2"
		return 1
	fi
	n=$(wc -l <"$tmp/err")
	if [ "$n" -ne "$3" ]; then
		fail "$1: $n lines on stderr, expected $3"
		return 1
	fi
	return 0
}

# good_loaded NAME: the real plugins of the run are listed.
good_loaded() {
	for p in blk-ram blk-file console-stdio console-file; do
		if ! grep -q "^  provider $p  *[a-z]" "$tmp/out"; then
			fail "$1: provider $p of the good plugins is not listed"
			return 1
		fi
	done
	return 0
}

# refused NAME FILE REASON: one warning line, naming FILE and REASON.
refused() {
	line=$(grep -F "warning: $2: " "$tmp/err")
	if [ -z "$line" ]; then
		fail "$1: no warning naming $2"
		return 1
	fi
	case $line in
	*"$3"*) ;;
	*)
		fail "$1: warning does not say \"$3\""
		return 1
		;;
	esac
	if ! grep -qF "refused $2: $3" "$tmp/out"; then
		fail "$1: stdout does not list $2 as refused"
		return 1
	fi
	return 0
}

plugins() {
	"$DEVMGR" plugins "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
}

# case_dir NAME DIR FILE REASON: DIR (holding one refused FILE) searched
# after the good plugins.
case_dir() {
	plugins --plugin-path "$GOOD" --plugin-path "$2"
	check_status "$1" 1 1 && refused "$1" "$3" "$4" &&
		good_loaded "$1" && ok "$1"
}

# One folder per broken module, so that each run has one refusal.
for kind in nodesc magic abi sig dup nullop; do
	mkdir "$tmp/$kind" && cp "$BAD/bad-$kind.so" "$tmp/$kind/" || exit 99
done
case_dir "no descriptor symbol" "$tmp/nodesc" "$tmp/nodesc/bad-nodesc.so" \
	"no devmgr_plugin_entry symbol (not a devmgr plugin)"
case_dir "wrong magic" "$tmp/magic" "$tmp/magic/bad-magic.so" \
	"bad magic 0x12345678 in devmgr_plugin_entry (not a devmgr plugin descriptor)"
case_dir "ABI major 99" "$tmp/abi" "$tmp/abi/bad-abi.so" \
	"plugin ABI 99.0, devmgr needs 1.x"
case_dir "wrong build signature" "$tmp/sig" "$tmp/sig/bad-sig.so" \
	"is not binary compatible (build signature \"devmgr0:p2l2z2o9999\", devmgr has"
case_dir "duplicate provider" "$tmp/dup" "$tmp/dup/bad-dup.so" \
	"duplicate provider \"blk-ram\" (already registered by $GOOD/blk-ram.so)"
case_dir "required op NULL" "$tmp/nullop" "$tmp/nullop/bad-nullop.so" \
	"provider \"test-bad-nullop\": required op blk.readv is NULL"

# A parameter table with a nameless entry before its end: the entries
# after it would silently vanish, so the provider is refused.
mkdir "$tmp/nullname" &&
	cp "$top_builddir/tests/plugins/badtable/.libs/bad-nullname.so" \
		"$tmp/nullname/" || exit 99
case_dir "nameless parameter before the end" "$tmp/nullname" \
	"$tmp/nullname/bad-nullname.so" \
	"provider \"test-bad-nullname\": parameter 1 has no name (a table ends with an all-zero entry)"

# Not regular files named like plugins: refused before anything opens
# them (dlopen() of a FIFO would wait for a writer for ever).  Each run
# must end (timeout), list the refusal and load the rest.
mkdir "$tmp/fifo" && mkfifo "$tmp/fifo/x.so" || exit 99
name="FIFO named x.so"
timeout 20 "$DEVMGR" plugins --plugin-path "$GOOD" --plugin-path "$tmp/fifo" \
	>"$tmp/out" 2>"$tmp/err"
st=$?
check_status "$name" 1 1 &&
	refused "$name" "$tmp/fifo/x.so" "not a regular file (a FIFO)" &&
	good_loaded "$name" && ok "$name"

mkdir "$tmp/sock" || exit 99
"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$tmp/sock/y.so" || exit 99
case_dir "socket named y.so" "$tmp/sock" "$tmp/sock/y.so" \
	"not a regular file (a socket)"

mkdir -p "$tmp/subdir/z.so" || exit 99
case_dir "folder named z.so" "$tmp/subdir" "$tmp/subdir/z.so" \
	"not a regular file (a folder)"

mkdir "$tmp/dev" && ln -s /dev/zero "$tmp/dev/zero.so" || exit 99
case_dir "link to a character device named zero.so" "$tmp/dev" \
	"$tmp/dev/zero.so" "not a regular file (a character device)"

# --plugin-path that is not a folder: said by the core, exit 2.
: >"$tmp/plain-file"
for arg in "$tmp/plain-file:plugin folder is not a folder (a regular file)" \
	"$tmp/missing:plugin folder does not exist" \
	"$tmp/plain-file/sub:plugin folder does not exist"; do
	dir=${arg%%:*} want=${arg#*:}
	name="--plugin-path $dir"
	"$DEVMGR" --plugin-path "$dir" plugins >"$tmp/out" 2>"$tmp/err"
	st=$?
	if check_status "$name" 2 1; then
		if [ "$(cat "$tmp/err")" = "devmgr: $dir: $want" ]; then
			ok "$name"
		else
			fail "$name: stderr is not \"devmgr: $dir: $want\""
		fi
	fi
done

name="plugin_path naming a file in a configuration"
cat >"$tmp/pp-file.json" <<'JSON'
{ "devmgr": 1, "plugin_path": ["plain-file"], "devices": {} }
JSON
"$DEVMGR" validate -c "$tmp/pp-file.json" >"$tmp/out" 2>"$tmp/err"
st=$?
check_status "$name" 2 1 &&
	if grep -qxF "devmgr: $tmp/pp-file.json: /plugin_path/0: $tmp/plain-file: plugin folder is not a folder (a regular file)" "$tmp/err"; then
		ok "$name"
	else
		fail "$name: unexpected message"
	fi

name="DEVMGR_PLUGIN_PATH naming a file"
DEVMGR_PLUGIN_PATH="$tmp/plain-file:$GOOD" "$DEVMGR" plugins \
	>"$tmp/out" 2>"$tmp/err"
st=$?
check_status "$name" 1 1 &&
	refused "$name" "$tmp/plain-file" \
		"plugin folder is not a folder (a regular file) (in DEVMGR_PLUGIN_PATH)" &&
	good_loaded "$name" && ok "$name"

mkdir "$tmp/notelf" || exit 99
{
	echo "This is a text file named like a plugin."
	echo "The loader must refuse it after dlopen() fails, naming the file,"
	echo "and go on loading the other plugins."
} >"$tmp/notelf/bad-notelf.so"
case_dir "not an ELF file" "$tmp/notelf" "$tmp/notelf/bad-notelf.so" \
	"cannot load: invalid ELF header"
name="not an ELF file: the path is said once"
if [ "$(grep -o "bad-notelf.so" "$tmp/err" | wc -l)" -ne 1 ]; then
	fail "$name: $(cat "$tmp/err")"
else
	ok "$name"
fi

# A group-writable file, a copy of a good module.
mkdir "$tmp/gw" && cp "$PASS_DIR/test-blk-pass.so" "$tmp/gw/" || exit 99
chmod 0664 "$tmp/gw/test-blk-pass.so"
case_dir "group-writable plugin file" "$tmp/gw" "$tmp/gw/test-blk-pass.so" \
	"refusing group- or world-writable plugin file (mode 0664)"

# A world-writable folder: the folder is refused, nothing in it is opened.
mkdir "$tmp/ww" && cp "$PASS_DIR/test-blk-pass.so" "$tmp/ww/" || exit 99
chmod 0777 "$tmp/ww"
name="world-writable plugin folder"
plugins --plugin-path "$GOOD" --plugin-path "$tmp/ww"
if check_status "$name" 1 1 &&
	refused "$name" "$tmp/ww" \
		"refusing group- or world-writable plugin folder (mode 0777)" &&
	good_loaded "$name"; then
	if grep -q test-blk-pass "$tmp/out" "$tmp/err"; then
		fail "$name: a module of the refused folder was looked at"
	else
		ok "$name"
	fi
fi
chmod 0755 "$tmp/ww"

# Search path elements that would mean the current folder.
name="relative DEVMGR_PLUGIN_PATH element"
DEVMGR_PLUGIN_PATH="relative/dir:$GOOD" "$DEVMGR" plugins \
	>"$tmp/out" 2>"$tmp/err"
st=$?
check_status "$name" 1 1 &&
	refused "$name" "relative/dir" \
		"plugin folder is not an absolute path (in DEVMGR_PLUGIN_PATH)" &&
	good_loaded "$name" && ok "$name"

name="empty DEVMGR_PLUGIN_PATH element"
DEVMGR_PLUGIN_PATH="$GOOD::$GOOD" "$DEVMGR" plugins >"$tmp/out" 2>"$tmp/err"
st=$?
check_status "$name" 1 1 &&
	refused "$name" "(empty)" "plugin folder is empty" &&
	good_loaded "$name" && ok "$name"

# Everything broken at once: every refusal reported, the good still load.
name="all broken modules together"
plugins --plugin-path "$GOOD" --plugin-path "$BAD" \
	--plugin-path "$PASS_DIR"
if check_status "$name" 1 6 && good_loaded "$name"; then
	if grep -q "^  provider test-blk-pass  *blk 1.0" "$tmp/out"; then
		ok "$name"
	else
		fail "$name: test-blk-pass (searched after the broken) not listed"
	fi
fi

name="good plugins only"
plugins --plugin-path "$GOOD" --plugin-path "$PASS_DIR"
check_status "$name" 0 0 && good_loaded "$name" && ok "$name"

# --json against schemas/plugins.schema.json, with and without refusals.
schema_check() { # NAME: validate $tmp/out
	if "$PY" "$CHECK_SCHEMAS" "$top_srcdir" --instance plugins - <"$tmp/out" \
		>"$tmp/schema" 2>&1; then
		return 0
	fi
	fail "$1: output does not validate against plugins.schema.json"
	sed 's/^/  schema: /' "$tmp/schema"
	return 1
}
count_json() { # KEY: number of entries of a top-level list
	"$PY" -c 'import json,sys; print(len(json.load(sys.stdin)[sys.argv[1]]))' \
		"$1" <"$tmp/out"
}
name="plugins --json"
plugins --json --plugin-path "$GOOD" --plugin-path "$PASS_DIR"
if check_status "$name" 0 0 && schema_check "$name"; then
	# Every module of both folders: each area adds its own plugins.
	want=$(ls "$GOOD"/*.so "$PASS_DIR"/*.so | wc -l)
	if [ "$(count_json refused)" = 0 ] && [ "$(count_json plugins)" = "$want" ]; then
		ok "$name"
	else
		fail "$name: expected $want plugins and none refused"
	fi
fi

name="plugins --json with refusals"
plugins --json --plugin-path "$GOOD" --plugin-path "$BAD"
if check_status "$name" 1 6 && schema_check "$name"; then
	if [ "$(count_json refused)" = 6 ]; then
		ok "$name"
	else
		fail "$name: $(count_json refused) refused, expected 6"
	fi
fi

# A configuration that needs a provider of a refused plugin: exit 2, and
# the error names both the provider and the refused file.
cat >"$tmp/needs-pass.json" <<'JSON'
{
  "devmgr": 1,
  "devices": {
    "disk0": { "provider": "blk-ram", "size": "1M" },
    "pass0": { "provider": "test-blk-pass", "on": "disk0" }
  }
}
JSON
chmod 0664 "$tmp/gw/test-blk-pass.so"
for verb in validate probe; do
	name="$verb: provider of a refused plugin"
	"$DEVMGR" $verb -c "$tmp/needs-pass.json" --plugin-path "$GOOD" \
		--plugin-path "$tmp/gw" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st -ne 2 ]; then
		fail "$name: exit status $st, expected 2"
	elif ! grep -qF "provider \"test-blk-pass\" is in plugin $tmp/gw/test-blk-pass.so, which was refused" "$tmp/err"; then
		fail "$name: the error does not name the provider and the file"
	else
		ok "$name"
	fi
done

# The provider's name need not be the file's: bad-nullop.so declares
# "test-bad-nullop", and the error still names the refused file.
cat >"$tmp/needs-nullop.json" <<'JSON'
{ "devmgr": 1, "devices": { "d": { "provider": "test-bad-nullop" } } }
JSON
name="validate: provider declared by a refused plugin of another name"
"$DEVMGR" validate -c "$tmp/needs-nullop.json" --plugin-path "$GOOD" \
	--plugin-path "$BAD" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st -ne 2 ]; then
	fail "$name: exit status $st, expected 2"
elif ! grep -qF "provider \"test-bad-nullop\" is in plugin $BAD/bad-nullop.so, which was refused" "$tmp/err"; then
	fail "$name: the error does not name the provider and the file"
else
	ok "$name"
fi

# The same configuration with test-blk-pass loadable: it works, and the
# pass-through device reports the size of the device below.
name="probe: test-blk-pass stacked on blk-ram"
"$DEVMGR" probe --json -c "$tmp/needs-pass.json" --plugin-path "$GOOD" \
	--plugin-path "$PASS_DIR" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st -ne 0 ]; then
	fail "$name: exit status $st, expected 0"
elif ! "$PY" -c '
import json, sys
d = {x["id"]: x for x in json.load(sys.stdin)["devices"]}
p = d["pass0"]
assert p["state"] == "ok" and p["provider"] == "test-blk-pass", p
assert p["on"] == ["disk0"], p
assert p["info"]["sectors"] == d["disk0"]["info"]["sectors"] == 2048, p
' <"$tmp/out"; then
	fail "$name: unexpected probe output"
else
	ok "$name"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
