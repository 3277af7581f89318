#!/bin/sh
# guide.sh: renders devmgr's documentation (docs/*.md) into HTML pages
# for the main job's site, so that the www app serves devmgr's own guide.
# Usage: guide.sh CMARK DOCS_DIR OUT_DIR [SVG]
#   CMARK     the CommonMark renderer (Debian's cmark)
#   DOCS_DIR  the folder of the .md files
#   OUT_DIR   where NAME.html is written for each NAME.md, and index.html
#             lists them, the two tutorials first; links to NAME.md
#             become NAME.html
#   SVG       the www app's device graph, copied in as www-graph.svg
set -eu
[ $# -ge 3 ] || { echo "usage: $0 CMARK DOCS_DIR OUT_DIR [SVG]" >&2; exit 2; }
cmark=$1 docs=$2 out=$3 svg=${4:-}
mkdir -p "$out"
# title FILE: a document's first heading, without its markup, as HTML text.
title() {
	sed -n 's/^# *//p' "$1" | head -n 1 | sed 's/[`*]//g; s/&/\&amp;/g; s/</\&lt;/g'
}
head_html() {
	printf '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
	printf '<title>%s</title>\n' "$1"
	printf '<link rel="stylesheet" href="../style.css">\n</head>\n<body>\n'
	printf '<nav><a href="../">devmgr</a> &middot; <a href="./">the guide</a></nav>\n<main>\n'
}
pages=
for md in "$docs"/*.md; do
	name=${md##*/}
	name=${name%.md}
	[ "$name" != README ] || continue
	case $name in
	writing-an-app | writing-a-provider) pages="$name $pages" ;;
	*) pages="$pages $name" ;;
	esac
	t=$(title "$md")
	{
		head_html "${t:-$name}"
		# Links between documents point at the rendered pages; the
		# graph drawn in the build tree is the copy beside them.
		"$cmark" --unsafe "$md" | sed \
			-e 's|href="README\.md|href="index.html|g' \
			-e 's|href="\([A-Za-z0-9_-]*\)\.md|href="\1.html|g' \
			-e 's|"[^"]*apps/www/www-graph\.svg"|"www-graph.svg"|g'
		printf '</main>\n</body>\n</html>\n'
	} >"$out/$name.html.tmp"
	mv "$out/$name.html.tmp" "$out/$name.html"
done
{
	head_html "devmgr: the guide"
	printf '<h1>devmgr: the guide</h1>\n<ul>\n'
	for name in $pages; do
		printf '<li><a href="%s.html">%s</a></li>\n' "$name" "$(title "$docs/$name.md")"
	done
	printf '</ul>\n</main>\n</body>\n</html>\n'
} >"$out/index.html.tmp"
mv "$out/index.html.tmp" "$out/index.html"
[ -z "$svg" ] || cp "$svg" "$out/www-graph.svg"
