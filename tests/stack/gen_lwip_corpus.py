#!/usr/bin/python3
"""gen_lwip_corpus.py DIR: write the seed corpus of fuzz_lwip_frames.

Each file is a sequence of frames, each a 2-byte big-endian length and
the frame, for the stack at 10.0.0.2 / fd00::2 (MAC 02:00:00:00:00:01)
with TCP and UDP port 7 open: well-formed ARP, ICMP, TCP, UDP, IPv4
fragments and IPv6 frames, TCP super-frames (the device it runs on
offers LRO), and runts, oversized frames and garbage.
"""
import os
import random
import struct
import sys

STACK_MAC = bytes([2, 0, 0, 0, 0, 1])
PEER_MAC = bytes([2, 0, 0, 0, 0, 9])
BCAST = b"\xff" * 6
STACK_IP = bytes([10, 0, 0, 2])
PEER_IP = bytes([10, 0, 0, 9])
STACK_IP6 = bytes.fromhex("fd000000000000000000000000000002")
PEER_IP6 = bytes.fromhex("fd000000000000000000000000000009")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, etype, payload):
    return dst + PEER_MAC + struct.pack("!H", etype) + payload


def ipv4(proto, payload, ident=1, frag=0, src=PEER_IP, dst=STACK_IP):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                    frag, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4sum(proto, src, dst, seg):
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def tcp(sport, dport, seq, ack, flags, data=b"", win=65535, opts=b""):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags,
                    win, 0, 0) + opts
    seg = h + data
    c = l4sum(6, PEER_IP, STACK_IP, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(sport, dport, data):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4sum(17, PEER_IP, STACK_IP, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp_echo(ident, seq, data=b"ping"):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def arp(op, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + PEER_MAC + PEER_IP \
        + tha + tpa


def ipv6(nh, payload, src=PEER_IP6, dst=STACK_IP6):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + src \
        + dst + payload


def icmp6(typ, code, body, src=PEER_IP6, dst=STACK_IP6):
    m = struct.pack("!BBH", typ, code, 0) + body
    ph = src + dst + struct.pack("!I3xB", len(m), 58)
    return m[:2] + struct.pack("!H", csum(ph + m)) + m[4:]


def seq(*frames):
    return b"".join(struct.pack("!H", len(f)) + f for f in frames)


def cases():
    syn = tcp(40000, 7, 1000, 0, 0x02,
              opts=b"\x02\x04\x05\xb4\x03\x03\x07\x01")  # MSS, wscale
    yield "arp_request", seq(eth(BCAST, 0x0806, arp(1, b"\0" * 6, STACK_IP)))
    yield "arp_reply", seq(eth(STACK_MAC, 0x0806, arp(2, STACK_MAC,
                                                      STACK_IP)))
    yield "icmp_echo", seq(
        eth(BCAST, 0x0806, arp(1, b"\0" * 6, STACK_IP)),
        eth(STACK_MAC, 0x0800, ipv4(1, icmp_echo(1, 1))))
    yield "tcp_syn", seq(eth(STACK_MAC, 0x0800, ipv4(6, syn)))
    yield "tcp_session", seq(
        eth(BCAST, 0x0806, arp(1, b"\0" * 6, STACK_IP)),
        eth(STACK_MAC, 0x0800, ipv4(6, syn)),
        eth(STACK_MAC, 0x0800, ipv4(6, tcp(40000, 7, 1001, 1, 0x10))),
        eth(STACK_MAC, 0x0800, ipv4(6, tcp(40000, 7, 1001, 1, 0x18,
                                           b"hello echo"))),
        eth(STACK_MAC, 0x0800, ipv4(6, tcp(40000, 7, 1011, 1, 0x11))),
        eth(STACK_MAC, 0x0800, ipv4(6, tcp(40000, 7, 1012, 1, 0x04))))
    yield "tcp_rst_closed_port", seq(eth(STACK_MAC, 0x0800,
                                         ipv4(6, tcp(40001, 9, 5, 0, 0x02))))
    yield "udp_echo", seq(eth(STACK_MAC, 0x0800,
                              ipv4(17, udp(5000, 7, b"datagram"))))
    yield "udp_closed_port", seq(eth(STACK_MAC, 0x0800,
                                     ipv4(17, udp(5000, 9, b"x"))))
    big = udp(5000, 7, bytes(range(256)) * 8)
    yield "ipv4_fragments", seq(
        eth(STACK_MAC, 0x0800, ipv4(17, big[:1480], ident=7, frag=0x2000)),
        eth(STACK_MAC, 0x0800, ipv4(17, big[1480:], ident=7,
                                    frag=1480 // 8)))
    yield "ipv4_overlapping_fragments", seq(
        eth(STACK_MAC, 0x0800, ipv4(17, big[:1000], ident=8, frag=0x2000)),
        eth(STACK_MAC, 0x0800, ipv4(17, big[8:1480], ident=8,
                                    frag=0x2000 | 1)),
        eth(STACK_MAC, 0x0800, ipv4(17, big[1480:], ident=8,
                                    frag=1480 // 8)))
    yield "ipv6_neighbor_solicit", seq(eth(
        b"\x33\x33\xff\x00\x00\x02", 0x86DD,
        ipv6(58, icmp6(135, 0, b"\0" * 4 + STACK_IP6 + b"\x01\x01" + PEER_MAC),
             dst=bytes.fromhex("ff0200000000000000000001ff000002"))))
    yield "ipv6_echo", seq(eth(STACK_MAC, 0x86DD, ipv6(58, icmp6(
        128, 0, struct.pack("!HH", 1, 1) + b"ping6"))))
    yield "runts", seq(b"", b"\x02", STACK_MAC + PEER_MAC + b"\x08",
                       STACK_MAC + PEER_MAC + b"\x08\x00",
                       eth(STACK_MAC, 0x0800, b"\x45"),
                       eth(STACK_MAC, 0x0806, b"\x00\x01"),
                       eth(STACK_MAC, 0x86DD, b"\x60\x00"))
    yield "oversized", seq(eth(STACK_MAC, 0x0800, ipv4(17, udp(
        1, 7, b"\0" * 1473))), eth(STACK_MAC, 0x0800, b"\0" * 9000),
        b"\xff" * 65535)
    # TCP super-frames, as a device with LRO hands them over: a session
    # whose data comes in one 9000-byte segment, one with a wrong IP
    # length, an IPv6 one, and one addressed to another MAC.
    data = bytes(range(256)) * 35
    yield "tcp_super_frame", seq(
        eth(STACK_MAC, 0x0800, ipv4(6, syn)),
        eth(STACK_MAC, 0x0800, ipv4(6, tcp(40000, 7, 1001, 1, 0x10))),
        eth(STACK_MAC, 0x0800, ipv4(6, tcp(40000, 7, 1001, 1, 0x18, data))))
    short = bytearray(ipv4(6, tcp(40000, 7, 1001, 1, 0x18, data)))
    short[2:4] = struct.pack("!H", 3000)
    seg6 = tcp(40000, 7, 1001, 1, 0x18, data)
    yield "tcp_super_frame_bad", seq(
        eth(STACK_MAC, 0x0800, bytes(short)),
        eth(STACK_MAC, 0x86DD, ipv6(6, seg6)),
        eth(PEER_MAC, 0x0800, ipv4(6, tcp(40000, 7, 1001, 1, 0x18, data))))
    bad_len = bytearray(ipv4(17, udp(5000, 7, b"abc")))
    bad_len[2:4] = b"\xff\xff"
    yield "ipv4_bad_total_length", seq(eth(STACK_MAC, 0x0800,
                                           bytes(bad_len)))
    bad_off = bytearray(ipv4(6, syn))
    bad_off[20 + 12] = 0xF0  # data offset 60 bytes, beyond the segment
    yield "tcp_bad_offset", seq(eth(STACK_MAC, 0x0800, bytes(bad_off)))
    r = random.Random(1)
    yield "garbage", seq(*[bytes(r.randrange(256) for _ in range(
        r.randrange(0, 200))) for _ in range(20)])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in cases():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


main()
