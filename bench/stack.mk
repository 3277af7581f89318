# TCP/IP stack benchmarks (bench/run.d/stack.sh): the echo app on
# net-socket against the same echo on plain sockets, and on stack-lwip
# over net-tap against the kernel's TCP over a veth pair.
BENCH_PROGS += bench/stack_client bench/stack_echo_plain
bench_stack_client_SOURCES = bench/stack_client.c bench/bench.h
bench_stack_client_CFLAGS = $(BENCH_CFLAGS)
bench_stack_echo_plain_SOURCES = bench/stack_echo_plain.c
bench_stack_echo_plain_CFLAGS = $(BENCH_CFLAGS)
