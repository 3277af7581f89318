#!/usr/bin/python3
"""pcap_csum.py: reads tshark's fields (tab-separated, in this order:
frame.len ip.src ip.dst ip.hdr_len ip.len ipv6.src ipv6.dst ipv6.plen
tcp.checksum udp.checksum) of whole TCP or UDP packets on stdin and
prints "PSEUDO OTHER": how many hold in their checksum field the
pseudo-header sum (addresses, protocol and TCP or UDP length; folded, not
complemented) that net.h's DEVMGR_NET_OFF_CSUM_TX asks a sender to
leave, and how many hold anything else."""
import ipaddress
import sys


def fold(s):
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def words(b):
    return sum(b[i] << 8 | b[i + 1] for i in range(0, len(b), 2))


def main():
    pseudo = other = 0
    for line in sys.stdin:
        f = line.rstrip("\n").split("\t")
        if len(f) < 10:
            continue
        _, s4, d4, hl, ln, s6, d6, plen, tsum, usum = f[:10]
        if tsum:
            proto, field = 6, tsum
        elif usum:
            proto, field = 17, usum
        else:
            continue
        if s4:
            addrs = ipaddress.ip_address(s4).packed + ipaddress.ip_address(d4).packed
            l4len = int(ln) - int(hl)
        else:
            addrs = ipaddress.ip_address(s6).packed + ipaddress.ip_address(d6).packed
            l4len = int(plen)
        want = fold(words(addrs) + proto + l4len)
        if int(field, 16) == want:
            pseudo += 1
        else:
            other += 1
    print(pseudo, other)


main()
