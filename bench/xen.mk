# Xen hot-plug benchmarks: latency from the write that makes a vbd
# Connected to the app's plug callback against a bare libxenstore watch,
# and the resident set over many plug/unplug cycles (bench/run.d/xen.sh
# starts a private xenstored).
if HAVE_XENSTORE
BENCH_PROGS += bench/xen_hotplug
bench_xen_hotplug_SOURCES = bench/xen_hotplug.c bench/bench.h
bench_xen_hotplug_CFLAGS = $(BENCH_CFLAGS) $(XENSTORE_CFLAGS)
bench_xen_hotplug_LDADD = core/libdevmgr.la $(XENSTORE_LIBS)

# In the real Xen guest (bench/run.d/xen-guest.sh): a disk attached with
# xl block-attach, from the attach returning to the app's plug, against a
# bare libxenstore client seeing the frontend Connected.
BENCH_PROGS += bench/xen_guest_plug
bench_xen_guest_plug_SOURCES = bench/xen_guest_plug.c bench/bench.h
bench_xen_guest_plug_CFLAGS = $(BENCH_CFLAGS) $(XENSTORE_CFLAGS)
bench_xen_guest_plug_LDADD = core/libdevmgr.la $(XENSTORE_LIBS)

# In the real Xen guest: reads through blk-xen against the kernel's
# xen-blkfront on twin vbds (bench/run.d/xen-guest.sh).
BENCH_PROGS += bench/xen_guest_blk
bench_xen_guest_blk_SOURCES = bench/xen_guest_blk.c bench/bench.h
bench_xen_guest_blk_CFLAGS = $(BENCH_CFLAGS)
bench_xen_guest_blk_LDADD = core/libdevmgr.la
endif
