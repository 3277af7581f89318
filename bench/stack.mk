# TCP/IP stack benchmarks.
