#!/usr/bin/env python3
"""Judge a real Xen guest run from its serial log.

Usage: check.py SERIAL_LOG SCENARIOS TOP END

Every scenario named in SCENARIOS (comma-separated) must have reported
"@@RESULT s PASS"; scenario a's probe output (handed out by dom0 as
"@@DATA a.probe <base64 of gzip>") must validate against
schemas/probe.schema.json and list the boot vbd and vif.  A failing or
missing scenario prints the log lines that show why: its own section of
the log (steps, the guest's answers, the diagnostics dom0 gathered)."""
import base64
import gzip
import json
import re
import sys

import jsonschema

log_path, scenarios, top, end = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4]
with open(log_path, "rb") as f:
    lines = [l.decode("utf-8", "replace").rstrip("\r\n") for l in f]

failed = 0


def section(s):
    """The log lines of scenario s, from its @@BEGIN to its @@RESULT."""
    out, inside = [], False
    for l in lines:
        if l.startswith("@@BEGIN %s " % s):
            inside = True
        if inside:
            out.append(l)
        if inside and l.startswith("@@RESULT %s " % s):
            break
    return out


def fail(s, why, show):
    global failed
    failed += 1
    print("xen-guest: FAIL %s: %s" % (s, why))
    for l in show[-150:]:
        print("  " + l)


def check_probe(s):
    data = [l.split(" ", 2)[2] for l in lines if l.startswith("@@DATA %s.probe " % s)]
    if not data:
        return "no probe output handed out"
    try:
        doc = json.loads(gzip.decompress(base64.b64decode(data[-1])))
    except (ValueError, OSError, EOFError) as e:
        return "probe output unreadable: %s" % e
    with open(top + "/schemas/probe.schema.json") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft202012Validator(schema).validate(doc)
    except jsonschema.ValidationError as e:
        return "probe --json does not match schemas/probe.schema.json: %s" % e.message
    devs = {d["id"]: d for d in doc["devices"]}
    want = {
        "vbd-51712": ("blk-file", r"^/local/domain/[0-9]+/device/vbd/51712$"),
        "vif-0": ("net-packet", r"^/local/domain/[0-9]+/device/vif/0$"),
    }
    for id_, (prov, src) in want.items():
        d = devs.get(id_)
        if not d:
            return "probe lists no %s (it lists %s)" % (id_, sorted(devs))
        if d["provider"] != prov or d["state"] != "ok":
            return "%s: provider %s state %s (%s), expected %s ok" % (
                id_, d["provider"], d["state"], d.get("error", ""), prov)
        if not re.match(src, d.get("source", "")):
            return "%s: source %r, expected %s" % (id_, d.get("source"), src)
    print("xen-guest: a: probe output valid; %s" % ", ".join(
        "%s (%s, %s)" % (i, devs[i]["provider"], devs[i]["source"]) for i in want))
    return None


for s in scenarios:
    sec = section(s)
    results = [l for l in sec if l.startswith("@@RESULT %s " % s)]
    steps = [l for l in sec if l.startswith("@@STEP ")]
    if not sec:
        fail(s, "never started (boot ended: %s)" % end, lines[-80:])
        continue
    if not results:
        fail(s, "did not finish (boot ended: %s)" % end, sec)
        continue
    if results[0].split()[2] != "PASS":
        bad = [l for l in steps if " FAIL " in l]
        fail(s, bad[0][7:] if bad else results[0], sec)
        continue
    if s == "a":
        why = check_probe(s)
        if why:
            fail(s, why, sec)
            continue
    print("xen-guest: PASS %s (%d steps)" % (s, len(steps)))

ok = len(scenarios) - failed
print("xen-guest: %d passed, %d failed" % (ok, failed))
sys.exit(1 if failed else 0)
