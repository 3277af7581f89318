#!/bin/sh
# The main job on built-in defaults: build devmgr, show "devmgr probe" on the
# built-in configuration (a console and a 1 MiB RAM disk), and run the
# blkdump app, through "devmgr run" and as its own executable.
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
echo "== devmgr probe (built-in configuration)"
./apps/devmgr/devmgr probe
echo "== devmgr run blkdump (sector 0 of the RAM disk)"
./apps/devmgr/devmgr run blkdump
echo "== blkdump as its own executable, on examples/default.json"
./apps/blkdump/blkdump -c ../examples/default.json
