# Network benchmarks.
