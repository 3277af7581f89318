#!/usr/bin/python3
"""Read "mdir -a" output on stdin; print one line per entry, "K SIZE NAME",
as the devmgr-fat tests compare it with "devmgr-fat ls -l": K is "d" for
a folder (SIZE 0) or "-" for a file, NAME the long name when there is one,
else the 8.3 name as BASE.EXT.  "." and ".." are left out."""
import re
import sys

ENTRY = re.compile(r"^(.{8}) (.{3}) +(<DIR>|\d+) +\d{4}-\d\d-\d\d +\d+:\d\d")


def main():
    for line in sys.stdin.read().splitlines():
        m = ENTRY.match(line)
        if not m:
            continue
        base, ext, size = m.groups()
        # After the time: nothing (a trailing space), or two spaces and
        # the long name, which may start with a space but not end with one.
        rest = line[m.end():]
        name = rest[2:].rstrip() if rest.strip() else ""
        if not name:
            name = base.rstrip()
            if ext.strip():
                name += "." + ext.rstrip()
        if name in (".", ".."):
            continue
        if size == "<DIR>":
            print("d 0 %s" % name)
        else:
            print("- %s %s" % (size, name))


if __name__ == "__main__":
    main()
