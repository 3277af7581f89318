"""loopcheck.py BEFORE AFTER FOLDER: nothing outside FOLDER changed.

FOLDER (8.3 names, "/DIR1") and everything reachable below it in BEFORE
is what an operation on FOLDER may change: its clusters, their FAT
entries.  Entries that lead back to the root or to a folder on their own
path (loops) are not followed.  Everything else must be byte for byte
as before: the reserved sectors (but FSInfo's free count and hint), every
FAT copy's entries of other clusters (but FAT[1], the dirty bit), the
FAT12/16 root folder, and every other data cluster.  Prints what differs
and exits 1 when anything does."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corrupt import Vol  # noqa: E402


def subtree(v, folder):
    _, top = v.lookup(folder)
    owned = set()
    stack = [(top, (v.root_clus(),))]
    while stack:
        c, path = stack.pop()
        if c in path or c in owned:
            continue
        owned.update(v.chain(c))
        for o in v.dir_entries(c):
            e = v.b[o:o + 32]
            if e[0] == 0xE5 or e[11] == 0x0F or e[11] & 0x08:
                continue
            if bytes(e[:2]) in (b". ", b".."):
                continue
            k = v.clus(o)
            if e[11] & 0x10:
                stack.append((k, path + (c,)))
            else:
                owned.update(v.chain(k))
    return owned


def fat_entry(v, b, copy, c):
    base = (v.rsvd + copy * v.fatsz) * v.ss
    if v.kind == 32:
        return b[base + 4 * c:base + 4 * c + 4]
    if v.kind == 16:
        return b[base + 2 * c:base + 2 * c + 2]
    o = base + c * 3 // 2
    return b[o:o + 2]  # FAT12: the two bytes holding the 12 bits


def main():
    before, after = Vol(sys.argv[1]), Vol(sys.argv[2])
    owned = subtree(before, sys.argv[3])
    a, b = before.b, after.b
    bad = []
    fsinfo = None
    if before.kind == 32:
        fsinfo = int.from_bytes(a[48:50], "little") * before.ss
    for off in range(0, before.rsvd * before.ss):
        if fsinfo is not None and fsinfo + 488 <= off < fsinfo + 496:
            continue
        if a[off] != b[off]:
            bad.append("reserved sector byte %d" % off)
            break
    for copy in range(before.nfats):
        for c in range(2, before.n + 2):
            if c in owned:
                continue
            if before.kind == 12 and (c - 1 in owned or c + 1 in owned):
                continue  # shares a byte with an owned entry
            if fat_entry(before, a, copy, c) != fat_entry(before, b, copy, c):
                bad.append("FAT %d entry of cluster %d" % (copy + 1, c))
    if before.kind != 32:
        r = before.root_off()
        if a[r:r + before.rootents * 32] != b[r:r + before.rootents * 32]:
            bad.append("the root folder")
    cb = before.spc * before.ss
    for c in range(2, before.n + 2):
        if c in owned:
            continue
        o = before.clus_off(c)
        if a[o:o + cb] != b[o:o + cb]:
            bad.append("data cluster %d" % c)
    for line in bad[:20]:
        print("changed outside %s: %s" % (sys.argv[3], line))
    print("%d clusters belong to %s; %d regions outside it changed"
          % (len(owned), sys.argv[3], len(bad)))
    sys.exit(1 if bad else 0)


main()
