# Filesystem benchmarks.
