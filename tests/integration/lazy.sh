#!/bin/sh
# lazy.sh: devmgr dlopen()s only the plugins a configuration uses; the
# scan answers the rest.  test-marker (tests/plugins/lazy) appends
# "PID PPID" to $DEVMGR_TEST_MARKER whenever a process loads it, so the
# test sees who loaded it: the scanner (whose parent is devmgr), devmgr
# itself, or nobody.
# Needs: top_builddir (tests/local.mk exports it).

: "${top_builddir:?}"
umask 022

DEVMGR=$top_builddir/apps/devmgr/devmgr
GOOD=$top_builddir/plugins/.libs
LAZY=$top_builddir/tests/plugins/lazy/.libs
for f in "$DEVMGR" "$GOOD/blk-ram.so" "$LAZY/test-marker.so"; do
	if [ ! -e "$f" ]; then
		echo "lazy.sh: $f is missing (run make check)" >&2
		exit 99
	fi
done

tmp=$top_builddir/tests/integration/lazy.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp" || exit 99
tmp=$(cd "$tmp" && pwd -P)
trap 'rm -rf "$tmp"' EXIT
DEVMGR_PLUGIN_PATH=$(cd "$GOOD" && pwd -P):$(cd "$LAZY" && pwd -P)
XDG_CACHE_HOME=$tmp/cache
DEVMGR_TEST_MARKER=$tmp/mark
export DEVMGR_PLUGIN_PATH XDG_CACHE_HOME DEVMGR_TEST_MARKER

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	sed 's/^/  stdout: /' "$tmp/out"
	sed 's/^/  stderr: /' "$tmp/err"
	[ -f "$tmp/mark" ] && sed 's/^/  mark: /' "$tmp/mark"
}

# run ARG...: devmgr ARG..., its pid in $pid, status in $st, and the
# lines it added to the mark in $tmp/new.
run() {
	before=$(cat "$tmp/mark" 2>/dev/null | wc -l)
	sh -c 'echo $$ >"$0/pid"; exec "$@"' "$tmp" "$DEVMGR" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	st=$?
	pid=$(cat "$tmp/pid")
	touch "$tmp/mark"
	tail -n +$((before + 1)) "$tmp/mark" >"$tmp/new"
}

cat >"$tmp/ram.json" <<'JSON'
{"devmgr": 1, "devices": {"disk": {"provider": "blk-ram", "size": "64K"},
 "log": {"provider": "console-stdio"}}}
JSON
cat >"$tmp/marker.json" <<'JSON'
{"devmgr": 1, "devices": {"disk": {"provider": "blk-ram", "size": "64K"},
 "top": {"provider": "test-marker", "on": "disk"}}}
JSON

name="cold start: only the scanner loads a plugin the configuration does not name"
run probe -c "$tmp/ram.json"
if [ "$st" = 0 ] && [ "$(wc -l <"$tmp/new")" = 1 ] &&
	[ "$(cut -d' ' -f2 "$tmp/new")" = "$pid" ]; then
	ok "$name"
else
	fail "$name: exit $st, devmgr pid $pid"
fi

name="warm start: nobody loads it"
run probe -c "$tmp/ram.json"
if [ "$st" = 0 ] && [ ! -s "$tmp/new" ] && grep -q '^disk .* ok ' "$tmp/out"; then
	ok "$name"
else
	fail "$name: exit $st"
fi

name="plugins lists it, from the scan, without loading it"
run plugins
if [ "$st" = 0 ] && [ ! -s "$tmp/new" ] &&
	grep -q "^  $(cd "$LAZY" && pwd -P)/test-marker.so\$" "$tmp/out" &&
	grep -q '^  provider test-marker  *blk 1\.' "$tmp/out"; then
	ok "$name"
else
	fail "$name: exit $st"
fi

name="plugins --json: the same"
run plugins --json
if [ "$st" = 0 ] && [ ! -s "$tmp/new" ] &&
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
p = [x for x in d["plugins"] if x["name"] == "test-marker"]
assert p and p[0]["providers"][0]["signature"] == "blk", p' "$tmp/out"; then
	ok "$name"
else
	fail "$name: exit $st"
fi

name="inspect answers from the scan: parameters, on, help"
run inspect test-marker
if [ "$st" = 0 ] && [ ! -s "$tmp/new" ] &&
	grep -q '^  on        1 to 1 blk device(s)$' "$tmp/out" &&
	grep -q '^    create_ms  *int  *optional  default 0 ' "$tmp/out"; then
	ok "$name"
else
	fail "$name: exit $st"
fi

name="a configuration that names it: devmgr itself loads it, once"
run probe -c "$tmp/marker.json"
if [ "$st" = 0 ] && [ "$(wc -l <"$tmp/new")" = 1 ] &&
	[ "$(cut -d' ' -f1 "$tmp/new")" = "$pid" ] &&
	grep -q '^top .*test-marker .* ok ' "$tmp/out"; then
	ok "$name"
else
	fail "$name: exit $st, devmgr pid $pid"
fi

name="validate loads the providers it names (a provider's own check is code)"
sed 's/"on": "disk"/"on": "disk", "create_ms": "x"/' "$tmp/marker.json" >"$tmp/bad.json"
run validate -c "$tmp/bad.json"
if [ "$st" = 2 ] && grep -q 'create_ms' "$tmp/err" &&
	[ "$(cut -d' ' -f1 "$tmp/new")" = "$pid" ]; then
	ok "$name"
else
	fail "$name: exit $st"
fi

echo "lazy.sh: $passed passed, $failed failed"
[ "$failed" = 0 ]
