#!/bin/sh
# site.sh: the main job's site is devmgr's guide.  www on its built-in
# configuration, moved to a free port, serves the build's site image:
# /guide/ lists every document of docs/ with its title, each document is
# a page whose internal links all resolve, and the device graph drawn at
# build time is there as SVG.  Skips when the build had no cmark.
set -u
. "$top_srcdir/tests/www/lib.sh"

need_tools curl
[ -x "$PY" ] || skip "python3 is not installed"
need_plugins blk-ram fs-fat net-socket console
[ -f "$top_builddir/apps/www/guide.stamp" ] ||
	skip "the site image was built without the guide (configure found no cmark)"

tmp=$(mktemp -d "$top_builddir/guide-site.XXXXXX") || exit 99
trap 'stop_www; rm -rf "$tmp"' EXIT INT TERM
www_config "$tmp/www.json" "$top_builddir/apps/www/site.img" '{}'
start_www "$tmp/www.json" "$tmp/log" || exit 1
url="http://127.0.0.1:$www_port"
C="curl -s -S --max-time 20"

$C -o "$tmp/front" "$url/"
check_grep "the front page links to the guide" "$tmp/front" 'href="guide/"'
$C -D "$tmp/h" -o "$tmp/index" "$url/guide/"
check_grep "/guide/ is served" "$tmp/h" "^HTTP/1.1 200"
check_grep "/guide/ is HTML" "$tmp/h" "^Content-Type: text/html"
first=$(sed -n 's|^<li><a href="\([^"]*\)\.html">.*|\1|p' "$tmp/index" | head -n 2 | tr '\n' ' ')
check "the two tutorials come first" "$first" "writing-an-app writing-a-provider "

for md in "$top_srcdir"/docs/*.md; do
	name=${md##*/}
	name=${name%.md}
	[ "$name" != README ] || continue
	title=$(sed -n 's/^# *//p' "$md" | head -n 1 | sed 's/[`*]//g')
	if grep -qF "<li><a href=\"$name.html\">" "$tmp/index"; then
		ok "the index lists $name"
	else
		ko "the index does not list $name"
	fi
	$C -o "$tmp/$name.html" -w '%{http_code}' "$url/guide/$name.html" >"$tmp/code"
	check "$name.html is served" "$(cat "$tmp/code")" 200
	check_grep "$name.html has its title" "$tmp/$name.html" "<title>.*$(printf '%s' "$title" | sed 's/[][\\.*^$]/./g')"
	# Every relative link of the page resolves on the site.
	sed -n 's/.*\(href\|src\)="\([^":#]*\)[#"].*/\2/p' "$tmp/$name.html" |
		grep -v '^$' | sort -u >"$tmp/links"
	bad=
	while read -r link; do
		c=$($C -o /dev/null -w '%{http_code}' "$url/guide/$link")
		[ "$c" = 200 ] || bad="$bad $link:$c"
	done <"$tmp/links"
	check "$name.html: every relative link resolves" "${bad:-none}" none
done

if [ -f "$top_builddir/apps/www/www-graph.svg" ]; then
	$C -D "$tmp/h" -o "$tmp/svg" "$url/guide/www-graph.svg"
	check_grep "the device graph is served as SVG" "$tmp/h" "^Content-Type: image/svg+xml"
	cmp -s "$tmp/svg" "$top_builddir/apps/www/www-graph.svg" &&
		ok "the graph is the one drawn at build time" || ko "the served graph differs"
	check_grep "www.html shows the graph" "$tmp/www.html" '<img src="www-graph.svg"'
fi
finish
