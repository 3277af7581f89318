#!/bin/sh
# xen.sh [--quick] BUILDDIR: the Xen hot-plug benchmark (bench/xen_hotplug)
# against a private xenstored started as the tests start it
# (tests/xen/xsd.sh, with the hypervisor test double).
set -u
quick=
if [ "${1:-}" = "--quick" ]; then quick=--quick; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--quick] BUILDDIR" >&2; exit 2; }
top_builddir=$(cd "$1" && pwd) || exit 2
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
# A build without xenstore has no Xen benchmark: nothing to measure.
if ! grep -q '^#define HAVE_XENSTORE 1' "$top_builddir/config.h"; then
	echo "xen.sh: built without xenstore, skipped" >&2
	exit 0
fi
make -s -C "$top_builddir" bench/xen_hotplug tests/xen/xsstub.so >/dev/null ||
	{ echo "xen.sh: cannot build the benchmark" >&2; exit 2; }
. "$top_srcdir/tests/xen/xsd.sh"
xsd_skip() { echo "xen.sh: $1" >&2; exit 2; }
xsd_init
xsd_start
DEVMGR_PLUGIN_PATH=${DEVMGR_PLUGIN_PATH:-$top_builddir/plugins/.libs} \
	"$top_builddir/bench/xen_hotplug" $quick
