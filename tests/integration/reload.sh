#!/bin/sh
# reload.sh: "devmgr watch" prints plug lines, applies a rewritten
# configuration on SIGHUP (unplug/plug lines), keeps its devices when the new
# file does not parse or says the same in other words, and exits 0 on
# SIGINT.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
PY=${PYTHON3_SYS:-/usr/bin/python3}
CHECK="$top_srcdir/tests/schema/check_schemas.py"

tmp=$(mktemp -d "$top_builddir/reload.XXXXXX") || exit 99
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }
dump() { echo "  --- stdout:"; sed 's/^/  /' "$tmp/out"; echo "  --- stderr:"; sed 's/^/  /' "$tmp/err"; }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] || exit 1
	exit 0
}
# poll FILE REGEX [COUNT]: wait up to 5 s for COUNT lines matching REGEX
poll() {
	n=0
	while [ "$n" -lt 50 ]; do
		[ "$(grep -c -e "$2" "$1")" -ge "${3:-1}" ] && return 0
		kill -0 "$pid" 2>/dev/null || { gone; return 1; }
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
write_conf() { # atomically, so that devmgr never reads half a file
	cat >"$tmp/conf.json.new" && mv "$tmp/conf.json.new" "$tmp/conf.json"
}
# gone: devmgr died; report how and stop.
gone() {
	wait "$pid"
	rc=$?
	pid=
	ko "devmgr watch died (exit $rc)"
	dump
	finish
}
has() { grep -q -F -x -e "$1" "$tmp/out"; }

write_conf <<'JSON'
{ "devmgr": 1,
  "devices": {
    "keep":   { "provider": "blk-ram", "size": "4K" },
    "remove": { "provider": "blk-ram", "size": "4K" },
    "change": { "provider": "blk-ram", "size": "4K" }
  }
}
JSON

"$DEVMGR" watch -c "$tmp/conf.json" >"$tmp/out" 2>"$tmp/err" &
pid=$!

if poll "$tmp/out" '"event":"plug"' 3; then
	ok "initial plug lines"
else
	ko "initial plug lines"; dump; finish
fi
for id in keep remove change; do
	if has "{\"event\":\"plug\",\"id\":\"$id\",\"signature\":\"blk\",\"provider\":\"blk-ram\"}"; then
		ok "initial plug $id"
	else
		ko "initial plug $id"
	fi
done
# devmgr blocks SIGHUP only after it has printed the initial devices.
sleep 0.5

write_conf <<'JSON'
{ "devmgr": 1,
  "devices": {
    "keep":   { "provider": "blk-ram", "size": "4K" },
    "change": { "provider": "blk-ram", "size": "8K" },
    "added":  { "provider": "blk-ram", "size": "4K" }
  }
}
JSON
kill -HUP "$pid"
if poll "$tmp/out" '"id":"added"'; then
	ok "reload applied"
else
	ko "reload applied"; dump
fi
has '{"event":"unplug","id":"remove","reason":"removed"}' && ok "unplug removed" || ko "unplug removed"
has '{"event":"unplug","id":"change","reason":"changed"}' && ok "unplug changed" || ko "unplug changed"
[ "$(grep -c '"event":"plug","id":"change"' "$tmp/out")" -eq 2 ] && ok "changed device plugged again" || ko "changed device plugged again"
has '{"event":"plug","id":"added","signature":"blk","provider":"blk-ram"}' && ok "plug added" || ko "plug added"
grep -q '"event":"unplug","id":"keep"' "$tmp/out" && ko "kept device was unplugged" || ok "kept device stays"
[ "$(grep -c '"id":"keep"' "$tmp/out")" -eq 1 ] && ok "kept device plugged once" || ko "kept device plugged once"
# The unplug of "change" comes before its new plug.
awk '/"event":"unplug","id":"change"/ { u = NR } /"event":"plug","id":"change"/ { p = NR }
     END { exit !(u && p > u) }' "$tmp/out" && ok "unplug before plug" || ko "unplug before plug"

# A configuration that does not parse: an error on stderr, devices kept.
lines=$(wc -l <"$tmp/out")
printf '{ "devmgr": 1, "devices": { "keep": { "provider": "blk-ram", \n' | write_conf
kill -HUP "$pid"
if poll "$tmp/err" 'conf.json:[0-9]*:[0-9]*: '; then
	ok "syntax error reported on stderr"
else
	ko "syntax error reported on stderr"; dump
fi
sleep 0.3
[ "$(wc -l <"$tmp/out")" -eq "$lines" ] && ok "no events after a bad reload" || { ko "no events after a bad reload"; dump; }

# Still alive and still applying good configurations afterwards.
write_conf <<'JSON'
{ "devmgr": 1,
  "devices": {
    "keep":   { "provider": "blk-ram", "size": "4K" },
    "change": { "provider": "blk-ram", "size": "8K" }
  }
}
JSON
kill -HUP "$pid"
poll "$tmp/out" '"event":"unplug","id":"added"' && ok "reload after a bad one" || { ko "reload after a bad one"; dump; }

# The same meaning written differently ("4K" and 4096 are one size): the
# device stays, as the checked parameters are what is compared.
write_conf <<'JSON'
{ "devmgr": 1,
  "devices": {
    "keep":   { "provider": "blk-ram", "size": 4096 },
    "change": { "provider": "blk-ram", "size": "8K" },
    "again":  { "provider": "blk-ram", "size": "4K" }
  }
}
JSON
kill -HUP "$pid"
poll "$tmp/out" '"event":"plug","id":"again"' && ok "reload with a size written as bytes" || { ko "reload with a size written as bytes"; dump; }
grep -q '"event":"unplug","id":"keep"' "$tmp/out" && ko "same size in other words: unplugged" || ok "same size in other words: kept"
# A default given explicitly is a change (devmgr_param_present differs).
write_conf <<'JSON'
{ "devmgr": 1,
  "devices": {
    "keep":   { "provider": "blk-ram", "size": 4096, "sector_size": 512 },
    "change": { "provider": "blk-ram", "size": "8K" },
    "again":  { "provider": "blk-ram", "size": "4K" }
  }
}
JSON
kill -HUP "$pid"
poll "$tmp/out" '"event":"unplug","id":"keep","reason":"changed"' && ok "a default given explicitly: changed" || { ko "a default given explicitly: changed"; dump; }
[ "$(grep -c '"event":"plug","id":"keep"' "$tmp/out")" -eq 2 ] && ok "kept device plugged again after a change" || ko "kept device plugged again after a change"

if "$PY" "$CHECK" "$top_srcdir" --instance watch-event "$tmp/out" --lines >"$tmp/schema" 2>&1; then
	ok "every line matches watch-event schema"
else
	ko "watch lines match watch-event schema"; sed 's/^/  /' "$tmp/schema"
fi

kill -INT "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] && ok "SIGINT: exit 0" || ko "SIGINT: exit $rc, expected 0"

finish
