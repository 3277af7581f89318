#!/bin/sh
# The configuration schema and docs/providers.md agree with the shipped
# providers' parameter tables (tests/schema/providers.py).
srcdir=${srcdir:-.}
python=${PYTHON3_SYS:-/usr/bin/python3}
exec "$python" "$srcdir/tests/schema/providers.py" \
	--devmgr "${top_builddir:-.}/apps/devmgr/devmgr" --srcdir "$srcdir" check
