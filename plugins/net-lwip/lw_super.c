/* stack-lwip's TCP super-frames, for a net device with offloads
 * (DEVMGR_NET_OFF_TSO, DEVMGR_NET_OFF_LRO): runs of lwIP's data segments
 * joined into one super-frame for the device to cut again, and received
 * super-frames handed to lwIP's IP input as one segment. */
#include "stack_lwip.h"

#include <devmgr/provider/net.h>

#include <string.h>

#include "lwip/inet_chksum.h"

/* ---- TCP super-frames out (TSO) ------------------------------------ */

#define ETH_L3	 14 /* the IP header, after Ethernet */
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A data segment that can join a run: IPv4 without options and not a
 * fragment, or IPv6 with TCP as its first next header; TCP without
 * options, flags ACK and maybe PSH (SYN, FIN, RST and URG go alone).
 * Returns the length of its headers (Ethernet, IP, TCP), or 0. */
static size_t tcp_plain(const uint8_t *f, size_t len)
{
	struct devmgr_net_tcp t;

	if (len <= ETH_L3 + 40 + 20 ||
	    devmgr_net_tcp_parse(f, len, len, &t) < 0)
		return 0;
	if ((t.ipv == 4 && t.l4 - t.l3 != 20) || t.payload - t.l4 != 20 ||
	    (t.flags & ~TCPF_PSH) != TCPF_ACK)
		return 0;
	return t.payload;
}

/* The same connection and headers as the run, and the next byte of it,
 * after a full-sized segment (only the last may be short).  Full-sized is
 * what fills the MTU: the device cuts a super-frame at the MTU, so only
 * then are the segments it makes the ones lwIP made (a peer's smaller
 * MSS, or the 1460 of Debian's liblwip under a larger MTU, leaves
 * segments alone). */
static bool gso_continues(const struct lw_stack *st, const uint8_t *f,
			  size_t hl, size_t pay)
{
	const struct lw_gso *g = &st->gso;
	const uint8_t *r = g->buf, *t = f + hl - 20, *rt = r + hl - 20;
	bool same_ip;

	if (hl != g->hl || g->seg != st->mtu - (hl - ETH_L3) ||
	    g->last != g->seg || pay > g->seg || g->len + pay > st->max_frame ||
	    get32(t + 4) != g->next_seq || memcmp(f, r, 14) != 0)
		return false;
	if (hl == ETH_L3 + 20 + 20) /* IPv4: TOS, DF, TTL, addresses */
		same_ip = f[15] == r[15] && f[20] == r[20] && f[22] == r[22] &&
			  memcmp(f + 26, r + 26, 8) == 0;
	else /* IPv6: class and flow, hop limit, addresses */
		same_ip = memcmp(f + 14, r + 14, 4) == 0 && f[21] == r[21] &&
			  memcmp(f + 22, r + 22, 32) == 0;
	return same_ip && memcmp(t, rt, 4) == 0 && /* ports */
	       memcmp(t + 8, rt + 8, 4) == 0 &&	   /* ACK number */
	       memcmp(t + 14, rt + 14, 2) == 0;	   /* window */
}

/* Loop thread, under the lock: the pending run goes to the device, as it
 * was when it is one segment, else as a super-frame (IP length, and for
 * IPv4 the header checksum, for the whole; the TCP checksum field holding
 * the pseudo-header sum, as DEVMGR_NET_OFF_TSO asks). */
void lw_gso_flush(struct lw_stack *st)
{
	struct lw_gso *g = &st->gso;
	uint8_t *f = g->buf, *t;
	uint32_t sum;
	size_t a, alen;

	if (g->len == 0)
		return;
	if (g->nseg > 1) {
		t = f + g->hl - 20;
		sum = IP_PROTO_TCP + (uint32_t)(g->len - (g->hl - 20u));
		if (g->hl == ETH_L3 + 20 + 20) {
			put16(f + 16, (uint32_t)(g->len - ETH_L3));
			put16(f + 24, 0);
			memcpy(f + 24, &(u16_t){ inet_chksum(f + ETH_L3, 20) },
			       2);
			a = 26;
			alen = 8;
		} else {
			put16(f + 18, (uint32_t)(g->len - ETH_L3 - 40));
			a = 22;
			alen = 32;
		}
		t[13] = g->flags;
		for (size_t i = a; i < a + alen; i += 2)
			sum += get16(f + i);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		put16(t + 16, sum);
	}
	devmgr_net_send(st->net, f, g->len); /* -EAGAIN: dropped, as a link */
	g->len = 0;
}

/* Loop thread, under the lock: true when the frame joined the run, or
 * began one.  A frame that cannot join sends the run first, so that
 * frames leave in the order lwIP made them. */
bool lw_gso_add(struct lw_stack *st, const uint8_t *f, size_t len)
{
	struct lw_gso *g = &st->gso;
	size_t hl = tcp_plain(f, len), pay = len - hl;
	const uint8_t *t;

	if (hl == 0) {
		lw_gso_flush(st);
		return false;
	}
	t = f + hl - 20;
	if (g->len && !gso_continues(st, f, hl, pay))
		lw_gso_flush(st);
	if (g->len == 0) {
		memcpy(g->buf, f, len);
		g->len = len;
		g->hl = (uint8_t)hl;
		g->nseg = 1;
		g->seg = (uint16_t)pay;
		g->flags = t[13];
	} else {
		memcpy(g->buf + g->len, f + hl, pay);
		g->len += pay;
		g->nseg++;
		g->flags |= t[13];
	}
	g->last = (uint16_t)pay;
	g->next_seq = get32(t + 4) + (uint32_t)pay;
	return true;
}

/* ---- TCP super-frames in (LRO) ------------------------------------- */

/* A TCP super-frame from a device with LRO: longer than lwIP's pbufs
 * can hold with the Ethernet header (their lengths are 16 bits), so the
 * IP packet goes to lwIP's IP input, which is what ethernet_input() would
 * do with it; super-frames are only ever unicast IPv4 or IPv6. */
void lw_super_frame_in(struct lw_stack *st, const uint8_t *f, size_t len)
{
	uint16_t type = get16(f + 12);
	struct pbuf *p;

	if (!st->lro || len > st->max_frame ||
	    len - DEVMGR_NET_HDR_LEN > 0xffff ||
	    (type != 0x0800 && type != 0x86dd) ||
	    memcmp(f, st->netif.hwaddr, 6) != 0)
		return;
	LOCK_TCPIP_CORE();
	p = pbuf_alloc(PBUF_RAW, (u16_t)(len - DEVMGR_NET_HDR_LEN), PBUF_RAM);
	if (p != NULL) {
		memcpy(p->payload, f + DEVMGR_NET_HDR_LEN,
		       len - DEVMGR_NET_HDR_LEN);
		if (ip_input(p, &st->netif) != ERR_OK)
			pbuf_free(p);
	}
	lw_unlock_flush(st);
}
