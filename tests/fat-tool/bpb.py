#!/usr/bin/python3
"""bpb.py IMAGE: the layout of a FAT image's boot sector on one line, the
fields mkfs.fat chooses (not the volume id, label or OEM name), and the
FAT type by cluster count: "bps=512 spc=4 rsv=4 ... type=12"."""
import struct
import sys


def main():
    with open(sys.argv[1], "rb") as f:
        b = f.read(512)
    (bps, spc, rsv, nfats, rde, ts16, media, fs16, spt, heads, hidden,
     ts32) = struct.unpack_from("<HBHBHHBHHHII", b, 11)
    fat_len = fs16 or struct.unpack_from("<I", b, 36)[0]
    drive = b[36] if fs16 else b[64]
    total = ts16 or ts32
    data = total - rsv - nfats * fat_len - (rde * 32 + bps - 1) // bps
    clusters = data // spc
    fat = 12 if clusters < 4085 else 16 if clusters < 65525 else 32
    print("bps=%d spc=%d rsv=%d nfats=%d root_entries=%d total=%d "
          "media=0x%02x fat_len=%d spt=%d heads=%d hidden=%d drive=0x%02x "
          "clusters=%d type=%d" % (bps, spc, rsv, nfats, rde, total, media,
                                   fat_len, spt, heads, hidden, drive,
                                   clusters, fat))


main()
