# xsd.sh: sourced by the tests in tests/xen.  Starts Debian's real C
# xenstored in the foreground (-N) with its socket in a private folder,
# and stops it.  On a machine without a hypervisor xenstored needs the
# test double tests/xen/xsstub.so (LD_PRELOAD; see xsstub.c): it stands
# in for the few hypervisor calls only; every request the tests make is
# served by the real daemon over its socket.
#
#   xsd_init            check what is needed (exit 77 if absent), make
#                       $XSD_DIR, export XENSTORED_PATH, trap cleanup
#   xsd_start / xsd_stop / xsd_kill (SIGKILL)
#   xsw PATH VALUE...   xenstore-write, failing the test on error
#
# The caller sets top_builddir and may set XSD_TRAP_EXTRA (a command run
# on exit before the daemon is stopped).

XENSTORED=${XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
XSSTUB=${XSSTUB:-$top_builddir/tests/xen/xsstub.so}
XSD_PID=

xsd_skip() {
	echo "SKIP: $1"
	exit 77
}

xsd_init() {
	[ "${DEVMGR_XENSTORE:-yes}" = no ] && xsd_skip "built without xenstore"
	[ -x "$XENSTORED" ] || xsd_skip "no $XENSTORED (package xen-utils-4.17)"
	for t in xenstore-write xenstore-read xenstore-rm xenstore-chmod xenstore-ls; do
		command -v "$t" >/dev/null 2>&1 ||
			xsd_skip "no $t (package xenstore-utils)"
	done
	[ -f "$XSSTUB" ] || xsd_skip "no $XSSTUB (make check builds it)"
	XSD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/devmgr-xen.XXXXXX") || exit 99
	export XENSTORED_PATH="$XSD_DIR/run/socket"
	unset XENSTORED_RUNDIR
	trap xsd_cleanup EXIT
	trap 'exit 99' INT TERM
}

xsd_cleanup() {
	[ -n "${XSD_TRAP_EXTRA:-}" ] && eval "$XSD_TRAP_EXTRA"
	xsd_stop
	rm -rf "$XSD_DIR"
}

# A fresh store each time, as after a real restart without live update.
xsd_start() {
	mkdir -p "$XSD_DIR/run"
	rm -f "$XSD_DIR/run/socket" "$XSD_DIR/run/xsd_port" "$XSD_DIR/run/xsd_kva"
	XENSTORED_RUNDIR="$XSD_DIR/run" ASAN_OPTIONS=detect_leaks=0 \
		LD_PRELOAD="$XSSTUB" "$XENSTORED" -N \
		>>"$XSD_DIR/xenstored.log" 2>&1 &
	XSD_PID=$!
	n=0
	while [ $n -lt 100 ]; do
		if [ -S "$XENSTORED_PATH" ] && xenstore-read /tool/xenstored >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$XSD_PID" 2>/dev/null || break
		sleep 0.05
		n=$((n + 1))
	done
	echo "xenstored did not start:"
	cat "$XSD_DIR/xenstored.log"
	exit 99
}

xsd_stop() {
	if [ -n "$XSD_PID" ]; then
		kill "$XSD_PID" 2>/dev/null
		wait "$XSD_PID" 2>/dev/null
		XSD_PID=
	fi
}

xsd_kill() {
	if [ -n "$XSD_PID" ]; then
		kill -KILL "$XSD_PID" 2>/dev/null
		wait "$XSD_PID" 2>/dev/null
		XSD_PID=
	fi
}

xsw() {
	xenstore-write "$@" || { echo "xenstore-write $* failed"; exit 99; }
}

# The layout libxl writes for a guest DOMID: its home, readable by it.
xsd_domain() {
	xsw "/local/domain/$1/domid" "$1" "/local/domain/$1/name" "guest$1"
	xenstore-chmod -r "/local/domain/$1" "n0" "r$1"
}

# vbd_attach DOMID DEVID PARAMS MODE: frontend and backend entries in
# state 1 (Initialising), as libxl writes them before the drivers run.
vbd_attach() {
	d=$1 id=$2 f="/local/domain/$1/device/vbd/$2" b="/local/domain/0/backend/vbd/$1/$2"
	xsw "$b/frontend" "$f" "$b/frontend-id" "$d" "$b/online" 1 \
		"$b/state" 1 "$b/params" "$3" "$b/mode" "$4" "$b/type" phy \
		"$b/dev" "xvd" "$b/removable" 0
	xsw "$f/backend" "$b" "$f/backend-id" 0 "$f/state" 1 \
		"$f/virtual-device" "$2" "$f/device-type" disk
}

# states DOMID CLASS DEVID FSTATE BSTATE
states() {
	xsw "/local/domain/$1/device/$2/$3/state" "$4" \
		"/local/domain/0/backend/$2/$1/$3/state" "$5"
}

# detach DOMID CLASS DEVID: what libxl does: Closing, Closed, removal.
detach() {
	states "$1" "$2" "$3" 5 5
	states "$1" "$2" "$3" 6 6
	xenstore-rm "/local/domain/$1/device/$2/$3"
	xenstore-rm "/local/domain/0/backend/$2/$1/$3"
}
