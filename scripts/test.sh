#!/bin/sh
# Every test: the format check (scripts/format.sh), the normal build's
# "make check" (unit, integration, schema, loader, valgrind), the core's
# tests in a build configured --without-xenstore, the real Xen guest booted under
# QEMU, the same suite under AddressSanitizer + UndefinedBehaviorSanitizer,
# the libFuzzer targets for a bounded time, a quick benchmark smoke run,
# and "make distcheck".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" test
cd "$top"
autoreconf -fi >/dev/null
jobs=$(nproc)
# Ten targets: 10 s each keeps CI's whole run within its 30 minutes.
fuzz_seconds=${FUZZ_SECONDS:-10}

echo "== format: every C file as .clang-format says"
sh scripts/format.sh --check

echo "== build and make check"
rm -rf build-check && mkdir build-check && cd build-check
../configure --enable-werror >/dev/null
make -j"$jobs"
make -j"$jobs" check || { cat test-suite.log; exit 1; }
cd "$top"

echo "== a build --without-xenstore and its make check (docs/cli.md)"
rm -rf build-noxs && mkdir build-noxs && cd build-noxs
../configure --enable-werror --without-xenstore >/dev/null
make -j"$jobs"
# --without-xenstore changes the core alone: the tests of the core, the
# command lines, the loader, the configurations, the schemas and the
# conformance kits run here (make -s list-tests has them all).
noxs_tests=$(make -s list-tests | grep -E '^(tests/(unit|integration|config|schema|conform|plugins|xen)/|man/)' | tr '\n' ' ')
make -j"$jobs" check TESTS="$noxs_tests" || { cat test-suite.log; exit 1; }
cd "$top"

echo "== the real Xen guest: Xen, dom0 and a domU under QEMU (tests/xen-guest)"
# CI must boot it; elsewhere it is skipped without root or QEMU.
XG_REQUIRE=$([ "${CI:-}" = true ] && echo 1 || echo 0) \
	bash tests/xen-guest/run.sh build-check || [ $? -eq 77 ]

echo "== ASan + UBSan build and make check"
rm -rf build-asan && mkdir build-asan && cd build-asan
../configure --enable-werror CC=clang \
	CFLAGS="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	LDFLAGS="-fsanitize=address,undefined" >/dev/null
make -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	make -j"$jobs" check || { cat test-suite.log; exit 1; }
cd "$top"

echo "== libFuzzer: every target for ${fuzz_seconds}s each"
rm -rf build-fuzz
tests/fuzz/build.sh build-fuzz
for f in build-fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	mkdir -p "build-fuzz/corpus-$name"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -r "tests/fuzz/corpus/$name/." "build-fuzz/corpus-$name/"
	fi
	echo "-- fuzz_$name"
	"$f" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
		"build-fuzz/corpus-$name" >"build-fuzz/fuzz-$name.log" 2>&1 ||
		{ tail -50 "build-fuzz/fuzz-$name.log"; exit 1; }
	tail -2 "build-fuzz/fuzz-$name.log"
done

echo "== benchmarks (quick smoke run)"
bench/run.sh --quick "$top/build-check"

echo "== make distcheck"
cd build-check
DEVMGR_NO_KERNEL_VM=1 make -j"$jobs" distcheck >distcheck.log 2>&1 || { tail -80 distcheck.log; exit 1; }
grep -A3 'archives ready' distcheck.log
echo "all tests passed"
