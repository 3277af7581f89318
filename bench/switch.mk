# Switch benchmarks: bench/run.d/switch.sh runs the switch between two
# taps and, in the same run, switch_copy (plain read/write between the
# same two tap fds); switch_gen makes the traffic and counts what arrives.
BENCH_PROGS += bench/switch_copy bench/switch_gen
bench_switch_copy_SOURCES = bench/switch_copy.c
bench_switch_copy_CFLAGS = $(BENCH_CFLAGS)
bench_switch_gen_SOURCES = bench/switch_gen.c
bench_switch_gen_CFLAGS = $(BENCH_CFLAGS)

# The forwarding engine alone, without I/O (ns per frame).
BENCH_PROGS += bench/switch_engine
bench_switch_engine_SOURCES = bench/switch_engine.c $(switch_sources)
bench_switch_engine_CFLAGS = $(BENCH_CFLAGS) -pthread
bench_switch_engine_LDADD = core/libdevmgr.la
