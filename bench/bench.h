/* bench.h: helpers shared by the benchmarks (timing, medians, verdicts). */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v in place). */
static inline double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Stop the compiler from optimising away reads. */
static inline void bench_clobber(void *p)
{
	__asm__ volatile("" : : "g"(p) : "memory");
}

/* Prints "OK" or "MISSED" and returns 0 or 1. */
static inline int bench_verdict(double ratio, double target, int at_least)
{
	int ok = at_least ? ratio >= target : ratio <= target;
	printf("(target %s %.2f%s) %s\n", at_least ? ">=" : "<=", target,
	       at_least ? "" : "x", ok ? "OK" : "MISSED");
	return !ok;
}

/* "--quick" anywhere in argv. */
static inline int bench_quick(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--quick") == 0)
			return 1;
	return 0;
}

#endif
