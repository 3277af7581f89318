#!/usr/bin/python3
"""Judge "fsck.fat -n" output after an injected I/O error.

usage: fsck_filter.py PATH... < fsck-output

An operation that failed part-way may leave the filesystem "no worse than
the write in progress was lost".  This script accepts exactly these
complaints (docs/fat-tool.md):

  - lost clusters: "Reclaimed N unused cluster(s) ..." (clusters allocated
    for the write in progress that no entry reaches);
  - the dirty bit still set ("Dirty bit is set ..."), which is what the
    bit is for;
  - "FATs differ but appear to be intact" (the second copy of the FAT was
    not updated yet);
  - "Free cluster summary wrong" (the FAT32 FSInfo hint is advisory);
  - any complaint about an entry at or under one of the PATHs given, if
    any: the file or folder that the failed operation was writing.
    faults.sh gives none (fs-fat leaves nothing there for fsck to
    repair); mount_faults.sh gives the folder it was making.

Anything else (another file, cross-linked clusters, a broken folder that
the operation did not touch...) is printed, and the exit status is 1."""
import re
import sys

ALWAYS = [
    r"^fsck\.fat \d",
    r"^$",
    r"^Leaving filesystem unchanged\.$",
    r"^\S+: \d+ files?, \d+/\d+ clusters$",
    r"^Checking we can access the last sector",
    r"^Reclaimed \d+ unused clusters? \(\d+ bytes\)( in \d+ chains?)?\.$",
    r"^Dirty bit is set\.",
    r"^ Automatically removing dirty bit\.$",
    r"^FATs differ but appear to be intact\.$",
    r"^  Using first FAT\.$",
    r"^Free cluster summary wrong",
    r"^  Auto-correcting\.$",
    r"^Free cluster summary uninitialized",
]


def in_progress(line, paths):
    # "/A  and" opens a pair of entries that share clusters.
    p = re.sub(r"\s+and$", "", line.strip()).lower()
    for want in paths:
        w = want.lower().rstrip("/")
        if p == w or p.startswith(w + "/"):
            return True
    return False


def main():
    paths = sys.argv[1:]
    bad = []
    under = False  # the indented lines that follow an accepted path
    for line in sys.stdin.read().splitlines():
        if any(re.search(p, line) for p in ALWAYS):
            under = False
            continue
        if line.startswith("/"):
            under = in_progress(line, paths)
            if under:
                continue
        elif line.startswith("  ") and under:
            continue
        bad.append(line)
    for line in bad:
        print("unacceptable: %s" % line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
