#!/bin/sh
# core_deps.sh: no circle among the core's files (scripts/core-deps.sh
# reads the objects libdevmgr is built from: which file defines and which
# uses each global symbol).
: "${top_srcdir:?}" "${top_builddir:?}"
exec sh "$top_srcdir/scripts/core-deps.sh" "$top_builddir/core/src/.libs"
