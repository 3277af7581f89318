#!/bin/sh
# Run check_schemas.py (the JSON Schemas, the examples and the
# configuration cases) with Debian's python3-jsonschema.  automake's test
# harness exports srcdir; PYTHON3_SYS may name another interpreter.
srcdir=${srcdir:-.}
python=${PYTHON3_SYS:-/usr/bin/python3}
if ! "$python" -c 'import jsonschema' 2>/dev/null; then
	echo "check_schemas.sh: $python cannot import jsonschema" \
		"(install python3-jsonschema)" >&2
	exit 99
fi
exec "$python" "$srcdir/tests/schema/check_schemas.py" "$srcdir"
