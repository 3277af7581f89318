#!/bin/sh
# Build the stack area's libFuzzer target with clang (used by CI through
# tests/fuzz/build.sh):
#   tests/fuzz/build-stack.sh OUTDIR
#   OUTDIR/fuzz_lwip_frames -max_total_time=60 tests/fuzz/corpus/lwip_frames
# Compiles the core sources, stack-lwip and the target (which brings its
# own frame source) with -fsanitize=fuzzer,address,undefined, with lwIP
# as the plugin has it: the lwip source package that scripts/deps.sh
# fetched (LWIP_SOURCE overrides where) and plugins/net-lwip/lwipopts.h,
# sanitized too.  LWIP_SOURCE=system takes Debian's liblwip instead.
# CLANG overrides clang.
. "$(dirname "$0")/fuzzlib.sh"
src=${LWIP_SOURCE:-}
if [ -z "$src" ]; then
	for d in "${DEVMGR_LWIP_DIR:-/var/tmp/devmgr-lwip}"/lwip-2.1.3*; do
		[ -f "$d/src/core/tcp.c" ] && src=$d
	done
fi
if [ "$src" = system ]; then
	# shellcheck disable=SC2046
	fuzz_core fuzz_lwip_frames $(pkg-config --cflags lwip) \
		"$top/plugins/net-lwip/stack_lwip.c" \
		"$top/plugins/net-lwip/lw_sock.c" \
		"$top/plugins/net-lwip/lw_super.c" \
		"$top/plugins/net-link/netutil.c" \
		"$top/tests/fuzz/fuzz_lwip_frames.c" $(pkg-config --libs lwip)
	exit 0
fi
[ -f "$src/src/core/tcp.c" ] || {
	echo "$0: no lwip source package (run scripts/deps.sh build)" >&2
	exit 1
}
# Every file of lwIP's core: those lwipopts.h leaves out compile empty.
fuzz_core fuzz_lwip_frames -I"$top/plugins/net-lwip" \
	-I"$src/src/include" -I"$src/port/include" \
	"$top/plugins/net-lwip/stack_lwip.c" \
	"$top/plugins/net-lwip/lw_sock.c" "$top/plugins/net-lwip/lw_super.c" \
	"$top/plugins/net-link/netutil.c" "$top/tests/fuzz/fuzz_lwip_frames.c" \
	"$src"/src/core/*.c "$src"/src/core/ipv4/*.c "$src"/src/core/ipv6/*.c \
	"$src/src/api/tcpip.c" "$src/src/netif/ethernet.c" \
	"$src/port/sys_arch.c"
