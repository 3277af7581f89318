# Xen hot-plug benchmarks: latency from the write that makes a vbd
# Connected to the app's plug callback against a bare libxenstore watch,
# and the resident set over many plug/unplug cycles (bench/run.d/xen.sh
# starts a private xenstored).
BENCH_PROGS += bench/xen_hotplug
bench_xen_hotplug_SOURCES = bench/xen_hotplug.c bench/bench.h
bench_xen_hotplug_CFLAGS = $(BENCH_CFLAGS) $(XENSTORE_CFLAGS)
bench_xen_hotplug_LDADD = core/libdevmgr.la $(XENSTORE_LIBS)
