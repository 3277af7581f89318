#!/bin/sh
# hardening.sh: input that is not what it claims to be.  A configuration
# that is not a regular file is refused at once by every executable (no
# read that waits for a writer); untrusted strings in messages are
# escaped, so that one error is one line on stderr.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
BLKDUMP="$top_builddir/apps/blkdump/blkdump"

tmp=$(mktemp -d "$top_builddir/hardening.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() {
	echo "FAIL: $1"
	fail=$((fail + 1))
	for f in "$tmp/out" "$tmp/err"; do
		[ -s "$f" ] && { echo "  --- ${f##*/}:"; head -n 20 "$f" | od -c | head -n 20 | sed 's/^/  /'; }
	done
}
# refused NAME WANT-STDERR COMMAND...: exit 2 within 20 s, stderr is
# exactly the one line WANT-STDERR.
refused() {
	name=$1 want=$2
	shift 2
	timeout 20 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -eq 124 ]; then
		ko "$name (hangs)"
	elif [ "$rc" -ne 2 ]; then
		ko "$name (exit $rc, expected 2)"
	elif [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		ko "$name ($(wc -l <"$tmp/err") lines on stderr, expected 1)"
	elif [ "$(cat "$tmp/err")" != "$want" ]; then
		echo "  expected: $want"
		ko "$name (stderr differs)"
	else
		ok "$name"
	fi
}

# A configuration that is a FIFO, a folder, a device.
mkfifo "$tmp/fifo.json" || exit 99
mkdir "$tmp/dir.json" || exit 99
for verb in validate probe run watch; do
	refused "$verb -c FIFO" "devmgr: $tmp/fifo.json: not a regular file (a FIFO)" \
		"$DEVMGR" "$verb" -c "$tmp/fifo.json"
done
refused "validate -c folder" "devmgr: $tmp/dir.json: not a regular file (a folder)" \
	"$DEVMGR" validate -c "$tmp/dir.json"
refused "validate -c /dev/null" "devmgr: /dev/null: not a regular file (a character device)" \
	"$DEVMGR" validate -c /dev/null
refused "validate -c /dev/zero" "devmgr: /dev/zero: not a regular file (a character device)" \
	"$DEVMGR" validate -c /dev/zero
ln -s fifo.json "$tmp/link.json" || exit 99
refused "validate -c link to a FIFO" "devmgr: $tmp/link.json: not a regular file (a FIFO)" \
	"$DEVMGR" validate -c "$tmp/link.json"
# An app's own executable loads through the same core function.
timeout 20 "$BLKDUMP" -c "$tmp/fifo.json" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 124 ]; then
	ko "blkdump -c FIFO (hangs)"
elif [ "$rc" -eq 0 ] || ! grep -qF "$tmp/fifo.json: not a regular file (a FIFO)" "$tmp/err"; then
	ko "blkdump -c FIFO (exit $rc)"
else
	ok "blkdump -c FIFO"
fi

# A path with a newline and an escape: one line, the bytes as \xHH.
nl='
'
esc=$(printf '\033')
bad="$tmp/a${nl}b${esc}[31m.json"
shown="$tmp/a\\x0ab\\x1b[31m.json"
refused "validate -c path with a newline" \
	"devmgr: $shown: unable to open $shown: No such file or directory" \
	"$DEVMGR" validate -c "$bad"
printf '{ "devmgr": 2, "devices": {} }\n' >"$bad"
refused "meaning error in a file with a newline in its name" \
	"devmgr: $shown: /devmgr: unsupported format version 2 (this devmgr reads 1)" \
	"$DEVMGR" validate -c "$bad"
mkfifo "$tmp/f${nl}.json" || exit 99
refused "validate -c FIFO with a newline in its name" \
	"devmgr: $tmp/f\\x0a.json: not a regular file (a FIFO)" \
	"$DEVMGR" validate -c "$tmp/f${nl}.json"

# Ids and provider names with control bytes, from a JSON configuration.
cat >"$tmp/id.json" <<'JSON'
{ "devmgr": 1, "devices": { "a\nb\u001b[2J": { "provider": "blk-ram", "size": "1M" } } }
JSON
refused "device id with a newline and ESC" \
	"devmgr: $tmp/id.json: /devices/a\\x0ab\\x1b[2J: invalid device id \"a\\x0ab\\x1b[2J\" (must match ^[A-Za-z][A-Za-z0-9_.-]{0,63}\$)" \
	"$DEVMGR" validate -c "$tmp/id.json"
cat >"$tmp/prov.json" <<'JSON'
{ "devmgr": 1, "devices": { "a": { "provider": "blk\u001b]0;x\u0007-ram" } } }
JSON
refused "provider name with control bytes" \
	"devmgr: $tmp/prov.json: /devices/a/provider: unknown provider \"blk\\x1b]0;x\\x07-ram\"" \
	"$DEVMGR" validate -c "$tmp/prov.json"
printf '{ "devmgr": 1, "devices": { "a": { "provider": "\377\376" } } }\n' >"$tmp/utf8.json"
timeout 20 "$DEVMGR" validate -c "$tmp/utf8.json" >"$tmp/out" 2>"$tmp/err"
if [ "$(wc -l <"$tmp/err")" -eq 1 ] && ! grep -q "$esc" "$tmp/err" &&
	[ "$(LC_ALL=C tr -d '\n -~' <"$tmp/err" | wc -c)" -eq 0 ]; then
	ok "invalid UTF-8: one line of printable ASCII"
else
	ko "invalid UTF-8: one line of printable ASCII"
fi
cat >"$tmp/path.json" <<'JSON'
{ "devmgr": 1, "devices": { "a": { "provider": "blk-file", "path": "/nonexistent/x\ny\u001b.img" } } }
JSON
timeout 20 "$DEVMGR" probe -c "$tmp/path.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	grep -qF '/nonexistent/x\x0ay\x1b.img' "$tmp/err" && ! grep -q "$esc" "$tmp/err"; then
	ok "probe: device error naming a path with a newline"
else
	ko "probe: device error naming a path with a newline (exit $rc)"
fi

# What create() would refuse for a value is a configuration error, for
# probe as for validate (the provider's check hook).
cat >"$tmp/size0.json" <<'JSON'
{ "devmgr": 1, "devices": { "disk0": { "provider": "blk-ram", "size": 0 } } }
JSON
for verb in validate probe; do
	refused "$verb: blk-ram of size 0" \
		"devmgr: $tmp/size0.json: /devices/disk0/size: size 0 is not a non-zero multiple of sector_size 512" \
		"$DEVMGR" "$verb" -c "$tmp/size0.json"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
