# Network benchmarks: net-tap against plain tap fds (bench/run.d/net.sh).
BENCH_PROGS += bench/net_tap
bench_net_tap_SOURCES = bench/net_tap.c bench/bench.h
bench_net_tap_CFLAGS = $(BENCH_CFLAGS)
bench_net_tap_LDADD = core/libdevmgr.la
