#!/bin/sh
# cli.sh: the verbs, outputs and exit statuses of "devmgr" (CONTRACT.md).
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
BLKDUMP="$top_builddir/apps/blkdump/blkdump"
PY=${PYTHON3_SYS:-/usr/bin/python3}
CHECK="$top_srcdir/tests/schema/check_schemas.py"

tmp=$(mktemp -d "$top_builddir/cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() {
	echo "FAIL: $1"
	fail=$((fail + 1))
	for f in "$tmp/out" "$tmp/err"; do
		[ -s "$f" ] && { echo "  --- ${f##*/}:"; head -n 20 "$f" | sed 's/^/  /'; }
	done
}
# t NAME EXPECTED-STATUS COMMAND...: run with stdout/stderr to $tmp/out|err
t() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		return 0
	fi
	ko "$name (exit $rc, expected $want)"
	return 1
}
schema() { # schema NAME SCHEMA: $tmp/out validates against SCHEMA
	if "$PY" "$CHECK" "$top_srcdir" --instance "$2" "$tmp/out" >"$tmp/schema" 2>&1; then
		ok "$1 matches $2 schema"
	else
		cat "$tmp/schema" >>"$tmp/err"
		ko "$1 does not match $2 schema"
	fi
}
grep_out() { # grep_out NAME FILE REGEX
	if grep -q -e "$3" "$2"; then ok "$1"; else ko "$1 (no /$3/ in ${2##*/})"; fi
}

# Help, version, usage.
t "--help" 0 "$DEVMGR" --help && grep_out "--help text" "$tmp/out" "Usage: devmgr"
t "--version" 0 "$DEVMGR" --version && grep_out "--version text" "$tmp/out" "^devmgr [0-9]"
t "unknown verb" 2 "$DEVMGR" frobnicate && grep_out "unknown verb message" "$tmp/err" "frobnicate"
t "no verb" 2 "$DEVMGR" && ok "no verb"

# probe with the built-in default configuration.
if t "probe default" 0 "$DEVMGR" probe; then
	grep_out "probe table header" "$tmp/out" "^ID  *SIGNATURE"
	grep_out "probe lists log" "$tmp/out" "^log  *console  *console-stdio  *ok"
	grep_out "probe lists disk" "$tmp/out" "^disk  *blk  *blk-ram  *ok"
fi
if t "probe --json" 0 "$DEVMGR" probe --json; then
	schema "probe --json" probe
	grep_out "probe --json has disk" "$tmp/out" '"id":"disk","signature":"blk","provider":"blk-ram","state":"ok"'
fi

# A disk image of 4 KiB (8 sectors) whose sector 1 starts with HELLO, and
# configurations that name it relative to their own folder.
mkdir -p "$tmp/conf" "$tmp/elsewhere"
dd if=/dev/zero of="$tmp/conf/disk.img" bs=512 count=8 2>/dev/null
printf 'HELLO, devmgr' | dd of="$tmp/conf/disk.img" bs=512 seek=1 conv=notrunc 2>/dev/null

cat >"$tmp/conf/missing.json" <<'JSON'
{ "devmgr": 1,
  "devices": {
    "log":  { "provider": "console-stdio" },
    "ram":  { "provider": "blk-ram", "size": "4K" },
    "gone": { "provider": "blk-file", "path": "no-such-file.img" }
  }
}
JSON
cd "$tmp/elsewhere" || exit 99
if t "probe with a missing blk-file" 1 "$DEVMGR" probe -c ../conf/missing.json; then
	grep_out "probe: others still ok (log)" "$tmp/out" "^log .* ok"
	grep_out "probe: others still ok (ram)" "$tmp/out" "^ram .* ok"
	grep_out "probe: failed device reported" "$tmp/out" "^gone .* failed .*no-such-file.img"
	grep_out "probe: error on stderr names the file" "$tmp/err" "no-such-file.img"
fi
if t "probe --json with a missing blk-file" 1 "$DEVMGR" probe --json -c ../conf/missing.json; then
	schema "probe --json (failed device)" probe
	grep_out "probe --json: gone failed" "$tmp/out" '"id":"gone",[^}]*"state":"failed"[^}]*"error":"[^"]*no-such-file.img'
	grep_out "probe --json: ram ok" "$tmp/out" '"id":"ram",[^}]*"state":"ok"'
fi

printf '{ "devmgr": 1, "devices": { "d": { "provider": "blk-ram", "size": "4K", "sise": 1 } } }\n' >"$tmp/conf/invalid.json"
t "probe on an invalid config" 2 "$DEVMGR" probe -c "$tmp/conf/invalid.json" &&
	grep_out "probe invalid: message" "$tmp/err" "^devmgr: .*invalid.json: /devices/d"
t "validate an invalid config" 2 "$DEVMGR" validate -c "$tmp/conf/invalid.json" && ok "validate invalid"
t "probe on a missing config file" 2 "$DEVMGR" probe -c "$tmp/conf/nope.json" && ok "probe missing config"

# inspect
if t "inspect blk-file" 0 "$DEVMGR" inspect blk-file; then
	grep_out "inspect shows path" "$tmp/out" "path"
	grep_out "inspect shows read_only" "$tmp/out" "read_only"
fi
t "inspect blk-file --json" 0 "$DEVMGR" inspect blk-file --json && schema "inspect --json" inspect
t "inspect unknown provider" 2 "$DEVMGR" inspect blk-nope && grep_out "inspect unknown: message" "$tmp/err" "blk-nope"

# validate
cat >"$tmp/conf/dump.json" <<'JSON'
{ "devmgr": 1,
  "devices": {
    "log":  { "provider": "console-stdio" },
    "disk": { "provider": "blk-file", "path": "disk.img", "read_only": true }
  },
  "app": { "name": "blkdump", "bind": { "log": "log", "disk": "disk" },
           "args": { "sector": 1 } }
}
JSON
t "validate ok" 0 "$DEVMGR" validate -c ../conf/dump.json && ok "validate ok"

# run
t "run default" 0 "$DEVMGR" run && grep_out "run default prints a hexdump" "$tmp/out" "^00000000  00 00 00 00"
if t "run blkdump on the image" 0 "$DEVMGR" run -c ../conf/dump.json; then
	grep_out "run shows HELLO" "$tmp/out" "^00000200  48 45 4c 4c 4f .*|HELLO"
fi
if t "blkdump executable" 0 "$BLKDUMP" -c ../conf/dump.json; then
	grep_out "blkdump shows HELLO" "$tmp/out" "^00000200  48 45 4c 4c 4f .*|HELLO"
fi

sed 's/"sector": 1/"sector": 8/' "$tmp/conf/dump.json" >"$tmp/conf/beyond.json"
"$DEVMGR" run -c ../conf/beyond.json >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "outside the disk" "$tmp/err"; then
	ok "run with sector beyond the device (exit $rc)"
else
	ko "run with sector beyond the device (exit $rc, expected non-zero and 'outside the disk')"
fi

cat >"$tmp/conf/noslot.json" <<'JSON'
{ "devmgr": 1,
  "devices": { "log": { "provider": "console-stdio" } },
  "app": { "name": "blkdump", "bind": { "log": "log" } }
}
JSON
t "run with an unbound required slot" 2 "$DEVMGR" run -c ../conf/noslot.json &&
	grep_out "unbound slot named" "$tmp/err" '/app: required slot disk (blk) of app blkdump has no device'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
exit 0
