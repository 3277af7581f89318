#!/bin/sh
# core-deps.sh: the call graph between the files of core/src, derived from
# the objects libdevmgr is built from: file A depends on file B when A's
# object uses a global symbol (a non-static function or variable) that B's
# object defines.  Fails when the graph has a cycle of two files or more,
# and prints the files of the cycle.  With -v, prints every edge too.
#
# Usage: scripts/core-deps.sh [-v] [OBJDIR]
#   OBJDIR: where the objects are (default: $top_builddir/core/src/.libs,
#   or ./core/src/.libs); with $top_srcdir set, only objects of sources
#   in $top_srcdir/core/src count
set -eu

verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
dir=${1:-${top_builddir:-.}/core/src/.libs}
src=${top_srcdir:+$top_srcdir/core/src}
NM=${NM:-nm}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/core-deps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

found=0
for o in "$dir"/*.o; do
	[ -e "$o" ] || continue
	found=1
	# libtool names them libdevmgr_la-FILE.o (or core_libdevmgr_la-...).
	f=$(basename "$o" .o)
	f=${f##*_la-}.c
	# An object left from a source that is gone is not part of the core.
	if [ -n "$src" ] && [ ! -e "$src/$f" ]; then continue; fi
	"$NM" -g --defined-only "$o" | awk -v f="$f" 'NF == 3 { print $3, f }' >>"$tmp/defs"
	"$NM" -u "$o" | awk -v f="$f" '{ print $NF, f }' >>"$tmp/uses"
done
if [ $found = 0 ]; then
	echo "core-deps: no objects in $dir" >&2
	exit 2
fi

# Edges "user definer", one per pair of files, without self edges.
sort -k1,1 "$tmp/defs" >"$tmp/defs.s"
sort -k1,1 "$tmp/uses" >"$tmp/uses.s"
join "$tmp/uses.s" "$tmp/defs.s" | awk '$2 != $3 { print $2, $3 }' |
	sort -u >"$tmp/edges"
if [ $verbose = 1 ]; then
	sed 's/ / -> /' "$tmp/edges"
fi

# tsort orders the files by their edges and names the files of any loop.
if ! tsort "$tmp/edges" >/dev/null 2>"$tmp/loops"; then
	echo "core-deps: the files of core/src call each other in a circle:" >&2
	grep -v 'input contains a loop' "$tmp/loops" | sed 's/^tsort: /  /' >&2
	exit 1
fi
echo "core-deps: $(wc -l <"$tmp/edges") dependencies among core/src files, no circle"
