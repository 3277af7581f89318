# fuzzlib.sh: what every libFuzzer build shares, sourced by build.sh and
# build-AREA.sh (each called as "SCRIPT OUTDIR").  CLANG overrides clang.
set -eu
out=${1:?usage: $0 OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${CLANG:=clang}"
mkdir -p "$out"

# fuzz_target NAME ARG...: build OUTDIR/NAME from ARGs (sources, flags,
# libraries) with the fuzzer and ASan+UBSan.
fuzz_target() {
	name=$1
	shift
	$CLANG -std=gnu11 -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined \
		-I"$top/core/include" "$@" -o "$out/$name"
	echo "built $out/$name"
}

# fuzz_core NAME ARG...: the same, with libdevmgr's sources and libraries
# (with xenstore: xs_none.c stands in for the xenstore source only in a
# build without it).
fuzz_core() {
	name=$1
	shift
	core=
	for f in "$top"/core/src/*.c; do
		[ "${f##*/}" = xs_none.c ] || core="$core $f"
	done
	# shellcheck disable=SC2046,SC2086
	fuzz_target "$name" -DDEVMGR_PLUGINDIR='"/nonexistent"' \
		$(pkg-config --cflags jansson xenstore) $core \
		"$@" $(pkg-config --libs jansson xenstore) -ldl -lpthread -lm
}
