"""Break one thing in a FAT image, in place: corrupt.py IMAGE CASE.

Boot sector cases name a field; the others break the chain or the entry
of the root file F.BIN (several clusters), the root folder D, or the long
name of "Long Name.txt".

"corrupt.py IMAGE point /A/B TARGET" makes the folder entry /A/B (8.3
names) point at the first cluster of the folder TARGET ("/" is the root):
a loop when TARGET is on B's own path.  The module is also imported by
loopcheck.py."""
import struct
import sys


class Vol:
    def __init__(self, path):
        self.path = path
        self.b = bytearray(open(path, "rb").read())
        b = self.b
        (self.ss, self.spc, self.rsvd, self.nfats, self.rootents,
         tot16) = struct.unpack_from("<HBHBHH", b, 11)
        fatsz16, = struct.unpack_from("<H", b, 22)
        tot32, fatsz32 = struct.unpack_from("<II", b, 32)
        self.fatsz = fatsz16 or fatsz32
        tot = tot16 or tot32
        rootsecs = (self.rootents * 32 + self.ss - 1) // self.ss
        self.data = self.rsvd + self.nfats * self.fatsz + rootsecs
        self.n = (tot - self.data) // self.spc
        self.kind = 12 if self.n < 4085 else 16 if self.n < 65525 else 32
        if fatsz16 == 0 and self.rootents == 0:
            self.kind = 32  # the layout decides, as for Linux and fs-fat

    def save(self):
        open(self.path, "wb").write(self.b)

    def set_fat(self, c, v):
        for k in range(self.nfats):
            base = (self.rsvd + k * self.fatsz) * self.ss
            if self.kind == 16:
                struct.pack_into("<H", self.b, base + 2 * c, v & 0xFFFF)
            elif self.kind == 32:
                struct.pack_into("<I", self.b, base + 4 * c, v)
            else:
                raise SystemExit("FAT12 images are not used here")

    def get_fat(self, c):
        base = self.rsvd * self.ss
        if self.kind == 16:
            return struct.unpack_from("<H", self.b, base + 2 * c)[0]
        return struct.unpack_from("<I", self.b, base + 4 * c)[0] & 0x0FFFFFFF

    def root_off(self):
        if self.kind == 32:
            rc, = struct.unpack_from("<I", self.b, 44)
            return (self.data + (rc - 2) * self.spc) * self.ss
        return (self.rsvd + self.nfats * self.fatsz) * self.ss

    def entry(self, name83):
        off = self.root_off()
        for i in range(off, off + 512 * 32, 32):
            if bytes(self.b[i:i + 11]) == name83:
                return i
        raise SystemExit("no entry " + name83.decode())

    def clus_off(self, c):
        return (self.data + (c - 2) * self.spc) * self.ss

    def root_clus(self):
        return struct.unpack_from("<I", self.b, 44)[0] if self.kind == 32 else 0

    def chain(self, c, limit=1 << 20):
        out = []
        while 2 <= c < self.n + 2 and len(out) < limit:
            out.append(c)
            c = self.get_fat(c)
        return out

    def dir_entries(self, c):
        """The 32-byte entries' offsets of the folder at cluster c (0: the
        FAT12/16 root), up to the end marker."""
        if c == 0:
            offs = [self.root_off() + 32 * i for i in range(self.rootents)]
        else:
            cb = self.spc * self.ss
            offs = [self.clus_off(k) + i for k in self.chain(c)
                    for i in range(0, cb, 32)]
        out = []
        for o in offs:
            if self.b[o] == 0:
                break
            out.append(o)
        return out

    def read(self, path):
        """The bytes of the file at path (8.3 names), through its chain."""
        e, c = self.lookup(path)
        size, = struct.unpack_from("<I", self.b, e + 28)
        cb = self.spc * self.ss
        out = b"".join(bytes(self.b[self.clus_off(k):self.clus_off(k) + cb])
                       for k in self.chain(c))
        if len(out) < size:
            raise SystemExit("%s: chain shorter than its size" % path)
        return out[:size]

    def lookup(self, path):
        """The offset of the 8.3 entry of path (8.3 names, "/A/B")."""
        c = self.root_clus()
        e = None
        if path == "/":
            return None, c
        for part in [p for p in path.split("/") if p]:
            base, _, ext = part.upper().partition(".")
            want = (base.ljust(8) + ext.ljust(3)).encode()
            e = next((o for o in self.dir_entries(c)
                      if bytes(self.b[o:o + 11]) == want), None)
            if e is None:
                raise SystemExit("no entry " + path)
            c = self.clus(e)
        return e, c

    def clus(self, e):
        c, = struct.unpack_from("<H", self.b, e + 26)
        if self.kind == 32:
            c |= struct.unpack_from("<H", self.b, e + 20)[0] << 16
        return c

    def set_clus(self, e, c):
        struct.pack_into("<H", self.b, e + 26, c & 0xFFFF)
        if self.kind == 32:
            struct.pack_into("<H", self.b, e + 20, c >> 16)


def main():
    v = Vol(sys.argv[1])
    case = sys.argv[2]
    b = v.b
    f = lambda: v.entry(b"F       BIN")
    boot = {
        "signature": lambda: struct.pack_into("<H", b, 510, 0),
        "jump": lambda: struct.pack_into("<B", b, 0, 0),
        "bytes-per-sector": lambda: struct.pack_into("<H", b, 11, 1000),
        "sectors-per-cluster": lambda: struct.pack_into("<B", b, 13, 3),
        "reserved": lambda: struct.pack_into("<H", b, 14, 0),
        "fats": lambda: struct.pack_into("<B", b, 16, 0),
        "media": lambda: struct.pack_into("<B", b, 21, 0x12),
        "total": lambda: (struct.pack_into("<H", b, 19, 0),
                          struct.pack_into("<I", b, 32, 0)),
        "too-big": lambda: (struct.pack_into("<H", b, 19, 0),
                            struct.pack_into("<I", b, 32, 0x7FFFFFFF)),
        "fat-size": lambda: struct.pack_into("<H", b, 22, 1),
        "root-entries": lambda: struct.pack_into("<H", b, 17, 0),
        "root-cluster": lambda: struct.pack_into("<I", b, 44, 0x0FFFFFF0),
        "fs-version": lambda: struct.pack_into("<H", b, 42, 1),
        "fat32-fatsz16": lambda: struct.pack_into("<H", b, 22, 7),
    }
    if case == "point":
        e, _ = v.lookup(sys.argv[3])
        v.set_clus(e, v.lookup(sys.argv[4])[1] if sys.argv[4] != "/"
                   else v.root_clus())
    elif case in boot:
        boot[case]()
    elif case == "fsinfo-wrong":
        fsinfo, = struct.unpack_from("<H", b, 48)
        struct.pack_into("<II", b, fsinfo * v.ss + 488, 5, 0x7FFFFFF0)
    elif case == "root-loop":
        rc, = struct.unpack_from("<I", b, 44)
        v.set_fat(rc, rc)
    elif case == "chain-loop":
        c = v.clus(f())
        v.set_fat(v.get_fat(c), c)
    elif case == "chain-outside":
        c = v.clus(f())
        v.set_fat(v.get_fat(c), v.n + 10)
    elif case == "chain-free":
        c = v.clus(f())
        v.set_fat(v.get_fat(c), 0)
    elif case == "chain-short":
        struct.pack_into("<I", b, f() + 28, 50 * 1024 * 1024)
    elif case == "entry-outside":
        v.set_clus(f(), v.n + 100)
    elif case == "dir-outside":
        v.set_clus(v.entry(b"D          "), v.n + 100)
    elif case == "dir-loop":
        c = v.clus(v.entry(b"D          "))
        v.set_fat(c, c)
    elif case == "lfn-checksum":
        e = v.entry(b"LONGNA~1TXT")
        b[e - 32 + 13] ^= 0x55
    elif case == "lfn-order":
        e = v.entry(b"LONGNA~1TXT")
        b[e - 32] = 7  # the last slot before the 8.3 entry
    else:
        raise SystemExit("unknown case " + case)
    v.save()


if __name__ == "__main__":
    main()
