# Xen hot-plug benchmarks.
