#!/bin/sh
# Replay the seed corpus of fuzz_lwip_frames (runts, oversized frames,
# garbage headers, fragments, TCP, UDP, ICMP, IPv6) through stack-lwip.
: "${top_srcdir:?}" "${top_builddir:?}"
exec "$top_builddir/tests/stack/run_lwip_frames" \
	"$top_srcdir/tests/fuzz/corpus/lwip_frames"
