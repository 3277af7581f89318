#!/usr/bin/env python3
"""vlan_frames.py: tagged Ethernet frames on a raw packet socket.

  vlan_frames.py send IFACE KIND LEN   send one frame, print "LEN SHA1"
  vlan_frames.py recv IFACE SECONDS    print "LEN SHA1" for each frame
                                       of ours seen in that time, or
                                       until half a second after the
                                       first

KIND is q (802.1Q, PCP 5 VID 10), qinq (802.1ad VID 20, then 802.1Q
VID 30) or untagged.  A frame of ours is a broadcast from 02:77:00:00:00:01
(or any destination) whose inner type is 0x88b5 and whose bytes after it
count up from LEN; so a frame that arrives changed (a tag lost, cut) is
not ours, or prints another digest.

The kernel hands a packet socket a received frame without its outer VLAN
tag, which it keeps in the auxiliary data: recv puts it back, as tcpdump
does, so that the frame is printed as it was on the wire."""
import hashlib
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
SRC = bytes.fromhex("027700000001")
TAGS = {
    "untagged": [],
    "q": [(0x8100, 0xA00A)],
    "qinq": [(0x88A8, 0x0014), (0x8100, 0x001E)],
}


def frame(kind, length):
    head = b"\xff" * 6 + SRC
    for tpid, tci in TAGS[kind]:
        head += struct.pack("!HH", tpid, tci)
    head += struct.pack("!H", 0x88B5)
    body = bytes((length + i) & 0xFF for i in range(length - len(head)))
    return head + body


def ours(f):
    if len(f) < 14 or f[6:12] != SRC:
        return False
    at = 12
    while f[at : at + 2] in (b"\x81\x00", b"\x88\xa8") and len(f) >= at + 6:
        at += 4
    if f[at : at + 2] != b"\x88\xb5":
        return False
    return all(f[i] == (len(f) + i - at - 2) & 0xFF for i in range(at + 2, len(f)))


def line(f):
    return "%d %s" % (len(f), hashlib.sha1(f).hexdigest())


def main():
    cmd, iface = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, ETH_P_ALL))
    if cmd == "send":
        f = frame(sys.argv[3], int(sys.argv[4]))
        s.send(f)
        print(line(f))
        return 0
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    end = time.monotonic() + float(sys.argv[3])
    print("listening", flush=True)
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            return 0
        data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(20))
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        for level, typ, aux in anc:
            if level != SOL_PACKET or typ != PACKET_AUXDATA or len(aux) < 20:
                continue
            status, _, _, _, _, tci, tpid = struct.unpack("=IIIHHHH", aux[:20])
            if status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
        if ours(data):
            print(line(data), flush=True)
            end = min(end, time.monotonic() + 0.5)


if __name__ == "__main__":
    sys.exit(main())
