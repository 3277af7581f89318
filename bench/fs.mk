# Filesystem benchmarks.
BENCH_PROGS += bench/fs_fat
bench_fs_fat_SOURCES = bench/fs_fat.c bench/bench.h
bench_fs_fat_CFLAGS = $(BENCH_CFLAGS)
bench_fs_fat_LDADD = core/libdevmgr.la
