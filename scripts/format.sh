#!/bin/sh
# format.sh [--check]: every C file of the tree formatted by .clang-format
# (clang-format 14, Debian 12's), in place; with --check, change nothing
# and fail naming each file that differs.  CI runs --check
# (scripts/test.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find . -name '*.[ch]' -not -path './build*' | sort)
fi
[ "${1:-}" = --check ] || {
	# shellcheck disable=SC2086
	clang-format -i $files
	exit 0
}
bad=0
for f in $files; do
	if ! clang-format "$f" | cmp -s - "$f"; then
		echo "format.sh: $f differs from .clang-format (run scripts/format.sh)" >&2
		bad=$((bad + 1))
	fi
done
[ $bad = 0 ] || { echo "format.sh: $bad files to format" >&2; exit 1; }
echo "format.sh: every C file is formatted"
