"""bigfile.py IMAGE SIZE: give a FAT32 image (made by mkfs.fat on a sparse
file, nothing in it yet) the file /BIG.BIN of SIZE bytes, its clusters
chained from cluster 3 on in every FAT copy and FSInfo updated, without
writing its data (the image stays sparse).
bigfile.py IMAGE tail OFFSET COUNT: print COUNT bytes of /BIG.BIN from
OFFSET as hex, read through its chain (checking the chain's length
against its size)."""
import struct
import sys


def geometry(f):
    f.seek(0)
    b = f.read(512)
    ss, spc, rsvd, nfats = struct.unpack_from("<HBHB", b, 11)
    tot, fatsz, _, _, root = struct.unpack_from("<IIHHI", b, 32)
    fsinfo, = struct.unpack_from("<H", b, 48)
    data = (rsvd + nfats * fatsz) * ss
    n = (tot - rsvd - nfats * fatsz) // spc
    return ss, spc, rsvd, nfats, fatsz, root, fsinfo, data, n


def make(path, size):
    with open(path, "r+b") as f:
        ss, spc, rsvd, nfats, fatsz, root, fsinfo, data, n = geometry(f)
        cs = ss * spc
        k = (size + cs - 1) // cs
        if root != 2 or k + 3 > n + 2:
            raise SystemExit("image too small or root not at cluster 2")
        links = list(range(4, 3 + k)) + [0x0FFFFFFF]
        blob = struct.pack("<%dI" % k, *links)
        for i in range(nfats):
            f.seek((rsvd + i * fatsz) * ss + 4 * 3)
            f.write(blob)
        f.seek(fsinfo * ss + 488)
        free, = struct.unpack("<I", f.read(4))
        f.seek(fsinfo * ss + 488)
        f.write(struct.pack("<II", free - k, 3 + k))
        e = bytearray(32)
        e[0:11] = b"BIG     BIN"
        e[11] = 0x20
        # times, dates (2025-12-02), first cluster 3, size
        struct.pack_into("<HHHHHHHI", e, 14, 0, 0x5B82, 0x5B82, 0, 0,
                         0x5B82, 3, size)
        f.seek(data)
        f.write(e)


def tail(path, off, count):
    with open(path, "rb") as f:
        ss, spc, rsvd, nfats, fatsz, root, fsinfo, data, n = geometry(f)
        cs = ss * spc
        f.seek(data)
        e = f.read(32)
        size, = struct.unpack_from("<I", e, 28)
        c = struct.unpack_from("<H", e, 26)[0] | \
            struct.unpack_from("<H", e, 20)[0] << 16
        f.seek(rsvd * ss)
        fat = f.read(fatsz * ss)
        chain = []
        while 2 <= c < n + 2 and len(chain) <= n:
            chain.append(c)
            c = struct.unpack_from("<I", fat, 4 * c)[0] & 0x0FFFFFFF
        if len(chain) != (size + cs - 1) // cs:
            raise SystemExit("chain of %d clusters for %d bytes"
                             % (len(chain), size))
        out = bytearray()
        for p in range(off, off + count):
            f.seek(data + (chain[p // cs] - 2) * cs + p % cs)
            out += f.read(1)
        print("size %d chain %d" % (size, len(chain)))
        print(out.hex())


if sys.argv[2] == "tail":
    tail(sys.argv[1], int(sys.argv[3]), int(sys.argv[4]))
else:
    make(sys.argv[1], int(sys.argv[2]))
