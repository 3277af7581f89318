#!/bin/sh
# cli_common.sh: every executable speaks the one command line of
# devmgr/cli.h (CONTRACT.md, "Common options"): devmgr, devmgr-fat and
# each app's own executable answer --help and --version the same way,
# refuse a bad option with one "PROG: " line, a "Try 'PROG --help'." line
# and exit 2, take a relative --plugin-path (relative to the current
# folder), and the apps take --xenstore.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
B=$top_builddir
tmp=$(mktemp -d "$B/clicommon.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
# Relative --plugin-path folders are resolved from here.
cd "$B/plugins" || exit 99

pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() {
	echo "FAIL: $1"
	fail=$((fail + 1))
	for f in "$tmp/out" "$tmp/err"; do
		[ -s "$f" ] && { echo "  --- ${f##*/}:"; head -n 20 "$f" | sed 's/^/  /'; }
	done
	return 0
}
# t NAME EXPECTED-STATUS COMMAND...: stdout and stderr to $tmp/out|err
t() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ] && return 0
	ko "$name (exit $rc, expected $want)"
	return 1
}
has() { # has NAME FILE REGEX
	if grep -q -e "$3" "$2"; then ok "$1"; else ko "$1 (no /$3/ in ${2##*/})"; fi
}
lines() { # lines NAME FILE N: FILE has exactly N lines
	n=$(wc -l <"$2")
	[ "$n" -eq "$3" ] && ok "$1" || ko "$1 ($n lines, expected $3)"
}

# NAME PATH of each executable; xendisks only in a build with xenstore.
progs="devmgr:apps/devmgr/devmgr devmgr-fat:apps/devmgr-fat/devmgr-fat
blkdump:apps/blkdump/blkdump echo:apps/echo/echo switch:apps/switch/switch
www:apps/www/www"
[ "${DEVMGR_XENSTORE:-yes}" = no ] || progs="$progs xendisks:apps/xendisks/xendisks"

for p in $progs; do
	prog=${p%%:*} exe=$B/${p#*:}

	if t "$prog --version" 0 "$exe" --version; then
		if [ "$prog" = devmgr ]; then
			has "$prog --version text" "$tmp/out" "^devmgr [0-9][0-9.]*$"
		else
			has "$prog --version text" "$tmp/out" "^$prog (devmgr) [0-9][0-9.]*$"
		fi
		lines "$prog --version: one line" "$tmp/out" 1
		[ -s "$tmp/err" ] && ko "$prog --version: stderr not empty" || ok "$prog --version: stderr empty"
	fi
	if t "$prog --help" 0 "$exe" --help; then
		has "$prog --help: usage line" "$tmp/out" "^Usage: $prog "
		for o in "-c, --config FILE" "--plugin-path DIR" "-v, --verbose" \
			"-q, --quiet" "-h, --help" "--version"; do
			grep -qF -- "$o" "$tmp/out" && ok "$prog --help lists $o" ||
				ko "$prog --help does not list $o"
		done
		case $prog in
		devmgr-fat) ;;
		*) grep -qF -- "--xenstore" "$tmp/out" && ok "$prog --help lists --xenstore" ||
			ko "$prog --help does not list --xenstore"
			if [ "${DEVMGR_XENSTORE:-yes}" = no ]; then
				has "$prog --help: --xenstore not in this build" "$tmp/out" \
					"^      --xenstore  *(this build is without xenstore)$"
			else
				has "$prog --help: --xenstore reads xenstore" "$tmp/out" \
					"^      --xenstore  *also read devices from xenstore"
			fi ;;
		esac
	fi
	t "$prog -h" 0 "$exe" -h && has "$prog -h is --help" "$tmp/out" "^Usage: $prog "

	# Usage errors: one line naming the program, then the Try line.
	for bad in "--bogus:unrecognized option '--bogus'" \
		"-Z:unrecognized option '-Z'" \
		"-vZ:unrecognized option '-Z'" \
		"--ver:option '--ver' is ambiguous; possibilities: '--verbose' '--version'" \
		"--verb=x:option '--verbose' doesn't allow an argument" \
		"--help=x:option '--help' doesn't allow an argument" \
		"--config:option '--config' requires an argument" \
		"-c:option '-c' requires an argument" \
		"--plugin-path:option '--plugin-path' requires an argument"; do
		arg=${bad%%:*} msg=${bad#*:}
		if t "$prog $arg" 2 "$exe" "$arg"; then
			[ "$(sed -n 1p "$tmp/err")" = "$prog: $msg" ] &&
				ok "$prog $arg: \"$prog: $msg\"" || ko "$prog $arg: first line"
			[ "$(sed -n 2p "$tmp/err")" = "Try '$prog --help'." ] &&
				ok "$prog $arg: Try line" || ko "$prog $arg: Try line"
			lines "$prog $arg: two lines" "$tmp/err" 2
			[ -s "$tmp/out" ] && ko "$prog $arg: stdout not empty" || ok "$prog $arg: stdout empty"
		fi
	done

	# A relative --plugin-path is relative to the current folder, in
	# every program; a missing one is refused, named, with exit 2.
	t "$prog relative --plugin-path" 0 "$exe" --plugin-path .libs --version &&
		ok "$prog: relative --plugin-path accepted"
	t "$prog missing relative --plugin-path" 2 "$exe" --plugin-path nope --version &&
		has "$prog: missing --plugin-path named" "$tmp/err" "^$prog: .*nope"
done

# The relative folder is really searched: only it holds the providers.
t "devmgr: providers from a relative --plugin-path" 0 \
	env -u DEVMGR_PLUGIN_PATH "$B/apps/devmgr/devmgr" --plugin-path .libs inspect blk-ram &&
	has "devmgr inspect through a relative --plugin-path" "$tmp/out" "size"
t "blkdump: providers from a relative --plugin-path" 0 \
	env -u DEVMGR_PLUGIN_PATH "$B/apps/blkdump/blkdump" --plugin-path .libs &&
	has "blkdump runs through a relative --plugin-path" "$tmp/out" "^00000000 "
if command -v mkfs.fat >/dev/null 2>&1 || [ -x /sbin/mkfs.fat ]; then
	PATH="$PATH:/usr/sbin:/sbin" mkfs.fat -C "$tmp/fat.img" 1024 >/dev/null
	t "devmgr-fat: providers from a relative --plugin-path" 0 \
		env -u DEVMGR_PLUGIN_PATH "$B/apps/devmgr-fat/devmgr-fat" --plugin-path .libs \
		--image "$tmp/fat.img" df && has "devmgr-fat df through a relative --plugin-path" "$tmp/out" "FAT"
fi

# An app's own executable takes no operands.
t "blkdump with an operand" 2 "$B/apps/blkdump/blkdump" extra &&
	has "blkdump operand: named" "$tmp/err" "^blkdump: unexpected argument \"extra\"$" &&
	has "blkdump operand: Try line" "$tmp/err" "^Try 'blkdump --help'.$"

# --xenstore: taken by devmgr and every app's executable.  Without
# xenstore in the build: "built without xenstore", exit 2.  With it, and
# no store to talk to: the option is taken, the connection fails (1).
for p in devmgr:probe blkdump: echo: switch: www:; do
	prog=${p%%:*} verb=${p#*:}
	exe=$B/apps/$prog/$prog
	if [ "${DEVMGR_XENSTORE:-yes}" = no ]; then
		t "$prog --xenstore without xenstore" 2 "$exe" $verb --xenstore &&
			[ "$(cat "$tmp/err")" = "$prog: built without xenstore" ] &&
			ok "$prog --xenstore: \"$prog: built without xenstore\"" ||
			ko "$prog --xenstore: message"
	else
		t "$prog --xenstore, no store" 1 env XENSTORED_PATH="$tmp/no-store" "$exe" $verb --xenstore &&
			has "$prog --xenstore, no store: named" "$tmp/err" "^$prog: "
	fi
done
# libdevmgr links libxenstore exactly when the build reads xenstore.
lib=$B/core/.libs/libdevmgr.so
if readelf -d "$lib" >"$tmp/dyn" 2>"$tmp/err"; then
	if [ "${DEVMGR_XENSTORE:-yes}" = no ]; then
		grep -q 'NEEDED.*libxenstore' "$tmp/dyn" &&
			ko "libdevmgr needs libxenstore in a build without it" ||
			ok "libdevmgr does not need libxenstore"
	else
		grep -q 'NEEDED.*libxenstore' "$tmp/dyn" &&
			ok "libdevmgr needs libxenstore" || ko "libdevmgr does not need libxenstore"
	fi
else
	ko "readelf -d $lib"
fi
if [ "${DEVMGR_XENSTORE:-yes}" = no ]; then
	[ ! -e "$B/apps/xendisks/xendisks" ] && ok "no xendisks without xenstore" ||
		ko "xendisks built without xenstore"
else
	# xendisks reads xenstore without --xenstore.
	t "xendisks, no store" 1 env XENSTORED_PATH="$tmp/no-store" "$B/apps/xendisks/xendisks" &&
		has "xendisks, no store: named" "$tmp/err" "^xendisks: "
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
exit 0
