# Web server benchmarks.
