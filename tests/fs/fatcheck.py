"""Facts about a FAT image that fsck.fat does not print: the FAT[1] dirty
bit, FSInfo's free count and hint against the FAT's own free count, and
whether a file's chain is in one piece.

    fatcheck.py IMAGE state       -> "clean=1 fsinfo_free=N fat_free=M
                                      fats_equal=1" (every FAT copy alike)
    fatcheck.py IMAGE pieces NAME -> number of runs of the root file NAME's
                                     chain (8.3 name, "NAME    EXT")
"""
import struct
import sys


def main():
    img = open(sys.argv[1], "rb").read()
    ss, spc, rsvd, nfats, rootents, tot16 = struct.unpack_from("<HBHBHH", img, 11)
    fatsz16, = struct.unpack_from("<H", img, 22)
    tot32, fatsz32 = struct.unpack_from("<II", img, 32)
    tot = tot16 or tot32
    fatsz = fatsz16 or fatsz32
    rootsecs = (rootents * 32 + ss - 1) // ss
    data = rsvd + nfats * fatsz + rootsecs
    n = (tot - data) // spc
    kind = 12 if n < 4085 else 16 if n < 65525 else 32
    fat = img[rsvd * ss:(rsvd + fatsz) * ss]

    def get(c):
        if kind == 12:
            x, = struct.unpack_from("<H", fat, c + c // 2)
            return x >> 4 if c & 1 else x & 0xFFF
        if kind == 16:
            return struct.unpack_from("<H", fat, 2 * c)[0]
        return struct.unpack_from("<I", fat, 4 * c)[0] & 0x0FFFFFFF

    if sys.argv[2] == "state":
        clean = 1
        if kind == 16:
            clean = get(1) >> 15 & 1
        elif kind == 32:
            clean = get(1) >> 27 & 1
        free = sum(1 for c in range(2, n + 2) if get(c) == 0)
        fsfree = "-"
        if kind == 32:
            fsinfo, = struct.unpack_from("<H", img, 48)
            fsfree = struct.unpack_from("<I", img, fsinfo * ss + 488)[0]
        same = all(img[(rsvd + k * fatsz) * ss:(rsvd + (k + 1) * fatsz) * ss]
                   == fat for k in range(1, nfats))
        print("clean=%d fsinfo_free=%s fat_free=%d fats_equal=%d" %
              (clean, fsfree, free, same))
    elif sys.argv[2] == "pieces":
        want = sys.argv[3].encode()
        if kind == 32:
            rc, = struct.unpack_from("<I", img, 44)
            root = b""
            c = rc
            while c < 0x0FFFFFF8:
                off = (data + (c - 2) * spc) * ss
                root += img[off:off + spc * ss]
                c = get(c)
        else:
            off = (rsvd + nfats * fatsz) * ss
            root = img[off:off + rootents * 32]
        for i in range(0, len(root), 32):
            e = root[i:i + 32]
            if e[:11] == want:
                c = struct.unpack_from("<H", e, 26)[0] | (
                    struct.unpack_from("<H", e, 20)[0] << 16 if kind == 32 else 0)
                runs, prev = 0, None
                eoc = {12: 0xFF8, 16: 0xFFF8, 32: 0x0FFFFFF8}[kind]
                while 2 <= c < eoc:
                    if prev is None or c != prev + 1:
                        runs += 1
                    prev, c = c, get(c)
                print(runs)
                return
        print("not found")


main()
