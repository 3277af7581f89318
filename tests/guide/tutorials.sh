#!/bin/sh
# tutorials.sh: follow docs/writing-a-provider.md and docs/writing-an-app.md
# for real.  devmgr is installed into a temporary DESTDIR; each file the
# tutorials show under a "<!-- file: NAME -->" mark is written out, the
# shell steps are run with pkg-config pointed at that install, and each
# block under "<!-- output: COMMAND -->" must be exactly what COMMAND
# prints.  So the tutorials cannot fall behind the code.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: no pkg-config"; exit 77; }
# The tutorials build with the system's plain cc, as a reader would; a
# program linked that way against a sanitizer build of libdevmgr lacks
# the sanitizer's runtime.  The plain build follows them.
if nm -D "$top_builddir/core/.libs/libdevmgr.so" 2>/dev/null | grep -q '__asan_\|__ubsan_'; then
	echo "SKIP: sanitizer build (the plain build follows the tutorials)"
	exit 77
fi

tmp=$(mktemp -d "$top_builddir/guide.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
ko() { echo "FAIL: $1"; fail=1; }

dest="$tmp/dest"
if ! ${MAKE:-make} -C "$top_builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	tail -n 20 "$tmp/install.log"
	echo "FAIL: make install DESTDIR"
	exit 1
fi
pc=$(find "$dest" -name devmgr.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no devmgr.pc installed"; exit 1; }
pcdir=${pc%/*}
libdir=${pcdir%/pkgconfig}
bindir=$(find "$dest" -type f -name devmgr -perm -u+x | head -n 1)
bindir=${bindir%/*}
# The installed tree lives under DESTDIR: pkg-config's sysroot puts it in
# front of -I and -L; the library, the programs and the plugins are found
# there through the environment instead of the configured prefix.
PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$pcdir
LD_LIBRARY_PATH=$libdir PATH=$bindir:$PATH
DEVMGR_PLUGIN_PATH=$libdir/devmgr/plugins
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR LD_LIBRARY_PATH PATH DEVMGR_PLUGIN_PATH
[ -d "$DEVMGR_PLUGIN_PATH" ] || ko "no installed plugin folder"

# extract DOC DIR: every marked file; outputs as DIR/.out.N and .cmd.N
extract() {
	awk -v dir="$2" '
	/^<!-- file: [^ ]+ -->$/ { name = dir "/" $3; next }
	/^<!-- output: .* -->$/ {
		sub(/^<!-- output: /, ""); sub(/ -->$/, "")
		n++; print > (dir "/.cmd." n); close(dir "/.cmd." n)
		name = dir "/.out." n; next
	}
	/^```/ && name != "" && !inblock { inblock = 1; printf "" > name; next }
	/^```/ && inblock { inblock = 0; close(name); name = ""; next }
	inblock { print > name }
	' "$1"
}

# follow DOC STEP...: run each STEP script, then compare the outputs.
follow() {
	doc=$1
	shift
	w="$tmp/${doc%.md}"
	mkdir -p "$w" && chmod 0755 "$w"
	extract "$top_srcdir/docs/$doc" "$w"
	for step in "$@"; do
		if [ ! -f "$w/$step" ]; then
			ko "$doc has no $step"
			continue
		fi
		case $step in
		conform.sh)
			devmgr conform 2>&1 | grep -q 'unknown verb' && {
				echo "SKIP: $doc $step (this devmgr has no conform)"
				continue
			} ;;
		draw-provider.sh)
			command -v dot >/dev/null 2>&1 || {
				echo "SKIP: $doc $step (no dot)"
				continue
			} ;;
		esac
		if (cd "$w" && sh -e "./$step") >"$tmp/step.out" 2>&1; then
			echo "PASS: $doc $step"
		else
			ko "$doc $step"
			sed 's/^/  /' "$tmp/step.out"
		fi
	done
	for c in "$w"/.cmd.*; do
		[ -f "$c" ] || continue
		cmd=$(cat "$c")
		(cd "$w" && eval "$cmd") >"$tmp/got" 2>&1
		if cmp -s "$tmp/got" "$w/.out.${c##*.}"; then
			echo "PASS: $doc: $cmd"
		else
			ko "$doc: $cmd prints otherwise"
			diff "$w/.out.${c##*.}" "$tmp/got" | sed 's/^/  /'
		fi
	done
}

follow writing-a-provider.md build-provider.sh use-provider.sh \
	draw-provider.sh conform.sh
follow writing-an-app.md build-app.sh run-app.sh
if command -v dot >/dev/null 2>&1; then
	grep -q '<title>dev:foo</title>' "$tmp/writing-a-provider/foo.svg" ||
		ko "foo.svg does not show the device foo"
fi
exit $fail
