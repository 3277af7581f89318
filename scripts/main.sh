#!/bin/sh
# The main job on built-in defaults: install the build dependencies
# (Debian 12), build everything, print "devmgr probe" of the www app's
# built-in configuration, then run www on it: the site (site/, with
# devmgr's guide, docs/ rendered by cmark, under /guide/, made into a FAT
# image with devmgr-fat at build time) in a RAM disk (blk-ram),
# read through fs-fat, served by net-socket on http://127.0.0.1:8080/
# with the access log on stdout, until Ctrl-C.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" build
cd "$top"
[ -x configure ] || autoreconf -fi
mkdir -p build && cd build
[ -f Makefile ] || ../configure --enable-werror
make -j"$(nproc)"
DEVMGR_PLUGIN_PATH=$PWD/plugins/.libs
export DEVMGR_PLUGIN_PATH
cfg=$(mktemp "${TMPDIR:-/tmp}/www-default.XXXXXX.json")
./apps/www/www --print-config >"$cfg"
echo "== devmgr probe (the www app's built-in configuration)"
status=0
./apps/devmgr/devmgr probe -c "$cfg" || status=$?
rm -f "$cfg"
[ "$status" -eq 0 ] || exit "$status"
echo "== www on its built-in configuration: http://127.0.0.1:8080/ and its guide, /guide/ (Ctrl-C stops it)"
exec ./apps/www/www
