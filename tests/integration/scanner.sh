#!/bin/sh
# scanner.sh: plugin files are loaded first in a child process (the
# scanner, core/src/scan.c), so that a constructor that crashes, aborts,
# exits or never returns, or a truncated file, is one refusal line naming
# the file and the reason while the other plugins load; the verdicts are
# cached per user, a file that killed the scanner stays refused until it
# changes, and --rescan forgets the cache.
# Needs: top_builddir (tests/local.mk exports it).

: "${top_builddir:?}"
umask 022

DEVMGR=$top_builddir/apps/devmgr/devmgr
GOOD=$top_builddir/plugins/.libs
HOSTILE=$top_builddir/tests/plugins/hostile/.libs
PASS_SO=$top_builddir/tests/plugins/.libs/test-blk-pass.so
for f in "$DEVMGR" "$GOOD/blk-ram.so" "$PASS_SO" "$HOSTILE/hostile-segv.so" \
	"$HOSTILE/hostile-abort.so" "$HOSTILE/hostile-exit.so" \
	"$HOSTILE/hostile-loop.so"; do
	[ -e "$f" ] || { echo "scanner.sh: $f is missing (run make check)" >&2; exit 99; }
done

tmp=$top_builddir/tests/integration/scanner.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp/bad" "$tmp/cache" || exit 99
tmp=$(cd "$tmp" && pwd -P)
GOOD=$(cd "$GOOD" && pwd -P)
trap 'rm -rf "$tmp"' EXIT
unset DEVMGR_PLUGIN_PATH
export XDG_CACHE_HOME=$tmp/cache
# The loop plugin costs one timeout per scan.
export DEVMGR_SCAN_TIMEOUT_MS=1500

for k in segv abort exit loop; do
	cp "$HOSTILE/hostile-$k.so" "$tmp/bad/" || exit 99
done
# Cut short inside its program's segments: ld.so maps pages past the end
# of the file, and touching them is SIGBUS (or dlopen sees it first).
cp "$GOOD/blk-file.so" "$tmp/bad/truncated.so" &&
	truncate -s 6000 "$tmp/bad/truncated.so" || exit 99

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s "$tmp/out" ] && grep -v '^  \(/\|provider \|app \)' "$tmp/out" |
		tail -n 12 | sed 's/^/  stdout: /'
	[ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err"
}

# run ARGS...: devmgr with the bad folder after the good one, bounded.
run() {
	t0=$(date +%s%N)
	timeout 60 "$DEVMGR" --plugin-path "$GOOD" --plugin-path "$tmp/bad" \
		"$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
}

# refusal NAME FILE PATTERN: exactly one warning line names FILE, and it
# matches the extended regular expression PATTERN.
refusal() {
	n=$(grep -cF "warning: $2: " "$tmp/err")
	if [ "$n" != 1 ]; then
		fail "$1: $n warning lines name $2, expected 1"
		return 1
	fi
	if ! grep -F "warning: $2: " "$tmp/err" | grep -Eq "$3"; then
		fail "$1: the warning for $2 does not match /$3/"
		return 1
	fi
	return 0
}

good_loaded() {
	for p in blk-ram blk-file console-stdio console-file; do
		grep -q "^  provider $p  *[a-z]" "$tmp/out" && continue
		fail "$1: provider $p of the good plugins is not listed"
		return 1
	done
}

all_refused() { # NAME [SUFFIX-PATTERN]
	refusal "$1" "$tmp/bad/hostile-segv.so" \
		"loading it killed the scanner with SIGSEGV \(signal 11\)$2" &&
		refusal "$1" "$tmp/bad/hostile-abort.so" \
			"loading it killed the scanner with SIGABRT \(signal 6\)$2" &&
		refusal "$1" "$tmp/bad/hostile-exit.so" \
			"loading it made the scanner exit with status 0$2" &&
		refusal "$1" "$tmp/bad/hostile-loop.so" \
			"loading it did not finish within 1500 ms \(a constructor that never returns\?\)$2" &&
		refusal "$1" "$tmp/bad/truncated.so" \
			"cannot load: |loading it killed the scanner with SIGBUS \(signal 7\)" &&
		good_loaded "$1"
}

name="first scan: each hostile file refused, the rest loaded"
run plugins
if [ "$st" = 1 ] && [ "$(wc -l <"$tmp/err")" = 5 ] && all_refused "$name" '$'; then
	ok "$name"
elif [ "$st" != 1 ]; then
	fail "$name: exit status $st, expected 1"
elif [ "$(wc -l <"$tmp/err")" != 5 ]; then
	fail "$name: $(wc -l <"$tmp/err") lines on stderr, expected 5"
fi
first_ms=$ms

# The cache is the build signature on a line, then one tree in the form
# that core/src/scan_record.c describes (n, i<int>;, s<len>:, a<n>:, o<n>:).
cat >"$tmp/cachefmt.py" <<'PY'
import sys

def load(b, i=0):
    c = b[i:i + 1]
    if c == b"n":
        return None, i + 1
    j = b.index(b";" if c == b"i" else b":", i)
    n = int(b[i + 1:j])
    if c == b"i":
        return n, j + 1
    if c == b"s":
        return b[j + 1:j + 1 + n].decode(), j + 1 + n
    i, out = j + 1, ([] if c == b"a" else {})
    for _ in range(n):
        if c == b"a":
            v, i = load(b, i)
            out.append(v)
        else:
            k, i = load(b, i)
            out[k], i = load(b, i)
    return out, i

def dump(v):
    if v is None:
        return b"n"
    if isinstance(v, int):
        return b"i%d;" % v
    if isinstance(v, str):
        e = v.encode()
        return b"s%d:" % len(e) + e
    if isinstance(v, list):
        return b"a%d:" % len(v) + b"".join(dump(x) for x in v)
    return b"o%d:" % len(v) + b"".join(dump(k) + dump(x) for k, x in v.items())

def read(path):
    head, _, body = open(path, "rb").read().partition(b"\n")
    return head, load(body)[0]

def write(path, head, tree):
    open(path, "wb").write(head + b"\n" + dump(tree))
PY
name="the cache holds an entry per file, with the records of good ones"
c=$tmp/cache/devmgr/plugins-v3
count() { # count VERDICT [PATH-PREFIX]: entries of the cache
	PYTHONPATH=$tmp python3 -c 'import cachefmt, sys
d = cachefmt.read(sys.argv[1])[1]
print(sum(1 for f in d["files"] if f["verdict"] == sys.argv[2]
	  and f["path"].startswith(sys.argv[3])
	  and (f["verdict"] != "ok" or "providers" in f["plugin"])))' "$c" "$@"
}
if [ -f "$c" ] && [ "$(count killed "$tmp/bad/")" -ge 4 ] &&
	[ "$(count killed "$tmp/bad/")" -le 5 ] &&
	[ "$(count ok "$DEVMGR_PLUGIN_PATH/")" -ge 10 ] &&
	[ "$(stat -c %a "$tmp/cache/devmgr")" = 700 ]; then
	ok "$name"
else
	fail "$name"
	[ -f "$c" ] && sed 's/^/  cache: /' "$c"
fi

name="warm start: the same refusals, from the cache, no scan (no timeout)"
run plugins
if [ "$st" != 1 ] || [ "$(wc -l <"$tmp/err")" != 5 ]; then
	fail "$name: exit status $st and $(wc -l <"$tmp/err") lines on stderr, expected 1 and 5"
elif [ "$ms" -ge 1500 ]; then
	fail "$name: took $ms ms: the looping plugin was scanned again (first run $first_ms ms)"
elif all_refused "$name" ' \(an earlier scan; refused until the file changes\)$'; then
	ok "$name"
fi

name="validate and probe of a configuration that uses a good plugin"
cat >"$tmp/ram.json" <<'JSON'
{ "devmgr": 1, "devices": { "d": { "provider": "blk-ram", "size": "1M" } } }
JSON
run validate -c "$tmp/ram.json"
v=$st
run -q probe -c "$tmp/ram.json"
if [ "$v" = 0 ] && [ "$st" = 0 ] && grep -q 'blk-ram' "$tmp/out"; then
	ok "$name"
else
	fail "$name: validate exit $v, probe exit $st"
fi

name="a changed file is scanned again (same size and mtime, new content)"
# One byte of hostile-exit.so's .comment section changed, its size and
# mtime kept: only the content hash tells the files apart.
f=$tmp/bad/hostile-exit.so
touch -r "$f" "$tmp/stamp"
python3 - "$f" <<'PY' || exit 99
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.find(b"GCC: (")
if i < 0:
    sys.exit(1)
b[i] = ord("g")
open(p, "r+b").write(b)
PY
touch -r "$tmp/stamp" "$f"
run plugins
if refusal "$name" "$f" "loading it made the scanner exit with status 0$" &&
	refusal "$name" "$tmp/bad/hostile-abort.so" "an earlier scan"; then
	ok "$name"
fi
name="a file that changed into a good plugin loads"
cp "$PASS_SO" "$tmp/bad/hostile-segv.so" || exit 99
run plugins
if [ "$(grep -cF "$tmp/bad/hostile-segv.so" "$tmp/err")" = 0 ] &&
	grep -q "^  provider test-blk-pass " "$tmp/out"; then
	ok "$name"
else
	fail "$name"
fi
cp "$HOSTILE/hostile-segv.so" "$tmp/bad/" || exit 99

name="--rescan forgets the cache"
run plugins --rescan
if [ "$st" != 1 ]; then
	fail "$name: exit status $st, expected 1"
elif [ "$ms" -lt 1500 ]; then
	fail "$name: took $ms ms: the looping plugin was not scanned"
elif all_refused "$name" '$'; then
	ok "$name"
fi

name="an unwritable cache: the scan still works"
chmod 0500 "$tmp/cache/devmgr"
run plugins
chmod 0700 "$tmp/cache/devmgr"
if [ "$st" = 1 ] && [ "$(wc -l <"$tmp/err")" = 5 ] && good_loaded "$name"; then
	ok "$name"
else
	fail "$name: exit $st"
fi

name="a cache whose records are hostile is not believed"
PYTHONPATH=$tmp python3 -c 'import cachefmt, sys
head, d = cachefmt.read(sys.argv[1])
for i, f in enumerate(d["files"]):
	if f["verdict"] == "ok":
		for p in f["plugin"]["providers"]:
			if i % 2:
				p["params"] = [["x", 99, 0, None, None, 0, 0]] * 70
			else:
				p["sig"] = "no-such-signature"
	else:
		f["verdict"] = "ok"
		f["plugin"] = {"name": "", "providers": "a"}
cachefmt.write(sys.argv[1], head, d)' "$c"
run plugins
if [ "$st" != 1 ]; then
	fail "$name: exit status $st, expected 1"
elif all_refused "$name" '$' && good_loaded "$name"; then
	ok "$name"
fi

name="a corrupt cache is ignored"
printf 'garbage\n\001\002\n' >"$tmp/cache/devmgr/plugins-v3"
run plugins
if [ "$st" != 1 ]; then
	fail "$name: exit status $st, expected 1"
elif all_refused "$name" '$'; then
	ok "$name"
fi

name="a bad DEVMGR_SCAN_TIMEOUT_MS is said and the default used"
rm -f "$tmp/bad/hostile-loop.so"
DEVMGR_SCAN_TIMEOUT_MS=-3 run plugins --rescan
if grep -qF 'DEVMGR_SCAN_TIMEOUT_MS: "-3" is not a number of milliseconds from 1 to 3600000; using 5000' "$tmp/err"; then
	ok "$name"
else
	fail "$name"
fi

echo "scanner.sh: $passed passed, $failed failed"
[ "$failed" = 0 ]
