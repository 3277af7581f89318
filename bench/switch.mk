# Switch benchmarks.
