#!/usr/bin/env python3
"""providers.py: keep the configuration schema and docs/providers.md in
step with the shipped providers' own parameter tables.

The tables in the providers' C code are the one source: `devmgr inspect
--json` prints them, and this script checks (or writes) from that output

  - schemas/devmgr-config.schema.json: a `$defs/provider-NAME` for each
    shipped provider, whose properties, types and required keys are the
    table's (hand-written refinements such as an enum of sector sizes are
    kept as long as the keys and types agree), and the `if provider ==
    NAME then provider-NAME` rule that applies it;
  - docs/providers.md: one parameter table per provider.

Usage:
  providers.py --devmgr BIN --srcdir DIR check    (exit 1 on a difference)
  providers.py --devmgr BIN --srcdir DIR update   (rewrites
                                                   docs/providers.md)
  providers.py --devmgr BIN --srcdir DIR add      (writes a definition and
                                                   a rule into the schema for
                                                   each provider it lacks,
                                                   to be refined by hand)
The plugin folder comes from DEVMGR_PLUGIN_PATH, as for devmgr itself.
"""
import argparse
import json
import os
import subprocess
import sys

SCHEMA = "schemas/devmgr-config.schema.json"
DOC = "docs/providers.md"

JSON_TYPE = {"string": "string", "bool": "boolean", "int": "integer",
             "size": None, "path": None}
REF = {"size": "#/$defs/size", "path": "#/$defs/path"}


def devmgr(binary, *args):
    out = subprocess.run([binary, *args], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def shipped(binary):
    """Every provider of a plugin file (not of the program itself)."""
    plugins = devmgr(binary, "plugins", "--json")["plugins"]
    names = sorted(p["name"] for pl in plugins for p in pl["providers"])
    return [devmgr(binary, "inspect", "--json", n) for n in names]


def param_schema(p):
    s = {}
    if p["type"] in REF:
        s["$ref"] = REF[p["type"]]
    else:
        s["type"] = JSON_TYPE[p["type"]]
    if "min" in p and p["type"] == "int":
        s["minimum"] = p["min"]
    if "max" in p and p["type"] == "int":
        s["maximum"] = p["max"]
    if p["default"] is not None:
        s["default"] = p["default"]
    s["description"] = p["help"]
    return s


def provider_def(prov):
    params = prov["parameters"]
    d = {"description": "%s (%s): %s." % (prov["name"], prov["signature"],
                                           prov["help"])}
    req = [p["name"] for p in params if p["required"]]
    if prov["on"] and prov["on"]["min"] > 0:
        req.insert(0, "on")
    if req:
        d["required"] = req
    one_of = [p["name"] for p in params if p.get("one_of")]
    if one_of:
        d["anyOf"] = [{"required": [n]} for n in one_of]
    props = {"provider": True}
    if prov["on"]:
        props["on"] = True
    for p in params:
        props[p["name"]] = param_schema(p)
    d["properties"] = props
    d["additionalProperties"] = False
    return d


def rule(name):
    return {"if": {"required": ["provider"],
                   "properties": {"provider": {"const": name}}},
            "then": {"$ref": "#/$defs/provider-" + name}}


def check_def(prov, d):
    """Differences between a provider's table and its schema definition."""
    errs = []
    name = prov["name"]
    want = {"provider"} | {p["name"] for p in prov["parameters"]}
    if prov["on"]:
        want.add("on")
    have = set(d.get("properties", {}))
    if have != want:
        errs.append("%s: schema keys %s, provider declares %s" %
                    (name, sorted(have), sorted(want)))
    if d.get("additionalProperties") is not False:
        errs.append("%s: schema must refuse unknown keys" % name)
    req = {p["name"] for p in prov["parameters"] if p["required"]}
    have_req = set(d.get("required", [])) - {"on"}
    if have_req != req:
        errs.append("%s: schema requires %s, provider requires %s" %
                    (name, sorted(have_req), sorted(req)))
    one_of = sorted(p["name"] for p in prov["parameters"] if p.get("one_of"))
    have_one = sorted(r["required"][0] for r in d.get("anyOf", []))
    if one_of != have_one:
        errs.append("%s: schema one-of %s, provider one-of %s" %
                    (name, have_one, one_of))
    for p in prov["parameters"]:
        s = d.get("properties", {}).get(p["name"])
        if not isinstance(s, dict):
            continue
        if p["type"] in REF:
            ok = s.get("$ref") == REF[p["type"]]
        else:
            ok = s.get("type") == JSON_TYPE[p["type"]] or \
                (p["type"] == "int" and s.get("$ref") == "#/$defs/sectorSize")
        if not ok:
            errs.append("%s: parameter %s is %s in the provider, %s in the "
                        "schema" % (name, p["name"], p["type"],
                                    s.get("type", s.get("$ref"))))
    return errs


def add_text(path, key, d, r):
    """Insert a definition and its rule as text, keeping the file's own
    layout: the definition first among the provider definitions, the rule
    last among the device's rules."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    body = json.dumps(d, indent=2, ensure_ascii=False)
    body = body.replace("\n", "\n    ")
    mark = '    "provider-'
    at = text.index(mark)
    text = text[:at] + '    "%s": %s,\n' % (key, body) + text[at:]
    rules_end = text.index('\n      ]', text.index('"allOf"',
                                                   text.index('"device"')))
    text = (text[:rules_end] + ',\n        ' + json.dumps(r) +
            text[rules_end:])
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def markdown(provs):
    out = ["# Provider parameters", "",
           "Generated by `tests/schema/providers.py update` from the "
           "providers' own tables",
           "(the same that `devmgr inspect PROVIDER` prints); `make check` "
           "fails when it is",
           "out of date. Sizes take K, M or G suffixes; paths are relative "
           "to the",
           "configuration's folder. *one of*: at least one of the parameters "
           "so marked",
           "must be given.", ""]
    for prov in provs:
        out.append("## %s" % prov["name"])
        out.append("")
        on = ""
        if prov["on"]:
            on = " Stacked `on` %d to %d `%s` device(s)." % (
                prov["on"]["min"], prov["on"]["max"], prov["on"]["signature"])
        xen = ""
        if prov["xen_class"]:
            xen = " Xen class `%s`." % prov["xen_class"]
        out.append("Signature `%s` %s: %s.%s%s" % (
            prov["signature"], prov["version"], prov["help"], on, xen))
        out.append("")
        if not prov["parameters"]:
            out.append("No parameters.")
            out.append("")
            continue
        out.append("| parameter | type | required | default | meaning |")
        out.append("| --- | --- | --- | --- | --- |")
        for p in prov["parameters"]:
            req = "yes" if p["required"] else (
                "one of" if p.get("one_of") else "no")
            dflt = "-" if p["default"] is None else \
                "`%s`" % json.dumps(p["default"])
            rng = ""
            if "min" in p or "max" in p:
                rng = " (%s to %s)" % (p.get("min", ""), p.get("max", ""))
            out.append("| `%s` | %s | %s | %s | %s%s |" % (
                p["name"], p["type"], req, dflt,
                p["help"].replace("|", "\\|"), rng))
        out.append("")
    return "\n".join(out)


def built_only(text, provs):
    """text without the sections of providers this build leaves out (a
    build --without-xenstore has no blk-xen): the full build checks them."""
    names = {p["name"] for p in provs}
    parts = text.split("\n## ")
    kept = [parts[0]]
    for part in parts[1:]:
        name = part.split("\n", 1)[0].strip()
        if name in names:
            kept.append(part)
        else:
            print("providers.py: %s: documented, not in this build" % name,
                  file=sys.stderr)
    return "\n## ".join(kept)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devmgr", required=True)
    ap.add_argument("--srcdir", default=".")
    ap.add_argument("action", choices=["check", "update", "add"])
    a = ap.parse_args()
    provs = shipped(a.devmgr)
    spath = os.path.join(a.srcdir, SCHEMA)
    with open(spath, encoding="utf-8") as f:
        schema = json.load(f)
    defs = schema["$defs"]
    rules = defs["device"]["allOf"]
    ruled = {r["if"]["properties"]["provider"]["const"] for r in rules}
    doc = markdown(provs) + "\n"
    dpath = os.path.join(a.srcdir, DOC)
    errs = []
    for prov in provs:
        key = "provider-" + prov["name"]
        if key not in defs:
            if a.action == "add":
                add_text(spath, key, provider_def(prov), rule(prov["name"]))
                continue
            errs.append("%s: no %s in %s" % (prov["name"], key, SCHEMA))
            continue
        if prov["name"] not in ruled:
            errs.append("%s: no rule applies %s in %s" %
                        (prov["name"], key, SCHEMA))
        errs += check_def(prov, defs[key])
    try:
        with open(dpath, encoding="utf-8") as f:
            old_doc = f.read()
    except FileNotFoundError:
        old_doc = ""
    if a.action == "update":
        with open(dpath, "w", encoding="utf-8") as f:
            f.write(doc)
    elif built_only(old_doc, provs) != doc:
        errs.append("%s is out of date: run tests/schema/providers.py "
                    "update" % DOC)
    for e in errs:
        print("providers.py: " + e, file=sys.stderr)
    print("%d providers, %d difference(s)" % (len(provs), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
