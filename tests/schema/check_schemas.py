#!/usr/bin/python3
"""Check devmgr's JSON Schemas, and documents against them.

    check_schemas.py SRCDIR
        (a) every schemas/*.json is a valid JSON Schema 2020-12;
        (b) every examples/**/*.json and tests/config/valid/*/config.json
            validates against schemas/devmgr-config.schema.json;
        (c) every tests/config/invalid/<case> has a one-line `error` file,
            and its `schema` file ("refused" or "accepted") holds: the
            schema (or, for syntax cases, the JSON parser) refuses the
            case, or accepts it, which shows that only devmgr catches it.

    check_schemas.py [SRCDIR] --instance SCHEMA FILE [--lines]
        validate FILE ("-" for stdin) against SCHEMA (a path, or a name
        such as "probe" for SRCDIR/schemas/probe.schema.json); with
        --lines, every non-empty line of FILE is one document (for
        "devmgr watch").  --instance may be given more than once.

Prints one line per check, then "N passed, M failed"; exits 1 if any
check failed, 2 on a usage error.  Uses Debian's python3-jsonschema:
run it with /usr/bin/python3.
"""

import argparse
import glob
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:  # pragma: no cover - depends on the host
    sys.stderr.write("check_schemas.py: %s (install python3-jsonschema and "
                     "run with /usr/bin/python3)\n" % e)
    sys.exit(99)

CONFIG_SCHEMA = "devmgr-config.schema.json"


class ParseError(Exception):
    pass


def _no_duplicates(pairs):
    # devmgr loads with JSON_REJECT_DUPLICATES; Python keeps the last one.
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ParseError("duplicate object key %s" % json.dumps(key))
        seen[key] = value
    return seen


def _no_constant(name):
    # Python accepts NaN and Infinity, which are not JSON (nor jansson).
    raise ParseError("invalid literal %s" % name)


def parse_json(text):
    """Parse text as strictly as devmgr's jansson does; ParseError if not."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates,
                          parse_constant=_no_constant)
    except ValueError as e:
        raise ParseError(str(e))


def load_json_file(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError("not UTF-8: %s" % e)
    return parse_json(text)


def escape(text):
    """As devmgr prints untrusted strings: control characters as \\xHH."""
    return "".join("\\x%02x" % ord(c) if ord(c) < 0x20 or ord(c) == 0x7f
                   else c for c in text)


def pointer(error):
    """The JSON pointer of where a schema error is, as devmgr prints it."""
    return escape("/" + "/".join(str(p).replace("~", "~0").replace("/", "~1")
                                 for p in error.absolute_path))


def describe(error):
    """One line naming where in the document a schema error is."""
    return "%s: %s" % (pointer(error), error.message)


def within(path, expected):
    """True if the schema's error at path lies on the way to expected."""
    if expected.endswith("..."):
        # devmgr cuts a pointer too long to print; compare what is shown.
        cut = expected[:-3]
        return path == "/" or path.startswith(cut) or cut.startswith(path + "/")
    return (path == "/" or expected == path
            or expected.startswith(path + "/"))


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, what):
        self.passed += 1
        print("PASS: %s" % what)

    def fail(self, what, why):
        self.failed += 1
        print("FAIL: %s: %s" % (what, why))

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def make_validator(schema_path):
    schema = load_json_file(schema_path)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def first_error(validator, instance):
    """The most telling schema error (jsonschema's best_match), or None."""
    return jsonschema.exceptions.best_match(validator.iter_errors(instance))


def rel(path, srcdir):
    return os.path.relpath(path, srcdir)


def check_schemas(chk, srcdir):
    """(a) Every schema is a valid 2020-12 schema with an $id."""
    validators = {}
    paths = sorted(glob.glob(os.path.join(srcdir, "schemas", "*.json")))
    if not paths:
        chk.fail("schemas/", "no schema found")
    for path in paths:
        name = rel(path, srcdir)
        try:
            schema = load_json_file(path)
            if schema.get("$schema") != Draft202012Validator.META_SCHEMA["$id"]:
                raise ValueError("$schema is not %s"
                                 % Draft202012Validator.META_SCHEMA["$id"])
            if "$id" not in schema:
                raise ValueError("no $id")
            Draft202012Validator.check_schema(schema)
        except (ParseError, ValueError, OSError) as e:
            chk.fail("schema %s" % name, e)
            continue
        except jsonschema.exceptions.SchemaError as e:
            chk.fail("schema %s" % name, describe(e))
            continue
        validators[os.path.basename(path)] = Draft202012Validator(schema)
        chk.ok("schema %s is a valid JSON Schema 2020-12" % name)
    return validators


def check_valid(chk, srcdir, validator):
    """(b) Examples and valid configurations validate."""
    paths = sorted(
        glob.glob(os.path.join(srcdir, "examples", "**", "*.json"),
                  recursive=True)
        + glob.glob(os.path.join(srcdir, "tests", "config", "valid", "*",
                                 "config.json")))
    for path in paths:
        name = rel(path, srcdir)
        try:
            instance = load_json_file(path)
        except (ParseError, OSError) as e:
            chk.fail("valid %s" % name, "cannot parse: %s" % e)
            continue
        err = first_error(validator, instance)
        if err is None:
            chk.ok("valid %s" % name)
        else:
            chk.fail("valid %s" % name, describe(err))


def expected_pointer(error_line):
    """The JSON pointer of an expected "@FILE@: /ptr: text" line, or None
    for a syntax error ("@FILE@:LINE:COLUMN: text")."""
    rest = error_line[len("@FILE@"):]
    if not rest.startswith(": /"):
        return None
    return rest[2:].split(": ", 1)[0]


def read_line_file(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def check_invalid(chk, srcdir, validator):
    """(c) Invalid cases: a one-line error, and the schema's verdict."""
    base = os.path.join(srcdir, "tests", "config", "invalid")
    for case in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        d = os.path.join(base, case)
        if not os.path.isdir(d):
            continue
        what = "invalid %s" % case
        try:
            error = read_line_file(os.path.join(d, "error"))
        except OSError as e:
            chk.fail(what, "no error file: %s" % e)
            continue
        lines = error.split("\n")
        if len(lines) != 2 or lines[1] != "" or not lines[0].startswith("@FILE@:"):
            chk.fail(what, "error file is not one line starting with @FILE@:")
            continue
        verdict_path = os.path.join(d, "schema")
        if not os.path.exists(verdict_path):
            print("SKIP: %s: no schema file" % what)
            continue
        verdict = read_line_file(verdict_path).strip()
        if verdict not in ("refused", "accepted"):
            chk.fail(what, "schema file says %r, not refused or accepted"
                     % verdict)
            continue
        try:
            instance = load_json_file(os.path.join(d, "config.json"))
        except ParseError as e:
            if verdict == "refused":
                chk.ok("%s is refused by the JSON parser (%s)" % (what, e))
            else:
                chk.fail(what, "marked accepted but does not parse: %s" % e)
            continue
        except OSError as e:
            chk.fail(what, e)
            continue
        err = first_error(validator, instance)
        expected = expected_pointer(lines[0])
        stray = [e for e in validator.iter_errors(instance)
                 if expected is not None and not within(pointer(e), expected)]
        if verdict == "refused" and stray:
            # A case holds one mistake: the schema must not find another.
            chk.fail(what, "the schema also refuses %s, away from %s"
                     % (describe(stray[0]), expected))
        elif verdict == "refused" and err is not None:
            chk.ok("%s is refused by the schema (%s)" % (what, describe(err)))
        elif verdict == "refused":
            chk.fail(what, "marked refused but the schema accepts it")
        elif err is None:
            chk.ok("%s is accepted by the schema (only devmgr refuses it)"
                   % what)
        else:
            chk.fail(what, "marked accepted but the schema refuses it: %s"
                     % describe(err))


def resolve_schema(srcdir, name):
    if os.path.isfile(name):
        return name
    for candidate in (name, name + ".schema.json"):
        path = os.path.join(srcdir or ".", "schemas", candidate)
        if os.path.exists(path):
            return path
    return name


def check_instances(chk, srcdir, pairs, lines):
    for schema_name, file_name in pairs:
        schema_path = resolve_schema(srcdir, schema_name)
        try:
            validator = make_validator(schema_path)
        except (ParseError, OSError) as e:
            chk.fail("schema %s" % schema_path, e)
            continue
        except jsonschema.exceptions.SchemaError as e:
            chk.fail("schema %s" % schema_path, describe(e))
            continue
        label = "<stdin>" if file_name == "-" else file_name
        try:
            if file_name == "-":
                text = sys.stdin.read()
            else:
                with open(file_name, encoding="utf-8") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            chk.fail(label, e)
            continue
        if lines:
            docs = [("%s:%d" % (label, n), line)
                    for n, line in enumerate(text.split("\n"), 1)
                    if line.strip()]
            if not docs:
                chk.fail(label, "no line to check")
        else:
            docs = [(label, text)]
        for where, doc in docs:
            what = "%s against %s" % (where, os.path.basename(schema_path))
            try:
                instance = parse_json(doc)
            except ParseError as e:
                chk.fail(what, "not JSON: %s" % e)
                continue
            err = first_error(validator, instance)
            if err is None:
                chk.ok(what)
            else:
                chk.fail(what, describe(err))


def main(argv):
    ap = argparse.ArgumentParser(
        description="Check devmgr's JSON Schemas, examples and "
                    "configuration cases, or validate documents.")
    ap.add_argument("srcdir", nargs="?",
                    help="the source tree (default: the current folder)")
    ap.add_argument("--instance", nargs=2, action="append",
                    metavar=("SCHEMA", "FILE"),
                    help="validate FILE (- for stdin) against SCHEMA")
    ap.add_argument("--lines", action="store_true",
                    help="with --instance: one JSON document per line")
    args = ap.parse_args(argv)
    chk = Checker()
    if args.instance:
        check_instances(chk, args.srcdir, args.instance, args.lines)
        return chk.summary()
    if args.lines:
        ap.error("--lines goes with --instance")
    srcdir = args.srcdir or "."
    validators = check_schemas(chk, srcdir)
    config = validators.get(CONFIG_SCHEMA)
    if config is None:
        chk.fail("schemas/%s" % CONFIG_SCHEMA, "missing or invalid")
    else:
        check_valid(chk, srcdir, config)
        check_invalid(chk, srcdir, config)
    return chk.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
