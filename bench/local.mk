# Benchmarks: built by "make bench", run by bench/run.sh.
# They are EXTRA_PROGRAMS, so neither "make all" nor "make check" builds them.
# (Named BENCH_PROGS, not BENCH_PROGRAMS: automake would read the latter as
# the PROGRAMS primary with an undefined "BENCHdir".  Makefile.am does not
# define EXTRA_PROGRAMS, so it is set here with "=", which automake requires
# before any "+=".)
BENCH_PROGS = bench/blk_ram bench/blk_file bench/plugin_load bench/maxrss
EXTRA_PROGRAMS = $(BENCH_PROGS)
CLEANFILES += $(BENCH_PROGS)

BENCH_CFLAGS = $(AM_CFLAGS) -O2

bench_blk_ram_SOURCES = bench/blk_ram.c bench/bench.h
bench_blk_ram_CFLAGS = $(BENCH_CFLAGS)
bench_blk_ram_LDADD = core/libdevmgr.la

bench_blk_file_SOURCES = bench/blk_file.c bench/bench.h
bench_blk_file_CFLAGS = $(BENCH_CFLAGS)
bench_blk_file_LDADD = core/libdevmgr.la

bench_plugin_load_SOURCES = bench/plugin_load.c bench/bench.h
bench_plugin_load_CFLAGS = $(BENCH_CFLAGS)
bench_plugin_load_LDADD = core/libdevmgr.la $(DL_LIBS)

# Runs a command and prints its wall time and peak RSS (wait4 rusage).
bench_maxrss_SOURCES = bench/maxrss.c
bench_maxrss_CFLAGS = $(BENCH_CFLAGS)

EXTRA_DIST += bench/run.sh bench/probe_scale.sh bench/RESULTS.md bench/run.d

include $(srcdir)/bench/xen.mk
include $(srcdir)/bench/net.mk
include $(srcdir)/bench/stack.mk
include $(srcdir)/bench/fs.mk
include $(srcdir)/bench/www.mk
include $(srcdir)/bench/switch.mk

.PHONY: bench
bench: $(BENCH_PROGS)
