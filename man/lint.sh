#!/bin/sh
# lint.sh: every man page formats without a single warning.
set -u
: "${top_srcdir:?}"
command -v groff >/dev/null 2>&1 || { echo "SKIP: no groff"; exit 77; }
fail=0
for page in devmgr.1 devmgr.json.5 devmgr-fat.1 www.1; do
	f="$top_srcdir/man/$page"
	w=$(groff -ww -z -man -t "$f" 2>&1)
	if command -v man >/dev/null 2>&1; then
		w="$w$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>&1 >/dev/null)"
	fi
	if [ -n "$w" ]; then
		echo "FAIL: $page:"
		echo "$w" | sed 's/^/  /'
		fail=1
	else
		echo "PASS: $page"
	fi
done
exit $fail
