# Web server benchmarks.  No programs of their own: bench/run.d/www.sh
# drives the built www executable with wrk, against nginx in the same run.
# Figures: bench/RESULTS.md.
