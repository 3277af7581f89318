# Filesystem benchmarks.
BENCH_PROGS += bench/fs_fat
bench_fs_fat_SOURCES = bench/fs_fat.c bench/bench.h
bench_fs_fat_CFLAGS = $(BENCH_CFLAGS)
bench_fs_fat_LDADD = core/libdevmgr.la

# blk-part on blk-file against blk-file alone (bench/run.d/part.sh).
BENCH_PROGS += bench/blk_part
bench_blk_part_SOURCES = bench/blk_part.c bench/bench.h
bench_blk_part_CFLAGS = $(BENCH_CFLAGS)
bench_blk_part_LDADD = core/libdevmgr.la
