#!/bin/sh
# options.sh: every option and verb that a program's --help names is in
# its man page, so that a new option cannot go undocumented.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
command -v groff >/dev/null 2>&1 || { echo "SKIP: no groff"; exit 77; }
tmp=$(mktemp -d "$top_builddir/manopt.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
check() { # check PROGRAM PAGE
	if ! "$1" --help >"$tmp/help" 2>&1; then
		echo "FAIL: $1 --help"
		fail=1
		return
	fi
	groff -man -Tascii -P-cbou "$top_srcdir/man/$2" 2>/dev/null |
		tr -s ' \n' '  ' >"$tmp/page"
	# Options: -x and --long words that start a word of the help text.
	opts=$(sed 's/[][(|,]/ /g' "$tmp/help" | tr ' ' '\n' |
		grep -E '^--?[A-Za-z][A-Za-z-]*$' | sort -u)
	[ -n "$opts" ] || { echo "FAIL: no options in $1 --help"; fail=1; }
	for o in $opts; do
		if grep -qE -- "(^|[^A-Za-z-])$o([^A-Za-z-]|\$)" "$tmp/page"; then
			:
		else
			echo "FAIL: $2 lacks $o"
			fail=1
		fi
	done
	echo "checked $2: $(echo $opts)"
}
check "$top_builddir/apps/devmgr/devmgr" devmgr.1
check "$top_builddir/apps/devmgr-fat/devmgr-fat" devmgr-fat.1
check "$top_builddir/apps/www/www" www.1
[ $fail -eq 0 ] && echo "PASS: every --help option is in its man page"
exit $fail
