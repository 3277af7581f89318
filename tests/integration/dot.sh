#!/bin/sh
# dot.sh: "devmgr probe --dot" is a graph that Graphviz reads, with the
# devices, their providers, the "on" edges and the app's slot bindings.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
DEVMGR="$top_builddir/apps/devmgr/devmgr"
command -v dot >/dev/null 2>&1 || { echo "SKIP: no dot (graphviz)"; exit 77; }

tmp=$(mktemp -d "$top_builddir/dot.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

fail=0
ko() { echo "FAIL: $1"; fail=1; }

cat >"$tmp/c.json" <<'JSON'
{
  "devmgr": 1,
  "devices": {
    "log":  { "provider": "console-stdio" },
    "ram":  { "provider": "blk-ram", "size": "64K" },
    "dbg":  { "provider": "blk-debug", "on": "ram" },
    "gone": { "provider": "blk-file", "path": "missing.img" }
  },
  "app": { "name": "blkdump", "bind": { "log": "log", "disk": "dbg" } }
}
JSON

# A device that fails is still drawn (in red), and probe says it failed.
"$DEVMGR" probe --dot -c "$tmp/c.json" >"$tmp/g.dot" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || ko "probe --dot exit $rc, expected 1 (a device failed)"
dot -Tsvg "$tmp/g.dot" >"$tmp/g.svg" 2>"$tmp/dot.err" ||
	{ ko "dot -Tsvg refuses the graph"; cat "$tmp/dot.err"; }
[ -s "$tmp/dot.err" ] && { ko "dot warns"; cat "$tmp/dot.err"; }

# Graphviz puts each node's and edge's name in a <title>, with - and >
# as entities.
for t in 'dev:log' 'dev:ram' 'dev:dbg' 'dev:gone' 'app:blkdump' \
	'provider:console-stdio' 'provider:blk-ram' 'provider:blk-debug' \
	'provider:blk-file' \
	'dev:dbg->dev:ram' 'dev:dbg->provider:blk-debug' \
	'app:blkdump->dev:log' 'app:blkdump->dev:dbg'; do
	e=$(printf '%s' "$t" | sed 's/->/\&#45;\&gt;/; s/\([a-z]\)-\([a-z]\)/\1\&#45;\2/g')
	grep -qF "<title>$e</title>" "$tmp/g.svg" || ko "no $t in the graph"
done
grep -qF '"app:blkdump" -> "dev:dbg" [label="disk"' "$tmp/g.dot" ||
	ko "the disk slot's edge is not labelled disk"
grep -q '"dev:gone" .*color=red' "$tmp/g.dot" || ko "the failed device is not red"
[ "$(grep -c -- '->' "$tmp/g.dot")" -eq 7 ] ||
	{ ko "expected 7 edges"; cat "$tmp/g.dot"; }

# --dot belongs to probe alone, and not with --json.
"$DEVMGR" probe --dot --json >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || ko "probe --dot --json is not a usage error"
"$DEVMGR" plugins --dot >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || ko "plugins --dot is not a usage error"
grep -q -- '--dot is for probe' "$tmp/err" || ko "no message for plugins --dot"

# The built-in configuration: blkdump bound to its two devices.
"$DEVMGR" probe --dot >"$tmp/b.dot" 2>"$tmp/err" || ko "probe --dot (built-in) failed"
dot -Tsvg "$tmp/b.dot" >/dev/null 2>&1 || ko "dot refuses the built-in graph"
grep -qF '"app:blkdump" -> "dev:disk" [label="disk"' "$tmp/b.dot" ||
	ko "built-in: no disk binding"

# The www app's graph that the build draws for the documentation.
svg="$top_builddir/apps/www/www-graph.svg"
if [ -f "$svg" ]; then
	for t in 'dev:htdocs' 'dev:disk' 'dev:net' 'app:www' 'provider:fs&#45;fat' \
		'dev:htdocs&#45;&gt;dev:disk' 'app:www&#45;&gt;dev:htdocs' \
		'app:www&#45;&gt;dev:net'; do
		grep -qF "<title>$t</title>" "$svg" || ko "www-graph.svg lacks $t"
	done
fi

[ $fail -eq 0 ] && echo "PASS: probe --dot"
exit $fail
