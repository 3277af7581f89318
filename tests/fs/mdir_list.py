"""Turn `mdir -/ -a ::/` output into "D /path" and "F /path size" lines
(the long name when there is one, else the 8.3 name as mdir shows it)."""
import re
import sys

ENTRY = re.compile(r"^(.{8}) (.{3}) +(<DIR>|\d+) +\S+ +\S+(?:  (.*))?$")
cur = None
for line in sys.stdin:
    line = line.rstrip()
    if line.startswith("Directory for ::"):
        cur = line[len("Directory for ::"):].rstrip("/")
        continue
    m = ENTRY.match(line)
    if cur is None or not m:
        continue
    base, ext, size, long_name = m.groups()
    name = long_name if long_name else base.rstrip() + (
        "." + ext.rstrip() if ext.strip() else "")
    if name in (".", ".."):
        continue
    path = cur + "/" + name
    if size == "<DIR>":
        print("D " + path)
    else:
        print("F %s %s" % (path, size))
